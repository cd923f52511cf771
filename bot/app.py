"""The composition root: the core from settings and a clock, the edges on top, and the front that answers
HTTP (it verifies, keeps each request in the inbox and answers; it builds no listeners). No module-level state.

Only this module and the CLI know the edges exist: they mount them.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from slack_bolt import App
from sqlalchemy import Engine

from bot.cadence import Cadence
from bot.clock import Clock, system_clock
from bot.core import Core, build_core
from bot.delivery import ByPlatform, DigestSender, Poster
from bot.engagement import Engagement
from bot.referral_service import ReferralService
from bot.roundup import Roundups
from bot.settings import Settings, secret
from bot.sweep import Sweeper
from bot.work import Processor
from handlers.slack.app import SlackEdge, build_slack
from handlers.slack.http import SlackFront, slack_routes
from handlers.slack.oauth import EncryptedInstallationStore
from handlers.teams.app import TeamsApp
from handlers.teams.front import TeamsFront
from handlers.web import Reply, Request, Route, StoreCollector, Web
from store.db import make_engine, ping, upgrade
from store.inbox import Inbox
from store.metrics import digest_counts
from store.replays import guard_effects


@dataclass
class Metbot:
    """Everything `serve`, `socket`, `nudge`, `demo` and the tests need, wired once."""

    settings: Settings
    core: Core
    slack: SlackEdge | None
    sweeper: Sweeper
    roundups: Roundups
    teams: TeamsApp | None = None

    @property
    def app(self) -> App:
        assert self.slack is not None, "Slack is not configured in this process"
        return self.slack.app

    @property
    def engine(self) -> Engine:
        return self.core.engine

    @property
    def engagement(self) -> Engagement:
        return self.core.engagement

    @property
    def referrals(self) -> ReferralService:
        return self.core.referrals

    @property
    def executor(self) -> Executor | None:
        return self.slack.executor if self.slack else None

    @property
    def processors(self) -> dict[str, Processor]:
        """Per platform, what a worker runs kept requests through (empty outside a worker)."""
        processors: dict[str, Processor] = {}
        if self.slack is not None and self.slack.processor is not None:
            processors["slack"] = self.slack.processor
        if self.teams is not None:
            processors["teams"] = self.teams.process
        return processors

    @property
    def installation_store(self) -> EncryptedInstallationStore | None:
        return self.slack.installation_store if self.slack else None

    def close(self) -> None:
        """Stop what the edges started (the Teams SDK's loop, the Slack listeners' pool) and the engine."""
        if self.teams is not None:
            self.teams.close()
        if self.slack is not None:
            self.slack.executor.shutdown(wait=True)
        self.core.engine.dispose()


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
    core = build_core(settings, clock=clock, cadence=cadence, engine=engine, migrate=migrate)
    if worker:
        guard_effects(core.sessions)  # each kept request's effect is marked applied in its own transaction
    # Slack is built unless this process has only Teams' settings (then `serve` serves Teams alone).
    slack = (
        build_slack(core, settings, slack_timeout=slack_timeout, worker=worker)
        if slack_wanted(settings)
        else None
    )
    teams = TeamsApp(core, settings) if settings.teams_enabled else None
    digests: dict[str, DigestSender] = {}
    channels: dict[str, Poster] = {}
    if slack is not None:
        digests["slack"], channels["slack"] = slack.digests, slack.channels
    if teams is not None:
        digests["teams"] = channels["teams"] = teams.sender
    sweeper = Sweeper(sessions=core.sessions, sender=ByPlatform(digests), cadence=core.cadence)
    roundups = Roundups(
        sessions=core.sessions,
        poster=ByPlatform(channels),
        default_channel=core.referrals.default_channel,
        min_group=settings.metbot_min_group,
    )
    return Metbot(settings=settings, core=core, slack=slack, sweeper=sweeper, roundups=roundups, teams=teams)


def slack_wanted(settings: Settings) -> bool:
    """Slack's edge is built with any Slack setting present, or with none of either platform's."""
    return bool(secret(settings.slack_signing_secret)) or settings.oauth_enabled or not settings.teams_enabled


# --- the front: the interpreter that answers HTTP ---------------------------------------------------


@dataclass
class Front:
    web: Web
    inbox: Inbox
    engine: Engine
    teams: TeamsFront | None = None

    def close(self) -> None:
        """Stop the Teams SDK's loop (if Teams is served) and hand the inbox's connections back."""
        if self.teams is not None:
            self.teams.close()
        self.inbox.close()


def metrics_registry(inbox: Inbox, engine: Engine, clock: Clock) -> CollectorRegistry:
    """What /metrics exposes: this process's request metrics (or, under `serve --workers`, every
    process's, via prometheus-client's multiprocess files) and the database's gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    registry.register(
        StoreCollector(inbox.depth, lambda: inbox.oldest_age(clock()), lambda: digest_counts(engine))
    )
    return registry


def build_front(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    engine: Engine | None = None,
    migrate: bool = True,
    extra_routes: list[Route] | None = None,
) -> Front:
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    inbox = Inbox.for_database(engine)
    oauth = None
    if settings.oauth_enabled:  # Bolt's install pages are the one thing the front runs Bolt for
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        oauth = SlackRequestHandler(build_app(settings, clock=clock, engine=engine, migrate=False).app)
    signing_secret = secret(settings.slack_signing_secret)
    slack = slack_routes(SlackFront(signing_secret, inbox, clock), oauth) if signing_secret else []
    teams = TeamsFront(settings, inbox, clock).start() if settings.teams_enabled else None
    teams_web = (
        teams_routes(teams, build_core(settings, clock=clock, engine=engine, migrate=False), settings)
        if teams
        else []
    )
    multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    web = Web(
        [*slack, *teams_web, *(extra_routes or [])],
        health=lambda: ping(engine),
        registry=metrics_registry(inbox, engine, clock),
        own_metrics=not multiprocess,
    )
    return Front(web=web, inbox=inbox, engine=engine, teams=teams)


def teams_routes(teams: TeamsFront, core: Core, settings: Settings) -> list[Route]:
    """`POST /api/messages` beside `POST /slack/events`, and the signed export links Teams users get."""
    from bot.downloads import DownloadLinks, key_from
    from handlers.downloads import PREFIX, download_app

    def activity(request: Request) -> Reply:
        status, headers, body = teams.handle_activity(request.body, request.headers)
        kind = headers.get("Content-Type") or headers.get("content-type") or "application/json"
        return Reply(status, body, kind)

    links = DownloadLinks(key_from(secret(settings.teams_app_password)), core.clock)
    return [
        Route("POST", "/api/messages", handler=activity),
        Route("GET", PREFIX, wsgi=download_app(core, links), prefix=True),
    ]
