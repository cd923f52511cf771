"""The digest's buttons: I followed up, Snooze, Went cold, Did they respond?, and why it stalled."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.engagement import Engagement
from bot.results import Refusal, Reply, Section
from bot.service import Core
from handlers.slack.edge import ack_now, answer, picked, sorry, split_value, who_of
from handlers.slack.render import home_view, replace_section

log = logging.getLogger("metbot.slack")


def show(
    body: dict[str, Any], respond: Respond, client: WebClient, core: Core, result: Section | Refusal
) -> None:
    """Update the message the click came from in place, or tell the user (only them) it was refused."""
    if isinstance(result, Refusal):
        answer(body, respond, client, result)
        return
    container = body.get("container") or {}
    message = body.get("message") or {}
    if container.get("type") == "message" and message.get("blocks") is not None:
        blocks = replace_section(list(message["blocks"]), result)
        if container.get("is_ephemeral") and body.get("response_url"):
            # Ephemeral messages can't be chat.update'd; their response_url can replace them.
            respond(text=message.get("text") or "Updated", blocks=blocks, replace_original=True)
            return
        client.chat_update(
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts") or message.get("ts"),
            text=message.get("text") or result.title or result.text,
            blocks=blocks,
        )
    elif container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
        client.views_publish(user_id=who_of(body).user, view=home_view(core.home(who_of(body))))
    else:
        answer(body, respond, client, Reply(headline=result.title or result.text, sections=(result,)))


def register(app: App, core: Core, engagement: Engagement) -> None:
    def handle(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        actions = body.get("actions") or [{}]
        action_id = str(actions[0].get("action_id") if isinstance(actions[0], dict) else "")
        try:
            contact_id, extra = split_value(picked(body))
            result: Section | Refusal
            if action_id == "fu.done":
                result = engagement.followed_up(who, contact_id)
            elif action_id == "fu.cold" or action_id == "contact.cold":
                result = engagement.went_cold(who, contact_id)
            elif action_id == "fu.snooze":
                days = int(extra) if extra.isascii() and extra.isdigit() and len(extra) < 4 else -1
                result = engagement.snooze(who, contact_id, days)
            elif action_id in ("fu.yes", "fu.not_yet", "fu.no"):
                result = engagement.responded(who, contact_id, action_id[3:])  # type: ignore[arg-type]
            elif action_id == "fu.why":
                result = engagement.classify(who, contact_id, extra)
            elif action_id == "fu.rest":
                result = engagement.rest(who, contact_id)
            elif action_id == "fu.rhythm":
                days = int(extra) if extra.isascii() and extra.isdigit() and len(extra) < 4 else -1
                result = engagement.keep_in_touch(who, contact_id, days)
            elif action_id == "fu.decide":
                result = engagement.decide(who, contact_id)
            else:
                return
            show(body, respond, client, core, result)
        except Exception:
            log.exception(
                "follow-up action failed",
                extra={"team": who.workspace, "user": who.user, "action": action_id},
            )
            sorry(body, respond, client)

    for action_id in (
        "fu.done",
        "fu.cold",
        "contact.cold",
        "fu.snooze",
        "fu.yes",
        "fu.not_yet",
        "fu.no",
        "fu.why",
        "fu.rest",
        "fu.rhythm",
        "fu.decide",
    ):
        app.action(action_id)(ack=ack_now, lazy=[handle])
