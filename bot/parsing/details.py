"""Contact details typed into the line: e-mail, phone, profile URL — lifted out so they never end up
inside the name, the company or the event.

Phones go through `phonenumbers` (Google's libphonenumber port) with the member's region from
their locale, so "07911 123456" typed in London is stored as +447911123456.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

EMAIL_RE = re.compile(
    r"(?<![\w.+-])(?:mailto:)?([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})(?![\w-])", re.IGNORECASE
)
URL_RE = re.compile(
    r"(?<![\w@])((?:https?://|www\.)[^\s<>()\"]+|(?:[a-z]{2,3}\.)?linkedin\.com/[^\s<>()\"]+)",
    re.IGNORECASE,
)
# A run of digits with phone punctuation: at least 7 digits, not a date (12/03/2026) or a time.
PHONE_RE = re.compile(r"(?<![\w/.:])(\+?\(?\d[\d\s().\-]{5,}\d)(?![\w/:])")
_DATE_LIKE_RE = re.compile(r"^\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{1,4})?\.?$")


@dataclass(frozen=True)
class Details:
    """What was lifted out of the text."""

    email: str | None = None
    phone: str | None = None
    url: str | None = None


_GENERIC_MAILBOXES = {"info", "sales", "hello", "contact", "admin", "support", "team", "office", "hi", "mail"}


def name_from(details: Details) -> tuple[str, str] | None:
    """A name read off the e-mail ("jane.doe@…") or LinkedIn slug ("/in/jane-doe-4a5b/"), and where from;
    for a line that starts with the address instead of the name."""
    sources = []
    if details.email:
        sources.append((re.split(r"[+@]", details.email)[0], "e-mail address"))
    if details.url and (m := re.search(r"linkedin\.com/in/([^/?#]+)", details.url, re.IGNORECASE)):
        sources.append((m[1], "LinkedIn link"))
    for raw, where in sources:
        parts = [p for p in re.split(r"[._\-]+", raw) if p.isalpha()]
        if parts and len("".join(parts)) >= 3 and parts[0].lower() not in _GENERIC_MAILBOXES:
            return " ".join(p.capitalize() for p in parts[:3]), where
    return None


def starts_with_detail(text: str) -> bool:
    """Whether the line opens with an e-mail or URL rather than a name."""
    head = text.lstrip()
    return bool(EMAIL_RE.match(head) or URL_RE.match(head))


def region_of(locale: str | None) -> str:
    """The phone region for a locale ("en-GB" -> "GB", "de" -> "DE"); US when there is none."""
    if not locale:
        return "US"
    parts = re.split(r"[-_]", locale.strip())
    for part in parts[1:]:
        if len(part) == 2 and part.upper() in phonenumbers.SUPPORTED_REGIONS:
            return part.upper()
    language = parts[0].upper()
    guesses = {"EN": "US", "JA": "JP", "KO": "KR", "ZH": "CN", "SV": "SE", "DA": "DK", "EL": "GR", "HE": "IL"}
    if language in guesses:
        return guesses[language]
    return language if language in phonenumbers.SUPPORTED_REGIONS else "US"


def read_phone(raw: str, region: str) -> str | None:
    """E.164 for a number libphonenumber finds possible in the member's region, else None."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(text: str, region: str) -> tuple[str | None, str]:
    """The first phone number in the text (E.164) and the text without it."""
    for m in PHONE_RE.finditer(text):
        raw = m.group(1).strip()
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 7 or _DATE_LIKE_RE.match(raw.replace(" ", "")):
            continue
        e164 = read_phone(raw, region)
        if e164 is not None:
            return e164, _cut(text, m.start(1), m.end(1))
    return None, text


def _url(found: str) -> str:
    """The URL as typed, trailing punctuation off, with https:// when it was left out."""
    found = found.rstrip(".,;:!?'\"")
    if not re.match(r"https?://", found, re.IGNORECASE):
        found = "https://" + found
    return found


_LABEL_RE = re.compile(
    r"(?:\b(?:e-?mail|mail|tel|telephone|phone|mobile|cell|ph|mob|whatsapp|linkedin|li|web|website|site|url)"
    r"\s*[:.]?\s*)$",
    re.IGNORECASE,
)


def _cut(text: str, start: int, end: int) -> str:
    """The text without [start, end) and without a label word ("email:", "tel") just before it."""
    before = text[:start]
    label = _LABEL_RE.search(before)
    if label is not None:
        before = before[: label.start()]
    return before + " " + text[end:]


def lift_details(text: str, region: str) -> tuple[Details, str]:
    """E-mail, URL and phone out of the text; each found one is replaced by a space."""
    email = url = None
    if (m := EMAIL_RE.search(text)) is not None:
        email = m.group(1)
        text = _cut(text, m.start(), m.end())
    if (m := URL_RE.search(text)) is not None:
        url = _url(m.group(1))
        text = _cut(text, m.start(), m.end())
    phone, text = _phone(text, region)
    return Details(email=email, phone=phone, url=url), text
