"""Remembering handled requests, so a retried event or a replayed request changes nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from store.models import SeenRequest
from store.people import insert_ignoring_conflict


def first_time(session: Session, key: str, now: datetime) -> bool:
    """True for the first request with this key; False for every repeat, whichever replica sees it."""
    return insert_ignoring_conflict(session, SeenRequest, {"key": key[:120], "at": now}, ["key"]) == 1


def forget_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(SeenRequest).where(SeenRequest.at < cutoff))
    return int(result.rowcount or 0)
