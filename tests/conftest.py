"""Fixtures: the real bot over HTTP on loopback, the fake Slack Web API, a travelling clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.offline import OfflineBot, sqlite_url

# A Friday afternoon in UTC; Alice (the default user) lives in New York.
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture
def bot(database_url: str) -> Iterator[OfflineBot]:
    with OfflineBot(database_url=database_url, start=START, slack_timeout=2) as running:
        yield running
