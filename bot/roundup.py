"""The weekly roundup: Mondays 09:00 in the team's timezone, posted once per workspace per week.

What it says is pure (`owed_week`, `roundup_reply`): counts only, never a contact's name. `Roundups`
runs it from the scheduler tick like the digest sweep: one outbox row per (workspace, week) inserted with
ON CONFLICT DO NOTHING, claimed under a lease, marked sent with the message id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from bot.cadence import zone
from bot.charts import Week, roundup_chart, tally
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
from bot.results import Image, Person, Place, Reply, Section
from bot.taxonomy import BY_KEY, quoted, tied_first
from store import referrals
from store.db import Sessions
from store.outbox import Lease
from store.referrals import ClaimedRoundup, Team, TeamWeeks, WeekFacts

__all__ = ["ChannelUnavailable", "Poster", "Roundups", "owed_week", "post_time", "roundup_reply"]

log = logging.getLogger("metbot.roundup")

ROUNDUP_HOUR = 9
CHART_WEEKS = 8  # the roundup's chart: the team's rates over the last eight weeks
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


def roundup_reply(
    facts: WeekFacts, week_start: date, min_group: int = 1, weeks: Sequence[Week] | None = None
) -> Reply | None:
    """The team's week in counts: referrals, the most generous givers, why connections stalled, and a
    chart of the same kind of figures last (`weeks`: the team's recent rates, None when too few people).

    None for a quiet week (nothing to say is better than an empty post).
    """
    reply = roundup_text(facts, week_start, min_group)
    picture = chart_section(facts, min_group, weeks) if reply is not None else None
    if reply is None or picture is None:
        return reply
    return replace(reply, sections=(*reply.sections, picture))


def stall_reasons_shown(facts: WeekFacts, min_group: int) -> bool:
    """The week's breakdown counts appear only when at least `min_group` people named them."""
    return bool(facts.breakdowns) and (min_group <= 1 or facts.classifiers >= min_group)


def team_rates(team: TeamWeeks, week_start: date, timezone: str | None, min_group: int) -> list[Week] | None:
    """The team's weekly rates up to the roundup's week, or None when they come from too few people."""
    if team.people < max(min_group, 1):
        return None
    return tally(team.contacts, week_start, weeks=CHART_WEEKS, timezone=timezone)


def chart_span(week_start: date, timezone: str | None) -> tuple[datetime, datetime]:
    """From the first charted week's Monday to the end of the roundup's week."""
    start, _ = week_bounds(week_start - timedelta(weeks=CHART_WEEKS - 1), timezone)
    return start, week_bounds(week_start, timezone)[1]


def chart_section(facts: WeekFacts, min_group: int, weeks: Sequence[Week] | None) -> Section | None:
    """The picture, its alt text the figures drawn; a chart that can't be drawn costs the picture only."""
    reasons = facts.breakdowns if stall_reasons_shown(facts, min_group) else None
    try:
        chart = roundup_chart(weeks, reasons)
    except Exception:  # matplotlib or Pillow failing: the roundup still goes out as text
        log.exception("roundup chart not drawn")
        return None
    if chart is None:
        return None
    return Section(image=Image(chart.png, chart.alt, filename=chart.filename), key="chart")


def without_pictures(reply: Reply) -> Reply:
    """The same roundup with each picture as its alt text: what is posted if the platform refuses the image."""
    sections = tuple(
        replace(s, image=None, text=s.image.alt) if s.image is not None else s for s in reply.sections
    )
    return replace(reply, sections=sections)


def versions(reply: Reply) -> tuple[Version, ...]:
    """The roundup, then (only if the platform refuses it: a picture it can't show) its text alone."""
    if any(s.image is not None for s in reply.sections):
        return (Version(reply), Version(without_pictures(reply)))
    return (Version(reply),)


def roundup_text(facts: WeekFacts, week_start: date, min_group: int = 1) -> Reply | None:
    """The roundup's words (the figures a screen reader reads); None for a quiet week."""
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
                facts, rates = {}, {}
                for c in claimed:
                    start, end = week_bounds(c.week_start, c.timezone)
                    facts[c.roundup_id] = referrals.week_facts(session, c.workspace_id, start, end)
                    team_weeks = referrals.team_weeks(
                        session, c.workspace_id, *chart_span(c.week_start, c.timezone)
                    )
                    rates[c.roundup_id] = team_rates(team_weeks, c.week_start, c.timezone, self.min_group)
            for c in claimed:
                said = roundup_reply(facts[c.roundup_id], c.week_start, self.min_group, rates[c.roundup_id])
                self._post_one(c, teams.get(c.workspace_id), said, now, report)
            if len(claimed) < self.batch:
                return

    def _post_one(
        self, c: ClaimedRoundup, team: Team | None, reply: Reply | None, now: datetime, report: RoundupReport
    ) -> None:
        """One workspace's roundup through the one send path (bot/delivery.py); one team never stops the others.
        A retry looks for the tagged post first, so the roundup (and its picture) is in the channel once."""
        channel = (team.channel if team else None) or self.default_channel
        if team is None or channel is None or reply is None:
            self._finish(c.roundup_id, status="skipped", error="quiet week" if team else "workspace gone")
            report.skipped += 1
            return
        job = Job(
            tag=f"roundup-{c.roundup_id}",
            versions=versions(reply),
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
