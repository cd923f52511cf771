"""Modal submissions: validated before the ack so errors show on the fields themselves."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import Core
from bot.results import FormErrors, Refusal, Reply
from bot.router import FormId
from handlers.slack.edge import refresh_home, who_of
from handlers.slack.render import form_values, reply_view
from handlers.slack.replies import tell_in_dm
from handlers.slack.shoutouts import announce

log = logging.getLogger("metbot.slack")

FORM_IDS = re.compile("^(" + "|".join(re.escape(f.value) for f in FormId) + ")$")
TITLES = {
    FormId.MEETING: "Meeting saved",
    FormId.REFERRAL: "Referral saved",
    FormId.REFERRAL_VALUE: "Closed business",
}
FIRST_FIELD = {FormId.MEETING: "name", FormId.REFERRAL: "referred", FormId.REFERRAL_VALUE: "value"}


def register(app: App, core: Core) -> None:
    # The answer (or the errors on the fields) rides on the ack, so the router runs before it: a database
    # write takes milliseconds. What needs Slack's Web API (shoutouts, the App Home) follows after the ack.

    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who = who_of(body)
        form = FormId(str(view.get("callback_id")))
        routed = core.router.handle_submit(
            who, form, form_values(view.get("state") or {}), str(view.get("private_metadata") or "")
        )
        result = routed.answer
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        elif isinstance(result, Refusal):
            ack(response_action="errors", errors={FIRST_FIELD[form]: result.message})
        elif isinstance(result, Reply):
            ack(response_action="update", view=reply_view(result, title=TITLES[form]))
        else:
            ack()

    def after_save(body: dict[str, Any], client: WebClient) -> None:
        who = who_of(body)
        # Cheap when there is nothing to do: no shoutout due, or a Home the user never opened.
        try:
            if str((body.get("view") or {}).get("callback_id")) != FormId.MEETING:
                tell_in_dm(client, who, announce(core.referrals, who, client))
            refresh_home(core, client, who)
        except Exception:
            log.exception("after a form failed", extra={"team": who.workspace, "user": who.user})

    app.view(FORM_IDS)(ack=save, lazy=[after_save])
