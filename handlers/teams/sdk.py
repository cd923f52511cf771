"""The bridge to the Teams SDK: one asyncio loop on a background thread carrying the SDK's `App`.

Why a bridge: the rest of metbot is synchronous (WSGI on waitress, SQLAlchemy sessions, APScheduler),
and the Teams SDK is asyncio. One loop, started once, carries the SDK; sync callers hand it work with
`asyncio.run_coroutine_threadsafe` and wait for the answer. The SDK checks every inbound token itself
(issuer, audience, expiry, signing key from `TEAMS_OPENID_METADATA_URL`, the `serviceurl` claim); we
only fetch the outbound token, because the SDK's own secret login goes through MSAL, which refuses
the plain-http authority a loopback stand-in has (DESIGN.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import jwt

from bot.settings import MissingSetting, Settings, secret

if TYPE_CHECKING:
    from microsoft_teams.apps import App
    from microsoft_teams.apps.http.adapter import HttpRequest, HttpResponse, HttpRouteHandler

log = logging.getLogger("metbot.teams")

BOT_SCOPE = "https://api.botframework.com/.default"
BOT_ISSUER = "https://api.botframework.com"  # the issuer of every Bot Connector token (PUBLIC cloud)
MESSAGING_ENDPOINT = "/api/messages"
REFRESH_MARGIN = 300.0  # seconds before expiry at which a cached outbound token is replaced
ACK_TIMEOUT = 15.0  # the most a request thread waits for the SDK; Teams gives invokes 5 s
RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})
GONE = frozenset({403, 404})
NOT_KEPT = 503  # a handler's answer when the activity could not be kept (handlers/teams/front.py)
T = TypeVar("T")
Answer = tuple[int, dict[str, str], bytes]


class ConnectorError(Exception):
    """A Bot Connector call failed: `status` (0 when nothing answered) and the connector's Retry-After.

    Delivery retries `retryable` failures (412/429/5xx, after `retry_after` seconds when given) and
    gives up on `gone` ones (403 the bot was removed or blocked; 404 the conversation is no more).
    """

    def __init__(self, operation: str, status: int, retry_after: float | None = None) -> None:
        self.operation = operation
        self.status = status
        self.retry_after = retry_after
        wait = f", retry after {retry_after:g}s" if retry_after is not None else ""
        super().__init__(f"Teams connector {operation} failed with HTTP {status or 'no answer'}{wait}")

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status in RETRYABLE

    @property
    def gone(self) -> bool:
        return self.status in GONE


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass
class _Cached:
    token: str
    expires_at: float


class OutboundToken:
    """The bot's own connector token: a client-credentials POST to `{login}/{tenant}/oauth2/v2.0/token`,
    cached per scope until `REFRESH_MARGIN` seconds before it expires. Handed to the SDK as `token=`."""

    def __init__(
        self,
        login_url: str,
        tenant: str,
        app_id: str,
        password: str,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{login_url.rstrip('/')}/{tenant}/oauth2/v2.0/token"
        self._form = {"grant_type": "client_credentials", "client_id": app_id, "client_secret": password}
        self._clock = clock
        self._timeout = timeout
        self._cache: dict[str, _Cached] = {}
        self._lock: asyncio.Lock | None = None
        self.fetches = 0

    async def __call__(self, scope: str | list[str] = BOT_SCOPE, tenant_id: str | None = None) -> str:
        """The SDK's token-provider signature; the tenant is always ours (TEAMS_TENANT_ID)."""
        wanted = scope[0] if isinstance(scope, list) else scope
        cached = self._cache.get(wanted)
        if cached and cached.expires_at - REFRESH_MARGIN > self._clock():
            return cached.token
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            cached = self._cache.get(wanted)
            if cached and cached.expires_at - REFRESH_MARGIN > self._clock():
                return cached.token
            fresh = await self._fetch(wanted)
            self._cache[wanted] = fresh
            return fresh.token

    async def _fetch(self, scope: str) -> _Cached:
        started = self._clock()
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self.url, data={**self._form, "scope": scope})
        except httpx.HTTPError as error:
            raise ConnectorError("token", 0) from error
        self.fetches += 1
        if response.status_code != 200:
            log.warning("outbound token refused", extra={"outcome": response.status_code})
            raise ConnectorError("token", response.status_code, retry_after_of(response.headers))
        answer = response.json()
        lifetime = float(answer.get("expires_in") or 0)
        return _Cached(str(answer["access_token"]), started + lifetime)


class _WithoutContent(logging.Filter):
    """Logs never carry user text: the SDK logs a failed activity with the exception's text (a pydantic
    error quotes the offending input) and its traceback. Keep the exception's type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None or record.levelno >= logging.ERROR:
            kind = type(error).__name__ if error is not None else "error"
            record.msg, record.args, record.exc_info, record.exc_text = f"Teams SDK: {kind}", (), None, None
        return True


def quiet_sdk_logs() -> None:
    """No DEBUG from the SDK (it logs whole activities there) and no activity content at ERROR."""
    logging.getLogger("microsoft_teams").setLevel(logging.INFO)
    for name in ("microsoft_teams.apps.http.http_server", "microsoft_teams.apps.app_process"):
        sdk_log = logging.getLogger(name)
        if not any(isinstance(f, _WithoutContent) for f in sdk_log.filters):
            sdk_log.addFilter(_WithoutContent())


class _RouteCatcher:
    """The SDK's HTTP adapter protocol, reduced to what we use: remember the route handler so our own
    WSGI server can call it. (Not its FastAPI/uvicorn server: Slack and Teams share serve's one port.)"""

    def __init__(self) -> None:
        self.routes: dict[str, HttpRouteHandler] = {}

    def register_route(self, method: str, path: str, handler: HttpRouteHandler) -> None:
        self.routes[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        """No static pages: the bot has no tabs."""

    async def start(self, port: int) -> None:
        raise NotImplementedError("metbot serves /api/messages on its own WSGI server")

    async def stop(self) -> None:
        """Nothing to stop: the WSGI server is ours."""


def _from_bot_framework(headers: Mapping[str, str]) -> bool:
    """A cheap pre-filter, not the check (the SDK does that): a token that does not even claim the Bot
    Framework as its issuer is refused here. Otherwise the SDK would treat it as an Agent 365 Entra token
    and fetch that tenant's signing keys, synchronously on its loop, for any `tid` a caller invents."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not authorization.startswith("Bearer "):
        return True  # the SDK answers 401 itself
    try:
        claims = jwt.decode(authorization.removeprefix("Bearer "), options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return True  # malformed: the SDK refuses it without any fetch
    return claims.get("iss") == BOT_ISSUER


def _json_answer(status: int, payload: Any) -> Answer:
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"} if body else {}
    return status, headers, body


class TeamsBridge:
    """The SDK `App` on its own loop thread, with sync entry points for the WSGI server and the senders.

    `configure(app)` (e.g. `TeamsEdge.register`) is called on the loop before `initialize()`, to add the
    activity handlers.
    """

    def __init__(
        self,
        settings: Settings,
        configure: Callable[[App], None] | None = None,
        *,
        ack_timeout: float = ACK_TIMEOUT,
        send_timeout: float = 30.0,
    ) -> None:
        settings.require_teams()
        self.settings = settings
        self.app_id = str(settings.teams_app_id).strip()
        self.token = OutboundToken(
            settings.teams_login_url,
            settings.teams_tenant_id,
            self.app_id,
            secret(settings.teams_app_password),
        )
        self._configure = configure
        self.ack_timeout = ack_timeout
        self.send_timeout = send_timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="teams-sdk")
        self._routes = _RouteCatcher()
        self._app: App | None = None
        self._starting = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> TeamsBridge:
        """Start the loop, build the SDK app on it and `await app.initialize()`. Idempotent."""
        if self._app is not None:
            return self
        with self._starting:  # the first requests may arrive together on several server threads
            if self._app is None:
                if not self._thread.is_alive():
                    self._thread.start()
                self._app = self._call(self._build(), timeout=60)
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def __enter__(self) -> TeamsBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def app(self) -> App:
        assert self._app is not None, "TeamsBridge.start() first"
        return self._app

    async def _build(self) -> App:
        with warnings.catch_warnings():  # the SDK announces its preview features on import, to stderr
            warnings.simplefilter("ignore")
            from microsoft_teams.api import TokenCredentials
            from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
            from microsoft_teams.apps import App

        quiet_sdk_logs()
        cloud = with_overrides(
            PUBLIC,
            openid_metadata_url=self.settings.teams_openid_metadata_url,
            login_endpoint=self.settings.teams_login_url.rstrip("/"),
            login_tenant=self.settings.teams_tenant_id,
        )
        app = App(
            client_id=self.app_id,
            tenant_id=self.settings.teams_tenant_id,
            token=self.token,
            cloud=cloud,
            http_server_adapter=self._routes,  # a structural HttpServerAdapter
            messaging_endpoint=MESSAGING_ENDPOINT,
            dangerously_allow_unauthenticated_requests=False,
            state=False,
        )
        if not isinstance(app.credentials, TokenCredentials):
            # The SDK prefers CLIENT_SECRET from the environment over our token (and then logs in via MSAL).
            raise MissingSetting(
                "CLIENT_SECRET is set in the environment: unset it; metbot reads the bot's secret "
                "from TEAMS_APP_PASSWORD."
            )
        if self._configure is not None:
            self._configure(app)
        await app.initialize()
        return app

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout or self.send_timeout)
        except FutureTimeout:
            future.cancel()
            raise

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the SDK's loop from sync code and wait for its result."""
        self.start()
        return self._call(coroutine, timeout)

    # -- inbound --------------------------------------------------------------------------------------------

    def handle_activity(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        """One POST /api/messages: (status, headers, body). 401 for any bad token (nothing written), 400
        for a body that is not a JSON object, 200 after the token check for activities the bot does not
        use, never 5xx."""
        self.start()
        try:
            activity = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _json_answer(400, {"error": "The body must be a JSON activity."})
        if not isinstance(activity, dict):
            return _json_answer(400, {"error": "The body must be a JSON activity."})
        if not _from_bot_framework(headers):
            return _json_answer(401, {"error": "Unauthorized"})
        route = self._routes.routes[MESSAGING_ENDPOINT]
        lowered = {key.lower(): value for key, value in headers.items()}
        request: HttpRequest = {"body": activity, "headers": lowered}
        future = asyncio.run_coroutine_threadsafe(_route(route, request), self._loop)
        try:
            response = future.result(timeout=self.ack_timeout)
        except FutureTimeout:
            log.warning(
                "activity still running at ack time", extra={"action": str(activity.get("type"))[:32]}
            )
            return _json_answer(200, None)  # the work carries on; the SDK sends its replies itself
        status = int(response["status"])
        if status == NOT_KEPT:
            return _json_answer(status, response.get("body"))  # the front could not keep it: Teams retries
        if status >= 500:
            # The token was good (401 comes before any processing): an activity the SDK could not
            # model or route, or a handler that failed after answering the user. Nothing to retry.
            log.warning(
                "activity not handled", extra={"action": str(activity.get("type"))[:32], "outcome": status}
            )
            return _json_answer(200, None)
        return _json_answer(status, response.get("body"))

    # -- outbound -------------------------------------------------------------------------------------------

    def send(self, service_url: str, conversation_id: str, activity: Mapping[str, Any]) -> str:
        """Post a new activity in a conversation; the connector's id for it (to update it later)."""
        return self.run(self._guard("send", self._send(service_url, conversation_id, activity, None)))

    def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: Mapping[str, Any]
    ) -> None:
        """Replace an activity the bot sent (a clicked digest card, say) in place."""
        self.run(self._guard("update", self._send(service_url, conversation_id, activity, activity_id)))

    def create_conversation(self, service_url: str, tenant: str, user_aad_id: str) -> str:
        """Open (or find) the bot's 1:1 conversation with a user; its conversation id."""
        return self.run(self._guard("create_conversation", self._create(service_url, tenant, user_aad_id)))

    async def reply(self, service_url: str, conversation_id: str, message: Any) -> str:
        """On the loop: post a message the edge built (a worker answering a kept activity)."""
        sent = await self._guard(
            "send", self.app.send(conversation_id, message, service_url=service_url.rstrip("/"))
        )
        return str(sent.id)

    async def _send(
        self, service_url: str, conversation_id: str, activity: Mapping[str, Any], activity_id: str | None
    ) -> str:
        from microsoft_teams.api.activities.message.message import MessageActivityInput

        message = MessageActivityInput.model_validate({"type": "message", **dict(activity)})
        if activity_id is not None:
            message.id = activity_id
        sent = await self.app.send(conversation_id, message, service_url=service_url.rstrip("/"))
        return str(sent.id)

    async def _create(self, service_url: str, tenant: str, user_aad_id: str) -> str:
        from microsoft_teams.api.clients.conversation.params import CreateConversationParams
        from microsoft_teams.api.models.account import Account

        api = self.app.api.clone(service_url=service_url.rstrip("/"))
        params = CreateConversationParams(
            members=[Account(id=user_aad_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        created = await api.conversations.create(params)
        return str(created.id)

    async def _guard(self, operation: str, work: Awaitable[T]) -> T:
        """Turn the SDK's HTTP failures into one `ConnectorError` with the status and Retry-After."""
        try:
            return await work
        except httpx.HTTPStatusError as error:
            response = error.response
            raise ConnectorError(operation, response.status_code, retry_after_of(response.headers)) from None
        except httpx.HTTPError as error:
            raise ConnectorError(operation, 0) from error


async def _route(route: HttpRouteHandler, request: HttpRequest) -> HttpResponse:
    return await route(request)
