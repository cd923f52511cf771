"""The whole follow-up loop in Teams, over HTTP against the Teams stand-in, on SQLite and PostgreSQL:
`met …` → the next working day's digest in the 1:1 chat → I followed up → did they respond? → No →
a reason → its tip → `met stats`. Every click's data is checked against the acting user and tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.teams.offline import OfflineTeamsBot
from handlers.teams.standin import TeamsUser, card_to_text
from store.models import Contact, Member

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # a Friday; Megan lives in Los Angeles
MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1")
MALLORY = TeamsUser("00000000-0000-0000-0000-0000000000b2", name="Mallory")
OUTSIDER = TeamsUser("00000000-0000-0000-0000-0000000000a1", tenant_id="99999999-0000-0000-0000-000000000000")


@pytest.fixture
def teams(database_url: str) -> Iterator[OfflineTeamsBot]:
    with OfflineTeamsBot(database_url, START) as running:
        yield running


def cards_in(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in activity.get("attachments") or [] if "content" in a]


def last_card(teams: OfflineTeamsBot, user: TeamsUser) -> dict[str, Any]:
    [card] = cards_in(teams.fake.sent(user.conversation_id)[-1])
    return card


def say(teams: OfflineTeamsBot, user: TeamsUser, text: str) -> dict[str, Any]:
    before = len(teams.fake.sent(user.conversation_id))
    status, _ = teams.post(teams.fake.message(user, text))
    assert status == 200
    sent = teams.fake.sent(user.conversation_id)
    assert len(sent) > before, "the bot answered in the 1:1 chat"
    return last_card(teams, user)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute in the card, wherever it sits."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a for a in actions(card) if a["verb"] == verb)


def click(teams: OfflineTeamsBot, user: TeamsUser, action: dict[str, Any], **data: Any) -> dict[str, Any]:
    status, body = teams.post(
        teams.fake.card_action(user, action["verb"], {**action.get("data", {}), **data})
    )
    assert status == 200
    return body


def contact(teams: OfflineTeamsBot, name: str) -> Contact:
    with teams.metbot.core.sessions() as session:
        return session.scalars(select(Contact).where(Contact.name == name)).one()


def test_the_whole_loop_in_teams(teams: OfflineTeamsBot) -> None:
    logged = say(teams, MEGAN, "met Jane Doe (Acme) at BNI breakfast; next step: send her the deck")
    assert "Jane Doe" in card_to_text(logged) and "Acme" in card_to_text(logged)
    with teams.metbot.core.sessions() as session:
        member = session.scalars(select(Member)).one()
        assert member.timezone == "America/Los_Angeles"  # from the activity's localTimezone
        assert member.dm_channel == MEGAN.conversation_id and member.service_url

    teams.clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))  # Monday 10:00 in Los Angeles
    report = teams.sweep()
    assert report.sent == 1
    digest = last_card(teams, MEGAN)
    assert "Jane Doe" in card_to_text(digest)

    answer = click(teams, MEGAN, button(digest, "fu.done"))
    assert "Jane Doe" in json.dumps(answer)
    assert contact(teams, "Jane Doe").phase == "await_reply"

    teams.clock.advance(timedelta(days=3))  # Thursday: did they respond?
    assert teams.sweep().sent == 1
    asked = last_card(teams, MEGAN)
    assert "respond" in card_to_text(asked).lower()
    answer = click(teams, MEGAN, button(asked, "fu.no"))
    reasons = answer["value"] if isinstance(answer.get("value"), dict) else answer
    why = button(reasons, "fu.why")
    choice_input = why["data"]["metbot_choice"]
    jane = contact(teams, "Jane Doe")
    tip = click(teams, MEGAN, why, **{choice_input: f"{jane.id}:no_need"})
    assert "question" in json.dumps(tip).lower()  # the tip for "They have no need": ask questions

    stats = say(teams, MEGAN, "met stats")
    assert "have no need" in card_to_text(stats).lower() or "no need" in card_to_text(stats).lower()


def test_another_user_or_tenant_replaying_a_click_changes_nothing(teams: OfflineTeamsBot) -> None:
    say(teams, MEGAN, "met Jane Doe (Acme) at BNI breakfast")
    teams.clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    assert teams.sweep().sent == 1
    done = button(last_card(teams, MEGAN), "fu.done")
    for intruder in (MALLORY, OUTSIDER):
        answer = click(teams, intruder, done)
        assert "isn't yours" in json.dumps(answer)
    assert contact(teams, "Jane Doe").phase == "follow_up"
