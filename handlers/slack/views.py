"""Modal submissions: validated before the ack so errors show on the fields themselves."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core import Core
from bot.results import FormErrors, Refusal, Reply, Who
from bot.router import FormId
from handlers.slack.edge import refresh_home, who_of
from handlers.slack.render import SLACK_USER_ID, form_values, reply_view
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


NOT_A_TEAMMATE = "Please pick a teammate from the list: I can't find that person in this workspace."


def teammate_problem(client: WebClient, who: Who, teammate: object) -> str | None:
    """A picked teammate must be a Slack user id of someone in the acting user's team (a forged form can
    name anyone). When Slack can't say, the pick stands: it came from Slack's own menu."""
    if teammate is None:
        return None
    if not isinstance(teammate, str) or not SLACK_USER_ID.match(teammate):
        return NOT_A_TEAMMATE
    try:
        user = client.users_info(user=teammate)["user"]
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        return NOT_A_TEAMMATE if code in ("user_not_found", "user_not_visible") else None
    except SlackClientError:
        return None
    team = user.get("team_id") or (user.get("profile") or {}).get("team")
    return None if team in (None, who.workspace) else NOT_A_TEAMMATE


def register(app: App, core: Core) -> None:
    # The answer (or the errors on the fields) rides on the ack, so the router runs before it: a database
    # write takes milliseconds. What needs Slack's Web API (shoutouts, the App Home) follows after the ack.

    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        who = who_of(body)
        form = FormId(str(view.get("callback_id")))
        values = form_values(view.get("state") or {})
        if form is FormId.REFERRAL and (problem := teammate_problem(client, who, values.get("teammate"))):
            log.warning(
                "refused: picked teammate is not in the team", extra={"team": who.workspace, "user": who.user}
            )
            ack(response_action="errors", errors={"teammate": problem})
            return
        routed = core.router.handle_submit(who, form, values, str(view.get("private_metadata") or ""))
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
