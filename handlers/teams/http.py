"""`POST /api/messages` as a WSGI app, for serve's shared server (and the tests' own).

The SDK's route handler runs on the bridge's loop (sdk.py); this only moves bytes: the body (refused
past `MAX_BODY` before anyone parses it), the headers, and the answer back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from handlers.teams.sdk import MESSAGING_ENDPOINT

log = logging.getLogger("metbot.http")

MAX_BODY = 1_000_000  # as for Slack: activities are far smaller
StartResponse = Callable[..., Any]
HandleActivity = Callable[[bytes, Mapping[str, str]], tuple[int, dict[str, str], bytes]]


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def answer_activity(
    environ: Mapping[str, Any], start_response: StartResponse, handle: HandleActivity
) -> Iterable[bytes]:
    """Serve one POST /api/messages with `handle` (TeamsBridge.handle_activity), with a request log line."""
    started = time.perf_counter()
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Type", "text/plain")])
        return [b"Method Not Allowed"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        log.warning("refused an oversized request", extra={"path": MESSAGING_ENDPOINT, "length": length})
        start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
        return [b"Payload Too Large"]
    body = environ["wsgi.input"].read(length) if length else b""
    status, headers, payload = handle(body, _headers(environ))
    log.info(
        "request",
        extra={
            "action": "unverified" if status == 401 else MESSAGING_ENDPOINT,
            "outcome": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    start_response(_status(status), [*headers.items(), ("Content-Length", str(len(payload)))])
    return [payload]


def wsgi_app(handle: HandleActivity) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app answering only /api/messages (404 elsewhere): what the tests and benchmarks serve."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == MESSAGING_ENDPOINT:
            return answer_activity(environ, start_response, handle)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return application
