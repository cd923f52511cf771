"""Results → Block Kit. Pure functions, within Slack's limits, with every user-typed character escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.basic_components import PlainTextObject
from slack_sdk.models.views import View

from bot.parsing import typed_text
from bot.results import Button, Choice, Form, Image, Person, Place, Reply, SearchBox, Section

# A user id Slack's users_select sends: U… or W… (Enterprise Grid), upper-case letters and digits.
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK_TEXT = 3000


# mrkdwn has no escape for its formatting marks, so a mark that could open or close formatting (at the
# edge of a word: `*x*`, `_x_`, `~x~`, `` `x` ``) is shown as its lookalike, and a `>` starting a line
# (a quote) likewise. Marks inside a word (jane_doe@example.com) cannot format and are left alone.
_MARKS = str.maketrans({"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"})
_MARK_AT_EDGE = re.compile(r"(?<!\w)[*_~`]|[*_~`](?!\w)")
_QUOTE = re.compile(r"^(\s*)>", re.MULTILINE)


def escape(text: str) -> str:
    """What a person typed, shown as typed: Slack's three control characters escaped (nothing can become a
    link, mention or @channel) and mrkdwn's formatting marks neutralised (a name never turns bold)."""
    text = _MARK_AT_EDGE.sub(lambda m: m.group(0).translate(_MARKS), text)
    text = _QUOTE.sub("\\1\uff1e", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def action_id_of(element: str | dict[str, Any]) -> str:
    """The bot's action (`fu.why`) behind an element's action_id (`fu.why`, `fu.why:2`, …).

    Slack refuses two elements with one action_id in a block, so repeats are numbered when rendered
    (`unique_action_ids`); every listener matches and dispatches on this base id."""
    action_id = element if isinstance(element, str) else str(element.get("action_id") or "")
    base, _, n = action_id.rpartition(":")
    return base if base and n.isascii() and n.isdigit() else action_id


def action_pattern(action: str) -> re.Pattern[str]:
    """What a listener registers to hear `action` and its numbered repeats."""
    return re.compile(rf"^{re.escape(action)}(:\d+)?$")


def unique_action_ids(elements: list[Any]) -> list[Any]:
    """The second and later elements that share an action_id get `:2`, `:3`, … (in place, returned)."""
    seen: dict[str, int] = {}
    for element in elements:
        action_id = getattr(element, "action_id", None)
        if not action_id:
            continue
        seen[action_id] = seen.get(action_id, 0) + 1
        if seen[action_id] > 1:
            element.action_id = f"{action_id}:{seen[action_id]}"
    return elements


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit), verbatim=True)


def button(b: Button) -> ButtonElement:
    return ButtonElement(
        text=clip(b.label, MAX_BUTTON_TEXT),
        action_id=b.action,
        value=b.value[:2000] or None,
        style=b.style,
        url=b.url,
    )


def choice(c: Choice) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=c.action,
        placeholder=clip(c.placeholder, 150),
        options=[Option(value=v, text=clip(label, 75)) for v, label in c.options[:100]],
    )


def said(parts: tuple[str | Person | Place, ...]) -> str:
    """Plain text with mentions: every string escaped, every person a `<@U…>` (or their escaped name)."""
    out = []
    for part in parts:
        if isinstance(part, Person):
            out.append(f"<@{part.user}>" if part.user and part.user.isalnum() else escape(part.name))
        elif isinstance(part, Place):
            out.append(f"<#{part.channel}>" if part.channel.isalnum() else escape(part.name or part.channel))
        else:
            out.append(escape(part))
    return "".join(out)


Shown = Mapping[Image, str]  # the Slack file id of every image already uploaded
NONE_SHOWN: Shown = {}


def image_blocks(image: Image, shown: Shown) -> list[Block]:
    """The uploaded picture in an `image` block by its file id; not uploaded, its alt text instead."""
    file_id = shown.get(image)
    if file_id is None:
        return [SectionBlock(text=_mrkdwn(escape(image.alt)))]
    title = clip(image.title, MAX_FIELD_TEXT) if image.title else None
    return [ImageBlock(slack_file={"id": file_id}, alt_text=clip(image.alt, MAX_FIELD_TEXT), title=title)]


def search_block(box: SearchBox) -> InputBlock:
    """A search box that answers as the user presses Enter (dispatch_action: a block action, no submit)."""
    return InputBlock(
        block_id=f"{box.action}.box",
        label=PlainTextObject(text=clip(box.label, 2000)),
        element=PlainTextInputElement(
            action_id=box.action,
            placeholder=PlainTextObject(text=clip(box.placeholder, 150)) if box.placeholder else None,
            dispatch_action_config={"trigger_actions_on": ["on_enter_pressed"]},
        ),
        dispatch_action=True,
        optional=True,
    )


def section_blocks(section: Section, shown: Shown = NONE_SHOWN) -> list[Block]:
    blocks: list[Block] = []
    parts = []
    if section.title:
        parts.append(f"*{escape(section.title)}*")
    if section.text:
        parts.append(escape(section.text))
    if section.said:
        parts.append(said(section.said))
    fields = [
        _mrkdwn(f"*{escape(label)}*\n{escape(value)}", MAX_FIELD_TEXT)
        for label, value in section.fields[:MAX_FIELDS]
    ]
    single_button = len(section.buttons) == 1 and section.choice is None
    key = section.key
    if parts or fields:
        blocks.append(
            SectionBlock(
                block_id=key,
                text=_mrkdwn("\n".join(parts)) if parts else None,
                fields=fields or None,
                accessory=button(section.buttons[0]) if single_button and parts else None,
            )
        )
    elements: list[Any] = []
    if section.buttons and not (single_button and parts):
        elements.extend(button(b) for b in section.buttons[:24])
    if section.choice is not None:
        elements.append(choice(section.choice))
    if elements:
        blocks.append(
            ActionsBlock(block_id=f"{key}.actions" if key else None, elements=unique_action_ids(elements))
        )
    if section.search is not None:
        blocks.append(search_block(section.search))
    if section.image is not None:
        blocks.extend(image_blocks(section.image, shown))
    if section.note:
        blocks.append(
            ContextBlock(
                block_id=f"{key}.note" if key else None,
                elements=[_mrkdwn(escape(section.note), MAX_CONTEXT_TEXT)],
            )
        )
    return blocks


def reply_blocks(
    reply: Reply, limit: int = MAX_MESSAGE_BLOCKS, shown: Shown = NONE_SHOWN
) -> list[dict[str, Any]]:
    """Every block of the reply, cut at Slack's limit with a last line saying so."""
    blocks: list[Block] = []
    for section in reply.sections:
        blocks.extend(section_blocks(section, shown))
    if len(blocks) > limit:
        blocks = blocks[: limit - 1]
        blocks.append(ContextBlock(elements=[_mrkdwn("…and more than fits in one message.")]))
    return [b.to_dict() for b in unique_block_ids(blocks)]


def unique_block_ids(blocks: list[Block]) -> list[Block]:
    """Slack refuses a message or view with a repeated block_id: a later repeat loses its id (in place)."""
    seen: set[str] = set()
    for block in blocks:
        if block.block_id is not None and block.block_id in seen:
            block.block_id = None
        elif block.block_id is not None:
            seen.add(block.block_id)
    return blocks


def message(reply: Reply, shown: Shown = NONE_SHOWN) -> dict[str, Any]:
    """Arguments for chat.postMessage / respond(): notification text plus blocks."""
    # The fallback text is mrkdwn too (and drives notifications): escape it like the blocks.
    return {
        "text": escape(clip(reply.headline, MAX_FALLBACK_TEXT)),
        "blocks": reply_blocks(reply, shown=shown),
    }


def _input(i: Any) -> InputBlock:
    element: Any
    if i.kind == "date":
        element = DatePickerElement(
            action_id=i.id, initial_date=i.value.isoformat() if isinstance(i.value, date) else None
        )
    elif i.kind == "choice":
        options = [Option(value=v, text=clip(label, 75)) for v, label in i.options]
        initial = next((o for o in options if o.value == i.value), None)
        element = StaticSelectElement(action_id=i.id, options=options, initial_option=initial)
    elif i.kind == "user":
        element = UserSelectElement(
            action_id=i.id,
            placeholder=clip(i.placeholder, 150) if i.placeholder else None,
            initial_user=i.value if isinstance(i.value, str) and i.value else None,
        )
    else:
        element = PlainTextInputElement(
            action_id=i.id,
            multiline=i.kind == "long_text" or None,
            initial_value=i.value if isinstance(i.value, str) else None,
            placeholder=clip(i.placeholder, 150) if i.placeholder else None,
            max_length=i.max_length,
        )
    return InputBlock(
        block_id=i.id,
        label=clip(i.label, 2000),
        element=element,
        optional=i.optional,
        hint=clip(i.hint, 2000) if i.hint else None,
    )


def form_view(form: Form) -> dict[str, Any]:
    blocks: list[Block] = []
    if form.intro:
        blocks.append(ContextBlock(elements=[_mrkdwn(escape(form.intro))]))
    blocks.extend(_input(i) for i in form.inputs)
    return View(
        type="modal",
        callback_id=form.id,
        title=clip(form.title, 24),
        submit=clip(form.submit, 24),
        close="Cancel",
        private_metadata=form.context[:3000],
        blocks=blocks[:MAX_VIEW_BLOCKS],
    ).to_dict()


def reply_view(reply: Reply, *, title: str = "metbot") -> dict[str, Any]:
    """A reply shown inside a modal (after a form is saved)."""
    return View(
        type="modal", title=clip(title, 24), close="Done", blocks=reply_blocks(reply, MAX_VIEW_BLOCKS)
    ).to_dict()


def home_view(reply: Reply) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [HeaderBlock(text=clip(reply.headline, 150)).to_dict()]
    blocks.extend(reply_blocks(reply, MAX_VIEW_BLOCKS - 1))
    return View(type="home", blocks=blocks).to_dict()


def form_values(state: dict[str, Any]) -> dict[str, object]:
    """Read a submitted modal's state into plain values: text, dates, picked options. Odd shapes read as empty."""
    values: dict[str, object] = {}
    blocks = state.get("values") if isinstance(state, dict) else None
    if not isinstance(blocks, dict):
        return values
    for block_id, actions in blocks.items():
        if not isinstance(actions, dict):
            continue
        for action in actions.values():
            if not isinstance(action, dict):
                continue
            kind = action.get("type")
            if kind == "datepicker":
                raw = action.get("selected_date")
                try:
                    values[block_id] = date.fromisoformat(raw) if isinstance(raw, str) else None
                except ValueError:
                    values[block_id] = None
            elif kind in ("static_select", "radio_buttons"):
                option = action.get("selected_option")
                values[block_id] = option.get("value") if isinstance(option, dict) else None
            elif kind == "users_select":
                user = action.get("selected_user")
                values[block_id] = user if isinstance(user, str) and user else None
            else:
                raw = action.get("value")
                values[block_id] = typed_text(raw) if isinstance(raw, str) else raw
    return values


def keyed(block_id: object, key: str) -> bool:
    return block_id in (key, f"{key}.actions", f"{key}.note")


def replace_section(blocks: list[dict[str, Any]], section: Section) -> list[dict[str, Any]]:
    """The message's blocks with one keyed section swapped for its new state (the rest untouched)."""
    assert section.key is not None
    new = [b.to_dict() for b in section_blocks(section)]
    out: list[dict[str, Any]] = []
    placed = False
    for block in blocks:
        if isinstance(block, dict) and keyed(block.get("block_id"), section.key):
            if not placed:
                out.extend(new)
                placed = True
            continue
        out.append(block)
    if not placed:
        out.extend(new)
    return out[:MAX_MESSAGE_BLOCKS]
