"""`python -m benchmarks.pickup` — how soon a worker picks up an acknowledged request (a modal's trigger_id
lives 3 s): `/met` with no text, sent to a real `serve --workers 2`, timed from the request's send to the
stand-in receiving `views.open`. Requests are spaced out so the workers are idle (their slowest poll)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import finish, latency_ms, md_table, text_table
from handlers.slack.offline import BOT_TOKEN, SIGNING_SECRET, sqlite_url
from handlers.slack.standin import FakeSlack, SlackRequests, SlackSigner


def start_serve(database_url: str, fake: FakeSlack, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    port: list[int] = []
    ready = threading.Event()
    working = threading.Semaphore(0)

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace")
            if "serving on http://" in line and not port:
                message = json.loads(line)["message"]
                port.append(int(message.split("://", 1)[1].split(":", 1)[1].split("/", 1)[0]))
                ready.set()
            if '"message": "working"' in line:
                working.release()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60) or not (working.acquire(timeout=60) and working.acquire(timeout=60)):
        raise SystemExit("serve did not start")
    return process, port[0]


def measure(database_url: str, requests: int, gap: float) -> dict[str, float]:
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory(prefix="metbot-pickup-") as folder:
        process, port = start_serve(database_url or sqlite_url(Path(folder)), fake, Path(folder))
        slack = SlackRequests(f"http://127.0.0.1:{port}/slack/events", SlackSigner(SIGNING_SECRET), fake)
        opened: list[float] = []
        acks: list[float] = []
        try:
            for n in range(requests):
                time.sleep(gap)  # the workers back off to their slowest poll
                sent = time.monotonic()
                answer = slack.command("", user=f"U{n % 20:04d}PICK")
                acks.append(answer.elapsed)
                call = fake.wait_for("views.open", count=n + 1, timeout=10)[n]
                opened.append(call.at - sent)
        finally:
            slack.close()
            process.terminate()
            process.wait(timeout=60)
            fake.stop()
    return {"ack": latency_ms(acks), "open": latency_ms(opened)}  # type: ignore[dict-item]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pickup", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between requests (default 0.25)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    args = parser.parse_args(argv)
    figures = measure(args.database_url, args.requests, args.gap)
    headers = ["what", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    rows = [
        ["ack (front)", *(figures["ack"][k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))],  # type: ignore[index]
        [
            "send → views.open (pickup + work)",
            *(figures["open"][k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),  # type: ignore[index]
        ],
    ]
    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    method = (
        f"{args.requests} `/met` (no text: opens the modal) to `serve --workers 2` on {backend}, one every "
        f"{args.gap:g} s so the workers are idle; timed from sending to the stand-in receiving `views.open`."
    )
    finish(
        "pickup",
        "how soon a worker picks up a request (the modal's trigger_id)",
        "python -m benchmarks.pickup",
        text_table(headers, rows),
        "\n\n".join([method, md_table(headers, rows)]),
        {"requests": args.requests, "gap_s": args.gap, "backend": backend, **figures},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
