"""The outbox pattern shared by digests and weekly roundups: rows claimed under a lease, finished once.

On PostgreSQL the claim skips rows another replica has locked (FOR UPDATE SKIP LOCKED); on SQLite the
single writer (BEGIN IMMEDIATE) serialises claims. A claim whose lease ran out can be taken over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

OPEN = ("pending", "claimed")


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
    return bool(result.rowcount)


def claim_rows(
    session: Session,
    model: Any,
    columns: tuple[Any, ...],
    *,
    worker: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> list[Row[Any]]:
    """`claim`, then the claimed rows' `columns` (in id order): what the runner needs to send each."""
    ids = claim(session, model, worker=worker, now=now, lease_until=lease_until, limit=limit)
    if not ids:
        return []
    return list(session.execute(select(*columns).where(model.id.in_(ids)).order_by(model.id)).all())
