"""The one HTTP server every edge mounts on: waitress, a routes table, /healthz, /metrics, limits, one log line.

Slack mounts `POST /slack/events` (handlers/slack/http.py); Teams mounts `POST /api/messages` beside it.
A route's handler gets the whole body, already size-checked, and answers with a `Reply`; it may also be a
raw WSGI app (Bolt's OAuth pages). The server refuses what would tie it up: bodies over `MAX_BODY`,
idle or half-open connections past `channel_timeout`, and SIGTERM drains it (`Web.drain`).
"""

from __future__ import annotations

import logging
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from waitress.server import create_server

log = logging.getLogger("metbot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is refused unread
SERVER_THREADS = 16
CONNECTION_LIMIT = 4000  # far above what a proxy keeps open; half-open clients time out long before
CHANNEL_TIMEOUT = 10  # seconds a connection may sit idle or half-sent (Slack sends a request at once)
ACK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    503: "503 Service Unavailable",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    log: dict[str, Any] = field(default_factory=dict)  # fields for the request's log line (no user text)


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler | None = None
    wsgi: Wsgi | None = None  # a raw WSGI app instead (e.g. Bolt's OAuth pages)
    prefix: bool = False  # serves every path under `path` (e.g. /files/<token>/<name>)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    found = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        found["content-type"] = environ["CONTENT_TYPE"]
    return found


class Web:
    """The WSGI application: routes, health, metrics, the request log line and the in-flight count."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        health: Callable[[], bool],
        registry: CollectorRegistry | None = None,
        max_body: int = MAX_BODY,
        own_metrics: bool = True,
    ) -> None:
        """`own_metrics=False` under prometheus-client's multiprocess mode: the request metrics are written
        to its files and `registry` exposes them through its MultiProcessCollector."""
        self.routes = {(route.method, route.path): route for route in routes if not route.prefix}
        self.prefixed = [route for route in routes if route.prefix]
        self.paths = {route.path for route in routes}
        self.health = health
        self.registry = registry or CollectorRegistry()
        self.max_body = max_body
        self.draining = False
        self.in_flight = 0
        self._lock = threading.Lock()
        self.requests = Counter(
            "metbot_requests",
            "HTTP requests by route and outcome",
            ["route", "outcome"],
            registry=self.registry if own_metrics else None,
        )
        self.ack_seconds = Histogram(
            "metbot_ack_seconds",
            "Time from request to answer, per route",
            ["route"],
            buckets=ACK_BUCKETS,
            registry=self.registry if own_metrics else None,
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        with self._lock:
            self.in_flight += 1
        try:
            method = environ.get("REQUEST_METHOD", "GET")
            path = environ.get("PATH_INFO", "")
            route = self.routes.get((method, path)) or next(
                (r for r in self.prefixed if r.method == method and path.startswith(r.path)), None
            )
            if route is not None and route.wsgi is not None:
                return route.wsgi(environ, start_response)
            reply = self._answer(route, method, path, environ)
            self._finish(path if route else "other", reply, started)
            start_response(
                STATUS.get(reply.status, f"{reply.status} Status"),
                [
                    ("Content-Type", reply.content_type),
                    ("Content-Length", str(len(reply.body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [reply.body]
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, route: Route | None, method: str, path: str, environ: dict[str, Any]) -> Reply:
        if method in ("GET", "HEAD") and path == "/healthz":
            return self._healthz()
        if method == "GET" and path == "/metrics":
            return Reply(200, generate_latest(self.registry), CONTENT_TYPE_LATEST, {"action": "metrics"})
        if route is None or route.handler is None:
            return Reply(405 if path in self.paths else 404, b"Not Found" if path not in self.paths else b"")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return Reply(400, b"Bad Request", log={"reason": "malformed length"})
        if length > self.max_body or length < 0:
            return Reply(413, b"Payload Too Large", log={"reason": "oversized body", "length": length})
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(method, path, environ.get("QUERY_STRING", ""), _headers(environ), body)
        try:
            return route.handler(request)
        except Exception:  # never a 500 page or a traceback to the caller; the log names the type only
            log.exception("request failed", extra={"path": path})
            return Reply(503, b"Service Unavailable", log={"action": "failed"})

    def _healthz(self) -> Reply:
        up = self.health() and not self.draining
        state = "draining" if self.draining else ("ok" if up else "degraded")
        body = f'{{"status": "{state}", "database": "{"up" if self.health() else "down"}"}}'.encode()
        return Reply(200 if up else 503, body, "application/json", {"action": "healthz"})

    def _finish(self, route: str, reply: Reply, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.requests.labels(route, str(reply.status)).inc()
        if route not in ("/healthz", "/metrics"):
            self.ack_seconds.labels(route).observe(elapsed)
            fields = {"path": route, "outcome": reply.status, "ms": round(elapsed * 1000, 2), **reply.log}
            if 400 <= reply.status < 500:  # one short line, no body, no traceback
                reason = str(reply.log.get("reason") or reply.log.get("action") or "request")
                log.warning("refused: %s", reason, extra=fields)
            else:
                log.info("request", extra=fields)

    def drain(self) -> None:
        """Say so on /healthz (the proxy stops sending); the server stops accepting (see `stop_accepting`)."""
        self.draining = True


def _more_files() -> None:
    """Let the server hold many connections: raise the soft open-files limit to the hard one."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass


def make_server(
    app: Wsgi, host: str = "0.0.0.0", port: int = 3000, threads: int = SERVER_THREADS, **overrides: Any
) -> Any:
    """A waitress server bound and ready; `.run()` serves, `.effective_port` tells the port.

    Half-open and slow clients cannot take it off: poll() instead of select() (no 1024-socket ceiling),
    a connection limit far above real use, and idle connections closed after CHANNEL_TIMEOUT.
    """
    _more_files()
    sys.setswitchinterval(0.001)  # request threads get the interpreter back quickly
    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": "metbot",
        "max_request_body_size": 8 * MAX_BODY,  # waitress's hard cap; past MAX_BODY the app refuses and logs
        "max_request_header_size": 64 * 1024,
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": 2,
        "backlog": 2048,
        "asyncore_use_poll": True,
        "clear_untrusted_proxy_headers": True,
    }
    settings.update(overrides)
    return create_server(app, **settings)


def stop_accepting(server: Any) -> None:
    """From any thread: close the listening socket (new connections are refused); open ones carry on."""

    def close_listener() -> None:
        server.accepting = False
        server.del_channel()
        server.socket.close()

    server.trigger.pull_trigger(close_listener)


def shut(server: Any) -> None:
    """From any thread: close every connection so `run()` returns, then stop the request threads."""
    from waitress import wasyncore

    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)


def drain(web: Web, server: Any, *, timeout: float = 10.0) -> bool:
    """SIGTERM: stop accepting, answer every request already in, then close. True if all were answered."""
    web.drain()
    stop_accepting(server)
    deadline = time.monotonic() + timeout
    time.sleep(0.05)  # a request whose bytes are arriving right now gets its task queued
    while time.monotonic() < deadline:
        if web.in_flight == 0 and not server.task_dispatcher.queue:
            break
        time.sleep(0.01)
    answered = web.in_flight == 0
    shut(server)
    return answered


class StoreCollector:
    """Gauges read from the database at scrape time: the inbox's depth and age, digests by outcome."""

    def __init__(
        self,
        depth: Callable[[], int],
        age: Callable[[], float],
        digests: Callable[[], dict[str, int]],
    ) -> None:
        self.depth, self.age, self.digests = depth, age, digests

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        try:
            depth, age, digests = self.depth(), self.age(), self.digests()
        except Exception:  # the database is away: /healthz says so; the scrape still answers
            log.warning("metrics: database unavailable", exc_info=True)
            return
        yield GaugeMetricFamily("metbot_inbox_depth", "Requests acked and not yet done", value=depth)
        yield GaugeMetricFamily(
            "metbot_inbox_oldest_seconds", "Age of the oldest request not yet done", value=age
        )
        family = GaugeMetricFamily("metbot_digests", "Digests by outcome (all time)", labels=["outcome"])
        for outcome, count in sorted(digests.items()):
            family.add_metric([outcome], count)
        yield family
