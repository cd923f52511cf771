"""The composition root: the core from settings and a clock, the edges on top. No module-level state.

Only this module and the CLI know the edges exist: they mount them.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy import Engine

from bot.cadence import Cadence
from bot.clock import Clock, system_clock
from bot.core import Core, build_core
from bot.engagement import Engagement
from bot.referral_service import ReferralService
from bot.roundup import Roundups
from bot.settings import Settings
from bot.sweep import Sweeper
from handlers.slack.app import SlackEdge, build_slack
from handlers.slack.oauth import EncryptedInstallationStore


@dataclass
class Metbot:
    """Everything `serve`, `socket`, `nudge`, `demo` and the tests need, wired once."""

    settings: Settings
    core: Core
    slack: SlackEdge
    sweeper: Sweeper
    roundups: Roundups

    @property
    def app(self) -> App:
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
    def executor(self) -> Executor:
        return self.slack.executor

    @property
    def installation_store(self) -> EncryptedInstallationStore | None:
        return self.slack.installation_store


def build_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    cadence: Cadence | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
    slack_timeout: float = 10,
) -> Metbot:
    core = build_core(settings, clock=clock, cadence=cadence, engine=engine, migrate=migrate)
    slack = build_slack(core, settings, slack_timeout=slack_timeout)
    sweeper = Sweeper(sessions=core.sessions, sender=slack.digests, cadence=core.cadence)
    roundups = Roundups(
        sessions=core.sessions, poster=slack.channels, default_channel=core.referrals.default_channel
    )
    return Metbot(settings=settings, core=core, slack=slack, sweeper=sweeper, roundups=roundups)
