"""`met stats` in Teams, over HTTP against the Teams stand-in: the chart is an Image element in the card."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from handlers.teams.offline import OfflineTeamsBot
from tests.test_teams_loop import MEGAN, START, say

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def teams(database_url: str) -> Iterator[OfflineTeamsBot]:
    with OfflineTeamsBot(database_url, START) as running:
        yield running


def images(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Image" else []
        return found + [i for v in node.values() for i in images(v)]
    if isinstance(node, list):
        return [i for v in node for i in images(v)]
    return []


def test_met_stats_shows_the_chart_as_an_image_in_the_card(teams: OfflineTeamsBot) -> None:
    say(teams, MEGAN, "met Jane Doe (Acme) at BNI breakfast; next step: coffee on Tuesday")
    card = say(teams, MEGAN, "met stats")
    [image, *_] = images(card)
    head, _, data = image["url"].partition(",")
    assert head == "data:image/png;base64"
    assert base64.b64decode(data).startswith(PNG)
    assert "follow-up" in image["altText"].lower()
    assert "Follow-up rate" in str(card)  # the figures stay as text
