"""`/met import`: read contacts as people export them — LinkedIn's Connections.csv, Google Contacts' and
Outlook's CSV, metbot's own contacts.csv, any CSV with a name column, or vCard 2.1/3.0/4.0 — check every row,
and say exactly which rows are wrong and which columns were not used. Pure: bytes in, rows and problems out.

All or nothing: if any row is malformed the whole file is refused with a per-row report, so a half-imported
address book never has to be untangled. Every imported contact gets a stay-in-touch date by its rhythm,
spread over the coming weeks so a big import never lands in one digest.
"""

from __future__ import annotations

import csv
import io
import quopri
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from bot.cadence import RHYTHM_BY_STAGE
from bot.capture import CONNECTIONS, OFFER_KINDS, OWNERS, day_label
from bot.export import FORMULA_START
from bot.parsing import LIMITS, name_key
from bot.results import Button, Reply, Section
from store.data import Imported, NewContact
from store.meetings import MeetingValues

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_EMAIL = 320
MAX_ABOUT = 4000  # an address book's notes about a person: longer ones are cut, with a warning
MAX_RHYTHM_DAYS = 3650
HEADER_SEARCH_ROWS = 20  # LinkedIn puts a few note lines above its headings
FIRST_CHECK_IN_DAYS = 7  # imported contacts' first stay-in-touch date is at least a week away
SHOWN_PROBLEMS = 30
SHOWN_NAMES = 5
SHOWN_UNUSED = 12
PHASES = ("follow_up", "await_reply", "check_in", "classify", "cold", "closed")
ACTIVE_PHASES = ("follow_up", "await_reply", "check_in", "classify")
STAGES = ("know", "like", "trust")
IMPORTABLE_EXTENSIONS = (".csv", ".vcf", ".vcard", ".txt")
IMPORTABLE_TYPES = ("csv", "vcard", "vcf", "text")
DELIMITERS = (",", ";", "\t")  # Excel in much of Europe saves "CSV" with semicolons

# Our field → the column headings that carry it, best first (lower-cased; spaces, dashes and dots as _).
# Order matters where tools disagree: Outlook's "Title" is Mr/Dr and its "Job Title" the job, so a file
# with both reads the job from "Job Title"; Google's "Phone 1 - Value" may hold several, split by " ::: ".
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "fullname", "display_name", "contact", "contact_name"),
    "first_name": ("first_name", "given_name", "firstname", "first"),
    "middle_name": ("middle_name", "additional_name"),
    "last_name": ("last_name", "family_name", "surname", "lastname", "last"),
    "company": (
        "company",
        "organization_name",
        "organization_1_name",
        "organization",
        "organisation",
        "org",
        "employer",
        "company_name",
        "firma",  # German Excel
        "unternehmen",
    ),
    "title": ("job_title", "organization_title", "organization_1_title", "position", "title", "role"),
    "email": (
        "email",
        "email_address",
        "e_mail_address",
        "e_mail",
        "e_mail_1_value",
        "email_1_value",
        "email_1",
        "primary_email",
    ),
    "phone": (
        "phone",
        "mobile_phone",
        "mobile",
        "phone_1_value",
        "business_phone",
        "primary_phone",
        "home_phone",
        "phone_number",
        "telephone",
        "telefon",
    ),
    "url": (
        "url",
        "linkedin_url",
        "profile_url",
        "website",
        "website_1_value",
        "web_page",
        "personal_web_page",
        "linkedin",
    ),
    "stage": ("stage",),
    "rhythm_days": ("rhythm_days", "keep_in_touch_days"),
    "follow_up": ("follow_up",),
    "follow_up_due": ("follow_up_due",),
    "met_on": ("last_met_on", "met_on", "met", "date_met"),
    "event": ("event", "where_met", "where_you_met"),
    "next_step": ("next_step",),
    "next_step_owner": ("next_step_owner",),
    "next_step_due": ("next_step_due",),
    "offer": ("offer",),
    "offer_kind": ("offer_kind",),
    "connection": ("connection",),
    "notes": ("notes", "note", "notizen"),
    "added_on": ("added_on", "connected_on", "date_added"),
}
NAME_FIELDS = ("name", "first_name", "last_name")
# Columns metbot writes and reads back for its own bookkeeping: not worth a "not used" line.
OWN_COLUMNS = ("meetings", "slack_user")
MULTI_VALUED = ("email", "phone", "url")
MEETING_FIELDS = (
    "event",
    "next_step",
    "next_step_owner",
    "next_step_due",
    "offer",
    "offer_kind",
    "connection",
)
TEXT_LIMITS = {**LIMITS, "email": MAX_EMAIL, "title": 200, "phone": 64, "url": 500}
CHOICES = {
    "stage": STAGES,
    "follow_up": PHASES,
    "next_step_owner": tuple(k for k, _ in OWNERS),
    "offer_kind": tuple(k for k, _ in OFFER_KINDS),
    "connection": tuple(k for k, _ in CONNECTIONS),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ADDED_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")  # LinkedIn writes "04 Dec 2024"


@dataclass(frozen=True)
class IncomingFile:
    """A file a user shared with the bot, as the platform describes it (content fetched by the edge)."""

    file_id: str
    name: str
    filetype: str
    owner: str  # the user who shared it
    size: int
    content: bytes | None = None


@dataclass
class Parsed:
    unit: Literal["row", "card"] = "row"
    contacts: list[NewContact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # per row: any one refuses the whole file
    warnings: list[str] = field(default_factory=list)  # worth knowing, imported anyway
    unused: list[str] = field(default_factory=list)  # columns (or vCard properties) with data we don't keep
    scheduled: set[str] = field(default_factory=set)  # name keys given a stay-in-touch date by us
    fatal: str | None = None  # the file as a whole can't be read


def importable(name: str, filetype: str) -> bool:
    return name.lower().endswith(IMPORTABLE_EXTENSIONS) or filetype.lower() in IMPORTABLE_TYPES


def decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", "replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", "replace")  # Outlook's "Unicode" CSV
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252")  # a spreadsheet saved as "CSV" on Windows
        except UnicodeDecodeError:
            return content.decode("latin-1")


def clean(value: str | None, *, multiline: bool = False) -> str | None:
    if value is None:
        return None
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_START:
        value = value[1:]  # the guard our export puts before formula-like cells
    kept = "".join(ch for ch in value if ch.isprintable() or (multiline and ch == "\n"))
    kept = kept.strip() if multiline else " ".join(kept.split())
    return kept or None


def first_of(value: str | None) -> str | None:
    """Google writes several e-mails or phones in one cell as "a ::: b": the first is the primary."""
    if value is None:
        return None
    return value.split(":::")[0].strip() or None


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", value) else None
    except ValueError:
        return None


def parse_added(value: str) -> date | None:
    """ISO, or the English day-month-year LinkedIn writes in "Connected On"."""
    found = parse_date(value)
    for pattern in ADDED_FORMATS if found is None else ():
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
    return found


def shown(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def heading_key(heading: str) -> str:
    return re.sub(r"[\s\-.]+", "_", heading.strip().strip('"').strip().lower())


def full_name(values: dict[str, str | None]) -> str | None:
    if values.get("name"):
        return values["name"]
    parts = (values.get("first_name"), values.get("middle_name"), values.get("last_name"))
    return " ".join(p for p in parts if p) or None


def _text_problems(values: dict[str, str | None], name: str | None) -> list[str]:
    problems: list[str] = []
    if not name or not name_key(name):
        problems.append("no name")
    for key, limit in TEXT_LIMITS.items():
        text = name if key == "name" else values.get(key)
        if key == "notes" and values.get("met_on") is None:
            continue  # notes about the person, kept on the contact: cut, not refused
        if text and len(text) > limit:
            problems.append(f"{key} is {len(text):,} characters; the limit is {limit:,}")
    email = values.get("email")
    if email and len(email) <= MAX_EMAIL and not EMAIL.match(email):
        problems.append(f"email “{shown(email)}” doesn't look like an email address")
    rhythm = values.get("rhythm_days")
    if rhythm and not (rhythm.isascii() and rhythm.isdigit() and 1 <= int(rhythm) <= MAX_RHYTHM_DAYS):
        problems.append(
            f"rhythm_days “{shown(rhythm)}” should be a number of days from 1 to {MAX_RHYTHM_DAYS}"
        )
    return problems


def _choices(values: dict[str, str | None], problems: list[str]) -> dict[str, str | None]:
    picked: dict[str, str | None] = {}
    for key, allowed in CHOICES.items():
        raw = values.get(key)
        choice = raw.lower().replace(" ", "_") if raw else None
        if choice and choice not in allowed:
            problems.append(f"{key} “{shown(raw or '')}” should be one of: {', '.join(allowed)}")
        picked[key] = choice if choice in allowed else None
    return picked


def _dates(values: dict[str, str | None], today: date, problems: list[str]) -> dict[str, date | None]:
    dates: dict[str, date | None] = {}
    for key in ("met_on", "next_step_due", "follow_up_due", "added_on"):
        raw = values.get(key)
        dates[key] = (parse_added(raw) if key == "added_on" else parse_date(raw)) if raw else None
        label = "last_met_on" if key == "met_on" else key
        if raw and dates[key] is None:
            problems.append(f"{label} “{shown(raw)}” isn't a date: use YYYY-MM-DD")
        elif key in ("met_on", "added_on") and (day := dates[key]) is not None and day > today:
            problems.append(f"{label} {day.isoformat()} is in the future")
    return dates


def contact_from(values: dict[str, str | None], today: date) -> NewContact | list[str]:
    """One row's contact, or every problem with it (in words a user can fix)."""
    name = full_name(values)
    problems = _text_problems(values, name)
    picked = _choices(values, problems)
    dates = _dates(values, today, problems)
    if problems:
        return problems
    assert name is not None
    key = name_key(name)
    met_on = dates["met_on"]
    meeting = None
    if met_on is not None:
        meeting = MeetingValues(
            name=name,
            name_key=key,
            met_on=met_on,
            company=values.get("company"),
            event=values.get("event"),
            next_step=values.get("next_step"),
            next_step_owner=picked["next_step_owner"],
            next_step_due=dates["next_step_due"],
            offer=values.get("offer"),
            offer_kind=picked["offer_kind"],
            notes=values.get("notes"),
            connection=picked["connection"],
        )
    phase = picked["follow_up"]
    rhythm = values.get("rhythm_days")
    about = values.get("notes") if meeting is None else None
    return NewContact(
        name=name,
        name_key=key,
        company=values.get("company"),
        email=values.get("email"),
        title=values.get("title"),
        phone=values.get("phone"),
        url=values.get("url"),
        rhythm_days=int(rhythm) if rhythm else None,
        about=about[:MAX_ABOUT] if about else None,
        stage=picked["stage"] or "know",
        phase=phase or "check_in",
        due_on=dates["follow_up_due"] if phase else None,  # stay_in_touch() gives the rest a date
        added_on=dates["added_on"],
        meeting=meeting,
    )


def _collect(
    parsed: Parsed,
    number: int,
    values: dict[str, str | None],
    today: date,
    seen: dict[str, int],
    undated: list[int],
) -> None:
    result = contact_from(values, today)
    if isinstance(result, list):
        parsed.problems.extend(f"{parsed.unit} {number}: {p}" for p in result)
        return
    if result.name_key in seen:
        parsed.warnings.append(
            f"{parsed.unit} {number}: {result.name} is also on {parsed.unit} "
            f"{seen[result.name_key]}; I'll use that one"
        )
        return
    seen[result.name_key] = number
    if result.meeting is None and any(values.get(k) for k in MEETING_FIELDS):
        undated.append(number)
    notes = values.get("notes")
    if result.about and notes and len(notes) > MAX_ABOUT:
        parsed.warnings.append(
            f"{parsed.unit} {number}: its notes are long, so I kept the first {MAX_ABOUT:,}"
        )
    parsed.contacts.append(result)


def _undated_warning(parsed: Parsed, undated: list[int]) -> None:
    if undated:
        which = ", ".join(str(n) for n in undated[:10]) + (", …" if len(undated) > 10 else "")
        parsed.warnings.append(
            f"{len(undated)} {parsed.unit}{'s' if len(undated) != 1 else ''} ({which}) have meeting details "
            "but no meeting date (last_met_on): I'll import the person and their notes, not the meeting"
        )


# --- stay in touch ------------------------------------------------------------------------------


def rhythm_of(contact: NewContact) -> int:
    return contact.rhythm_days or RHYTHM_BY_STAGE.get(contact.stage, RHYTHM_BY_STAGE["know"])


def check_in_days(today: date, rhythm: int, work_days: str) -> list[date]:
    """The working days on which a first stay-in-touch can fall: from a week out to one rhythm away."""
    first = min(FIRST_CHECK_IN_DAYS, rhythm)
    days = [today + timedelta(days=n) for n in range(first, max(rhythm, first) + 1)]
    working = [d for d in days if str(d.isoweekday()) in work_days]
    return working or days


def stay_in_touch(contacts: list[NewContact], today: date, work_days: str = "12345") -> list[NewContact]:
    """Give every active contact without a date one by its rhythm, spread evenly over that rhythm's working
    days (in file order), so a big import arrives a few a day instead of all in one digest."""
    waiting: dict[int, list[int]] = {}
    for i, contact in enumerate(contacts):
        if contact.due_on is None and contact.phase in ACTIVE_PHASES:
            waiting.setdefault(rhythm_of(contact), []).append(i)
    out = list(contacts)
    for rhythm, indexes in waiting.items():
        days = check_in_days(today, rhythm, work_days)
        for n, i in enumerate(indexes):
            out[i] = replace(out[i], due_on=days[n * len(days) // len(indexes)])
    return out


# --- CSV ----------------------------------------------------------------------------------------


def columns_of(header: list[str]) -> dict[str, list[int]]:
    """Our field → the columns that may carry it, best first (a row uses the first one it fills)."""
    keys = [heading_key(h) for h in header]
    columns: dict[str, list[int]] = {}
    for name, headings in FIELDS.items():
        found = [keys.index(h) for h in headings if h in keys]
        if name == "title" and len(found) > 1 and "title" in keys:
            found.remove(keys.index("title"))  # Outlook's "Title" is Mr/Dr when "Job Title" is beside it
        if found:
            columns[name] = found
    return columns


def find_header(text: str) -> tuple[list[list[str]], int, dict[str, list[int]]] | None:
    """The rows, where the headings are (the first row naming a name column, within the first few), and the
    columns; for the first delimiter that finds them."""
    for delimiter in DELIMITERS:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            columns = columns_of(row)
            if any(f in columns for f in NAME_FIELDS):
                return rows, index, columns
    return None


def unused_columns(header: list[str], columns: dict[str, list[int]], records: list[list[str]]) -> list[str]:
    """Headings we don't read whose column has something in it (empty ones aren't worth a word)."""
    used = {i for found in columns.values() for i in found}
    filled = Counter(i for record in records for i, cell in enumerate(record) if cell.strip())
    return [
        h.strip()
        for i, h in enumerate(header)
        if i not in used and filled[i] and h.strip() and heading_key(h) not in OWN_COLUMNS
    ]


def row_values(record: list[str], columns: dict[str, list[int]]) -> dict[str, str | None]:
    """The row's value for each field: from the first of its columns that has one."""
    values: dict[str, str | None] = {}
    for key, found in columns.items():
        cells = (clean(record[i], multiline=key == "notes") for i in found if i < len(record))
        value = next((c for c in cells if c), None)
        values[key] = first_of(value) if key in MULTI_VALUED else value
    return values


def parse_csv(text: str, today: date) -> Parsed:
    parsed = Parsed(unit="row")
    if not text.strip():
        parsed.fatal = "the file is empty."
        return parsed
    try:
        found = find_header(text)
    except csv.Error as error:
        parsed.fatal = f"it isn't a readable CSV file ({error})."
        return parsed
    if found is None:
        parsed.fatal = (
            "I couldn't find a name column. The first row should be column headings, one of them "
            "called name (or First Name and Last Name; company, email and notes are optional)."
        )
        return parsed
    rows, at, columns = found
    records = [(n, r) for n, r in enumerate(rows[at + 1 :], start=at + 2) if any(c.strip() for c in r)]
    if len(records) > MAX_ROWS:
        parsed.fatal = f"it has more than {MAX_ROWS:,} rows. Split it into smaller files and share each one."
        return parsed
    if not records:
        parsed.fatal = "it has headings but no contacts."
        return parsed
    seen: dict[str, int] = {}
    undated: list[int] = []
    for number, record in records:  # numbered as in a spreadsheet: the headings' row is counted
        _collect(parsed, number, row_values(record, columns), today, seen, undated)
    parsed.unused = unused_columns(rows[at], columns, [r for _, r in records])
    _undated_warning(parsed, undated)
    return parsed


# --- vCard --------------------------------------------------------------------------------------

# Properties we read; the rest (ADR, BDAY, PHOTO, …) are listed as not used, bar a card's own bookkeeping.
VCARD_USED = ("FN", "N", "ORG", "TITLE", "EMAIL", "TEL", "URL", "NOTE")
# The vCard properties people's address books fill most, in words (any other is named as it is).
VCARD_WORDS = {
    "ADR": "addresses",
    "BDAY": "birthdays",
    "ANNIVERSARY": "anniversaries",
    "PHOTO": "photos",
    "LOGO": "logos",
    "NICKNAME": "nicknames",
    "GENDER": "gender",
    "CATEGORIES": "groups",
    "LABEL": "address labels",
    "IMPP": "chat addresses",
    "X-SOCIALPROFILE": "social profiles",
    "RELATED": "related people",
    "ROLE": "roles",
    "GEO": "locations",
    "TZ": "time zones",
}
VCARD_BOOKKEEPING = ("BEGIN", "END", "VERSION", "PRODID", "UID", "REV", "KIND", "X-ABLABEL", "X-ABUID")


def _vcard_unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _vcard_split(value: str) -> list[str]:
    """Split a structured value on unescaped semicolons."""
    return [_vcard_unescape(p) for p in re.split(r"(?<!\\);", value)]


def _vcard_lines(text: str) -> list[str]:
    """Unfold (RFC 2426: a line starting with a space or tab continues the previous one), and join
    vCard 2.1 quoted-printable soft line breaks (a line ending in `=`)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[str] = []
    joining = False
    for line in unfolded.split("\n"):
        if joining and lines:
            lines[-1] = lines[-1][:-1] + line
        else:
            lines.append(line)
        head = lines[-1].split(":", 1)[0].upper()
        joining = "QUOTED-PRINTABLE" in head and lines[-1].endswith("=")
    return lines


def _decoded(value: str, upper: list[str]) -> str:
    """A vCard 2.1 quoted-printable value in its charset (UTF-8 when unnamed or unknown)."""
    if not any("QUOTED-PRINTABLE" in p for p in upper):
        return value
    charset = next((p.split("=", 1)[1] for p in upper if p.startswith("CHARSET=")), "UTF-8")
    raw = quopri.decodestring(value.encode("latin-1", "replace"))
    try:
        return raw.decode(charset, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


def _read_property(card: dict[str, str | None], name: str, value: str) -> None:
    """One property into the card's values; the first of each kind wins (the preferred one comes first)."""
    if name == "FN":
        card["name"] = clean(_vcard_unescape(value))
    elif name == "N" and not card.get("n"):
        family, given, additional, *_ = [*_vcard_split(value), "", "", ""]
        card["n"] = clean(" ".join(p for p in (given, additional, family) if p.strip()))
    elif name == "ORG" and not card.get("company"):
        card["company"] = clean(_vcard_split(value)[0])
    elif name == "NOTE" and not card.get("notes"):
        card["notes"] = clean(_vcard_unescape(value), multiline=True)
    elif name in ("TITLE", "EMAIL", "TEL", "URL"):
        key = {"TITLE": "title", "EMAIL": "email", "TEL": "phone", "URL": "url"}[name]
        text = clean(_vcard_unescape(value))
        if text and name == "TEL" and text.lower().startswith("tel:"):
            text = text[4:] or None  # vCard 4.0: TEL;VALUE=uri:tel:+1-555-0100
        if not card.get(key):
            card[key] = text


def parse_vcard(text: str, today: date) -> Parsed:
    parsed = Parsed(unit="card")
    seen: dict[str, int] = {}
    unused: Counter[str] = Counter()
    card: dict[str, str | None] | None = None
    number = 0
    for line in _vcard_lines(text):
        if ":" not in line:
            continue
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        name = name.split(".")[-1].strip().upper()
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            card, number = {}, number + 1
            if number > MAX_ROWS:
                parsed.fatal = (
                    f"it has more than {MAX_ROWS:,} cards. Split it into smaller files and share each one."
                )
                return parsed
            continue
        if card is None:
            continue
        if name == "END" and value.strip().upper() == "VCARD":
            if not card.get("name") and card.get("n"):
                card["name"] = card["n"]
            _collect(parsed, number, card, today, seen, [])
            card = None
            continue
        if name in VCARD_USED:
            _read_property(card, name, _decoded(value, [p.upper() for p in params]))
        elif name not in VCARD_BOOKKEEPING and value.strip():
            unused[name] += 1
    if number == 0:
        parsed.fatal = "I couldn't find any contact cards (BEGIN:VCARD … END:VCARD) in it."
    parsed.unused = sorted({VCARD_WORDS.get(name, name) for name in unused})
    return parsed


def parse_import(content: bytes, today: date, work_days: str = "12345") -> Parsed:
    """The file's contacts (each with a stay-in-touch date), or why it can't be imported."""
    text = decode(content)
    parsed = (
        parse_vcard(text, today)
        if text.lstrip().upper().startswith("BEGIN:VCARD")
        else parse_csv(text, today)
    )
    before = {c.name_key for c in parsed.contacts if c.due_on is None}
    parsed.contacts = stay_in_touch(parsed.contacts, today, work_days)
    parsed.scheduled = {c.name_key for c in parsed.contacts if c.due_on is not None and c.name_key in before}
    return parsed


# --- replies ------------------------------------------------------------------------------------


HOW = (
    "Share a file with me here, in our direct messages, as your tools export it: LinkedIn's Connections.csv, "
    "a Google Contacts or Outlook CSV, a vCard (.vcf) from your phone or address book, contacts.csv from "
    f"/met export, or any CSV whose headings include a name. Up to {MAX_ROWS:,} contacts and "
    f"{MAX_BYTES // (1024 * 1024)} MB a file. I'll show you what I found, and which columns I won't use, "
    "before importing anything."
)


def import_help() -> Reply:
    return Reply(headline="Import your contacts", sections=(Section(title="Import your contacts", text=HOW),))


def _text_reply(text: str, *, replace: bool = False) -> Reply:
    return Reply(headline=text, sections=(Section(text=text),), replace_original=replace)


def not_importable(filename: str, *, replace: bool = False) -> Reply:
    return _text_reply(
        f"I can import contacts from a .csv or .vcf file; {filename} isn't one. /met import explains.",
        replace=replace,
    )


def too_big(filename: str, *, replace: bool = False) -> Reply:
    return _text_reply(
        f"{filename} is bigger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files and "
        "share each one.",
        replace=replace,
    )


def refused_reply(filename: str, parsed: Parsed, *, replace: bool = False) -> Reply | None:
    """Why nothing can be imported from this file, or None when every row is fine."""
    if parsed.fatal:
        return _text_reply(f"I can't import {filename}: {parsed.fatal}", replace=replace)
    if not parsed.problems:
        return None
    bad = len({p.split(":", 1)[0] for p in parsed.problems})
    unit = parsed.unit + ("s" if bad != 1 else "")
    have = "have" if bad != 1 else "has"
    headline = f"I can't import {filename}: {bad} {unit} {have} problems, so I imported nothing."
    lines = parsed.problems[:SHOWN_PROBLEMS]
    more = len(parsed.problems) - len(lines)
    return Reply(
        headline=headline,
        replace_original=replace,
        sections=(
            Section(title=headline, text="\n".join(lines)),
            *((Section(note=f"and {more} more problem{'s' if more != 1 else ''}."),) if more > 0 else ()),
            Section(
                note="Fix them and share the file again. Rows are numbered as in a spreadsheet (the headings "
                "are row 1)."
                if parsed.unit == "row"
                else "Fix them and share the file again."
            ),
        ),
    )


def unused_line(parsed: Parsed) -> str | None:
    if not parsed.unused:
        return None
    names = ", ".join(parsed.unused[:SHOWN_UNUSED]) + (", …" if len(parsed.unused) > SHOWN_UNUSED else "")
    what = f"the cards' {names}" if parsed.unit == "card" else f"the columns {names}"
    return f"Not used: {what}. I keep names, company, title, e-mail, phone, web page and notes."


def check_in_note(new: list[NewContact], today: date, scheduled: set[str]) -> str:
    """When the imported contacts will come up for a stay-in-touch, in the user's words."""
    days = sorted(c.due_on for c in new if c.due_on is not None and c.name_key in scheduled)
    if not days:
        return "They keep the follow-up state the file gives them."
    rhythms = ", ".join(f"{stage.title()} every {n} days" for stage, n in RHYTHM_BY_STAGE.items())
    when = (
        f"on {day_label(days[0], today)}"
        if days[0] == days[-1]
        else f"a few at a time between {day_label(days[0], today)} and {day_label(days[-1], today)}"
    )
    return (
        f"I'll remind you to get back in touch with each of them {when}, then by their rhythm "
        f"({rhythms}, unless a contact has its own)."
    )


def preview_reply(file: IncomingFile, parsed: Parsed, known: set[str], today: date) -> Reply:
    refused = refused_reply(file.name, parsed)
    if refused is not None:
        return refused
    new = [c for c in parsed.contacts if c.name_key not in known]
    if not new:
        return _text_reply(f"Everyone in {file.name} is already in your contacts: nothing to import.")
    names = ", ".join(c.name for c in new[:SHOWN_NAMES]) + (", …" if len(new) > SHOWN_NAMES else "")
    headline = f"Import {len(new)} contact{'s' if len(new) != 1 else ''} from {file.name}?"
    fields = [("New contacts", str(len(new))), ("With a meeting", str(sum(1 for c in new if c.meeting)))]
    if len(parsed.contacts) > len(new):
        fields.append(("Already in your contacts", f"{len(parsed.contacts) - len(new)} (left as they are)"))
    sections = [Section(title=headline, text=names, fields=tuple(fields))]
    notices = [f"⚠️ {w}" for w in parsed.warnings[:SHOWN_PROBLEMS]]
    unused = unused_line(parsed)
    if unused:
        notices.append(unused)
    if notices:
        sections.append(Section(text="\n".join(notices)))
    sections.append(
        Section(
            buttons=(
                Button("import.confirm", "Confirm import", file.file_id, style="primary"),
                Button("import.cancel", "Cancel", file.file_id),
            ),
            note=check_in_note(new, today, parsed.scheduled),
        )
    )
    return Reply(headline=headline, sections=tuple(sections))


def imported_reply(filename: str, result: Imported) -> Reply:
    text = f"✓ Imported {result.created} contact{'s' if result.created != 1 else ''} from {filename}"
    if result.meetings:
        text += f", with {result.meetings} meeting{'s' if result.meetings != 1 else ''}"
    text += "."
    if result.existing:
        text += f" {result.existing} already in your contacts were left as they are."
    return _text_reply(text, replace=True)


def cancelled_reply() -> Reply:
    return _text_reply("OK, I imported nothing.", replace=True)


def failed_reply() -> Reply:
    return _text_reply(
        "Sorry, I couldn't import that just now. Nothing was imported; please try again in a moment.",
        replace=True,
    )
