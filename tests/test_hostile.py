"""Hostile input, table-driven: each gets a clear, safe answer, writes nothing, leaks nothing, and is logged."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.slack.offline import OfflineBot
from store.models import Base, Contact, Meeting

SECRET_MARKERS = ("Traceback", "sqlalchemy", "xoxb-", 'File "')


def row_counts(bot: OfflineBot) -> dict[str, int]:
    with bot.metbot.core.sessions() as session:
        return {
            t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in ("seen_request", "inbox_item")  # replay guard and inbox, not data
        }


def alice_logs_jane(bot: OfflineBot) -> tuple[int, int]:
    bot.slack.command("Jane Doe (Acme) at BNI")
    bot.fake.wait_for("response_url")
    with bot.metbot.core.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        meeting = session.scalars(select(Meeting)).one()
        return contact.id, meeting.id


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[OfflineBot, int, int], object]
    status: int | tuple[int, ...]
    says: str | None = None  # what the acting user is told (ephemerally), if anything
    logs: str | None = None  # what the warning log line says


def _payload_body(payload: dict[str, object]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


CASES = [
    Case(
        "forged signature",
        lambda b, c, m: b.slack.command("Eve (Evil) at Nowhere", signature="v0=" + "0" * 64),
        401,
    ),
    Case(
        "stale signature",
        lambda b, c, m: b.slack.command("Eve (Evil) at Nowhere", timestamp=int(time.time()) - 600),
        401,
    ),
    Case(
        "missing signature",
        lambda b, c, m: b.slack.raw(
            urlencode({"command": "/met", "text": "Eve"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        401,
    ),
    Case(
        "another user's contact in a button value",
        lambda b, c, m: b.slack.block_action("fu.done", str(c), user="U0MALLORY"),
        200,
        says="isn't yours",
        logs="refused",
    ),
    Case(
        "another team's contact (same user id) in a button value",
        lambda b, c, m: b.slack.block_action("fu.cold", str(c), user="U0ALICE", team="T0OTHER"),
        200,
        says="isn't yours",
        logs="refused",
    ),
    Case(
        "another user's meeting in an edit button",
        lambda b, c, m: b.slack.block_action("meeting.edit", str(m), user="U0MALLORY"),
        200,
        says="isn't yours",
        logs="refused",
    ),
    Case(
        "another user's meeting in private_metadata",
        lambda b, c, m: b.slack.view_submission(
            "meeting_form",
            b.slack.simple_values({"name": "Pwned"}),
            user="U0MALLORY",
            private_metadata=json.dumps({"meeting_id": m}),
        ),
        200,
        logs="does not own",
    ),
    Case(
        "a select option naming another user's contact",
        lambda b, c, m: b.slack.block_action(
            "fu.why", user="U0MALLORY", action=b.slack.select_action("fu.why", f"{c}:busy")
        ),
        200,
        says="isn't yours",
        logs="refused",
    ),
    Case(
        "a SQL-looking button value",
        lambda b, c, m: b.slack.block_action("fu.done", "1 OR 1=1", user="U0ALICE"),
        200,
        says="isn't yours",
        logs="refused",
    ),
    Case(
        "malformed payload JSON",
        lambda b, c, m: b.slack.raw(b"payload=%7Bnot+json", b.slack.signer.headers(b"payload=%7Bnot+json")),
        (400,),
        logs="malformed",
    ),
    Case(
        "an oversized body",
        lambda b, c, m: b.slack.raw(b"x" * 2_000_000, b.slack.signer.headers(b"x" * 2_000_000)),
        (413,),
        logs="oversized",
    ),
    Case(
        "an unknown action_id",
        lambda b, c, m: b.slack.block_action("definitely.not.ours", "1", user="U0ALICE"),
        200,
        logs="unhandled",
    ),
    Case(
        "an unknown view callback",
        lambda b, c, m: b.slack.view_submission("not_our_form", {}, user="U0ALICE"),
        200,
        logs="unhandled",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_requests_change_nothing(
    bot: OfflineBot, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    contact_id, meeting_id = alice_logs_jane(bot)
    before = row_counts(bot)
    hooks_before = len(bot.fake.calls_to("response_url"))
    caplog.set_level("INFO")
    answer = case.send(bot, contact_id, meeting_id)
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert answer.status in expected  # type: ignore[attr-defined]
    assert not any(marker in answer.body for marker in SECRET_MARKERS)  # type: ignore[attr-defined]
    if case.says:
        told = bot.fake.wait_for("response_url", count=hooks_before + 1)[-1]
        assert case.says in json.dumps(told.args)
    else:
        time.sleep(0.2)
    if case.logs:
        deadline = time.monotonic() + 3
        while case.logs not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert case.logs in caplog.text
    assert row_counts(bot) == before
    with bot.metbot.core.sessions() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.phase == "follow_up" and contact.name == "Jane Doe"
    assert bot.fake.calls_to("chat.update") == []
    assert bot.fake.calls_to("views.open") == []


EVERYTHING = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)


@pytest.mark.sqlite_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=EVERYTHING)
def test_arbitrary_text_at_met_never_errors_and_never_corrupts(bot: OfflineBot, text: str) -> None:
    before = row_counts(bot)
    hooks = len(bot.fake.calls_to("response_url")) + len(bot.fake.calls_to("views.open"))
    answer = bot.slack.command(text)
    assert answer.status == 200
    if text == "":
        bot.fake.wait_for("views.open", count=len(bot.fake.calls_to("views.open")) + 0 or 1)
        return
    reply = bot.fake.wait_for("response_url", count=hooks - len(bot.fake.calls_to("views.open")) + 1)[-1]
    after = row_counts(bot)
    if reply.args["text"].startswith("Logged"):
        assert after["meeting"] == before["meeting"] + 1
    else:
        assert after["meeting"] == before["meeting"]
    with bot.metbot.core.sessions() as session:
        orphans = session.scalar(
            select(func.count())
            .select_from(Meeting)
            .join(Contact, Meeting.contact_id == Contact.id, isouter=True)
            .where((Contact.id.is_(None)) | (Contact.member_id != Meeting.member_id))
        )
        assert orphans == 0
        assert all(c.name.strip() and len(c.name) <= 200 for c in session.scalars(select(Contact)))


@pytest.mark.sqlite_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=EVERYTHING, company=EVERYTHING, notes=st.text(max_size=3000))
def test_arbitrary_form_input_gets_errors_or_a_saved_meeting(
    bot: OfflineBot, name: str, company: str, notes: str
) -> None:
    before = row_counts(bot)
    answer = bot.slack.view_submission(
        "meeting_form", bot.slack.simple_values({"name": name, "company": company, "notes": notes})
    )
    assert answer.status == 200
    result = answer.json()
    after = row_counts(bot)
    assert result["response_action"] in ("errors", "update")
    if result["response_action"] == "errors":
        assert after == before
    else:
        assert after["meeting"] == before["meeting"] + 1
