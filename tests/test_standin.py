"""The Slack stand-in works: the real slack_sdk clients and a real Bolt app talk to it, no mocks."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from handlers.slack.standin import (
    FakeSlack,
    SlackRequests,
    SlackSigner,
    blocks_to_text,
    message_to_text,
    mrkdwn_to_text,
    view_to_text,
)

SECRET = "test-signing-secret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running
    assert running.internal_errors == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-demo", base_url=fake.api_url)


# ---------------------------------------------------------------------------------------------------------
# FakeSlack: lifecycle, recording, default answers
# ---------------------------------------------------------------------------------------------------------


def test_urls_and_lifecycle() -> None:
    fake = FakeSlack()
    with pytest.raises(RuntimeError):
        _ = fake.port
    with fake:
        assert fake.port > 0
        assert fake.base_url == f"http://127.0.0.1:{fake.port}"
        assert fake.api_url == f"http://127.0.0.1:{fake.port}/api/"
        assert WebClient(base_url=fake.api_url).auth_test()["ok"] is True
    with pytest.raises(RuntimeError):
        _ = fake.port


def test_auth_test_records_token_and_maps_teams(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0DEMO", "UBOT", "BBOT")
    assert answer["url"] == "https://demo.slack.com/"
    fake.tokens["xoxb-other"] = "T0OTHER"
    assert WebClient(token="xoxb-other", base_url=fake.api_url).auth_test()["team_id"] == "T0OTHER"
    calls = fake.calls_to("auth.test")
    assert [c.token for c in calls] == ["xoxb-demo", "xoxb-other"]
    assert all(c.ok and c.status == 200 and c.at > 0 for c in calls)


def test_require_token(fake: FakeSlack, client: WebClient) -> None:
    fake.require_token = True
    fake.tokens["xoxb-known"] = "T0DEMO"
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=fake.api_url).chat_postMessage(channel="C1", text="x")
    assert caught.value.response["error"] == "not_authed"
    assert WebClient(token="xoxb-known", base_url=fake.api_url).auth_test()["ok"]
    assert [c.error for c in fake.calls] == ["invalid_auth", "not_authed", None]


def test_users_info(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U0JANE", real_name="Jane Doe", tz="Europe/London", email="jane@acme.test")
    fake.add_user("U0GONE", deleted=True)
    jane = client.users_info(user="U0JANE")["user"]
    assert jane["real_name"] == jane["profile"]["real_name"] == "Jane Doe"
    assert (jane["tz"], jane["profile"]["email"], jane["is_bot"]) == (
        "Europe/London",
        "jane@acme.test",
        False,
    )
    assert jane["tz_offset"] in (0, 3600)
    unknown = client.users_info(user="U0NEW")["user"]
    assert (unknown["id"], unknown["tz"], unknown["deleted"]) == ("U0NEW", "America/New_York", False)
    assert unknown["tz_offset"] in (-18000, -14400)
    assert client.users_info(user="U0GONE")["user"]["deleted"] is True
    # users.info is declared GET but slack_sdk's urllib client POSTs a form; the fake takes both.
    with urllib.request.urlopen(f"{fake.api_url}users.info?user=U0JANE") as response:
        assert json.load(response)["user"]["id"] == "U0JANE"
    assert [c.http_method for c in fake.calls_to("users.info")] == ["POST"] * 3 + ["GET"]


def test_messages_dm_and_ts(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_open(users="U0ALICE")["channel"]["id"] == "DU0ALICE"
    blocks = [SectionBlock(text="*Hello* <@U0ALICE>")]
    first = client.chat_postMessage(channel="DU0ALICE", text="hello", blocks=blocks)
    second = client.chat_postMessage(channel="U0ALICE", text="again")  # a user id lands in the DM
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"]) and second["channel"] == "DU0ALICE"
    assert client.chat_postEphemeral(channel="C1", user="U0ALICE", text="psst")["message_ts"]
    updated = client.chat_update(channel="DU0ALICE", ts=first["ts"], text="edited")
    assert (updated["ts"], updated["channel"]) == (first["ts"], "DU0ALICE")
    assert client.chat_delete(channel="DU0ALICE", ts=second["ts"])["ok"]
    assert [m["text"] for m in fake.messages("DU0ALICE")] == ["edited"]
    posted = fake.calls_to("chat.postMessage")[0]
    assert posted.args["blocks"][0]["text"]["text"] == "*Hello* <@U0ALICE>"  # JSON body: parsed objects
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert caught.value.response["error"] == "no_text"


def test_form_posts_keep_json_strings(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})
    call = fake.last("chat.postMessage")
    assert isinstance(call.args["blocks"], str)
    assert call.json_arg("blocks") == blocks
    assert client.api_call("reminders.add", params={"text": "x"})["ok"]  # unknown methods answer ok
    assert fake.last("reminders.add").args == {"text": "x"}


def test_views(fake: FakeSlack, client: WebClient) -> None:
    modal = View(type="modal", callback_id="log", title="Log a meeting", blocks=[SectionBlock(text="hi")])
    opened = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    assert opened["id"] == "V000001" and opened["callback_id"] == "log" and opened["hash"]
    updated = client.views_update(
        view_id=opened["id"], view={"type": "modal", "title": modal.title.to_dict()}
    )
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    home = client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})["view"]
    assert fake.home_view("U0ALICE") == home and fake.view(opened["id"])["type"] == "modal"
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id="", view={"type": "modal"})
    # Form-posted views are JSON strings; the answer still echoes the parsed view.
    titled = {"type": "modal", "title": {"type": "plain_text", "text": "Next"}}
    answer = client.api_call("views.push", params={"trigger_id": "t", "view": json.dumps(titled)})
    assert answer["view"]["type"] == "modal"
    assert isinstance(fake.last("views.push").json_arg("view"), dict)


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    single = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="m.csv", title="Meetings")
    assert single["file"]["title"] == "Meetings"
    many = client.files_upload_v2(
        channel="C1",
        initial_comment="two files",
        file_uploads=[
            {"content": "one", "filename": "one.txt", "title": "One"},
            {"file": b"\x00\x01binary\r\n", "filename": "two.bin", "title": "Two"},
        ],
    )
    assert [f["title"] for f in many["files"]] == ["One", "Two"]
    stored = fake.uploaded_files()
    assert sorted(stored.values()) == sorted([b"a,b\n1,2\n", b"one", b"\x00\x01binary\r\n"])
    uploads = fake.uploads()
    assert {u.name: u.title for u in uploads.values()} == {
        "m.csv": "Meetings",
        "one.txt": "One",
        "two.bin": "Two",
    }
    assert {u.initial_comment for u in uploads.values()} == {None, "two files"}
    assert len(fake.calls_to("file_upload")) == 3
    # The uploaded file is then readable through files.info and its private download URL.
    info = client.files_info(file=single["file"]["id"])["file"]
    request = urllib.request.Request(
        info["url_private_download"], headers={"Authorization": "Bearer xoxb-demo"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.read() == b"a,b\n1,2\n"
    assert fake.last("file_download").token == "xoxb-demo"


def test_upload_url_accepts_multipart(fake: FakeSlack, client: WebClient) -> None:
    upload = client.files_getUploadURLExternal(filename="x.txt", length=5)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        upload["upload_url"], data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert fake.uploaded_files() == {upload["file_id"]: b"hello"}


def test_add_file_and_download(fake: FakeSlack, client: WebClient) -> None:
    fake.add_file("F0CSV", b"name,company\n", name="contacts.csv", filetype="csv", user="U0ALICE")
    info = client.files_info(file="F0CSV")["file"]
    assert (info["name"], info["filetype"], info["user"]) == ("contacts.csv", "csv", "U0ALICE")
    assert info["url_private_download"] == f"{fake.base_url}/files/F0CSV"
    with urllib.request.urlopen(info["url_private_download"]) as response:
        assert response.read() == b"name,company\n"
    assert fake.last("file_download").args == {"file_id": "F0CSV"}
    with pytest.raises(SlackApiError):
        client.files_info(file="F0NOPE")


def test_oauth_v2_access(fake: FakeSlack) -> None:
    fake.add_oauth_code("code-1", "T0NEW", "U0ADMIN", team_name="New Co")
    anonymous = WebClient(base_url=fake.api_url)
    answer = anonymous.oauth_v2_access(client_id="cid", client_secret="sekrit", code="code-1")
    assert answer["access_token"].startswith("xoxb-T0NEW-") and answer["token_type"] == "bot"
    assert answer["team"] == {"id": "T0NEW", "name": "New Co"} and answer["enterprise"] is None
    assert answer["authed_user"]["id"] == "U0ADMIN" and answer["is_enterprise_install"] is False
    assert (answer["bot_user_id"], answer["app_id"]) == ("UBOT", "A0METBOT") and answer["scope"]
    call = fake.last("oauth.v2.access")  # slack_sdk sends the client credentials as HTTP Basic auth
    assert (call.args["client_id"], call.args["client_secret"], call.token) == ("cid", "sekrit", None)
    with pytest.raises(SlackApiError) as caught:
        anonymous.oauth_v2_access(client_id="cid", client_secret="sekrit", code="code-1")
    assert caught.value.response["error"] == "invalid_code"
    installed = WebClient(token=answer["access_token"], base_url=fake.api_url)
    assert installed.auth_test()["team_id"] == "T0NEW"
    assert installed.apps_uninstall(client_id="cid", client_secret="sekrit")["ok"]
    with pytest.raises(SlackApiError) as caught:
        installed.auth_test()
    assert caught.value.response["error"] == "token_revoked"


# ---------------------------------------------------------------------------------------------------------
# FakeSlack: failures, waiting, concurrency
# ---------------------------------------------------------------------------------------------------------


def test_fail_500_then_recover(fake: FakeSlack, client: WebClient) -> None:
    failure = fake.fail("chat.postMessage")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 200] and failure.hits == 1


def test_fail_rate_limited(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="C1", text="x")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "7"
        assert caught.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_fail_slack_error_where_and_always(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", error="user_not_found", times=-1, where=lambda args: args.get("user") == "U0GONE")
    for _ in range(3):
        with pytest.raises(SlackApiError) as caught:
            client.users_info(user="U0GONE")
        assert caught.value.response.status_code == 200
        assert caught.value.response.data == {"ok": False, "error": "user_not_found"}
    assert client.users_info(user="U0BOB")["ok"]
    assert [c.error for c in fake.calls_to("users.info")] == ["user_not_found"] * 3 + [None]


def test_fail_timeout_and_latency(fake: FakeSlack, capfd: pytest.CaptureFixture[str]) -> None:
    fake.fail("auth.test", timeout=0.5)
    impatient = WebClient(base_url=fake.api_url, timeout=0.15)  # type: ignore[arg-type]
    with pytest.raises((TimeoutError, URLError)):
        impatient.auth_test()
    assert impatient.auth_test()["ok"]
    assert len(fake.calls_to("auth.test")) == 2
    fake.latency = 0.05
    started = time.perf_counter()
    impatient.auth_test()
    assert time.perf_counter() - started >= 0.05
    assert capfd.readouterr().err == ""  # no request logs, no tracebacks from the abandoned request


def test_wait_for(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="later"))
    timer.start()
    found = fake.wait_for("chat.postMessage", where=lambda c: c.args["text"] == "later", timeout=3)
    assert found[0].args["channel"] == "C1"
    client.auth_test()
    with pytest.raises(AssertionError) as caught:
        fake.wait_for("chat.postMessage", count=2, timeout=0.05)
    message = str(caught.value)
    assert "saw 1" in message and "auth.test" in message and "text='later'" in message
    fake.reset()
    assert fake.calls == []


def test_concurrency_and_keep_alive(fake: FakeSlack, client: WebClient) -> None:
    with ThreadPoolExecutor(max_workers=64) as pool:
        answers = list(pool.map(lambda i: client.chat_postMessage(channel="C1", text=str(i)), range(300)))
    assert len({a["ts"] for a in answers}) == 300
    assert len(fake.calls_to("chat.postMessage")) == 300
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    conn.connect()
    first_socket = conn.sock
    for i in range(20):
        conn.request(
            "POST",
            "/api/chat.postMessage",
            body=f"channel=C2&text={i}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        assert json.loads(response.read())["ok"]
    assert conn.sock is first_socket  # one keep-alive connection served all twenty
    conn.close()


# ---------------------------------------------------------------------------------------------------------
# response_url
# ---------------------------------------------------------------------------------------------------------


def test_response_url_with_webhook_client(fake: FakeSlack) -> None:
    url = fake.response_url("met")
    assert url.startswith(f"{fake.base_url}/hooks/")
    response = WebhookClient(url).send(text="Logged *Jane*", response_type="ephemeral")
    assert (response.status_code, response.body) == (200, "ok")
    call = fake.last("response_url")
    assert call.args == {"text": "Logged *Jane*", "response_type": "ephemeral", "url": url}
    assert call.label == "met"
    fake.fail("response_url", status=500)
    assert WebhookClient(url).send(text="again").status_code == 500
    assert WebhookClient(f"{fake.base_url}/hooks/unknown").send(text="x").status_code == 404
    assert WebhookClient(url).send(blocks=[{"type": "divider"}]).body == "ok"
    assert [c.status for c in fake.calls_to("response_url")] == [200, 500, 404, 200]


def test_response_url_use_limit(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.response_url())
    assert [hook.send(text=str(i)).status_code for i in range(6)] == [200] * 5 + [404]
    assert fake.last("response_url").error == "used_url"


# ---------------------------------------------------------------------------------------------------------
# SlackSigner
# ---------------------------------------------------------------------------------------------------------


def test_signer_matches_slack_sdk_verifier() -> None:
    signer = SlackSigner(SECRET)
    body = "command=%2Fmet&text=Jane"
    headers = signer.headers(body, timestamp=1_700_000_000)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert signer.headers(body.encode(), timestamp=1_700_000_000) == headers
    verifier = SignatureVerifier(SECRET)
    assert verifier.generate_signature(timestamp="1700000000", body=body) == headers["X-Slack-Signature"]
    fresh = signer.headers(b'{"type": "event_callback"}')
    assert fresh["Content-Type"] == "application/json"
    assert verifier.is_valid(
        body='{"type": "event_callback"}',
        timestamp=fresh["X-Slack-Request-Timestamp"],
        signature=fresh["X-Slack-Signature"],
    )


# ---------------------------------------------------------------------------------------------------------
# SlackRequests against a real Bolt app
# ---------------------------------------------------------------------------------------------------------


class BoltStack:
    """A real Bolt app served over HTTP, its Web API pointed at the fake."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.seen: list[dict[str, Any]] = []
        self.submitted: list[dict[str, Any]] = []
        self.app = App(signing_secret=SECRET, client=WebClient(token="xoxb-demo", base_url=fake.api_url))
        self._listen()
        stack = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(200, {"Content-Type": ["text/plain"]}, "ok")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                headers = {k.lower(): [v] for k, v in self.headers.items()}
                stack.seen.append({"headers": headers, "body": body, "peer": self.client_address})
                try:
                    request = BoltRequest(body=body, query=urlsplit(self.path).query, headers=headers)
                except ValueError:  # BoltRequest raises on malformed JSON; an adapter must answer 400
                    self._answer(400, {"Content-Type": ["text/plain"]}, "malformed body")
                    return
                response = stack.app.dispatch(request)
                self._answer(response.status, response.headers, response.body)

            def _answer(self, status: int, headers: dict[str, Any], body: str) -> None:
                raw = body.encode()
                self.send_response(status)
                for key, values in headers.items():
                    if key.lower() != "content-length":
                        for value in values:
                            self.send_header(key, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def _listen(self) -> None:
        app = self.app

        @app.command("/met")
        def met(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            if command["text"] == "modal":
                client.views_open(
                    trigger_id=command["trigger_id"],
                    view={
                        "type": "modal",
                        "callback_id": "log",
                        "private_metadata": "meta-1",
                        "title": {"type": "plain_text", "text": "Log"},
                        "blocks": [],
                    },
                )
            else:
                respond(f"Logged {command['text']} for <@{command['user_id']}>")

        @app.action("done")
        def done(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
            ack()
            respond(replace_original=True, text=f"done {action['value']}")

        @app.action("pick")
        def pick(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
            ack()
            value = action["selected_option"]["value"]
            view = {
                "type": "modal",
                "callback_id": value,
                "title": {"type": "plain_text", "text": "Log"},
                "private_metadata": body["view"]["private_metadata"],
            }
            client.views_update(view_id=body["view"]["id"], view=view)

        @app.view("log")
        def log(ack: Ack, view: dict[str, Any]) -> None:
            values = view["state"]["values"]
            self.submitted.append({"values": values, "meta": view["private_metadata"]})
            if not values["name"]["name"]["value"]:
                ack(response_action="errors", errors={"name": "Who did you meet?"})
            else:
                ack()

        @app.view("broken")
        def broken(ack: Ack) -> None:
            ack(response_action="update", view=_modal(title=_plain("x" * 25)))

        @app.event("app_home_opened")
        def home(event: dict[str, Any], client: WebClient) -> None:
            client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stack() -> Iterator[BoltStack]:
    with FakeSlack() as fake:
        running = BoltStack(fake)
        yield running
        running.close()


@pytest.fixture
def slack(stack: BoltStack) -> Iterator[SlackRequests]:
    stack.fake.reset()
    stack.seen.clear()
    with SlackRequests(stack.url, SlackSigner(SECRET), stack.fake) as requests:
        yield requests


def test_command_acks_and_responds(stack: BoltStack, slack: SlackRequests) -> None:
    answer = slack.command("Jane Doe from Acme", user="U0ALICE")
    assert answer.status == 200 and answer.elapsed > 0 and answer.json() is None
    hooks = stack.fake.wait_for("response_url")
    assert hooks[0].args["url"] == answer.response_url
    assert hooks[0].args["text"] == "Logged Jane Doe from Acme for <@U0ALICE>"
    sent = parse_qs(stack.seen[0]["body"])
    assert {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    } <= set(sent)
    slack.command("again")
    assert stack.seen[0]["peer"] == stack.seen[1]["peer"]  # one keep-alive connection
    stack.fake.wait_for("response_url", count=2)  # let Bolt's async respond() land before the next test


def test_forged_stale_and_unsigned_requests_are_refused(stack: BoltStack, slack: SlackRequests) -> None:
    assert slack.command("x", signature="v0=" + "0" * 64).status == 401
    assert slack.command("x", timestamp=int(time.time()) - 600).status == 401
    assert (
        slack.raw(b"command=%2Fmet&text=x", {"Content-Type": "application/x-www-form-urlencoded"}).status
        == 401
    )
    assert slack.get("/healthz").status == 200
    assert stack.fake.calls_to("response_url") == []


def test_modal_round_trip(stack: BoltStack, slack: SlackRequests) -> None:
    command = slack.command("modal")
    opened = stack.fake.wait_for("views.open")[0]
    view = opened.response["view"]
    answer = slack.block_action("pick", action=slack.select_action("pick", "log"), view=view["id"])
    assert answer.status == 200 and answer.response_url is None  # modal actions carry no response_url
    assert stack.fake.wait_for("views.update")[0].args["view_id"] == view["id"]
    assert opened.args["trigger_id"] == command.trigger_id
    refused = slack.view_submission("log", slack.simple_values({"name": ""}), view=view["id"])
    assert refused.json() == {"response_action": "errors", "errors": {"name": "Who did you meet?"}}
    accepted = slack.view_submission("log", slack.simple_values({"name": "Jane", "due": date(2024, 5, 14)}))
    assert accepted.status == 200 and accepted.body == ""
    assert stack.submitted[0]["meta"] == "meta-1"  # private_metadata came from the opened view
    assert stack.submitted[1]["values"]["due"]["due"] == {"type": "datepicker", "selected_date": "2024-05-14"}


def test_block_action_on_a_message(stack: BoltStack, slack: SlackRequests) -> None:
    stack.fake.add_user("U0BOB", name="bob")
    button = ButtonElement(text="Done", action_id="done", value="42")
    WebClient(base_url=stack.fake.api_url).chat_postMessage(
        channel="U0BOB", text="Did Jane reply?", blocks=[ActionsBlock(block_id="nudge", elements=[button])]
    )
    answer = slack.block_action("done", user="U0BOB")  # clicks the button the app rendered
    assert answer.status == 200 and answer.response_url
    payload = answer.sent
    assert payload is not None
    assert payload["message"]["text"] == "Did Jane reply?"  # the fake's last message in the DM
    assert payload["container"]["channel_id"] == payload["channel"]["id"] == "DU0BOB"
    assert payload["user"] == {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": "T0DEMO"}
    clicked = payload["actions"][0]
    assert (clicked["type"], clicked["value"], clicked["block_id"]) == ("button", "42", "nudge")
    assert clicked["text"]["text"] == "Done"
    hook = stack.fake.wait_for("response_url")[0]
    assert hook.args["replace_original"] is True and hook.args["text"] == "done 42"


def test_events(stack: BoltStack, slack: SlackRequests) -> None:
    assert slack.url_verification("ch4ll3nge").json() == {"challenge": "ch4ll3nge"}
    answer = slack.app_home_opened(user="U0ALICE", retry_num=1, retry_reason="http_timeout")
    assert answer.status == 200
    assert stack.fake.wait_for("views.publish")[0].args["user_id"] == "U0ALICE"
    headers = stack.seen[-1]["headers"]
    assert headers["x-slack-retry-num"] == ["1"] and headers["x-slack-retry-reason"] == ["http_timeout"]
    envelope = json.loads(stack.seen[-1]["body"])
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T0DEMO",
        "user_id": "UBOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    assert slack.raw(b"{not json", SlackSigner(SECRET).headers(b"{not json")).status == 400


def test_simple_values() -> None:
    shaped = SlackRequests.simple_values(
        {
            "name": "Jane",
            "due": date(2024, 5, 14),
            "reason": ("busy",),
            "tags": ["a", "b"],
            "at": dtime(9, 30),
            "when": datetime(2024, 5, 14, 9, 0, tzinfo=UTC),
            "note": None,
        }
    )
    assert shaped["name"] == {"name": {"type": "plain_text_input", "value": "Jane"}}
    assert shaped["due"]["due"] == {"type": "datepicker", "selected_date": "2024-05-14"}
    assert shaped["reason"]["reason"]["selected_option"]["value"] == "busy"
    assert [o["value"] for o in shaped["tags"]["tags"]["selected_options"]] == ["a", "b"]
    assert shaped["at"]["at"] == {"type": "timepicker", "selected_time": "09:30"}
    assert shaped["when"]["when"]["selected_date_time"] == 1715677200
    assert shaped["note"]["note"]["value"] is None


# ---------------------------------------------------------------------------------------------------------
# Block Kit -> text
# ---------------------------------------------------------------------------------------------------------


def test_mrkdwn_to_text() -> None:
    text = "*Jane* &lt;CEO&gt; &amp; <@U123> in <#C1|general>, see <https://x.test|the notes> <!here>"
    assert mrkdwn_to_text(text) == "*Jane* <CEO> & @U123 in #general, see the notes @here"


def test_blocks_to_text() -> None:
    blocks: list[Any] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Follow up"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Did *Jane* reply?"},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "o"},
            "fields": [{"type": "mrkdwn", "text": "*Company*\nAcme"}],
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "met <@U1>"},
                {"type": "image", "image_url": "x", "alt_text": "logo"},
            ],
        },
        ActionsBlock(
            elements=[ButtonElement(text="Replied", action_id="r"), ButtonElement(text="No", action_id="n")]
        ),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "s",
                    "placeholder": {"type": "plain_text", "text": "Why?"},
                    "options": [],
                },
                {
                    "type": "overflow",
                    "action_id": "m",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Snooze"}, "value": "s"},
                        {"text": {"type": "plain_text", "text": "Forget"}, "value": "f"},
                    ],
                },
            ],
        },
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Name"},
            "optional": True,
            "element": {"type": "plain_text_input", "action_id": "n", "initial_value": "Jane"},
        },
        {"type": "image", "image_url": "x", "alt_text": "chart"},
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Hi "},
                        {"type": "user", "user_id": "U1"},
                        {"type": "text", "text": " well done", "style": {"bold": True}},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}
                    ],
                },
            ],
        },
    ]
    assert blocks_to_text(blocks) == "\n".join(
        [
            "# Follow up",
            "Did *Jane* reply?  [ Open ]",
            "*Company* Acme",
            "─" * 40,
            "met @U1 · logo",
            "[ Replied ]  [ No ]",
            "[ Why? ▾ ]  [ ⋯ Snooze / Forget ]",
            "Name (optional): [ Jane ]",
            "[image: chart]",
            "Hi @U1 *well done*",
            "• one",
        ]
    )
    assert blocks_to_text(json.dumps([{"type": "divider"}])) == "─" * 40


def test_view_and_message_to_text() -> None:
    modal = View(type="modal", title="Log a meeting", submit="Save", blocks=[SectionBlock(text="Who?")])
    assert view_to_text(modal) == "╭─ Log a meeting ─╮\nWho?\n[ Cancel ]  [ Save ]"
    assert view_to_text({"type": "home", "blocks": []}) == "╭─ App Home ─╮"
    assert message_to_text({"text": "hi &amp; bye"}) == "hi & bye"
    assert (
        message_to_text(
            {
                "text": "x",
                "blocks": json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "*y*"}}]),
            }
        )
        == "*y*"
    )


# ---------------------------------------------------------------------------------------------------------
# Block Kit: the stand-in refuses what Slack refuses
# ---------------------------------------------------------------------------------------------------------


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _button(action_id: str = "a", text: str = "Go", **more: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": _plain(text), **more}


def _actions(*elements: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **more}


def _select(**more: Any) -> dict[str, Any]:
    option = {"text": _plain(more.pop("option_text", "o")), "value": more.pop("option_value", "v")}
    return {
        "type": "static_select",
        "action_id": "s",
        "placeholder": _plain("Pick"),
        "options": [option],
        **more,
    }


def _input(element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "input", "block_id": "i", "label": _plain("Label"), "element": element}


def _modal(**more: Any) -> dict[str, Any]:
    return {"type": "modal", "title": _plain("Log"), "blocks": [{"type": "divider"}], **more}


REFUSED_BLOCKS = {
    "repeated action_id in a block": [_actions(_button("same"), _button("same", "Other"))],
    "repeated block_id": [{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}],
    "51 blocks": [{"type": "divider"}] * 51,
    "section text over 3000": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
    "section field over 2000": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
    "header over 150": [{"type": "header", "text": _plain("x" * 151)}],
    "button text over 75": [_actions(_button(text="x" * 76))],
    "button value over 2000": [_actions(_button(value="x" * 2001))],
    "action_id over 255": [_actions(_button("a" * 256))],
    "block_id over 255": [{"type": "divider", "block_id": "b" * 256}],
    "option text over 75": [_actions(_select(option_text="x" * 76))],
    "option value over 150": [_actions(_select(option_value="x" * 151))],
    "placeholder over 150": [_actions(_select(placeholder=_plain("x" * 151)))],
    "text input max_length over 3000": [
        _input({"type": "plain_text_input", "action_id": "t", "max_length": 3001})
    ],
    "a block with no type": [{"text": "x"}],
    "an unknown block type": [{"type": "bogus"}],
    "a section with neither text nor fields": [{"type": "section"}],
    "repeated block_id on sections": [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "hi"},
            "accessory": _button("a"),
            "block_id": "s",
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}, "block_id": "s"},
    ],
}


@pytest.mark.parametrize("blocks", REFUSED_BLOCKS.values(), ids=REFUSED_BLOCKS.keys())
@pytest.mark.parametrize("method", ["chat.postMessage", "chat.update", "chat.postEphemeral"])
def test_a_message_slack_would_refuse_is_refused(
    fake: FakeSlack, client: WebClient, method: str, blocks: list[dict[str, Any]]
) -> None:
    args = {"channel": "C1", "text": "fallback", "blocks": blocks, "ts": "1.1", "user": "U0ALICE"}
    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, json=args)
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] and all(
        "[json-pointer:/blocks" in e for e in refused.value.response["errors"]
    )
    assert [c.method for c in fake.refusals] == [method]
    assert fake.messages("C1") == []  # nothing was posted


@pytest.mark.parametrize("blocks", REFUSED_BLOCKS.values(), ids=REFUSED_BLOCKS.keys())
def test_a_response_url_post_slack_would_refuse_answers_400(
    fake: FakeSlack, blocks: list[dict[str, Any]]
) -> None:
    answer = WebhookClient(fake.response_url("x")).send(text="fallback", blocks=blocks)
    assert (answer.status_code, answer.body) == (400, "invalid_blocks")
    assert fake.refusals[0].method == "response_url" and fake.refusals[0].refused


def test_a_message_text_over_40000_characters_is_refused(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert refused.value.response["error"] == "msg_too_long"
    client.chat_postMessage(channel="C1", text="x" * 40_000)
    assert len(fake.messages("C1")) == 1


REFUSED_VIEWS = {
    "101 blocks": _modal(blocks=[{"type": "divider"}] * 101),
    "repeated block_id": _modal(blocks=[{"type": "divider", "block_id": "x"}] * 2),
    "title over 24": _modal(title=_plain("x" * 25)),
    "submit over 24": _modal(submit=_plain("x" * 25)),
    "close over 24": _modal(close=_plain("x" * 25)),
    "private_metadata over 3000": _modal(private_metadata="x" * 3001),
    "callback_id over 255": _modal(callback_id="x" * 256),
    "a modal without a title": {"type": "modal", "blocks": [{"type": "divider"}]},
    "a block Slack would refuse": _modal(blocks=[_actions(_button("a"), _button("a"))]),
    "input hint over 2000": _modal(
        blocks=[{**_input({"type": "plain_text_input", "action_id": "t"}), "hint": _plain("x" * 2001)}]
    ),
    "an unknown view type": {"type": "sheet", "blocks": []},
}


@pytest.mark.parametrize("view", REFUSED_VIEWS.values(), ids=REFUSED_VIEWS.keys())
@pytest.mark.parametrize("method", ["views.open", "views.push", "views.publish"])
def test_a_view_slack_would_refuse_is_refused(
    fake: FakeSlack, client: WebClient, method: str, view: dict[str, Any]
) -> None:
    if method == "views.publish" and view.get("title"):
        view = {**view, "type": "home"}  # the same fault in an App Home (an untitled modal stays a modal)
    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, json={"trigger_id": "1.2.abc", "user_id": "U0ALICE", "view": view})
    assert refused.value.response["error"] == "invalid_arguments"  # what Slack answers for a bad view
    assert refused.value.response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert fake.views == {} and len(fake.refusals) == 1


def test_a_view_update_slack_would_refuse_leaves_the_view_alone(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.abc", view=_modal())["view"]
    with pytest.raises(SlackApiError):
        client.views_update(view_id=opened["id"], view=_modal(title=_plain("x" * 25)))
    assert fake.view(opened["id"])["title"] == _plain("Log")


def test_what_slack_takes_is_taken(fake: FakeSlack, client: WebClient) -> None:
    """At the limits exactly, and the numbered repeats apps use to keep action_ids unique."""
    blocks = [
        {"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "x" * 3000}},
        _actions(_button("fu.why", "x" * 75, value="v" * 2000), _button("fu.why:2"), _select(), block_id="a"),
        {"type": "header", "text": _plain("x" * 150)},
        *[{"type": "divider"}] * 47,
    ]
    client.chat_postMessage(channel="C1", text="x" * 40_000, blocks=blocks)
    client.views_open(trigger_id="1.2.abc", view=_modal(title=_plain("x" * 24), private_metadata="x" * 3000))
    assert fake.refusals == []


def test_an_acked_view_slack_would_refuse_is_recorded(stack: BoltStack, slack: SlackRequests) -> None:
    """A view returned in an interaction's answer (`response_action: update`) is checked too."""
    answer = slack.view_submission("broken", {})
    assert answer.status == 200 and answer.json()["response_action"] == "update"
    assert [c.method for c in stack.fake.refusals] == ["view_submission.ack"]
    assert "title" in stack.fake.refusals[0].refused[0]  # type: ignore[index]
