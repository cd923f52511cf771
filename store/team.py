"""`/met team`: one workspace's figures as counts. Aggregates only: no query here returns a name or a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Breakdown, Contact, FollowUp, Meeting, Member, Referral, Workspace


@dataclass(frozen=True)
class TeamCounts:
    members: int  # people who logged at least one meeting
    meetings: int
    meetings_recent: int  # since `since`
    contacts: int
    followed_up: int
    replied: int
    stages: dict[str, int]
    reasons: list[tuple[str, int]]  # breakdown reason -> count, most common first


def team_counts(session: Session, platform: str, workspace: str, since: datetime) -> TeamCounts:
    members = (
        select(Member.id)
        .join(Workspace, Member.workspace_id == Workspace.id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace)
    )
    in_team = Meeting.member_id.in_(members)
    meetings, recent, people = session.execute(
        select(
            func.count(),
            func.count().filter(Meeting.met_at >= since),
            func.count(Meeting.member_id.distinct()),
        ).where(in_team)
    ).one()
    replied = select(FollowUp.contact_id).where(FollowUp.member_id.in_(members), FollowUp.kind == "replied")
    contacts, followed_up, answered = session.execute(
        select(
            func.count(), func.count(Contact.first_follow_up_at), func.count().filter(Contact.id.in_(replied))
        ).where(Contact.member_id.in_(members))
    ).one()
    stages = {
        stage: int(n)
        for stage, n in session.execute(
            select(Contact.stage, func.count()).where(Contact.member_id.in_(members)).group_by(Contact.stage)
        )
    }
    reasons = [
        (reason, int(n))
        for reason, n in session.execute(
            select(Breakdown.reason, func.count().label("n"))
            .where(Breakdown.member_id.in_(members))
            .group_by(Breakdown.reason)
            .order_by(func.count().desc(), Breakdown.reason)
        )
    ]
    return TeamCounts(
        members=int(people or 0),
        meetings=int(meetings or 0),
        meetings_recent=int(recent or 0),
        contacts=int(contacts or 0),
        followed_up=int(followed_up or 0),
        replied=int(answered or 0),
        stages=stages,
        reasons=reasons,
    )


def team_referrals(session: Session, platform: str, workspace: str) -> tuple[int, int, int]:
    """(given, received, closed): the workspace's shared referrals, as recorded by either side. Private ones,
    like the weekly roundup, are left out."""
    given, received, closed = session.execute(
        select(
            func.count().filter(Referral.direction == "given"),
            func.count().filter(Referral.direction == "received"),
            func.count().filter(Referral.outcome == "closed"),
        )
        .join(Workspace, Referral.workspace_id == Workspace.id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace)
        .where(Referral.private.is_(False))
    ).one()
    return int(given or 0), int(received or 0), int(closed or 0)
