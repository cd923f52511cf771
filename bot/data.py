"""The user's own data — export, import, forget — as use cases over the store, answering in plain results.

Every request that names a row (a contact, the member, a shared file) is checked against the acting user
first; a refusal changes nothing and is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from bot import forget, importing
from bot.cadence import local_today
from bot.clock import Clock
from bot.export import export_files
from bot.importing import IncomingFile
from bot.parsing import name_key
from bot.results import Files, Refusal, Reply, Who
from store import data, people
from store.db import Sessions

log = logging.getLogger("metbot.data")


@dataclass
class UserData:
    sessions: Sessions
    clock: Clock

    def refuse(self, who: Who, action: str, value: object) -> Refusal:
        log.warning(
            "refused: not the acting user's",
            extra={"team": who.workspace, "user": who.user, "action": action, "value": str(value)[:40]},
        )
        return Refusal()

    # --- export -------------------------------------------------------------------------------

    def export(self, who: Who) -> Files | Reply:
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None:
                return export_files([], [])
            contacts = data.export_contacts(session, member.id)
            history = data.export_history(session, member.id)
        return export_files(contacts, history)

    # --- import -------------------------------------------------------------------------------

    def import_help(self) -> Reply:
        return importing.import_help()

    def _parse(
        self, who: Who, file: IncomingFile, action: str
    ) -> tuple[importing.Parsed | None, Reply | Refusal | None]:
        """The file's rows, or the answer to give instead (not theirs, not contacts, too big)."""
        if file.owner != who.user:
            return None, self.refuse(who, action, file.file_id)
        replace = action == "import.confirm"
        if not importing.importable(file.name, file.filetype):
            return None, importing.not_importable(file.name, replace=replace)
        if file.size > importing.MAX_BYTES or file.content is None or len(file.content) > importing.MAX_BYTES:
            return None, importing.too_big(file.name, replace=replace)
        today, work_days = self._today(who)
        return importing.parse_import(file.content, today, work_days), None

    def _today(self, who: Who) -> tuple[date, str]:
        """The member's local date and working days (their stay-in-touch dates fall on those)."""
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            timezone = member.timezone if member else None
            work_days = (member.work_days if member else None) or "12345"
        return local_today(self.clock(), timezone), work_days

    def import_preview(self, who: Who, file: IncomingFile) -> Reply | Refusal:
        parsed, answer = self._parse(who, file, "import.preview")
        if parsed is None:
            assert answer is not None
            return answer
        known: set[str] = set()
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if member is not None:
                known = data.known_keys(session, member.id)
        return importing.preview_reply(file, parsed, known, self._today(who)[0])

    def import_confirm(self, who: Who, file: IncomingFile) -> Reply | Refusal:
        """Re-read the file (checked again, not trusted from the preview); import it all, or nothing."""
        parsed, answer = self._parse(who, file, "import.confirm")
        if parsed is None:
            assert answer is not None
            return answer
        refused = importing.refused_reply(file.name, parsed, replace=True)
        if refused is not None:
            return refused
        now = self.clock()
        try:
            with self.sessions.begin() as session:
                member = people.member(session, who.platform, who.workspace, who.user, now)
                result = data.import_contacts(session, member.id, parsed.contacts, now)
        except SQLAlchemyError:
            log.exception("import failed", extra={"team": who.workspace, "user": who.user})
            return importing.failed_reply()
        log.info(
            "imported",
            extra={
                "team": who.workspace,
                "user": who.user,
                "action": "import",
                "created": result.created,
                "existing": result.existing,
            },
        )
        return importing.imported_reply(file.name, result)

    # --- forget -------------------------------------------------------------------------------

    def forget_prompt(self, who: Who, text: str) -> Reply:
        """`/met forget <name>` or `/met forget me`: show what would go, with a button to confirm."""
        wanted = " ".join(text.split())
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if not wanted:
                return forget.usage_reply()
            if wanted.lower() == "me":
                if member is None:
                    return forget.nothing_stored_reply()
                return forget.confirm_me_reply(member.id, data.member_footprint(session, member.id))
            if member is None:
                return forget.no_match_reply(wanted)
            matches = data.contacts_named(session, member.id, name_key(wanted))
            if not matches:
                return forget.no_match_reply(wanted)
            if len(matches) == 1:
                contact_id, _, company = matches[0]
                footprint = data.contact_footprint(session, member.id, contact_id)
                assert footprint is not None
                return forget.confirm_contact_reply(contact_id, footprint, company)
            return forget.pick_contact_reply(wanted, matches)

    def forget_pick(self, who: Who, contact_id: int | None) -> Reply | Refusal:
        with self.sessions() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            footprint = (
                data.contact_footprint(session, member.id, contact_id)
                if member is not None and contact_id is not None
                else None
            )
            if member is None or footprint is None or contact_id is None:
                return self.refuse(who, "forget.pick", contact_id)
            matches = [
                m
                for m in data.contacts_named(session, member.id, name_key(footprint.name or ""))
                if m[0] == contact_id
            ]
        company = matches[0][2] if matches else None
        reply = forget.confirm_contact_reply(contact_id, footprint, company)
        return Reply(headline=reply.headline, sections=reply.sections, replace_original=True)

    def forget_contact(self, who: Who, contact_id: int | None) -> Reply | Refusal:
        with self.sessions.begin() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            footprint = (
                data.contact_footprint(session, member.id, contact_id)
                if member is not None and contact_id is not None
                else None
            )
            if member is None or footprint is None or contact_id is None:
                return self.refuse(who, "forget.contact", contact_id)
            data.forget_contact(session, member.id, contact_id)
        log.info(
            "forgot a contact",
            extra={
                "team": who.workspace,
                "user": who.user,
                "action": "forget.contact",
                "meetings": footprint.meetings,
                "follow_ups": footprint.follow_ups,
            },
        )
        return forget.forgot_contact_reply(footprint.name or "them")

    def forget_me(self, who: Who, member_id: int | None) -> Reply | Refusal:
        with self.sessions.begin() as session:
            member = people.find_member(session, who.platform, who.workspace, who.user)
            if member is None and member_id is not None:
                return forget.nothing_stored_reply()  # a second click: already gone
            if member is None or member.id != member_id:
                return self.refuse(who, "forget.me", member_id)
            data.forget_member(session, member.id)
            people.remember_forgotten(session, who.platform, who.workspace, who.user, self.clock())
        log.info("forgot a member", extra={"team": who.workspace, "user": who.user, "action": "forget.me"})
        return forget.forgot_me_reply()

    def forget_cancelled(self) -> Reply:
        return forget.cancelled_reply()
