"""Three simulated weeks with ten contacts: the real bot over HTTP, the travelling clock, a networker's clicks.

`three_weeks(bot)` drives a running OfflineBot (the test uses its own, on SQLite and PostgreSQL); the demo
calls `print_three_weeks()` to show the digests that run sent. Alice answers some items, snoozes some and
ignores others, the way people do; every digest and every answer is kept as the text she read.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.records import Who
from handlers.slack.offline import OfflineBot, sqlite_url
from handlers.slack.standin import DEFAULT_TEAM, SlackRequests, message_to_text

ALICE, ALICE_DM, ALICE_TZ = "U0ALICE", "DU0ALICE", "America/New_York"
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday 27 November, 09:00 in New York
DAYS = 21

# Who Alice meets, on which day of the run, and what she does when each comes up (first match wins).
MEETINGS: tuple[tuple[int, str], ...] = (
    (0, "Ann Lee (Brightside) at BNI breakfast; next step: coffee next week; offer: intro to our designer"),
    (0, "Ben Ortiz (Orbit Labs) at BNI breakfast"),
    (0, "Cara Diaz (Fjord) at BNI breakfast; next step: send her the deck"),
    (0, "Dev Patel (Northwind) at BNI breakfast; offer: a referral to our accountant"),
    (3, "Eve Kim (Globex) at the Chamber lunch; next step: a call on Thursday"),
    (3, "Finn Berg at the Chamber lunch"),
    (4, "Gia Rossi (Acme) at the Rotary dinner; when: last Friday"),  # logged late, on a Tuesday
    (4, "Hal Moore (Initech) at the Rotary dinner; next step: send the deck by next Wednesday"),
    (5, "Ivy Chen (Umbrella) at the tech meetup"),
    (5, "Jon Wu (Hooli) at the tech meetup"),
)

# (name, what the item asks) → (action id, value suffix or None for the bare contact id). Unlisted: ignored.
Plan = dict[tuple[str, str], tuple[str, str]]
PLAN: Plan = {
    ("Ann Lee", "follow_up"): ("fu.done", ""),
    ("Ann Lee", "ask_reply"): ("fu.yes", ""),
    ("Ben Ortiz", "follow_up"): ("fu.done", ""),
    ("Ben Ortiz", "ask_reply"): ("fu.no", ""),
    ("Ben Ortiz", "why"): ("fu.why", ":no_need"),
    ("Dev Patel", "follow_up"): ("fu.snooze", ":3"),
    ("Dev Patel", "snoozed"): ("fu.done", ""),
    ("Dev Patel", "ask_reply"): ("fu.not_yet", ""),
    ("Eve Kim", "follow_up"): ("fu.cold", ""),
    ("Eve Kim", "why"): ("fu.why", ":polite_no"),
    ("Finn Berg", "last_call"): ("fu.why", ":no_follow_up"),
    ("Finn Berg", "back"): ("fu.done", ""),
    ("Ivy Chen", "back"): ("fu.done", ""),
    ("Ben Ortiz", "back"): ("fu.done", ""),
    ("Gia Rossi", "follow_up"): ("fu.done", ""),
    ("Hal Moore", "follow_up"): ("fu.done", ""),
    ("Hal Moore", "ask_reply"): ("fu.yes", ""),
    ("Ivy Chen", "follow_up"): ("fu.cold", ""),
    ("Ivy Chen", "why"): ("fu.why", ":unclear_expectations"),
    ("Cara Diaz", "still_open"): ("fu.decide", ""),
    ("Cara Diaz", "decide"): ("fu.rest", ""),
}
SELECTS = {"fu.snooze", "fu.why", "fu.decide", "fu.rhythm"}


@dataclass
class Answered:
    day: date
    name: str
    action: str
    value: str
    text: str  # what the updated part of the message said


@dataclass
class Run:
    digests: list[tuple[date, str]] = field(default_factory=list)
    answers: list[Answered] = field(default_factory=list)
    logged: list[tuple[str, str]] = field(default_factory=list)  # (what Alice typed, the reply's text)
    seen: dict[str, list[date]] = field(default_factory=dict)  # contact name → days a digest named them


def local(day: date, hh: int = 9, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(ALICE_TZ)).astimezone(UTC)


def _sections(message: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The message's blocks grouped by the part they belong to (c<id>, still_open, …)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for block in message.get("blocks", []):
        key = str(block.get("block_id", "")).partition(".")[0]
        if key:
            grouped.setdefault(key, []).append(block)
    return grouped


def _controls(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks:
        found.extend(block.get("elements", []) if block.get("type") == "actions" else [])
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


def _asks(blocks: list[dict[str, Any]]) -> str:
    """What this part of the digest asks, in PLAN's words."""
    ids = {c.get("action_id") for c in _controls(blocks)}
    text = message_to_text({"blocks": blocks})
    if "fu.yes" in ids:
        return "ask_reply"
    if "fu.rhythm" in ids:
        return "check_in"
    if "is still open" in text:
        return "decide"
    if "my last reminder" in text:
        return "last_call"
    if "fu.why" in ids:
        return "why"
    if "You snoozed" in text:
        return "snoozed"
    if "You said “" in text:
        return "back"
    return "follow_up"


class Networker:
    """Alice, clicking in her DM the way the plan says."""

    def __init__(self, bot: OfflineBot, run: Run, names: dict[int, str]) -> None:
        self.bot, self.run, self.names = bot, run, names

    def click(
        self, message: dict[str, Any], key: str, action_id: str, value: str, day: date
    ) -> dict[str, Any]:
        before = len(self.bot.fake.calls_to("chat.update"))
        action = (
            SlackRequests.select_action(action_id, value)
            if action_id in SELECTS
            else SlackRequests.button_action(action_id, value)
        )
        self.bot.slack.block_action(action_id, user=ALICE, message=message, action=action)
        self.bot.fake.wait_for("chat.update", count=before + 1)
        updated = next(m for m in self.bot.fake.messages(ALICE_DM) if m["ts"] == message["ts"])
        cid = value.partition(":")[0]
        part = _sections(updated).get(f"c{cid}", [])
        self.run.answers.append(
            Answered(day, self.names.get(int(cid), cid), action_id, value, message_to_text({"blocks": part}))
        )
        return updated

    def answer(self, message: dict[str, Any], day: date, plan: Plan) -> None:
        """Answer each part of the digest the plan has an answer for, following up on what the answer asks."""
        for key, blocks in list(_sections(message).items()):
            if key == "still_open":
                self._still_open(message, blocks, day, plan)
                continue
            if not key.startswith("c") or not key[1:].isdigit():
                continue
            message = self._follow(message, int(key[1:]), _asks(blocks), day, plan)

    def _follow(self, message: dict[str, Any], cid: int, asks: str, day: date, plan: Plan) -> dict[str, Any]:
        name = self.names.get(cid, "")
        for _ in range(3):  # an answer may ask a further question ("what happened?"): answer that too
            step = plan.get((name, asks))
            if step is None:
                return message
            action_id, suffix = step
            message = self.click(message, f"c{cid}", action_id, f"{cid}{suffix}", day)
            asks = _asks(_sections(message).get(f"c{cid}", []))
            if action_id not in ("fu.cold", "fu.no", "fu.decide"):  # the rest answer it for good
                return message
        return message

    def _still_open(
        self, message: dict[str, Any], blocks: list[dict[str, Any]], day: date, plan: Plan
    ) -> None:
        for control in _controls(blocks):
            for option in control.get("options", []):
                cid = int(option["value"])
                if plan.get((self.names.get(cid, ""), "still_open")):
                    updated = self.click(message, f"c{cid}", "fu.decide", str(cid), day)
                    self._follow(updated, cid, "decide", day, plan)
                    return


def three_weeks(bot: OfflineBot, plan: Plan | None = None, days: int = DAYS) -> Run:
    """Run the three weeks on `bot` (started at START): log the meetings, sweep at 09:00 each day, answer."""
    run = Run()
    first = START.astimezone(ZoneInfo(ALICE_TZ)).date()
    for offset in range(days):
        day = first + timedelta(days=offset)
        bot.clock.set(local(day, 9))
        before = len(bot.fake.messages(ALICE_DM))
        bot.sweep()
        sent = bot.fake.messages(ALICE_DM)[before:]
        for digest in sent:
            run.digests.append((day, message_to_text(digest)))
            names = _names(bot)
            for key in _sections(digest):
                if key.startswith("c") and key[1:].isdigit():
                    run.seen.setdefault(names.get(int(key[1:]), key), []).append(day)
            for cid, name in names.items():
                if f'"value": "{cid}"' in _json(digest, "still_open"):
                    run.seen.setdefault(name, []).append(day)
            Networker(bot, run, names).answer(digest, day, plan or PLAN)
        bot.clock.set(local(day, 11))
        for met_on, text in MEETINGS:
            if met_on == offset:
                run.logged.append((text, _met(bot, text)))
    return run


def _json(message: dict[str, Any], key: str) -> str:
    import json

    return json.dumps(_sections(message).get(key, []))


def _names(bot: OfflineBot) -> dict[int, str]:
    return bot.metbot.core.contacts.names(Who(platform="slack", workspace=DEFAULT_TEAM, user=ALICE))


def _met(bot: OfflineBot, text: str) -> str:
    label = f"/met {text}"
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    bot.slack.command(text, user=ALICE)
    answer = bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)[-1]
    return message_to_text(answer.args)


def with_bot(use: Callable[[OfflineBot], Run]) -> Run:
    """A fresh bot on a temporary SQLite file, for the demo."""
    with (
        tempfile.TemporaryDirectory(prefix="metbot-3w-") as folder,
        OfflineBot(database_url=sqlite_url(Path(folder)), start=START) as bot,
    ):
        bot.fake.add_user(ALICE, real_name="Alice Martin", tz=ALICE_TZ)
        return use(bot)


def print_three_weeks(out: TextIO = sys.stdout, *, only: tuple[int, ...] | None = None) -> Run:
    """Print the digests of the three-week run (all, or the `only` ones by position) with Alice's answers."""
    run = with_bot(three_weeks)
    for n, (day, text) in enumerate(run.digests):
        if only is not None and n not in only:
            continue
        out.write(f"\n━━━ {day:%A %-d %B}: the digest ━━━\n")
        out.write("".join(f"   │ {line}\n" for line in text.strip().splitlines()))
        for answered in (a for a in run.answers if a.day == day):
            out.write(f"   Alice ▸ {answered.action} for {answered.name}\n")
            out.write("".join(f"   │ {line}\n" for line in answered.text.strip().splitlines()))
    return run


if __name__ == "__main__":
    print_three_weeks()
