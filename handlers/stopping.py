"""Stopping a waitress server from another thread, without the trigger race."""

from __future__ import annotations

from typing import Any


def stop_in_loop(server: Any) -> None:
    """Close waitress's server inside its loop thread (closed from here, its select() sleeps out a 1 s
    timeout). `pull_trigger(close)` races: it queues the thunk, releases the trigger's lock, then writes
    to the trigger's pipe — and a loop already woken by a response runs the thunk in between, closing
    that pipe, so the write fails with EBADF. Queue and write under the lock the loop runs thunks under."""
    trigger = server.trigger
    with trigger.lock:
        trigger.thunks.append(server.close)
        trigger._physical_pull()
