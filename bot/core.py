"""The core, built from settings and a clock: every service, and the router that fronts them.

No platform here: the composition root (bot/app.py) builds the edges on top of this.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.cadence import Cadence
from bot.clock import Clock, system_clock
from bot.contacts import ContactBook
from bot.data import UserData
from bot.engagement import Engagement
from bot.meeting_log import MeetingLog
from bot.members import Members
from bot.referral_service import ReferralService
from bot.reports import Reports
from bot.router import Router
from bot.settings import Settings
from store.db import Sessions, make_engine, make_sessions, upgrade


@dataclass
class Core:
    """Every use case, by purpose. Edges call `router`; the scheduler and the CLI call the rest."""

    sessions: Sessions
    clock: Clock
    cadence: Cadence
    engine: Engine
    members: Members
    meetings: MeetingLog
    reports: Reports
    engagement: Engagement
    referrals: ReferralService
    data: UserData
    contacts: ContactBook
    router: Router


def build_core(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    cadence: Cadence | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
) -> Core:
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    cadence = cadence or Cadence()
    sessions = make_sessions(engine)
    members = Members(sessions=sessions, clock=clock)
    core = Core(
        sessions=sessions,
        clock=clock,
        cadence=cadence,
        engine=engine,
        members=members,
        meetings=MeetingLog(sessions=sessions, clock=clock, cadence=cadence, members=members),
        reports=Reports(
            sessions=sessions,
            clock=clock,
            cadence=cadence,
            members=members,
            min_group=settings.metbot_min_group,
        ),
        engagement=Engagement(sessions=sessions, clock=clock, cadence=cadence),
        referrals=ReferralService(
            sessions=sessions,
            clock=clock,
            cadence=cadence,
            default_channel=settings.metbot_shoutout_channel or None,
        ),
        data=UserData(sessions=sessions, clock=clock),
        contacts=ContactBook(sessions=sessions, clock=clock),
        router=None,  # type: ignore[arg-type]  # set just below: the router needs the core it routes to
    )
    core.router = Router(core)
    return core
