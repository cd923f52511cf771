"""Every user-facing sentence is written, not assembled from keys: each digest item, answer and card, in every
state and for every reason, read as plain text from the core's results and as Slack renders it."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.cadence import Cadence
from bot.digest import (
    DueContact,
    classified_outcome,
    cold_outcome,
    decide_section,
    digest_for,
    followed_up_outcome,
    item_section,
    reply_outcome,
    rest_outcome,
    rhythm_outcome,
    snoozed_outcome,
    still_open_section,
)
from bot.results import Reply, Section
from bot.stats import ContactFacts, History, stats_for, stats_reply
from bot.taxonomy import BY_KEY, REASONS, adapted_next_step, back_note, leading_reason, reasons_offered
from handlers.slack.render import message
from handlers.slack.standin import message_to_text

CADENCE = Cadence()
TODAY = date(2026, 12, 1)  # a Tuesday
KEYS = [r.key for r in REASONS]
RAW = [k for k in KEYS if "_" in k] + [
    "follow_up",
    "await_reply",
    "check_in",
    "classify",
    "last_call",
    "ask_reply",
    "still_open",
]
SLOT = re.compile(r"\{|\}|\bNone\b|\bagree on\b| [.,:;]|\(\s*\)| {2,}", re.IGNORECASE)


def contacts() -> list[DueContact]:
    """One contact per state the digest knows, with and without the details that fill its sentences."""
    out = []
    details = [
        dict(company=None, event=None, met_on=None, next_step=None, next_step_owner=None, offer=None),
        dict(
            company="Acme",
            event="BNI breakfast",
            met_on=TODAY - timedelta(days=4),
            next_step="send the deck",
            next_step_owner="me",
            offer="intro to Sam",
        ),
        dict(
            company="Globex",
            event="the Chamber lunch",
            met_on=TODAY,
            next_step="a call",
            next_step_owner="them",
        ),
    ]
    states = [
        ("follow_up", 0, False, None),
        ("follow_up", 1, False, None),
        ("follow_up", 1, True, "You snoozed this for 3 days on Sat 28 Nov."),
        ("follow_up", 2, False, None),
        ("follow_up", 0, False, back_note(BY_KEY["busy"])),
        ("await_reply", 0, False, None),
        ("check_in", 0, False, None),
        ("classify", 3, False, None),
    ]
    for n, ((phase, nudges, snoozed, note), extra) in enumerate(itertools.product(states, details)):
        out.append(
            DueContact(
                contact_id=n + 1,
                name="Jane Doe" if n % 2 else "Ann",
                phase=phase,
                due_on=TODAY - timedelta(days=n % 3),
                nudges=nudges,
                asks=0,
                stage=("know", "like", "trust")[n % 3],
                snooze_note=note,
                snoozed=snoozed,
                rhythm_days=(None, 42, 0)[n % 3],
                **extra,  # type: ignore[arg-type]
            )
        )
    return out


def every_section() -> list[Section]:
    items = contacts()
    found: list[Section] = [item_section(i, today=TODAY, cadence=CADENCE) for i in items]
    found += [item_section(i, today=TODAY, cadence=CADENCE, common="busy") for i in items[:6]]
    for i in items[:3]:
        found += [
            followed_up_outcome(i, TODAY + timedelta(days=3), TODAY),
            snoozed_outcome(i, TODAY + timedelta(days=1), "1 day", TODAY),
            reply_outcome(
                i, "yes", next_on=TODAY + timedelta(days=30), today=TODAY, suggestion=None, every=30
            ),
            reply_outcome(i, "yes", next_on=None, today=TODAY, suggestion=None, every=None),
            reply_outcome(i, "not_yet", next_on=TODAY + timedelta(days=3), today=TODAY, suggestion=None),
            reply_outcome(
                i, "not_yet", next_on=TODAY + timedelta(days=3), today=TODAY, suggestion="Make it so."
            ),
            reply_outcome(i, "no", next_on=None, today=TODAY, suggestion=None, common="no_need"),
            cold_outcome(i),
            cold_outcome(i, followed_up=True, common="busy"),
            decide_section(i, today=TODAY, followed_up=True),
            rest_outcome(i),
            rhythm_outcome(i, 90, TODAY + timedelta(days=90), TODAY),
            rhythm_outcome(i, None, None, TODAY),
            rhythm_outcome(i, 30, None, TODAY),
        ]
        for r in REASONS:
            for back_on in (TODAY + timedelta(days=1), TODAY + timedelta(days=6), None):
                step = adapted_next_step(
                    r,
                    name=i.name,
                    event=i.event,
                    next_step=i.next_step,
                    offer=i.offer,
                    back_on=back_on,
                    today=TODAY,
                )
                found.append(classified_outcome(i, r, step))
    found.append(still_open_section([i for i in items if i.phase == "classify"]))
    return found


def every_reply() -> list[Reply]:
    items = contacts()
    replies = [digest_for(items[:k], today=TODAY + timedelta(days=k), cadence=CADENCE) for k in range(1, 25)]
    now = datetime(2026, 12, 1, 14, tzinfo=UTC)
    met = ContactFacts(now - timedelta(days=3), "know", now - timedelta(days=2), True)
    referral_only = ContactFacts(now - timedelta(days=3), "trust", None, False, met=False)
    tie = History((now,), (met, referral_only), (("busy", now), ("no_need", now)))
    lead = History((now,), (met,), (("busy", now), ("busy", now), ("no_need", now)))
    replies += [stats_reply(stats_for(h, now)) for h in (tie, lead, History((), (), ()))]
    return [r for r in replies if r is not None]


def readable(section: Section) -> list[str]:
    """Every string a user reads in a section: title, text, small print, fields, buttons and menu options."""
    parts = [section.title or "", section.text, section.note or ""]
    parts += [f"{label} {value}" for label, value in section.fields]
    parts += [b.label for b in section.buttons]
    if section.choice is not None:
        parts += [section.choice.placeholder, *(label for _, label in section.choice.options)]
    return [p for p in parts if p]


def assert_written(text: str) -> None:
    assert "_" not in text, text
    for key in RAW:
        assert key not in text, (key, text)
    for r in REASONS:
        assert r.label.lower() not in text.replace(r.label, ""), (r.label, text)  # never a lower-cased label
    assert not SLOT.search(text), (SLOT.search(text), text)


@pytest.mark.parametrize("section", every_section(), ids=lambda s: (s.title or s.text)[:40])
def test_every_section_is_written_in_full(section: Section) -> None:
    for text in readable(section):
        assert_written(text)


def test_every_digest_and_stats_reply_renders_to_slack_without_a_raw_key() -> None:
    sections = every_section()
    for reply in every_reply() + [
        Reply(headline="x", sections=tuple(sections[k : k + 10])) for k in range(0, len(sections), 10)
    ]:
        rendered = message_to_text(message(reply))
        for line in rendered.splitlines():
            cleaned = line.replace("*", "").replace("[ ", "").replace(" ]", "").replace(" ▾", "").strip()
            for part in re.split(r" {2,}", cleaned):  # buttons are shown side by side
                assert_written(part)


def test_every_tip_is_short_and_every_next_step_acts_on_it_with_a_date() -> None:
    for r in REASONS:
        assert len(r.tip) < 280, r.key
        assert len(back_note(r)) <= 200, r.key  # it is stored in snooze_note
        step = adapted_next_step(
            r,
            name="Jane Doe",
            event="BNI breakfast",
            next_step=None,
            back_on=TODAY + timedelta(days=6),
            today=TODAY,
        )
        assert len(step) < 400, r.key
        if r.next == "rest":
            assert r.retry_days is None and "rest" in step
        else:
            assert r.retry_days is not None and "Mon 7 Dec" in step, (r.key, step)
    # Resting is the advice only where the tip says to move on.
    assert [r.key for r in REASONS if r.next == "rest"] == ["no_value_seen"]
    # The seeds' ideas, each somewhere in the voice.
    voice = " ".join(r.tip for r in REASONS)
    for idea in ("next", "tomorrow", "generosity", "questions to find a need", "Know, then Like, then Trust"):
        assert idea in voice, idea


def test_most_common_only_from_the_users_own_figures_and_only_when_one_leads() -> None:
    assert leading_reason({}) is None
    assert leading_reason({"busy": 1}) is None  # one breakdown is not a pattern yet
    assert leading_reason({"busy": 2, "no_need": 2}) is None  # a tie has no winner
    assert leading_reason({"busy": 3, "no_need": 2}) == "busy"
    offered = reasons_offered(followed_up=True, common="busy")
    assert offered[0].key == "busy" and offered[-1].key == "unknown"
    assert "no_follow_up" not in [r.key for r in offered]
    assert len(reasons_offered(followed_up=False)) == 12


def test_a_tie_is_shown_as_a_tie_and_referral_only_names_are_counted_apart() -> None:
    now = datetime(2026, 12, 1, 14, tzinfo=UTC)
    met = ContactFacts(now - timedelta(days=3), "know", now - timedelta(days=2), True)
    referred = ContactFacts(now - timedelta(days=3), "trust", None, False, met=False)
    reply = stats_reply(
        stats_for(History((now, now), (met, referred), (("busy", now), ("no_need", now))), now)
    )
    text = message_to_text(message(reply))
    assert "2 meetings with 1 person" in text
    assert "1 name known only from referrals" in text
    assert "most common breakdown:" not in text
    assert "“They have no need for what I do” and “They're busy and forgot me”" in text or (
        "“They're busy and forgot me” and “They have no need for what I do”" in text
    )
    assert "once each" in text
    assert "Trust 0" in text  # the referral-only name is not one of your contacts by stage
    assert "versus" in text and "Sep" in text  # the trend says which windows it compares


def test_the_roundup_and_the_team_figures_tell_a_tie_as_a_tie_in_the_labels_own_words() -> None:
    from bot.roundup import roundup_reply
    from bot.team import team_reply
    from store.referrals import WeekFacts
    from store.team import TeamCounts

    tie = (("busy", 2), ("no_need", 2))
    lead = (("busy", 3), ("no_need", 2))
    for breakdowns, says in ((tie, "are tied"), (lead, "Most common: “They're busy and forgot me”")):
        roundup = roundup_reply(WeekFacts(1, 0, (("U0BOB", 1),), 0, breakdowns), TODAY)
        assert roundup is not None
        text = message_to_text(message(roundup))
        assert says in text
        for line in text.splitlines():
            for part in re.split(r" {2,}", line.replace("*", "").strip()):
                assert_written(part)
        team = team_reply(TeamCounts(2, 4, 4, 4, 3, 2, {"know": 2}, list(breakdowns)))
        team_text = message_to_text(message(team))
        assert ("are tied" in team_text) == (breakdowns == tie)
