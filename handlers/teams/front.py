"""Teams in the front: the SDK checks the token, the activity is kept in the inbox, and Teams gets its 200.

As for Slack (handlers/slack/http.py), the interpreter that answers HTTP does no work: a message, an
install or an uninstall is one INSERT and an empty 200; a worker runs it (handlers/teams/app.py
`TeamsApp.process`) and replies through the Bot Connector, so an acknowledged activity survives a
restart and a redelivered one (Teams retries with the same activity id) runs once. An invoke's answer
*is* the HTTP response (the updated card, the dialog), so the front waits for the worker's stored
answer, well inside Teams' 5 s, and past `WAIT_SECONDS` answers with a short "working on it".
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from handlers.teams.edge import USED, _message_answer, activity_of, facts_of
from handlers.teams.sdk import NOT_KEPT, Answer, TeamsBridge

if TYPE_CHECKING:  # handed in by the composition root (bot/app.py)
    from microsoft_teams.apps import App

    from store.inbox import Inbox

log = logging.getLogger("metbot.http")

PLATFORM = "teams"
WAIT_SECONDS = 4.0  # Teams gives an invoke 5 s
LATE = "I'm still working on that; the result will show here in a moment."


def key_of(activity: Mapping[str, Any]) -> str:
    """Teams redelivers an activity with the same id in the same conversation."""
    conversation = activity.get("conversation")
    where = str(conversation.get("id") or "") if isinstance(conversation, dict) else ""
    return f"teams:{where[:120]}:{str(activity.get('id') or '')[:60]}"


def describe(activity: Mapping[str, Any]) -> str:
    """What the activity is, safe to log and to label the row with (no text)."""
    kind = str(activity.get("type") or "unknown")[:24]
    name = str(activity.get("name") or "")[:36]
    return f"{kind} {name}".strip()


def late_answer(activity: Mapping[str, Any]) -> dict[str, Any]:
    """What an invoke gets when the worker is late: the card stays, the dialog says so."""
    if activity.get("name") == "adaptiveCard/action":
        return {"status": 200, "body": _message_answer(LATE)}
    return {"status": 200, "body": {"task": {"type": "message", "value": LATE}}}


def invoke_response(stored: Mapping[str, Any]) -> Any:
    from microsoft_teams.api import InvokeResponse

    return InvokeResponse(status=int(stored.get("status") or 200), body=stored.get("body"))


class TeamsFront:
    """`POST /api/messages` for `serve`: verify (the SDK), keep, answer."""

    def __init__(
        self,
        settings: Settings,
        inbox: Inbox,
        clock: Callable[[], datetime],
        *,
        wait: float = WAIT_SECONDS,
    ) -> None:
        self.inbox = inbox
        self.clock = clock
        self.wait = wait
        self.bridge = TeamsBridge(settings, self.register)

    def register(self, app: App) -> None:
        app.router.add_handler(lambda activity: True, self.keep)

    def start(self) -> TeamsFront:
        self.bridge.start()
        return self

    def close(self) -> None:
        self.bridge.close()

    def handle_activity(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        return self.bridge.handle_activity(body, headers)

    async def keep(self, ctx: Any) -> Any:
        """The SDK's handler in the front: runs after the token was checked."""
        activity = activity_of(ctx)
        if activity.get("type") not in USED or facts_of(activity).who is None:
            return None  # nothing the bot acts on: acknowledged, not kept
        key = key_of(activity)
        body = json.dumps(activity).encode()
        try:
            item = await asyncio.to_thread(
                self.inbox.accept, key, PLATFORM, describe(activity), body, {}, self.clock()
            )
        except Exception as error:  # the database is away: not kept, so let Teams try again
            log.warning("could not keep the activity", extra={"error": type(error).__name__})
            return invoke_response({"status": NOT_KEPT, "body": {"error": "Please try again."}})
        if activity.get("type") != "invoke":
            return None
        if item is None:  # a redelivery: answer what the first delivery got, if it is ready
            answer = await asyncio.to_thread(self.inbox.answer_for_key, key)
            if answer is not None and answer.status == "done" and answer.response:
                return invoke_response(json.loads(answer.response))
            return None
        return await self._await(item, activity)

    async def _await(self, item: int, activity: Mapping[str, Any]) -> Any:
        """Poll the row (a lock-free read) until the worker stored the invoke's answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        pause = 0.002
        while loop.time() < deadline:
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 0.02)
            answer = await asyncio.to_thread(self.inbox.answer, item)
            if answer is not None and answer.status in ("done", "failed"):
                return invoke_response(json.loads(answer.response) if answer.response else {"status": 200})
        log.warning("the worker was late; answered with the default", extra={"action": describe(activity)})
        return invoke_response(late_answer(activity))
