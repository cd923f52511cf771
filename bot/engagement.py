"""Answers to the follow-up buttons: each checks the contact is the acting user's, moves its state, logs it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from types import TracebackType

from sqlalchemy.orm import Session

from bot.cadence import (
    Cadence,
    local_today,
    next_digest_at,
    read_work_days,
    rhythm_days_for,
    work_day_on_or_after,
    work_days_label,
)
from bot.clock import Clock
from bot.digest import (
    RHYTHMS,
    DueContact,
    classified_outcome,
    cold_outcome,
    decide_section,
    done_section,
    followed_up_outcome,
    reply_outcome,
    rest_outcome,
    rhythm_outcome,
    snoozed_outcome,
)
from bot.followup import (
    SNOOZES,
    Answer,
    FollowState,
    after_classified,
    after_cold,
    after_followed_up,
    after_reply,
    after_rest,
    after_snooze,
    keep_in_touch,
    memorable_touch,
)
from bot.results import Refusal, Reply, Section, Who
from bot.sweep import as_due
from bot.taxonomy import adapted_next_step, leading_reason, reason
from store import followups, people
from store.db import Sessions
from store.models import Contact

# "/met Jane every 6 weeks" and the digest's "keep in touch" choice: at least weekly, at most yearly (0: never).
RHYTHM_RANGE = (7, 366)

log = logging.getLogger("metbot.engagement")


def apply_state(contact: Contact, state: FollowState) -> None:
    """Write a moved follow-up state back onto the stored contact."""
    contact.phase = state.phase
    contact.due_on = state.due_on
    contact.nudges = state.nudges
    contact.asks = state.asks
    contact.stage = state.stage
    contact.snooze_note = state.snooze_note
    contact.snoozed = state.snoozed
    contact.rhythm_days = state.rhythm_days


def state_of(contact: Contact) -> FollowState:
    """The stored contact's follow-up state, as the pure rules in bot/followup.py take it."""
    return FollowState(
        phase=contact.phase,
        due_on=contact.due_on,
        nudges=contact.nudges,
        asks=contact.asks,
        stage=contact.stage,
        snooze_note=contact.snooze_note,
        snoozed=bool(contact.snoozed),
        rhythm_days=contact.rhythm_days,
    )


def on_work_day(state: FollowState, work_days: str | None) -> FollowState:
    """Every date a user is told lands on one of their working days: that is when their digest comes."""
    if state.due_on is None:
        return state
    return replace(state, due_on=work_day_on_or_after(state.due_on, work_days))


def set_rhythm(session: Session, contact_id: int, rhythm_days: int | None) -> None:
    """Store a contact's own keep-in-touch rhythm from `/met Jane every 6 weeks` (the parsed Meeting's
    `rhythm_days`), inside the save's transaction, after the meeting is logged (`Saved.contact_id`).

    None leaves the stage's default in place; 0 means never; anything else is kept between a week and a year.
    """
    if rhythm_days is None:
        return
    low, high = RHYTHM_RANGE
    followups.set_rhythm(session, contact_id, 0 if rhythm_days <= 0 else min(max(rhythm_days, low), high))


@dataclass
class Engagement:
    sessions: Sessions
    clock: Clock
    cadence: Cadence

    def _refuse(self, who: Who, contact_id: int | None, action: str) -> Refusal:
        log.warning(
            "refused: contact is not the acting user's",
            extra={"team": who.workspace, "user": who.user, "action": action, "contact": contact_id},
        )
        return Refusal()

    def _with_contact(self, who: Who, contact_id: int | None, action: str) -> _Owned:
        """Open a transaction on the acting user's contact, or None when it isn't theirs."""
        return _Owned(self, who, contact_id, action)

    def followed_up(self, who: Who, contact_id: int | None) -> Section | Refusal:
        with self._with_contact(who, contact_id, "followed_up") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "followed_up")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            if c.phase == "await_reply" and c.due_on is not None:
                # A double click, or the same button in an older message: already noted, nothing written.
                return followed_up_outcome(item, c.due_on, today)
            state = on_work_day(after_followed_up(state_of(c), today, self.cadence), owned.work_days)
            apply_state(c, state)
            c.last_touch_at = now
            if c.first_follow_up_at is None:
                c.first_follow_up_at = now
            followups.log_touch(owned.session, c, "followed_up", now)
            assert state.due_on is not None
            return followed_up_outcome(item, state.due_on, today)

    def snooze(self, who: Who, contact_id: int | None, days: int) -> Section | Refusal:
        labels = dict(SNOOZES)
        with self._with_contact(who, contact_id, "snooze") as owned:
            if owned.contact is None or days not in labels:
                return self._refuse(who, contact_id, "snooze")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            state = on_work_day(after_snooze(state_of(c), today, days, labels[days]), owned.work_days)
            apply_state(c, state)
            followups.log_touch(owned.session, c, "snoozed", now, note=labels[days])
            assert state.due_on is not None
            return snoozed_outcome(item, state.due_on, labels[days], today)

    def went_cold(self, who: Who, contact_id: int | None) -> Section | Refusal:
        with self._with_contact(who, contact_id, "cold") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "cold")
            c = owned.contact
            apply_state(c, on_work_day(after_cold(state_of(c), owned.today), owned.work_days))
            followups.log_touch(owned.session, c, "cold", owned.now)
            return cold_outcome(owned.item, followed_up=owned.followed_up(), common=owned.common())

    def responded(self, who: Who, contact_id: int | None, answer: Answer) -> Section | Refusal:
        with self._with_contact(who, contact_id, f"reply_{answer}") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, f"reply_{answer}")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            if c.phase != "await_reply":
                # Answered already (a double click), or a stale "did they respond?": nothing moves back.
                return done_section(item.contact_id, f"Already noted for {item.label}: nothing changed.")
            state, suggest = after_reply(state_of(c), answer, today, self.cadence)
            state = on_work_day(state, owned.work_days)
            apply_state(c, state)
            kind = {"yes": "replied", "not_yet": "not_yet", "no": "no_reply"}[answer]
            followups.log_touch(owned.session, c, kind, now)
            if answer == "yes":
                c.last_touch_at = now
            suggestion = memorable_touch(item.name, item.event, item.offer) if suggest else None
            return reply_outcome(
                item,
                answer,
                next_on=state.due_on,
                today=today,
                suggestion=suggestion,
                common=owned.common() if answer == "no" else None,
                every=rhythm_days_for(state.stage, state.rhythm_days, self.cadence),
            )

    def classify(self, who: Who, contact_id: int | None, key: str) -> Section | Refusal:
        why = reason(key)
        with self._with_contact(who, contact_id, "classify") as owned:
            if owned.contact is None or why is None:
                return self._refuse(who, contact_id, "classify")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            state = on_work_day(after_classified(state_of(c), why, today), owned.work_days)
            apply_state(c, state)
            followups.log_breakdown(owned.session, c, why.key, now)
            step = adapted_next_step(
                why,
                name=item.name,
                event=item.event,
                next_step=item.next_step,
                offer=item.offer,
                back_on=state.due_on,
                today=today,
            )
            return classified_outcome(item, why, step)

    def rest(self, who: Who, contact_id: int | None) -> Section | Refusal:
        """ "Let it rest": always offered beside the reasons; no more nudges until they meet again."""
        with self._with_contact(who, contact_id, "rest") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "rest")
            apply_state(owned.contact, after_rest(state_of(owned.contact)))
            followups.log_touch(owned.session, owned.contact, "rested", owned.now)
            return rest_outcome(owned.item)

    def keep_in_touch(self, who: Who, contact_id: int | None, days: int) -> Section | Refusal:
        """The digest's "Keep in touch: monthly / quarterly / never" (days 30, 90, 0)."""
        with self._with_contact(who, contact_id, "rhythm") as owned:
            if owned.contact is None or days not in dict(RHYTHMS):
                return self._refuse(who, contact_id, "rhythm")
            c, today = owned.contact, owned.today
            state = on_work_day(keep_in_touch(state_of(c), days, today, self.cadence), owned.work_days)
            apply_state(c, state)
            every = rhythm_days_for(state.stage, state.rhythm_days, self.cadence)
            return rhythm_outcome(
                owned.item, every, state.due_on if state.phase == "check_in" else None, today
            )

    def decide(self, who: Who, contact_id: int | None) -> Section | Refusal:
        """One contact picked from the weekly "still open" line: its choices, in one section."""
        with self._with_contact(who, contact_id, "decide") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "decide")
            return decide_section(
                owned.item, today=owned.today, followed_up=owned.followed_up(), common=owned.common()
            )

    def set_work_days(self, who: Who, text: str) -> Reply:
        """`/met config days mon-fri` (or `mon,wed,fri`, `weekdays`, `every day`): the days digests come on."""
        now = self.clock()
        days = read_work_days(text) if text.strip() else None
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if days is None:
                current = work_days_label(member.work_days)
                message = (
                    f"Your digest comes {current}. Pick your working days with /met config days mon-fri, "
                    "or name them: /met config days mon,wed,fri."
                )
                if text.strip():
                    message = f"I couldn't read those days. {message}"
                return Reply(headline=message, sections=(Section(text=message),))
            member.work_days = days
            member.next_digest_at = next_digest_at(now, member.timezone, member.digest_hour, days)
        message = (
            f"Done: your digest now comes {work_days_label(days)}. "
            "Anything that falls due on another day waits for the next one."
        )
        return Reply(headline=message, sections=(Section(text=message),))


class _Owned:
    """A transaction scoped to one contact of the acting user (None when the row isn't theirs)."""

    def __init__(self, engagement: Engagement, who: Who, contact_id: int | None, action: str) -> None:
        self.engagement = engagement
        self.who = who
        self.contact_id = contact_id
        self.contact: Contact | None = None
        self.item: DueContact
        self.now = engagement.clock()
        self.work_days: str | None = None
        self.member_id: int | None = None

    def __enter__(self) -> _Owned:
        self._tx = self.engagement.sessions.begin()
        self.session = self._tx.__enter__()
        member = people.find_member(self.session, self.who.platform, self.who.workspace, self.who.user)
        if member is not None and self.contact_id is not None:
            self.contact = followups.owned_contact(self.session, member.id, self.contact_id)
        if self.contact is not None and member is not None:
            self.item = as_due(followups.contact_row(self.session, self.contact))
            self.today: date = local_today(self.now, member.timezone)
            self.work_days = member.work_days
            self.member_id = member.id
        return self

    def followed_up(self) -> bool:
        assert self.contact is not None
        return followups.followed_up_since_met(self.session, self.contact.id)

    def common(self) -> str | None:
        """The acting user's own most common breakdown reason, when one leads outright."""
        assert self.member_id is not None
        return leading_reason(followups.reason_counts(self.session, [self.member_id]).get(self.member_id, {}))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._tx.__exit__(kind, error, trace)
