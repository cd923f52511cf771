"""The weekly roundup: Mondays 09:00 in the team's timezone, posted once per workspace per week.

What it says is pure (`owed_week`, `roundup_reply`): counts only, never a contact's name. `Roundups`
runs it from the scheduler tick like the digest sweep: one outbox row per (workspace, week) inserted with
ON CONFLICT DO NOTHING, claimed under a lease, marked sent with the message id.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.cadence import zone
from bot.delivery import (
    Address,
    ChannelUnavailable,
    Job,
    Outcome,
    Poster,
    Version,
    attempt,
    log_counts,
    row_values,
)
from bot.results import Person, Place, Reply, Section
from bot.taxonomy import BY_KEY, quoted, tied_first
from store import referrals
from store.db import Sessions
from store.outbox import Lease
from store.referrals import ClaimedRoundup, Team, WeekFacts

__all__ = ["ChannelUnavailable", "Poster", "Roundups", "owed_week", "post_time", "roundup_reply"]

log = logging.getLogger("metbot.roundup")

ROUNDUP_HOUR = 9
GRACE = timedelta(days=2)  # a roundup more than this late (the bot was down) is skipped, not posted stale


# --- when ---------------------------------------------------------------------------------------


def post_time(week_start: date, timezone: str | None, hour: int = ROUNDUP_HOUR) -> datetime:
    """The roundup of the week starting `week_start` goes out the following Monday at `hour` local."""
    return datetime.combine(week_start + timedelta(days=7), time(hour), tzinfo=zone(timezone))


def owed_week(now: datetime, timezone: str | None, hour: int = ROUNDUP_HOUR) -> date:
    """The Monday starting the latest week whose roundup time has come at `now`."""
    local = now.astimezone(zone(timezone))
    monday = local.date() - timedelta(days=local.weekday())
    this_week_post = datetime.combine(monday, time(hour), tzinfo=zone(timezone))
    return monday - timedelta(days=7 if local >= this_week_post else 14)


def week_bounds(week_start: date, timezone: str | None) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) local, as aware datetimes."""
    tz = zone(timezone)
    return (
        datetime.combine(week_start, time(0), tzinfo=tz),
        datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz),
    )


# --- what -----------------------------------------------------------------------------------------


def _times(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def roundup_reply(facts: WeekFacts, week_start: date, min_group: int = 1) -> Reply | None:
    """The team's week in counts: referrals, the most generous givers, why connections stalled.

    None for a quiet week (nothing to say is better than an empty post).
    """
    if not facts.referrals and not facts.closed and not facts.breakdowns:
        return None
    span = f"week of {week_start:%a} {week_start.day} {week_start:%b}"
    headline = f"This week's networking roundup ({span})"
    sections: list[Section] = [Section(title=f"📣 Weekly roundup — {span}")]
    if facts.referrals or facts.closed:
        text = f"{_times(facts.referrals, 'referral', 'referrals')} given in the team this week"
        if facts.closed:
            text += f", and {_times(facts.closed, 'closed business', 'closed businesses')}"
        text += "."
        if facts.outside_givers:
            text += f" {facts.outside_givers} came from people outside the team."
        sections.append(Section(title="Referrals", text=text))
    else:
        sections.append(
            Section(
                title="Referrals",
                text="No referrals this week. Who on your list could you "
                "introduce to someone? Record it with /referral.",
            )
        )
    if facts.givers:
        said: list[str | Person | Place] = ["Most generous: "]
        for i, (user, n) in enumerate(facts.givers):
            if i:
                said.append(", ")
            said.extend([Person(user, user), f" ({n})"])
        said.append(". Thank you for leading with generosity!")
        sections.append(Section(said=tuple(said)))
    if facts.breakdowns and min_group > 1 and facts.classifiers < min_group:
        # Too few people: the counts could be one colleague's own reasons, so none are shown.
        text = (
            f"Not enough people yet: the reasons connections stalled appear once at least {min_group} "
            "people have named one in a week."
        )
        sections.append(Section(title="Why connections stalled", text=text))
    elif facts.breakdowns:
        fields = tuple((BY_KEY[k].label if k in BY_KEY else k, str(n)) for k, n in facts.breakdowns)
        top = tied_first(list(facts.breakdowns))
        note = None
        if len(top) == 1:
            note = f"Most common: “{top[0].label}”. {top[0].tip}"
        elif top:
            note = f"No single most common reason this week: {quoted(top)} are tied."
        sections.append(Section(title="Why connections stalled (counts only)", fields=fields, note=note))
    return Reply(headline=headline, sections=tuple(sections))


# --- the runner -----------------------------------------------------------------------------------


@dataclass
class RoundupReport:
    opened: int = 0
    posted: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass
class Roundups:
    sessions: Sessions
    poster: Poster
    default_channel: str | None = None
    min_group: int = 5  # breakdown counts only from at least this many people (settings.metbot_min_group)
    hour: int = ROUNDUP_HOUR
    lease: timedelta = timedelta(minutes=5)
    retry_after: timedelta = timedelta(minutes=5)
    batch: int = 100
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def sweep(self, now: datetime) -> RoundupReport:
        report = RoundupReport()
        self.open_owed(now, report)
        self.post_claimed(now, report)
        if report.opened or report.posted or report.failed:
            log_counts(log, "roundup", report, ("opened", "posted", "skipped", "failed"))
        return report

    def open_owed(self, now: datetime, report: RoundupReport) -> None:
        """One outbox row per workspace whose roundup time has come (and not long gone) this week."""
        with self.sessions.begin() as session:
            have = referrals.roundups_since(session, (now - timedelta(days=21)).date())
            for team in referrals.teams(session):
                if not (team.channel or self.default_channel):
                    continue
                timezone = team.timezone or "UTC"
                week = owed_week(now, timezone, self.hour)
                if (team.workspace_id, week) in have or now - post_time(week, timezone, self.hour) > GRACE:
                    continue
                if referrals.open_roundup(session, team.workspace_id, week, timezone, now):
                    report.opened += 1

    def post_claimed(self, now: datetime, report: RoundupReport) -> None:
        while True:
            with self.sessions.begin() as session:
                claimed = referrals.claim_roundups(
                    session, Lease(self.worker_id, now, now + self.lease, self.batch)
                )
                teams = {t.workspace_id: t for t in referrals.teams(session)} if claimed else {}
                facts = {}
                for c in claimed:
                    start, end = week_bounds(c.week_start, c.timezone)
                    facts[c.roundup_id] = referrals.week_facts(session, c.workspace_id, start, end)
            for c in claimed:
                self._post_one(c, teams.get(c.workspace_id), facts[c.roundup_id], now, report)
            if len(claimed) < self.batch:
                return

    def _post_one(
        self, c: ClaimedRoundup, team: Team | None, facts: WeekFacts, now: datetime, report: RoundupReport
    ) -> None:
        """One workspace's roundup through the one send path (bot/delivery.py); one team never stops the others."""
        channel = (team.channel if team else None) or self.default_channel
        reply = roundup_reply(facts, c.week_start, self.min_group)
        if team is None or channel is None or reply is None:
            self._finish(c.roundup_id, status="skipped", error="quiet week" if team else "workspace gone")
            report.skipped += 1
            return
        job = Job(
            tag=f"roundup-{c.roundup_id}",
            versions=(Version(reply),),
            retry=c.attempts > 1,
            address=Address(team.platform, team.external_id, channel),
        )
        try:
            outcome = attempt(self.poster, job)
        except Exception as problem:  # a bug or the database: retried later like a passing failure
            outcome = Outcome("pending", error=f"{type(problem).__name__}: {problem}")
        self._finish(c.roundup_id, **{"channel": channel, **row_values(outcome, now, self.retry_after)})
        if outcome.status == "sent":
            report.posted += 1
            return
        if outcome.status == "pending":
            report.failed += 1
        else:
            report.skipped += 1
        log.warning(
            "roundup not posted",
            extra={"team": team.external_id, "outcome": outcome.status, "error": outcome.error},
        )

    def _finish(self, roundup_id: int, **values: object) -> None:
        with self.sessions.begin() as session:
            if not referrals.finish_roundup(session, roundup_id, self.worker_id, **values):
                log.warning("roundup finished after its lease was lost", extra={"roundup": roundup_id})
