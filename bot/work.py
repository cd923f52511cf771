"""The worker: takes acknowledged requests from the inbox and runs them, in its own process.

Platform-free: the composition root hands it one processor per platform (Slack's feeds the stored
request to Bolt). A row is finished only after its processor returned, i.e. after its effect and its
reply; a worker that dies leaves its rows to the lease, and the next worker finishes them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.replays import working_on
from store.inbox import Claimed, Inbox

log = logging.getLogger("metbot.work")

LEASE = timedelta(seconds=60)  # longer than any one request's work (Slack calls time out after 10 s)
IDLE_LOOK = 1.0  # an idle worker looks anyway this often (rows whose retry delay or lease ran out)
THREADS = 8  # per worker process: the work mostly waits on Slack and the database


class Processor(Protocol):
    def __call__(self, item: Claimed, /) -> str | None:
        """Run one request (effect and reply); return the HTTP answer the front waits for, if any."""


class InlineExecutor(Executor):
    """Runs each task at once in the caller's thread: Bolt's lazy listeners finish inside `dispatch`."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the Future carries it, as a pool's would
            future.set_exception(error)
        return future


def worker_name() -> str:
    """host:pid — lets a restarted `serve` hand back the rows of its own dead workers at once."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class Worker:
    inbox: Inbox
    processors: Mapping[str, Processor]
    clock: Callable[[], datetime]
    name: str = field(default_factory=worker_name)
    threads: int = THREADS
    lease: timedelta = LEASE
    stopping: threading.Event = field(default_factory=threading.Event)
    drain_until: float | None = None  # monotonic deadline once stopping: keep working off the inbox till then

    def __post_init__(self) -> None:
        self._busy = 0
        self._idle = threading.Condition()
        self.done = 0

    def stop(self, drain: float = 0.0) -> None:
        """Stop claiming (after working off what is claimable for up to `drain` seconds)."""
        self.drain_until = time.monotonic() + drain
        self.stopping.set()

    def run(self) -> None:
        """Claim and run rows until stopped; then wait for the rows already claimed."""
        pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="metbot-work")
        arrivals = self.inbox.arrivals()  # woken when a request is kept, instead of polling the table
        try:
            while self._keep_claiming():
                slots = self._wait_for_slot()
                if slots == 0:
                    continue
                mark = arrivals.mark()
                rows = self._claim(slots)
                if not rows:
                    if self.stopping.is_set():
                        break  # drained: nothing claimable is left
                    arrivals.wait(mark, self.stopping, IDLE_LOOK)
                    continue
                for row in rows:
                    with self._idle:
                        self._busy += 1
                    pool.submit(self._run_one, row)
        finally:
            pool.shutdown(wait=True)
            arrivals.close()

    def _keep_claiming(self) -> bool:
        if not self.stopping.is_set():
            return True
        return self.drain_until is not None and time.monotonic() < self.drain_until

    def _wait_for_slot(self) -> int:
        with self._idle:
            if self._busy >= self.threads:
                self._idle.wait(0.05)
            return max(0, self.threads - self._busy)

    def _claim(self, slots: int) -> list[Claimed]:
        now = self.clock()
        try:
            if not self.inbox.pending(now):  # a lock-free read first: idle polling never takes the write lock
                return []
            return self.inbox.claim(self.name, now, self.lease, limit=slots)
        except Exception:  # the database is away: poll again (the rows are safe where they are)
            log.warning("could not read the inbox; trying again", exc_info=True)
            time.sleep(0.5)
            return []

    def _run_one(self, item: Claimed) -> None:
        try:
            self.process(item)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify()

    def process(self, item: Claimed) -> None:
        """One row: its processor runs the effect and the reply, then the row is finished (or retried)."""
        processor = self.processors.get(item.platform)
        started = time.perf_counter()
        try:
            if processor is None:
                raise LookupError(f"no processor for platform {item.platform!r}")
            applied = item.applied or (item.attempts > 1 and self.inbox.applied(item.key))
            with working_on(item.key, applied=applied):
                response = processor(item)
            self.inbox.finish(item.id, response, self.clock())
        except Exception as error:
            log.exception("inbox item failed", extra={"item": item.id, "action": item.kind})
            try:
                status = self.inbox.fail(item.id, type(error).__name__, self.clock())
            except Exception:
                log.warning("could not record the failure; the lease will retry it", exc_info=True)
                return
            if status == "failed":
                log.error("inbox item given up", extra={"item": item.id, "action": item.kind})
            return
        self.done += 1
        log.info(
            "worked",
            extra={
                "item": item.id,
                "action": item.kind,
                "attempt": item.attempts,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )


def release_dead_workers(inbox: Inbox, host: str | None = None) -> int:
    """Rows claimed by this host's workers that no longer run (SIGKILL) go back to the inbox at once."""
    host = host or socket.gethostname()[:40]
    released = 0
    for name in inbox.claimants(prefix=f"{host}:"):
        pid_text = name.rsplit(":", 1)[-1]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        released += inbox.release(name)
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
