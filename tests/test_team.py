"""`/met team` over HTTP: the workspace's figures as counts, and never a name, a company or a note."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import START
from sqlalchemy import select

from handlers.slack.offline import OfflineBot
from store import followups
from store.models import Contact, Member, Referral

SECRETS = (
    "Jane",
    "Doe",
    "Acme",
    "Sam",
    "Globex",
    "Pat",
    "Kim",
    "Omar",
    "Initech",
    "BNI",
    "Summit",
    "deck",
    "CFO",
    "U0ALICE",
    "U0BOB",
    "alice",
    "bob",
)


def command(bot: OfflineBot, text: str, *, user: str = "U0ALICE", team: str = "T0DEMO") -> dict[str, Any]:
    answer = bot.slack.command(text, user=user, team=team)
    assert answer.status == 200 and answer.elapsed < 3
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.ok and call.args["response_type"] == "ephemeral"
    return call.args


@pytest.fixture
def small_team(database_url: str) -> Iterator[OfflineBot]:
    """A workspace that chose to show team figures from two people up (METBOT_MIN_GROUP=2)."""
    with OfflineBot(
        database_url=database_url, start=START, slack_timeout=2, settings_overrides={"metbot_min_group": 2}
    ) as running:
        yield running


def test_a_small_team_sees_no_figures_that_could_be_one_colleagues(bot: OfflineBot) -> None:
    command(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck")
    command(bot, "Pat Kim at BNI breakfast", user="U0BOB")
    reply = command(bot, "team")
    text = str(reply)
    assert reply["text"] == "Not enough people yet for team figures."
    assert "at least 5 people" in text and "2 people have" in text
    assert "Follow-up rate" not in text and "Referrals" not in text


def test_team_figures_are_counts_only(small_team: OfflineBot) -> None:
    bot = small_team
    bot.fake.add_team("T0OTHER", "Other Corp")
    command(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck")
    command(bot, "Sam Lee (Globex) at Web Summit; next step: intro to her CFO")
    command(bot, "Jane Doe (Acme) at the Acme offsite")  # a second meeting with the same contact
    command(bot, "Pat Kim at BNI breakfast", user="U0BOB")
    command(bot, "Omar Other (Initech) at a meetup", team="T0OTHER")  # another workspace: not counted
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        pat = session.scalars(select(Contact).where(Contact.name == "Pat Kim")).one()
        pat.first_follow_up_at = now
        followups.log_touch(session, pat, "followed_up", now)
        followups.log_touch(session, pat, "replied", now)
        sam = session.scalars(select(Contact).where(Contact.name == "Sam Lee")).one()
        followups.log_breakdown(session, sam, "no_follow_up", now)
        alice = session.get(Member, sam.member_id)
        assert alice is not None
        common = {
            "workspace_id": alice.workspace_id,
            "member_id": alice.id,
            "shoutout": "none",
            "created_at": now,
            "updated_at": now,
        }
        session.add(
            Referral(
                direction="given",
                receiver_name="Sam Lee",
                referred_name="Omar Other",
                outcome="closed",
                private=False,
                **common,
            )
        )
        session.add(
            Referral(
                direction="received",
                giver_name="Pat Kim",
                referred_name="Jane Doe",
                outcome="open",
                private=False,
                **common,
            )
        )
        session.add(
            Referral(
                direction="given",
                receiver_name="Pat Kim",
                referred_name="Jane Doe",
                outcome="closed",
                private=True,
                **common,
            )
        )  # private: not in team figures

    reply = command(bot, "team", user="U0CAROL")  # anyone in the workspace, even with no contacts yet
    text = str(reply)
    assert "Your team: 4 meetings logged by 2 people" in reply["text"]
    assert "Follow-up rate" in text and "33% (1/3)" in text  # 3 contacts, Pat followed up
    assert "Response rate" in text and "100% (1/1)" in text
    assert "Know 3" in text
    assert "I never followed up: 1 (100%)" in text
    assert "*Referrals given*\\n1" in text and "*Referrals received*\\n1" in text
    assert "*Referrals closed*\\n1" in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_team_figures_with_nothing_logged(bot: OfflineBot) -> None:
    reply = command(bot, "team")
    assert reply["text"] == "No team figures yet." and "Nobody here has logged a meeting yet" in str(reply)
