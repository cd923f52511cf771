"""Has this request been handled already?

Over HTTP the durable inbox decides (store/inbox.py: one keyed INSERT per ack, on every replica), and a
worker marks the request's effect in the effect's own transaction (`working_on` below, store/replays.py).
`ReplayGuard` remains for Socket Mode, where no inbox sits in front of Bolt: memory first, so the ack
path stays off the database.

With one process (SQLite, the embedded default) memory is the whole truth. With several replicas
(PostgreSQL) a retry may land on another replica, so the shared `seen_request` table decides, with one
cheap INSERT … ON CONFLICT DO NOTHING; memory still answers repeats seen here without a round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

WINDOW_SECONDS = 3600  # Slack retries events within minutes and refuses signatures older than 5 minutes
MAX_KEYS = 100_000


class ReplayGuard:
    def __init__(self, shared: Callable[[str], bool] | None = None) -> None:
        self.shared = shared
        self.seen: OrderedDict[str, float] = OrderedDict()
        self.lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if key in self.seen:
                return False
            self.seen[key] = now
            while self.seen and (
                len(self.seen) > MAX_KEYS or next(iter(self.seen.values())) < now - WINDOW_SECONDS
            ):
                self.seen.popitem(last=False)
        return self.shared(key) if self.shared is not None else True


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
