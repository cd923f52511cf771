"""`/met` over HTTP with signed requests: what the user sees, and what ends up in the database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer, SlackRequests
from store.models import Base, Contact, FollowUp, Meeting, Member

FORM_TEXT = ("name", "company", "event", "next_step", "offer", "notes")
FORM_DATES = ("met_on", "due")
FORM_CHOICES = ("next_step_owner", "offer_kind", "connection")


# --- helpers -------------------------------------------------------------------------------------


def met(bot: OfflineBot, text: str, **options: Any) -> Answer:
    """Send `/met <text>`; Slack needs the empty ack within 3 s whatever happens after."""
    answer = bot.slack.command(text, **options)
    assert answer.status == 200, answer.body
    assert answer.body == ""
    assert answer.elapsed < 3
    return answer


def reply_to(bot: OfflineBot, answer: Answer) -> dict[str, Any]:
    """The one ephemeral reply sent through this command's response_url."""
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.ok
    assert call.args["response_type"] == "ephemeral"
    return call.args


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every piece of text in the blocks: section text, fields, context elements, button labels."""
    found: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found.extend(f["text"] for f in block.get("fields") or [])
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            text = element.get("text")
            found.append(text["text"] if isinstance(text, dict) else text or "")
    return found


def shown(reply: dict[str, Any]) -> str:
    return "\n".join([reply["text"], *texts(reply["blocks"])])


def buttons(blocks: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """action_id -> (label, value) of every button in the blocks."""
    found = {}
    for block in blocks:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = (element["text"]["text"], element.get("value"))
    return found


def rows(bot: OfflineBot, model: type[Base]) -> list[Any]:
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def form_state(**given: Any) -> dict[str, Any]:
    """A submitted meeting form as Slack sends it: every input present, empty ones empty."""
    values: dict[str, Any] = {}
    for key in FORM_TEXT:
        values[key] = {"type": "plain_text_input", "value": given.get(key)}
    for key in FORM_DATES:
        day = given.get(key)
        values[key] = {"type": "datepicker", "selected_date": day.isoformat() if day else None}
    for key in FORM_CHOICES:
        value = given.get(key)
        option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
        values[key] = {"type": "static_select", "selected_option": option}
    return SlackRequests.simple_values(values)


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """block_id -> the input's initial value (text, date or picked option value)."""
    found: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        option = element.get("initial_option") or {}
        initial = element.get("initial_value") or element.get("initial_date") or option.get("value")
        found[block["block_id"]] = initial
    return found


# --- logging a meeting ---------------------------------------------------------------------------


def test_met_logs_a_meeting_and_replies_with_what_was_saved(bot: OfflineBot) -> None:
    answer = met(
        bot,
        "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday; offer: intro to Sam",
    )
    reply = reply_to(bot, answer)

    assert "Jane Doe" in reply["text"] and "Acme Corp" in reply["text"] and "BNI breakfast" in reply["text"]
    blocks = "\n".join(texts(reply["blocks"]))
    for part in ("Jane Doe", "Acme Corp", "BNI breakfast", "intro to her CFO", "intro to Sam"):
        assert part in blocks
    # Friday, said on a Friday morning in New York, is next week's Friday.
    assert "*Due*\nFri 4 Dec" in blocks

    [member] = rows(bot, Member)
    [contact] = rows(bot, Contact)
    [meeting] = rows(bot, Meeting)
    assert (member.user_id, member.timezone) == ("U0ALICE", "America/New_York")
    assert (contact.member_id, contact.name, contact.company) == (member.id, "Jane Doe", "Acme Corp")
    assert contact.stage == "know"
    assert contact.phase == "follow_up" and contact.due_on == date(2026, 12, 4)
    assert meeting.contact_id == contact.id and meeting.member_id == member.id
    assert meeting.met_on == date(2026, 11, 27)
    assert (meeting.event, meeting.next_step, meeting.next_step_due) == (
        "BNI breakfast",
        "intro to her CFO",
        date(2026, 12, 4),
    )
    assert (meeting.offer, meeting.offer_kind) == ("intro to Sam", "introduction")
    assert [f.kind for f in rows(bot, FollowUp)] == ["met"]
    assert buttons(reply["blocks"])["meeting.edit"] == ("Edit", str(meeting.id))


def test_profile_is_looked_up_once_and_dates_are_read_in_the_users_timezone(bot: OfflineBot) -> None:
    bot.fake.add_user("U0TOKYO", tz="Asia/Tokyo")
    # 16:00 UTC: already Saturday 01:00 in Tokyo, still Friday 11:00 in New York.
    bot.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))

    first = reply_to(bot, met(bot, "Ken Sato; next step: call tomorrow", user="U0TOKYO"))
    assert "*Due*\ntomorrow" in texts(first["blocks"])
    reply_to(bot, met(bot, "Yuki Mori; next step: lunch tomorrow", user="U0TOKYO"))
    reply_to(bot, met(bot, "Jane Doe; next step: call tomorrow"))  # Alice, in New York

    asked = [c.args.get("user") for c in bot.fake.calls_to("users.info")]
    assert asked.count("U0TOKYO") == 1 and asked.count("U0ALICE") == 1
    members = {m.user_id: m.timezone for m in rows(bot, Member)}
    assert members == {"U0TOKYO": "Asia/Tokyo", "U0ALICE": "America/New_York"}
    ken, yuki, jane = rows(bot, Meeting)
    # Tokyo: met on Saturday 28, "tomorrow" is Sunday 29. New York: Friday 27 and Saturday 28.
    assert (ken.met_on, ken.next_step_due) == (date(2026, 11, 28), date(2026, 11, 29))
    assert (yuki.met_on, yuki.next_step_due) == (date(2026, 11, 28), date(2026, 11, 29))
    assert (jane.met_on, jane.next_step_due) == (date(2026, 11, 27), date(2026, 11, 28))


COACH_NEXT_STEP = "nobody agreed who does what next"
COACH_OFFER = "lead with generosity"


def test_coaching_when_the_next_step_is_missing(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "Jane Doe at BNI; offer: intro to Sam"))
    said = shown(reply).lower()
    assert COACH_NEXT_STEP in said and COACH_OFFER not in said
    [meeting] = rows(bot, Meeting)
    found = buttons(reply["blocks"])
    assert found["meeting.add_next_step"] == ("Add a next step", str(meeting.id))
    assert "meeting.add_offer" not in found


def test_coaching_when_the_offer_is_missing(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "Jane Doe at BNI; next step: coffee on Tuesday"))
    said = shown(reply).lower()
    assert COACH_OFFER in said and COACH_NEXT_STEP not in said
    [meeting] = rows(bot, Meeting)
    found = buttons(reply["blocks"])
    assert found["meeting.add_offer"] == ("Add an offer", str(meeting.id))
    assert "meeting.add_next_step" not in found


def test_no_coaching_when_next_step_and_offer_are_given(bot: OfflineBot) -> None:
    answer = met(bot, "Jane Doe at BNI; next step: coffee on Tuesday; offer: referral to my lawyer")
    reply = reply_to(bot, answer)
    said = shown(reply).lower()
    assert COACH_NEXT_STEP not in said and COACH_OFFER not in said
    assert set(buttons(reply["blocks"])) == {"meeting.edit", "meeting.calendar"}  # a dated next step


def test_meeting_the_same_person_again_attaches_to_the_same_contact(bot: OfflineBot) -> None:
    first = reply_to(bot, met(bot, "Jane Doe (Acme) at BNI breakfast"))
    assert "before" not in shown(first)

    bot.clock.advance(timedelta(days=3))  # Monday
    second = reply_to(bot, met(bot, "jane doe at the Chamber mixer; next step: coffee"))
    assert "met jane doe once before" in shown(second).lower()
    assert "timer starts again" in shown(second)

    bot.clock.advance(timedelta(days=1))
    third = reply_to(bot, met(bot, "Jane Doé at Web Summit"))
    assert "2 times before" in shown(third) and "timer starts again" in shown(third)

    [contact] = rows(bot, Contact)
    meetings = rows(bot, Meeting)
    assert len(meetings) == 3 and {m.contact_id for m in meetings} == {contact.id}
    assert [m.event for m in meetings] == ["BNI breakfast", "the Chamber mixer", "Web Summit"]
    assert (contact.name, contact.company) == ("Jane Doe", "Acme")
    # The timer restarted from the latest meeting (Tuesday 1 Dec): follow up the day after.
    assert contact.phase == "follow_up" and contact.due_on == date(2026, 12, 2) and contact.nudges == 0


# --- help and list -------------------------------------------------------------------------------


def test_help_explains_usage(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "help"))
    assert reply["text"] == "How to use /met"
    said = shown(reply)
    assert "/met Jane Doe" in said and "/met list" in said and "next step:" in said
    assert rows(bot, Contact) == [] and rows(bot, Meeting) == []


def test_list_is_empty_then_shows_contacts_with_next_step_and_state(bot: OfflineBot) -> None:
    empty = reply_to(bot, met(bot, "list"))
    assert "No contacts yet" in shown(empty)
    assert rows(bot, Contact) == []  # "list" is not a person

    reply_to(bot, met(bot, "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday"))
    reply_to(bot, met(bot, "Sam Lee at the Chamber mixer"))

    listing = reply_to(bot, met(bot, "list"))
    assert listing["text"] == "Your contacts (2)"
    sections = [b for b in listing["blocks"] if b["type"] == "section"]
    assert [s["text"]["text"].split("\n")[0] for s in sections] == ["*Sam Lee*", "*Jane Doe (Acme Corp)*"]
    sam, jane = ("\n".join(texts([s])) for s in sections)
    assert "*Next step*\nintro to her CFO" in jane and "*State*\nto follow up, Fri 4 Dec" in jane
    assert "*Next step*\nnone agreed" in sam and "*State*\nto follow up, tomorrow" in sam
    assert "Met today at BNI breakfast" in jane


# --- editing -------------------------------------------------------------------------------------


def click(bot: OfflineBot, action_id: str, value: str, **options: Any) -> Answer:
    """A button on the ephemeral reply in #general (ephemeral messages come with a response_url)."""
    answer = bot.slack.block_action(
        action_id,
        value,
        channel="C0GENERAL",
        response_url=True,
        container={
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0GENERAL",
            "is_ephemeral": True,
        },
        **options,
    )
    assert answer.status == 200 and answer.elapsed < 3
    return answer


def test_edit_button_opens_a_prefilled_form_and_saving_updates_the_same_meeting(bot: OfflineBot) -> None:
    answer = met(bot, "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday")
    logged = reply_to(bot, answer)
    [meeting] = rows(bot, Meeting)
    _, value = buttons(logged["blocks"])["meeting.edit"]

    answer = click(bot, "meeting.edit", value)
    [opened] = bot.fake.wait_for("views.open")
    assert opened.args["trigger_id"] == answer.trigger_id
    view = opened.response["view"]
    assert view["callback_id"] == "meeting_form"
    assert json.loads(view["private_metadata"])["meeting_id"] == meeting.id
    assert initial_values(view) == {
        "name": "Jane Doe",
        "company": "Acme Corp",
        "title": None,
        "email": None,
        "phone": None,
        "url": None,
        "event": "BNI breakfast",
        "met_on": "2026-11-27",
        "next_step": "intro to her CFO",
        "next_step_owner": None,
        "due": "2026-12-04",
        "offer": None,
        "offer_kind": None,
        "connection": None,
        "rhythm": None,
        "notes": None,
    }

    saved = bot.slack.view_submission(
        "meeting_form",
        form_state(
            name="Jane Doe",
            company="Acme Corp",
            event="BNI breakfast",
            met_on=date(2026, 11, 27),
            next_step="send her the deck",
            next_step_owner="me",
            due=date(2026, 12, 10),
            offer="intro to Sam",
            offer_kind="introduction",
            connection="strong",
            notes="wants a CRM",
        ),
        view=view["id"],
    )
    assert saved.status == 200 and saved.elapsed < 3
    body = saved.json()
    assert body["response_action"] == "update"
    said = "\n".join(texts(body["view"]["blocks"]))
    assert "Updated: you met Jane Doe (Acme Corp) at BNI breakfast" in said
    assert "send her the deck (me)" in said and "intro to Sam (an introduction)" in said

    [after] = rows(bot, Meeting)
    [contact] = rows(bot, Contact)
    assert after.id == meeting.id and after.contact_id == contact.id
    assert (after.next_step, after.next_step_owner, after.next_step_due) == (
        "send her the deck",
        "me",
        date(2026, 12, 10),
    )
    assert (after.offer, after.offer_kind, after.connection, after.notes) == (
        "intro to Sam",
        "introduction",
        "strong",
        "wants a CRM",
    )
    assert contact.due_on == date(2026, 12, 10)
    assert bot.fake.calls_to("views.update") == []


def test_coaching_buttons_open_the_same_prefilled_form(bot: OfflineBot) -> None:
    logged = reply_to(bot, met(bot, "Jane Doe at BNI"))
    found = buttons(logged["blocks"])
    for n, action in enumerate(("meeting.add_next_step", "meeting.add_offer"), start=1):
        click(bot, action, found[action][1])
        opened = bot.fake.wait_for("views.open", count=n)[-1]
        view = opened.response["view"]
        assert json.loads(view["private_metadata"])["meeting_id"] == int(found[action][1])
        assert initial_values(view)["name"] == "Jane Doe" and initial_values(view)["event"] == "BNI"


# --- mentions ------------------------------------------------------------------------------------


def test_mention_links_the_slack_user_with_their_real_name(bot: OfflineBot) -> None:
    bot.fake.add_user("U0BOB", real_name="Bob Builder", name="bob")
    reply = reply_to(bot, met(bot, "<@U0BOB|bob> at BNI breakfast; next step: coffee"))
    assert "Bob Builder" in reply["text"]
    [contact] = rows(bot, Contact)
    assert (contact.name, contact.linked_user_id) == ("Bob Builder", "U0BOB")
    assert "U0BOB" in [c.args.get("user") for c in bot.fake.calls_to("users.info")]

    again = reply_to(bot, met(bot, "<@U0BOB> at Web Summit"))  # the same person, without a label
    assert "once before" in shown(again)
    assert len(rows(bot, Contact)) == 1 and len(rows(bot, Meeting)) == 2


def test_mention_falls_back_to_its_label_when_slack_cannot_say(bot: OfflineBot) -> None:
    bot.fake.fail(
        "users.info", error="user_not_found", times=-1, where=lambda args: args.get("user") == "U0GONE"
    )
    reply = reply_to(bot, met(bot, "<@U0GONE|gone.person> at BNI"))
    assert "gone.person" in reply["text"]
    [contact] = rows(bot, Contact)
    assert (contact.name, contact.linked_user_id) == ("gone.person", "U0GONE")


def test_fixing_a_typo_in_the_name_leaves_no_ghost_contact(bot: OfflineBot) -> None:
    reply_to(bot, met(bot, "Jane Doe at BNI"))
    typo = reply_to(bot, met(bot, "Jnae Doe at Web Summit"))
    _, value = buttons(typo["blocks"])["meeting.edit"]
    metadata = json.dumps({"meeting_id": int(value), "channel": None})
    values = form_state(name="Jane Doe", event="Web Summit", met_on=date(2026, 11, 27))
    saved = bot.slack.view_submission("meeting_form", values, private_metadata=metadata)
    assert saved.json()["response_action"] == "update"
    assert {m.contact_id for m in rows(bot, Meeting)} == {rows(bot, Contact)[0].id}
    assert [c.name for c in rows(bot, Contact)] == ["Jane Doe"]


def test_a_later_meeting_keeps_the_next_step_agreed_earlier(bot: OfflineBot) -> None:
    reply_to(bot, met(bot, "Jane Doe (Acme) at BNI breakfast; next step: intro to her CFO"))
    second = reply_to(bot, met(bot, "Jane Doe at the Chamber mixer"))
    first, later = sorted(rows(bot, Meeting), key=lambda m: m.id)
    assert first.next_step == later.next_step == "intro to her CFO"
    assert "agreed at an earlier meeting" in json.dumps(second["blocks"])
    reply_to(bot, met(bot, "Jane Doe; next step: lunch in March"))
    assert sorted(rows(bot, Meeting), key=lambda m: m.id)[-1].next_step == "lunch in March"


def test_the_form_keeps_a_contacts_details(bot: OfflineBot) -> None:
    answer = met(bot, "Jane Doe (Acme)")
    _, value = buttons(reply_to(bot, answer)["blocks"])["meeting.edit"]
    click(bot, "meeting.edit", value)
    [opened] = bot.fake.wait_for("views.open")
    values = {
        "name": "Jane Doe",
        "met_on": date(2026, 11, 27),
        "title": "CFO",
        "email": "jane@acme.example",
        "phone": "+1 212 555 0100",
        "url": "https://www.linkedin.com/in/janedoe",
    }
    bot.slack.view_submission(
        "meeting_form",
        SlackRequests.simple_values(values),
        view=opened.response["view"]["id"],
        private_metadata=opened.response["view"]["private_metadata"],
    )
    [contact] = rows(bot, Contact)
    assert (contact.title, contact.email, contact.phone, contact.url) == (
        "CFO",
        "jane@acme.example",
        "+1 212 555 0100",
        "https://www.linkedin.com/in/janedoe",
    )


def test_numeric_dates_follow_the_members_own_locale(database_url: str) -> None:
    """A member in London (en-GB) writes day first: 12/3 is 12 March and 25/3 is read, not refused."""
    from conftest import START

    with OfflineBot(database_url=database_url, start=START, slack_timeout=2) as london:
        london.fake.add_user("U0LON", real_name="Liz London", tz="Europe/London", locale="en-GB")
        answer = london.slack.command("Jane Doe (Acme); next step: call her by 12/3", user="U0LON")
        london.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
        answer = london.slack.command("Bob Lee (Globex); next step: send the deck by 25/3", user="U0LON")
        london.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
        due = {m.next_step: m.next_step_due for m in rows(london, Meeting)}
        assert due == {"call her": date(2027, 3, 12), "send the deck": date(2027, 3, 25)}
