"""Telling a job title from a company from an event, and tidying each for storage."""

from __future__ import annotations

import re

from nameparser import HumanName
from nameparser.config import CONSTANTS

from bot.parsing.text import fold, tidy
from bot.parsing.words import (
    COMPANY_TLD_RE,
    COMPANY_WORDS,
    DEPARTMENTS,
    EVENT_WORDS,
    OF_COMPANY_AFTER,
    TITLE_ACRONYMS,
    TITLE_WORDS,
)

_SMALL_WORDS = {
    "of",
    "and",
    "the",
    "for",
    "de",
    "la",
    "le",
    "du",
    "des",
    "von",
    "van",
    "der",
    "di",
    "da",
    "&",
}
_OWNERLESS_TITLE_START = TITLE_ACRONYMS | {
    "founder", "co-founder", "cofounder", "head", "director", "president", "chief", "managing", "senior",
    "vice", "partner", "owner", "chairman", "principal", "lead", "manager", "engineer", "consultant",
    "investor", "recruiter", "advisor", "analyst", "general", "associate", "svp", "evp", "deputy",
    "cofounding", "interim", "acting", "global", "regional", "product", "sales", "marketing", "ceo/founder",
    "developer", "designer", "architect", "professor", "journalist", "editor", "producer", "accountant",
    "lawyer", "attorney", "banker", "realtor", "coach", "entrepreneur", "freelancer", "writer", "author",
}  # fmt: skip
_WORD_SPLIT_RE = re.compile(r"[\s/,&+]+")


def _words(text: str) -> list[str]:
    """Folded words without edge punctuation."""
    return [w.strip(".()'\"!?:;") for w in _WORD_SPLIT_RE.split(fold(text)) if w.strip(".()'\"!?:;")]


def starts_like_title(text: str) -> bool:
    """Whether a clause opens with a role word: "CFO", "VP Sales", "Head of Growth", "founder of X"."""
    words = _words(text)
    return bool(words) and (words[0] in _OWNERLESS_TITLE_START or words[0].rstrip("s") in TITLE_ACRONYMS)


def is_title_word(word: str) -> bool:
    """One word that is a role ("cfo", "founder", "engineer")."""
    w = fold(word).strip(".,()")
    return (w in TITLE_ACRONYMS or w in TITLE_WORDS) and not is_suffix(w)


def is_all_title(text: str) -> bool:
    """Every word is part of a role ("Senior Product Manager", "VP Sales", "Head of Growth")."""
    words = [w for w in _words(text) if w not in ("of", "and", "the", "&", "for")]
    return bool(words) and all(w in TITLE_ACRONYMS or w in TITLE_WORDS or w in DEPARTMENTS for w in words)


def split_title(text: str) -> tuple[str | None, str | None]:
    """(title, company) from a role clause: "CFO @ Globex", "VP Sales at X", "founder of Y", "CTO, Z"."""
    m = re.search(r"\s+(?:at|@|with|for)\s+|\s*@\s*|,\s*", text, re.IGNORECASE)
    if m is not None:
        return text[: m.start()], text[m.end() :]
    of = re.search(r"\s+of\s+", text, re.IGNORECASE)
    if of is not None:
        before = _words(text[: of.start()])
        after = fold(text[of.end() :]).strip()
        if before and before[-1] in OF_COMPANY_AFTER and after not in DEPARTMENTS:
            return text[: of.start()], text[of.end() :]
    return text, None


def is_suffix(text: str) -> bool:
    """A name suffix or honorific after a comma ("Jr.", "PhD", "MBA"): part of the name, not a company."""
    w = fold(text).replace(".", "").strip()
    return bool(w) and (w in CONSTANTS.suffix_acronyms or w in CONSTANTS.suffix_not_acronyms)


def looks_like_event(text: str) -> bool:
    """Whether "at X" is a gathering or a place rather than an employer."""
    folded = fold(text).strip()
    if re.match(r"(?:the|a|an|his|her|their|my|our|some|this|that)\s", folded):
        return True
    if re.search(r"\b(?:19|20)\d{2}\b|'s\b", folded):
        return True
    words = set(_words(text))
    return bool(words & EVENT_WORDS) or any(
        w.endswith(("con", "conf", "fest", "summit", "camp")) for w in words
    )


def looks_like_company(text: str) -> bool:
    """Whether "at X" ends like a company ("Acme Inc", "Stripe Labs", "globex.io")."""
    words = _words(text)
    return bool(words) and (words[-1] in COMPANY_WORDS or bool(COMPANY_TLD_RE.search(text.strip())))


def _cap_word(word: str, first: bool) -> str:
    """Capitalise one lower-case word, leaving small joining words alone."""
    if not first and word in _SMALL_WORDS:
        return word
    return word[:1].upper() + word[1:] if word else word


def title_case(value: str | None) -> str | None:
    """Capitalise a label typed all in lower case ("acme corp" -> "Acme Corp"); others stay as typed."""
    if not value or value != value.lower() or not any(c.isalpha() for c in value):
        return value
    parts = value.split(" ")
    return " ".join(_cap_word(w, i == 0) for i, w in enumerate(parts))


def tidy_title(value: str | None) -> str | None:
    """A role as people write it on a card: acronyms upper-case ("cfo" -> "CFO", "vp sales" -> "VP Sales")."""
    value = tidy(value)
    if value is None:
        return None
    words = value.split(" ")
    out = []
    for i, w in enumerate(words):
        bare = fold(w).strip(".,")
        if bare in TITLE_ACRONYMS or bare in ("hr", "bd", "it", "ai", "emea", "apac", "latam"):
            out.append(w.upper() if w == w.lower() else w)
        elif w == w.lower():
            out.append(_cap_word(w, i == 0))
        else:
            out.append(w)
    return " ".join(out)


def tidy_name(value: str | None) -> str | None:
    """A person's name for storage; all lower case gets nameparser's capitalisation ("mcdonald" -> "McDonald")."""
    value = tidy(value)
    if value is None:
        return None
    if " " not in value and re.search(r"[._]", value):
        return value  # a handle ("jane.doe") is kept as typed
    if value == value.lower() and any(c.isalpha() and c.lower() != c.upper() for c in value):
        human = HumanName(value)
        human.capitalize(force=True)
        capitalised = str(human).strip()
        if capitalised and capitalised.lower().split() == value.lower().split():
            return capitalised
        return title_case(value)
    return value
