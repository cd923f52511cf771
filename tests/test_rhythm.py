"""A rhythm per contact and digests on working days only, over HTTP with the travelling clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cadence import Cadence, read_work_days, rhythm_days_for, rhythm_label, work_days_label
from bot.engagement import set_rhythm
from bot.followup import FollowState, after_reply, after_snooze, keep_in_touch
from bot.results import Who
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import SlackRequests, message_to_text
from store.models import Contact, Member

NY = "America/New_York"
ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
WHO = Who(platform="slack", workspace="T0DEMO", user=ALICE)
FRI, SAT, SUN, MON, TUE = (date(2026, 11, 27) + timedelta(days=n) for n in range(5))
WED, THU = date(2026, 12, 2), date(2026, 12, 3)
CADENCE = Cadence()


def at(day: date, hh: int = 9) -> datetime:
    return datetime.combine(day, time(hh), tzinfo=ZoneInfo(NY)).astimezone(UTC)


def met(bot: OfflineBot, text: str) -> str:
    label = f"/met {text}"
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    bot.slack.command(text, user=ALICE)
    answer = bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)[-1]
    return message_to_text(answer.args).replace("*", "")


def digest_on(bot: OfflineBot, day: date) -> dict[str, Any] | None:
    before = len(bot.fake.messages(ALICE_DM))
    bot.clock.set(at(day))
    bot.sweep()
    found = bot.fake.messages(ALICE_DM)
    return found[-1] if len(found) > before else None


def contact(bot: OfflineBot, name: str) -> Contact:
    with bot.metbot.core.sessions() as session:
        return session.scalars(select(Contact).where(Contact.name == name)).one()


def pick(bot: OfflineBot, message: dict[str, Any], action_id: str, value: str) -> str:
    before = len(bot.fake.calls_to("chat.update"))
    bot.slack.block_action(
        action_id, user=ALICE, message=message, action=SlackRequests.select_action(action_id, value)
    )
    bot.fake.wait_for("chat.update", count=before + 1)
    return message_to_text(bot.fake.messages(ALICE_DM)[-1])


def press(bot: OfflineBot, message: dict[str, Any], action_id: str, value: str) -> str:
    before = len(bot.fake.calls_to("chat.update"))
    bot.slack.block_action(
        action_id, user=ALICE, message=message, action=SlackRequests.button_action(action_id, value)
    )
    bot.fake.wait_for("chat.update", count=before + 1)
    return message_to_text(bot.fake.messages(ALICE_DM)[-1])


# --- working days -----------------------------------------------------------------------------------------


def test_no_digest_at_the_weekend_what_fell_due_comes_on_monday(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")  # due Saturday
    assert digest_on(bot, SAT) is None
    assert digest_on(bot, SUN) is None
    monday = digest_on(bot, MON)
    assert monday is not None and "Jane Doe" in message_to_text(monday)
    with bot.metbot.core.sessions() as session:
        member = session.scalars(select(Member)).one()
        assert member.work_days == "12345"
        assert member.next_digest_at == at(TUE)


def test_set_work_days_moves_the_digest_to_the_days_named(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")
    told = bot.metbot.engagement.set_work_days(WHO, "mon,wed,fri")
    assert "Monday, Wednesday and Friday" in told.headline
    met(bot, "Bob Smith at the Chamber lunch; next step: call on Tuesday")  # due Tuesday: comes Wednesday
    assert digest_on(bot, MON) is not None
    assert digest_on(bot, TUE) is None
    wednesday = digest_on(bot, WED)
    assert wednesday is not None and "Bob Smith" in message_to_text(wednesday)
    unread = bot.metbot.engagement.set_work_days(WHO, "funday")
    assert (
        unread.headline.startswith("I couldn't read those days.")
        and "/met config days mon-fri" in unread.headline
    )
    assert "Monday, Wednesday and Friday" in bot.metbot.engagement.set_work_days(WHO, "").headline
    with bot.metbot.core.sessions() as session:
        assert session.scalars(select(Member.work_days)).one() == "135"


@pytest.mark.parametrize(
    ("text", "days", "label"),
    [
        ("mon-fri", "12345", "Monday to Friday"),
        ("Mon to Fri", "12345", "Monday to Friday"),
        ("mon,wed,fri", "135", "Monday, Wednesday and Friday"),
        ("tue thu", "24", "Tuesday and Thursday"),
        ("weekdays", "12345", "Monday to Friday"),
        ("every day", "1234567", "every day"),
        ("sunday-tuesday", "127", "Monday, Tuesday and Sunday"),
    ],
)
def test_reading_working_days(text: str, days: str, label: str) -> None:
    assert read_work_days(text) == days
    assert work_days_label(days) == label


@pytest.mark.parametrize("text", ["funday", "mon-", "1-5", "", "m"])
def test_unreadable_working_days(text: str) -> None:
    assert read_work_days(text) is None


# --- no date in the past --------------------------------------------------------------------------------


def test_a_meeting_logged_late_is_followed_up_on_the_next_working_day_not_a_past_date(
    bot: OfflineBot,
) -> None:
    bot.clock.set(at(TUE, 11))
    reply = met(bot, "Gia Rossi (Acme) at the Rotary dinner; when: last Friday")
    assert "Follow up tomorrow" in reply.replace("\n", " ")
    assert contact(bot, "Gia Rossi").due_on == WED
    bot.clock.set(at(date(2026, 12, 4), 11))  # Friday: the next working day is Monday
    reply = met(bot, "Hal Moore at the Chamber lunch; when: last Monday")
    assert "Mon 7 Dec" in reply
    assert contact(bot, "Hal Moore").due_on == date(2026, 12, 7)


# --- snoozes are not reminders --------------------------------------------------------------------------


def test_a_snooze_is_never_counted_as_a_reminder(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")
    first = digest_on(bot, MON)
    assert first is not None
    cid = contact(bot, "Jane Doe").id
    pick(bot, first, "fu.snooze", f"{cid}:1")
    back = digest_on(bot, TUE)
    assert back is not None
    text = message_to_text(back)
    assert "You snoozed this for 1 day" in text and "Reminder" not in text
    assert contact(bot, "Jane Doe").nudges == 1  # Tuesday's showing, ignored, is the first that counts


def test_snoozing_a_shown_item_takes_that_showing_off_the_count() -> None:
    shown = FollowState(phase="follow_up", due_on=THU, nudges=1)  # shown Monday, back Thursday
    snoozed = after_snooze(shown, MON, 1, "1 day")
    assert (snoozed.nudges, snoozed.due_on, snoozed.snoozed) == (0, TUE, True)


# --- a rhythm per contact -------------------------------------------------------------------------------


def test_default_rhythm_by_stage_and_its_words() -> None:
    assert [rhythm_days_for(s, None, CADENCE) for s in ("know", "like", "trust")] == [14, 30, 90]
    assert rhythm_days_for("like", 42, CADENCE) == 42
    assert rhythm_days_for("like", 0, CADENCE) is None
    assert [rhythm_label(d) for d in (7, 30, 42, 90, None)] == [
        "every week",
        "monthly",
        "every 6 weeks",
        "quarterly",
        "never",
    ]
    state, _ = after_reply(FollowState(phase="await_reply", due_on=MON, stage="like"), "yes", MON, CADENCE)
    assert state.due_on == MON + timedelta(days=30)
    trusted, _ = after_reply(FollowState(phase="await_reply", due_on=MON, stage="trust"), "yes", MON, CADENCE)
    assert trusted.due_on == MON + timedelta(days=90)
    never = keep_in_touch(trusted, 0, MON, CADENCE)
    assert (never.phase, never.due_on) == ("closed", None)


def test_a_rhythm_from_the_parsed_meeting_is_used_for_the_check_in(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")
    jane_id = contact(bot, "Jane Doe").id
    with bot.metbot.core.sessions.begin() as session:
        set_rhythm(session, jane_id, 42)  # "/met Jane Doe every 6 weeks": the parser's rhythm_days
        set_rhythm(session, jane_id, None)  # a meeting without a rhythm leaves it alone
    assert contact(bot, "Jane Doe").rhythm_days == 42
    first = digest_on(bot, MON)
    assert first is not None
    cid = contact(bot, "Jane Doe").id
    press(bot, first, "fu.done", str(cid))
    ask = digest_on(bot, THU)
    assert ask is not None
    told = press(bot, ask, "fu.yes", str(cid))
    assert "every 6 weeks" in told
    assert contact(bot, "Jane Doe").due_on == THU + timedelta(days=42)


def test_keep_in_touch_quarterly_or_never_from_the_digest(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")
    first = digest_on(bot, MON)
    assert first is not None
    cid = contact(bot, "Jane Doe").id
    press(bot, first, "fu.done", str(cid))
    ask = digest_on(bot, THU)
    assert ask is not None
    press(bot, ask, "fu.yes", str(cid))
    told = pick(bot, bot.fake.messages(ALICE_DM)[-1], "fu.rhythm", f"{cid}:90")
    assert "quarterly" in told and "Wed 3 Mar 2027" in told  # 90 days after today, a working day
    jane = contact(bot, "Jane Doe")
    assert (jane.rhythm_days, jane.phase, jane.due_on) == (90, "check_in", date(2027, 3, 3))
    told = pick(bot, bot.fake.messages(ALICE_DM)[-1], "fu.rhythm", f"{cid}:0")
    assert "no more check-ins" in told
    assert contact(bot, "Jane Doe").phase == "closed"


# --- ignored three times: the weekly still-open line ---------------------------------------------------


def test_a_contact_ignored_three_times_moves_to_a_weekly_still_open_line(bot: OfflineBot) -> None:
    met(bot, "Jon Wu (Hooli) at the tech meetup")  # due Saturday
    days = [MON + timedelta(days=n) for n in range(8)]
    shown = [d for d in days if digest_on(bot, d)]
    assert shown == [MON, THU, date(2026, 12, 7)]  # +0, +3, then the last call; never at the weekend
    jon = contact(bot, "Jon Wu")
    assert (jon.phase, jon.due_on) == ("classify", date(2026, 12, 14))  # not gone: next Monday's line
    listed = met(bot, "list")
    assert "still open: you haven't told me what happened" in listed
    monday = digest_on(bot, date(2026, 12, 14))
    assert monday is not None
    text = message_to_text(monday)
    assert "Still open: 1 person to decide about" in text and "Jon Wu" in text
    decided = pick(bot, monday, "fu.decide", str(jon.id))
    assert "Jon Wu (Hooli) is still open. What happened?" in decided and "Let it rest" in decided
    assert "I never followed up" in json.dumps(bot.fake.messages(ALICE_DM)[-1]["blocks"])  # she never did
    assert contact(bot, "Jon Wu").due_on == date(2026, 12, 21)  # next week again, until she decides
    press(bot, bot.fake.messages(ALICE_DM)[-1], "fu.rest", str(jon.id))
    assert contact(bot, "Jon Wu").phase == "cold"
    assert digest_on(bot, date(2026, 12, 21)) is None
