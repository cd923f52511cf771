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
from bot.delivery import ByPlatform, DigestSender, Poster
from bot.engagement import Engagement
from bot.referral_service import ReferralService
from bot.roundup import Roundups
from bot.settings import Settings, secret
from bot.sweep import Sweeper
from bot.work import Processor
from handlers.slack.app import SlackEdge, build_slack
from handlers.slack.oauth import EncryptedInstallationStore
from handlers.teams.app import TeamsApp
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
        return {"slack": self.slack.processor} if self.slack and self.slack.processor else {}

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
