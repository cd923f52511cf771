"""Finding people again: `/met find` (fuzzy: typos, accents, partial words, any field), the contact card with its
whole timeline and actions, and `/met list` a page at a time with filters — on contacts logged over the real
app, answered by the core (bot/contacts.py), rendered by the real Slack renderer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from test_data import ALICE, BOB, click, command
from test_referrals import referral

from bot.contacts import (
    EDIT,
    FOLLOWED_UP,
    OPEN,
    PAGE_NEXT,
    PAGE_PREVIOUS,
    PAGE_SIZE,
    SNOOZE,
    WENT_COLD,
    ContactBook,
    read_filter,
    read_page,
)
from bot.parsing import name_key
from bot.results import Refusal, Reply, Who
from handlers.slack.offline import OfflineBot
from handlers.slack.render import message
from store import data, followups, people
from store.meetings import MeetingValues
from store.models import Contact, Meeting

TODAY = date(2026, 11, 27)  # conftest's START, a Friday


def book(bot: OfflineBot) -> ContactBook:
    return ContactBook(sessions=bot.metbot.core.sessions, clock=bot.clock)


def who(user: str = ALICE) -> Who:
    return Who(platform="slack", workspace="T0DEMO", user=user)


def rendered(reply: Reply) -> dict[str, Any]:
    """The reply as Slack gets it; within Slack's rules (≤ 50 blocks, an action id once per block)."""
    out = message(reply)
    assert len(out["blocks"]) <= 50
    for block in out["blocks"]:
        ids = [e["action_id"] for e in block.get("elements", []) if "action_id" in e]
        assert len(ids) == len(set(ids)), block
    return out


def buttons(reply: Reply) -> list[tuple[str, str]]:
    return [(b.action, b.value) for s in reply.sections for b in s.buttons]


def titles(reply: Reply) -> list[str]:
    return [s.title for s in reply.sections if s.title]


def contact_id(bot: OfflineBot, name: str, user: str = ALICE) -> int:
    with bot.metbot.core.sessions() as session:
        member = people.find_member(session, "slack", "T0DEMO", user)
        assert member is not None
        found = session.scalar(select(Contact.id).where(Contact.member_id == member.id, Contact.name == name))
        assert found is not None
        return found


def alices_people(bot: OfflineBot) -> None:
    command(bot, "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday")
    command(bot, "José Núñez (Café, Ltd) at Web Summit; notes: loves espresso and jazz")
    command(bot, "Janet Smith (Globex) at the Chamber mixer")
    command(bot, "Sam Lee (Initech) at Web Summit")
    command(bot, "Jane Roe (Hooli) at a meetup", user=BOB)  # Bob's: never in Alice's answers


# --- find ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jane", ["Jane Doe (Acme Corp)", "Janet Smith (Globex)"]),  # a whole word, then a word's start
        ("Jane Doe", ["Jane Doe (Acme Corp)"]),
        ("jnae", ["Jane Doe (Acme Corp)"]),  # a typo
        ("jose", ["José Núñez (Café, Ltd)"]),  # accents
        ("NUNEZ", ["José Núñez (Café, Ltd)"]),
        ("acme", ["Jane Doe (Acme Corp)"]),  # the company
        ("cafe", ["José Núñez (Café, Ltd)"]),
        ("web summit", ["José Núñez (Café, Ltd)", "Sam Lee (Initech)"]),  # the event
        ("espresso", ["José Núñez (Café, Ltd)"]),  # the notes
        ("globex chamber", ["Janet Smith (Globex)"]),  # words from two fields
        ("initek", ["Sam Lee (Initech)"]),
    ],
)
def test_find_matches_what_a_person_remembers(bot: OfflineBot, query: str, expected: list[str]) -> None:
    alices_people(bot)
    reply = book(bot).find(who(), query)
    rendered(reply)
    assert titles(reply)[: len(expected)] == expected
    assert "Jane Roe (Hooli)" not in titles(reply)
    for section in reply.sections:
        if section.title:
            [(action, value)] = [(b.action, b.value) for b in section.buttons]
            assert action == OPEN and value == str(contact_id(bot, section.title.split(" (")[0]))


def test_find_says_where_it_found_them_and_when_nobody_matches(bot: OfflineBot) -> None:
    alices_people(bot)
    espresso = book(bot).find(who(), "espresso")
    assert espresso.headline == "1 contact matching “espresso”"
    assert espresso.sections[0].note == "Found in their notes"
    assert "Met today at Web Summit" in espresso.sections[0].text
    nobody = book(bot).find(who(), "zzyzx")
    assert nobody.headline == "I found nobody matching “zzyzx”. /met list shows everyone."
    assert titles(book(bot).find(who(BOB), "jane doe")) == ["Jane Roe (Hooli)"]  # his own near miss, not hers
    assert "Who are you looking for?" in book(bot).find(who(), "   ").sections[0].text
    assert titles(book(bot).find(who("U0NOBODY"), "jane")) == []  # someone the bot has never seen


# --- the card -----------------------------------------------------------------------------------


def janes_history(bot: OfflineBot) -> int:
    """Jane: two meetings, a follow-up, a reply, a breakdown, a referral each way; her details filled in."""
    command(bot, "Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday")
    bot.clock.advance(timedelta(days=2))
    command(
        bot, "Jane Doe (Acme Corp) at the Acme offsite; next step: I'll send the deck; offer: intro to Sam"
    )
    referral(bot, "gave Sam Lee to Jane Doe")
    referral(bot, "Jane Doe introduced me to Lee Park")
    jane = contact_id(bot, "Jane Doe")
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        contact = session.get(Contact, jane)
        assert contact is not None
        followups.log_touch(session, contact, "followed_up", now)
        followups.log_touch(session, contact, "replied", now)
        followups.log_breakdown(session, contact, "busy", now)
        session.execute(
            update(Contact)
            .where(Contact.id == jane)
            .values(
                title="CFO",
                email="jane@acme.example",
                phone="+1 415 555 0100",
                url="https://www.linkedin.com/in/janedoe",
                rhythm_days=42,
                notes="Runs marathons; two kids",
            )
        )
    return jane


def test_the_card_tells_the_whole_story(bot: OfflineBot) -> None:
    jane = janes_history(bot)
    card = book(bot).contact_card(who(), jane)
    assert isinstance(card, Reply)
    rendered(card)
    assert card.headline == "Jane Doe (Acme Corp)"
    details, notes, timeline, actions = card.sections
    assert details.text == "CFO at Acme Corp"
    fields = dict(details.fields)
    assert fields["Stage"] == "Trust"  # exchanging referrals is the mark of trust
    assert fields["Next step"] == "I'll send the deck (me)"
    assert fields["Keep in touch"] == "every 6 weeks"
    assert (fields["E-mail"], fields["Phone"], fields["Web"]) == (
        "jane@acme.example",
        "+1 415 555 0100",
        "https://www.linkedin.com/in/janedoe",
    )
    assert fields["Your offer"] == "intro to Sam"
    assert notes.text == "Runs marathons; two kids"
    lines = timeline.text.split("\n")
    for expected in (
        "Today · Met at the Acme offsite; next step: I'll send the deck (me); your offer: intro to Sam",
        "Today · You followed up",
        "Today · They replied",
        "Today · Stalled: They're busy and forgot me",
        "Today · You gave Jane Doe a referral: Sam Lee",
        "Today · Jane Doe gave you a referral: Lee Park",
        "Fri 27 Nov · Met at BNI breakfast; next step: intro to her CFO (by Fri 4 Dec)",
    ):
        assert expected in lines, (expected, lines)
    assert lines[-1].startswith("Fri 27 Nov · Met at BNI breakfast")  # newest first
    assert all("_" not in line for line in lines)  # no raw keys

    with bot.metbot.core.sessions() as session:
        latest = session.scalar(
            select(Meeting.id).where(Meeting.contact_id == jane).order_by(Meeting.id.desc())
        )
    assert actions.key == f"c{jane}"
    assert buttons(card)[-3:] == [(EDIT, str(latest)), (FOLLOWED_UP, str(jane)), (WENT_COLD, str(jane))]
    assert actions.choice is not None and actions.choice.action == SNOOZE


def test_the_cards_buttons_work_in_place_over_the_app(bot: OfflineBot) -> None:
    command(bot, "Sam Lee (Initech) at Web Summit")
    sam = contact_id(bot, "Sam Lee")
    card = book(bot).contact_card(who(), sam)
    assert isinstance(card, Reply)
    answer = click(bot, rendered(card), FOLLOWED_UP, value=str(sam))
    assert answer["replace_original"] is True
    text = str(answer["blocks"])
    assert (
        "Timeline" in text and "You followed up with Sam Lee" in text
    )  # the actions changed, the rest stayed
    with bot.metbot.core.sessions() as session:
        assert session.get(Contact, sam).first_follow_up_at is not None  # type: ignore[union-attr]
    again = book(bot).contact_card(who(), sam)
    assert isinstance(again, Reply) and "You followed up" in again.sections[-2].text


def test_a_new_contact_card_and_the_default_rhythm(bot: OfflineBot) -> None:
    command(bot, "Pat Kim at the Chamber mixer")
    card = book(bot).contact_card(who(), contact_id(bot, "Pat Kim"))
    assert isinstance(card, Reply)
    fields = dict(card.sections[0].fields)
    assert fields["Keep in touch"] == "every 2 weeks (the Know default)"
    assert fields["Next step"] == "none agreed" and "E-mail" not in fields
    assert card.sections[1].text == "Today · Met at the Chamber mixer"


def test_nobody_elses_card_opens(bot: OfflineBot) -> None:
    alices_people(bot)
    jane = contact_id(bot, "Jane Doe")
    for user, value in ((BOB, jane), (ALICE, None), (ALICE, 10**9), ("U0NOBODY", jane)):
        assert isinstance(book(bot).contact_card(who(user), value), Refusal), (user, value)


# --- the list -----------------------------------------------------------------------------------


def many(bot: OfflineBot, n: int) -> None:
    """n contacts for Alice: every third due (overdue by i days), every fifth cold, every seventh at Trust."""
    now = bot.clock()
    with bot.metbot.core.sessions.begin() as session:
        member = people.member(session, "slack", "T0DEMO", ALICE, now)
        rows = []
        for i in range(n):
            name = f"Person {i:02d}"
            cold, due = i % 5 == 4, i % 3 == 0
            rows.append(
                data.NewContact(
                    name=name,
                    name_key=name_key(name),
                    stage="trust" if i % 7 == 6 else "know",
                    phase="cold" if cold else "follow_up",
                    due_on=None if cold else TODAY - timedelta(days=i) if due else TODAY + timedelta(days=5),
                    added_on=TODAY - timedelta(days=30),
                    meeting=MeetingValues(
                        name=name, name_key=name_key(name), met_on=TODAY - timedelta(days=n - i), event="Expo"
                    ),
                )
            )
        data.import_contacts(session, member.id, rows, now)


def test_the_list_pages_with_next_and_previous(bot: OfflineBot) -> None:
    many(bot, 23)
    first = book(bot).contacts(who(), 1)
    rendered(first)
    assert first.headline == "Your contacts (23) · page 1 of 3"
    assert len([s for s in first.sections if s.title]) == PAGE_SIZE
    assert first.sections[0].note == "⏰ 7 due now — /met list due shows them."
    assert buttons(first)[-1] == (PAGE_NEXT, "2:")
    assert all(action == OPEN for action, _ in buttons(first)[:-1])

    second = book(bot).contacts(who(), 2)
    assert second.headline == "Your contacts (23) · page 2 of 3"
    assert buttons(second)[-2:] == [(PAGE_PREVIOUS, "1:"), (PAGE_NEXT, "3:")]
    assert "11–20 of 23" in [s.text for s in second.sections]
    last = book(bot).contacts(who(), 3)
    assert len([s for s in last.sections if s.title]) == 3 and buttons(last)[-1] == (PAGE_PREVIOUS, "2:")
    shown = {t for page in (first, second, last) for t in titles(page)}
    assert len(shown) == 23  # every contact once
    assert book(bot).contacts(who(), 99).headline == last.headline  # past the end: the last page


def test_the_list_filters_and_shows_what_is_due(bot: OfflineBot) -> None:
    many(bot, 23)
    due = book(bot).contacts(who(), 1, "due")
    assert due.headline == "Due now (7)"
    assert titles(due)[0] == "Person 21"  # the most overdue first
    states = [dict(s.fields)["State"] for s in due.sections if s.title]
    assert states[-1] == "to follow up, today" and all("overdue since" in state for state in states[:-1])
    cold = book(bot).contacts(who(), 1, "cold")
    assert cold.headline == "Gone cold (4)" and set(titles(cold)) == {
        "Person 04",
        "Person 09",
        "Person 14",
        "Person 19",
    }
    trust = book(bot).contacts(who(), 1, "trust")
    assert trust.headline == "Your contacts at Trust (3)"
    assert book(bot).contacts(who(BOB), 1, "due").headline == "Nobody is due right now: you're up to date."
    assert "I can list" in book(bot).contacts(who(), 1, "evil").sections[0].text


def test_list_words_and_button_values_are_read_strictly(bot: OfflineBot) -> None:
    alices_people(bot)
    assert read_filter("due") == "due" and read_filter(" Trust ") == "trust" and read_filter("") == ""
    assert read_filter("jane") is None
    assert (
        titles(book(bot).list_or_find(who(), "jane"))[0] == "Jane Doe (Acme Corp)"
    )  # "/met list jane" searches
    assert book(bot).list_or_find(who(), "due").headline == "Nobody is due right now: you're up to date."
    assert read_page("2:due") == (2, "due") and read_page("1:") == (1, "")
    for forged in ("", "x", "0:", "-1:", "2:evil", "١:", "99999999:"):
        assert read_page(forged) is None, forged


def test_find_takes_any_text_kindly(bot: OfflineBot) -> None:
    alices_people(bot)
    command(bot, "Zoë 🚀 O'Neil (Rocket*Co) at [Launch] party")
    for query in ("(.*", "[", "\\", "*", "a" * 5000, "🚀", "o'neil", "rocket*co", "ZOE"):
        reply = book(bot).find(who(), query)
        rendered(reply)
        assert len(reply.headline) < 200, query
    assert titles(book(bot).find(who(), "zoe o'neil"))[0] == "Zoë O'Neil (Rocket*Co)"
    assert titles(book(bot).find(who(), "launch"))[0] == "Zoë O'Neil (Rocket*Co)"
