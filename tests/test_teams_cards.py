"""Adaptive Card rendering of the core's results: pure functions, checked on their JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.results import (
    Attachment,
    Button,
    Choice,
    Files,
    Form,
    FormErrors,
    Input,
    Person,
    Refusal,
    Reply,
    Section,
)
from handlers.teams import cards

HOSTILE = "**Jane** [click me](https://evil.example) <at>everyone</at> _x_ # Title"


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every element (dict with a "type") in a card."""
    found = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [element for element in _walk(card) if element["type"] == kind]


def test_what_a_user_typed_is_shown_as_literal_text_never_markdown() -> None:
    reply = Reply(
        headline=f"Logged {HOSTILE}",
        sections=(Section(title=HOSTILE, text=HOSTILE, fields=(("Next step", HOSTILE),), note=HOSTILE),),
    )
    card = cards.reply_card(reply)
    assert _of_type(card, "TextBlock") == []  # markdown blocks only where a mention needs one
    runs = [run["text"] for run in _of_type(card, "TextRun")]
    assert f"Logged {HOSTILE}" in runs and runs.count(HOSTILE) == 4
    assert "msteams" not in card  # no mention entity was made from typed text


def test_a_mention_is_a_real_mention_and_the_rest_is_escaped() -> None:
    section = Section(said=("Thanks ", Person("Sam *Lee*", "29:sam"), " for the intro to [Jane](x)"))
    card = cards.reply_card(Reply(headline="Referral recorded", sections=(section,)))
    (block,) = _of_type(card, "TextBlock")
    assert block["text"] == r"Thanks <at>Sam \*Lee\*</at> for the intro to \[Jane\]\(x\)"
    (entity,) = card["msteams"]["entities"]
    assert entity == {
        "type": "mention",
        "text": r"<at>Sam \*Lee\*</at>",
        "mentioned": {"id": "29:sam", "name": "Sam *Lee*"},
    }


def test_buttons_are_execute_actions_with_the_action_as_verb_and_the_payload_as_data() -> None:
    section = Section(
        text="Jane Doe",
        buttons=(
            Button("followed_up", "I followed up", "c1", "primary"),
            Button("went_cold", "Went cold", "c1", "danger"),
        ),
    )
    card = cards.reply_card(Reply(headline="Due today", sections=(section,)))
    actions = _of_type(card, "Action.Execute")
    assert [(a["verb"], a["title"], a["data"], a["style"]) for a in actions] == [
        ("followed_up", "I followed up", {"value": "c1"}, "positive"),
        ("went_cold", "Went cold", {"value": "c1"}, "destructive"),
    ]
    typed = cards.reply_card(Reply(headline="x", sections=(section,)), payload_of=lambda b: {"contact": 7})
    assert {json.dumps(a["data"]) for a in _of_type(typed, "Action.Execute")} == {'{"contact": 7}'}


def test_a_choice_is_a_choice_set_with_a_button_that_names_it() -> None:
    choice = Choice(
        "reason", "Why did it stall?", (("busy", "They're busy and forgot me"), ("no_need", "No need"))
    )
    card = cards.reply_card(Reply(headline="x", sections=(Section(text="Jane", choice=choice),)))
    (choices,) = _of_type(card, "Input.ChoiceSet")
    assert choices["choices"] == [
        {"title": "They're busy and forgot me", "value": "busy"},
        {"title": "No need", "value": "no_need"},
    ]
    (button,) = _of_type(card, "Action.Execute")
    assert button["verb"] == "reason" and button["data"] == {cards.CHOICE_INPUT: choices["id"]}


def test_a_form_is_a_dialog_with_submit_and_its_errors_on_the_fields() -> None:
    form = Form(
        id="log_meeting",
        title="Log a meeting",
        submit="Save",
        context="ctx",
        intro="Who did you meet?",
        inputs=(
            Input("name", "Name", optional=False, max_length=80),
            Input("notes", "Notes", kind="long_text", hint="Only you see these"),
            Input("due", "Next step by", kind="date", value=date(2026, 12, 4)),
            Input(
                "connection", "Connection", kind="choice", options=(("strong", "Strong"), ("weak", "Weak"))
            ),
            Input("referrer", "Referred by", kind="user"),
        ),
    )
    response = cards.dialog_response(form, FormErrors({"name": "Tell me who you met.", "text": "Try again."}))
    info = response["task"]["value"]
    assert response["task"]["type"] == "continue" and info["title"] == "Log a meeting"
    card = info["card"]["content"]
    kinds = {e["id"]: e["type"] for e in _walk(card) if e["type"].startswith("Input.")}
    assert kinds == {
        "name": "Input.Text",
        "notes": "Input.Text",
        "due": "Input.Date",
        "connection": "Input.ChoiceSet",
        "referrer": "Input.ChoiceSet",
    }
    name = next(e for e in _walk(card) if e.get("id") == "name")
    assert name["isRequired"] and name["maxLength"] == 80
    assert next(e for e in _walk(card) if e.get("id") == "due")["value"] == "2026-12-04"
    error = next(e for e in _walk(card) if e.get("id") == "error-name")
    assert (
        error["inlines"][0]["text"] == "Tell me who you met." and error["inlines"][0]["color"] == "attention"
    )
    assert _of_type(card, "Action.Execute") == []  # dialogs take Action.Submit only
    (submit,) = card["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {cards.FORM_ID: "log_meeting", cards.FORM_CONTEXT: "ctx"}
    assert "Try again." in json.dumps(card)


def test_a_long_reply_is_cut_to_fit_teams_limit_and_says_so() -> None:
    sections = tuple(Section(title=f"Contact {i}", text="x" * 400) for i in range(200))
    card = cards.reply_card(Reply(headline="Your contacts", sections=sections))
    assert cards.card_size(card) <= cards.CARD_LIMIT
    shown = [c for c in _of_type(card, "Container")]
    assert 0 < len(shown) < 200
    assert f"…and {200 - len(shown)} more not shown here." in json.dumps(card, ensure_ascii=False)


def test_refusals_files_and_the_wrapping_activity() -> None:
    refusal = cards.render(Refusal())
    assert _of_type(refusal, "TextRun")[0]["text"] == Refusal().message
    files = Files(
        Reply("Your export"), (Attachment("contacts.csv", "Contacts", b"name\n"),), comment="Here you go"
    )
    assert "contacts.csv" in json.dumps(cards.render(files))
    activity = cards.message_activity(refusal, summary="No")
    assert activity["type"] == "message" and activity["summary"] == "No"
    assert activity["attachments"][0] == {"contentType": cards.CARD_CONTENT_TYPE, "content": refusal}
    answer = cards.card_action_response(refusal)
    assert answer == {"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": refusal}


def test_escape_markdown_escapes_every_markdown_character() -> None:
    assert cards.escape_markdown("1. *a* _b_ [c](d) `e` <at>f</at> \\") == (
        r"1\. \*a\* \_b\_ \[c\]\(d\) \`e\` \<at\>f\</at\> \\"
    )


def test_the_stand_in_prints_a_card_as_the_demo_shows_it() -> None:
    from handlers.teams.standin import activity_to_text

    section = Section(
        title="Jane Doe",
        fields=(("Next step", "intro to her CFO"),),
        buttons=(Button("followed_up", "I followed up", "c1"), Button("snooze", "Snooze", "c1")),
    )
    card = cards.reply_card(Reply(headline="Follow up today", sections=(section,)))
    assert activity_to_text(cards.message_activity(card)) == (
        "Follow up today\nJane Doe\nNext step: intro to her CFO\n[I followed up] [Snooze]"
    )
