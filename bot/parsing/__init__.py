"""Read the free text of ``/met`` into a `Meeting` — pure, platform-neutral, time injected.

People type one line after an event, usually on a phone, so the line is read as they write it::

    met sarah from stripe at the saastr mixer, she wants intro to our cto, follow up next tue
    Dr. José Álvarez-Ruiz, CFO @ Globex — coffee thursday 3pm
    Jane and Bob from Acme; Hugo, Chloé and Paul at VivaTech
    lunch w/ priya (head of growth, acme) priya@acme.io +44 7911 123456, catch up monthly

and the documented grammar keeps working exactly::

    /met <person> [(<company>)] [from <company>] [at <event>]
         [; next step: <text> [by <date>]] [; offer: <text>] [; notes: <text>]
         [; connection: strong|ok|weak] [; when: <date>] [; due: <date>]

The opening segment is read by `bot.parsing.line` (people, company, title, event, and free
clauses: next steps and their owner, dates, the keep-in-touch rhythm); the `key: value` segments
by `bot.parsing.grammar`; dates by `bot.parsing.dates`; e-mail, phone and URL by
`bot.parsing.details`. Where a rule is unsure it adds a `Doubt` on that field, and a date it
cannot read is said in `warnings` — never silently dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

from bot.parsing.dates import day_first, local_now, read_date
from bot.parsing.details import lift_details, name_from, region_of, starts_with_detail
from bot.parsing.grammar import FIELD_LABELS, Keyed, key_of, read_segment
from bot.parsing.line import Reading, read_line
from bot.parsing.meeting import assemble
from bot.parsing.text import clean, name_key, typed_text, unescape
from bot.records import Doubt, Meeting, Person, Problem

__all__ = [
    "EXAMPLE",
    "HELP_TEXT",
    "LIMITS",
    "MAX_TEXT",
    "Problem",
    "day_first",
    "name_key",
    "parse_met",
    "read_date",
    "typed_text",
]

_log = logging.getLogger(__name__)

LIMITS: dict[str, int] = {
    "name": 120,
    "company": 120,
    "title": 120,
    "event": 200,
    "next_step": 500,
    "offer": 500,
    "notes": 2000,
}
MAX_TEXT = 2500  # whole command text

EXAMPLE = "/met Jane Doe (Acme) at BNI breakfast; next step: I'll send her the deck by Friday"

HELP_TEXT = (
    "*Log a meeting* the way you'd say it: `/met sarah from stripe at the saastr mixer, she wants an intro "
    "to our CTO, follow up next tue` — or with fields: `/met <person> [(<company>)] [at <event>]; "
    "next step: <text> [by <date>]; offer: <text>; notes: <text>; connection: strong|ok|weak; "
    "when: <date>; due: <date>`\n"
    f"For example: `{EXAMPLE}`\n"
    "Several people (“Jane and Bob from Acme”), titles (“CFO @ Globex”), e-mail, phone and LinkedIn "
    "links are picked up too. Dates can be “tomorrow”, “Friday”, “next tue”, “in 3 weeks”, “EOW”, "
    "“the 15th”, “Dec 3” or numbers in your own date order."
)


def parse_met(
    text: str,
    *,
    now: datetime,
    timezone: str,
    locale: str | None = None,
    mentions: Sequence[Person] = (),
) -> Meeting | Problem:
    """Read a ``/met`` line. Never raises: odd input gives a `Problem` the member can act on."""
    try:
        return _parse_met(text, now=now, timezone=timezone, locale=locale, mentions=mentions)
    except Exception:  # last line of defence; a bug here must not crash a listener
        _log.exception("parse_met failed")
        return Problem("text", f"Sorry, I couldn't read that. Try something like: {EXAMPLE}")


def _first_problem(raw: str) -> Problem | None:
    """Empty or over-long text."""
    if len(raw) > MAX_TEXT:
        return Problem(
            "text",
            f"That's {len(raw):,} characters — please keep /met under {MAX_TEXT:,} and add more "
            "detail to the notes afterwards.",
        )
    if not clean(raw.replace(";", " ")):
        return Problem("text", f"Tell me who you met — for example: {EXAMPLE}")
    return None


def _mention_pattern(name: str) -> re.Pattern[str]:
    """ "@Name" in any case; the name is matched literally."""
    return re.compile("@" + re.escape(name), re.IGNORECASE)


def _with_mentions(text: str, mentions: Sequence[Person]) -> str:
    """ "@Bob Lee" -> "Bob Lee" for each mentioned person (the card is linked to them later)."""
    for person in sorted(mentions, key=lambda p: -len(p.name)):
        if person.name:
            text = _mention_pattern(person.name).sub(person.name.replace("\\", "\\\\"), text)
    return text


def _parse_met(
    text: str, *, now: datetime, timezone: str, locale: str | None, mentions: Sequence[Person]
) -> Meeting | Problem:
    """The body of `parse_met`, free to raise."""
    # Count what the person typed, not an edge's escapes of it: 600 "&" may arrive as 3,000 characters.
    raw = unescape(text.strip() if isinstance(text, str) else "")
    problem = _first_problem(raw)
    if problem is not None:
        return problem
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    segments = re.split(r"[;\n]", raw)
    first = clean(segments[0])
    field, _, _ = key_of(first)
    if not first or (field is not None and field != "when"):
        return Problem("name", f"Start with the person's name, then the rest — for example: {EXAMPLE}")
    region = region_of(locale)
    opens_with_detail = starts_with_detail(first)
    details, first = lift_details(_with_mentions(first, mentions), region)
    nameless = opens_with_detail and not re.match(
        r"^\s*[^\W\d_]", re.split(r"[,(]|\s(?:at|from|@|-|—)\s", first)[0]
    )
    derived = name_from(details) if nameless else None
    if derived is not None:
        first = f"{derived[0]} {first.lstrip()}"
    reading = Reading(
        today=local_now(now, timezone).date(),
        day_first=day_first(locale),
        now_args={"now": now, "timezone": timezone},
        region=region,
    )
    read_line(reading, first)
    if not reading.head.people:
        return Problem("name", f"Start with the person's name, then the rest — for example: {EXAMPLE}")
    if derived is not None:
        reading.doubts.append(
            Doubt("name", f"I took the name “{derived[0]}” from the {derived[1]} — check it.")
        )
    keyed = Keyed()
    for segment in segments[1:]:
        read_segment(reading, keyed, clean(segment), region)
    meeting = assemble(reading, keyed, details, mentions)
    return _over_limit(meeting) or meeting


def _over_limit(meeting: Meeting) -> Problem | None:
    """A field longer than its column: say which, and by how much."""
    values: dict[str, str | None] = {
        "event": meeting.event,
        "next_step": meeting.next_step,
        "offer": meeting.offer,
        "notes": meeting.notes,
    }
    for card in meeting.people:
        for key in ("name", "company", "title"):
            current = values.get(key)
            value = getattr(card, key)
            if value is not None and (current is None or len(value) > len(current)):
                values[key] = value
    for name, limit in LIMITS.items():
        value = values.get(name)
        if value is not None and len(value) > limit:
            return Problem(
                name,
                f"The {FIELD_LABELS[name]} is {len(value):,} characters; the limit is {limit:,} — "
                "please shorten it.",
            )
    return None
