"""Only Slack gets in: forged, stale, unsigned or tampered requests are refused before anything happens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.slack.offline import OfflineBot
from handlers.slack.standin import Answer, SlackRequests, SlackSigner
from store.models import Contact, Meeting, Member, Workspace

SIGNATURE = "X-Slack-Signature"
TIMESTAMP = "X-Slack-Request-Timestamp"
INTRUDER = "U0MALLORY"


class Built(SlackRequests):
    """Builds and signs requests exactly as Slack would, but keeps them instead of sending them."""

    def raw(self, body: bytes, headers: Any, *, method: str = "POST", path: str | None = None) -> Answer:
        self.body, self.headers = body, dict(headers)
        return Answer(0, "", {}, 0.0)


def requests_for(bot: OfflineBot) -> dict[str, tuple[bytes, dict[str, str]]]:
    """A correctly signed command, modal submission and event, each of which would change something."""
    built = Built(bot.slack.url, bot.slack.signer, bot.fake)
    made: dict[str, tuple[bytes, dict[str, str]]] = {}
    built.command("Mallory Evil (Acme) at BNI; next step: steal the list", user=INTRUDER)
    made["command"] = built.body, built.headers
    values = SlackRequests.simple_values(
        {"name": "Mallory Evil", "met_on": {"type": "datepicker", "selected_date": "2026-11-27"}}
    )
    built.view_submission("meeting_form", values, user=INTRUDER)
    made["modal"] = built.body, built.headers
    built.app_home_opened(user=INTRUDER)
    made["event"] = built.body, built.headers
    return made


def resign(body: bytes, headers: dict[str, str], timestamp: int, secret: str | None = None) -> dict[str, str]:
    signer = SlackSigner(secret) if secret else None
    headers = dict(headers, **{TIMESTAMP: str(timestamp)})
    if signer is not None:
        headers[SIGNATURE] = signer.signature(body, timestamp)
    return headers


Forgery = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]
SECRET = (
    "local-signing-secret-for-tests-and-demo"  # handlers.slack.offline.SIGNING_SECRET, the one the bot trusts
)


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


FORGERIES: dict[str, Forgery] = {
    "wrong-secret": lambda b, h: (b, resign(b, h, int(time.time()), "not-the-signing-secret")),
    "stale-timestamp": lambda b, h: (b, resign(b, h, int(time.time()) - 400, SECRET)),
    "future-timestamp": lambda b, h: (b, resign(b, h, int(time.time()) + 400, SECRET)),
    "missing-signature": lambda b, h: (b, _without(h, SIGNATURE)),
    "missing-timestamp": lambda b, h: (b, _without(h, TIMESTAMP)),
    "garbage-signature": lambda b, h: (b, dict(h, **{SIGNATURE: "v0=" + "0" * 64})),
    "tampered-body": lambda b, h: (b.replace(INTRUDER.encode(), b"U0ALICE"), h),
}


def counts(bot: OfflineBot) -> dict[str, int]:
    with bot.metbot.core.sessions() as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Workspace, Member, Contact, Meeting)
        }


@pytest.mark.sqlite_only
@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_requests_are_refused_and_change_nothing(bot: OfflineBot, forgery: Forgery) -> None:
    for kind, (body, headers) in requests_for(bot).items():
        sent_body, sent_headers = forgery(body, headers)
        assert (sent_body, sent_headers) != (body, headers)
        answer = bot.slack.raw(sent_body, sent_headers)
        assert answer.status == 401, (kind, answer.status, answer.body)
        assert "Mallory" not in answer.body

    assert counts(bot) == {"Workspace": 0, "Member": 0, "Contact": 0, "Meeting": 0}
    assert bot.fake.calls == []

    # A genuine request from someone else, as a barrier: any work the forgeries had started is done by now.
    barrier = bot.slack.command("help", user="U0BARRIER")
    bot.fake.wait_for("response_url", where=lambda c: c.args.get("url") == barrier.response_url)
    assert [c.args.get("url") for c in bot.fake.calls_to("response_url")] == [barrier.response_url]
    assert all(INTRUDER not in str(c.args) for c in bot.fake.calls)
    assert bot.fake.calls_to("views.open") == [] and bot.fake.calls_to("views.publish") == []
    with bot.metbot.core.sessions() as session:
        assert list(session.scalars(select(Member.user_id))) == ["U0BARRIER"]
    assert counts(bot)["Contact"] == counts(bot)["Meeting"] == 0


@pytest.mark.sqlite_only
def test_the_same_requests_signed_properly_are_accepted(bot: OfflineBot) -> None:
    """The control for the test above: the unforged requests are answered and do their work."""
    made = requests_for(bot)
    for kind in ("command", "modal", "event"):
        body, headers = made[kind]
        assert bot.slack.raw(body, headers).status == 200, kind
    bot.fake.wait_for("response_url")
    bot.fake.wait_for("views.publish")
    assert counts(bot)["Meeting"] == 2  # one from the command, one from the form


@pytest.mark.sqlite_only
def test_an_oversized_body_is_refused(bot: OfflineBot) -> None:
    body = b"payload=" + b"x" * 1_100_000
    answer = bot.slack.raw(body, bot.slack.signer.headers(body))
    assert answer.status == 413
    assert bot.fake.calls == []


def test_healthz_reports_the_database_up(bot: OfflineBot) -> None:
    answer = bot.slack.get("/healthz")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"status": "ok", "database": "up"}
    assert bot.fake.calls == []  # no Slack involved, and no signature needed
