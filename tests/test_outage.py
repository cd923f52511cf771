"""A database outage: users are told "couldn't save", nothing is half-written, /healthz says 503,
and everything (the sweep included) resumes when PostgreSQL returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pg
import pytest
from conftest import START, _unavailable
from sqlalchemy import func, select

from bot.schedule import tick
from handlers.slack.offline import OfflineBot
from store.models import Contact, Meeting


@pytest.fixture
def own_cluster() -> Iterator[pg.Cluster]:
    """A cluster of this test's own, since the test stops and restarts it."""
    bindir = pg.find_bindir()
    if bindir is None:
        _unavailable(pg.MISSING)
    assert bindir is not None
    with pg.running_cluster(bindir) as cluster:
        yield cluster


def pg_ctl(cluster: pg.Cluster, *args: str) -> None:
    cluster._run(str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data), "-w", *args)


def test_database_outage_and_recovery(own_cluster: pg.Cluster) -> None:
    url = own_cluster.url(own_cluster.create_database())
    with OfflineBot(database_url=url, start=START, slack_timeout=2) as bot:
        bot.slack.command("Jane Doe (Acme) at BNI")
        assert "Logged" in bot.fake.wait_for("response_url")[-1].args["text"]
        assert bot.slack.get("/healthz").status == 200

        pg_ctl(own_cluster, "-m", "fast", "stop")
        try:
            answer = bot.slack.command("Sam Lee (Globex) at the Chamber mixer")
            assert answer.status == 200 and answer.elapsed < 3
            # Nothing can be kept in the inbox, so the front says so in the command's own (ephemeral) answer.
            reply = answer.json()
            assert "couldn't save" in reply["text"] and "try again" in reply["text"]
            health = bot.slack.get("/healthz")
            assert health.status == 503 and health.json()["database"] == "down"
            form = bot.slack.view_submission("meeting_form", bot.slack.simple_values({"name": "Sam Lee"}))
            assert form.status == 200
            assert "couldn't save" in form.json()["errors"]["name"]
            bot.clock.advance(timedelta(days=3, hours=1))  # Monday: the first working day after the meeting
            tick(bot.metbot)  # logs and carries on; the next tick tries again
        finally:
            pg_ctl(own_cluster, "-l", str(own_cluster.log), "-o", f"-p {own_cluster.port}", "start")

        assert bot.slack.get("/healthz").status == 200
        with bot.metbot.core.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Meeting)) == 1
            assert [c.name for c in session.scalars(select(Contact))] == ["Jane Doe"]
        report = bot.sweep()
        assert report.sent == 1
        bot.slack.command("Sam Lee (Globex) at the Chamber mixer")
        assert "Logged" in bot.fake.wait_for("response_url", count=2)[-1].args["text"]
