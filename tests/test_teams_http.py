"""The Teams edge over real HTTP: signed activities through the real Teams SDK, against the stand-in."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.records import Who
from bot.results import Button, Form, FormErrors, Input, Refusal, Reply, Section
from bot.settings import MissingSetting
from handlers.teams import cards
from handlers.teams.edge import ActivityFacts, TeamsEdge
from handlers.teams.offline import LoopbackTeams, loopback_settings
from handlers.teams.sdk import REFRESH_MARGIN, ConnectorError, OutboundToken, TeamsBridge
from handlers.teams.standin import FORGERIES, FakeTeams, TeamsUser

EXAMPLE = Path(__file__).parent / "data" / "teams-personal-message.example.json"
MEGAN = TeamsUser("7faf8ab2-3d56-4244-b585-20c8a42ed2b8")
MEETING_FORM = Form(
    id="log_meeting",
    title="Log a meeting",
    submit="Save",
    inputs=(Input("name", "Who did you meet?", optional=False), Input("next_step", "Next step")),
    context="ctx-1",
)


@dataclass
class Core:
    """In-memory stand-in for the router: records what the edge handed it, answers like the core would."""

    commands: list[tuple[Who, str, str, ActivityFacts]] = field(default_factory=list)
    actions: list[tuple[Who, str, dict[str, Any]]] = field(default_factory=list)
    seen: list[ActivityFacts] = field(default_factory=list)
    installs: list[tuple[str, ActivityFacts]] = field(default_factory=list)

    def on_command(self, who: Who, name: str, text: str, facts: ActivityFacts) -> Any:
        self.commands.append((who, name, text, facts))
        if name == "met" and not text:
            return MEETING_FORM
        if text == "boom":
            raise RuntimeError("the core failed")
        return Reply(
            headline=f"Logged: {text}",
            sections=(
                Section(text="Follow up tomorrow.", buttons=(Button("followed_up", "I followed up", "c1"),)),
            ),
        )

    def on_action(self, who: Who, action: str, data: dict[str, Any]) -> Any:
        self.actions.append((who, action, data))
        if action == "log_meeting":
            if not data["values"].get("name"):
                return MEETING_FORM, FormErrors({"name": "Tell me who you met."})
            return Reply(headline=f"Logged {data['values']['name']}")
        if data.get("value") == "someone-else":
            return Refusal()
        return Reply(headline="Nice: you followed up.", replace_original=True)

    def on_seen(self, who: Who, facts: ActivityFacts) -> None:
        self.seen.append(facts)

    def on_install(self, who: Who, kind: str, facts: ActivityFacts) -> None:
        self.installs.append((kind, facts))


@pytest.fixture
def core() -> Core:
    return Core()


@pytest.fixture
def teams(core: Core) -> Iterator[LoopbackTeams]:
    edge = TeamsEdge(core.on_command, core.on_action, core.on_seen, core.on_install)
    with LoopbackTeams(edge.register) as running:
        yield running


def _card_of(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == cards.CARD_CONTENT_TYPE
    return attachment["content"]


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card)


def test_the_published_message_is_answered_through_the_connector_with_the_bots_own_token(
    teams: LoopbackTeams, core: Core
) -> None:
    activity = json.loads(EXAMPLE.read_text())
    activity["serviceUrl"] = teams.fake.service_url
    status, _ = teams.post(activity)
    assert status == 200
    ((who, name, text, facts),) = core.commands
    assert who == Who("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "7faf8ab2-3d56-4244-b585-20c8a42ed2b8")
    assert (name, text) == ("met", "Jane Doe (Acme) at BNI; next step: intro to her CFO")
    assert (facts.timezone, facts.locale, facts.conversation_type) == (
        "America/Los_Angeles",
        "en-US",
        "personal",
    )
    assert facts.service_url == teams.fake.service_url
    assert facts.conversation_id == activity["conversation"]["id"]
    (send,) = teams.fake.calls("send")
    assert send.conversation_id == activity["conversation"]["id"]
    assert teams.fake.issued(send.bearer)  # the outbound token came from the stand-in's login endpoint
    assert send.bearer is not None
    assert jwt.decode(send.bearer, options={"verify_signature": False})["appid"] == teams.fake.app_id
    card = _card_of(send.body)
    assert "Logged: Jane Doe (Acme) at BNI" in _texts(card)
    assert card["version"] == "1.5"


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_token_gets_401_and_nothing_happens(teams: LoopbackTeams, core: Core, forgery: str) -> None:
    status, _ = teams.post(teams.fake.message(MEGAN, "met Jane Doe at BNI"), forgery)  # type: ignore[arg-type]
    assert status == 401
    assert core.commands == [] and core.seen == []
    assert teams.fake.calls("send") == [] and teams.fake.calls("reply") == []


def test_a_body_that_is_not_json_gets_400(teams: LoopbackTeams, core: Core) -> None:
    assert teams.post(b"met Jane Doe at BNI")[0] == 400
    assert teams.post(b"[1, 2, 3]")[0] == 400
    assert core.commands == []


def test_an_activity_type_the_bot_does_not_use_gets_200_and_is_ignored(
    teams: LoopbackTeams, core: Core
) -> None:
    typing = teams.fake.message(MEGAN, "", type="typing")
    novel = teams.fake.message(MEGAN, "", type="somethingTeamsInventsNext")
    assert teams.post(typing)[0] == 200
    assert teams.post(novel)[0] == 200
    assert core.commands == [] and core.seen == [] and teams.fake.calls("send") == []


def test_a_command_after_an_at_mention_in_a_channel(teams: LoopbackTeams, core: Core) -> None:
    activity = teams.fake.message(MEGAN, "<at>metbot</at> /met list")
    activity["conversation"]["id"] = "19:abc@thread.tacv2;messageid=1700000000000"
    activity["conversation"]["conversationType"] = "channel"
    activity["channelData"].update(team={"id": "19:team@thread.tacv2"}, channel={"id": "19:abc@thread.tacv2"})
    assert teams.post(activity)[0] == 200
    ((_, name, text, facts),) = core.commands
    assert (name, text) == ("met", "list")
    assert (facts.team_id, facts.channel_id) == ("19:team@thread.tacv2", "19:abc@thread.tacv2")
    (send,) = teams.fake.wait_for("send")
    assert send.conversation_id == "19:abc@thread.tacv2;messageid=1700000000000"


def test_a_message_that_names_no_command_gets_help(teams: LoopbackTeams, core: Core) -> None:
    assert teams.post(teams.fake.message(MEGAN, "hello there"))[0] == 200
    assert [(name, text) for _, name, text, _ in core.commands] == [("met", "help")]


def test_a_click_updates_the_card_in_place(teams: LoopbackTeams, core: Core) -> None:
    status, body = teams.post(teams.fake.card_action(MEGAN, "followed_up", {"value": "c1"}))
    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == cards.CARD_CONTENT_TYPE
    assert "Nice: you followed up." in _texts(body["value"])
    ((who, action, data),) = core.actions
    assert (who.user, action, data) == (MEGAN.aad_object_id, "followed_up", {"value": "c1"})


def test_a_refused_click_changes_nothing_and_says_so(teams: LoopbackTeams, core: Core) -> None:
    status, body = teams.post(teams.fake.card_action(MEGAN, "followed_up", {"value": "someone-else"}))
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == Refusal().message


def test_a_choice_arrives_as_the_value_picked(teams: LoopbackTeams, core: Core) -> None:
    data = {cards.CHOICE_INPUT: "reason.0", "reason.0": "busy", "contact": "c1"}
    assert teams.post(teams.fake.card_action(MEGAN, "reason", data))[0] == 200
    assert core.actions[0][2] == {"value": "busy", "contact": "c1"}


def test_met_alone_opens_the_form_in_a_dialog_with_field_errors(teams: LoopbackTeams, core: Core) -> None:
    assert teams.post(teams.fake.message(MEGAN, "met"))[0] == 200
    launcher = _card_of(teams.fake.wait_for("send")[0].body)
    (button,) = launcher["actions"]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    status, body = teams.post(teams.fake.invoke(MEGAN, "task/fetch", {"data": button["data"]}))
    assert status == 200
    dialog = body["task"]["value"]
    assert dialog["title"] == "Log a meeting"
    submit = dialog["card"]["content"]["actions"][0]
    assert submit["type"] == "Action.Submit"
    status, body = teams.post(
        teams.fake.invoke(MEGAN, "task/submit", {"data": {**submit["data"], "name": ""}})
    )
    assert status == 200 and "Tell me who you met." in _texts(body)
    status, body = teams.post(
        teams.fake.invoke(MEGAN, "task/submit", {"data": {**submit["data"], "name": "Jane Doe"}})
    )
    assert status == 200 and not body  # the dialog closes; the reply goes to the chat
    assert core.actions[-1][1:] == ("log_meeting", {"context": "ctx-1", "values": {"name": "Jane Doe"}})
    assert "Logged Jane Doe" in _texts(_card_of(teams.fake.wait_for("send", 2)[1].body))


def test_the_message_extension_opens_the_same_dialog(teams: LoopbackTeams, core: Core) -> None:
    value = {"commandId": "logMeeting", "commandContext": "compose"}
    status, body = teams.post(teams.fake.invoke(MEGAN, "composeExtension/fetchTask", value))
    assert status == 200 and body["task"]["value"]["title"] == "Log a meeting"


def test_a_failure_in_the_core_gets_a_kind_answer_not_a_500(teams: LoopbackTeams, core: Core) -> None:
    status, _ = teams.post(teams.fake.message(MEGAN, "met boom"))
    assert status == 200
    assert "Something went wrong on my side" in _texts(teams.fake.wait_for("send")[0].body)


def test_install_in_a_team_names_the_general_channel(teams: LoopbackTeams, core: Core) -> None:
    assert teams.post(teams.fake.installed(MEGAN, team_id="19:team@thread.tacv2"))[0] == 200
    assert teams.post(teams.fake.installed(MEGAN, team_id="19:team@thread.tacv2", removed=True))[0] == 200
    assert [(kind, facts.general_channel_id) for kind, facts in core.installs] == [
        ("install", "19:team@thread.tacv2"),
        ("uninstall", "19:team@thread.tacv2"),
    ]


def test_proactive_create_send_and_update_through_the_stand_in(teams: LoopbackTeams) -> None:
    bridge, fake = teams.bridge, teams.fake
    assert bridge is not None
    conversation = bridge.create_conversation(fake.service_url, MEGAN.tenant_id, MEGAN.user_id)
    card = cards.reply_card(Reply(headline="Follow up with Jane today"))
    activity_id = bridge.send(fake.service_url, conversation, cards.message_activity(card))
    bridge.update(
        fake.service_url, conversation, activity_id, cards.message_activity(cards.reply_card(Reply("Done")))
    )
    (created,) = fake.calls("create_conversation")
    assert created.body["members"] == [{"id": MEGAN.user_id}] and created.body["tenantId"] == MEGAN.tenant_id
    (sent,) = fake.sent(conversation)
    assert sent["id"] == activity_id and sent["updated"] and '"Done"' in json.dumps(sent)
    assert {c.bearer for c in fake.calls() if c.operation != "token"} == {fake.calls("send")[0].bearer}
    assert len(fake.calls("token")) == 1  # cached: one outbound token for every call


@pytest.mark.parametrize(
    ("status", "retry_after", "retryable", "gone"),
    [(403, None, False, True), (404, None, False, True), (429, 7, True, False), (412, None, True, False),
     (502, None, True, False), (504, None, True, False)],
)  # fmt: skip
def test_connector_failures_surface_as_one_typed_error(
    teams: LoopbackTeams, status: int, retry_after: int | None, retryable: bool, gone: bool
) -> None:
    bridge, fake = teams.bridge, teams.fake
    assert bridge is not None
    fake.fail("send", status, retry_after=retry_after)
    with pytest.raises(ConnectorError) as caught:
        bridge.send(fake.service_url, MEGAN.conversation_id, {"text": "Your digest"})
    error = caught.value
    assert (error.status, error.retry_after, error.retryable, error.gone) == (
        status,
        None if retry_after is None else float(retry_after),
        retryable,
        gone,
    )
    assert bridge.send(fake.service_url, MEGAN.conversation_id, {"text": "Your digest"})  # the next one goes


def test_updating_a_message_that_is_gone_is_a_404(teams: LoopbackTeams) -> None:
    assert teams.bridge is not None
    with pytest.raises(ConnectorError) as caught:
        teams.bridge.update(teams.fake.service_url, MEGAN.conversation_id, "1999", {"text": "x"})
    assert caught.value.status == 404 and caught.value.gone


def test_an_oversized_body_is_refused_before_anyone_reads_it(teams: LoopbackTeams, core: Core) -> None:
    activity = teams.fake.message(MEGAN, "met " + "x" * 1_100_000)
    assert teams.post(activity)[0] == 413
    assert core.commands == []


def test_the_sdk_logs_no_user_text_even_at_debug(
    teams: LoopbackTeams, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    broken = teams.fake.message(MEGAN, "met Secret Person at Hidden Place", attachments=["Secret Person"])
    assert teams.post(broken)[0] == 200  # the SDK cannot model it: acknowledged, not 500
    assert teams.post(teams.fake.message(MEGAN, "met Secret Person at Hidden Place"))[0] == 200
    assert teams.post(teams.fake.message(MEGAN, "met boom Secret Person"))[0] == 200
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records)
    assert "Secret Person" not in logged and "Hidden Place" not in logged


def test_the_unauthenticated_switch_in_the_environment_does_not_open_the_door(
    monkeypatch: pytest.MonkeyPatch, core: Core
) -> None:
    monkeypatch.setenv("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "true")
    with LoopbackTeams(TeamsEdge(core.on_command, core.on_action).register) as teams:
        assert teams.post(teams.fake.message(MEGAN, "met Jane"), "no_token")[0] == 401
    assert core.commands == []


def test_a_client_secret_in_the_environment_is_refused_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENT_SECRET", "something")
    with FakeTeams() as fake, pytest.raises(MissingSetting, match="CLIENT_SECRET is set"):
        TeamsBridge(loopback_settings(fake)).start()


def test_a_wrong_app_password_is_a_token_error_naming_the_status() -> None:
    with FakeTeams() as fake:
        settings = loopback_settings(fake, teams_app_password="not-the-secret")
        with TeamsBridge(settings) as bridge, pytest.raises(ConnectorError) as caught:
            bridge.send(fake.service_url, MEGAN.conversation_id, {"text": "hi"})
    assert (caught.value.operation, caught.value.status) == ("token", 401)
    assert fake.calls("send") == []


def test_the_outbound_token_is_cached_until_shortly_before_it_expires() -> None:
    now = [1_000_000.0]
    with FakeTeams() as fake:
        fake.token_lifetime = 3600
        token = OutboundToken(
            fake.login_url, "botframework.com", fake.app_id, fake.app_password, clock=lambda: now[0]
        )
        first = asyncio.run(token())
        now[0] += 3600 - REFRESH_MARGIN - 1
        assert asyncio.run(token()) == first and token.fetches == 1
        now[0] += 2  # inside the margin: a fresh one
        assert fake.issued(asyncio.run(token())) and token.fetches == 2
    (call, _) = fake.calls("token")
    assert call.body["scope"] == "https://api.botframework.com/.default"
    assert call.body["grant_type"] == "client_credentials" and call.body["client_id"] == fake.app_id
    assert call.path == "/botframework.com/oauth2/v2.0/token"


def test_a_token_claiming_another_issuer_is_refused_without_fetching_anyones_keys(
    teams: LoopbackTeams, core: Core
) -> None:
    activity = teams.fake.message(MEGAN, "met Jane")
    entra = teams.fake.mint(issuer=f"{teams.fake.login_url}/{MEGAN.tenant_id}/v2.0", tid=MEGAN.tenant_id)
    asked = len(teams.fake.requests)
    status, _ = teams.fake.post(teams.url, activity, token=entra)
    assert status == 401 and core.commands == []
    assert teams.fake.requests[asked:] == []  # no signing keys fetched for a tenant the caller named
