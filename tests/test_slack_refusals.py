"""Nothing the bot sends is refused by Slack: its main flows, run against the stand-in that checks every
payload with slack_sdk's models and Slack's own rules, record zero refusals; a refusal is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.results import Button, Choice, Reply, Section
from handlers.slack.offline import OfflineBot
from handlers.slack.render import action_id_of, reply_blocks
from handlers.slack.standin import SlackRequests, block_errors

ALICE, BOB = "U0ALICE", "U0BOB"
SHOUT = "C0SHOUT"
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday 09:00 in New York
NY = ZoneInfo("America/New_York")


@pytest.fixture
def shout(database_url: str) -> Iterator[OfflineBot]:
    with OfflineBot(
        database_url=database_url,
        start=START,
        slack_timeout=2,
        settings_overrides={"metbot_shoutout_channel": SHOUT},
    ) as running:
        running.fake.add_user(ALICE, real_name="Alice Martin")
        running.fake.add_user(BOB, real_name="Bob Builder")
        yield running


def refusals(bot: OfflineBot) -> list[tuple[str, list[str] | None]]:
    return [(c.method, c.refused) for c in bot.fake.refusals]


def command(bot: OfflineBot, text: str, name: str = "/met") -> dict[str, Any]:
    answer = bot.slack.command(text, command=name, user=ALICE)
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    return call.args


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        found += [*(block.get("elements") or []), *(b for b in [block.get("accessory")] if b)]
    return [e for e in found if isinstance(e, dict) and e.get("action_id")]


def sweep_until_last_call(bot: OfflineBot) -> dict[str, Any]:
    """Sweep day after day at 09:00 New York until the digest asks what happened (the last-call item)."""
    day = START.astimezone(NY).date()
    for _ in range(30):
        day += timedelta(days=1)
        bot.clock.set(datetime.combine(day, time(9), tzinfo=NY).astimezone(UTC))
        bot.sweep()
        latest = bot.fake.last_message("D" + ALICE)
        if latest and any(action_id_of(e) == "fu.why" for e in elements(latest.get("blocks") or [])):
            return latest
    raise AssertionError("no last-call digest in 30 days")


def test_referral_flows_are_all_accepted(shout: OfflineBot) -> None:
    reply = command(shout, "gave Jane Doe to <@U0BOB>", name="/referral")
    outcome = [e for e in elements(reply["blocks"]) if action_id_of(e) == "referral.outcome"]
    assert len(outcome) == 3 and len({e["action_id"] for e in outcome}) == 3  # one id per button
    ephemeral = {
        "type": "message",
        "text": reply["text"],
        "blocks": reply["blocks"],
        "ts": "1700000000.000100",
    }
    container = {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0GENERAL"}
    for value in (e["value"] for e in outcome):
        shout.slack.block_action(
            "referral.outcome",
            value,
            channel="C0GENERAL",
            response_url=True,
            message=ephemeral,
            container={**container, "is_ephemeral": True},
        )
    [opened] = shout.fake.wait_for("views.open")  # "Closed business" asks for the value
    saved = shout.slack.view_submission(
        "referral_value_form",
        SlackRequests.simple_values({"value": "$5,000"}),
        view=opened.response["view"]["id"],
    )
    assert saved.json()["response_action"] == "update"
    # The form, and a referral saved from it.
    shout.slack.command("", command="/referral")
    _, form = shout.fake.wait_for("views.open", count=2)
    values = SlackRequests.simple_values({"other_name": "Bob Smith", "referred": "Sam Lee", "note": "CRM"})
    values |= SlackRequests.simple_values({"direction": ("given",), "share": ("team",)})
    saved = shout.slack.view_submission("referral_form", values, view=form.response["view"]["id"])
    assert saved.json()["response_action"] == "update"
    shout.fake.wait_for("chat.postMessage", count=3, where=lambda c: c.args.get("channel") == SHOUT)
    assert refusals(shout) == []


def test_meeting_digest_and_home_flows_are_all_accepted(bot: OfflineBot) -> None:
    bot.slack.app_home_opened()
    bot.fake.wait_for("views.publish")
    for text in ("Jane Doe (Acme) at BNI breakfast, next: send the deck", "help", "list", "stats", "team"):
        command(bot, text)
    bot.slack.command("")  # the meeting form
    bot.fake.wait_for("views.open")
    digest = sweep_until_last_call(bot)
    kept = {e["action_id"]: e for e in elements(digest["blocks"])}
    assert sum(action_id_of(a) == "fu.why" for a in kept) == 2  # the button and the menu, told apart
    menu = next(e for e in kept.values() if e["type"] == "static_select" and action_id_of(e) == "fu.why")
    value = menu["options"][1]["value"]
    bot.slack.block_action(menu["action_id"], action=SlackRequests.select_action(menu["action_id"], value))
    bot.fake.wait_for("chat.update")
    assert refusals(bot) == []


def test_a_refused_reply_is_logged_with_the_reason_only(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), OfflineBot(database_url=database_url, start=START) as bot:
        bot.fake.fail("response_url", status=400, error="invalid_blocks")
        answer = bot.slack.command("Zelda Quux (Acme) at BNI")
        bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    # Leaving the block waited for the bot's work to finish: its log lines are all in.
    [logged] = [r for r in caplog.records if r.msg == "Slack refused a reply"]
    assert (logged.reason, logged.status) == ("invalid_blocks", 400)  # type: ignore[attr-defined]
    assert "Zelda" not in caplog.text


def test_a_refused_web_api_payload_is_logged_with_slacks_reasons(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), OfflineBot(database_url=database_url, start=START) as bot:
        bot.fake.fail("views.open", error="invalid_arguments")
        answer = bot.slack.command("")  # the meeting form: views.open is refused
        [sorry] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    [logged] = [r for r in caplog.records if r.msg == "Slack refused a message"]
    assert logged.reason == "invalid_arguments"  # type: ignore[attr-defined]
    assert "Sorry" in sorry.args["text"]  # and the user is told, not left with silence


def test_repeated_actions_in_a_section_get_numbered_ids_that_map_back() -> None:
    section = Section(
        key="c7",
        text="Still no follow-up.",
        buttons=(
            Button("fu.why", "I never followed up", "7:no_follow_up"),
            Button("fu.why", "Busy", "7:busy"),
        ),
        choice=Choice("fu.why", "Another reason…", (("7:no_need", "No need"),)),
    )
    blocks = reply_blocks(Reply(headline="Digest", sections=(section, section)))
    assert block_errors(blocks) == []  # the repeated section lost its ids rather than repeat them
    ids = [e["action_id"] for e in elements(blocks[:2])]
    assert ids == ["fu.why", "fu.why:2", "fu.why:3"]
    assert {action_id_of(i) for i in ids} == {"fu.why"} and action_id_of("fu.why:x") == "fu.why:x"
