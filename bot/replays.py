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
from collections.abc import Callable

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


# The worker marks the request it runs; the store's write path records its effect (store/replays.py).
from store.replays import Applying, applying, working_on  # noqa: E402

__all__ = ["Applying", "ReplayGuard", "applying", "working_on"]
