"""`/referral`: every phrasing, the form, shoutouts (and a channel that can't take them), outcomes, Trust,
mutual value in `/met list`, `/met config channel`, and the weekly roundup posted exactly once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_app
from bot.cli import main as cli_main
from bot.clock import TravellingClock
from bot.results import FormErrors, Who
from bot.schedule import tick
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer, SlackRequests, message_to_text
from store.models import Contact, FollowUp, Member, Referral, Roundup, Workspace

ALICE, BOB, MALLORY, ADMIN = "U0ALICE", "U0BOB", "U0MALLORY", "U0ADMIN"
SHOUT = "C0SHOUT"
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday 09:00 in New York
MONDAY_9AM = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


@pytest.fixture
def shout(database_url: str) -> Iterator[OfflineBot]:
    """The bot with METBOT_SHOUTOUT_CHANNEL set, in a team that shows figures from one person up."""
    with OfflineBot(
        database_url=database_url,
        start=START,
        slack_timeout=2,
        settings_overrides={"metbot_shoutout_channel": SHOUT, "metbot_min_group": 1},
    ) as running:
        running.fake.add_user(ALICE, real_name="Alice Martin")
        running.fake.add_user(BOB, real_name="Bob Builder")
        yield running


# --- helpers -------------------------------------------------------------------------------------


def referral(bot: OfflineBot, text: str, user: str = ALICE) -> dict[str, Any]:
    """`/referral <text>`: acked empty within 3 s, then answered once, ephemerally, via the response_url."""
    answer = bot.slack.command(text, command="/referral", user=user)
    assert answer.status == 200 and answer.body == "" and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.args["response_type"] == "ephemeral"
    return call.args


def command(bot: OfflineBot, text: str, user: str = ALICE, name: str = "/met") -> dict[str, Any]:
    answer = bot.slack.command(text, command=name, user=user)
    assert answer.status == 200 and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    return call.args


def shown(reply: dict[str, Any]) -> str:
    return message_to_text(reply)


def raw(reply: dict[str, Any]) -> str:
    """Every text in the message as sent (mrkdwn: mentions and escapes included), one per line."""
    found: list[str] = [reply.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reply.get("blocks") or [])
    return "\n".join(found)


def shoutouts(bot: OfflineBot, channel: str = SHOUT) -> list[dict[str, Any]]:
    return bot.fake.messages(channel)


def rows(bot: OfflineBot, model: Any) -> list[Any]:
    with bot.metbot.core.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def contact(bot: OfflineBot, name: str, user: str = ALICE) -> Contact:
    with bot.metbot.core.sessions() as session:
        found = session.scalar(
            select(Contact)
            .join(Member, Contact.member_id == Member.id)
            .where(Member.user_id == user, Contact.name == name)
        )
        assert found is not None, f"no contact {name}"
        return found


def member_id(bot: OfflineBot, user: str) -> int:
    with bot.metbot.core.sessions() as session:
        found = session.scalar(select(Member.id).where(Member.user_id == user))
        assert found is not None
        return found


def buttons(reply: dict[str, Any]) -> dict[str, str]:
    """label -> value of every button in the reply."""
    found = {}
    for block in reply.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element.get("value", "")
    return found


def click(bot: OfflineBot, reply: dict[str, Any], label: str, user: str = ALICE) -> Answer:
    """A button on the ephemeral confirmation (ephemeral messages come with a response_url)."""
    value = buttons(reply)[label]
    message = {"type": "message", "text": reply["text"], "blocks": reply["blocks"], "ts": "1700000000.000100"}
    answer = bot.slack.block_action(
        "referral.outcome",
        value,
        user=user,
        channel="C0GENERAL",
        response_url=True,
        message=message,
        container={
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0GENERAL",
            "is_ephemeral": True,
        },
        action=SlackRequests.button_action("referral.outcome", value, text=label),
    )
    assert answer.status == 200 and answer.elapsed < 3
    return answer


# --- the phrasings -------------------------------------------------------------------------------


def test_received_from_a_teammate(shout: OfflineBot) -> None:
    reply = referral(shout, "<@U0BOB|bob> introduced me to Sam Lee at Globex")
    assert "Bob Builder gave you Sam Lee" in reply["text"]
    assert "<@U0BOB> gave you Sam Lee (Globex)." in raw(reply)
    [r] = rows(shout, Referral)
    assert (r.direction, r.giver_member_id, r.receiver_member_id) == (
        "received",
        member_id(shout, BOB),
        member_id(shout, ALICE),
    )
    assert (r.referred_name, r.company, r.outcome, r.private) == ("Sam Lee", "Globex", "open", False)
    sam = contact(shout, "Sam Lee")
    assert (r.referred_contact_id, sam.company, sam.phase) == (sam.id, "Globex", "follow_up")
    assert r.giver_contact_id is None  # a teammate is not one of Alice's contacts (unless she logged them)
    # The shoutout names both of them with mentions, never who was referred.
    [posted] = shoutouts(shout)
    text = raw(posted)
    assert "<@U0BOB> gave <@U0ALICE> a referral" in text and "thank you" in text.lower()
    assert "Sam Lee" not in text and "Globex" not in text
    assert r.shoutout == "posted"


def test_given_to_a_teammate(shout: OfflineBot) -> None:
    reply = referral(shout, "gave Jane Doe (Acme) to <@U0BOB>; note: needs a new printer")
    assert "You gave Jane Doe (Acme) to <@U0BOB>." in raw(reply)
    assert "needs a new printer" in shown(reply)
    [r] = rows(shout, Referral)
    assert (r.direction, r.giver_member_id, r.receiver_member_id) == (
        "given",
        member_id(shout, ALICE),
        member_id(shout, BOB),
    )
    assert (r.referred_name, r.company, r.note) == ("Jane Doe", "Acme", "needs a new printer")
    [posted] = shoutouts(shout)
    assert "<@U0ALICE> gave <@U0BOB> a referral" in raw(posted)


def test_given_to_someone_outside_slack_leads_with_generosity(shout: OfflineBot) -> None:
    reply = referral(shout, "gave Jane Doe to Bob Smith")
    assert "You gave Jane Doe to Bob Smith." in shown(reply)
    assert "leading with generosity" in shown(reply)
    bob = contact(shout, "Bob Smith")
    [r] = rows(shout, Referral)
    assert (r.receiver_member_id, r.receiver_name, r.receiver_contact_id) == (None, "Bob Smith", bob.id)
    assert r.referred_contact_id == contact(shout, "Jane Doe").id
    touches = [(f.contact_id, f.kind) for f in rows(shout, FollowUp)]
    assert touches == [(bob.id, "gave_referral")]
    assert bob.stage == "know"  # giving alone is generosity; Trust needs one back
    [posted] = shoutouts(shout)  # teammates only: Bob Smith is Alice's contact, not the team's business
    assert "<@U0ALICE> gave a referral to one of their contacts" in raw(posted)
    assert "Bob Smith" not in raw(posted) and "Jane Doe" not in raw(posted)
    assert "It names teammates only" in shown(reply)


def test_received_from_someone_outside_slack_moves_them_to_trust(shout: OfflineBot) -> None:
    reply = referral(shout, "Bob Smith introduced me to Sam Lee")
    assert "Bob Smith gave you Sam Lee." in shown(reply)
    assert "Bob Smith is now at Trust" in shown(reply)
    bob = contact(shout, "Bob Smith")
    assert bob.stage == "trust"
    [r] = rows(shout, Referral)
    assert (r.giver_member_id, r.giver_name, r.giver_contact_id) == (None, "Bob Smith", bob.id)
    assert r.receiver_member_id == member_id(shout, ALICE)
    assert [f.kind for f in rows(shout, FollowUp)] == ["got_referral"]
    [posted] = shoutouts(shout)
    assert "<@U0ALICE> received a referral from one of their contacts" in raw(posted)
    assert "Bob Smith" not in raw(posted) and "Sam Lee" not in raw(posted)


def test_an_outside_person_is_named_in_the_shoutout_only_when_the_user_says_so(shout: OfflineBot) -> None:
    reply = referral(shout, "name them Bob Smith introduced me to Sam Lee")
    assert "It names Bob Smith, as you asked" in shown(reply)
    [posted] = shoutouts(shout)
    assert "Bob Smith gave <@U0ALICE> a referral" in raw(posted)
    assert "Sam Lee" not in raw(posted)  # never who was referred
    referral(shout, "gave Jane Doe to Carol Jones; note: a printer; name them")
    [_, second] = shoutouts(shout)
    assert "<@U0ALICE> gave Carol Jones a referral" in raw(second)
    assert [r.name_them for r in rows(shout, Referral)] == [True, True]
    assert [r.note for r in rows(shout, Referral)] == [None, "a printer"]


def test_referred_me_to_her_cfo_records_the_giver_and_an_unnamed_person_without_a_contact(
    shout: OfflineBot,
) -> None:
    reply = referral(shout, "Jane Doe referred me to her CFO")
    assert "Jane Doe referred you to her CFO." in shown(reply)
    assert "ask Jane Doe for an introduction to her CFO" in shown(reply)
    [r] = rows(shout, Referral)
    assert (r.direction, r.giver_name, r.referred_name, r.referred_contact_id) == (
        "received",
        "Jane Doe",
        "her CFO",
        None,
    )
    assert [c.name for c in rows(shout, Contact)] == ["Jane Doe"]  # no contact called "her CFO"
    assert contact(shout, "Jane Doe").stage == "trust"
    [posted] = shoutouts(shout)
    assert "Jane Doe" not in raw(posted) and "CFO" not in raw(posted)


def test_a_referral_exchanged_is_trust(shout: OfflineBot) -> None:
    command(shout, "Carol Jones (Initech) at the chamber mixer")
    referral(shout, "gave Jane Doe to Carol Jones")
    assert contact(shout, "Carol Jones").stage == "know"
    reply = referral(shout, "got Sam Lee from Carol Jones")
    carol = contact(shout, "Carol Jones")
    assert carol.stage == "trust" and carol.company == "Initech"
    assert "Carol Jones is now at Trust" in shown(reply)
    assert len({r.referred_contact_id for r in rows(shout, Referral)}) == 2


def test_a_teammate_logged_as_a_contact_is_linked(shout: OfflineBot) -> None:
    command(shout, "<@U0BOB|bob> at the offsite")
    referral(shout, "<@U0BOB> referred Sam Lee to me")
    [r] = rows(shout, Referral)
    linked = contact(shout, "Bob Builder")
    assert r.giver_contact_id == linked.id and linked.stage == "trust"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hello there", "I couldn't tell who gave the referral and who received it."),
        ("gave Jane Doe to me", "Who was on the other end?"),
        ("<@U0ALICE> introduced me to Sam Lee", "That's you"),
        ("@bob introduced me to Sam Lee", "pick the teammate from the @ autocomplete"),
        ("gave Bob Smith to Bob Smith", "can't be both"),
        ("Bob Smith introduced me to ", "I couldn't tell"),
    ],
)
def test_a_parse_problem_gets_a_kind_answer_with_examples(bot: OfflineBot, text: str, says: str) -> None:
    reply = referral(bot, text)
    assert says in shown(reply)
    assert "/referral gave Jane Doe to @Bob" in shown(reply)  # examples
    assert rows(bot, Referral) == [] and rows(bot, Contact) == []
    assert bot.fake.calls_to("chat.postMessage") == []


def test_help(bot: OfflineBot) -> None:
    reply = referral(bot, "help")
    assert reply["text"] == "How to use /referral"
    assert "/met config channel #name" in shown(reply)


# --- the form ------------------------------------------------------------------------------------


def form_state(**given: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("other_name", "referred", "company", "note"):
        values[key] = {"type": "plain_text_input", "value": given.get(key)}
    values["teammate"] = {"type": "users_select", "selected_user": given.get("teammate")}
    for key, default in (("direction", "given"), ("share", "team")):
        value = given.get(key, default)
        values[key] = {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        }
    return SlackRequests.simple_values(values)


def test_referral_without_text_opens_the_form_and_saving_it_posts_the_shoutout(shout: OfflineBot) -> None:
    answer = shout.slack.command("", command="/referral")
    assert answer.status == 200 and answer.elapsed < 3
    [opened] = shout.fake.wait_for("views.open")
    view = opened.response["view"]
    assert view["callback_id"] == "referral_form"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    text_input = "plain_text_input"
    assert kinds == {
        "direction": "static_select",
        "teammate": "users_select",
        "other_name": text_input,
        "referred": text_input,
        "company": text_input,
        "note": text_input,
        "share": "static_select",
    }

    # Neither a teammate nor a name: the error shows on the field, nothing is saved.
    bad = shout.slack.view_submission("referral_form", form_state(referred="Jane Doe"), view=view["id"])
    assert bad.json()["response_action"] == "errors" and "other_name" in bad.json()["errors"]
    me = shout.slack.view_submission(
        "referral_form", form_state(teammate=ALICE, referred="Jane Doe"), view=view["id"]
    )
    assert "teammate" in me.json()["errors"]
    assert rows(shout, Referral) == []

    saved = shout.slack.view_submission(
        "referral_form",
        form_state(
            direction="received", teammate=BOB, referred="Sam Lee", company="Globex", note="wants a CRM"
        ),
        view=view["id"],
    )
    body = saved.json()
    assert saved.elapsed < 3 and body["response_action"] == "update"
    assert "Referral recorded" in json.dumps(body["view"])
    [r] = rows(shout, Referral)
    assert (r.direction, r.giver_member_id, r.referred_name, r.company, r.note) == (
        "received",
        member_id(shout, BOB),
        "Sam Lee",
        "Globex",
        "wants a CRM",
    )
    [posted] = shout.fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == SHOUT)
    assert "<@U0BOB> gave <@U0ALICE> a referral" in raw(posted.args)


def test_a_private_form_referral_has_no_shoutout(shout: OfflineBot) -> None:
    shout.slack.app_home_opened()  # Alice uses the Home, so the lazy work ends by republishing it
    shout.fake.wait_for("views.publish")
    state = form_state(other_name="Bob Smith", referred="Jane Doe", share="private")
    saved = shout.slack.view_submission("referral_form", state)
    assert saved.json()["response_action"] == "update"
    [r] = rows(shout, Referral)
    assert r.private is True and r.shoutout == "none"
    shout.fake.wait_for("views.publish", count=2)  # the lazy work after the ack has run
    assert shoutouts(shout) == []


# --- shoutouts -----------------------------------------------------------------------------------


def test_private_referral_is_recorded_without_a_shoutout(shout: OfflineBot) -> None:
    reply = referral(shout, "private gave Jane Doe to <@U0BOB>")
    assert "Private: no shoutout" in shown(reply)
    [r] = rows(shout, Referral)
    assert r.private is True and r.shoutout == "none"
    assert shoutouts(shout) == [] and shout.fake.calls_to("chat.postMessage") == []


def test_without_a_channel_the_referral_is_saved_and_the_user_told_how_to_set_one(bot: OfflineBot) -> None:
    reply = referral(bot, "gave Jane Doe to Bob Smith")
    assert "/met config channel #name" in shown(reply)
    assert len(rows(bot, Referral)) == 1 and bot.fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("not_in_channel", "/invite @metbot"),
        ("is_archived", "archived"),
        ("channel_not_found", "/met config channel #name"),
    ],
)
def test_a_channel_that_cannot_take_the_shoutout_is_explained(
    shout: OfflineBot, error: str, fix: str, caplog: pytest.LogCaptureFixture
) -> None:
    shout.fake.fail("chat.postMessage", error=error, where=lambda a: a.get("channel") == SHOUT)
    with caplog.at_level(logging.WARNING):
        reply = referral(shout, "gave Jane Doe to <@U0BOB>")
    assert fix in shown(reply) and "Your referral is saved." in shown(reply)
    assert f"<#{SHOUT}>" in raw(reply)
    [r] = rows(shout, Referral)
    assert (r.shoutout, r.shoutout_error) == ("failed", error)
    assert shoutouts(shout) == []
    assert any(rec.message == "shoutout not posted" for rec in caplog.records)
    # The next referral tries again (the channel may have been fixed by then).
    referral(shout, "gave Sam Lee to <@U0BOB>")
    assert len(shoutouts(shout)) == 1


def test_an_admin_sets_the_channel_with_met_config(bot: OfflineBot, caplog: pytest.LogCaptureFixture) -> None:
    bot.fake.add_user(ADMIN, real_name="Ada Admin")["is_admin"] = True
    bot.fake.add_user(MALLORY, real_name="Mallory")
    with caplog.at_level(logging.WARNING):
        refused = command(bot, "config channel <#C0EVIL|evil>", user=MALLORY)
    assert "Only a workspace admin or owner" in shown(refused)
    assert any("only an admin" in rec.message for rec in caplog.records)
    assert [w.shoutout_channel for w in rows(bot, Workspace)] == [None]

    done = command(bot, "config channel <#C0WINS|wins>", user=ADMIN)
    assert "<#C0WINS>" in raw(done) and "/invite @metbot" in shown(done)
    assert [w.shoutout_channel for w in rows(bot, Workspace)] == ["C0WINS"]
    assert "<#C0WINS>" in raw(command(bot, "config", user=MALLORY))  # anyone may look
    picked_by_name = command(bot, "config channel #wins", user=ADMIN)
    assert "autocomplete" in shown(picked_by_name)

    referral(bot, "gave Jane Doe to <@U0BOB>")
    [posted] = shoutouts(bot, "C0WINS")
    assert "<@U0ALICE> gave <@U0BOB> a referral" in raw(posted)
    # /met itself still logs meetings: only `config` is taken by the referral listener.
    assert "Logged" in command(bot, "Jane Doe at BNI")["text"]


def test_the_workspace_channel_wins_over_the_setting(shout: OfflineBot) -> None:
    shout.fake.add_user(ADMIN)["is_owner"] = True
    command(shout, "config channel <#C0WINS|wins>", user=ADMIN)
    referral(shout, "gave Jane Doe to <@U0BOB>")
    assert len(shoutouts(shout, "C0WINS")) == 1 and shoutouts(shout) == []


# --- outcomes ------------------------------------------------------------------------------------


def test_outcome_buttons_and_closed_business_with_a_value(shout: OfflineBot) -> None:
    reply = referral(shout, "gave Jane Doe to <@U0BOB>")
    assert set(buttons(reply)) == {"They met", "Closed business", "No deal"}
    [r] = rows(shout, Referral)
    assert buttons(reply)["They met"] == f"{r.id}:met"

    answer = click(shout, reply, "They met")
    [updated] = shout.fake.wait_for("response_url", where=lambda c: c.label == "action referral.outcome")
    assert updated.args["replace_original"] is True
    assert "*Outcome*\nThey met" in raw(updated.args)
    assert rows(shout, Referral)[0].outcome == "met"
    assert answer.status == 200

    click(shout, reply, "Closed business")
    [opened] = shout.fake.wait_for("views.open")
    view = opened.response["view"]
    assert view["callback_id"] == "referral_value_form"
    assert rows(shout, Referral)[0].outcome == "met"  # nothing changes until the value is saved
    saved = shout.slack.view_submission(
        "referral_value_form", SlackRequests.simple_values({"value": "$5,000"}), view=view["id"]
    )
    assert saved.json()["response_action"] == "update"
    assert "$5,000" in json.dumps(saved.json()["view"])
    r = rows(shout, Referral)[0]
    assert (r.outcome, r.value) == ("closed", "$5,000")
    _, second = shout.fake.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.args.get("channel") == SHOUT
    )
    closed = raw(second.args)
    assert "Closed business" in closed and "$5,000" in closed
    assert "<@U0ALICE>" in closed and "<@U0BOB>" in closed and "Jane Doe" not in closed

    # Saving the value again updates it without a second celebration.
    shout.slack.view_submission(
        "referral_value_form", SlackRequests.simple_values({"value": "$6,000"}), view=view["id"]
    )
    assert rows(shout, Referral)[0].value == "$6,000"
    assert len(shoutouts(shout)) == 2


def test_another_users_referral_buttons_change_nothing(
    shout: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    shout.fake.add_user(MALLORY, real_name="Mallory")
    reply = referral(shout, "gave Jane Doe to <@U0BOB>")
    referral(shout, "gave Sam Lee to Bob Smith", user=MALLORY)  # Mallory has referrals of her own
    r = rows(shout, Referral)[0]
    with caplog.at_level(logging.WARNING):
        for label in ("They met", "No deal", "Closed business"):
            click(shout, reply, label, user=MALLORY)
        refusals = shout.fake.wait_for(
            "response_url", count=3, where=lambda c: c.label == "action referral.outcome"
        )
        # A forged value form for Alice's referral, submitted by Mallory.
        forged = shout.slack.view_submission(
            "referral_value_form",
            SlackRequests.simple_values({"value": "$1"}),
            user=MALLORY,
            private_metadata=json.dumps({"referral_id": r.id}),
        )
        # Hostile values: another id, garbage, an unknown outcome.
        for value in (f"{r.id + 1}:met", "x:met", f"{r.id}:won", "-1:met"):  # r.id + 1 is Mallory's
            shout.slack.block_action(
                "referral.outcome", value, user=ALICE, channel="C0GENERAL", response_url=True
            )
        shout.fake.wait_for("response_url", count=7, where=lambda c: c.label == "action referral.outcome")
    assert all("isn't yours" in shown(c.args) for c in refusals)
    assert all(c.args["response_type"] == "ephemeral" for c in refusals)
    assert forged.json()["response_action"] == "errors"
    assert shout.fake.calls_to("views.open") == []
    after = rows(shout, Referral)[0]
    assert (after.outcome, after.value, after.updated_at) == ("open", None, r.updated_at)
    assert len(shoutouts(shout)) == 2  # Alice's and Mallory's, nothing more
    refused = ("refused: referral is not the acting user's", "refused: a value of the wrong shape")
    assert sum(rec.message in refused for rec in caplog.records) >= 8


# --- mutual value --------------------------------------------------------------------------------


def test_met_list_flags_one_sided_relationships(bot: OfflineBot) -> None:
    for referred in ("Jane Doe", "Sam Lee", "Pat Kim"):
        referral(bot, f"gave {referred} to Bob Smith")
    referral(bot, "Carol Jones introduced me to Lee Park")
    referral(bot, "Carol Jones gave me Ana Ruiz")
    referral(bot, "gave Tom Wu to Dan Fox")
    referral(bot, "Dan Fox introduced me to Kim Ode")
    listing = shown(command(bot, "list"))
    assert "You've given 3, received 0: ask what a good referral for you looks like" in listing
    assert "They've given 2, you 0: look for one to give back" in listing
    assert "given 1 · received 1" in listing  # Dan Fox: balanced, no flag
    assert listing.count("⚖️") == 2
    balances = bot.metbot.referrals.balances(Who("slack", "T0DEMO", ALICE))
    assert balances[contact(bot, "Bob Smith").id] == (3, 0)
    assert balances[contact(bot, "Carol Jones").id] == (0, 2)
    assert balances[contact(bot, "Dan Fox").id] == (1, 1)


# --- the weekly roundup --------------------------------------------------------------------------


def roundups(bot: OfflineBot) -> list[Roundup]:
    return rows(bot, Roundup)


def test_the_weekly_roundup_is_posted_once_with_counts_only(shout: OfflineBot, database_url: str) -> None:
    command(shout, "Sam Lee (Globex) at BNI")
    referral(shout, "gave Jane Doe to <@U0BOB>")
    referral(shout, "gave Pat Kim (Acme) to <@U0BOB>")
    referral(shout, "Bob Smith introduced me to Lee Park")
    referral(shout, "private gave Tom Wu to <@U0BOB>")
    referral(shout, "gave Ana Ruiz to <@U0ALICE>", user=BOB)
    who = Who("slack", "T0DEMO", ALICE)
    sam = contact(shout, "Sam Lee").id
    shout.metbot.engagement.went_cold(who, sam)
    shout.metbot.engagement.classify(who, sam, "too_salesy")
    posted_before = len(shoutouts(shout))

    shout.clock.set(datetime(2026, 11, 30, 13, 59, tzinfo=UTC))  # Monday 08:59 in New York
    tick(shout.metbot)
    assert len(shoutouts(shout)) == posted_before and roundups(shout) == []

    shout.clock.set(MONDAY_9AM)
    tick(shout.metbot)
    tick(shout.metbot)  # a minute later, or a second replica: still once
    assert len(shoutouts(shout)) == posted_before + 1
    message = shoutouts(shout)[-1]
    text, sent = shown(message), raw(message)
    assert "4 referrals given in the team this week" in text  # the private one is not counted
    assert "1 came from people outside the team" in text
    assert "Most generous: <@U0ALICE> (2), <@U0BOB> (1)" in sent
    assert "I was too focused on the sale" in text and "*Why connections stalled (counts only)*" in sent
    for name in (
        "Jane Doe",
        "Pat Kim",
        "Bob Smith",
        "Lee Park",
        "Tom Wu",
        "Ana Ruiz",
        "Sam Lee",
        "Globex",
        "Acme",
    ):
        assert name not in text
    [row] = roundups(shout)
    assert (row.status, row.channel, row.week_start.isoformat(), row.timezone) == (
        "sent",
        SHOUT,
        "2026-11-23",
        "America/New_York",
    )

    # A second process, later the same Monday: nothing more.
    later = TravellingClock(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    other = build_app(shout.settings, clock=later)
    try:
        report = other.roundups.sweep(later())
        assert (report.opened, report.posted) == (0, 0)
    finally:
        other.executor.shutdown(wait=True)
        other.engine.dispose()
    assert len(shoutouts(shout)) == posted_before + 1

    # The next Monday: a quiet week is skipped, not posted empty.
    shout.clock.set(datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    tick(shout.metbot)
    assert len(shoutouts(shout)) == posted_before + 1
    assert [r.status for r in roundups(shout)] == ["sent", "skipped"]


def test_a_small_teams_roundup_shows_no_stall_reasons(database_url: str) -> None:
    """The default group size (5): one person's stall reasons would be theirs alone, so none are shown."""
    with OfflineBot(
        database_url=database_url,
        start=START,
        slack_timeout=2,
        settings_overrides={"metbot_shoutout_channel": SHOUT},
    ) as small:
        small.fake.add_user(ALICE, real_name="Alice Martin")
        command(small, "Sam Lee (Globex) at BNI")
        referral(small, "gave Jane Doe to Bob Smith")
        who = Who("slack", "T0DEMO", ALICE)
        sam = contact(small, "Sam Lee").id
        small.metbot.engagement.went_cold(who, sam)
        small.metbot.engagement.classify(who, sam, "too_salesy")
        small.clock.set(MONDAY_9AM)
        tick(small.metbot)
        text = shown(shoutouts(small)[-1])
        assert "Not enough people yet" in text
        assert "too focused on the sale" not in text


def test_a_roundup_that_slack_fails_is_retried_and_still_posted_once(shout: OfflineBot) -> None:
    referral(shout, "gave Jane Doe to <@U0BOB>")
    # One 500: slack_sdk no longer re-posts it at once (Slack may have posted); the next sweep does.
    shout.fake.fail("chat.postMessage", status=500, times=1, where=lambda a: a.get("channel") == SHOUT)
    shout.clock.set(MONDAY_9AM)
    report = shout.metbot.roundups.sweep(shout.clock())
    assert (report.posted, report.failed) == (0, 1)
    shout.clock.set(datetime(2026, 11, 30, 14, 10, tzinfo=UTC))
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 1
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 0
    assert len(shoutouts(shout)) == 2  # the referral's shoutout and one roundup


@pytest.fixture
def own_logging() -> Iterator[None]:
    """The CLI configures logging for the process; put it back so later tests see pytest's own setup."""
    names = ["", "alembic", "slack_sdk", "slack_bolt", "urllib3", "waitress", "apscheduler"]
    saved = {n: (logging.getLogger(n).level, logging.getLogger(n).handlers[:]) for n in names}
    yield
    for n, (level, handlers) in saved.items():
        logging.getLogger(n).setLevel(level)
        logging.getLogger(n).handlers[:] = handlers


@pytest.mark.usefixtures("own_logging")
def test_nudge_posts_the_roundup_on_a_monday(
    shout: OfflineBot,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    referral(shout, "gave Jane Doe to <@U0BOB>")
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "SLACK_BOT_TOKEN": "xoxb-local-demo-token",
        "SLACK_API_URL": shout.fake.api_url,
        "DATABASE_URL": database_url,
        "METBOT_SHOUTOUT_CHANNEL": SHOUT,
    }.items():
        monkeypatch.setenv(key, value)
    assert cli_main(["nudge", "--now", "2026-11-30T09:00:00-05:00"]) == 0
    assert "weekly roundup: 1 posted" in capsys.readouterr().out
    assert "1 referral given in the team this week" in shown(shoutouts(shout)[-1])
    assert cli_main(["nudge", "--now", "2026-11-30T09:05:00-05:00"]) == 0
    assert "weekly roundup" not in capsys.readouterr().out
    assert len(shoutouts(shout)) == 2


def test_the_form_offers_to_name_them_in_the_shoutout() -> None:
    from bot.referrals import SHARING, read_form

    assert ("team_named", "Celebrate it, and name them in the shoutout") in SHARING
    values = {
        "direction": "received",
        "other_name": "Bob Smith",
        "referred": "Sam Lee",
        "share": "team_named",
    }
    draft = read_form(values, me="U0ALICE")
    assert not isinstance(draft, FormErrors) and draft.name_them and not draft.private
    plain = read_form({**values, "share": "team"}, me="U0ALICE")
    assert not isinstance(plain, FormErrors) and not plain.name_them
