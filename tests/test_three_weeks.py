"""Three simulated weeks, ten contacts, the real bot over HTTP: no raw key, no weekend digest, no vanished
contact, and every next step the action its tip recommends, with a date."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.taxonomy import BY_KEY, REASONS
from handlers.slack.offline import OfflineBot
from handlers.three_weeks import MEETINGS, three_weeks
from store.models import Contact

# What each reason's next step must say: the action its tip recommends.
ACTS = {
    "no_need": "three questions",
    "polite_no": "something you'd like to pursue",
    "unclear_expectations": "Could we pin down a next step?",
    "no_follow_up": "I promised to follow up",
}
KEYS = [r.key for r in REASONS]
PHASES = ["follow_up", "await_reply", "check_in", "classify", "last_call", "ask_reply", "still_open"]
DATE = re.compile(r"\b(today|tomorrow|(Mon|Tue|Wed|Thu|Fri) \d{1,2} (Nov|Dec|Jan))\b")


def test_three_weeks_with_ten_contacts(bot: OfflineBot) -> None:
    run = three_weeks(bot)
    assert len(MEETINGS) == 10
    days = [day for day, _ in run.digests]
    assert len(days) >= 12  # most working days bring a digest

    # No weekend digest, and at most one a day.
    assert all(day.isoweekday() <= 5 for day in days), days
    assert len(days) == len(set(days))

    # No raw key, no underscore, no lower-cased label, no slot left unfilled — in digests and answers alike.
    said = (
        [text for _, text in run.digests] + [a.text for a in run.answers] + [reply for _, reply in run.logged]
    )
    for text in said:
        assert "_" not in text, text
        for key in KEYS + PHASES:
            assert key not in text, (key, text)
        for r in REASONS:
            assert r.label.lower() not in text.replace(r.label, ""), (r.label, text)
        assert "None" not in text and "{" not in text and "agree on" not in text.lower(), text

    # The first line varies and counts follow-ups and questions apart.
    firsts = {text.splitlines()[0] for _, text in run.digests}
    assert len(firsts) >= 5
    assert any("question" in line and "follow-up" in line for line in firsts)

    # Every classification: the tip, then the action it recommends, with a date; "Let it rest" offered.
    classified = [a for a in run.answers if a.action == "fu.why"]
    assert {a.value.partition(":")[2] for a in classified} >= set(ACTS)
    for answer in classified:
        why = BY_KEY[answer.value.partition(":")[2]]
        assert why.tip in answer.text
        assert ACTS[why.key] in answer.text, answer.text
        assert DATE.search(answer.text.partition("Next:")[2]), answer.text
        assert "Let it rest" in answer.text

    # After "I followed up" and "No", the reasons never include "I never followed up".
    for answer in (a for a in run.answers if a.action == "fu.no"):
        assert "Why do you think?" in answer.text

    # A "when: last Friday" logged on Tuesday is followed up on the next working day, not a past date.
    [(_, gia)] = [(t, r) for t, r in run.logged if t.startswith("Gia Rossi")]
    assert "Follow up tomorrow" in gia.replace("*", "").replace("\n", " ")

    # No vanished contact: each one the user did not let rest is still coming back.
    end = date(2026, 11, 27) + timedelta(days=20)
    with bot.metbot.core.sessions() as session:
        contacts = {c.name: c for c in session.scalars(select(Contact))}
    assert len(contacts) == 10
    rested = {a.name for a in run.answers if a.action == "fu.rest"}
    for name, contact in contacts.items():
        if name in rested:
            assert contact.phase == "cold"
            continue
        assert contact.due_on is not None, name
        assert contact.due_on <= end + timedelta(days=31), name
        assert run.seen.get(name), name  # every contact reached a digest
    # Ignored three times, Jon Wu is on the weekly "still open" line instead of gone.
    assert contacts["Jon Wu"].phase == "classify"
    still_open = [text for _, text in run.digests if "Still open" in text]
    assert still_open and all("Jon Wu" in text for text in still_open)
