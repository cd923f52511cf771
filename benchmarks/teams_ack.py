"""`teams_ack`: how fast the Teams edge answers a signed `met …` message and an `adaptiveCard/action` invoke.

    python -m benchmarks.teams_ack [--requests 500] [--warmup 50]

Over real HTTP on loopback: the stand-in (handlers/teams/standin.py) mints the tokens, the real Teams SDK
checks them (RS256, JWKS from the stand-in's OpenID metadata) and routes the activity, our edge maps it
to a core callback and renders the card, and for `met …` the reply goes out through the stand-in's
connector (with the cached outbound token) before the 200, exactly as `handle_activity` answers.
The core callbacks answer at once here (the router is not wired yet): the figures are the edge's and
the SDK's cost, not the meeting capture's. Tokens are minted before timing (Teams reuses a token for
an hour); each request is timed from writing it to reading the whole answer, one at a time.

Also measured, each in a fresh interpreter: `import microsoft_teams.apps` (wall seconds) and the
bridge's start once the SDK is imported (`App` built, `await app.initialize()`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import Progress, finish, latency_ms, md_table, note, text_table
from bot.records import Who
from bot.results import Button, Reply, Section
from handlers.teams.edge import ActivityFacts, TeamsEdge
from handlers.teams.offline import LoopbackTeams
from handlers.teams.standin import TeamsUser

NAME = "teams_ack"
TITLE = "Teams: ack time of a signed `met …` message and an `adaptiveCard/action` invoke"
INVOKE_LIMIT_MS = 5000.0  # Teams gives an invoke 5 s
USER = TeamsUser("7faf8ab2-3d56-4244-b585-20c8a42ed2b8")
REPLY = Reply(
    headline="Logged Jane Doe (Acme) at BNI breakfast",
    sections=(
        Section(text="Next step: call by Friday", buttons=(Button("followed_up", "I followed up", "c1"),)),
    ),
)


def _on_command(who: Who, name: str, text: str, facts: ActivityFacts) -> Reply:
    return REPLY


def _on_action(who: Who, action: str, data: dict[str, Any]) -> Reply:
    return Reply(headline="Nice: you followed up.", replace_original=True)


def _timed(
    conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[float, int]:
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return time.perf_counter() - started, response.status


def _run(teams: LoopbackTeams, label: str, activity: dict[str, Any], count: int) -> tuple[list[float], int]:
    port = int(teams.url.split(":")[2].split("/")[0])
    body = json.dumps(activity).encode("utf-8")
    headers = teams.fake.headers_for(activity)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    failures = 0
    with Progress(label, count) as progress:
        for _ in range(count):
            seconds, status = _timed(conn, "/api/messages", body, headers)
            latencies.append(seconds)
            failures += status != 200
            progress.update()
    conn.close()
    return latencies, failures


def _fresh(code: str) -> float:
    """Seconds a snippet takes in a fresh interpreter (it prints its own figure)."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


IMPORT = "import time; t = time.perf_counter(); import microsoft_teams.apps; print(time.perf_counter() - t)"
START = """
import time
import microsoft_teams.apps
from handlers.teams.offline import loopback_settings
from handlers.teams.sdk import TeamsBridge
from handlers.teams.standin import FakeTeams
fake = FakeTeams().start()
t = time.perf_counter()
TeamsBridge(loopback_settings(fake)).start()
print(time.perf_counter() - t)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.teams_ack", description=TITLE)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)
    note("measuring the SDK's import and the bridge's start in fresh interpreters")
    import_s = min(_fresh(IMPORT) for _ in range(3))
    start_s = min(_fresh(START) for _ in range(3))
    edge = TeamsEdge(_on_command, _on_action)
    figures: dict[str, Any] = {"requests": args.requests, "sdk_import_s": round(import_s, 3)}
    figures["bridge_start_s"] = round(start_s, 3)
    rows = []
    with LoopbackTeams(edge.register) as teams:
        kinds = {
            "met": teams.fake.message(
                USER, "met Jane Doe (Acme) at BNI breakfast; next step: call by Friday"
            ),
            "card_action": teams.fake.card_action(USER, "followed_up", {"value": "c1"}),
        }
        for kind, activity in kinds.items():
            _run(teams, f"{kind} warm-up", activity, args.warmup)
            latencies, failures = _run(teams, kind, activity, args.requests)
            stats = latency_ms(latencies)
            figures[kind] = {**stats, "non_200": failures}
            rows.append([kind, stats["p50_ms"], stats["p95_ms"], stats["p99_ms"], stats["max_ms"], failures])
        figures["connector_sends"] = len(teams.fake.calls("send"))
        figures["token_fetches"] = len(teams.fake.calls("token"))
    headers = ["activity", "p50 ms", "p95 ms", "p99 ms", "max ms", "non-200"]
    target = figures["card_action"]["p99_ms"] < INVOKE_LIMIT_MS
    summary = (
        f"SDK import {import_s:.2f} s; bridge start after the import (App built, initialize) {start_s:.2f} s; "
        f"{figures['token_fetches']} outbound token fetch(es) for {figures['connector_sends']} connector sends; "
        f"invoke p99 within Teams' 5 s: {'met' if target else 'MISSED'}."
    )
    printed = text_table(headers, rows) + "\n" + summary
    markdown = md_table(headers, rows) + "\n\n" + summary
    finish(NAME, TITLE, "python -m benchmarks.teams_ack", printed, markdown, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
