"""Remembering handled requests, so a retried event or a replayed request changes nothing twice.

Two mechanisms: `seen_request` (Socket Mode's replay guard) and, for the inbox's workers, `guard_effects`:
a session hook that records "this request's effect is committed" (a `seen_request` row keyed
`applied:<inbox key>`) in the effect's own transaction, and on
a retry whose effect was already committed rolls the repeated effect back while the reply is still sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.orm import ORMExecuteState, Session

from store.inbox import applied_key
from store.models import SeenRequest
from store.people import insert_ignoring_conflict

log = logging.getLogger("metbot.replays")


@dataclass(frozen=True)
class Applying:
    """The inbox row a worker is running: its key, and whether an earlier attempt committed its effect."""

    key: str
    applied: bool = False


# Set by the worker around one request; the store's write path reads it (store/replays.py) to record the
# effect in the effect's own transaction, or, on a retry whose effect is already committed, to undo it.
applying: ContextVar[Applying | None] = ContextVar("applying", default=None)


@contextmanager
def working_on(key: str, *, applied: bool = False) -> Iterator[Applying]:
    item = Applying(key=key, applied=applied)
    token = applying.set(item)
    try:
        yield item
    finally:
        applying.reset(token)


WROTE = "metbot_effect"  # session.info flag: this transaction adds rows (an effect a retry must not repeat)
SAVEPOINT = "metbot_effect"


def first_time(session: Session, key: str, now: datetime) -> bool:
    """True for the first request with this key; False for every repeat, whichever replica sees it."""
    return insert_ignoring_conflict(session, SeenRequest, {"key": key[:120], "at": now}, ["key"]) == 1


def forget_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(SeenRequest).where(SeenRequest.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)  # a CursorResult's; typed as the base Result


def _adds_rows(state: ORMExecuteState) -> bool:
    """A plain INSERT adds rows; INSERT … ON CONFLICT DO NOTHING (find-or-create) is safe to repeat."""
    return state.is_insert and getattr(state.statement, "_post_values_clause", None) is None


def guard_effects(sessions: Any) -> None:
    """Install the hook on the one session factory the core writes through (see bot/replays.py).

    An effect is a transaction that adds rows (a meeting, a follow-up, a referral, imported contacts);
    updates and find-or-creates are idempotent and are not counted. `sessions` is the sessionmaker the
    core writes through (or a factory holding it as `_write`, as store.db.Sessions does on main).
    """
    sessions = getattr(sessions, "_write", sessions)

    @event.listens_for(sessions, "after_begin")
    def _savepoint(session: Session, transaction: Any, connection: Any) -> None:
        item = applying.get()
        if item is not None and item.applied and not transaction.nested:
            connection.exec_driver_sql(f"SAVEPOINT {SAVEPOINT}")

    @event.listens_for(sessions, "before_flush")
    def _note_new(session: Session, _context: Any, _instances: Any) -> None:
        if session.new and applying.get() is not None:
            session.info[WROTE] = True

    @event.listens_for(sessions, "do_orm_execute")
    def _note_insert(state: ORMExecuteState) -> None:
        if applying.get() is not None and _adds_rows(state):
            state.session.info[WROTE] = True

    @event.listens_for(sessions, "before_commit")
    def _record(session: Session) -> None:
        item = applying.get()
        if item is None:
            return
        if session.new:
            session.flush()
        if not session.info.pop(WROTE, False):
            return
        if item.applied:
            # The first attempt committed this effect and died before finishing: undo the repeat, keep
            # the reply (computed from the rolled-back rows, which read the same).
            session.connection().exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            log.warning("effect already committed by an earlier attempt; not repeated")
            return
        first_time(session, applied_key(item.key), datetime.now(UTC))

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(WROTE, None)
