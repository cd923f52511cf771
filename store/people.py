"""Workspaces and members: find or create them without races between replicas."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import Base, Contact, ForgottenUser, Member, Workspace


def insert_ignoring_conflict(
    session: Session, model: type[Base], values: dict[str, Any], keys: list[str]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING on either database: the loser of a race simply reads the winner's row.

    Returns how many rows were inserted (0 when the row was already there).
    """
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    # Without preserve_rowcount SQLAlchemy keeps an INSERT's rowcount only on some drivers (-1 on psycopg).
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(getattr(result, "rowcount", 0) or 0)  # a CursorResult's; typed as the base Result


def workspace(session: Session, platform: str, external_id: str, now: datetime) -> Workspace:
    found = session.scalar(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    )
    if found is not None:
        return found
    insert_ignoring_conflict(
        session,
        Workspace,
        {"platform": platform, "external_id": external_id, "created_at": now},
        ["platform", "external_id"],
    )
    return session.scalars(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    ).one()


def find_member(session: Session, platform: str, workspace_id: str, user_id: str) -> Member | None:
    return session.scalar(
        select(Member)
        .join(Workspace, Member.workspace_id == Workspace.id)
        .where(
            Workspace.platform == platform, Workspace.external_id == workspace_id, Member.user_id == user_id
        )
    )


def forgotten_key(platform: str, workspace_id: str, user_id: str) -> str:
    return hashlib.sha256(f"{platform}\x1f{workspace_id}\x1f{user_id}".encode()).hexdigest()


def remember_forgotten(
    session: Session, platform: str, workspace_id: str, user_id: str, now: datetime
) -> None:
    key = forgotten_key(platform, workspace_id, user_id)
    insert_ignoring_conflict(session, ForgottenUser, {"key": key, "at": now}, ["key"])


def was_forgotten(session: Session, platform: str, workspace_id: str, user_id: str) -> bool:
    key = forgotten_key(platform, workspace_id, user_id)
    return session.scalar(select(ForgottenUser.key).where(ForgottenUser.key == key)) is not None


def member(session: Session, platform: str, workspace_id: str, user_id: str, now: datetime) -> Member:
    """The acting person's member row, created on first sight (or on their return after being forgotten)."""
    found = find_member(session, platform, workspace_id, user_id)
    if found is not None:
        if not found.active:  # digests had stopped (unreachable, or uninstalled): they're back, so resume
            found.active = True
            found.next_digest_at = now
        return found
    space = workspace(session, platform, workspace_id, now)
    session.execute(
        delete(ForgottenUser).where(ForgottenUser.key == forgotten_key(platform, workspace_id, user_id))
    )
    insert_ignoring_conflict(
        session,
        Member,
        {
            "workspace_id": space.id,
            "user_id": user_id,
            "created_at": now,
            "digest_hour": 9,
            "active": True,
            "next_digest_at": now,
        },
        ["workspace_id", "user_id"],
    )
    return session.scalars(
        select(Member).where(Member.workspace_id == space.id, Member.user_id == user_id)
    ).one()


def stop_workspace(session: Session, platform: str, external_id: str) -> int:
    """No more digests for anyone in a workspace that uninstalled the app; their data stays theirs."""
    space = session.scalar(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    )
    if space is None:
        return 0
    result = session.execute(
        update(Member).where(Member.workspace_id == space.id).values(active=False, next_digest_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def note_home_opened(session: Session, member_id: int, now: datetime) -> None:
    session.execute(update(Member).where(Member.id == member_id).values(home_opened_at=now))


def contact_named(
    session: Session, member_id: int, *, name: str, key: str, company: str | None, now: datetime, due_on: date
) -> tuple[Contact, bool]:
    """The member's contact of that name, created (due for a first follow-up on `due_on`) when new; the one way
    contacts come to be, so two replicas naming the same new person create it once. True when created."""
    found = session.scalar(select(Contact).where(Contact.member_id == member_id, Contact.name_key == key))
    if found is not None:
        if company and not found.company:
            found.company = company
        return found, False
    created = insert_ignoring_conflict(
        session,
        Contact,
        {
            "member_id": member_id,
            "name": name,
            "name_key": key,
            "company": company,
            "stage": "know",
            "phase": "follow_up",
            "due_on": due_on,
            "nudges": 0,
            "asks": 0,
            "last_touch_at": now,
            "created_at": now,
        },
        ["member_id", "name_key"],
    )
    contact = session.scalars(
        select(Contact).where(Contact.member_id == member_id, Contact.name_key == key)
    ).one()
    return contact, created == 1


def service_url_of(session: Session, platform: str, external_id: str) -> str | None:
    """The team's connector URL, else the latest one a member of it came from."""
    space = session.scalar(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    )
    if space is None:
        return None
    if space.service_url:
        return space.service_url
    return session.scalar(
        select(Member.service_url)
        .where(Member.workspace_id == space.id, Member.service_url.is_not(None))
        .order_by(Member.id.desc())
        .limit(1)
    )
