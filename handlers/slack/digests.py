"""Delivering digests over Slack: the DM channel is opened once and remembered; failures are sorted."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.results import Reply
from bot.sweep import Delivery, TryLater, Undeliverable
from handlers.slack.render import message
from store.followups import DueMember

log = logging.getLogger("metbot.slack")

# The person is gone or can't be written to: retrying won't help.
GONE = {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "user_not_visible"}
# The bot's token or scopes are wrong (invalid_auth, token_revoked, missing_scope, ...): a workspace
# problem, not this person's. Those stay TryLater, so fixing the token brings everyone's digests back.


class SlackDigestSender:
    def __init__(self, client_for: Callable[[str], WebClient | None]) -> None:
        self.client_for = client_for

    def send(self, member: DueMember, reply: Reply, *, key: str, retry: bool) -> Delivery:
        client = self.client_for(member.workspace)
        if client is None:
            raise Undeliverable("no installation for this workspace")
        channel = member.dm_channel
        try:
            if not channel:
                channel = client.conversations_open(users=member.user_id)["channel"]["id"]
            elif retry:
                # An earlier attempt may have posted and lost only Slack's answer (a timeout):
                # chat.postMessage has no idempotency key, so look for our tagged copy first.
                earlier = delivered_copy(client, channel, key)
                if earlier is not None:
                    return earlier
            answer = client.chat_postMessage(
                channel=channel,
                metadata={"event_type": DIGEST_EVENT, "event_payload": {"key": key}},
                **message(reply),
            )
            return Delivery(channel=str(answer["channel"]), ts=str(answer["ts"]))
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            if code in GONE:
                raise Undeliverable(code) from error
            status = error.response.status_code if error.response is not None else 0
            raise TryLater(code or f"HTTP {status}", channel=channel) from error
        except (SlackClientError, OSError) as error:
            raise TryLater(type(error).__name__, channel=channel) from error


DIGEST_EVENT = "metbot_digest"


def delivered_copy(client: WebClient, channel: str, key: str) -> Delivery | None:
    """Our message tagged `key` among the DM's latest, if an earlier attempt got it there; None otherwise
    (also when Slack can't say: then sending again is the safer mistake)."""
    try:
        history = client.conversations_history(channel=channel, limit=20, include_all_metadata=True)
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not check for an earlier copy of a digest", extra={"error": str(error)[:200]})
        return None
    for found in history.get("messages") or []:
        metadata = found.get("metadata") or {}
        if (
            metadata.get("event_type") == DIGEST_EVENT
            and (metadata.get("event_payload") or {}).get("key") == key
        ):
            return Delivery(channel=channel, ts=str(found.get("ts")))
    return None
