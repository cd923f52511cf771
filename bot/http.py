"""`serve`'s HTTP surface: Bolt's WSGI adapter on waitress, plus /healthz. No `app.start()` anywhere."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.app import Metbot
from store.db import ping

log = logging.getLogger("metbot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is refused before Bolt sees it
SERVER_THREADS = 16

StartResponse = Callable[..., Any]


def wsgi_app(metbot: Metbot) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(metbot.app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        if path == "/healthz" and method in ("GET", "HEAD"):
            up = ping(metbot.engine)
            body = json.dumps({"status": "ok" if up else "degraded", "database": "up" if up else "down"})
            start_response("200 OK" if up else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
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
            result = slack(environ, recording_start_response)
        except ValueError:  # a body that claims to be JSON but isn't: Bolt can't parse it
            log.warning("refused a malformed request body", extra={"path": path})
            if status_holder:
                raise
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Bad Request"]
        log.debug("request", extra={"path": path, "status": status_holder[:1],
                                    "ms": round((time.perf_counter() - started) * 1000, 1)})
        return result

    return application


def make_server(metbot: Metbot, host: str = "0.0.0.0", port: int = 3000, threads: int = SERVER_THREADS) -> Any:
    """A waitress server bound and ready; `.run()` serves, `.close()` stops, `.effective_port` tells the port."""
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
