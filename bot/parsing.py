"""Parse the free text of ``/met`` into a meeting record — pure, platform-neutral, time injected.

Logging a meeting has to take seconds or it will not happen, so the command is one line of
free text with a light, forgiving grammar::

    /met <person> [(<company>)] [from <company>] [at <event>]
         [; next step: <text> [by <date>]] [; offer: <text>] [; notes: <text>]
         [; connection: strong|ok|weak] [; when: <date>] [; due: <date>]

Examples::

    /met Jane Doe (Acme Corp) at BNI breakfast; next step: I'll send her the deck by Friday
    /met Jane Doe from Acme at the Chamber mixer; offer: intro to my accountant; connection: strong
    /met <@U123ABC> at Web Summit; next: they'll call me in 2 weeks; notes: wants a CRM
    /met @jane.doe; when: Tuesday; next step: coffee; due: Dec 3

Rules:

* Segments are separated by ``;`` or a new line. The first segment is the person; the others are
  ``key: value`` with case-insensitive keys and synonyms:
  ``next step`` (``next``, ``step``, ``ns``, ``next steps``, ``follow up``),
  ``offer`` (``give``, ``i can offer``, ``intro``, ``introduction``, ``referral``),
  ``notes`` (``note``), ``connection`` (``vibe``), ``when`` (``met``, ``met on``),
  ``due`` (``by``, ``deadline``). A segment without a known key is appended to the notes, so
  nothing typed is ever lost.
* Person segment: the event follows the FIRST `` at `` (or `` @ ``) outside parentheses — names and
  companies rarely contain " at ", events often do ("Drinks at the Hilton"). Before it, a company in
  ``(parentheses)`` wins; otherwise `` from <company>``; otherwise ``Name, Company`` (a ``Jr.``,
  ``PhD``… after the comma stays part of the name), or ``Name - Company``.
  A Slack mention ``<@U123ABC|jane>`` links the person (the label, or None, is the name); a bare
  ``@jane.doe`` handle is kept as the handle and, without another name, as the name.
* Next step owner comes from the wording: "I'll…", "I will…", "I …", "me: …" -> me;
  "they'll/she'll/he'll/they will…", "them: …" -> them; "we'll/we will/let's…", "both: …" -> both.
* A trailing date in the next step ("… by Friday", "… on Dec 3", "… before 3/12", "… tomorrow",
  "… next Tuesday", "… in 2 weeks") becomes the due date and is removed from the text. An explicit
  ``due:`` segment wins (the next step text is then left untouched).
* Dates are read in the user's own timezone and prefer the future: "Friday" said on a Friday is
  next week's Friday, "next Tuesday" is the first Tuesday after today, "3/12" is March 12
  (month first), "Dec 3" is the next Dec 3. ``when:`` prefers the past ("Tuesday" = last Tuesday).
  A due date already past is kept, with a warning; an unreadable one is not set, with a warning.
* The offer is an introduction if it mentions "intro…", a referral if it mentions "referr…".
* Slack's ``&amp;``/``&lt;``/``&gt;`` escapes are undone; control characters are removed.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, cast
from zoneinfo import ZoneInfo

import dateparser

_log = logging.getLogger(__name__)

Owner = Literal["me", "them", "both"]
OfferKind = Literal["introduction", "referral"]
Connection = Literal["strong", "ok", "weak"]
Prefer = Literal["future", "past"]

LIMITS: dict[str, int] = {
    "name": 120,
    "company": 120,
    "event": 200,
    "next_step": 500,
    "offer": 500,
    "notes": 2000,
}
MAX_TEXT = 2500  # whole command text

EXAMPLE = "/met Jane Doe (Acme) at BNI breakfast; next step: I'll send her the deck by Friday"

HELP_TEXT = (
    "*Log a meeting:* `/met <person> [(<company>)] [at <event>]; next step: <text> [by <date>]; "
    "offer: <text>; notes: <text>; connection: strong|ok|weak; when: <date>; due: <date>`\n"
    f"For example: `{EXAMPLE}`\n"
    "Only the person is required. Dates can be “tomorrow”, “Friday”, “next Tuesday”, “in 2 weeks”, "
    "“Dec 3”, “3/12” (month first) or “2026-12-03”."
)


@dataclass(frozen=True)
class ParsedMeeting:
    """A successfully read ``/met`` command; plain values only, so any platform can store it."""

    name: str | None  # None only when a Slack mention gives the person (linked_user_id set)
    company: str | None = None
    event: str | None = None
    linked_user_id: str | None = None  # from a Slack mention "<@U123ABC>" or "<@U123ABC|jane>"
    handle: str | None = None  # a bare "@jane.doe" handle (without the @)
    next_step: str | None = None
    next_step_owner: Owner | None = None
    due: date | None = None  # the next step's due date, in the user's own timezone
    offer: str | None = None
    offer_kind: OfferKind | None = None
    notes: str | None = None
    connection: Connection | None = None
    met_on: date | None = None  # None means "today" (caller fills it)
    warnings: tuple[str, ...] = ()  # kind, user-facing sentences (unreadable date, date in the past)
    mention_label: str | None = None  # the label of "<@U…|label>": Slack's username, not the real name


@dataclass(frozen=True)
class Problem:
    """Why the command could not be logged, phrased for the user, naming the field at fault."""

    field: str  # "text", "name", "company", "event", "next_step", "offer", "notes"
    message: str  # one kind, clear, user-facing sentence saying what to do instead


# --------------------------------------------------------------------------------------------------
# Text hygiene
# --------------------------------------------------------------------------------------------------

# Invisible characters that only cause trouble in stored names: zero-width space, word joiner, BOM,
# soft hyphen and the bidi embeddings/overrides/isolates (spoofing). ZWJ/ZWNJ stay: emoji and
# Persian/Indic text need them.
_INVISIBLE = dict.fromkeys([0x200B, 0x2060, 0xFEFF, 0x00AD, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SLACK_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def typed_text(value: str) -> str:
    """What a person typed, safe to store and send on: NUL and the other control characters dropped
    (newlines and tabs kept), a lone surrogate (invalid Unicode, only from hand-made JSON) replaced by
    U+FFFD. Every text input goes through this before anything else reads it."""
    out: list[str] = []
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        elif ch in "\n\t" or unicodedata.category(ch) != "Cc":
            out.append(ch)
    return "".join(out)


def _clean(value: str) -> str:
    """Drop control and invisible characters (newlines become spaces) and NFC-normalise: tidy storage."""
    value = value.translate(_INVISIBLE)
    out: list[str] = []
    for ch in value:
        cat = unicodedata.category(ch)
        if ch in "\n\t\r":
            out.append(" ")
        elif cat in ("Cc", "Cs"):
            continue
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).strip()


def _squash(value: str) -> str:
    """Collapse runs of whitespace: names, companies and events are one-line labels."""
    return " ".join(value.split())


def _tidy_label(value: str) -> str:
    """Squash a label and trim separators the grammar leaves behind ("Jane Doe," -> "Jane Doe")."""
    return _squash(value).strip(" ,;:-–—").strip()


def _unescape_slack(text: str) -> str:
    """Undo Slack's three HTML escapes before splitting on ";" (else "AT&amp;T" would split)."""
    for escaped, plain in _SLACK_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def name_key(name: str) -> str:
    """Case- and accent-insensitive key to match a contact ("José  Núñez" == "jose nunez").

    Accents are dropped from Latin, Greek and Cyrillic letters only; other scripts keep their marks
    (a Katakana dakuten or a Devanagari virama changes the word, not just its spelling).
    """
    decomposed = unicodedata.normalize("NFKD", name)
    kept: list[str] = []
    base_is_alphabetic_script = False
    for ch in decomposed:
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn":
            if base_is_alphabetic_script:
                continue
        else:
            script = unicodedata.name(ch, "").split(" ", 1)[0]
            base_is_alphabetic_script = script in ("LATIN", "GREEK", "CYRILLIC")
        kept.append(ch)
    recomposed = unicodedata.normalize("NFC", "".join(kept))
    return " ".join(recomposed.casefold().split())


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MONTHS: dict[str, int] = {}
for _i, _full in enumerate(calendar.month_name[1:], start=1):
    _MONTHS[_full.lower()] = _i
    _MONTHS[_full[:3].lower()] = _i
_MONTHS["sept"] = 9

_WEEKDAY_WORDS = {
    "monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu", "thur",
    "thurs", "friday", "fri", "saturday", "sat", "sunday", "sun",
}  # fmt: skip
_RELATIVE_WORDS = {
    "today", "tomorrow", "tonight", "yesterday", "now", "day", "days", "week", "weeks", "month",
    "months", "year", "years", "fortnight", "noon", "midnight", "morning", "afternoon", "evening",
}  # fmt: skip
_DATE_WORDS = _WEEKDAY_WORDS | _RELATIVE_WORDS | set(_MONTHS)

# Informal spellings dateparser does not know.
_ALIASES = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tomorow": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "2moro": "tomorrow", "thur": "thursday",
    "thurs": "thursday", "wk": "week", "wks": "weeks", "mths": "months", "mth": "month",
}  # fmt: skip

_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_LEADING_WORD_RE = re.compile(r"^(?:by|on|before|due|until|till)\b[\s:]*", re.IGNORECASE)
_NUMERIC_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}|\d{2}))?$")
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_DAY_RE = re.compile(rf"^{_MONTH_RE}\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?$")
_DAY_MONTH_RE = re.compile(
    rf"^(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH_RE}(?:,?\s+(\d{{4}}))?$"
)
_MONTH_ONLY_RE = re.compile(rf"^(?:(?:early|beginning\s+of|start\s+of)\s+)?{_MONTH_RE}(?:\s+(\d{{4}}))?$")
_ORDINAL_RE = re.compile(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)$")
_END_OF_RE = re.compile(
    r"^(?:(eod|cob|close of business)|(eow)|(eom)|(eoy)|"
    r"end\s+of\s+(?:the\s+)?(next\s+)?(day|week|month|year)|(?:the\s+)?(week|month|year)\s+end)$"
)
_AMPM_RE = re.compile(r"\d\s*(?:am|pm)\b")


def _zone(timezone: str) -> tzinfo:
    """The user's zone, or UTC when the name is unknown or malformed (a bad profile must not break /met)."""
    try:
        return ZoneInfo(timezone)
    except Exception:
        return UTC


def _local_now(now: datetime, timezone: str) -> datetime:
    """`now` as a naive wall-clock time in the user's zone: what "today" means to them."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(_zone(timezone)).replace(tzinfo=None)


def _safe_date(year: int, month: int, day: int) -> date | None:
    """A date, or None for impossible ones (Feb 30, month 13)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(month: int, day: int, year: int | None, today: date, prefer: Prefer) -> date | None:
    """A month/day with an optional year; without one, the next (or last) such day from today."""
    if year is not None:
        return _safe_date(year, month, day)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    step = 1 if prefer == "future" else -1
    for offset in range(9):  # 9 years covers Feb 29
        candidate = _safe_date(today.year + step * offset, month, day)
        if candidate is not None and (candidate >= today if prefer == "future" else candidate <= today):
            return candidate
    return None


def _end_of(match: re.Match[str], today: date, prefer: Prefer) -> date:
    """End of day/week (Friday)/month/year; "next" moves one period on."""
    eod, eow, eom, eoy, nxt, unit, unit_end = match.groups()
    if eod:
        unit = "day"
    elif eow:
        unit = "week"
    elif eom:
        unit = "month"
    elif eoy:
        unit = "year"
    elif unit_end:
        unit = unit_end
    if unit == "day":
        return today
    if unit == "week":
        if prefer == "past" and not nxt:
            return today - timedelta(days=(today.weekday() - 4) % 7)
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        return friday + timedelta(days=7) if nxt else friday
    if unit == "month":
        year, month = today.year, today.month
        if nxt:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = date(year, month, calendar.monthrange(year, month)[1])
        if prefer == "past" and not nxt and end > today:
            first = date(year, month, 1) - timedelta(days=1)
            end = first
        return end
    return date(today.year + (1 if nxt else 0), 12, 31)


def _normalise_phrase(phrase: str) -> str:
    """Lower-case, drop the leading "by/on/before/due", trailing punctuation and informal spellings."""
    p = _squash(_clean(phrase)).lower().replace("’", "'")
    for _ in range(2):  # "due by Friday"
        p = _LEADING_WORD_RE.sub("", p).strip()
    p = p.rstrip(".!?,;:").strip()
    p = re.sub(r"\b(?:this\s+)?coming\s+", "", p)  # "this coming Friday" -> "friday"
    words = [_ALIASES.get(w, w) for w in p.split()]
    return " ".join(words)


def read_date(phrase: str, *, now: datetime, timezone: str, prefer: Prefer = "future") -> date | None:
    """Read a date phrase ("tomorrow", "Friday", "in 2 weeks", "Dec 3", "3/12") in the user's timezone.

    Numeric and month-name dates are read here (month first, next occurrence); relative phrases go
    to dateparser. Returns None when the phrase is not a readable date. ``prefer="past"`` is for
    the day a meeting happened ("Tuesday" = last Tuesday).
    """
    try:
        return _read_date(phrase, now=now, timezone=timezone, prefer=prefer)
    except Exception:  # dateparser on odd input must never break a command
        _log.debug("read_date failed on %r", phrase, exc_info=True)
        return None


def _read_date(phrase: str, *, now: datetime, timezone: str, prefer: Prefer) -> date | None:
    """The body of `read_date`, free to raise."""
    p = _normalise_phrase(phrase)
    if not p or len(p) > 60:
        return None
    local = _local_now(now, timezone)
    today = local.date()

    if (m := _ISO_RE.match(p)) is not None:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if (m := _NUMERIC_RE.match(p)) is not None:  # month first; 2-digit years are 20xx
        year = None if m[3] is None else int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return _month_day(int(m[1]), int(m[2]), year, today, prefer)
    if (m := _MONTH_DAY_RE.match(p)) is not None:
        return _month_day(_MONTHS[m[1]], int(m[2]), int(m[3]) if m[3] else None, today, prefer)
    if (m := _DAY_MONTH_RE.match(p)) is not None:
        return _month_day(_MONTHS[m[2]], int(m[1]), int(m[3]) if m[3] else None, today, prefer)
    if (m := _MONTH_ONLY_RE.match(p)) is not None:  # "by May" means the 1st, not "May 27th"
        if m[2]:
            return date(int(m[2]), _MONTHS[m[1]], 1)
        month = _MONTHS[m[1]]
        later = (month >= today.month) if prefer == "future" else (month <= today.month)
        year = today.year if later else today.year + (1 if prefer == "future" else -1)
        return date(year, month, 1)
    if (m := _ORDINAL_RE.match(p)) is not None:  # "the 3rd": next 3rd of a month
        day = int(m[1])
        if not 1 <= day <= 31:
            return None
        probe = today.replace(day=1)
        for _ in range(14):
            candidate = _safe_date(probe.year, probe.month, day)
            ok = candidate is not None and (candidate >= today if prefer == "future" else candidate <= today)
            if ok:
                return candidate
            if prefer == "future":
                probe = (probe + timedelta(days=32)).replace(day=1)
            else:
                probe = (probe - timedelta(days=1)).replace(day=1)
        return None
    if (m := _END_OF_RE.match(p)) is not None:
        return _end_of(m, today, prefer)

    # Only phrases with a real date word reach dateparser: it reads "a" as a date, "5" as May,
    # "at 5" as next May and "3.12" as 03:12.
    words = set(re.findall(r"[a-z]+", p))
    if not (words & _DATE_WORDS or _AMPM_RE.search(p)):
        return None
    settings = {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": local,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "MDY",
    }
    parsed = dateparser.parse(p, languages=["en"], settings=settings)
    if parsed is None:
        return None
    result = parsed.date()
    if abs(result.year - today.year) > 3:  # "Dec 45" comes back as 2045: a misread, not a date
        return None
    return result


def _format_day(day: date, today: date) -> str:
    """Format as "Mon 2 Nov" (plus the year when it is not this year), independent of the process locale."""
    text = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _unreadable_due(phrase: str) -> str:
    """The warning for a due date we could not read; it suggests forms that work."""
    return (
        f"I couldn't read “{phrase}” as a date, so no due date is set — "
        "try “Friday”, “in 2 weeks” or “Dec 3”."
    )


# --------------------------------------------------------------------------------------------------
# Next step: owner and trailing due date
# --------------------------------------------------------------------------------------------------

_OWNER_LABEL_RE = re.compile(r"^(me|them|both)\s*:\s*", re.IGNORECASE)
_OWNER_PREFIXES: tuple[tuple[tuple[str, ...], Owner], ...] = (
    (("i'll ", "i will ", "i'm ", "i am ", "i "), "me"),
    (("they'll ", "she'll ", "he'll ", "they will ", "she will ", "he will "), "them"),
    (("we'll ", "we will ", "let's ", "lets ", "let us "), "both"),
)

_WD_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WD_ANY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_NUMBER = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple\s+of|a\s+few)"
_TIME = r"(?:\s+(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm))?"
# Trailing date phrases that may be lifted even without "by"/"on"/"before": strict shapes only, so
# "enjoy the sun" or "if she may" never lose their last word.
_BARE_TAIL_RE = re.compile(
    r"(?:^|\s)("
    r"(?:(?:the\s+)?day\s+after\s+tomorrow|tomorrow|tmrw|today|tonight"
    rf"|(?:next|this)\s+(?:week|month|{_WD_ANY})|{_WD_FULL}"
    r"|in\s+" + _NUMBER + r"\s+(?:days?|weeks?|months?|wks?|fortnights?)"
    rf"|{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:,?\s+\d{{4}})?"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d{1,2}-\d{1,2}"
    r"|end\s+of\s+(?:the\s+)?(?:next\s+)?(?:day|week|month)|eod|eow|eom)"
    rf"{_TIME})[\s.!?]*$",
    re.IGNORECASE,
)
_KEYWORD_RE = re.compile(r"(?:^|\s)(by|on|before|due|until|till)\s+", re.IGNORECASE)


def _owner(text: str) -> tuple[Owner | None, str]:
    """Who owns the next step, from its wording; an explicit "me:/them:/both:" label is removed."""
    label = _OWNER_LABEL_RE.match(text)
    if label is not None:
        return cast(Owner, label[1].lower()), text[label.end() :].strip()
    lowered = text.lower().replace("’", "'") + " "
    for prefixes, who in _OWNER_PREFIXES:
        if lowered.startswith(prefixes):
            return who, text
    return None, text


def _looks_like_a_date(phrase: str) -> bool:
    """Whether a failed phrase was probably meant as a date ("flurbsday", "32/13"), worth a warning."""
    p = phrase.lower()
    words = re.findall(r"[a-z]+", p)
    if any(w in _DATE_WORDS or w.endswith("day") or w.endswith("days") for w in words):
        return True
    return bool(re.fullmatch(r"(?:the\s+)?\d+(?:st|nd|rd|th)?|\d+[/.\-]\d+(?:[/.\-]\d+)?", p.strip(" .!?")))


def _lift_due(text: str, *, now: datetime, timezone: str) -> tuple[str, date | None, str | None]:
    """Split a trailing date phrase off a next step: (text without it, due date, warning or None).

    Only the end of the text is looked at, so "call on Monday about the deal" stays as typed.
    When nothing would remain ("next step: Friday"), the text is kept whole and the date still set.
    """
    keywords = list(_KEYWORD_RE.finditer(text))
    if keywords:
        last = keywords[-1]
        phrase = text[last.end() :].strip()
        if phrase and len(phrase.split()) <= 6:
            due = read_date(phrase, now=now, timezone=timezone)
            if due is not None:
                rest = text[: last.start()].strip().rstrip(",;:-–—").strip()
                return (rest or text), due, None
            if len(phrase.split()) <= 3 and _looks_like_a_date(phrase):
                return text, None, _unreadable_due(phrase.rstrip(".!?"))
    bare = _BARE_TAIL_RE.search(text)
    if bare is not None:
        due = read_date(bare[1], now=now, timezone=timezone)
        if due is not None:
            rest = text[: bare.start()].strip().rstrip(",;:-–—").strip()
            return (rest or text), due, None
    return text, None, None


# --------------------------------------------------------------------------------------------------
# Person segment
# --------------------------------------------------------------------------------------------------

_MENTION_RE = re.compile(r"<@([A-Za-z0-9]+)(?:\|([^<>]*))?>")
_HANDLE_RE = re.compile(r"^@([\w][\w.\-]*)")
_FROM_RE = re.compile(r"\s+from\s+", re.IGNORECASE)
_DASH_RE = re.compile(r"\s+[-–—]\s+")
_SUFFIXES = {
    "jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq", "cpa", "mba", "dds", "rn", "obe", "mbe",
    "cbe", "qc", "kc", "pe", "jd",
}  # fmt: skip


def _split_event(segment: str) -> tuple[str, str | None]:
    """Split off the event after the first " at " / " @ " outside parentheses or <...> mentions."""
    depth = 0
    i = 0
    n = len(segment)
    while i < n:
        ch = segment[i]
        if ch in "(<[":
            depth += 1
        elif ch in ")>]" and depth > 0:
            depth -= 1
        elif depth == 0 and ch.isspace():
            m = re.match(r"\s+(?:at|@)\s+", segment[i:], re.IGNORECASE)
            if m is not None:
                return segment[:i], segment[i + m.end() :]
        i += 1
    return segment, None


def _split_company(person: str) -> tuple[str, str | None]:
    """(name, company) from "Name (Company)", "Name from Company", "Name, Company" or "Name - Company"."""
    open_at = person.find("(")
    if open_at != -1:
        close_at = person.find(")", open_at)
        if close_at == -1:  # "Jane (Acme" — forgive the missing bracket
            return person[:open_at], person[open_at + 1 :]
        company = person[open_at + 1 : close_at]
        return person[:open_at] + " " + person[close_at + 1 :], company
    m = _FROM_RE.search(person)
    if m is not None:
        return person[: m.start()], person[m.end() :]
    if "," in person:
        parts = [p.strip() for p in person.split(",")]
        name_parts = [parts[0]]
        rest = parts[1:]
        while rest and rest[0].lower().replace(".", "") in _SUFFIXES:
            name_parts.append(rest.pop(0))
        company = ", ".join(p for p in rest if p)
        return ", ".join(name_parts), company or None
    m = _DASH_RE.search(person)
    if m is not None:
        return person[: m.start()], person[m.end() :]
    return person, None


@dataclass(frozen=True)
class _Person:
    """The pieces of the first segment."""

    name: str | None
    company: str | None
    event: str | None
    linked_user_id: str | None
    handle: str | None
    label: str | None = None


def _parse_person(segment: str) -> _Person:
    """Read who was met, their company and the event from the first segment."""
    linked: str | None = None
    label: str | None = None
    lead = _MENTION_RE.match(segment.strip())
    if lead is not None:
        linked, label = lead[1], lead[2]
        segment = segment.strip()[lead.end() :]
    person, event = _split_event(" " + segment)
    person, company = _split_company(person)
    if linked is None:
        inner = _MENTION_RE.search(person)
        if inner is not None:
            linked, label = inner[1], inner[2]
            person = person[: inner.start()] + " " + person[inner.end() :]
    person = _tidy_label(_clean(person))
    handle: str | None = None
    hm = _HANDLE_RE.match(person)
    if hm is not None:
        handle = hm[1].rstrip(".-") or None
        remainder = _tidy_label(person[hm.end() :])
        person = remainder or (handle or person)
    label_text = _tidy_label(_clean(label)) if label else ""
    name = person or label_text or None
    return _Person(
        name=name,
        company=_tidy_label(_clean(company or "")) or None,
        event=_tidy_label(_clean(event or "")) or None,
        linked_user_id=linked,
        handle=handle,
        label=label_text or None,
    )


# --------------------------------------------------------------------------------------------------
# Whole command
# --------------------------------------------------------------------------------------------------

_KEYS: dict[str, str] = {}
for _field, _synonyms in {
    "next_step": ("next step", "next", "step", "ns", "next steps", "follow up", "follow-up", "followup"),
    "offer": ("offer", "give", "i can offer", "intro", "introduction", "referral"),
    "notes": ("notes", "note"),
    "connection": ("connection", "vibe"),
    "when": ("when", "met", "met on"),
    "due": ("due", "by", "deadline"),
}.items():
    for _synonym in _synonyms:
        _KEYS[_synonym] = _field

_CONNECTIONS: dict[str, Connection] = {"strong": "strong", "ok": "ok", "okay": "ok", "weak": "weak"}
_FIELD_LABELS = {
    "name": "name",
    "company": "company",
    "event": "event",
    "next_step": "next step",
    "offer": "offer",
    "notes": "notes",
}


def _offer_kind(text: str, key: str) -> OfferKind | None:
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


def _key_of(segment: str) -> tuple[str | None, str, str]:
    """(field, key as typed-normalised, value) of a "key: value" segment; field None if no known key."""
    key, sep, value = segment.partition(":")
    if not sep:
        return None, "", segment
    normalised = _squash(key).lower().replace("’", "'")
    return _KEYS.get(normalised), normalised, value.strip()


def parse_met(text: str, *, now: datetime, timezone: str) -> ParsedMeeting | Problem:
    """Read a ``/met`` command. Never raises: odd input gives a `Problem` the user can act on."""
    try:
        return _parse_met(text, now=now, timezone=timezone)
    except Exception:  # last line of defence; a bug here must not crash the Slack listener
        _log.exception("parse_met failed")
        return Problem("text", f"Sorry, I couldn't read that. Try something like: {EXAMPLE}")


def _parse_met(text: str, *, now: datetime, timezone: str) -> ParsedMeeting | Problem:
    """The body of `parse_met`, free to raise."""
    # Count what the person typed, not Slack's escapes of it: 600 "&" arrive as 3,000 characters.
    raw = _unescape_slack(text.strip() if isinstance(text, str) else "")
    if len(raw) > MAX_TEXT:
        return Problem(
            "text",
            f"That's {len(raw):,} characters — please keep /met under {MAX_TEXT:,} and add more "
            "detail to the notes afterwards.",
        )
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not _clean(raw.replace(";", " ")):
        return Problem("text", f"Tell me who you met — for example: {EXAMPLE}")

    segments = re.split(r"[;\n]", raw)
    first = segments[0]
    field, _, _ = _key_of(_clean(first))
    if not _clean(first) or field is not None:
        return Problem("name", f"Start with the person's name, then the rest — for example: {EXAMPLE}")

    person = _parse_person(first)
    if person.name is None and person.linked_user_id is None:
        return Problem("name", f"Start with the person's name, then the rest — for example: {EXAMPLE}")

    local_today = _local_now(now, timezone).date()
    warnings: list[str] = []
    notes: list[str] = []
    steps: list[str] = []
    offers: list[str] = []
    offer_kind: OfferKind | None = None
    connection: Connection | None = None
    met_on: date | None = None
    due: date | None = None

    for seg in segments[1:]:
        cleaned = _clean(seg)
        if not cleaned:
            continue
        field, key, value = _key_of(cleaned)
        if field is None:
            notes.append(cleaned)
        elif not value:
            continue
        elif field == "next_step":
            steps.append(value)
        elif field == "offer":
            offers.append(value)
            offer_kind = offer_kind or _offer_kind(value, key)
        elif field == "notes":
            notes.append(value)
        elif field == "connection":
            word = _CONNECTIONS.get(value.lower().strip(" .!"))
            if word is None:
                notes.append(cleaned)
                warnings.append(
                    f"I don't know the connection “{value}”, so I kept it in the notes — "
                    "use strong, ok or weak."
                )
            else:
                connection = word
        elif field == "when":
            day = read_date(value, now=now, timezone=timezone, prefer="past")
            if day is None:
                notes.append(cleaned)
                warnings.append(
                    f"I couldn't read “{value}” as the day you met, so I used today — "
                    "try “yesterday”, “Tuesday” or “Nov 3”."
                )
            else:
                met_on = day
                if day > local_today:
                    warnings.append(
                        f"The meeting date ({_format_day(day, local_today)}) is in the future — "
                        "I kept it, but check it's right."
                    )
        elif field == "due":
            day = read_date(value, now=now, timezone=timezone)
            if day is None:
                notes.append(cleaned)
                warnings.append(_unreadable_due(value))
            else:
                due = day

    owner: Owner | None = None
    step_texts: list[str] = []
    for i, step in enumerate(steps):
        who, step_text = _owner(step)
        if i == 0:
            owner = who
        if due is None:
            step_text, lifted, warning = _lift_due(step_text, now=now, timezone=timezone)
            if warning:
                warnings.append(warning)
            due = lifted
        step_texts.append(step_text)
    next_step = "; ".join(s for s in step_texts if s) or None

    if due is not None and due < local_today:
        warnings.append(f"That due date ({_format_day(due, local_today)}) is already in the past.")

    values: dict[str, str | None] = {
        "name": person.name,
        "company": person.company,
        "event": person.event,
        "next_step": next_step,
        "offer": "; ".join(offers) or None,
        "notes": "; ".join(notes) or None,
    }
    for name, limit in LIMITS.items():
        value = values[name]
        if value is not None and len(value) > limit:
            return Problem(
                name,
                f"The {_FIELD_LABELS[name]} is {len(value):,} characters; the limit is {limit:,} — "
                "please shorten it.",
            )

    return ParsedMeeting(
        name=person.name,
        company=person.company,
        event=person.event,
        linked_user_id=person.linked_user_id,
        handle=person.handle,
        mention_label=person.label,
        next_step=next_step,
        next_step_owner=owner,
        due=due,
        offer=values["offer"],
        offer_kind=offer_kind,
        notes=values["notes"],
        connection=connection,
        met_on=met_on,
        warnings=tuple(warnings),
    )
