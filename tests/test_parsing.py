"""The /met grammar, pinned by real phrasings: what people actually type after a networking event."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import LIMITS, MAX_TEXT, Problem, day_first, name_key, parse_met, read_date
from bot.records import Meeting, Person

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # a Friday; 09:00 in New York
TZ = "America/New_York"

# Each row: the command text, then only the fields that matter for it. "warn" is whether any warning
# is expected (default False); "tz" and "now" override the defaults.
CASES: list[tuple[str, dict[str, Any]]] = [
    # --- the person segment -----------------------------------------------------------------------
    (
        "Jane Doe (Acme Corp) at BNI breakfast",
        {"name": "Jane Doe", "company": "Acme Corp", "event": "BNI breakfast"},
    ),
    ("Jane Doe from Acme at BNI", {"name": "Jane Doe", "company": "Acme", "event": "BNI"}),
    (
        "Jane Doe, Acme Corp, at the Chamber mixer",
        {"name": "Jane Doe", "company": "Acme Corp", "event": "the Chamber mixer"},
    ),
    ("Jane Doe at BNI breakfast", {"name": "Jane Doe", "company": None, "event": "BNI breakfast"}),
    ("Jane", {"name": "Jane", "company": None, "event": None, "next_step": None, "notes": None}),
    ("Dr. Jane Doe Jr. (Acme)", {"name": "Dr. Jane Doe Jr.", "company": "Acme", "event": None}),
    ("Jane Doe, PhD, Acme Labs", {"name": "Jane Doe, PhD", "company": "Acme Labs"}),
    ("Mary-Kate O'Neil-Smith", {"name": "Mary-Kate O'Neil-Smith", "company": None}),
    ("Mary-Kate O’Neil-Smith (Smith & Co)", {"name": "Mary-Kate O’Neil-Smith", "company": "Smith & Co"}),
    ("José Núñez (Café Olé)", {"name": "José Núñez", "company": "Café Olé"}),
    ("Jane Doe (AT&T) at Web Summit", {"name": "Jane Doe", "company": "AT&T", "event": "Web Summit"}),
    ("Jane Doe (AT&amp;T) at Web Summit", {"name": "Jane Doe", "company": "AT&T", "event": "Web Summit"}),
    ("Jane (Shop at Home) at Expo", {"name": "Jane", "company": "Shop at Home", "event": "Expo"}),
    ("Jane Doe at drinks at the Hilton", {"name": "Jane Doe", "event": "drinks at the Hilton"}),
    ("Jane Doe - Acme Corp @ Expo", {"name": "Jane Doe", "company": "Acme Corp", "event": "Expo"}),
    (
        "  Jane    Doe   (  Acme   Corp )   at   BNI  ",
        {"name": "Jane Doe", "company": "Acme Corp", "event": "BNI"},
    ),
    ("山田 太郎 (トヨタ) at 展示会", {"name": "山田 太郎", "company": "トヨタ", "event": "展示会"}),
    ("محمد علي (شركة) at conference", {"name": "محمد علي", "company": "شركة", "event": "conference"}),
    ("Пётр Иванов (Газпром) at форум", {"name": "Пётр Иванов", "company": "Газпром", "event": "форум"}),
    (  # emoji decorate a line; they are not part of a name or an event
        "🦄 Jane 🚀 (Unicorn Inc) at 🎉 party",
        {"name": "Jane", "company": "Unicorn Inc", "event": "party"},
    ),
    ("Ja\u200bne\u0007 Doe (Acme)", {"name": "Jane Doe", "company": "Acme"}),
    # --- handles (mentions are below: the edge passes them as Person records) ----------------------
    ("@jane.doe at BNI", {"name": "jane.doe", "linked_user_id": None, "event": "BNI"}),
    ("@jane.doe Jane Doe (Acme)", {"name": "Jane Doe", "company": "Acme"}),
    # --- next steps, owners, due dates ------------------------------------------------------------
    (
        "Jane Doe (Acme) at BNI; next step: intro to her CFO by Friday",
        {"next_step": "intro to her CFO", "owner": None, "due": date(2026, 12, 4)},
    ),
    ("Jane; next step: intro to her CFO", {"next_step": "intro to her CFO", "due": None}),
    (
        "Jane; next step: I'll send the deck tomorrow",
        {"next_step": "I'll send the deck", "owner": "me", "due": date(2026, 11, 28)},
    ),
    (
        "Jane; next: I will call her next Tuesday",
        {"next_step": "I will call her", "owner": "me", "due": date(2026, 12, 1)},
    ),
    (
        "Jane; ns: they'll send a proposal in 2 weeks",
        {"next_step": "they'll send a proposal", "owner": "them", "due": date(2026, 12, 11)},
    ),
    ("Jane; step: she’ll check with her boss in 3 days", {"owner": "them", "due": date(2026, 11, 30)}),
    (
        "Jane; next step: we'll grab coffee on Dec 3",
        {"next_step": "we'll grab coffee", "owner": "both", "due": date(2026, 12, 3)},
    ),
    (
        "Jane; next step: let's meet by December 3rd",
        {"next_step": "let's meet", "owner": "both", "due": date(2026, 12, 3)},
    ),
    (
        "Jane; next step: me: send case study before 3/12",
        {"next_step": "send case study", "owner": "me", "due": date(2027, 3, 12)},
    ),
    (
        "Jane; next step: them: sign NDA by 2026-12-03",
        {"next_step": "sign NDA", "owner": "them", "due": date(2026, 12, 3)},
    ),
    (
        "Jane; next step: both: lunch on Friday",
        {"next_step": "lunch", "owner": "both", "due": date(2026, 12, 4)},
    ),
    ("Jane; next step: call her Friday", {"next_step": "call her", "due": date(2026, 12, 4)}),
    (
        "Jane; next step: call on Monday about the deal",
        {"next_step": "call on Monday about the deal", "due": None},
    ),
    ("Jane; next step: follow up on pricing", {"next_step": "follow up on pricing", "due": None}),
    ("Jane; next step: send it by email", {"next_step": "send it by email", "due": None}),
    ("Jane; next step: enjoy the sun", {"next_step": "enjoy the sun", "due": None}),
    (
        "Jane; next step: send the deck by flurbsday",
        {"next_step": "send the deck by flurbsday", "due": None, "warn": True},
    ),
    (
        "Jane; next step: send the deck by Nov 1 2026",
        {"next_step": "send the deck", "due": date(2026, 11, 1), "warn": True},
    ),
    ("Jane; next step: I'll call; due: end of month", {"next_step": "I'll call", "due": date(2026, 11, 30)}),
    (
        "Jane; next step: call by Friday; due: Dec 3",
        {"next_step": "call by Friday", "due": date(2026, 12, 3)},
    ),
    (
        "Jane; next step: send the deck; by: tomorrow",
        {"next_step": "send the deck", "due": date(2026, 11, 28)},
    ),
    ("Jane; due: flurbsday", {"due": None, "notes": "due: flurbsday", "warn": True}),
    # --- offers, connection, when, notes ----------------------------------------------------------
    (
        "Jane; offer: intro to my accountant",
        {"offer": "intro to my accountant", "offer_kind": "introduction"},
    ),
    ("Jane; i can offer: a referral to a lawyer", {"offer_kind": "referral"}),
    ("Jane; give: my podcast slot", {"offer": "my podcast slot", "offer_kind": None}),
    ("Jane; intro: Bob at Stripe", {"offer": "Bob at Stripe", "offer_kind": "introduction"}),
    ("Jane; connection: strong", {"connection": "strong"}),
    ("Jane; vibe: OK", {"connection": "ok"}),
    ("Jane; connection: meh", {"connection": None, "notes": "connection: meh", "warn": True}),
    ("Jane; when: yesterday", {"met_on": date(2026, 11, 26)}),
    ("Jane; met: Tuesday", {"met_on": date(2026, 11, 24)}),
    ("Jane; when: someday", {"met_on": None, "warn": True}),
    ("Jane; notes: loves golf; 2 kids", {"notes": "loves golf; 2 kids"}),
    (
        "Jane\nnext step: call tomorrow\nnotes: likes golf",
        {"next_step": "call", "due": date(2026, 11, 28), "notes": "likes golf"},
    ),
    # --- hostile or odd input ---------------------------------------------------------------------
    ("Robert'); DROP TABLE contacts;--", {"name": "Robert')", "notes": "DROP TABLE contacts; --"}),
    (
        "Jane; next step: call tomorrow",
        {"due": date(2026, 11, 29), "tz": "Asia/Tokyo", "now": datetime(2026, 11, 27, 23, 30, tzinfo=UTC)},
    ),
    ("Jane; next step: call tomorrow", {"due": date(2026, 11, 28), "tz": "Not/A_Zone"}),
]


def flat(meeting: Meeting) -> dict[str, Any]:
    """The first person's card and the meeting's fields, under the names these cases use."""
    card = meeting.person
    return {
        "name": card.name,
        "company": card.company,
        "title": card.title,
        "linked_user_id": card.linked_user,
        "event": meeting.event,
        "next_step": meeting.next_step,
        "owner": meeting.next_step_owner,
        "due": meeting.next_step_due,
        "offer": meeting.offer,
        "offer_kind": meeting.offer_kind,
        "notes": meeting.notes,
        "connection": meeting.connection,
        "met_on": meeting.met_on,
    }


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_phrasings(text: str, expected: dict[str, Any]) -> None:
    expected = dict(expected)
    tz = expected.pop("tz", TZ)
    now = expected.pop("now", NOW)
    warn = expected.pop("warn", False)
    result = parse_met(text, now=now, timezone=tz)
    assert isinstance(result, Meeting), result
    fields = flat(result)
    for key, want in expected.items():
        assert fields[key] == want, key
    assert bool(result.warnings) is warn, result.warnings


# --- mentions: the edge turns <@U…> / <at>…</at> into "@Name" and passes the people ----------------


def test_a_mentioned_person_is_linked_by_name() -> None:
    bob = Person(name="Bob Lee", user="U123")
    result = parse_met("@Bob Lee (Acme) at BNI", now=NOW, timezone=TZ, mentions=[bob])
    assert isinstance(result, Meeting)
    assert (result.person.name, result.person.linked_user, result.person.company) == (
        "Bob Lee",
        "U123",
        "Acme",
    )
    assert result.event == "BNI"


def test_two_mentioned_people_are_two_linked_cards() -> None:
    people = [Person(name="Bob Lee", user="U1"), Person(name="Jane Doe", user="W2")]
    result = parse_met("met @Bob Lee and @Jane Doe from Globex", now=NOW, timezone=TZ, mentions=people)
    assert isinstance(result, Meeting)
    assert [(c.name, c.linked_user, c.company) for c in result.people] == [
        ("Bob Lee", "U1", "Globex"),
        ("Jane Doe", "W2", "Globex"),
    ]


def test_a_handle_nobody_mentioned_stays_a_plain_name() -> None:
    result = parse_met("@bob.lee at BNI", now=NOW, timezone=TZ, mentions=[Person(name="Jane", user="U9")])
    assert isinstance(result, Meeting)
    assert (result.person.name, result.person.linked_user) == ("bob.lee", None)


# --- the member's date order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "want"),
    [(None, False), ("en-US", False), ("en-GB", True), ("en-IN", True), ("de-DE", True), ("fr-FR", True),
     ("pt-BR", True), ("es-ES", True), ("ja-JP", False), ("en_CA", False), ("de", True), ("en", False)],
)  # fmt: skip
def test_day_first_follows_the_locale(locale: str | None, want: bool) -> None:
    assert day_first(locale) is want


@pytest.mark.parametrize(
    ("phrase", "first", "want"),
    [
        ("12/3", True, date(2027, 3, 12)),
        ("12/3", False, date(2026, 12, 3)),
        ("25/3", False, date(2027, 3, 25)),  # only one reading
        ("3/25", True, date(2027, 3, 25)),
        ("12.3.", False, date(2027, 3, 12)),  # dots are day first everywhere
        ("12/03/2026", True, date(2026, 3, 12)),
        ("12/03/2026", False, date(2026, 12, 3)),
    ],
)
def test_numeric_dates_follow_the_members_order(phrase: str, first: bool, want: date) -> None:
    assert read_date(phrase, now=NOW, timezone=TZ, day_first=first) == want


def test_a_london_member_calls_on_the_12th_of_march() -> None:
    result = parse_met(
        "Tom (Acme); next step: call him 12/3", now=NOW, timezone="Europe/London", locale="en-GB"
    )
    assert isinstance(result, Meeting)
    assert result.next_step_due == date(2027, 3, 12)
    assert result.warnings == ()


def test_unreadable_due_warning_names_the_phrase() -> None:
    result = parse_met("Jane; next step: send deck by flurbsday", now=NOW, timezone=TZ)
    assert isinstance(result, Meeting)
    assert result.warnings == (
        "I couldn't read “flurbsday” as a date, so no due date is set — "
        "try “Friday”, “in 2 weeks” or “Dec 3”.",
    )


def test_past_due_warning_is_readable() -> None:
    result = parse_met("Jane; next step: call; due: Nov 2 2026", now=NOW, timezone=TZ)
    assert isinstance(result, Meeting)
    assert result.next_step_due == date(2026, 11, 2)
    assert result.warnings == ("That due date (Mon 2 Nov) is already in the past.",)


# --- read_date --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "want"),
    [
        ("today", date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 28)),
        ("by tomorrow", date(2026, 11, 28)),
        ("Friday", date(2026, 12, 4)),  # said on a Friday: dateparser's future preference -> next week
        ("this Friday", date(2026, 11, 27)),
        ("next Tuesday", date(2026, 12, 1)),
        ("on Monday", date(2026, 11, 30)),
        ("in 2 weeks", date(2026, 12, 11)),
        ("in 3 days", date(2026, 11, 30)),
        ("Dec 3", date(2026, 12, 3)),
        ("December 3rd", date(2026, 12, 3)),
        ("3 Dec", date(2026, 12, 3)),
        ("before 3/12", date(2027, 3, 12)),
        ("12/3", date(2026, 12, 3)),
        ("3/12/26", date(2026, 3, 12)),
        ("2026-12-03", date(2026, 12, 3)),
        ("end of month", date(2026, 11, 30)),
        ("end of next week", date(2026, 12, 4)),  # today is Friday: end of this week is today
        ("the 3rd", date(2026, 12, 3)),
        ("May", date(2027, 5, 1)),
        ("Nov 1 2026", date(2026, 11, 1)),
        ("Nov 1", date(2027, 11, 1)),
        ("due tmrw", date(2026, 11, 28)),
        ("flurbsday", None),
        ("intro to her CFO", None),
        ("a", None),
        ("5", None),
        ("at 5", None),
        ("32/13", None),
        ("Dec 45", None),
        ("Feb 30", None),
        ("", None),
    ],
)
def test_read_date(phrase: str, want: date | None) -> None:
    assert read_date(phrase, now=NOW, timezone=TZ) == want


def test_read_date_past_preference_for_meeting_day() -> None:
    assert read_date("Tuesday", now=NOW, timezone=TZ, prefer="past") == date(2026, 11, 24)
    assert read_date("Dec 3", now=NOW, timezone=TZ, prefer="past") == date(2025, 12, 3)


def test_tomorrow_depends_on_the_users_timezone() -> None:
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    assert read_date("tomorrow", now=late, timezone="Asia/Tokyo") == date(2026, 11, 29)
    assert read_date("tomorrow", now=late, timezone="America/Los_Angeles") == date(2026, 11, 28)
    assert read_date("tomorrow", now=late, timezone="no such zone") == date(2026, 11, 28)  # UTC fallback


# --- name_key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("José  Núñez", "jose nunez"),
        ("  JANE   DOE ", "jane doe"),
        ("Zoë Ångström", "zoe angstrom"),
        ("Straße", "STRASSE"),
        ("Ｊａｎｅ", "jane"),  # full-width Latin
        ("José Núñez", unicodedata.normalize("NFD", "José Núñez")),
        ("Пётр", "пётр"),
        ("山田 太郎", "山田　太郎"),  # ideographic space
    ],
)
def test_name_key_equivalences(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_name_key_keeps_other_scripts() -> None:
    assert name_key("山田 太郎") == "山田 太郎"
    assert name_key("ガス") != name_key("カス")  # the dakuten is part of the letter, not an accent
    assert name_key("محمد علي") == "محمد علي"
    assert name_key("Jane Doe") != name_key("Jane Dough")


# --- problems ---------------------------------------------------------------------------------------


def _problem(text: str) -> Problem:
    result = parse_met(text, now=NOW, timezone=TZ)
    assert isinstance(result, Problem), result
    assert result.message.strip()
    return result


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", " ; ; ", "\u200b"])
def test_empty_text_is_a_problem_with_an_example(text: str) -> None:
    problem = _problem(text)
    assert problem.field == "text"
    assert "/met " in problem.message


def test_too_long_text_is_a_problem() -> None:
    problem = _problem("Jane; notes: " + "x" * MAX_TEXT)
    assert problem.field == "text"
    assert "2,500" in problem.message


@pytest.mark.parametrize("text", ["; next step: call", "next step: call her", "(Acme) at BNI", "--"])
def test_missing_name_is_a_problem(text: str) -> None:
    assert _problem(text).field == "name"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "J" * (LIMITS["name"] + 1)),
        ("company", "Jane (" + "A" * (LIMITS["company"] + 1) + ")"),
        ("event", "Jane at " + "E" * (LIMITS["event"] + 1)),
        ("next_step", "Jane; next step: " + "s" * (LIMITS["next_step"] + 1)),
        ("offer", "Jane; offer: " + "o" * (LIMITS["offer"] + 1)),
        ("notes", "Jane; notes: " + "n" * (LIMITS["notes"] + 1)),
    ],
)
def test_field_over_its_limit_is_a_problem(field: str, text: str) -> None:
    problem = _problem(text)
    assert problem.field == field
    assert f"{LIMITS[field]:,}" in problem.message


def test_field_at_its_limit_is_fine() -> None:
    result = parse_met("J" * LIMITS["name"] + "; notes: " + "n" * LIMITS["notes"], now=NOW, timezone=TZ)
    assert isinstance(result, Meeting)


# --- robustness -------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "Jane", " Doe", " (", ")", " at ", " @ ", " from ", ", ", ";", "\n", "next step:", " ns:", "offer:",
        "intro", "referral", "notes:", "connection:", " strong", " meh", "when:", "due:", " by ", " on ",
        " before ", "Friday", " tomorrow", " next Tuesday", " in 2 weeks", " Dec 3", " 3/12", " 2026-12-03",
        " flurbsday", "@Jo Ede", "@jo.e", "jo@ex.com", " +44 7911 123456", " linkedin.com/in/jo", "I'll ",
        "they'll ", "let's ", "me:", "&amp;", "she wants ", " follow up ", "CFO @ ", " and Bob", " every 6 weeks",
        "\u200b", "\u202e", "\x00", "🦄", "山田", "محمد", "Пётр", "x" * 130, "'); DROP TABLE t;--",
    ]
)  # fmt: skip


def _assert_valid(result: Meeting | Problem) -> None:
    assert isinstance(result, Meeting | Problem)
    if isinstance(result, Problem):
        assert result.message
        return
    assert result.people and all(card.name for card in result.people)
    for card in result.people:
        for field in ("name", "company", "title"):
            value = getattr(card, field)
            assert value is None or (0 < len(value) <= LIMITS[field]), field
            assert value is None or not any(unicodedata.category(c) == "Cc" for c in value), field
    for field in ("event", "next_step", "offer", "notes"):
        value = getattr(result, field)
        assert value is None or (0 < len(value) <= LIMITS[field]), field
        assert value is None or not any(unicodedata.category(c) == "Cc" for c in value), field


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_met_never_raises_on_arbitrary_text(text: str) -> None:
    _assert_valid(parse_met(text, now=NOW, timezone=TZ))


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join), st.sampled_from(["UTC", "Asia/Tokyo", "bogus"]))
def test_parse_met_never_raises_on_grammar_soup(text: str, tz: str) -> None:
    _assert_valid(parse_met(text, now=NOW, timezone=tz))


def test_three_thousand_characters_is_a_problem_not_a_crash() -> None:
    assert isinstance(parse_met("é" * 3000, now=NOW, timezone=TZ), Problem)


# --- free phrasings: the examples ----------------------------------------------------------


def _meeting(text: str, **kwargs: Any) -> Meeting:
    result = parse_met(text, now=NOW, timezone=kwargs.pop("timezone", TZ), **kwargs)
    assert isinstance(result, Meeting), result
    return result


def test_a_free_line_is_read_as_meant() -> None:
    m = _meeting("met sarah from stripe at the saastr mixer, she wants intro to our cto, follow up next tue")
    assert [(c.name, c.company) for c in m.people] == [("Sarah", "Stripe")]
    assert (m.event, m.next_step, m.next_step_owner, m.next_step_due) == (
        "the saastr mixer",
        "intro to our cto",
        "me",
        date(2026, 12, 1),
    )


def test_a_title_is_never_the_company() -> None:
    jose = _meeting("Dr. José Álvarez-Ruiz, CFO @ Globex — coffee thursday 3pm").person
    assert (jose.name, jose.title, jose.company) == ("Dr. José Álvarez-Ruiz", "CFO", "Globex")
    isabel = _meeting("Isabel Díaz, VP Sales at Telefónica, at MWC Barcelona")
    assert (isabel.person.title, isabel.person.company, isabel.event) == (
        "VP Sales",
        "Telefónica",
        "MWC Barcelona",
    )
    assert _meeting("Karen Lee, founder of Bloom").person.company == "Bloom"


def test_several_people_share_the_company_and_event() -> None:
    m = _meeting("Jane and Bob from Acme")
    assert [(c.name, c.company) for c in m.people] == [("Jane", "Acme"), ("Bob", "Acme")]
    m = _meeting("Hugo, Chloé and Paul at VivaTech")
    assert [c.name for c in m.people] == ["Hugo", "Chloé", "Paul"]
    assert m.event == "VivaTech"


def test_contact_details_leave_the_name_and_phones_are_e164_in_the_members_region() -> None:
    m = _meeting("Tom Baker jane@acme.com 07911 123456 linkedin.com/in/tbaker (Acme)", locale="en-GB")
    card = m.person
    assert (card.name, card.company, card.email) == ("Tom Baker", "Acme", "jane@acme.com")
    assert (card.phone, card.url) == ("+447911123456", "https://linkedin.com/in/tbaker")


@pytest.mark.parametrize(
    ("step", "owner"),
    [
        ("she wants an intro to our CTO", "me"),
        ("I'll send the deck", "me"),
        ("he'll send the contract", "them"),
        ("let's grab lunch", "both"),
        ("follow up next tue", "me"),
        ("they asked me to send pricing", "me"),
    ],
)
def test_the_owner_of_a_free_next_step(step: str, owner: str) -> None:
    assert _meeting(f"Jane from Acme, {step}").next_step_owner == owner


@pytest.mark.parametrize(
    ("said", "days"),
    [
        ("every 6 weeks", 42),
        ("monthly", 30),
        ("every 2 months", 60),
        ("quarterly", 90),
        ("every other week", 14),
    ],
)
def test_a_keep_in_touch_rhythm(said: str, days: int) -> None:
    assert _meeting(f"Jane from Acme, keep in touch {said}").rhythm_days == days


# --- doubts: where the parser is unsure it says so on that field ------------------------------------


def _doubted(meeting: Meeting) -> set[str]:
    return {d.field for d in meeting.doubts}


def test_at_a_word_that_could_be_the_employer_or_the_event_is_doubted() -> None:
    m = _meeting("met Jane at Zorblax")
    assert m.event == "Zorblax"  # the documented grammar: "at <event>"
    assert "event" in _doubted(m)
    assert all(d.message for d in m.doubts)


def test_a_clear_at_is_not_doubted() -> None:
    assert not _doubted(_meeting("Jane Doe (Acme) at the BNI breakfast"))
    assert not _doubted(_meeting("Jane Doe, CFO at Acme"))


def test_an_unknown_word_where_a_date_was_expected_is_doubted_and_said() -> None:
    m = _meeting("Jane from Acme, send the deck by flurbsday")
    assert m.next_step_due is None
    assert "due" in _doubted(m)
    assert any("flurbsday" in w for w in m.warnings)


def test_words_no_rule_understood_are_kept_in_the_notes_with_a_doubt() -> None:
    m = _meeting("Jane from Acme, zzz qqq")
    assert m.notes == "zzz qqq"
    assert "notes" in _doubted(m)


def test_a_later_at_event_turns_an_earlier_at_into_the_company() -> None:
    m = _meeting("Jane Doe at Zorblax, at the BNI breakfast")
    assert (m.person.company, m.event, _doubted(m)) == ("Zorblax", "the BNI breakfast", set())


# --- dates: fast path and typos ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "want"),
    [
        ("next tue", date(2026, 12, 1)),
        ("EOW", date(2026, 11, 27)),
        ("EOM", date(2026, 11, 30)),
        ("in three weeks", date(2026, 12, 18)),
        ("the 15th", date(2026, 12, 15)),
        ("next week", date(2026, 12, 4)),
        ("early next week", date(2026, 11, 30)),
        ("mid-january", date(2027, 1, 15)),
        ("tuseday", date(2026, 12, 1)),
        ("thursday 3pm", date(2026, 12, 3)),
        ("in a couple of weeks", date(2026, 12, 11)),
    ],
)
def test_read_date_more_phrasings(phrase: str, want: date) -> None:
    assert read_date(phrase, now=NOW, timezone=TZ) == want


def test_sundar_is_a_name_not_a_misspelt_sunday() -> None:
    m = _meeting("Sundar P, Managing Partner at Sequoia")
    assert (m.person.name, m.met_on) == ("Sundar P", None)


def test_a_line_that_opens_with_an_address_takes_the_name_from_it_and_says_so() -> None:
    m = _meeting("jane.doe@acme.com, Acme, at the BNI breakfast")
    assert (m.person.name, m.person.email, m.person.company) == ("Jane Doe", "jane.doe@acme.com", "Acme")
    assert "name" in _doubted(m)
    m = _meeting("https://www.linkedin.com/in/jane-doe-4a5b6c/ at the mixer")
    assert (m.person.name, m.person.url, m.event) == (
        "Jane Doe",
        "https://www.linkedin.com/in/jane-doe-4a5b6c/",
        "the mixer",
    )
    assert isinstance(parse_met("info@acme.com", now=NOW, timezone=TZ), Problem)


def test_an_address_before_a_name_leaves_the_name_alone() -> None:
    m = _meeting("https://www.linkedin.com/in/bob-lee-123/ Bob Lee from Globex")
    assert (m.person.name, m.person.company, _doubted(m)) == ("Bob Lee", "Globex", set())


@pytest.mark.parametrize(
    ("text", "title", "company"),
    [
        ("Met Jack Ma, Alibaba founder", "Founder", "Alibaba"),
        ("met Carlos at the expo, he runs partnerships at Rappi", "Partnerships", "Rappi"),
        ("Jane Doe CFO Acme", "CFO", "Acme"),
        ("ran into Tom at the gym, he's a partner at KPMG", "Partner", "KPMG"),
        ("met Marcus Brody, curator at the British Museum", "Curator", "the British Museum"),
    ],
)
def test_roles_said_in_other_ways(text: str, title: str, company: str) -> None:
    card = _meeting(text).person
    assert (card.title, card.company) == (title, company)


def test_asides_and_a_later_met_clause() -> None:
    m = _meeting("met the CEO of Acme, John Smith")
    assert (m.person.name, m.person.title, m.person.company) == ("John Smith", "CEO", "Acme")
    m = _meeting("met Jane from Acme via Bob")
    assert (m.person.company, m.notes, _doubted(m)) == ("Acme", "via Bob", set())
    m = _meeting("Jane Doe from Acme, met last tuesday at BNI")
    assert (m.met_on, m.event) == (date(2026, 11, 24), "BNI")


def test_an_impossible_date_is_said_never_dropped() -> None:
    m = _meeting("Jane from Acme, call her 32/13")
    assert (m.next_step, m.next_step_due) == ("call her 32/13", None)
    assert any("32/13" in w for w in m.warnings) and "due" in _doubted(m)
    m = _meeting("met Jane on 32/13 at BNI")
    assert (m.person.name, m.met_on, m.event) == ("Jane", None, "BNI")
    assert any("32/13" in w for w in m.warnings) and "met_on" in _doubted(m)
