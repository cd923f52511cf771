"""The documented `key: value` segments after the person: next step, offer, notes, connection, when, due.

Keys are case-insensitive with synonyms: ``next step`` (``next``, ``step``, ``ns``, ``next steps``,
``follow up``), ``offer`` (``give``, ``i can offer``, ``intro``, ``introduction``, ``referral``),
``notes`` (``note``), ``connection`` (``vibe``), ``when`` (``met``, ``met on``), ``due`` (``by``,
``deadline``), and for the card ``title`` (``role``), ``company``, ``event``, ``email``, ``phone``,
``url`` (``linkedin``), ``rhythm`` (``every``, ``keep in touch``). A segment without a known key is
read as a free sentence (a next step, a date, a rhythm) when it clearly is one, else kept in the
notes, so nothing typed is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.parsing.dates import format_day, read_date
from bot.parsing.details import Details, lift_details, read_phone
from bot.parsing.line import Reading, read_clause
from bot.parsing.steps import read_rhythm
from bot.parsing.text import squash
from bot.records import Connection, Doubt, OfferKind

_KEYS: dict[str, str] = {}
for _field, _synonyms in {
    "next_step": (
        "next step",
        "next",
        "step",
        "ns",
        "next steps",
        "follow up",
        "follow-up",
        "followup",
        "todo",
    ),
    "offer": ("offer", "give", "i can offer", "intro", "introduction", "referral"),
    "notes": ("notes", "note"),
    "connection": ("connection", "vibe"),
    "when": ("when", "met", "met on"),
    "due": ("due", "by", "deadline"),
    "title": ("title", "role", "position", "job"),
    "company": ("company", "org", "organisation", "organization", "employer"),
    "event": ("event", "where"),
    "email": ("email", "e-mail", "mail"),
    "phone": ("phone", "tel", "mobile", "cell"),
    "url": ("url", "linkedin", "web", "website", "profile"),
    "rhythm": ("rhythm", "cadence", "every", "keep in touch", "stay in touch"),
}.items():
    for _synonym in _synonyms:
        _KEYS[_synonym] = _field

FIELD_LABELS = {
    "name": "name",
    "company": "company",
    "title": "title",
    "event": "event",
    "next_step": "next step",
    "offer": "offer",
    "notes": "notes",
}
_CONNECTIONS: dict[str, Connection] = {"strong": "strong", "ok": "ok", "okay": "ok", "weak": "weak"}


@dataclass
class Keyed:
    """What the `key: value` segments said."""

    steps: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    offer_kind: OfferKind | None = None
    notes: list[str] = field(default_factory=list)
    connection: Connection | None = None
    met_on: date | None = None
    due: date | None = None
    warnings: list[str] = field(default_factory=list)
    card: dict[str, str] = field(default_factory=dict)  # title/company/event/email/phone/url as typed
    details: Details = field(default_factory=Details)


def key_of(segment: str) -> tuple[str | None, str, str]:
    """(field, key as typed-normalised, value) of a "key: value" segment; field None if no known key."""
    key, sep, value = segment.partition(":")
    if not sep:
        return None, "", segment
    normalised = squash(key).lower().replace("’", "'")
    return _KEYS.get(normalised), normalised, value.strip()


def offer_kind(text: str, key: str) -> OfferKind | None:
    """Introduction or referral, from the offer's wording, else from the key used ("intro:")."""
    lowered = text.lower()
    if "intro" in lowered:
        return "introduction"
    if "referr" in lowered:
        return "referral"
    if key in ("intro", "introduction"):
        return "introduction"
    if key == "referral":
        return "referral"
    return None


def unreadable_due(phrase: str) -> str:
    """The warning for a due date we could not read; it suggests forms that work."""
    return f"I couldn't read “{phrase}” as a date, so no due date is set — try “Friday”, “in 2 weeks” or “Dec 3”."


def read_segment(reading: Reading, keyed: Keyed, segment: str, region: str) -> None:
    """One `;`-separated segment after the person."""
    if not segment:
        return
    name, key, value = key_of(segment)
    if name is None:
        _free_segment(reading, keyed, segment, region)
    elif value:
        _KEYED[name](reading, keyed, value, key, segment)


def _free_segment(reading: Reading, keyed: Keyed, segment: str, region: str) -> None:
    """A segment without a key: a next step, date or rhythm when it clearly is one; else a note."""
    details, text = lift_details(segment, region)
    _merge_details(keyed, details)
    if not read_clause(reading, text, index=99, keep=False) and squash(text):
        keyed.notes.append(squash(text))


def _merge_details(keyed: Keyed, details: Details) -> None:
    """Keep the first e-mail, phone and URL seen."""
    keyed.details = Details(
        email=keyed.details.email or details.email,
        phone=keyed.details.phone or details.phone,
        url=keyed.details.url or details.url,
    )


def _next_step(_r: Reading, keyed: Keyed, value: str, _key: str, _segment: str) -> None:
    keyed.steps.append(value)


def _offer(_r: Reading, keyed: Keyed, value: str, key: str, _segment: str) -> None:
    keyed.offers.append(value)
    keyed.offer_kind = keyed.offer_kind or offer_kind(value, key)


def _notes(_r: Reading, keyed: Keyed, value: str, _key: str, _segment: str) -> None:
    keyed.notes.append(value)


def _connection(_r: Reading, keyed: Keyed, value: str, _key: str, segment: str) -> None:
    word = _CONNECTIONS.get(value.lower().strip(" .!"))
    if word is None:
        keyed.notes.append(segment)
        keyed.warnings.append(
            f"I don't know the connection “{value}”, so I kept it in the notes — use strong, ok or weak."
        )
    else:
        keyed.connection = word


def _when(reading: Reading, keyed: Keyed, value: str, _key: str, segment: str) -> None:
    args = reading.now_args
    day = read_date(value, prefer="past", day_first=reading.day_first, **args)  # type: ignore[arg-type]
    if day is None:
        keyed.notes.append(segment)
        keyed.warnings.append(
            f"I couldn't read “{value}” as the day you met, so I used today — try “yesterday”, “Tuesday” or “Nov 3”."
        )
        reading.doubts.append(Doubt("met_on", f"I couldn't read “{value}” as a date."))
        return
    keyed.met_on = day
    if day > reading.today:
        keyed.warnings.append(
            f"The meeting date ({format_day(day, reading.today)}) is in the future — I kept it, but check it's right."
        )


def _due(reading: Reading, keyed: Keyed, value: str, _key: str, segment: str) -> None:
    args = reading.now_args
    day = read_date(value, prefer="future", day_first=reading.day_first, **args)  # type: ignore[arg-type]
    if day is None:
        keyed.notes.append(segment)
        keyed.warnings.append(unreadable_due(value))
        reading.doubts.append(Doubt("due", f"I couldn't read “{value}” as a date."))
    else:
        keyed.due = day


def _card(reading: Reading, keyed: Keyed, value: str, key: str, _segment: str) -> None:
    field_name = _KEYS[key]
    if field_name == "phone":
        value = read_phone(value, reading.region) or value
    keyed.card[field_name] = value


def _rhythm(reading: Reading, keyed: Keyed, value: str, key: str, segment: str) -> None:
    phrase = (
        value
        if value.lower().startswith(("every", "each")) or value.lower().endswith("ly")
        else f"every {value}"
    )
    days, _ = read_rhythm(phrase)
    if days is None:
        keyed.notes.append(segment)
    else:
        reading.rhythm = days


_KEYED = {
    "next_step": _next_step,
    "offer": _offer,
    "notes": _notes,
    "connection": _connection,
    "when": _when,
    "due": _due,
    "title": _card,
    "company": _card,
    "event": _card,
    "email": _card,
    "phone": _card,
    "url": _card,
    "rhythm": _rhythm,
}
