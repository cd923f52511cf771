"""Charts for `/met stats` and the weekly roundup: PNG bytes plus the same figures as a sentence (alt text).

Drawn with matplotlib on the Agg backend (no display), through `matplotlib.figure.Figure` rather than
pyplot: a server draws from several threads, and pyplot keeps global state (the current figure)
that they would share; a bare Figure keeps nothing between calls. matplotlib is imported on first use
only, so the server's start-up does not pay for it, and drawing is serialised with a lock because
matplotlib itself is not thread-safe.

Sized for a phone: 800 × 500 px, large fonts, two colours from the Okabe–Ito palette (readable with
colour blindness), values written on the bars; saved as a 32-colour palette PNG with Pillow (which
matplotlib already depends on) to stay around 12 KB. The text reply stays beside the picture.
"""

from __future__ import annotations

import io
import os
import tempfile
import textwrap
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.cadence import zone
from bot.stats import History
from bot.taxonomy import BY_KEY

WIDTH, HEIGHT, DPI = 800, 500, 100
FONT = 17
BLUE, ORANGE, SKY = "#0072B2", "#E69F00", "#56B4E9"
MAX_BARS = 6
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Week:
    """One week of a member's (or a team's) networking: the contacts met that week and what came of them."""

    start: date  # the Monday
    contacts: int
    followed_up: int
    replied: int

    @property
    def follow_up_rate(self) -> float | None:
        return self.followed_up / self.contacts if self.contacts else None

    @property
    def response_rate(self) -> float | None:
        return self.replied / self.followed_up if self.followed_up else None


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes and its alt text (the same figures, as a sentence)."""

    png: bytes
    alt: str
    filename: str = "chart.png"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def tally(
    contacts: Iterable[tuple[datetime, bool, bool]],
    last_week: date,
    *,
    weeks: int = 8,
    timezone: str | None = None,
) -> list[Week]:
    """Contacts (met at, followed up, replied) counted by week, the `weeks` weeks up to the one starting
    `last_week` (Monday to Sunday in `timezone`), oldest first."""
    tz = zone(timezone)
    starts = [last_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    totals = {s: [0, 0, 0] for s in starts}
    for created_at, followed_up, replied in contacts:
        row = totals.get(monday(created_at.astimezone(tz).date()))
        if row is not None:
            row[0] += 1
            row[1] += followed_up
            row[2] += replied
    return [Week(s, *totals[s]) for s in starts]


def weekly(history: History, now: datetime, *, weeks: int = 8, timezone: str | None = None) -> list[Week]:
    """The last `weeks` weeks (Monday to Sunday, in the member's zone), oldest first, this week included."""
    this_week = monday(now.astimezone(zone(timezone)).date())
    facts = ((c.created_at, c.first_follow_up_at is not None, c.replied) for c in history.contacts)
    return tally(facts, this_week, weeks=weeks, timezone=timezone)


def _pct(rate: float | None) -> str:
    return "none" if rate is None else f"{round(rate * 100)}%"


def _day(d: date) -> str:
    return f"{d.day} {d:%b}"


def rates_alt(weeks: Sequence[Week], title: str) -> str:
    """The rates chart as a sentence for screen readers."""
    parts = [
        f"week of {_day(w.start)}: follow-up {_pct(w.follow_up_rate)}, response {_pct(w.response_rate)}"
        for w in weeks
        if w.contacts
    ]
    if not parts:
        return f"{title}: no contacts met in these {len(weeks)} weeks."
    return f"{title}, by week — " + "; ".join(parts) + "."


def breakdown_alt(reasons: Sequence[tuple[str, int]], title: str) -> str:
    """The breakdown chart as a sentence for screen readers."""
    if not reasons:
        return f"{title}: no breakdowns recorded."
    parts = [f"{_label(key)} {n} time{'s' if n != 1 else ''}" for key, n in reasons]
    return f"{title} — " + "; ".join(parts) + "."


def _label(key: str) -> str:
    reason = BY_KEY.get(key)
    return reason.label if reason else "Other reasons"


def _figure(left: float) -> Any:
    """A blank 800 × 500 figure with fixed margins (our labels are known and short: no layout engine pass)."""
    # matplotlib keeps a font cache and config in the user's home; a server (or the demo) writes nowhere
    # but the temp folder unless the operator chose MPLCONFIGDIR.
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "metbot-matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    figure.subplots_adjust(left=left, right=0.96, top=0.86, bottom=0.1)
    return figure


def _png(figure: Any) -> bytes:
    """The figure as a 32-colour palette PNG: a quarter of the size (≈ 12 KB), so a Teams card can carry it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=32, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def _style(figure: Any, ax: Any, title: str) -> None:
    figure.suptitle(title, fontsize=FONT + 3, x=0.02, y=0.97, ha="left", fontweight="bold")
    ax.tick_params(labelsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def rates_chart(weeks: Sequence[Week], *, title: str = "Your follow-up and response rates") -> Chart:
    """Weekly follow-up and response rates as two lines (a week without contacts leaves a gap)."""
    with _DRAWING:
        figure = _figure(left=0.11)
        ax = figure.add_subplot()
        xs = list(range(len(weeks)))
        follow = [w.follow_up_rate * 100 if w.follow_up_rate is not None else float("nan") for w in weeks]
        reply = [w.response_rate * 100 if w.response_rate is not None else float("nan") for w in weeks]
        ax.plot(xs, follow, color=BLUE, marker="o", linewidth=3.5, markersize=9, label="Followed up")
        ax.plot(xs, reply, color=ORANGE, marker="s", linewidth=3.5, markersize=9, label="They responded")
        ax.set_ylim(0, 105)
        ax.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        step = max(1, len(weeks) // 4)
        ax.set_xticks(xs[::step], [_day(w.start) for w in weeks][::step])
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=FONT, frameon=False, loc="lower left")
        _style(figure, ax, title)
        png = _png(figure)
    return Chart(png, rates_alt(weeks, title), "rates.png")


def breakdown_chart(reasons: Sequence[tuple[str, int]], *, title: str = "Why connections stalled") -> Chart:
    """The breakdown mix as horizontal bars with the taxonomy's labels, commonest on top."""
    shown = sorted(reasons, key=lambda r: -r[1])
    if len(shown) > MAX_BARS:
        rest = sum(n for _, n in shown[MAX_BARS - 1 :])
        shown = [*shown[: MAX_BARS - 1], ("other", rest)]
    with _DRAWING:
        figure = _figure(left=0.46)
        ax = figure.add_subplot()
        labels = [textwrap.fill(_label(k), 28) for k, _ in shown][::-1]
        counts = [n for _, n in shown][::-1]
        bars = ax.barh(range(len(counts)), counts, color=SKY, edgecolor=BLUE, linewidth=1.5)
        ax.bar_label(bars, padding=6, fontsize=FONT)
        ax.set_yticks(range(len(counts)), labels)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        if not counts:
            ax.text(
                0.5, 0.5, "No breakdowns yet", ha="center", va="center", fontsize=FONT, transform=ax.transAxes
            )
            ax.set_yticks([])
        else:
            ax.set_xlim(0, max(counts) * 1.15)
        _style(figure, ax, title)
        png = _png(figure)
    return Chart(png, breakdown_alt(reasons, title), "breakdowns.png")


def stats_charts(
    weeks: Sequence[Week], reasons: Sequence[tuple[str, int]], *, team: bool = False
) -> list[Chart]:
    """`/met stats` (or, with `team`, the roundup's): the rates, then the breakdown mix when there is one."""
    whose = "The team's" if team else "Your"
    charts = [rates_chart(weeks, title=f"{whose} follow-up and response rates")]
    if reasons:
        charts.append(
            breakdown_chart(
                reasons, title="Why the team's connections stalled" if team else "Why connections stalled"
            )
        )
    return charts


ROUNDUP_RATES_TITLE = "The team's follow-up and response rates"
ROUNDUP_BREAKDOWN_TITLE = "Why the team's connections stalled this week"


def roundup_chart(weeks: Sequence[Week] | None, reasons: Sequence[tuple[str, int]] | None) -> Chart | None:
    """The roundup's one picture, from team counts only: the rates over the recent weeks when the team
    may see them (`weeks` is None when too few people), else the week's breakdown mix when that may be
    shown; None when neither may (or there is nothing to draw)."""
    if weeks is not None and any(w.contacts for w in weeks):
        chart = rates_chart(weeks, title=ROUNDUP_RATES_TITLE)
        return Chart(chart.png, chart.alt, "roundup-rates.png")
    if reasons:
        chart = breakdown_chart(reasons, title=ROUNDUP_BREAKDOWN_TITLE)
        return Chart(chart.png, chart.alt, "roundup-breakdowns.png")
    return None
