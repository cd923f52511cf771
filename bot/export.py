"""`/met export`: the user's data as files — contacts.csv, history.csv and contacts.vcf. Pure: records in,
bytes out.

contacts.csv is also what `/met import` reads back, so an export can be carried to another workspace.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.results import Attachment, Files, Reply, Section
from bot.taxonomy import BY_KEY
from store.data import ContactRecord, HistoryRecord

CONTACT_COLUMNS = (
    "name",
    "company",
    "email",
    "stage",
    "follow_up",
    "follow_up_due",
    "meetings",
    "last_met_on",
    "event",
    "next_step",
    "next_step_owner",
    "next_step_due",
    "offer",
    "offer_kind",
    "connection",
    "notes",
    "added_on",
    "slack_user",
)
HISTORY_COLUMNS = (
    "record",
    "contact",
    "at",
    "met_on",
    "event",
    "next_step",
    "next_step_owner",
    "next_step_due",
    "offer",
    "offer_kind",
    "connection",
    "notes",
    "kind",
    "note",
    "reason",
    "reason_label",
    "direction",
    "referred",
    "company",
    "outcome",
    "value",
)
# A cell starting with one of these is a formula to a spreadsheet: it is written with a leading ' (which
# spreadsheets hide and /met import removes), so opening an export can never run anything.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read accents right), CRLF line ends, RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def contacts_csv(contacts: Sequence[ContactRecord]) -> bytes:
    return csv_bytes(
        CONTACT_COLUMNS,
        (
            (
                c.name,
                c.company,
                c.email,
                c.stage,
                c.phase,
                c.due_on,
                c.meetings,
                c.last_met_on,
                c.event,
                c.next_step,
                c.next_step_owner,
                c.next_step_due,
                c.offer,
                c.offer_kind,
                c.connection,
                c.notes,
                c.added_at.date(),
                c.linked_user_id,
            )
            for c in contacts
        ),
    )


def history_csv(records: Sequence[HistoryRecord]) -> bytes:
    return csv_bytes(
        HISTORY_COLUMNS,
        (
            (
                r.record,
                r.contact,
                r.at,
                r.met_on,
                r.event,
                r.next_step,
                r.next_step_owner,
                r.next_step_due,
                r.offer,
                r.offer_kind,
                r.connection,
                r.notes,
                r.kind,
                r.note,
                r.reason,
                BY_KEY[r.reason].label if r.reason in BY_KEY else None,
                r.direction,
                r.referred,
                r.company,
                r.outcome,
                r.value,
            )
            for r in records
        ),
    )


# --- vCard 3.0 (RFC 2426) -----------------------------------------------------------------------


def vcard_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str, limit: int = 75) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a character."""
    if len(line) * 4 <= limit or len(line.encode("utf-8")) <= limit:
        return line
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > (limit if not parts else limit - 1):
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def note_for(c: ContactRecord) -> str:
    parts = []
    if c.last_met_on:
        parts.append(f"Met {c.last_met_on.isoformat()}" + (f" at {c.event}" if c.event else "") + ".")
    if c.next_step:
        parts.append(
            f"Next step: {c.next_step}"
            + (f" (due {c.next_step_due.isoformat()})" if c.next_step_due else "")
            + "."
        )
    if c.offer:
        parts.append(f"Offer: {c.offer}.")
    if c.notes:
        parts.append(c.notes)
    return " ".join(parts)


def vcard(c: ContactRecord) -> str:
    words = c.name.split()
    family, given = (words[-1], " ".join(words[:-1])) if len(words) > 1 else (c.name, "")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{vcard_escape(c.name)}",
        f"N:{vcard_escape(family)};{vcard_escape(given)};;;",
    ]
    if c.company:
        lines.append(f"ORG:{vcard_escape(c.company)}")
    if c.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(c.email)}")
    note = note_for(c)
    if note:
        lines.append(f"NOTE:{vcard_escape(note)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def contacts_vcf(contacts: Sequence[ContactRecord]) -> bytes:
    return "".join(vcard(c) for c in contacts).encode("utf-8")


# --- the reply ----------------------------------------------------------------------------------


def export_files(contacts: Sequence[ContactRecord], history: Sequence[HistoryRecord]) -> Files | Reply:
    if not contacts and not history:
        text = "You have no contacts, meetings or follow-ups stored with me: there is nothing to export."
        return Reply(headline=text, sections=(Section(text=text),))
    n = len(contacts)
    headline = (
        f"Your data: {n} contact{'s' if n != 1 else ''} and {len(history)} history record"
        f"{'s' if len(history) != 1 else ''}, sent to our direct messages."
    )
    files = (
        Attachment("contacts.csv", "Contacts", contacts_csv(contacts), "text/csv"),
        Attachment("history.csv", "Meetings, follow-ups and breakdowns", history_csv(history), "text/csv"),
        Attachment("contacts.vcf", "Contacts (vCard)", contacts_vcf(contacts), "text/vcard"),
    )
    reply = Reply(
        headline=headline,
        sections=(
            Section(text=headline),
            Section(
                note="contacts.csv has one row a contact with its latest meeting; history.csv one row a "
                "meeting, follow-up, breakdown or referral (the record column says which); contacts.vcf "
                "opens in any address book. /met import reads contacts.csv back."
            ),
        ),
    )
    return Files(reply=reply, files=files, comment=f"Your metbot export: {n} contact{'s' if n != 1 else ''}.")
