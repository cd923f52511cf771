"""The project's one local Slack stand-in: used by the offline demo, the test suite and the benchmarks.

Why one module: every consumer must see the same Slack. If the demo, the tests and the benchmarks
each grew their own fake, they would drift apart and from Slack itself. This one answers the way
Slack answers (shapes, errors, status codes, headers), so a handler that works here works there.

Four parts, standard library + slack_sdk only:

* `FakeSlack` — a loopback HTTP fake of Slack's Web API, response_urls, file upload and download
  URLs. The real `slack_sdk.WebClient(base_url=fake.api_url)` talks to it. Every call is recorded;
  failures (5xx, 429, Slack errors, slow answers) can be injected on demand.
* `SlackSigner` — signs request bodies exactly as Slack does (via slack_sdk's own verifier).
* `SlackRequests` — builds slash-command, interactivity and Events API payloads shaped like
  Slack's, signs them and POSTs them to the app under test.
* `blocks_to_text` / `view_to_text` / `message_to_text` — render Block Kit back to plain text so
  the demo can print the conversation.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.client
import http.server
import json
import mimetypes
import re
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_SCOPES",
    "DEFAULT_TEAM",
    "VERIFICATION_TOKEN",
    "Answer",
    "Call",
    "Failure",
    "FakeFile",
    "FakeSlack",
    "SlackRequests",
    "SlackSigner",
    "block_errors",
    "blocks_to_text",
    "message_errors",
    "message_to_text",
    "mrkdwn_to_text",
    "view_errors",
    "view_to_text",
]

DEFAULT_TEAM = "T0DEMO"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0METBOT"
VERIFICATION_TOKEN = "metbot-verification-token"  # the deprecated per-app token Slack still sends
DEFAULT_SCOPES = "commands,chat:write,im:write,users:read,files:write,files:read"
DEFAULT_TZ = "America/New_York"

# Methods that authenticate with client credentials, not with a token.
_TOKENLESS_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"})
_FIRST_TS_MICROS = 1_700_000_000_000_100
# Methods whose payload Slack checks against Block Kit's rules before doing anything.
_MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"}
)
_VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})
_JSON = "application/json; charset=utf-8"


# ----------------------------------------------------------------------------------------------------------
# Block Kit: what Slack refuses
# ----------------------------------------------------------------------------------------------------------
# slack_sdk's models know most of Slack's limits, but `validate_json()` checks only the object it is called
# on; `_model_errors` walks every nested block, element, option and text object. The rules slack_sdk does
# not know (unique ids, block counts, a few lengths) are checked here, with the numbers Slack documents.

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000
FIELD_TEXT_MAX = 2000
TEXT_INPUT_MAX = 3000
VIEW_TYPES = ("modal", "home")


def _at(message: str, pointer: str) -> str:
    """Slack's error shape: what is wrong, then where (a JSON pointer into the payload)."""
    return f"{message} [json-pointer:{pointer}]"


def _model_errors(obj: JsonObject, pointer: str) -> list[str]:
    """slack_sdk's own validators on `obj` and on everything nested in it."""
    errors: list[str] = []
    try:
        obj.validate_json()
    except SlackObjectFormationError as error:
        errors.append(_at(str(error), pointer))
    for name in sorted(obj.attributes):
        value = getattr(obj, name, None)
        if isinstance(value, JsonObject):
            errors.extend(_model_errors(value, f"{pointer}/{name}"))
        elif isinstance(value, Mapping) and name == "initial_option":
            errors.extend(_option_errors(value, f"{pointer}/{name}"))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, JsonObject):
                    errors.extend(_model_errors(item, f"{pointer}/{name}/{i}"))
                elif isinstance(item, Mapping) and name in ("options", "initial_options"):
                    errors.extend(_option_errors(item, f"{pointer}/{name}/{i}"))
                elif isinstance(item, Mapping) and name == "option_groups":
                    for j, option in enumerate(item.get("options") or []):
                        errors.extend(_option_errors(option, f"{pointer}/{name}/{i}/options/{j}"))
    return errors


def _option_errors(option: Any, pointer: str) -> list[str]:
    """Select menus keep their options as dicts: parse each as slack_sdk's Option to check it."""
    if not isinstance(option, Mapping) or not isinstance(option.get("value"), str):
        return [_at("must provide an option with a value", pointer)]
    try:
        return _model_errors(Option(**option), pointer)
    except Exception as error:
        return [_at(f"invalid option: {type(error).__name__}", pointer)]


def _elements(block: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The interactive elements of a block, with their pointer suffixes."""
    found: list[tuple[str, Any]] = []
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        found += [(f"/elements/{i}", e) for i, e in enumerate(block["elements"])]
    found += [
        (f"/{key}", block[key]) for key in ("accessory", "element") if isinstance(block.get(key), Mapping)
    ]
    return found


def _rules_sdk_lacks(block: Mapping[str, Any], pointer: str) -> list[str]:
    """Unique action_ids within the block, section field length, text input lengths."""
    errors: list[str] = []
    seen: set[str] = set()
    for where, element in _elements(block):
        if not isinstance(element, Mapping):
            continue
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            if action_id in seen:
                errors.append(_at(f"action_id {action_id!r} already exists in this block", pointer + where))
            seen.add(action_id)
        if element.get("type") == "plain_text_input":
            for key in ("max_length", "min_length"):
                if isinstance(element.get(key), int) and element[key] > TEXT_INPUT_MAX:
                    errors.append(_at(f"must be at most {TEXT_INPUT_MAX}", f"{pointer}{where}/{key}"))
    for i, item in enumerate(block.get("fields") or []):
        if isinstance(item, Mapping) and len(str(item.get("text") or "")) > FIELD_TEXT_MAX:
            errors.append(
                _at(f"must be less than {FIELD_TEXT_MAX + 1} characters", f"{pointer}/fields/{i}/text")
            )
    return errors


def _block_errors(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
        return [_at("must provide an object with a type", pointer)]
    try:
        model = Block.parse(dict(block))
    except Exception as error:  # slack_sdk refuses the shape itself (a wrong type for a field, ...)
        return [_at(f"invalid block: {type(error).__name__}", pointer)]
    if model is None or type(model) is Block:
        return [_at(f"unsupported block type {block['type']!r}", pointer + "/type")]
    return _model_errors(model, pointer) + _rules_sdk_lacks(block, pointer)


def block_errors(blocks: Any, *, limit: int = MESSAGE_BLOCKS_MAX, pointer: str = "/blocks") -> list[str]:
    """Every reason Slack would answer `invalid_blocks` for these blocks (empty: Slack takes them)."""
    blocks = _maybe_json(blocks)
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [_at("must provide an array", pointer)]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(_at(f"must be less than {limit + 1} items", pointer))
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        errors.extend(_block_errors(block, f"{pointer}/{i}"))
        block_id = block.get("block_id") if isinstance(block, Mapping) else None
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(_at(f"block_id {block_id!r} already exists", f"{pointer}/{i}/block_id"))
            seen.add(block_id)
    return errors


def view_errors(view: Any) -> list[str]:
    """Every reason Slack would refuse this view (views.open/push/update/publish, or a view in an ack)."""
    view = _maybe_json(view)
    if not isinstance(view, Mapping) or view.get("type") not in VIEW_TYPES:
        return [_at("must provide a view of type modal or home", "/view/type")]
    shape = {k: v for k, v in view.items() if k != "blocks"}
    try:
        errors = _model_errors(View(**shape, blocks=[{"type": "divider"}]), "/view")
    except Exception as error:
        errors = [_at(f"invalid view: {type(error).__name__}", "/view")]
    if view["type"] == "modal" and not view.get("title"):
        errors.append(_at("must provide a title", "/view/title"))
    return errors + block_errors(view.get("blocks") or [], limit=VIEW_BLOCKS_MAX, pointer="/view/blocks")


def message_errors(args: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """(Slack's error code, the reasons) when Slack would refuse this message; None when it takes it."""
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return "msg_too_long", [_at(f"must be less than {MESSAGE_TEXT_MAX + 1} characters", "/text")]
    errors = block_errors(args.get("blocks"))
    return ("invalid_blocks", errors) if errors else None


def _refusal(error: str, errors: list[str]) -> dict[str, Any]:
    """Slack's answer to a payload it refuses: the code, the reasons, and the same as warnings' messages."""
    return {
        "ok": False,
        "error": error,
        "errors": errors,
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


# ----------------------------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One request the fake received: what a test asserts on, including failed attempts."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int
    error: str | None = None  # the Slack `error` we answered with (or the hook's error text)
    http_method: str = "POST"
    label: str = ""  # the `name` given to `response_url()`, so tests can tell hooks apart
    response: Any = None  # the JSON we answered (API calls), e.g. to find the opened view's id
    refused: list[str] | None = None  # why Slack's Block Kit checks refused the payload, if they did

    @property
    def ok(self) -> bool:
        """True when the caller got a successful answer (HTTP 200 and no Slack error)."""
        return self.status == 200 and self.error is None

    def json_arg(self, key: str, default: Any = None) -> Any:
        """An argument decoded from JSON if it arrived as a JSON string (form posts of `blocks`, `view`)."""
        value = self.args.get(key, default)
        if isinstance(value, str | bytes):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def describe(self) -> str:
        """One readable line, used in `wait_for`'s failure message."""
        shown = []
        for key, value in self.args.items():
            text = f"<{len(value)} bytes>" if isinstance(value, bytes) else repr(value)
            shown.append(f"{key}={text if len(text) <= 60 else text[:57] + '...'}")
        outcome = "ok" if self.ok else f"{self.status} {self.error or ''}".strip()
        label = f" [{self.label}]" if self.label else ""
        return f"{self.method}{label} -> {outcome}: {', '.join(shown)}"


@dataclass
class Failure:
    """A failure injected with `FakeSlack.fail`; `hits` counts the calls it has answered."""

    method: str
    status: int | None = None
    error: str | None = None
    retry_after: int | None = None
    timeout: float | None = None
    times: int = 1
    where: Callable[[dict[str, Any]], bool] | None = None
    hits: int = 0

    @property
    def active(self) -> bool:
        """Whether it still fails matching calls (`times=-1` fails forever)."""
        return self.times < 0 or self.hits < self.times

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        """Whether this failure applies to a call of `method` with `args`."""
        return self.active and self.method == method and (self.where is None or bool(self.where(args)))


@dataclass
class AfterFault(Failure):
    """A call done for real whose answer is then lost (`FakeSlack.fail_after`, added by "delivery")."""

    drop: bool = False


@dataclass
class FakeFile:
    """A file known to the fake: registered with `add_file` or uploaded through files_upload_v2."""

    file_id: str
    name: str
    title: str
    filetype: str
    mimetype: str
    user: str
    content: bytes | None = None
    length: int | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    uploaded: bool = False  # came in through getUploadURLExternal + upload URL
    completed: bool = False  # shared: completeUploadExternal called (or registered with add_file)
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection instead of answering (AfterFault, below)


def _json_reply(payload: Mapping[str, Any], status: int = 200, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(payload).encode("utf-8"), _JSON, dict(headers))


def _text_reply(text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> _Reply:
    return _Reply(status, text.encode("utf-8"), content_type)


# ----------------------------------------------------------------------------------------------------------
# Body parsing
# ----------------------------------------------------------------------------------------------------------


def _content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into the media type and its parameters."""
    if not header:
        return "", {}
    main, *rest = header.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, _, value = item.strip().partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), params


def _parse_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Parts of a multipart/form-data body as (lower-cased headers + disposition params, content)."""
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        for key, value in re.findall(r'(\w+)="([^"]*)"', headers.get("content-disposition", "")):
            headers[f"disposition.{key.lower()}"] = value
        parts.append((headers, content.removesuffix(b"\r\n")))
    return parts


def _form_to_dict(text: str) -> dict[str, Any]:
    """Form-encoded text as a dict: a single value stays a string, repeated keys become lists."""
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(text, keep_blank_values=True).items()}


def _parse_args(query: str, body: bytes, content_type: str | None) -> dict[str, Any]:
    """The call's arguments from the query string and the body, whichever encoding slack_sdk chose."""
    args: dict[str, Any] = _form_to_dict(query) if query else {}
    media, params = _content_type(content_type)
    if not body:
        return args
    if media == "application/json":
        parsed = json.loads(body.decode("utf-8"))
        if isinstance(parsed, dict):
            args.update(parsed)
        else:
            args["_json"] = parsed
    elif media == "multipart/form-data" and "boundary" in params:
        for headers, content in _parse_multipart(body, params["boundary"]):
            name = headers.get("disposition.name", "")
            if "disposition.filename" in headers:
                args[name] = content
                args.setdefault("filename", headers["disposition.filename"])
            else:
                args[name] = content.decode("utf-8", "replace")
    else:
        args.update(_form_to_dict(body.decode("utf-8", "replace")))
    return args


def _maybe_json(value: Any) -> Any:
    """Decode a JSON string (form-posted `view`, `blocks`, `files`), pass anything else through."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


# ----------------------------------------------------------------------------------------------------------
# FakeSlack
# ----------------------------------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    """Thread per connection, daemon threads so a stuck client never blocks shutdown."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall for seconds.
        socketserver.TCPServer.server_bind(self)
        host, self.server_port = self.server_address[:2]
        self.server_name = str(host)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are expected; anything else is kept, never printed.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            self.fake.internal_errors.append(repr(error))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 handler; all the logic lives in FakeSlack."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are dropped after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence: tests and the demo must not see request logs on stderr."""

    def do_GET(self) -> None:
        self.server.fake._serve(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._serve(self, "POST")

    def read_body(self) -> bytes:
        """The whole request body (Content-Length or chunked), so keep-alive connections stay in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class FakeSlack:
    """A loopback fake of Slack's Web API that records every call and fails on demand.

    Point `slack_sdk.WebClient(base_url=fake.api_url)` (or the `SLACK_API_URL` setting) at it.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.tokens: dict[str, str] = {}
        self.require_token = False
        self.client_id: str | None = None  # when set, oauth.v2.access checks the client credentials
        self.client_secret: str | None = None
        self.response_url_max_uses = 5  # Slack allows 5 uses of a response_url; 0 = unlimited
        self.internal_errors: list[str] = []
        self.revoked_tokens: set[str] = set()
        self.views: dict[str, dict[str, Any]] = {}
        self.refusals: list[Call] = []  # every payload refused as Slack would (blocks, views, acked views)
        self._calls: list[Call] = []
        self._failures: list[Failure] = []
        self._after_faults: list[AfterFault] = []  # faults after the work is done (see AfterFault)
        self._lock = threading.RLock()  # reentrant: `where` callbacks may call back into the fake
        self._cond = threading.Condition(self._lock)
        self._users: dict[str, dict[str, Any]] = {}
        self._teams: dict[str, tuple[str, str]] = {DEFAULT_TEAM: ("Demo", "demo")}
        self._codes: dict[str, tuple[str, str, str]] = {}
        self._files: dict[str, FakeFile] = {}
        self._hooks: dict[str, tuple[str, int]] = {}  # hook id -> (name, uses)
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._home: dict[str, str] = {}  # user id -> published home view id
        self._ts = _FIRST_TS_MICROS - 100  # the first message gets ...000100
        self._seqs: dict[str, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._api: dict[str, Callable[[dict[str, Any], str, str | None], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "team.info": self._team_info,
            "conversations.open": self._conversations_open,
            "conversations.join": self._conversations_info,
            "conversations.info": self._conversations_info,
            "chat.postMessage": self._chat_post_message,
            "conversations.history": self._conversations_history,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": functools.partial(self._views, "views.open"),
            "views.push": functools.partial(self._views, "views.push"),
            "views.update": functools.partial(self._views, "views.update"),
            "views.publish": functools.partial(self._views, "views.publish"),
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.uninstall": self._apps_uninstall,
            "auth.revoke": self._auth_revoke,
        }

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name=f"FakeSlack:{self.port}",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections; sleeping handlers die with the process."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    @property
    def port(self) -> int:
        """The bound port (only after `start()`)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, the root of every URL the fake hands out."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What `WebClient(base_url=...)` / `SLACK_API_URL` point at (trailing slash included)."""
        return f"{self.base_url}/api/"

    # -- registries -----------------------------------------------------------------------------------------

    def add_team(self, team_id: str, name: str | None = None, domain: str | None = None) -> None:
        """Name a workspace (auth.test, team.info and request payloads use it)."""
        self._teams[team_id] = (name or team_id, domain or team_id.lower())

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = DEFAULT_TEAM,
        real_name: str | None = None,
        tz: str = DEFAULT_TZ,
        email: str | None = None,
        deleted: bool = False,
        name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Register a user for users.info; returns the user object Slack would return."""
        user = self._make_user(
            user_id,
            team_id=team_id,
            real_name=real_name,
            tz=tz,
            email=email,
            deleted=deleted,
            name=name,
            display_name=display_name,
            is_bot=is_bot,
        )
        user["locale"] = locale  # users.info shows it only with include_locale=true, as Slack does
        with self._lock:
            self._users[user_id] = user
        return user

    def user(self, user_id: str, team_id: str = DEFAULT_TEAM) -> dict[str, Any]:
        """The user object users.info answers for `user_id` (registered or generated)."""
        with self._lock:
            known = self._users.get(user_id)
        return known if known is not None else self._make_user(user_id, team_id=team_id)

    def add_file(
        self,
        file_id: str,
        content: bytes,
        *,
        name: str = "file.txt",
        filetype: str | None = None,
        user: str = "U0ALICE",
        title: str | None = None,
    ) -> FakeFile:
        """Register a file for files.info; its `url_private_download` serves `content`."""
        fake_file = FakeFile(
            file_id=file_id,
            name=name,
            title=title or name,
            filetype=filetype or (name.rsplit(".", 1)[-1] if "." in name else "binary"),
            mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
            user=user,
            content=content,
            length=len(content),
            completed=True,
        )
        with self._lock:
            self._files[file_id] = fake_file
        return fake_file

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        user_id: str,
        *,
        scope: str = DEFAULT_SCOPES,
        team_name: str | None = None,
    ) -> None:
        """Register a one-time OAuth code that oauth.v2.access exchanges for a bot token."""
        if team_name is not None or team_id not in self._teams:
            self.add_team(team_id, team_name)
        with self._lock:
            self._codes[code] = (team_id, user_id, scope)

    def response_url(self, name: str = "") -> str:
        """A fresh response_url (what Slack puts in commands and message actions)."""
        hook_id = uuid.uuid4().hex
        with self._lock:
            self._hooks[hook_id] = (name, 0)
        return f"{self.base_url}/hooks/{hook_id}"

    # -- what was recorded ----------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (including failed attempts)."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def last(self, method: str) -> Call:
        """The most recent call of `method`; AssertionError if there was none."""
        found = self.calls_to(method)
        if not found:
            raise AssertionError(f"no {method} call was recorded; got:\n{self._describe_calls()}")
        return found[-1]

    def reset(self) -> None:
        """Forget recorded calls and pending failures; registries (users, files, tokens) are kept."""
        with self._lock:
            self._calls.clear()
            self.refusals.clear()
            self._failures.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 15.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` matching calls were recorded; return them (AssertionError on timeout).
        A condition, not a sleep: the timeout only bounds how long a loaded machine may take."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} {method} call(s), saw {len(found)}; recorded:\n"
                        + self._describe_calls(locked=True)
                    )
                self._cond.wait(remaining)

    def _describe_calls(self, *, locked: bool = False) -> str:
        calls = self._calls if locked else self.calls
        if not calls:
            return "  (nothing)"
        start = calls[0].at
        return "\n".join(f"  +{c.at - start:.3f}s {c.describe()}" for c in calls)

    def uploaded_files(self) -> dict[str, bytes]:
        """file_id -> bytes for every file uploaded through files_upload_v2."""
        with self._lock:
            return {
                f.file_id: f.content for f in self._files.values() if f.uploaded and f.content is not None
            }

    def uploads(self) -> dict[str, FakeFile]:
        """file_id -> FakeFile (filename, title, channel, comment) for every files_upload_v2 upload."""
        with self._lock:
            return {f.file_id: f for f in self._files.values() if f.uploaded}

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages the app posted to `channel` (chat.postMessage, kept current by chat.update/delete)."""
        with self._lock:
            return list(self._messages.get(channel, []))

    def last_message(self, channel: str) -> dict[str, Any] | None:
        """The most recent message the app posted to `channel`, if any."""
        found = self.messages(channel)
        return found[-1] if found else None

    def view(self, view_id: str) -> dict[str, Any]:
        """The current state of a view opened, pushed, updated or published through the fake."""
        with self._lock:
            return self.views[view_id]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home view last published for `user_id`."""
        with self._lock:
            view_id = self._home.get(user_id)
            return self.views.get(view_id) if view_id else None

    # -- failure on demand ----------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        timeout: float | None = None,
        times: int = 1,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Failure:
        """Make the next `times` matching calls fail (`times=-1`: always).

        Nothing but `method` → HTTP 500. `retry_after` alone → HTTP 429 `ratelimited` with Retry-After.
        `error` alone → HTTP 200 `{"ok": false, "error": error}`. `timeout` → answer only after that
        many seconds (normally, unless combined with the others). `method` may also be
        "response_url", "file_upload" or "file_download".
        """
        if status is None and error is None and timeout is None:
            status = 429 if retry_after is not None else 500
        failure = Failure(method, status, error, retry_after, timeout, times, where)
        with self._lock:
            self._failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        """Drop every pending injected failure."""
        with self._lock:
            self._failures.clear()
            self._after_faults.clear()

    # -- faults after the work is done (added by helper "delivery"; slackhard owns the rest) ------------

    def fail_after(
        self,
        method: str,
        *,
        status: int = 503,
        drop: bool = False,
        times: int = 1,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> AfterFault:
        """Do the next `times` matching calls for real (post the message, …), then lose the answer:
        HTTP `status` (503) instead of it, or, with `drop=True`, close the connection unanswered.
        The ambiguous outcomes a client must not answer by blindly sending again."""
        fault = AfterFault(method, status=status, times=times, where=where, drop=drop)
        with self._lock:
            self._after_faults.append(fault)
        return fault

    def _after_fault(self, method: str, args: dict[str, Any], reply: _Reply) -> _Reply:
        """`reply`, or what a matching AfterFault answers instead (caller holds the lock)."""
        for fault in self._after_faults:
            if fault.matches(method, args):
                fault.hits += 1
                if fault.drop:
                    return _Reply(0, b"", drop=True)
                return _json_reply({"ok": False, "error": "service_unavailable"}, fault.status or 503)
        return reply

    # -- end of the faults after the work is done ---------------------------------------------------------

    def _take_failure(self, method: str, args: dict[str, Any]) -> Failure | None:
        for failure in self._failures:
            if failure.matches(method, args):
                failure.hits += 1
                return failure
        return None

    @staticmethod
    def _failure_reply(failure: Failure, *, api: bool) -> _Reply | None:
        """The injected answer, or None when the failure only delays a normal answer."""
        status = failure.status
        if status is None and failure.error is None:
            return None
        if status == 429:
            error = failure.error or "ratelimited"
            retry = str(failure.retry_after if failure.retry_after is not None else 1)
            if api:
                return _json_reply({"ok": False, "error": error}, 429, **{"Retry-After": retry})
            reply = _text_reply(error, 429)
            reply.headers["Retry-After"] = retry
            return reply
        if api:
            error = failure.error or ("internal_error" if (status or 200) >= 500 else "invalid_request")
            return _json_reply({"ok": False, "error": error}, status or 200)
        error = failure.error or ("internal_error" if (status or 400) >= 500 else "invalid_request")
        return _text_reply(error, status or 400)

    # -- HTTP plumbing --------------------------------------------------------------------------------------

    def _serve(self, handler: _Handler, verb: str) -> None:
        """Read, route, record, (sleep), answer. Never lets an exception escape silently."""
        arrived = time.monotonic()
        try:
            body = handler.read_body()
            split = urlsplit(handler.path)
            parts = [p for p in split.path.split("/") if p]
            route = parts[0] if parts else ""
            if route == "api" and len(parts) >= 2:
                reply = self._serve_api(handler, verb, parts[1], split.query, body, arrived)
            elif route == "hooks" and len(parts) == 2 and verb == "POST":
                reply = self._serve_hook(handler, parts[1], body, arrived)
            elif route == "upload" and len(parts) == 2 and verb == "POST":
                reply = self._serve_upload(handler, parts[1], body, arrived)
            elif route == "files" and len(parts) >= 2 and verb == "GET":
                reply = self._serve_download(handler, parts[1], arrived)
            else:
                reply = _text_reply("not_found", 404)
        except Exception as exc:  # a bug here must surface in tests, not as a hung client
            self.internal_errors.append(f"{verb} {handler.path}: {exc!r}")
            reply = _json_reply({"ok": False, "error": f"fake_slack_internal_error: {exc!r}"}, 500)
        delay = self.latency + reply.delay
        if delay > 0:
            time.sleep(delay)
        if reply.drop:  # AfterFault: the work is done, the answer never comes
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True  # the client gave up (e.g. it timed out first)

    def _record(self, call: Call) -> None:
        """Append under the lock and wake `wait_for` (caller holds the lock)."""
        self._calls.append(call)
        if call.refused:
            self.refusals.append(call)
        self._cond.notify_all()

    @staticmethod
    def _auth_header(handler: _Handler) -> tuple[str | None, tuple[str, str] | None]:
        """Bearer token, or Basic client credentials (oauth.v2.access)."""
        value = handler.headers.get("Authorization", "")
        scheme, _, credential = value.partition(" ")
        if scheme.lower() == "bearer" and credential:
            return credential.strip(), None
        if scheme.lower() == "basic" and credential:
            with contextlib.suppress(ValueError):
                user, _, password = base64.b64decode(credential).decode("utf-8").partition(":")
                return None, (user, password)
        return None, None

    def _serve_api(
        self,
        handler: _Handler,
        verb: str,
        method: str,
        query: str,
        body: bytes,
        arrived: float,
    ) -> _Reply:
        try:
            args = _parse_args(query, body, handler.headers.get("Content-Type"))
        except ValueError:
            args, bad_body = {"_raw": body.decode("utf-8", "replace")}, True
        else:
            bad_body = False
        token, basic = self._auth_header(handler)
        if token is None and isinstance(args.get("token"), str):
            token = args.pop("token")
        if basic is not None:
            args.setdefault("client_id", basic[0])
            args.setdefault("client_secret", basic[1])
        with self._lock:
            failure = self._take_failure(method, args)
            reply = self._failure_reply(failure, api=True) if failure else None
            if reply is None:
                if bad_body:
                    answer: dict[str, Any] = {"ok": False, "error": "invalid_json"}
                else:
                    answer = self._answer(method, args, token)
                reply = self._after_fault(method, args, _json_reply(answer))
            payload: dict[str, Any] = (
                json.loads(reply.body) if reply.body else {"ok": False, "error": "connection_dropped"}
            )
            error = None if payload.get("ok") else str(payload.get("error", "unknown_error"))
            refused = payload.get("errors") if failure is None and not payload.get("ok") else None
            call = Call(
                method, args, token, arrived, reply.status, error, verb, response=payload, refused=refused
            )
            self._record(call)
        if failure is not None and failure.timeout:
            reply.delay = failure.timeout
        return reply

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Slack's answer to an API call that was not made to fail (caller holds the lock)."""
        if token is not None and token in self.revoked_tokens:
            return {"ok": False, "error": "token_revoked"}
        if method not in _TOKENLESS_METHODS and self.require_token and token not in self.tokens:
            return {"ok": False, "error": "not_authed" if token is None else "invalid_auth"}
        team_id = self.tokens.get(token, DEFAULT_TEAM) if token else DEFAULT_TEAM
        refused = self._refused(method, args)
        if refused is not None:
            return refused
        handler = self._api.get(method)
        return handler(args, team_id, token) if handler else {"ok": True}

    @staticmethod
    def _refused(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer when the payload breaks a Block Kit rule; None when Slack would take it."""
        if method in _MESSAGE_METHODS:
            found = message_errors(args)
            return _refusal(*found) if found else None
        if method in _VIEW_METHODS and isinstance(_maybe_json(args.get("view")), dict):
            errors = view_errors(args["view"])
            if method == "views.publish" and _maybe_json(args["view"]).get("type") != "home":
                errors.append(_at("must provide a view of type home", "/view/type"))
            return _refusal("invalid_arguments", errors) if errors else None
        return None

    def refuse_ack(self, answer: Answer) -> list[str]:
        """Check a view the app answered an interaction with (`response_action` update/push); a refusal is
        recorded like any other (on Slack the user would see the modal fail)."""
        body = answer.json() if answer.status == 200 and answer.body.strip().startswith("{") else None
        if not isinstance(body, dict) or body.get("response_action") not in ("update", "push"):
            return []
        errors = view_errors(body.get("view"))
        if errors:
            with self._lock:
                self._record(
                    Call(
                        "view_submission.ack",
                        body,
                        None,
                        time.monotonic(),
                        200,
                        "invalid_arguments",
                        refused=errors,
                    )
                )
        return errors

    def _serve_hook(self, handler: _Handler, hook_id: str, body: bytes, arrived: float) -> _Reply:
        url = f"{self.base_url}/hooks/{hook_id}"
        try:
            parsed = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            parsed = None
        args: dict[str, Any] = (
            dict(parsed) if isinstance(parsed, dict) else {"_raw": body.decode("utf-8", "replace")}
        )
        args["url"] = url
        refused_why: list[str] | None = None
        with self._lock:
            name, uses = self._hooks.get(hook_id, ("", -1))
            failure = self._take_failure("response_url", args)
            reply = self._failure_reply(failure, api=False) if failure else None
            if reply is None:
                if uses < 0:
                    reply = _text_reply("no_service", 404)
                elif self.response_url_max_uses and uses >= self.response_url_max_uses:
                    reply = _text_reply("used_url", 404)
                elif not isinstance(parsed, dict):
                    reply = _text_reply("invalid_payload", 400)
                elif not any(k in parsed for k in ("text", "blocks", "attachments", "delete_original")):
                    reply = _text_reply("no_text", 400)
                elif refused := message_errors(parsed):
                    reply = _text_reply(refused[0], 400)  # response_url answers in plain text, as on Slack
                    refused_why = refused[1]
                else:
                    reply = _text_reply("ok", 200, "text/html")
                    self._hooks[hook_id] = (name, uses + 1)
            error = None if reply.status == 200 else reply.body.decode("utf-8")
            token, _ = self._auth_header(handler)
            call = Call("response_url", args, token, arrived, reply.status, error, "POST", name)
            call.refused = refused_why
            self._record(call)
        if failure is not None and failure.timeout:
            reply.delay = failure.timeout
        return reply

    def _serve_upload(self, handler: _Handler, file_id: str, body: bytes, arrived: float) -> _Reply:
        media, params = _content_type(handler.headers.get("Content-Type"))
        content = body
        if media == "multipart/form-data" and "boundary" in params:
            parts = _parse_multipart(body, params["boundary"])
            with_file = [
                c for h, c in parts if "disposition.filename" in h or h.get("disposition.name") == "file"
            ]
            content = with_file[0] if with_file else (parts[0][1] if parts else b"")
        args: dict[str, Any] = {"file_id": file_id, "bytes": content, "length": len(content)}
        with self._lock:
            fake_file = self._files.get(file_id)
            if fake_file is not None:
                args["filename"] = fake_file.name
            failure = self._take_failure("file_upload", args)
            reply = self._failure_reply(failure, api=False) if failure else None
            if reply is None:
                if fake_file is None or not fake_file.uploaded:
                    reply = _text_reply("file_not_found", 404)
                else:
                    fake_file.content = content
                    reply = _text_reply(f"OK - {len(content)}")
            error = None if reply.status == 200 else reply.body.decode("utf-8")
            token, _ = self._auth_header(handler)
            self._record(Call("file_upload", args, token, arrived, reply.status, error, "POST"))
        if failure is not None and failure.timeout:
            reply.delay = failure.timeout
        return reply

    def _serve_download(self, handler: _Handler, file_id: str, arrived: float) -> _Reply:
        token, _ = self._auth_header(handler)
        args: dict[str, Any] = {"file_id": file_id}
        with self._lock:
            fake_file = self._files.get(file_id)
            failure = self._take_failure("file_download", args)
            reply = self._failure_reply(failure, api=False) if failure else None
            if reply is None:
                if fake_file is None or fake_file.content is None:
                    reply = _text_reply("file_not_found", 404)
                elif self.require_token and token not in self.tokens:
                    reply = _text_reply("invalid_auth", 403)
                else:
                    reply = _Reply(200, fake_file.content, fake_file.mimetype)
            error = None if reply.status == 200 else reply.body.decode("utf-8", "replace")
            self._record(Call("file_download", args, token, arrived, reply.status, error, "GET"))
        if failure is not None and failure.timeout:
            reply.delay = failure.timeout
        return reply

    # -- default answers (all called with the lock held) ----------------------------------------------------

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._seqs[prefix] = self._seqs.get(prefix, 0) + 1
        return f"{prefix}{self._seqs[prefix]:06d}"

    def _team(self, team_id: str) -> tuple[str, str]:
        return self._teams.get(team_id, (f"Team {team_id}", team_id.lower()))

    def _make_user(
        self,
        user_id: str,
        *,
        team_id: str = DEFAULT_TEAM,
        real_name: str | None = None,
        tz: str = DEFAULT_TZ,
        email: str | None = None,
        deleted: bool = False,
        name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        handle = name or user_id.lower()
        real = real_name or f"User {user_id}"
        profile = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": display_name if display_name is not None else handle,
            "display_name_normalized": display_name if display_name is not None else handle,
            "email": email or f"{handle}@example.com",
            "team": team_id,
        }
        return {
            "id": user_id,
            "team_id": team_id,
            "name": handle,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _tz_offset(tz),
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }

    def _auth_test(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        name, domain = self._team(team_id)
        return {
            "ok": True,
            "url": f"https://{domain}.slack.com/",
            "team": name,
            "user": "metbot",
            "team_id": team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        user = dict(self._users.get(user_id) or self._make_user(user_id, team_id=team_id))
        locale = user.pop("locale", "en-US")
        if str(args.get("include_locale", "")).lower() in ("1", "true"):
            user["locale"] = locale
        return {"ok": True, "user": user}

    def _users_lookup_by_email(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        for user in self._users.values():
            if user["profile"]["email"] == args.get("email"):
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _team_info(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        wanted = args.get("team") or team_id
        name, domain = self._team(wanted)
        return {"ok": True, "team": {"id": wanted, "name": name, "domain": domain}}

    def _conversations_open(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        users = args.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if args.get("channel"):
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": args["channel"]}}
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        first = str(users).split(",")[0].strip()
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": "D" + first}}

    def _conversations_info(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        is_im = str(channel).startswith("D")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": str(channel).lower(),
                "is_channel": not is_im,
                "is_im": is_im,
                "is_member": True,
                "is_archived": False,
                "context_team_id": team_id,
            },
        }

    @staticmethod
    def _dm_channel(channel: str) -> str:
        """Posting to a user id lands in the DM with that user, as on Slack."""
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _message(self, args: dict[str, Any], team_id: str, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": args.get("text") or "",
            "ts": ts,
            "team": team_id,
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key):
                message[key] = _maybe_json(args[key])
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return message

    def _chat_post_message(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        channel = self._dm_channel(str(args["channel"]))
        ts = self._next_ts()
        message = self._message(args, team_id, ts)
        self._messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        """Newest first, as Slack answers; metadata only with include_all_metadata, as on Slack."""
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = []
        for kept in reversed(self._messages.get(channel, [])):
            shown = dict(kept)
            if not with_metadata:
                shown.pop("metadata", None)
            found.append(shown)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _chat_post_ephemeral(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "channel": args["channel"], "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._message(args, team_id, str(ts))
        kept = self._messages.get(str(channel), [])
        for i, old in enumerate(kept):
            if old["ts"] == ts:
                kept[i] = message
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        if str(channel) in self._messages:
            self._messages[str(channel)] = [m for m in self._messages[str(channel)] if m["ts"] != ts]
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_schedule_message(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("post_at"):
            return {"ok": False, "error": "invalid_time"}
        return {
            "ok": True,
            "channel": args["channel"],
            "scheduled_message_id": self._next_id("Q"),
            "post_at": int(args["post_at"]),
            "message": self._message(args, team_id, self._next_ts()),
        }

    def _chat_get_permalink(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        channel, ts = args.get("channel"), str(args.get("message_ts") or "")
        _, domain = self._team(team_id)
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _views(self, method: str, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        view = _maybe_json(args.get("view"))
        if not isinstance(view, dict) or "type" not in view:
            return {"ok": False, "error": "invalid_arguments"}
        view_id: str | None = None
        previous_view_id = None
        if method == "views.update":
            view_id = args.get("view_id")
            if view_id is None and args.get("external_id"):
                view_id = next(
                    (v["id"] for v in self.views.values() if v.get("external_id") == args["external_id"]),
                    None,
                )
            if view_id is None or view_id not in self.views:
                return {"ok": False, "error": "not_found"}
        elif method == "views.publish":
            if not args.get("user_id"):
                return {"ok": False, "error": "invalid_arguments"}
            view_id = self._home.get(str(args["user_id"]))
        elif not (args.get("trigger_id") or args.get("interactivity_pointer")):
            return {"ok": False, "error": "invalid_arguments"}  # views.open / views.push need a trigger
        if method == "views.push":
            previous_view_id = next(reversed(self.views), None)
        view_id = view_id or self._next_id("V")
        previous = self.views.get(view_id, {})
        answer: dict[str, Any] = {
            "id": view_id,
            "team_id": team_id,
            "type": view["type"],
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": previous_view_id,
            "root_view_id": previous.get("root_view_id", view_id),
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        }
        answer.update(view)
        answer["id"] = view_id
        answer["hash"] = f"{int(time.time())}.{uuid.uuid4().hex[:8]}"  # a new hash on every change
        self.views[view_id] = answer
        if method == "views.publish":
            self._home[str(args["user_id"])] = view_id
        return {"ok": True, "view": answer}

    def _files_get_upload_url(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        while file_id in self._files:
            file_id = self._next_id("F")
        self._files[file_id] = FakeFile(
            file_id=file_id,
            name=str(filename),
            title=str(filename),
            filetype=str(filename).rsplit(".", 1)[-1] if "." in str(filename) else "text",
            mimetype=mimetypes.guess_type(str(filename))[0] or "application/octet-stream",
            user=BOT_USER_ID,
            length=int(length),
            uploaded=True,
        )
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        files = _maybe_json(args.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in files:
            fake_file = self._files.get(str(item.get("id")))
            if fake_file is None or not fake_file.uploaded or fake_file.content is None:
                return {"ok": False, "error": "file_not_found"}
            done.append((fake_file, item))
        for fake_file, item in done:
            fake_file.title = item.get("title") or fake_file.name
            fake_file.channel_id = args.get("channel_id") or args.get("channels") or None
            fake_file.initial_comment = args.get("initial_comment")
            fake_file.thread_ts = args.get("thread_ts")
            fake_file.completed = True
        return {"ok": True, "files": [{"id": f.file_id, "title": f.title} for f, _ in done]}

    def _file_object(self, fake_file: FakeFile) -> dict[str, Any]:
        url = f"{self.base_url}/files/{fake_file.file_id}"
        return {
            "id": fake_file.file_id,
            "created": fake_file.created,
            "timestamp": fake_file.created,
            "name": fake_file.name,
            "title": fake_file.title,
            "mimetype": fake_file.mimetype,
            "filetype": fake_file.filetype,
            "pretty_type": fake_file.filetype.upper(),
            "user": fake_file.user,
            "size": len(fake_file.content or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": f"{url}/{fake_file.name}",
            "url_private_download": url,
            "channels": [fake_file.channel_id] if fake_file.channel_id else [],
        }

    def _files_info(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        fake_file = self._files.get(str(args.get("file")))
        if fake_file is None or not fake_file.completed:
            return {"ok": False, "error": "file_not_found"}
        return {
            "ok": True,
            "file": self._file_object(fake_file),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _oauth_v2_access(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        if self.client_id is not None and args.get("client_id") != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if self.client_secret is not None and args.get("client_secret") != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self._codes.pop(str(args.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        install_team, user_id, scope = grant
        access_token = f"xoxb-{install_team}-{self._next_id('')}-{uuid.uuid4().hex[:24]}"
        self.tokens[access_token] = install_team
        name, _ = self._team(install_team)
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": user_id},
            "scope": scope,
            "token_type": "bot",
            "access_token": access_token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": install_team, "name": name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _apps_uninstall(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        for known, team in list(self.tokens.items()):
            if team == team_id:
                self.revoked_tokens.add(known)
                del self.tokens[known]
        return {"ok": True}

    def _auth_revoke(self, args: dict[str, Any], team_id: str, token: str | None) -> dict[str, Any]:
        if token is not None:
            self.revoked_tokens.add(token)
            self.tokens.pop(token, None)
        return {"ok": True, "revoked": True}


# ----------------------------------------------------------------------------------------------------------
# SlackSigner
# ----------------------------------------------------------------------------------------------------------


class SlackSigner:
    """Signs request bodies exactly as Slack does, so the app's real signature check is exercised."""

    def __init__(self, signing_secret: str) -> None:
        self.signing_secret = signing_secret
        self._verifier = SignatureVerifier(signing_secret)

    def signature(self, body: bytes | str, timestamp: int) -> str:
        """`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`, computed by slack_sdk itself."""
        signature = self._verifier.generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None  # only None without a timestamp
        return signature

    def headers(
        self,
        body: bytes | str,
        *,
        timestamp: int | None = None,
        content_type: str | None = None,
    ) -> dict[str, str]:
        """Slack's signature headers plus the Content-Type Slack would send for this body."""
        ts = int(time.time()) if timestamp is None else timestamp
        raw = body.encode("utf-8") if isinstance(body, str) else body
        if content_type is None:
            json_body = raw.lstrip()[:1] in (b"{", b"[")
            content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.signature(raw, ts),
        }


# ----------------------------------------------------------------------------------------------------------
# SlackRequests
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What the app under test answered (header names are lower-cased)."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    response_url: str | None = None
    trigger_id: str | None = None
    sent: dict[str, Any] | None = None  # the payload we sent, for assertions

    def json(self) -> Any:
        """The body parsed as JSON (None for Bolt's empty ack)."""
        return json.loads(self.body) if self.body.strip() else None


class SlackRequests:
    """Builds Slack-shaped requests, signs them and POSTs them to the app's `/slack/events`."""

    def __init__(self, url: str, signer: SlackSigner, fake: FakeSlack, *, timeout: float = 30.0) -> None:
        split = urlsplit(url)
        if split.scheme != "http" or split.hostname is None:
            raise ValueError(f"need an http:// URL, got {url!r}")
        self.url = url
        self.signer = signer
        self.fake = fake
        self.timeout = timeout
        self._host = split.hostname
        self._port = split.port or 80
        self._path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        self._local = threading.local()
        self._seq = 0
        self._seq_lock = threading.Lock()

    # -- transport ------------------------------------------------------------------------------------------

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, False
        conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        self._local.conn = conn
        return conn, True

    def close(self) -> None:
        """Close this thread's keep-alive connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self) -> SlackRequests:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        method: str = "POST",
        path: str | None = None,
    ) -> Answer:
        """Send exactly these bytes and headers (forged or missing signatures, huge or broken bodies)."""
        target = path or self._path
        for attempt in range(2):
            conn, fresh = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, target, body=body if method != "GET" else None, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or attempt:  # a stale keep-alive socket gets one retry, a fresh one does not
                    raise
                continue
            except (OSError, http.client.HTTPException):
                self.close()  # e.g. our timeout: the connection is in an unknown state
                raise
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            return Answer(
                response.status,
                data.decode("utf-8", "replace"),
                {k.lower(): v for k, v in response.getheaders()},
                elapsed,
            )
        raise AssertionError("unreachable")

    def get(self, path: str) -> Answer:
        """A plain GET on the app (e.g. `/healthz`)."""
        return self.raw(b"", {}, method="GET", path=path)

    def _send(
        self,
        body: bytes,
        *,
        timestamp: int | None,
        signature: str | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Answer:
        headers = self.signer.headers(body, timestamp=timestamp)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        headers.update(extra_headers or {})
        return self.raw(body, headers)

    def _post_form(
        self,
        form: Mapping[str, Any],
        *,
        timestamp: int | None,
        signature: str | None,
    ) -> Answer:
        return self._send(urlencode(form).encode("utf-8"), timestamp=timestamp, signature=signature)

    def _post_payload(
        self, payload: dict[str, Any], *, timestamp: int | None, signature: str | None
    ) -> Answer:
        answer = self._post_form({"payload": json.dumps(payload)}, timestamp=timestamp, signature=signature)
        self.fake.refuse_ack(answer)
        answer.sent = payload
        answer.trigger_id = payload.get("trigger_id")
        answer.response_url = payload.get("response_url")
        return answer

    # -- shared shapes --------------------------------------------------------------------------------------

    def _next(self) -> int:
        with self._seq_lock:
            self._seq += 1
            return self._seq

    def trigger_id(self) -> str:
        """A trigger_id shaped like Slack's (`<n>.<n>.<hex>`)."""
        n = self._next()
        return f"{1_000_000_000 + n}.{7_000_000_000 + n}.{uuid.uuid4().hex}"

    def _team_domain(self, team: str) -> str:
        return self.fake._team(team)[1]

    def _user(self, user: str, team: str) -> dict[str, Any]:
        name = self.fake.user(user, team)["name"]
        return {"id": user, "username": name, "name": name, "team_id": team}

    @staticmethod
    def _channel_name(channel: str) -> str:
        if channel.startswith("D"):
            return "directmessage"
        return channel[2:].lower() if channel.startswith("C0") else channel.lower()

    # -- slash commands -------------------------------------------------------------------------------------

    def command(
        self,
        text: str = "",
        *,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        command: str = "/met",
        channel: str = "C0GENERAL",
        timestamp: int | None = None,
        signature: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Answer:
        """A slash command, form-encoded like Slack's, with a fresh fake response_url."""
        form: dict[str, str] = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "team_domain": self._team_domain(team),
            "channel_id": channel,
            "channel_name": self._channel_name(channel),
            "user_id": user,
            "user_name": self.fake.user(user, team)["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"{command} {text}".strip()),
            "trigger_id": self.trigger_id(),
        }
        form.update(extra or {})
        answer = self._post_form(form, timestamp=timestamp, signature=signature)
        answer.sent = form
        answer.response_url = form["response_url"]
        answer.trigger_id = form["trigger_id"]
        return answer

    # -- interactivity --------------------------------------------------------------------------------------

    def _full_view(self, view: Mapping[str, Any] | str, team: str) -> dict[str, Any]:
        """A view as Slack sends it back in payloads: the fake's copy if it has one, defaults filled."""
        if isinstance(view, str):
            view = self.fake.view(view)
        full: dict[str, Any] = {
            "id": f"V{uuid.uuid4().hex[:10].upper()}",
            "team_id": team,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team,
            "bot_id": BOT_ID,
            "previous_view_id": None,
        }
        full.update(view)
        full.setdefault("root_view_id", full["id"])
        return full

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        block_id: str | None = None,
        view: Mapping[str, Any] | str | None = None,
        container: Mapping[str, Any] | None = None,
        message: Mapping[str, Any] | None = None,
        channel: str | None = None,
        response_url: bool | None = None,
        action: Mapping[str, Any] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        """A `block_actions` payload: a button click by default, or any raw `action` dict.

        With `view` (a dict or a view id known to the fake) it is a modal / App Home action: no
        channel, no message and, unless `response_url=True`, no response_url — as on Slack. Without
        it, the action comes from `message` (default: the fake's last message in `channel`, which
        defaults to the user's DM `"D" + user`). When the element `action_id` is found in that
        message's or view's blocks, its real block_id, type, label and value are used (so
        `block_action("done")` clicks the button the app rendered); `value`/`block_id` override.
        """
        n = self._next()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user, team),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.trigger_id(),
            "team": {"id": team, "domain": self._team_domain(team)},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            full_view = self._full_view(view, team)
            payload["view"] = full_view
            payload["container"] = dict(container or {"type": "view", "view_id": full_view["id"]})
            blocks = full_view.get("blocks") or []
            wants_url = bool(response_url)
        else:
            channel = channel or "D" + user
            msg = dict(message) if message is not None else self.fake.last_message(channel)
            if msg is None:
                ts = f"{1_700_000_000 + n}.000100"
                msg = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "", "ts": ts}
            payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
            payload["message"] = msg
            payload["state"] = {"values": {}}
            default_container = {
                "type": "message",
                "message_ts": msg.get("ts"),
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["container"] = dict(container or default_container)
            blocks = _maybe_json(msg.get("blocks")) or []
            wants_url = response_url is None or response_url
        found_block, element = _find_element(_as_dicts(blocks), action_id, value)
        act: dict[str, Any] = {"type": "button"}
        if element is not None:
            act.update({k: v for k, v in element.items() if k in ("type", "text", "value", "style")})
        own_id = str(element.get("action_id") or action_id) if element is not None else action_id
        act.update({"action_id": own_id, "block_id": block_id or found_block or "b"})  # e.g. "x:2"
        act["action_ts"] = f"{1_700_000_000 + n}.{n:06d}"
        if value is not None:
            act["value"] = value
        if act["type"] == "button":
            act.setdefault(
                "text", {"type": "plain_text", "text": act.get("value") or action_id, "emoji": True}
            )
        if action is not None:
            act.update(action)
        payload["actions"] = [act]
        if wants_url:
            payload["response_url"] = self.fake.response_url(f"action {action_id}")
        return self._post_payload(payload, timestamp=timestamp, signature=signature)

    @staticmethod
    def button_action(action_id: str, value: str, *, text: str | None = None) -> dict[str, Any]:
        """A raw button action dict (for `block_action(action=...)`)."""
        return {
            "type": "button",
            "action_id": action_id,
            "value": value,
            "text": {"type": "plain_text", "text": text or value, "emoji": True},
        }

    @staticmethod
    def select_action(action_id: str, value: str, *, text: str | None = None) -> dict[str, Any]:
        """A raw static_select action dict with `selected_option` (for `block_action(action=...)`)."""
        option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
        return {"type": "static_select", "action_id": action_id, "selected_option": option}

    @staticmethod
    def overflow_action(action_id: str, value: str, *, text: str | None = None) -> dict[str, Any]:
        """A raw overflow-menu action dict with `selected_option`."""
        option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
        return {"type": "overflow", "action_id": action_id, "selected_option": option}

    @staticmethod
    def simple_values(values: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
        """`{key: value}` to Slack's `state.values` shape, with block_id == action_id == key.

        str/None → plain_text_input, date → datepicker, datetime → datetimepicker, time →
        timepicker, `(value,)` → static_select, list → multi_static_select, dict → used as is.
        """

        def option(value: Any) -> dict[str, Any]:
            return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}

        shaped: dict[str, dict[str, dict[str, Any]]] = {}
        for key, value in values.items():
            state: dict[str, Any]
            if isinstance(value, dict):
                state = dict(value)
            elif isinstance(value, datetime):
                state = {"type": "datetimepicker", "selected_date_time": int(value.timestamp())}
            elif isinstance(value, date):
                state = {"type": "datepicker", "selected_date": value.isoformat()}
            elif isinstance(value, dtime):
                state = {"type": "timepicker", "selected_time": value.strftime("%H:%M")}
            elif isinstance(value, tuple):
                state = {"type": "static_select", "selected_option": option(value[0]) if value else None}
            elif isinstance(value, list):
                state = {"type": "multi_static_select", "selected_options": [option(v) for v in value]}
            else:
                state = {"type": "plain_text_input", "value": None if value is None else str(value)}
            shaped[key] = {key: state}
        return shaped

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
        *,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        private_metadata: str | None = None,
        view_id: str | None = None,
        view: Mapping[str, Any] | str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        """A `view_submission` payload; `values` is the real nested `state.values` shape.

        `view` (a dict or a view id the fake knows, e.g. from views.open) supplies blocks, title
        and private_metadata, as the submitted view would on Slack.
        """
        base = self._full_view(view if view is not None else {}, team)
        if view_id is not None:
            base["id"] = view_id
        base["callback_id"] = callback_id
        base["state"] = {"values": dict(values or {})}
        if private_metadata is not None:
            base["private_metadata"] = private_metadata
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": team, "domain": self._team_domain(team)},
            "user": self._user(user, team),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.trigger_id(),
            "view": base,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload, timestamp=timestamp, signature=signature)

    def view_closed(
        self,
        callback_id: str,
        *,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        view: Mapping[str, Any] | str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        """A `view_closed` payload (sent only for modals opened with notify_on_close)."""
        base = self._full_view(view or {}, team)
        base["callback_id"] = callback_id
        payload: dict[str, Any] = {
            "type": "view_closed",
            "team": {"id": team, "domain": self._team_domain(team)},
            "user": self._user(user, team),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "view": base,
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload, timestamp=timestamp, signature=signature)

    def shortcut(
        self,
        callback_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        channel: str = "C0GENERAL",
    ) -> Answer:
        """A message shortcut (`message_action`, on `message`) or, without a message, a global `shortcut`."""
        payload: dict[str, Any] = {
            "type": "message_action" if message is not None else "shortcut",
            "callback_id": callback_id,
            "trigger_id": self.trigger_id(),
            "action_ts": f"{1_700_000_000 + self._next()}.000001",
            "team": {"id": team, "domain": self._team_domain(team)},
            "user": self._user(user, team),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        if message is not None:
            ts = f"{1_700_000_000 + self._next()}.000200"
            payload["message"] = {"type": "message", "ts": ts, **message}
            payload["message_ts"] = payload["message"]["ts"]
            payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
            payload["response_url"] = self.fake.response_url(f"shortcut {callback_id}")
        return self._post_payload(payload, timestamp=None, signature=None)

    # -- Events API -----------------------------------------------------------------------------------------

    def event(
        self,
        event: Mapping[str, Any],
        *,
        team: str = "T0DEMO",
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        """An `event_callback` envelope around `event`, with Slack's retry headers when given."""
        n = self._next()
        now = int(time.time())
        inner = dict(event)
        inner.setdefault("event_ts", f"{now}.{n:06d}")
        envelope: dict[str, Any] = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{n:08d}{uuid.uuid4().hex[:6].upper()}",
            "event_time": now,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        elif retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        body = json.dumps(envelope).encode("utf-8")
        answer = self._send(body, timestamp=timestamp, signature=signature, extra_headers=headers)
        answer.sent = envelope
        return answer

    def app_home_opened(
        self,
        *,
        user: str = "U0ALICE",
        team: str = "T0DEMO",
        tab: str = "home",
        **options: Any,
    ) -> Answer:
        """The `app_home_opened` event a user triggers by opening the app's Home tab."""
        home = self.fake.home_view(user)
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": tab}
        if home is not None:
            event["view"] = home
        return self.event(event, team=team, **options)

    def app_uninstalled(self, *, team: str = "T0DEMO", **options: Any) -> Answer:
        """The `app_uninstalled` event Slack sends when a workspace removes the app."""
        return self.event({"type": "app_uninstalled"}, team=team, **options)

    def url_verification(
        self,
        challenge: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        """The handshake Slack sends when the Events API request URL is saved."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        answer = self._send(json.dumps(body).encode("utf-8"), timestamp=timestamp, signature=signature)
        answer.sent = body
        return answer


# ----------------------------------------------------------------------------------------------------------
# Block Kit -> text
# ----------------------------------------------------------------------------------------------------------

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_DIVIDER = "─" * 40


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a reader sees it: `*bold*` kept, mentions and links resolved, entities unescaped."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return label or target

    return _LINK.sub(link, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return mrkdwn_to_text(obj)
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(str(obj.get("text", "")))
    return str(obj.get("text", ""))


def _option_label(option: Mapping[str, Any] | None) -> str:
    return _text(option.get("text")) if option else ""


def _element(el: Mapping[str, Any]) -> str:
    """One interactive element as a bracketed control."""
    kind = str(el.get("type", ""))
    placeholder = _text(el.get("placeholder"))
    if kind in ("button", "workflow_button"):
        return f"[ {_text(el.get('text'))} ]"
    if kind == "overflow":
        return "[ ⋯ " + " / ".join(_option_label(o) for o in el.get("options", [])) + " ]"
    if kind.startswith("multi_") and kind.endswith("select"):
        chosen = ", ".join(_option_label(o) for o in el.get("initial_options", []))
        chosen = chosen or ", ".join(el.get("initial_users", []) or el.get("initial_conversations", []) or [])
        return f"[ {chosen or placeholder or 'choose'} ▾ ]"
    if kind.endswith("select"):
        chosen = _option_label(el.get("initial_option"))
        for key in ("initial_user", "initial_conversation", "initial_channel"):
            if not chosen and el.get(key):
                chosen = str(el[key])
        return f"[ {chosen or placeholder or 'choose'} ▾ ]"
    if kind == "datepicker":
        return f"[ {el.get('initial_date') or placeholder or 'date'} ▾ ]"
    if kind == "timepicker":
        return f"[ {el.get('initial_time') or placeholder or 'time'} ▾ ]"
    if kind == "datetimepicker":
        initial = el.get("initial_date_time")
        shown = (
            datetime.fromtimestamp(int(initial), UTC).strftime("%Y-%m-%d %H:%M") if initial else "date/time"
        )
        return f"[ {shown} ▾ ]"
    if kind in ("checkboxes", "radio_buttons"):
        on, off = ("☑", "☐") if kind == "checkboxes" else ("●", "○")
        ticked = {o.get("value") for o in el.get("initial_options", [])}
        if el.get("initial_option"):
            ticked.add(el["initial_option"].get("value"))
        return "  ".join(
            f"{on if o.get('value') in ticked else off} {_option_label(o)}" for o in el.get("options", [])
        )
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"):
        initial = el.get("initial_value")
        shown = str(initial) if initial not in (None, "") else (f"e.g. {placeholder}" if placeholder else "…")
        return f"[ {shown} ]"
    if kind == "file_input":
        return "[ upload a file ]"
    if kind == "image":
        return str(el.get("alt_text", ""))
    if kind in ("mrkdwn", "plain_text"):
        return _text(el)
    return f"[{kind}]"


def _rich_inline(el: Mapping[str, Any]) -> str:
    kind = el.get("type")
    if kind == "text":
        text, style = str(el.get("text", "")), el.get("style") or {}
        core = text.strip()
        if not core:
            return text
        for key, mark in (("code", "`"), ("bold", "*"), ("italic", "_"), ("strike", "~")):
            if style.get(key):
                core = f"{mark}{core}{mark}"
        start = len(text) - len(text.lstrip())
        return text[:start] + core + text[len(text.rstrip()) :]
    if kind == "link":
        return str(el.get("text") or el.get("url", ""))
    if kind in ("user", "usergroup"):
        return "@" + str(el.get("user_id") or el.get("usergroup_id", ""))
    if kind == "channel":
        return "#" + str(el.get("channel_id", ""))
    if kind == "emoji":
        return f":{el.get('name', '')}:"
    if kind == "broadcast":
        return "@" + str(el.get("range", ""))
    if kind == "date":
        return str(el.get("fallback") or el.get("timestamp", ""))
    if kind == "color":
        return str(el.get("value", ""))
    return ""


def _rich_text(block: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for part in block.get("elements", []):
        kind = part.get("type")
        inline = "".join(_rich_inline(e) for e in part.get("elements", []))
        if kind == "rich_text_list":
            indent = "  " * int(part.get("indent", 0))
            for i, item in enumerate(part.get("elements", []), start=1 + int(part.get("offset", 0))):
                bullet = f"{i}." if part.get("style") == "ordered" else "•"
                lines.append(
                    f"{indent}{bullet} " + "".join(_rich_inline(e) for e in item.get("elements", []))
                )
        elif kind == "rich_text_preformatted":
            lines.append(f"```\n{inline}\n```")
        elif kind == "rich_text_quote":
            lines.extend("> " + line for line in inline.split("\n"))
        else:
            lines.append(inline.rstrip("\n"))
    return "\n".join(lines)


def _block(block: Mapping[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f"# {_text(block.get('text'))}"
    if kind == "divider":
        return _DIVIDER
    if kind == "section":
        lines = _text(block.get("text")).split("\n") if block.get("text") else []
        accessory = block.get("accessory")
        if accessory:
            control = _element(accessory)
            if accessory.get("type") == "image":
                control = f"[image: {control}]"
            if lines:
                lines[0] = f"{lines[0]}  {control}"
            else:
                lines.append(control)
        lines.extend(_text(f).replace("\n", " ") for f in block.get("fields", []))
        return "\n".join(lines)
    if kind == "context":
        return " · ".join(filter(None, (_element(e) for e in block.get("elements", []))))
    if kind == "actions":
        return "  ".join(_element(e) for e in block.get("elements", []))
    if kind == "input":
        label = _text(block.get("label")) + (" (optional)" if block.get("optional") else "")
        line = f"{label}: {_element(block.get('element') or {})}"
        hint = _text(block.get("hint"))
        return f"{line}\n  {hint}" if hint else line
    if kind == "image":
        title = _text(block.get("title"))
        return f"[image: {block.get('alt_text', '')}]" + (f" {title}" if title else "")
    if kind == "rich_text":
        return _rich_text(block)
    if kind == "markdown":
        return str(block.get("text", ""))
    if kind == "video":
        return f"[video: {_text(block.get('title'))}]"
    if kind == "file":
        return "[file]"
    return ""


def _find_element(
    blocks: Sequence[Mapping[str, Any]], action_id: str, value: str | None = None
) -> tuple[str | None, Mapping[str, Any] | None]:
    """The (block_id, element) carrying `action_id` in a message's or view's blocks.

    Apps keep action_ids unique within a block by suffixing repeats (`x`, `x:2`, …): asked for `x` with
    a value, the element with that value among `x`'s variants is the one clicked."""
    first: tuple[str | None, Mapping[str, Any] | None] = (None, None)
    for block in blocks:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), Mapping)]
        for element in candidates:
            if not isinstance(element, Mapping):
                continue
            own = str(element.get("action_id") or "")
            if own != action_id and not own.startswith(action_id + ":"):
                continue
            if value is None or element.get("value") == value:
                return block.get("block_id"), element
            if first[1] is None and own == action_id:
                first = (block.get("block_id"), element)
    return first


def _as_dicts(blocks: Sequence[Mapping[str, Any] | Block] | str | None) -> list[Mapping[str, Any]]:
    if not blocks:
        return []
    items: Sequence[Mapping[str, Any] | Block] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [b.to_dict() if isinstance(b, Block) else b for b in items or []]


def blocks_to_text(blocks: Sequence[Mapping[str, Any] | Block] | str) -> str:
    """Block Kit (dicts, slack_sdk Blocks or a JSON string) as the readable text a user would see."""
    return "\n".join(text for text in (_block(b) for b in _as_dicts(blocks)) if text)


def view_to_text(view: Mapping[str, Any] | View | str) -> str:
    """A modal or App Home view as text: a title bar, its blocks, then its buttons."""
    if isinstance(view, View):
        view = view.to_dict()
    elif isinstance(view, str):
        view = json.loads(view)
    assert isinstance(view, Mapping)
    title = _text(view.get("title")) or ("App Home" if view.get("type") == "home" else "Modal")
    lines = [f"╭─ {title} ─╮"]
    body = blocks_to_text(view.get("blocks", []))
    if body:
        lines.append(body)
    if view.get("submit"):
        close = _text(view.get("close")) or "Cancel"
        lines.append(f"[ {close} ]  [ {_text(view['submit'])} ]")
    elif view.get("close"):
        lines.append(f"[ {_text(view['close'])} ]")
    return "\n".join(lines)


def message_to_text(message: Mapping[str, Any]) -> str:
    """A chat message or response_url body (recorded args) as text: its blocks, else its text."""
    parts: list[str] = []
    blocks = _as_dicts(_maybe_json(message.get("blocks")))
    if blocks:
        parts.append(blocks_to_text(blocks))
    elif message.get("text"):
        parts.append(mrkdwn_to_text(str(message["text"])))
    attachments = _maybe_json(message.get("attachments")) or []
    for attachment in attachments if isinstance(attachments, list) else []:
        rendered = blocks_to_text(attachment.get("blocks", [])) or mrkdwn_to_text(
            str(attachment.get("text", ""))
        )
        if rendered:
            parts.append("│ " + rendered.replace("\n", "\n│ "))
    return "\n".join(parts)
