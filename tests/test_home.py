"""The App Home over HTTP: published on app_home_opened with every section, refreshed after each action."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.parsing import name_key
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import view_to_text
from store import data, followups, people
from store.meetings import MeetingValues
from store.models import Contact, Meeting, Member, Referral

ALICE = "U0ALICE"
FRI = date(2026, 11, 27)


def met(bot: OfflineBot, text: str, user: str = ALICE) -> None:
    """`/met <text>`: returns once the bot has answered and, for someone who uses the Home, republished it."""
    label = f"/met {text}".strip()
    before = len([c for c in bot.fake.calls_to("response_url") if c.label == label])
    published = len(bot.fake.calls_to("views.publish"))
    uses_home = bot.fake.home_view(user) is not None
    bot.slack.command(text, user=user)
    bot.fake.wait_for("response_url", count=before + 1, where=lambda c: c.label == label)
    if uses_home:
        bot.fake.wait_for("views.publish", count=published + 1)


def open_home(bot: OfflineBot, user: str = ALICE) -> dict[str, Any]:
    """Open the Home tab and return the view the bot published in answer."""
    before = len(bot.fake.calls_to("views.publish"))
    answer = bot.slack.app_home_opened(user=user)
    assert answer.status == 200 and answer.elapsed < 3
    [*_, call] = bot.fake.wait_for("views.publish", count=before + 1)
    assert call.ok and call.args["user_id"] == user
    view = bot.fake.home_view(user)
    assert view is not None and view["type"] == "home"
    return view


def contact(bot: OfflineBot, name: str) -> Contact:
    with bot.metbot.core.sessions() as session:
        return session.scalars(select(Contact).where(Contact.name == name)).one()


def seed(bot: OfflineBot, n: int, *, phase: str, due_on: date | None, prefix: str, user: str = ALICE) -> None:
    """n contacts with a meeting each, straight through the store (fast: two bulk inserts)."""
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        member = people.member(session, "slack", "T0DEMO", user, now)
        member.timezone = "America/New_York"
        rows = []
        for i in range(n):
            name = f"{prefix} Person {i:04d}"
            rows.append(
                data.NewContact(
                    name=name,
                    name_key=name_key(name),
                    company=f"Company {i % 7}",
                    phase=phase,
                    due_on=due_on,
                    meeting=MeetingValues(
                        name=name,
                        name_key=name_key(name),
                        met_on=FRI - timedelta(days=10),
                        event="Expo",
                        next_step="coffee",
                    ),
                )
            )
        data.import_contacts(session, member.id, rows, now)


def test_the_home_shows_due_follow_ups_losing_touch_stages_stats_and_tips(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck; offer: intro to Sam")
    met(bot, "Sam Lee (Globex) at Web Summit")
    met(bot, "Pat Kim at the Chamber mixer")
    bot.clock.advance(timedelta(days=3))  # Monday: all three follow-ups are due
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        session.execute(
            update(Contact)
            .where(Contact.name == "Sam Lee")
            .values(phase="check_in", stage="like", due_on=FRI - timedelta(days=2))
        )
        pat = session.scalars(select(Contact).where(Contact.name == "Pat Kim")).one()
        pat.phase, pat.due_on = "cold", None
        followups.log_breakdown(session, pat, "no_follow_up", now)
        jane = session.scalars(select(Contact).where(Contact.name == "Jane Doe")).one()
        alice = session.get(Member, jane.member_id)
        assert alice is not None
        common = {
            "workspace_id": alice.workspace_id,
            "member_id": alice.id,
            "private": False,
            "shoutout": "none",
            "created_at": now,
            "updated_at": now,
        }
        session.add(
            Referral(
                direction="given",
                receiver_name="Jane Doe",
                receiver_contact_id=jane.id,
                referred_name="Omar",
                outcome="closed",
                **common,
            )
        )
        session.add(
            Referral(
                direction="given",
                receiver_name="Jane Doe",
                receiver_contact_id=jane.id,
                referred_name="Ravi",
                outcome="open",
                **common,
            )
        )
        session.add(
            Referral(
                direction="received", giver_name="Someone", referred_name="Lee", outcome="open", **common
            )
        )

    view = open_home(bot)
    text = view_to_text(view)
    assert "Your networking follow-ups" in text
    assert "Due follow-ups (1)" in text and "Follow up with Jane Doe (Acme)" in text
    assert "Agreed: send her the deck" in text
    assert "Losing touch (1)" in text and "Check in with Sam Lee (Globex)" in text
    assert "Your contacts by stage" in text and "Know (2)" in text and "Like (1)" in text
    assert "How it's going" in text and "Follow-up rate" in text
    assert "Your most common breakdown: “I never followed up”" in text
    assert "Re-engaging is your job" in text  # its coaching tip
    assert "*Referrals*" in text and "Jane Doe: you gave 2, received 0" in text
    assert "*Given* 2" in text and "*Received* 1" in text and "*Turned into business* 1" in text
    # The digest's own buttons, naming the contacts they act on.
    buttons = {
        (e["action_id"], e.get("value"))
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }
    jane, sam = contact(bot, "Jane Doe"), contact(bot, "Sam Lee")
    assert {("fu.done", str(jane.id)), ("fu.cold", str(jane.id)), ("fu.done", str(sam.id))} <= buttons
    assert len(view["blocks"]) <= 100


def test_a_click_on_the_home_acts_and_republishes_it(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck")
    bot.clock.advance(timedelta(days=3))
    home = open_home(bot)
    jane = contact(bot, "Jane Doe")
    assert "Follow up with Jane Doe (Acme)" in view_to_text(home)

    before = len(bot.fake.calls_to("views.publish"))
    answer = bot.slack.block_action("fu.done", view=home["id"])
    assert answer.status == 200 and answer.elapsed < 3
    # The Home may also be republished by the earlier /met (its refresh can land after the Home opened):
    # wait for the publish that follows the click.
    bot.fake.wait_for(
        "views.publish", where=lambda c: "Nothing due today" in view_to_text(c.args.get("view") or {})
    )
    assert len(bot.fake.calls_to("views.publish")) >= before + 1
    refreshed = view_to_text(bot.fake.home_view(ALICE) or {})
    assert "Follow up with Jane Doe" not in refreshed and "Nothing due today" in refreshed
    after = contact(bot, "Jane Doe")
    assert after.id == jane.id and after.phase == "await_reply" and after.first_follow_up_at is not None


def test_the_home_refreshes_after_met_and_after_the_form(bot: OfflineBot) -> None:
    open_home(bot)
    assert "No contacts yet" in view_to_text(bot.fake.home_view(ALICE) or {})
    met(bot, "Jane Doe (Acme) at BNI breakfast")  # waits for the Home to be republished
    assert "Jane Doe" in view_to_text(bot.fake.home_view(ALICE) or {})

    with bot.metbot.core.sessions() as session:
        meeting_id = session.scalars(select(Meeting.id).join(Contact).where(Contact.name == "Jane Doe")).one()
    values = bot.slack.simple_values({"name": "Jane Q Doe", "company": "Initech", "met_on": FRI})
    before = len(bot.fake.calls_to("views.publish"))
    saved = bot.slack.view_submission(
        "meeting_form", values, private_metadata=f'{{"meeting_id":{meeting_id},"channel":null}}'
    )
    assert saved.status == 200
    bot.fake.wait_for("views.publish", count=before + 1)
    assert "Jane Q Doe" in view_to_text(bot.fake.home_view(ALICE) or {})  # renamed in the form


def test_the_home_stays_within_100_blocks_however_much_is_due(bot: OfflineBot) -> None:
    seed(bot, 120, phase="follow_up", due_on=FRI - timedelta(days=1), prefix="Due")
    seed(bot, 40, phase="check_in", due_on=FRI - timedelta(days=20), prefix="Quiet")
    view = open_home(bot)
    assert len(view["blocks"]) <= 100
    text = view_to_text(view)
    assert "Due follow-ups (120)" in text and "and 105 more" in text
    assert "Losing touch (40)" in text and "and 32 more" in text
    assert "Know (160)" in text


def test_a_new_user_gets_a_welcome(bot: OfflineBot) -> None:
    text = view_to_text(open_home(bot, user="U0NEWBIE"))
    assert "No contacts yet" in text and "/met import" in text


def test_the_home_is_not_published_for_someone_who_never_opened_it(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast")
    import time

    time.sleep(0.3)
    assert bot.fake.calls_to("views.publish") == []
    open_home(bot)
    met(bot, "Sam Lee (Globex) at BNI breakfast")
    assert len(bot.fake.calls_to("views.publish")) == 2


def test_the_home_has_a_search_box_that_finds_contacts(bot: OfflineBot) -> None:
    met(bot, "Jane Doe (Acme) at BNI breakfast; next step: send her the deck")
    home = open_home(bot)
    boxes = [b for b in home["blocks"] if b["type"] == "input" and b.get("dispatch_action")]
    assert [b["element"]["action_id"] for b in boxes] == ["contacts.find"]
    before = len(bot.fake.calls_to("chat.postMessage"))
    answer = bot.slack.block_action("contacts.find", "acme", view=home["id"])
    assert answer.status == 200
    [found] = bot.fake.wait_for("chat.postMessage", count=before + 1)[before:]
    assert "Jane Doe" in json.dumps(found.args)
