"""Slack's side of delivery: the `DigestSender` (DMs) and the channel `Poster` (the roundup, its chart
uploaded first), and Slack's errors sorted into the core's typed ones (bot/delivery.py)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.delivery import Address, ChannelUnavailable, Recipient, Refused, Retryable, Unreachable
from bot.results import Image, Reply
from handlers.slack.charts import upload_chart
from handlers.slack.render import NONE_SHOWN, Shown, message

log = logging.getLogger("metbot.slack")

DIGEST_EVENT = "metbot_digest"  # message metadata's event_type; its payload's `key` is the outbox tag

# The person is gone or can't be written to: retrying won't help.
GONE = {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "user_not_visible"}
# A team channel that can't take our message until a person does something about it.
CHANNEL_PROBLEMS = {
    "not_in_channel",
    "is_archived",
    "channel_not_found",
    "restricted_action",
    "cannot_post_in_channel",
}
# The workspace's token, scopes or Slack itself (invalid_auth, token_revoked, missing_scope, …): not this
# message's fault. They stay Retryable, so fixing the token brings everyone's digests back.
PASSING = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
    "team_access_not_granted",
    "ekm_access_denied",
    "org_login_required",
    "ratelimited",
    "fatal_error",
    "internal_error",
    "request_timeout",
    "service_unavailable",
    "team_added_to_org",
    "access_denied",
}

ClientFor = Callable[[str], WebClient | None]


def sorted_error(error: SlackApiError, *, channel_problems: bool) -> Exception:
    """Slack's answer as the core's typed error: Unreachable, Retryable, or Refused (anything else Slack
    said no to with a 200 — invalid_blocks, msg_too_long, … — will be said no to again)."""
    response = error.response
    code = str(response.get("error", "")) if response is not None else ""
    status = response.status_code if response is not None else 0
    if code in GONE:
        return Unreachable(code)
    if channel_problems and code in CHANNEL_PROBLEMS:
        return ChannelUnavailable(code)
    if status == 429:
        after = (response.headers or {}).get("Retry-After") if response is not None else None
        return Retryable(code or "ratelimited", after_seconds=float(after) if after else None)
    if status >= 500 or status == 0 or code in PASSING or code in CHANNEL_PROBLEMS or not code:
        return Retryable(code or f"HTTP {status}")
    return Refused(code)


class Uploads:
    """The pictures (the roundup's chart) uploaded with files_upload_v2 for a post, by workspace and content.

    A post retried in this process reuses the file it uploaded (the file is never shared into a channel:
    the message's `slack_file` image block shows it), so a retry neither uploads again nor posts twice (the
    tag finds an earlier post first). An upload that fails leaves the picture's alt text in its place."""

    KEEP = 64

    def __init__(self) -> None:
        self.file_ids: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.lock = threading.Lock()

    def shown(self, client: WebClient, workspace: str, reply: Reply) -> Shown:
        found: dict[Image, str] = {}
        for image in (s.image for s in reply.sections if s.image is not None):
            key = (workspace, hashlib.sha256(image.png).hexdigest())
            with self.lock:
                file_id = self.file_ids.get(key)
            if file_id is None:
                file_id = upload_chart(
                    client, image.png, image.alt, filename=image.filename, title=image.title
                )
            if file_id is not None:
                found[image] = file_id
                self.keep(key, file_id)
        return found

    def keep(self, key: tuple[str, str], file_id: str) -> None:
        with self.lock:
            self.file_ids[key] = file_id
            self.file_ids.move_to_end(key)
            while len(self.file_ids) > self.KEEP:
                self.file_ids.popitem(last=False)


class SlackChannelPoster:
    """Posts tagged messages in a workspace's conversation (a team channel, or a DM once opened)."""

    channel_problems = True  # a channel's "not_in_channel" means a person must act

    def __init__(self, client_for: ClientFor) -> None:
        self.client_for = client_for
        self.uploads = Uploads()

    def client(self, workspace: str) -> WebClient:
        client = self.client_for(workspace)
        if client is None:
            raise Unreachable("no installation for this workspace")
        return client

    def post(self, address: Address, reply: Reply, tag: str) -> str:
        client = self.client(address.workspace)
        shown = self.uploads.shown(client, address.workspace, reply)
        return post_message(
            client, address.channel, reply, tag, channel_problems=self.channel_problems, shown=shown
        )

    def find_tagged(self, address: Address, tag: str) -> str | None:
        return tagged_copy(self.client(address.workspace), address.channel, tag)


class SlackDigestSender(SlackChannelPoster):
    """The digest's `DigestSender`: the member's DM is opened (conversations.open), then posted in."""

    channel_problems = False  # a DM that can't be posted in today is retried, never given up on

    def open(self, member: Recipient) -> Address:
        client = self.client(member.workspace)
        if member.dm_channel:
            return Address(member.platform, member.workspace, member.dm_channel)
        try:
            channel = client.conversations_open(users=member.user_id)["channel"]["id"]
        except SlackApiError as error:
            raise sorted_error(error, channel_problems=False) from error
        except (SlackClientError, OSError) as error:
            raise Retryable(type(error).__name__) from error
        return Address(member.platform, member.workspace, str(channel))


def post_message(
    client: WebClient,
    channel: str,
    reply: Reply,
    tag: str | None,
    *,
    channel_problems: bool = True,
    shown: Shown = NONE_SHOWN,
) -> str:
    """chat.postMessage (tagged with message metadata when `tag` is given); its ts, or a typed error.
    Never retried by slack_sdk on a 5xx or a lost connection (handlers/slack/client.py)."""
    metadata = {"event_type": DIGEST_EVENT, "event_payload": {"key": tag}} if tag else None
    try:
        answer = client.chat_postMessage(channel=channel, metadata=metadata, **message(reply, shown))
    except SlackApiError as error:
        raise sorted_error(error, channel_problems=channel_problems) from error
    except (SlackClientError, OSError) as error:  # the connection dropped: Slack may have posted
        raise Retryable(type(error).__name__) from error
    return str(answer["ts"])


def tagged_copy(client: WebClient, channel: str, tag: str) -> str | None:
    """The ts of our message tagged `tag` among the conversation's latest, if an earlier attempt got it
    there; None otherwise (also when Slack can't say: then sending again is the safer mistake)."""
    try:
        history = client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
    except (SlackApiError, SlackClientError, OSError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        log.warning("could not look for an earlier copy of a message", extra={"error": str(reason)[:100]})
        return None
    for found in history.get("messages") or []:
        metadata = found.get("metadata") or {}
        if (
            metadata.get("event_type") == DIGEST_EVENT
            and (metadata.get("event_payload") or {}).get("key") == tag
        ):
            return str(found.get("ts"))
    return None
