"""`python -m benchmarks.charts` — how long the /met stats and roundup charts take to draw, cold and warm.

Cold: a fresh interpreter (spawned) that imports `bot.charts` and draws one chart, timed from before
the first matplotlib import to the PNG bytes — what the first `/met stats` after a start pays, since
matplotlib is imported lazily. Warm: the same chart drawn again in a process that has drawn before
(median and p95 of `--repeat` draws), for the rates chart, the breakdown chart and the weekly roundup's
chart (a team's eight weeks). `--docs` also writes docs/stats-chart.png (the rates),
docs/stats-breakdowns.png (the mix) and docs/roundup-chart.png (the roundup's) from the same figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import SPAWN, finish, md_table, note, percentile, text_table

DOCS = Path(__file__).resolve().parent.parent / "docs"
FIGURES = [(4, 2, 1), (5, 4, 2), (0, 0, 0), (6, 5, 3), (3, 3, 2), (7, 6, 4), (5, 5, 3), (4, 4, 3)]
# A team of about a dozen people: contacts met, followed up and answered, week by week.
TEAM_FIGURES = [(31, 19, 9), (27, 18, 10), (12, 9, 4), (35, 26, 14), (29, 23, 13), (38, 31, 18), (33, 28, 15)]
TEAM_FIGURES += [(36, 24, 8)]  # the week just ended: fewer answers so far
REASONS = [
    ("no_follow_up", 7),
    ("unclear_expectations", 5),
    ("busy", 3),
    ("one_sided", 2),
    ("no_connection", 1),
]


def weeks() -> list[Any]:
    from bot.charts import Week

    return [Week(date(2026, 10, 5) + timedelta(weeks=i), *f) for i, f in enumerate(FIGURES)]


def team_weeks() -> list[Any]:
    from bot.charts import Week

    return [Week(date(2026, 10, 5) + timedelta(weeks=i), *f) for i, f in enumerate(TEAM_FIGURES)]


def draw(charts: Any, kind: str) -> bytes:
    """One chart of `kind` (rates, breakdowns, roundup) as PNG bytes."""
    if kind == "rates":
        return bytes(charts.rates_chart(weeks()).png)
    if kind == "breakdowns":
        return bytes(charts.breakdown_chart(REASONS).png)
    return bytes(charts.roundup_chart(team_weeks(), REASONS).png)


def _cold(kind: str, out: Any) -> None:
    """In a fresh interpreter: import and draw once; send back (seconds, matplotlib was already loaded)."""
    loaded = "matplotlib" in sys.modules
    started = time.perf_counter()
    from bot import charts

    draw(charts, kind)
    out.send((time.perf_counter() - started, loaded))


def cold(kind: str) -> tuple[float, bool]:
    receive, send = SPAWN.Pipe(duplex=False)
    child = SPAWN.Process(target=_cold, args=(kind, send))
    child.start()
    result = receive.recv()
    child.join()
    return result  # type: ignore[no-any-return]


def warm(kind: str, repeat: int) -> list[float]:
    from bot import charts

    draw(charts, kind)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        draw(charts, kind)
        times.append(time.perf_counter() - started)
    return times


def write_docs() -> None:
    from bot import charts

    DOCS.mkdir(exist_ok=True)
    (DOCS / "stats-chart.png").write_bytes(charts.rates_chart(weeks()).png)
    (DOCS / "stats-breakdowns.png").write_bytes(charts.breakdown_chart(REASONS).png)
    (DOCS / "roundup-chart.png").write_bytes(draw(charts, "roundup"))
    note(
        f"wrote {DOCS / 'stats-chart.png'}, {DOCS / 'stats-breakdowns.png'} and {DOCS / 'roundup-chart.png'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.charts", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="warm draws per chart (default 30)")
    parser.add_argument("--docs", action="store_true", help="also write the charts in docs/")
    args = parser.parse_args(argv)
    rows, figures = [], {}
    for kind in ("rates", "breakdowns", "roundup"):
        cold_s, preloaded = cold(kind)
        times = warm(kind, args.repeat)
        from bot import charts

        size = len(draw(charts, kind))
        figures[kind] = {
            "cold_ms": round(cold_s * 1000, 1),
            "matplotlib_preloaded": preloaded,
            "warm_median_ms": round(statistics.median(times) * 1000, 1),
            "warm_p95_ms": round(percentile(times, 95) * 1000, 1),
            "png_bytes": size,
        }
        rows.append(
            [kind, cold_s * 1000, statistics.median(times) * 1000, percentile(times, 95) * 1000, size]
        )
        note(f"{kind}: cold {cold_s * 1000:.0f} ms, warm median {statistics.median(times) * 1000:.0f} ms")
    if args.docs:
        write_docs()
    headers = ["chart", "cold ms (import + first draw)", "warm median ms", "warm p95 ms", "PNG bytes"]
    method = __doc__.split("\n\n", 1)[1].strip()
    finish(
        "charts",
        "drawing the stats and roundup charts, cold and warm",
        "python -m benchmarks.charts",
        text_table(headers, rows),
        "\n\n".join([method, md_table(headers, rows)]),
        figures,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
