"""Acknowledged means kept, with real processes: `serve` (front + worker processes) on SIGTERM, SIGKILL,
restarts and a second replica; Slack is the local stand-in in this test process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, func, select

from handlers.slack.offline import BOT_TOKEN, SIGNING_SECRET
from handlers.slack.standin import FakeSlack, SlackRequests, SlackSigner
from store.inbox import Inbox
from store.models import Meeting

pytestmark = pytest.mark.timeout(240)


class Serve:
    """`python -m bot serve --port 0 --workers N` in its own process group, its log read in a thread."""

    def __init__(self, database_url: str, fake: FakeSlack, folder: Path, workers: int = 2) -> None:
        env = {
            **os.environ,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": database_url,
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.lines: list[str] = []
        self.port: int | None = None
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--workers",
                str(workers),
            ],
            cwd=folder,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: SIGKILL takes the workers too, like a crash
        )
        threading.Thread(target=self._read, daemon=True).start()
        assert self._ready.wait(60), "serve did not start:\n" + "\n".join(self.lines[-20:])
        self.slack = SlackRequests(
            f"http://127.0.0.1:{self.port}/slack/events", SlackSigner(SIGNING_SECRET), fake
        )

    def _read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines.append(line)
            if "serving on http://" in line and self.port is None:
                message = json.loads(line)["message"]
                self.port = int(message.split("://", 1)[1].split(":", 1)[1].split("/", 1)[0])
                self._ready.set()

    def terminate(self) -> int:
        self.slack.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        self.slack.close()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    slack.start()
    yield slack
    slack.stop()


def meetings(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Meeting)).scalar() or 0)
    finally:
        engine.dispose()


def open_rows(database_url: str) -> int:
    """Inbox rows not done (on SQLite the inbox is a file of its own beside the database)."""
    engine = create_engine(database_url)
    inbox = Inbox.for_database(engine)
    try:
        counts = inbox.counts()
        return sum(n for status, n in counts.items() if status != "done")
    finally:
        inbox.close()
        engine.dispose()


def send_mets(serve: Serve, n: int) -> list[str]:
    """n `/met` from 4 threads (keep-alive connections); every one must be acked 200. Returns the reply labels."""
    urls: list[str] = []
    lock = threading.Lock()

    def send(start: int) -> None:
        for i in range(start, n, 4):
            answer = serve.slack.command(f"Person {i} (Co {i}) at Expo", user=f"U0P{i % 10}")
            assert answer.status == 200, answer
            with lock:
                urls.append(f"/met Person {i} (Co {i}) at Expo")  # the reply hook's label
        serve.slack.close()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(urls) == n
    return urls


def answered(fake: FakeSlack) -> dict[str, int]:
    found: dict[str, int] = {}
    for call in fake.calls_to("response_url"):
        found[call.label] = found.get(call.label, 0) + 1
    return found


def test_acked_work_survives_sigterm(database_url: str, fake: FakeSlack, tmp_path: Path) -> None:
    serve = Serve(database_url, fake, tmp_path)
    urls = send_mets(serve, 200)
    metrics = serve.slack.get("/metrics")  # every process's figures, through prometheus' multiprocess files
    assert metrics.status == 200
    assert 'metbot_requests_total{outcome="200",route="/slack/events"} 200.0' in metrics.body
    assert "metbot_inbox_depth" in metrics.body and "metbot_digests" in metrics.body
    assert serve.terminate() == 0  # drained, not killed
    assert meetings(database_url) == 200
    replies = answered(fake)
    assert set(urls) <= set(replies)
    assert max(replies.values()) == 1
    assert open_rows(database_url) == 0


def test_acked_work_survives_sigkill_and_runs_once(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    serve = Serve(database_url, fake, tmp_path)
    urls = send_mets(serve, 200)
    fake.wait_for("response_url", count=40, timeout=60)
    serve.kill()  # mid-work: the front, the workers and their in-flight rows, all at once
    left = open_rows(database_url)
    again = Serve(database_url, fake, tmp_path)
    deadline = time.monotonic() + 120
    while open_rows(database_url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert again.terminate() == 0
    assert meetings(database_url) == 200  # all saved, none twice
    replies = answered(fake)
    assert set(urls) <= set(replies)  # all answered
    print(f"rows left by SIGKILL: {left}; replies sent twice: {sum(1 for n in replies.values() if n > 1)}")


def test_a_replayed_request_runs_once_after_a_restart_and_on_a_second_replica(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    form = {
        "team_id": "T0DEMO",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/met",
        "text": "Jane Doe (Acme) at BNI",
        "channel_id": "C0GENERAL",
        "response_url": fake.response_url("replay"),
        "trigger_id": "1.2.replay",
    }
    body = urlencode(form).encode()
    headers = SlackSigner(SIGNING_SECRET).headers(body)
    first = Serve(database_url, fake, tmp_path, workers=1)
    second = Serve(database_url, fake, tmp_path, workers=1)  # a second replica on the same database
    assert first.slack.raw(body, headers).status == 200
    fake.wait_for("response_url", timeout=30)
    assert second.slack.raw(body, headers).status == 200
    assert first.terminate() == 0
    restarted = Serve(database_url, fake, tmp_path, workers=1)
    assert restarted.slack.raw(body, headers).status == 200
    time.sleep(0.5)
    assert restarted.terminate() == 0 and second.terminate() == 0
    assert meetings(database_url) == 1
    assert len(fake.calls_to("response_url")) == 1


def test_a_worker_that_dies_is_replaced_and_its_work_finished(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    serve = Serve(database_url, fake, tmp_path)
    deadline = time.monotonic() + 60
    while sum('"worker started"' in line for line in serve.lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = [json.loads(line)["pid"] for line in serve.lines if '"worker started"' in line]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)  # both: nothing works until serve replaces them
    urls = send_mets(serve, 20)
    fake.wait_for("response_url", count=20, timeout=90)
    assert serve.terminate() == 0
    assert sum('"worker started"' in line for line in serve.lines) >= 4
    assert meetings(database_url) == 20 and set(urls) <= set(answered(fake))
