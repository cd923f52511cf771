"""What the benchmarks share: machine facts, a progress bar, percentiles, tables, the RESULTS.md writer,
process plumbing (the server under test and the load generator each get their own process), seeding a
large database fast, and counting SQL statements.

Nothing here re-implements Slack: requests are built and signed by `handlers.slack.standin.SlackRequests` /
`SlackSigner`, Web API calls are answered by `handlers.slack.standin.FakeSlack`, settings come from
`handlers.slack.offline.local_settings`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import itertools
import json
import logging
import math
import multiprocessing
import os
import platform
import random
import re
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from handlers.slack.offline import SIGNING_SECRET
from handlers.slack.standin import FakeSlack, SlackRequests, SlackSigner

RESULTS = Path(__file__).with_name("RESULTS.md")
ORDER = ("ack", "burst", "sweep", "growth")
SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters: no forked locks or threads


# --- machine -----------------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("slack_bolt", "slack_sdk", "SQLAlchemy", "waitress"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[dist] = importlib.metadata.version(dist)
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": versions,
        "load_average_1m": round(os.getloadavg()[0], 2),  # the box may be shared: read figures against this
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- progress ----------------------------------------------------------------------------------------------


class Progress:
    """A tiny stderr progress bar. `poll` (optional) is called in a thread to read the count."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        poll: Callable[[], int] | None = None,
        stream: TextIO | None = None,
        width: int = 28,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.width = width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self._drawn = 0.0
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._poller: threading.Thread | None = None
        if poll is not None:
            self._poller = threading.Thread(target=self._poll, args=(poll,), daemon=True, name="progress")
            self._poller.start()
        self._draw(force=True)

    def _poll(self, poll: Callable[[], int]) -> None:
        while not self._closed.wait(0.1):
            with contextlib.suppress(Exception):
                self.set(poll())

    def set(self, done: int) -> None:
        self.done = done
        self._draw()

    def update(self, n: int = 1) -> None:
        self.set(self.done + n)

    def _draw(self, *, force: bool = False) -> None:
        with self._lock:
            now = time.perf_counter()
            if not force and now - self._drawn < (0.1 if self.tty else 5.0):
                return
            self._drawn = now
            elapsed = now - self.started
            if self.total:
                share = min(max(self.done / self.total, 0.0), 1.0)
                filled = int(share * self.width)
                bar = "#" * filled + "." * (self.width - filled)
                line = f"{self.label:<34} [{bar}] {self.done:>7}/{self.total:<7} {elapsed:6.1f}s"
            else:
                line = f"{self.label:<34} {self.done:>7} {elapsed:6.1f}s"
            self.stream.write(("\r" + line + "\x1b[K") if self.tty else (line + "\n"))
            self.stream.flush()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._poller is not None:
            self._poller.join(1)
        self._draw(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def note(text: str) -> None:
    """A line of commentary on stderr (stdout is kept for the tables and the final JSON line)."""
    print(text, file=sys.stderr, flush=True)


# --- numbers and tables ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_ms(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else math.nan,
    }


def cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.2g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "--:" for i in range(len(headers))) + "|",
    ]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# --- RESULTS.md --------------------------------------------------------------------------------------------

_HEADER = """# Benchmark results

Written by the benchmarks themselves (`python -m benchmarks.<name>`); each run replaces its own section.
What the figures mean and the targets: [README.md](README.md). Benchmarks report; they never fail CI on time.
"""
_SECTION = re.compile(r"<!-- benchmark:(?P<name>[\w-]+) -->\n.*?<!-- /benchmark:(?P=name) -->\n?", re.S)


def write_results(name: str, title: str, command: str, body: str, figures: dict[str, Any]) -> None:
    """Replace (or add) this benchmark's section of RESULTS.md, keyed by its name."""
    info = machine()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    section = "\n".join(
        [
            f"<!-- benchmark:{name} -->",
            f"## `{name}` — {title}",
            "",
            f"Run `{command}` at {stamp} on **{info['cpu']}** ({info['cores']} cores), "
            f"Python {info['python']} ({info['platform']}; {packages}); "
            f"1-minute load average at the end: {info['load_average_1m']}.",
            "",
            body.strip(),
            "",
            "<details><summary>JSON line</summary>",
            "",
            "```json",
            json.dumps(figures),
            "```",
            "",
            "</details>",
            f"<!-- /benchmark:{name} -->",
            "",
        ]
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else _HEADER
    sections = {m.group("name"): m.group(0) for m in _SECTION.finditer(text)}
    sections[name] = section
    names = [n for n in ORDER if n in sections] + sorted(n for n in sections if n not in ORDER)
    out = _HEADER + "\n" + "\n".join(sections[n].rstrip("\n") + "\n" for n in names)
    temporary = RESULTS.with_suffix(".md.tmp")
    temporary.write_text(out, encoding="utf-8")
    temporary.replace(RESULTS)


def finish(name: str, title: str, command: str, printed: str, markdown: str, figures: dict[str, Any]) -> None:
    """Print the readable tables, record them in RESULTS.md, and end stdout with the one JSON line."""
    figures = {"benchmark": name, **figures, "machine": machine()}
    write_results(name, title, command, markdown, figures)
    print(printed.rstrip())
    print(
        f"(recorded in {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})"
    )
    print(json.dumps(figures), flush=True)


# --- the server under test, in its own process ------------------------------------------------------------


@dataclass
class Served:
    """What a server factory returns: a bound waitress server, plus optional stats and clean-up."""

    server: Any
    close: Callable[[], None] | None = None
    stats: Callable[[], dict[str, Any]] | None = None


def bolt_server(app: Any) -> Any:
    """Serve a plain Bolt app on the same waitress set-up as `serve`: `handlers.web.make_server` itself,
    with a bare `slack_bolt.adapter.wsgi.SlackRequestHandler` as its WSGI app.

    So the waitress settings (threads, limits, timeouts) are the same by construction, while our own
    WSGI layer (routes, /healthz, size guard, request log, metrics) counts as part of "ours".
    """
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from handlers.web import make_server

    return make_server(SlackRequestHandler(app, path="/slack/events"), host="127.0.0.1", port=0)


def serve_like_logging() -> None:
    """`serve` logs at INFO (one line per request); do the same, into /dev/null, so the cost is paid."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    line = "%(asctime)s %(levelname)s %(name)s %(message)s"
    logging.basicConfig(level=logging.INFO, format=line, stream=devnull)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _server_child(conn: Any, factory: str, kwargs: dict[str, Any]) -> None:
    # waitress warns "Task queue depth is N" whenever connections outnumber its threads: expected at c=50.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    module, _, name = factory.partition(":")
    served: Served = getattr(importlib.import_module(module), name)(**kwargs)
    thread = threading.Thread(target=served.server.run, name="bench-http", daemon=True)
    thread.start()
    conn.send(int(served.server.effective_port))
    while True:
        command = conn.recv()
        if command == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            stats: dict[str, Any] = {
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
            if served.stats is not None:
                stats.update(served.stats())
            conn.send(stats)
        elif command == "stop":
            served.server.close()
            thread.join(5)
            if served.close is not None:
                served.close()
            conn.send("stopped")
            return


class ServerProcess:
    """Runs `factory` ("module:function" returning Served) in a fresh process; `.url` is its /slack/events."""

    def __init__(self, factory: str, **kwargs: Any) -> None:
        self.factory = factory
        self.kwargs = kwargs
        self.url = ""
        self._lock = threading.Lock()  # one request/answer at a time on the pipe (progress bars poll too)

    def __enter__(self) -> ServerProcess:
        self._conn, child = SPAWN.Pipe()
        self._process = SPAWN.Process(
            target=_server_child,
            args=(child, self.factory, self.kwargs),
            name=f"server {self.factory}",
            daemon=True,
        )
        self._process.start()
        child.close()
        try:
            if not self._conn.poll(120):
                raise RuntimeError(f"{self.factory} did not start within 120 s")
            port = self._conn.recv()
        except EOFError:
            self._process.join(5)
            raise RuntimeError(f"{self.factory} died on start (exit code {self._process.exitcode})") from None
        self.url = f"http://127.0.0.1:{port}/slack/events"
        return self

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._conn.send("stats")
            return self._conn.recv()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        with self._lock, contextlib.suppress(OSError, EOFError):
            self._conn.send("stop")
            if self._conn.poll(60):
                self._conn.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


# --- the load generator, in its own process ---------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One request: a slash command (`text`) or, with `action_id`, a button click."""

    user: str
    text: str = ""
    action_id: str | None = None
    value: str | None = None


@dataclass
class LoadResult:
    statuses: list[int]
    latencies: list[float]  # seconds, request written → response read (SlackRequests' Answer.elapsed)
    sent_at: list[float]  # time.monotonic() when each request started (comparable across processes)
    started: float
    wall: float
    errors: list[str] = field(default_factory=list)

    @property
    def non_200(self) -> int:
        return sum(1 for s in self.statuses if s != 200)

    @property
    def throughput(self) -> float:
        return len(self.statuses) / self.wall if self.wall else math.nan


class PresetHooks:
    """Stands in for FakeSlack inside the load generator: response_urls were minted by the real fake
    (in the parent process, where they will be answered); everything else (user and team shapes)
    comes from a local, unstarted FakeSlack."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._shapes = FakeSlack()
        self._urls = list(urls) or ["http://127.0.0.1:9/hooks/none"]
        self._next = itertools.count()
        self._lock = threading.Lock()

    def response_url(self, name: str = "") -> str:
        with self._lock:
            return self._urls[next(self._next) % len(self._urls)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shapes, name)


def _load_child(
    conn: Any,
    url: str,
    jobs: list[Job],
    hooks: list[str],
    concurrency: int,
    timeout: float,
    simultaneous: bool,
    done: Any,
) -> None:
    slack = SlackRequests(url, SlackSigner(SIGNING_SECRET), PresetHooks(hooks), timeout=timeout)  # type: ignore[arg-type]
    n = len(jobs)
    statuses, latencies, sent_at = [0] * n, [0.0] * n, [0.0] * n
    errors: list[str] = []
    lock = threading.Lock()
    order = itertools.count()
    barrier = threading.Barrier(concurrency) if simultaneous else None

    def worker() -> None:
        if barrier is not None:
            barrier.wait()
        while True:
            with lock:
                i = next(order)
            if i >= n:
                break
            job = jobs[i]
            sent_at[i] = time.monotonic()
            try:
                if job.action_id:
                    answer = slack.block_action(job.action_id, job.value, user=job.user)
                else:
                    answer = slack.command(job.text, user=job.user)
                statuses[i], latencies[i] = answer.status, answer.elapsed
            except Exception as error:  # a timeout or reset is a result, not a crash
                statuses[i], latencies[i] = 0, time.monotonic() - sent_at[i]
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:200])
            with done.get_lock():
                done.value += 1
        slack.close()

    threads = [threading.Thread(target=worker, name=f"client-{k}") for k in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    conn.send(LoadResult(statuses, latencies, sent_at, started, wall, errors))


def run_load(
    url: str,
    jobs: list[Job],
    *,
    hooks: Sequence[str],
    concurrency: int,
    label: str,
    timeout: float = 30.0,
    simultaneous: bool = False,
) -> LoadResult:
    """`concurrency` client threads with keep-alive connections, in a separate process, until `jobs` run out.

    A separate process so the client's own Python work does not share the server process's GIL.
    `simultaneous` holds every thread at a barrier first (a burst); the process start-up is not timed.
    """
    done = SPAWN.Value("i", 0)
    reader, writer = SPAWN.Pipe(duplex=False)
    process = SPAWN.Process(
        target=_load_child,
        name="load generator",
        daemon=True,
        args=(writer, url, jobs, list(hooks), concurrency, timeout, simultaneous, done),
    )
    process.start()
    writer.close()
    with Progress(label, len(jobs), poll=lambda: done.value):
        try:
            result: LoadResult = reader.recv()
        except EOFError:
            process.join(5)
            raise RuntimeError(f"the load generator died (exit code {process.exitcode})") from None
    process.join(10)
    return result


# --- a big database, seeded fast ---------------------------------------------------------------------------

# 24 real zones, one per whole-hour UTC offset (-11 … +12) in December: each UTC hour is 09:00 in exactly one.
ZONES = (
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Cape_Verde",
    "Europe/London",
    "Europe/Paris",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Tarawa",
)
SWEEP_AT = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York: the one zone whose digest hour it is
DIGEST_HOUR = 9
PHASES = (
    "follow_up",
    "follow_up",
    "follow_up",
    "await_reply",
    "await_reply",
    "check_in",
    "follow_up",
    "await_reply",
    "check_in",
    "follow_up",
    "cold",
    "closed",
    "classify",
)  # 10 of 13 active


def due_zone(now: datetime) -> str:
    offsets = {ZoneInfo(z).utcoffset(now) for z in ZONES}
    assert len(offsets) == len(ZONES), "the 24 zones must have 24 different offsets"
    return next(z for z in ZONES if now.astimezone(ZoneInfo(z)).hour == DIGEST_HOUR)


def _seed(url: str, members: int, contacts: int, now: datetime, due_members: int | None, done: Any) -> None:
    from sqlalchemy import func, insert, select, text

    from bot.cadence import next_digest_at
    from store.db import make_engine, upgrade
    from store.models import Contact, Meeting, Member, Workspace

    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(6)
    due = due_zone(now)
    others = [z for z in ZONES if z != due]
    # The due zone: as an hourly sweep an hour ago left it, so its 09:00 digest is owed now. The other 23:
    # as the coming day's hourly sweeps will leave them, so neither a sweep now nor one 24 h later (the
    # day-2 sweep) finds them due: both sweeps see the same 1/24 of members.
    next_at = {
        z: next_digest_at(now - timedelta(hours=1), z, DIGEST_HOUR)
        if z == due
        else next_digest_at(now + timedelta(days=1) - timedelta(hours=1), z, DIGEST_HOUR)
        for z in ZONES
    }
    today = now.date()
    batch = 20_000

    def zone_of(i: int) -> str:
        if due_members is None:
            return ZONES[i % len(ZONES)]
        return due if i < due_members else others[i % len(others)]

    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Member)):
            raise SystemExit(f"{url} already holds members: point the benchmark at an empty database")
        conn.execute(
            insert(Workspace),
            [{"platform": "slack", "external_id": "T0BENCH", "name": "Bench", "created_at": now}],
        )
        workspace_id = conn.scalar(select(Workspace.id).where(Workspace.external_id == "T0BENCH"))
        for start in range(0, members, batch):
            rows = []
            for i in range(start, min(start + batch, members)):
                zone = zone_of(i)
                rows.append(
                    {
                        "id": i + 1,
                        "workspace_id": workspace_id,
                        "user_id": f"U{i:08d}",
                        "display_name": f"Member {i}",
                        "timezone": zone,
                        "digest_hour": DIGEST_HOUR,
                        "dm_channel": None,
                        "next_digest_at": next_at[zone],
                        "active": True,
                        "created_at": now - timedelta(days=200),
                    }
                )
            conn.execute(insert(Member), rows)
            with done.get_lock():
                done.value += len(rows)

    per, extra = divmod(contacts, members)
    contact_id = 0
    pending_contacts: list[dict[str, Any]] = []
    pending_meetings: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(Contact), pending_contacts)
            conn.execute(insert(Meeting), pending_meetings)
        with done.get_lock():
            done.value += len(pending_contacts) + len(pending_meetings)
        pending_contacts.clear()
        pending_meetings.clear()

    for m in range(members):
        for k in range(per + (1 if m < extra else 0)):
            contact_id += 1
            # due_on uniformly from 14 days ago to 30 days ahead (a third already due); 3 in 13 not active
            due_on = today + timedelta(days=rng.randrange(-14, 31))
            created = now - timedelta(days=rng.randrange(1, 121))
            phase = PHASES[rng.randrange(len(PHASES))]
            pending_contacts.append(
                {
                    "id": contact_id,
                    "member_id": m + 1,
                    "name": f"Contact {k} of {m}",
                    "name_key": f"contact {k}",
                    "company": f"Company {contact_id % 997}",
                    "email": None,
                    "linked_user_id": None,
                    "stage": "know",
                    "phase": phase,
                    "due_on": due_on,
                    "nudges": contact_id % 3,
                    "asks": 0,
                    "snooze_note": None,
                    "last_touch_at": created,
                    "first_follow_up_at": None,
                    "created_at": created,
                }
            )
            pending_meetings.append(
                {
                    "id": contact_id,
                    "contact_id": contact_id,
                    "member_id": m + 1,
                    "event": "BNI breakfast",
                    "met_on": created.date(),
                    "met_at": created,
                    "notes": None,
                    "next_step": "call them",
                    "next_step_owner": "me",
                    "next_step_due": None,
                    "offer": "intro to Sam" if contact_id % 3 == 0 else None,
                    "offer_kind": "intro" if contact_id % 3 == 0 else None,
                    "connection": "ok",
                    "created_at": created,
                }
            )
            if len(pending_contacts) >= batch:
                flush()
    if pending_contacts:
        flush()
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        with engine.begin() as conn:
            for table in ("workspace", "member", "contact", "meeting"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def seed(
    url: str,
    *,
    members: int,
    contacts: int,
    now: datetime = SWEEP_AT,
    due_members: int | None = None,
    label: str = "seeding",
) -> float:
    """Seed `members` and `contacts` (one meeting each) with bulk executemany inserts, in a child process
    (so its memory never counts against the measured process). Returns the seconds it took.

    Members get digest hour 09:00; only the zone where it is 09:00 at `now` is owed a digest (at `now` and
    again 24 h later): 1/24 of members, or exactly `due_members` of them (the rest over the other zones).
    """
    done = SPAWN.Value("q", 0)
    started = time.perf_counter()
    process = SPAWN.Process(
        target=_seed, args=(url, members, contacts, now, due_members, done), name="seeder", daemon=True
    )
    process.start()
    with Progress(label, members + 2 * contacts, poll=lambda: done.value):
        process.join()
    if process.exitcode != 0:
        raise SystemExit(f"seeding failed (exit code {process.exitcode})")
    return time.perf_counter() - started


# --- SQL statements ----------------------------------------------------------------------------------------


class SqlCounter:
    """Counts statements per phase with a `before_cursor_execute` listener (an executemany counts once).

    Statements from the thread that runs the sweep are `(phase, "main")`; from the send workers,
    `(phase, "workers")`. With `capture`, the first SELECT of each shape is kept for EXPLAIN.
    """

    def __init__(self, engine: Any, *, capture: bool = False) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.phase = "idle"
        self.counts: Counter[tuple[str, str]] = Counter()
        self.kinds: Counter[tuple[str, str, str]] = Counter()
        self.capture = capture
        self.selects: dict[str, tuple[str, Any]] = {}
        self._lock = threading.Lock()
        self._main = threading.main_thread()
        self._event = event
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        who = "main" if threading.current_thread() is self._main else "workers"
        kind = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        with self._lock:
            self.counts[(self.phase, who)] += 1
            self.kinds[(self.phase, who, kind)] += 1
            if self.capture and kind == "SELECT" and who == "main":
                shape = re.sub(r"\(\?(?:, \?)*\)|\(%\(\w+\)s(?:, %\(\w+\)s)*\)", "(…)", statement)
                self.selects.setdefault(shape, (statement, parameters))

    @contextlib.contextmanager
    def during(self, phase: str) -> Iterator[None]:
        previous, self.phase = self.phase, phase
        try:
            yield
        finally:
            self.phase = previous

    def total(self, phase: str, who: str | None = None) -> int:
        return sum(n for (p, w), n in self.counts.items() if p == phase and (who is None or w == who))

    def breakdown(self, phase: str, who: str | None = None) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (p, w, kind), n in self.kinds.items():
            if p == phase and (who is None or w == who):
                out[kind] += n
        return dict(out)

    def remove(self) -> None:
        self._event.remove(self.engine, "before_cursor_execute", self._on_execute)


def sqlite_plans(engine: Any, selects: dict[str, tuple[str, Any]]) -> list[tuple[str, str]]:
    """EXPLAIN QUERY PLAN for captured SELECTs (SQLite only): (the table it reads first, the plan)."""
    if engine.dialect.name != "sqlite":
        return []
    plans = []
    with engine.connect() as conn:
        for statement, parameters in selects.values():
            if statement.lstrip().upper().startswith("SELECT COUNT"):
                continue
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            table = re.search(r"FROM (\w+)", statement)
            plans.append((table.group(1) if table else "?", "; ".join(str(r[-1]) for r in rows)))
        conn.rollback()
    return plans


# --- one sweep, its phases measured apart ------------------------------------------------------------------


@dataclass
class SweepRun:
    report: Any  # bot.sweep.SweepReport
    open_cpu_s: float  # time.process_time() around Sweeper.open_owed (only the sweeping thread runs then)
    claim_cpu_s: float  # the sweeping thread's time.thread_time() across Sweeper.send_claimed: claiming and
    #                     loading what is due; the sends run on worker threads and are not counted
    open_wall_s: float
    send_wall_s: float
    sql_open: int
    sql_claims: int
    sql_delivery: int

    @property
    def due_cpu_s(self) -> float:
        return self.open_cpu_s + self.claim_cpu_s


def measured_sweep(
    sweeper: Any, now: datetime, counter: SqlCounter, *, label: str, sent: Callable[[], int] | None = None
) -> SweepRun:
    """`Sweeper.sweep(now)`'s two phases, called apart so the due computation is timed without the sends."""
    from bot.sweep import SweepReport

    report = SweepReport()
    phase = f"{label}:open"
    with counter.during(phase):
        wall, cpu = time.perf_counter(), time.process_time()
        sweeper.open_owed(now, report)
        open_cpu, open_wall = time.process_time() - cpu, time.perf_counter() - wall
    send_phase = f"{label}:send"
    start = sent() if sent else 0
    with (
        counter.during(send_phase),
        Progress(
            f"{label}: sending {report.opened} digests",
            report.opened,
            poll=(lambda: sent() - start) if sent else None,
        ),
    ):
        wall, cpu = time.perf_counter(), time.thread_time()
        sweeper.send_claimed(now, report)
        claim_cpu, send_wall = time.thread_time() - cpu, time.perf_counter() - wall
    return SweepRun(
        report,
        open_cpu,
        claim_cpu,
        open_wall,
        send_wall,
        counter.total(phase),
        counter.total(send_phase, "main"),
        counter.total(send_phase, "workers"),
    )
