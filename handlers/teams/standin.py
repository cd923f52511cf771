"""The project's one local Teams stand-in: used by the demo, the test suite and the benchmarks.

Why one module: as for Slack (handlers/slack/standin.py), every consumer must see the same Teams. It
answers the way the Bot Framework answers (paths, shapes, status codes, Retry-After), so an edge that
works here works there. Three services on one loopback port, standard library + PyJWT + cryptography:

* the Bot Connector — `POST /v3/conversations`, `POST /v3/conversations/{id}/activities[/{replyToId}]`,
  `PUT /v3/conversations/{id}/activities/{activityId}` under `service_url`; every call is recorded with
  its Authorization header; failures (403/404/412/429 with Retry-After/502/504) and latency on demand;
* the login endpoint — `POST /{tenant}/oauth2/v2.0/token` (client credentials): checks the app id and
  secret and answers `access_token` + `expires_in`, a JWT the connector then insists on;
* OpenID metadata (`openid_metadata_url`, ending in `/openidconfiguration`) and the sibling `/keys`
  JWKS with an RS256 signing key, so `mint(...)` makes real Bot Framework–shaped inbound tokens that the
  Teams SDK checks — and `forge(...)` the five kinds of bad token a hostile caller could send.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import http.client
import http.server
import json
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = [
    "APP_ID",
    "APP_PASSWORD",
    "BOT_ISSUER",
    "FORGERIES",
    "TENANT",
    "ConnectorCall",
    "ConnectorFailure",
    "FakeTeams",
    "Forgery",
    "TeamsUser",
    "activity_to_text",
    "card_to_text",
    "example_message",
]

APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"  # the bot id in the published example payload ("28:<id>")
APP_PASSWORD = "metbot-standin-secret"
TENANT = "botframework.com"  # the token-issuing tenant (TEAMS_TENANT_ID's default)
BOT_ISSUER = "https://api.botframework.com"
BOT_SCOPE = "https://api.botframework.com/.default"
SIGNING_KID = "metbot-standin-signing"
LOGIN_KID = "metbot-standin-login"
TOKEN_LIFETIME = 3600
_JSON = "application/json; charset=utf-8"
_EXAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "teams-personal-message.example.json"

Forgery = Literal["no_token", "wrong_audience", "expired", "unknown_key", "wrong_serviceurl"]
FORGERIES: tuple[Forgery, ...] = ("no_token", "wrong_audience", "expired", "unknown_key", "wrong_serviceurl")
Operation = Literal["create_conversation", "send", "reply", "update", "token"]


@dataclass
class ConnectorCall:
    """One request the stand-in received (failed attempts included): what a test asserts on."""

    operation: Operation
    http_method: str
    path: str
    body: Any
    authorization: str | None
    status: int  # 0 while the stand-in is still answering it
    at: float
    conversation_id: str | None = None
    activity_id: str | None = None  # the activity replied to or updated; for sends, the new id
    reply_to: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def bearer(self) -> str | None:
        """The bearer token, without the scheme."""
        if self.authorization and self.authorization.startswith("Bearer "):
            return self.authorization.removeprefix("Bearer ")
        return None


@dataclass
class ConnectorFailure:
    """A failure injected with `FakeTeams.fail`; `hits` counts the calls it answered."""

    operation: Operation
    status: int
    retry_after: int | None = None
    latency: float = 0.0
    times: int = 1  # -1: forever
    where: Callable[[ConnectorCall], bool] | None = None
    hits: int = 0

    def matches(self, call: ConnectorCall) -> bool:
        live = self.times < 0 or self.hits < self.times
        return live and call.operation == self.operation and (self.where is None or bool(self.where(call)))


@dataclass(frozen=True)
class TeamsUser:
    """Someone in a tenant, as the activities name them."""

    aad_object_id: str
    tenant_id: str = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    name: str = "Megan Bowen"
    timezone: str | None = "America/Los_Angeles"
    locale: str = "en-US"

    @property
    def user_id(self) -> str:
        """The channel account id ("29:…"), stable per user and bot."""
        return f"29:{self.aad_object_id}"

    @property
    def conversation_id(self) -> str:
        """Their 1:1 conversation with the bot ("a:…")."""
        return f"a:{self.tenant_id[:8]}-{self.aad_object_id}"


@functools.cache
def _key(name: str) -> rsa.RSAPrivateKey:
    """An RSA key per role, made once per process (2048-bit generation is slow on a loaded machine)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def example_message() -> dict[str, Any]:
    """The published personal-chat message activity (tests/data copy), as a fresh dict."""
    return json.loads(_EXAMPLE.read_text(encoding="utf-8"))


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0


def _json(payload: Any, status: int = 200, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(payload).encode("utf-8"), {"Content-Type": _JSON, **headers})


def _error(status: int, code: str, message: str, **headers: str) -> _Reply:
    """The connector's ErrorResponse shape."""
    return _json({"error": {"code": code, "message": message}}, status, **headers)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, fake: FakeTeams) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # no reverse DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            self.fake.internal_errors.append(repr(error))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence: tests and the demo must not see request logs on stderr."""

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake._route(method, self.path, body, dict(self.headers.items()))
        if reply.latency:
            time.sleep(reply.latency)
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(reply.body)


class FakeTeams:
    """A loopback Bot Connector + login + OpenID metadata that records every call and fails on demand.

    Point the settings at it: `TEAMS_LOGIN_URL=fake.login_url`, `TEAMS_OPENID_METADATA_URL=
    fake.openid_metadata_url`, and send activities whose `serviceUrl` is `fake.service_url`.
    """

    def __init__(self, app_id: str = APP_ID, app_password: str = APP_PASSWORD, latency: float = 0.0) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.latency = latency
        self.token_lifetime = TOKEN_LIFETIME
        self.internal_errors: list[str] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of everything asked, keys and metadata too
        self._signing_key = _key("signing")
        self._stranger_key = _key("stranger")
        self._calls: list[ConnectorCall] = []
        self._failures: list[ConnectorFailure] = []
        self._issued: dict[str, float] = {}  # outbound access token -> expiry (epoch seconds)
        self._conversations: dict[str, dict[str, Any]] = {}  # id -> {"members", "tenant", "activities"}
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> FakeTeams:
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="FakeTeams",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> FakeTeams:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeTeams.start() first"
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The activities' `serviceUrl`: where the bot's outbound calls go (with Teams' trailing slash)."""
        return f"{self.base_url}/amer/"

    @property
    def login_url(self) -> str:
        """TEAMS_LOGIN_URL: `{login_url}/{tenant}/oauth2/v2.0/token` answers client-credential requests."""
        return self.base_url

    @property
    def openid_metadata_url(self) -> str:
        """TEAMS_OPENID_METADATA_URL: the signing keys are at the sibling `/keys`."""
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/keys"

    # -- inbound tokens -------------------------------------------------------------------------------------

    def mint(
        self,
        service_url: str | None = None,
        *,
        audience: str | None = None,
        expires_in: int = 3600,
        unknown_key: bool = False,
        issuer: str = BOT_ISSUER,
        **claims: Any,
    ) -> str:
        """A Bot Framework–shaped RS256 token, as the Bot Connector service signs its calls to the bot."""
        now = int(time.time())
        claims = {
            **claims,
            "iss": issuer,
            "aud": audience or self.app_id,
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + expires_in,
            "serviceurl": service_url or self.service_url,
        }
        key = self._stranger_key if unknown_key else self._signing_key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": SIGNING_KID})

    def forge(self, forgery: Forgery, service_url: str | None = None) -> str | None:
        """A token the bot must refuse (None for `no_token`). The leeway the SDK grants is 5 minutes."""
        match forgery:
            case "no_token":
                return None
            case "wrong_audience":
                return self.mint(service_url, audience=str(uuid.uuid4()))
            case "expired":
                return self.mint(service_url, expires_in=-3600)
            case "unknown_key":
                return self.mint(service_url, unknown_key=True)
            case "wrong_serviceurl":
                return self.mint("https://smba.trafficmanager.net/emea/")
        raise ValueError(f"unknown forgery {forgery!r}")

    def headers_for(
        self, activity: Mapping[str, Any], forgery: Forgery | None = None, token: str | None = None
    ) -> dict[str, str]:
        """The request headers Teams would send with `activity` (or with a forged, or the given, token)."""
        service_url = str(activity.get("serviceUrl") or self.service_url)
        if token is None:
            token = self.forge(forgery, service_url) if forgery else self.mint(service_url)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def post(
        self,
        url: str,
        activity: Mapping[str, Any] | bytes,
        forgery: Forgery | None = None,
        timeout: float = 30,
        token: str | None = None,
    ) -> tuple[int, Any]:
        """POST an activity to the bot under test (signed, forged, or with `token`): (status, decoded body)."""
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode("utf-8")
        headers = self.headers_for({} if isinstance(activity, bytes) else activity, forgery, token)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
        try:
            conn.request("POST", parts.path or "/", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode("utf-8", "replace")

    # -- activities shaped like Teams' ----------------------------------------------------------------------

    def message(self, user: TeamsUser, text: str, **extra: Any) -> dict[str, Any]:
        """A personal-chat message from `user`, built on the published example payload."""
        activity = example_message()
        activity.update(
            id=str(uuid.uuid4().int)[:13],
            serviceUrl=self.service_url,
            text=text,
            locale=user.locale,
            recipient={"id": f"28:{self.app_id}", "name": "metbot"},
        )
        activity["from"] = {"id": user.user_id, "name": user.name, "aadObjectId": user.aad_object_id}
        activity["conversation"] = {
            "conversationType": "personal",
            "tenantId": user.tenant_id,
            "id": user.conversation_id,
        }
        activity["channelData"] = {"tenant": {"id": user.tenant_id}}
        if user.timezone:
            activity["localTimezone"] = user.timezone
            activity["entities"][0]["timezone"] = user.timezone
        else:
            activity.pop("localTimezone", None)
            activity["entities"][0].pop("timezone", None)
        activity.update(extra)
        return activity

    def invoke(self, user: TeamsUser, name: str, value: Any, **extra: Any) -> dict[str, Any]:
        """An invoke activity (`adaptiveCard/action`, `task/fetch`, `task/submit`, `composeExtension/…`)."""
        activity = self.message(user, "")
        for key in ("text", "textFormat", "localTimezone", "localTimestamp"):
            activity.pop(key, None)
        activity.update(type="invoke", name=name, value=value)
        activity.update(extra)
        return activity

    def card_action(
        self, user: TeamsUser, verb: str, data: Mapping[str, Any], reply_to: str | None = None
    ) -> dict[str, Any]:
        """A click on an `Action.Execute` button: an `adaptiveCard/action` invoke."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": dict(data)}, "trigger": "manual"}
        extra = {"replyToId": reply_to} if reply_to else {}
        return self.invoke(user, "adaptiveCard/action", value, **extra)

    def installed(self, user: TeamsUser, team_id: str | None = None, removed: bool = False) -> dict[str, Any]:
        """`conversationUpdate` adding (or removing) the bot: personal scope, or a team's General channel."""
        activity = self.message(user, "")
        for key in ("text", "textFormat", "localTimezone", "localTimestamp"):
            activity.pop(key, None)
        bot = {"id": f"28:{self.app_id}", "name": "metbot"}
        activity.update(type="conversationUpdate", entities=[])
        activity["membersRemoved" if removed else "membersAdded"] = [bot]
        if team_id:
            activity["conversation"] = {
                "conversationType": "channel",
                "tenantId": user.tenant_id,
                "id": team_id,
                "isGroup": True,
            }
            activity["channelData"] = {
                "tenant": {"id": user.tenant_id},
                "team": {"id": team_id, "name": "Networking"},
                "eventType": "teamMemberRemoved" if removed else "teamMemberAdded",
            }
        return activity

    # -- failures and the record ----------------------------------------------------------------------------

    def fail(
        self,
        operation: Operation,
        status: int,
        *,
        retry_after: int | None = None,
        latency: float = 0.0,
        times: int = 1,
        where: Callable[[ConnectorCall], bool] | None = None,
    ) -> ConnectorFailure:
        """Answer the next `times` matching calls with `status` (429 carries Retry-After: `retry_after`)."""
        failure = ConnectorFailure(operation, status, retry_after, latency, times, where)
        with self._lock:
            self._failures.append(failure)
        return failure

    def calls(self, operation: Operation | None = None) -> list[ConnectorCall]:
        with self._lock:
            return [c for c in self._calls if operation is None or c.operation == operation]

    def sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Activities the connector accepted (sends and replies), oldest first; updates are applied."""
        with self._lock:
            conversations = (
                [self._conversations.get(conversation_id, {})]
                if conversation_id
                else list(self._conversations.values())
            )
            return [copy.deepcopy(a) for conv in conversations for a in conv.get("activities", {}).values()]

    def wait_for(self, operation: Operation, count: int = 1, timeout: float = 10.0) -> list[ConnectorCall]:
        """Block until `count` successful calls of `operation` arrived (a condition, not a sleep)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                done = [c for c in self._calls if c.operation == operation and c.ok]
                if len(done) >= count:
                    return done
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "; ".join(f"{c.operation} {c.status}" for c in self._calls) or "no calls"
                    raise AssertionError(
                        f"expected {count} {operation} call(s) within {timeout}s; saw {seen}"
                    )
                self._cond.wait(left)

    def issued(self, token: str | None) -> bool:
        """Whether `token` is an outbound access token this login endpoint issued (and still valid)."""
        with self._lock:
            return token is not None and self._issued.get(token, 0.0) > time.time()

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._failures.clear()

    # -- routing --------------------------------------------------------------------------------------------

    def _route(self, method: str, raw_path: str, body: bytes, headers: Mapping[str, str]) -> _Reply:
        path = urlsplit(raw_path).path
        with self._lock:
            self.requests.append((method, path))
        if method == "GET" and path == "/v1/.well-known/openidconfiguration":
            return _json(self._openid_document())
        if method == "GET" and path == "/v1/.well-known/keys":
            return _json(self._jwks())
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            return self._token(path, body, headers)
        if "/v3/conversations" in path:
            return self._connector(method, path, body, headers)
        return _error(404, "NotFound", "no such endpoint on the stand-in")

    def _openid_document(self) -> dict[str, Any]:
        return {
            "issuer": BOT_ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def _jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._signing_key.public_key()))
        jwk.update(kid=SIGNING_KID, use="sig", alg="RS256", endorsements=["msteams"])
        return {"keys": [jwk]}

    def _record(self, call: ConnectorCall) -> _Reply | None:
        """Record the call; if an injected failure matches, the failure's answer."""
        with self._cond:
            self._calls.append(call)
            failure = next((f for f in self._failures if f.matches(call)), None)
            if failure is None:
                self._cond.notify_all()
                return None
            failure.hits += 1
            call.status = failure.status
            self._cond.notify_all()
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        reply = _error(
            failure.status, _ERROR_CODES.get(failure.status, "ServiceError"), "injected", **headers
        )
        reply.latency = failure.latency + self.latency
        return reply

    def _token(self, path: str, body: bytes, headers: Mapping[str, str]) -> _Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        tenant = path.strip("/").split("/")[0]
        call = ConnectorCall("token", "POST", path, {**form, "client_secret": "***"}, None, 0, time.time())
        call.conversation_id = tenant
        failed = self._record(call)
        if failed is not None:
            return failed
        if form.get("grant_type") != "client_credentials":
            return self._refuse(call, 400, "unsupported_grant_type", "only client_credentials is supported")
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return self._refuse(call, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if form.get("scope") != BOT_SCOPE:
            return self._refuse(call, 400, "invalid_scope", f"the scope must be {BOT_SCOPE}")
        now = int(time.time())
        claims = {
            "aud": "https://api.botframework.com",
            "iss": f"https://sts.windows.net/{tenant}/",
            "appid": self.app_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._signing_key, algorithm="RS256", headers={"kid": LOGIN_KID})
        with self._cond:
            self._issued[token] = now + self.token_lifetime
            call.status = 200
            self._cond.notify_all()
        answer = {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}
        return _json({**answer, "ext_expires_in": self.token_lifetime})

    def _refuse(self, call: ConnectorCall, status: int, error: str, description: str) -> _Reply:
        with self._lock:
            call.status = status
        return _json({"error": error, "error_description": description}, status)

    def _connector(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> _Reply:
        tail = path.split("/v3/conversations", 1)[1].strip("/")
        parts = [unquote(p) for p in tail.split("/")] if tail else []
        authorization = headers.get("Authorization") or headers.get("authorization")
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = None
        operation, conversation, activity_id = _operation(method, parts)
        if operation is None:
            return _error(404, "NotFound", "no such connector operation")
        call = ConnectorCall(operation, method, path, payload, authorization, 0, time.time(), conversation)
        call.activity_id = activity_id
        call.reply_to = activity_id if operation == "reply" else None
        failed = self._record(call)
        if failed is not None:
            return failed
        if not self.issued(call.bearer):
            return self._refuse_call(
                call, 401, "Unauthorized", "Authorization has been denied for this request."
            )
        if not isinstance(payload, dict):
            return self._refuse_call(call, 400, "BadArgument", "the body is not a JSON object")
        reply = self._perform(call, payload)
        with self._cond:
            call.status = reply.status
            self._cond.notify_all()
        reply.latency = self.latency
        return reply

    def _refuse_call(self, call: ConnectorCall, status: int, code: str, message: str) -> _Reply:
        with self._lock:
            call.status = status
        return _error(status, code, message)

    def _perform(self, call: ConnectorCall, payload: dict[str, Any]) -> _Reply:
        with self._cond:
            if call.operation == "create_conversation":
                members = [m.get("id") for m in payload.get("members") or [] if isinstance(m, dict)]
                if not members:
                    call.status = 400
                    return _error(400, "BadArgument", "members are required")
                conversation_id = f"a:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(map(str, members))).hex}"
                self._conversations.setdefault(
                    conversation_id, {"members": members, "tenant": payload.get("tenantId"), "activities": {}}
                )
                call.conversation_id = conversation_id
                self._cond.notify_all()
                return _json({"id": conversation_id, "serviceUrl": self.service_url}, 201)
            conversation = self._conversations.setdefault(
                str(call.conversation_id), {"members": [], "tenant": None, "activities": {}}
            )
            activities: dict[str, dict[str, Any]] = conversation["activities"]
            if call.operation == "update":
                if call.activity_id not in activities:
                    call.status = 404
                    return _error(404, "ActivityNotFoundInConversation", "The activity was not found.")
                activities[str(call.activity_id)] = {**payload, "id": call.activity_id, "updated": True}
                self._cond.notify_all()
                return _json({"id": call.activity_id})
            new_id = f"1{int(time.time() * 1000)}{len(activities):04d}"
            activities[new_id] = {**payload, "id": new_id, "replyToId": call.reply_to}
            call.activity_id = new_id if call.operation == "send" else call.activity_id
            self._cond.notify_all()
            return _json({"id": new_id}, 201)


_ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "BotNotInConversationRoster",
    404: "ConversationNotFound",
    412: "PreconditionFailed",
    429: "Throttled",
    502: "BadGateway",
    504: "GatewayTimeout",
}


def _operation(method: str, parts: list[str]) -> tuple[Operation | None, str | None, str | None]:
    """Which connector operation a path names: (operation, conversation id, activity id)."""
    if method == "POST" and not parts:
        return "create_conversation", None, None
    if len(parts) >= 2 and parts[1] == "activities":
        conversation = parts[0]
        activity = parts[2] if len(parts) > 2 else None
        if method == "POST":
            return ("reply" if activity else "send"), conversation, activity
        if method == "PUT" and activity:
            return "update", conversation, activity
    return None, None, None


def card_to_text(card: Mapping[str, Any]) -> str:
    """An Adaptive Card as plain lines (text, facts, inputs, [buttons]), so the demo can print the chat."""
    lines: list[str] = []
    _card_lines(card.get("body") or [], lines)
    buttons = [f"[{a.get('title', '')}]" for a in card.get("actions") or [] if isinstance(a, dict)]
    if buttons:
        lines.append(" ".join(buttons))
    return "\n".join(lines)


def _card_lines(elements: Any, lines: list[str]) -> None:
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "TextBlock":
            lines.append(str(element.get("text", "")))
        elif kind == "RichTextBlock":
            lines.append("".join(str(run.get("text", "")) for run in element.get("inlines") or []))
        elif kind == "FactSet":
            lines.extend(f"{f.get('title')}: {f.get('value')}" for f in element.get("facts") or [])
        elif kind in ("Container", "Column"):
            _card_lines(element.get("items"), lines)
        elif kind == "ColumnSet":
            for column in element.get("columns") or []:
                _card_lines(column.get("items"), lines)
        elif kind == "ActionSet":
            lines.append(" ".join(f"[{a.get('title', '')}]" for a in element.get("actions") or []))
        elif isinstance(kind, str) and kind.startswith("Input."):
            choices = ", ".join(str(c.get("title")) for c in element.get("choices") or [])
            lines.append(
                f"<{element.get('label') or element.get('placeholder') or element.get('id')}>"
                + (f" ({choices})" if choices else "")
            )


def activity_to_text(activity: Mapping[str, Any]) -> str:
    """A sent activity as plain text: its text, then each card's lines."""
    parts = [str(activity["text"])] if activity.get("text") else []
    for attachment in activity.get("attachments") or []:
        if isinstance(attachment, dict) and isinstance(attachment.get("content"), dict):
            parts.append(card_to_text(attachment["content"]))
    return "\n".join(parts)
