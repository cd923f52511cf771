"""The composition root: settings, clock and database in; a wired Bolt app out. No module-level state."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from sqlalchemy import Engine

from bot.cadence import Cadence
from bot.clock import Clock, system_clock
from bot.engagement import Engagement
from bot.referral_service import ReferralService
from bot.replays import ReplayGuard
from bot.roundup import Roundups
from bot.service import Core
from bot.settings import Settings, secret
from bot.sweep import Sweeper
from bot.work import InlineExecutor, Processor
from handlers.slack import actions, commands, data, events, followups, installs, requests, views
from handlers.slack import referrals as referral_handlers
from handlers.slack.client import slack_client
from handlers.slack.digests import SlackDigestSender
from handlers.slack.oauth import EncryptedInstallationStore, client_finder, oauth_settings
from handlers.slack.shoutouts import SlackChannelPoster
from store.db import make_engine, make_sessions, upgrade
from store.replays import guard_effects

log = logging.getLogger(__name__)

# Lazy listeners (the work after each ack) run here. Bolt's default is 5 threads; a burst of slow
# follow-up work (waiting on Slack) would queue behind them, so the pool is sized for a burst of clicks —
# but not much larger: CPU-bound lazy threads compete with the request threads for the GIL.
LISTENER_THREADS = 32


@dataclass
class Metbot:
    """Everything `serve`, `socket`, `nudge`, `demo` and the tests need, wired once."""

    settings: Settings
    app: App
    core: Core
    engagement: Engagement
    sweeper: Sweeper
    engine: Engine
    executor: Executor
    referrals: ReferralService
    roundups: Roundups
    installation_store: EncryptedInstallationStore | None = None
    processors: dict[str, Processor] = field(default_factory=dict)  # per platform, for the inbox's workers


def build_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    cadence: Cadence | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
    slack_timeout: float = 10,
    worker: bool = False,
) -> Metbot:
    """`worker=True`: the app a worker runs kept requests through (bot/work.py). The front verified them,
    lazy listeners run inline so `dispatch` returns when the work is done, and the store records each
    request's effect in its own transaction. Otherwise (Socket Mode) Bolt verifies and dedupes itself."""
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    cadence = cadence or Cadence()
    sessions = make_sessions(engine)
    executor: Executor
    if worker:
        executor = InlineExecutor()
        guard_effects(sessions)
    else:
        executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="metbot-lazy")
    core = Core(sessions=sessions, clock=clock, cadence=cadence)
    engagement = Engagement(sessions=sessions, clock=clock, cadence=cadence)
    client = slack_client(settings, timeout=slack_timeout)
    store: EncryptedInstallationStore | None = None
    extra: dict[str, object] = {}
    if settings.oauth_enabled:
        # Many workspaces: Bolt finds each request's bot token in the installation store.
        extra["oauth_settings"], store = oauth_settings(settings, engine)
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
        **extra,  # type: ignore[arg-type]
    )
    referrals = ReferralService(
        sessions=sessions,
        clock=clock,
        cadence=cadence,
        default_channel=settings.metbot_shoutout_channel or None,
    )
    referral_handlers.register(app, core, referrals)  # first: its `/met config` matcher precedes `/met`
    for module in (commands, actions, views, events):
        module.register(app, core)
    followups.register(app, core, engagement)
    data.register(app, core)  # export, import, forget: before the catch-alls in `requests`
    installs.register(app, core, store)
    # One process on SQLite: memory knows every request. Replicas on PostgreSQL share the seen_request table.
    guard = ReplayGuard(core.first_time if engine.dialect.name != "sqlite" else None)
    requests.register(app, None if worker else guard)  # over HTTP the inbox recognises replays
    client_for = client_finder(
        store, client, lambda token: slack_client(settings, token, timeout=slack_timeout)
    )
    sender = SlackDigestSender(client_for=client_for)
    sweeper = Sweeper(sessions=sessions, sender=sender, cadence=cadence)
    roundups = Roundups(
        sessions=sessions,
        poster=SlackChannelPoster(client_for=client_for),
        default_channel=referrals.default_channel,
    )
    return Metbot(
        settings=settings,
        app=app,
        core=core,
        engagement=engagement,
        sweeper=sweeper,
        engine=engine,
        executor=executor,
        referrals=referrals,
        roundups=roundups,
        installation_store=store,
        processors={"slack": requests.processor(app)} if worker else {},
    )
