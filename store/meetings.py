"""Contacts and meetings: every query the capture flow needs, always scoped to one member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.records import ContactCard
from bot.records import Meeting as RecordedMeeting
from store.models import Breakdown, Contact, FollowUp, Meeting, Referral
from store.people import contact_named
from store.referrals import balances


@dataclass(frozen=True)
class MeetingValues:
    """The columns of a meeting, as plain values (the store does not import the core)."""

    name: str
    name_key: str
    met_on: date
    company: str | None = None
    event: str | None = None
    linked_user_id: str | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None
    offer: str | None = None
    offer_kind: str | None = None
    notes: str | None = None
    connection: str | None = None


@dataclass(frozen=True)
class Saved:
    meeting_id: int
    contact_id: int
    earlier_meetings: int


def contact_by_key(session: Session, member_id: int, key: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.member_id == member_id, Contact.name_key == key))


def _apply(meeting: Meeting, values: MeetingValues, met_at: datetime) -> None:
    meeting.event = values.event
    meeting.met_on = values.met_on
    meeting.met_at = met_at
    meeting.notes = values.notes
    meeting.next_step = values.next_step
    meeting.next_step_owner = values.next_step_owner
    meeting.next_step_due = values.next_step_due
    meeting.offer = values.offer
    meeting.offer_kind = values.offer_kind
    meeting.connection = values.connection


def restart_timer(contact: Contact, *, now: datetime, due_on: date) -> None:
    """A new touch: the follow-up clock starts again from here."""
    contact.phase = "follow_up"
    contact.due_on = due_on
    contact.nudges = 0
    contact.asks = 0
    contact.snooze_note = None
    contact.snoozed = False
    contact.last_touch_at = now


@dataclass(frozen=True)
class Earlier:
    """What came before a new meeting with someone: how many, and the next step agreed at the last one."""

    count: int
    next_step: str | None = None
    next_step_owner: str | None = None
    next_step_due: date | None = None


def earlier_meetings(session: Session, contact_id: int) -> Earlier:
    count = (
        session.scalar(select(func.count()).select_from(Meeting).where(Meeting.contact_id == contact_id)) or 0
    )
    if not count:
        return Earlier(0)
    last = session.execute(
        select(Meeting.next_step, Meeting.next_step_owner, Meeting.next_step_due)
        .where(Meeting.contact_id == contact_id)
        .order_by(Meeting.met_on.desc(), Meeting.id.desc())
        .limit(1)
    ).one()
    return Earlier(int(count), last.next_step, last.next_step_owner, last.next_step_due)


def keep_details(contact: Contact, card: ContactCard) -> None:
    """What the new line says about them; what it leaves out stays as it was."""
    for column in ("company", "title", "email", "phone", "url"):
        value = getattr(card, column)
        if value:
            setattr(contact, column, value)
    if card.linked_user:
        contact.linked_user_id = card.linked_user


def add_meeting(
    session: Session, member_id: int, contact_id: int, meeting: RecordedMeeting, now: datetime
) -> int:
    """One meeting row (and its 'met' history row) for one person met."""
    assert meeting.met_on is not None
    row = Meeting(
        contact_id=contact_id,
        member_id=member_id,
        created_at=now,
        event=meeting.event,
        met_on=meeting.met_on,
        met_at=now,
        notes=meeting.notes,
        next_step=meeting.next_step,
        next_step_owner=meeting.next_step_owner,
        next_step_due=meeting.next_step_due,
        offer=meeting.offer,
        offer_kind=meeting.offer_kind,
        connection=meeting.connection,
    )
    session.add(row)
    session.add(FollowUp(contact_id=contact_id, member_id=member_id, kind="met", at=now))
    session.flush()
    return row.id


def meeting_record(meeting: Meeting) -> RecordedMeeting:
    """A stored meeting as the core's record (one person: its contact)."""
    c = meeting.contact
    card = ContactCard(
        name=c.name,
        company=c.company,
        title=c.title,
        email=c.email,
        phone=c.phone,
        url=c.url,
        linked_user=c.linked_user_id,
    )
    return RecordedMeeting(
        people=(card,),
        met_on=meeting.met_on,
        event=meeting.event,
        next_step=meeting.next_step,
        next_step_owner=meeting.next_step_owner,  # type: ignore[arg-type]  # stored from the same literals
        next_step_due=meeting.next_step_due,
        offer=meeting.offer,
        offer_kind=meeting.offer_kind,  # type: ignore[arg-type]
        notes=meeting.notes,
        connection=meeting.connection,  # type: ignore[arg-type]
        rhythm_days=c.rhythm_days,
    )


def log_meeting(
    session: Session, member_id: int, values: MeetingValues, *, now: datetime, due_on: date
) -> Saved:
    """Attach the meeting to the member's contact of that name (creating it once), and restart its timer."""
    contact, _ = contact_named(
        session,
        member_id,
        name=values.name,
        key=values.name_key,
        company=values.company,
        now=now,
        due_on=due_on,
    )
    earlier = (
        session.scalar(select(func.count()).select_from(Meeting).where(Meeting.contact_id == contact.id)) or 0
    )
    if values.company:
        contact.company = values.company
    if values.linked_user_id:
        contact.linked_user_id = values.linked_user_id
    if contact.phase in ("cold", "closed") or earlier:
        contact.phase = "follow_up"
    restart_timer(contact, now=now, due_on=due_on)
    meeting = Meeting(contact_id=contact.id, member_id=member_id, created_at=now)
    _apply(meeting, values, now)
    session.add(meeting)
    session.add(FollowUp(contact_id=contact.id, member_id=member_id, kind="met", at=now))
    session.flush()
    return Saved(meeting_id=meeting.id, contact_id=contact.id, earlier_meetings=int(earlier))


def owned_meeting(session: Session, member_id: int, meeting_id: int) -> Meeting | None:
    """The meeting, only if it belongs to this member: the check behind every button and form."""
    return session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.member_id == member_id))


def update_meeting(
    session: Session, meeting: Meeting, values: MeetingValues, *, now: datetime, due_on: date
) -> Saved:
    """Edit a meeting. A changed name is a typo fix when this is the contact's only meeting (the contact is
    renamed, or merged into the one already known by that name); otherwise the meeting moves to that person."""
    contact = meeting.contact
    if values.name_key != contact.name_key:
        others = (
            session.scalar(
                select(func.count())
                .select_from(Meeting)
                .where(Meeting.contact_id == contact.id, Meeting.id != meeting.id)
            )
            or 0
        )
        target = contact_by_key(session, meeting.member_id, values.name_key)
        if target is None and not others:
            contact.name = values.name
            contact.name_key = values.name_key
            target = contact
        elif target is None:
            target, _ = contact_named(
                session,
                meeting.member_id,
                name=values.name,
                key=values.name_key,
                company=values.company,
                now=now,
                due_on=due_on,
            )
        if target.id != contact.id:
            meeting.contact_id = target.id
            if not others:
                # The old name was a typo: its history belongs to the person it really was.
                for model in (FollowUp, Breakdown):
                    session.execute(
                        update(model).where(model.contact_id == contact.id).values(contact_id=target.id)
                    )
                for column in ("giver_contact_id", "receiver_contact_id", "referred_contact_id"):
                    link = getattr(Referral, column)
                    session.execute(update(Referral).where(link == contact.id).values({column: target.id}))
                session.flush()
                session.expire(meeting, ["contact"])
                session.delete(contact)
        contact = target
    contact.company = values.company or contact.company
    _apply(meeting, values, meeting.met_at)
    restart_timer(contact, now=now, due_on=due_on)
    session.flush()
    earlier = session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.contact_id == contact.id, Meeting.id != meeting.id)
    )
    return Saved(meeting_id=meeting.id, contact_id=contact.id, earlier_meetings=int(earlier or 0))


@dataclass(frozen=True)
class ContactLine:
    contact_id: int
    name: str
    company: str | None
    stage: str
    phase: str
    due_on: date | None
    last_met_on: date | None
    event: str | None
    next_step: str | None
    next_step_due: date | None
    offer: str | None
    meetings: int
    referrals_given: int = 0  # referrals the member gave this contact
    referrals_received: int = 0  # referrals this contact gave the member


def latest_meetings(session: Session, contact_ids: list[int]) -> dict[int, tuple[Meeting, int]]:
    """Each contact's most recent meeting and how many there were, for many contacts in one query."""
    if not contact_ids:
        return {}
    latest = (
        select(Meeting.contact_id, func.max(Meeting.id).label("meeting_id"), func.count().label("n"))
        .where(Meeting.contact_id.in_(contact_ids))
        .group_by(Meeting.contact_id)
        .subquery()
    )
    rows = session.execute(select(Meeting, latest.c.n).join(latest, Meeting.id == latest.c.meeting_id)).all()
    return {m.contact_id: (m, int(n)) for m, n in rows}


def recent_contacts(session: Session, member_id: int, limit: int = 15) -> tuple[list[ContactLine], int]:
    """The member's contacts, most recently touched first, with their latest meeting; and the total count."""
    total = (
        session.scalar(select(func.count()).select_from(Contact).where(Contact.member_id == member_id)) or 0
    )
    contacts = session.scalars(
        select(Contact)
        .where(Contact.member_id == member_id)
        .order_by(Contact.last_touch_at.desc(), Contact.id.desc())
        .limit(limit)
    ).all()
    if not contacts:
        return [], int(total)
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
    return lines, int(total)
