"""Uninstalls and revoked tokens: forget that workspace's tokens and stop its digests."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.service import Core
from handlers.slack.edge import ack_now
from handlers.slack.oauth import EncryptedInstallationStore

log = logging.getLogger("metbot.slack")


def register(app: App, core: Core, store: EncryptedInstallationStore | None) -> None:
    def uninstalled(body: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        enterprise = body.get("enterprise_id")
        if store is not None:
            store.delete_all(enterprise_id=enterprise, team_id=team)
        stopped = core.stop_workspace(team)
        log.info(
            "app uninstalled",
            extra={
                "team": team,
                "action": "app_uninstalled",
                "outcome": f"tokens deleted, digests stopped for {stopped}",
            },
        )

    def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        enterprise = body.get("enterprise_id")
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            if store is not None:
                store.delete_bot(enterprise_id=enterprise, team_id=team)
                store.delete_installation(enterprise_id=enterprise, team_id=team)
            stopped = core.stop_workspace(team)
            log.info(
                "bot token revoked",
                extra={
                    "team": team,
                    "action": "tokens_revoked",
                    "outcome": f"tokens deleted, digests stopped for {stopped}",
                },
            )
        for user_id in tokens.get("oauth") or []:
            if store is not None:
                store.delete_installation(enterprise_id=enterprise, team_id=team, user_id=user_id)

    app.event("app_uninstalled")(ack=ack_now, lazy=[uninstalled])
    app.event("tokens_revoked")(ack=ack_now, lazy=[revoked])
