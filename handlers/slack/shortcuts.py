"""The "Log a meeting" shortcuts: on a message (prefilled from its text and author) and from anywhere."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.core import Core
from bot.records import Person
from bot.router import Asked
from handlers.slack.edge import ack_now, learn_profile, name_lookup, sorry, who_of
from handlers.slack.replies import show
from handlers.slack.text import plain_text

log = logging.getLogger("metbot.slack")

ON_A_MESSAGE = "log_meeting"  # the message shortcut's callback_id (manifest.yml)
FROM_ANYWHERE = "log_meeting_global"  # the global shortcut's
MAX_MESSAGE_TEXT = 4000


def _author(client: WebClient, message: dict[str, Any]) -> Person | None:
    user = str(message.get("user") or "")
    if not user:
        return None
    return Person(name=name_lookup(client)(user) or user, user=user)


def register(app: App, core: Core) -> None:
    def run(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            learn_profile(core, client, who)
            message = body.get("message") or {}
            said = plain_text(str(message.get("text") or "")[:MAX_MESSAGE_TEXT], name_lookup(client))
            author = _author(client, message) if message else None
            asked = Asked(channel=(body.get("channel") or {}).get("id"), mentions=said.mentions)
            routed = core.router.handle_log_from_message(who, said.text, author, asked)
            show(core, routed, body, respond, client)
        except Exception:
            log.exception("shortcut failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    for callback_id in (ON_A_MESSAGE, FROM_ANYWHERE):
        app.shortcut(callback_id)(ack=ack_now, lazy=[run])
