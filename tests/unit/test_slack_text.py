"""Slack's mention and channel syntax becomes plain values before the core sees the text."""

from __future__ import annotations

from bot.records import Channel, Person
from handlers.slack.text import plain_text

NAMES = {"U0BOB": "Bob Builder", "U0ANA": "Ana  Ruiz"}


def test_mentions_become_names_and_people() -> None:
    said = plain_text("gave Jane Doe to <@U0BOB|bob>; cc <@U0ANA> and <@U0BOB>", NAMES.get)
    assert said.text == "gave Jane Doe to @Bob Builder; cc @Ana Ruiz and @Bob Builder"
    assert said.mentions == (Person("Bob Builder", "U0BOB"), Person("Ana Ruiz", "U0ANA"))


def test_an_unknown_user_falls_back_to_the_label_then_the_id() -> None:
    assert plain_text("<@U0EVE|eve>", lambda _: None).text == "@eve"
    assert plain_text("<@U0EVE>", lambda _: None).mentions == (Person("U0EVE", "U0EVE"),)


def test_channels_become_channels() -> None:
    said = plain_text("config channel <#C0WINS|wins>", NAMES.get)
    assert said.text == "config channel #wins"
    assert said.channels == (Channel("C0WINS", "wins"),)


def test_escapes_are_undone_once_and_broadcasts_stay_text() -> None:
    said = plain_text("AT&amp;T &lt;3 &amp;lt; <!here>", NAMES.get)
    assert said.text == "AT&T <3 &lt; <!here>"
    assert said.mentions == ()
