"""`/met stats` with its chart, over HTTP: uploaded with files_upload_v2, shown in a `slack_file` image block."""

from __future__ import annotations

from typing import Any

from handlers.slack.offline import OfflineBot
from tests.test_capture import met, reply_to, shown

PNG = b"\x89PNG\r\n\x1a\n"


def images(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b.get("type") == "image"]


def test_stats_show_the_chart_as_an_uploaded_image_and_keep_the_text(bot: OfflineBot) -> None:
    reply_to(bot, met(bot, "Jane Doe (Acme) at BNI breakfast; next step: coffee on Tuesday"))
    reply = reply_to(bot, met(bot, "stats"))
    [image] = images(reply["blocks"])
    file_id = image["slack_file"]["id"]
    upload = bot.fake.uploads()[file_id]
    assert (upload.content or b"").startswith(PNG)
    assert upload.channel_id is None  # not shared as a message of its own: the block shows it
    assert "follow-up" in image["alt_text"].lower()
    said = shown(reply)
    assert "Follow-up rate" in said  # the figures stay as text for screen readers


def test_stats_without_meetings_have_no_chart(bot: OfflineBot) -> None:
    reply = reply_to(bot, met(bot, "stats"))
    assert images(reply["blocks"]) == []
    assert not bot.fake.uploads()
