"""Cross-cutting edge concerns: one structured log line per request, and a kind answer to the unknown."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.replays import ReplayGuard

log = logging.getLogger("metbot.request")


def describe(body: dict[str, Any]) -> str:
    """What the request is, in words safe to log (no message text, no tokens)."""
    kind = body.get("type")
    if body.get("command"):
        text = str(body.get("text") or "").strip().split(maxsplit=1)
        sub = (
            text[0].lower()
            if text
            and text[0].lower() in {"help", "list", "stats", "team", "export", "import", "forget", "config"}
            else ""
        )
        return f"{body['command']} {sub}".strip()
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action {actions[0].get('action_id', '?') if isinstance(actions[0], dict) else '?'}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id', '?')}"
    if kind == "event_callback":
        return f"event {(body.get('event') or {}).get('type', '?')}"
    return str(kind or "unknown")


_current = threading.local()


def log_requests(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Note who is asking for what; the HTTP layer writes the line once the answer's status is known."""
    body = req.body if isinstance(req.body, dict) else {}
    _current.fields = {"team": req.context.team_id, "user": req.context.user_id, "action": describe(body)}
    return next()


def take_request_fields() -> dict[str, object]:
    """The fields the middleware noted for this thread's request (empty if Bolt refused it earlier)."""
    fields = getattr(_current, "fields", None) or {}
    _current.fields = None
    return fields


def dedupe(guard: ReplayGuard) -> Callable[..., BoltResponse]:
    """A retried event (same event_id) or a replayed request (same signature) is acked and dropped."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        key = None
        if body.get("type") == "event_callback" and body.get("event_id"):
            key = f"event:{body['event_id']}"
        else:
            signature = (req.headers.get("x-slack-signature") or [None])[0]
            if signature:
                key = f"sig:{signature}"
        if key is not None:
            try:
                fresh = guard.first_time(key)
            except SQLAlchemyError:
                log.warning("could not check for a replay; handling the request", exc_info=True)
                fresh = True
            if not fresh:
                log.warning(
                    "replayed request ignored",
                    extra={
                        "team": req.context.team_id,
                        "user": req.context.user_id,
                        "action": describe(body),
                        "retry": (req.headers.get("x-slack-retry-num") or [None])[0],
                    },
                )
                return BoltResponse(status=200, body="")
        return next()

    return middleware


def ack_unknown(ack: Ack, body: dict[str, Any]) -> None:
    log.warning("unhandled request acked", extra={"action": describe(body)})
    ack()


def register(app: App, guard: ReplayGuard) -> None:
    """Log every request, drop repeats; registered after every other listener, so the catch-alls only see leftovers."""
    app.use(log_requests)
    app.use(dedupe(guard))
    anything = re.compile(".*")
    app.action(anything)(ack_unknown)
    app.view(anything)(ack_unknown)
    app.view_closed(anything)(ack_unknown)  # a closed modal needs only its 200 (Bolt answers 404 otherwise)
    app.shortcut(anything)(ack_unknown)
