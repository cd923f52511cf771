"""What is due, the digest outbox, and contact state changes. Constant queries per batch, never one per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import outbox
from store.meetings import latest_meetings
from store.models import Breakdown, Contact, Digest, FollowUp, Meeting, Member, Workspace

ACTIVE_PHASES = ("follow_up", "await_reply", "check_in")
# In a digest: the active phases and "classify" (still open: weekly, on one line, until the user decides).
SHOWN_PHASES = (*ACTIVE_PHASES, "classify")


@dataclass(frozen=True)
class DueMember:
    member_id: int
    platform: str
    workspace: str
    user_id: str
    timezone: str | None
    digest_hour: int
    dm_channel: str | None
    work_days: str = "12345"  # ISO weekdays the member gets digests on
    service_url: str | None = None  # Teams: the connector serving this member's conversation


@dataclass(frozen=True)
class ContactRow:
    """A contact with its latest meeting, as plain values."""

    contact_id: int
    member_id: int
    name: str
    company: str | None
    phase: str
    due_on: date | None
    nudges: int
    asks: int
    stage: str
    snooze_note: str | None
    event: str | None
    met_on: date | None
    next_step: str | None
    next_step_owner: str | None
    offer: str | None
    snoozed: bool = False
    rhythm_days: int | None = None
    offer_kind: str | None = None  # with `connection`: the traits the cold-risk estimate orders the digest by
    connection: str | None = None
    # The latest meeting and its next step's date: the digest's "Add to calendar".
    meeting_id: int | None = None
    next_step_due: date | None = None


def _due_member(m: Member, platform: str, external: str) -> DueMember:
    return DueMember(
        m.id,
        platform,
        external,
        m.user_id,
        m.timezone,
        m.digest_hour,
        m.dm_channel,
        work_days=m.work_days or "12345",
        service_url=m.service_url,
    )


def _due_members(
    session: Session, *where: Any, due_first: bool = False, limit: int | None = None
) -> list[DueMember]:
    """Members (with their workspace's platform and id) matching `where`."""
    query = select(Member, Workspace.platform, Workspace.external_id).join(
        Workspace, Member.workspace_id == Workspace.id
    )
    query = query.where(*where)
    if due_first:  # a total order: replicas lock rows in the same order
        query = query.order_by(Member.next_digest_at, Member.id)
    rows = session.execute(query.limit(limit)).all()
    return [_due_member(m, platform, external) for m, platform, external in rows]


def members_due(session: Session, now: datetime, limit: int) -> list[DueMember]:
    return _due_members(
        session, Member.active.is_(True), Member.next_digest_at <= now, due_first=True, limit=limit
    )


def set_next_digest(session: Session, when: dict[int, datetime]) -> None:
    if when:
        session.execute(update(Member), [{"id": k, "next_digest_at": v} for k, v in when.items()])


def _rows(session: Session, contacts: list[Contact]) -> list[ContactRow]:
    if not contacts:
        return []
    meetings = {
        contact_id: m for contact_id, (m, _) in latest_meetings(session, [c.id for c in contacts]).items()
    }
    out = []
    for c in contacts:
        m = meetings.get(c.id)
        out.append(
            ContactRow(
                contact_id=c.id,
                member_id=c.member_id,
                name=c.name,
                company=c.company,
                phase=c.phase,
                due_on=c.due_on,
                nudges=c.nudges,
                asks=c.asks,
                stage=c.stage,
                snooze_note=c.snooze_note,
                event=m.event if m else None,
                met_on=m.met_on if m else None,
                next_step=m.next_step if m else None,
                next_step_owner=m.next_step_owner if m else None,
                offer=m.offer if m else None,
                snoozed=bool(c.snoozed),
                rhythm_days=c.rhythm_days,
                offer_kind=m.offer_kind if m else None,
                connection=m.connection if m else None,
                meeting_id=m.id if m else None,
                next_step_due=m.next_step_due if m else None,
            )
        )
    return out


def _shown_on(day: date) -> ColumnElement[bool]:
    """Due on or before `day` in a shown phase (a still-open contact without a date is due at once)."""
    return or_(
        (Contact.due_on <= day) & Contact.phase.in_(SHOWN_PHASES),
        (Contact.phase == "classify") & Contact.due_on.is_(None),
    )


def due_contacts(session: Session, member_ids: list[int], day: date) -> dict[int, list[ContactRow]]:
    """Every contact due on or before `day` (the still-open ones too), for many members at once."""
    if not member_ids:
        return {}
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.member_id.in_(member_ids), _shown_on(day))
            .order_by(Contact.member_id, Contact.due_on, Contact.id)
        )
    )
    grouped: dict[int, list[ContactRow]] = {}
    for row in _rows(session, contacts):
        grouped.setdefault(row.member_id, []).append(row)
    return grouped


def members_with_due(session: Session, member_ids: list[int], day: date) -> set[int]:
    if not member_ids:
        return set()
    return set(
        session.scalars(
            select(Contact.member_id).where(Contact.member_id.in_(member_ids), _shown_on(day)).distinct()
        )
    )


# --- the outbox ---------------------------------------------------------------------------------


def open_digest(session: Session, member_id: int, day: date, now: datetime) -> None:
    """One row per member per local day, whoever gets there first."""
    open_digests(session, [member_id], day, now)


def open_digests(session: Session, member_ids: list[int], day: date, now: datetime) -> None:
    """`open_digest` for many members at once: one INSERT … ON CONFLICT DO NOTHING (executemany), in order."""
    if not member_ids:
        return
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(Digest).on_conflict_do_nothing(index_elements=["member_id", "day"])
    session.execute(
        statement,
        [
            {
                "member_id": m,
                "day": day,
                "status": "pending",
                "attempts": 0,
                "items": 0,
                "created_at": now,
                "lease_until": now,
            }
            for m in member_ids
        ],
    )


@dataclass(frozen=True)
class Claimed:
    digest_id: int
    member_id: int
    day: date
    attempts: int = 1  # > 1: an earlier attempt may have reached Slack


def claim(session: Session, lease: outbox.Lease) -> list[Claimed]:
    """Take digests that are pending (and not backing off) or whose claimant's lease ran out."""
    columns = (Digest.id, Digest.member_id, Digest.day, Digest.attempts)
    return [Claimed(i, m, d, a) for i, m, d, a in outbox.claim_rows(session, Digest, columns, lease)]


def members_by_id(session: Session, ids: list[int]) -> dict[int, DueMember]:
    if not ids:
        return {}
    return {m.member_id: m for m in _due_members(session, Member.id.in_(ids))}


def finish(session: Session, digest_id: int, worker: str, **values: object) -> bool:
    return outbox.finish(session, Digest, digest_id, worker, **values)


def remember_dm(session: Session, member_id: int, channel: str) -> None:
    session.execute(update(Member).where(Member.id == member_id).values(dm_channel=channel))


def deactivate(session: Session, member_id: int) -> None:
    session.execute(update(Member).where(Member.id == member_id).values(active=False, next_digest_at=None))


def digest_status(session: Session, member_id: int, day: date) -> Digest | None:
    return session.scalar(select(Digest).where(Digest.member_id == member_id, Digest.day == day))


# --- contact state ------------------------------------------------------------------------------


def owned_contact(session: Session, member_id: int, contact_id: int) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.id == contact_id, Contact.member_id == member_id))


def contact_row(session: Session, contact: Contact) -> ContactRow:
    return _rows(session, [contact])[0]


def contact_rows(session: Session, contacts: list[Contact]) -> list[ContactRow]:
    """Many contacts with their latest meeting, in two queries (the App Home's lists)."""
    return _rows(session, contacts)


def set_rhythm(session: Session, contact_id: int, rhythm_days: int) -> None:
    session.execute(update(Contact).where(Contact.id == contact_id).values(rhythm_days=rhythm_days))


def log_touch(session: Session, contact: Contact, kind: str, now: datetime, note: str | None = None) -> None:
    session.add(FollowUp(contact_id=contact.id, member_id=contact.member_id, kind=kind, at=now, note=note))


def log_breakdown(session: Session, contact: Contact, reason: str, now: datetime) -> None:
    session.add(Breakdown(contact_id=contact.id, member_id=contact.member_id, reason=reason, at=now))


def contacts_by_id(session: Session, ids: list[int]) -> dict[int, Contact]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}


def move_contacts(session: Session, moves: list[dict[str, object]]) -> None:
    """Set many contacts' follow-up state (dicts with "id" and the same columns): one executemany UPDATE."""
    if moves:
        session.execute(update(Contact), moves)


def history(
    session: Session, member_id: int
) -> tuple[
    list[datetime], list[tuple[datetime, str, datetime | None, bool, bool]], list[tuple[str, datetime]]
]:
    """Everything /met stats needs, in three queries. Each contact says whether it was ever met (a name known
    only from a referral is counted apart)."""
    meetings = list(session.scalars(select(Meeting.met_at).where(Meeting.member_id == member_id)))
    replied = select(FollowUp.contact_id).where(FollowUp.member_id == member_id, FollowUp.kind == "replied")
    met = select(Meeting.contact_id).where(Meeting.member_id == member_id)
    contacts = [
        (created, stage, first, bool(did), bool(was_met))
        for created, stage, first, did, was_met in session.execute(
            select(
                Contact.created_at,
                Contact.stage,
                Contact.first_follow_up_at,
                Contact.id.in_(replied),
                Contact.id.in_(met),
            ).where(Contact.member_id == member_id)
        )
    ]
    breakdowns = [
        (r, at)
        for r, at in session.execute(
            select(Breakdown.reason, Breakdown.at).where(Breakdown.member_id == member_id)
        )
    ]
    return meetings, contacts, breakdowns


def reason_counts(session: Session, member_ids: list[int]) -> dict[int, dict[str, int]]:
    """How often each member has named each breakdown reason: "(your most common)" comes from these."""
    if not member_ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    for member_id, why, n in session.execute(
        select(Breakdown.member_id, Breakdown.reason, func.count())
        .where(Breakdown.member_id.in_(member_ids))
        .group_by(Breakdown.member_id, Breakdown.reason)
    ):
        counts.setdefault(member_id, {})[why] = int(n)
    return counts


def followed_up_since_met(session: Session, contact_id: int) -> bool:
    """Did the user say "I followed up" since they last met this contact? Then "I never followed up" is no
    reason to offer."""
    last_met = (
        select(func.max(FollowUp.at))
        .where(FollowUp.contact_id == contact_id, FollowUp.kind == "met")
        .scalar_subquery()
    )
    found = session.scalar(
        select(FollowUp.id)
        .where(
            FollowUp.contact_id == contact_id,
            FollowUp.kind == "followed_up",
            or_(last_met.is_(None), FollowUp.at >= last_met),
        )
        .limit(1)
    )
    return found is not None
