"""The durable inbox: every acknowledged request is one row until a worker has done its effect and reply.

Core statements on the `inbox_item` table (the ack path runs one INSERT; the ORM would cost it more).
`accept` is the only thing the front does per request; retries and replays are recognised by the
unique `key` on every replica. Workers `claim` rows under a lease: a worker that dies (even SIGKILL)
leaves rows whose lease runs out, and any worker claims them again.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, bindparam, delete, event, func, inspect, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.records import KeptRequest
from store.models import InboxItem, SeenRequest

MAX_ATTEMPTS = 5  # then the row is `failed` and left for an operator (logged once, counted in /metrics)
RETRY_DELAY = timedelta(seconds=2)  # a failed attempt waits this long times the attempt number
BUSY_SECONDS = 30.0  # as long as the main database's busy timeout
READ = {"metbot_read_only": True}  # store/db.py: on SQLite a plain BEGIN, not the writer's BEGIN IMMEDIATE
OPEN = ("new", "working")
CHANNEL = "metbot_inbox"  # PostgreSQL NOTIFY channel: a request was kept
WATCH_SECONDS = 0.005  # SQLite: how often an idle worker looks at the file's change counter

t: Table = InboxItem.__table__  # type: ignore[assignment]  # the ORM types __table__ as FromClause


Claimed = KeptRequest  # a row a worker holds under its lease


@dataclass(frozen=True)
class Answer:
    """A row's state as the waiting front sees it."""

    status: str
    response: str | None


_claimable = (
    select(t.c.id)
    .where(t.c.status.in_(OPEN), or_(t.c.lease_until.is_(None), t.c.lease_until < bindparam("now")))
    .order_by(t.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's one writer needs no row locks
)
_claim = (
    update(t)
    .where(t.c.id.in_(_claimable.scalar_subquery()))
    .values(
        status="working",
        claimed_by=bindparam("worker"),
        lease_until=bindparam("lease_until"),
        attempts=t.c.attempts + 1,
    )
    .returning(t.c.id, t.c.key, t.c.platform, t.c.kind, t.c.body, t.c.headers, t.c.attempts)
)
_peek = (
    select(t.c.id)
    .where(t.c.status.in_(OPEN), or_(t.c.lease_until.is_(None), t.c.lease_until < bindparam("now")))
    .limit(1)
)


class Inbox:
    """The inbox; safe to share between threads. `main` is the application's database (where effects and
    their "applied" marks are committed); `engine` the inbox's own (see `inbox_engine`)."""

    def __init__(self, engine: Engine, main: Engine | None = None) -> None:
        self.engine = engine
        self.main = main or engine
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        insert = (
            "INSERT INTO inbox_item (key, platform, kind, body, headers, status, attempts, received_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, 'new', 0, {mark}) "
            "ON CONFLICT (key) DO NOTHING RETURNING id"
        )
        # PostgreSQL: the same statement rings idle workers (LISTEN, `Arrivals`) when, and only when, a row
        # was kept; the notification goes out at commit. SQLite's workers watch `PRAGMA data_version`.
        self._insert_sql = (
            insert
            if engine.dialect.name == "sqlite"
            else f"WITH kept AS ({insert}) SELECT id, pg_notify('{CHANNEL}', '') FROM kept"
        )
        self._dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        processor = t.c.received_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        self._stamp: Any = processor or (lambda value: value)
        # SQLite has one writer per file, and a writer that finds it busy sleeps (1, 2, 5, 10… ms) before
        # trying again. Threads of one process queue on this lock instead: woken at once, in turn.
        self._write = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    def _writing(self) -> Any:
        """One write transaction (serialised within this process on SQLite)."""
        return _Locked(self._write, self.engine)

    @classmethod
    def for_database(cls, main: Engine) -> Inbox:
        return cls(inbox_engine(main), main)

    def applied(self, key: str) -> bool:
        """Did an earlier attempt of this request commit its effect? (Read on retries only.)"""
        with self.main.connect().execution_options(**READ) as connection:
            found = connection.execute(select(SeenRequest.key).where(SeenRequest.key == applied_key(key)))
            return found.first() is not None

    def arrivals(self) -> Arrivals:
        """What an idle worker waits on: it returns soon after another connection kept a request."""
        if self.engine.dialect.name == "sqlite":
            return ChangeCounter(self.engine)
        return Notifications(self.engine)

    def close(self) -> None:
        if self.engine is not self.main:
            self.engine.dispose()

    def accept(
        self, key: str, platform: str, kind: str, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> int | None:
        """Keep one request: its id, or None when this key is already kept (a retry or a replay).

        The ack's one statement goes straight to the driver on a pooled connection: SQLAlchemy's
        execution layer cost more than the INSERT itself (benchmarks/RESULTS.md, `ack`).
        """
        params = (key[:200], platform, kind[:64], body, json.dumps(dict(headers)), self._stamp(now))
        with self._write:  # the lock first, then a connection: the order `_Locked` takes them in
            return self._insert_row(params)

    def _insert_row(self, params: tuple[Any, ...]) -> int | None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                self._begin_raw(cursor)
                cursor.execute(self._insert_sql, params)
                row = cursor.fetchone()
                raw.commit()
            finally:
                cursor.close()
        except self._dbapi_error as error:  # the driver's own error, named like SQLAlchemy's for callers
            with contextlib.suppress(Exception):
                raw.rollback()
            raise DBAPIError.instance(
                self._insert_sql, None, error, self._dbapi_error, hide_parameters=True
            ) from error
        except BaseException:
            with contextlib.suppress(Exception):
                raw.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                raw.close()  # back to the pool (a dead connection is discarded)
        return None if row is None else int(row[0])

    def _begin_raw(self, cursor: Any) -> None:
        if self.engine.dialect.name != "sqlite":
            return  # psycopg opens the transaction itself
        deadline = time.monotonic() + BUSY_SECONDS
        pause = 0.0001
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except Exception as error:  # sqlite3.OperationalError: another process holds the write lock
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.001)

    def pending(self, now: datetime) -> bool:
        """Is anything claimable? A read without the write lock, for idle workers' polling."""
        with self.engine.connect().execution_options(**READ) as connection:
            return connection.execute(_peek, {"now": now}).first() is not None

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int = 1) -> list[Claimed]:
        """Take up to `limit` rows (new ones, or ones whose lease ran out) for `lease`; one short transaction."""
        with self._writing() as connection:
            rows = connection.execute(
                _claim, {"worker": worker[:64], "now": now, "lease_until": now + lease, "limit": limit}
            ).all()
        claimed = [
            Claimed(
                id=row.id,
                key=row.key,
                platform=row.platform,
                kind=row.kind,
                body=bytes(row.body),
                headers=json.loads(row.headers or "{}"),
                attempts=row.attempts,
            )
            for row in rows
        ]
        return sorted(claimed, key=lambda item: item.id)

    def finish(self, item_id: int, response: str | None, now: datetime) -> None:
        """Done: effect and reply. The body (user text) is dropped; the key stays to refuse replays."""
        with self._writing() as connection:
            connection.execute(
                update(t)
                .where(t.c.id == item_id)
                .values(status="done", response=response, done_at=now, lease_until=None, body=b"", error=None)
            )

    def fail(self, item_id: int, error: str, now: datetime) -> str:
        """An attempt failed: try again later, or give up after MAX_ATTEMPTS. Returns the new status."""
        with self._writing() as connection:
            attempts = connection.execute(select(t.c.attempts).where(t.c.id == item_id)).scalar() or 0
            status = "failed" if attempts >= MAX_ATTEMPTS else "new"
            connection.execute(
                update(t)
                .where(t.c.id == item_id)
                .values(
                    status=status,
                    error=error[:200],
                    lease_until=now + RETRY_DELAY * max(attempts, 1) if status == "new" else None,
                    done_at=now if status == "failed" else None,
                )
            )
        return status

    def answer(self, item_id: int) -> Answer | None:
        """What the front waiting on this row can say yet (status, and the stored HTTP response)."""
        with self.engine.connect().execution_options(**READ) as connection:
            row = connection.execute(select(t.c.status, t.c.response).where(t.c.id == item_id)).first()
        return None if row is None else Answer(status=row.status, response=row.response)

    def answer_for_key(self, key: str) -> Answer | None:
        with self.engine.connect().execution_options(**READ) as connection:
            row = connection.execute(select(t.c.status, t.c.response).where(t.c.key == key[:200])).first()
        return None if row is None else Answer(status=row.status, response=row.response)

    def depth(self) -> int:
        """Rows acked and not yet done (for /metrics)."""
        with self.engine.connect().execution_options(**READ) as connection:
            return int(connection.execute(select(func.count()).where(t.c.status.in_(OPEN))).scalar() or 0)

    def oldest_age(self, now: datetime) -> float:
        """Seconds the oldest open row has waited; 0 when the inbox is empty."""
        with self.engine.connect().execution_options(**READ) as connection:
            oldest = connection.execute(
                select(func.min(t.c.received_at)).where(t.c.status.in_(OPEN))
            ).scalar()
        if oldest is None:
            return 0.0
        if isinstance(oldest, str):  # SQLite hands aggregate datetimes back as text
            oldest = datetime.fromisoformat(oldest)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        return max(0.0, (now - oldest).total_seconds())

    def counts(self) -> dict[str, int]:
        """Rows by status (for /metrics and the tests)."""
        with self.engine.connect().execution_options(**READ) as connection:
            rows = connection.execute(select(t.c.status, func.count()).group_by(t.c.status)).all()
        return {str(status): int(count) for status, count in rows}

    def claimants(self, prefix: str) -> list[str]:
        """Workers (by name) holding rows now, whose name starts with `prefix` (e.g. this host's)."""
        with self.engine.connect().execution_options(**READ) as connection:
            rows = connection.execute(
                select(t.c.claimed_by)
                .where(t.c.status == "working", t.c.claimed_by.startswith(prefix, autoescape=True))
                .distinct()
            ).all()
        return [str(row[0]) for row in rows]

    def release(self, worker: str) -> int:
        """Hand a dead worker's rows back at once instead of waiting out their lease."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(t)
                .where(t.c.status == "working", t.c.claimed_by == worker)
                .values(status="new", lease_until=None)
            )
        return int(result.rowcount or 0)

    def forget_done_before(self, cutoff: datetime) -> int:
        """Drop finished rows older than the replay window (Slack refuses signatures older than 5 minutes)."""
        with self.engine.begin() as connection:
            result = connection.execute(delete(t).where(t.c.status == "done", t.c.done_at < cutoff))
        return int(result.rowcount or 0)


class Arrivals(Protocol):
    def mark(self) -> object:
        """Note where things stand, before looking for work (so a row kept meanwhile is not slept through)."""

    def wait(self, mark: object, stopping: threading.Event, timeout: float) -> None:
        """Return once something may have been kept since `mark`, or `stopping` is set, or after `timeout`."""

    def close(self) -> None: ...


class ChangeCounter:
    """SQLite: `PRAGMA data_version` changes when another connection commits to the file (any process).

    Reading it on a held connection costs microseconds and takes no lock, so an idle worker can look
    every couple of milliseconds for almost nothing (the plain poll cost ~14 % of a core per worker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._raw: Any = None

    def mark(self) -> object:
        return self._version()

    def _version(self) -> int | None:
        try:
            if self._raw is None:
                self._raw = self.engine.raw_connection()
            cursor = self._raw.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                return int(cursor.fetchone()[0])
            finally:
                cursor.close()
        except Exception:  # the file went away or the connection broke: callers just look again
            self.close()
            return None

    def wait(self, mark: object, stopping: threading.Event, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not stopping.is_set() and time.monotonic() < deadline:
            time.sleep(WATCH_SECONDS)  # a plain sleep: an Event's timed wait costs several times more CPU
            version = self._version()
            if version is None or version != mark:
                return

    def close(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()
            self._raw = None


class Notifications:
    """PostgreSQL: LISTEN on a connection of its own (detached from the pool, autocommit); `accept`'s
    statement NOTIFYs. Workers on other machines are woken the same way."""

    SLICE = 0.1  # seconds: how often a waiting worker looks at `stopping`

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None

    def _listening(self) -> Any:
        if self._connection is None:
            raw = self.engine.raw_connection()
            raw.detach()  # never handed back to the pool in LISTEN state
            connection: Any = raw.driver_connection
            connection.rollback()
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self._connection = connection
        return self._connection

    def mark(self) -> object:
        """Listening from here on: notifications queue on the connection until `wait` reads them."""
        with contextlib.suppress(Exception):  # the database is away: `wait` will say so
            self._listening()
        return None

    def wait(self, mark: object, stopping: threading.Event, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            connection = self._listening()
            while not stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                for _ in connection.notifies(timeout=min(left, self.SLICE), stop_after=1):
                    for _ in connection.notifies(timeout=0):  # the rest of a burst: one look serves them
                        pass
                    return
        except Exception:  # the database is away: the worker's own retry pause applies
            self.close()
            stopping.wait(min(timeout, 0.5))

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class _Locked:
    """`engine.begin()` under a lock: the lock is held for the whole transaction, released after commit."""

    def __init__(self, lock: Any, engine: Engine) -> None:
        self.lock, self.engine = lock, engine

    def __enter__(self) -> Connection:
        self.lock.__enter__()
        try:
            return self._begin_soon()
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise

    def _begin_soon(self) -> Connection:
        """BEGIN (IMMEDIATE on SQLite), retried every 0.1–1 ms while another process holds the write lock:
        SQLite's own busy handler would sleep 1, 2, 5, 10… ms, and the ack would wait that long."""
        deadline = time.monotonic() + BUSY_SECONDS
        pause = 0.0001
        while True:
            self._begin = self.engine.begin()
            try:
                return self._begin.__enter__()
            except OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.001)

    def __exit__(self, *exc: Any) -> None:
        try:
            self._begin.__exit__(*exc)
        finally:
            self.lock.__exit__(None, None, None)


def applied_key(key: str) -> str:
    """The `seen_request` key that says this request's effect is committed (store/replays.py)."""
    return f"applied:{key}"[:120]


def inbox_engine(main: Engine) -> Engine:
    """Where the inbox lives. PostgreSQL: the main database (row locks, SKIP LOCKED). SQLite: a file of
    its own beside the main one, so the ack's INSERT never queues behind a worker's effect transaction
    for SQLite's one write lock (measured: tens of ms per ack when they shared it)."""
    url = main.url
    if main.dialect.name != "sqlite" or url.database in (None, "", ":memory:"):
        return main
    from store.db import make_engine

    path = Path(url.database)
    engine = make_engine(
        str(url.set(database=str(path.with_name(f"{path.stem}-inbox{path.suffix or '.db'}"))))
    )

    @event.listens_for(engine, "connect")
    def _no_sleeping_busy_handler(dbapi_connection, _record) -> None:
        # Writes retry in `_Locked` instead; WAL readers are not blocked by a writer anyway.
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    # A queue, not data: no migrations (it is empty between deploys). Looking needs no lock; creating
    # does, and another process (a worker mid-write, or one creating it too) may hold it for a moment.
    for attempt in range(200):
        try:
            if not inspect(engine).has_table(t.name):
                t.create(engine, checkfirst=True)
            return engine
        except OperationalError:
            if attempt == 199:
                raise
            time.sleep(0.01)
    return engine
