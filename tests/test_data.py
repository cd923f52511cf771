"""The user's data over HTTP: /met export (files in the DM), /met import (a shared file, a preview, Confirm),
/met forget (one contact, or everything) — and nobody else's buttons can touch any of it."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import vobject
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from bot.parsing import name_key
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Call
from store import data, followups, people
from store.meetings import MeetingValues
from store.models import Base, Breakdown, Contact, FollowUp, Meeting, Member, Referral

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
REFUSED = "That isn't yours to change, so I left it alone."


# --- helpers --------------------------------------------------------------------------------------


def command(bot: OfflineBot, text: str, *, user: str = ALICE) -> dict[str, Any]:
    """`/met <text>`: the ephemeral answer (and, for a capture, wait for the Home refresh too)."""
    published = len(bot.fake.calls_to("views.publish"))
    uses_home = bot.fake.home_view(user) is not None
    answer = bot.slack.command(text, user=user)
    assert answer.status == 200 and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.ok
    words = text.split(maxsplit=1)
    if (
        uses_home
        and words
        and words[0].lower() not in ("export", "import", "forget", "list", "team", "stats")
    ):
        bot.fake.wait_for("views.publish", count=published + 1)
    return call.args


def click(
    bot: OfflineBot, reply: dict[str, Any], action_id: str, *, user: str = ALICE, value: str | None = None
) -> dict[str, Any]:
    """Click a button in an ephemeral reply (as Slack sends it: with a response_url) and return the answer."""
    container = {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": "C0GENERAL",
        "is_ephemeral": True,
    }
    message = {
        "type": "message",
        "ts": "1700000000.000100",
        "text": reply.get("text", ""),
        "blocks": reply.get("blocks", []),
    }
    answer = bot.slack.block_action(
        action_id,
        value,
        user=user,
        message=message,
        container=container,
        channel="C0GENERAL",
        response_url=True,
    )
    assert answer.status == 200 and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    return call.args


def button_value(reply: Call | dict[str, Any], action_id: str) -> str:
    blocks = reply.json_arg("blocks") if isinstance(reply, Call) else reply.get("blocks", [])
    for block in blocks or []:
        for element in block.get("elements", []) + ([block["accessory"]] if block.get("accessory") else []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {reply}")


def share(
    bot: OfflineBot, file_id: str, content: bytes, *, name: str, user: str, filetype: str | None = None
) -> Call:
    """Share a file in the DM with metbot; return the message the bot posted there in answer."""
    bot.fake.add_file(file_id, content, name=name, filetype=filetype, user=user)
    dm = "D" + user
    before = len([c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == dm])
    answer = bot.slack.event(
        {
            "type": "file_shared",
            "file_id": file_id,
            "user_id": user,
            "file": {"id": file_id},
            "channel_id": dm,
        }
    )
    assert answer.status == 200 and answer.elapsed < 3
    [*_, call] = bot.fake.wait_for(
        "chat.postMessage", count=before + 1, where=lambda c: c.args.get("channel") == dm
    )
    assert call.ok
    return call


def confirm_import(bot: OfflineBot, user: str, value: str | None = None) -> dict[str, Any]:
    """Click Confirm import on the last message in the user's DM (or with a forged value)."""
    answer = bot.slack.block_action("import.confirm", value, user=user)
    assert answer.status == 200 and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    return call.args


def text_of(call_or_args: Call | dict[str, Any]) -> str:
    args = call_or_args.args if isinstance(call_or_args, Call) else call_or_args
    return str(args.get("text", "")) + "\n" + str(args.get("blocks", ""))


def exported(bot: OfflineBot, user: str = ALICE) -> dict[str, bytes]:
    """`/met export`; the files it uploaded, by name."""
    before = set(bot.fake.uploads())
    reply = command(bot, "export", user=user)
    assert "sent to our direct messages" in reply["text"]
    new = {fid: f for fid, f in bot.fake.uploads().items() if fid not in before}
    assert {f.channel_id for f in new.values()} == {"D" + user}
    return {f.name: f.content or b"" for f in new.values()}


def member_id(bot: OfflineBot, user: str) -> int:
    with bot.metbot.core.sessions() as session:
        found = people.find_member(session, "slack", "T0DEMO", user)
        assert found is not None
        return found.id


def contacts_of(bot: OfflineBot, user: str) -> list[data.ContactRecord]:
    with bot.metbot.core.sessions() as session:
        found = people.find_member(session, "slack", "T0DEMO", user)
        return data.export_contacts(session, found.id) if found else []


def comparable(c: data.ContactRecord) -> tuple[Any, ...]:
    return (
        c.name,
        c.company,
        c.email,
        c.stage,
        c.phase,
        c.due_on,
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
    )


def table_counts(bot: OfflineBot) -> dict[str, int]:
    with bot.metbot.core.sessions() as session:
        return {
            t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in ("seen_request", "inbox_item")
        }  # replay guard and the inbox of requests, not data


def rows_referencing(session: Session, table_name: str, ids: set[int]) -> dict[str, int]:
    """Rows anywhere in the schema that are, or point at, these rows of `table_name` (by any foreign key)."""
    target = Base.metadata.tables[table_name]
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is target]
        if table is target:
            columns.append(table.c.id)
        for column in columns:
            n = int(session.scalar(select(func.count()).select_from(table).where(column.in_(ids))) or 0)
            if n:
                found[f"{table.name}.{column.name}"] = n
    return found


def seed(bot: OfflineBot, n: int, *, user: str = ALICE) -> None:
    """n contacts with a meeting and a follow-up each, straight through the store (bulk inserts, not HTTP)."""
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        member = people.member(session, "slack", "T0DEMO", user, now)
        member.timezone = "America/New_York"
        rows = []
        for i in range(n):
            name = f"Person {i:04d}"
            rows.append(
                data.NewContact(
                    name=name,
                    name_key=name_key(name),
                    company=f"Company {i % 37}",
                    email=f"p{i}@example.com",
                    phase="follow_up",
                    due_on=date(2026, 12, 1),
                    meeting=MeetingValues(
                        name=name,
                        name_key=name_key(name),
                        met_on=date(2026, 11, 20),
                        event="Expo, hall B",
                        next_step="send the deck",
                        notes=f"note {i}\nline 2",
                    ),
                )
            )
        data.import_contacts(session, member.id, rows, now)
        ids = list(session.scalars(select(Contact.id).where(Contact.member_id == member.id)))
        session.execute(
            insert(FollowUp),
            [
                {"contact_id": cid, "member_id": member.id, "kind": "followed_up", "note": None, "at": now}
                for cid in ids
            ],
        )
        session.add(
            Referral(
                workspace_id=member.workspace_id,
                member_id=member.id,
                direction="given",
                receiver_name="Person 0001",
                receiver_contact_id=ids[1],
                referred_name="Person 0002",
                outcome="closed",
                value="$5k",
                private=False,
                shoutout="none",
                created_at=now,
                updated_at=now,
            )
        )


# --- export ---------------------------------------------------------------------------------------


def test_export_with_no_contacts_says_so_and_sends_nothing(bot: OfflineBot) -> None:
    reply = command(bot, "export")
    assert "nothing to export" in reply["text"]
    assert bot.fake.calls_to("files.getUploadURLExternal") == [] and bot.fake.uploads() == {}


def test_export_of_1000_contacts(bot: OfflineBot, capsys: pytest.CaptureFixture[str]) -> None:
    seed(bot, 1000)
    started = time.perf_counter()
    files = exported(bot)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        backend = bot.database_url.split(":")[0]
        print(f"\n/met export of 1,000 contacts ({backend}): {elapsed:.2f} s end to end")
    assert elapsed < 10
    assert set(files) == {"contacts.csv", "history.csv", "contacts.vcf"}
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1  # one upload call with the three files

    contacts = list(csv.DictReader(io.StringIO(files["contacts.csv"].decode("utf-8-sig"), newline="")))
    assert len(contacts) == 1000
    assert contacts[0]["name"] == "Person 0000" and contacts[0]["event"] == "Expo, hall B"
    assert contacts[0]["notes"] == "note 0\nline 2" and contacts[0]["follow_up_due"] == "2026-12-01"
    history = list(csv.DictReader(io.StringIO(files["history.csv"].decode("utf-8-sig"), newline="")))
    assert Counter(r["record"] for r in history) == {"meeting": 1000, "follow_up": 1000, "referral": 1}
    [referral] = [r for r in history if r["record"] == "referral"]
    assert (
        referral["contact"],
        referral["direction"],
        referral["referred"],
        referral["outcome"],
        referral["value"],
    ) == ("Person 0001", "given", "Person 0002", "closed", "$5k")
    vcards = files["contacts.vcf"].decode("utf-8")
    assert vcards.count("BEGIN:VCARD\r\nVERSION:3.0\r\n") == 1000 and vcards.count("END:VCARD\r\n") == 1000
    first = vobject.readOne(vcards.split("END:VCARD\r\n")[0] + "END:VCARD\r\n")  # an independent reader
    assert (first.fn.value, first.n.value.family, first.n.value.given) == ("Person 0000", "0000", "Person")
    assert (first.org.value, first.email.value, first.email.type_param) == (
        ["Company 0"],
        "p0@example.com",
        "INTERNET",
    )
    unfolded = vcards.replace("\r\n ", "")
    assert "Expo\\, hall B" in unfolded and "note 0\\nline 2" in unfolded  # escaped as vCard 3.0 wants
    assert all(len(line.encode()) <= 75 for line in vcards.split("\r\n"))  # folded


# --- import ---------------------------------------------------------------------------------------


def alices_book(bot: OfflineBot) -> None:
    command(
        bot,
        "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday; offer: intro to Sam",
    )
    command(
        bot, 'José Núñez (Café, Ltd) at Web Summit; connection: strong; notes: likes "good" coffee, a lot'
    )
    command(bot, 'Pat Kim at the Chamber mixer; offer: =HYPERLINK("http://evil")')
    command(bot, "Sam Lee (Globex) at Web Summit")
    with bot.metbot.core.sessions.begin() as session:
        session.execute(
            update(Contact)
            .where(Contact.name == "Sam Lee")
            .values(stage="trust", email="sam@globex.example", phase="check_in", due_on=date(2026, 12, 27))
        )


def test_round_trip_export_then_import_into_a_fresh_user(bot: OfflineBot) -> None:
    alices_book(bot)
    files = exported(bot)
    assert b"'=HYPERLINK" in files["contacts.csv"]  # a formula is never live in a spreadsheet

    preview = share(bot, "F0ROUNDTRIP", files["contacts.csv"], name="contacts.csv", filetype="csv", user=BOB)
    text = text_of(preview)
    assert "Import 4 contacts from contacts.csv?" in text and "Jane Doe" in text
    assert "Not used" not in text  # every column of our own export is read back
    assert button_value(preview, "import.confirm") == "F0ROUNDTRIP"
    assert contacts_of(bot, BOB) == []  # a preview imports nothing

    done = confirm_import(bot, BOB)
    assert done["replace_original"] is True and "Imported 4 contacts" in done["text"]
    assert sorted(map(comparable, contacts_of(bot, BOB))) == sorted(map(comparable, contacts_of(bot, ALICE)))
    assert next(c for c in contacts_of(bot, BOB) if c.name == "Pat Kim").offer == '=HYPERLINK("http://evil")'

    again = confirm_import(bot, BOB)  # a second click imports nobody twice
    assert "Imported 0 contacts" in again["text"] and "4 already in your contacts" in again["text"]
    assert len(contacts_of(bot, BOB)) == 4


def test_vcard_import(bot: OfflineBot) -> None:
    alices_book(bot)
    files = exported(bot)
    preview = share(bot, "F0VCARD", files["contacts.vcf"], name="contacts.vcf", user=CAROL)
    assert "Import 4 contacts from contacts.vcf?" in text_of(preview)
    done = confirm_import(bot, CAROL)
    assert "Imported 4 contacts" in done["text"]
    got = {(c.name, c.company, c.email) for c in contacts_of(bot, CAROL)}
    assert got == {(c.name, c.company, c.email) for c in contacts_of(bot, ALICE)}
    assert ("José Núñez", "Café, Ltd", None) in got


def test_a_generic_csv_and_a_vcard_from_elsewhere(bot: OfflineBot) -> None:
    generic = (
        "Full Name,Organization,E-mail Address\r\nAda Lovelace,Analytical Engines,ada@example.com\r\n"
        "Grace Hopper,,\r\n"
    ).encode("cp1252")
    share(bot, "F0GENERIC", generic, name="people.csv", user=BOB)
    assert "Imported 2 contacts" in confirm_import(bot, BOB)["text"]
    card = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Turing;Alan;;;\r\nORG:Bletchley;Hut 8\r\n"
        b"EMAIL;INTERNET;PREF:alan@example.com\r\nEND:VCARD\r\n"
    )
    share(bot, "F0OLDCARD", card, name="alan.vcf", user=BOB)
    assert "Imported 1 contact" in confirm_import(bot, BOB)["text"]
    assert {(c.name, c.company, c.email, c.phase) for c in contacts_of(bot, BOB)} == {
        ("Ada Lovelace", "Analytical Engines", "ada@example.com", "check_in"),
        ("Grace Hopper", None, None, "check_in"),
        ("Alan Turing", "Bletchley", "alan@example.com", "check_in"),
    }


def test_a_malformed_import_reports_every_row_and_imports_nothing(bot: OfflineBot) -> None:
    rows = [
        "name,company,email,last_met_on",
        "Good Person,Acme,good@example.com,2026-11-01",
        ",Nameless Inc,,",
        f"Long Company,{'x' * 300},,",
        "Bad Date,Acme,,31/12/2025",
        "Future Meeting,Acme,,2030-01-01",
        "Bad Email,Acme,not-an-email,",
    ]
    preview = share(bot, "F0BAD", "\n".join(rows).encode(), name="bad.csv", user=BOB)
    text = text_of(preview)
    assert "I can't import bad.csv: 5 rows have problems, so I imported nothing." in text
    for line in (
        "row 3: no name",
        "row 4: company is 300 characters; the limit is 120",
        "row 5: last_met_on “31/12/2025” isn't a date: use YYYY-MM-DD",
        "row 6: last_met_on 2030-01-01 is in the future",
        "row 7: email “not-an-email” doesn't look like an email address",
    ):
        assert line in text, line
    assert "import.confirm" not in text  # nothing to confirm

    forged = confirm_import(bot, BOB, value="F0BAD")  # a Confirm click anyway: refused as a whole
    assert "I can't import bad.csv" in forged["text"]
    assert contacts_of(bot, BOB) == []


def test_import_limits_and_files_that_are_not_contacts(bot: OfflineBot) -> None:
    many = "name\n" + "".join(f"Person {i}\n" for i in range(5001))
    assert "more than 5,000 rows" in text_of(share(bot, "F0MANY", many.encode(), name="many.csv", user=BOB))
    huge = b"name,notes\n" + b"Someone," + b"x" * (2 * 1024 * 1024) + b"\n"
    assert "bigger than 2 MB" in text_of(share(bot, "F0HUGE", huge, name="huge.csv", user=BOB))
    assert all(c.args["file_id"] != "F0HUGE" for c in bot.fake.calls_to("file_download"))  # never fetched
    assert "isn't one" in text_of(share(bot, "F0PHOTO", b"\x89PNG...", name="photo.png", user=BOB))
    assert "couldn't find a name column" in text_of(
        share(bot, "F0NONAME", b"company\nAcme\n", name="x.csv", user=BOB)
    )
    assert contacts_of(bot, BOB) == []


def test_the_bots_own_uploads_and_channel_files_are_ignored(bot: OfflineBot) -> None:
    alices_book(bot)
    exported(bot)
    posted = len(bot.fake.calls_to("chat.postMessage"))
    for file_id in bot.fake.uploads():  # Slack tells the bot about its own export uploads
        bot.slack.event(
            {
                "type": "file_shared",
                "file_id": file_id,
                "user_id": "UBOT",
                "file": {"id": file_id},
                "channel_id": "DU0ALICE",
            }
        )
    bot.fake.add_file("F0CHANNEL", b"name\nSomeone\n", name="c.csv", user=ALICE)
    bot.slack.event(
        {
            "type": "file_shared",
            "file_id": "F0CHANNEL",
            "user_id": ALICE,
            "file": {"id": "F0CHANNEL"},
            "channel_id": "C0GENERAL",
        }
    )
    time.sleep(0.5)
    assert len(bot.fake.calls_to("chat.postMessage")) == posted
    assert bot.fake.calls_to("file_download") == []


# --- forget ---------------------------------------------------------------------------------------


def history_for(bot: OfflineBot) -> None:
    """Alice: Jane (two meetings, followed up, replied, a breakdown, a referral) and Sam; Bob: his own Jane,
    and a referral he received from Alice."""
    command(bot, "Jane Doe (Acme) at BNI breakfast; next step: send the deck")
    command(bot, "Jane Doe (Acme) at the Acme offsite")
    command(bot, "Sam Lee (Globex) at Web Summit")
    command(bot, "Jane Doe (Initech) at a meetup", user=BOB)
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        for jane in session.scalars(select(Contact).where(Contact.name == "Jane Doe")):
            followups.log_touch(session, jane, "followed_up", now)
            followups.log_touch(session, jane, "replied", now)
            followups.log_breakdown(session, jane, "busy", now)
        alice = people.find_member(session, "slack", "T0DEMO", ALICE)
        bob = people.find_member(session, "slack", "T0DEMO", BOB)
        assert alice is not None and bob is not None
        alices_jane = session.scalars(
            select(Contact).where(Contact.name == "Jane Doe", Contact.member_id == alice.id)
        ).one()
        common = {
            "workspace_id": alice.workspace_id,
            "outcome": "open",
            "private": False,
            "shoutout": "none",
            "created_at": now,
            "updated_at": now,
        }
        session.add(
            Referral(
                member_id=alice.id,
                direction="given",
                giver_member_id=alice.id,
                receiver_member_id=bob.id,
                referred_name="Jane Doe",
                referred_contact_id=alices_jane.id,
                **common,
            )
        )
        session.add(
            Referral(
                member_id=bob.id,
                direction="received",
                giver_member_id=alice.id,
                receiver_member_id=bob.id,
                referred_name="Jane Doe",
                **common,
            )
        )


def contact_ids(bot: OfflineBot, user: str, name: str | None = None) -> set[int]:
    with bot.metbot.core.sessions() as session:
        query = select(Contact.id).join(Member, Member.id == Contact.member_id).where(Member.user_id == user)
        if name is not None:
            query = query.where(Contact.name == name)
        return set(session.scalars(query))


def test_forget_a_contact_deletes_every_row_of_it(bot: OfflineBot) -> None:
    history_for(bot)
    [jane] = contact_ids(bot, ALICE, "Jane Doe")
    others_before = {"sam": contact_ids(bot, ALICE, "Sam Lee"), "bob": contact_ids(bot, BOB)}

    prompt = command(bot, "forget jane DOE")
    assert "Forget Jane Doe (Acme)?" in prompt["text"]
    assert "2 meetings, 4 follow-ups, 1 breakdown" in text_of(prompt)  # met twice, followed up, replied
    assert button_value(prompt, "forget.contact") == str(jane)
    with bot.metbot.core.sessions() as session:
        assert rows_referencing(session, "contact", {jane})  # still there until confirmed

    published = len(bot.fake.calls_to("views.publish"))
    done = click(bot, prompt, "forget.contact")
    assert done["replace_original"] is True and "Forgot Jane Doe" in done["text"]
    with bot.metbot.core.sessions() as session:
        assert rows_referencing(session, "contact", {jane}) == {}
        assert rows_referencing(session, "contact", others_before["sam"] | others_before["bob"])
        # The referral is also Bob's record: it stays, without its link to Alice's forgotten contact.
        links = session.scalars(select(Referral.referred_contact_id).where(Referral.direction == "given"))
        assert links.all() == [None]
    assert {"sam": contact_ids(bot, ALICE, "Sam Lee"), "bob": contact_ids(bot, BOB)} == others_before
    if bot.fake.home_view(ALICE) is not None:
        bot.fake.wait_for("views.publish", count=published + 1)  # the Home follows

    assert "I don't have a contact called Jane Doe" in command(bot, "forget Jane Doe")["text"]


def test_forget_finds_near_names_and_asks_which(bot: OfflineBot) -> None:
    history_for(bot)
    command(bot, "Jane Smith at BNI breakfast")
    prompt = command(bot, "forget jane")
    assert "Did you mean one of these?" in prompt["text"]
    [jane_doe] = contact_ids(bot, ALICE, "Jane Doe")
    picked = click(bot, prompt, "forget.pick", value=str(jane_doe))
    assert "Forget Jane Doe (Acme)?" in picked["text"]
    assert click(bot, picked, "forget.cancel")["text"] == "OK, I deleted nothing."
    assert contact_ids(bot, ALICE, "Jane Doe") == {jane_doe}


def test_forget_me_deletes_every_row_of_the_member(bot: OfflineBot) -> None:
    history_for(bot)
    bot.clock.advance(timedelta(days=1))
    bot.sweep()  # a digest row for Alice, too
    alice, mine = member_id(bot, ALICE), contact_ids(bot, ALICE)
    bobs = contact_ids(bot, BOB)

    prompt = command(bot, "forget me")
    assert "Delete everything I store about you?" in prompt["text"]
    assert button_value(prompt, "forget.me") == str(alice)
    done = click(bot, prompt, "forget.me")
    assert "everything I stored about you is deleted" in done["text"]

    bob = member_id(bot, BOB)
    with bot.metbot.core.sessions() as session:
        assert rows_referencing(session, "member", {alice}) == {}
        assert rows_referencing(session, "contact", mine) == {}
        assert rows_referencing(session, "member", {bob})
        # Alice's own referral is gone; the one Bob recorded stays his, no longer naming Alice's member row.
        left = session.execute(select(Referral.member_id, Referral.giver_member_id)).all()
        assert [tuple(r) for r in left] == [(bob, None)]
    assert contact_ids(bot, BOB) == bobs
    time.sleep(0.3)  # the Home refresh after it must not bring the member back
    with bot.metbot.core.sessions() as session:
        assert people.find_member(session, "slack", "T0DEMO", ALICE) is None


def test_another_users_confirm_buttons_change_nothing(bot: OfflineBot) -> None:
    history_for(bot)
    alices_prompt = command(bot, "forget Jane Doe")
    [jane] = contact_ids(bot, ALICE, "Jane Doe")
    alice = member_id(bot, ALICE)
    bot.fake.add_file("F0ALICES", b"name\nSomeone New\n", name="mine.csv", user=ALICE)
    before = table_counts(bot)
    downloads = len(bot.fake.calls_to("file_download"))

    forged = (
        ("forget.contact", str(jane)),
        ("forget.pick", str(jane)),
        ("forget.me", str(alice)),
        ("forget.contact", "abc"),
        ("forget.me", "-1"),
    )
    for action_id, value in forged:
        assert click(bot, alices_prompt, action_id, user=BOB, value=value)["text"] == REFUSED, action_id
    assert confirm_import(bot, BOB, value="F0ALICES")["text"] == REFUSED
    assert confirm_import(bot, BOB, value="../../etc/passwd")["text"] == REFUSED

    assert table_counts(bot) == before
    assert len(bot.fake.calls_to("file_download")) == downloads  # someone else's file is never fetched
    assert contact_ids(bot, ALICE, "Jane Doe") == {jane}


def test_the_database_cascades_deletes_too(bot: OfflineBot) -> None:
    # Belt and braces: forgetting deletes children explicitly, but the schema's ON DELETE CASCADE (and
    # SQLite's PRAGMA foreign_keys=ON) must hold on its own as well.
    history_for(bot)
    [jane] = contact_ids(bot, ALICE, "Jane Doe")
    with bot.metbot.core.sessions.begin() as session:
        session.execute(delete(Contact).where(Contact.id == jane))
    with bot.metbot.core.sessions() as session:
        for model in (Meeting, FollowUp, Breakdown):
            left = session.scalar(select(func.count()).select_from(model).where(model.contact_id == jane))
            assert left == 0, model.__tablename__


# --- the parser on its own ------------------------------------------------------------------------


def test_the_importer_reads_what_other_tools_write() -> None:
    from bot.importing import parse_import

    today = date(2026, 11, 27)
    split_names = parse_import(b"\xef\xbb\xbfFirst Name,Last Name,Company\r\nAda,Lovelace,\r\n,,\r\n", today)
    assert [(c.name, c.company) for c in split_names.contacts] == [("Ada Lovelace", None)]  # blank: skipped
    folded = parse_import(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jos\xc3\xa9 N\xc3\xba\xc3\xb1ez\r\n"
        b"ORG:Caf\xc3\xa9\\, Ltd;Sales\r\n"
        b"EMAIL;TYPE=INTERNET:jose@exa\r\n mple.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCller;Anna;;;\r\n"
        b"END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nORG:Nobody Inc\r\nEND:VCARD\r\n",
        today,
    )
    assert [(c.name, c.company, c.email) for c in folded.contacts] == [
        ("José Núñez", "Café, Ltd", "jose@example.com"),
        ("Anna Müller", None, None),
    ]
    assert folded.problems == ["card 3: no name"]
    twice = parse_import(b"name\nJane Doe\njane  DOE\n", today)
    assert len(twice.contacts) == 1
    assert twice.warnings == ["row 3: jane DOE is also on row 2; I'll use that one"]
    assert parse_import(b"", today).fatal == "the file is empty."
