"""The core's records: one per concept, shared by the parser, the rules, the store and the renderers.

Plain frozen values, no platform and no ORM: the store's queries return these, the parser produces
them, the renderers read them. Adding a field to a meeting means: this file, the migration, the
parser or form, and the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Owner = Literal["me", "them", "both"]
OfferKind = Literal["introduction", "referral"]
Connection = Literal["strong", "ok", "weak"]
Stage = Literal["know", "like", "trust"]
Platform = Literal["slack", "teams"]


@dataclass(frozen=True)
class Who:
    """A person, as the core knows them: (platform, workspace, user). No default platform: the edge says."""

    platform: str
    workspace: str
    user: str


@dataclass(frozen=True)
class Person:
    """Someone named in a message: a platform user (the renderer mentions them) or just a name."""

    name: str
    user: str | None = None


@dataclass(frozen=True)
class Channel:
    """A channel named in a message (the renderer links to it)."""

    channel: str
    name: str | None = None


@dataclass(frozen=True)
class ContactCard:
    """Who someone is: the contact's own details, as typed, imported or edited."""

    name: str
    company: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None  # E.164 where it could be read, else as typed
    url: str | None = None
    linked_user: str | None = None  # their platform user id, when they were @mentioned


@dataclass(frozen=True)
class Doubt:
    """The parser is unsure of one field: the reply says so on that field and offers the form."""

    field: str  # "name", "company", "title", "event", "next_step", "due", "met_on", …
    message: str  # a short, kind, user-facing sentence


@dataclass(frozen=True)
class Meeting:
    """A meeting as the user described it: with one person or several, before or after it is stored.

    `met_on` is None until the core fills "today" in the member's timezone.
    """

    people: tuple[ContactCard, ...]
    met_on: date | None = None
    event: str | None = None
    next_step: str | None = None
    next_step_owner: Owner | None = None
    next_step_due: date | None = None
    offer: str | None = None
    offer_kind: OfferKind | None = None
    notes: str | None = None
    connection: Connection | None = None
    rhythm_days: int | None = None  # "every 6 weeks": keep in touch with them every N days
    warnings: tuple[str, ...] = ()  # kind sentences: a date in the past, a date that could not be read
    doubts: tuple[Doubt, ...] = ()

    @property
    def person(self) -> ContactCard:
        """The first (usually only) person met."""
        return self.people[0]


@dataclass(frozen=True)
class Problem:
    """Why the text could not become a meeting; nothing is saved."""

    field: str  # "text", "name", "company", "event", "next_step", "offer", "notes"
    message: str  # one kind, clear, user-facing sentence saying what to do instead


@dataclass(frozen=True)
class KeptRequest:
    """A request kept in the inbox, as a worker holds it under its lease."""

    id: int
    key: str
    platform: str
    kind: str
    body: bytes
    headers: dict[str, str]
    attempts: int
    applied: bool = False  # the effect committed in an earlier attempt (see `Inbox.applied`)
