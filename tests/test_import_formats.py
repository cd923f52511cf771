"""/met import of contacts as people really export them — LinkedIn, Google Contacts (both shapes), Outlook
(outlook.com and Windows), vCard 3.0 and 4.0, a semicolon CSV from Excel — shared in the DM over the real app,
and the export side: contacts.csv's contract columns, the vCard's details, cells that would be formulas."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import vobject
from conftest import START
from sqlalchemy import update
from test_data import BOB, alices_book, confirm_import, contacts_of, exported, share, text_of

from bot.cadence import RHYTHM_BY_STAGE
from bot.export import CONTACT_COLUMNS, cell, contacts_csv
from bot.importing import clean, parse_import, stay_in_touch
from handlers.slack.offline import OfflineBot
from store.data import ContactRecord, NewContact
from store.models import Contact

SAMPLES = Path(__file__).parent / "data" / "imports"
TODAY = date(2026, 11, 27)  # conftest's START, a Friday

# name, company, title, email, phone, url, notes: what a person expects to find after the import.
EXPECTED: dict[str, list[tuple[str | None, ...]]] = {
    "linkedin_Connections.csv": [
        (
            "Jane Doe",
            "Acme Corp",
            "Chief Financial Officer",
            "jane.doe@acme.example",
            None,
            "https://www.linkedin.com/in/janedoe",
            None,
        ),
        (
            "José Álvarez-Ruiz",
            "Globex",
            "VP Sales, EMEA",
            None,
            None,
            "https://www.linkedin.com/in/jose-alvarez-ruiz-4b1a2c3",
            None,
        ),
        (
            "Priya Natarajan",
            "Initech, Inc.",
            "Founder & CEO",
            None,
            None,
            "https://www.linkedin.com/in/priyanatarajan",
            None,
        ),
        (
            "Chloé Martin",
            "VivaTech",
            "Head of Partnerships",
            "chloe@vivatech.example",
            None,
            "https://www.linkedin.com/in/chloemartin",
            None,
        ),
    ],
    "google_contacts.csv": [
        (
            "Ada King Lovelace",
            "Analytical Engines",
            "Mathematician",
            "ada@engines.example",
            "+44 20 7946 0958",
            "https://ada.example/about",
            'Met at the Royal Society; loves "notes" on Bernoulli numbers\nsecond line',
        ),
        ("Grace Hopper", "US Navy", "Rear Admiral", None, "(202) 555-0143", None, None),
        ("Hugo", None, None, "hugo@example.fr", None, None, None),
    ],
    "google_contacts_old.csv": [
        (
            "Alan Turing",
            "Bletchley Park",
            "Cryptanalyst",
            "alan@bletchley.example",
            "+44 1908 640404",
            "http://www.turing.example/",
            "Codebreaker, Hut 8",
        ),
        ("Joan Clarke", "Bletchley Park", None, None, None, None, None),
    ],
    "outlook_com_contacts.csv": [
        (
            "Isabel Díaz",
            "Telefónica",
            "VP Sales",  # not "Dr.": Outlook's Title column is the honorific
            "isabel.diaz@telefonica.example",
            "+34 612 345 678",  # the mobile before the office line
            "https://www.telefonica.example",
            "Met at MWC Barcelona.\nWants the case study.",
        ),
        (
            "Ahmed Khan",
            "Khan Consulting",
            "Partner",
            "ahmed@khan-consulting.example",
            "020 7946 0321",
            None,
            None,
        ),
    ],
    "outlook_desktop_contacts.csv": [
        (
            "François Lefèvre",
            "Société Générale",
            "Directeur financier",
            "f.lefevre@socgen.example",
            "+33 6 12 34 56 78",
            "www.socgen.example",
            "Café after VivaTech – intro to Chloé",
        ),
    ],
    "contacts_v3.vcf": [
        (
            "Yuki Nakamura",
            "Sony Group",
            "Principal Engineer",
            "yuki.nakamura@sony.example",
            "+81 90-1234-5678",
            "https://www.linkedin.com/in/yukinakamura",
            "Met at CES, booth 12. Interested in our sensor line; follow up in January with the samples.",
        ),
        ("Dr. Chidi Okafor", "Lagos Health Tech", None, "chidi@lht.example", "+234 1 280 0000", None, None),
    ],
    "contacts_v4.vcf": [
        (
            "Marta Kowalska",
            "Allegro",
            "Head of Growth",
            "marta.kowalska@allegro.example",
            "+48-601-234-567",
            "https://marta.example",
            "Met at Web Summit Lisbon, talked about marketplaces in Central Europe and a podcast swap.\n"
            "Send her our Q4 report.",
        ),
        ("Lars Eriksson", None, None, "lars@spotify.example", None, None, None),
    ],
    "excel_semicolons.csv": [
        (
            "Jürgen Weiß",
            "Siemens",
            None,
            "juergen.weiss@siemens.example",
            "+49 89 636 00",
            None,
            "Messe München",
        ),
        ("Anna Schmidt", None, None, None, None, None, None),
    ],
}
# What the preview says it left out (columns, or vCard properties, that have data).
UNUSED: dict[str, tuple[str, ...]] = {
    "linkedin_Connections.csv": (),
    "google_contacts.csv": ("Birthday", "Labels", "Address 1 - Formatted"),
    "google_contacts_old.csv": ("Group Membership",),
    "outlook_com_contacts.csv": ("Title", "Business City"),
    "outlook_desktop_contacts.csv": ("Title", "Birthday", "E-mail Display Name"),
    "contacts_v3.vcf": ("the cards' addresses, birthdays",),  # ADR and BDAY, in words
    "contacts_v4.vcf": ("the cards' gender",),
    "excel_semicolons.csv": (),
}


def details(c: ContactRecord) -> tuple[str | None, ...]:
    return (c.name, c.company, c.title, c.email, c.phone, c.url, c.about)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_each_format_imports_as_a_person_means_it(bot: OfflineBot, filename: str) -> None:
    content = (SAMPLES / filename).read_bytes()
    preview = share(
        bot, "F0" + filename.split(".")[0].upper().replace("_", ""), content, name=filename, user=BOB
    )
    text = text_of(preview)
    n = len(EXPECTED[filename])
    assert f"Import {n} contact{'s' if n != 1 else ''} from {filename}?" in text
    for column in UNUSED[filename]:
        assert column in text, column
    assert ("Not used:" in text) == bool(UNUSED[filename])
    assert "I'll remind you to get back in touch" in text
    assert contacts_of(bot, BOB) == []  # a preview imports nothing

    done = confirm_import(bot, BOB)
    assert f"Imported {n} contact" in done["text"]
    stored = contacts_of(bot, BOB)
    assert sorted(map(details, stored)) == sorted(EXPECTED[filename])
    for c in stored:  # a stay-in-touch date, a week to a rhythm away, on a working day
        assert c.phase == "check_in" and c.due_on is not None, c.name
        assert TODAY + timedelta(days=7) <= c.due_on <= TODAY + timedelta(days=RHYTHM_BY_STAGE["know"])
        assert c.due_on.isoweekday() <= 5, c.due_on


def test_linkedin_connected_on_is_when_the_contact_was_added(bot: OfflineBot) -> None:
    share(
        bot,
        "F0LINKEDIN",
        (SAMPLES / "linkedin_Connections.csv").read_bytes(),
        name="Connections.csv",
        user=BOB,
    )
    confirm_import(bot, BOB)
    added = {c.name: c.added_at.date() for c in contacts_of(bot, BOB)}
    assert added["Jane Doe"] == date(2024, 12, 4) and added["José Álvarez-Ruiz"] == date(2023, 3, 15)


def test_a_big_import_is_spread_over_the_weeks_not_one_digest(bot: OfflineBot) -> None:
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    rows = "".join(f"Person,Number {i:03d},,,Acme,,01 Jan 2025\n" for i in range(600))
    share(bot, "F0BIG", ("Notes:\n\n" + header + rows).encode(), name="Connections.csv", user=BOB)
    assert "Imported 600 contacts" in confirm_import(bot, BOB)["text"]
    per_day = Counter(c.due_on for c in contacts_of(bot, BOB))
    working_days = [
        TODAY + timedelta(days=n)
        for n in range(7, RHYTHM_BY_STAGE["know"] + 1)
        if (TODAY + timedelta(days=n)).isoweekday() <= 5
    ]
    assert set(per_day) == set(working_days)  # every working day from a week out to one rhythm gets some
    assert max(per_day.values()) - min(per_day.values()) <= 1  # and evenly


def test_stay_in_touch_follows_each_stage_and_a_contacts_own_rhythm() -> None:
    people = [
        NewContact(name="Know", name_key="know", stage="know"),
        NewContact(name="Like", name_key="like", stage="like"),
        NewContact(name="Trust", name_key="trust", stage="trust"),
        NewContact(name="Own", name_key="own", stage="trust", rhythm_days=10),
        NewContact(name="Cold", name_key="cold", phase="cold"),
        NewContact(name="Set", name_key="set", phase="follow_up", due_on=date(2026, 12, 1)),
    ]
    got = {c.name: c.due_on for c in stay_in_touch(people, TODAY, "12345")}
    assert got["Cold"] is None and got["Set"] == date(2026, 12, 1)  # gone cold: none; its own date kept
    assert got["Own"] is not None and got["Own"] <= TODAY + timedelta(days=10)
    weekends = {c.name: c.due_on for c in stay_in_touch(people, TODAY, "1234567")}  # they work every day
    assert all(day == TODAY + timedelta(days=7) for name, day in weekends.items() if name in ("Know", "Like"))


def test_the_preview_explains_problems_in_an_exported_file() -> None:
    linkedin = (SAMPLES / "linkedin_Connections.csv").read_bytes().replace(b"04 Dec 2024", b"04/12/2024")
    parsed = parse_import(linkedin, TODAY)
    assert parsed.problems == [
        "row 5: added_on “04/12/2024” isn't a date: use YYYY-MM-DD"
    ]  # numbered as opened
    assert parse_import(b"Notes:\n\nCompany,Position\nAcme,CEO\n", TODAY).fatal is not None


# --- export -----------------------------------------------------------------------------------------


def test_contacts_csv_has_the_contract_columns_in_order_and_the_vcard_the_details(bot: OfflineBot) -> None:
    alices_book(bot)
    with bot.metbot.core.sessions.begin() as session:
        session.execute(
            update(Contact)
            .where(Contact.name == "Jane Doe")
            .values(
                title="CFO",
                email="jane@acme.example",
                phone="+1 415 555 0100",
                url="https://www.linkedin.com/in/janedoe",
                rhythm_days=42,
                notes="Two kids; runs marathons",
            )
        )
    files = exported(bot)
    text = files["contacts.csv"].decode("utf-8-sig")
    contract = "name,company,title,email,phone,url,stage,event,last_met_on,next_step,next_step_owner,"
    contract += "next_step_due,offer,connection,notes"
    assert text.startswith(contract + ",")  # the contract's columns first, in DESIGN.md's order
    jane = next(r for r in csv.DictReader(io.StringIO(text, newline="")) if r["name"] == "Jane Doe")
    assert (jane["title"], jane["email"], jane["phone"], jane["url"], jane["rhythm_days"]) == (
        "CFO",
        "jane@acme.example",
        "'+1 415 555 0100",  # a phone number starting with + is a formula to a spreadsheet
        "https://www.linkedin.com/in/janedoe",
        "42",
    )
    assert jane["notes"].startswith("Two kids; runs marathons")
    cards = {c.fn.value: c for c in vobject.readComponents(files["contacts.vcf"].decode("utf-8"))}
    card = cards["Jane Doe"]
    assert (card.title.value, card.email.value, card.tel.value, card.url.value) == (
        "CFO",
        "jane@acme.example",
        "+1 415 555 0100",  # a vCard is no spreadsheet: no guard
        "https://www.linkedin.com/in/janedoe",
    )
    assert "Two kids; runs marathons" in card.note.value and cards["José Núñez"].org.value == ["Café, Ltd"]

    share(bot, "F0BACK", files["contacts.csv"], name="contacts.csv", user=BOB)  # and back in, the same
    confirm_import(bot, BOB)
    back = next(c for c in contacts_of(bot, BOB) if c.name == "Jane Doe")
    assert (back.title, back.email, back.phone, back.url, back.rhythm_days) == (
        "CFO",
        "jane@acme.example",
        "+1 415 555 0100",
        "https://www.linkedin.com/in/janedoe",
        42,
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "|"])
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(start: str) -> None:
    value = start + 'HYPERLINK("http://evil.example","click")'
    assert cell(value) == "'" + value
    assert clean(cell(value), multiline=True) == clean(value, multiline=True)  # /met import takes it back off
    record = ContactRecord(
        name=value,
        company=value,
        email=None,
        linked_user_id=None,
        stage="know",
        phase="check_in",
        due_on=None,
        added_at=START,
        meetings=0,
        title=value,
        notes=value,
    )
    [row] = list(csv.DictReader(io.StringIO(contacts_csv([record]).decode("utf-8-sig"), newline="")))
    for column in ("name", "company", "title", "notes"):
        assert row[column].startswith("'"), column
    assert list(row) == list(CONTACT_COLUMNS)


def test_ordinary_cells_are_left_alone() -> None:
    for value in ("Jane Doe", "O'Brien", "'quoted'", "a=b", "Ünïcode", "100%"):
        assert cell(value) == value
