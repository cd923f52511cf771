"""The front over HTTP: junk and unsigned requests are refused cheaply (400/401, never 500, one short log
line without user text); a signed request is kept once and answered; a form's answer waits for the worker."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from handlers.slack.offline import SIGNING_SECRET, OfflineBot
from store.models import InboxItem, Meeting

SECRET_TEXT = "Zebulon Quagmire"  # a name that must never reach a log line


def signed(bot: OfflineBot, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> int:
    """Signed over the raw bytes, as Slack's scheme defines it (whatever the bytes are)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": content_type,
    }
    return bot.slack.raw(body, headers).status


def kept(bot: OfflineBot) -> int:
    with bot.front.inbox.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(InboxItem)).scalar() or 0)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"null",
        b'"x"',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"{not json",
        b'{"no": "type"}',
    ],
    ids=["list", "null", "string", "deep list", "deep object", "broken", "no type"],
)
def test_json_that_slack_does_not_send_is_400(bot: OfflineBot, body: bytes) -> None:
    assert signed(bot, body, "application/json") == 400
    assert kept(bot) == 0


@pytest.mark.parametrize(
    "body",
    [b"payload=null", b"payload=%5B%5D", b"payload=%7Bnot", b"text=hello", b"\xff\xfe=\xff"],
    ids=["payload null", "payload list", "payload broken", "no command", "not utf-8"],
)
def test_forms_that_slack_does_not_send_are_400(bot: OfflineBot, body: bytes) -> None:
    assert signed(bot, body) == 400
    assert kept(bot) == 0


@pytest.mark.parametrize(
    "timestamp",
    [None, "", "abc", "1700000000, 1700000000", "170000000²", "99999999999999999999", "stale"],
    ids=["missing", "empty", "non-numeric", "doubled", "superscript digit", "huge", "stale"],
)
def test_bad_timestamps_are_401(bot: OfflineBot, timestamp: str | None) -> None:
    body = urlencode(
        {"command": "/met", "text": SECRET_TEXT, "user_id": "U0ALICE", "team_id": "T0DEMO"}
    ).encode()
    when = int(time.time()) - 600 if timestamp == "stale" else None
    headers = bot.slack.signer.headers(body, timestamp=when)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    if timestamp is None:
        headers.pop("X-Slack-Request-Timestamp")
    elif timestamp != "stale":
        headers["X-Slack-Request-Timestamp"] = timestamp
    assert bot.slack.raw(body, headers).status == 401
    assert kept(bot) == 0


@pytest.mark.parametrize("signature", ["", "v0=" + "0" * 64, "v0=ü", "v1=abc", "v0=" + "a" * 500])
def test_bad_signatures_are_401(bot: OfflineBot, signature: str) -> None:
    body = urlencode({"command": "/met", "text": SECRET_TEXT}).encode()
    headers = bot.slack.signer.headers(body)
    headers["X-Slack-Signature"] = signature
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert bot.slack.raw(body.decode().encode("latin-1"), headers).status == 401


def test_refusals_are_one_short_line_without_user_text(
    bot: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = urlencode({"command": "/met", "text": SECRET_TEXT}).encode()
    for _ in range(20):
        bot.slack.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
        signed(bot, b"payload=" + json.dumps([SECRET_TEXT]).encode())
    lines = [r for r in caplog.records if r.name.startswith("metbot")]
    assert len(lines) == 40
    assert all(r.levelno == logging.WARNING and r.getMessage().startswith("refused") for r in lines)
    assert SECRET_TEXT not in caplog.text and "Traceback" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


def test_url_verification_is_answered_by_the_front(bot: OfflineBot) -> None:
    answer = bot.slack.url_verification("the-challenge")
    assert answer.status == 200 and "the-challenge" in answer.body
    assert kept(bot) == 0


def test_a_command_is_kept_once_and_its_body_dropped_when_done(bot: OfflineBot) -> None:
    bot.slack.command(f"{SECRET_TEXT} (Acme) at BNI")
    bot.fake.wait_for("response_url")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with bot.front.inbox.engine.connect() as connection:
            row = connection.execute(select(InboxItem.status, InboxItem.body, InboxItem.kind)).one()
        if row.status == "done":
            break
        time.sleep(0.02)
    assert (row.status, bytes(row.body), row.kind) == ("done", b"", "/met")


def test_a_form_submission_waits_for_the_workers_answer(bot: OfflineBot) -> None:
    answer = bot.slack.view_submission("meeting_form", bot.slack.simple_values({"name": ""}))
    assert answer.status == 200
    assert answer.json()["response_action"] == "errors"  # the worker's validation, carried back
    saved = bot.slack.view_submission("meeting_form", bot.slack.simple_values({"name": "Jane Doe"}))
    assert saved.json()["response_action"] == "update"
    with bot.metbot.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_a_modal_opens_from_the_worker_with_the_fresh_trigger_id(bot: OfflineBot) -> None:
    answer = bot.slack.command("")
    [opened] = bot.fake.wait_for("views.open")
    assert answer.status == 200 and opened.args["trigger_id"] == answer.trigger_id


def test_view_closed_and_options_are_answered(bot: OfflineBot) -> None:
    assert bot.slack.view_closed("meeting_form").status == 200


def test_six_hundred_half_open_connections_do_not_take_the_server_off(bot: OfflineBot) -> None:
    """Clients that connect and send nothing (or half a request) used to exhaust waitress's 100-connection
    default; now they wait out the channel timeout while real requests are answered."""
    import socket

    port = int(bot.url.rsplit(":", 1)[1])
    idle = []
    try:
        for n in range(600):
            sock = socket.create_connection(("127.0.0.1", port))
            if n % 2:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            idle.append(sock)
        answer = bot.slack.command("Jane Doe (Acme) at BNI")
        assert answer.status == 200
        assert bot.slack.get("/healthz").status == 200
        bot.fake.wait_for("response_url")
    finally:
        for sock in idle:
            sock.close()
