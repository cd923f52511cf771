"""No log line carries what people typed, at any level: the hostile-input suites' requests, a request that
fails signature verification, and a database error quoting a name, all logged at DEBUG for every logger,
and every line grepped for the names and notes sent."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from test_bad_input import CASES as ODD_TEXT
from test_hostile import CASES as HOSTILE

from bot.logs import LIBRARIES, handler
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import SlackRequests

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
LONG_NAME = "Zebulon Quartermaine " * 12  # 252 characters: more than member.display_name (200) holds
UNSIGNED = "Xanthippe Unverified (Secretcorp) at Hushmeet"
REFERRAL_NOTE = "Ultrasecret referral note"

# What was sent, by the user, that must never be logged (each case's own words, not the product's).
SENT = (
    "Evil",
    "Nowhere",
    "Pwned",
    "Jane Doe",
    "Acme",
    "Robert')",
    "DROP TABLE",
    "flurbsday",
    "מרים",
    "script",
    "Zebulon",
    "Quartermaine",
    "Xanthippe",
    "Secretcorp",
    "Hushmeet",
    "Ultrasecret",
    "Sam Lee",
    "🦄",
)


@pytest.fixture
def every_logger_at_debug() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Our handler (as `serve` installs it) and, beside it, an unfiltered one: what the libraries tried to say."""
    ours, unfiltered = io.StringIO(), io.StringIO()
    raw = logging.StreamHandler(unfiltered)
    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in LIBRARIES})
    installed = [handler(ours), raw]
    for each in installed:
        root.addHandler(each)
    root.setLevel(logging.DEBUG)
    for name in [*LIBRARIES, *logging.root.manager.loggerDict]:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield ours, unfiltered
    finally:
        for each in installed:
            root.removeHandler(each)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
        for name in logging.root.manager.loggerDict:
            if name not in saved[1]:
                logging.getLogger(name).setLevel(logging.NOTSET)


def hostile_requests(bot: OfflineBot) -> None:
    bot.slack.command("Jane Doe (Acme) at BNI")
    bot.fake.wait_for("response_url")
    contact_id = meeting_id = 1
    for case in HOSTILE:
        case.send(bot, contact_id, meeting_id)
    for case in ODD_TEXT.values():
        bot.slack.command(case.text)


def unsigned_request(bot: OfflineBot) -> None:
    """Signed with the wrong secret: Bolt's verification logs the whole body of such a request."""
    body = f"command=%2Fmet&text={UNSIGNED.replace(' ', '+')}&team_id=T0DEMO&user_id=U0ALICE".encode()
    headers = bot.slack.signer.headers(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert bot.slack.raw(body, headers).status == 401


def a_referral_with_a_note(bot: OfflineBot) -> None:
    values = SlackRequests.simple_values(
        {"other_name": "Bob Smith", "referred": "Sam Lee", "note": REFERRAL_NOTE}
    )
    values |= SlackRequests.simple_values({"direction": ("given",), "share": ("team",)})
    bot.slack.view_submission("referral_form", values)


def test_no_log_line_carries_user_text(
    database_url: str, every_logger_at_debug: tuple[io.StringIO, io.StringIO]
) -> None:
    ours, unfiltered = every_logger_at_debug
    with OfflineBot(database_url=database_url, start=START, slack_timeout=2) as bot:
        bot.fake.add_user("U0LONG", real_name=LONG_NAME, display_name=LONG_NAME)
        hostile_requests(bot)
        unsigned_request(bot)
        a_referral_with_a_note(bot)
        bot.slack.command("Quiet Person at Somewhere", user="U0LONG")  # stores the 252-character name
        bot.fake.wait_for("response_url", where=lambda c: "U0LONG" in c.label or "Quiet" in c.label)
    # Leaving the block waited for the bot's background work: every line is in.
    written = ours.getvalue()
    leaks = [line for line in written.splitlines() if any(word in line for word in SENT)]
    assert leaks == []
    assert written.count("\n") > 20  # the bot did log (requests, refusals, failures)
    # The same records, unfiltered, carried what we sent: the test would see a leak. (The unsigned
    # request no longer reaches Bolt, whose verifier logged whole bodies: the front refuses it first.)
    assert "Ultrasecret" in unfiltered.getvalue()
    if database_url.startswith("postgresql"):
        # The name that overflows the column made a database error, logged without its parameters.
        assert "StringDataRightTruncation" in written and "Zebulon" in unfiltered.getvalue()
