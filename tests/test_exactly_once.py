"""`python -m bot nudge` as real processes: two at once on one SQLite file send each digest once, and bad
input fails with one clear sentence and no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pg
import pytest
from sqlalchemy import func, select

from bot.parsing import name_key
from bot.sweep import Sweeper
from handlers.slack.offline import BOT_TOKEN, SIGNING_SECRET, sqlite_url
from handlers.slack.standin import FakeSlack
from store import meetings, people
from store.db import make_engine, make_sessions, upgrade
from store.meetings import MeetingValues
from store.models import Digest, Member

pytestmark = pytest.mark.timeout(120)

USERS = 50
MET = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday
DUE = date(2026, 11, 28)
NOW = "2026-11-30T16:00:00+00:00"  # Monday: 11:00 in New York, 17:00 in Berlin, both past 09:00
TIMEZONES = ("America/New_York", "Europe/Berlin")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture
def database(tmp_path: Path) -> str:
    """One SQLite file with USERS members, each with a contact due Saturday (written through the store)."""
    return seed(sqlite_url(tmp_path, "shared.db"))


def seed(url: str) -> str:
    """USERS members who never had a digest (no DM channel), each with a contact due Saturday."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        for n in range(USERS):
            member = people.member(session, "slack", "T0DEMO", f"U{n:04d}", MET)
            member.timezone = TIMEZONES[n % len(TIMEZONES)]
            values = MeetingValues(
                name="Jane Doe",
                name_key=name_key("Jane Doe"),
                met_on=MET.date(),
                company="Acme",
                event="BNI breakfast",
            )
            meetings.log_meeting(session, member.id, values, now=MET, due_on=DUE)
    engine.dispose()
    return url


LEASE: timedelta = Sweeper.lease
WORKERS: int = Sweeper.workers
AFTER_THE_LEASE = (datetime.fromisoformat(NOW) + LEASE + timedelta(minutes=1)).isoformat()


def environment(**values: str) -> dict[str, str]:
    """Only what the command needs (no inherited SLACK_* or DATABASE_URL), run from a folder with no .env."""
    return {"PATH": os.environ.get("PATH", ""), **values}


def nudge(cwd: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "nudge", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=90)
    return process.returncode, out, err


def sent_count(out: str) -> int:
    found = re.search(r"(\d+) digest\(s\) sent", out)
    assert found, out
    return int(found.group(1))


def posts_per_channel(fake: FakeSlack) -> Counter[str]:
    return Counter(c.response["channel"] for c in fake.calls_to("chat.postMessage") if c.ok)


def test_two_nudges_at_once_send_each_digest_exactly_once(
    fake: FakeSlack, database: str, tmp_path: Path
) -> None:
    env = environment(
        DATABASE_URL=database,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
    )
    both = [nudge(tmp_path, env, "--now", NOW, "--rate", "500") for _ in range(2)]
    results = [finished(p) for p in both]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    sent = posts_per_channel(fake)
    assert sent == Counter({f"DU{n:04d}": 1 for n in range(USERS)})
    assert len(fake.calls_to("chat.postMessage")) == USERS  # not even a failed duplicate attempt
    split = [sent_count(out) for _code, out, _err in results]
    assert sum(split) == USERS, split

    engine = make_engine(database)
    try:
        with make_sessions(engine)() as session:
            statuses = Counter(session.scalars(select(Digest.status)))
            assert statuses == Counter({"sent": USERS})  # one outbox row per member, each sent
            no_dm = select(func.count()).select_from(Member).where(Member.dm_channel.is_(None))
            assert session.scalar(no_dm) == 0
    finally:
        engine.dispose()

    code, out, err = finished(nudge(tmp_path, env, "--now", NOW))
    assert code == 0, err
    assert sent_count(out) == 0
    assert posts_per_channel(fake) == sent


def one_sentence(err: str) -> str:
    """stderr holds exactly one line from metbot (log lines from libraries aside) and no traceback."""
    assert "Traceback" not in err
    ours = [line for line in err.splitlines() if line.startswith("metbot:")]
    assert len(ours) == 1, err
    assert ours[0].rstrip().endswith("."), ours[0]
    return ours[0]


def test_nudge_with_an_unreachable_database_says_so_in_one_sentence(tmp_path: Path) -> None:
    env = environment(
        DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:1/api/",
    )
    code, _out, err = finished(nudge(tmp_path, env, "--now", NOW))
    assert code != 0
    assert "DATABASE_URL" in one_sentence(err)


def test_nudge_with_a_bad_time_says_so_in_one_sentence(tmp_path: Path) -> None:
    env = environment(
        DATABASE_URL=sqlite_url(tmp_path),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:1/api/",
    )
    code, _out, err = finished(nudge(tmp_path, env, "--now", "not-a-date"))
    assert code != 0
    assert "not-a-date" in one_sentence(err)


def test_nudge_without_a_bot_token_exits_2_naming_it(tmp_path: Path) -> None:
    env = environment(DATABASE_URL=sqlite_url(tmp_path))
    code, _out, err = finished(nudge(tmp_path, env, "--now", NOW))
    assert code == 2
    assert "SLACK_BOT_TOKEN" in one_sentence(err)
    assert not (tmp_path / "metbot.db").exists()  # refused before touching anything


def test_serve_without_a_signing_secret_exits_2_naming_it(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=tmp_path,
        env=environment(),
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert "SLACK_SIGNING_SECRET" in one_sentence(process.stderr)
    assert list(tmp_path.iterdir()) == []  # no database file created on the way out


# --- crashes between "Slack has it" and the sent commit ------------------------------------------------


def slack_env(url: str, fake: FakeSlack) -> dict[str, str]:
    return environment(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
    )


def wait_for_posts(fake: FakeSlack, victim: subprocess.Popen[str], count: int) -> None:
    """Until `count` chat.postMessage reached the stand-in (it holds their answers), the victim still running."""
    deadline = time.monotonic() + 90
    while len(fake.calls_to("chat.postMessage")) < count:
        if victim.poll() is not None or time.monotonic() > deadline:
            victim.kill()
            pytest.fail(f"never {count} posts in flight: {victim.communicate()[1][-3000:]}")
        time.sleep(0.02)


def assert_each_got_exactly_one(fake: FakeSlack, url: str) -> None:
    """0 lost, 0 duplicates: one message in each member's DM, one post in all, each row sent with its ts."""
    for n in range(USERS):
        assert len(fake.messages(f"DU{n:04d}")) == 1, f"U{n:04d}: {len(fake.messages(f'DU{n:04d}'))} messages"
    assert len(fake.calls_to("chat.postMessage")) == USERS  # nothing posted twice, not even an attempt
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            rows = list(session.scalars(select(Digest)))
    finally:
        engine.dispose()
    assert Counter(r.status for r in rows) == Counter({"sent": USERS})
    assert all(r.channel and r.ts == fake.messages(r.channel)[0]["ts"] for r in rows)


def test_a_sigkilled_nudge_with_first_digests_in_flight_then_rerun_sends_each_once(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    url = seed(database_url)
    fake.fail("chat.postMessage", timeout=30, times=-1)  # Slack posts each one, then holds its answer
    victim = nudge(tmp_path, slack_env(url, fake), "--now", NOW, "--rate", "500")
    wait_for_posts(fake, victim, WORKERS)
    victim.kill()  # SIGKILL: no clean-up of any kind
    victim.wait(timeout=30)
    in_flight = len(fake.calls_to("chat.postMessage"))
    fake.clear_failures()

    code, out, err = finished(
        nudge(tmp_path, slack_env(url, fake), "--now", AFTER_THE_LEASE, "--rate", "500")
    )
    assert code == 0, err
    assert sent_count(out) == USERS  # the in-flight ones found by their tag and recorded, the rest sent
    print(f"\nSIGKILL with {in_flight} first digests in flight: 0 lost, 0 duplicates after the rerun")
    assert_each_got_exactly_one(fake, url)


def pg_ctl(cluster: pg.Cluster, *args: str) -> None:
    cluster._run(str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data), *args)


@pytest.mark.postgresql
def test_postgresql_restarting_mid_sweep_loses_and_repeats_no_digest(fake: FakeSlack, tmp_path: Path) -> None:
    """The database goes away while first digests are in flight (their sent commits fail, the rest can't
    store their DM channel so never post), comes back, and the next nudge after the lease sends the rest."""
    bindir = pg.find_bindir()
    if bindir is None:
        pytest.skip(pg.MISSING)
    with pg.running_cluster(bindir) as cluster:  # its own cluster: stopping it disturbs no other test
        cluster.ahead = 0
        with cluster.admin() as admin:  # the suite runs with it off for speed; a crash then loses commits
            admin.execute("ALTER SYSTEM SET synchronous_commit = on")
            admin.execute("SELECT pg_reload_conf()")
        url = seed(cluster.url(cluster.create_database()))
        fake.fail("chat.postMessage", timeout=5, times=-1)
        victim = nudge(tmp_path, slack_env(url, fake), "--now", NOW, "--rate", "500")
        wait_for_posts(fake, victim, WORKERS)
        pg_ctl(cluster, "-m", "immediate", "-w", "stop")  # as if it crashed
        code, _out, err = finished(victim)
        assert "Traceback" not in err.split("metbot:")[-1]
        in_flight = len(fake.calls_to("chat.postMessage"))
        fake.clear_failures()
        pg_ctl(cluster, "-l", str(cluster.log), "-w", "-t", "60", "-o", f"-p {cluster.port}", "start")

        code, out, err = finished(
            nudge(tmp_path, slack_env(url, fake), "--now", AFTER_THE_LEASE, "--rate", "500")
        )
        assert code == 0, err
        assert sent_count(out) == USERS
        print(f"\nPostgreSQL stopped with {in_flight} posts in flight: 0 lost, 0 duplicates after the rerun")
        assert_each_got_exactly_one(fake, url)
