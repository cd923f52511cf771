"""Reading one free line: split it into clauses and give each clause to the rule that recognises it.

The opening clause names the people (and often the company and event); each later clause is, in
this order, a keep-in-touch rhythm, "at <event/company>", "from <company>", where they work, a
role, a next step, a bare date, the company ("Jane Doe, Acme"), or else a note.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from nameparser.config import CONSTANTS

from bot.parsing.people import (
    Head,
    Someone,
    first_outside,
    is_name_like,
    merge_name_list,
    outside_parens,
    place_at,
    read_head,
    suffix_merge,
)
from bot.parsing.roles import (
    is_all_title,
    is_title_word,
    looks_like_event,
    split_title,
    starts_like_title,
    title_case,
)
from bot.parsing.spans import find_dates
from bot.parsing.steps import Step, is_date_only, read_rhythm, read_step
from bot.parsing.text import fold, tidy
from bot.parsing.words import ACTIVITY_OF, ACTIVITY_RE, EVENT_WORDS, LEADING_VERB_RE
from bot.records import Connection, Doubt, Owner

_ABBREVIATIONS = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "mx",
    "prof",
    "st",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "vs",
    "etc",
    "no",
}
_SPLIT_RE = re.compile(
    r"\s*[,;]\s*|\s+[—–]\s*|\s*[—–]\s+|\s+-\s+|\s*\|\s*|[.!?]+\s+(?=\S)"
    r"|\s+(?:and\s+then|then|also|plus|but)\s+(?=\S)"
    r"|\s+(?:and|so)\s+(?=(?:she|he|they|i|we|let's|lets)(?:\b|'))"
    r"|\s+(?=(?:she|he|they)(?:'ll|'d|\s+(?:wants|needs|will|asked|said|would|is\s+going|promised|might|could)\b))"
    r"|\s+(?=(?:i'll|i\s+will|i\s+need\s+to|i\s+promised|i\s+should|let's|lets|we'll|we\s+should)\b)"
    r"|\s+(?=(?:fol+ow[\s-]*up|f/u|next\s+steps?|ns:)(?:\b|\s|$))"
    r"|\s+(?=who\s+(?:works|is|'s|runs|leads|heads|does)\b)"
    r"|\s+(?=(?:said|says|mentioned|told\s+me)\s)"
    r"|\s+(?=(?:wants|needs|asked|would\s+like|is\s+looking\s+for|is\s+interested\s+in)\s)"
    r"|\s+(?=ill\s+(?:send|call|email|intro|introduce|ping|share|follow|book|set|get|write|text)\b)",
    re.IGNORECASE,
)
_PAST_RE = re.compile(r"\b(?:yesterday|last|ago|this\s+morning|earlier|tonight|today)\b", re.IGNORECASE)
_FILLER = {
    "great", "nice", "good", "lovely", "interesting", "fun", "chat", "talk", "talked", "really", "very", "super",
    "awesome", "cool", "amazing", "wonderful", "loved", "liked", "about", "re", "regarding", "chatted", "met",
    "guy", "girl", "person", "lady", "dude", "folks", "people", "we", "us", "discussed", "said", "seems",
}  # fmt: skip
_WORKS_RE = re.compile(
    r"^(?:(?:she|he|they)(?:'s|\s+is|\s+are|'re)?\s+|who\s+(?:is\s+|'s\s+)?)?(?:works?|working|is)\s+(?:at|for|with)\s+(.+)$",
    re.IGNORECASE,
)
_ROLE_RE = re.compile(
    r"^(?:(?:she|he|they)(?:'s|\s+is|\s+are|'re)|who\s+is|who's|works\s+as|working\s+as)\s+(?:an?\s+|the\s+)?(.+)$",
    re.IGNORECASE,
)


@dataclass
class Reading:
    """Everything read from the line so far; the rules fill it, `parse_met` turns it into a Meeting."""

    today: date
    day_first: bool
    now_args: dict[str, object]
    region: str = "US"
    head: Head = field(default_factory=Head)
    activity: str | None = None
    steps: list[Step] = field(default_factory=list)
    met_on: date | None = None
    met_on_unreadable: str | None = None
    rhythm: int | None = None
    connection: Connection | None = None
    notes: list[str] = field(default_factory=list)  # clauses no rule recognised (each gets a doubt)
    topics: list[str] = field(default_factory=list)  # "about supply chain": notes on purpose
    doubts: list[Doubt] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.head.people)


def split_clauses(text: str) -> list[str]:
    """Clauses of a free line: commas, dashes, sentence ends and "she wants…"/"follow up…" starts."""
    free_at = _outside(text)
    out: list[str] = []
    last = 0
    for m in _SPLIT_RE.finditer(text):
        if not all(free_at[m.start() : m.end()]) or m.start() == 0:
            continue
        if m.group(0).lstrip()[:1] in ".!?":
            word = re.findall(r"[\w]+$", text[last : m.start()])
            if word and (fold(word[0]) in _ABBREVIATIONS or len(word[0]) == 1 or _is_honorific(word[0])):
                continue
        out.append(text[last : m.start()])
        last = m.end()
    out.append(text[last:])
    return _rejoin_subjects([c for c in (c.strip() for c in out) if c])


_LONE_SUBJECT_RE = re.compile(
    r"^(?:and\s+)?(?:(?:she|he|they|we|i)(?:'ll|'d|\s+will|\s+would|\s+should|\s+need\s+to|\s+have\s+to)?"
    r"|let's|lets|(?:(?:she|he|they)\s+)?(?:said|says|mentioned|told\s+me)|will|to)$"
)


def _is_honorific(word: str) -> bool:
    """ "Rev.", "Fr.", "Sgt.", "Capt.": a short title nameparser knows, so its full stop ends no sentence."""
    return len(word) <= 5 and fold(word) in CONSTANTS.titles


def _rejoin_subjects(clauses: list[str]) -> list[str]:
    """ "he" + "wants a demo", "I'll" + "follow up…": a lone subject belongs to what follows."""
    out: list[str] = []
    for clause in clauses:
        if out and _LONE_SUBJECT_RE.match(fold(out[-1])):
            out[-1] = f"{out[-1]} {clause}"
        else:
            out.append(clause)
    return out


def _outside(text: str) -> list[bool]:
    """Whether each character is outside brackets (commas inside "(CFO, Acme)" do not split)."""
    return outside_parens(text)


def strip_leading_verb(text: str) -> tuple[str, str | None, str | None]:
    """ "met sarah…", "had coffee with…", "lunch w/…" -> (the rest, the activity, a leading day word)."""
    day = None
    lead = re.match(
        r"^(yesterday|today|this\s+morning|last\s+night|earlier\s+today)[,\s]+", text, re.IGNORECASE
    )
    if lead is not None:
        day, text = lead[1], text[lead.end() :]
    activity = ACTIVITY_RE.match(text)
    if activity is not None and text[activity.end() :].strip():
        noun = " ".join(fold(activity[1]).split())
        return (
            text[activity.end() :],
            {
                "beer": "drinks",
                "beers": "drinks",
                "video call": "call",
                "chat": None,
                "meeting": None,
                "zoom": "call",
            }.get(noun, noun),
            day,
        )
    m = LEADING_VERB_RE.match(text)
    if m is None:
        return _misspelt_met(text), None, day
    verb = " ".join(fold(m.group(0)).strip(" :,-").split())
    verb = re.sub(r"^(?:today|yesterday|this morning|earlier|finally|also)[, ]+", "", verb)
    verb = re.sub(r"^i\s+(?!met)", "", verb)
    rest = text[m.end() :]
    if not rest.strip():
        return text, None, day
    return rest, ACTIVITY_OF.get(verb), day


def _misspelt_met(text: str) -> str:
    """ "metn Tom Baker", "mte Jane": a lower-case first word one letter off "met" is the verb."""
    first, _, rest = text.partition(" ")
    plausible = rest and first.islower() and first not in ("me", "mr", "ms") and 2 <= len(first) <= 4
    if plausible and difflib.SequenceMatcher(None, first, "met").ratio() >= 0.75:
        return rest
    return text


# Asides after the person: what it was about, who introduced them. Kept in the notes, on purpose.
_ASIDE_RE = re.compile(
    r"\s+(?:about|re:|regarding|via|through|thanks\s+to|introduced\s+by|intro'?d\s+by|referred\s+by)\s+",
    re.IGNORECASE,
)


def read_opening(reading: Reading, clause: str) -> None:
    """The first clause: people, their company/title/event, and a day said with them ("jane yesterday")."""
    about = first_outside(_ASIDE_RE, clause)
    if about is not None:
        reading.topics.append(clause[about.start() :].strip())
        clause = clause[: about.start()]
    spans = find_dates(clause, today=reading.today, prefer="past", day_first=reading.day_first, typos=False)
    for span in reversed(spans):
        if _inside_brackets(clause, span.start):
            continue
        if span.day is None:
            reading.warnings.append(f"I couldn't read “{span.phrase}” as the day you met, so I used today.")
            reading.doubts.append(Doubt("met_on", f"I couldn't read “{span.phrase}” as a date."))
        else:
            _day_in_opening(reading, span.day)
        clause = clause[: span.start] + " " + clause[span.end :]
    head = read_head(clause, has_activity=reading.activity is not None)
    reading.head = head
    if head.at_doubt is not None:
        _doubt_at(reading, head)


def _day_in_opening(reading: Reading, day: date) -> None:
    """A day said with the person: the day they met, or — "coffee with Tom tomorrow" — the next step's."""
    if day <= reading.today:
        reading.met_on = reading.met_on or day
        return
    text = (reading.activity or "follow up").capitalize()
    owner: Owner = "both" if reading.activity else "me"
    reading.steps.append(Step(text=text, owner=owner, due=day, generic=reading.activity is None))
    reading.activity = None


def _inside_brackets(text: str, at: int) -> bool:
    """Whether position `at` is inside (…)."""
    return text[:at].count("(") > text[:at].count(")")


def _doubt_at(reading: Reading, head: Head) -> None:
    """Say which reading of "at X" was taken, so the member can swap it in the form."""
    place = head.at_doubt
    if head.event == place:
        reading.doubts.append(
            Doubt("event", f"I took “{place}” as the event — if it's their company, fix it.")
        )
    else:
        reading.doubts.append(
            Doubt("company", f"I took “{place}” as their company — if it was the event, fix it.")
        )


def _set_title(reading: Reading, title: str | None, company: str | None) -> None:
    """A role said in a later clause: for the last person without one (and their company if given)."""
    people = reading.head.people
    if not people:
        return
    target = next((p for p in reversed(people) if p.title is None), people[-1])
    target.title = target.title or tidy(title)
    if company:
        if looks_like_event(company) and any(p.company for p in people):
            reading.head.event = reading.head.event or tidy(company)
        else:
            _set_company(people, company)


def _set_company(people: list[Someone], company: str) -> None:
    """Give everyone without a company this one."""
    for person in people:
        if person.company is None:
            person.company = tidy(company)


def read_clause(reading: Reading, clause: str, index: int, *, keep: bool = True) -> bool:
    """One later clause, given to the first rule that recognises it; else (with `keep`) kept in the
    notes. Returns whether a rule recognised it."""
    text = clause.strip()
    days, text = read_rhythm(text)
    if days is not None:
        reading.rhythm = days
        if not tidy(text):
            return True
    for rule in _CLAUSE_RULES:
        if rule(reading, text, index):
            return True
    if keep and tidy(text):
        reading.notes.append(tidy(text) or text)
    return days is not None


def _at_rule(reading: Reading, text: str, _index: int) -> bool:
    """ "at the saastr mixer", "@ Globex"."""
    m = re.match(r"^(?:at|@)\s*(.+)$", text, re.IGNORECASE)
    if m is None or not reading.head.people:
        return False
    head = reading.head
    before = (head.event, head.at_doubt)
    if head.event is not None and head.event == head.at_doubt and not any(p.company for p in head.people):
        # "Jane at Acme, at the BNI breakfast": the first "at" was the company after all.
        _set_company(head.people, head.event)
        head.event, head.at_doubt = None, None
        reading.doubts = [d for d in reading.doubts if d.field != "event"]
        before = (None, None)
    if head.event is not None:
        reading.notes.append(text)
        return True
    marker = "@" if text.startswith("@") else "at"
    place_at(reading.head, m[1], has_activity=reading.activity is not None, marker=marker)
    if reading.head.at_doubt is not None and reading.head.at_doubt != before[1]:
        _doubt_at(reading, reading.head)
    return True


def _from_rule(reading: Reading, text: str, _index: int) -> bool:
    """ "from Acme", "of Globex", "works at Stripe", "who works for Acme"."""
    m = re.match(r"^(?:from|of|with)\s+(.+)$", text, re.IGNORECASE) or _WORKS_RE.match(text)
    if m is None or not reading.head.people:
        return False
    _set_company(reading.head.people, m[1])
    return True


def _role_rule(reading: Reading, text: str, _index: int) -> bool:
    """ "CFO @ Globex", "VP Sales at Telefónica", "founder of Acme", "she's head of growth"."""
    m = _ROLE_RE.match(text)
    role = m[1] if m is not None and starts_like_title(m[1]) else text
    title, company = split_title(role)
    if not (starts_like_title(role) or is_all_title(title or "")):
        return _runs_rule(reading, text) or _company_then_role(reading, text)
    if re.match(r"^\s*(?:call|send|email)\b", role, re.IGNORECASE):
        return False
    _set_title(reading, title, company)
    return True


_RUNS_RE = re.compile(
    r"^(?:she|he|they|who)\s+(?:runs|leads|heads|manages|handles|looks\s+after|is\s+in\s+charge\s+of|does)\s+"
    r"(.+?)\s+(?:at|for|@)\s+(.+)$",
    re.IGNORECASE,
)


def _runs_rule(reading: Reading, text: str) -> bool:
    """ "he runs partnerships at Rappi": the company, and what they run as the role."""
    m = _RUNS_RE.match(text)
    if m is None:
        return False
    _set_title(reading, title_case(m[1]), m[2])
    return True


def _company_then_role(reading: Reading, text: str) -> bool:
    """ "Alibaba founder", "Acme CEO": a company, then the role, in a short clause."""
    words = text.split()
    if (
        not 2 <= len(words) <= 4
        or not is_title_word(words[-1])
        or any(p.company for p in reading.head.people)
    ):
        return False
    if any(is_title_word(w) for w in words[:-1]) or not words[0][:1].isupper():
        return False
    _set_title(reading, words[-1], " ".join(words[:-1]))
    return True


def _step_rule(reading: Reading, text: str, _index: int) -> bool:
    """A next step: "she wants intro to our cto", "I'll send the deck", "follow up next tue"."""
    step = read_step(
        text, today=reading.today, now_args=reading.now_args, day_first=reading.day_first, names=reading.names
    )
    if step is None:
        return False
    reading.steps.append(step)
    return True


def _date_rule(reading: Reading, text: str, _index: int) -> bool:
    """A bare date: the day they met when it is in the past ("yesterday"), else when to follow up."""
    span = is_date_only(text, today=reading.today, prefer="future", day_first=reading.day_first)
    if span is None:
        return False
    if _PAST_RE.search(span.phrase):
        past = is_date_only(text, today=reading.today, prefer="past", day_first=reading.day_first)
        reading.met_on = reading.met_on or (past.day if past else span.day)
    else:
        reading.steps.append(Step(text=None, owner=None, due=span.day, generic=True))
    return True


def _company_rule(reading: Reading, text: str, index: int) -> bool:
    """ "Jane Doe, Acme Corp": a short clause right after the name is the company."""
    people = reading.head.people
    if index > 3 or reading.steps or not people or any(p.company for p in people):
        return False
    words = [fold(w).strip(".,!?") for w in text.split()]
    if not words or len(words) > 6 or any(w in _FILLER for w in words):
        return False
    at = first_outside(re.compile(r"\s+(?:at|@)\s+", re.IGNORECASE), text)
    if at is None:
        _set_company(people, text)
    elif text[: at.start()].islower() and len(words[: len(text[: at.start()].split())]) <= 3:
        _set_title(reading, text[: at.start()], text[at.end() :])  # "curator at the British Museum"
    else:
        _set_company(people, text[: at.start()])
        reading.head.event = reading.head.event or tidy(text[at.end() :])
    return True


def _event_rule(reading: Reading, text: str, index: int) -> bool:
    """ "Jane – Acme – the London mixer": a short clause naming a gathering is the event."""
    head = reading.head
    if head.event is not None or not head.people or len(text.split()) > 6 or re.search(r"\s(?:at|@)\s", text):
        return False
    words = {fold(w).strip(".,!?") for w in text.split()}
    known_company = any(p.company for p in head.people)
    if words & EVENT_WORDS and not re.match(r"^(?:she|he|they|i|we)\b", fold(text)):
        head.event = tidy(text)
        return True
    if known_company and re.match(r"^the\s", fold(text)):
        head.event = tidy(text)
        return True
    return False


_CONNECTION_RE = re.compile(
    r"^(?:(?:connection|vibe|rapport)\s*[:=-]?\s*(strong|ok|okay|weak)|(strong|weak|good|great|ok|okay)\s+"
    r"(?:connection|vibe|rapport))$",
    re.IGNORECASE,
)


def _connection_rule(reading: Reading, text: str, _index: int) -> bool:
    """ "connection strong", "great connection", "weak vibe"."""
    m = _CONNECTION_RE.match(text.strip(" .!"))
    if m is None:
        return False
    word = fold(m[1] or m[2])
    reading.connection = {"okay": "ok", "good": "strong", "great": "strong"}.get(word, word)  # type: ignore[assignment]
    return True


def _dated_rule(reading: Reading, text: str, _index: int) -> bool:
    """A few words and a date ("llamar 20/1", "the contract by dec 3"): a next step with that date."""
    spans = find_dates(
        text, today=reading.today, prefer="future", day_first=reading.day_first, trailing_only=True
    )
    if not spans or spans[-1].day is None:
        return False
    rest = tidy(text[: spans[-1].start])
    if rest is None or len(rest.split()) > 6:
        return False
    reading.steps.append(Step(text=rest, owner="me", due=spans[-1].day))
    return True


def _name_first(clauses: list[str]) -> list[str]:
    """ "the CEO of Acme, John Smith" -> "John Smith", "CEO of Acme": the name leads."""
    if len(clauses) > 1:
        role = re.match(r"^(?:the|a|an|their|our)\s+(.+)$", clauses[0], re.IGNORECASE)
        if role is not None and starts_like_title(role[1]) and is_name_like(clauses[1]):
            return [clauses[1], role[1], *clauses[2:]]
    return clauses


def _aside_rule(reading: Reading, text: str, _index: int) -> bool:
    """ "via Bob", "intro'd by Sam", "about pricing": a note the member meant to keep."""
    if _ASIDE_RE.match(" " + text) is None:
        return False
    reading.topics.append(text)
    return True


def _met_rule(reading: Reading, text: str, index: int) -> bool:
    """ "met last tuesday at BNI": the day they met, and where."""
    m = re.match(r"^(?:we\s+)?met\s+(.+)$", text, re.IGNORECASE)
    if m is None:
        return False
    rest = m[1]
    spans = find_dates(rest, today=reading.today, prefer="past", day_first=reading.day_first)
    for span in reversed([s for s in spans if s.day is not None]):
        reading.met_on = reading.met_on or span.day
        rest = rest[: span.start] + " " + rest[span.end :]
    rest = " ".join(rest.split())
    if rest:
        read_clause(reading, rest, index)
    return True


def read_line(reading: Reading, text: str) -> None:
    """The opening segment of the command: a free line, or the grammar's `Name (Company) at Event`."""
    text = re.sub(r"\bw/\s*", "with ", text, flags=re.IGNORECASE)
    text, activity, day = strip_leading_verb(text.strip())
    reading.activity = activity
    clauses = _name_first(merge_name_list(suffix_merge(split_clauses(text))))
    if not clauses:
        return
    read_opening(reading, clauses[0])
    if day is not None and reading.met_on is None:
        spans = find_dates(day, today=reading.today, prefer="past", day_first=reading.day_first)
        reading.met_on = spans[0].day if spans else None
    for index, clause in enumerate(clauses[1:], start=1):
        read_clause(reading, clause, index)


_CLAUSE_RULES = (
    _aside_rule,
    _met_rule,
    _at_rule,
    _from_rule,
    _connection_rule,
    _role_rule,
    _step_rule,
    _date_rule,
    _event_rule,
    _company_rule,
    _dated_rule,
)
