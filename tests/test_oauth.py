"""OAuth multi-workspace install end to end: /slack/install → Slack's consent → /slack/oauth_redirect."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import START
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text

from bot.logs import RedactSecrets, configure
from handlers.slack.oauth import TokenCipher
from handlers.slack.offline import OfflineBot
from store.models import Member

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-for-tests"


@pytest.fixture
def oauth_bot(database_url: str) -> Iterator[OfflineBot]:
    overrides = {
        "slack_bot_token": None,
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": SecretStr(CLIENT_SECRET),
        "metbot_token_key": SecretStr(Fernet.generate_key().decode()),
    }
    with OfflineBot(
        database_url=database_url, start=START, slack_timeout=2, settings_overrides=overrides
    ) as bot:
        yield bot


def install(bot: OfflineBot, team: str, user: str = "U0ADMIN") -> str:
    """Walk the install flow like a browser would; returns the bot token Slack issued."""
    page = bot.slack.get("/slack/install")
    assert page.status == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body)
    assert link, page.body[:500]
    state = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["state"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    code = f"code-{team}"
    bot.fake.add_oauth_code(code, team, user)
    done = bot.slack.raw(
        b"", {"Cookie": cookie}, method="GET", path=f"/slack/oauth_redirect?code={code}&state={state}"
    )
    assert done.status == 200, done.body[:500]
    [access] = [c for c in bot.fake.calls_to("oauth.v2.access") if c.args.get("code") == code]
    assert access.ok
    return str(access.response["access_token"])  # type: ignore[index]


def test_install_stores_an_encrypted_token_and_serves_that_team(oauth_bot: OfflineBot) -> None:
    token = install(oauth_bot, "T0NEW")
    with oauth_bot.metbot.engine.connect() as connection:
        stored = (
            connection.execute(text("SELECT bot_token FROM slack_bots WHERE team_id = 'T0NEW'"))
            .scalars()
            .all()
        )
    assert stored and all(s.startswith("fernet:") and token not in s for s in stored)

    answer = oauth_bot.slack.command("Jane Doe (Acme) at BNI", team="T0NEW", user="U0ADMIN")
    assert answer.status == 200
    oauth_bot.fake.wait_for("response_url")
    lookups = oauth_bot.fake.calls_to("users.info")
    assert lookups and all(call.token == token for call in lookups)


def test_a_team_without_installation_gets_a_clear_answer_and_nothing_is_written(
    oauth_bot: OfflineBot,
) -> None:
    answer = oauth_bot.slack.command("Jane Doe (Acme) at BNI", team="T0NOBODY", user="U0X")
    assert answer.status in (200, 401)
    with oauth_bot.metbot.core.sessions() as session:
        assert session.scalars(select(Member)).all() == []
    assert oauth_bot.fake.calls_to("users.info") == []


def test_uninstall_deletes_the_tokens_and_stops_the_digests(oauth_bot: OfflineBot) -> None:
    install(oauth_bot, "T0NEW")
    oauth_bot.slack.command("Jane Doe (Acme) at BNI", team="T0NEW", user="U0ADMIN")
    oauth_bot.fake.wait_for("response_url")
    assert oauth_bot.slack.app_uninstalled(team="T0NEW").status == 200

    def gone() -> bool:
        with oauth_bot.metbot.engine.connect() as connection:
            bots = connection.execute(
                text("SELECT count(*) FROM slack_bots WHERE team_id = 'T0NEW'")
            ).scalar()
        with oauth_bot.metbot.core.sessions() as session:
            active = [m.active for m in session.scalars(select(Member))]
        return bots == 0 and active == [False]

    import time

    deadline = time.monotonic() + 5
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone()
    oauth_bot.clock.set(START.replace(day=30, hour=15))  # a working day: only the uninstall stops it
    report = oauth_bot.sweep()
    assert report.sent == 0
    assert oauth_bot.fake.calls_to("chat.postMessage") == []


def test_tokens_never_reach_the_logs(oauth_bot: OfflineBot, caplog: pytest.LogCaptureFixture) -> None:
    """With the production logging set-up, even at DEBUG: libraries stay quiet and secrets are masked."""
    root = logging.getLogger()
    saved = (
        root.handlers[:],
        root.level,
        {n: logging.getLogger(n).level for n in ("slack_sdk", "slack_bolt")},
    )
    try:
        configure(logging.DEBUG)
        root.addHandler(caplog.handler)
        caplog.handler.addFilter(RedactSecrets())
        caplog.set_level(logging.DEBUG)
        token = install(oauth_bot, "T0NEW")
        oauth_bot.slack.command("Jane Doe (Acme) at BNI", team="T0NEW", user="U0ADMIN")
        oauth_bot.fake.wait_for("response_url")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
    assert caplog.text
    assert token not in caplog.text
    assert CLIENT_SECRET not in caplog.text


def test_the_install_asks_for_exactly_the_manifest_scopes() -> None:
    from pathlib import Path

    import yaml

    from handlers.slack.oauth import BOT_SCOPES

    manifest = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


# --- keys: a bad one is named at start, a token no key opens is not an uninstall, rotation ---------------

OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))
MONDAY = START.replace(day=30, hour=17)  # a working day: every member's 09:00 digest is due


@contextlib.contextmanager
def replica(database_url: str, keys: str) -> Iterator[OfflineBot]:
    """One more process on the same database, with METBOT_TOKEN_KEY=`keys` (its own stand-in and clock)."""
    overrides = {
        "slack_bot_token": None,
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": SecretStr(CLIENT_SECRET),
        "metbot_token_key": SecretStr(keys),
    }
    with OfflineBot(
        database_url=database_url, start=START, slack_timeout=2, settings_overrides=overrides
    ) as bot:
        yield bot


def installed_with_a_due_contact(bot: OfflineBot) -> str:
    token = install(bot, "T0NEW")
    bot.slack.command("Jane Doe (Acme) at BNI", team="T0NEW", user="U0ADMIN")
    bot.fake.wait_for("response_url")
    return token


def sweep_at(bot: OfflineBot, when: datetime) -> Any:
    bot.clock.set(when)
    return bot.sweep()


def active_members(bot: OfflineBot) -> list[bool]:
    with bot.metbot.core.sessions() as session:
        return [m.active for m in session.scalars(select(Member))]


def test_a_token_no_key_opens_is_reported_for_its_workspace_and_is_not_an_uninstall(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with replica(database_url, OLD) as first:
        installed_with_a_due_contact(first)
        with replica(database_url, OTHER) as wrong:  # started without error, no traceback
            report = sweep_at(wrong, MONDAY)
            assert (report.sent, report.deactivated, report.failed) == (0, 0, 1)
            assert active_members(wrong) == [True]  # not treated as gone
            assert wrong.metbot.installation_store is not None
            assert wrong.metbot.installation_store.unreadable == {"T0NEW"}
            assert any(
                getattr(r, "team", None) == "T0NEW" and "METBOT_TOKEN_KEY" in r.getMessage()
                for r in caplog.records
                if r.levelno == logging.WARNING
            )
        # The replica with the right key sends it once the retry is due: nothing was lost.
        assert sweep_at(first, MONDAY + timedelta(minutes=3)).sent == 1
        assert len(first.fake.calls_to("chat.postMessage")) == 1


def test_rotation_with_two_replicas_both_keep_working(database_url: str) -> None:
    with replica(database_url, OLD) as old:
        token = installed_with_a_due_contact(old)
        # The documented first step: the new key second. Both replicas read every token.
        with replica(database_url, f"{OLD},{NEW}") as step_one:
            for running in (old, step_one):
                assert running.metbot.installation_store is not None
                assert running.metbot.installation_store.bot_token("T0NEW") == token
        # A replica with "new,old" re-seals under NEW on start; one still on "old" can't open that token:
        # it says so for the workspace and leaves the digest owed; the new replica sends it. Nobody is lost.
        with replica(database_url, f"{NEW},{OLD}") as new:
            assert new.metbot.installation_store is not None
            assert new.metbot.installation_store.bot_token("T0NEW") == token
            stale = sweep_at(old, MONDAY)
            assert (stale.sent, stale.deactivated) == (0, 0)
            assert sweep_at(new, MONDAY + timedelta(minutes=3)).sent == 1
            assert active_members(new) == [True]
            [post] = new.fake.calls_to("chat.postMessage")
            assert post.token == token
            assert old.fake.calls_to("chat.postMessage") == []
            with new.metbot.engine.connect() as connection:
                stored = connection.execute(text("SELECT bot_token FROM slack_bots")).scalars().all()
            assert stored and all(TokenCipher(NEW).open(s) == token for s in stored)


def environment(**values: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), **values}


@pytest.mark.parametrize(
    "keys", ["not-a-key", Fernet.generate_key().decode()[:40], f"{OLD},also-not-a-key", " , "]
)
@pytest.mark.parametrize("command", ["serve", "nudge"])
def test_a_bad_token_key_is_named_in_one_sentence_at_start(tmp_path: Path, keys: str, command: str) -> None:
    env = environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'metbot.db'}",
        SLACK_SIGNING_SECRET="secret",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_API_URL="http://127.0.0.1:1/api/",
        METBOT_TOKEN_KEY=keys,
    )
    done = run(command, *(["--port", "0"] if command == "serve" else []), cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("metbot:")]
    assert "METBOT_TOKEN_KEY" in line and line.endswith(".")
    assert all(k.strip() not in line for k in keys.split(",") if k.strip())  # never the key itself
    assert not (tmp_path / "metbot.db").exists()  # refused before touching anything


def run(command: str, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot <command> <args>` as a real process; it must end on its own, without a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", command, *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=90,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_nudge_runs_in_oauth_only_mode_and_reports_a_token_no_key_opens(
    database_url: str, tmp_path: Path
) -> None:
    with replica(database_url, OLD) as bot:
        token = installed_with_a_due_contact(bot)
        env = environment(
            DATABASE_URL=database_url,
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SLACK_API_URL=bot.fake.api_url,
        )  # no SLACK_BOT_TOKEN: tokens come from the installation store
        wrong = run(
            "nudge", "--now", MONDAY.isoformat(), cwd=tmp_path, env={**env, "METBOT_TOKEN_KEY": OTHER}
        )
        assert wrong.returncode == 0, wrong.stderr
        assert "0 digest(s) sent" in wrong.stdout
        said = "metbot: workspace T0NEW: its stored bot token opens with none of METBOT_TOKEN_KEY"
        assert said in wrong.stderr
        assert active_members(bot) == [True]
        later = (MONDAY + timedelta(minutes=3)).isoformat()
        right = run("nudge", "--now", later, cwd=tmp_path, env={**env, "METBOT_TOKEN_KEY": OLD})
        assert right.returncode == 0, right.stderr
        assert "1 digest(s) sent" in right.stdout
        [post] = bot.fake.calls_to("chat.postMessage")
        assert post.token == token
