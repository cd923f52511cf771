"""The App Home's one read: what is due, who is losing touch, the contacts by stage. A handful of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from store import referrals
from store.followups import ContactRow, contact_rows
from store.models import Contact, Referral

STAGES = ("know", "like", "trust")


@dataclass(frozen=True)
class HomeFacts:
    due: list[ContactRow]  # to follow up or ask about, due on or before today (oldest first)
    due_total: int
    losing: list[ContactRow]  # replied once, but the check-in is overdue: losing touch
    losing_total: int
    stages: dict[str, int]  # stage -> contacts
    stage_names: dict[str, list[str]]  # stage -> a few names, most recently touched first
    contacts: int


def home_facts(
    session: Session,
    member_id: int,
    today: date,
    *,
    due_limit: int,
    losing_limit: int,
    names_per_stage: int = 5,
) -> HomeFacts:
    mine = Contact.member_id == member_id
    due_where = and_(
        mine,
        or_(
            and_(Contact.phase.in_(("follow_up", "await_reply")), Contact.due_on <= today),
            and_(Contact.phase == "check_in", Contact.due_on == today),
        ),
    )
    losing_where = and_(mine, Contact.phase == "check_in", Contact.due_on < today)

    def listed(where: ColumnElement[bool], limit: int) -> tuple[list[ContactRow], int]:
        total = session.scalar(select(func.count()).select_from(Contact).where(where)) or 0
        found = list(
            session.scalars(select(Contact).where(where).order_by(Contact.due_on, Contact.id).limit(limit))
        )
        return contact_rows(session, found), int(total)

    due, due_total = listed(due_where, due_limit)
    losing, losing_total = listed(losing_where, losing_limit)
    stages = {
        stage: int(n)
        for stage, n in session.execute(
            select(Contact.stage, func.count()).where(mine).group_by(Contact.stage)
        )
    }
    ranked = (
        select(
            Contact.stage,
            Contact.name,
            func.row_number()
            .over(partition_by=Contact.stage, order_by=(Contact.last_touch_at.desc(), Contact.id.desc()))
            .label("n"),
        )
        .where(mine)
        .subquery()
    )
    names: dict[str, list[str]] = {}
    for stage, name in session.execute(
        select(ranked.c.stage, ranked.c.name)
        .where(ranked.c.n <= names_per_stage)
        .order_by(ranked.c.stage, ranked.c.n)
    ):
        names.setdefault(stage, []).append(name)
    return HomeFacts(
        due=due,
        due_total=due_total,
        losing=losing,
        losing_total=losing_total,
        stages=stages,
        stage_names=names,
        contacts=sum(stages.values()),
    )


@dataclass(frozen=True)
class ReferralBalance:
    """The member's referrals as counts, and the contacts they flow with most: (name, given, received)."""

    given: int
    received: int
    closed: int
    contacts: list[tuple[str, int, int]]


def referral_balance(session: Session, member_id: int, top: int = 3) -> ReferralBalance:
    """Totals in one query; the per-contact balance from the referral store's own query."""
    given, received, closed = session.execute(
        select(
            func.count().filter(Referral.direction == "given"),
            func.count().filter(Referral.direction == "received"),
            func.count().filter(Referral.outcome == "closed"),
        ).where(Referral.member_id == member_id)
    ).one()
    per_contact = referrals.balances(session, member_id)
    busiest = sorted(per_contact.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:top]
    names = (
        {
            cid: name
            for cid, name in session.execute(
                select(Contact.id, Contact.name).where(Contact.id.in_([cid for cid, _ in busiest]))
            )
        }
        if busiest
        else {}
    )
    return ReferralBalance(
        given=int(given or 0),
        received=int(received or 0),
        closed=int(closed or 0),
        contacts=[(names[cid], g, r) for cid, (g, r) in busiest if cid in names],
    )
