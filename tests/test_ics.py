""" "Add to calendar": the .ics parses back with icalendar at 09:00 in the member's zone, with a reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.ics import next_step_calendar

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def parsed(**overrides: object) -> tuple[Calendar, Event]:
    args: dict[str, object] = {
        "meeting_id": 42,
        "contact": "Jane Doe",
        "next_step": "send her the deck",
        "due": date(2026, 12, 4),
        "timezone": "America/New_York",
        "now": NOW,
    }
    args.update(overrides)
    attachment = next_step_calendar(**args)  # type: ignore[arg-type]
    assert attachment.mimetype == "text/calendar"
    assert attachment.filename == f"next-step-{args['meeting_id']}.ics"
    calendar = Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    return calendar, event


def test_the_next_step_is_at_nine_in_the_members_zone_with_a_reminder() -> None:
    calendar, event = parsed()
    start = event.decoded("dtstart")
    assert start == datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert start.utcoffset() == timedelta(hours=-5)
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert event.decoded("duration") == timedelta(minutes=30)
    [alarm] = event.walk("VALARM")
    assert alarm["action"] == "DISPLAY" and alarm.decoded("trigger") == timedelta(minutes=-15)
    assert str(event["summary"]) == "Next step with Jane Doe: send her the deck"
    assert calendar["version"] == "2.0" and calendar["prodid"]
    assert event.decoded("dtstamp") == NOW


def test_summer_time_and_the_uid_is_stable_per_meeting() -> None:
    _, summer = parsed(due=date(2027, 7, 1), timezone="Europe/London")
    assert summer.decoded("dtstart").utcoffset() == timedelta(hours=1)
    assert summer.decoded("dtstart").time() == time(9, 0)
    _, again = parsed(next_step="a different step", now=NOW + timedelta(days=2))
    _, other = parsed(meeting_id=43)
    _, first = parsed()
    assert str(again["uid"]) == str(first["uid"]) == "next-step-42@metbot"
    assert str(other["uid"]) != str(first["uid"])


def test_an_unknown_zone_falls_back_to_utc() -> None:
    calendar, event = parsed(timezone="Mars/Olympus_Mons")
    assert event.decoded("dtstart") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert calendar.walk("VTIMEZONE") == []


def test_typed_text_cannot_break_out_of_its_property() -> None:
    sneaky = "call; then, lunch\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned"
    calendar, event = parsed(next_step=sneaky, contact="Jane\nDoe")
    assert len(calendar.walk("VEVENT")) == 1
    assert (
        str(event["summary"])
        == "Next step with Jane Doe: call; then, lunch END:VEVENT BEGIN:VEVENT SUMMARY:pwned"
    )
    raw = next_step_calendar(
        meeting_id=1, contact="Jane", next_step=sneaky, due=date(2026, 12, 4), timezone=None, now=NOW
    ).content
    assert b"call\\; then\\, lunch" in raw
    assert raw.split(b"\r\n").count(b"BEGIN:VEVENT") == 1  # only inside a property, never a line of its own
