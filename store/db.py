"""Engine, the one session factory, and bringing the schema up to date."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# The newest migration. A start that finds the schema already there skips Alembic (and Mako) entirely;
# tests/test_migrations.py checks this against the migration scripts.
HEAD = "0008"

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_220_417  # arbitrary, stable advisory-lock key for "metbot migrations"

READ_ONLY = "metbot_read_only"


class Sessions:
    """The one session factory: `sessions()` reads, `sessions.begin()` writes (and commits) in one go."""

    def __init__(self, engine: Engine) -> None:
        self._write = sessionmaker(engine, expire_on_commit=False)
        self._read = sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    def __call__(self) -> Session:
        return self._read()

    def begin(self) -> AbstractContextManager[Session]:
        return self._write.begin()


SQLITE_POOL = 16  # connections kept open per SQLite file engine (more are opened when needed)


def make_engine(url: str) -> Engine:
    """SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL a pre-pinged pool."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error's message (which gets logged) never quotes the values (names, notes).
        # No ceiling on connections (max_overflow=-1): a file connection costs microseconds, and a capped
        # pool can deadlock threads that wait for a connection while holding what its holders wait for.
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
            **({"pool_size": SQLITE_POOL, "max_overflow": -1} if database and database != ":memory:" else {}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions start (BEGIN IMMEDIATE below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers: one at a time, taken up front (no deadlock-prone read-then-upgrade). Readers (the
            # sessions from `Sessions()`) take no write lock: in WAL mode they never wait for a writer.
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def make_sessions(engine: Engine) -> Sessions:
    return Sessions(engine)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, read with one SELECT (None: no schema yet)."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Every command calls this on start; concurrent replicas serialise on a lock. Already up to date
    (the usual start): one SELECT, and Alembic is not even imported."""
    if revision == "head" and schema_revision(engine) == HEAD:
        return
    from alembic import command

    config = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
                connection.commit()
    else:
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def ping(engine: Engine) -> bool:
    """True when the database answers; for /healthz."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "down" to a health check
        log.warning("database ping failed", exc_info=True)
        return False
