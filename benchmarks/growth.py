"""`python -m benchmarks.growth` — the sweep's due computation at 10k, 100k and 1M contacts.

The number of members owed a digest is held at ≈ 400 (all in the zone where it is 09:00; everyone else
in the other 23 zones, not due), ten contacts per member. With the indexes `ix_member_next_digest_at`
and `ix_contact_member_due` the cost should follow the due members and items, not the table sizes.

Each size is seeded once (SQLite, bulk executemany in a child process); each repeat runs on a fresh copy
of that file: `Sweeper.open_owed` timed with `time.process_time`, then `Sweeper.send_claimed` with the
sweeping thread's `time.thread_time` (claiming and loading what is due; the sends run on worker threads,
unthrottled, against the project's `FakeSlack` with no latency). The median of the repeats is reported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    SWEEP_AT,
    SqlCounter,
    due_zone,
    finish,
    md_table,
    measured_sweep,
    seed,
    sqlite_plans,
    text_table,
)
from bot.clock import TravellingClock
from handlers.slack.offline import local_settings, sqlite_url
from handlers.slack.standin import FakeSlack

PER_MEMBER = 10
DUE_MEMBERS = 400


def run_size(contacts: int, repeats: int, folder: Path, fake: FakeSlack) -> dict[str, Any]:
    from bot.app import build_app

    members = contacts // PER_MEMBER
    seeded = folder / f"seed-{contacts}.db"
    seconds = seed(
        sqlite_url(folder, seeded.name),
        members=members,
        contacts=contacts,
        now=SWEEP_AT,
        due_members=DUE_MEMBERS,
        label=f"seeding {contacts:,} contacts",
    )
    runs, plans = [], []
    for n in range(repeats):
        copy = folder / "run.db"
        shutil.copyfile(seeded, copy)
        metbot = build_app(
            local_settings(fake, sqlite_url(folder, copy.name)), clock=TravellingClock(SWEEP_AT)
        )
        metbot.sweeper.sends_per_second = 0  # unthrottled: the sends are not what is measured here
        counter = SqlCounter(metbot.engine, capture=n == 0)
        run = measured_sweep(
            metbot.sweeper,
            SWEEP_AT,
            counter,
            label=f"{contacts:,} contacts, run {n + 1}",
            sent=lambda: len(fake.calls_to("chat.postMessage")),
        )
        if n == 0:
            plans = sqlite_plans(metbot.engine, counter.selects)
        counter.remove()
        runs.append(run)
        metbot.executor.shutdown(wait=True)
        metbot.engine.dispose()
        copy.unlink()
    seeded.unlink()
    first = runs[0].report
    return {
        "contacts": contacts,
        "members": members,
        "seed_s": round(seconds, 1),
        "members_due": first.members_checked,
        "digests": first.opened,
        "due_items": first.items,
        "due_cpu_s": round(statistics.median(r.due_cpu_s for r in runs), 4),
        "open_cpu_s": round(statistics.median(r.open_cpu_s for r in runs), 4),
        "claim_cpu_s": round(statistics.median(r.claim_cpu_s for r in runs), 4),
        "open_wall_s": round(statistics.median(r.open_wall_s for r in runs), 3),
        "due_cpu_runs_s": [round(r.due_cpu_s, 4) for r in runs],
        "sql_due": runs[0].sql_open + runs[0].sql_claims,
        "plans": plans,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 and 100,000 contacts only (1M takes ~1.5 min to seed)"
    )
    parser.add_argument("--sizes", help="comma-separated contact counts instead (e.g. 10000,100000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per size; the median is reported (default 3)"
    )
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else [10_000, 100_000] + ([] if args.quick else [1_000_000])
    )

    results = []
    fake = FakeSlack().start()
    try:
        with tempfile.TemporaryDirectory(prefix="metbot-growth-") as folder:
            for contacts in sizes:
                results.append(run_size(contacts, args.repeat, Path(folder), fake))
    finally:
        fake.stop()

    base = results[0]
    headers = [
        "contacts",
        "members",
        "members due",
        "digests",
        "due items",
        "due CPU s (median)",
        "open_owed",
        "claims",
        "SQL stmts",
        "× contacts",
        "× due items",
        "× CPU",
    ]
    rows = [
        [
            r["contacts"],
            r["members"],
            r["members_due"],
            r["digests"],
            r["due_items"],
            r["due_cpu_s"],
            r["open_cpu_s"],
            r["claim_cpu_s"],
            r["sql_due"],
            f"{r['contacts'] / base['contacts']:.0f}×",
            f"{r['due_items'] / base['due_items']:.2f}×",
            f"{r['due_cpu_s'] / base['due_cpu_s']:.2f}×",
        ]
        for r in results
    ]
    last = results[-1]
    plan_rows = [[table, plan] for table, plan in last["plans"]]
    grew = last["due_cpu_s"] / base["due_cpu_s"]
    summary = (
        f"{last['contacts'] / base['contacts']:.0f}× the contacts cost {grew:.2f}× the CPU for "
        f"{last['due_items'] / base['due_items']:.2f}× the due items (due members held at ≈ {DUE_MEMBERS}): "
        + (
            "the due computation follows what is due, not the table size."
            if grew < 2
            else "it grows with the table, not only with what is due."
        )
    )
    method = (
        f"SQLite; {PER_MEMBER} contacts (one meeting each) per member; {DUE_MEMBERS} members in "
        f"{due_zone(SWEEP_AT)} (09:00 at the sweep, {SWEEP_AT:%Y-%m-%d %H:%M} UTC), the rest spread over "
        f"the other 23 zones; {args.repeat} runs per size on fresh copies of the seeded file, median "
        "reported. `due CPU` = open_owed's process time + the claiming thread's time in send_claimed. "
        "`SQL stmts` = statements in the due computation (open_owed + claims)."
    )
    plans_md = md_table(["reads", f"SQLite query plan at {last['contacts']:,} contacts"], plan_rows)
    plans_text = text_table(["reads", "query plan"], plan_rows)
    figures = {
        "sizes": sizes,
        "due_members_target": DUE_MEMBERS,
        "results": results,
        "cpu_ratio_largest_vs_smallest": round(grew, 2),
        "contacts_ratio": last["contacts"] / base["contacts"],
        "due_items_ratio": round(last["due_items"] / base["due_items"], 2),
    }
    command = (
        "python -m benchmarks.growth"
        + (" --quick" if args.quick else "")
        + (f" --sizes {args.sizes}" if args.sizes else "")
    )
    finish(
        "growth",
        "the due computation as the tables grow",
        command,
        "\n\n".join([text_table(headers, rows), plans_text, summary]),
        "\n\n".join([method, md_table(headers, rows), plans_md, summary]),
        figures,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
