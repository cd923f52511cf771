"""Events: the App Home, a file shared in the DM (an import), uninstalls and revoked tokens."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core import Core
from bot.records import Who
from bot.results import Refusal, Reply
from handlers.slack.edge import ack_now, learn_profile, plain
from handlers.slack.files import FILE_ID, bot_user, shared_file
from handlers.slack.oauth import EncryptedInstallationStore
from handlers.slack.render import home_view, message

log = logging.getLogger("metbot.slack")

COULD_NOT_READ = (
    "Sorry, I couldn't read that file from Slack just now. Nothing was imported; please share it again."
)


def register(app: App, core: Core, store: EncryptedInstallationStore | None) -> None:
    def home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        who = Who(
            platform="slack", workspace=str(body.get("team_id") or ""), user=str(event.get("user") or "")
        )
        learn_profile(core, client, who)
        core.members.note_home_opened(who)
        reply = core.router.handle_command(who, "home", "").answer
        assert isinstance(reply, Reply)
        client.views_publish(user_id=who.user, view=home_view(reply))

    app.event("app_home_opened")(ack=ack_now, lazy=[home])

    def file_shared(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user = str(event.get("user_id") or "")
        channel = str(event.get("channel_id") or "")
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        # Only files a person shares with metbot in its DM; never our own uploads (an export), never channels.
        if (
            not user
            or user == bot_user(context, body)
            or not channel.startswith("D")
            or not FILE_ID.match(file_id)
        ):
            return
        who = Who(platform="slack", workspace=str(body.get("team_id") or ""), user=user)
        try:
            learn_profile(core, client, who)
            incoming = shared_file(client, file_id, who)
            if incoming.owner != user:
                return  # not theirs to import (Slack shouldn't send this; ignore quietly)
            reply: Reply | Refusal = core.router.handle_file_shared(who, incoming)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning(
                "file_shared: could not read the file",
                extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
            )
            reply = plain(COULD_NOT_READ)
        except Exception:
            log.exception("file_shared failed", extra={"team": who.workspace, "user": who.user})
            reply = plain(
                "Sorry, something went wrong on my side while reading that file. Nothing was imported."
            )
        if isinstance(reply, Refusal):
            reply = plain(reply.message)
        client.chat_postMessage(channel=channel, **message(reply))

    app.event("file_shared")(ack=ack_now, lazy=[file_shared])

    def uninstalled(body: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        if store is not None:
            store.delete_all(enterprise_id=body.get("enterprise_id"), team_id=team)
        stopped = core.members.stop_workspace("slack", team)
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
            stopped = core.members.stop_workspace("slack", team)
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
