"""`/referral`, its form, the outcome buttons, the closed-business form, and `/met config channel`.

Ack at once; the work happens in lazy listeners. Shoutouts are posted after the referral is saved, and a
team channel that can't take them is explained to the user, never silently dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.referral_service import ReferralService
from bot.referrals import FORM_ID, VALUE_FORM_ID, help_reply
from bot.results import Form, FormErrors, Refusal, Reply, Section, Who
from bot.service import Core
from handlers.slack.actions import open_form
from handlers.slack.edge import (
    ack_now,
    answer,
    learn_profile,
    name_lookup,
    picked,
    refresh_home,
    sorry,
    split_value,
    who_of,
)
from handlers.slack.followups import show
from handlers.slack.render import SLACK_USER_ID, action_pattern, form_values, form_view, message, reply_view
from handlers.slack.shoutouts import announce

log = logging.getLogger("metbot.slack")

MAX_COMMAND_TEXT = 4000


def is_config(body: dict[str, Any]) -> bool:
    """`/met config …` is ours; every other `/met` goes on to the listener in handlers/commands.py."""
    words = str(body.get("text") or "").split(maxsplit=1)
    return bool(words) and words[0].lower() == "config"


def is_admin(client: WebClient, who: Who) -> bool:
    """Workspace admins and owners may choose the team channel (asked after the ack: a Web API call)."""
    try:
        user = client.users_info(user=who.user)["user"]
    except (SlackApiError, SlackClientError) as error:
        log.warning(
            "users.info failed; treating the user as not an admin",
            extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
        )
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


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


def with_problems(reply: Reply, problems: list[Section]) -> Reply:
    return Reply(headline=reply.headline, sections=(*reply.sections, *problems)) if problems else reply


def tell_in_dm(client: WebClient, who: Who, problems: list[Section]) -> None:
    """After a modal there's no response_url: a channel problem goes to the user's DM with the bot."""
    if problems:
        client.chat_postMessage(
            channel=who.user,
            **message(Reply(headline="About your referral's shoutout", sections=tuple(problems))),
        )


def register(app: App, core: Core, referrals: ReferralService) -> None:
    """Register before handlers/commands: the `/met config` listener must be matched before the catch-all."""

    def referral(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            learn_profile(core, client, who)
            text = str(body.get("text") or "")
            if len(text) > MAX_COMMAND_TEXT:
                log.warning(
                    "oversized /referral text",
                    extra={"team": who.workspace, "user": who.user, "length": len(text)},
                )
            stripped = text.strip()
            if not stripped:
                client.views_open(trigger_id=body["trigger_id"], view=form_view(referrals.form(who)))
                return
            if stripped.lower() == "help":
                answer(body, respond, client, help_reply())
                return
            reply = referrals.record_text(who, text, name_lookup(client))
            answer(body, respond, client, with_problems(reply, announce(referrals, who, client)))
            refresh_home(core, client, who)
        except Exception:
            log.exception("/referral failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    app.command("/referral")(ack=ack_now, lazy=[referral])

    def save_referral(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        # Like the meeting form: the database write is fast, so the answer (or the field errors) rides on the
        # ack. The shoutout, a Web API call, is posted after the ack.
        who = who_of(body)
        values = form_values(view.get("state") or {})
        if problem := teammate_problem(client, who, values.get("teammate")):
            log.warning(
                "refused: picked teammate is not in the team", extra={"team": who.workspace, "user": who.user}
            )
            ack(response_action="errors", errors={"teammate": problem})
            return
        result = referrals.submit_form(who, values, str(view.get("private_metadata") or ""))
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        else:
            ack(response_action="update", view=reply_view(result, title="Referral saved"))

    def after_save(body: dict[str, Any], client: WebClient) -> None:
        who = who_of(body)
        try:
            tell_in_dm(client, who, announce(referrals, who, client))
            refresh_home(core, client, who)
        except Exception:
            log.exception("shoutout after a form failed", extra={"team": who.workspace, "user": who.user})

    app.view(FORM_ID)(ack=save_referral, lazy=[after_save])

    def outcome(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            referral_id, extra = split_value(picked(body))
            result: Section | Form | Refusal = referrals.set_outcome(who, referral_id, extra)
            if isinstance(result, Form):
                open_form(body, client, result)
            else:
                show(body, respond, client, core, result)
        except Exception:
            log.exception("referral outcome failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    app.action(action_pattern("referral.outcome"))(ack=ack_now, lazy=[outcome])

    def save_value(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who = who_of(body)
        result = referrals.submit_value(
            who, form_values(view.get("state") or {}), str(view.get("private_metadata") or "")
        )
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        elif isinstance(result, Refusal):
            ack(response_action="errors", errors={"value": result.message})
        else:
            ack(response_action="update", view=reply_view(result, title="Closed business"))

    app.view(VALUE_FORM_ID)(ack=save_value, lazy=[after_save])

    def config(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        try:
            learn_profile(core, client, who)
            rest = str(body.get("text") or "").strip()[len("config") :].strip()
            if rest.split(maxsplit=1)[:1] and rest.split(maxsplit=1)[0].lower() == "digest":
                # Each person's own digest hour: no admin needed.
                answer(body, respond, client, core.set_digest_hour(who, rest[len("digest") :].strip()))
                return
            admin = is_admin(client, who) if rest else False
            answer(body, respond, client, referrals.configure(who, rest, is_admin=admin))
        except Exception:
            log.exception("/met config failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    app.command("/met", matchers=[is_config])(ack=ack_now, lazy=[config])
