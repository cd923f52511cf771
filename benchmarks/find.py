"""`python -m benchmarks.find` — `/met find`, the contact card and a `/met list` page for one member with
1,000 and 5,000 contacts (5,000 is the most one import brings).

Each size is seeded into a fresh SQLite file through the store's own bulk import (`store.data.import_contacts`):
varied names with accents, 300 companies, 50 events, a meeting with 40 words of notes each. Each query is
answered by `bot.contacts.ContactBook` exactly as the router calls it (the store's queries, the rapidfuzz
ranking, the Reply), timed with `time.process_time` (CPU of this process: loading the rows and ranking them),
median of the repeats. Target: a search answers well inside Slack's 3 s even for 5,000 contacts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import finish, md_table, text_table, verdict
from bot.clock import TravellingClock
from bot.contacts import ContactBook
from bot.parsing import name_key
from bot.results import Who
from handlers.slack.offline import sqlite_url
from store import data, people
from store.db import make_engine, make_sessions, upgrade
from store.meetings import MeetingValues

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
FIRST = ("Jane", "José", "Ahmed", "Priya", "Chloé", "Sam", "Yuki", "Lars", "Marta", "Isabel", "Hugo", "Ada")
LAST = ("Doe", "Núñez", "Khan", "Natarajan", "Martin", "Lee", "Nakamura", "Eriksson", "Kowalska", "Díaz")
WORDS = [
    "coffee",
    "deck",
    "intro",
    "partner",
    "cloud",
    "sales",
    "marketing",
    "budget",
    "hiring",
    "podcast",
    "conference",
    "espresso",
    "jazz",
]
QUERIES = ("jane", "jnae", "núñez", "company 42", "espresso", "jane company 7", "zzyzx")
TARGET_MS = 1000.0
WHO = Who(platform="slack", workspace="T0BENCH", user="U0BENCH")


def seeded(n: int, folder: Path) -> ContactBook:
    url = sqlite_url(folder)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    rng = random.Random(n)
    rows = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:05d}"
        rows.append(
            data.NewContact(
                name=name,
                name_key=name_key(name),
                company=f"Company {i % 300}",
                title="VP Sales",
                email=f"p{i}@example.com",
                phase="check_in",
                due_on=date(2026, 12, 1) + timedelta(days=i % 30),
                meeting=MeetingValues(
                    name=name,
                    name_key=name_key(name),
                    met_on=date(2026, 11, 1),
                    event=f"Expo {i % 50}",
                    notes=" ".join(rng.choices(WORDS, k=40)),
                ),
            )
        )
    with sessions.begin() as session:
        member = people.member(session, WHO.platform, WHO.workspace, WHO.user, NOW)
        data.import_contacts(session, member.id, rows, NOW)
    return ContactBook(sessions=sessions, clock=TravellingClock(NOW))


def cpu_ms(call: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def measure(n: int, repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        contacts = seeded(n, Path(folder))
        figures = {f"find {q!r}": cpu_ms(lambda q=q: contacts.find(WHO, q), repeats) for q in QUERIES}
        figures["card"] = cpu_ms(lambda: contacts.contact_card(WHO, n // 2), repeats)
        figures["list page 3"] = cpu_ms(lambda: contacts.contacts(WHO, 3), repeats)
        figures["list due"] = cpu_ms(lambda: contacts.contacts(WHO, 1, "due"), repeats)
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {n: measure(n, args.repeats) for n in sizes}
    headers = ["what", *(f"{n:,} contacts (ms CPU)" for n in sizes), "target"]
    rows = [
        [
            what,
            *(f"{results[n][what]:.0f}" for n in sizes),
            verdict(max(results[n][what] for n in sizes) < TARGET_MS),
        ]
        for what in results[sizes[0]]
    ]
    figures = {"sizes": sizes, "target_ms": TARGET_MS, "results": {str(n): results[n] for n in sizes}}
    finish(
        "find",
        "/met find, the contact card and a /met list page",
        "python -m benchmarks.find",
        text_table(headers, rows),
        md_table(headers, rows)
        + f"\n\nMedian CPU of {args.repeats} runs each; target: each under {TARGET_MS:,.0f} ms.",
        figures,
    )


if __name__ == "__main__":
    main()
