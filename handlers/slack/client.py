"""The one Slack Web API client factory, and which of its calls slack_sdk may repeat by itself.

slack_sdk's ServerErrorRetryHandler and ConnectionErrorRetryHandler send a request again at once when
Slack answered 5xx or the connection dropped — but Slack may have done the work before that answer
was lost. For a read, or a write that lands the same way twice (chat.update, views.publish,
conversations.open), that is harmless. A post is not: a second chat.postMessage is a second message.
So those handlers skip the methods in `NOT_IDEMPOTENT`; a post whose outcome is unknown goes back to
its caller (the digest sweep looks for its tagged copy before posting again). 429 is always retried:
a rate-limited call was refused before Slack did anything.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings, secret

# Web API methods whose repetition is a second effect the user sees (a second message, file or channel).
NOT_IDEMPOTENT = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.meMessage",
        "chat.scheduleMessage",
        "files.upload",
        "files.completeUploadExternal",
        "conversations.create",
    }
)


def api_method(url: str) -> str:
    """`https://slack.com/api/chat.postMessage?x=1` → `chat.postMessage`."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


class OnlyIdempotent(RetryHandler):
    """Wraps a retry handler so that it never repeats a call in `NOT_IDEMPOTENT`."""

    def __init__(self, inner: RetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if api_method(request.url) in NOT_IDEMPOTENT:
            return False
        return self.inner._can_retry(state=state, request=request, response=response, error=error)


def retry_handlers() -> list[RetryHandler]:
    """429 for every call; 5xx and lost connections only for calls that may safely run twice."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=2),
        OnlyIdempotent(ServerErrorRetryHandler(max_retry_count=2)),
        OnlyIdempotent(ConnectionErrorRetryHandler(max_retry_count=2)),
    ]


def slack_client(settings: Settings, token: str | None = None, *, timeout: float = 10) -> WebClient:
    """The one Slack client factory: our API URL, a timeout, and the retries in `retry_handlers`."""
    return WebClient(
        token=token if token is not None else (secret(settings.slack_bot_token) or None),
        base_url=settings.slack_api_url,
        timeout=int(timeout) if timeout >= 1 else timeout,  # type: ignore[arg-type]
        retry_handlers=retry_handlers(),
    )
