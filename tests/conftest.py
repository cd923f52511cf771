"""Fixtures: the real bot over HTTP on loopback, the fake Slack Web API, a travelling clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pg
import pytest

from handlers.slack.offline import OfflineBot, sqlite_url

# A Friday afternoon in UTC; Alice (the default user) lives in New York.
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.sqlite_only` tests keep only their sqlite parameter."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        if backend == "postgresql" and item.get_closest_marker("sqlite_only") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _unavailable(reason: str) -> None:
    """Skip, except on CI (CI=true), where a PostgreSQL run that did not happen is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the PostgreSQL run must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL cluster for the whole session, started on first use."""
    bindir = pg.find_bindir()
    if bindir is None:
        _unavailable(pg.MISSING)
    assert bindir is not None
    with pg.running_cluster(bindir) as cluster:
        yield cluster


@pytest.fixture
def postgresql_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (CREATE DATABASE t_<uuid>; dropped after)."""
    if pg.find_bindir() is None:
        _unavailable(pg.MISSING)
    cluster: pg.Cluster = request.getfixturevalue("pg_cluster")
    with cluster.fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test that touches the database runs on both: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    yield request.getfixturevalue("postgresql_url")


@pytest.fixture
def bot(database_url: str) -> Iterator[OfflineBot]:
    with OfflineBot(database_url=database_url, start=START, slack_timeout=2) as running:
        yield running
