"""Slash command `/met`. Ack at once; the work happens in lazy listeners after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.results import Who
from bot.service import Core
from handlers.slack.data import run_export, user_data
from handlers.slack.edge import ack_now, answer, learn_profile, name_lookup, refresh_home, sorry, who_of
from handlers.slack.render import form_view

log = logging.getLogger("metbot.slack")

MAX_COMMAND_TEXT = 4000  # Slack sends at most a few thousand characters; anything bigger is hostile


def register(app: App, core: Core) -> None:
    def met(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            run_met(core, who, body, respond, client)
        except Exception:
            log.exception("/met failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    app.command("/met")(ack=ack_now, lazy=[met])
    # `/referral` and `/met config` are registered in handlers/referrals.py.


def run_met(core: Core, who: Who, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    learn_profile(core, client, who)
    text = str(body.get("text") or "")
    if len(text) > MAX_COMMAND_TEXT:
        log.warning(
            "oversized /met text", extra={"team": who.workspace, "user": who.user, "length": len(text)}
        )
    stripped = text.strip()
    word = stripped.split(maxsplit=1)[0].lower() if stripped else ""
    if not stripped:
        if not text:
            form = core.new_meeting_form(who, channel=body.get("channel_id"))
            client.views_open(trigger_id=body["trigger_id"], view=form_view(form))
            return
        answer(body, respond, client, core.capture_text(who, text, name_lookup(client)))
        return
    if word == "help" and ";" not in stripped:  # "/met help", "/met help me": nobody is called Help
        answer(body, respond, client, core.help())
    elif word == "list" and stripped.lower() == "list":
        answer(body, respond, client, core.contacts(who))
    elif word == "stats" and stripped.lower() == "stats":
        answer(body, respond, client, core.stats(who))
    elif word == "team" and stripped.lower() == "team":
        answer(body, respond, client, core.team(who))
    elif word == "export" and stripped.lower() == "export":
        run_export(core, who, body, respond, client)
    elif word == "import" and stripped.lower() == "import":
        answer(body, respond, client, user_data(core).import_help())
    elif word == "forget":
        rest = stripped[len(stripped.split(maxsplit=1)[0]) :]
        answer(body, respond, client, user_data(core).forget_prompt(who, rest))
    else:
        answer(body, respond, client, core.capture_text(who, text, name_lookup(client)))
        refresh_home(core, client, who)
