"""Slash commands `/met` and `/referral`: one listener each, straight to the router."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.core import Core
from bot.router import Asked
from handlers.slack.edge import ack_now, is_admin, learn_profile, name_lookup, sorry, who_of
from handlers.slack.replies import show
from handlers.slack.text import plain_text

log = logging.getLogger("metbot.slack")

MAX_COMMAND_TEXT = 4000  # Slack sends at most a few thousand characters; anything bigger is hostile
COMMANDS = {"/met": "met", "/referral": "referral"}


def register(app: App, core: Core) -> None:
    def run(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        name = COMMANDS.get(str(body.get("command") or ""), "met")
        try:
            learn_profile(core, client, who)
            text = str(body.get("text") or "")
            if len(text) > MAX_COMMAND_TEXT:
                log.warning(
                    "oversized command text",
                    extra={"team": who.workspace, "user": who.user, "length": len(text)},
                )
            # The core reads plain text: mentions as "@Name" beside a Person, channels beside a Channel.
            said = plain_text(text, name_lookup(client))
            asked = Asked(
                channel=body.get("channel_id"),
                is_admin=lambda: is_admin(client, who),
                mentions=said.mentions,
                channels=said.channels,
            )
            show(core, core.router.handle_command(who, name, said.text, asked), body, respond, client)
        except Exception:
            log.exception("command failed", extra={"team": who.workspace, "user": who.user, "action": name})
            sorry(body, respond, client)

    for command in COMMANDS:
        app.command(command)(ack=ack_now, lazy=[run])
