"""`manifest.yml` and the code agree: the same commands and events, the right URLs, the fewest scopes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers.slack.offline import OfflineBot

ROOT = Path(__file__).resolve().parent.parent
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))

# Where listeners are registered and where Slack is called from (the stand-in and the demo are not the app).
LISTENER_SOURCES = sorted(
    p for p in (ROOT / "handlers" / "slack").glob("*.py") if p.name not in ("standin.py", "offline.py")
)
CALLER_SOURCES = LISTENER_SOURCES + sorted(p for p in (ROOT / "bot").glob("*.py"))

# The scopes this app is meant to have. Adding one must be a conscious change here and in the manifest.
BOT_SCOPES = {"commands", "chat:write", "im:write", "im:history", "users:read", "files:write", "files:read"}

# Every Web API method the code may call, and the bot scope it needs (None: no scope needed).
METHOD_SCOPES: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "conversations_open": "im:write",
    "conversations_history": "im:history",
    "users_info": "users:read",
    "files_info": "files:read",
    "files_upload_v2": "files:write",
    "views_open": None,
    "views_update": None,
    "views_push": None,
    "views_publish": None,
    "auth_test": None,
}
# Events and the scope Slack requires before it will send them.
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "file_shared": "files:read",
}

EVENT_RE = re.compile(r"""\bapp\.event\(\s*["']([^"']+)["']""")
CALL_RE = re.compile(r"""client\.([a-z]+_[A-Za-z0-9_]+)\(""")


def found_in_sources(pattern: re.Pattern[str], sources: list[Path]) -> set[str]:
    return {m for path in sources for m in pattern.findall(path.read_text(encoding="utf-8"))}


def declared_commands() -> set[str]:
    return {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def declared_events() -> set[str]:
    return set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_the_sources_are_found() -> None:
    # Guards the regexes below against silently finding nothing.
    assert {"commands.py", "events.py"} <= {p.name for p in LISTENER_SOURCES}
    assert "/met" in handled_commands()
    assert "app_home_opened" in found_in_sources(EVENT_RE, LISTENER_SOURCES)


def handled_commands() -> set[str]:
    """The slash commands the Slack edge registers (one listener, mapping each to a router command)."""
    from handlers.slack.commands import COMMANDS

    return set(COMMANDS)


def test_commands_in_the_code_are_exactly_those_declared() -> None:
    assert handled_commands() == declared_commands()


def test_shortcuts_in_the_code_are_exactly_those_declared() -> None:
    from handlers.slack.shortcuts import FROM_ANYWHERE, ON_A_MESSAGE

    declared = {(s["type"], s["callback_id"]) for s in MANIFEST["features"]["shortcuts"]}
    assert declared == {("message", ON_A_MESSAGE), ("global", FROM_ANYWHERE)}


def test_events_in_the_code_are_exactly_those_subscribed() -> None:
    assert found_in_sources(EVENT_RE, LISTENER_SOURCES) == declared_events()


@pytest.mark.sqlite_only
def test_every_declared_command_and_event_is_handled_by_the_running_app(bot: OfflineBot) -> None:
    for command in sorted(declared_commands()):
        answer = bot.slack.command("help", command=command)
        assert answer.status == 200, (command, answer.status, answer.body)
        assert answer.elapsed < 3
    # The control: a command the app does not register is answered 404.
    assert bot.slack.command("help", command="/not-ours").status == 404

    examples: dict[str, dict[str, Any]] = {
        "app_home_opened": {
            "type": "app_home_opened",
            "user": "U0ALICE",
            "channel": "DU0ALICE",
            "tab": "home",
        },
        "app_uninstalled": {"type": "app_uninstalled"},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": []}},
        "file_shared": {
            "type": "file_shared",
            "file_id": "F0NONE",
            "user_id": "U0ALICE",
            "channel_id": "DU0ALICE",
            "file": {"id": "F0NONE"},
        },
    }
    for event in sorted(declared_events()):
        assert event in examples, f"add an example payload for {event}"
        answer = bot.slack.event(examples[event])
        assert answer.status == 200, (event, answer.status, answer.body)
    assert bot.slack.event({"type": "reaction_added", "user": "U0ALICE"}).status == 404


def test_every_request_url_is_the_one_bolt_endpoint() -> None:
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls.append(MANIFEST["settings"]["event_subscriptions"]["request_url"])
    urls.append(MANIFEST["settings"]["interactivity"]["request_url"])
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls), urls
    assert len({url.split("/")[2] for url in urls}) == 1  # one host
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is False


def test_home_and_messages_tabs_are_on() -> None:
    app_home = MANIFEST["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False  # users write to metbot's DM (file imports)


def test_commands_escape_mentions() -> None:
    # The /met parser reads "<@U…|name>" mentions; Slack sends those only when should_escape is on.
    assert all(c["should_escape"] is True for c in MANIFEST["features"]["slash_commands"])


def test_bot_scopes_are_exactly_the_least_privilege_set() -> None:
    declared = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert len(declared) == len(set(declared)), "a scope is listed twice"
    assert set(declared) == BOT_SCOPES
    assert "user" not in MANIFEST["oauth_config"]["scopes"]  # no user-token scopes at all


def test_the_code_needs_every_scope_and_no_more() -> None:
    calls = found_in_sources(CALL_RE, CALLER_SOURCES)
    unknown = calls - set(METHOD_SCOPES)
    assert not unknown, f"new Web API methods {sorted(unknown)}: add them and their scope to METHOD_SCOPES"
    needed = {METHOD_SCOPES[m] for m in calls} | {EVENT_SCOPES[e] for e in declared_events()}
    if declared_commands():
        needed.add("commands")
    needed.discard(None)
    assert needed == BOT_SCOPES
