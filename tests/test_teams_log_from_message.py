""" "Log a meeting" on a Teams message, over HTTP against the Teams stand-in: the meeting dialog, prefilled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from handlers.teams.offline import OfflineTeamsBot
from tests.test_teams_loop import MEGAN, START, TeamsUser, say

BOB = TeamsUser("00000000-0000-0000-0000-0000000000c3", name="Bob Lee")
JANE_ID = "00000000-0000-0000-0000-0000000000d4"


@pytest.fixture
def teams(database_url: str) -> Iterator[OfflineTeamsBot]:
    with OfflineTeamsBot(database_url, START) as running:
        yield running


def shared(text_html: str, author: TeamsUser, mentions: list[dict[str, Any]]) -> dict[str, Any]:
    """A message extension's fetchTask on a message, as Teams sends it."""
    return {
        "commandId": "logMeeting",
        "commandContext": "message",
        "messagePayload": {
            "id": "1700000000000",
            "body": {"contentType": "html", "content": text_html},
            "from": {"user": {"id": author.aad_object_id, "displayName": author.name}},
            "mentions": mentions,
        },
    }


def inputs(body: dict[str, Any]) -> dict[str, Any]:
    card = body["task"]["value"]["card"]["content"]
    return {e["id"]: e.get("value") for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def test_log_a_meeting_on_a_message_opens_the_dialog_prefilled(teams: OfflineTeamsBot) -> None:
    say(teams, BOB, "met Sam Roe at BNI")  # Bob is one of the team's members
    html = '<p>Great to meet <at id="0">Jane Doe</at> at the BNI breakfast; next step: intro to a lawyer</p>'
    jane = {
        "id": 0,
        "mentionText": "Jane Doe",
        "mentioned": {"user": {"id": JANE_ID, "displayName": "Jane Doe"}},
    }
    value = shared(html, BOB, [jane])
    status, body = teams.post(teams.fake.invoke(MEGAN, "composeExtension/fetchTask", value))
    assert status == 200
    assert body["task"]["value"]["title"] == "Log a meeting"
    found = inputs(body)
    assert found["name"] == "Jane Doe"
    assert found["event"] == "the BNI breakfast"
    assert found["next_step"] == "intro to a lawyer"
    assert "Introduced by Bob Lee" in found["notes"]


def test_from_the_compose_box_the_dialog_is_empty(teams: OfflineTeamsBot) -> None:
    value = {"commandId": "logMeeting", "commandContext": "compose"}
    status, body = teams.post(teams.fake.invoke(MEGAN, "composeExtension/fetchTask", value))
    assert status == 200 and not inputs(body).get("name")
