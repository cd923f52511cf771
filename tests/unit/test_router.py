"""The router with in-memory fakes: no HTTP, no database. Every command word and every action goes
to the use case it names, and a value of the wrong shape changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.records import Channel, Who
from bot.results import Form, Refusal, Reply, Section
from bot.router import (
    CHOICE_ACTIONS,
    FILE_ACTIONS,
    PAGE_ACTIONS,
    ROW_ACTIONS,
    Action,
    Asked,
    FileRef,
    FormId,
    Nothing,
    Page,
    Query,
    Router,
    Row,
    RowChoice,
    decode,
    encode,
    split_word,
)

ALICE = Who("slack", "T1", "U1")
WINS = Channel("C0WINS", "wins")


def said(text: str) -> Reply:
    return Reply(headline=text, sections=(Section(text=text),))


@dataclass
class Recorder:
    """A fake service: every call is recorded and answered with a reply naming it."""

    name: str
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def __getattr__(self, method: str) -> Any:
        if method.startswith("__"):
            raise AttributeError(method)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((method, args))
            if method in ("new_meeting_form", "form"):
                return Form(id="f", title="t", submit="s", inputs=())
            if method in (
                "followed_up",
                "went_cold",
                "snooze",
                "responded",
                "classify",
                "set_outcome",
                "rest",
                "keep_in_touch",
                "decide",
            ):
                return Section(text=f"{self.name}.{method}")
            return said(f"{self.name}.{method}")

        return call


@dataclass
class FakeCore:
    members: Recorder = field(default_factory=lambda: Recorder("members"))
    meetings: Recorder = field(default_factory=lambda: Recorder("meetings"))
    reports: Recorder = field(default_factory=lambda: Recorder("reports"))
    engagement: Recorder = field(default_factory=lambda: Recorder("engagement"))
    referrals: Recorder = field(default_factory=lambda: Recorder("referrals"))
    data: Recorder = field(default_factory=lambda: Recorder("data"))
    contacts: Recorder = field(default_factory=lambda: Recorder("contacts"))

    def all_calls(self) -> list[str]:
        return [
            f"{r.name}.{m}"
            for r in (
                self.members,
                self.meetings,
                self.reports,
                self.engagement,
                self.referrals,
                self.data,
                self.contacts,
            )
            for m, _ in r.calls
        ]


@pytest.fixture
def core() -> FakeCore:
    return FakeCore()


@pytest.fixture
def router(core: FakeCore) -> Router:
    return Router(core)  # type: ignore[arg-type]  # the fake has the services' shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "reports.help"),
        ("list", "contacts.contacts"),
        ("list jane", "contacts.list_or_find"),
        ("find jane", "contacts.find"),
        ("search acme", "contacts.find"),
        ("config days mon-fri", "engagement.set_work_days"),
        ("stats", "reports.stats"),
        ("team", "reports.team"),
        ("export", "data.export"),
        ("import", "data.import_help"),
        ("forget Jane Doe", "data.forget_prompt"),
        ("config digest 7am", "members.set_digest_hour"),
        ("config channel off", "referrals.configure"),
        ("config timezone Europe/London", "members.set_timezone"),
        ("config", "referrals.configure"),
        ("Jane Doe (Acme) at BNI", "meetings.capture_text"),
        ("Helpful Harry; next step: call", "meetings.capture_text"),
        ("help; next step: call", "meetings.capture_text"),
    ],
)
def test_each_met_word_goes_to_its_use_case(router: Router, core: FakeCore, text: str, expected: str) -> None:
    router.handle_command(ALICE, "met", text)
    assert core.all_calls() == [expected]


@pytest.mark.parametrize("text", ["stats last month", "remind me", "team x", "export all", "import now"])
def test_sub_command_words_with_more_words_never_become_contacts(
    router: Router, core: FakeCore, text: str
) -> None:
    routed = router.handle_command(ALICE, "met", text)
    assert "meetings.capture_text" not in core.all_calls()
    assert isinstance(routed.answer, Reply)
    assert "/met" in routed.answer.headline


def test_met_edit_with_a_name_opens_that_contacts_latest_meeting(router: Router, core: FakeCore) -> None:
    router.handle_command(ALICE, "met", "edit Jane Doe")
    assert core.meetings.calls == [("edit_by_name", (ALICE, "Jane Doe"))]


def test_met_alone_opens_the_form_where_it_was_typed(router: Router, core: FakeCore) -> None:
    routed = router.handle_command(ALICE, "met", "", Asked(channel="C1"))
    assert isinstance(routed.answer, Form)
    assert core.meetings.calls == [("new_meeting_form", (ALICE,))]


def test_only_config_with_words_asks_whether_the_user_is_an_admin(router: Router) -> None:
    asked: list[str] = []

    def admin() -> bool:
        asked.append("asked")
        return True

    router.handle_command(ALICE, "met", "config", Asked(is_admin=admin))
    assert asked == []
    router.handle_command(ALICE, "met", "config channel #wins", Asked(is_admin=admin, channels=(WINS,)))
    assert asked == ["asked"]


def test_referral_words(router: Router, core: FakeCore) -> None:
    assert isinstance(router.handle_command(ALICE, "referral", "  ").answer, Form)
    routed = router.handle_command(ALICE, "referral", "gave Jane Doe to Bob Lee")
    assert routed.announce and routed.changed
    assert core.referrals.calls[-1][0] == "record_text"


def test_every_action_is_routed(router: Router, core: FakeCore) -> None:
    for action in Action:
        payload = (
            Row(7)
            if action in ROW_ACTIONS
            else RowChoice(7, "3")
            if action in CHOICE_ACTIONS
            else Page(2, "due")
            if action in PAGE_ACTIONS
            else FileRef("F123")
            if action in FILE_ACTIONS
            else Query("jane")
            if action is Action.CONTACTS_FIND
            else Nothing()
        )
        router.handle_action(ALICE, action, payload, Asked())
    assert len(core.all_calls()) == len(Action) - 1  # Cancel of an import needs no use case


@pytest.mark.parametrize("value", ["", "x", "-1", "1.5", "²", "١", "12:", "9" * 20, "1:" + "x" * 100])
def test_values_of_the_wrong_shape_are_refused_and_change_nothing(
    router: Router, core: FakeCore, value: str
) -> None:
    for action in (Action.FOLLOWED_UP, Action.SNOOZE, Action.WHY, Action.FORGET_ME):
        payload = decode(action, value)
        if action in ROW_ACTIONS and value.isascii() and value.isdigit() and len(value) < 19:
            continue
        routed = router.handle_action(ALICE, action, payload)
        assert isinstance(routed.answer, Refusal), (action, value)
    assert core.all_calls() == []


@given(
    st.integers(min_value=0, max_value=10**17),
    st.text(min_size=1, max_size=64).filter(lambda s: ":" not in s),
)
def test_payloads_survive_the_round_trip_through_a_button_value(row: int, choice: str) -> None:
    assert decode(Action.FOLLOWED_UP, encode(Row(row))) == Row(row)
    assert decode(Action.SNOOZE, encode(RowChoice(row, choice))) == RowChoice(row, choice)


def test_an_import_confirm_without_a_way_to_fetch_the_file_is_refused(router: Router, core: FakeCore) -> None:
    router.handle_action(ALICE, Action.IMPORT_CONFIRM, FileRef("F1"))
    assert core.all_calls() == ["data.refuse"]


def test_forms_are_routed_by_id(router: Router, core: FakeCore) -> None:
    router.handle_submit(ALICE, FormId.MEETING, {}, "")
    router.handle_submit(ALICE, FormId.REFERRAL, {}, "")
    router.handle_submit(ALICE, FormId.REFERRAL_VALUE, {}, "")
    assert core.all_calls() == [
        "meetings.submit_meeting_form",
        "referrals.submit_form",
        "referrals.submit_value",
    ]


def test_split_word() -> None:
    assert split_word("  List  jane doe ") == ("list", "jane doe")
    assert split_word("config\ndigest 7am") == ("config", "digest 7am")
    assert split_word("") == ("", "")


def test_config_channel_alone_in_a_team_channel_picks_that_channel() -> None:
    from bot.config import ChannelChoice, read_channel

    general = Channel("19:general@thread.tacv2", "General")
    assert read_channel("", (), general) == ChannelChoice(general)
    assert read_channel("#wins", (WINS,), None) == ChannelChoice(WINS)
    assert read_channel("off", (), None) == ChannelChoice(None)
    assert not isinstance(read_channel("", (), None), ChannelChoice)
    assert not isinstance(read_channel("#nowhere", (), None), ChannelChoice)


def test_timezones_are_read_forgivingly() -> None:
    from bot.config import read_timezone

    assert read_timezone("europe/london") == "Europe/London"
    assert read_timezone("America/New York") == "America/New_York"
    assert not isinstance(read_timezone("Mars/Olympus"), str)
