"""`/met export`: the user's data as files — contacts.csv, history.csv and contacts.vcf. Pure: records in,
bytes out.

contacts.csv is also what `/met import` reads back, so an export can be carried to another workspace.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import vobject

from bot.results import Attachment, Files, Reply, Section
from bot.taxonomy import BY_KEY
from store.data import ContactRecord, HistoryRecord

# The contract's columns first, in DESIGN.md's order (tools and people read them by name), then metbot's own
# follow-up state, which /met import reads back.
CONTACT_COLUMNS = (
    "name",
    "company",
    "title",
    "email",
    "phone",
    "url",
    "stage",
    "event",
    "last_met_on",
    "next_step",
    "next_step_owner",
    "next_step_due",
    "offer",
    "connection",
    "notes",
    "follow_up",
    "follow_up_due",
    "rhythm_days",
    "meetings",
    "offer_kind",
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
# Fullwidth ＝ ＋ － ＠ too (spreadsheets in CJK locales read them as formulas), and | (DDE in old Excel).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20", "|")


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


def notes_of(c: ContactRecord) -> str | None:
    """The contact's own notes and their latest meeting's, in one cell."""
    return "\n\n".join(n for n in (c.about, c.notes) if n) or None


def contacts_csv(contacts: Sequence[ContactRecord]) -> bytes:
    return csv_bytes(
        CONTACT_COLUMNS,
        (
            (
                c.name,
                c.company,
                c.title,
                c.email,
                c.phone,
                c.url,
                c.stage,
                c.event,
                c.last_met_on,
                c.next_step,
                c.next_step_owner,
                c.next_step_due,
                c.offer,
                c.connection,
                notes_of(c),
                c.phase,
                c.due_on,
                c.rhythm_days,
                c.meetings,
                c.offer_kind,
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


# --- vCard 3.0 (RFC 2426), written by vobject: its escaping, folding (never inside a character) and
# structured N/ORG values are what address books expect, and it is the reader our tests check it with.


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
    return "\n".join(p for p in (c.about, " ".join(parts)) if p)


def vcard(c: ContactRecord) -> str:
    words = c.name.split()
    family, given = (words[-1], " ".join(words[:-1])) if len(words) > 1 else (c.name, "")
    card = vobject.vCard()
    card.add("fn").value = c.name
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    if c.company:
        card.add("org").value = [c.company]
    if c.title:
        card.add("title").value = c.title
    if c.email:
        card.add("email").value = c.email
        card.email.type_param = "INTERNET"
    if c.phone:
        card.add("tel").value = c.phone
    if c.url:
        card.add("url").value = c.url
    note = note_for(c)
    if note:
        card.add("note").value = note
    text: str = card.serialize()
    return text


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
