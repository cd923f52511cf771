"""What every Slack listener shares: who is acting, learning their profile, and answering them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.capture import SAVE_FAILED
from bot.core import Core
from bot.members import Profile
from bot.results import Refusal, Reply, Section, Who
from handlers.slack.render import NONE_SHOWN, Shown, home_view, message, reply_view

log = logging.getLogger("metbot.slack")


def ack_now(ack: Ack) -> None:
    """Every listener's first step: the empty 200 Slack waits for; the work follows after the ack."""
    ack()


def picked(body: dict[str, Any]) -> str:
    """The clicked button's value or the chosen option's value, as sent (validated by the caller)."""
    actions = body.get("actions") or [{}]
    action = actions[0] if isinstance(actions[0], dict) else {}
    option = action.get("selected_option")
    if isinstance(option, dict):
        return str(option.get("value") or "")
    return str(action.get("value") or "")


def who_of(body: dict[str, Any]) -> Who:
    """The acting user, from a slash command, an interaction or an event body."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
        or ""
    )
    return Who(platform="slack", workspace=str(team), user=str(user))


def learn_profile(core: Core, client: WebClient, who: Who) -> None:
    """On first sight, ask Slack for the user's timezone and name (after the ack: this is a Web API call)."""
    if not core.members.needs_profile(who):
        return
    try:
        user = client.users_info(user=who.user, include_locale=True)["user"]
    except (SlackApiError, SlackClientError) as error:
        log.warning(
            "users.info failed; using UTC for now",
            extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
        )
        core.members.remember(who, Profile(timezone=None))
        return
    profile = user.get("profile") or {}
    core.members.remember(
        who,
        Profile(
            timezone=user.get("tz"),
            locale=user.get("locale"),  # the member's date order: 3/12 is 3 December in en-GB
            display_name=profile.get("display_name") or profile.get("real_name") or user.get("real_name"),
        ),
    )


def name_lookup(client: WebClient) -> Callable[[str], str | None]:
    """For `<@U…>` mentions: the person's real name, or None when Slack can't say."""

    def name_of(user_id: str) -> str | None:
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError):
            return None
        profile = user.get("profile") or {}
        return profile.get("real_name") or user.get("real_name") or profile.get("display_name")

    return name_of


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


def answer(
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    reply: Reply | Refusal,
    shown: Shown = NONE_SHOWN,
) -> None:
    """Reply where the user is: ephemerally through response_url, or inside the modal they clicked in.
    `shown`: the file ids of the reply's pictures, already uploaded."""
    if isinstance(reply, Refusal):
        reply = plain(reply.message)
    view = body.get("view") or {}
    if body.get("response_url") or body.get("response_urls"):
        said = respond(
            **message(reply, shown), response_type="ephemeral", replace_original=reply.replace_original
        )
        refused_reply(said, who_of(body))
    elif view.get("type") == "modal" and view.get("id"):
        client.views_update(view_id=view["id"], view=reply_view(reply))
    else:
        who = who_of(body)
        client.chat_postMessage(channel=who.user, **message(reply, shown))


# What Slack answers when it refuses the payload itself (not the channel or the person).
REFUSALS = {"invalid_blocks", "invalid_arguments", "msg_too_long", "invalid_blocks_format", "invalid_payload"}


def refused_reply(said: Any, who: Who) -> None:
    """A response_url answer is not an exception: a refusal (HTTP 400 `invalid_blocks`) is logged here.
    The reason is Slack's error code only; the body we sent carries the user's words and is never logged."""
    status = getattr(said, "status_code", 200)
    if status != 200:
        reason = str(getattr(said, "body", "") or "")[:40]
        log.error(
            "Slack refused a reply",
            extra={"team": who.workspace, "user": who.user, "status": status, "reason": reason},
        )


def refused_by_slack(error: BaseException | None, who: Who) -> bool:
    """Log a Web API refusal of our payload with Slack's reasons (JSON pointers, never text); True if it was one."""
    if not isinstance(error, SlackApiError) or error.response is None:
        return False
    code = str(error.response.get("error", ""))
    if code not in REFUSALS:
        return False
    reasons = error.response.get("errors") or (error.response.get("response_metadata") or {}).get("messages")
    log.error(
        "Slack refused a message",
        extra={
            "team": who.workspace,
            "user": who.user,
            "reason": code,
            "errors": "; ".join(str(r)[:200] for r in (reasons or [])[:5]),
        },
    )
    return True


def plain(text: str) -> Reply:
    return Reply(headline=text, sections=(Section(text=text),))


SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."


def sorry(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """Last resort after an unexpected error: tell the user, never leave them with silence."""
    error = sys.exc_info()[1]
    refused_by_slack(error, who_of(body))
    try:
        answer(body, respond, client, plain(SAVE_FAILED if isinstance(error, SQLAlchemyError) else SORRY))
    except Exception:
        log.exception("could not even say sorry")


def refresh_home(core: Core, client: WebClient, who: Who) -> None:
    """Republish the user's App Home after something they did changed it: one views.publish, best effort,
    and only for people who use the Home (it is published afresh whenever it is opened anyway)."""
    try:
        if not core.members.home_seen(who):
            return
        client.views_publish(user_id=who.user, view=home_view(core.reports.home(who)))
    except (SlackApiError, SlackClientError, SQLAlchemyError) as error:
        log.warning(
            "home refresh failed", extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]}
        )
