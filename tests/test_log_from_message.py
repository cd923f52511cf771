""" "Log a meeting" from any message, over HTTP: the Slack shortcuts open the meeting form prefilled."""

from __future__ import annotations

import json
from typing import Any

from handlers.slack.offline import OfflineBot
from handlers.slack.shortcuts import FROM_ANYWHERE, ON_A_MESSAGE
from tests.test_capture import met, reply_to


def initial(view: dict[str, Any], block_id: str) -> Any:
    """The initial value of one input of a modal."""
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    return element.get("initial_value") or element.get("initial_date") or element.get("initial_option")


def opened_view(bot: OfflineBot) -> dict[str, Any]:
    [call] = bot.fake.wait_for("views.open")
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_a_message_shortcut_opens_the_form_with_the_outsider_as_contact_and_the_author_noted(
    bot: OfflineBot,
) -> None:
    bot.fake.add_user("U0BOB", real_name="Bob Lee")
    bot.fake.add_user("U0JANE", real_name="Jane Doe")
    reply_to(bot, met(bot, "Sam Roe at BNI", user="U0BOB"))  # Bob is one of the team's members
    text = "Great to meet <@U0JANE> at the BNI breakfast; next step: intro to a lawyer"
    answer = bot.slack.shortcut(ON_A_MESSAGE, message={"text": text, "user": "U0BOB"})
    assert answer.status == 200 and answer.body == ""

    view = opened_view(bot)
    assert view["callback_id"] == "meeting_form"
    assert initial(view, "name") == "Jane Doe"
    assert initial(view, "event") == "the BNI breakfast"
    assert initial(view, "next_step") == "intro to a lawyer"
    assert "Introduced by Bob Lee" in initial(view, "notes")


def test_a_mentioned_teammate_is_who_introduced_them(bot: OfflineBot) -> None:
    bot.fake.add_user("U0BOB", real_name="Bob Lee")
    reply_to(bot, met(bot, "Sam Roe at BNI", user="U0BOB"))
    bot.slack.shortcut(ON_A_MESSAGE, message={"text": "<@U0BOB> says hi", "user": "U0ALICE"})
    assert "Introduced by Bob Lee" in initial(opened_view(bot), "notes")


def test_the_global_shortcut_opens_the_empty_form(bot: OfflineBot) -> None:
    answer = bot.slack.shortcut(FROM_ANYWHERE)
    assert answer.status == 200
    view = opened_view(bot)
    assert view["callback_id"] == "meeting_form" and initial(view, "name") is None
