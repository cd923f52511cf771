"""Modal submissions: validated before the ack so errors show on the fields themselves."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.capture import FORM_ID
from bot.results import FormErrors, Refusal
from bot.service import Core
from handlers.slack.edge import refresh_home, who_of
from handlers.slack.render import form_values, reply_view

log = logging.getLogger("metbot.slack")


def register(app: App, core: Core) -> None:
    def save_meeting(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # A database write is fast (milliseconds), so it happens here and the answer rides on the ack:
        # the user sees the saved meeting, or the errors on the fields, without another Web API call.
        who = who_of(body)
        result = core.submit_meeting_form(
            who, form_values(view.get("state") or {}), str(view.get("private_metadata") or "")
        )
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        elif isinstance(result, Refusal):
            ack(response_action="errors", errors={"name": result.message})
        else:
            ack(response_action="update", view=reply_view(result, title="Meeting saved"))

    def home_after_save(body: dict[str, Any], client: WebClient) -> None:
        # After the ack: the App Home shows the saved meeting (one views.publish; a failure is only logged).
        refresh_home(core, client, who_of(body))

    app.view(FORM_ID)(ack=save_meeting, lazy=[home_after_save])
