"""`python -m benchmarks.burst` — 50 simultaneous button clicks whose follow-up work takes 2 s each.

Slack shows the user an error when a click isn't answered with HTTP 200 within 3 s. Two servers, each in
its own process behind `handlers.web.make_server` (waitress, same threads):

* `ours` — `bot.app.build_app(...)` with one extra action, `bench.slow`, registered on `metbot.app` the way
  our handlers register theirs: `app.action("bench.slow")(ack=ack_now, lazy=[slow])`, `slow` sleeping 2 s.
  process_before_response=True and a 64-thread lazy-listener pool, as in production.
* `bolt_defaults` — a plain `slack_bolt.App` with Bolt's defaults (process_before_response=False, a
  5-thread listener pool): the listener calls `ack()` and then does the 2 s of work, the usual Bolt idiom.

The clicks are signed `block_actions` payloads from `handlers.slack.standin.SlackRequests`, sent by 50 threads in a
separate process, released together from a barrier.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.common import (
    Job,
    Progress,
    Served,
    ServerProcess,
    bolt_server,
    finish,
    latency_ms,
    md_table,
    run_load,
    serve_like_logging,
    text_table,
    verdict,
)
from handlers.slack.offline import BOT_TOKEN, SIGNING_SECRET, local_settings, sqlite_url
from handlers.slack.standin import FakeSlack

WORK_SECONDS = 2.0
DEADLINE = 3.0  # Slack's limit for the HTTP answer

_finished: list[float] = []  # time.monotonic() when each click's work ended (in the server's process)
_lock = threading.Lock()


def _work() -> None:
    time.sleep(WORK_SECONDS)
    with _lock:
        _finished.append(time.monotonic())


def _stats() -> dict[str, Any]:
    with _lock:
        return {"finished": list(_finished)}


def slow(body: dict[str, Any]) -> None:
    """The lazy listener: the slow follow-up work, after the ack has been sent."""
    _work()


def ours_server(api_url: str, database_url: str) -> Served:
    import threading

    from bot.app import build_app, build_front
    from bot.work import Worker
    from handlers.slack.edge import ack_now
    from handlers.web import make_server

    serve_like_logging()
    settings = local_settings(SimpleNamespace(api_url=api_url), database_url)  # type: ignore[arg-type]
    metbot = build_app(settings, worker=True)
    registered = len(metbot.app._listeners)
    metbot.app.action("bench.slow")(ack=ack_now, lazy=[slow])
    metbot.app.action("bench.warm")(ack_now)
    # build_app registers catch-all listeners last (handlers/slack/requests.py: unknown actions are acked and
    # logged), and Bolt dispatches to the first match: move ours ahead of them, where build_app's own are.
    added = metbot.app._listeners[registered:]
    del metbot.app._listeners[registered:]
    metbot.app._listeners[0:0] = added
    # The front and (here, in a thread of the same process) a worker, as OfflineBot runs them.
    front = build_front(settings, engine=metbot.engine, migrate=False)
    worker = Worker(front.inbox, metbot.processors, clock=metbot.core.clock, threads=32)
    running = threading.Thread(target=worker.run, daemon=True)
    running.start()
    server = make_server(front.web, host="127.0.0.1", port=0)

    def close() -> None:
        worker.stop(drain=5)
        running.join(timeout=30)
        metbot.engine.dispose()

    return Served(server, close=close, stats=_stats)


def defaults_server(api_url: str) -> Served:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    app = App(
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        client=WebClient(token=BOT_TOKEN, base_url=api_url),
    )

    def slow_after_ack(ack: Ack) -> None:
        ack()
        _work()

    def warm(ack: Ack) -> None:
        ack()

    app.action("bench.slow")(slow_after_ack)
    app.action("bench.warm")(warm)
    return Served(bolt_server(app), stats=_stats)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.burst", description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=50, help="simultaneous clicks (default 50)")
    args = parser.parse_args(argv)

    rows: dict[str, dict[str, Any]] = {}
    fake = FakeSlack().start()
    try:
        with tempfile.TemporaryDirectory(prefix="metbot-burst-") as folder:
            targets = [
                (
                    "ours",
                    "benchmarks.burst:ours_server",
                    {"api_url": fake.api_url, "database_url": sqlite_url(Path(folder))},
                ),
                ("bolt_defaults", "benchmarks.burst:defaults_server", {"api_url": fake.api_url}),
            ]
            for name, factory, kwargs in targets:
                with ServerProcess(factory, **kwargs) as server:
                    warm = [Job(user="U0WARM", action_id="bench.warm", value="0") for _ in range(5)]
                    run_load(
                        server.url,
                        warm,
                        hooks=[fake.response_url("warm") for _ in warm],
                        concurrency=1,
                        label=f"{name}: warm-up",
                    )
                    clicks = [
                        Job(user=f"U{i:04d}CLICK", action_id="bench.slow", value=str(i))
                        for i in range(args.clicks)
                    ]
                    result = run_load(
                        server.url,
                        clicks,
                        hooks=[fake.response_url("click") for _ in clicks],
                        concurrency=len(clicks),
                        simultaneous=True,
                        timeout=60,
                        label=f"{name}: {len(clicks)} clicks",
                    )
                    with Progress(
                        f"{name}: the clicks' work",
                        len(clicks),
                        poll=lambda s=server: len(s.stats()["finished"]),
                    ) as progress:
                        deadline = time.monotonic() + 120
                        while (done := len(server.stats()["finished"])) < len(
                            clicks
                        ) and time.monotonic() < deadline:
                            time.sleep(0.1)
                        progress.set(done)
                    finished = server.stats()["finished"]
                    burst = min(result.sent_at)
                    in_time = sum(
                        1
                        for s, t in zip(result.statuses, result.latencies, strict=True)
                        if s == 200 and t <= DEADLINE
                    )
                    rows[name] = {
                        "clicks": len(clicks),
                        "answered_200_within_3s": in_time,
                        "share_within_3s_pct": round(100 * in_time / len(clicks), 1),
                        "statuses": {str(k): v for k, v in sorted(Counter(result.statuses).items())},
                        **latency_ms(result.latencies),
                        "work_done": len(finished),
                        "all_work_done_s": round(max(finished) - burst, 2) if finished else None,
                        "client_errors": result.errors[:3],
                    }
    finally:
        fake.stop()

    ours = rows["ours"]
    met = ours["share_within_3s_pct"] == 100.0
    headers = [
        "server",
        "clicks",
        "200 within 3 s",
        "share",
        "HTTP statuses",
        "p50 ms",
        "p99 ms",
        "max ms",
        "all work done after s",
    ]
    table = [
        [
            name,
            r["clicks"],
            r["answered_200_within_3s"],
            f"{r['share_within_3s_pct']:.0f} %",
            " ".join(f"{k}×{v}" for k, v in r["statuses"].items()),
            r["p50_ms"],
            r["p99_ms"],
            r["max_ms"],
            r["all_work_done_s"],
        ]
        for name, r in rows.items()
    ]
    summary = (
        f"ours answered {ours['share_within_3s_pct']:.0f} % of {ours['clicks']} simultaneous clicks with "
        f"HTTP 200 within 3 s (target 100 %): {verdict(met)}; Bolt's defaults answered "
        f"{rows['bolt_defaults']['share_within_3s_pct']:.0f} %."
    )
    method = (
        f"{args.clicks} signed `block_actions` clicks released together from a barrier in a separate "
        f"process; each click's work sleeps {WORK_SECONDS:.0f} s. Status 0 = no HTTP answer before the "
        "client's 60 s timeout. `all work done` is measured from the first click."
    )
    figures = {
        "clicks": args.clicks,
        "work_seconds": WORK_SECONDS,
        "results": rows,
        "targets": {"share_within_3s_pct": 100.0},
        "met": {"share_within_3s_100pct": met},
    }
    finish(
        "burst",
        "50 simultaneous slow button clicks",
        "python -m benchmarks.burst",
        "\n\n".join([text_table(headers, table), summary]),
        "\n\n".join([method, md_table(headers, table), summary]),
        figures,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
