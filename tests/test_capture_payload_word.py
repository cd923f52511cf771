"""Bolt takes any form body containing the word "payload" for an interactivity payload; ours survive."""

from __future__ import annotations

from sqlalchemy import select

from handlers.slack.offline import OfflineBot
from store.models import Meeting


def test_the_word_payload_in_a_command_is_kept(bot: OfflineBot) -> None:
    answer = bot.slack.command("Sam Lee (Payload Systems) at the payload summit; notes: payload=42")
    assert answer.status == 200
    reply = bot.fake.wait_for("response_url")[-1]
    assert "Logged" in reply.args["text"]
    with bot.metbot.core.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.event == "the payload summit"
        assert meeting.notes == "payload=42"


def test_a_forged_request_with_the_word_payload_is_still_refused(bot: OfflineBot) -> None:
    answer = bot.slack.command("Sam at the payload summit", signature="v0=" + "1" * 64)
    assert answer.status == 401
