"""Acknowledged means kept, in Teams too: the front keeps each verified activity in the inbox before its 200,
a worker runs it once and replies through the connector, so a crash after the 200 loses nothing and a
redelivery (Teams retries with the same activity id) has one effect."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import system_clock
from bot.work import Worker
from handlers.teams.offline import OfflineTeamsBot
from handlers.teams.standin import TeamsUser, card_to_text
from store.models import Meeting

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1")


@pytest.fixture
def teams(database_url: str) -> Iterator[OfflineTeamsBot]:
    with OfflineTeamsBot(database_url, START) as running:
        yield running


def shown(activity: dict[str, Any]) -> str:
    return "\n".join(card_to_text(a["content"]) for a in activity.get("attachments") or [] if "content" in a)


def meetings(teams: OfflineTeamsBot) -> int:
    with teams.metbot.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Meeting)) or 0)


def test_a_redelivered_message_is_logged_once_and_answered_once(teams: OfflineTeamsBot) -> None:
    activity = teams.fake.message(MEGAN, "met Jane Doe (Acme) at BNI breakfast")
    first, _ = teams.post(activity)
    again, _ = teams.post(activity)  # Teams did not hear our 200 in time and sends the same activity again
    assert (first, again) == (200, 200)
    assert meetings(teams) == 1
    replies = teams.fake.sent(MEGAN.conversation_id)
    assert len(replies) == 1
    assert "Jane Doe" in shown(replies[0])


def test_a_message_acknowledged_before_a_crash_is_answered_by_the_next_worker(teams: OfflineTeamsBot) -> None:
    teams.worker.stop()  # the worker process is gone (a crash or a deploy) while the front answers
    teams._worker_thread.join(timeout=30)
    status, _ = teams.fake.post(teams.url, teams.fake.message(MEGAN, "met Jane Doe (Acme) at BNI"))
    assert status == 200
    assert teams.front.inbox.depth() == 1  # kept, not yet done
    assert teams.fake.sent(MEGAN.conversation_id) == []
    restarted = Worker(teams.front.inbox, teams.metbot.processors, clock=system_clock)
    running = threading.Thread(target=restarted.run, daemon=True)
    running.start()
    try:
        teams.fake.wait_for("send", timeout=30)
        teams.settle()
    finally:
        restarted.stop(drain=0.5)
        running.join(timeout=30)
    assert meetings(teams) == 1
    [reply] = teams.fake.sent(MEGAN.conversation_id)
    assert "Jane Doe" in shown(reply)
    assert teams.front.inbox.depth() == 0


def test_a_reply_the_connector_refused_for_now_is_sent_later_without_logging_twice(
    teams: OfflineTeamsBot,
) -> None:
    teams.fake.fail("send", status=429, retry_after=0, times=1)
    status, _ = teams.post(teams.fake.message(MEGAN, "met Jane Doe (Acme) at BNI"))
    assert status == 200
    teams.fake.wait_for("send", timeout=30)  # the worker's retry of the row (after the inbox's retry delay)
    teams.settle()
    assert meetings(teams) == 1
    assert len(teams.fake.sent(MEGAN.conversation_id)) == 1
