"""`serve`'s HTTP surface: Bolt's WSGI adapter on waitress, plus /healthz. No `app.start()` anywhere."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot.app import Metbot
from bot.settings import secret
from handlers.slack.requests import take_request_fields
from store.db import ping

log = logging.getLogger("metbot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is refused before Bolt sees it
SERVER_THREADS = 16
SWITCH_INTERVAL = 0.001

StartResponse = Callable[..., Any]


def payload_word_guard(signing_secret: str) -> Callable[[dict[str, Any]], None]:
    """Work around Bolt's body sniffing: a form body containing the word "payload" anywhere (e.g.
    `/met Sam at the payload summit`) is taken for an interactivity payload and parsed as empty, so
    the command would be lost. After checking Slack's signature ourselves, we spell the word with a
    percent-escape (it decodes to the same text) and re-sign the body for Bolt's own verification."""
    verifier = SignatureVerifier(signing_secret)

    def guard(environ: dict[str, Any]) -> None:
        if not signing_secret or "form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
            return
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        if b"payload" not in raw or raw.startswith(b"payload="):
            return
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not verifier.is_valid(body=raw, timestamp=timestamp, signature=signature):
            return  # leave it for Bolt to refuse
        fixed = raw.replace(b"payload", b"p%61yload")
        environ["wsgi.input"] = io.BytesIO(fixed)
        environ["CONTENT_LENGTH"] = str(len(fixed))
        environ["HTTP_X_SLACK_SIGNATURE"] = verifier.generate_signature(timestamp=timestamp, body=fixed)

    return guard


def wsgi_app(metbot: Metbot) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(metbot.app, path="/slack/events")
    guard = payload_word_guard(secret(metbot.settings.slack_signing_secret))

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        if path == "/healthz" and method in ("GET", "HEAD"):
            up = ping(metbot.engine)
            body = json.dumps({"status": "ok" if up else "degraded", "database": "up" if up else "down"})
            start_response(
                "200 OK" if up else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            )
            return [body.encode()]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            log.warning("refused an oversized request", extra={"path": path, "length": length})
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"Payload Too Large"]
        status_holder: list[str] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status_holder.append(status)
            return start_response(status, headers, *rest)

        try:
            guard(environ)
            result = slack(environ, recording_start_response)
        except ValueError:  # a body that claims to be JSON but isn't: Bolt can't parse it
            log.warning("refused a malformed request body", extra={"path": path})
            if status_holder:
                raise
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Bad Request"]
        fields = take_request_fields()
        status = int(status_holder[0].split()[0]) if status_holder else 0
        log.info(
            "request",
            extra={
                "team": fields.get("team"),
                "user": fields.get("user"),
                "action": fields.get("action") or ("unverified" if status == 401 else path),
                "outcome": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return result

    return application


def make_server(
    metbot: Metbot, host: str = "0.0.0.0", port: int = 3000, threads: int = SERVER_THREADS
) -> Any:
    """A waitress server bound and ready; `.run()` serves, `.close()` stops, `.effective_port` tells the port."""
    # Acks must not wait behind the lazy work's CPU for a whole 5 ms GIL slice each time they need the
    # interpreter: a 1 ms switch interval keeps the request threads responsive (benchmarks/ack).
    sys.setswitchinterval(SWITCH_INTERVAL)
    return create_server(
        wsgi_app(metbot),
        host=host,
        port=port,
        threads=threads,
        ident="metbot",
        max_request_body_size=8 * MAX_BODY,  # waitress's hard cap; past MAX_BODY the app refuses and logs
        connection_limit=500,
        channel_timeout=30,
        clear_untrusted_proxy_headers=True,
    )
