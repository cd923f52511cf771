"""`python -m bot` / `metbot`: serve, work, socket, nudge, demo."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket as socket_module
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import TravellingClock, system_clock
from bot.logs import configure
from bot.settings import MissingSetting, Settings, secret

log = logging.getLogger("metbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="metbot", description="The networking follow-up bot for Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="HTTP mode: POST /slack/events, GET /healthz, GET /metrics; starts --workers workers"
    )
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--workers", type=int, default=2, help="worker processes to start (default 2)")
    serve.add_argument(
        "--drain", type=float, default=20.0, help="on SIGTERM, seconds to work off the inbox (default 20)"
    )
    work = sub.add_parser("work", help="a worker: runs acknowledged requests from the inbox")
    work.add_argument("--threads", type=int, default=8, help="requests worked at once (default 8)")
    work.add_argument("--tick", action="store_true", help="also run the minute tick (digests, roundups)")
    work.add_argument("--drain", type=float, default=20.0, help="on SIGTERM, seconds to work off the inbox")
    work.add_argument(
        "--nice", type=int, default=10, help="lower this process's CPU priority (default 10): acks come first"
    )
    # Started by `serve`: stop (draining) when serve closes our stdin, or dies, even SIGKILLed.
    work.add_argument("--lifeline", action="store_true", help=argparse.SUPPRESS)
    sub.add_parser("socket", help="Socket Mode: the same listeners over a WebSocket")
    nudge = sub.add_parser("nudge", help="one sweep as if the clock read --now: send every DM due, then exit")
    nudge.add_argument("--now", help="ISO-8601 instant, e.g. 2026-12-01T09:00:00+00:00 (default: now)")
    nudge.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="at most this many DMs per second (default 20: Slack's allowance)",
    )
    sub.add_parser("demo", help="the whole story offline, printed as a conversation")
    teams_app = sub.add_parser("teams-app", help="write the Teams app package (manifest.json and icons)")
    teams_app.add_argument("--host", required=True, help="the public host serving /api/messages")
    teams_app.add_argument("--out", default="metbot-teams.zip", help="the zip to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not logging.getLogger().handlers:  # an embedding program (or pytest) keeps its own logging
        configure(logging.ERROR if args.command == "demo" else logging.INFO)
    try:
        if args.command == "demo":
            from handlers.demo import run_demo

            return run_demo()
        settings = Settings()
        if args.command == "serve":
            return serve(settings, host=args.host, port=args.port, workers=args.workers, drain=args.drain)
        if args.command == "work":
            if args.nice:
                os.nice(args.nice)  # the front's acks are latency, the work is throughput: acks first
            return work(
                settings, threads=args.threads, tick=args.tick, drain=args.drain, lifeline=args.lifeline
            )
        if args.command == "socket":
            return socket(settings)
        if args.command == "nudge":
            return nudge(settings, args.now, rate=args.rate)
        if args.command == "teams-app":
            return teams_app(settings, host=args.host, out=args.out)
    except MissingSetting as problem:
        print(f"metbot: {problem}", file=sys.stderr)
        return 2
    except SQLAlchemyError as problem:
        print(
            f"metbot: the database at DATABASE_URL could not be used ({type(problem).__name__}: "
            f"{str(problem).splitlines()[0][:200]}).",
            file=sys.stderr,
        )
        return 1
    return 2


def serve(settings: Settings, *, host: str, port: int, workers: int = 2, drain: float = 20.0) -> int:
    """The front answers HTTP; `workers` worker processes do the work. SIGTERM: stop accepting, answer
    what is in, let the workers work off the inbox (up to `drain` s), exit 0."""
    settings.require_http()
    if workers > 0 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before prometheus-client is imported here or in a worker: every process's metrics in one place.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metbot-metrics-")
    from bot.app import build_front
    from bot.work import release_dead_workers
    from handlers.web import drain as drain_web
    from handlers.web import make_server

    front = build_front(settings)
    released = release_dead_workers(front.inbox)
    if released:
        log.info("handed back the rows of workers that had died", extra={"rows": released})
    crew = Crew(workers, drain=drain)
    crew.start()
    server = make_server(front.web, host=host, port=port)
    stop = _stop_on_signals()
    thread = threading.Thread(target=server.run, name="metbot-http", daemon=True)
    thread.start()
    log.info("serving on http://%s:%s/slack/events with %d worker(s)", host, server.effective_port, workers)
    try:
        while not stop.wait(0.5):
            for name in crew.restart_dead():
                front.inbox.release(name)
    finally:
        answered = drain_web(front.web, server)
        thread.join(timeout=5)
        crew.stop()
        front.close()
        log.info("stopped", extra={"answered_all": answered})
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


class Crew:
    """`serve`'s worker processes: started, restarted when one dies, stopped (drained) on exit."""

    def __init__(self, count: int, *, drain: float) -> None:
        self.count = count
        self.drain = drain
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started: list[float] = [0.0] * count

    def _spawn(self, index: int) -> None:
        command = [sys.executable, "-m", "bot", "work", "--drain", str(self.drain), "--lifeline"]
        if index == 0:
            command.append("--tick")  # one minute tick per replica is plenty (the sweep is idempotent)
        # The worker ignores SIGTERM/SIGINT (even while it is still importing): serve stops it by closing
        # its stdin, after the front has answered everything, so nothing acked is left unworked.
        process = subprocess.Popen(command, stdin=subprocess.PIPE, preexec_fn=worker_process)
        self.processes[index] = process
        self.started[index] = time.monotonic()
        log.info("worker started", extra={"pid": process.pid, "tick": index == 0})

    def start(self) -> None:
        for index in range(self.count):
            self._spawn(index)

    def restart_dead(self) -> list[str]:
        """Restart workers that exited (at most once a second each); return the dead ones' names."""
        dead = []
        for index, process in enumerate(self.processes):
            if process is None or process.poll() is None or time.monotonic() - self.started[index] < 1:
                continue
            log.warning("worker exited; starting another", extra={"code": process.returncode})
            dead.append(f"{socket_module.gethostname()[:40]}:{process.pid}")
            self._spawn(index)
        return dead

    def stop(self) -> None:
        running = [p for p in self.processes if p is not None and p.poll() is None]
        for process in running:
            if process.stdin is not None:
                process.stdin.close()
        deadline = time.monotonic() + self.drain + 10
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker did not stop in time; killed")
                process.kill()
                process.wait()


WORKER_NICENESS = 5  # the scheduler favours the front: an ack waits for no one's work (CFS: ~3:1)


def worker_process() -> None:
    """In the worker child before it runs: ignore stop signals, and step back behind the front."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def work(settings: Settings, *, threads: int, tick: bool, drain: float, lifeline: bool = False) -> int:
    """One worker process: claims inbox rows and runs them through the edges; SIGTERM drains it."""
    from bot.app import build_app
    from bot.schedule import start_scheduler
    from bot.work import Worker
    from store.inbox import Inbox

    metbot = build_app(settings, worker=True)
    inbox = Inbox.for_database(metbot.engine)
    worker = Worker(inbox, metbot.processors, clock=metbot.core.clock, threads=threads)

    def handle(_signum: int, _frame: object) -> None:
        worker.stop(drain=drain)

    if lifeline:
        _follow_lifeline(worker, drain)
    else:
        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
    if tick and metbot.teams is not None:
        metbot.teams.start()  # the tick sends Teams digests too: the SDK initialised before the first send
    scheduler = start_scheduler(metbot, inbox=inbox) if tick else None
    log.info("working", extra={"threads": threads, "tick": tick})
    try:
        worker.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        inbox.close()
        metbot.close()
    return 0


def teams_app(settings: Settings, *, host: str, out: str) -> int:
    """Write the Teams app package to upload in Teams (or the Developer Portal)."""
    from pathlib import Path

    from handlers.teams.package import build_package

    written = build_package(settings.teams_app_id, host, Path(out))
    print(f"metbot: wrote {written} (manifest.json, color.png, outline.png) for https://{host}/api/messages.")
    return 0


def _follow_lifeline(worker: Any, drain: float) -> None:
    """Stop when stdin closes: `serve` closed it to stop us, or `serve` is gone (even SIGKILLed)."""

    def watch() -> None:
        sys.stdin.buffer.read()  # until EOF
        worker.stop(drain=drain)

    threading.Thread(target=watch, name="metbot-lifeline", daemon=True).start()


def socket(settings: Settings) -> int:
    settings.require_socket()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from bot.schedule import start_scheduler
    from bot.settings import secret

    metbot = build_app(settings)
    scheduler = start_scheduler(metbot)
    try:
        SocketModeHandler(metbot.app, secret(settings.slack_app_token)).start()
    finally:
        scheduler.shutdown(wait=False)
    return 0


def parse_now(text: str | None) -> datetime:
    if not text:
        return system_clock()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise MissingSetting(
            f"--now {text!r} is not an ISO-8601 time; try 2026-12-01T09:00:00+00:00."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def nudge(settings: Settings, now_text: str | None, *, rate: float = 20.0) -> int:
    """One sweep at --now: the CLI's time machine, and the operator's manual tick."""
    if not secret(settings.slack_bot_token) and not settings.oauth_enabled and not settings.teams_enabled:
        raise MissingSetting(
            "SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs): "
            "nudge sends DMs, so it needs the bot token from your Slack app's OAuth & Permissions page."
        )
    settings.require_token_key()
    from bot.app import build_app

    now = parse_now(now_text)
    if rate <= 0:
        raise MissingSetting(f"--rate {rate:g} must be a positive number of DMs per second, e.g. --rate 20.")
    metbot = build_app(settings, clock=TravellingClock(now))
    if metbot.teams is not None:
        metbot.teams.start()  # the SDK initialised before the first proactive send
    metbot.sweeper.sends_per_second = rate
    report = metbot.sweeper.sweep(now)
    refused = f", {report.refused} refused by the platform (see the log)" if report.refused else ""
    print(
        f"metbot: sweep at {now.isoformat()}: {report.sent} digest(s) sent, {report.failed} to retry, "
        f"{report.deactivated} member(s) unreachable{refused}."
    )
    roundup = metbot.roundups.sweep(now)
    if roundup.posted or roundup.failed:
        print(f"metbot: weekly roundup: {roundup.posted} posted, {roundup.failed} to retry.")
    store = metbot.installation_store
    for team in sorted(store.unreadable if store is not None else ()):
        print(
            f"metbot: workspace {team}: its stored bot token opens with none of METBOT_TOKEN_KEY's keys, so its "
            "digests wait; put back the key it was sealed with, or reinstall the app there.",
            file=sys.stderr,
        )
    return 0
