"""The Slack front: `POST /slack/events` checks the signature, keeps the request in the inbox, answers 200.

Nothing else happens in the interpreter that answers Slack: the work runs in worker processes
(bot/work.py). Malformed or unsigned requests are refused here, cheaply and before any database
work: 401 for a missing, non-numeric, doubled or stale timestamp or a bad signature, 400 for a body
that is not what Slack sends. Requests whose answer *is* the HTTP response (a modal submission's
field errors, options for a select) wait for the worker's stored answer, up to `WAIT_SECONDS`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from handlers.web import Reply, Request, Route

if TYPE_CHECKING:  # the front is handed the inbox by the composition root (bot/app.py)
    from store.inbox import Inbox

log = logging.getLogger("metbot.http")

PATH = "/slack/events"
WAITS = frozenset({"view_submission", "block_suggestion"})  # their answer is the HTTP response
WAIT_SECONDS = 2.5  # Slack gives up at 3 s
SAFE_DEFAULT = {"view_submission": b"", "block_suggestion": b'{"options": []}'}  # when the worker is late
KEPT_HEADERS = (
    "content-type",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-slack-retry-num",
    "x-slack-retry-reason",
)
COMMANDS = frozenset({"/met", "/referral"})  # manifest.yml's; any other command is not ours: 404
EVENTS = frozenset({"app_home_opened", "file_shared", "app_uninstalled", "tokens_revoked"})  # likewise
UNAVAILABLE = (
    "Sorry, I couldn't save that just now (my database is unavailable). Please try again in a minute."
)
SUBCOMMANDS = {"help", "list", "stats", "team", "export", "import", "forget", "config"}


class Refused(Exception):
    """A request refused before any work: its status and a short reason for the log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def describe(body: dict[str, Any]) -> str:
    """What the request is, in words safe to log (no message text, no tokens)."""
    kind = body.get("type")
    if body.get("command"):
        words = str(body.get("text") or "").strip().split(maxsplit=1)
        sub = words[0].lower() if words and words[0].lower() in SUBCOMMANDS else ""
        return f"{str(body['command'])[:20]} {sub}".strip()
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        return f"action {str(first.get('action_id', '?'))[:40]}"
    if kind in ("view_submission", "view_closed"):
        view = _part(body, "view")
        return f"{kind} {str(view.get('callback_id', '?'))[:40]}"
    if kind == "event_callback":
        event = _part(body, "event")
        return f"event {str(event.get('type', '?'))[:40]}"
    return str(kind or "unknown")[:40]


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object of the body, or {} when it is missing or not an object (hostile bodies are)."""
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _ids(body: dict[str, Any]) -> dict[str, str | None]:
    """Team and user ids (never names) for the log line."""
    user = _part(body, "user")
    team = _part(body, "team")
    return {
        "team": str(body.get("team_id") or team.get("id") or "")[:20] or None,
        "user": str(body.get("user_id") or user.get("id") or "")[:20] or None,
    }


def _event_type(body: dict[str, Any]) -> str:
    event = _part(body, "event")
    return str(event.get("type") or "")


def check_headers(headers: dict[str, str]) -> tuple[str, str]:
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(401, "bad timestamp")  # missing, non-numeric, or doubled ("1, 1")
    if not (signature.isascii() and signature.startswith("v0=") and len(signature) <= 80):
        raise Refused(401, "bad signature")
    return timestamp, signature


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """The body as Slack means it: a form, a form's `payload` JSON, or a JSON event. Else 400."""
    try:
        text = body.decode("utf-8")
        if "json" in content_type:
            parsed: Any = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "malformed body") from None
    if not isinstance(parsed, dict):
        raise Refused(400, "malformed body (not an object)")
    if not (isinstance(parsed.get("type"), str) or isinstance(parsed.get("command"), str)):
        if parsed.get("ssl_check") == "1":
            return parsed
        raise Refused(400, "malformed body (not a Slack request)")
    return parsed


def key_of(body: dict[str, Any], signature: str) -> str:
    """Slack retries an event with the same event_id; a replayed request carries the same signature."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{str(body['event_id'])[:100]}"
    return f"sig:{signature}"


class SlackFront:
    """The handler for `POST /slack/events`."""

    def __init__(
        self, signing_secret: str, inbox: Inbox, clock: Callable[[], datetime], *, wait: float = WAIT_SECONDS
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.inbox = inbox
        self.clock = clock
        self.wait = wait

    def __call__(self, request: Request) -> Reply:
        try:
            timestamp, signature = check_headers(request.headers)
            try:
                text = request.body.decode(
                    "utf-8"
                )  # Slack sends UTF-8; slack_sdk's check would raise on others
            except UnicodeDecodeError:
                raise Refused(400, "malformed body (not UTF-8)") from None
            if not self.verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
                raise Refused(401, "bad or stale signature")
            body = parse(request.body, request.headers.get("content-type", ""))
        except Refused as refused:
            return Reply(refused.status, b"", log={"action": "refused", "reason": refused.reason})
        fields = {"action": describe(body), **_ids(body)}
        if body.get("type") == "url_verification":
            challenge = str(body.get("challenge", ""))[:200]
            return Reply(200, json.dumps({"challenge": challenge}).encode(), "application/json", fields)
        if body.get("ssl_check") == "1":
            return Reply(200, b"", log=fields)
        if "command" in body and body["command"] not in COMMANDS:
            return Reply(404, b"", log={**fields, "reason": "not our command"})
        if body.get("type") == "event_callback" and _event_type(body) not in EVENTS:
            return Reply(404, b"", log={**fields, "reason": "not our event"})
        return self._keep(request, body, signature, fields)

    def _keep(self, request: Request, body: dict[str, Any], signature: str, fields: dict[str, Any]) -> Reply:
        key = key_of(body, signature)
        kept = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
        try:
            item = self.inbox.accept(key, "slack", fields["action"], request.body, kept, self.clock())
        except Exception as error:  # the database (or its driver) failed: not kept, so say so (no traceback)
            log.warning("could not keep the request", extra={"error": type(error).__name__, **fields})
            return unavailable(body, fields)
        kind = str(body.get("type") or "")
        if item is None:
            log.warning(
                "replayed request ignored",
                extra={**fields, "retry": request.headers.get("x-slack-retry-num")},
            )
            answer = self.inbox.answer_for_key(key) if kind in WAITS else None
            if answer is not None and answer.status == "done":
                return self._reply(answer.response, fields)
            return Reply(200, b"", log={**fields, "replay": True})
        if kind in WAITS:
            return self._await(item, kind, fields)
        return Reply(200, b"", log=fields)

    def _await(self, item: int, kind: str, fields: dict[str, Any]) -> Reply:
        """Poll the row (lock-free read) until the worker stored its answer, or give Slack a safe default."""
        deadline = time.monotonic() + self.wait
        pause = 0.001
        while time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 1.5, 0.01)
            answer = self.inbox.answer(item)
            if answer is not None and answer.status in ("done", "failed"):
                return self._reply(answer.response, fields)
        log.warning("the worker was late; answered with the default", extra=fields)
        return Reply(200, SAFE_DEFAULT.get(kind, b""), "application/json", {**fields, "late": True})

    @staticmethod
    def _reply(response: str | None, fields: dict[str, Any]) -> Reply:
        stored = json.loads(response) if response else {}
        body = str(stored.get("body") or "").encode()
        # Always 200: a modal shows a generic error for anything else, and the worker has said sorry itself.
        return Reply(200, body, str(stored.get("content_type") or "application/json"), fields)


def unavailable(body: dict[str, Any], fields: dict[str, Any]) -> Reply:
    """The database is down, so nothing can be kept: tell the user in the HTTP answer itself where Slack
    shows one (a command's ephemeral reply, a form's field error); otherwise 503, and Slack retries events."""
    fields = {**fields, "reason": "inbox unavailable"}
    if "command" in body:
        text = {"response_type": "ephemeral", "text": UNAVAILABLE}
        return Reply(200, json.dumps(text).encode(), "application/json", fields)
    if body.get("type") == "view_submission":
        view = _part(body, "view")
        inputs = [b for b in view.get("blocks") or [] if isinstance(b, dict) and b.get("type") == "input"]
        values = (view.get("state") or {}).get("values") if isinstance(view.get("state"), dict) else None
        named = [str(b.get("block_id") or "") for b in inputs] or list(values or {})
        first = str(named[0])[:255] if named else ""
        if first:
            answer = {"response_action": "errors", "errors": {first: UNAVAILABLE}}
            return Reply(200, json.dumps(answer).encode(), "application/json", fields)
    return Reply(503, b"", log=fields)


def slack_routes(front: SlackFront, oauth: Any = None) -> list[Route]:
    """`POST /slack/events`, and with OAuth Bolt's own install pages (GET, no inbox)."""
    routes = [Route("POST", PATH, handler=front)]
    if oauth is not None:
        routes += [
            Route("GET", "/slack/install", wsgi=oauth),
            Route("GET", "/slack/oauth_redirect", wsgi=oauth),
        ]
    return routes
