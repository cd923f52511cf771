"""The in-process tick for `serve` and `socket`: APScheduler calls the sweep each minute, nothing more.

What is due lives in the database, so several replicas ticking at once is fine (see bot/sweep.py).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import Histogram

from bot.app import Metbot
from store.inbox import Inbox

log = logging.getLogger("metbot.schedule")

INBOX_KEPT = timedelta(
    hours=1
)  # finished rows refuse replays this long (Slack refuses signatures after 5 min)

# Not registered anywhere: under `serve` prometheus-client's multiprocess files carry it to /metrics.
SWEEP_SECONDS = Histogram(
    "metbot_sweep_seconds",
    "Wall time of one digest sweep",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=None,
)


def tick(metbot: Metbot, inbox: Inbox | None = None) -> None:
    now = metbot.core.clock()
    started = time.perf_counter()
    try:
        metbot.sweeper.sweep(now)
    except Exception:  # the database may be down: log, and the next tick tries again
        log.exception("sweep failed; will try again next minute")
    finally:
        SWEEP_SECONDS.observe(time.perf_counter() - started)
    try:
        if inbox is not None:
            inbox.forget_done_before(now - INBOX_KEPT)
    except Exception:
        log.warning("could not tidy the inbox; will try again next minute", exc_info=True)
    try:
        metbot.roundups.sweep(now)  # the weekly roundup: once per workspace per week, whoever ticks first
    except Exception:
        log.exception("roundup sweep failed; will try again next minute")


def start_scheduler(metbot: Metbot, *, seconds: int = 60, inbox: Inbox | None = None) -> BackgroundScheduler:
    """The first tick at once (catching up after a deploy), then every `seconds`."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        args=[metbot, inbox],
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=seconds,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler
