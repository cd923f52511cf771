"""Logging meetings: from a line of text or the form, saved once, answered with what was understood."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import capture
from bot.cadence import Cadence, first_due, local_today
from bot.capture import Logged
from bot.clock import Clock
from bot.cold_risk import capture_risk
from bot.engagement import apply_state, set_rhythm, state_of
from bot.followup import after_meeting
from bot.ics import next_step_calendar
from bot.members import Members
from bot.parsing import Problem, name_key, parse_met
from bot.records import ContactCard, Meeting, Person, Who
from bot.results import Files, Form, FormErrors, Refusal, Reply
from store import meetings, people
from store.db import Sessions
from store.meetings import Earlier, MeetingValues
from store.models import Member

log = logging.getLogger(__name__)

MAX_MENTIONS = 10  # a message naming more people than this is not about one meeting
NO_DATED_STEP = "That meeting has no next step with a date yet, so there's nothing to put in a calendar."


@dataclass(frozen=True)
class _One:
    """One person's part of a logged meeting."""

    meeting_id: int
    contact_id: int
    meeting: Meeting
    due_on: date
    earlier: int
    carried: bool


def keep_next_step(meeting: Meeting, earlier: Earlier) -> tuple[Meeting, bool]:
    """A later meeting keeps the next step agreed at the one before, unless the new line sets one.
    A due date already behind the new meeting is not carried: the timer restarts from this meeting."""
    if meeting.next_step or not earlier.next_step:
        return meeting, False
    due = earlier.next_step_due
    if due is not None and meeting.met_on is not None and due < meeting.met_on:
        due = None
    carried = replace(
        meeting,
        next_step=earlier.next_step,
        next_step_owner=earlier.next_step_owner,  # type: ignore[arg-type]  # stored from the same literals
        next_step_due=meeting.next_step_due or due,
    )
    return carried, True


@dataclass
class MeetingLog:
    sessions: Sessions
    clock: Clock
    cadence: Cadence
    members: Members

    def capture_text(self, who: Who, text: str, mentions: tuple[Person, ...] = ()) -> Reply:
        """`/met <text>`: parse, save, coach. Every outcome is a reply; nothing is half-saved.
        The text is plain: a mentioned teammate appears as "@Name", with a `Person` in `mentions`."""
        try:
            return self._capture_text(who, text, mentions)
        except SQLAlchemyError:
            log.exception("capture failed", extra={"team": who.workspace, "user": who.user})
            return capture.save_failed_reply()

    def _capture_text(self, who: Who, text: str, mentions: tuple[Person, ...]) -> Reply:
        now = self.clock()
        timezone, locale = self.members.zone_and_locale(who)
        meeting = parse_met(text, now=now, timezone=timezone or "UTC", locale=locale, mentions=mentions)
        if isinstance(meeting, Problem):
            return capture.problem_reply(meeting.message)
        today = local_today(now, timezone)
        meeting = capture.with_offer_kind_guessed(replace(meeting, met_on=meeting.met_on or today))
        if meeting.met_on and meeting.met_on > today:
            return capture.problem_reply("That meeting is in the future: log it once it has happened.")
        return capture.logged_reply(self.log(who, meeting), today=today)

    def log(self, who: Who, meeting: Meeting) -> Logged:
        """Save a meeting with each person met, in one transaction: each one's contact (found by name, or
        created once), a meeting row, and the follow-up timer started again from this meeting."""
        now = self.clock()
        assert meeting.met_on is not None
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            saved = [self._log_one(session, member, card, meeting, now) for card in meeting.people]
            member_id, workspace_id = member.id, member.workspace_id
        first = saved[0]
        return Logged(
            risk=self._risk_line(who, member_id, workspace_id, first.meeting),
            meeting_ids=tuple(s.meeting_id for s in saved),
            contact_ids=tuple(s.contact_id for s in saved),
            meeting=first.meeting,
            follow_up_on=first.due_on,
            earlier_meetings=first.earlier,
            carried_next_step=first.carried,
        )

    def _log_one(
        self, session: Session, member: Member, card: ContactCard, meeting: Meeting, now: datetime
    ) -> _One:
        assert meeting.met_on is not None
        member_id = member.id
        key = name_key(card.name)
        contact, _created = people.contact_named(
            session, member_id, name=card.name, key=key, company=card.company, now=now, due_on=meeting.met_on
        )
        earlier = meetings.earlier_meetings(session, contact.id)
        kept, carried = keep_next_step(meeting, earlier)
        # Never a date already past ("when: last Friday"): the next working day instead.
        today = local_today(now, member.timezone)
        met_on = kept.met_on or meeting.met_on
        due_on = first_due(met_on, kept.next_step_due, self.cadence, today=today, work_days=member.work_days)
        meetings.keep_details(contact, card)
        set_rhythm(session, contact.id, kept.rhythm_days)
        apply_state(contact, after_meeting(state_of(contact), due_on))
        contact.last_touch_at = now
        meeting_id = meetings.add_meeting(session, member_id, contact.id, kept, now)
        return _One(meeting_id, contact.id, kept, due_on, earlier.count, carried)

    def _risk_line(self, who: Who, member_id: int, workspace_id: int, meeting: Meeting) -> str | None:
        """The capture warning, from the member's own history (two queries). A failure here costs the
        warning only: the meeting is already saved."""
        try:
            with self.sessions() as session:
                return capture_risk(session, member_id, workspace_id, meeting).line
        except (SQLAlchemyError, ArithmeticError, ValueError):
            log.exception("risk estimate failed", extra={"team": who.workspace, "user": who.user})
            return None

    def calendar(self, who: Who, meeting_id: int) -> Files | Reply | Refusal:
        """ "Add to calendar": the .ics for the meeting's agreed next step, only for the member's own meeting."""
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            row = meetings.owned_meeting(session, member.id, meeting_id) if member else None
            if member is None or row is None:
                return Refusal()
            meeting = meetings.meeting_record(row)
            timezone = member.timezone
        if not meeting.next_step or meeting.next_step_due is None:
            return capture.problem_reply(NO_DATED_STEP)
        ics = next_step_calendar(
            meeting_id=meeting_id,
            contact=meeting.person.name,
            next_step=meeting.next_step,
            due=meeting.next_step_due,
            timezone=timezone,
            now=self.clock(),
        )
        return capture.calendar_files(ics)

    def _update(self, who: Who, meeting_id: int, meeting: Meeting) -> Logged | Refusal:
        """The form, editing a stored meeting: only the acting user's own."""
        now = self.clock()
        assert meeting.met_on is not None
        card = meeting.person
        with self.sessions.begin() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            row = meetings.owned_meeting(session, member.id, meeting_id) if member else None
            if member is None or row is None:
                return Refusal()
            today = local_today(now, member.timezone)
            due_on = first_due(
                meeting.met_on, meeting.next_step_due, self.cadence, today=today, work_days=member.work_days
            )
            values = MeetingValues(
                name=card.name,
                name_key=name_key(card.name),
                met_on=meeting.met_on,
                company=card.company,
                event=meeting.event,
                next_step=meeting.next_step,
                next_step_owner=meeting.next_step_owner,
                next_step_due=meeting.next_step_due,
                offer=meeting.offer,
                offer_kind=meeting.offer_kind,
                notes=meeting.notes,
                connection=meeting.connection,
            )
            saved = meetings.update_meeting(session, row, values, now=now, due_on=due_on)
            meetings.keep_details(row.contact, card)
            set_rhythm(session, saved.contact_id, meeting.rhythm_days)
        return Logged(
            meeting_ids=(saved.meeting_id,),
            contact_ids=(saved.contact_id,),
            meeting=meeting,
            follow_up_on=due_on,
            earlier_meetings=saved.earlier_meetings,
            updated=True,
        )

    def new_meeting_form(self, who: Who, channel: str | None = None) -> Form:
        return capture.meeting_form(today=self.members.today(who), channel=channel)

    def form_from_message(
        self, who: Who, text: str, *, author: Person | None, mentions: tuple[Person, ...] = ()
    ) -> Form:
        """ "Log a meeting" on a message: the form, prefilled from the message. A mentioned person who is
        not one of the team's members is the contact; a mentioned teammate, or else the message's author
        when it is not the user, is noted as who introduced them."""
        today = self.members.today(who)
        if not text.strip():
            return self.new_meeting_form(who)
        timezone, locale = self.members.zone_and_locale(who)
        parsed = parse_met(
            text, now=self.clock(), timezone=timezone or "UTC", locale=locale, mentions=mentions
        )
        outsiders, teammates = self._split_mentions(who, mentions)
        if author is not None and author.user != who.user and author not in teammates:
            teammates.append(author)
        meeting = capture.meeting_from_message(
            parsed if isinstance(parsed, Meeting) else None,
            text,
            contact=outsiders[0].name if outsiders else None,
            introduced_by=teammates[0].name if teammates else None,
            today=today,
        )
        return capture.meeting_form(today=today, meeting=meeting)

    def _split_mentions(self, who: Who, mentions: tuple[Person, ...]) -> tuple[list[Person], list[Person]]:
        """(people outside the team's members, teammates): the acting user is neither."""
        outsiders: list[Person] = []
        teammates: list[Person] = []
        with self.sessions() as session:
            for person in mentions[:MAX_MENTIONS]:
                if person.user == who.user:
                    continue
                member = people.find_member(session, who.platform, who.workspace, person.user or "")
                (teammates if member is not None else outsiders).append(person)
        return outsiders, teammates

    def edit_by_name(self, who: Who, name: str) -> Form | Reply:
        """`/met edit Jane Doe`: the latest meeting with that contact, in the form."""
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            contact = meetings.contact_by_key(session, member.id, name_key(name)) if member else None
            latest = meetings.latest_meetings(session, [contact.id]).get(contact.id) if contact else None
        if latest is None:
            return capture.problem_reply(
                f"I couldn't find a contact called {' '.join(name.split())[:80]}. /met list shows your contacts."
            )
        form = self.edit_meeting_form(who, latest[0].id)
        assert not isinstance(form, Refusal)  # the meeting was found among this member's own
        return form

    def edit_meeting_form(self, who: Who, meeting_id: int) -> Form | Refusal:
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            row = meetings.owned_meeting(session, member.id, meeting_id) if member else None
            if member is None or row is None:
                return Refusal()
            meeting = meetings.meeting_record(row)
            today = local_today(self.clock(), member.timezone)
        return capture.meeting_form(today=today, meeting=meeting, meeting_id=meeting_id)

    def submit_meeting_form(
        self, who: Who, values: dict[str, object], context: str
    ) -> Reply | FormErrors | Refusal:
        try:
            return self._submit_meeting_form(who, values, context)
        except SQLAlchemyError:
            log.exception("form save failed", extra={"team": who.workspace, "user": who.user})
            return FormErrors({"name": capture.SAVE_FAILED})

    def _submit_meeting_form(
        self, who: Who, values: dict[str, object], context: str
    ) -> Reply | FormErrors | Refusal:
        today = self.members.today(who)
        meeting = capture.read_form(values, today=today)
        if isinstance(meeting, FormErrors):
            return meeting
        meeting_id, _channel = capture.read_form_context(context)
        logged = self.log(who, meeting) if meeting_id is None else self._update(who, meeting_id, meeting)
        if isinstance(logged, Refusal):
            log.warning(
                "form names a meeting the user does not own",
                extra={"team": who.workspace, "user": who.user, "meeting": meeting_id},
            )
            return logged
        return capture.logged_reply(logged, today=today)
