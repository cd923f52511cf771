"""`/met stats`: what is working and what keeps breaking down, from the member's own history. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from bot.results import Reply, Section
from bot.taxonomy import BY_KEY

WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ContactFacts:
    created_at: datetime
    stage: str
    first_follow_up_at: datetime | None
    replied: bool


@dataclass(frozen=True)
class History:
    meetings: tuple[datetime, ...]
    contacts: tuple[ContactFacts, ...]
    breakdowns: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True)
class Rates:
    meetings: int
    contacts: int
    followed_up: int
    replied: int
    breakdowns: int

    @property
    def follow_up_rate(self) -> float | None:
        return self.followed_up / self.contacts if self.contacts else None

    @property
    def response_rate(self) -> float | None:
        return self.replied / self.followed_up if self.followed_up else None


@dataclass(frozen=True)
class Stats:
    all_time: Rates
    recent: Rates
    before: Rates
    median_days_to_follow_up: float | None
    stages: dict[str, int]
    reasons: list[tuple[str, int]]  # most common first


def _rates(h: History, start: datetime | None, end: datetime | None) -> Rates:
    def inside(t: datetime) -> bool:
        return (start is None or t >= start) and (end is None or t < end)

    contacts = [c for c in h.contacts if inside(c.created_at)]
    return Rates(
        meetings=sum(1 for t in h.meetings if inside(t)),
        contacts=len(contacts),
        followed_up=sum(1 for c in contacts if c.first_follow_up_at is not None),
        replied=sum(1 for c in contacts if c.replied),
        breakdowns=sum(1 for _, t in h.breakdowns if inside(t)),
    )


def stats_for(history: History, now: datetime) -> Stats:
    cut = now - WINDOW
    delays = [
        (c.first_follow_up_at - c.created_at).total_seconds() / 86400
        for c in history.contacts
        if c.first_follow_up_at is not None
    ]
    return Stats(
        all_time=_rates(history, None, None),
        recent=_rates(history, cut, None),
        before=_rates(history, None, cut),
        median_days_to_follow_up=round(median(delays), 1) if delays else None,
        stages=dict(Counter(c.stage for c in history.contacts)),
        reasons=Counter(r for r, _ in history.breakdowns).most_common(),
    )


def bar(share: float, width: int = 10) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def trend(recent: float | None, before: float | None) -> str:
    if recent is None or before is None:
        return ""
    delta = round((recent - before) * 100)
    if delta == 0:
        return " (same as before)"
    return f" ({'up' if delta > 0 else 'down'} {abs(delta)} points on before)"


def stats_reply(s: Stats) -> Reply:
    a = s.all_time
    if not a.meetings and not a.contacts:
        text = "No meetings logged yet. Start with /met Jane Doe (Acme) at BNI breakfast; next step: coffee"
        return Reply(headline="No stats yet.", sections=(Section(text=text),))
    headline = (
        f"Your networking: {a.meetings} meeting{'s' if a.meetings != 1 else ''} with {a.contacts} people"
    )
    days = s.median_days_to_follow_up
    overview = Section(
        title=headline,
        fields=(
            (
                "Follow-up rate",
                f"{bar(a.follow_up_rate or 0)} {pct(a.follow_up_rate)} ({a.followed_up}/{a.contacts})",
            ),
            (
                "Response rate",
                f"{bar(a.response_rate or 0)} {pct(a.response_rate)} ({a.replied}/{a.followed_up})",
            ),
            ("Median days to first follow-up", "—" if days is None else f"{days:g}"),
            (
                "By stage",
                " · ".join(
                    f"{label} {s.stages.get(k, 0)}"
                    for k, label in (("know", "Know"), ("like", "Like"), ("trust", "Trust"))
                ),
            ),
        ),
    )
    r, b = s.recent, s.before
    last90 = Section(
        title="Last 90 days versus before",
        fields=(
            ("Meetings", f"{r.meetings} vs {b.meetings}"),
            (
                "Follow-up rate",
                f"{pct(r.follow_up_rate)} vs {pct(b.follow_up_rate)}"
                f"{trend(r.follow_up_rate, b.follow_up_rate)}",
            ),
            (
                "Response rate",
                f"{pct(r.response_rate)} vs {pct(b.response_rate)}{trend(r.response_rate, b.response_rate)}",
            ),
            ("Breakdowns", f"{r.breakdowns} vs {b.breakdowns}"),
        ),
    )
    sections = [overview, last90]
    total = sum(n for _, n in s.reasons)
    if total:
        lines = [
            f"{bar(n / total)} {BY_KEY[k].label if k in BY_KEY else k}: {n} ({round(100 * n / total)}%)"
            for k, n in s.reasons
        ]
        sections.append(Section(title="Why connections stalled", text="\n".join(lines)))
        top = BY_KEY.get(s.reasons[0][0])
        if top is not None:
            sections.append(Section(title=f"Your most common breakdown: “{top.label}”", text=f"💡 {top.tip}"))
    else:
        sections.append(Section(note="No breakdowns classified yet: when a contact goes cold, tell me why."))
    return Reply(headline=headline, sections=tuple(sections))
