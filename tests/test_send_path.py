"""The one send path (bot/delivery.py) with an in-memory sender: no HTTP, no database, milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import (
    Address,
    ByPlatform,
    Job,
    Recipient,
    Refused,
    Retryable,
    Unreachable,
    Version,
    attempt,
    row_values,
)
from bot.results import Reply, Section
from store.followups import DueMember

HERE = Address("slack", "T1", "D1")
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def reply(text: str) -> Reply:
    return Reply(headline=text, sections=(Section(text=text),))


class Memory:
    """A platform that keeps every post by tag; `refuse` names texts it refuses; `fail` raises once."""

    def __init__(self, refuse: tuple[str, ...] = (), fail: Exception | None = None) -> None:
        self.posts: list[tuple[str, str]] = []  # (tag, headline)
        self.events: list[str] = []
        self.refuse = refuse
        self.fail = fail

    def open(self, member: Recipient | None) -> Address:
        self.events.append("open")
        return HERE

    def post(self, address: Address, said: Reply, tag: str) -> str:
        self.events.append("post")
        if any(word in said.headline for word in self.refuse):
            raise Refused("invalid_blocks")
        self.posts.append((tag, said.headline))
        if self.fail is not None:
            failure, self.fail = self.fail, None
            raise failure  # the platform has it, the answer is lost
        return f"ts-{len(self.posts)}"

    def find_tagged(self, address: Address, tag: str) -> str | None:
        self.events.append("look")
        found = [i for i, (t, _) in enumerate(self.posts, start=1) if t == tag]
        return f"ts-{found[0]}" if found else None


def job(retry: bool = False, *, texts: tuple[str, ...] = ("all",), memory: Memory | None = None) -> Job:
    def versions() -> Iterator[Version]:
        for n, text in enumerate(texts):
            yield Version(reply(text), (n,) if n else ())

    remembered = memory.events.append if memory is not None else (lambda _e: None)
    return Job(
        tag="digest-1",
        versions=versions(),
        retry=retry,
        open=lambda: memory.open(None) if memory else HERE,
        remember=lambda _address: remembered("remember"),
    )


def test_the_conversation_is_remembered_before_anything_is_posted() -> None:
    memory = Memory()
    outcome = attempt(memory, job(memory=memory))
    assert outcome.status == "sent"
    assert memory.events == ["open", "remember", "post"]


def test_a_lost_answer_then_a_retry_finds_the_copy_and_posts_nothing() -> None:
    memory = Memory(fail=Retryable("service_unavailable"))
    first = attempt(memory, job(memory=memory))
    assert (first.status, first.error) == ("pending", "service_unavailable")
    again = attempt(memory, job(retry=True, memory=memory))
    assert again.status == "sent" and again.sent is not None and again.sent.found
    assert again.sent.ts == "ts-1"
    assert len(memory.posts) == 1


def test_a_first_attempt_never_looks() -> None:
    memory = Memory()
    attempt(memory, job(memory=memory))
    assert "look" not in memory.events


def test_a_refused_version_gives_way_to_the_next_and_says_what_was_left_out() -> None:
    memory = Memory(refuse=("bad",))
    outcome = attempt(memory, job(texts=("all, bad", "without 1, bad", "without 2")))
    assert outcome.status == "sent" and outcome.sent is not None
    assert outcome.sent.dropped == (2,)
    assert outcome.error == "refused (invalid_blocks); sent without item 2"
    assert memory.posts == [("digest-1", "without 2")]


def test_refused_in_every_version_is_refused_and_not_owed() -> None:
    outcome = attempt(Memory(refuse=("bad",)), job(texts=("bad", "still bad")))
    assert (outcome.status, outcome.error) == ("refused", "refused: invalid_blocks")
    values = row_values(outcome, NOW, timedelta(minutes=2))
    assert values["status"] == "refused" and "lease_until" not in values


@pytest.mark.parametrize(
    ("error", "status", "gone"),
    [
        (Unreachable("user_not_found"), "skipped", True),
        (Retryable("ratelimited", after_seconds=600), "pending", False),
    ],
)
def test_typed_errors_become_the_rows_next_state(error: Exception, status: str, gone: bool) -> None:
    outcome = attempt(Memory(fail=error), job())
    assert (outcome.status, outcome.gone) == (status, gone)
    if status == "pending":  # Retry-After longer than retry_after wins
        assert row_values(outcome, NOW, timedelta(minutes=2))["lease_until"] == NOW + timedelta(minutes=10)


def test_a_platform_without_a_sender_here_is_owed_not_unreachable() -> None:
    senders = ByPlatform({"slack": Memory()})
    member = DueMember(1, "teams", "tenant", "aad", None, 9, None)
    with pytest.raises(Retryable):
        senders.open(member)
