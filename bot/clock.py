"""The one clock. Domain rules take `now`; only the edges ask a clock for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from threading import Lock

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Wall-clock time, always timezone-aware UTC."""
    return datetime.now(UTC)


class TravellingClock:
    """A clock that stands still until told to move: for the demo, tests and `nudge --now`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("TravellingClock needs an aware datetime")
        self._now = start
        self._lock = Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("TravellingClock needs an aware datetime")
        with self._lock:
            self._now = when

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now
