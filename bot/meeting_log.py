"""Logging meetings: from a line of text or the form, saved once, answered with what was understood."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot import capture
from bot.cadence import Cadence, first_due, local_today
from bot.capture import Logged, MeetingDraft
from bot.clock import Clock
from bot.members import Members
from bot.parsing import Problem, name_key, parse_met
from bot.records import Who
from bot.results import Form, FormErrors, Refusal, Reply
from store import meetings, people
from store.db import Sessions
from store.meetings import MeetingValues

log = logging.getLogger(__name__)


@dataclass
class MeetingLog:
    sessions: Sessions
    clock: Clock
    cadence: Cadence
    members: Members

    def capture_text(self, who: Who, text: str, name_of: Callable[[str], str | None]) -> Reply:
        """`/met <text>`: parse, save, coach. Every outcome is a reply; nothing is half-saved."""
        try:
            return self._capture_text(who, text, name_of)
        except SQLAlchemyError:
            log.exception("capture failed", extra={"team": who.workspace, "user": who.user})
            return capture.save_failed_reply()

    def _capture_text(self, who: Who, text: str, name_of: Callable[[str], str | None]) -> Reply:
        now = self.clock()
        timezone = self.members.timezone_of(who)
        parsed = parse_met(text, now=now, timezone=timezone or "UTC")
        if isinstance(parsed, Problem):
            return capture.problem_reply(parsed.message)
        name = parsed.name
        if parsed.linked_user_id and (not name or name == parsed.mention_label):
            # Slack sends mentions as <@U…|username>: the label is a handle; prefer the person's real name.
            name = name_of(parsed.linked_user_id) or name or parsed.linked_user_id
        today = local_today(now, timezone)
        draft = capture.with_offer_kind_guessed(capture.draft_from(parsed, today=today, name=name))
        if draft.met_on > today:
            return capture.problem_reply("That meeting is in the future: log it once it has happened.")
        logged = self._save(who, draft, warnings=parsed.warnings)
        assert not isinstance(logged, Refusal)
        return capture.logged_reply(logged, today=today)

    def _values(self, draft: MeetingDraft) -> MeetingValues:
        return MeetingValues(
            name=draft.name,
            name_key=name_key(draft.name),
            met_on=draft.met_on,
            company=draft.company,
            event=draft.event,
            linked_user_id=draft.linked_user_id,
            next_step=draft.next_step,
            next_step_owner=draft.next_step_owner,
            next_step_due=draft.due,
            offer=draft.offer,
            offer_kind=draft.offer_kind,
            notes=draft.notes,
            connection=draft.connection,
        )

    def _save(
        self, who: Who, draft: MeetingDraft, *, warnings: tuple[str, ...] = (), meeting_id: int | None = None
    ) -> Logged | Refusal:
        now = self.clock()
        due_on = first_due(draft.met_on, draft.due, self.cadence)
        with self.sessions.begin() as session:
            if meeting_id is not None:
                found = people.find_member(session, who.platform, who.workspace, who.user)
                if found is None:
                    return Refusal()
                member = found
            else:
                member = people.member(session, who.platform, who.workspace, who.user, now)
            if meeting_id is None:
                saved = meetings.log_meeting(session, member.id, self._values(draft), now=now, due_on=due_on)
                updated = False
            else:
                meeting = meetings.owned_meeting(session, member.id, meeting_id)
                if meeting is None:
                    return Refusal()
                saved = meetings.update_meeting(session, meeting, self._values(draft), now=now, due_on=due_on)
                updated = True
        return Logged(
            meeting_id=saved.meeting_id,
            contact_id=saved.contact_id,
            draft=draft,
            follow_up_on=due_on,
            earlier_meetings=saved.earlier_meetings,
            updated=updated,
            warnings=warnings,
        )

    def new_meeting_form(self, who: Who, channel: str | None = None) -> Form:
        return capture.meeting_form(today=self.members.today(who), channel=channel)

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
            meeting = meetings.owned_meeting(session, member.id, meeting_id) if member else None
            if member is None or meeting is None:
                return Refusal()
            draft = MeetingDraft(
                name=meeting.contact.name,
                met_on=meeting.met_on,
                company=meeting.contact.company,
                event=meeting.event,
                linked_user_id=meeting.contact.linked_user_id,
                next_step=meeting.next_step,
                next_step_owner=meeting.next_step_owner,
                due=meeting.next_step_due,
                offer=meeting.offer,
                offer_kind=meeting.offer_kind,
                notes=meeting.notes,
                connection=meeting.connection,
            )
            today = local_today(self.clock(), member.timezone)
        return capture.meeting_form(today=today, draft=draft, meeting_id=meeting_id)

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
        draft = capture.read_form(values, today=today)
        if isinstance(draft, FormErrors):
            return draft
        meeting_id, _channel = capture.read_form_context(context)
        logged = self._save(who, draft, meeting_id=meeting_id)
        if isinstance(logged, Refusal):
            log.warning(
                "form names a meeting the user does not own",
                extra={"team": who.workspace, "user": who.user, "meeting": meeting_id},
            )
            return logged
        return capture.logged_reply(logged, today=today)
