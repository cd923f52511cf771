"""`python -m bot demo`: the whole story offline, printed as a conversation.

The real bot runs on loopback against the local Slack stand-in, with SQLite in a temporary folder;
every line of the bot's side is rendered from the Block Kit it actually sent.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from handlers.slack.offline import OfflineBot, sqlite_url
from handlers.slack.standin import SlackRequests, message_to_text, view_to_text
from handlers.teams.offline import OfflineTeamsBot
from handlers.teams.standin import TeamsUser, card_to_text
from handlers.three_weeks import print_three_weeks

ALICE = "U0ALICE"
ALICE_TZ = "America/New_York"
BOB = "U0BOB"
WINS = "C0WINS"  # the team channel for shoutouts (METBOT_SHOUTOUT_CHANNEL)
PEOPLE = {ALICE: "Alice Martin", BOB: "Bob Stone"}
START = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # a Friday, 10:30 in New York


class Conversation:
    def __init__(self, bot: OfflineBot, out: TextIO) -> None:
        self.bot = bot
        self.out = out
        self.hooks_seen = 0

    def say(self, text: str = "") -> None:
        self.out.write("\n" + text + "\n")

    def day(self, label: str) -> None:
        local = self.bot.clock().astimezone(ZoneInfo(ALICE_TZ))
        self.say(f"━━━ {local:%A %-d %B, %H:%M} in New York — {label} ━━━")

    def bot_says(self, rendered: str) -> None:
        self.out.write(textwrap.indent(rendered.strip(), "   │ ") + "\n")

    def command(self, text: str, command: str = "/met") -> None:
        self.say(f"Alice ▸ {command} {text}".rstrip())
        answer = self.bot.slack.command(text, user=ALICE, command=command)
        if answer.status != 200:
            self.bot_says(f"(HTTP {answer.status})")
            return
        if not text.strip():
            view = self.bot.fake.wait_for("views.open")[-1]
            self.say(f"metbot ▸ (a form opens, acked in {answer.elapsed * 1000:.0f} ms)")
            self.bot_says(view_to_text(view.json_arg("view")))
            return
        self.hooks_seen += 1
        hook = self.bot.fake.wait_for("response_url", count=self.hooks_seen)[-1]
        self.say(f"metbot ▸ (only Alice sees this; acked in {answer.elapsed * 1000:.0f} ms)")
        self.bot_says(message_to_text(hook.args))

    def fill_form(self, values: dict[str, Any]) -> None:
        """Fill in the form that is open and press Save; the answer comes back in the same modal."""
        opened = self.bot.fake.calls_to("views.open")[-1]
        shown = ", ".join(
            f"{k.replace('_', ' ')}: {v[0] if isinstance(v, tuple) else v}" for k, v in values.items()
        )
        self.say(f"Alice fills in the form ({shown}) and presses [ Save ]")
        answer = self.bot.slack.view_submission(
            "meeting_form",
            self.bot.slack.simple_values(values),
            user=ALICE,
            view_id=str((opened.response or {}).get("view", {}).get("id") or "") or None,
        )
        result = answer.json()
        self.say(f"metbot ▸ (the form shows what was saved; answered in {answer.elapsed * 1000:.0f} ms)")
        self.bot_says(view_to_text(result["view"]) if result.get("view") else str(result))

    def referral(self, text: str, typed: str) -> None:
        """`/referral <text>` (shown as Alice typed it), then the shoutout it posted in the team channel."""
        self.say(f"Alice ▸ /referral {typed}")
        before = len(self.bot.fake.messages(WINS))
        answer = self.bot.slack.command(text, user=ALICE, command="/referral")
        self.hooks_seen += 1
        hook = self.bot.fake.wait_for("response_url", count=self.hooks_seen)[-1]
        self.say(f"metbot ▸ (only Alice sees this; acked in {answer.elapsed * 1000:.0f} ms)")
        self.bot_says(with_names(message_to_text(hook.args)))
        for message in self.bot.fake.messages(WINS)[before:]:
            self.say("metbot ▸ (in #wins, for the whole team)")
            self.bot_says(with_names(message_to_text(message)))

    def digest(self) -> dict[str, Any] | None:
        before = len(self.bot.fake.calls_to("chat.postMessage"))
        self.bot.sweep()
        sent = self.bot.fake.calls_to("chat.postMessage")[before:]
        if not sent:
            self.say("(nothing due today: no DM)")
            return None
        message = self.bot.fake.last_message("D" + ALICE)
        assert message is not None
        self.say("metbot ▸ (a DM to Alice)")
        self.bot_says(message_to_text(message))
        return message

    def click(self, message: dict[str, Any], label: str, about: str, option: str | None = None) -> None:
        """Click the button (or pick the option) labelled `label` in the part of the message about `about`."""
        action_id, value = find_control(message, label, about, option)
        shown = f"{label} → {option}" if option else label
        self.say(f"Alice clicks [ {shown} ] for {about}")
        updates = len(self.bot.fake.calls_to("chat.update"))
        action = (
            SlackRequests.select_action(action_id, value, text=option)
            if option
            else SlackRequests.button_action(action_id, value, text=label)
        )
        answer = self.bot.slack.block_action(action_id, user=ALICE, message=message, action=action)
        self.bot.fake.wait_for("chat.update", count=updates + 1)
        updated = self.bot.fake.last_message("D" + ALICE)
        assert updated is not None
        self.say(f"metbot ▸ (updates the message in place; acked in {answer.elapsed * 1000:.0f} ms)")
        part = [
            b
            for b in updated.get("blocks", [])
            if str(b.get("block_id", "")).split(".")[0] == block_key(message, about)
        ]
        self.bot_says(message_to_text({"blocks": part}))

    def travel(self, days: int, hour: int = 9, minute: int = 0) -> None:
        local = self.bot.clock().astimezone(ZoneInfo(ALICE_TZ)) + timedelta(days=days)
        self.bot.clock.set(local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC))


def with_names(text: str) -> str:
    """Mentions as Slack shows them: @Real Name, not the user id; the team channel by its name."""
    for user, name in PEOPLE.items():
        text = text.replace(f"@{user}", f"@{name}")
    return text.replace(f"#{WINS}", "#wins")


def block_key(message: dict[str, Any], about: str) -> str:
    for block in message.get("blocks", []):
        if block.get("type") == "section" and about in str((block.get("text") or {}).get("text", "")):
            return str(block.get("block_id", "")).split(".")[0]
    raise LookupError(f"no part of the message is about {about}")


def find_control(message: dict[str, Any], label: str, about: str, option: str | None) -> tuple[str, str]:
    key = block_key(message, about)
    for block in message.get("blocks", []):
        if str(block.get("block_id", "")).split(".")[0] != key:
            continue
        elements = list(block.get("elements", [])) + ([block["accessory"]] if block.get("accessory") else [])
        for element in elements:
            if option is None and element.get("type") == "button" and element["text"]["text"] == label:
                return element["action_id"], element.get("value", "")
            if option is not None and element.get("type") == "static_select":
                if element.get("placeholder", {}).get("text") != label:
                    continue
                for opt in element.get("options", []):
                    if opt["text"]["text"].startswith(option):
                        return element["action_id"], opt["value"]
    raise LookupError(f"no {label!r} control about {about}")


def run_demo(out: TextIO = sys.stdout) -> int:
    """The story, quietly: the root logger is lowered to ERROR while it runs, and given back after."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        return _run_demo(out)
    finally:
        root.setLevel(level)


def _run_demo(out: TextIO) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="metbot-demo-") as folder:
        database = sqlite_url(Path(folder))
        with OfflineBot(
            database_url=database, start=START, settings_overrides={"metbot_shoutout_channel": WINS}
        ) as bot:
            bot.fake.add_user(ALICE, real_name=PEOPLE[ALICE], tz=ALICE_TZ)
            bot.fake.add_user(BOB, real_name=PEOPLE[BOB], tz=ALICE_TZ)
            talk = Conversation(bot, out)
            talk.say(
                "metbot demo — the real bot on 127.0.0.1, a local stand-in for Slack, SQLite in "
                f"{folder}.\nAlice met two people at a breakfast this morning."
            )
            talk.day("after the BNI breakfast")
            talk.command(
                "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday; "
                "offer: intro to Sam, who needs a printer"
            )
            talk.command("Sam Lee from Globex at BNI breakfast")
            talk.command("")
            talk.fill_form(
                {
                    "name": "Priya Shah",
                    "company": "Northwind",
                    "event": "BNI breakfast",
                    "next_step": "coffee to compare notes on CRM vendors",
                    "next_step_owner": ("me",),
                    "offer": "an introduction to our accountant",
                    "connection": ("strong",),
                }
            )
            talk.command("list")

            talk.travel(1)
            talk.day("Saturday: no digest at the weekend")
            talk.digest()
            talk.travel(2, hour=8, minute=59)
            talk.day("Monday, before nine: the digest is not due yet")
            talk.digest()
            talk.travel(0, hour=9, minute=0)
            talk.day("09:00: the daily digest")
            digest = talk.digest()
            assert digest is not None
            talk.click(digest, "I followed up", "Sam Lee")
            talk.digest()  # runs again a minute later: the digest went out once

            talk.travel(3)
            talk.day("three days later")
            digest = talk.digest()
            assert digest is not None
            talk.click(digest, "No", "Did Sam Lee respond?")
            reasons = bot.fake.last_message("D" + ALICE)
            assert reasons is not None
            talk.click(reasons, "Why do you think?", "Sam Lee", option="I was too focused on the sale")
            talk.click(digest, "Snooze…", "Priya Shah", option="3 days")

            talk.travel(1)
            talk.day("Friday: Jane's next step is due")
            digest = talk.digest()
            assert digest is not None
            talk.click(digest, "I followed up", "Jane Doe")

            talk.travel(3)
            talk.day("Monday: Jane has had three days to answer")
            digest = talk.digest()
            assert digest is not None
            talk.click(digest, "Yes", "Did Jane Doe respond?")

            talk.day("Jane needs a new website: Alice passes her to her teammate Bob")
            talk.referral(
                "gave Jane Doe (Acme Corp) to <@U0BOB|bob>; note: needs a new website",
                typed="gave Jane Doe (Acme Corp) to @Bob Stone; note: needs a new website",
            )

            talk.day("how is Alice doing?")
            talk.command("stats")
        teams_story(database, out)
    talk.say("\nThree weeks with ten contacts, as the digests showed them (the coaching, day by day):")
    print_three_weeks(out, only=THREE_WEEKS_DAYS)
    talk.say(f"(demo finished in {time.perf_counter() - started:.1f} s; the temporary database is gone)")
    return 0


THREE_WEEKS_DAYS = (3, 6, 17)  # a Monday, a Thursday and the Monday two weeks on
MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1", name="Megan Bowen", timezone="America/Los_Angeles")


def teams_story(database: str, out: TextIO) -> None:
    """The same bot in Microsoft Teams: the Teams stand-in, the real Teams SDK, the same database."""

    def shown(activity_or_card: dict[str, Any]) -> None:
        cards = [a.get("content") or {} for a in activity_or_card.get("attachments") or []]
        for card in cards or [activity_or_card]:
            for line in card_to_text(card).splitlines():
                out.write(f"   │ {line}\n")

    out.write("\n━━━ Meanwhile, in Microsoft Teams ━━━\n")
    with OfflineTeamsBot(database, START) as teams:
        out.write("   Megan ▸ met Ana Ruiz (Contoso) at the Chamber mixer; next step: call her tomorrow\n")
        teams.post(
            teams.fake.message(
                MEGAN, "met Ana Ruiz (Contoso) at the Chamber mixer; next step: call her tomorrow"
            )
        )
        shown(teams.fake.sent(MEGAN.conversation_id)[-1])
        teams.clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
        out.write("━━━ Monday 10:00 in Los Angeles: Megan's digest, in her 1:1 chat ━━━\n")
        teams.sweep()
        digest = teams.fake.sent(MEGAN.conversation_id)[-1]
        shown(digest)
        card = (digest.get("attachments") or [{}])[0].get("content") or {}
        done = next((a for a in _actions(card) if a.get("verb") == "fu.done"), None)
        if done is not None:
            out.write("   Megan ▸ [ I followed up ]\n")
            _status, answer = teams.post(teams.fake.card_action(MEGAN, done["verb"], done.get("data") or {}))
            value = answer.get("value") if isinstance(answer, dict) else None
            if isinstance(value, dict):
                shown(value)


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Execute" else []
        return found + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for value in node for a in _actions(value)]
    return []
