"""Finding a date inside a sentence: which words are the date, so they can be lifted out of the text.

Every run of up to seven words is tried against the fast date rules (never dateparser: it reads
"a" and "5" as dates). Ambiguous single words ("may", "sun", "sat", "wed", "march") count only
after a preposition ("by May", "on wed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.parsing.dates import (
    _UNKNOWN,
    DATE_WORDS,
    Prefer,
    fix_typo,
    normalise_phrase,
    read_fast,
)

_PREPOSITIONS = {"by", "on", "before", "until", "till", "til", "due", "for", "from", "latest", "around"}
_AMBIGUOUS = {"may", "sun", "sat", "wed", "mar", "march", "jan", "jun", "june", "aug", "dec", "oct", "second"}
_TOKEN_RE = re.compile(r"\S+")
_MAX_WORDS = 7


@dataclass(frozen=True)
class DateSpan:
    """Where a date phrase sits in the text, and the day it means (None: meant as a date, unreadable)."""

    start: int
    end: int
    phrase: str
    day: date | None


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Words with their offsets; punctuation at a word's edges is not part of it."""
    out: list[tuple[int, int, str]] = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group(0)
        lead = len(word) - len(word.lstrip("(\"'“"))
        core = word.strip("(\"'“”),;:!?")
        if core.endswith(".") and not re.search(r"\d\.$", core):
            core = core.rstrip(".")
        if not core:
            continue
        start = m.start() + lead
        out.append((start, start + len(core), core))
    return out


def _reads(
    words: list[str], today: date, prefer: Prefer, day_first: bool, typos: bool
) -> date | object | None:
    """The day a run of words means, `_UNKNOWN` if it is no date, None if it is an impossible one."""
    phrase = normalise_phrase(" ".join(words), typos=typos)
    if not phrase:
        return _UNKNOWN
    return read_fast(phrase, today, prefer, day_first)


def _widen(tokens: list[tuple[int, int, str]], first: int) -> int:
    """Take a preposition ("by", "on", "due by") before the date into the span."""
    while first > 0 and tokens[first - 1][2].lower() in _PREPOSITIONS | {"in"}:
        first -= 1
    return first


def find_dates(
    text: str,
    *,
    today: date,
    prefer: Prefer,
    day_first: bool,
    trailing_only: bool = False,
    typos: bool = True,
) -> list[DateSpan]:
    """Every date phrase in the text (longest first wins, left to right), or only one that ends it.

    `typos=False` where names are written: "Sundar" is a name, not a misspelt Sunday."""
    tokens = _tokens(text)
    spans: list[DateSpan] = []
    i = 0
    while i < len(tokens):
        found = _longest_at(tokens, i, today, prefer, day_first, typos)
        if found is None:
            i += 1
            continue
        last, day = found
        first = _widen(tokens, i)
        spans.append(
            DateSpan(tokens[first][0], tokens[last][1], text[tokens[first][0] : tokens[last][1]], day)
        )
        i = last + 1
    if trailing_only:
        spans = [s for s in spans if _only_time_after(text[s.end :])]
    return spans


def _only_time_after(rest: str) -> bool:
    """Whether what follows a date is just a time of day or punctuation ("… friday 3pm!")."""
    return normalise_phrase("tomorrow " + rest) == "tomorrow" or not rest.strip(" .!?,;:)")


def _lone_word_is_no_date(word: str, before: str) -> bool:
    """ "may", "sun", "sat" alone are dates only after "by"/"on"/"next"…; "now" or "week" never alone."""
    word, before = word.lower(), before.lower()
    if word in ("now", "day", "week", "month", "year", "weekend"):
        return True
    return word in _AMBIGUOUS and before not in _PREPOSITIONS | {"next", "this", "in", "early", "mid"}


def _longest_at(
    tokens: list[tuple[int, int, str]], i: int, today: date, prefer: Prefer, day_first: bool, typos: bool
) -> tuple[int, date | None] | None:
    """The longest run of words starting at token i that reads as a date: (last token, day)."""
    words = [t[2] for t in tokens]
    for last in range(min(len(tokens), i + _MAX_WORDS) - 1, i - 1, -1):
        run = words[i : last + 1]
        if len(run) == 1 and _lone_word_is_no_date(run[0], words[i - 1] if i else ""):
            continue
        result = _reads(run, today, prefer, day_first, typos)
        if result is not _UNKNOWN:
            return last, result  # type: ignore[return-value]
    return None


def unreadable_tail(text: str) -> DateSpan | None:
    """A trailing "by flurbsday" / "next tusedy" / "on 32/13": meant as a date, but not one we can read."""
    tokens = _tokens(text)
    for back in (1, 2, 3):
        if len(tokens) <= back:
            break
        lead = tokens[-back - 1][2].lower()
        tail = [t[2] for t in tokens[-back:]]
        if lead in _PREPOSITIONS | {"next", "this"} and looks_like_a_date(" ".join(tail)):
            start = tokens[-back - 1][0]
            return DateSpan(start, tokens[-1][1], text[start : tokens[-1][1]], None)
    return None


def looks_like_a_date(phrase: str) -> bool:
    """Whether a failed phrase was probably meant as a date ("flurbsday", "32/13"), worth a warning."""
    p = phrase.lower().strip(" .!?")
    words = [fix_typo(w) for w in re.findall(r"[a-z]+", p)]
    if any(w in DATE_WORDS or w.endswith(("day", "days")) for w in words):
        return True
    return bool(re.fullmatch(r"(?:the\s+)?\d+(?:st|nd|rd|th)|\d+[/.\-]\d+(?:[/.\-]\d+)?\.?", p))
