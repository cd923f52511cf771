"""Shoutouts in the team channel over Slack, and how to fix a bad channel (the roundup: digests.py).

Posting to a public channel needs only `chat:write` once the bot is a member: we never join by ourselves
(no `chat:write.public`); we tell the user to `/invite @metbot` instead.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.delivery import ChannelUnavailable, Refused, Retryable, Unreachable
from bot.referral_service import ReferralService
from bot.referrals import Shoutout
from bot.results import Place, Section, Who
from handlers.slack.digests import SlackChannelPoster, post_message

__all__ = [
    "SlackChannelPoster",
    "announce",
    "channel_problem",
    "hiccup",
]  # the roundup's poster lives in digests.py

log = logging.getLogger("metbot.slack")


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
            post_message(client, shoutout.channel, shoutout.reply, None)
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
        except (Unreachable, Retryable, Refused) as problem:
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
