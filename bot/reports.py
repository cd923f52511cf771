"""Reports: the contact list, stats, the App Home, the team's figures and help — read-only answers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot import capture
from bot.cadence import Cadence, local_today
from bot.charts import stats_charts, weekly
from bot.clock import Clock
from bot.home import MAX_DUE, MAX_LOSING, home_reply, referral_balance_section
from bot.listing import contacts_reply
from bot.members import Members
from bot.records import Who
from bot.results import Image, Reply, Section
from bot.risk import past_contacts, riskiest_habit
from bot.stats import ContactFacts, History, stats_for, stats_reply
from bot.team import TEAM_WINDOW_DAYS, ReferralCounts, team_reply
from store import followups, meetings, people
from store.db import Sessions
from store.home import HomeFacts, home_facts, referral_balance
from store.models import Member
from store.risk import member_outcomes
from store.team import team_counts, team_referrals


@dataclass
class Reports:
    sessions: Sessions
    clock: Clock
    cadence: Cadence
    members: Members
    min_group: int = 5  # the smallest group whose figures are shown (settings.metbot_min_group)

    def contacts(self, who: Who) -> Reply:
        with self.sessions() as session:
            member: Member | None = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None:
                return contacts_reply([], 0, today=self.members.today(who))
            lines, total = meetings.recent_contacts(session, member.id)
            today = local_today(self.clock(), member.timezone)
        return contacts_reply(lines, total, today=today)

    def stats(self, who: Who) -> Reply:
        """`/met stats`: the figures as text, the riskiest habit, and the charts (their alt text is the same)."""
        now = self.clock()
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None:
                return stats_reply(stats_for(History((), (), ()), now))
            meetings_at, contacts, breakdowns = followups.history(session, member.id)
            own = past_contacts(member_outcomes(session, member.id))
            timezone = member.timezone
        history = History(
            meetings=tuple(meetings_at),
            contacts=tuple(ContactFacts(*row) for row in contacts),
            breakdowns=tuple(breakdowns),
        )
        stats = stats_for(history, now)
        reply = stats_reply(stats)
        if not history.contacts:
            return reply
        habit = riskiest_habit(own)
        extra = [Section(text=habit, key="habit")] if habit else []
        charts = stats_charts(weekly(history, now, timezone=timezone), stats.reasons)
        extra += [Section(image=Image(c.png, c.alt, filename=c.filename)) for c in charts]
        return replace(reply, sections=(*reply.sections, *extra))

    def help(self) -> Reply:
        return capture.help_reply()

    def home(self, who: Who) -> Reply:
        """The App Home: due follow-ups (digest buttons), who is losing touch, stages, stats, referrals."""
        now = self.clock()
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            today = local_today(now, member.timezone if member else None)
            if member is None:
                facts = HomeFacts(
                    due=[], due_total=0, losing=[], losing_total=0, stages={}, stage_names={}, contacts=0
                )
                history = History((), (), ())
                balance = None
            else:
                facts = home_facts(session, member.id, today, due_limit=MAX_DUE, losing_limit=MAX_LOSING)
                meetings_at, contacts, breakdowns = followups.history(session, member.id)
                history = History(
                    meetings=tuple(meetings_at),
                    contacts=tuple(ContactFacts(*row) for row in contacts),
                    breakdowns=tuple(breakdowns),
                )
                balance = referral_balance(session, member.id)
        referrals = (
            referral_balance_section(balance.given, balance.received, balance.closed, tuple(balance.contacts))
            if balance
            else None
        )
        return home_reply(
            facts, today=today, cadence=self.cadence, stats=stats_for(history, now), referrals=referrals
        )

    def team(self, who: Who) -> Reply:
        """`/met team`: the workspace's figures, counts only."""
        now = self.clock()
        with self.sessions() as session:
            counts = team_counts(session, who.platform, who.workspace, now - timedelta(days=TEAM_WINDOW_DAYS))
            given, received, closed = team_referrals(session, who.platform, who.workspace)
        return team_reply(
            counts, ReferralCounts(given=given, received=received, closed=closed), min_group=self.min_group
        )

    def referral_help(self) -> Reply:
        """`/referral help`; the referral use cases live in bot/referral_service.py."""
        from bot.referrals import help_reply

        return help_reply()
