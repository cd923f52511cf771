""" "Add to calendar" in the digest, over HTTP against the Slack and Teams stand-ins, on SQLite and PostgreSQL.

A contact whose latest meeting agreed a next step on a day still to come carries the button; clicking it
as the owner sends the .ics (09:00 in their timezone) to their DM; anyone else replaying it gets nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from waitress.server import create_server

from handlers.downloads import download_app
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import SlackRequests, message_to_text
from handlers.stopping import stop_in_loop
from handlers.teams.offline import OfflineTeamsBot
from handlers.teams.standin import TeamsUser, card_to_text
from tests.test_followup_loop import contact, digest_on, met

NY, LA = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
MON, TUE = date(2026, 11, 30), date(2026, 12, 1)
JANE = "Jane Doe (Acme) at BNI breakfast; next step: send her the deck on Dec 1"
BOB = "Bob Roe (Initech) at BNI breakfast; next step: call him"


def digest_buttons(message: dict[str, Any], contact_id: int) -> dict[str, str]:
    """action_id -> value of the buttons on one contact's part of the digest."""
    found = {}
    for block in message["blocks"]:
        if str(block.get("block_id", "")).partition(".")[0] != f"c{contact_id}":
            continue
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value") or ""
    return found


def invite_start(content: bytes) -> datetime:
    [event] = Calendar.from_ical(content).walk("VEVENT")
    start = event.decoded("dtstart")
    assert isinstance(start, datetime)
    return start


# --- Slack ----------------------------------------------------------------------------------------------


def test_the_digest_offers_add_to_calendar_and_sends_the_ics_to_the_dm(bot: OfflineBot) -> None:
    met(bot, JANE)
    bot.clock.set(datetime.combine(MON, time(8), tzinfo=NY).astimezone(UTC))
    met(bot, BOB)  # met Monday, no date agreed: due Tuesday too
    digest = digest_on(bot, TUE)
    assert digest is not None
    jane, bob = contact(bot, "Jane Doe"), contact(bot, "Bob Roe")

    assert "meeting.calendar" in digest_buttons(digest, jane.id)
    assert "meeting.calendar" not in digest_buttons(digest, bob.id)
    assert len(digest["blocks"]) <= 50  # the stand-in validated the blocks when it took the post

    before = set(bot.fake.uploads())
    value = digest_buttons(digest, jane.id)["meeting.calendar"]
    bot.slack.block_action("meeting.calendar", block_id=f"c{jane.id}.actions")
    bot.fake.wait_for("files.completeUploadExternal")
    [sent] = [f for fid, f in bot.fake.uploads().items() if fid not in before]
    assert sent.channel_id == "DU0ALICE" and sent.name == f"next-step-{value}.ics"
    start = invite_start(sent.content or b"")
    assert (start.date(), start.time()) == (TUE, time(9, 0))
    assert start.utcoffset() == datetime.combine(TUE, time(9), tzinfo=NY).utcoffset()


def test_another_user_replaying_the_digest_button_gets_nothing(bot: OfflineBot) -> None:
    met(bot, JANE)
    digest = digest_on(bot, TUE)
    assert digest is not None
    jane = contact(bot, "Jane Doe")
    value = digest_buttons(digest, jane.id)["meeting.calendar"]

    before = set(bot.fake.uploads())
    label = "action meeting.calendar"
    bot.slack.block_action(
        "meeting.calendar",
        user="U0MALLORY",
        block_id=f"c{jane.id}.actions",
        action=SlackRequests.button_action("meeting.calendar", value),
    )
    [said] = bot.fake.wait_for("response_url", where=lambda c: c.label == label)
    assert "isn't yours" in message_to_text(said.args)
    assert set(bot.fake.uploads()) == before


def test_a_next_step_whose_day_has_passed_is_not_offered(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck on Nov 30")
    digest_on(bot, MON)  # shown Monday, not acted on: back on Thursday (+3 days) with Monday behind it
    later = digest_on(bot, date(2026, 12, 3))
    assert later is not None
    jane = contact(bot, "Jane Doe")
    assert "Jane Doe" in message_to_text(later)
    assert "meeting.calendar" not in digest_buttons(later, jane.id)


def test_every_digest_item_keeps_to_five_elements_an_actions_block_with_the_button() -> None:
    """The last call has the most (three buttons and a menu): with "Add to calendar" it is five, Slack's limit."""
    from bot.cadence import Cadence
    from bot.digest import DueContact, item_section
    from handlers.slack.render import section_blocks

    cadence = Cadence()
    for phase, nudges, asks in (
        ("follow_up", 0, 0),
        ("follow_up", 2, 0),
        ("await_reply", 0, 0),
        ("check_in", 0, 0),
    ):
        item = DueContact(
            contact_id=7,
            name="Jane Doe",
            company=None,
            phase=phase,
            due_on=TUE,
            nudges=nudges,
            asks=asks,
            stage="know",
            snooze_note=None,
            next_step="send the deck",
            meeting_id=3,
            next_step_due=TUE,
        )
        section = item_section(item, today=TUE, cadence=cadence)
        assert any(b.action == "meeting.calendar" and b.value == "3" for b in section.buttons)
        for block in section_blocks(section):
            assert len(block.to_dict().get("elements") or []) <= 5


# --- Teams ----------------------------------------------------------------------------------------------

MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1")
MALLORY = TeamsUser("00000000-0000-0000-0000-0000000000b2", name="Mallory")
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


class Downloads:
    """`GET /files/…` on loopback (as `serve` mounts it), answering with the app given once the bot exists."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None
        self.server: Any = create_server(self._serve, host="127.0.0.1", port=0, threads=2)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="downloads")

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"


@pytest.fixture
def teams(database_url: str) -> Iterator[tuple[OfflineTeamsBot, Downloads]]:
    downloads = Downloads()
    downloads.thread.start()
    try:
        with OfflineTeamsBot(database_url, START, metbot_public_url=downloads.url) as running:
            assert running.metbot.teams is not None and running.metbot.teams.links is not None
            downloads.app = download_app(running.metbot.core, running.metbot.teams.links)
            yield running, downloads
    finally:
        stop_in_loop(downloads.server)
        downloads.thread.join(timeout=5)


def card_actions(card: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if card.get("type") == kind:
            found.append(card)
        for value in card.values():
            found.extend(card_actions(value, kind))
    elif isinstance(card, list):
        for value in card:
            found.extend(card_actions(value, kind))
    return found


def last_card(bot: OfflineTeamsBot, user: TeamsUser) -> dict[str, Any]:
    [card] = [a["content"] for a in bot.fake.sent(user.conversation_id)[-1]["attachments"]]
    return card


def teams_digest(bot: OfflineTeamsBot, text: str) -> dict[str, Any]:
    status, _ = bot.post(bot.fake.message(MEGAN, f"met {text}"))
    assert status == 200
    bot.clock.set(datetime.combine(TUE, time(9), tzinfo=LA).astimezone(UTC))
    assert bot.sweep().sent == 1
    return last_card(bot, MEGAN)


def test_teams_digest_card_offers_add_to_calendar_and_the_link_opens_the_ics(
    teams: tuple[OfflineTeamsBot, Downloads],
) -> None:
    bot, downloads = teams
    digest = teams_digest(bot, JANE)
    [calendar] = [a for a in card_actions(digest, "Action.Execute") if a["verb"] == "meeting.calendar"]
    assert calendar["title"] == "Add to calendar"

    before = len(bot.fake.sent(MEGAN.conversation_id))
    status, _ = bot.post(bot.fake.card_action(MEGAN, calendar["verb"], calendar["data"]))
    assert status == 200
    assert len(bot.fake.sent(MEGAN.conversation_id)) == before + 1  # a new message in the 1:1 chat
    sent = last_card(bot, MEGAN)
    [link] = [a["url"] for a in card_actions(sent, "Action.OpenUrl") if a["url"].endswith(".ics")]
    with urlopen(downloads.url + urlsplit(link).path, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "text/calendar"
        start = invite_start(answer.read())
    assert (start.date(), start.time()) == (TUE, time(9, 0))
    assert start.utcoffset() == datetime.combine(TUE, time(9), tzinfo=LA).utcoffset()


def test_teams_another_user_replaying_add_to_calendar_gets_nothing(
    teams: tuple[OfflineTeamsBot, Downloads],
) -> None:
    bot, _ = teams
    digest = teams_digest(bot, JANE)
    [calendar] = [a for a in card_actions(digest, "Action.Execute") if a["verb"] == "meeting.calendar"]
    status, body = bot.post(bot.fake.card_action(MALLORY, calendar["verb"], calendar["data"]))
    assert status == 200 and "isn't yours" in str(body)
    assert bot.fake.sent(MALLORY.conversation_id) == []


def test_teams_no_button_without_a_dated_next_step(teams: tuple[OfflineTeamsBot, Downloads]) -> None:
    bot, _ = teams
    digest = teams_digest(bot, BOB)
    assert "Bob Roe" in card_to_text(digest)
    assert all(a["verb"] != "meeting.calendar" for a in card_actions(digest, "Action.Execute"))
