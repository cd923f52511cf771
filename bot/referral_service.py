"""Referral use cases over the store: record, update the outcome, claim shoutouts, pick the team channel.

Handlers (Slack today, Teams next) call these with plain values and render the results. Every button and
form that names a referral is checked against the acting user before anything changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.cadence import Cadence, first_due, local_today
from bot.clock import Clock
from bot.config import ChannelChoice
from bot.engagement import state_of
from bot.followup import after_referral
from bot.parsing import Problem, name_key
from bot.referrals import (
    NOT_ADMIN,
    OUTCOME_LABEL,
    Recorded,
    ReferralDraft,
    Shoutout,
    config_reply,
    outcome_section,
    parse_referral,
    problem_reply,
    read_form,
    read_value,
    read_value_context,
    recorded_reply,
    referral_form,
    save_failed_reply,
    shoutout_reply,
    value_form,
)
from bot.results import Form, FormErrors, Person, Refusal, Reply, Section, Who
from store import followups, people, referrals
from store.db import Sessions
from store.models import Contact, Member, Referral
from store.referrals import ReferralRow

log = logging.getLogger("metbot.referrals")


def _other_person(row: ReferralRow) -> Person:
    """The person on the other end from the recorder's point of view."""
    if row.direction == "given":
        return Person(row.receiver_name or "your teammate", row.receiver_user)
    return Person(row.giver_name or "your teammate", row.giver_user)


def _section(row: ReferralRow) -> Section:
    return outcome_section(
        row.referral_id,
        direction=row.direction,
        other=_other_person(row),
        referred=row.referred_name,
        company=row.company,
        outcome=row.outcome,
        value=row.value,
        note=row.note,
    )


def _to_trust(contact: Contact) -> bool:
    """A referral received (so exchanged, if one was given too) is the mark of Trust; True when it moved."""
    moved = after_referral(state_of(contact)).stage
    if moved == contact.stage:
        return False
    contact.stage = moved
    return True


@dataclass
class ReferralService:
    sessions: Sessions
    clock: Clock
    cadence: Cadence = field(default_factory=Cadence)
    default_channel: str | None = None  # METBOT_SHOUTOUT_CHANNEL; a workspace's own choice wins

    def _channel(self, session: Session, member: Member) -> str | None:
        """The team channel: the one an admin chose, else the team's own (Teams: General), else the default."""
        return (
            referrals.shoutout_channel(session, member.workspace_id)
            or referrals.default_channel(session, member.workspace_id)
            or self.default_channel
        )

    def _refuse(self, who: Who, referral_id: int | None, action: str, message: str | None = None) -> Refusal:
        log.warning(
            "refused: referral is not the acting user's",
            extra={"team": who.workspace, "user": who.user, "action": action, "referral": referral_id},
        )
        return Refusal(message) if message else Refusal()

    # --- recording ----------------------------------------------------------------------------

    def record_text(self, who: Who, text: str, mentions: tuple[Person, ...] = ()) -> Reply:
        """`/referral <text>`: parse, save, link the contacts. Every outcome is a reply; none half-saved."""
        parsed = parse_referral(text, me=who.user, mentions=mentions)
        if isinstance(parsed, Problem):
            return problem_reply(parsed)
        display = parsed.other.label if parsed.other.user else None
        try:
            recorded = self._record(who, parsed, display)
        except SQLAlchemyError:
            log.exception("referral failed", extra={"team": who.workspace, "user": who.user})
            return save_failed_reply()
        return recorded_reply(recorded)

    def form(self, who: Who) -> Form:
        return referral_form()

    def submit_form(self, who: Who, values: dict[str, object], context: str) -> Reply | FormErrors:
        draft = read_form(values, me=who.user)
        if isinstance(draft, FormErrors):
            return draft
        try:
            recorded = self._record(who, draft, None)
        except SQLAlchemyError:
            log.exception("referral form failed", extra={"team": who.workspace, "user": who.user})
            return FormErrors(
                {"referred": "Sorry, I couldn't save that just now. Please try again in a moment."}
            )
        return recorded_reply(recorded)

    def _record(self, who: Who, draft: ReferralDraft, display: str | None) -> Recorded:
        now = self.clock()
        given = draft.direction == "given"
        with self.sessions.begin() as session:
            me = people.member(session, who.platform, who.workspace, who.user, now)
            due = first_due(local_today(now, me.timezone), None, self.cadence)
            teammate: Member | None = None
            contact: Contact | None = None
            other = draft.other
            if other.user and people.was_forgotten(session, who.platform, who.workspace, other.user):
                # They asked to be forgotten: the referral keeps them as a plain name, never a member again.
                other = replace(other, user=None, name=display or other.label or "a teammate")
            if other.user:
                teammate = people.member(session, who.platform, who.workspace, other.user, now)
                if display and not teammate.display_name:
                    teammate.display_name = display
                display = display or teammate.display_name or other.label
                contact = referrals.contact_linked_to(session, me.id, other.user)
            else:
                assert other.name is not None
                contact, _ = people.contact_named(
                    session,
                    me.id,
                    name=other.name,
                    key=name_key(other.name),
                    company=other.company,
                    now=now,
                    due_on=due,
                )
            # Someone described, not named ("her CFO"), is recorded on the referral but never made a contact.
            referred = (
                None
                if draft.unnamed
                else people.contact_named(
                    session,
                    me.id,
                    name=draft.referred,
                    key=name_key(draft.referred),
                    company=draft.company,
                    now=now,
                    due_on=due,
                )[0]
            )
            channel = None if draft.private else self._channel(session, me)
            other_member_id = teammate.id if teammate else None
            other_contact_id = contact.id if contact else None
            row = Referral(
                workspace_id=me.workspace_id,
                member_id=me.id,
                direction=draft.direction,
                giver_member_id=me.id if given else other_member_id,
                giver_name=None if given else other.name,
                giver_contact_id=None if given else other_contact_id,
                receiver_member_id=other_member_id if given else me.id,
                receiver_name=other.name if given else None,
                receiver_contact_id=other_contact_id if given else None,
                referred_name=draft.referred,
                referred_contact_id=referred.id if referred else None,
                company=draft.company,
                note=draft.note,
                outcome="open",
                private=draft.private,
                name_them=draft.name_them,
                shoutout="due" if channel else "none",
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            trust = None
            given_n = received_n = 0
            if contact is not None:
                contact.last_touch_at = now
                followups.log_touch(session, contact, "gave_referral" if given else "got_referral", now)
                session.flush()
                given_n, received_n = referrals.balances(session, me.id, [contact.id]).get(contact.id, (0, 0))
                # Given to AND received from them, or just received from them: that's Trust.
                if received_n and _to_trust(contact):
                    trust = contact.name
            referral_id = row.id
        person = Person(display or "your teammate", other.user) if other.user else Person(other.name or "")
        return Recorded(
            referral_id=referral_id,
            draft=draft,
            other=person,
            channel=channel,
            trust=trust,
            given=given_n,
            received=received_n,
        )

    # --- outcomes -----------------------------------------------------------------------------

    def set_outcome(self, who: Who, referral_id: int | None, outcome: str) -> Section | Form | Refusal:
        """A confirmation button: open / met / no deal change at once; closed business asks its value."""
        if referral_id is None or outcome not in OUTCOME_LABEL:
            return self._refuse(who, referral_id, f"outcome_{outcome[:16]}")
        now = self.clock()
        with self.sessions.begin() as session:
            me = people.find_member(session, who.platform, who.workspace, who.user)
            found = referrals.owned_referral(session, me.id, referral_id) if me else None
            if found is None:
                return self._refuse(who, referral_id, f"outcome_{outcome}")
            if outcome == "closed":
                return value_form(found.id, found.value)
            found.outcome = outcome
            found.value = None
            found.updated_at = now
            return _section(referrals.row(session, found))

    def submit_value(self, who: Who, values: dict[str, object], context: str) -> Reply | FormErrors | Refusal:
        """Closed business, with its value: the finest hour gets its own shoutout (unless private)."""
        value = read_value(values)
        if isinstance(value, FormErrors):
            return value
        referral_id = read_value_context(context)
        now = self.clock()
        with self.sessions.begin() as session:
            me = people.find_member(session, who.platform, who.workspace, who.user)
            found = referrals.owned_referral(session, me.id, referral_id) if me and referral_id else None
            if me is None or found is None:
                return self._refuse(who, referral_id, "closed_value")
            newly = found.outcome != "closed"
            found.outcome = "closed"
            found.value = value
            found.updated_at = now
            channel = None if found.private else self._channel(session, me)
            if newly and channel:
                found.shoutout = "due"
            section = _section(referrals.row(session, found))
        title = "💰 Closed business — congratulations!"
        sections = [Section(title=title), replace(section, buttons=(), note=None)]
        if newly and channel:
            sections.append(Section(text="🎉 A shoutout for the team goes to the team channel."))
        return Reply(headline=title, sections=tuple(sections))

    # --- shoutouts ----------------------------------------------------------------------------

    def claim_shoutouts(self, who: Who) -> list[Shoutout]:
        """The acting user's shoutouts that are due, each taken once (a concurrent request gets the rest)."""
        with self.sessions.begin() as session:
            me = people.find_member(session, who.platform, who.workspace, who.user)
            if me is None:
                return []
            rows = referrals.claim_shoutouts(session, me.id)
            channel = self._channel(session, me)
            if not channel:
                for r in rows:
                    referrals.finish_shoutout(session, r.referral_id, posted=False, error="no channel")
                return []
        return [
            Shoutout(
                r.referral_id,
                channel,
                shoutout_reply(
                    giver=Person(r.giver_name or "A teammate", r.giver_user),
                    receiver=Person(r.receiver_name or "a teammate", r.receiver_user),
                    outcome=r.outcome,
                    value=r.value,
                    name_them=r.name_them,
                ),
            )
            for r in rows
        ]

    def shoutout_done(self, referral_id: int, error: str | None = None) -> None:
        with self.sessions.begin() as session:
            referrals.finish_shoutout(session, referral_id, posted=error is None, error=error)

    # --- settings -----------------------------------------------------------------------------

    def configure(self, who: Who, choice: ChannelChoice | None, *, is_admin: bool) -> Reply | Refusal:
        """`met config channel …`: anyone may look (choice None); only an admin or owner may change it."""
        now = self.clock()
        with self.sessions.begin() as session:
            me = people.member(session, who.platform, who.workspace, who.user, now)
            current = referrals.shoutout_channel(session, me.workspace_id)
            default = referrals.default_channel(session, me.workspace_id) or self.default_channel
            if choice is None:
                return config_reply(current, default=default, changed=False)
            if not is_admin:
                log.warning(
                    "refused: only an admin may set the shoutout channel",
                    extra={"team": who.workspace, "user": who.user, "action": "config_channel"},
                )
                return Refusal(NOT_ADMIN)
            channel = choice.channel.channel if choice.channel else None
            referrals.set_shoutout_channel(session, me.workspace_id, channel)
        log.info("shoutout channel set", extra={"team": who.workspace, "user": who.user})
        return config_reply(channel, default=default, changed=True)

    # --- mutual value -------------------------------------------------------------------------

    def balances(self, who: Who) -> dict[int, tuple[int, int]]:
        """{contact_id: (referrals given to them, referrals received from them)} for the acting user."""
        with self.sessions() as session:
            me = people.find_member(session, who.platform, who.workspace, who.user)
            return referrals.balances(session, me.id) if me else {}
