"""Dates as people type them, read in the member's own timezone and date order.

The common phrasings (today, tomorrow, weekdays, "next tue", "in three weeks", "EOW", "the 15th",
month names, numbers) are read by small rules here: they are exact and fast. Anything else with a
real date word goes to `dateparser` (slow, a few milliseconds a call) with the member's date order.
"""

from __future__ import annotations

import calendar
import difflib
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

import dateparser

from bot.parsing.text import clean, squash

_log = logging.getLogger(__name__)

Prefer = Literal["future", "past"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_SHORT = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}  # fmt: skip
WEEKDAY_INDEX = {**{w: i for i, w in enumerate(WEEKDAYS)}, **_WEEKDAY_SHORT}

MONTHS: dict[str, int] = {}
for _i, _full in enumerate(calendar.month_name[1:], start=1):
    MONTHS[_full.lower()] = _i
    MONTHS[_full[:3].lower()] = _i
MONTHS["sept"] = 9

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "a couple": 2,
    "a couple of": 2, "couple of": 2, "few": 3, "a few": 3, "several": 3,
}  # fmt: skip
UNIT_DAYS = {"day": 1, "week": 7, "wk": 7, "fortnight": 14}
UNIT_MONTHS = {"month": 1, "mo": 1, "mth": 1, "year": 12, "yr": 12}

# Informal spellings and common typos.
ALIASES = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tomorow": "tomorrow", "tmorrow": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
    "tomm": "tomorrow", "wk": "week", "wks": "weeks", "mths": "months", "mth": "month", "mos": "months",
    "yday": "yesterday", "yest": "yesterday", "yesterdy": "yesterday", "tdy": "today", "2day": "today",
    "nxt": "next", "eod": "end of day", "cob": "end of day", "eow": "end of week", "eom": "end of month",
    "eoy": "end of year", "eoq": "end of quarter", "weds": "wednesday",
}  # fmt: skip
_TYPO_TARGETS = (*WEEKDAYS, *(m for m in MONTHS if len(m) > 4), "tomorrow", "yesterday")

DATE_WORDS = (
    set(WEEKDAY_INDEX)
    | set(MONTHS)
    | {"today", "tomorrow", "tonight", "yesterday", "week", "weeks", "month", "months", "year", "years"}
    | {"day", "days", "fortnight", "weekend", "noon", "morning", "afternoon", "evening"}
)

_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:,?\s+(\d{4}))?"
_LEADING_WORD_RE = re.compile(r"^(?:by|on|before|due|until|till|til|for|from|at|latest)\b[\s:]*")
_TIME_RE = re.compile(
    r"(?:\s*(?:at|@|around|about|~)\s*)?\b\d{1,2}(?:[:.h]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h)(?!\w)"
    r"|(?:\s*(?:at|@|around)\s*)?\b\d{1,2}:\d{2}\b"
    r"|\s+(?:in\s+the\s+)?(?:morning|afternoon|evening|night|noon|lunchtime|am|pm)$"
    r"|\s+(?:at\s+)?(?:noon|lunch|lunchtime|midday)$"
)
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(\.)?$")
_MONTH_DAY_RE = re.compile(rf"^{_MONTH_RE}\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?{_YEAR}$")
_DAY_MONTH_RE = re.compile(rf"^(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\.?(?:\s+of)?\s+{_MONTH_RE}{_YEAR}$")
_MONTH_PART_RE = re.compile(
    rf"^(?:(early|beginning\s+of|start\s+of|first\s+week\s+of|mid|middle\s+of|late|end\s+of|last\s+week\s+of)"
    rf"[\s-]+)?{_MONTH_RE}(?:\s+(\d{{4}}))?$"
)
_ORDINAL_RE = re.compile(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)$")
_RELATIVE_RE = re.compile(
    r"^(?:in\s+)?(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several)\s+"
    r"(days?|weeks?|wks?|fortnights?|months?|mos?|mths?|years?|yrs?)(\s+(?:from\s+(?:now|today)|time|ago))?$"
)
_WEEKDAY_RE = re.compile(
    r"^(?:(next|this|last|coming|this\s+coming|the\s+following|following)\s+)?"
    r"(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
    r"(?:\s+(next\s+week|this\s+week|week))?$"
)
_PERIOD_RE = re.compile(
    r"^(?:(early|late|later)\s+)?(?:(next|this|the\s+coming|coming|following)\s+)(week|weekend|month|year)$"
    r"|^(?:the\s+)?(weekend)$|^(week|weekend)\s+after\s+next$"
)
_END_OF_RE = re.compile(
    r"^(?:the\s+)?end\s+of\s+(?:the\s+)?(next\s+|this\s+)?(day|week|month|year|quarter)$"
    r"|^(?:the\s+)?(next\s+)?(week|month|year)(?:'s)?\s+end$"
)
_AMPM_RE = re.compile(r"\d\s*(?:am|pm)\b")

_MONTH_FIRST_REGIONS = {"US", "PH", "CA", "FM", "MH", "PW", "UM", "AS", "GU", "MP", "PR", "VI"}
_MONTH_FIRST_LANGUAGES = {"ja", "zh", "ko", "hu", "lt", "mn"}  # year-month-day: the month comes first


def day_first(locale: str | None) -> bool:
    """Whether the member writes the day before the month ("12/3" = 12 March).

    US English (and no locale at all) is month first, as are the year-month-day languages; en-GB,
    en-IN, de-DE, fr-FR and most of the world are day first.
    """
    if not locale:
        return False
    parts = re.split(r"[-_]", locale.strip())
    language = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    if language in _MONTH_FIRST_LANGUAGES:
        return False
    if region is not None:
        return region not in _MONTH_FIRST_REGIONS
    return language != "en"


def zone(timezone: str) -> tzinfo:
    """The member's zone, or UTC when the name is unknown or malformed (a bad profile must not break /met)."""
    try:
        return ZoneInfo(timezone)
    except Exception:
        return UTC


def local_now(now: datetime, timezone: str) -> datetime:
    """`now` as a naive wall-clock time in the member's zone: what "today" means to them."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone(timezone)).replace(tzinfo=None)


def _safe_date(year: int, month: int, day: int) -> date | None:
    """A date, or None for impossible ones (Feb 30, month 13)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


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


def fix_typo(word: str) -> str:
    """A misspelt weekday or month ("tuseday", "wendsday", "decmber") as meant, else the word."""
    if word in ALIASES:
        return ALIASES[word]
    if len(word) < 6 or word in DATE_WORDS or not word.isalpha():
        return word
    close = difflib.get_close_matches(word, _TYPO_TARGETS, n=1, cutoff=0.8)
    return close[0] if close else word


def normalise_phrase(phrase: str, *, typos: bool = True) -> str:
    """Lower-case, drop the leading "by/on/before/due", times of day, trailing punctuation, typos."""
    p = squash(clean(phrase)).lower().replace("’", "'")
    p = p.strip(" .!?,;:()[]")
    for _ in range(3):  # "due by Friday", "on or before"
        p = re.sub(r"^(?:or\s+)?", "", _LEADING_WORD_RE.sub("", p)).strip()
    if p not in ("this morning", "this afternoon", "this evening", "last night", "tomorrow morning"):
        p = _TIME_RE.sub("", p).strip(" ,")
    p = re.sub(r"\b(?:this\s+)?coming\s+(?=[a-z]+day\b|mon|tue|wed|thu|fri|sat|sun)", "", p)
    words = [fix_typo(w) if typos else ALIASES.get(w, w) for w in p.split()]
    return " ".join(" ".join(words).split())


def read_date(
    phrase: str,
    *,
    now: datetime,
    timezone: str,
    prefer: Prefer = "future",
    day_first: bool = False,
) -> date | None:
    """Read a date phrase ("tomorrow", "next tue", "in 3 weeks", "EOW", "Dec 3", "12/3") in the member's zone.

    Returns None when the phrase is not a readable date. ``prefer="past"`` is for the day a meeting
    happened ("Tuesday" = last Tuesday); ``day_first`` is the member's numeric date order.
    """
    try:
        return _read_date(phrase, now=now, timezone=timezone, prefer=prefer, day_first=day_first)
    except Exception:  # dateparser on odd input must never break a command
        _log.debug("read_date failed", exc_info=True)
        return None


def _read_date(phrase: str, *, now: datetime, timezone: str, prefer: Prefer, day_first: bool) -> date | None:
    """The body of `read_date`, free to raise."""
    p = normalise_phrase(phrase)
    if not p or len(p) > 60:
        return None
    local = local_now(now, timezone)
    today = local.date()
    fast = read_fast(p, today, prefer, day_first)
    if fast is not _UNKNOWN:
        return fast  # type: ignore[return-value]
    return _read_with_dateparser(p, local, prefer, day_first)


class _Unknown:
    """Marks "no fast rule matched": distinct from None, which means "matched, but impossible"."""


_UNKNOWN = _Unknown()


def read_fast(p: str, today: date, prefer: Prefer, day_first: bool) -> date | _Unknown | None:
    """The small rules, in order; `_UNKNOWN` when none of them applies."""
    for rule in _FAST_RULES:
        result = rule(p, today, prefer, day_first)
        if result is not _UNKNOWN:
            return result
    return _UNKNOWN


def _simple_words(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """today, tonight, tomorrow, yesterday, the day after tomorrow, last night, this morning."""
    table = {
        "today": 0, "tonight": 0, "now": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
        "earlier today": 0, "later today": 0, "end of day": 0, "tomorrow": 1, "tomorrow morning": 1,
        "the day after tomorrow": 2, "day after tomorrow": 2, "yesterday": -1, "last night": -1,
        "the day before yesterday": -2, "day before yesterday": -2,
    }  # fmt: skip
    if p in table:
        return today + timedelta(days=table[p])
    return _UNKNOWN


def _iso_and_numeric(p: str, today: date, prefer: Prefer, day_first: bool) -> date | _Unknown | None:
    """2026-12-03; 12/3, 12/03/2026, 12-3-26 in the member's order; 12.3. and 25/3 are day first always."""
    if (m := _ISO_RE.match(p)) is not None:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC_RE.match(p)
    if m is None:
        return _UNKNOWN
    a, sep, b = int(m[1]), m[2], int(m[3])
    year = None if m[4] is None else int(m[4]) + (2000 if len(m[4]) == 2 else 0)
    first_is_day = day_first or sep == "." or a > 12
    if b > 12 and a <= 12:
        first_is_day = False
    day, month = (a, b) if first_is_day else (b, a)
    return _month_day(month, day, year, today, prefer)


def _month_names(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """Dec 3, 3 Dec, the 3rd of December, mid-January, end of March, May (the 1st)."""
    if (m := _MONTH_DAY_RE.match(p)) is not None:
        return _month_day(MONTHS[m[1]], int(m[2]), int(m[3]) if m[3] else None, today, prefer)
    if (m := _DAY_MONTH_RE.match(p)) is not None:
        return _month_day(MONTHS[m[2]], int(m[1]), int(m[3]) if m[3] else None, today, prefer)
    if (m := _MONTH_PART_RE.match(p)) is not None:
        part, month = m[1] or "", MONTHS[m[2]]
        if m[3]:
            year = int(m[3])
        else:
            later = (month >= today.month) if prefer == "future" else (month <= today.month)
            year = today.year if later else today.year + (1 if prefer == "future" else -1)
        last = calendar.monthrange(year, month)[1]
        day = 15 if part.startswith("mid") else last if part.startswith(("late", "end", "last")) else 1
        return date(year, month, day)
    return _UNKNOWN


def _ordinal(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """The 15th: the next (or last) 15th of a month."""
    m = _ORDINAL_RE.match(p)
    if m is None:
        return _UNKNOWN
    day = int(m[1])
    if not 1 <= day <= 31:
        return None
    probe = today.replace(day=1)
    for _ in range(14):
        candidate = _safe_date(probe.year, probe.month, day)
        if candidate is not None and (candidate >= today if prefer == "future" else candidate <= today):
            return candidate
        probe = add_months(probe, 1 if prefer == "future" else -1)
    return None


def _relative(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """in 3 days, in three weeks, in a couple of months, 2 weeks from now, a week ago."""
    m = _RELATIVE_RE.match(p)
    if m is None:
        return _UNKNOWN
    count_word = " ".join(m[1].split())
    count = int(count_word) if count_word.isdigit() else NUMBER_WORDS[count_word]
    unit = m[2].rstrip("s") if m[2] not in ("mos",) else "mo"
    sign = -1 if (m[3] or "").strip() == "ago" else 1
    if not p.startswith("in ") and not m[3] and prefer == "past":
        sign = -1  # "met: 2 days" is odd; read it as ago
    if unit in UNIT_DAYS:
        return today + timedelta(days=sign * count * UNIT_DAYS[unit])
    return add_months(today, sign * count * UNIT_MONTHS[unit])


def _weekday(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """Friday, next tue, this thu, last Monday, Tuesday next week."""
    m = _WEEKDAY_RE.match(p)
    if m is None:
        return _UNKNOWN
    qualifier, target, week = (m[1] or "").replace("this coming", "coming"), WEEKDAY_INDEX[m[2]], m[3]
    ahead = (target - today.weekday()) % 7
    if week == "next week":
        monday = today + timedelta(days=7 - today.weekday())
        return monday + timedelta(days=target)
    if qualifier == "last" or (not qualifier and prefer == "past"):
        back = (today.weekday() - target) % 7 or 7
        return today - timedelta(days=back)
    if qualifier == "this" or week == "this week":
        return today + timedelta(days=ahead)
    if qualifier in ("the following", "following"):
        return today + timedelta(days=(ahead or 7) + 7)
    return today + timedelta(days=ahead or 7)


def _periods(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """next week (its Monday), this week (its Friday), next month (the same day), the weekend."""
    m = _PERIOD_RE.match(p)
    if m is None:
        return _UNKNOWN
    if m[4] or m[5]:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return saturday + timedelta(days=14) if m[5] else saturday
    when, which, unit = m[1] or "", m[2], m[3]
    if unit == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return saturday if which == "this" else saturday + timedelta(days=7)
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "this":
            return monday + timedelta(days=4) if when else max(today, monday + timedelta(days=4))
        if when == "early":
            return monday + timedelta(days=7)
        return today + timedelta(
            days=7
        )  # "next week": a week from today, as dateparser (and the digests) read it
    if unit == "month":
        if which == "this":
            return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        start = add_months(today.replace(day=1), 1)
        return start if when == "early" else add_months(today, 1)
    return date(
        today.year + (0 if which == "this" else 1), 1 if which != "this" else 12, 1 if which != "this" else 31
    )


def _end_of(p: str, today: date, prefer: Prefer, _df: bool) -> date | _Unknown | None:
    """End of day/week (Friday)/month/quarter/year; "next" moves one period on."""
    m = _END_OF_RE.match(p)
    if m is None:
        return _UNKNOWN
    nxt = (m[1] or m[3] or "").strip() == "next"
    unit = m[2] or m[4]
    if unit == "day":
        return today
    if unit == "week":
        if prefer == "past" and not nxt:
            return today - timedelta(days=(today.weekday() - 4) % 7)
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        return friday + timedelta(days=7) if nxt else friday
    if unit == "quarter":
        quarter_end = ((today.month - 1) // 3 + 1) * 3 + (3 if nxt else 0)
        year, month = today.year + (quarter_end - 1) // 12, (quarter_end - 1) % 12 + 1
        return date(year, month, calendar.monthrange(year, month)[1])
    if unit == "month":
        first = add_months(today.replace(day=1), 1 if nxt else 0)
        end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        if prefer == "past" and not nxt and end > today:
            end = today.replace(day=1) - timedelta(days=1)
        return end
    return date(today.year + (1 if nxt else 0), 12, 31)


_FAST_RULES: tuple[Callable[[str, date, Prefer, bool], date | _Unknown | None], ...] = (
    _simple_words,
    _iso_and_numeric,
    _weekday,
    _relative,
    _month_names,
    _ordinal,
    _periods,
    _end_of,
)


def _read_with_dateparser(p: str, local: datetime, prefer: Prefer, day_first: bool) -> date | None:
    """The slow path: only phrases with a real date word ("a" is a date to dateparser, "5" is May)."""
    words = set(re.findall(r"[a-z]+", p))
    if not (words & DATE_WORDS or _AMPM_RE.search(p)):
        return None
    settings = {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": local,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY" if day_first else "MDY",
    }
    parsed = dateparser.parse(p, languages=["en"], settings=settings)
    if parsed is None:
        return None
    result = parsed.date()
    if abs(result.year - local.year) > 3:  # "Dec 45" comes back as 2045: a misread, not a date
        return None
    return result


_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: date, today: date) -> str:
    """Format as "Mon 2 Nov" (plus the year when it is not this year), independent of the process locale."""
    text = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"
