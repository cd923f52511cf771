"""Answers to the follow-up buttons: each checks the contact is the acting user's, moves its state, logs it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.cadence import Cadence, local_today
from bot.clock import Clock
from bot.digest import (
    DueContact,
    classified_outcome,
    cold_outcome,
    followed_up_outcome,
    reply_outcome,
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
    after_snooze,
    memorable_touch,
)
from bot.results import Refusal, Section, Who
from bot.sweep import as_due
from bot.taxonomy import adapted_next_step, reason
from store import followups, people
from store.db import Sessions
from store.models import Contact

log = logging.getLogger("metbot.engagement")


def apply_state(contact: Contact, state: FollowState) -> None:
    """Write a moved follow-up state back onto the stored contact."""
    contact.phase = state.phase
    contact.due_on = state.due_on
    contact.nudges = state.nudges
    contact.asks = state.asks
    contact.stage = state.stage
    contact.snooze_note = state.snooze_note


def state_of(contact: Contact) -> FollowState:
    """The stored contact's follow-up state, as the pure rules in bot/followup.py take it."""
    return FollowState(
        phase=contact.phase,
        due_on=contact.due_on,
        nudges=contact.nudges,
        asks=contact.asks,
        stage=contact.stage,
        snooze_note=contact.snooze_note,
    )


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

    def _with_contact(self, who: Who, contact_id: int | None, action: str):  # type: ignore[no-untyped-def]
        """Open a transaction on the acting user's contact, or None when it isn't theirs."""
        return _Owned(self, who, contact_id, action)

    def followed_up(self, who: Who, contact_id: int | None) -> Section | Refusal:
        with self._with_contact(who, contact_id, "followed_up") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "followed_up")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            state = after_followed_up(state_of(c), today, self.cadence)
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
            state = after_snooze(state_of(c), today, days, labels[days])
            apply_state(c, state)
            followups.log_touch(owned.session, c, "snoozed", now, note=labels[days])
            assert state.due_on is not None
            return snoozed_outcome(item, state.due_on, labels[days], today)

    def went_cold(self, who: Who, contact_id: int | None) -> Section | Refusal:
        with self._with_contact(who, contact_id, "cold") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, "cold")
            c = owned.contact
            apply_state(c, after_cold(state_of(c)))
            followups.log_touch(owned.session, c, "cold", owned.now)
            return cold_outcome(owned.item)

    def responded(self, who: Who, contact_id: int | None, answer: Answer) -> Section | Refusal:
        with self._with_contact(who, contact_id, f"reply_{answer}") as owned:
            if owned.contact is None:
                return self._refuse(who, contact_id, f"reply_{answer}")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            state, suggest = after_reply(state_of(c), answer, today, self.cadence)
            apply_state(c, state)
            kind = {"yes": "replied", "not_yet": "not_yet", "no": "no_reply"}[answer]
            followups.log_touch(owned.session, c, kind, now)
            if answer == "yes":
                c.last_touch_at = now
            suggestion = memorable_touch(item.name, item.event, item.offer) if suggest else None
            return reply_outcome(item, answer, next_on=state.due_on, today=today, suggestion=suggestion)

    def classify(self, who: Who, contact_id: int | None, key: str) -> Section | Refusal:
        why = reason(key)
        with self._with_contact(who, contact_id, "classify") as owned:
            if owned.contact is None or why is None:
                return self._refuse(who, contact_id, "classify")
            c, item, today, now = owned.contact, owned.item, owned.today, owned.now
            apply_state(c, after_classified(state_of(c), why, today))
            followups.log_breakdown(owned.session, c, why.key, now)
            step = adapted_next_step(why, name=item.name, event=item.event, next_step=item.next_step)
            return classified_outcome(item, why, step)


class _Owned:
    """A transaction scoped to one contact of the acting user (None when the row isn't theirs)."""

    def __init__(self, engagement: Engagement, who: Who, contact_id: int | None, action: str) -> None:
        self.engagement = engagement
        self.who = who
        self.contact_id = contact_id
        self.contact: Contact | None = None
        self.item: DueContact
        self.now = engagement.clock()

    def __enter__(self) -> _Owned:
        self._tx = self.engagement.sessions.begin()
        self.session = self._tx.__enter__()
        member = people.find_member(self.session, self.who.platform, self.who.workspace, self.who.user)
        if member is not None and self.contact_id is not None:
            self.contact = followups.owned_contact(self.session, member.id, self.contact_id)
        if self.contact is not None:
            self.item = as_due(followups.contact_row(self.session, self.contact))
            self.today = local_today(self.now, member.timezone if member else None)
        return self

    def __exit__(self, *exc: object) -> None:
        self._tx.__exit__(*exc)
