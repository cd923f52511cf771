"""The application core: use cases over the store, answering in platform-neutral results.

Handlers (Slack today, Teams next) call these with plain values; nothing here knows Block Kit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot import capture
from bot.cadence import Cadence, first_due, local_today, next_digest_after_change, read_hour
from bot.capture import Logged, MeetingDraft
from bot.clock import Clock
from bot.home import MAX_DUE, MAX_LOSING, home_reply, referral_balance_section
from bot.listing import contacts_reply
from bot.parsing import Problem, name_key, parse_met
from bot.records import Person
from bot.results import Form, FormErrors, Refusal, Reply, Section, Who
from bot.stats import ContactFacts, History, stats_for, stats_reply
from bot.team import TEAM_WINDOW_DAYS, ReferralCounts, team_reply
from store import followups, meetings, people, replays
from store.db import Sessions
from store.home import HomeFacts, home_facts, referral_balance
from store.meetings import MeetingValues
from store.models import Member
from store.team import team_counts, team_referrals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """What the platform tells us about a person on first sight."""

    timezone: str | None
    display_name: str | None = None


@dataclass
class Core:
    sessions: Sessions
    clock: Clock
    cadence: Cadence = field(default_factory=Cadence)

    # --- members ------------------------------------------------------------------------------

    def needs_profile(self, who: Who) -> bool:
        """True on first sight (or when the timezone is still unknown): the edge should look the user up."""
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found is None or found.timezone is None

    def remember(self, who: Who, profile: Profile) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if profile.timezone:
                member.timezone = profile.timezone
            if profile.display_name:
                member.display_name = profile.display_name

    def set_digest_hour(self, who: Who, text: str) -> Reply:
        """`/met config digest 8am`: when this person's daily digest arrives, in their own timezone."""
        now = self.clock()
        hour = read_hour(text) if text else None
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if hour is None:
                current = member.digest_hour
                message = (
                    f"Your daily digest arrives at {current:02d}:00 in your timezone "
                    f"({member.timezone or 'UTC'}). Change it with /met config digest 8am (any hour)."
                )
                return Reply(headline=message, sections=(Section(text=message),))
            member.digest_hour = hour
            member.next_digest_at = next_digest_after_change(now, member.timezone, hour)
            zone_name = member.timezone or "UTC"
        message = f"Done: your daily digest now arrives at {hour:02d}:00 {zone_name} time."
        return Reply(headline=message, sections=(Section(text=message),))

    def home_seen(self, who: Who) -> bool:
        """Has this person ever opened the App Home? Only then is it worth republishing after each action."""
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found is not None and found.home_opened_at is not None

    def note_home_opened(self, who: Who) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            people.note_home_opened(session, member.id, now)

    def first_time(self, key: str) -> bool:
        with self.sessions.begin() as session:
            return replays.first_time(session, key, self.clock())

    def stop_workspace(self, workspace: str, platform: str = "slack") -> int:
        with self.sessions.begin() as session:
            return people.stop_workspace(session, platform, workspace)

    def timezone_of(self, who: Who) -> str | None:
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found.timezone if found else None

    def today(self, who: Who) -> date:
        return local_today(self.clock(), self.timezone_of(who))

    # --- capture ------------------------------------------------------------------------------

    def capture_text(self, who: Who, text: str, name_of: Callable[[str], str | None]) -> Reply:
        """`/met <text>`: parse, save, coach. Every outcome is a reply; nothing is half-saved."""
        try:
            return self._capture_text(who, text, name_of)
        except SQLAlchemyError:
            log.exception("capture failed", extra={"team": who.workspace, "user": who.user})
            return capture.save_failed_reply()

    def _capture_text(self, who: Who, text: str, name_of: Callable[[str], str | None]) -> Reply:
        now = self.clock()
        timezone = self.timezone_of(who)
        text, mentions = _plain_mentions(text, name_of)
        parsed = parse_met(text, now=now, timezone=timezone or "UTC", mentions=mentions)
        if isinstance(parsed, Problem):
            return capture.problem_reply(parsed.message)
        today = local_today(now, timezone)
        draft = capture.with_offer_kind_guessed(capture.draft_from(parsed, today=today))
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

    # --- the form -----------------------------------------------------------------------------

    def new_meeting_form(self, who: Who, channel: str | None = None) -> Form:
        return capture.meeting_form(today=self.today(who), channel=channel)

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
        today = self.today(who)
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

    # --- reading ------------------------------------------------------------------------------

    def contacts(self, who: Who) -> Reply:
        with self.sessions() as session:
            member: Member | None = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None:
                return contacts_reply([], 0, today=self.today(who))
            lines, total = meetings.recent_contacts(session, member.id)
            today = local_today(self.clock(), member.timezone)
        return contacts_reply(lines, total, today=today)

    def stats(self, who: Who) -> Reply:
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None:
                return stats_reply(stats_for(History((), (), ()), self.clock()))
            meetings_at, contacts, breakdowns = followups.history(session, member.id)
        history = History(
            meetings=tuple(meetings_at),
            contacts=tuple(
                ContactFacts(created, stage, first, replied) for created, stage, first, replied in contacts
            ),
            breakdowns=tuple(breakdowns),
        )
        return stats_reply(stats_for(history, self.clock()))

    def help(self) -> Reply:
        return capture.help_reply()

    def home(self, who: Who) -> Reply:
        """The App Home: due follow-ups (digest buttons), who is losing touch, stages, stats, referrals."""
        now = self.clock()
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            today = local_today(now, member.timezone if member else None)
            if member is None:
                facts = HomeFacts(
                    due=[], due_total=0, losing=[], losing_total=0, stages={}, stage_names={}, contacts=0
                )
                history = History((), (), ())
                balance = None
            else:
                facts = home_facts(session, member.id, today, due_limit=MAX_DUE, losing_limit=MAX_LOSING)
                meetings_at, contacts, breakdowns = followups.history(session, member.id)
                history = History(
                    meetings=tuple(meetings_at),
                    contacts=tuple(ContactFacts(*row) for row in contacts),
                    breakdowns=tuple(breakdowns),
                )
                balance = referral_balance(session, member.id)
        referrals = (
            referral_balance_section(balance.given, balance.received, balance.closed, tuple(balance.contacts))
            if balance
            else None
        )
        return home_reply(
            facts, today=today, cadence=self.cadence, stats=stats_for(history, now), referrals=referrals
        )

    def team(self, who: Who) -> Reply:
        """`/met team`: the workspace's figures, counts only."""
        now = self.clock()
        with self.sessions() as session:
            counts = team_counts(session, who.platform, who.workspace, now - timedelta(days=TEAM_WINDOW_DAYS))
            given, received, closed = team_referrals(session, who.platform, who.workspace)
        return team_reply(counts, ReferralCounts(given=given, received=received, closed=closed))

    def referral_help(self) -> Reply:
        """`/referral help`; the referral use cases live in bot/referral_service.py."""
        from bot.referrals import help_reply

        return help_reply()


_SLACK_MENTION = re.compile(r"<@([A-Za-z0-9]+)(?:\|([^<>]*))?>")


def _plain_mentions(text: str, name_of: Callable[[str], str | None]) -> tuple[str, list[Person]]:
    """Bridge until the Slack edge does it: "<@U1|bob>" -> "@Bob Lee" plus the mentioned Person."""
    mentions: list[Person] = []

    def plain(m: re.Match[str]) -> str:
        name = name_of(m[1]) or m[2] or m[1]
        mentions.append(Person(name=name, user=m[1]))
        return "@" + name

    return _SLACK_MENTION.sub(plain, text), mentions
