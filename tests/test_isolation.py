"""Each user's contacts are theirs alone: across teammates, across workspaces, and behind every button."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer
from store.models import Contact, Meeting, Member, Workspace


def met(bot: OfflineBot, text: str, *, user: str = "U0ALICE", team: str = "T0DEMO") -> dict[str, Any]:
    answer = bot.slack.command(text, user=user, team=team)
    assert answer.status == 200 and answer.elapsed < 3
    return reply_to(bot, answer)


def reply_to(bot: OfflineBot, answer: Answer) -> dict[str, Any]:
    [call] = bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == answer.response_url)
    assert call.ok and call.args["response_type"] == "ephemeral"
    return call.args


def names_listed(bot: OfflineBot, *, user: str = "U0ALICE", team: str = "T0DEMO") -> set[str]:
    """The contact names `/met list` shows this user (each section's bold first line)."""
    reply = met(bot, "list", user=user, team=team)
    titles = [b["text"]["text"].split("\n")[0] for b in reply["blocks"] if b["type"] == "section"]
    return {t.strip("*") for t in titles if t.startswith("*")}


def test_teammates_see_only_their_own_contacts(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI; next step: intro to her CFO")
    met(bot, "Pat Kim at the Chamber mixer")
    met(bot, "Sam Lee (Globex) at Web Summit", user="U0BOB")
    met(bot, "Pat Kim at the Chamber mixer; next step: Bob's own follow-up", user="U0BOB")

    assert names_listed(bot) == {"Jane Doe (Acme)", "Pat Kim"}
    assert names_listed(bot, user="U0BOB") == {"Sam Lee (Globex)", "Pat Kim"}
    bob_list = met(bot, "list", user="U0BOB")
    assert "intro to her CFO" not in str(bob_list)

    with bot.metbot.core.sessions() as session:
        pats = list(session.scalars(select(Contact).where(Contact.name == "Pat Kim")))
    assert len(pats) == 2 and len({p.member_id for p in pats}) == 2  # same name, two people's contacts


def test_the_same_user_id_in_two_workspaces_is_two_people(bot: OfflineBot) -> None:
    bot.fake.add_team("T0OTHER", "Other Corp")
    met(bot, "Jane Doe (Acme) at BNI")
    met(bot, "Omar Other (Initech) at a meetup", team="T0OTHER")
    met(bot, "Jane Doe (Acme) at the other team's offsite", team="T0OTHER")

    assert names_listed(bot) == {"Jane Doe (Acme)"}
    assert names_listed(bot, team="T0OTHER") == {"Omar Other (Initech)", "Jane Doe (Acme)"}

    with bot.metbot.core.sessions() as session:
        teams = {w.id: w.external_id for w in session.scalars(select(Workspace))}
        members = {m.id: teams[m.workspace_id] for m in session.scalars(select(Member))}
        contacts = list(session.scalars(select(Contact)))
        meetings = list(session.scalars(select(Meeting)))
    assert sorted(members.values()) == ["T0DEMO", "T0OTHER"]
    assert sorted(members[c.member_id] for c in contacts) == ["T0DEMO", "T0OTHER", "T0OTHER"]
    # The other workspace's Jane is a different contact of a different member, not a second meeting.
    assert all(m.member_id == next(c.member_id for c in contacts if c.id == m.contact_id) for m in meetings)
    assert len([c for c in contacts if c.name == "Jane Doe"]) == 2


@pytest.mark.parametrize(
    ("user", "team"),
    [("U0BOB", "T0DEMO"), ("U0ALICE", "T0OTHER")],
    ids=["teammate", "same-user-id-other-workspace"],
)
def test_buttons_naming_someone_elses_meeting_are_refused(bot: OfflineBot, user: str, team: str) -> None:
    met(bot, "Jane Doe (Acme) at BNI; next step: intro to her CFO")
    with bot.metbot.core.sessions() as session:
        before = session.scalars(select(Meeting)).one()
    met(bot, "help", user=user, team=team)  # the intruder is a known user with a workspace of their own

    for action in ("meeting.edit", "meeting.add_next_step", "meeting.add_offer"):
        answer = bot.slack.block_action(action, str(before.id), user=user, team=team, response_url=True)
        assert answer.status == 200 and answer.elapsed < 3
        reply = reply_to(bot, answer)
        assert reply["text"] == "That isn't yours to change, so I left it alone."
        assert "Jane" not in str(reply) and "CFO" not in str(reply)

    assert bot.fake.calls_to("views.open") == [] and bot.fake.calls_to("views.update") == []
    with bot.metbot.core.sessions() as session:
        after = session.scalars(select(Meeting)).one()
    assert (after.id, after.member_id, after.next_step, after.event) == (
        before.id,
        before.member_id,
        "intro to her CFO",
        "BNI",
    )


@pytest.mark.sqlite_only
def test_buttons_with_hostile_values_are_refused(bot: OfflineBot) -> None:
    met(bot, "Jane Doe at BNI")
    for value in ("-1", "abc", "1 OR 1=1", "99999999999999999999999", "1.0", ""):
        answer = bot.slack.block_action("meeting.edit", value, response_url=True)
        assert answer.status == 200
        assert reply_to(bot, answer)["text"] == "That isn't yours to change, so I left it alone."
    assert bot.fake.calls_to("views.open") == []
