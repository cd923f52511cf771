"""Who was met: the names, their company and title, and the event — from the opening of the line.

"sarah from stripe at the saastr mixer", "Jane Doe (Acme) at BNI", "Jane and Bob from Acme",
"Hugo, Chloé and Paul at VivaTech", "Dr. José Álvarez-Ruiz, CFO @ Globex", "Isabel Díaz VP Sales".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.parsing.roles import (
    is_suffix,
    is_title_word,
    looks_like_company,
    looks_like_event,
    split_title,
    starts_like_title,
)
from bot.parsing.text import drop_emoji, fold, tidy

_NAME_STOP = {
    "the", "a", "an", "to", "for", "with", "she", "he", "they", "i", "we", "her", "him", "them", "our",
    "my", "about", "who", "that", "is", "was", "wants", "will", "next", "follow", "at", "from", "of", "by",
    "on", "in", "and", "or", "but", "up", "so", "it", "this", "there",
}  # fmt: skip
_PEOPLE_SPLIT_RE = re.compile(
    r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&|\+|y|et|und|e|en|och|og|i)\s+", re.IGNORECASE
)
_COMPANY_MARK_RE = re.compile(r"\s+(?:from|of|with|w/)\s+|\s+[-–—|]\s+|\s*@\s+", re.IGNORECASE)
_AT_RE = re.compile(r"\s+(?:at|@)\s+|\s+@(?=\S)", re.IGNORECASE)
_HANDLE_RE = re.compile(r"^@([\w][\w.\-]*)")


@dataclass
class Someone:
    """One person as read so far."""

    name: str
    company: str | None = None
    title: str | None = None


@dataclass
class Head:
    """What the opening clause said: the people, and perhaps the event or a title or company for all."""

    people: list[Someone] = field(default_factory=list)
    event: str | None = None
    at_doubt: str | None = None  # the "at X" text when it could be the company or the event


def outside_parens(text: str) -> list[bool]:
    """For each character, whether it sits outside (…) brackets."""
    depth = 0
    out: list[bool] = []
    for ch in text:
        if ch == "(":
            depth += 1
            out.append(False)
        elif ch == ")" and depth > 0:
            depth -= 1
            out.append(False)
        else:
            out.append(depth == 0)
    return out


def first_outside(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of `pattern` that is not inside brackets."""
    free = outside_parens(text)
    for m in pattern.finditer(text):
        if all(free[m.start() : m.end()]):
            return m
    return None


def lift_brackets(text: str) -> tuple[str, list[str]]:
    """Text without its (…) groups, and the groups' contents; an unclosed "(" runs to the end."""
    groups: list[str] = []
    out: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            if depth > 0:
                current.append(ch)
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                groups.append("".join(current))
                current = []
                out.append(" ")
            else:
                current.append(ch)
        elif depth > 0:
            current.append(ch)
        else:
            out.append(ch)
    if depth > 0:
        groups.append("".join(current))
    return "".join(out), groups


def is_name_like(text: str) -> bool:
    """A short run of words that could be a person's name (any script, any case)."""
    words = text.split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in text):
        return False
    folded = [fold(w).strip(".,") for w in words]
    return not any(w in _NAME_STOP or is_title_word(w) for w in folded)


def _split_names(part: str) -> list[str]:
    """ "Jane and Bob", "Hugo, Chloé and Paul", "Jane & Bob" -> the names; a lone name stays whole."""
    pieces: list[str] = []
    for piece in (p for p in _PEOPLE_SPLIT_RE.split(part) if p and p.strip()):
        if pieces and is_suffix(piece):
            pieces[-1] = f"{pieces[-1]}, {piece.strip()}"
        else:
            pieces.append(piece)
    if len(pieces) == 1:
        return pieces
    if len(pieces) > 1 and all(is_name_like(p) for p in pieces):
        return pieces
    return [part]


def _name_and_title(text: str) -> tuple[str, str | None]:
    """Split a role off a name: "Isabel Díaz VP Sales" -> ("Isabel Díaz", "VP Sales"); "CFO Jane" too."""
    words = text.split()
    for k in range(1, len(words)):
        if is_title_word(words[k]) and (fold(words[k]).strip(".") not in _SOFT_TITLE or k + 1 < len(words)):
            if all(is_title_word(w) or fold(w) in ("of", "&", "and") or w[:1].isupper() for w in words[k:]):
                return " ".join(words[:k]), " ".join(words[k:])
    if len(words) > 1 and is_title_word(words[0]) and fold(words[0]).strip(".") not in _SOFT_TITLE:
        return " ".join(words[1:]), words[0]
    return text, None


# Role words that are also surnames; only a role when more role words follow ("Head of Growth").
_SOFT_TITLE = {"head", "lead", "partner", "chief", "owner", "chair", "agent", "rep", "general", "staff"}


def _one_person(text: str) -> Someone | None:
    """A single person: name, and their own "from X" / title if given."""
    company = None
    m = first_outside(_COMPANY_MARK_RE, text)
    if m is not None:
        text, company = text[: m.start()], text[m.end() :]
    text = text.strip()
    handle = _HANDLE_RE.match(text)
    if handle is not None:
        rest = text[handle.end() :].strip()
        text = rest if rest and is_name_like(rest) else handle[1].rstrip(".-")
    name, title = _name_and_title(drop_emoji(text))
    name_clean = tidy(name)
    if name_clean is None:
        return None
    return Someone(name=name_clean, company=tidy(company), title=tidy(title))


def _people(part: str) -> list[Someone]:
    """Everyone named in the names part; a company said once at the end is shared ("Jane and Bob from Acme")."""
    pieces = _split_names_with_companies(part)
    people = [p for p in (_one_person(piece) for piece in pieces) if p is not None]
    if len(people) > 1:
        last = people[-1]
        for person in people[:-1]:
            if person.company is None and last.company and all(p.company is None for p in people[:-1]):
                person.company = last.company
    return people


def _split_names_with_companies(part: str) -> list[str]:
    """Split on and/&/commas, but keep "Procter & Gamble" inside the company it belongs to."""
    mark = first_outside(_COMPANY_MARK_RE, part)
    if mark is None:
        return _split_names(part)
    names, rest = part[: mark.start()], part[mark.start() :]
    pieces = _split_names(names)
    own = re.split(r"\s+(?:and|&)\s+(?=\S+(?:\s+\S+)?\s+(?:from|of|@)\s)", rest, flags=re.IGNORECASE)
    if len(own) > 1 and len(pieces) == 1:
        return [names + own[0], *own[1:]]
    pieces[-1] = pieces[-1] + rest
    return pieces


def read_head(clause: str, *, has_activity: bool) -> tuple[Head, list[str]]:
    """The people and event of the opening clause, plus the (…) groups found in it for the caller."""
    head = Head()
    text, groups = lift_brackets(clause)
    at = first_outside(_AT_RE, text)
    at_part = None
    if at is not None:
        text, at_part = text[: at.start()], text[at.end() :]
    head.people = _people(text)
    for group in groups:
        read_bracket(head, group)
    if at_part is not None and at is not None:
        _place_at(head, at_part, has_activity=has_activity, marker=at.group(0).strip())
    return head, []


def _place_at(head: Head, at_part: str, *, has_activity: bool, marker: str = "at") -> None:
    """ "at X" is the event (the documented grammar), "@ X" the company — unless X says otherwise;
    a doubt when nothing tells them apart."""
    first = head.people[0] if head.people else None
    known_company = any(p.company for p in head.people)
    has_title = any(p.title for p in head.people)
    second = re.search(r"\s+(?:at|@)\s+", at_part, re.IGNORECASE)
    if known_company or first is None or looks_like_event(at_part):
        head.event = tidy(at_part)
    elif second is not None and not looks_like_event(at_part[: second.start()]):
        _set_company(head, at_part[: second.start()])
        head.event = tidy(at_part[second.end() :])
    elif has_title or looks_like_company(at_part):
        _set_company(head, at_part)
    elif marker == "@" and not has_activity:
        _set_company(head, at_part)
        head.at_doubt = tidy(at_part)
    else:
        head.event = tidy(at_part)
        head.at_doubt = tidy(at_part)


def _set_company(head: Head, company: str) -> None:
    """Give everyone without a company this one."""
    for person in head.people:
        if person.company is None:
            person.company = tidy(company)


def read_bracket(head: Head, group: str) -> str | None:
    """ "(Acme)", "(CFO)", "(CFO, Acme)", "(CFO @ Acme)": fill title/company; returns what was not used."""
    text = group.strip()
    if not text or not head.people:
        return text or None
    target = head.people[-1] if len(head.people) == 1 else None
    if is_suffix(text):
        for person in head.people:
            person.name = f"{person.name} {text}"
            break
        return None
    if starts_like_title(text):
        title, company = split_title(text)
        for person in [target] if target else head.people:
            person.title = person.title or tidy(title)
            if company:
                person.company = person.company or tidy(company)
        return None
    for person in [target] if target else head.people:
        person.company = person.company or tidy(text)
    return None


def suffix_merge(clauses: list[str]) -> list[str]:
    """Glue "Jr.", "PhD", "Inc." back onto the clause before the comma that separated them."""
    out: list[str] = []
    for clause in clauses:
        if out and (
            is_suffix(clause) or fold(clause).strip(" .") in ("inc", "ltd", "llc", "co", "corp", "gmbh")
        ):
            out[-1] = f"{out[-1]}, {clause.strip()}"
        else:
            out.append(clause)
    return out


def merge_name_list(clauses: list[str]) -> list[str]:
    """ "Hugo", "Chloé and Paul at VivaTech" -> one clause "Hugo, Chloé and Paul at VivaTech"."""
    if len(clauses) < 2 or not is_name_like(clauses[0].strip()):
        return clauses
    for i in range(1, len(clauses)):
        piece = clauses[i].strip()
        lead = re.match(r"^(?:and\s+|&\s+)?(.+?)\s+(?:and|&)\s+(\S+)", piece, re.IGNORECASE)
        starts_and = re.match(r"^(?:and|&)\s+(\S+)", piece, re.IGNORECASE)
        if starts_and is not None and is_name_like(starts_and[1]):
            return [", ".join(c.strip() for c in clauses[: i + 1]), *clauses[i + 1 :]]
        if lead is not None and is_name_like(lead[1]) and is_name_like(lead[2]):
            return [", ".join(c.strip() for c in clauses[: i + 1]), *clauses[i + 1 :]]
        if not is_name_like(piece):
            return clauses
    return clauses
