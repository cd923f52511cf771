"""`/met stats`: what is working and what keeps breaking down, from the member's own history. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from statistics import median

from bot.results import Reply, Section
from bot.taxonomy import BY_KEY

WINDOW = timedelta(days=90)  # "recent" is the last 90 days, compared with the 90 days before it


@dataclass(frozen=True)
class ContactFacts:
    created_at: datetime
    stage: str
    first_follow_up_at: datetime | None
    replied: bool
    met: bool = True  # False: a name known only from a referral, counted apart from the people you met


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
    referral_only: int = 0  # names known only from referrals, not met
    recent_from: datetime | None = None  # the two windows the trend compares, of equal length
    before_from: datetime | None = None
    until: datetime | None = None

    @property
    def top_reasons(self) -> list[tuple[str, int]]:
        """The most common breakdown reason, or every reason tied for first (a tie has no winner)."""
        if not self.reasons:
            return []
        most = self.reasons[0][1]
        return [(k, n) for k, n in self.reasons if n == most]


def _rates(h: History, start: datetime | None, end: datetime | None) -> Rates:
    def inside(t: datetime) -> bool:
        return (start is None or t >= start) and (end is None or t < end)

    contacts = [c for c in h.contacts if c.met and inside(c.created_at)]
    return Rates(
        meetings=sum(1 for t in h.meetings if inside(t)),
        contacts=len(contacts),
        followed_up=sum(1 for c in contacts if c.first_follow_up_at is not None),
        replied=sum(1 for c in contacts if c.replied),
        breakdowns=sum(1 for _, t in h.breakdowns if inside(t)),
    )


def stats_for(history: History, now: datetime) -> Stats:
    """Each person counted once, referral-only names apart, and a trend over two windows of equal length."""
    cut = now - WINDOW
    delays = [
        (c.first_follow_up_at - c.created_at).total_seconds() / 86400
        for c in history.contacts
        if c.met and c.first_follow_up_at is not None
    ]
    counted = Counter(r for r, _ in history.breakdowns)
    return Stats(
        all_time=_rates(history, None, None),
        recent=_rates(history, cut, now),
        before=_rates(history, cut - WINDOW, cut),
        median_days_to_follow_up=round(median(delays), 1) if delays else None,
        stages=dict(Counter(c.stage for c in history.contacts if c.met)),
        # Most common first; equal counts in the design's order, so a tie reads the same every time.
        reasons=sorted(counted.items(), key=lambda kn: (-kn[1], _order(kn[0]))),
        referral_only=sum(1 for c in history.contacts if not c.met),
        recent_from=cut,
        before_from=cut - WINDOW,
        until=now,
    )


def _order(key: str) -> int:
    keys = list(BY_KEY)
    return keys.index(key) if key in BY_KEY else len(keys)


def window_label(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    last = end - timedelta(days=1)
    return f"{start.day} {start:%b} – {last.day} {last:%b}"


def top_reasons_section(s: Stats) -> Section | None:
    """ "Your most common breakdown", or, on a tie, the tied reasons side by side with their tips."""
    top = [(BY_KEY[k], n) for k, n in s.top_reasons if k in BY_KEY]
    if not top:
        return None
    total = sum(n for _, n in s.reasons)
    if len(top) == 1:
        why, n = top[0]
        return Section(
            title=f"Your most common breakdown: “{why.label}” ({n} of {total})", text=f"💡 {why.tip}"
        )
    n = top[0][1]
    each = "once each" if n == 1 else f"{n} times each"
    labels = [f"“{why.label}”" for why, _ in top]
    named = ", ".join(labels[:-1]) + " and " + labels[-1]
    tips = "\n".join(f"💡 {why.tip}" for why, _ in top[:3])
    return Section(title=f"No single most common breakdown yet: {named}, {each}", text=tips)


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
    return f" ({'up' if delta > 0 else 'down'} {abs(delta)} points)"


def stats_reply(s: Stats) -> Reply:
    a = s.all_time
    if not a.meetings and not a.contacts:
        text = "No meetings logged yet. Start with /met Jane Doe (Acme) at BNI breakfast; next step: coffee"
        return Reply(headline="No stats yet.", sections=(Section(text=text),))
    people = f"{a.contacts} {'person' if a.contacts == 1 else 'people'}"
    headline = f"Your networking: {a.meetings} meeting{'s' if a.meetings != 1 else ''} with {people}"
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
    windows = f"{window_label(s.recent_from, s.until)} versus {window_label(s.before_from, s.recent_from)}"
    last90 = Section(
        title="The last 90 days versus the 90 days before",
        text=f"{windows}: people you met in each window, and what came of it.",
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
    if s.referral_only:
        names = "name" if s.referral_only == 1 else "names"
        overview = replace(
            overview,
            note=f"Plus {s.referral_only} {names} known only from referrals: not counted as people you met.",
        )
    sections = [overview, last90]
    total = sum(n for _, n in s.reasons)
    if total:
        lines = [
            f"{bar(n / total)} {BY_KEY[k].label if k in BY_KEY else k}: {n} ({round(100 * n / total)}%)"
            for k, n in s.reasons
        ]
        sections.append(Section(title="Why connections stalled", text="\n".join(lines)))
        top = top_reasons_section(s)
        if top is not None:
            sections.append(top)
    else:
        sections.append(Section(note="No breakdowns classified yet: when a contact goes cold, tell me why."))
    return Reply(headline=headline, sections=tuple(sections))
