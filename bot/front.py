"""The front's composition: the interpreter that answers HTTP verifies, keeps each request in the inbox
and answers. It imports no listeners and builds no Bolt app (except Bolt's OAuth pages, when on)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from bot.clock import Clock, system_clock
from bot.settings import Settings, secret
from handlers.slack.http import SlackFront, slack_routes
from handlers.web import Route, StoreCollector, Web
from store.db import make_engine, ping, upgrade
from store.inbox import Inbox
from store.metrics import digest_counts


@dataclass
class Front:
    web: Web
    inbox: Inbox
    engine: Engine


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

        from bot.app import build_app

        oauth = SlackRequestHandler(build_app(settings, clock=clock, engine=engine, migrate=False).app)
    signing_secret = secret(settings.slack_signing_secret)
    slack = slack_routes(SlackFront(signing_secret, inbox, clock), oauth) if signing_secret else []
    multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    web = Web(
        [*slack, *(extra_routes or [])],
        health=lambda: ping(engine),
        registry=metrics_registry(inbox, engine, clock),
        own_metrics=not multiprocess,
    )
    return Front(web=web, inbox=inbox, engine=engine)
