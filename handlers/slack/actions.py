"""Buttons and menus: one listener for every action id the core declares, straight to the router."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.core import Core
from bot.router import Action, Asked, action_of, decode
from handlers.slack.edge import ack_now, picked, sorry, who_of
from handlers.slack.files import fetcher
from handlers.slack.render import action_id_of
from handlers.slack.replies import show

log = logging.getLogger("metbot.slack")

# Exactly the core's action ids, and their numbered repeats (render.unique_action_ids: Slack refuses two
# elements with one action_id in a block).
ACTION_IDS = re.compile("^(" + "|".join(re.escape(a.value) for a in Action) + r")(:\d+)?$")


def base_action(action_id: str) -> Action | None:
    """The core's action for a Slack action_id ('fu.why' or 'fu.why:2')."""
    return action_of(action_id_of(action_id))


def register(app: App, core: Core) -> None:
    def run(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        actions = body.get("actions") or [{}]
        action_id = str(actions[0].get("action_id") if isinstance(actions[0], dict) else "")
        action = base_action(action_id)
        if action is None:
            return
        try:
            payload = decode(action, picked(body))
            asked = Asked(fetch_file=fetcher(client, who))
            show(core, core.router.handle_action(who, action, payload, asked), body, respond, client)
        except Exception:
            log.exception(
                "action failed", extra={"team": who.workspace, "user": who.user, "action": action.value}
            )
            sorry(body, respond, client)

    app.action(ACTION_IDS)(ack=ack_now, lazy=[run])
