"""`/met import`: read contacts from a CSV (metbot's own contacts.csv, or any CSV with a `name` column) or a
vCard file, check every row, and say exactly which rows are wrong. Pure: bytes in, rows and problems out.

All or nothing: if any row is malformed the whole file is refused with a per-row report, so a half-imported
address book never has to be untangled.
"""

from __future__ import annotations

import csv
import io
import quopri
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from bot.cadence import Cadence, rhythm_days_for, work_day_on_or_after
from bot.capture import CONNECTIONS, OFFER_KINDS, OWNERS
from bot.parsing import LIMITS, name_key
from bot.results import Button, Reply, Section
from store.data import Imported, NewContact
from store.meetings import MeetingValues

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_EMAIL = 320
SHOWN_PROBLEMS = 30
SHOWN_NAMES = 5
PHASES = ("follow_up", "await_reply", "check_in", "classify", "cold", "closed")
STAGES = ("know", "like", "trust")
IMPORTABLE_EXTENSIONS = (".csv", ".vcf", ".vcard", ".txt")
IMPORTABLE_TYPES = ("csv", "vcard", "vcf", "text")

# Column headings we understand (lower-cased, spaces and dashes as underscores) → our field.
ALIASES: dict[str, str] = {
    "name": "name",
    "full_name": "name",
    "fullname": "name",
    "display_name": "name",
    "contact": "name",
    "first_name": "first_name",
    "given_name": "first_name",
    "firstname": "first_name",
    "last_name": "last_name",
    "family_name": "last_name",
    "surname": "last_name",
    "lastname": "last_name",
    "company": "company",
    "organization": "company",
    "organisation": "company",
    "org": "company",
    "organization_name": "company",
    "employer": "company",
    "email": "email",
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "e_mail_1_value": "email",
    "email_1": "email",
    "stage": "stage",
    "follow_up": "follow_up",
    "follow_up_due": "follow_up_due",
    "last_met_on": "met_on",
    "met_on": "met_on",
    "met": "met_on",
    "date_met": "met_on",
    "event": "event",
    "where_met": "event",
    "where_you_met": "event",
    "next_step": "next_step",
    "next_step_owner": "next_step_owner",
    "next_step_due": "next_step_due",
    "offer": "offer",
    "offer_kind": "offer_kind",
    "connection": "connection",
    "notes": "notes",
    "note": "notes",
    "added_on": "added_on",
}
MEETING_FIELDS = (
    "event",
    "next_step",
    "next_step_owner",
    "next_step_due",
    "offer",
    "offer_kind",
    "connection",
    "notes",
)
TEXT_LIMITS = {**LIMITS, "email": MAX_EMAIL}
CHOICES = {
    "stage": STAGES,
    "follow_up": PHASES,
    "next_step_owner": tuple(k for k, _ in OWNERS),
    "offer_kind": tuple(k for k, _ in OFFER_KINDS),
    "connection": tuple(k for k, _ in CONNECTIONS),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    fatal: str | None = None  # the file as a whole can't be read


def importable(name: str, filetype: str) -> bool:
    return name.lower().endswith(IMPORTABLE_EXTENSIONS) or filetype.lower() in IMPORTABLE_TYPES


def decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", "replace")
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
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        value = value[1:]  # the guard our export puts before formula-like cells
    kept = "".join(ch for ch in value if ch.isprintable() or (multiline and ch == "\n"))
    kept = kept.strip() if multiline else " ".join(kept.split())
    return kept or None


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", value) else None
    except ValueError:
        return None


def shown(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def contact_from(values: dict[str, str | None], today: date) -> NewContact | list[str]:
    """One row's contact, or every problem with it (in words a user can fix)."""
    problems: list[str] = []
    name = values.get("name")
    if not name:
        first, last = values.get("first_name"), values.get("last_name")
        name = " ".join(p for p in (first, last) if p) or None
    if not name or not name_key(name):
        problems.append("no name")
    for key, limit in TEXT_LIMITS.items():
        text = name if key == "name" else values.get(key)
        if text and len(text) > limit:
            problems.append(f"{key} is {len(text):,} characters; the limit is {limit:,}")
    email = values.get("email")
    if email and len(email) <= MAX_EMAIL and not EMAIL.match(email):
        problems.append(f"email “{shown(email)}” doesn't look like an email address")
    picked: dict[str, str | None] = {}
    for key, allowed in CHOICES.items():
        raw = values.get(key)
        choice = raw.lower().replace(" ", "_") if raw else None
        if choice and choice not in allowed:
            problems.append(f"{key} “{shown(raw or '')}” should be one of: {', '.join(allowed)}")
        picked[key] = choice if choice in allowed else None
    dates: dict[str, date | None] = {}
    for key in ("met_on", "next_step_due", "follow_up_due", "added_on"):
        raw = values.get(key)
        dates[key] = parse_date(raw) if raw else None
        label = "last_met_on" if key == "met_on" else key
        if raw and dates[key] is None:
            problems.append(f"{label} “{shown(raw)}” isn't a date: use YYYY-MM-DD")
        elif key in ("met_on", "added_on") and (day := dates[key]) is not None and day > today:
            problems.append(f"{label} {day.isoformat()} is in the future")
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
    stage = picked["stage"] or "know"
    # An imported contact without a follow-up state gets its stage's keep-in-touch rhythm: a first check-in.
    every = rhythm_days_for(stage, None, Cadence())
    check_in = work_day_on_or_after(today + timedelta(days=every), None) if every else None
    return NewContact(
        name=name,
        name_key=key,
        company=values.get("company"),
        email=email,
        stage=stage,
        phase=phase or "check_in",
        due_on=dates["follow_up_due"] if phase else check_in,
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
    parsed.contacts.append(result)


def _undated_warning(parsed: Parsed, undated: list[int]) -> None:
    if undated:
        which = ", ".join(str(n) for n in undated[:10]) + (", …" if len(undated) > 10 else "")
        parsed.warnings.append(
            f"{len(undated)} {parsed.unit}{'s' if len(undated) != 1 else ''} ({which}) have meeting details "
            "but no meeting date (last_met_on): I'll import their name, company and email only"
        )


def parse_csv(text: str, today: date) -> Parsed:
    parsed = Parsed(unit="row")
    try:
        records = csv.reader(io.StringIO(text, newline=""))
        header = next(records, None)
        if header is None:
            parsed.fatal = "the file is empty."
            return parsed
        columns: dict[str, int] = {}
        for i, heading in enumerate(header):
            known = ALIASES.get(re.sub(r"[\s\-]+", "_", heading.strip().strip('"').lower()))
            if known and known not in columns:
                columns[known] = i
        if "name" not in columns and "first_name" not in columns and "last_name" not in columns:
            parsed.fatal = (
                "I couldn't find a name column. The first row should be column headings, one of them "
                "called name (company, email and notes are optional)."
            )
            return parsed
        seen: dict[str, int] = {}
        undated: list[int] = []
        rows = 0
        for number, record in enumerate(records, start=2):  # numbered as in a spreadsheet: headings are row 1
            if not any(cell.strip() for cell in record):
                continue
            rows += 1
            if rows > MAX_ROWS:
                parsed.fatal = (
                    f"it has more than {MAX_ROWS:,} rows. Split it into smaller files and share each one."
                )
                return parsed
            values = {
                key: clean(record[i] if i < len(record) else None, multiline=key == "notes")
                for key, i in columns.items()
            }
            _collect(parsed, number, values, today, seen, undated)
    except csv.Error as error:
        parsed.fatal = f"it isn't a readable CSV file ({error})."
        return parsed
    if rows == 0:
        parsed.fatal = "it has headings but no contacts."
    _undated_warning(parsed, undated)
    return parsed


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


def parse_vcard(text: str, today: date) -> Parsed:
    parsed = Parsed(unit="card")
    seen: dict[str, int] = {}
    undated: list[int] = []
    card: dict[str, str | None] | None = None
    number = 0
    notes = 0
    for line in _vcard_lines(text):
        if ":" not in line:
            continue
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        name = name.split(".")[-1].strip().upper()
        upper = [p.upper() for p in params]
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
            _collect(parsed, number, card, today, seen, [])
            card = None
            continue
        if any("QUOTED-PRINTABLE" in p for p in upper):
            charset = next((p.split("=", 1)[1] for p in upper if p.startswith("CHARSET=")), "UTF-8")
            try:
                value = quopri.decodestring(value.encode("latin-1", "replace")).decode(charset, "replace")
            except LookupError:
                value = quopri.decodestring(value.encode("latin-1", "replace")).decode("utf-8", "replace")
        if name == "FN":
            card["name"] = clean(_vcard_unescape(value))
        elif name == "N" and not card.get("n"):
            family, given, additional, *_ = [*_vcard_split(value), "", "", ""]
            card["n"] = clean(" ".join(p for p in (given, additional, family) if p.strip()))
        elif name == "ORG" and not card.get("company"):
            card["company"] = clean(_vcard_split(value)[0])
        elif name == "EMAIL" and not card.get("email"):
            card["email"] = clean(_vcard_unescape(value))
        elif name == "NOTE" and value.strip():
            notes += 1
        if not card.get("name") and card.get("n"):
            card["name"] = card["n"]
    if number == 0:
        parsed.fatal = "I couldn't find any contact cards (BEGIN:VCARD … END:VCARD) in it."
    if notes:
        parsed.warnings.append(
            f"{notes} card{'s' if notes != 1 else ''} have a NOTE: notes belong to a meeting, "
            "and a card has no meeting date, so I'll leave them out"
        )
    _undated_warning(parsed, undated)
    return parsed


def parse_import(content: bytes, today: date) -> Parsed:
    text = decode(content)
    if text.lstrip().upper().startswith("BEGIN:VCARD"):
        return parse_vcard(text, today)
    return parse_csv(text, today)


# --- replies ------------------------------------------------------------------------------------


HOW = (
    "Share a CSV or vCard file with me here, in our direct messages: contacts.csv from /met export, any CSV "
    f"whose first row has a name column (company, email and notes are optional), or a .vcf file. Up to "
    f"{MAX_ROWS:,} contacts and {MAX_BYTES // (1024 * 1024)} MB a file. I'll show you what I found before "
    "importing anything."
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


def preview_reply(file: IncomingFile, parsed: Parsed, known: set[str]) -> Reply:
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
    if parsed.warnings:
        lines = parsed.warnings[:SHOWN_PROBLEMS]
        sections.append(Section(text="\n".join(f"⚠️ {w}" for w in lines)))
    sections.append(
        Section(
            buttons=(
                Button("import.confirm", "Confirm import", file.file_id, style="primary"),
                Button("import.cancel", "Cancel", file.file_id),
            ),
            note="New contacts come in as “in touch”: I won't nudge you about them until you log a meeting "
            "(a metbot contacts.csv keeps each one's follow-up state).",
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
