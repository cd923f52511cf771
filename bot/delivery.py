"""Sending what an outbox row owes, once: the platform-neutral sender interface and the one send path.

Digests and the weekly roundup go out the same way. The destination is opened and remembered before
the first post, so an attempt that dies after posting leaves a place to look; every retry first looks
for the copy an earlier attempt may have left there (each post carries the row's tag); a message the
platform refuses is tried again in smaller versions, so one bad item never blocks the rest. A Slack or
a Teams edge implements `DigestSender`; nothing here knows which.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.results import Reply

log = logging.getLogger("metbot.delivery")


class Retryable(Exception):
    """A passing failure (5xx, timeout, lost connection, rate limit, a workspace's token problem): the
    message stays owed. Whether the platform posted it is unknown, so the retry looks for it first."""

    def __init__(self, reason: str, *, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class Refused(Exception):
    """The platform will never take this message as it is (invalid_blocks, msg_too_long, …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unreachable(Exception):
    """Nobody can be reached there any more (the person left, the app was uninstalled): stop sending."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelUnavailable(Unreachable):
    """A team channel that can't take the message (bot not in it, archived, gone): a person must fix it."""


class Recipient(Protocol):
    """Whom a digest goes to, as a sender needs it (the store's DueMember is one)."""

    @property
    def platform(self) -> str: ...
    @property
    def workspace(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def dm_channel(self) -> str | None: ...
    @property
    def service_url(self) -> str | None: ...


@dataclass(frozen=True)
class Address:
    """Where a message goes: a conversation in one workspace of one platform."""

    platform: str
    workspace: str
    channel: str
    service_url: str | None = None  # Teams: the connector this conversation is served by


class Poster(Protocol):
    """Posts tagged messages and finds them again (a team channel needs no opening)."""

    def post(self, address: Address, reply: Reply, tag: str) -> str:
        """Post `reply` carrying `tag`; the platform's message id. Raises Retryable/Refused/Unreachable."""
        ...

    def find_tagged(self, address: Address, tag: str) -> str | None:
        """The id of our message tagged `tag` at `address`, if an earlier attempt left one; None when
        there is none or the platform can't say (then posting again is the safer mistake)."""
        ...


class DigestSender(Poster, Protocol):
    """A Poster that can also open the 1:1 conversation with a member."""

    def open(self, member: Recipient) -> Address:
        """The member's direct-message conversation (opening it is idempotent)."""
        ...


@dataclass
class ByPlatform:
    """One sender per platform: the sweep sends Slack and Teams digests alike (posters need no `open`)."""

    senders: Mapping[str, Poster]

    def _sender(self, platform: str) -> Poster:
        found = self.senders.get(platform)
        if found is None:  # not an uninstall: this process just has no settings for that platform
            raise Retryable(f"no {platform} sender configured in this process")
        return found

    def open(self, member: Recipient) -> Address:
        opener = getattr(self._sender(member.platform), "open", None)
        if opener is None:
            raise Retryable(f"the {member.platform} sender here can't open conversations")
        address: Address = opener(member)
        return address

    def post(self, address: Address, reply: Reply, tag: str) -> str:
        return self._sender(address.platform).post(address, reply, tag)

    def find_tagged(self, address: Address, tag: str) -> str | None:
        return self._sender(address.platform).find_tagged(address, tag)


# --- the one send path ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One way to say the message: the full reply first, then smaller ones without what was refused."""

    reply: Reply
    dropped: tuple[int, ...] = ()  # ids of the items left out of this version


@dataclass(frozen=True)
class Sent:
    address: Address
    ts: str
    found: bool = False  # an earlier attempt's copy, found by its tag: nothing was posted now
    dropped: tuple[int, ...] = ()
    refusal: str | None = None  # why the full version was refused, when a smaller one went out


@dataclass(frozen=True)
class Job:
    """One outbox row's send: its tag, where it goes (or how to open that), what to say."""

    tag: str
    versions: Iterable[Version]  # lazy: the smaller versions are built only after a refusal
    retry: bool  # an earlier attempt may have reached the platform
    address: Address | None = None
    open: Callable[[], Address] | None = None
    remember: Callable[[Address], None] = field(default=lambda _address: None)


def destination(job: Job) -> Address:
    """The job's address; a newly opened one is remembered (committed) before anything is posted."""
    if job.address is not None:
        return job.address
    if job.open is None:
        raise Unreachable("nowhere to send it")
    address = job.open()
    job.remember(address)
    return address


def send(poster: Poster, job: Job) -> Sent:
    """Open, look for an earlier copy on a retry, then post the first version the platform accepts."""
    address = destination(job)
    if job.retry:
        earlier = poster.find_tagged(address, job.tag)
        if earlier is not None:
            return Sent(address, earlier, found=True)
    first: Refused | None = None
    for version in job.versions:
        try:
            ts = poster.post(address, version.reply, job.tag)
        except Refused as refused:
            log.warning(
                "message refused",
                extra={"tag": job.tag, "reason": refused.reason, "left_out": len(version.dropped)},
            )
            first = first or refused
            continue
        return Sent(address, ts, dropped=version.dropped, refusal=first.reason if first else None)
    raise first or Refused("nothing left to send")


@dataclass(frozen=True)
class Outcome:
    """What became of one send, sorted into what its outbox row becomes."""

    status: str  # sent | pending | skipped | refused
    sent: Sent | None = None
    error: str | None = None
    gone: bool = False  # Unreachable: stop sending there
    after_seconds: float | None = None


def attempt(poster: Poster, job: Job) -> Outcome:
    """`send`, with the platform's typed answers turned into an Outcome (anything else propagates)."""
    try:
        sent = send(poster, job)
    except Retryable as passing:
        return Outcome("pending", error=passing.reason, after_seconds=passing.after_seconds)
    except Refused as refused:
        return Outcome("refused", error=f"refused: {refused.reason}")
    except Unreachable as gone:
        return Outcome("skipped", error=gone.reason, gone=True)
    note = None
    if sent.dropped:
        left_out = ", ".join(str(i) for i in sent.dropped)
        note = f"refused ({sent.refusal}); sent without item {left_out}"
    return Outcome("sent", sent=sent, error=note)


def row_values(outcome: Outcome, now: datetime, retry_after: timedelta) -> dict[str, object]:
    """The outbox row's new columns for `outcome`."""
    values: dict[str, object] = {
        "status": outcome.status,
        "error": (outcome.error or None) and outcome.error[:200],
    }
    if outcome.sent is not None:
        values.update(channel=outcome.sent.address.channel, ts=outcome.sent.ts, sent_at=now)
    if outcome.status == "pending":
        wait = max(retry_after, timedelta(seconds=outcome.after_seconds or 0))
        values["lease_until"] = now + wait
    return values


def log_counts(logger: logging.Logger, action: str, report: object, names: tuple[str, ...]) -> None:
    """One line a run with its counters (numbers only)."""
    logger.info(action, extra={"action": action, "outcome": "done", **{n: getattr(report, n) for n in names}})
