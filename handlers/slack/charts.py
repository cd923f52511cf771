"""A chart in Slack: upload the PNG with files_upload_v2, then show it in an `image` block by its file id.

The upload is not shared into the channel (no `channel`): shared, the file would also arrive as a message
of its own beside the block. A file the bot uploaded is usable in the bot's own blocks once Slack has
processed it, which takes a moment after the upload returns; until then chat.postMessage answers
`invalid_blocks`. So the file is polled with files.info (needs `files:read`) until it has its image
type, a few times at most, and if it never gets there (or the upload fails) the chart's alt text is
posted instead: the same figures, as a sentence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("metbot.slack")

TEXT_MAX = 2000  # alt_text, title and a plain_text section's text all fit in this
READY_TRIES = 5
READY_PAUSE_S = 0.3


def image_block(file_id: str, alt: str, title: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt[:TEXT_MAX]}
    if title:
        block["title"] = {"type": "plain_text", "text": title[:TEXT_MAX]}
    return block


def text_block(alt: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "plain_text", "text": alt[:TEXT_MAX]}}


def _ready(client: WebClient, file_id: str, pause: Callable[[float], None]) -> bool:
    """Whether Slack has processed the upload (files.info shows an image type), after a few short waits."""
    for attempt in range(READY_TRIES):
        info = client.files_info(file=file_id)
        if str((info.get("file") or {}).get("mimetype") or "").startswith("image/"):
            return True
        pause(READY_PAUSE_S * (attempt + 1))
    return False


def upload_chart(
    client: WebClient,
    png: bytes,
    alt: str,
    *,
    filename: str = "chart.png",
    title: str | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> str | None:
    """Upload the PNG (not shared anywhere yet); its file id once Slack can show it, else None."""
    try:
        done = client.files_upload_v2(
            file=png, filename=filename, title=title or filename, alt_txt=alt[:TEXT_MAX]
        )
        file_id = str(done["file"]["id"])
        return file_id if _ready(client, file_id, pause) else None
    except (
        SlackApiError,
        SlackClientError,
        KeyError,
        OSError,
    ) as error:  # OSError: the upload URL's HTTPError
        log.warning("chart upload failed", extra={"error": type(error).__name__})
        return None


def post_chart(
    client: WebClient,
    channel: str,
    png: bytes,
    alt: str,
    *,
    title: str | None = None,
    filename: str = "chart.png",
    pause: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Post the chart to `channel` as an image block (or its alt text when it can't be shown); the blocks."""
    file_id = upload_chart(client, png, alt, filename=filename, title=title, pause=pause)
    blocks = [image_block(file_id, alt, title)] if file_id else [text_block(alt)]
    try:
        client.chat_postMessage(channel=channel, text=alt[:TEXT_MAX], blocks=blocks)
    except SlackApiError as error:
        if error.response.get("error") != "invalid_blocks" or not file_id:
            raise
        log.warning("chart block refused; sending its text", extra={"error": "invalid_blocks"})
        blocks = [text_block(alt)]
        client.chat_postMessage(channel=channel, text=alt[:TEXT_MAX], blocks=blocks)
    return blocks
