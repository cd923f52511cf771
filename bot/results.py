"""Platform-neutral results. The core answers in these; Slack renders them to Block Kit, Teams to cards.

Text is plain: the renderer escapes it, so nothing a user typed can become markup or a mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# Re-exported: results name people, channels and the acting user.
from bot.records import Channel as Channel
from bot.records import Person as Person
from bot.records import Who as Who


@dataclass(frozen=True)
class Button:
    action: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    url: str | None = None  # a link to open (a download), instead of an action


@dataclass(frozen=True)
class Choice:
    """A pick-one menu; each option's value is sent back with the action."""

    action: str
    placeholder: str
    options: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True)
class Image:
    """A picture (a chart) with its alt text: the same figures as a sentence, for screen readers and for
    where the picture can't be shown. The edge uploads or inlines the PNG."""

    png: bytes
    alt: str
    title: str | None = None
    filename: str = "chart.png"


Place = Channel  # the older name, until every caller says Channel


@dataclass(frozen=True)
class SearchBox:
    """A box to type into; what is typed comes back as `action`'s value (the App Home's contact search)."""

    action: str
    label: str
    placeholder: str = ""


@dataclass(frozen=True)
class Section:
    """One thing to say; `key` lets a later answer replace just this part of the message."""

    text: str = ""
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # (label, value)
    buttons: tuple[Button, ...] = ()
    choice: Choice | None = None
    note: str | None = None  # small print under the section
    key: str | None = None
    # Text naming people or channels: plain strings (escaped) with mentions between them; shown after `text`.
    said: tuple[str | Person | Channel, ...] = ()
    search: SearchBox | None = None
    image: Image | None = None  # shown after the text; its alt text stands in where it can't be shown


@dataclass(frozen=True)
class Reply:
    headline: str
    sections: tuple[Section, ...] = ()
    replace_original: bool = False


@dataclass(frozen=True)
class Input:
    id: str
    label: str
    kind: Literal["text", "long_text", "date", "choice", "user"] = "text"  # user: pick a teammate
    value: str | date | None = None
    optional: bool = True
    placeholder: str | None = None
    hint: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    submit: str
    inputs: tuple[Input, ...]
    context: str = ""  # opaque to the user, checked again on submit
    intro: str | None = None


@dataclass(frozen=True)
class FormErrors:
    """Per-input messages shown on the fields themselves."""

    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """The acting user may not touch what the request names; say so kindly, change nothing."""

    message: str = "That isn't yours to change, so I left it alone."


@dataclass(frozen=True)
class Attachment:
    """A file for the user (an export). The edge delivers it where only they see it."""

    filename: str
    title: str
    content: bytes
    mimetype: str = "text/plain"


@dataclass(frozen=True)
class Files:
    """A reply that comes with files: Slack uploads them to the user's DM, Teams sends them as attachments."""

    reply: Reply
    files: tuple[Attachment, ...]
    comment: str = ""
