"""The one Slack Web API client factory."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings, secret


def slack_client(settings: Settings, token: str | None = None, *, timeout: float = 10) -> WebClient:
    """The one Slack client factory: our API URL, a timeout, and retries for 429, 5xx and lost connections."""
    return WebClient(
        token=token if token is not None else (secret(settings.slack_bot_token) or None),
        base_url=settings.slack_api_url,
        timeout=int(timeout) if timeout >= 1 else timeout,  # type: ignore[arg-type]
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
