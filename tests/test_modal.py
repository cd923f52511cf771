"""`/met` on its own: the form opens, saves, and refuses what it must, with errors on the fields."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer, SlackRequests
from store.models import Base, Contact, FollowUp, Meeting

FORM_TEXT = ("name", "company", "event", "next_step", "offer", "notes")
FORM_DATES = ("met_on", "due")
FORM_CHOICES = ("next_step_owner", "offer_kind", "connection", "rhythm")
FORM_INPUTS = (
    "name",
    "company",
    "title",
    "email",
    "phone",
    "url",
    "event",
    "met_on",
    "next_step",
    "next_step_owner",
    "due",
    "offer",
    "offer_kind",
    "connection",
    "rhythm",
    "notes",
)
TODAY = date(2026, 11, 27)  # the fixture's Friday, in New York and in UTC alike


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


def count(bot: OfflineBot, model: type[Base]) -> int:
    with bot.metbot.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def counts(bot: OfflineBot) -> tuple[int, int, int]:
    return count(bot, Contact), count(bot, Meeting), count(bot, FollowUp)


def open_form(bot: OfflineBot) -> tuple[Answer, dict[str, Any]]:
    answer = bot.slack.command("")
    assert answer.status == 200 and answer.body == "" and answer.elapsed < 3
    [opened] = bot.fake.wait_for("views.open")
    assert opened.ok
    return answer, opened.response["view"]


def submit(bot: OfflineBot, view_id: str | None = None, **values: Any) -> dict[str, Any]:
    answer = bot.slack.view_submission("meeting_form", form_state(**values), view=view_id)
    assert answer.status == 200 and answer.elapsed < 3
    body = answer.json()
    assert isinstance(body, dict)
    return body


def test_met_without_text_opens_the_form(bot: OfflineBot) -> None:
    answer, view = open_form(bot)
    [opened] = bot.fake.calls_to("views.open")
    assert opened.args["trigger_id"] == answer.trigger_id
    assert view["type"] == "modal" and view["callback_id"] == "meeting_form"
    assert view["title"]["text"] == "Log a meeting" and view["submit"]["text"] == "Save"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert tuple(inputs) == FORM_INPUTS
    assert all(b["element"]["action_id"] == block_id for block_id, b in inputs.items())
    kinds = {block_id: b["element"]["type"] for block_id, b in inputs.items()}
    assert {k for k, v in kinds.items() if v == "datepicker"} == set(FORM_DATES)
    assert {k for k, v in kinds.items() if v == "static_select"} == set(FORM_CHOICES)
    assert [k for k, b in inputs.items() if not b["optional"]] == ["name", "met_on"]
    assert inputs["met_on"]["element"]["initial_date"] == TODAY.isoformat()
    assert json.loads(view["private_metadata"])["meeting_id"] is None
    assert bot.fake.calls_to("response_url") == []  # the form is the answer; no extra message


def test_submitting_the_form_saves_the_meeting_and_shows_it(bot: OfflineBot) -> None:
    _, view = open_form(bot)
    body = submit(
        bot,
        view["id"],
        name="  Jane   Doe ",
        company="Acme Corp",
        event="BNI breakfast",
        met_on=TODAY,
        next_step="intro to her CFO",
        next_step_owner="me",
        due=date(2026, 12, 4),
        offer="a referral to my accountant",
        connection="strong",
        notes="wants a CRM",
    )
    assert body["response_action"] == "update"
    shown = json.dumps(body["view"])
    assert body["view"]["title"]["text"] == "Meeting saved"
    assert "Logged: you met Jane Doe (Acme Corp) at BNI breakfast, today." in shown
    assert "intro to her CFO (me)" in shown and "a referral to my accountant (a referral)" in shown

    assert counts(bot) == (1, 1, 1)
    with bot.metbot.core.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        contact = session.scalars(select(Contact)).one()
        assert (contact.name, contact.company, contact.due_on) == ("Jane Doe", "Acme Corp", date(2026, 12, 4))
        assert (meeting.contact_id, meeting.met_on, meeting.event) == (contact.id, TODAY, "BNI breakfast")
        assert (meeting.next_step, meeting.next_step_owner) == ("intro to her CFO", "me")
        assert meeting.next_step_due == date(2026, 12, 4)
        assert (meeting.offer, meeting.offer_kind) == ("a referral to my accountant", "referral")
        assert (meeting.connection, meeting.notes) == ("strong", "wants a CRM")


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        pytest.param({"name": None}, "name", "A name is needed", id="no-name"),
        pytest.param({"name": "   "}, "name", "A name is needed", id="blank-name"),
        pytest.param({"name": "J" * 121}, "name", "under 120 characters", id="name-over-120"),
        pytest.param(
            {"due": date(2026, 11, 20)}, "due", "can't be due before the meeting", id="due-too-early"
        ),
        pytest.param({"met_on": date(2026, 11, 28)}, "met_on", "in the future", id="future-meeting"),
        pytest.param({"offer_kind": "bribe"}, "offer_kind", "pick one of the options", id="unknown-option"),
    ],
)
def test_invalid_form_is_refused_on_the_field_and_nothing_is_written(
    bot: OfflineBot, values: dict[str, Any], field: str, says: str
) -> None:
    _, view = open_form(bot)
    given = {"name": "Jane Doe", "met_on": TODAY, "next_step": "coffee"} | values
    body = submit(bot, view["id"], **given)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {field}
    assert says in body["errors"][field]
    assert counts(bot) == (0, 0, 0)


def test_a_name_of_exactly_120_characters_is_fine(bot: OfflineBot) -> None:
    body = submit(bot, name="J" * 120, met_on=TODAY)
    assert body["response_action"] == "update"
    assert counts(bot) == (1, 1, 1)


def test_editing_someone_elses_meeting_is_refused_and_logged(
    bot: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    bob = bot.slack.command("Jane Doe (Acme) at BNI breakfast; next step: intro to her CFO", user="U0BOB")
    bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == bob.response_url)
    with bot.metbot.core.sessions() as session:
        before = session.scalars(select(Meeting)).one()
    snapshot = (before.event, before.next_step, before.offer, before.notes, before.met_on, before.member_id)

    caplog.set_level(logging.WARNING)
    metadata = json.dumps({"meeting_id": before.id, "channel": None})
    answer = bot.slack.view_submission(
        "meeting_form",
        form_state(name="Jane Doe", met_on=TODAY, next_step="hijacked", notes="mine now"),
        private_metadata=metadata,  # Alice (the default user) names Bob's meeting
    )
    assert answer.status == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    assert "isn't yours" in " ".join(body["errors"].values())

    with bot.metbot.core.sessions() as session:
        after = session.scalars(select(Meeting)).one()
        assert (
            after.event,
            after.next_step,
            after.offer,
            after.notes,
            after.met_on,
            after.member_id,
        ) == snapshot
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
    refused = [r for r in caplog.records if r.levelno == logging.WARNING and "does not own" in r.getMessage()]
    assert refused, [r.getMessage() for r in caplog.records]
    assert getattr(refused[0], "user", None) == "U0ALICE"
