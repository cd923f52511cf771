"""Structured logs: one JSON line per request and per sweep, with who/what/outcome/duration, and no
message text or tokens at INFO."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.logs import JsonFormatter, RedactSecrets, exception_summary, handler, headline
from handlers.slack.offline import BOT_TOKEN, OfflineBot


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_one_line_per_request_and_per_sweep(bot: OfflineBot, json_lines: io.StringIO) -> None:
    bot.slack.command("Confidential Person (Secret Corp) at Hidden Summit; notes: private things")
    bot.fake.wait_for("response_url")
    bot.clock.advance(timedelta(days=3, hours=1))  # Monday: digests come on working days
    bot.sweep()
    logged = entries(json_lines)
    requests = [e for e in logged if e["message"] == "request"]
    assert len(requests) == 1
    [request] = requests
    assert request["team"] == "T0DEMO" and request["user"] == "U0ALICE"
    assert request["action"] == "/met" and request["outcome"] == 200 and isinstance(request["ms"], float)
    sweeps = [e for e in logged if e["message"] == "sweep"]
    assert len(sweeps) == 1 and sweeps[0]["sent"] == 1
    digests = [e for e in logged if e["message"] == "digest"]
    assert digests and digests[0]["outcome"] == "sent" and digests[0]["user"] == "U0ALICE"
    text = json_lines.getvalue()
    for secret in ("Confidential", "Secret Corp", "Hidden Summit", "private things", BOT_TOKEN):
        assert secret not in text


# --- nothing typed reaches a line, whatever the level ---------------------------------------------


def test_a_library_record_keeps_only_its_headline_and_nothing_below_warning() -> None:
    stream = io.StringIO()
    out = handler(stream)
    library = logging.getLogger("slack_bolt.App")
    record = library.makeRecord(
        "slack_bolt.App",
        logging.WARNING,
        __file__,
        1,
        "Unhandled request (%s)",
        ({"note": "Secret Person"},),
        None,
    )
    out.handle(record)
    out.handle(
        library.makeRecord("slack_sdk.web", logging.DEBUG, __file__, 1, "body: Secret Person", (), None)
    )
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["message"] == "Unhandled request" and "Secret" not in stream.getvalue()
    assert (
        headline("Invalid request signature detected (signature: x, body: text=Jane)")
        == "Invalid request signature detected"
    )


class FakeSlackError(Exception):
    """Shaped like slack_sdk's SlackApiError: a response with Slack's error code."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.response = {"ok": False, "error": "invalid_blocks"}


def test_an_exception_is_logged_as_types_and_frames_without_its_message() -> None:
    typed = "Secret" + " Person"  # the frames show source lines, never values
    try:
        try:
            raise ValueError(f"Invalid isoformat string: {typed!r}")
        except ValueError as inner:
            raise FakeSlackError(f"The server responded with: {typed}") from inner
    except FakeSlackError as error:
        summary = exception_summary(error)
    assert "Secret" not in summary
    assert "builtins.ValueError" in summary and "FakeSlackError (Slack error: invalid_blocks)" in summary
    assert "test_an_exception_is_logged_as_types_and_frames_without_its_message" in summary  # the frames
