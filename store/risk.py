"""Past contacts and how they ended, for the cold-risk estimate (bot/risk.py). Plain values, three-way joins.

A contact has ended one way or the other when it replied (a `replied` follow-up, or a stage beyond
Know) or, never having replied, went cold or stalled: its phase is `classify` or `cold` (engagement's
"Went cold" and the last unanswered nudge put it there) or a breakdown was recorded for it. Contacts
still in play are left out: their outcome is not known yet. The traits are those of the first meeting,
the one the contact was captured at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from store.models import Breakdown, Contact, FollowUp, Meeting, Member

COLD_PHASES = ("classify", "cold")
WORKSPACE_LIMIT = 5000  # the newest contacts of a workspace are plenty for a prior


@dataclass(frozen=True)
class ContactOutcome:
    """One ended contact: its first meeting's traits and what came of it (bot.risk.OutcomeRow)."""

    contact_id: int
    member_id: int
    next_step: str | None
    next_step_owner: str | None
    offer: str | None
    offer_kind: str | None
    connection: str | None
    event: str | None
    days_to_follow_up: float | None  # meeting → first follow-up; None: never followed up
    went_cold: bool
    reason: str | None  # the latest breakdown's taxonomy key


def _outcomes(where: list[ColumnElement[bool]], limit: int | None) -> Select[Any]:
    replied = exists().where(FollowUp.contact_id == Contact.id, FollowUp.kind == "replied")
    broke = exists().where(Breakdown.contact_id == Contact.id)
    first = (
        select(
            Meeting.contact_id.label("contact_id"),
            func.row_number()
            .over(partition_by=Meeting.contact_id, order_by=(Meeting.met_at, Meeting.id))
            .label("n"),
            Meeting.next_step,
            Meeting.next_step_owner,
            Meeting.offer,
            Meeting.offer_kind,
            Meeting.connection,
            Meeting.event,
            Meeting.met_at,
        )
        .join(Contact, Contact.id == Meeting.contact_id)
        .where(*where)
        .subquery()
    )
    latest = (
        select(
            Breakdown.contact_id.label("contact_id"),
            Breakdown.reason,
            func.row_number()
            .over(partition_by=Breakdown.contact_id, order_by=(Breakdown.at.desc(), Breakdown.id.desc()))
            .label("n"),
        )
        .join(Contact, Contact.id == Breakdown.contact_id)
        .where(*where)
        .subquery()
    )
    did_reply = replied | Contact.stage.in_(("like", "trust"))
    query = (
        select(
            Contact.id,
            Contact.member_id,
            first.c.next_step,
            first.c.next_step_owner,
            first.c.offer,
            first.c.offer_kind,
            first.c.connection,
            first.c.event,
            first.c.met_at,
            Contact.first_follow_up_at,
            did_reply,
            latest.c.reason,
        )
        .join(first, (first.c.contact_id == Contact.id) & (first.c.n == 1))
        .outerjoin(latest, (latest.c.contact_id == Contact.id) & (latest.c.n == 1))
        .where(*where, did_reply | Contact.phase.in_(COLD_PHASES) | broke)
        .order_by(Contact.created_at.desc(), Contact.id.desc())
    )
    return query.limit(limit) if limit is not None else query


def _read(session: Session, query: Select[Any]) -> list[ContactOutcome]:
    out = []
    for (
        cid,
        mid,
        step,
        owner,
        offer,
        kind,
        conn,
        event,
        met_at,
        first_at,
        did_reply,
        reason,
    ) in session.execute(query):
        days = (first_at - met_at).total_seconds() / 86400 if first_at is not None else None
        out.append(
            ContactOutcome(
                contact_id=cid,
                member_id=mid,
                next_step=step,
                next_step_owner=owner,
                offer=offer,
                offer_kind=kind,
                connection=conn,
                event=event,
                days_to_follow_up=max(days, 0.0) if days is not None else None,
                went_cold=not did_reply,
                reason=reason,
            )
        )
    return out


def member_outcomes(session: Session, member_id: int) -> list[ContactOutcome]:
    """Every ended contact of one member, newest first."""
    return _read(session, _outcomes([Contact.member_id == member_id], None))


def workspace_outcomes(
    session: Session, workspace_id: int, *, excluding_member: int | None = None, limit: int = WORKSPACE_LIMIT
) -> list[ContactOutcome]:
    """The newest ended contacts of a whole workspace (the team's pooled history), one member left out."""
    members = select(Member.id).where(Member.workspace_id == workspace_id)
    where: list[ColumnElement[bool]] = [Contact.member_id.in_(members)]
    if excluding_member is not None:
        where.append(Contact.member_id != excluding_member)
    return _read(session, _outcomes(where, limit))


def outcomes_by_member(session: Session, member_ids: list[int]) -> dict[int, list[ContactOutcome]]:
    """`member_outcomes` for many members at once (the digest sweep's batch): one query."""
    if not member_ids:
        return {}
    grouped: dict[int, list[ContactOutcome]] = {m: [] for m in member_ids}
    for row in _read(session, _outcomes([Contact.member_id.in_(member_ids)], None)):
        grouped[row.member_id].append(row)
    return grouped


def workspaces_of(session: Session, member_ids: list[int]) -> dict[int, int]:
    """member id -> workspace id (the row id), for many members: one query."""
    if not member_ids:
        return {}
    rows = session.execute(select(Member.id, Member.workspace_id).where(Member.id.in_(member_ids)))
    return {member_id: workspace_id for member_id, workspace_id in rows}
