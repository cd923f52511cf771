"""One member's contacts for finding, paging and one person's card: plain records, a few queries each.

Every query is scoped to the member; a contact id that is not theirs finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from store.meetings import ContactLine, latest_meetings
from store.models import Breakdown, Contact, FollowUp, Meeting, Member, Referral
from store.referrals import balances

DUE_PHASES = ("follow_up", "await_reply", "check_in", "classify")
STAGE_FILTERS = ("know", "like", "trust")
FILTERS = ("", "due", "cold", *STAGE_FILTERS)

# --- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchEntry:
    """What a search can match a contact on: who they are, and every meeting's event and notes."""

    contact_id: int
    name: str
    company: str | None
    title: str | None
    email: str | None
    about: str | None
    events: tuple[str, ...]
    notes: tuple[str, ...]
    stage: str
    phase: str
    due_on: date | None
    last_met_on: date | None


def search_entries(session: Session, member_id: int) -> list[SearchEntry]:
    """Every contact of the member with their meetings' events and notes: two queries."""
    events: dict[int, list[str]] = {}
    notes: dict[int, list[str]] = {}
    last_met: dict[int, date] = {}
    for contact_id, event, note, met_on in session.execute(
        select(Meeting.contact_id, Meeting.event, Meeting.notes, Meeting.met_on)
        .where(Meeting.member_id == member_id)
        .order_by(Meeting.met_at.desc(), Meeting.id.desc())
    ):
        if event and event not in events.setdefault(contact_id, []):
            events[contact_id].append(event)
        if note:
            notes.setdefault(contact_id, []).append(note)
        last_met.setdefault(contact_id, met_on)
    columns = (
        Contact.id,
        Contact.name,
        Contact.company,
        Contact.title,
        Contact.email,
        Contact.notes,
        Contact.stage,
        Contact.phase,
        Contact.due_on,
    )
    return [
        SearchEntry(
            contact_id=cid,
            name=name,
            company=company,
            title=title,
            email=email,
            about=about,
            events=tuple(events.get(cid, ())),
            notes=tuple(notes.get(cid, ())),
            stage=stage,
            phase=phase,
            due_on=due_on,
            last_met_on=last_met.get(cid),
        )
        for cid, name, company, title, email, about, stage, phase, due_on in session.execute(
            select(*columns).where(Contact.member_id == member_id).order_by(Contact.id)
        )
    ]


def contact_names(session: Session, member_id: int) -> dict[int, str]:
    """The member's contacts' names by id: one query."""
    rows = session.execute(select(Contact.id, Contact.name).where(Contact.member_id == member_id))
    return {contact_id: name for contact_id, name in rows}


# --- the list, a page at a time -----------------------------------------------------------------


def _filtered(member_id: int, wanted: str, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Contact.member_id == member_id]
    if wanted == "due":
        where += [Contact.phase.in_(DUE_PHASES), Contact.due_on <= today]
    elif wanted == "cold":
        where.append(Contact.phase == "cold")
    elif wanted in STAGE_FILTERS:
        where.append(Contact.stage == wanted)
    return where


def count_due(session: Session, member_id: int, today: date) -> int:
    where = _filtered(member_id, "due", today)
    return int(session.scalar(select(func.count()).select_from(Contact).where(*where)) or 0)


def contact_page(
    session: Session, member_id: int, *, wanted: str, today: date, offset: int, limit: int
) -> tuple[list[ContactLine], int]:
    """One page of the member's contacts that pass the filter, and how many pass it in all.

    Due contacts come soonest-due first; every other list most recently touched first."""
    where = _filtered(member_id, wanted, today)
    total = int(session.scalar(select(func.count()).select_from(Contact).where(*where)) or 0)
    order = (
        (Contact.due_on, Contact.id) if wanted == "due" else (Contact.last_touch_at.desc(), Contact.id.desc())
    )
    contacts = list(
        session.scalars(select(Contact).where(*where).order_by(*order).offset(offset).limit(limit))
    )
    return _lines(session, member_id, contacts), total


def _lines(session: Session, member_id: int, contacts: list[Contact]) -> list[ContactLine]:
    ids = [c.id for c in contacts]
    latest = latest_meetings(session, ids)
    exchanged = balances(session, member_id, ids)
    lines = []
    for c in contacts:
        m, n = latest.get(c.id, (None, 0))
        given, received = exchanged.get(c.id, (0, 0))
        lines.append(
            ContactLine(
                contact_id=c.id,
                name=c.name,
                company=c.company,
                stage=c.stage,
                phase=c.phase,
                due_on=c.due_on,
                last_met_on=m.met_on if m else None,
                event=m.event if m else None,
                next_step=m.next_step if m else None,
                next_step_due=m.next_step_due if m else None,
                offer=m.offer if m else None,
                meetings=int(n),
                referrals_given=given,
                referrals_received=received,
            )
        )
    return lines


# --- one contact's card -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactDetails:
    contact_id: int
    name: str
    company: str | None
    title: str | None
    email: str | None
    phone: str | None
    url: str | None
    about: str | None
    stage: str
    phase: str
    due_on: date | None
    rhythm_days: int | None
    snooze_note: str | None
    added_at: datetime
    latest_meeting_id: int | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None
    offer: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened with the contact. `kind` is meeting | follow_up | breakdown | referral;
    `what` is the follow-up's kind, the breakdown's reason, or the contact's part in a referral
    (receiver: the member gave them one; giver: they gave the member one; referred_given / referred_received:
    they were the referral the member gave, or received)."""

    at: datetime
    kind: str
    what: str | None = None
    met_on: date | None = None
    event: str | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None
    offer: str | None = None
    notes: str | None = None
    note: str | None = None
    other: str | None = None  # a referral's other person: who it went to, or came from
    referred: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class ContactTimeline:
    details: ContactDetails
    entries: tuple[TimelineEntry, ...]  # newest first


def _meetings(session: Session, contact_id: int) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=m.met_at,
            kind="meeting",
            met_on=m.met_on,
            event=m.event,
            next_step=m.next_step,
            next_step_owner=m.next_step_owner,
            next_step_due=m.next_step_due,
            offer=m.offer,
            notes=m.notes,
        )
        for m in session.scalars(select(Meeting).where(Meeting.contact_id == contact_id))
    ]


def _touches(session: Session, contact_id: int) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(at=at, kind="follow_up", what=kind, note=note)
        for kind, note, at in session.execute(
            select(FollowUp.kind, FollowUp.note, FollowUp.at).where(FollowUp.contact_id == contact_id)
        )
    ]
    entries += [
        TimelineEntry(at=at, kind="breakdown", what=reason)
        for reason, at in session.execute(
            select(Breakdown.reason, Breakdown.at).where(Breakdown.contact_id == contact_id)
        )
    ]
    return entries


def _referrals(session: Session, member_id: int, contact_id: int) -> list[TimelineEntry]:
    referrals = list(
        session.scalars(
            select(Referral).where(
                Referral.member_id == member_id,
                or_(
                    Referral.giver_contact_id == contact_id,
                    Referral.receiver_contact_id == contact_id,
                    Referral.referred_contact_id == contact_id,
                ),
            )
        )
    )
    teammates = {i for r in referrals for i in (r.giver_member_id, r.receiver_member_id) if i is not None}
    names = (
        {
            i: n
            for i, n in session.execute(
                select(Member.id, Member.display_name).where(Member.id.in_(teammates))
            )
        }
        if teammates
        else {}
    )
    entries = []
    for r in referrals:
        if r.referred_contact_id == contact_id:
            what = "referred_given" if r.direction == "given" else "referred_received"
            member, name = (
                (r.receiver_member_id, r.receiver_name)
                if r.direction == "given"
                else (r.giver_member_id, r.giver_name)
            )
        else:
            what = "receiver" if r.receiver_contact_id == contact_id else "giver"
            member, name = None, r.referred_name
        other = name or (names.get(member) if member is not None else None)
        entries.append(
            TimelineEntry(
                at=r.created_at,
                kind="referral",
                what=what,
                note=r.note,
                other=other,
                referred=r.referred_name,
                outcome=r.outcome,
            )
        )
    return entries


def contact_timeline(session: Session, member_id: int, contact_id: int) -> ContactTimeline | None:
    """The contact's details and everything that happened with them, or None when it isn't the member's."""
    c = session.scalar(select(Contact).where(Contact.id == contact_id, Contact.member_id == member_id))
    if c is None:
        return None
    latest = latest_meetings(session, [c.id]).get(c.id)
    m = latest[0] if latest else None
    details = ContactDetails(
        contact_id=c.id,
        name=c.name,
        company=c.company,
        title=c.title,
        email=c.email,
        phone=c.phone,
        url=c.url,
        about=c.notes,
        stage=c.stage,
        phase=c.phase,
        due_on=c.due_on,
        rhythm_days=c.rhythm_days,
        snooze_note=c.snooze_note,
        added_at=c.created_at,
        latest_meeting_id=m.id if m else None,
        next_step=m.next_step if m else None,
        next_step_owner=m.next_step_owner if m else None,
        next_step_due=m.next_step_due if m else None,
        offer=m.offer if m else None,
    )
    entries = _meetings(session, c.id) + _touches(session, c.id) + _referrals(session, member_id, c.id)
    order = {"meeting": 0, "follow_up": 1, "breakdown": 2, "referral": 3}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 9)), reverse=True)
    return ContactTimeline(details=details, entries=tuple(entries))
