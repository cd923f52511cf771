"""Text hygiene shared by every rule: invisible characters, whitespace, emoji, the contact-matching key."""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that only cause trouble in stored names: zero-width space, word joiner, BOM,
# soft hyphen and the bidi embeddings/overrides/isolates (spoofing). ZWJ/ZWNJ stay: emoji and
# Persian/Indic text need them.
_INVISIBLE = dict.fromkeys([0x200B, 0x2060, 0xFEFF, 0x00AD, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
SEPARATORS = " ,;:-–—|/"


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


def clean(value: str) -> str:
    """Drop control and invisible characters (newlines become spaces) and NFC-normalise: tidy storage."""
    value = value.translate(_INVISIBLE)
    out: list[str] = []
    for ch in value:
        if ch in "\n\t\r":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).strip()


def squash(value: str) -> str:
    """Collapse runs of whitespace: names, companies and events are one-line labels."""
    return " ".join(value.split())


def is_emoji(ch: str) -> bool:
    """Pictographs, their modifiers and joiners: decoration around a name, not part of it."""
    code = ord(ch)
    return (
        unicodedata.category(ch) == "So"
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or code in (0x200D, 0xFE0F, 0x20E3)
    )


def strip_emoji_edges(value: str) -> str:
    """Trim emoji (and the separators next to them) from both ends: "🎉 party 🚀" -> "party"."""
    start, end = 0, len(value)
    while start < end and (is_emoji(value[start]) or value[start].isspace()):
        start += 1
    while end > start and (is_emoji(value[end - 1]) or value[end - 1].isspace()):
        end -= 1
    return value[start:end]


def drop_emoji(value: str) -> str:
    """Remove every emoji: a name is letters, never pictographs."""
    return squash("".join(" " if is_emoji(ch) else ch for ch in value))


def tidy(value: str | None) -> str | None:
    """A one-line label without the separators the grammar leaves behind, or None when nothing is left."""
    if value is None:
        return None
    out = strip_emoji_edges(squash(clean(value)))
    for _ in range(3):
        out = out.strip(SEPARATORS + "!?").strip()
        if out.endswith(".") and not _ABBREVIATED_END_RE.search(out):
            out = out.rstrip(".").strip()
        out = strip_emoji_edges(out)
    return out or None


# "Jr.", "Inc.", "Co.", "St.": a full stop that belongs to the word.
_ABBREVIATED_END_RE = re.compile(r"(?:^|[\s,])(?:[A-Z][a-z]{0,3}|[A-Z]{1,3}|[a-z])\.$")


def unescape(text: str) -> str:
    """Undo the three HTML escapes an edge may leave ("AT&amp;T"); harmless on plain text."""
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain)
    return text


def fold(text: str) -> str:
    """Lower-case with straight apostrophes: what the word rules compare against."""
    return text.lower().replace("’", "'").replace("‘", "'")


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


WORD_RE = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
