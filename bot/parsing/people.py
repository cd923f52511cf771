"""Who was met: the names, their company and title, and the event — from the opening of the line.

"sarah from stripe at the saastr mixer", "Jane Doe (Acme) at BNI", "Jane and Bob from Acme",
"Hugo, Chloé and Paul at VivaTech", "Dr. José Álvarez-Ruiz, CFO @ Globex", "Isabel Díaz VP Sales".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.parsing.roles import (
    is_all_title,
    is_suffix,
    is_title_word,
    looks_like_company,
    looks_like_event,
    split_title,
    starts_like_title,
)
from bot.parsing.text import drop_emoji, fold, tidy
from bot.parsing.words import COMPANY_WORDS

_NAME_STOP = {
    "the", "a", "an", "to", "for", "with", "she", "he", "they", "i", "we", "her", "him", "them", "our",
    "my", "about", "who", "that", "is", "was", "wants", "will", "next", "follow", "at", "from", "of", "by",
    "on", "in", "and", "or", "but", "up", "so", "it", "this", "there",
}  # fmt: skip
_PEOPLE_SPLIT_RE = re.compile(
    r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&|\+|y|et|und|e|en|och|og|i)\s+", re.IGNORECASE
)
_COMPANY_MARK_RE = re.compile(r"\s+(?:from|frm|of|with|w/)\s+|\s+[-–—|]\s+|\s*@\s+", re.IGNORECASE)
_AT_RE = re.compile(r"\s+(?:at|@)\s+|\s+@(?=\S)", re.IGNORECASE)
# "my old colleague Tim", "a guy named Bob", "an investor called Ana": the words before the name.
_DESCRIPTOR_RE = re.compile(
    r"^(?:(?:my|our|an?|the|her|his|their)\s+(?:[\w-]+\s+){0,2}?(?:friend|colleague|mentor|client|customer|contact|buddy"
    r"|neighbou?r|classmate|ex-colleague|investor|founder|guy|woman|man|lady|girl|person|someone|prospect|lead"
    r"|cofounder|co-founder|boss|manager|assistant|partner|husband|wife|team\s?mate)"
    r"(?:\s+(?:named|called))?\s+|(?:someone|somebody)\s+(?:named|called)\s+)",
    re.IGNORECASE,
)
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


def mark_brackets(text: str) -> tuple[str, list[str]]:
    """Text with each (…) group replaced by a marker, and the groups' contents; an unclosed "(" runs
    to the end. Markers keep a group beside the person it was written after."""
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
                out.append(f" \ue000{len(groups)}\ue001 ")
                groups.append("".join(current))
                current = []
            else:
                current.append(ch)
        elif depth > 0:
            current.append(ch)
        else:
            out.append(ch)
    if depth > 0:
        out.append(f" \ue000{len(groups)}\ue001 ")
        groups.append("".join(current))
    return "".join(out), groups


def is_name_like(text: str) -> bool:
    """A short run of words that could be a person's name (any script, any case)."""
    text = _MARK_RE.sub(" ", text)
    words = text.split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in text):
        return False
    folded = [fold(w).strip(".,") for w in words]
    return not any(w in _NAME_STOP or is_title_word(w) for w in folded)


def _split_names(part: str) -> list[str]:
    """ "Jane and Bob", "Hugo, Chloé and Paul", "Jane & Bob" -> the names; a lone name stays whole."""
    pieces: list[str] = []
    for piece in (_DESCRIPTOR_RE.sub("", p.strip()) for p in _PEOPLE_SPLIT_RE.split(part) if p and p.strip()):
        if pieces and is_suffix(_MARK_RE.sub(" ", piece).strip()):
            pieces[-1] = f"{pieces[-1]}, {piece.strip()}"
        else:
            pieces.append(piece)
    if len(pieces) == 1:
        return pieces
    if len(pieces) > 1 and all(is_name_like(p) and fold(p).strip(" .") not in COMPANY_WORDS for p in pieces):
        return pieces
    return [part]


def _role_start(words: list[str]) -> int | None:
    """Where a role begins among a name's words ("Isabel Díaz VP Sales" -> 2), if anywhere."""
    for k in range(1, len(words)):
        word = fold(words[k]).strip(".,")
        if not is_title_word(word):
            continue
        follows = fold(words[k + 1]).strip(".,") if k + 1 < len(words) else ""
        if word not in _SOFT_TITLE or follows == "of" or is_title_word(follows):
            return k
    return None


def _name_and_title(text: str) -> tuple[str, str | None, str | None]:
    """Split a role off a name: (name, title, company): "Lisa Ray Head of Growth", "Karen founder of Bloom"."""
    words = text.split()
    k = _role_start(words)
    if k is not None:
        title, company = split_title(" ".join(words[k:]))
        if company is None:
            title, company = _role_then_company(title or "")
        return " ".join(words[:k]), title, company
    if len(words) > 1 and is_title_word(words[0]) and fold(words[0]).strip(".") not in _SOFT_TITLE:
        return " ".join(words[1:]), words[0], None
    return text, None, None


def _role_then_company(text: str) -> tuple[str | None, str | None]:
    """ "CFO Acme" -> ("CFO", "Acme"); "VP Sales", "Head of Growth" stay whole."""
    words = text.split()
    n = 0
    while n < len(words) and (is_all_title(words[n]) or fold(words[n]) in ("of", "&", "and")):
        n += 1
    if 0 < n < len(words):
        return " ".join(words[:n]), " ".join(words[n:])
    return text or None, None


# Role words that are also surnames; only a role when more role words follow ("Head of Growth").
_SOFT_TITLE = {"head", "lead", "partner", "chief", "owner", "chair", "agent", "rep", "general", "staff"}
_MARK_RE = re.compile("\ue000(\\d+)\ue001")


def _one_person(text: str, groups: list[str]) -> Someone | None:
    """A single person: name, their own "from X", title, and the (…) groups written beside them."""
    own = [groups[int(i)] for i in _MARK_RE.findall(text)]
    text = _MARK_RE.sub(" ", drop_emoji(text))
    name, title, company = _name_and_title(text.strip())
    if title is None:
        m = first_outside(_COMPANY_MARK_RE, name)
        if m is not None:
            name, company = name[: m.start()], name[m.end() :]
            name, title, _ = _name_and_title(name.strip())
    name = _DESCRIPTOR_RE.sub("", name.strip())
    handle = _HANDLE_RE.match(name)
    if handle is not None:
        rest = name[handle.end() :].strip()
        name = rest if rest and is_name_like(rest) else handle[1].rstrip(".-")
    name_clean = tidy(name)
    if name_clean is None:
        return None
    person = Someone(name=name_clean, company=tidy(company), title=tidy(title))
    for group in own:
        read_bracket(person, group)
    return person


def _people(part: str, groups: list[str]) -> list[Someone]:
    """Everyone named in the names part; a company said once at the end is shared ("Jane and Bob from Acme")."""
    pieces = _split_names_with_companies(part)
    people = [p for p in (_one_person(piece, groups) for piece in pieces) if p is not None]
    if len(people) > 1:
        last = people[-1]
        shared = last.company is not None and all(p.company is None for p in people[:-1])
        for person in people[:-1]:
            if shared:
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


def read_head(clause: str, *, has_activity: bool) -> Head:
    """The people and event of the opening clause; each (…) group goes to the person it follows."""
    head = Head()
    text, groups = mark_brackets(clause)
    at = first_outside(_AT_RE, text)
    at_part = None
    if at is not None:
        text, at_part = text[: at.start()], text[at.end() :]
    head.people = _people(text, groups)
    if at_part is not None and at is not None:
        for i in _MARK_RE.findall(at_part):
            if head.people:
                read_bracket(head.people[-1], groups[int(i)])
        at_part = _MARK_RE.sub(" ", at_part)
        place_at(head, at_part, has_activity=has_activity, marker=at.group(0).strip())
    return head


def place_at(head: Head, at_part: str, *, has_activity: bool, marker: str = "at") -> None:
    """ "at X" is the event (the documented grammar), "@ X" the company — unless X says otherwise;
    a doubt when nothing tells them apart."""
    first = head.people[0] if head.people else None
    known_company = any(p.company for p in head.people)
    has_title = any(p.title for p in head.people)
    second = re.search(r"\s+(?:at|@)\s+", at_part, re.IGNORECASE)
    if known_company or first is None:
        head.event = tidy(at_part)
    elif second is not None and not looks_like_event(at_part[: second.start()]):
        _set_company(head, at_part[: second.start()])
        head.event = tidy(at_part[second.end() :])
    elif looks_like_event(at_part):
        head.event = tidy(at_part)
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


def read_bracket(person: Someone, group: str) -> None:
    """ "(Acme)", "(CFO)", "(CFO, Acme)", "(CFO @ Acme)", "(PhD)": fill that person's title/company."""
    text = group.strip()
    if not text:
        return
    if is_suffix(text):
        person.name = f"{person.name} {text}"
        return
    title, company = split_title(text)
    if starts_like_title(text) or is_all_title(title or ""):
        person.title = person.title or tidy(title)
        if company:
            person.company = person.company or tidy(company)
        return
    person.company = person.company or tidy(text)


def suffix_merge(clauses: list[str]) -> list[str]:
    """Glue "Jr.", "PhD", "Inc." back onto the clause before the comma that separated them."""
    out: list[str] = []
    for clause in clauses:
        bare = re.sub(r"\(.*", "", clause).strip()  # "MD (St. Mary's)": the suffix, then the company
        if out and (is_suffix(bare) or fold(bare).strip(" .") in ("inc", "ltd", "llc", "co", "corp", "gmbh")):
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
