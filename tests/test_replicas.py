"""Replicas without duplicates: real `python -m bot nudge` processes against one PostgreSQL database.

PostgreSQL only (the claim is `SELECT … FOR UPDATE SKIP LOCKED`); the fake Slack runs in the test
process and counts chat.postMessage per channel.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from bot.delivery import Address, Recipient
from bot.results import Reply
from bot.sweep import Sweeper
from handlers.slack.offline import BOT_TOKEN, SIGNING_SECRET
from handlers.slack.standin import FakeSlack
from store.db import make_engine, make_sessions, upgrade
from store.models import Contact, Digest, Meeting, Member, Workspace

pytestmark = [pytest.mark.postgresql, pytest.mark.timeout(300)]

USERS = 1_000
RATE = 1_000  # sends per second per process: the fake answers in about a millisecond
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # 09:30 UTC: every member's 09:00 digest is due
TODAY = date(2026, 11, 27)
LEASE: timedelta = Sweeper.lease
WORKERS: int = Sweeper.workers
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture
def engine(postgresql_url: str) -> Iterator[Engine]:
    made = make_engine(postgresql_url)
    upgrade(made)
    yield made
    made.dispose()


def seed(engine: Engine, users: int) -> None:
    """`users` members in one workspace, each with one contact due today (bulk Core inserts)."""
    with engine.begin() as connection:
        workspace_id = connection.execute(
            insert(Workspace)
            .values(platform="slack", external_id="T0REPLICA", name="Replicas", created_at=NOW)
            .returning(Workspace.id)
        ).scalar_one()
        connection.execute(
            insert(Member),
            [
                {
                    "workspace_id": workspace_id,
                    "user_id": f"U{i:05d}",
                    "display_name": f"User {i}",
                    "timezone": "UTC",
                    "digest_hour": 9,
                    "dm_channel": None,  # never had a digest: the sweep opens (and stores) each DM
                    "next_digest_at": NOW - timedelta(minutes=30),
                    "active": True,
                    "created_at": NOW,
                }
                for i in range(users)
            ],
        )
        members = dict(connection.execute(select(Member.user_id, Member.id)).all())
        connection.execute(
            insert(Contact),
            [
                {
                    "member_id": members[f"U{i:05d}"],
                    "name": f"Contact {i}",
                    "name_key": f"contact {i}",
                    "company": "Acme",
                    "stage": "know",
                    "phase": "follow_up",
                    "due_on": TODAY,
                    "nudges": 0,
                    "asks": 0,
                    "last_touch_at": NOW - timedelta(days=1),
                    "created_at": NOW - timedelta(days=1),
                }
                for i in range(users)
            ],
        )
        contacts = dict(connection.execute(select(Contact.member_id, Contact.id)).all())
        connection.execute(
            insert(Meeting),
            [
                {
                    "contact_id": contact_id,
                    "member_id": member_id,
                    "event": "BNI breakfast",
                    "met_on": TODAY - timedelta(days=1),
                    "met_at": NOW - timedelta(days=1),
                    "next_step": "intro to her CFO",
                    "next_step_owner": "me",
                    "created_at": NOW - timedelta(days=1),
                }
                for member_id, contact_id in contacts.items()
            ],
        )


def start_nudge(url: str, fake: FakeSlack, now: datetime, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "METBOT_"))}
    env.update(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONPATH=str(ROOT),
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "nudge", "--now", now.isoformat(), "--rate", str(RATE)],
            env=env,
            cwd=log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> str:
    code = process.wait(timeout=timeout)
    text = log.read_text(errors="replace")
    assert code == 0, f"nudge exited {code}:\n{text[-4000:]}"
    return [line for line in text.splitlines() if line.startswith("metbot: sweep")][-1]


def posts_per_channel(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.args["channel"]) for c in fake.calls_to("chat.postMessage"))


def digests(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(Digest.__table__)).all())


def assert_all_sent_with_the_fakes_ts(engine: Engine, fake: FakeSlack) -> None:
    rows = digests(engine)
    assert len(rows) == USERS
    assert Counter(r.status for r in rows) == {"sent": USERS}
    for row in rows:
        first = fake.messages(row.channel)
        assert first, f"digest {row.id} says sent to {row.channel}, the fake has nothing there"
        assert row.ts in {m["ts"] for m in first}
        assert row.day == TODAY


def test_three_replicas_started_together_send_each_digest_exactly_once(
    engine: Engine, postgresql_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    seed(engine, USERS)
    logs = [tmp_path / f"nudge-{n}.log" for n in range(3)]
    started = time.perf_counter()
    processes = [start_nudge(postgresql_url, fake, NOW, log) for log in logs]
    reports = [finish(p, log) for p, log in zip(processes, logs, strict=True)]
    elapsed = time.perf_counter() - started

    per_channel = posts_per_channel(fake)
    twice = {channel: n for channel, n in per_channel.items() if n > 1}
    print(
        f"\n3 replicas, {USERS} users: {sum(per_channel.values())} chat.postMessage to "
        f"{len(per_channel)} channels in {elapsed:.1f}s; sent twice: {len(twice)}"
    )
    for report in reports:
        print("  " + report)
    assert all(c.ok for c in fake.calls_to("chat.postMessage"))
    assert twice == {}
    assert sum(per_channel.values()) == USERS
    assert set(per_channel) == {f"DU{i:05d}" for i in range(USERS)}
    assert_all_sent_with_the_fakes_ts(engine, fake)
    sent_by = [int(r.split(": ")[2].split()[0]) for r in reports]
    assert sum(sent_by) == USERS


def test_a_replica_killed_after_claiming_is_recovered_after_the_lease(
    engine: Engine, postgresql_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    seed(engine, USERS)
    # Slack accepts each chat.postMessage (the fake records and posts it) but answers only after 30 s,
    # so the sender's workers are all stuck between "Slack has it" and "the sent commit".
    fake.fail("chat.postMessage", timeout=30, times=-1)
    log = tmp_path / "killed.log"
    victim = start_nudge(postgresql_url, fake, NOW, log)
    deadline = time.monotonic() + 60
    claimed = 0
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            claimed = connection.scalar(select(func.count()).where(Digest.status == "claimed")) or 0
        if claimed and len(fake.calls_to("chat.postMessage")) >= WORKERS:
            break
        assert victim.poll() is None, log.read_text(errors="replace")[-4000:]
        time.sleep(0.05)
    else:
        victim.kill()
        pytest.fail(f"never {WORKERS} sends in flight:\n{log.read_text(errors='replace')[-4000:]}")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    in_flight = len(fake.calls_to("chat.postMessage"))
    fake.clear_failures()
    assert Counter(r.status for r in digests(engine)) == {"claimed": claimed, "pending": USERS - claimed}

    # Before the lease runs out, another replica sends the unclaimed digests and leaves the dead one's alone.
    early = tmp_path / "early.log"
    finish(start_nudge(postgresql_url, fake, NOW + LEASE / 2, early), early)
    assert Counter(r.status for r in digests(engine)) == {"claimed": claimed, "sent": USERS - claimed}
    before_lease = posts_per_channel(fake)
    assert max(before_lease.values()) == 1

    later = NOW + LEASE + timedelta(minutes=1)
    recovery_log = tmp_path / "recovery.log"
    started = time.perf_counter()
    report = finish(start_nudge(postgresql_url, fake, later, recovery_log), recovery_log)
    recovery = time.perf_counter() - started

    per_channel = posts_per_channel(fake)
    duplicates = {channel: n for channel, n in per_channel.items() if n > 1}
    print(
        f"\nkilled with {claimed} digests claimed and {in_flight} chat.postMessage in flight "
        f"(workers={WORKERS}); before the lease another replica sent "
        f"{sum(before_lease.values()) - in_flight} (the unclaimed ones), then after the "
        f"{LEASE.total_seconds() / 60:.0f}-minute lease the rerun took {recovery:.1f}s: {report}"
    )
    print(
        f"digests: {USERS}, chat.postMessage: {sum(per_channel.values())}, channels sent twice: "
        f"{len(duplicates)} {sorted(duplicates)[:10]}"
    )
    assert set(per_channel) == {f"DU{i:05d}" for i in range(USERS)}, "someone got no digest"
    # The in-flight first digests had their DM stored before posting, so the rerun found each tagged copy.
    assert duplicates == {}
    assert_all_sent_with_the_fakes_ts(engine, fake)


class SlowSender:
    """A DigestSender that takes `seconds` per DM and records who got one."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.sent: list[str] = []
        self.tagged: dict[str, str] = {}
        self.lock = threading.Lock()

    def open(self, member: Recipient) -> Address:
        return Address(member.platform, member.workspace, f"D{member.user_id}")

    def post(self, address: Address, reply: Reply, tag: str) -> str:
        with self.lock:  # Slack has it from here on; its answer takes `seconds`
            self.sent.append(address.channel[1:])
            ts = self.tagged[tag] = f"1700000000.{len(self.sent):06d}"
        time.sleep(self.seconds)
        return ts

    def find_tagged(self, address: Address, tag: str) -> str | None:
        with self.lock:
            return self.tagged.get(tag)


def test_a_sweep_slower_than_its_lease_stops_rather_than_race_the_next_claimant(engine: Engine) -> None:
    """Slack slows to 0.2 s a DM: the 1 s lease runs out mid-batch. The slow sweep releases what it has not
    started; a replica sweeping after the lease takes only what the slow one never sent (a send still in
    flight on a loaded machine is found by its tag), and nobody gets a digest twice."""
    seed(engine, 20)
    sessions = make_sessions(engine)
    sender = SlowSender(0.2)
    lease = timedelta(seconds=1)
    slow = Sweeper(sessions=sessions, sender=sender, lease=lease, workers=2, sends_per_second=0)
    other = Sweeper(sessions=sessions, sender=sender, lease=lease, workers=2, sends_per_second=0)
    later = threading.Timer(1.2, lambda: other.sweep(NOW + timedelta(seconds=1.5)))
    later.start()
    first = slow.sweep(NOW)
    later.join()
    twice = {user: n for user, n in Counter(sender.sent).items() if n > 1}
    assert twice == {}, f"sent twice: {twice}"
    assert first.sent < 20 and first.failed == 20 - first.sent, first  # it stopped at its lease
    when = NOW
    for _ in range(6):  # each later sweep is as slow: it sends what fits in its lease, releases the rest
        when += Sweeper.retry_after + timedelta(minutes=1)
        other.sweep(when)
    counts = Counter(sender.sent)
    assert len(counts) == 20 and max(counts.values()) == 1, counts
    assert Counter(r.status for r in digests(engine)) == {"sent": 20}
