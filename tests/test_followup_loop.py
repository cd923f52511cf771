"""The follow-up loop over HTTP: a digest, signed block_actions like Slack's, the message updated in place."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cadence import work_day_on_or_after
from bot.capture import day_label
from bot.results import Refusal
from bot.taxonomy import BY_KEY, REASONS
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Call, SlackRequests, message_to_text
from store.models import Breakdown, Contact, Digest, FollowUp, Meeting, Member, Workspace

NY = "America/New_York"
ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
MALLORY = "U0MALLORY"
# Alice meets people on Friday 27 November; digests come on working days (Mon–Fri), so the first is Monday's.
SAT, SUN, MON, TUE = date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1)
WED, THU = date(2026, 12, 2), date(2026, 12, 3)
JANE = "Jane Doe (Acme) at BNI breakfast"
REFUSED = Refusal().message


def at(day: date, hh: int = 9, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(NY)).astimezone(UTC)


def met(bot: OfflineBot, text: str, user: str = ALICE) -> Call:
    label = f"/met {text}".strip()
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    bot.slack.command(text, user=user)
    return bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)[-1]


def digest_on(bot: OfflineBot, day: date, channel: str = ALICE_DM) -> dict[str, Any] | None:
    """Sweep at 09:00 New York on `day`; the digest it sent to `channel`, if any."""
    before = len(bot.fake.messages(channel))
    bot.clock.set(at(day))
    bot.sweep()
    found = bot.fake.messages(channel)
    assert len(found) <= before + 1
    return found[-1] if len(found) > before else None


def blocks_by_id(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(b["block_id"]): b for b in blocks if b.get("block_id")}


def elements(message: dict[str, Any], cid: int) -> dict[str, dict[str, Any]]:
    actions = blocks_by_id(message["blocks"]).get(f"c{cid}.actions")
    return {e["action_id"]: e for e in actions["elements"]} if actions else {}


def _action(action_id: str, value: str, select_menu: bool, label: str | None) -> dict[str, Any]:
    if select_menu:
        return SlackRequests.select_action(action_id, value, text=label)
    return SlackRequests.button_action(action_id, value, text=label)


def _block_id(value: str) -> str:
    return f"c{value.partition(':')[0]}.actions"


def click(
    bot: OfflineBot, action_id: str, value: str, *, select_menu: bool = False, label: str | None = None
) -> Call:
    """Alice clicks in her latest digest; returns the chat.update it caused."""
    before = len(bot.fake.calls_to("chat.update"))
    action = _action(action_id, value, select_menu, label)
    bot.slack.block_action(action_id, block_id=_block_id(value), action=action)
    return bot.fake.wait_for("chat.update", count=before + 1)[-1]


def pick(bot: OfflineBot, action_id: str, value: str) -> Call:
    return click(bot, action_id, value, select_menu=True)


def refused(
    bot: OfflineBot, action_id: str, value: str, *, user: str = ALICE, select_menu: bool = False
) -> Call:
    label = f"action {action_id}"
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    bot.slack.block_action(
        action_id, user=user, block_id=_block_id(value), action=_action(action_id, value, select_menu, None)
    )
    answer = bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)[-1]
    assert REFUSED in message_to_text(answer.args)
    assert answer.args.get("response_type") == "ephemeral"
    return answer


def contact(bot: OfflineBot, name: str = "Jane Doe", user: str = ALICE) -> Contact:
    with bot.metbot.core.sessions() as session:
        return session.scalars(
            select(Contact)
            .join(Member, Contact.member_id == Member.id)
            .where(Contact.name == name, Member.user_id == user)
        ).one()


def snapshot(bot: OfflineBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that matters (the replay-protection table is left out: each request is remembered there)."""
    with bot.metbot.core.sessions() as session:
        return {
            model.__tablename__: sorted(tuple(row) for row in session.execute(select(model.__table__)))
            for model in (Workspace, Member, Contact, Meeting, FollowUp, Breakdown, Digest)
        }


def section_text(message: dict[str, Any], cid: int) -> str:
    """One contact's part of a message (or of chat.update's arguments), as the user reads it."""
    blocks = message["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    mine = [b for b in blocks if str(b.get("block_id", "")).partition(".")[0] == f"c{cid}"]
    return message_to_text({"blocks": mine})


def followed_up_and_asked(bot: OfflineBot, text: str = JANE) -> tuple[int, dict[str, Any]]:
    """/met on Friday → no weekend digest → Monday's digest → I followed up → Thursday's "Did … respond?"."""
    met(bot, text)
    assert digest_on(bot, SAT) is None and digest_on(bot, SUN) is None
    first = digest_on(bot, MON)
    assert first is not None
    cid = contact(bot).id
    click(bot, "fu.done", str(cid))
    assert digest_on(bot, TUE) is None
    assert digest_on(bot, WED) is None
    ask = digest_on(bot, THU)
    assert ask is not None
    return cid, ask


def offers(update: Call, cid: int, action_id: str) -> bool:
    """Does this contact's part of the message carry `action_id` (a button, a menu, or the section's accessory)?"""
    blocks = update.json_arg("blocks")
    mine = [b for b in blocks if str(b.get("block_id", "")).partition(".")[0] == f"c{cid}"]
    found = [e.get("action_id") for b in mine for e in b.get("elements", [])]
    found += [b["accessory"].get("action_id") for b in mine if b.get("accessory")]
    return action_id in found


def options(update: Call, cid: int, action_id: str = "fu.why") -> list[tuple[str, str]]:
    menu = elements({"blocks": update.json_arg("blocks")}, cid)[action_id]
    return [(o["value"], o["text"]["text"]) for o in menu["options"]]


# --- the loop ---------------------------------------------------------------------------------------------


def test_followed_up_then_no_reply_then_busy_then_stats(bot: OfflineBot) -> None:
    met(bot, JANE)
    assert digest_on(bot, SAT) is None and digest_on(bot, SUN) is None  # no weekend digest
    digest = digest_on(bot, MON)
    assert digest is not None
    cid = contact(bot).id
    assert set(elements(digest, cid)) == {"fu.done", "fu.cold", "fu.snooze"}

    update = click(bot, "fu.done", str(cid), label="I followed up")
    # Updated in place: the same DM and message, only Jane's section replaced.
    assert (update.args["channel"], update.args["ts"]) == (ALICE_DM, digest["ts"])
    new_blocks = update.json_arg("blocks")
    assert new_blocks[0] == digest["blocks"][0]  # the headline is untouched
    assert "You followed up with Jane Doe" in section_text(update.args, cid)
    assert "Thu 3 Dec" in section_text(update.args, cid)
    assert f"c{cid}.actions" not in blocks_by_id(new_blocks)  # answered: no buttons left
    [kept] = bot.fake.messages(ALICE_DM)
    assert kept["ts"] == digest["ts"] and kept["blocks"] == new_blocks
    jane = contact(bot)
    assert (jane.phase, jane.due_on) == ("await_reply", THU)
    assert jane.first_follow_up_at == at(MON)

    assert digest_on(bot, TUE) is None
    assert digest_on(bot, WED) is None
    ask = digest_on(bot, THU)
    assert ask is not None
    assert "Did Jane Doe respond?" in section_text(ask, cid)
    assert "1 question" in message_to_text(ask) and "follow-up" not in message_to_text(ask).split("\n")[0]
    buttons = elements(ask, cid)
    assert [(a, e["value"]) for a, e in buttons.items()] == [
        ("fu.yes", str(cid)),
        ("fu.not_yet", str(cid)),
        ("fu.no", str(cid)),
    ]

    update = click(bot, "fu.no", str(cid), label="No")
    assert (update.args["channel"], update.args["ts"]) == (ALICE_DM, ask["ts"])
    offered = options(update, cid)
    # She said she followed up: "I never followed up" is not offered, and nothing is "most common" yet.
    assert sorted(v for v, _ in offered) == sorted(
        f"{cid}:{r.key}" for r in REASONS if r.key != "no_follow_up"
    )
    assert not any("most common" in label for _, label in offered)
    assert offered[-1] == (f"{cid}:unknown", "I don't know")
    assert offers(update, cid, "fu.rest")  # "let it rest" is always there
    assert contact(bot).phase == "classify"

    update = pick(bot, "fu.why", f"{cid}:busy")
    told = section_text(update.args, cid)
    assert BY_KEY["busy"].tip in told
    assert "Thu 17 Dec" in told  # busy: a gentler, later follow-up with its date, instead of closing
    jane = contact(bot)
    assert (jane.phase, jane.due_on, jane.nudges) == ("follow_up", THU + timedelta(days=14), 0)
    with bot.metbot.core.sessions() as session:
        assert list(session.scalars(select(Breakdown.reason))) == ["busy"]

    stats = message_to_text(met(bot, "stats").args)
    assert f"{BY_KEY['busy'].label}: 1" in stats
    assert BY_KEY["busy"].tip in stats
    assert "100% (1/1)" in stats  # followed up with every contact

    for offset in range(1, 14):
        assert digest_on(bot, THU + timedelta(days=offset)) is None
    back = digest_on(bot, THU + timedelta(days=14))
    assert back is not None and "Jane Doe" in section_text(back, cid)
    assert "You said “They're busy and forgot me”" in section_text(back, cid)


def test_yes_moves_the_contact_to_like_and_checks_in_a_month_later_on_a_working_day(bot: OfflineBot) -> None:
    cid, ask = followed_up_and_asked(bot)
    update = click(bot, "fu.yes", str(cid), label="Yes")
    assert update.args["ts"] == ask["ts"]
    assert "Like" in section_text(update.args, cid)
    check_in_on = date(2027, 1, 4)  # 30 days after Thursday is a Saturday: the Monday after
    assert "Mon 4 Jan 2027" in section_text(update.args, cid) and "monthly" in section_text(update.args, cid)
    jane = contact(bot)
    assert (jane.stage, jane.phase, jane.due_on) == ("like", "check_in", check_in_on)
    assert jane.last_touch_at == at(THU)  # a reply is a touch
    assert digest_on(bot, date(2027, 1, 1)) is None
    check_in = digest_on(bot, check_in_on)
    assert check_in is not None
    assert "Check in with Jane Doe" in section_text(check_in, cid)
    rhythm = elements(check_in, cid)["fu.rhythm"]  # "keep in touch: monthly / quarterly / never"
    assert [o["text"]["text"] for o in rhythm["options"]] == ["Monthly", "Quarterly", "Never"]
    stats = message_to_text(met(bot, "stats").args)
    assert "Like 1" in stats


def test_not_yet_twice_suggests_a_memorable_touch(bot: OfflineBot) -> None:
    cid, _ = followed_up_and_asked(bot, JANE + "; offer: intro to Sam")
    update = click(bot, "fu.not_yet", str(cid), label="Not yet")
    assert "Mon 7 Dec" in section_text(update.args, cid)  # three days on is a Sunday: the Monday after
    jane = contact(bot)
    assert (jane.phase, jane.asks, jane.due_on) == ("await_reply", 1, date(2026, 12, 7))

    assert digest_on(bot, date(2026, 12, 4)) is None
    again = digest_on(bot, date(2026, 12, 7))
    assert again is not None and "Did Jane Doe respond?" in section_text(again, cid)
    update = click(bot, "fu.not_yet", str(cid), label="Not yet")
    told = section_text(update.args, cid)
    assert "memorable" in told.lower() and "intro to Sam" in told
    jane = contact(bot)
    assert (jane.phase, jane.due_on, jane.nudges) == ("follow_up", date(2026, 12, 10), 0)
    back = digest_on(bot, date(2026, 12, 10))
    assert back is not None
    assert "Follow up with Jane Doe" in section_text(back, cid)  # not a third "did they respond?"


def test_snooze_three_days_skips_two_digests_and_comes_back_with_a_note_not_a_reminder(
    bot: OfflineBot,
) -> None:
    met(bot, JANE)  # due Saturday: in Monday's digest
    first = digest_on(bot, MON)
    assert first is not None
    cid = contact(bot).id
    snooze = elements(first, cid)["fu.snooze"]
    assert [o["value"] for o in snooze["options"]] == [f"{cid}:1", f"{cid}:3", f"{cid}:7"]

    update = pick(bot, "fu.snooze", f"{cid}:3")
    assert update.args["ts"] == first["ts"]
    assert "Thu 3 Dec" in section_text(update.args, cid)  # says when it comes back
    assert contact(bot).due_on == THU

    bot.clock.set(at(MON, 10))
    met(bot, "Bob Smith at the Chamber lunch")  # due Tuesday
    bot.clock.set(at(TUE, 10))
    met(bot, "Carol White at the Rotary dinner")  # due Wednesday
    for day, other in ((TUE, "Bob Smith"), (WED, "Carol White")):
        digest = digest_on(bot, day)
        assert digest is not None
        text = message_to_text(digest)
        assert other in text and "Jane Doe" not in text
    back = digest_on(bot, THU)
    assert back is not None
    section = section_text(back, cid)
    assert "Jane Doe" in section
    assert "snoozed this for 3 days on Mon 30 Nov" in section
    assert "Reminder" not in section  # a snooze is not a reminder she ignored


def test_went_cold_offers_every_reason_then_rests_when_resting_is_the_advice(bot: OfflineBot) -> None:
    met(bot, JANE)
    digest = digest_on(bot, MON)
    assert digest is not None
    cid = contact(bot).id
    update = click(bot, "fu.cold", str(cid), label="Went cold")
    assert update.args["ts"] == digest["ts"]
    assert len(options(update, cid)) == 12  # she never said she followed up: every reason fits
    assert offers(update, cid, "fu.rest")
    assert (contact(bot).phase, contact(bot).due_on) == (
        "classify",
        date(2026, 12, 7),
    )  # still open next week
    update = pick(bot, "fu.why", f"{cid}:no_value_seen")
    told = section_text(update.args, cid)
    assert BY_KEY["no_value_seen"].tip in told and "rest" in told
    assert contact(bot).phase == "cold"
    for offset in range(1, 10):
        assert digest_on(bot, MON + timedelta(days=offset)) is None  # nudging stopped


PHRASES = {
    "no_connection": "I did most of the talking",
    "one_sided": "resources for each other",
    "has_someone": "swap referrals",
    "too_salesy": "No pitch",
    "no_need": "three questions",
    "busy": "something useful",
    "polite_no": "something you'd like to pursue",
    "unclear_expectations": "Send this today",
    "no_generosity": "Give first",
    "no_follow_up": "Write to Jane today",
    "unknown": "wondered if I'd missed something",
}


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=() if key in ("unclear_expectations", "no_need") else pytest.mark.sqlite_only)
        for key in PHRASES
    ],
)
def test_each_reason_gives_its_tip_and_the_next_step_it_recommends_with_a_date(
    bot: OfflineBot, key: str
) -> None:
    met(bot, JANE + "; next step: a coffee in January")
    assert digest_on(bot, MON) is not None
    cid = contact(bot).id
    click(bot, "fu.cold", str(cid))
    update = pick(bot, "fu.why", f"{cid}:{key}")
    told = section_text(update.args, cid)
    why = BY_KEY[key]
    assert why.tip in told and PHRASES[key] in told
    assert why.retry_days is not None
    back_on = work_day_on_or_after(MON + timedelta(days=why.retry_days), "12345")
    assert day_label(back_on, MON) in told  # the next step says when
    if key == "unclear_expectations":
        assert "I'd suggest: a coffee in January." in told  # their own next step, in a whole sentence
    assert offers(update, cid, "fu.rest")  # resting is still a choice
    jane = contact(bot)
    assert (jane.phase, jane.due_on) == ("follow_up", back_on)


# --- who may click what -----------------------------------------------------------------------------------


ACTIONS = [
    ("fu.done", "", False),
    ("fu.cold", "", False),
    ("fu.snooze", ":3", True),
    ("fu.yes", "", False),
    ("fu.not_yet", "", False),
    ("fu.no", "", False),
    ("fu.why", ":busy", True),
    ("fu.rest", "", False),
    ("fu.rhythm", ":30", True),
    ("fu.decide", "", True),
]


def test_another_users_click_on_alices_contact_changes_nothing(bot: OfflineBot) -> None:
    met(bot, JANE)
    met(bot, "Mike Ross at the Chamber lunch", user=MALLORY)  # Mallory is a member too
    assert digest_on(bot, MON) is not None
    assert bot.fake.messages("DU0MALLORY")  # her own digest, where she forges the clicks
    cid = contact(bot).id
    before = snapshot(bot)
    updates = len(bot.fake.calls_to("chat.update"))
    for action_id, suffix, select_menu in ACTIONS:
        refused(bot, action_id, f"{cid}{suffix}", user=MALLORY, select_menu=select_menu)
    assert snapshot(bot) == before
    assert len(bot.fake.calls_to("chat.update")) == updates  # nobody's message was touched
    click(bot, "fu.done", str(cid))  # Alice herself still can
    assert contact(bot).phase == "await_reply"


HOSTILE = ["1 OR 1=1", "-5", "99999999999999999999", "", "1.0", "0x1", "²", "١", "1; DROP TABLE contact"]


def test_hostile_values_change_nothing(bot: OfflineBot) -> None:
    met(bot, JANE)
    assert digest_on(bot, MON) is not None
    cid = contact(bot).id
    assert cid == 1  # so "1 OR 1=1" and friends aim at a real row
    before = snapshot(bot)
    updates = len(bot.fake.calls_to("chat.update"))
    for value in HOSTILE:
        for action_id, suffix, select_menu in ACTIONS:
            refused(bot, action_id, value + suffix, select_menu=select_menu)
    for bad_option in ("2", "0", "-3", "999", "", "3.0", "³"):
        refused(bot, "fu.snooze", f"{cid}:{bad_option}", select_menu=True)
    for bad_reason in ("", "BUSY", "busy; drop", "nope", "__class__"):
        refused(bot, "fu.why", f"{cid}:{bad_reason}", select_menu=True)
    for bad_rhythm in ("7", "-30", "", "30.0", "٣٠"):
        refused(bot, "fu.rhythm", f"{cid}:{bad_rhythm}", select_menu=True)
    assert snapshot(bot) == before
    assert len(bot.fake.calls_to("chat.update")) == updates


# --- any touch restarts the timer -------------------------------------------------------------------------


def test_meeting_again_restarts_the_timer(bot: OfflineBot) -> None:
    met(bot, JANE)
    assert digest_on(bot, MON) is not None
    jane = contact(bot)
    assert (jane.nudges, jane.due_on) == (1, THU)  # shown once: back in three days

    bot.clock.set(at(TUE, 10))
    met(bot, "Jane Doe at the Chamber lunch")
    jane = contact(bot)
    assert (jane.phase, jane.nudges, jane.due_on) == ("follow_up", 0, WED)  # due tomorrow again
    wednesday = digest_on(bot, WED)
    assert wednesday is not None
    section = section_text(wednesday, jane.id)
    assert "Met yesterday at the Chamber lunch" in section
    assert "Reminder" not in section

    click(bot, "fu.cold", str(jane.id))
    assert contact(bot).phase == "classify"
    bot.clock.set(at(WED, 15))
    met(bot, "Jane Doe at the Rotary dinner")  # met again after it went cold: back in the loop
    jane = contact(bot)
    assert (jane.phase, jane.nudges, jane.due_on) == ("follow_up", 0, THU)


def test_double_clicks_and_stale_answers_write_nothing_twice(bot: OfflineBot) -> None:
    """ "I followed up" twice writes one history row; a stale "Yes" never moves a contact back a stage."""
    from sqlalchemy import func, select

    from bot.records import Who
    from store.models import Contact, FollowUp

    who = Who("slack", "T0DEMO", "U0ALICE")
    answer = bot.slack.command("Jane Doe (Acme) at BNI breakfast")
    bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    with bot.metbot.core.sessions() as session:
        jane = session.scalars(select(Contact)).one()
    engagement = bot.metbot.engagement
    engagement.followed_up(who, jane.id)
    engagement.followed_up(who, jane.id)
    with bot.metbot.core.sessions() as session:
        kinds = session.scalars(select(FollowUp.kind).where(FollowUp.contact_id == jane.id)).all()
    assert kinds.count("followed_up") == 1
    engagement.responded(who, jane.id, "yes")
    with bot.metbot.core.sessions.begin() as session:
        session.get(Contact, jane.id).stage = "trust"  # a referral later made it Trust
    engagement.responded(who, jane.id, "yes")  # the old button, clicked again
    engagement.responded(who, jane.id, "no")
    with bot.metbot.core.sessions() as session:
        after = session.get(Contact, jane.id)
        replies = session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(FollowUp.contact_id == jane.id, FollowUp.kind == "replied")
        )
    assert after is not None and after.stage == "trust" and replies == 1
