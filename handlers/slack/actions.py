"""Buttons. Each names a row in its `value`; the core checks it belongs to the acting user."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.results import Form, Refusal
from bot.service import Core
from handlers.slack.edge import ack_now, answer, row_id, sorry, who_of
from handlers.slack.render import form_view

log = logging.getLogger("metbot.slack")


def open_form(body: dict[str, Any], client: WebClient, form: Form) -> None:
    """Open the form, or replace the modal the click came from (a view can't open a second one on top)."""
    view = body.get("view") or {}
    if view.get("type") == "modal" and view.get("id"):
        client.views_update(view_id=view["id"], view=form_view(form))
    else:
        client.views_open(trigger_id=body["trigger_id"], view=form_view(form))


def register(app: App, core: Core) -> None:
    def edit_meeting(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            meeting_id = row_id(body)
            form = core.edit_meeting_form(who, meeting_id) if meeting_id is not None else Refusal()
            if isinstance(form, Refusal):
                log.warning(
                    "edit refused: not the user's meeting",
                    extra={"team": who.workspace, "user": who.user, "value": str(meeting_id)},
                )
                answer(body, respond, client, form)
                return
            open_form(body, client, form)
        except Exception:
            log.exception("edit failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    for action_id in ("meeting.edit", "meeting.add_next_step", "meeting.add_offer"):
        app.action(action_id)(ack=ack_now, lazy=[edit_meeting])
