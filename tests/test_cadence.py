"""Pure rules: when a digest is owed (09:00 local, across DST changes) and how a contact's state moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cadence import Cadence, digest_day, digest_due_at, first_due, local_today, next_digest_at, zone
from bot.followup import (
    SNOOZES,
    FollowState,
    after_classified,
    after_cold,
    after_followed_up,
    after_referral,
    after_reply,
    after_shown,
    after_snooze,
    item_kind,
    memorable_touch,
)
from bot.taxonomy import BY_KEY, REASONS, reason

CADENCE = Cadence()
HOUR = CADENCE.digest_hour
EVERY_DAY = "1234567"  # the pure rules' own arithmetic, without rolling onto working days

# (timezone, the day before the change, the day of the change, UTC offset change in hours at 09:00)
DST_CHANGES = [
    ("Europe/Berlin", date(2026, 10, 24), date(2026, 10, 25), -1),  # east of UTC: CEST → CET
    ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), -1),  # west of UTC: EDT → EST
    ("America/New_York", date(2027, 3, 13), date(2027, 3, 14), +1),  # EST → EDT
    ("Australia/Adelaide", date(2026, 10, 3), date(2026, 10, 4), +1),  # half-hour offset: +9:30 → +10:30
]


def local(tz: str, day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz))


def utc_offset_hours(when: datetime) -> float:
    offset = when.utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


# --- the digest hour --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tz", "before", "change", "shift"), DST_CHANGES)
def test_next_digest_is_nine_local_the_day_after_the_change(
    tz: str, before: date, change: date, shift: int
) -> None:
    # The sweep sends the day-before digest at 09:00 local; the next one is owed at 09:00 wall time again.
    sent = local(tz, before, 9).astimezone(UTC)
    following = next_digest_at(sent, tz, HOUR)
    wall = following.astimezone(ZoneInfo(tz))
    assert (wall.date(), wall.time()) == (change, time(9, 0))
    # The UTC instant moved by one hour: 09:00 came 23 or 25 real hours after the previous one.
    assert following.astimezone(UTC) - sent == timedelta(hours=24) - timedelta(hours=shift)
    assert utc_offset_hours(wall) - utc_offset_hours(sent.astimezone(ZoneInfo(tz))) == shift


def test_the_utc_instants_around_each_change() -> None:
    def at(tz: str, day: date) -> datetime:
        noon_before = local(tz, day - timedelta(days=1), 12).astimezone(UTC)
        return next_digest_at(noon_before, tz, HOUR).astimezone(UTC)

    assert at("Europe/Berlin", date(2026, 10, 24)) == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    assert at("Europe/Berlin", date(2026, 10, 25)) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert at("America/New_York", date(2026, 10, 31)) == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
    assert at("America/New_York", date(2026, 11, 1)) == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert at("America/New_York", date(2027, 3, 13)) == datetime(2027, 3, 13, 14, 0, tzinfo=UTC)
    assert at("America/New_York", date(2027, 3, 14)) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert at("Australia/Adelaide", date(2026, 10, 3)) == datetime(2026, 10, 2, 23, 30, tzinfo=UTC)
    assert at("Australia/Adelaide", date(2026, 10, 4)) == datetime(2026, 10, 3, 22, 30, tzinfo=UTC)
    # Kolkata (+5:30, no DST): the same half-hour UTC instant every day.
    assert at("Asia/Kolkata", date(2026, 10, 25)) == datetime(2026, 10, 25, 3, 30, tzinfo=UTC)
    assert at("Asia/Kolkata", date(2026, 11, 1)) == datetime(2026, 11, 1, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Adelaide", "Asia/Kolkata"])
def test_a_sweep_every_day_for_a_season_always_lands_on_nine_local(tz: str) -> None:
    # Chain the schedule the way the sweep does (each run sets the next), through a DST change.
    when = datetime(2026, 9, 20, 0, 0, tzinfo=UTC)
    seen = []
    for _ in range(60):
        when = next_digest_at(when, tz, HOUR)
        wall = when.astimezone(ZoneInfo(tz))
        assert wall.time() == time(9, 0)
        assert digest_day(when, tz, HOUR) == wall.date()
        seen.append(wall.date())
    assert seen == [seen[0] + timedelta(days=i) for i in range(60)]  # one a day, none skipped or doubled


def test_digest_day_before_and_after_nine() -> None:
    tz = "America/New_York"
    friday = date(2026, 11, 27)
    assert digest_day(local(tz, friday, 8, 59).astimezone(UTC), tz, HOUR) == friday - timedelta(days=1)
    assert digest_day(local(tz, friday, 9, 0).astimezone(UTC), tz, HOUR) == friday
    assert digest_day(local(tz, friday, 9, 1).astimezone(UTC), tz, HOUR) == friday
    # A late sweep (the bot was down all day) still owes that day's digest, up to local midnight …
    assert digest_day(local(tz, friday, 23, 59).astimezone(UTC), tz, HOUR) == friday
    # … and just after midnight, before 09:00, it is still the previous day's digest that is owed.
    assert digest_day(local(tz, friday + timedelta(days=1), 0, 30).astimezone(UTC), tz, HOUR) == friday


def test_late_sweep_is_owed_today_and_schedules_tomorrow() -> None:
    tz = "Europe/Berlin"
    late = local(tz, date(2026, 11, 27), 22, 45).astimezone(UTC)
    assert digest_day(late, tz, HOUR) == date(2026, 11, 27)
    assert next_digest_at(late, tz, HOUR) == local(tz, date(2026, 11, 28), 9)
    early = local(tz, date(2026, 11, 27), 7, 0).astimezone(UTC)
    assert next_digest_at(early, tz, HOUR) == local(tz, date(2026, 11, 27), 9)


def test_digest_day_depends_on_the_members_own_clock() -> None:
    now = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, 19:00 the evening before in New York
    assert digest_day(now, "Asia/Tokyo", HOUR) == date(2026, 11, 28)
    assert digest_day(now, "America/New_York", HOUR) == date(2026, 11, 27)
    assert digest_day(now, "America/Los_Angeles", HOUR) == date(2026, 11, 27)
    assert local_today(now, "America/Los_Angeles") == date(2026, 11, 27)
    assert local_today(now, "Asia/Tokyo") == date(2026, 11, 28)


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "../../etc/passwd"])
def test_unknown_timezones_fall_back_to_utc(name: str | None) -> None:
    assert zone(name) == ZoneInfo("UTC")
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert next_digest_at(now, name, HOUR) == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_digest_due_at_is_nine_local_on_the_change_days() -> None:
    assert digest_due_at(date(2027, 3, 14), "America/New_York", HOUR).astimezone(UTC) == datetime(
        2027, 3, 14, 13, 0, tzinfo=UTC
    )
    assert digest_due_at(date(2026, 10, 25), "Europe/Berlin", HOUR).astimezone(UTC) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )


# --- the cadence ------------------------------------------------------------------------------------------


def test_first_due_is_tomorrow_or_the_agreed_next_step() -> None:
    met = date(2026, 11, 27)
    assert first_due(met, None, CADENCE) == date(2026, 11, 28)
    assert first_due(met, date(2026, 12, 4), CADENCE) == date(2026, 12, 4)


def test_not_followed_up_comes_back_after_three_then_seven_days_then_asks_why_and_stops() -> None:
    d = date(2026, 11, 28)
    state = FollowState(phase="follow_up", due_on=d)
    assert item_kind(state, CADENCE) == "follow_up"

    state = after_shown(state, d, CADENCE, EVERY_DAY)
    assert (state.phase, state.due_on, state.nudges) == ("follow_up", d + timedelta(days=3), 1)
    assert item_kind(state, CADENCE) == "follow_up"

    state = after_shown(state, d + timedelta(days=3), CADENCE, EVERY_DAY)
    assert (state.phase, state.due_on, state.nudges) == ("follow_up", d + timedelta(days=7), 2)
    assert item_kind(state, CADENCE) == "last_call"  # the +7 item asks "what happened?"

    # Ignored three times: nudging stops, and it moves to the weekly "still open" line (next Monday).
    state = after_shown(state, d + timedelta(days=7), CADENCE, EVERY_DAY)
    assert (state.phase, state.due_on) == ("classify", date(2026, 12, 7))
    assert item_kind(state, CADENCE) == "still_open"
    again = after_shown(state, date(2026, 12, 7), CADENCE, EVERY_DAY)
    assert (again.phase, again.due_on) == ("classify", date(2026, 12, 14))  # once a week, never vanishing


def test_a_late_showing_counts_from_the_day_it_was_shown() -> None:
    d = date(2026, 11, 28)
    state = after_shown(FollowState(phase="follow_up", due_on=d), d + timedelta(days=2), CADENCE, EVERY_DAY)
    assert state.due_on == d + timedelta(days=5)


def test_showing_clears_a_snooze_note() -> None:
    d = date(2026, 11, 28)
    snoozed = after_snooze(FollowState(phase="follow_up", due_on=d), d, 3, "3 days")
    assert after_shown(snoozed, d + timedelta(days=3), CADENCE).snooze_note is None


def test_followed_up_asks_for_a_reply_three_days_later_and_resets_the_nudges() -> None:
    d = date(2026, 11, 28)
    state = after_followed_up(
        FollowState(phase="follow_up", due_on=d, nudges=2, asks=1, snooze_note="x"), d, CADENCE
    )
    assert state == FollowState(phase="await_reply", due_on=d + timedelta(days=3), nudges=0, asks=0)
    assert item_kind(state, CADENCE) == "ask_reply"
    # Unanswered, the question comes back three days later.
    again = after_shown(state, d + timedelta(days=3), CADENCE, EVERY_DAY)
    assert (again.phase, again.due_on) == ("await_reply", d + timedelta(days=6))


def test_reply_yes_moves_know_to_like_and_checks_in_after_thirty_days() -> None:
    d = date(2026, 12, 1)
    state, suggest = after_reply(FollowState(phase="await_reply", due_on=d), "yes", d, CADENCE)
    assert not suggest
    assert (state.phase, state.stage, state.due_on) == ("check_in", "like", d + timedelta(days=30))
    assert item_kind(state, CADENCE) == "check_in"
    trusted = after_referral(state)
    assert trusted.stage == "trust"
    # A yes never moves a contact back down from Trust.
    assert after_reply(trusted, "yes", d, CADENCE)[0].stage == "trust"


def test_reply_not_yet_asks_again_then_suggests_a_memorable_touch() -> None:
    d = date(2026, 12, 1)
    first, suggest = after_reply(FollowState(phase="await_reply", due_on=d), "not_yet", d, CADENCE)
    assert not suggest
    assert (first.phase, first.asks, first.due_on) == ("await_reply", 1, d + timedelta(days=3))
    later = d + timedelta(days=3)
    second, suggest = after_reply(first, "not_yet", later, CADENCE)
    assert suggest  # asked twice: stop asking
    assert (second.phase, second.nudges, second.due_on) == ("follow_up", 0, later + timedelta(days=3))


def test_reply_no_and_went_cold_ask_why() -> None:
    d = date(2026, 12, 1)
    no, suggest = after_reply(FollowState(phase="await_reply", due_on=d), "no", d, CADENCE)
    assert not suggest
    assert (no.phase, no.due_on) == ("classify", date(2026, 12, 7))  # unanswered: still open next Monday
    cold = after_cold(FollowState(phase="follow_up", due_on=d, snooze_note="x"), d)
    assert (cold.phase, cold.due_on, cold.snooze_note) == ("classify", date(2026, 12, 7), None)


@pytest.mark.parametrize(("days", "label"), SNOOZES)
def test_snooze_moves_the_due_date_and_says_when_it_comes_back(days: int, label: str) -> None:
    d = date(2026, 11, 28)
    state = after_snooze(FollowState(phase="follow_up", due_on=d, nudges=1), d, days, label)
    assert state.due_on == d + timedelta(days=days)
    assert state.nudges == 1 and state.phase == "follow_up"
    assert state.snooze_note is not None and label in state.snooze_note and "28 Nov" in state.snooze_note


def test_snooze_choices_are_one_day_three_days_a_week() -> None:
    assert [days for days, _ in SNOOZES] == [1, 3, 7]


@pytest.mark.parametrize(
    ("key", "retry_days"),
    [("busy", 14), ("unclear_expectations", 1), ("no_generosity", 3), ("one_sided", 3), ("no_follow_up", 1)],
)
def test_classification_with_a_retry_brings_the_contact_back(key: str, retry_days: int) -> None:
    d = date(2026, 12, 1)
    why = reason(key)
    assert why is not None and why.retry_days == retry_days
    state = after_classified(FollowState(phase="classify", due_on=None, nudges=3, asks=2), why, d)
    assert (state.phase, state.nudges, state.asks) == ("follow_up", 0, 0)
    assert state.due_on == d + timedelta(days=retry_days)
    assert state.snooze_note  # the digest says why it is back


@pytest.mark.parametrize("key", [r.key for r in REASONS if r.retry_days is None])
def test_classification_without_a_retry_lets_the_contact_rest(key: str) -> None:
    state = after_classified(FollowState(phase="classify", due_on=None), BY_KEY[key], date(2026, 12, 1))
    assert (state.phase, state.due_on) == ("cold", None)


def test_busy_is_a_gentler_later_follow_up_not_a_close() -> None:
    assert BY_KEY["busy"].retry_days is not None
    assert BY_KEY["busy"].retry_days > CADENCE.nudge_offsets[-1]


def test_the_taxonomy_has_twelve_stable_keys() -> None:
    assert [r.key for r in REASONS] == [
        "no_connection",
        "one_sided",
        "has_someone",
        "too_salesy",
        "no_need",
        "no_value_seen",
        "busy",
        "polite_no",
        "unclear_expectations",
        "no_generosity",
        "no_follow_up",
        "unknown",
    ]
    assert all(r.tip and r.label for r in REASONS)


def test_memorable_touch_uses_the_offer_or_the_event() -> None:
    with_offer = memorable_touch("Jane Doe", "BNI breakfast", "intro to Sam")
    assert "intro to Sam" in with_offer and "Jane" in with_offer
    with_event = memorable_touch("Jane Doe", "BNI breakfast", None)
    assert "BNI breakfast" in with_event and "Jane" in with_event
    assert "Jane" in memorable_touch("Jane Doe", None, None)


def test_an_unanswered_did_they_respond_stops_after_a_few_asks_and_asks_what_happened() -> None:
    from datetime import date

    from bot.cadence import Cadence
    from bot.followup import FollowState, after_shown

    cadence = Cadence()
    state = FollowState(phase="await_reply", due_on=date(2026, 12, 1))
    day = date(2026, 12, 1)
    for _ in range(cadence.not_yet_max):
        state = after_shown(state, day, cadence)
        assert state.phase == "await_reply" and state.due_on is not None
        day = state.due_on
    state = after_shown(state, day, cadence)
    assert state.phase == "classify" and state.due_on is not None and state.due_on.isoweekday() == 1
