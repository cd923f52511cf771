"""Reading Teams activities: the command word, and the facts the core keeps (timezone, where to answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.records import Who
from handlers.teams.edge import facts_of, parse_command, picked
from handlers.teams.sdk import retry_after_of

EXAMPLE = json.loads((Path(__file__).parent / "data" / "teams-personal-message.example.json").read_text())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("met Jane Doe (Acme) at BNI", ("met", "Jane Doe (Acme) at BNI")),
        ("/met list", ("met", "list")),
        ("<at>metbot</at> met stats\n", ("met", "stats")),
        ('<at id="0">metbot</at>&nbsp;referral <at>Sam</at> to Jane', ("referral", "to Jane")),
        ("MET help", ("met", "help")),
        ("home", ("home", "")),
        ("<p>met team</p>", ("met", "team")),
        ("hello", None),
        ("", None),
        (None, None),
        ("metbot", None),
    ],
)
def test_the_command_word(text: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_command(text) == expected


def test_the_facts_of_the_published_message() -> None:
    facts = facts_of(EXAMPLE)
    assert facts.who == Who(
        "teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
    )
    assert facts.timezone == "America/Los_Angeles" and facts.locale == "en-US"
    assert facts.service_url == "https://smba.trafficmanager.net/amer/"
    assert facts.conversation_id == EXAMPLE["conversation"]["id"] and facts.conversation_type == "personal"
    assert facts.user_id == EXAMPLE["from"]["id"]
    assert not facts.installed and not facts.uninstalled


def test_the_timezone_falls_back_to_client_info_and_a_bad_one_is_not_kept() -> None:
    no_local = {k: v for k, v in EXAMPLE.items() if k != "localTimezone"}
    no_local["entities"] = [{"type": "clientInfo", "timezone": "Europe/London", "locale": "en-GB"}]
    assert facts_of(no_local).timezone == "Europe/London"
    assert (
        facts_of({**no_local, "entities": [{"type": "clientInfo", "timezone": "Mars/Olympus"}]}).timezone
        is None
    )
    assert (
        facts_of({**no_local, "entities": []}).timezone is None
    )  # missing: the core keeps the last good one


def test_an_activity_without_a_tenant_or_aad_id_names_nobody() -> None:
    anonymous = {**EXAMPLE, "from": {"id": "29:x"}}
    assert facts_of(anonymous).who is None
    assert facts_of({**EXAMPLE, "conversation": {"id": "a:1"}, "channelData": {}}).who is None


def test_install_and_uninstall_events() -> None:
    bot = EXAMPLE["recipient"]
    added = {
        **EXAMPLE,
        "type": "conversationUpdate",
        "membersAdded": [bot],
        "channelData": {"team": {"id": "19:t"}},
    }
    assert facts_of(added).installed and facts_of(added).general_channel_id == "19:t"
    someone_else = {**added, "membersAdded": [{"id": "29:other"}]}
    assert not facts_of(someone_else).installed
    assert facts_of({**EXAMPLE, "type": "conversationUpdate", "membersRemoved": [bot]}).uninstalled
    assert facts_of({**EXAMPLE, "type": "installationUpdate", "action": "remove"}).uninstalled
    assert facts_of({**EXAMPLE, "type": "installationUpdate", "action": "add-upgrade"}).installed


def test_a_choice_pick_becomes_the_value() -> None:
    assert picked({"metbot_choice": "reason.2", "reason.2": "busy", "contact": "7", "msteams": {}}) == {
        "value": "busy",
        "contact": "7",
    }
    assert picked({"value": "c1"}) == {"value": "c1"}


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_of({"Retry-After": "7"}) == 7.0
    assert retry_after_of({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past: now
    assert retry_after_of({}) is None and retry_after_of({"Retry-After": "soon"}) is None
