"""The Slack edge, built on the core: the Bolt app, its listeners, and the senders the sweeps use."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient

from bot.core import Core
from bot.replays import ReplayGuard
from bot.settings import Settings, secret
from bot.work import InlineExecutor, Processor
from handlers.slack import actions, commands, events, requests, shortcuts, views
from handlers.slack.client import slack_client
from handlers.slack.digests import SlackDigestSender
from handlers.slack.oauth import EncryptedInstallationStore, client_finder, oauth_settings
from handlers.slack.shoutouts import SlackChannelPoster

# Lazy listeners (the work after each ack) run here. Bolt's default is 5 threads; a burst of slow
# follow-up work (waiting on Slack) would queue behind them, so the pool is sized for a burst of clicks —
# but not much larger: CPU-bound lazy threads compete with the request threads for the GIL.
LISTENER_THREADS = 32


@dataclass
class SlackEdge:
    app: App
    client_for: Callable[[str], WebClient | None]
    digests: SlackDigestSender
    channels: SlackChannelPoster
    executor: Executor
    installation_store: EncryptedInstallationStore | None = None
    processor: Processor | None = None  # in a worker: runs one kept request through Bolt


def build_slack(
    core: Core, settings: Settings, *, slack_timeout: float = 10, worker: bool = False
) -> SlackEdge:
    """`worker=True`: the app a worker runs kept requests through (bot/work.py). The front verified them and
    lazy listeners run inline, so `dispatch` returns when the work is done. Otherwise (Socket Mode) Bolt
    verifies and dedupes itself."""
    executor: Executor
    if worker:
        executor = InlineExecutor()
    else:
        executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="metbot-lazy")
    client = slack_client(settings, timeout=slack_timeout)
    store: EncryptedInstallationStore | None = None
    extra: dict[str, object] = {}
    if settings.oauth_enabled:
        # Many workspaces: Bolt finds each request's bot token in the installation store.
        extra["oauth_settings"], store = oauth_settings(settings, core.engine)
    app = App(
        signing_secret=secret(settings.slack_signing_secret) or None,
        client=client,
        # The ack listener's answer is the HTTP response; slow work goes to lazy listeners on the pool below.
        # This skips Bolt's 10 ms ack polling and keeps the request thread free (see benchmarks/).
        process_before_response=True,
        request_verification_enabled=not worker,
        listener_executor=executor,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        **extra,  # type: ignore[arg-type]  # oauth_settings is typed by Bolt as OAuthSettings | None
    )
    # Each listener matches exactly its own commands, action ids, forms or events: no order dependence.
    commands.register(app, core)
    actions.register(app, core)
    views.register(app, core)
    events.register(app, core, store)
    shortcuts.register(app, core)
    # One process on SQLite: memory knows every request. Replicas on PostgreSQL share the seen_request table.
    guard = ReplayGuard(core.members.first_time if core.engine.dialect.name != "sqlite" else None)
    requests.register(app, None if worker else guard)  # over HTTP the inbox recognises replays
    client_for = client_finder(
        store, client, lambda token: slack_client(settings, token, timeout=slack_timeout)
    )
    return SlackEdge(
        app=app,
        client_for=client_for,
        digests=SlackDigestSender(client_for=client_for),
        channels=SlackChannelPoster(client_for=client_for),
        executor=executor,
        installation_store=store,
        processor=requests.processor(app) if worker else None,
    )
