"""Alembic migrations on SQLite and PostgreSQL: empty → head, down one and back up, schema == models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from store.db import alembic_config, downgrade, make_engine, upgrade
from store.models import Base

TABLES = set(Base.metadata.tables)
# The OAuth installation and state stores are slack_sdk's tables (SQLAlchemyInstallationStore builders).
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    yield made
    made.dispose()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _ours(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Every table but slack_sdk's OAuth stores (made by its own table builders, not by our models)."""
    return not (type_ == "table" and name in SLACK_SDK_TABLES)


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True, "include_name": _ours}
        )
        return list(compare_metadata(context, Base.metadata))


def head_and_previous(engine: Engine) -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_revision("head")
    assert head is not None
    previous = head.down_revision
    assert previous is None or isinstance(previous, str), "merge heads are not expected"
    return head.revision, previous or "base"


def test_upgrade_from_empty_to_head_matches_the_models(engine: Engine) -> None:
    assert current(engine) is None
    upgrade(engine)
    head, _ = head_and_previous(engine)
    assert current(engine) == head
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert differences(engine) == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)  # every command runs it on start: a second run is a no-op
    assert differences(engine) == []


def test_downgrade_latest_then_upgrade_again(engine: Engine) -> None:
    upgrade(engine)
    head, previous = head_and_previous(engine)
    downgrade(engine, previous)
    assert current(engine) == (None if previous == "base" else previous)
    if previous == "base":
        assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current(engine) == head
    assert differences(engine) == []


def test_head_is_the_newest_migration() -> None:
    """store.db.HEAD lets a start skip Alembic when the schema is current: it must name the real head."""
    from store.db import HEAD, MIGRATIONS

    config = alembic_config(make_engine("sqlite://"))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD, MIGRATIONS
