""" "Add to calendar" and the capture warning, over HTTP against the Slack stand-in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from bot.records import Who
from handlers.slack.offline import OfflineBot
from store.models import Contact
from tests.test_capture import buttons, click, met, reply_to, shown


def test_a_dated_next_step_comes_with_add_to_calendar_which_sends_an_ics_to_the_dm(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "Jane Doe (Acme) at BNI; next step: send her the deck on Dec 9"))
    label, value = buttons(reply["blocks"])["meeting.calendar"]
    assert label == "Add to calendar"

    before = set(bot.fake.uploads())
    click(bot, "meeting.calendar", value)
    bot.fake.wait_for("files.completeUploadExternal")
    new = {fid: f for fid, f in bot.fake.uploads().items() if fid not in before}
    [sent] = new.values()
    assert sent.channel_id == "DU0ALICE" and sent.name.endswith(".ics")

    calendar = Calendar.from_ical(sent.content or b"")
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    new_york = ZoneInfo("America/New_York")
    assert start.date() == date(2026, 12, 9) and start.time() == time(9, 0)
    assert start.utcoffset() == datetime(2026, 12, 9, 9, tzinfo=new_york).utcoffset()
    assert "send her the deck" in str(event["summary"])
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=15)


def test_no_calendar_button_without_a_dated_next_step(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "Jane Doe (Acme) at BNI; next step: send her the deck"))
    assert "meeting.calendar" not in buttons(reply["blocks"])


def test_someone_elses_meeting_is_not_sent(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "Jane Doe at BNI; next step: call her on Dec 9"))
    _, value = buttons(reply["blocks"])["meeting.calendar"]
    before = set(bot.fake.uploads())
    answer = click(bot, "meeting.calendar", value, user="U0BOB")
    [said] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert "isn't yours" in said.args["text"]
    assert set(bot.fake.uploads()) == before


def test_the_logged_reply_warns_about_going_cold_in_one_sentence(bot: OfflineBot) -> None:
    said = shown(reply_to(bot, met(bot, "Jane Doe at BNI breakfast")))
    [line] = [s for s in said.splitlines() if "risk this one goes cold" in s]
    assert "likeliest reason" in line and "%" not in line


def test_the_warning_quotes_the_members_own_history(bot: OfflineBot) -> None:
    core = bot.metbot.core
    alice = Who(platform="slack", workspace="T0DEMO", user="U0ALICE")
    names = [f"Old Contact{n}" for n in "ABCDEF"]
    for name in names:
        core.meetings.capture_text(alice, f"{name} at a mixer")
    with core.sessions() as session:
        ids = session.scalars(select(Contact.id).where(Contact.name.in_(names))).all()
    for contact_id in ids:
        core.engagement.went_cold(alice, contact_id)

    said = shown(reply_to(bot, met(bot, "Zed New at a mixer")))
    [line] = [s for s in said.splitlines() if "risk this one goes cold" in s]
    assert "went cold for you 6 times in 6" in line
