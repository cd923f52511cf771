"""The outbox pattern shared by digests and weekly roundups: rows claimed under a lease, finished once.

On PostgreSQL the claim skips rows another replica has locked (FOR UPDATE SKIP LOCKED); on SQLite the
single writer (BEGIN IMMEDIATE) serialises claims. A claim whose lease ran out can be taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

OPEN = ("pending", "claimed")


@dataclass(frozen=True)
class Lease:
    """A claim's terms: who claims, the time it is, until when the rows are theirs, how many at most."""

    worker: str
    now: datetime
    until: datetime
    limit: int


def claim(
    session: Session, model: Any, *, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[int]:
    """Ids of up to `limit` rows that are pending (and not backing off) or whose claimant's lease ran out."""
    ready = (
        select(model.id)
        .where(model.status.in_(OPEN), model.lease_until <= now)
        .order_by(model.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ready = ready.with_for_update(skip_locked=True)
    ids = list(session.scalars(ready))
    if not ids:
        return []
    session.execute(
        update(model)
        .where(model.id.in_(ids), model.lease_until <= now, model.status.in_(OPEN))
        .values(status="claimed", claimed_by=worker, lease_until=lease_until, attempts=model.attempts + 1)
    )
    return list(
        session.scalars(
            select(model.id).where(
                model.id.in_(ids),
                model.claimed_by == worker,
                model.status == "claimed",
                model.lease_until == lease_until,
            )
        )
    )


def finish(session: Session, model: Any, row_id: int, worker: str, **values: object) -> bool:
    """Record the outcome, only if this worker still holds the claim."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.claimed_by == worker, model.status == "claimed")
        .values(**values)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)  # an UPDATE's result is a CursorResult


def claim_rows(session: Session, model: Any, columns: tuple[Any, ...], lease: Lease) -> list[tuple[Any, ...]]:
    """`claim` under `lease`, then the claimed rows' `columns` (in id order): what the runner needs."""
    ids = claim(
        session, model, worker=lease.worker, now=lease.now, lease_until=lease.until, limit=lease.limit
    )
    if not ids:
        return []
    rows = session.execute(select(*columns).where(model.id.in_(ids)).order_by(model.id)).all()
    return [tuple(row) for row in rows]
