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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.cadence import Cadence, digest_day, is_work_day, next_digest_at
from bot.cold_risk import with_risks
from bot.delivery import Address, DigestSender, Job, Outcome, Version, attempt, log_counts, row_values
from bot.digest import DueContact, digest_for, shown_items
from bot.followup import after_shown
from bot.taxonomy import leading_reason
from store import followups, replays
from store.db import Sessions
from store.followups import Claimed, ContactRow, DueMember
from store.outbox import Lease

log = logging.getLogger("metbot.sweep")


@dataclass
class SweepReport:
    opened: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deactivated: int = 0
    items: int = 0
    members_checked: int = 0
    refused: int = 0  # digests the platform refused outright (recorded, never retried)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, **deltas: int) -> None:
        """Add to the counters from any send thread."""
        with self.lock:
            for name, n in deltas.items():
                setattr(self, name, getattr(self, name) + n)


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
    """The stored contact row as the digest shows it (the same fields, less the owner)."""
    return DueContact(**{f.name: getattr(row, f.name) for f in fields(DueContact) if f.name != "risk"})


@dataclass(frozen=True)
class Owed:
    """One claimed digest with what it needs: the member (None if gone since) and their due contacts."""

    claimed: Claimed
    member: DueMember | None
    items: list[DueContact]
    common: str | None = None  # the member's own leading breakdown reason, if one leads outright

    @property
    def tag(self) -> str:
        return f"digest-{self.claimed.digest_id}"


@dataclass(frozen=True)
class Batch:
    """What one claimed batch's sends share: the clock, the pacing, the report and the lease's deadline."""

    now: datetime
    limiter: RateLimit
    report: SweepReport
    send_by: float = math.inf  # monotonic time after which a send not started is released instead


def versions(
    items: list[DueContact], day: date, cadence: Cadence, common: str | None = None
) -> Iterator[Version]:
    """The digest, then (only if the platform refuses it) the digest without one shown item at a time."""
    full = digest_for(items, today=day, cadence=cadence, common=common)
    if full is None:
        return
    yield Version(full)
    for left_out in shown_items(items, today=day):
        kept = [i for i in items if i.contact_id != left_out.contact_id]
        smaller = digest_for(kept, today=day, cadence=cadence, common=common)
        if smaller is not None:
            yield Version(smaller, (left_out.contact_id,))


@dataclass
class Sweeper:
    sessions: Sessions
    sender: DigestSender
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
        log_counts(log, "sweep", report, ("opened", "sent", "failed", "skipped", "refused"))
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
        started = time.monotonic() if started is None else started
        first = True
        while True:
            # A long sweep's later batches are leased from the time they are claimed, not from `now`: a lease
            # that had already run out would let another replica claim (and send) the same digests meanwhile.
            at = now if first else now + timedelta(seconds=time.monotonic() - started)
            first = False
            # Sends not started by then are released rather than sent after the lease may have passed.
            batch = Batch(at, limiter, report, time.monotonic() + 0.9 * self.lease.total_seconds())
            claimed = self._claim(at)
            if not claimed:
                return
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="metbot-send") as pool:
                for owed in claimed:
                    pool.submit(self._deliver, owed, batch)
            if len(claimed) < self.batch:
                return

    def _claim(self, at: datetime) -> list[Owed]:
        """Claim a batch under a lease, with each member and their due contacts (a few queries a batch)."""
        with self.sessions.begin() as session:
            claimed = followups.claim(session, Lease(self.worker_id, at, at + self.lease, self.batch))
            members = followups.members_by_id(session, [c.member_id for c in claimed])
            by_day: dict[date, list[int]] = {}
            for c in claimed:
                by_day.setdefault(c.day, []).append(c.member_id)
            due: dict[int, list[ContactRow]] = {}
            for day, ids in by_day.items():
                due.update(followups.due_contacts(session, ids, day))
            counts = followups.reason_counts(session, [c.member_id for c in claimed])
        items = self._riskiest_first({m: [as_due(r) for r in rows] for m, rows in due.items()})
        return [
            Owed(
                c,
                members.get(c.member_id),
                items.get(c.member_id, []),
                leading_reason(counts.get(c.member_id, {})),
            )
            for c in claimed
        ]

    def _riskiest_first(self, due: dict[int, list[DueContact]]) -> dict[int, list[DueContact]]:
        """Each due contact with its cold-risk estimate, read after the claim (the lease is not held open by
        it). Without an estimate the digest keeps its due order: a failure here never stops a digest."""
        try:
            with self.sessions() as session:
                return with_risks(session, due)
        except (SQLAlchemyError, ArithmeticError, ValueError):
            log.exception("digest risk estimate failed")
            return due

    def _deliver(self, owed: Owed, batch: Batch) -> None:
        try:
            self._deliver_one(owed, batch)
        except Exception as error:  # one member's trouble (or the database's) never stops the others
            log.exception("digest delivery crashed", extra={"member": owed.claimed.member_id})
            batch.report.count(failed=1)
            with batch.report.lock:
                batch.report.errors.append(type(error).__name__)
            try:
                self._release(owed.claimed, batch.now, type(error).__name__)
            except Exception:  # the database is down too: the lease runs out and a later sweep retries
                log.warning("could not release a digest", extra={"member": owed.claimed.member_id})

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

    def _deliver_one(self, owed: Owed, batch: Batch) -> None:
        """Build, pace, send, record: the digest goes out through the one send path (bot/delivery.py)."""
        if owed.member is None or not owed.items:
            self._finish(owed, status="skipped", error="nothing due" if owed.member else "member gone")
            batch.report.count(skipped=1)
            return
        batch.limiter.wait()
        if (
            time.monotonic() > batch.send_by
        ):  # Slack was slow, the lease is nearly over: a later sweep sends it
            self._release(owed.claimed, batch.now, "lease ran out before sending")
            batch.report.count(failed=1)
            return
        started = time.perf_counter()
        outcome = attempt(self.sender, self._job(owed, owed.member))
        if outcome.sent is not None:
            self._record_sent(owed, outcome, batch.now)
            batch.report.count(sent=1, items=len(owed.items))
        else:
            self._record_unsent(owed, owed.member, outcome, batch)
        self._log(owed.member, outcome, items=len(owed.items), ms=(time.perf_counter() - started) * 1000)

    def _job(self, owed: Owed, member: DueMember) -> Job:
        known = None
        if member.dm_channel:
            known = Address(member.platform, member.workspace, member.dm_channel, member.service_url)
        return Job(
            tag=owed.tag,
            versions=versions(owed.items, owed.claimed.day, self.cadence, owed.common),
            retry=owed.claimed.attempts > 1,
            address=known,
            open=lambda: self.sender.open(member),
            remember=lambda address: self._remember(member.member_id, address),
        )

    def _remember(self, member_id: int, address: Address) -> None:
        """The DM is stored before the first post: a crash after posting still leaves a place to look."""
        with self.sessions.begin() as session:
            followups.remember_dm(session, member_id, address.channel)

    def _finish(self, owed: Owed, **values: object) -> bool:
        with self.sessions.begin() as session:
            return followups.finish(session, owed.claimed.digest_id, self.worker_id, **values)

    def _record_unsent(self, owed: Owed, member: DueMember, outcome: Outcome, batch: Batch) -> None:
        with self.sessions.begin() as session:
            followups.finish(
                session,
                owed.claimed.digest_id,
                self.worker_id,
                **row_values(outcome, batch.now, self.retry_after),
            )
            if outcome.gone:
                followups.deactivate(session, member.member_id)
        if outcome.gone:
            batch.report.count(deactivated=1)
        elif outcome.status == "refused":
            batch.report.count(refused=1)
        else:
            batch.report.count(failed=1)

    def _record_sent(self, owed: Owed, outcome: Outcome, now: datetime) -> None:
        """Mark it sent and move on the contacts it showed (not those left out, nor any touched since)."""
        assert outcome.sent is not None
        kept = [i for i in owed.items if i.contact_id not in outcome.sent.dropped]
        shown = shown_items(kept, today=owed.claimed.day)  # what the version Slack took showed
        with self.sessions.begin() as session:
            values = row_values(outcome, now, self.retry_after)
            if not followups.finish(
                session, owed.claimed.digest_id, self.worker_id, items=len(owed.items), **values
            ):
                log.warning("digest sent after its lease was lost", extra={"member": owed.claimed.member_id})
            followups.move_contacts(
                session,
                self._moves(
                    session, shown, owed.claimed.day, owed.member.work_days if owed.member else "12345"
                ),
            )

    def _moves(
        self, session: Session, shown: list[DueContact], day: date, work_days: str
    ) -> list[dict[str, object]]:
        """The shown contacts' next follow-up state, for those nobody touched since the digest was built."""
        contacts = followups.contacts_by_id(session, [i.contact_id for i in shown])
        moves: list[dict[str, object]] = []
        for item in shown:
            contact = contacts.get(item.contact_id)
            if contact is None or contact.phase != item.phase or contact.due_on != item.due_on:
                continue
            moved = after_shown(item.state, day, self.cadence, work_days)
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
        return moves

    @staticmethod
    def _log(member: DueMember, outcome: Outcome, *, items: int, ms: float) -> None:
        """One line a send: ids and Slack's reason only, never a name or a note."""
        said = {
            "sent": "found the earlier copy" if outcome.sent and outcome.sent.found else "sent",
            "pending": f"will retry: {outcome.error}",
            "skipped": "member unreachable; digests stopped",
            "refused": f"refused, not retried: {outcome.error}",
        }[outcome.status]
        if outcome.status == "sent" and outcome.error:
            said = f"sent; {outcome.error}"
        extra = {"team": member.workspace, "user": member.user_id, "action": "digest", "outcome": said}
        level = (
            logging.INFO if outcome.status in ("sent", "skipped") and not outcome.error else logging.WARNING
        )
        log.log(level, "digest", extra={**extra, "items": items, "ms": round(ms, 1)})
