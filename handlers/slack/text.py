"""Slack's wire syntax in, plain values out: the core never sees `<@U…>`, `<#C…>` or `&amp;`.

A mention becomes `@` + the person's real name in the text, and a `Person` beside it; a channel link
becomes `#name` and a `Channel`. The renderer turns them back into Slack's syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.records import Channel, Person

MENTION = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|([^<>]*))?>")
CHANNEL = re.compile(r"<#([CGD][A-Z0-9]{1,20})(?:\|([^<>]*))?>")
ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True)
class PlainText:
    text: str
    mentions: tuple[Person, ...] = ()
    channels: tuple[Channel, ...] = ()


def unescape(text: str) -> str:
    """Undo Slack's three HTML escapes (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    for escaped, plain in ESCAPES:
        text = text.replace(escaped, plain)
    return text


def _label(raw: str | None) -> str:
    return " ".join(unescape(raw or "").split())


def plain_text(text: str, name_of: Callable[[str], str | None]) -> PlainText:
    """The text as the core reads it. `name_of` asks Slack for a mentioned user's real name (or None)."""
    mentions: dict[str, Person] = {}
    channels: dict[str, Channel] = {}

    def person(match: re.Match[str]) -> str:
        user = match[1]
        if user not in mentions:
            name = name_of(user) or _label(match[2]) or user
            mentions[user] = Person(name=" ".join(name.split()), user=user)
        return "@" + mentions[user].name

    def channel(match: re.Match[str]) -> str:
        label = _label(match[2]) or None
        channels.setdefault(match[1], Channel(channel=match[1], name=label))
        return "#" + (label or match[1])

    # Broadcasts (`<!here>`, `<!channel>`) stay as typed: text, which the renderer escapes, never a ping.
    plain = CHANNEL.sub(channel, MENTION.sub(person, text))
    return PlainText(unescape(plain), tuple(mentions.values()), tuple(channels.values()))
