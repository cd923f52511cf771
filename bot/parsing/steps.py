"""The next step, who owns it and when it is due — from free sentences or the `next step:` field.

"she wants an intro to our CTO" means I owe her one (me); "I'll send…" is mine; "he'll send…" is
theirs; "let's…" is both; "follow up next tue" is mine, due that Tuesday. Also the keep-in-touch
rhythm: "every 6 weeks", "monthly", "every 2 months".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from typing import cast

from bot.parsing.dates import NUMBER_WORDS, Prefer, read_date, read_fast
from bot.parsing.spans import DateSpan, find_dates, unreadable_tail
from bot.parsing.text import fold
from bot.records import Owner

_SUBJECT = r"(?:she|he|they|{names})"
_WANTS = (
    r"(?:really\s+)?(?:wants|want|wanted|needs|need|needed|would\s+like|'d\s+like|would\s+love|'d\s+love|asked\s+for"
    r"|asked\s+me\s+for|asked\s+about|is\s+looking\s+for|are\s+looking\s+for|was\s+looking\s+for|is\s+after"
    r"|requested|is\s+interested\s+in|are\s+interested\s+in|interested\s+in|could\s+use|is\s+keen\s+on"
    r"|'s\s+interested\s+in|'re\s+interested\s+in|'s\s+looking\s+for|'re\s+looking\s+for|'s\s+keen\s+on"
    r"|is\s+hoping\s+for|hopes\s+for)"
)
_ASKED_ME_TO = r"(?:asked|wants|wanted|needs|told|would\s+like|'d\s+like)\s+me\s+to"
_ME = (
    r"^(?:i'll|ill|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to|i'm\s+gonna|i\s+need\s+to|i\s+should|i\s+must"
    r"|i\s+have\s+to|i\s+promised\s+to|i\s+owe|i\s+can|i\s+could|i'd|i\s+would|i\s+want\s+to|i\s+offered\s+to"
    r"|i\s+agreed\s+to|i've\s+got\s+to|i\s+got\s+to|i\s+said\s+i'd|i\s+said\s+i\s+would|i'm|i\s+am|i|me\s+to)\b"
)
_THEM_VERBS = (
    r"(?:'ll|\s+will|'s\s+going\s+to|\s+is\s+going\s+to|'re\s+going\s+to|\s+are\s+going\s+to|\s+promised\s+to"
    r"|\s+said\s+(?:she|he|they)'?d|\s+said\s+(?:she|he|they)\s+would|\s+offered\s+to|\s+agreed\s+to|\s+can"
    r"|\s+could|\s+should|\s+might|\s+may|'d|\s+would|\s+plans\s+to|\s+is\s+sending|\s+is\s+going|'s\s+sending"
    r"|'s\s+(?=\w+ing\b)|\s+owes|\s+to\s+send|\s+sends|\s+will\s+send|\s+gonna)"
)
_BOTH = (
    r"^(?:let's|lets|let\s+us|we'll|we\s+will|we're\s+going\s+to|we\s+are\s+going\s+to|we\s+should|we\s+agreed\s+to"
    r"|we'd|we\s+plan\s+to|we\s+need\s+to|we're|we\s+are|we\s+might|we\s+may|we\s+can|both\s+of\s+us|we)\b"
)
_FOLLOW_UP_RE = re.compile(
    r"^(?:fol+ow(?:ing)?[\s-]*up|fol+owup|follwo?\s*up|f/u|fup|circle\s+back|touch\s+base|check\s+in"
    r"|reach\s+out)\b",
    re.IGNORECASE,
)
STEP_VERBS = {
    "send", "call", "email", "e-mail", "mail", "ping", "text", "message", "msg", "dm", "intro", "introduce",
    "schedule", "book", "set", "setup", "arrange", "share", "meet", "connect", "invite", "follow",
    "remind", "pitch", "chase", "ask", "get", "write", "reply", "review", "draft", "prepare", "plan",
    "llamar", "appeler", "anrufen", "enviar", "envoyer", "schicken",
    "visit", "ring", "phone", "whatsapp", "forward", "recommend", "refer", "propose", "quote",
    "offer", "give", "make", "find", "look", "research", "check", "confirm", "sign", "contact", "catch",
    "grab", "organise", "organize", "put", "add", "loop", "cc", "update", "nudge", "buy", "bring", "show",
    "talk", "discuss", "circle", "touch", "reach", "hop", "jump", "do", "try", "submit", "deliver",
}  # fmt: skip
SHARED_NOUNS = {
    "coffee", "lunch", "dinner", "drinks", "breakfast", "brunch", "meeting", "mtg", "call", "catch-up",
    "catchup", "demo", "workshop", "beer", "beers", "zoom", "1:1", "chat", "walk", "golf", "game",
}  # fmt: skip
_ARTICLE_RE = re.compile(r"^(?:an?|the|some|another)\s+", re.IGNORECASE)
_RHYTHM_RE = re.compile(
    r"(?:\b(?:stay|keep|be)\s+in\s+touch\s+|\b(?:check|catch)\s+(?:in|up)\s+|\bping\s+(?:her|him|them)\s+"
    r"|\bfollow\s+up\s+|\breconnect\s+)?"
    r"(?:\b(?:every|each)\s+(other\s+)?(\d{1,3}|[a-z]+(?:\s+of)?)?\s*(day|week|wk|month|mo|quarter|year)s?\b"
    r"|\b(daily|weekly|biweekly|bi-weekly|fortnightly|monthly|bimonthly|bi-monthly|quarterly|yearly|annually"
    r"|twice\s+a\s+year|once\s+a\s+(?:week|month|quarter|year))\b)",
    re.IGNORECASE,
)
_RHYTHM_WORDS = {
    "daily": 1, "weekly": 7, "biweekly": 14, "bi-weekly": 14, "fortnightly": 14, "monthly": 30,
    "bimonthly": 60, "bi-monthly": 60, "quarterly": 90, "yearly": 365, "annually": 365,
    "twice a year": 182, "once a week": 7, "once a month": 30, "once a quarter": 90, "once a year": 365,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "quarter": 90, "year": 365}


@dataclass(frozen=True)
class Step:
    """A next step read from a sentence; `text` None when the sentence was only a date."""

    text: str | None
    owner: Owner | None
    due: date | None = None
    unreadable: str | None = None  # a date phrase meant as the due date that could not be read
    generic: bool = False  # "follow up": carries a date, says nothing more


def _subject(names: tuple[str, ...]) -> str:
    """The subject alternatives: pronouns, plus the first names of the people met."""
    first_names = [re.escape(fold(n).split()[0]) for n in names if n.split()]
    return _SUBJECT.format(names="|".join(first_names) or "she")


def owner_of(text: str, names: tuple[str, ...] = ()) -> tuple[Owner | None, str | None]:
    """Who owns a sentence's action, and the action itself when the wording names it for me ("she wants X")."""
    said = re.match(r"^(?:said|says|mentioned|told\s+me)\s+(?:that\s+)?", fold(text).strip())
    if said is not None and said.end() < len(text.strip()):
        rest = text.strip()[said.end() :]
        owner, rewritten = owner_of(rest, names)
        return owner, (rewritten or rest) if owner else None
    folded = _fix_verb_typo(fold(text).strip())
    subject = _subject(names)
    if (
        m := re.match(r"^(?:also\s+)?(?:need|needs|have|got|must|should)\s+(?:to\s+)?(?=\w)", folded)
    ) is not None:
        return "me", text[m.end() :]
    if (m := re.match(rf"^(?:{subject}\s+)?{_ASKED_ME_TO}\s+", folded)) is not None:
        return "me", text[m.end() :]
    if (m := re.match(rf"^(?:{subject}\s*)?(?:also\s+)?{_WANTS}\s+", folded)) is not None:
        return "me", _ARTICLE_RE.sub("", text[m.end() :])
    if re.match(_ME, folded):
        return "me", None
    if re.match(rf"^{subject}{_THEM_VERBS}", folded):
        return "them", None
    if re.match(_BOTH, folded):
        return "both", None
    return None, None


_KEY_VERBS = ("wants", "needs", "asked", "would", "will", "promised")


def _fix_verb_typo(folded: str) -> str:
    """ "she wnats…", "he neds…": the word after a pronoun, if a letter-swap off a key verb, as meant.
    Same length only, so offsets into the original text stay valid."""
    m = re.match(r"^(she|he|they)\s+([a-z]{4,9})\b", folded)
    if m is None or m[2] in _KEY_VERBS:
        return folded
    close = difflib.get_close_matches(m[2], _KEY_VERBS, n=1, cutoff=0.75)
    if not close or len(close[0]) != len(m[2]):
        return folded
    return folded[: m.start(2)] + close[0] + folded[m.end(2) :]


def _kind_of_sentence(text: str) -> Owner | bool | None:
    """For a sentence without a subject: me for an imperative ("send the deck"), both for a plan
    ("coffee thursday"), False when it is not an action at all."""
    folded = fold(text).strip()
    first = re.split(r"[\s,:]+", folded, maxsplit=1)[0] if folded else ""
    if _FOLLOW_UP_RE.match(folded) or first in STEP_VERBS:
        return "me"
    if first in SHARED_NOUNS:
        return "both"
    return False


_IN_A_MONTH_RE = re.compile(
    r"^in\s+(?:early\s+|mid[\s-]?|late\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?$",
    re.IGNORECASE,
)


def _weekday_at_the_end(text: str, today: date, day_first: bool) -> list[DateSpan]:
    """ "follow up wed", "call her sat": a short weekday closing a free next step is its date."""
    m = re.search(r"\s(wed|sat|sun)[.!]?$", text, re.IGNORECASE)
    if m is None:
        return []
    day = read_fast(m[1].lower(), today, "future", day_first)
    return [DateSpan(m.start(1), m.end(1), m[1], day)] if isinstance(day, date) else []


def lift_due(
    text: str,
    *,
    today: date,
    now_args: dict[str, object],
    day_first: bool,
    anywhere: bool = False,
    strict: bool = False,
) -> tuple[str, date | None, str | None]:
    """Split a date phrase off a next step: (text without it, due date, unreadable phrase).

    Only a trailing date, unless `anywhere` (free sentences: "follow up in 2 weeks about pricing").
    `strict` is the documented `next step:` field, where "a coffee in January" stays text as it always has."""
    spans = find_dates(text, today=today, prefer="future", day_first=day_first, trailing_only=True)
    if strict:
        spans = [s for s in spans if not _IN_A_MONTH_RE.match(s.phrase)]
    elif not spans:
        spans = _weekday_at_the_end(text, today, day_first)
    if not spans and anywhere:
        inner = find_dates(text, today=today, prefer="future", day_first=day_first)
        spans = [s for s in inner if s.day is not None and s.start > 0][:1]
    if spans:
        span = spans[-1]
        if span.day is None:  # meant as a date, but impossible ("32/13"): keep every word, and say so
            return text, None, span.phrase
        rest = " ".join((text[: span.start] + text[span.end :]).split()).rstrip(",;:-–—").strip()
        return (rest or text), span.day, None
    bad = unreadable_tail(text)
    if bad is not None:
        slow = _slow_tail(text, bad, now_args, day_first)
        if slow is not None:
            return slow
        return text, None, bad.phrase.split(maxsplit=1)[-1]
    return text, None, None


def _slow_tail(
    text: str, bad: DateSpan, now_args: dict[str, object], day_first: bool
) -> tuple[str, date | None, str | None] | None:
    """Last try on a phrase after "by/on/before": dateparser, which knows rarer forms."""
    phrase = bad.phrase
    day = read_date(phrase, prefer="future", day_first=day_first, **now_args)  # type: ignore[arg-type]
    if day is None:
        return None
    rest = text[: bad.start].strip().rstrip(",;:-–—").strip()
    return (rest or text), day, None


def read_step(
    text: str,
    *,
    today: date,
    now_args: dict[str, object],
    day_first: bool,
    names: tuple[str, ...] = (),
    free: bool = True,
    lift: bool = True,
) -> Step | None:
    """A next step from a sentence, or None when the sentence is not one.

    `free` is for the sentences of a free line: a subjectless action is then mine. In the
    `next step:` field (`free=False`) everything is the step and the owner comes only from wording.
    """
    prefix = (
        re.match(r"^\s*(?:next\s+steps?|ns|todo|to\s+do)\s*(?::|-|\s)\s*", text, re.IGNORECASE)
        if free
        else None
    )
    if prefix is not None:
        return _prefixed_step(
            text[prefix.end() :], today=today, now_args=now_args, day_first=day_first, names=names
        )
    label = re.match(r"^\s*(me|them|both)\s*:\s*", text, re.IGNORECASE)
    owner: Owner | None
    if label is not None:
        owner, body = cast(Owner, label[1].lower()), text[label.end() :]
        rewritten = None
    else:
        owner, rewritten = owner_of(text, names)
        body = text
    if rewritten is not None and free:
        body = rewritten
    if owner is None and free:
        kind = _kind_of_sentence(text)
        if kind is False:
            return None
        owner = cast(Owner, kind)
    rest, due, unreadable = body, None, None
    if lift:
        rest, due, unreadable = lift_due(
            body, today=today, now_args=now_args, day_first=day_first, anywhere=free, strict=not free
        )
    rest = rest.strip().rstrip(".!,;:").strip()
    generic = free and bool(_FOLLOW_UP_RE.fullmatch(fold(rest)))
    if generic:
        rest = "Follow up"
    return Step(text=rest or None, owner=owner, due=due, unreadable=unreadable, generic=generic)


def _prefixed_step(
    text: str, *, today: date, now_args: dict[str, object], day_first: bool, names: tuple[str, ...]
) -> Step:
    """ "next step: …" inside a free line: whatever follows is the step; only a date means "follow up"."""
    step = read_step(text, today=today, now_args=now_args, day_first=day_first, names=names)
    if step is not None:
        return step
    rest, due, unreadable = lift_due(text, today=today, now_args=now_args, day_first=day_first)
    if due is not None and rest == text:
        rest = ""
    rest = rest.strip(" .!,;:")
    if not rest or re.fullmatch(r"(?:by|on|before|due)", rest, re.IGNORECASE):
        return Step(text="Follow up", owner="me", due=due, unreadable=unreadable, generic=True)
    return Step(text=rest, owner=owner_of(rest, names)[0], due=due, unreadable=unreadable)


def read_rhythm(text: str) -> tuple[int | None, str]:
    """ "every 6 weeks" -> 42 days, "monthly" -> 30; returns (days, the text without the phrase)."""
    m = _RHYTHM_RE.search(text)
    if m is None:
        return None, text
    if m[4]:
        days = _RHYTHM_WORDS[" ".join(fold(m[4]).split())]
    else:
        count_word = (m[2] or "1").strip()
        count = int(count_word) if count_word.isdigit() else NUMBER_WORDS.get(fold(count_word), 0)
        if count == 0:
            return None, text
        days = count * _UNIT_DAYS[fold(m[3])] * (2 if m[1] else 1)
    return days, (text[: m.start()] + " " + text[m.end() :]).strip()


def is_date_only(text: str, *, today: date, prefer: Prefer, day_first: bool) -> DateSpan | None:
    """The date, when a whole sentence is one ("next tue", "by friday 3pm")."""
    spans = find_dates(text, today=today, prefer=prefer, day_first=day_first, trailing_only=True)
    if spans and not text[: spans[-1].start].strip(" ,.-–—:"):
        return spans[-1]
    return None
