"""The Slack edge inside a worker: a kept request is fed to Bolt; plus the catch-alls and Socket Mode's guards."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.records import KeptRequest as Claimed
from bot.replays import ReplayGuard
from handlers.slack.http import describe

log = logging.getLogger("metbot.request")

__all__ = ["describe", "processor", "register", "take_request_fields"]


def processor(app: App) -> Callable[[Claimed], str | None]:
    """Run one kept request through Bolt (built with `request_verification_enabled=False`: the front
    verified it, and a re-check would refuse an old timestamp after a crash). Lazy listeners run inline
    (bot.work.InlineExecutor), so when `dispatch` returns the effect and the reply are done."""

    def process(item: Claimed) -> str | None:
        body = item.body.decode("utf-8")
        if "form-urlencoded" in item.headers.get("content-type", "") and not body.startswith("payload="):
            # Bolt takes any form body containing the word "payload" for an interactivity payload and
            # parses it as empty (`/met Sam at the payload summit`); the percent-escape reads the same.
            body = body.replace("payload", "p%61yload")
        response = app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in item.headers.items()}))
        content_type = (response.headers.get("content-type") or ["application/json"])[0]
        return json.dumps({"status": response.status, "body": response.body, "content_type": content_type})

    return process


_current = threading.local()


def log_requests(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Socket Mode: note who is asking for what."""
    body = req.body if isinstance(req.body, dict) else {}
    _current.fields = {"team": req.context.team_id, "user": req.context.user_id, "action": describe(body)}
    return next()


def take_request_fields() -> dict[str, object]:
    fields = getattr(_current, "fields", None) or {}
    _current.fields = None
    return fields


def dedupe(guard: ReplayGuard) -> Callable[..., BoltResponse]:
    """Socket Mode (no inbox in front): a retried event or a replayed request is acked and dropped."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        key = None
        if body.get("type") == "event_callback" and body.get("event_id"):
            key = f"event:{body['event_id']}"
        else:
            values = req.headers.get("x-slack-signature") or []
            signature = values[0] if values else None
            if signature:
                key = f"sig:{signature}"
        if key is not None:
            try:
                fresh = guard.first_time(key)
            except SQLAlchemyError:
                log.warning("could not check for a replay; handling the request", exc_info=True)
                fresh = True
            if not fresh:
                log.warning("replayed request ignored", extra={"action": describe(body)})
                return BoltResponse(status=200, body="")
        return next()

    return middleware


def ack_unknown(ack: Ack, body: dict[str, Any]) -> None:
    log.warning("unhandled request acked", extra={"action": describe(body)})
    ack()


def register(app: App, guard: ReplayGuard | None) -> None:
    """The catch-alls, registered after every other listener so they only see leftovers; with a guard
    (Socket Mode) also the request log and replay drop that the inbox front does over HTTP."""
    if guard is not None:
        app.use(log_requests)
        app.use(dedupe(guard))
    anything = re.compile(".*")
    app.action(anything)(ack_unknown)
    app.view(anything)(ack_unknown)
    app.view_closed(anything)(ack_unknown)  # a closed modal needs only its 200 (Bolt answers 404 otherwise)
    app.shortcut(anything)(ack_unknown)
    app.options(anything)(lambda ack: ack(options=[]))
