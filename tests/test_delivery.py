"""Slack's delivery rules: acks under a burst, retried events and replayed requests have one effect,
Web API retries, and one slow user never holds up the others' digests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import START
from sqlalchemy import func, select

from handlers.slack.offline import OfflineBot
from store.models import Contact, Digest, Meeting, Member


@pytest.fixture
def patient_bot(database_url: str) -> Iterator[OfflineBot]:
    """A bot whose Slack client waits long enough for a deliberately slow fake."""
    with OfflineBot(database_url=database_url, start=START, slack_timeout=10) as running:
        yield running


def log_contacts(bot: OfflineBot, n: int, user: str = "U0ALICE") -> list[int]:
    for i in range(n):
        bot.slack.command(f"Person {i} (Co {i}) at Expo", user=user)
    bot.fake.wait_for("response_url", count=n, timeout=20)
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(Contact.id).order_by(Contact.id)))


def test_fifty_simultaneous_clicks_with_slow_follow_up_work_are_all_acked_within_3s(
    patient_bot: OfflineBot,
) -> None:
    bot = patient_bot
    ids = log_contacts(bot, 50)
    bot.clock.advance(timedelta(days=3, hours=1))  # Monday: digests come on working days
    assert bot.sweep().sent == 1
    # Each click's follow-up work (updating the digest in place) now takes 2 s at Slack.
    bot.fake.fail("chat.update", timeout=2.0, times=-1)
    answers: list[tuple[int, float]] = []
    barrier = threading.Barrier(50)

    def click(contact_id: int) -> None:
        barrier.wait()
        answer = bot.slack.block_action("fu.done", str(contact_id))
        answers.append((answer.status, answer.elapsed))

    threads = [threading.Thread(target=click, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 50
    assert all(status == 200 for status, _ in answers)
    assert max(elapsed for _, elapsed in answers) < 3.0
    # …and the slow work still happens, in parallel rather than 50 × 2 s one after another.
    started = time.monotonic()
    bot.fake.wait_for("chat.update", count=50, timeout=15)
    assert time.monotonic() - started < 10


def test_a_retried_event_has_one_effect(bot: OfflineBot) -> None:
    first = bot.slack.app_home_opened(event_id="Ev0RETRY1")
    bot.fake.wait_for("views.publish")
    again = bot.slack.app_home_opened(event_id="Ev0RETRY1", retry_num=1, retry_reason="http_timeout")
    assert first.status == again.status == 200
    time.sleep(0.3)
    assert len(bot.fake.calls_to("views.publish")) == 1


def test_a_replayed_request_has_one_effect(bot: OfflineBot, caplog: pytest.LogCaptureFixture) -> None:
    form = {
        "token": "x",
        "team_id": "T0DEMO",
        "team_domain": "demo",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/met",
        "text": "Jane Doe (Acme) at BNI",
        "api_app_id": "A0METBOT",
        "is_enterprise_install": "false",
        "response_url": bot.fake.response_url("replay"),
        "trigger_id": "1.2.replay",
    }
    body = urlencode(form).encode()
    headers = bot.slack.signer.headers(body)
    assert bot.slack.raw(body, headers).status == 200
    assert bot.slack.raw(body, headers).status == 200
    bot.fake.wait_for("response_url")
    time.sleep(0.3)
    with bot.metbot.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert len(bot.fake.calls_to("response_url")) == 1
    assert "replayed" in caplog.text


def test_rate_limited_and_failing_web_api_calls_are_retried(patient_bot: OfflineBot) -> None:
    bot = patient_bot
    log_contacts(bot, 1)
    bot.clock.advance(timedelta(days=3, hours=1))  # Monday: digests come on working days
    bot.fake.fail("chat.postMessage", retry_after=1, times=1)
    bot.fake.fail("conversations.open", status=503, times=1)
    report = bot.sweep()
    assert report.sent == 1
    posts = bot.fake.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [429, 200]


def test_one_slow_user_does_not_hold_up_the_others(patient_bot: OfflineBot) -> None:
    bot = patient_bot
    for user in ("U0SLOW", "U0A", "U0B", "U0C", "U0D"):
        bot.slack.command("Jane Doe (Acme) at BNI", user=user)
    bot.fake.wait_for("response_url", count=5)
    bot.clock.advance(timedelta(days=3, hours=1))  # Monday: digests come on working days
    bot.fake.fail("chat.postMessage", timeout=2.0, times=1, where=lambda a: a.get("channel") == "DU0SLOW")
    bot.metbot.sweeper.sends_per_second = 0  # no pacing: measure the parallelism alone
    report = bot.sweep()
    assert report.sent == 5
    # The slow user's post took 2 s to answer; the others did not queue behind it (they'd arrive ≥ 2 s later).
    posts = {c.args["channel"]: c.at for c in bot.fake.calls_to("chat.postMessage")}
    slow = posts.pop("DU0SLOW")
    assert len(posts) == 4
    assert all(at - slow < 1.0 for at in posts.values())


# --- exactly once when Slack's answer is lost, for members who never had a digest ------------------------

FRIENDS = ("U0ANA", "U0BEN", "U0CAT")


def log_one_each(bot: OfflineBot, users: tuple[str, ...], text: str = "Jane Doe (Acme) at BNI") -> None:
    for user in users:
        bot.slack.command(text, user=user)
    bot.fake.wait_for("response_url", count=len(users), timeout=20)


def digest_rows(bot: OfflineBot) -> list[Digest]:
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(Digest).order_by(Digest.id)))


def assert_each_got_one(bot: OfflineBot, users: tuple[str, ...]) -> None:
    """One message in every DM, and each digest row says sent with that message's ts."""
    for user in users:
        assert len(bot.fake.messages(f"D{user}")) == 1, user
    rows = digest_rows(bot)
    assert [r.status for r in rows] == ["sent"] * len(users)
    for row in rows:
        assert row.channel is not None
        assert row.ts == bot.fake.messages(row.channel)[0]["ts"]


@pytest.mark.parametrize("fault", ["503 after posting", "connection dropped after posting"])
def test_a_lost_answer_after_slack_posted_a_first_digest_is_not_posted_again(
    bot: OfflineBot, fault: str
) -> None:
    log_one_each(bot, FRIENDS)
    with bot.metbot.core.sessions() as session:  # members who never had a digest: no DM channel yet
        assert session.scalar(select(func.count()).where(Member.dm_channel.is_not(None))) == 0
    bot.fake.fail_after("chat.postMessage", drop=fault.startswith("connection"), times=len(FRIENDS))
    bot.clock.advance(timedelta(days=3, hours=3))  # Monday afternoon: every 09:00 has passed
    first = bot.sweep()
    assert (first.sent, first.failed) == (0, len(FRIENDS))
    assert len(bot.fake.calls_to("chat.postMessage")) == len(FRIENDS)  # slack_sdk did not re-post
    bot.clock.advance(timedelta(minutes=5))
    second = bot.sweep()
    assert second.sent == len(FRIENDS)  # each retry found its tagged copy
    assert len(bot.fake.calls_to("chat.postMessage")) == len(FRIENDS)  # 0 duplicates
    assert_each_got_one(bot, FRIENDS)
    bot.clock.advance(timedelta(hours=1))
    assert bot.sweep().sent == 0


# --- a refused message never blocks a user -------------------------------------------------------------


def refuses(name: str) -> Callable[[dict[str, Any]], bool]:
    """Slack's verdict on any post whose blocks show `name` (as if that item broke a Block Kit rule)."""
    return lambda args: name in json.dumps(args.get("blocks"))


def test_a_refused_item_is_left_out_and_the_rest_of_the_digest_is_sent(
    bot: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.slack.command("Jane Doe (Acme) at BNI", user="U0ALICE")
    bot.fake.wait_for("response_url", count=1)  # one after the other, as a person types them
    bot.slack.command("Bad Apple (Orchard) at BNI", user="U0ALICE")
    bot.fake.wait_for("response_url", count=2)
    bot.fake.fail("chat.postMessage", error="invalid_blocks", times=-1, where=refuses("Bad Apple"))
    bot.clock.advance(timedelta(days=3, hours=3))  # Monday afternoon
    report = bot.sweep()
    assert (report.sent, report.failed, report.refused) == (1, 0, 0)
    [digest] = bot.fake.messages("DU0ALICE")
    assert "Jane Doe" in json.dumps(digest["blocks"]) and "Bad Apple" not in json.dumps(digest["blocks"])
    with bot.metbot.core.sessions() as session:
        bad = session.scalars(select(Contact).where(Contact.name == "Bad Apple")).one()
        jane = session.scalars(select(Contact).where(Contact.name == "Jane Doe")).one()
        assert (jane.nudges, bad.nudges) == (1, 0)  # only what was shown moves on
    [row] = digest_rows(bot)
    assert row.status == "sent" and row.ts == digest["ts"]
    assert row.error is not None and "invalid_blocks" in row.error and str(bad.id) in row.error
    logged = " ".join(str(vars(r)) for r in caplog.records)  # messages and their structured fields
    assert any(getattr(r, "reason", None) == "invalid_blocks" for r in caplog.records)
    assert "Bad Apple" not in logged and "Jane Doe" not in logged  # the reason, never user text
    bot.clock.advance(timedelta(hours=2))
    before = len(bot.fake.calls_to("chat.postMessage"))
    assert bot.sweep().sent == 0
    assert len(bot.fake.calls_to("chat.postMessage")) == before  # the refused version is never retried


def test_a_digest_refused_whole_is_recorded_and_the_next_days_still_go_out(bot: OfflineBot) -> None:
    bot.slack.command("Bad Apple (Orchard) at BNI", user="U0ALICE")
    bot.fake.wait_for("response_url")
    refusal = bot.fake.fail("chat.postMessage", error="msg_too_long", times=-1, where=refuses("Bad Apple"))
    bot.clock.advance(timedelta(days=3, hours=3))  # Monday afternoon
    report = bot.sweep()
    assert (report.sent, report.failed, report.refused) == (0, 0, 1)
    [row] = digest_rows(bot)
    assert row.status == "refused" and row.error == "refused: msg_too_long"
    for _ in range(3):  # the same day: not retried
        bot.clock.advance(timedelta(minutes=30))
        assert bot.sweep().sent == 0
    assert refusal.hits == 1
    bot.clock.advance(timedelta(days=3))  # the +3 reminder, with Slack accepting it now
    bot.fake.clear_failures()
    bot.slack.command("Jane Doe (Acme) at BNI", user="U0ALICE")
    bot.fake.wait_for("response_url", count=2)
    bot.clock.advance(timedelta(days=1))
    assert bot.sweep().sent == 1
    assert len(bot.fake.messages("DU0ALICE")) == 1
