"""The in-process tick for `serve` and `socket`: APScheduler calls the sweep each minute, nothing more.

What is due lives in the database, so several replicas ticking at once is fine (see bot/sweep.py).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Metbot

log = logging.getLogger("metbot.schedule")


def tick(metbot: Metbot) -> None:
    now = metbot.core.clock()
    try:
        metbot.sweeper.sweep(now)
    except Exception:  # the database may be down: log, and the next tick tries again
        log.exception("sweep failed; will try again next minute")
    try:
        metbot.roundups.sweep(now)  # the weekly roundup: once per workspace per week, whoever ticks first
    except Exception:
        log.exception("roundup sweep failed; will try again next minute")


def start_scheduler(metbot: Metbot, *, seconds: int = 60) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        args=[metbot],
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=seconds,
    )
    scheduler.start()
    return scheduler
