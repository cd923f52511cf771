"""Odd, hostile and broken `/met` input: always a fast ack, one clear reply, and all-or-nothing storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from bot.parsing import name_key
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer
from store.models import Base, Contact, FollowUp, Meeting, Member, Workspace

TODAY = date(2026, 11, 27)  # Friday 09:00 in New York, Alice's timezone
MODELS: tuple[type[Base], ...] = (Workspace, Member, Contact, Meeting, FollowUp)


@dataclass(frozen=True)
class Case:
    text: str
    says: str  # part of the reply's first sentence
    contact: dict[str, Any] | None = None  # None: nothing may be stored
    meeting: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "only-spaces": Case("   ", "Tell me who you met"),
    "3000-characters": Case("Jane Doe; notes: " + "blah " * 596 + "bla", "That's 3,000 characters"),
    "name-over-120": Case("J" * 121 + " at BNI", "The name is 121 characters; the limit is 120"),
    "sql-looking": Case(
        "Robert'); DROP TABLE contact;--",
        "Logged: you met Robert')",
        contact={"name": "Robert')", "company": None},
        meeting={"notes": "DROP TABLE contact; --"},
    ),
    "emoji": Case("🦄 Jane 🚀", "Logged: you met Jane", contact={"name": "Jane"}),  # emoji decorate, not name
    "right-to-left": Case(
        "מרים כהן (חברה) at כנס",
        "Logged: you met מרים כהן (חברה) at כנס",
        contact={"name": "מרים כהן", "company": "חברה"},
        meeting={"event": "כנס"},
    ),
    "unreadable-date": Case(
        "Jane Doe; next step: call by flurbsday",
        "Logged: you met Jane Doe",
        contact={"name": "Jane Doe"},
        meeting={"next_step": "call by flurbsday", "next_step_due": None},
    ),
    "channel-mention-in-name": Case(
        "Jane <!channel> Doe (Acme) at BNI",
        "Logged: you met Jane",
        contact={"name": "Jane <!channel> Doe", "company": "Acme"},
        meeting={"event": "BNI"},
    ),
    "script-in-name": Case(
        "Jane <script>alert</script> Doe",
        "Logged: you met Jane",
        contact={"name": "Jane <script>alert</script> Doe"},
    ),
    "script-as-slack-escapes-it": Case(
        "Jane &lt;script&gt;x&lt;/script&gt; Doe &amp; Co",
        "Logged: you met Jane",
        contact={"name": "Jane <script>x</script> Doe & Co"},
    ),
    "invisible-and-control-characters": Case(
        "Ja\u200bne\u0000 Doe\u202e (Acme\u0007)",
        "Logged: you met Jane Doe (Acme)",
        contact={"name": "Jane Doe", "company": "Acme"},
    ),
}


# --- helpers -------------------------------------------------------------------------------------


def counts(bot: OfflineBot) -> dict[str, int]:
    with bot.metbot.core.sessions() as session:
        return {m.__name__: int(session.scalar(select(func.count()).select_from(m)) or 0) for m in MODELS}


def replies_to(bot: OfflineBot, answer: Answer) -> list[dict[str, Any]]:
    calls = bot.fake.calls_to("response_url")
    return [c.args for c in calls if c.args.get("url") == answer.response_url]


def send(bot: OfflineBot, text: str, **options: Any) -> tuple[Answer, dict[str, Any]]:
    """`/met <text>`: acked empty within 3 s, then answered once through the response_url."""
    answer = bot.slack.command(text, **options)
    assert answer.status == 200 and answer.body == ""
    assert answer.elapsed < 3, f"ack took {answer.elapsed:.2f}s"
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.ok and call.args["response_type"] == "ephemeral"
    return answer, call.args


def settle(bot: OfflineBot, **options: Any) -> None:
    """A `/met help` round trip: a second reply to an earlier command would have arrived by now."""
    send(bot, "help", **options)


def mrkdwn(reply: dict[str, Any]) -> list[str]:
    """The fallback text and every mrkdwn string in the blocks, exactly as Slack would parse them."""
    found = [reply["text"]]
    for block in reply["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found.extend(f["text"] for f in block.get("fields") or [])
        found.extend(e["text"] for e in block.get("elements") or [] if isinstance(e.get("text"), str))
    return found


# --- the table -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_odd_input_gets_one_clear_reply_and_stores_all_or_nothing(bot: OfflineBot, case: Case) -> None:
    settle(bot)  # Alice is known (member row, timezone) before we count
    before = counts(bot)

    answer, reply = send(bot, case.text)
    settle(bot)
    assert len(replies_to(bot, answer)) == 1

    # One clear sentence, in plain words, never raw markup.
    assert reply["text"].startswith(case.says), reply["text"]
    assert len(reply["text"]) < 400 and "Traceback" not in reply["text"]
    assert "something went wrong" not in reply["text"]
    for text in mrkdwn(reply):
        assert "<" not in text and ">" not in text, text  # no <!channel>, <@U…>, <script>, <http…|link>

    after = counts(bot)
    if case.contact is None:
        assert after == before
        return
    assert after == before | {
        "Contact": before["Contact"] + 1,
        "Meeting": before["Meeting"] + 1,
        "FollowUp": before["FollowUp"] + 1,
    }
    with bot.metbot.core.sessions() as session:
        member = session.scalars(select(Member).where(Member.user_id == "U0ALICE")).one()
        contact = session.scalars(select(Contact)).one()
        meeting = session.scalars(select(Meeting)).one()
        follow_up = session.scalars(select(FollowUp)).one()
    assert contact.member_id == meeting.member_id == follow_up.member_id == member.id
    assert meeting.contact_id == follow_up.contact_id == contact.id and follow_up.kind == "met"
    assert contact.name_key == name_key(contact.name)
    assert meeting.met_on == TODAY
    assert contact.due_on == (meeting.next_step_due or TODAY + timedelta(days=1))
    for key, want in case.contact.items():
        assert getattr(contact, key) == want, key
    for key, want in case.meeting.items():
        assert getattr(meeting, key) == want, key
    # What the reply shows is what was stored (escaped for Slack, nothing more).
    shown = contact.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert shown in reply["blocks"][0]["text"]["text"]


def test_sql_looking_text_is_only_text(bot: OfflineBot) -> None:
    send(bot, "Robert'); DROP TABLE contact;--")
    send(bot, "Jane Doe'; DELETE FROM meeting; -- at BNI")
    assert inspect(bot.metbot.engine).has_table("contact")
    with bot.metbot.core.sessions() as session:
        assert sorted(session.scalars(select(Contact.name))) == ["Jane Doe'", "Robert')"]
        assert session.scalar(select(func.count()).select_from(Meeting)) == 2


def test_unreadable_date_is_explained_in_the_reply(bot: OfflineBot) -> None:
    _, reply = send(bot, "Jane Doe; next step: call by flurbsday")
    warning = next(t for t in mrkdwn(reply) if t.startswith("⚠️"))
    assert "couldn't read “flurbsday” as a date" in warning and "no due date" in warning


@pytest.mark.sqlite_only
def test_users_info_failing_still_logs_the_meeting_in_utc(bot: OfflineBot) -> None:
    # 02:00 UTC on Saturday is still Friday evening in New York: the date shows which timezone was used.
    bot.clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    bot.fake.fail("users.info", status=500, times=-1)

    _, reply = send(bot, "Jane Doe (Acme) at BNI; next step: call tomorrow")
    assert reply["text"] == "Logged: you met Jane Doe (Acme) at BNI, today."
    asked = bot.fake.calls_to("users.info")
    assert asked and not any(c.ok for c in asked)
    with bot.metbot.core.sessions() as session:
        member = session.scalars(select(Member)).one()
        meeting = session.scalars(select(Meeting)).one()
    assert member.timezone is None
    assert (meeting.met_on, meeting.next_step_due) == (date(2026, 11, 28), date(2026, 11, 29))
