"""The user's own data: read it all out (export), bring contacts in (import), and delete it for good (forget).

Everything is scoped to one member. Deleting walks the schema's foreign keys, so a table added later that
hangs off a contact or a member (referrals, say) is cleaned up too, without relying on the database to
cascade: rows owned through a required key are deleted, optional links are cleared.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Column, ColumnElement, Select, Table, delete, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.meetings import MeetingValues
from store.models import Base, Breakdown, Contact, FollowUp, Meeting, Member, Referral

# --- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRecord:
    """A contact with its latest meeting, as plain values."""

    name: str
    company: str | None
    email: str | None
    linked_user_id: str | None
    stage: str
    phase: str
    due_on: date | None
    added_at: datetime
    meetings: int
    title: str | None = None
    phone: str | None = None
    url: str | None = None
    rhythm_days: int | None = None
    about: str | None = None  # the contact's own notes (not a meeting's)
    last_met_on: date | None = None
    event: str | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None
    offer: str | None = None
    offer_kind: str | None = None
    connection: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class HistoryRecord:
    """One meeting, follow-up, breakdown or referral (`record` says which); fields that don't apply stay None.

    For a referral, `contact` is the person on the other side: who gave it, or who received it."""

    record: str
    contact: str
    at: datetime
    met_on: date | None = None
    event: str | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None
    offer: str | None = None
    offer_kind: str | None = None
    connection: str | None = None
    notes: str | None = None
    kind: str | None = None
    note: str | None = None
    reason: str | None = None
    direction: str | None = None
    referred: str | None = None
    company: str | None = None
    outcome: str | None = None
    value: str | None = None


def export_contacts(session: Session, member_id: int) -> list[ContactRecord]:
    """Every contact of the member with its latest meeting and meeting count, in one query."""
    latest = (
        select(Meeting.contact_id, func.max(Meeting.id).label("meeting_id"), func.count().label("n"))
        .where(Meeting.member_id == member_id)
        .group_by(Meeting.contact_id)
        .subquery()
    )
    rows = session.execute(
        select(Contact, Meeting, latest.c.n)
        .outerjoin(latest, latest.c.contact_id == Contact.id)
        .outerjoin(Meeting, Meeting.id == latest.c.meeting_id)
        .where(Contact.member_id == member_id)
        .order_by(Contact.name_key, Contact.id)
    ).all()
    out = []
    for c, m, n in rows:
        out.append(
            ContactRecord(
                name=c.name,
                company=c.company,
                email=c.email,
                linked_user_id=c.linked_user_id,
                stage=c.stage,
                phase=c.phase,
                due_on=c.due_on,
                added_at=c.created_at,
                meetings=int(n or 0),
                title=c.title,
                phone=c.phone,
                url=c.url,
                rhythm_days=c.rhythm_days,
                about=c.notes,
                last_met_on=m.met_on if m else None,
                event=m.event if m else None,
                next_step=m.next_step if m else None,
                next_step_owner=m.next_step_owner if m else None,
                next_step_due=m.next_step_due if m else None,
                offer=m.offer if m else None,
                offer_kind=m.offer_kind if m else None,
                connection=m.connection if m else None,
                notes=m.notes if m else None,
            )
        )
    return out


def export_history(session: Session, member_id: int) -> list[HistoryRecord]:
    """Every meeting, follow-up, breakdown and referral the member recorded, oldest first: five queries."""
    records = [
        HistoryRecord(
            record="meeting",
            contact=name,
            at=m.met_at,
            met_on=m.met_on,
            event=m.event,
            next_step=m.next_step,
            next_step_owner=m.next_step_owner,
            next_step_due=m.next_step_due,
            offer=m.offer,
            offer_kind=m.offer_kind,
            connection=m.connection,
            notes=m.notes,
        )
        for m, name in session.execute(
            select(Meeting, Contact.name)
            .join(Contact, Contact.id == Meeting.contact_id)
            .where(Meeting.member_id == member_id)
        )
    ]
    records.extend(
        HistoryRecord(record="follow_up", contact=name, at=at, kind=kind, note=note)
        for kind, note, at, name in session.execute(
            select(FollowUp.kind, FollowUp.note, FollowUp.at, Contact.name)
            .join(Contact, Contact.id == FollowUp.contact_id)
            .where(FollowUp.member_id == member_id)
        )
    )
    records.extend(
        HistoryRecord(record="breakdown", contact=name, at=at, reason=reason)
        for reason, at, name in session.execute(
            select(Breakdown.reason, Breakdown.at, Contact.name)
            .join(Contact, Contact.id == Breakdown.contact_id)
            .where(Breakdown.member_id == member_id)
        )
    )
    referrals = list(session.scalars(select(Referral).where(Referral.member_id == member_id)))
    teammates = {i for r in referrals for i in (r.giver_member_id, r.receiver_member_id) if i is not None}
    names = (
        {
            m.id: m.display_name or m.user_id
            for m in session.scalars(select(Member).where(Member.id.in_(teammates)))
        }
        if teammates
        else {}
    )
    for r in referrals:
        given = r.direction == "given"
        other_member, other_name = (
            (r.receiver_member_id, r.receiver_name) if given else (r.giver_member_id, r.giver_name)
        )
        other = other_name or (names.get(other_member) if other_member is not None else None) or ""
        records.append(
            HistoryRecord(
                record="referral",
                contact=other,
                at=r.created_at,
                note=r.note,
                direction=r.direction,
                referred=r.referred_name,
                company=r.company,
                outcome=r.outcome,
                value=r.value,
            )
        )
    order = {"meeting": 0, "follow_up": 1, "breakdown": 2, "referral": 3}
    records.sort(key=lambda r: (r.at, order.get(r.record, 9)))
    return records


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewContact:
    name: str
    name_key: str
    company: str | None = None
    email: str | None = None
    title: str | None = None
    phone: str | None = None
    url: str | None = None
    rhythm_days: int | None = None
    about: str | None = None  # notes about the person, kept on the contact
    stage: str = "know"
    phase: str = "check_in"
    due_on: date | None = None
    added_on: date | None = None
    meeting: MeetingValues | None = None


@dataclass(frozen=True)
class Imported:
    created: int
    existing: int  # already known by that name: left as they were
    meetings: int


def known_keys(session: Session, member_id: int) -> set[str]:
    return set(session.scalars(select(Contact.name_key).where(Contact.member_id == member_id)))


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def import_contacts(session: Session, member_id: int, rows: list[NewContact], now: datetime) -> Imported:
    """Insert the contacts the member doesn't have yet (and their meeting), in the caller's one transaction.

    Two bulk INSERTs whatever the number of rows. A contact created meanwhile by another request makes the
    insert fail, and the caller's transaction rolls back: all or nothing.
    """
    existing = known_keys(session, member_id)
    fresh: dict[str, NewContact] = {}
    for row in rows:
        if row.name_key not in existing:
            fresh.setdefault(row.name_key, row)
    if fresh:
        session.execute(
            insert(Contact),
            [
                {
                    "member_id": member_id,
                    "name": r.name,
                    "name_key": r.name_key,
                    "company": r.company,
                    "email": r.email,
                    "title": r.title,
                    "phone": r.phone,
                    "url": r.url,
                    "rhythm_days": r.rhythm_days,
                    "notes": r.about,
                    "linked_user_id": None,
                    "stage": r.stage,
                    "phase": r.phase,
                    "due_on": r.due_on,
                    "nudges": 0,
                    "asks": 0,
                    "snooze_note": None,
                    "last_touch_at": _noon(r.meeting.met_on) if r.meeting else now,
                    "first_follow_up_at": None,
                    "created_at": _noon(r.added_on) if r.added_on else now,
                }
                for r in fresh.values()
            ],
        )
    ids = {
        key: cid
        for key, cid in session.execute(
            select(Contact.name_key, Contact.id).where(Contact.member_id == member_id)
        )
    }
    meetings = [
        {
            "contact_id": ids[key],
            "member_id": member_id,
            "event": m.event,
            "met_on": m.met_on,
            "met_at": _noon(m.met_on),
            "notes": m.notes,
            "next_step": m.next_step,
            "next_step_owner": m.next_step_owner,
            "next_step_due": m.next_step_due,
            "offer": m.offer,
            "offer_kind": m.offer_kind,
            "connection": m.connection,
            "created_at": now,
        }
        for key, r in fresh.items()
        if (m := r.meeting) is not None
    ]
    if meetings:
        session.execute(insert(Meeting), meetings)
    return Imported(created=len(fresh), existing=len(rows) - len(fresh), meetings=len(meetings))


# --- forget -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """What forgetting would delete, for the confirmation."""

    name: str | None
    contacts: int
    meetings: int
    follow_ups: int
    breakdowns: int


def _count(session: Session, column: InstrumentedAttribute[int], where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(column)).where(where)) or 0)


def contact_footprint(session: Session, member_id: int, contact_id: int) -> Footprint | None:
    """The contact's name and rows, or None when it isn't this member's."""
    name = session.scalar(
        select(Contact.name).where(Contact.id == contact_id, Contact.member_id == member_id)
    )
    if name is None:
        return None
    return Footprint(
        name=name,
        contacts=1,
        meetings=_count(session, Meeting.id, Meeting.contact_id == contact_id),
        follow_ups=_count(session, FollowUp.id, FollowUp.contact_id == contact_id),
        breakdowns=_count(session, Breakdown.id, Breakdown.contact_id == contact_id),
    )


def member_footprint(session: Session, member_id: int) -> Footprint:
    return Footprint(
        name=None,
        contacts=_count(session, Contact.id, Contact.member_id == member_id),
        meetings=_count(session, Meeting.id, Meeting.member_id == member_id),
        follow_ups=_count(session, FollowUp.id, FollowUp.member_id == member_id),
        breakdowns=_count(session, Breakdown.id, Breakdown.member_id == member_id),
    )


def contacts_named(
    session: Session, member_id: int, key: str, limit: int = 5
) -> list[tuple[int, str, str | None]]:
    """(id, name, company) of the member's contact with exactly this name key, else those containing it."""
    exact = [
        (cid, name, company)
        for cid, name, company in session.execute(
            select(Contact.id, Contact.name, Contact.company).where(
                Contact.member_id == member_id, Contact.name_key == key
            )
        )
    ]
    if exact or not key:
        return exact
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [
        (cid, name, company)
        for cid, name, company in session.execute(
            select(Contact.id, Contact.name, Contact.company)
            .where(Contact.member_id == member_id, Contact.name_key.like(pattern, escape="\\"))
            .order_by(Contact.name_key)
            .limit(limit)
        )
    ]


def _referencing(table: Table) -> Iterator[tuple[Table, Column[int], str | None]]:
    """(child table, its column, ON DELETE rule) for every foreign key that points at `table`."""
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                yield child, fk.parent, fk.ondelete


def _remove(session: Session, table: Table, ids: Select[tuple[int]], path: tuple[str, ...] = ()) -> None:
    """Delete the rows of `table` selected by `ids`, and everything hanging off them, children first."""
    if table.name in path:  # a cycle in the schema: stop rather than loop
        return
    for child, column, rule in _referencing(table):
        if (rule or "").upper() == "SET NULL" or (column.nullable and (rule or "").upper() != "CASCADE"):
            session.execute(update(child).where(column.in_(ids)).values({column.name: None}))
            continue
        [child_key] = child.primary_key.columns
        _remove(session, child, select(child_key).where(column.in_(ids)), (*path, table.name))
    [key] = table.primary_key.columns
    session.execute(delete(table).where(key.in_(ids)))


def forget_contact(session: Session, member_id: int, contact_id: int) -> bool:
    """Delete the member's contact and every row that belongs to it; False when it isn't theirs."""
    owned = select(Contact.id).where(Contact.id == contact_id, Contact.member_id == member_id)
    if session.scalar(owned) is None:
        return False
    _remove(session, Contact.__table__, owned)  # type: ignore[arg-type]
    return True


def forget_member(session: Session, member_id: int) -> bool:
    """Delete the member and everything hanging off them (contacts, meetings, follow-ups, digests …)."""
    selected = select(Member.id).where(Member.id == member_id)
    if session.scalar(selected) is None:
        return False
    _remove(session, Member.__table__, selected)  # type: ignore[arg-type]
    return True
