"""`serve` with only the Teams variables set: one port answers /healthz and signed Teams activities."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.teams.standin import FakeTeams, TeamsUser

MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1")


@pytest.fixture
def fake() -> Iterator[FakeTeams]:
    teams = FakeTeams()
    teams.start()
    yield teams
    teams.stop()


@pytest.mark.sqlite_only
def test_serve_with_only_teams_settings_answers_health_and_a_signed_message(
    fake: FakeTeams, tmp_path: Path, database_url: str
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": database_url,
        "TEAMS_APP_ID": fake.app_id,
        "TEAMS_APP_PASSWORD": fake.app_password,
        "TEAMS_LOGIN_URL": fake.login_url,
        "TEAMS_OPENID_METADATA_URL": fake.openid_metadata_url,
    }
    lines: list[str] = []
    ready = threading.Event()
    port: list[int] = []
    serve = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )

    def read() -> None:
        assert serve.stderr is not None
        for raw in serve.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            lines.append(line)
            if "serving on http://" in line and not port:
                message = json.loads(line)["message"]
                port.append(int(message.split("://", 1)[1].split(":", 1)[1].split("/", 1)[0]))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(60), "serve did not start:\n" + "\n".join(lines[-20:])
        base = f"http://127.0.0.1:{port[0]}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
            assert health.status == 200
        status, _ = fake.post(
            f"{base}/api/messages", fake.message(MEGAN, "met Jane Doe (Acme) at BNI breakfast")
        )
        assert status == 200  # kept in the inbox: a worker process logs it and replies through the connector
        fake.wait_for("send", timeout=30)
        [reply] = fake.sent(MEGAN.conversation_id)
        assert "Jane Doe" in json.dumps(reply)
        forged, _ = fake.post(
            f"{base}/api/messages", fake.message(MEGAN, "met Eve"), forgery="wrong_audience"
        )
        assert forged == 401
        assert len(fake.sent(MEGAN.conversation_id)) == 1
        with pytest.raises(urllib.error.HTTPError) as slack:
            urllib.request.urlopen(urllib.request.Request(f"{base}/slack/events", data=b"x"), timeout=10)
        assert slack.value.code == 404  # Slack is off: only Teams' settings were given
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
