"""The core's results (bot/results.py) as Adaptive Card 1.5 JSON: pure functions, no SDK, no I/O.

Why these choices:
* Everything a user could have typed goes out as a `RichTextBlock` `TextRun`, which Teams shows as
  literal text: a contact called `**Jane** [click](http://x)` cannot become markup or a link. Only a
  message that mentions someone needs a markdown `TextBlock` (a mention is `<at>…</at>` there); its
  plain parts are escaped with `escape_markdown`.
* Buttons are `Action.Execute` (an `adaptiveCard/action` invoke whose answer replaces the card in
  place); dialogs can only use `Action.Submit`, so forms do.
* Teams refuses cards over ~28 KB: sections are dropped from the end, with a note, until it fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from bot.results import Button, Choice, Files, Form, FormErrors, Input, Refusal, Reply, Section
from handlers.teams.charts import chart_image_element

__all__ = [
    "CARD_CONTENT_TYPE",
    "CARD_LIMIT",
    "CHOICE_INPUT",
    "FORM_CONTEXT",
    "FORM_ID",
    "OPEN_COMMAND",
    "OPEN_TEXT",
    "PayloadOf",
    "card_action_response",
    "card_size",
    "dialog_response",
    "escape_markdown",
    "form_card",
    "launcher_card",
    "message_activity",
    "refusal_card",
    "render",
    "reply_card",
]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_LIMIT = 28_000  # bytes of the card's JSON; Teams refuses messages over ~28 KB
FORM_ID = "metbot_form"  # data keys an edge reads back from a dialog's Action.Submit
FORM_CONTEXT = "metbot_context"
CHOICE_INPUT = "metbot_choice"  # which Input.ChoiceSet a choice button reads
OPEN_COMMAND = "metbot_open"  # a launcher button: the command whose form the dialog shows
OPEN_TEXT = "metbot_text"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")

PayloadOf = Callable[[Button], dict[str, Any]]


def default_payload(button: Button) -> dict[str, Any]:
    """A button's data until the router's typed payloads arrive: its value, as Slack's buttons carry it."""
    return {"value": button.value}


def escape_markdown(text: str) -> str:
    """Text for a markdown `TextBlock`, shown literally: every markdown and mention character escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs), **extra}


def _text(text: str, block_id: str | None = None, **style: Any) -> dict[str, Any]:
    """Literal text (never markdown); `block_id` names the block so a test or an update can find it."""
    return _rich(_run(text, **style), **({"id": block_id} if block_id else {}))


def _card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = list(actions)
    return card


def card_size(card: Mapping[str, Any]) -> int:
    """The card's size as Teams counts it: bytes of its JSON."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


# -- replies ---------------------------------------------------------------------------------------------------


def _execute(button: Button, payload_of: PayloadOf) -> dict[str, Any]:
    if button.url:
        return {"type": "Action.OpenUrl", "title": button.label, "url": button.url}
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": button.label,
        "verb": button.action,
        "data": payload_of(button),
    }
    if button.style:
        action["style"] = "positive" if button.style == "primary" else "destructive"
    return action


def _choice(choice: Choice, index: int) -> list[dict[str, Any]]:
    """An `Input.ChoiceSet` and the button that sends its pick (Teams has no send-on-change)."""
    input_id = f"{choice.action}.{index}"
    return [
        {
            "type": "Input.ChoiceSet",
            "id": input_id,
            "style": "compact",
            "placeholder": choice.placeholder,
            "choices": [{"title": label, "value": value} for value, label in choice.options],
        },
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Execute",
                    "title": "Choose",
                    "verb": choice.action,
                    "data": {CHOICE_INPUT: input_id},
                }
            ],
        },
    ]


def _said(parts: Sequence[Any], mentions: list[dict[str, Any]]) -> dict[str, Any]:
    """Text naming people or channels. With a mention it must be a markdown TextBlock; else literal."""
    if not any(getattr(part, "user", None) for part in parts):
        return _text("".join(_plain(part) for part in parts))
    pieces = []
    for part in parts:
        user = getattr(part, "user", None)
        if user:
            tag = f"<at>{escape_markdown(part.name)}</at>"
            mentions.append({"type": "mention", "text": tag, "mentioned": {"id": user, "name": part.name}})
            pieces.append(tag)
        else:
            pieces.append(escape_markdown(_plain(part)))
    return {"type": "TextBlock", "text": "".join(pieces), "wrap": True}


def _plain(part: Any) -> str:
    if isinstance(part, str):
        return part
    if hasattr(part, "channel"):
        return f"#{part.name or part.channel}"
    return str(getattr(part, "name", part))


def _section(
    section: Section, index: int, payload_of: PayloadOf, mentions: list[dict[str, Any]]
) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    if section.title:
        items.append(_text(section.title, weight="bolder"))
    if section.text:
        items.append(_text(section.text))
    if section.said:
        items.append(_said(section.said, mentions))
    items.extend(_rich(_run(f"{label}: ", weight="bolder"), _run(value)) for label, value in section.fields)
    if section.choice:
        items.extend(_choice(section.choice, index))
    if section.buttons:
        items.append({"type": "ActionSet", "actions": [_execute(b, payload_of) for b in section.buttons]})
    if section.search is not None:
        # The typed words arrive in the action's data as "value", as a Slack box's do.
        box = section.search
        items.append(
            {"type": "Input.Text", "id": "value", "label": box.label, "placeholder": box.placeholder}
        )
        items.append(
            {
                "type": "ActionSet",
                "actions": [{"type": "Action.Execute", "title": "Find", "verb": box.action}],
            }
        )
    if section.image is not None:
        items.append(chart_image_element(section.image.png, section.image.alt))
    if section.note:
        items.append(_text(section.note, isSubtle=True, size="small"))
    container: dict[str, Any] = {
        "type": "Container",
        "items": items,
        "separator": index > 0,
        "spacing": "medium",
    }
    if section.key:
        container["id"] = f"section-{section.key}"
    return container


def reply_card(
    reply: Reply, payload_of: PayloadOf = default_payload, limit: int = CARD_LIMIT
) -> dict[str, Any]:
    """A reply as a card, within `limit` bytes (sections past the limit are dropped, and a note says so)."""
    sections = list(reply.sections)
    dropped = 0
    while True:
        mentions: list[dict[str, Any]] = []
        body = [_text(reply.headline, weight="bolder", size="medium")]
        body += [_section(s, i, payload_of, mentions) for i, s in enumerate(sections)]
        if dropped:
            body.append(_text(f"…and {dropped} more not shown here.", isSubtle=True))
        card = _card(body)
        if mentions:
            card["msteams"] = {"entities": mentions}
        if card_size(card) <= limit or not sections:
            return card
        sections.pop()
        dropped += 1


def refusal_card(refusal: Refusal) -> dict[str, Any]:
    return _card([_text(refusal.message, color="attention")])


def files_card(files: Files, payload_of: PayloadOf = default_payload) -> dict[str, Any]:
    """The reply that comes with files, naming them (delivering them is the sender's job)."""
    card = reply_card(files.reply, payload_of)
    if files.comment:
        card["body"].append(_text(files.comment))
    card["body"].extend(_text(f"📎 {attachment.filename}", isSubtle=True) for attachment in files.files)
    return card


# -- forms and dialogs -----------------------------------------------------------------------------------------


def _input(field: Input) -> dict[str, Any]:
    element: dict[str, Any] = {"id": field.id, "label": field.label, "isRequired": not field.optional}
    if not field.optional:
        element["errorMessage"] = f"{field.label} is required."
    if field.placeholder:
        element["placeholder"] = field.placeholder
    value = field.value.isoformat() if isinstance(field.value, date) else field.value
    if value:
        element["value"] = value
    if field.kind in ("text", "long_text"):
        element.update(type="Input.Text", isMultiline=field.kind == "long_text")
        if field.max_length:
            element["maxLength"] = field.max_length
    elif field.kind == "date":
        element["type"] = "Input.Date"
    elif field.kind == "choice":
        element.update(type="Input.ChoiceSet", style="compact")
        element["choices"] = [{"title": label, "value": v} for v, label in field.options]
    else:  # a teammate: Teams' people picker over the tenant's directory
        element.update(type="Input.ChoiceSet", choices=[])
        element["choices.data"] = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    return element


def form_card(form: Form, errors: FormErrors | None = None) -> dict[str, Any]:
    """A form as a dialog card: its inputs, each followed by its error (if any) and hint."""
    problems = errors.errors if errors else {}
    body: list[dict[str, Any]] = []
    if form.intro:
        body.append(_text(form.intro))
    for field in form.inputs:
        body.append(_input(field))
        if field.id in problems:
            body.append(
                _text(problems[field.id], color="attention", size="small", block_id=f"error-{field.id}")
            )
        if field.hint:
            body.append(_text(field.hint, isSubtle=True, size="small"))
    for key in problems.keys() - {f.id for f in form.inputs}:
        body.insert(0, _text(problems[key], color="attention"))
    submit = {
        "type": "Action.Submit",
        "title": form.submit,
        "style": "positive",
        "data": {FORM_ID: form.id, FORM_CONTEXT: form.context},
    }
    return _card(body, [submit])


def dialog_response(form: Form, errors: FormErrors | None = None) -> dict[str, Any]:
    """The invoke answer that opens (or keeps open, with errors shown) a dialog on `form`."""
    card = form_card(form, errors)
    info = {
        "title": form.title,
        "width": "medium",
        "height": "large",
        "card": {"contentType": CARD_CONTENT_TYPE, "content": card},
    }
    return {"task": {"type": "continue", "value": info}}


def launcher_card(form: Form, command: str, text: str = "") -> dict[str, Any]:
    """Teams opens a dialog only from a card action: `met` alone answers with this card, whose button
    asks for the dialog (`task/fetch`) naming the command again, so the edge keeps no state."""
    intro = form.intro or form.title
    data = {"msteams": {"type": "task/fetch"}, OPEN_COMMAND: command, OPEN_TEXT: text}
    return _card([_text(intro)], [{"type": "Action.Submit", "title": form.title, "data": data}])


# -- wrapping --------------------------------------------------------------------------------------------------


def render(result: Reply | Files | Refusal | Form, payload_of: PayloadOf = default_payload) -> dict[str, Any]:
    """Any result the core answers with, as a card (a form becomes its launcher)."""
    if isinstance(result, Reply):
        return reply_card(result, payload_of)
    if isinstance(result, Files):
        return files_card(result, payload_of)
    if isinstance(result, Refusal):
        return refusal_card(result)
    if isinstance(result, Form):
        return launcher_card(result, "met")
    raise TypeError(f"no card for {type(result).__name__}")


def message_activity(card: Mapping[str, Any], summary: str | None = None) -> dict[str, Any]:
    """A message activity carrying one card (`summary` is the notification's preview text)."""
    activity: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": dict(card)}],
    }
    if summary:
        activity["summary"] = summary[:200]
    return activity


def card_action_response(card: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to an `adaptiveCard/action` invoke: this card replaces the clicked one."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": dict(card)}
