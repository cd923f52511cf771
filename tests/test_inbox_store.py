"""The inbox table on SQLite and PostgreSQL: kept once per key, claimed once per lease, finished or given up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from store.db import make_engine, upgrade
from store.inbox import MAX_ATTEMPTS, Inbox, applied_key
from store.replays import first_time

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture
def inbox(database_url: str) -> Iterator[Inbox]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield Inbox(engine)
    engine.dispose()


def keep(inbox: Inbox, key: str, now: datetime = NOW) -> int | None:
    return inbox.accept(key, "slack", "/met", b"text=Jane", {"content-type": "x"}, now)


def test_a_retry_or_replay_of_the_same_key_is_kept_once(inbox: Inbox) -> None:
    first = keep(inbox, "sig:v0=abc")
    assert first is not None
    assert keep(inbox, "sig:v0=abc") is None
    assert keep(inbox, "sig:v0=other") not in (None, first)
    assert inbox.depth() == 2


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(inbox: Inbox) -> None:
    row = keep(inbox, "k1")
    [claimed] = inbox.claim("w1", NOW, LEASE)
    assert (claimed.id, claimed.body, claimed.headers, claimed.attempts) == (
        row,
        b"text=Jane",
        {"content-type": "x"},
        1,
    )
    assert inbox.claim("w2", NOW + timedelta(seconds=1), LEASE) == []
    # w1 was SIGKILLed: after the lease, another worker takes the row (a second attempt).
    [again] = inbox.claim("w2", NOW + LEASE + timedelta(seconds=1), LEASE)
    assert (again.id, again.attempts) == (row, 2)


def test_finished_rows_keep_the_answer_and_drop_the_user_text(inbox: Inbox) -> None:
    row = keep(inbox, "k1")
    assert row is not None
    inbox.claim("w1", NOW, LEASE)
    inbox.finish(row, '{"response_action":"clear"}', NOW)
    answer = inbox.answer(row)
    assert answer is not None and (answer.status, answer.response) == ("done", '{"response_action":"clear"}')
    assert inbox.claim("w1", NOW + timedelta(hours=1), LEASE) == []
    assert inbox.depth() == 0
    assert inbox.forget_done_before(NOW + timedelta(hours=1)) == 1
    assert keep(inbox, "k1") is not None  # past the replay window the key is free again


def test_failed_attempts_are_retried_later_then_given_up(inbox: Inbox) -> None:
    row = keep(inbox, "k1")
    assert row is not None
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [claimed] = inbox.claim("w1", now, LEASE)
        assert claimed.attempts == attempt
        status = inbox.fail(row, "boom", now)
        assert inbox.claim("w1", now, LEASE) == []  # not at once: after a delay
        now += timedelta(minutes=5)
    assert status == "failed"
    assert inbox.claim("w1", now + timedelta(days=1), LEASE) == []
    assert inbox.counts() == {"failed": 1}


def test_depth_and_age_for_metrics(inbox: Inbox) -> None:
    assert (inbox.depth(), inbox.oldest_age(NOW)) == (0, 0.0)
    keep(inbox, "k1", NOW - timedelta(seconds=7))
    keep(inbox, "k2", NOW)
    assert inbox.depth() == 2
    assert inbox.oldest_age(NOW) == pytest.approx(7.0)
    assert inbox.pending(NOW)


def test_an_effect_committed_by_an_earlier_attempt_is_known(inbox: Inbox) -> None:
    from sqlalchemy.orm import Session

    assert not inbox.applied("k1")
    with Session(inbox.main) as session, session.begin():
        first_time(session, applied_key("k1"), NOW)
    assert inbox.applied("k1") and not inbox.applied("k2")


def test_concurrent_workers_never_take_the_same_row(inbox: Inbox) -> None:
    for n in range(60):
        keep(inbox, f"k{n}")
    taken: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while True:
            rows = inbox.claim(name, NOW, LEASE, limit=3)
            if not rows:
                return
            with lock:
                taken.extend(row.id for row in rows)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 60


def test_an_idle_worker_is_woken_by_a_request_kept_elsewhere_not_by_its_idle_look(database_url: str) -> None:
    # Two engines = two processes' worth of connections: the front's and the worker's.
    front_engine, worker_engine = make_engine(database_url), make_engine(database_url)
    upgrade(front_engine)
    front, worker = Inbox(front_engine), Inbox(worker_engine)
    arrivals = worker.arrivals()
    try:
        mark = arrivals.mark()
        arrivals.wait(mark, threading.Event(), 0.05)  # nothing kept: it waits out its time, and says nothing
        woke = threading.Event()

        mark = arrivals.mark()  # before the thread starts: however late it gets to `wait`, it sees the row

        def idle() -> None:
            arrivals.wait(mark, threading.Event(), 60.0)
            woke.set()

        waiting = threading.Thread(target=idle)
        waiting.start()
        threading.Event().wait(0.2)  # the worker is asleep in `wait` by now
        assert not woke.is_set()
        keep(front, "sig:v0=wake")
        assert woke.wait(30.0), "a kept request did not wake the idle worker"
        waiting.join()
        assert [row.key for row in worker.claim("w1", NOW, LEASE)] == ["sig:v0=wake"]
    finally:
        arrivals.close()
        front_engine.dispose()
        worker_engine.dispose()


def test_a_stopping_worker_stops_waiting_at_once(inbox: Inbox) -> None:
    arrivals = inbox.arrivals()
    stopping = threading.Event()
    stopping.set()
    done = threading.Event()
    try:
        threading.Thread(target=lambda: (arrivals.wait(arrivals.mark(), stopping, 60.0), done.set())).start()
        assert done.wait(30.0)
    finally:
        arrivals.close()
