"""`python -m bot demo` tells the whole story offline, with nothing to configure."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.demo import run_demo


@pytest.mark.sqlite_only
def test_the_demo_tells_the_story() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    story = out.getvalue()
    for beat in (
        "Logged: you met Jane Doe (Acme Corp) at BNI breakfast",
        "Most follow-ups die because nobody agreed who does what next",
        "Meeting saved",
        "(nothing due today: no DM)",
        "2 follow-ups today",
        "Did Sam Lee respond?",
        "I was too focused on the sale",
        "snoozed for 3 days",
        "moving from Know to Like",
        "gave @Bob Stone a referral",
        "Your networking:",
    ):
        assert beat in story, beat


@pytest.mark.sqlite_only
def test_the_demo_runs_from_an_empty_folder_with_no_environment(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Did Jane Doe respond?" in done.stdout
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # SQLite lived in a temporary folder, now gone
