"""OAuth multi-workspace install end to end: /slack/install → Slack's consent → /slack/oauth_redirect."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import START
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text

from bot.logs import RedactSecrets, configure
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
    oauth_bot.clock.set(START.replace(day=28, hour=15))
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
