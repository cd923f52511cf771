"""The thin mapping from Teams activities to the core's two entry points, and back to cards.

A message in the 1:1 chat is a command (`met …`, `referral …`, `home`); a click, a dialog or the
message extension is an action. This module reads the activity's facts (who, where, timezone, locale,
the install events), calls the callbacks it was given — synchronous core code, run off the SDK's loop
with `asyncio.to_thread` — and turns their results into Adaptive Cards (cards.py). No rules here.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.records import Person, Who
from bot.results import Files, Form, FormErrors, Refusal, Reply
from handlers.teams import cards
from handlers.teams.package import COMMAND_NAMES

if TYPE_CHECKING:
    from microsoft_teams.apps import App

log = logging.getLogger("metbot.teams")

PLATFORM = "teams"
USED = frozenset({"message", "invoke", "conversationUpdate", "installationUpdate"})
HELP = ("met", "help")  # what a message that names no command gets
SORRY = "Something went wrong on my side and nothing was changed. Please try again in a minute."
_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
MAX_SHARED_TEXT = 8000  # of a shared message's HTML; the core reads at most a few thousand characters

Result = Reply | Files | Refusal | Form | tuple[Form, FormErrors] | None
OnCommand = Callable[[Who, str, str, "ActivityFacts"], Result]
OnAction = Callable[[Who, str, dict[str, Any]], Result]
OnSeen = Callable[[Who, "ActivityFacts"], None]
OnInstall = Callable[[Who, str, "ActivityFacts"], None]  # kind: "install" | "uninstall"
OnLogMessage = Callable[[Who, str, Person | None, tuple[Person, ...]], Form]  # text, author, mentions


@dataclass(frozen=True)
class ActivityFacts:
    """What the core needs to know from one activity, beyond the command: where to answer, the
    user's timezone and locale (None when the activity did not say: keep the last good value), and
    whether the bot was just installed or removed."""

    activity_type: str
    who: Who | None
    user_id: str | None  # the channel account id ("29:…"), for conversation members
    service_url: str | None
    conversation_id: str | None
    conversation_type: str | None  # "personal", "channel", "groupChat"
    tenant_id: str | None
    activity_id: str | None
    reply_to_id: str | None
    timezone: str | None
    locale: str | None
    team_id: str | None
    channel_id: str | None  # the channel a channel message came from
    installed: bool = False
    uninstalled: bool = False
    mentions: tuple[Person, ...] = ()  # the people @mentioned in the text (not the bot)
    text: str = ""  # the message with the bot's mention removed and the others as "@Name"

    @property
    def general_channel_id(self) -> str | None:
        """A team's General channel has the team's own id."""
        return self.team_id


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _zone(name: Any) -> str | None:
    """An IANA zone name the core can use, else None."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name.strip()


def _timezone(activity: Mapping[str, Any]) -> str | None:
    """`localTimezone` (message activities), else the clientInfo entity's `timezone`."""
    zone = _zone(activity.get("localTimezone"))
    if zone:
        return zone
    for entity in activity.get("entities") or []:
        if _dict(entity).get("type") == "clientInfo" and _zone(entity.get("timezone")):
            return _zone(entity.get("timezone"))
    return None


def _locale(activity: Mapping[str, Any]) -> str | None:
    if isinstance(activity.get("locale"), str):
        return activity["locale"]
    for entity in activity.get("entities") or []:
        if _dict(entity).get("type") == "clientInfo" and isinstance(entity.get("locale"), str):
            return str(entity["locale"])
    return None


def _install_change(activity: Mapping[str, Any]) -> tuple[bool, bool]:
    """(installed, uninstalled): the bot among `membersAdded`/`membersRemoved`, or `installationUpdate`."""
    if activity.get("type") == "installationUpdate":
        action = str(activity.get("action") or "")
        return action.startswith("add"), action.startswith("remove")
    bot = _dict(activity.get("recipient")).get("id")
    added = any(_dict(m).get("id") == bot for m in activity.get("membersAdded") or [])
    removed = any(_dict(m).get("id") == bot for m in activity.get("membersRemoved") or [])
    return added, removed


def facts_of(activity: Mapping[str, Any]) -> ActivityFacts:
    """The facts of a raw (camelCase, Bot Framework JSON) activity."""
    sender = _dict(activity.get("from"))
    conversation = _dict(activity.get("conversation"))
    channel_data = _dict(activity.get("channelData"))
    tenant = conversation.get("tenantId") or _dict(channel_data.get("tenant")).get("id")
    aad = sender.get("aadObjectId")
    installed, uninstalled = _install_change(activity)
    text, mentions = plain_text(activity)
    return ActivityFacts(
        activity_type=str(activity.get("type") or ""),
        who=Who(PLATFORM, str(tenant), str(aad)) if tenant and aad else None,
        user_id=sender.get("id"),
        service_url=activity.get("serviceUrl"),
        conversation_id=conversation.get("id"),
        conversation_type=conversation.get("conversationType"),
        tenant_id=tenant,
        activity_id=activity.get("id"),
        reply_to_id=activity.get("replyToId"),
        timezone=_timezone(activity),
        locale=_locale(activity),
        team_id=_dict(channel_data.get("team")).get("id"),
        channel_id=_dict(channel_data.get("channel")).get("id"),
        installed=installed,
        uninstalled=uninstalled,
        mentions=mentions,
        text=text,
    )


def plain_text(activity: Mapping[str, Any]) -> tuple[str, tuple[Person, ...]]:
    """The message as the core reads it: the bot's own mention dropped, a teammate's `<at>Bob</at>` as
    "@Bob" with a `Person` beside it (its id is the one Teams mentions them by), markup removed."""
    bot = _dict(activity.get("recipient")).get("id")
    text = str(activity.get("text") or "")
    people: dict[str, Person] = {}
    for entity in activity.get("entities") or []:
        entity = _dict(entity)
        mentioned = _dict(entity.get("mentioned"))
        tag = entity.get("text")
        if entity.get("type") != "mention" or not isinstance(tag, str) or not tag:
            continue
        if mentioned.get("id") == bot:
            text = text.replace(tag, " ")
            continue
        name = " ".join(html.unescape(_TAG.sub(" ", tag)).split()) or str(mentioned.get("name") or "")
        if mentioned.get("id"):
            people.setdefault(str(mentioned["id"]), Person(name=name, user=str(mentioned["id"])))
        text = text.replace(tag, "@" + name)
    plain = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text))).replace("\xa0", " ")
    return " ".join(plain.split(" ")).strip(), tuple(people.values())


def shared_message(value: Mapping[str, Any]) -> tuple[str, Person | None, tuple[Person, ...]] | None:
    """ "Log a meeting" on a message (a message extension's `messagePayload`): its text as the core reads
    it ("@Name" for each `<at>` mention, markup removed), its author, and the people it mentions."""
    payload = _dict(value.get("messagePayload"))
    if not payload:
        return None
    content = str(_dict(payload.get("body")).get("content") or "")[:MAX_SHARED_TEXT]
    people: dict[str, Person] = {}
    for mention in payload.get("mentions") or []:
        user = _dict(_dict(_dict(mention).get("mentioned")).get("user"))
        name = " ".join(str(user.get("displayName") or _dict(mention).get("mentionText") or "").split())
        if user.get("id") and name:
            people.setdefault(str(user["id"]), Person(name=name, user=str(user["id"])))
    text = _MENTION.sub(lambda m: "@" + " ".join(html.unescape(_TAG.sub(" ", m[0])).split()), content)
    plain = " ".join(html.unescape(_TAG.sub(" ", text)).replace("\xa0", " ").split())
    author = _dict(_dict(payload.get("from")).get("user"))
    who = (
        Person(name=str(author.get("displayName") or ""), user=str(author["id"]))
        if author.get("id")
        else None
    )
    return plain, who, tuple(people.values())


def parse_command(text: str | None) -> tuple[str, str] | None:
    """("met", "list") from "<at>metbot</at> /met list": mentions, markup and a leading "/" are ignored.
    None when the first word is no command."""
    plain = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text or ""))).replace("\xa0", " ").strip()
    plain = plain.removeprefix("/").lstrip()
    word, _, rest = plain.partition(" ")
    if word.lower() not in COMMAND_NAMES:
        return None
    return word.lower(), rest.strip()


def picked(data: Mapping[str, Any]) -> dict[str, Any]:
    """An action's data with a choice's pick under "value" (Input.ChoiceSet values ride in `data`)."""
    plain = {k: v for k, v in data.items() if k != "msteams"}
    input_id = plain.pop(cards.CHOICE_INPUT, None)
    if isinstance(input_id, str):
        plain["value"] = plain.pop(input_id, None)
    return plain


def activity_of(ctx: Any) -> dict[str, Any]:
    """The SDK's activity model as the JSON Teams sent (what the edge reads and the inbox keeps)."""
    return dict(ctx.activity.model_dump(by_alias=True, exclude_none=True, mode="json"))


def _invoke(body: Any, status: int = 200) -> Any:
    from microsoft_teams.api import InvokeResponse

    return InvokeResponse(status=status, body=body)


def _message_answer(text: str) -> dict[str, Any]:
    """An `adaptiveCard/action` answer that leaves the card as it is and shows `text`."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


class TeamsEdge:
    """Registers one handler on the SDK app and maps activities to the core's callbacks.

    `on_command(who, name, text, facts) -> result` for messages; `on_action(who, action, data) -> result`
    for clicks and dialogs (dialog submits: action = the form id, data = {"context", "values"});
    `on_seen(who, facts)` on every activity from a user (refresh the conversation reference, timezone);
    `on_install(who, "install" | "uninstall", facts)` for the bot being added or removed.
    """

    def __init__(
        self,
        on_command: OnCommand,
        on_action: OnAction,
        on_seen: OnSeen | None = None,
        on_install: OnInstall | None = None,
        payload_of: cards.PayloadOf = cards.default_payload,
        on_log_message: OnLogMessage | None = None,
    ) -> None:
        self.on_log_message = on_log_message
        self.on_command = on_command
        self.on_action = on_action
        self.on_seen = on_seen
        self.on_install = on_install
        self.payload_of = payload_of

    def register(self, app: App) -> None:
        """Route every activity to `turn` (pass as `TeamsBridge(settings, edge.register)`)."""
        app.router.add_handler(lambda activity: True, self.turn)

    async def turn(self, ctx: Any) -> Any:
        """The SDK's handler: the activity answered in the turn that brought it (tests, one process)."""
        return await self.respond(activity_of(ctx), ctx)

    async def respond(self, activity: dict[str, Any], ctx: Any, *, raise_retryable: bool = False) -> Any:
        """Act on one activity; `ctx.send(message)` posts in its conversation. A worker replaying a kept
        activity passes `raise_retryable`, so a send the connector refused for now is tried again later
        (the effect is not repeated: bot/replays.py) instead of being apologised for."""
        facts = facts_of(activity)
        if facts.who is None or facts.activity_type not in USED:
            return None  # no user to act for, or an activity the bot does not use: acknowledged, ignored
        try:
            if self.on_seen is not None:
                await asyncio.to_thread(self.on_seen, facts.who, facts)
            return await self._dispatch(ctx, activity, facts)
        except Exception as error:  # the user gets a kind answer; the log names the failure, not their text
            if raise_retryable and getattr(error, "retryable", False):
                raise
            where = {"team": facts.who.workspace, "user": facts.who.user, "action": facts.activity_type}
            log.exception("teams activity failed", extra={**where, "error": type(error).__name__})
            return await self._sorry(ctx, activity)

    async def _dispatch(self, ctx: Any, activity: dict[str, Any], facts: ActivityFacts) -> Any:
        assert facts.who is not None
        kind = facts.activity_type
        if kind == "message":
            return await self._message(ctx, activity, facts)
        if kind in ("conversationUpdate", "installationUpdate"):
            if self.on_install is not None and (facts.installed or facts.uninstalled):
                event = "install" if facts.installed else "uninstall"
                await asyncio.to_thread(self.on_install, facts.who, event, facts)
            return None
        if kind == "invoke":
            return await self._invoke(
                ctx, str(activity.get("name") or ""), _dict(activity.get("value")), facts
            )
        return None

    async def _message(self, ctx: Any, activity: dict[str, Any], facts: ActivityFacts) -> None:
        assert facts.who is not None
        value = _dict(activity.get("value"))
        if value and not (activity.get("text") or "").strip():  # an Action.Submit outside a dialog
            verb = value.get("verb") or value.get("action")
            if isinstance(verb, str):
                result = await asyncio.to_thread(self.on_action, facts.who, verb, picked(value))
                await self._send(ctx, result)
            return
        name, text = parse_command(facts.text) or HELP
        result = await asyncio.to_thread(self.on_command, facts.who, name, text, facts)
        await self._send(ctx, result, command=name, text=text)

    async def _send(self, ctx: Any, result: Result, command: str = "met", text: str = "") -> None:
        if result is None:
            return
        if isinstance(result, tuple):
            result = result[0]
        card = cards.launcher_card(result, command, text) if isinstance(result, Form) else None
        card = card or cards.render(result, self.payload_of)
        await ctx.send(_card_message(card, _summary(result)))

    async def _invoke(self, ctx: Any, name: str, value: dict[str, Any], facts: ActivityFacts) -> Any:
        assert facts.who is not None
        if name == "adaptiveCard/action":
            action = _dict(value.get("action"))
            verb = str(action.get("verb") or "")
            result = await asyncio.to_thread(
                self.on_action, facts.who, verb, picked(_dict(action.get("data")))
            )
            return _invoke(await self._card_answer(ctx, result))
        if name == "task/fetch":
            data = _dict(value.get("data"))
            command = data.get(cards.OPEN_COMMAND)
            return _invoke(await self._open(facts, command if command in COMMAND_NAMES else "met", data))
        if name == "composeExtension/fetchTask":
            shared = shared_message(value)
            if shared is not None and self.on_log_message is not None:
                form = await asyncio.to_thread(self.on_log_message, facts.who, *shared)
                return _invoke(cards.dialog_response(form))
            return _invoke(await self._open(facts, "met", {}))
        if name in ("task/submit", "composeExtension/submitAction"):
            data = _dict(value.get("data"))
            return _invoke(await self._submit(ctx, facts.who, data, extension=name.startswith("compose")))
        return None

    async def _card_answer(self, ctx: Any, result: Result) -> dict[str, Any]:
        """A click's answer: the reply replaces the card when it says so, else comes as a new message."""
        if isinstance(result, Reply) and result.replace_original:
            return cards.card_action_response(cards.reply_card(result, self.payload_of))
        if isinstance(result, Refusal):
            return _message_answer(result.message)
        await self._send(ctx, result)
        return _message_answer("")

    async def _open(self, facts: ActivityFacts, command: str, data: Mapping[str, Any]) -> dict[str, Any]:
        assert facts.who is not None
        text = str(data.get(cards.OPEN_TEXT) or "")
        result = await asyncio.to_thread(self.on_command, facts.who, command, text, facts)
        if isinstance(result, tuple):
            return cards.dialog_response(*result)
        if isinstance(result, Form):
            return cards.dialog_response(result)
        return {"task": {"type": "message", "value": _summary(result) or "Done."}}

    async def _submit(
        self, ctx: Any, who: Who, data: dict[str, Any], *, extension: bool
    ) -> dict[str, Any] | None:
        form_id = data.get(cards.FORM_ID)
        if not isinstance(form_id, str):
            return {"task": {"type": "message", "value": "That form has expired; please open it again."}}
        values = {k: v for k, v in data.items() if k not in (cards.FORM_ID, cards.FORM_CONTEXT, "msteams")}
        payload = {"context": data.get(cards.FORM_CONTEXT) or "", "values": values}
        result = await asyncio.to_thread(self.on_action, who, form_id, payload)
        if isinstance(result, tuple):
            return cards.dialog_response(*result)
        if isinstance(result, Form):
            return cards.dialog_response(result)
        if isinstance(result, Refusal):
            return {"task": {"type": "message", "value": result.message}}
        if extension:
            return {"composeExtension": {"type": "message", "text": _summary(result) or "Done."}}
        await self._send(ctx, result)
        return None  # closes the dialog

    async def _sorry(self, ctx: Any, activity: dict[str, Any]) -> Any:
        if activity.get("type") == "invoke":
            name = str(activity.get("name") or "")
            if name == "adaptiveCard/action":
                return _invoke(_message_answer(SORRY))
            return _invoke({"task": {"type": "message", "value": SORRY}})
        if activity.get("type") == "message":
            try:
                await ctx.send(_card_message(cards.refusal_card(Refusal(SORRY)), SORRY))
            except Exception as error:
                log.warning("teams apology not delivered", extra={"error": type(error).__name__})
        return None


def _summary(result: Result) -> str | None:
    if isinstance(result, tuple):
        result = result[0]
    if isinstance(result, Reply):
        return result.headline
    if isinstance(result, Files):
        return result.reply.headline
    if isinstance(result, Refusal):
        return result.message
    if isinstance(result, Form):
        return result.title
    return None


def _card_message(card: dict[str, Any], summary: str | None) -> Any:
    from microsoft_teams.api.activities.message.message import MessageActivityInput

    return MessageActivityInput.model_validate(cards.message_activity(card, summary))
