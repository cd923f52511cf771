"""The sweep: who is owed a digest now, claimed once across any number of processes, then sent.

The database is the source of truth. A digest row per (member, local day) is inserted with
ON CONFLICT DO NOTHING, claimed under a lease, and marked sent with the platform's message id.
APScheduler only calls `sweep` every minute; running it twice, late, or in two processes is safe.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.cadence import Cadence, digest_day, is_work_day, next_digest_at
from bot.digest import DueContact, digest_for, shown_items
from bot.followup import after_shown
from bot.results import Reply
from bot.taxonomy import leading_reason
from store import followups, replays
from store.db import Sessions
from store.followups import Claimed, ContactRow, DueMember

log = logging.getLogger("metbot.sweep")


class Undeliverable(Exception):
    """The person can't be reached any more (left, deactivated): stop sending them digests."""


class TryLater(Exception):
    """A passing failure (5xx, timeout, rate limit after retries): the digest stays owed."""

    def __init__(self, reason: str, *, channel: str | None = None) -> None:
        super().__init__(reason)
        self.channel = channel  # a DM channel opened before the failure: remembered, so it is opened once


@dataclass(frozen=True)
class Delivery:
    channel: str
    ts: str


class Sender(Protocol):
    """The edge that actually delivers a digest (Slack today)."""

    def send(self, member: DueMember, reply: Reply, *, key: str, retry: bool) -> Delivery:
        """Deliver `reply`, tagged with `key`; on a retry, first look for a copy an earlier attempt delivered."""
        ...


@dataclass
class SweepReport:
    opened: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deactivated: int = 0
    items: int = 0
    members_checked: int = 0
    errors: list[str] = field(default_factory=list)


class RateLimit:
    """At most `per_second` sends, across the worker threads: Slack's chat.postMessage allowance."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


def as_due(row: ContactRow) -> DueContact:
    return DueContact(
        contact_id=row.contact_id,
        name=row.name,
        company=row.company,
        phase=row.phase,
        due_on=row.due_on,
        nudges=row.nudges,
        asks=row.asks,
        stage=row.stage,
        snooze_note=row.snooze_note,
        event=row.event,
        met_on=row.met_on,
        next_step=row.next_step,
        next_step_owner=row.next_step_owner,
        offer=row.offer,
        snoozed=row.snoozed,
        rhythm_days=row.rhythm_days,
    )


@dataclass
class Sweeper:
    sessions: Sessions
    sender: Sender
    cadence: Cadence = field(default_factory=Cadence)
    lease: timedelta = timedelta(minutes=5)
    retry_after: timedelta = timedelta(minutes=2)
    batch: int = 500
    workers: int = 8
    sends_per_second: float = 20.0
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def sweep(self, now: datetime) -> SweepReport:
        started = time.monotonic()  # `now` is the clock at this instant
        report = SweepReport()
        with self.sessions.begin() as session:
            replays.forget_before(session, now - timedelta(days=1))
        self.open_owed(now, report)
        self.send_claimed(now, report, started=started)
        log.info(
            "sweep",
            extra={
                "action": "sweep",
                "outcome": "done",
                "opened": report.opened,
                "sent": report.sent,
                "failed": report.failed,
                "skipped": report.skipped,
            },
        )
        return report

    def open_owed(self, now: datetime, report: SweepReport) -> None:
        """Insert the outbox rows for every member whose digest hour has come, in batches."""
        while True:
            with self.sessions.begin() as session:
                members = followups.members_due(session, now, self.batch)
                if not members:
                    return
                report.members_checked += len(members)
                by_day: dict[date, list[DueMember]] = {}
                for m in members:
                    by_day.setdefault(digest_day(now, m.timezone, m.digest_hour), []).append(m)
                # In (day, next_digest_at, id) order, so two replicas racing on PostgreSQL can't deadlock.
                for day, group in sorted(by_day.items()):
                    # Digests come on the member's working days only; what falls due on a day off waits.
                    working = [m.member_id for m in group if is_work_day(day, m.work_days)]
                    owed = followups.members_with_due(session, working, day)
                    opening = [m for m in working if m in owed]
                    followups.open_digests(session, opening, day, now)  # one statement, not one per member
                    report.opened += len(opening)
                followups.set_next_digest(
                    session,
                    {
                        m.member_id: next_digest_at(now, m.timezone, m.digest_hour, m.work_days)
                        for m in members
                    },
                )
            if len(members) < self.batch:
                return

    def send_claimed(self, now: datetime, report: SweepReport, *, started: float | None = None) -> None:
        limiter = RateLimit(self.sends_per_second)
        lock = threading.Lock()
        started = time.monotonic() if started is None else started
        first = True
        while True:
            # A long sweep's later batches are leased from the time they are claimed, not from `now`: a lease
            # that had already run out would let another replica claim (and send) the same digests meanwhile.
            at = now if first else now + timedelta(seconds=time.monotonic() - started)
            first = False
            # Sends not started by then are released rather than sent after the lease may have passed.
            send_by = time.monotonic() + 0.9 * self.lease.total_seconds()
            with self.sessions.begin() as session:
                claimed = followups.claim(
                    session, worker=self.worker_id, now=at, lease_until=at + self.lease, limit=self.batch
                )
                members = followups.members_by_id(session, [c.member_id for c in claimed])
                due = self._due_for(session, claimed, members)
                counts = followups.reason_counts(session, [c.member_id for c in claimed])
            if not claimed:
                return
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="metbot-send") as pool:
                for c in claimed:
                    pool.submit(
                        self._deliver,
                        c,
                        members.get(c.member_id),
                        due.get(c.member_id, []),
                        leading_reason(counts.get(c.member_id, {})),
                        at,
                        limiter,
                        report,
                        lock,
                        send_by,
                    )
            if len(claimed) < self.batch:
                return

    def _due_for(
        self, session: object, claimed: list[Claimed], members: dict[int, DueMember]
    ) -> dict[int, list[ContactRow]]:
        by_day: dict[date, list[int]] = {}
        for c in claimed:
            by_day.setdefault(c.day, []).append(c.member_id)
        due: dict[int, list[ContactRow]] = {}
        for day, ids in by_day.items():
            due.update(followups.due_contacts(session, ids, day))  # type: ignore[arg-type]
        return due

    def _deliver(
        self,
        claimed: Claimed,
        member: DueMember | None,
        rows: list[ContactRow],
        common: str | None,
        now: datetime,
        limiter: RateLimit,
        report: SweepReport,
        lock: threading.Lock,
        send_by: float = math.inf,
    ) -> None:
        try:
            self._deliver_one(claimed, member, rows, common, now, limiter, report, lock, send_by)
        except Exception as error:  # one member's trouble never stops the others
            log.exception("digest delivery crashed", extra={"member": claimed.member_id})
            with lock:
                report.failed += 1
                report.errors.append(type(error).__name__)
            self._release(claimed, now, f"{type(error).__name__}")

    def _release(self, claimed: Claimed, now: datetime, error: str) -> None:
        with self.sessions.begin() as session:
            followups.finish(
                session,
                claimed.digest_id,
                self.worker_id,
                status="pending",
                lease_until=now + self.retry_after,
                error=error[:200],
            )

    def _deliver_one(
        self,
        claimed: Claimed,
        member: DueMember | None,
        rows: list[ContactRow],
        common: str | None,
        now: datetime,
        limiter: RateLimit,
        report: SweepReport,
        lock: threading.Lock,
        send_by: float = math.inf,
    ) -> None:
        items = [as_due(r) for r in rows]
        reply = digest_for(items, today=claimed.day, cadence=self.cadence, common=common)
        if member is None or reply is None:
            with self.sessions.begin() as session:
                followups.finish(
                    session,
                    claimed.digest_id,
                    self.worker_id,
                    status="skipped",
                    error="nothing due" if member else "member gone",
                )
            with lock:
                report.skipped += 1
            return
        limiter.wait()
        if time.monotonic() > send_by:  # Slack was slow, the lease is nearly over: a later sweep sends it
            self._release(claimed, now, "lease ran out before sending")
            with lock:
                report.failed += 1
            return
        started = time.perf_counter()
        try:
            delivery = self.sender.send(
                member, reply, key=f"digest-{claimed.digest_id}", retry=claimed.attempts > 1
            )
        except Undeliverable as gone:
            with self.sessions.begin() as session:
                followups.finish(
                    session, claimed.digest_id, self.worker_id, status="skipped", error=str(gone)[:200]
                )
                followups.deactivate(session, member.member_id)
            log.info(
                "digest",
                extra={
                    "team": member.workspace,
                    "user": member.user_id,
                    "action": "digest",
                    "outcome": "member unreachable; digests stopped",
                },
            )
            with lock:
                report.deactivated += 1
            return
        except TryLater as passing:
            self._release(claimed, now, str(passing))
            if passing.channel and passing.channel != member.dm_channel:
                with self.sessions.begin() as session:
                    followups.remember_dm(session, member.member_id, passing.channel)
            log.warning(
                "digest",
                extra={
                    "team": member.workspace,
                    "user": member.user_id,
                    "action": "digest",
                    "outcome": f"will retry: {passing}",
                },
            )
            with lock:
                report.failed += 1
            return
        shown = shown_items(items, today=claimed.day)
        with self.sessions.begin() as session:
            if not followups.finish(
                session,
                claimed.digest_id,
                self.worker_id,
                status="sent",
                ts=delivery.ts,
                channel=delivery.channel,
                sent_at=now,
                items=len(items),
                error=None,
            ):
                log.warning("digest sent after its lease was lost", extra={"member": member.member_id})
            if member.dm_channel != delivery.channel:
                followups.remember_dm(session, member.member_id, delivery.channel)
            contacts = followups.contacts_by_id(session, [i.contact_id for i in shown])
            moves: list[dict[str, object]] = []
            for item in shown:
                contact = contacts.get(item.contact_id)
                # Only move contacts nobody touched since the digest was built.
                if contact is None or contact.phase != item.phase or contact.due_on != item.due_on:
                    continue
                moved = after_shown(item.state, claimed.day, self.cadence, member.work_days)
                moves.append(
                    {
                        "id": contact.id,
                        "phase": moved.phase,
                        "due_on": moved.due_on,
                        "nudges": moved.nudges,
                        "snooze_note": moved.snooze_note,
                        "snoozed": moved.snoozed,
                    }
                )
            followups.move_contacts(session, moves)  # one executemany, not one UPDATE per contact
        log.info(
            "digest",
            extra={
                "team": member.workspace,
                "user": member.user_id,
                "action": "digest",
                "outcome": "sent",
                "items": len(items),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        with lock:
            report.sent += 1
            report.items += len(items)
