"""Posting in the team channel over Slack (shoutouts, the weekly roundup), and how to fix a bad channel.

Posting to a public channel needs only `chat:write` once the bot is a member: we never join by ourselves
(no `chat:write.public`); we tell the user to `/invite @metbot` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.referral_service import ReferralService
from bot.referrals import Shoutout
from bot.results import Place, Reply, Section, Who
from bot.roundup import ChannelUnavailable
from bot.sweep import Delivery, TryLater, Undeliverable
from handlers.slack.digests import GONE
from handlers.slack.render import message

log = logging.getLogger("metbot.slack")

# The channel can't take our message until a person does something about it.
CHANNEL_PROBLEMS = {
    "not_in_channel",
    "is_archived",
    "channel_not_found",
    "restricted_action",
    "cannot_post_in_channel",
}


def post_to_channel(client: WebClient, channel: str, reply: Reply) -> Delivery:
    try:
        answer = client.chat_postMessage(channel=channel, **message(reply))
        return Delivery(channel=str(answer["channel"]), ts=str(answer["ts"]))
    except SlackApiError as error:
        code = str(error.response.get("error", "")) if error.response is not None else ""
        if code in CHANNEL_PROBLEMS:
            raise ChannelUnavailable(code) from error
        if code in GONE:
            raise Undeliverable(code) from error
        status = error.response.status_code if error.response is not None else 0
        raise TryLater(code or f"HTTP {status}") from error
    except (SlackClientError, OSError) as error:
        raise TryLater(type(error).__name__) from error


class SlackChannelPoster:
    """The roundup's `Poster`: the right workspace's client, then chat.postMessage."""

    def __init__(self, client_for: Callable[[str], WebClient | None]) -> None:
        self.client_for = client_for

    def post(self, workspace: str, channel: str, reply: Reply) -> Delivery:
        client = self.client_for(workspace)
        if client is None:
            raise Undeliverable("no installation for this workspace")
        return post_to_channel(client, channel, reply)


def channel_problem(channel: str, reason: str) -> Section:
    """What went wrong with the team channel and exactly how to fix it; the referral itself is saved."""
    where = Place(channel)
    if reason == "not_in_channel":
        said: tuple[str | Place, ...] = (
            "I couldn't post the shoutout in ",
            where,
            ": I'm not a member of that channel. Invite me there "
            "with /invite @metbot, or an admin can pick another channel with /met config channel #name.",
        )
    elif reason == "is_archived":
        said = (
            "I couldn't post the shoutout in ",
            where,
            ": that channel is archived. An admin can pick another with /met config channel #name.",
        )
    elif reason == "channel_not_found":
        said = (
            "I couldn't post the shoutout: I can't find the shoutout channel (",
            where,
            "). If it's "
            "private, invite me with /invite @metbot; otherwise an admin can pick another with "
            "/met config channel #name.",
        )
    else:
        said = (
            "I couldn't post the shoutout in ",
            where,
            f" ({reason}). Invite me there with "
            "/invite @metbot, or an admin can pick another channel with /met config channel #name.",
        )
    return Section(said=(*said, " Your referral is saved."))


def hiccup() -> Section:
    return Section(
        text="I couldn't post the shoutout just now (Slack didn't answer). Your referral is saved."
    )


def announce(referrals: ReferralService, who: Who, client: WebClient) -> list[Section]:
    """Post the acting user's due shoutouts; what went wrong comes back as sections to tell them."""
    problems: list[Section] = []
    shoutouts: list[Shoutout] = referrals.claim_shoutouts(who)
    for shoutout in shoutouts:
        try:
            post_to_channel(client, shoutout.channel, shoutout.reply)
        except ChannelUnavailable as problem:
            referrals.shoutout_done(shoutout.referral_id, error=problem.reason)
            log.warning(
                "shoutout not posted",
                extra={
                    "team": who.workspace,
                    "user": who.user,
                    "channel": shoutout.channel,
                    "error": problem.reason,
                },
            )
            problems.append(channel_problem(shoutout.channel, problem.reason))
            continue
        except (Undeliverable, TryLater) as problem:
            referrals.shoutout_done(shoutout.referral_id, error=str(problem) or type(problem).__name__)
            log.warning(
                "shoutout failed",
                extra={
                    "team": who.workspace,
                    "user": who.user,
                    "channel": shoutout.channel,
                    "error": str(problem),
                },
            )
            problems.append(hiccup())
            continue
        referrals.shoutout_done(shoutout.referral_id)
    return problems
