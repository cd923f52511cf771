"""The follow-up loop over HTTP: a digest, signed block_actions like Slack's, the message updated in place."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.results import Refusal
from bot.taxonomy import BY_KEY, REASONS
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Call, SlackRequests, message_to_text
from store.models import Breakdown, Contact, Digest, FollowUp, Meeting, Member, Workspace

NY = "America/New_York"
ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
MALLORY = "U0MALLORY"
SAT, SUN, MON, TUE = date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1)
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
    """/met on Friday → Saturday's digest → I followed up → Tuesday's "Did … respond?" digest."""
    met(bot, text)
    first = digest_on(bot, SAT)
    assert first is not None
    cid = contact(bot).id
    click(bot, "fu.done", str(cid))
    assert digest_on(bot, SUN) is None
    assert digest_on(bot, MON) is None
    ask = digest_on(bot, TUE)
    assert ask is not None
    return cid, ask


# --- the loop ---------------------------------------------------------------------------------------------


def test_followed_up_then_no_reply_then_busy_then_stats(bot: OfflineBot) -> None:
    met(bot, JANE)
    digest = digest_on(bot, SAT)
    assert digest is not None
    cid = contact(bot).id
    assert set(elements(digest, cid)) == {"fu.done", "fu.cold", "fu.snooze"}

    update = click(bot, "fu.done", str(cid), label="I followed up")
    # Updated in place: the same DM and message, only Jane's section replaced.
    assert (update.args["channel"], update.args["ts"]) == (ALICE_DM, digest["ts"])
    new_blocks = update.json_arg("blocks")
    assert new_blocks[0] == digest["blocks"][0]  # the headline is untouched
    assert "You followed up with Jane Doe" in section_text(update.args, cid)
    assert "Tue 1 Dec" in section_text(update.args, cid)
    assert f"c{cid}.actions" not in blocks_by_id(new_blocks)  # answered: no buttons left
    [kept] = bot.fake.messages(ALICE_DM)
    assert kept["ts"] == digest["ts"] and kept["blocks"] == new_blocks
    jane = contact(bot)
    assert (jane.phase, jane.due_on) == ("await_reply", TUE)
    assert jane.first_follow_up_at == at(SAT)

    assert digest_on(bot, SUN) is None
    assert digest_on(bot, MON) is None
    ask = digest_on(bot, TUE)
    assert ask is not None
    assert "Did Jane Doe respond?" in section_text(ask, cid)
    buttons = elements(ask, cid)
    assert [(a, e["value"]) for a, e in buttons.items()] == [
        ("fu.yes", str(cid)),
        ("fu.not_yet", str(cid)),
        ("fu.no", str(cid)),
    ]

    update = click(bot, "fu.no", str(cid), label="No")
    assert (update.args["channel"], update.args["ts"]) == (ALICE_DM, ask["ts"])
    menu = elements({"blocks": update.json_arg("blocks")}, cid)["fu.why"]
    assert menu["type"] == "static_select"
    options = [o["value"] for o in menu["options"]]
    assert sorted(options) == sorted(f"{cid}:{r.key}" for r in REASONS)
    assert options[0] == f"{cid}:no_follow_up"  # the most common reason comes first
    assert contact(bot).phase == "classify"

    update = pick(bot, "fu.why", f"{cid}:busy")
    told = section_text(update.args, cid)
    assert BY_KEY["busy"].tip in told
    assert "14 days" in told  # busy: a gentler, later follow-up instead of closing
    jane = contact(bot)
    assert (jane.phase, jane.due_on, jane.nudges) == ("follow_up", TUE + timedelta(days=14), 0)
    with bot.metbot.core.sessions() as session:
        assert list(session.scalars(select(Breakdown.reason))) == ["busy"]

    stats = message_to_text(met(bot, "stats").args)
    assert f"{BY_KEY['busy'].label}: 1" in stats
    assert BY_KEY["busy"].tip in stats
    assert "100% (1/1)" in stats  # followed up with every contact

    for offset in range(1, 14):
        assert digest_on(bot, TUE + timedelta(days=offset)) is None
    back = digest_on(bot, TUE + timedelta(days=14))
    assert back is not None and "Jane Doe" in section_text(back, cid)


def test_yes_moves_the_contact_to_like_and_checks_in_thirty_days_later(bot: OfflineBot) -> None:
    cid, ask = followed_up_and_asked(bot)
    update = click(bot, "fu.yes", str(cid), label="Yes")
    assert update.args["ts"] == ask["ts"]
    assert "Like" in section_text(update.args, cid)
    jane = contact(bot)
    assert (jane.stage, jane.phase, jane.due_on) == ("like", "check_in", TUE + timedelta(days=30))
    assert jane.last_touch_at == at(TUE)  # a reply is a touch
    assert digest_on(bot, TUE + timedelta(days=29)) is None
    check_in = digest_on(bot, TUE + timedelta(days=30))
    assert check_in is not None
    assert "Check in with Jane Doe" in section_text(check_in, cid)
    stats = message_to_text(met(bot, "stats").args)
    assert "Like 1" in stats


def test_not_yet_twice_suggests_a_memorable_touch(bot: OfflineBot) -> None:
    cid, _ = followed_up_and_asked(bot, JANE + "; offer: intro to Sam")
    update = click(bot, "fu.not_yet", str(cid), label="Not yet")
    assert "Fri 4 Dec" in section_text(update.args, cid)
    jane = contact(bot)
    assert (jane.phase, jane.asks, jane.due_on) == ("await_reply", 1, date(2026, 12, 4))

    assert digest_on(bot, date(2026, 12, 2)) is None
    assert digest_on(bot, date(2026, 12, 3)) is None
    again = digest_on(bot, date(2026, 12, 4))
    assert again is not None and "Did Jane Doe respond?" in section_text(again, cid)
    update = click(bot, "fu.not_yet", str(cid), label="Not yet")
    told = section_text(update.args, cid)
    assert "memorable" in told.lower() and "intro to Sam" in told
    jane = contact(bot)
    assert (jane.phase, jane.due_on, jane.nudges) == ("follow_up", date(2026, 12, 7), 0)
    back = digest_on(bot, date(2026, 12, 7))
    assert back is not None
    assert "Follow up with Jane Doe" in section_text(back, cid)  # not a third "did they respond?"


def test_snooze_three_days_skips_two_digests_and_comes_back_with_a_note(bot: OfflineBot) -> None:
    met(bot, JANE)  # due Saturday
    first = digest_on(bot, SAT)
    assert first is not None
    cid = contact(bot).id
    snooze = elements(first, cid)["fu.snooze"]
    assert [o["value"] for o in snooze["options"]] == [f"{cid}:1", f"{cid}:3", f"{cid}:7"]

    update = pick(bot, "fu.snooze", f"{cid}:3")
    assert update.args["ts"] == first["ts"]
    assert "Tue 1 Dec" in section_text(update.args, cid)  # says when it comes back
    assert contact(bot).due_on == TUE

    bot.clock.set(at(SAT, 10))
    met(bot, "Bob Smith at the Chamber lunch")  # due Sunday
    bot.clock.set(at(SUN, 10))
    met(bot, "Carol White at the Rotary dinner")  # due Monday
    for day, other in ((SUN, "Bob Smith"), (MON, "Carol White")):
        digest = digest_on(bot, day)
        assert digest is not None
        text = message_to_text(digest)
        assert other in text and "Jane Doe" not in text
    back = digest_on(bot, TUE)
    assert back is not None
    section = section_text(back, cid)
    assert "Jane Doe" in section
    assert "snoozed this for 3 days on Sat 28 Nov" in section


def test_went_cold_asks_why_then_rests(bot: OfflineBot) -> None:
    met(bot, JANE)
    digest = digest_on(bot, SAT)
    assert digest is not None
    cid = contact(bot).id
    update = click(bot, "fu.cold", str(cid), label="Went cold")
    assert update.args["ts"] == digest["ts"]
    menu = elements({"blocks": update.json_arg("blocks")}, cid)["fu.why"]
    assert len(menu["options"]) == 12
    assert (contact(bot).phase, contact(bot).due_on) == ("classify", None)
    update = pick(bot, "fu.why", f"{cid}:has_someone")
    told = section_text(update.args, cid)
    assert BY_KEY["has_someone"].tip in told and "referrals" in told  # offer a referral exchange
    assert contact(bot).phase == "cold"
    for offset in range(1, 10):
        assert digest_on(bot, SAT + timedelta(days=offset)) is None  # nudging stopped


@pytest.mark.parametrize(
    ("key", "phrase", "back_in"),
    [
        ("unclear_expectations", "Send this today", 1),
        pytest.param("no_generosity", "Give first", 3, marks=pytest.mark.sqlite_only),
        pytest.param("one_sided", "Give first", 3, marks=pytest.mark.sqlite_only),
        pytest.param("no_follow_up", "Write to Jane today", 1, marks=pytest.mark.sqlite_only),
    ],
)
def test_each_reason_gives_its_tip_and_an_adapted_next_step(
    bot: OfflineBot, key: str, phrase: str, back_in: int
) -> None:
    met(bot, JANE + "; next step: a coffee in January")
    assert digest_on(bot, SAT) is not None
    cid = contact(bot).id
    click(bot, "fu.cold", str(cid))
    told = section_text(pick(bot, "fu.why", f"{cid}:{key}").args, cid)
    assert BY_KEY[key].tip in told and phrase in told
    if key == "unclear_expectations":
        assert "a coffee in January" in told  # a sentence to send, with their own next step
    jane = contact(bot)
    assert (jane.phase, jane.due_on) == ("follow_up", SAT + timedelta(days=back_in))


# --- who may click what -----------------------------------------------------------------------------------


ACTIONS = [
    ("fu.done", "", False),
    ("fu.cold", "", False),
    ("fu.snooze", ":3", True),
    ("fu.yes", "", False),
    ("fu.not_yet", "", False),
    ("fu.no", "", False),
    ("fu.why", ":busy", True),
]


def test_another_users_click_on_alices_contact_changes_nothing(bot: OfflineBot) -> None:
    met(bot, JANE)
    met(bot, "Mike Ross at the Chamber lunch", user=MALLORY)  # Mallory is a member too
    assert digest_on(bot, SAT) is not None
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
    assert digest_on(bot, SAT) is not None
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
    assert snapshot(bot) == before
    assert len(bot.fake.calls_to("chat.update")) == updates


# --- any touch restarts the timer -------------------------------------------------------------------------


def test_meeting_again_restarts_the_timer(bot: OfflineBot) -> None:
    met(bot, JANE)
    assert digest_on(bot, SAT) is not None
    jane = contact(bot)
    assert (jane.nudges, jane.due_on) == (1, TUE)  # shown once: back in three days

    bot.clock.set(at(SUN, 10))
    met(bot, "Jane Doe at the Chamber lunch")
    jane = contact(bot)
    assert (jane.phase, jane.nudges, jane.due_on) == ("follow_up", 0, MON)  # due tomorrow again
    monday = digest_on(bot, MON)
    assert monday is not None
    section = section_text(monday, jane.id)
    assert "Met yesterday at the Chamber lunch" in section
    assert "Reminder" not in section

    click(bot, "fu.cold", str(jane.id))
    assert contact(bot).phase == "classify"
    bot.clock.set(at(MON, 15))
    met(bot, "Jane Doe at the Rotary dinner")  # met again after it went cold: back in the loop
    jane = contact(bot)
    assert (jane.phase, jane.nudges, jane.due_on) == ("follow_up", 0, TUE)
