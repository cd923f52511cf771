"""Referrals, their shoutout outbox, mutual-value counts and the weekly roundup outbox. Plain values out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from store import outbox
from store.models import Breakdown, Contact, FollowUp, Meeting, Member, Referral, Roundup, Workspace
from store.people import insert_ignoring_conflict

# --- contacts a referral names ------------------------------------------------------------------


def contact_linked_to(session: Session, member_id: int, user_id: str) -> Contact | None:
    """The member's contact who is this teammate (logged with `/met <@U…>`), if any."""
    return session.scalar(
        select(Contact)
        .where(Contact.member_id == member_id, Contact.linked_user_id == user_id)
        .order_by(Contact.id)
        .limit(1)
    )


# --- referrals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    """A referral as plain values, with the teammates on either side resolved to platform user ids."""

    referral_id: int
    member_id: int
    direction: str
    giver_user: str | None
    giver_name: str | None
    receiver_user: str | None
    receiver_name: str | None
    referred_name: str
    company: str | None
    note: str | None
    outcome: str
    value: str | None
    private: bool
    shoutout: str
    name_them: bool = False  # the shoutout may name the person outside the team


def _rows(session: Session, referrals: list[Referral]) -> list[ReferralRow]:
    ids = {i for r in referrals for i in (r.giver_member_id, r.receiver_member_id) if i is not None}
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}

    def side(member_id: int | None, name: str | None) -> tuple[str | None, str | None]:
        m = members.get(member_id) if member_id is not None else None
        if m is None:
            return None, name
        return m.user_id, name or m.display_name

    out = []
    for r in referrals:
        giver_user, giver_name = side(r.giver_member_id, r.giver_name)
        receiver_user, receiver_name = side(r.receiver_member_id, r.receiver_name)
        out.append(
            ReferralRow(
                referral_id=r.id,
                member_id=r.member_id,
                direction=r.direction,
                giver_user=giver_user,
                giver_name=giver_name,
                receiver_user=receiver_user,
                receiver_name=receiver_name,
                referred_name=r.referred_name,
                company=r.company,
                note=r.note,
                outcome=r.outcome,
                value=r.value,
                private=r.private,
                shoutout=r.shoutout,
                name_them=bool(r.name_them),
            )
        )
    return out


def row(session: Session, referral: Referral) -> ReferralRow:
    return _rows(session, [referral])[0]


def owned_referral(session: Session, member_id: int, referral_id: int) -> Referral | None:
    """The referral, only if this member recorded it: the check behind every button and form."""
    return session.scalar(select(Referral).where(Referral.id == referral_id, Referral.member_id == member_id))


def claim_shoutouts(session: Session, member_id: int, limit: int = 10) -> list[ReferralRow]:
    """Take the member's shoutouts that are due; a row another request already took is skipped."""
    due = list(
        session.scalars(
            select(Referral.id)
            .where(Referral.member_id == member_id, Referral.shoutout == "due")
            .order_by(Referral.id)
            .limit(limit)
        )
    )
    taken = []
    for referral_id in due:
        result = session.execute(
            update(Referral)
            .where(Referral.id == referral_id, Referral.shoutout == "due")
            .values(shoutout="posting")
        )
        if cast("CursorResult[Any]", result).rowcount:  # an UPDATE's result is a CursorResult
            taken.append(referral_id)
    if not taken:
        return []
    taken_rows = session.scalars(select(Referral).where(Referral.id.in_(taken)).order_by(Referral.id))
    return _rows(session, list(taken_rows))


def finish_shoutout(session: Session, referral_id: int, *, posted: bool, error: str | None = None) -> None:
    session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.shoutout == "posting")
        .values(shoutout="posted" if posted else "failed", shoutout_error=(error or None) and error[:64])
    )


def shoutout_channel(session: Session, workspace_id: int) -> str | None:
    return session.scalar(select(Workspace.shoutout_channel).where(Workspace.id == workspace_id))


def default_channel(session: Session, workspace_id: int) -> str | None:
    """The team's own channel, when the platform told us one (Teams: General, from the install event)."""
    return session.scalar(select(Workspace.default_channel).where(Workspace.id == workspace_id))


def set_shoutout_channel(session: Session, workspace_id: int, channel: str | None) -> None:
    session.execute(update(Workspace).where(Workspace.id == workspace_id).values(shoutout_channel=channel))


# --- mutual value -------------------------------------------------------------------------------


def balances(
    session: Session, member_id: int, contact_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Referrals the member gave to and received from each contact: {contact_id: (given, received)}.

    Only contacts with at least one referral either way are present. Two grouped queries.
    """
    given_q = (
        select(Referral.receiver_contact_id, func.count())
        .where(
            Referral.member_id == member_id,
            Referral.direction == "given",
            Referral.receiver_contact_id.is_not(None),
        )
        .group_by(Referral.receiver_contact_id)
    )
    received_q = (
        select(Referral.giver_contact_id, func.count())
        .where(
            Referral.member_id == member_id,
            Referral.direction == "received",
            Referral.giver_contact_id.is_not(None),
        )
        .group_by(Referral.giver_contact_id)
    )
    if contact_ids is not None:
        if not contact_ids:
            return {}
        given_q = given_q.where(Referral.receiver_contact_id.in_(contact_ids))
        received_q = received_q.where(Referral.giver_contact_id.in_(contact_ids))
    out: dict[int, tuple[int, int]] = {}
    # Both queries exclude NULL contacts; the `is not None` checks narrow the nullable columns' type.
    for contact_id, n in session.execute(given_q):
        if contact_id is not None:
            out[contact_id] = (int(n), 0)
    for contact_id, n in session.execute(received_q):
        if contact_id is not None:
            out[contact_id] = (out.get(contact_id, (0, 0))[0], int(n))
    return out


# --- the weekly roundup -------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    """A workspace as the roundup sees it: where to post and its most common member timezone."""

    workspace_id: int
    platform: str
    external_id: str
    channel: str | None
    timezone: str | None


def teams(session: Session) -> list[Team]:
    """Every workspace, with its most common (active, known) member timezone; two queries."""
    counts: dict[int, Counter[str]] = {}
    for workspace_id, timezone, n in session.execute(
        select(Member.workspace_id, Member.timezone, func.count())
        .where(Member.active.is_(True), Member.timezone.is_not(None))
        .group_by(Member.workspace_id, Member.timezone)
    ):
        if timezone is not None:  # excluded by the query; narrows the nullable column's type
            counts.setdefault(workspace_id, Counter())[timezone] = int(n)
    out = []
    for w in session.scalars(select(Workspace).order_by(Workspace.id)):
        zones = counts.get(w.id)
        # Most members; ties go to the alphabetically first zone, so every replica picks the same one.
        zone = min(zones.items(), key=lambda kv: (-kv[1], kv[0]))[0] if zones else None
        # The channel an admin chose, else the team's own (Teams: General, from the install), as shoutouts do.
        out.append(Team(w.id, w.platform, w.external_id, w.shoutout_channel or w.default_channel, zone))
    return out


def roundups_since(session: Session, since: date) -> set[tuple[int, date]]:
    return {
        (w, d)
        for w, d in session.execute(
            select(Roundup.workspace_id, Roundup.week_start).where(Roundup.week_start >= since)
        )
    }


def open_roundup(session: Session, workspace_id: int, week_start: date, timezone: str, now: datetime) -> bool:
    """One row per workspace per week, whoever gets there first; True when this call made it."""
    return (
        insert_ignoring_conflict(
            session,
            Roundup,
            {
                "workspace_id": workspace_id,
                "week_start": week_start,
                "timezone": timezone,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "lease_until": now,
            },
            ["workspace_id", "week_start"],
        )
        == 1
    )


@dataclass(frozen=True)
class ClaimedRoundup:
    roundup_id: int
    workspace_id: int
    week_start: date
    timezone: str
    attempts: int = 1  # > 1: an earlier attempt may have posted it


def claim_roundups(session: Session, lease: outbox.Lease) -> list[ClaimedRoundup]:
    """Take roundups that are pending (and not backing off) or whose claimant's lease ran out."""
    columns = (Roundup.id, Roundup.workspace_id, Roundup.week_start, Roundup.timezone, Roundup.attempts)
    rows = outbox.claim_rows(session, Roundup, columns, lease)
    return [ClaimedRoundup(i, w, d, z, a) for i, w, d, z, a in rows]


def finish_roundup(session: Session, roundup_id: int, worker: str, **values: object) -> bool:
    return outbox.finish(session, Roundup, roundup_id, worker, **values)


def roundup_status(session: Session, workspace_id: int, week_start: date) -> Roundup | None:
    return session.scalar(
        select(Roundup).where(Roundup.workspace_id == workspace_id, Roundup.week_start == week_start)
    )


@dataclass(frozen=True)
class WeekFacts:
    """A workspace's week in counts only: no contact's name is in here."""

    referrals: int
    closed: int
    givers: tuple[tuple[str, int], ...]  # (platform user id, referrals given), most generous first
    outside_givers: int  # referrals that came from people outside the workspace
    breakdowns: tuple[tuple[str, int], ...]  # (reason key, count), most common first
    classifiers: int = 0  # how many people those breakdowns come from


def week_facts(
    session: Session, workspace_id: int, start: datetime, end: datetime, top: int = 3
) -> WeekFacts:
    """Shared (non-private) referrals recorded in [start, end), who gave them, and the breakdown mix."""
    shared = (Referral.workspace_id == workspace_id, Referral.private.is_(False))
    referrals = (
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(*shared, Referral.created_at >= start, Referral.created_at < end)
        )
        or 0
    )
    closed = (
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(
                *shared, Referral.outcome == "closed", Referral.updated_at >= start, Referral.updated_at < end
            )
        )
        or 0
    )
    givers = session.execute(
        select(Member.user_id, func.count())
        .join(Referral, Referral.giver_member_id == Member.id)
        .where(*shared, Referral.created_at >= start, Referral.created_at < end)
        .group_by(Member.user_id)
        .order_by(func.count().desc(), Member.user_id)
        .limit(top)
    ).all()
    outside = (
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(
                *shared,
                Referral.giver_member_id.is_(None),
                Referral.created_at >= start,
                Referral.created_at < end,
            )
        )
        or 0
    )
    breakdowns = session.execute(
        select(Breakdown.reason, func.count())
        .join(Member, Breakdown.member_id == Member.id)
        .where(Member.workspace_id == workspace_id, Breakdown.at >= start, Breakdown.at < end)
        .group_by(Breakdown.reason)
        .order_by(func.count().desc(), Breakdown.reason)
    ).all()
    classifiers = session.scalar(
        select(func.count(Breakdown.member_id.distinct()))
        .join(Member, Breakdown.member_id == Member.id)
        .where(Member.workspace_id == workspace_id, Breakdown.at >= start, Breakdown.at < end)
    )
    return WeekFacts(
        referrals=int(referrals),
        closed=int(closed),
        givers=tuple((u, int(n)) for u, n in givers),
        outside_givers=int(outside),
        breakdowns=tuple((r, int(n)) for r, n in breakdowns),
        classifiers=int(classifiers or 0),
    )


@dataclass(frozen=True)
class TeamWeeks:
    """The workspace's contacts first met in a span, as (when, followed up, replied) facts: no name, no id;
    and how many people they come from (the roundup shows rates only from METBOT_MIN_GROUP people up)."""

    contacts: tuple[tuple[datetime, bool, bool], ...]
    people: int


def team_weeks(session: Session, workspace_id: int, start: datetime, end: datetime) -> TeamWeeks:
    """Contacts the workspace's members met (not names only known from a referral) created in [start, end)."""
    members = select(Member.id).where(Member.workspace_id == workspace_id)
    replied = select(FollowUp.contact_id).where(FollowUp.member_id.in_(members), FollowUp.kind == "replied")
    met = select(Meeting.contact_id).where(Meeting.member_id.in_(members))
    rows = session.execute(
        select(
            Contact.member_id,
            Contact.created_at,
            Contact.first_follow_up_at.is_not(None),
            Contact.id.in_(replied),
        ).where(
            Contact.member_id.in_(members),
            Contact.id.in_(met),
            Contact.created_at >= start,
            Contact.created_at < end,
        )
    ).all()
    return TeamWeeks(
        contacts=tuple((created, bool(followed), bool(did)) for _, created, followed, did in rows),
        people=len({member for member, *_ in rows}),
    )
