"""`met config …`: each person's own settings and the team's shoutout channel, read from plain words.

The channel comes as a `Channel` the edge found in the text (Slack's `<#C…>`), or as the channel the
command was sent in (Teams: `met config channel` sent in that channel). No platform syntax here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.records import Channel, Problem

CHANNEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:@._-]{5,}$")  # an id the platform gave, pasted as is
RESET = ("off", "none", "default", "reset")
SETTINGS_HELP = (
    "Your settings: /met config digest 8am (when your daily digest arrives), "
    "/met config timezone Europe/London, /met config days mon-fri (which days get a digest); "
    "an admin picks the team's shoutout channel with /met config channel #wins."
)


@dataclass(frozen=True)
class ChannelChoice:
    """A channel to set, or None to go back to the default."""

    channel: Channel | None


def read_channel(value: str, channels: tuple[Channel, ...], here: Channel | None) -> ChannelChoice | Problem:
    """`channel #wins`, `channel off`, or `channel` alone where the command was sent in a team channel."""
    arg = " ".join(value.split())
    if not arg:
        if here is not None:
            return ChannelChoice(here)
        return Problem("text", "Which channel? For example: /met config channel #wins")
    if arg.lower() in RESET:
        return ChannelChoice(None)
    wanted = arg.lstrip("#").lower()
    for channel in channels:
        if wanted in (channel.channel.lower(), (channel.name or "").lower()):
            return ChannelChoice(channel)
    if len(channels) == 1 and arg.startswith("#"):
        return ChannelChoice(channels[0])
    if not arg.startswith("#") and CHANNEL_ID.match(arg) and not arg.isalpha():
        return ChannelChoice(Channel(arg))
    return Problem(
        "text",
        "Pick the channel from the # autocomplete (type # and choose it) so I know which one it is: "
        "/met config channel #wins",
    )


def read_timezone(value: str) -> str | Problem:
    """An IANA zone name, forgiving case and spaces: `europe/london`, `America/New York`."""
    arg = "_".join(value.split())
    if not arg:
        return Problem("text", "Which timezone? For example: /met config timezone Europe/London")
    matches = [zone for zone in available_timezones() if zone.lower() == arg.lower()]
    try:
        ZoneInfo(matches[0] if matches else arg)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem(
            "text",
            f"I don't know the timezone “{arg[:60]}”. Use a name like Europe/London or America/New_York.",
        )
    return matches[0] if matches else arg
