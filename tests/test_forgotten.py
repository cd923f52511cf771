"""After `/met forget me`, a teammate's mention never brings the forgotten member back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.slack.offline import OfflineBot
from store import people
from store.models import Member, Referral

ALICE, BOB = "U0ALICE", "U0BOB"


def command(bot: OfflineBot, text: str, *, user: str, command: str = "/met") -> dict[str, Any]:
    answer = bot.slack.command(text, user=user, command=command)
    assert answer.status == 200
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    return call.args


def forget_me(bot: OfflineBot, user: str) -> None:
    prompt = command(bot, "forget me", user=user)
    value = next(
        e["value"]
        for b in prompt["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "forget.me"
    )
    answer = bot.slack.block_action("forget.me", value, user=user, channel="C0GENERAL", response_url=True)
    bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)


def test_a_forgotten_member_is_never_recreated_by_someone_elses_referral(bot: OfflineBot) -> None:
    command(bot, "Pat Kim (Initech) at BNI breakfast", user=BOB)
    forget_me(bot, BOB)
    with bot.metbot.core.sessions() as session:
        assert people.find_member(session, "slack", "T0DEMO", BOB) is None

    reply = command(bot, "gave Jane Doe to <@U0BOB>", user=ALICE, command="/referral")
    assert "Referral recorded" in reply["text"]
    with bot.metbot.core.sessions() as session:
        assert people.find_member(session, "slack", "T0DEMO", BOB) is None
        [referral] = session.scalars(select(Referral)).all()
        assert referral.receiver_member_id is None and referral.receiver_name
        assert session.scalars(select(Member.user_id)).all() == [ALICE]

    # Bob's own return is his choice: his next command brings him back.
    command(bot, "help", user=BOB)
    command(bot, "Pat Kim (Initech) at BNI breakfast", user=BOB)
    with bot.metbot.core.sessions() as session:
        assert people.find_member(session, "slack", "T0DEMO", BOB) is not None
