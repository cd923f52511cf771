"""Odd, hostile and broken `/met` input: always a fast ack, one clear reply, and all-or-nothing storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from bot.parsing import name_key, typed_text
from handlers.slack.offline import OfflineBot
from handlers.slack.render import escape
from handlers.slack.standin import Answer, SlackRequests
from store.models import Base, Contact, FollowUp, Meeting, Member, Referral, Workspace

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


# --- text that is not quite text, picks that were not picked, escapes, markup -------------------


def referral_form(**given: Any) -> dict[str, Any]:
    texts = {k: given.get(k) for k in ("other_name", "referred", "company", "note")}
    values = SlackRequests.simple_values(texts)
    values |= SlackRequests.simple_values({"direction": ("given",), "share": ("team",)})
    values["teammate"] = {"teammate": {"type": "users_select", "selected_user": given.get("teammate")}}
    return values


def referrals(bot: OfflineBot) -> list[Referral]:
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(Referral)))


def test_typed_text_drops_nul_and_replaces_lone_surrogates() -> None:
    assert typed_text("a\x00b\ud800c\udfffd\n\te\x07") == "ab\ufffdc\ufffdd\n\te"
    assert typed_text("🦄 Jane") == "🦄 Jane"  # a real astral character is one code point, not a surrogate


def test_a_lone_surrogate_or_nul_in_the_referral_note_is_saved_clean(bot: OfflineBot) -> None:
    answer = bot.slack.view_submission(
        "referral_form",
        referral_form(other_name="Bob Smith", referred="Sam Lee", note="wants\x00 a CRM \ud800"),
    )
    assert answer.status == 200 and answer.json()["response_action"] == "update"
    [saved] = referrals(bot)
    assert saved.note == "wants a CRM \ufffd"


def test_a_nul_in_referral_text_is_dropped(bot: OfflineBot) -> None:
    answer = bot.slack.command("gave Sam\x00 Lee to Bob Smith; note: wants\x00 a CRM", command="/referral")
    [reply] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert reply.args["text"].startswith("Referral recorded"), reply.args["text"]
    [saved] = referrals(bot)
    assert (saved.referred_name, saved.note) == ("Sam Lee", "wants a CRM")


def test_a_lone_surrogate_or_nul_in_the_meeting_form_is_saved_clean(bot: OfflineBot) -> None:
    values = SlackRequests.simple_values({"name": "Ja\x00ne \ud83d Doe", "notes": "\x00\udc00 met at BNI"})
    answer = bot.slack.view_submission("meeting_form", values)
    assert answer.status == 200 and answer.json()["response_action"] in ("update", "clear")
    with bot.metbot.core.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        meeting = session.scalars(select(Meeting)).one()
    assert "\x00" not in contact.name + (meeting.notes or "")
    assert not any("\ud800" <= ch <= "\udfff" for ch in contact.name + (meeting.notes or ""))


@pytest.mark.parametrize("teammate", ["not-an-id", "U0BOB'; --", "C0GENERAL", "U0EVE"])
def test_a_teammate_not_picked_from_this_team_is_refused_kindly(bot: OfflineBot, teammate: str) -> None:
    bot.fake.add_user("U0EVE", team_id="T0OTHER", real_name="Eve Elsewhere")
    answer = bot.slack.view_submission("referral_form", referral_form(teammate=teammate, referred="Sam Lee"))
    body = answer.json()
    assert answer.status == 200 and body["response_action"] == "errors"
    assert "pick a teammate from the list" in body["errors"]["teammate"].lower()
    assert referrals(bot) == []


def test_a_teammate_from_this_team_is_taken(bot: OfflineBot) -> None:
    bot.fake.add_user("U0BOB", real_name="Bob Builder")
    answer = bot.slack.view_submission("referral_form", referral_form(teammate="U0BOB", referred="Sam Lee"))
    assert answer.json()["response_action"] == "update" and len(referrals(bot)) == 1


def test_met_counts_what_was_typed_not_slacks_escapes(bot: OfflineBot) -> None:
    # Slack sends each "&" as "&amp;": 600 of them arrive as 3,000 characters but were 600 typed.
    _, reply = send(bot, "Jane Doe; notes: " + "&amp;" * 600)
    assert reply["text"].startswith("Logged: you met Jane Doe"), reply["text"]
    with bot.metbot.core.sessions() as session:
        assert session.scalars(select(Meeting)).one().notes == "&" * 600


MARKUP = "*Bold* _Ital_ `Code` ~Gone~ Doe"


def test_markdown_in_a_name_is_shown_as_typed_not_as_formatting(bot: OfflineBot) -> None:
    _, reply = send(bot, MARKUP + " (Acme) at BNI")
    for text in mrkdwn(reply):
        for formatted in ("*Bold*", "_Ital_", "`Code`", "~Gone~"):
            assert formatted not in text, text
    assert "Bold" in reply["blocks"][0]["text"]["text"] and "Doe" in reply["blocks"][0]["text"]["text"]


def test_escape_neutralises_every_mark_that_could_format() -> None:
    shown = escape("> quoted\n  >also *b* _i_ `c` ~s~ <!here> jane_doe@example.com 3*4")
    assert not any(line.lstrip().startswith(("&gt;", ">")) for line in shown.splitlines())
    for formatted in ("*b*", "_i_", "`c`", "~s~", "<!here>"):
        assert formatted not in shown
    assert "jane_doe@example.com" in shown and "3*4" in shown  # marks inside words cannot format


def test_a_closed_modal_gets_200(bot: OfflineBot) -> None:
    assert bot.slack.view_closed("meeting_form").status == 200
    assert bot.slack.view_closed("not_our_form").status == 200
