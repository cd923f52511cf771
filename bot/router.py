"""The one router: every command, sub-command, button and form, declared once, platform-free.

An edge maps its payloads to `handle_command`, `handle_action` or `handle_submit` and renders what
comes back. Action ids are an enum; payloads are typed values that the edge carries in a button's
value and gives back through `decode`, which trusts nothing: a value that names no row of the right
shape becomes None, and every use case checks that the row is the acting user's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot import capture, config, importing
from bot.importing import IncomingFile
from bot.records import Channel, Person, Problem, Who
from bot.referrals import FORM_ID as REFERRAL_FORM
from bot.referrals import VALUE_FORM_ID as REFERRAL_VALUE_FORM
from bot.referrals import help_reply as referral_help
from bot.results import Files, Form, FormErrors, Refusal, Reply, Section

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("metbot.router")

Answer = Reply | Section | Form | FormErrors | Refusal | Files


class Action(StrEnum):
    """Every button and menu the core puts in front of a user."""

    MEETING_EDIT = "meeting.edit"
    MEETING_ADD_NEXT_STEP = "meeting.add_next_step"
    MEETING_ADD_OFFER = "meeting.add_offer"
    FOLLOWED_UP = "fu.done"
    WENT_COLD = "fu.cold"
    CONTACT_COLD = "contact.cold"
    SNOOZE = "fu.snooze"
    RESPONDED_YES = "fu.yes"
    RESPONDED_NOT_YET = "fu.not_yet"
    RESPONDED_NO = "fu.no"
    WHY = "fu.why"
    REFERRAL_OUTCOME = "referral.outcome"
    IMPORT_CONFIRM = "import.confirm"
    IMPORT_CANCEL = "import.cancel"
    FORGET_CONTACT = "forget.contact"
    FORGET_ME = "forget.me"
    FORGET_PICK = "forget.pick"
    FORGET_CANCEL = "forget.cancel"
    LET_IT_REST = "fu.rest"
    KEEP_IN_TOUCH = "fu.rhythm"
    DECIDE = "fu.decide"
    CONTACT_OPEN = "contact.open"
    CONTACTS_NEXT = "contacts.next"
    CONTACTS_PREVIOUS = "contacts.previous"
    CONTACTS_FIND = "contacts.find"
    ADD_TO_CALENDAR = capture.ADD_TO_CALENDAR


class FormId(StrEnum):
    MEETING = capture.FORM_ID
    REFERRAL = REFERRAL_FORM
    REFERRAL_VALUE = REFERRAL_VALUE_FORM


# --- payloads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A button naming one row (a contact, a meeting, a member)."""

    id: int


@dataclass(frozen=True)
class RowChoice:
    """A button or menu naming a row and a choice about it: snooze days, a reason key, an outcome."""

    id: int
    choice: str


@dataclass(frozen=True)
class Page:
    """A Next / Previous button: which page of the contact list, and its filter ('' for all)."""

    number: int
    filter: str = ""


@dataclass(frozen=True)
class Query:
    """Words typed into a search box."""

    text: str


@dataclass(frozen=True)
class FileRef:
    """A file the user shared with the bot (its platform id)."""

    file_id: str


@dataclass(frozen=True)
class Nothing:
    """A button that names nothing (Cancel)."""


Payload = Row | RowChoice | Page | Query | FileRef | Nothing

ROW_ACTIONS = frozenset(
    {
        Action.MEETING_EDIT,
        Action.MEETING_ADD_NEXT_STEP,
        Action.MEETING_ADD_OFFER,
        Action.FOLLOWED_UP,
        Action.WENT_COLD,
        Action.CONTACT_COLD,
        Action.RESPONDED_YES,
        Action.RESPONDED_NOT_YET,
        Action.RESPONDED_NO,
        Action.FORGET_CONTACT,
        Action.FORGET_ME,
        Action.FORGET_PICK,
        Action.LET_IT_REST,
        Action.DECIDE,
        Action.CONTACT_OPEN,
        Action.ADD_TO_CALENDAR,
    }
)
CHOICE_ACTIONS = frozenset({Action.SNOOZE, Action.WHY, Action.REFERRAL_OUTCOME, Action.KEEP_IN_TOUCH})
PAGE_ACTIONS = frozenset({Action.CONTACTS_NEXT, Action.CONTACTS_PREVIOUS})
FILE_ACTIONS = frozenset({Action.IMPORT_CONFIRM})
MAX_FILE_ID = 64


def encode(payload: Payload) -> str:
    """The value an edge puts on the button: '123', '123:7', a file id, or ''."""
    if isinstance(payload, Row):
        return str(payload.id)
    if isinstance(payload, RowChoice):
        return f"{payload.id}:{payload.choice}"
    if isinstance(payload, Page):
        return f"{payload.number}:{payload.filter}"
    if isinstance(payload, FileRef):
        return payload.file_id
    if isinstance(payload, Query):
        return payload.text
    return ""


def _row_id(text: str) -> int | None:
    """'123' → 123. Anything else — hostile, stale, '²' (int() fails) or '١' (int() reads 1) — is None."""
    if text.isascii() and text.isdigit() and len(text) < 19:
        return int(text)
    return None


def decode(action: Action, value: str) -> Payload | None:
    """The typed payload a button's value carries, or None when it is not of the action's shape."""
    if action in ROW_ACTIONS:
        row = _row_id(value)
        return Row(row) if row is not None else None
    if action in CHOICE_ACTIONS:
        head, colon, tail = value.partition(":")
        row = _row_id(head)
        return RowChoice(row, tail) if row is not None and colon and 0 < len(tail) <= 64 else None
    if action in PAGE_ACTIONS:
        head, colon, tail = value.partition(":")
        number = _row_id(head)
        ok = number is not None and 0 < number < 10**6 and colon and len(tail) <= 16 and tail.isascii()
        return Page(number, tail.lower()) if ok and number is not None else None
    if action is Action.CONTACTS_FIND:
        return Query(value[:200])
    if action in FILE_ACTIONS:
        ok = value and len(value) <= MAX_FILE_ID and value.isascii() and value.isalnum()
        return FileRef(value) if ok else None
    return Nothing()


def action_of(action_id: str) -> Action | None:
    try:
        return Action(action_id)
    except ValueError:
        return None


# --- what the edge tells the router about a request -----------------------------------------------


def _nobody(_user: str) -> str | None:
    return None


def _not_admin() -> bool:
    return False


@dataclass(frozen=True)
class Asked:
    """Platform facts about a command, asked of the platform only when a use case needs them."""

    channel: str | None = None  # where the command was typed
    name_of: Callable[[str], str | None] = _nobody  # a mentioned user's real name
    is_admin: Callable[[], bool] = _not_admin  # may this person change team settings?
    fetch_file: Callable[[str], IncomingFile] | None = None  # a file the user shared, by its platform id
    mentions: tuple[Person, ...] = ()  # the people @mentioned in the text, which names them as "@Name"
    channels: tuple[Channel, ...] = ()  # the channels linked in the text, which names them as "#name"
    team_channel: Channel | None = None  # the team channel the command was sent in (not a 1:1 chat)


class FileUnavailable(Exception):
    """The platform would not give us a shared file just now (the edge raises it from `fetch_file`)."""


COULD_NOT_READ = "Sorry, I couldn't read that file just now. Nothing was imported; please share it again."


@dataclass(frozen=True)
class Routed:
    """An answer, and what the edge should do after showing it."""

    answer: Answer
    changed: bool = False  # the user's data changed: refresh their home
    announce: bool = False  # a referral was recorded: post the shoutouts that are due


# --- the router -----------------------------------------------------------------------------------

MET_WORDS = (
    "help",
    "list",
    "find",
    "search",
    "stats",
    "team",
    "edit",
    "remind",
    "export",
    "import",
    "forget",
    "config",
)
COMMANDS = ("met", "referral", "home")


def split_word(text: str) -> tuple[str, str]:
    """'list jane' → ('list', 'jane'); the first word lower-cased, the rest as typed."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    word, _, rest = stripped.partition(" ")
    head = word.split("\n", 1)
    if len(head) > 1:
        word, rest = head[0], head[1] + (" " + rest if rest else "")
    return word.lower(), rest.strip()


@dataclass
class Router:
    core: Core
    _actions: dict[Action, Callable[[Who, Payload], Routed]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        c = self.core
        self._actions = {
            Action.MEETING_EDIT: self._edit_meeting,
            Action.MEETING_ADD_NEXT_STEP: self._edit_meeting,
            Action.MEETING_ADD_OFFER: self._edit_meeting,
            Action.FOLLOWED_UP: lambda who, p: self._changed(c.engagement.followed_up(who, _id(p))),
            Action.WENT_COLD: lambda who, p: self._changed(c.engagement.went_cold(who, _id(p))),
            Action.CONTACT_COLD: lambda who, p: self._changed(c.engagement.went_cold(who, _id(p))),
            Action.SNOOZE: self._snooze,
            Action.RESPONDED_YES: lambda who, p: self._changed(c.engagement.responded(who, _id(p), "yes")),
            Action.RESPONDED_NOT_YET: lambda who, p: self._changed(
                c.engagement.responded(who, _id(p), "not_yet")
            ),
            Action.RESPONDED_NO: lambda who, p: self._changed(c.engagement.responded(who, _id(p), "no")),
            Action.WHY: lambda who, p: self._changed(c.engagement.classify(who, _id(p), _choice(p))),
            Action.REFERRAL_OUTCOME: self._referral_outcome,
            Action.IMPORT_CANCEL: lambda who, p: Routed(importing.cancelled_reply()),
            Action.FORGET_CONTACT: lambda who, p: self._changed(c.data.forget_contact(who, _id(p))),
            Action.FORGET_ME: lambda who, p: self._changed(c.data.forget_me(who, _id(p))),
            Action.FORGET_PICK: lambda who, p: Routed(c.data.forget_pick(who, _id(p))),
            Action.FORGET_CANCEL: lambda who, p: Routed(c.data.forget_cancelled()),
            Action.LET_IT_REST: lambda who, p: self._changed(c.engagement.rest(who, _id(p))),
            Action.KEEP_IN_TOUCH: self._keep_in_touch,
            Action.DECIDE: lambda who, p: self._changed(c.engagement.decide(who, _id(p))),
            Action.CONTACT_OPEN: lambda who, p: Routed(c.contacts.contact_card(who, _id(p))),
            Action.CONTACTS_NEXT: self._page,
            Action.CONTACTS_PREVIOUS: self._page,
            Action.ADD_TO_CALENDAR: lambda who, p: Routed(c.meetings.calendar(who, _id(p) or 0)),
            Action.CONTACTS_FIND: lambda who, p: Routed(
                c.contacts.find(who, p.text if isinstance(p, Query) else "")
            ),
        }

    # --- commands ---------------------------------------------------------------------------------

    def handle_command(self, who: Who, name: str, text: str, asked: Asked | None = None) -> Routed:
        """`met …`, `referral …`, `home`: the same words on every platform."""
        asked = asked or Asked()
        if name == "met":
            return self._met(who, text, asked)
        if name == "referral":
            return self._referral(who, text, asked)
        if name == "home":
            return Routed(self.core.reports.home(who))
        log.warning("unknown command", extra={"team": who.workspace, "user": who.user, "action": name[:32]})
        return Routed(capture.help_reply())

    def _met(self, who: Who, text: str, asked: Asked) -> Routed:
        c = self.core
        word, rest = split_word(text)
        if not text:
            return Routed(c.meetings.new_meeting_form(who, channel=asked.channel))
        if word not in MET_WORDS or (word == "help" and ";" in text):
            return self._changed(c.meetings.capture_text(who, text, asked.mentions))
        if word == "help":
            return Routed(c.reports.help())
        if word == "config":
            return self._config(who, rest, asked)
        if word == "forget":
            return Routed(c.data.forget_prompt(who, rest))
        if rest:
            return Routed(self._sub_command_with_words(who, word, rest))
        return Routed(self._sub_command(who, word))

    def _sub_command(self, who: Who, word: str) -> Answer:
        c = self.core
        if word == "list":
            return c.contacts.contacts(who)
        if word in ("find", "search"):
            return c.contacts.find(who, "")
        if word == "stats":
            return c.reports.stats(who)
        if word == "team":
            return c.reports.team(who)
        if word == "export":
            return c.data.export(who)
        if word == "import":
            return c.data.import_help()
        return _usage(word)

    def _sub_command_with_words(self, who: Who, word: str, rest: str) -> Answer:
        """`/met list jane`, `/met stats last month`…: never a contact called "list jane"."""
        if word == "edit":
            return self.core.meetings.edit_by_name(who, rest)
        if word == "list":
            return self.core.contacts.list_or_find(who, rest)
        if word in ("find", "search"):
            return self.core.contacts.find(who, rest)
        return _usage(word)

    def _config(self, who: Who, rest: str, asked: Asked) -> Routed:
        """`met config …`: `digest 8am`, `timezone Europe/London`, `channel #wins`; alone, the settings."""
        c = self.core
        word, value = split_word(rest)
        if word == "digest":
            return Routed(c.members.set_digest_hour(who, value))
        if word in ("days", "workdays", "weekdays"):
            return Routed(c.engagement.set_work_days(who, value))
        if word in ("timezone", "tz", "zone"):
            return Routed(c.members.set_timezone(who, value))
        if word == "channel":
            choice = config.read_channel(value, asked.channels, asked.team_channel)
            if isinstance(choice, Problem):
                return Routed(Reply(headline=choice.message, sections=(Section(text=choice.message),)))
            return Routed(c.referrals.configure(who, choice, is_admin=asked.is_admin()))
        if word:
            return Routed(
                Reply(headline=config.SETTINGS_HELP, sections=(Section(text=config.SETTINGS_HELP),))
            )
        return Routed(c.referrals.configure(who, None, is_admin=False))

    def _referral(self, who: Who, text: str, asked: Asked) -> Routed:
        c = self.core
        if not text.strip():
            return Routed(c.referrals.form(who))
        if text.strip().lower() == "help":
            return Routed(referral_help())
        return Routed(c.referrals.record_text(who, text, asked.mentions), changed=True, announce=True)

    # --- buttons ----------------------------------------------------------------------------------

    def handle_action(
        self, who: Who, action: Action, payload: Payload | None, asked: Asked | None = None
    ) -> Routed:
        """A click: a payload of the wrong shape is refused, and nothing changes."""
        if payload is None:
            log.warning(
                "refused: a value of the wrong shape",
                extra={"team": who.workspace, "user": who.user, "action": str(action)},
            )
            return Routed(Refusal())
        if isinstance(payload, FileRef):
            return self._import_confirm(who, payload, asked or Asked())
        return self._actions[action](who, payload)

    def handle_log_from_message(
        self, who: Who, text: str, author: Person | None, asked: Asked | None = None
    ) -> Routed:
        """ "Log a meeting" on a message (or, with no text, from anywhere): the meeting form, prefilled."""
        mentions = (asked or Asked()).mentions
        return Routed(self.core.meetings.form_from_message(who, text, author=author, mentions=mentions))

    def handle_file_shared(self, who: Who, incoming: IncomingFile) -> Reply | Refusal:
        """A file the user sent the bot in their private chat: a preview, and a button to import it."""
        return self.core.data.import_preview(who, incoming)

    def _changed(self, answer: Answer) -> Routed:
        return Routed(answer, changed=not isinstance(answer, Refusal))

    def _edit_meeting(self, who: Who, payload: Payload) -> Routed:
        form = self.core.meetings.edit_meeting_form(who, _id(payload) or 0)
        if isinstance(form, Refusal):
            log.warning(
                "edit refused: not the user's meeting", extra={"team": who.workspace, "user": who.user}
            )
        return Routed(form)

    def _snooze(self, who: Who, payload: Payload) -> Routed:
        extra = _choice(payload)
        days = int(extra) if extra.isascii() and extra.isdigit() and len(extra) < 4 else -1
        return self._changed(self.core.engagement.snooze(who, _id(payload), days))

    def _keep_in_touch(self, who: Who, payload: Payload) -> Routed:
        extra = _choice(payload)
        days = int(extra) if extra.isascii() and extra.isdigit() and len(extra) < 4 else -1
        return self._changed(self.core.engagement.keep_in_touch(who, _id(payload), days))

    def _page(self, who: Who, payload: Payload) -> Routed:
        page = payload if isinstance(payload, Page) else Page(1)
        return Routed(self.core.contacts.contacts(who, page.number, page.filter))

    def _referral_outcome(self, who: Who, payload: Payload) -> Routed:
        result = self.core.referrals.set_outcome(who, _id(payload), _choice(payload))
        return Routed(result, changed=isinstance(result, Section))

    def _import_confirm(self, who: Who, payload: FileRef, asked: Asked) -> Routed:
        if asked.fetch_file is None:
            return Routed(self.core.data.refuse(who, Action.IMPORT_CONFIRM, payload.file_id))
        try:
            incoming = asked.fetch_file(payload.file_id)
        except FileUnavailable:
            return Routed(Reply(headline=COULD_NOT_READ, sections=(Section(text=COULD_NOT_READ),)))
        return self._changed(self.core.data.import_confirm(who, incoming))

    # --- forms ------------------------------------------------------------------------------------

    def form_for(self, who: Who, form: FormId, context: str) -> Form | None:
        """The form a submission came from, afresh (a dialog shows it again with the field errors)."""
        c = self.core
        if form is FormId.MEETING:
            meeting_id = _form_context_id(context, "meeting_id")
            if meeting_id is None:
                return c.meetings.new_meeting_form(who)
            again = c.meetings.edit_meeting_form(who, meeting_id)
            return again if isinstance(again, Form) else None
        if form is FormId.REFERRAL:
            return c.referrals.form(who)
        return None

    def handle_submit(self, who: Who, form: FormId, values: dict[str, object], context: str) -> Routed:
        c = self.core
        result: Reply | FormErrors | Refusal
        if form is FormId.MEETING:
            result = c.meetings.submit_meeting_form(who, values, context)
            return Routed(result, changed=isinstance(result, Reply))
        if form is FormId.REFERRAL:
            result = c.referrals.submit_form(who, values, context)
        else:
            result = c.referrals.submit_value(who, values, context)
        done = isinstance(result, Reply)
        return Routed(result, changed=done, announce=done)


def _form_context_id(context: str, key: str) -> int | None:
    import json

    try:
        data = json.loads(context or "{}")
    except ValueError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _id(payload: Payload) -> int | None:
    return payload.id if isinstance(payload, Row | RowChoice) else None


def _choice(payload: Payload) -> str:
    return payload.choice if isinstance(payload, RowChoice) else ""


USAGE = {
    "list": "/met list shows your recent contacts.",
    "stats": "/met stats shows your own figures.",
    "team": "/met team shows your workspace's figures, as counts only.",
    "edit": "/met edit Jane Doe opens your latest meeting with Jane in the form.",
    "remind": "To be reminded, log the meeting with a next step and a date: "
    "/met Jane Doe; next step: call her by Friday.",
    "export": "/met export sends you your contacts as CSV and vCard files.",
    "import": "/met import explains how to bring your contacts in.",
}


def _usage(word: str) -> Reply:
    """A sub-command word with words after it that it does not take: name the right command."""
    text = USAGE.get(word, "Type /met help to see what I can do.")
    return Reply(headline=text, sections=(Section(text=text),))
