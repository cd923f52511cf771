"""The daily digest over HTTP: `/met` through the real bot, sweeps with time travel, Slack failing at will."""

from __future__ import annotations

import time as stopwatch
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.results import Who
from handlers.slack.offline import OfflineBot, sqlite_url
from handlers.slack.standin import Call, message_to_text
from store.models import Contact, Digest, Member

NY = "America/New_York"
ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
FRI, SAT, SUN, MON = date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)
TUE = date(2026, 12, 1)
JANE = "Jane Doe (Acme) at BNI breakfast; next step: send her the deck; offer: intro to Sam"


def at(day: date, hh: int, mm: int = 0, tz: str = NY) -> datetime:
    """A local wall-clock time as the UTC instant the bot's clock reads."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def met(bot: OfflineBot, text: str, user: str = ALICE) -> None:
    """`/met <text>` as `user`; returns once the bot has answered (the meeting is saved by then)."""
    label = f"/met {text}".strip()
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    bot.slack.command(text, user=user)
    bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)
    every_day(bot, user)


def every_day(bot: OfflineBot, user: str = ALICE) -> None:
    """This file is about delivery, day by day: its members take digests every day of the week (working days
    only, the default, are tested in test_rhythm.py)."""
    bot.metbot.engagement.set_work_days(Who(platform="slack", workspace="T0DEMO", user=user), "every day")


def sweep_at(bot: OfflineBot, when: datetime) -> Any:
    bot.clock.set(when)
    return bot.sweep()


def posts(bot: OfflineBot, channel: str | None = None) -> list[Call]:
    """Digests that reached Slack (failed attempts excluded)."""
    return [
        c
        for c in bot.fake.calls_to("chat.postMessage")
        if c.ok and (channel is None or c.response["channel"] == channel)
    ]


def opens(bot: OfflineBot, user: str = ALICE) -> list[Call]:
    return [c for c in bot.fake.calls_to("conversations.open") if c.args.get("users") == user]


def delivery_calls(bot: OfflineBot) -> int:
    return len(bot.fake.calls_to("conversations.open")) + len(bot.fake.calls_to("chat.postMessage"))


def blocks_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.json_arg("blocks")
    assert isinstance(blocks, list)
    return blocks


def block(blocks: list[dict[str, Any]], block_id: str) -> dict[str, Any]:
    found = [b for b in blocks if b.get("block_id") == block_id]
    assert len(found) == 1, f"no single block {block_id!r} in {[b.get('block_id') for b in blocks]}"
    return found[0]


def contact_ids(bot: OfflineBot) -> dict[str, int]:
    with bot.metbot.core.sessions() as session:
        return {c.name: c.id for c in session.scalars(select(Contact))}


def member(bot: OfflineBot, user: str = ALICE) -> Member:
    with bot.metbot.core.sessions() as session:
        return session.scalars(select(Member).where(Member.user_id == user)).one()


def digests(bot: OfflineBot) -> list[Digest]:
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(Digest).order_by(Digest.id)))


@pytest.fixture
def quick_bot(tmp_path: Path) -> Iterator[OfflineBot]:
    """The real bot with a short Slack timeout, for the timeout tests."""
    start = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    with OfflineBot(database_url=sqlite_url(tmp_path, "quick.db"), start=start, slack_timeout=0.5) as running:
        yield running


# --- when, and how often ----------------------------------------------------------------------------------


def test_a_meeting_today_is_in_tomorrows_nine_oclock_digest_exactly_once(bot: OfflineBot) -> None:
    met(bot, JANE)
    assert sweep_at(bot, at(FRI, 9, 0)).sent == 0  # logged at 09:00 Friday: nothing due today
    assert sweep_at(bot, at(FRI, 23, 59)).sent == 0
    assert sweep_at(bot, at(SAT, 8, 59)).sent == 0
    assert posts(bot) == []

    report = sweep_at(bot, at(SAT, 9, 0))
    assert (report.sent, report.items) == (1, 1)
    [digest] = posts(bot)
    assert digest.response["channel"] == ALICE_DM
    cid = contact_ids(bot)["Jane Doe"]
    blocks = blocks_of(digest)
    section = block(blocks, f"c{cid}")["text"]["text"]
    for part in ("Jane Doe", "Acme", "Met yesterday", "BNI breakfast", "send her the deck", "intro to Sam"):
        assert part in section
    elements = {e["action_id"]: e for e in block(blocks, f"c{cid}.actions")["elements"]}
    assert set(elements) == {"fu.done", "fu.cold", "fu.snooze"}
    assert elements["fu.done"]["value"] == elements["fu.cold"]["value"] == str(cid)
    assert elements["fu.done"]["text"]["text"] == "I followed up"
    assert elements["fu.cold"]["text"]["text"] == "Went cold"
    snooze = elements["fu.snooze"]
    assert snooze["type"] == "static_select"
    assert [(o["value"], o["text"]["text"]) for o in snooze["options"]] == [
        (f"{cid}:1", "1 day"),
        (f"{cid}:3", "3 days"),
        (f"{cid}:7", "1 week"),
    ]

    # The scheduler ticks every minute, sometimes twice; a late run still finds the day's digest sent.
    for _ in range(5):
        assert sweep_at(bot, at(SAT, 9, 0)).sent == 0
    for hh, mm in ((9, 1), (10, 0), (23, 59)):
        assert sweep_at(bot, at(SAT, hh, mm)).sent == 0
    assert len(posts(bot)) == 1
    assert len(bot.fake.messages(ALICE_DM)) == 1
    [row] = digests(bot)
    assert (row.day, row.status, row.channel, row.ts) == (SAT, "sent", ALICE_DM, digest.response["ts"])


def test_each_member_gets_theirs_at_their_own_nine_oclock(bot: OfflineBot) -> None:
    bot.fake.add_user("U0TOKYO", tz="Asia/Tokyo")
    bot.fake.add_user("U0LA", tz="America/Los_Angeles")
    for user in (ALICE, "U0TOKYO", "U0LA"):
        met(bot, "Jane Doe (Acme) at BNI breakfast", user=user)

    first_sent: dict[str, datetime] = {}
    when = bot.clock()
    end = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    while when <= end:
        sweep_at(bot, when)
        for call in posts(bot):
            first_sent.setdefault(call.response["channel"], when)
        when += timedelta(hours=1)  # every digest hour here falls on the hour
    assert first_sent == {
        "DU0TOKYO": datetime(2026, 11, 28, 0, 0, tzinfo=UTC),  # 09:00 Saturday in Tokyo
        ALICE_DM: datetime(2026, 11, 28, 14, 0, tzinfo=UTC),  # 09:00 Saturday in New York
        "DU0LA": datetime(2026, 11, 28, 17, 0, tzinfo=UTC),  # 09:00 Saturday in Los Angeles
    }
    for channel in first_sent:
        assert len(posts(bot, channel)) == 1


def test_nothing_due_means_no_dm_at_all(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast; next step: coffee next week")  # due Friday 4 Dec
    bot.slack.command("help", user="U0BOB")
    bot.fake.wait_for("response_url", where=lambda c: c.label == "/met help")
    for offset in range(6):  # Saturday 28 Nov to Thursday 3 Dec
        for hh in (9, 15):
            assert sweep_at(bot, at(SAT + timedelta(days=offset), hh)).sent == 0
    assert sweep_at(bot, at(date(2026, 12, 4), 8, 59)).sent == 0
    assert bot.fake.calls_to("conversations.open") == []
    assert bot.fake.calls_to("chat.postMessage") == []
    assert sweep_at(bot, at(date(2026, 12, 4), 9)).sent == 1  # the agreed date arrives
    assert [c.response["channel"] for c in posts(bot)] == [ALICE_DM]


NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Margaret Hamilton",
    "Ken Thompson",
    "Dennis Ritchie",
    "Frances Allen",
    "John Backus",
    "Radia Perlman",
    "Leslie Lamport",
    "Tim Berners",
    "Katherine Johnson",
    "Niklaus Wirth",
    "Shafi Goldwasser",
    "Tony Hoare",
    "Adele Goldberg",
    "Butler Lampson",
]


def test_twenty_due_contacts_fit_in_fifty_blocks_with_an_overflow_line(bot: OfflineBot) -> None:
    met(bot, f"{NAMES[0]} at BNI breakfast; next step: send the deck; offer: an intro")
    for name in NAMES[1:]:  # the rest in a burst, as fast as Slack would deliver them
        bot.slack.command(f"{name} at BNI breakfast; next step: send the deck; offer: an intro")
    bot.fake.wait_for("response_url", count=20)
    assert len(contact_ids(bot)) == 20
    every_day(bot)

    assert sweep_at(bot, at(SAT, 9)).sent == 1
    [digest] = posts(bot)
    blocks = blocks_of(digest)
    assert len(blocks) <= 50
    text = message_to_text({"blocks": blocks})
    assert "20 follow-ups" in text
    assert "and 5 more: they're in /met list, and in your next digest." in text
    assert sum(1 for b in blocks if str(b.get("block_id", "")).endswith(".actions")) == 15

    # Every later digest stays within Slack's limit too, reminders (an extra block an item) included.
    for day in (SUN, MON, TUE, date(2026, 12, 2), date(2026, 12, 5)):
        sweep_at(bot, at(day, 9))
    assert len(posts(bot)) >= 4
    for call in posts(bot):
        assert len(blocks_of(call)) <= 50


# --- Slack failing during a sweep -------------------------------------------------------------------------


def test_http_500_the_digest_goes_out_on_a_later_sweep_exactly_once(bot: OfflineBot) -> None:
    for handler in bot.metbot.app.client.retry_handlers:  # keep slack_sdk's own retries, minus their backoff
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
    met(bot, JANE)
    bot.fake.fail("chat.postMessage", status=500, times=-1)
    report = sweep_at(bot, at(SAT, 9))
    assert (report.sent, report.failed) == (0, 1)
    # Not re-posted by slack_sdk: Slack may have posted before answering 500 (handlers/slack/client.py).
    assert [c.status for c in bot.fake.calls_to("chat.postMessage")] == [500]
    assert bot.fake.messages(ALICE_DM) == []
    cid = contact_ids(bot)["Jane Doe"]
    with bot.metbot.core.sessions() as session:
        assert session.get(Contact, cid).nudges == 0  # not shown yet: the cadence doesn't move
    bot.fake.clear_failures()

    assert sweep_at(bot, at(SAT, 9, 1)).sent == 0  # backing off
    assert sweep_at(bot, at(SAT, 9, 3)).sent == 1
    for hh, mm in ((9, 4), (9, 10), (12, 0), (23, 59)):
        assert sweep_at(bot, at(SAT, hh, mm)).sent == 0
    assert len(posts(bot, ALICE_DM)) == 1
    assert len(bot.fake.messages(ALICE_DM)) == 1
    assert len(opens(bot)) == 1  # the DM opened before the failure was remembered
    with bot.metbot.core.sessions() as session:
        assert session.get(Contact, cid).nudges == 1


def test_a_timeout_slack_did_not_act_on_is_retried_later_exactly_once(quick_bot: OfflineBot) -> None:
    bot = quick_bot
    met(bot, JANE)
    bot.fake.fail("chat.postMessage", status=504, timeout=1.0)  # no answer within the bot's 0.5 s
    report = sweep_at(bot, at(SAT, 9))
    assert (report.sent, report.failed) == (0, 1)
    assert sweep_at(bot, at(SAT, 9, 5)).sent == 1
    assert sweep_at(bot, at(SAT, 9, 30)).sent == 0
    assert len(bot.fake.messages(ALICE_DM)) == 1
    assert len(opens(bot)) == 1


def test_a_timeout_after_slack_posted_does_not_post_twice(quick_bot: OfflineBot) -> None:
    bot = quick_bot
    met(bot, JANE)
    bot.fake.fail("chat.postMessage", timeout=1.0)  # Slack posts it, but answers too late
    sweep_at(bot, at(SAT, 9))
    report = sweep_at(bot, at(SAT, 9, 5))
    assert report.sent == 1  # the retry found the first copy (tagged with metadata) and recorded it
    assert len(bot.fake.messages(ALICE_DM)) == 1
    assert len(bot.fake.calls_to("conversations.history")) == 1


@pytest.mark.sqlite_only  # Slack's side of it; the 500 test covers the outbox on both
def test_rate_limited_with_retry_after_the_digest_goes_out_later_exactly_once(bot: OfflineBot) -> None:
    met(bot, JANE)
    bot.fake.fail("chat.postMessage", retry_after=0, times=-1)
    report = sweep_at(bot, at(SAT, 9))
    assert (report.sent, report.failed) == (0, 1)
    assert all(c.status == 429 for c in bot.fake.calls_to("chat.postMessage"))
    bot.fake.clear_failures()
    assert sweep_at(bot, at(SAT, 9, 5)).sent == 1
    assert sweep_at(bot, at(SAT, 9, 6)).sent == 0
    assert len(bot.fake.messages(ALICE_DM)) == 1
    assert len(posts(bot)) == 1


@pytest.mark.sqlite_only  # Slack's side of it; the 500 test covers the outbox on both
def test_a_short_retry_after_is_honoured_within_the_same_sweep(bot: OfflineBot) -> None:
    met(bot, JANE)
    bot.fake.fail("chat.postMessage", retry_after=1, times=1)
    started = stopwatch.monotonic()
    assert sweep_at(bot, at(SAT, 9)).sent == 1
    assert stopwatch.monotonic() - started >= 1.0
    limited, delivered = bot.fake.calls_to("chat.postMessage")
    assert limited.status == 429 and delivered.ok
    assert delivered.at - limited.at >= 1.0  # waited as Slack asked
    assert sweep_at(bot, at(SAT, 9, 5)).sent == 0
    assert len(bot.fake.messages(ALICE_DM)) == 1


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("conversations.open", "user_not_found"),
        pytest.param("conversations.open", "account_inactive", marks=pytest.mark.sqlite_only),
        pytest.param("chat.postMessage", "user_not_found", marks=pytest.mark.sqlite_only),
        pytest.param("chat.postMessage", "account_inactive", marks=pytest.mark.sqlite_only),
    ],
)
def test_an_unreachable_member_gets_no_digest_and_no_further_attempts(
    bot: OfflineBot, method: str, error: str
) -> None:
    met(bot, JANE)
    bot.fake.fail(method, error=error, times=-1)
    report = sweep_at(bot, at(SAT, 9))
    assert (report.sent, report.deactivated) == (0, 1)
    assert bot.fake.messages(ALICE_DM) == []
    assert member(bot).active is False
    [row] = digests(bot)
    assert (row.status, row.error) == ("skipped", error)
    attempts = delivery_calls(bot)
    for day in (SUN, MON, TUE):
        for hh in (9, 12):
            assert sweep_at(bot, at(day, hh)).sent == 0
    assert delivery_calls(bot) == attempts  # not even a try
    assert len(digests(bot)) == 1


def test_an_unreachable_member_who_comes_back_gets_digests_again(bot: OfflineBot) -> None:
    met(bot, JANE)
    bot.fake.fail("conversations.open", error="account_inactive", times=1)
    assert sweep_at(bot, at(SAT, 9)).deactivated == 1
    assert sweep_at(bot, at(SUN, 9)).sent == 0
    bot.clock.set(at(SUN, 10))
    met(bot, "Bob Smith at the Chamber lunch")  # reactivated in Slack, and using the bot again
    assert member(bot).active is True
    assert sweep_at(bot, at(MON, 9)).sent == 1
    text = message_to_text(bot.fake.messages(ALICE_DM)[0])
    assert "Bob Smith" in text and "Jane Doe" in text


def test_a_bad_bot_token_does_not_stop_anyones_digests_for_good(bot: OfflineBot) -> None:
    met(bot, JANE)
    bot.fake.fail("conversations.open", error="invalid_auth", times=-1)
    report = sweep_at(bot, at(SAT, 9))
    assert (report.sent, report.deactivated, report.failed) == (0, 0, 1)
    assert member(bot).active is True
    bot.fake.clear_failures()  # the operator fixed the token
    assert sweep_at(bot, at(SAT, 9, 5)).sent == 1
    assert len(bot.fake.messages(ALICE_DM)) == 1


def test_the_dm_is_opened_once_per_member_across_days(bot: OfflineBot) -> None:
    met(bot, JANE)  # due Saturday, then again Tuesday
    met(bot, "Bob Smith at the Chamber lunch; next step: call him on Monday")  # due Monday
    bot.fake.fail("chat.postMessage", error="fatal_error", times=1)  # first try fails after the DM was opened
    assert sweep_at(bot, at(SAT, 9)).failed == 1
    assert sweep_at(bot, at(SAT, 9, 5)).sent == 1
    assert sweep_at(bot, at(SUN, 9)).sent == 0
    assert sweep_at(bot, at(MON, 9)).sent == 1
    assert sweep_at(bot, at(TUE, 9)).sent == 1
    assert len(posts(bot, ALICE_DM)) == 3
    assert len(opens(bot)) == 1
    assert member(bot).dm_channel == ALICE_DM


def test_a_member_picks_their_own_digest_hour(bot: OfflineBot) -> None:
    """`/met config digest 7am`: the digest comes at 07:00 in their timezone instead of 09:00, still once."""
    bot.slack.command("Jane Doe (Acme) at BNI breakfast")
    bot.fake.wait_for("response_url")
    every_day(bot)
    bot.slack.command("config digest 7am")
    [*_, told] = bot.fake.wait_for("response_url", count=2)
    assert "07:00" in told.args["text"]
    bot.clock.set(datetime(2026, 11, 28, 11, 59, tzinfo=UTC))  # 06:59 in New York
    assert bot.sweep().sent == 0
    bot.clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 07:00 in New York
    assert bot.sweep().sent == 1
    bot.clock.set(datetime(2026, 11, 28, 14, 0, tzinfo=UTC))  # 09:00: the old hour sends nothing more
    assert bot.sweep().sent == 0
    bot.slack.command("config digest 25")
    [*_, told] = bot.fake.wait_for("response_url", count=3)
    assert "07:00" in told.args["text"] and "Change it" in told.args["text"]


def test_reading_an_hour() -> None:
    from bot.cadence import read_hour

    assert [read_hour(t) for t in ("8", "8am", "08:00", "17", "5pm", "12am", "12pm")] == [
        8,
        8,
        8,
        17,
        17,
        0,
        12,
    ]
    assert [read_hour(t) for t in ("25", "13pm", "", "eight", "٨", "-1")] == [None] * 6
