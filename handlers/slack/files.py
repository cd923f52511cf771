"""Files over Slack: reading a file the user shared in the DM (with the bot token, from Slack only)."""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import importing
from bot.importing import IncomingFile
from bot.records import Who
from bot.router import FileUnavailable

log = logging.getLogger("metbot.slack")

FILE_ID = re.compile(r"^F[A-Z0-9]{2,40}$")


def _allowed_host(url: str, client: WebClient) -> bool:
    """The bot token goes only to Slack itself (or to the API host we are configured with, e.g. the fake)."""
    target, api = urlsplit(url), urlsplit(client.base_url)
    host = (target.hostname or "").lower()
    if target.scheme == api.scheme and host == (api.hostname or "").lower() and target.port == api.port:
        return True
    return target.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


class _SlackOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if not _allowed_host(newurl, self.client):
            raise urllib.error.HTTPError(newurl, code, "redirect away from Slack refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class NotTheFile(OSError):
    """The download didn't give us the file (a host that isn't Slack, or Slack's sign-in page)."""


def download(client: WebClient, url: str, limit: int) -> bytes | None:
    """The file's bytes with the bot token, or None when it is bigger than `limit`."""
    if not _allowed_host(url, client):
        log.warning(
            "refused to download from a host that isn't Slack", extra={"host": urlsplit(url).hostname}
        )
        raise NotTheFile("not a Slack URL")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    handlers: list[urllib.request.BaseHandler] = [_SlackOnlyRedirects(client)]
    if client.ssl is not None:
        handlers.append(urllib.request.HTTPSHandler(context=client.ssl))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(request, timeout=client.timeout) as response:
        if str(response.headers.get("Content-Type", "")).startswith("text/html"):
            raise NotTheFile("got an HTML page")  # Slack's sign-in page: the token wasn't accepted
        content: bytes = response.read(limit + 1)
    return content if len(content) <= limit else None


def shared_file(client: WebClient, file_id: str, who: Who) -> IncomingFile:
    """What Slack says about the file; its content only when it is the acting user's, importable and small."""
    info = client.files_info(file=file_id)["file"]
    incoming = IncomingFile(
        file_id=file_id,
        name=str(info.get("name") or info.get("title") or file_id),
        filetype=str(info.get("filetype") or ""),
        owner=str(info.get("user") or ""),
        size=int(info.get("size") or 0),
    )
    url = info.get("url_private_download") or info.get("url_private")
    if (
        incoming.owner == who.user
        and importing.importable(incoming.name, incoming.filetype)
        and incoming.size <= importing.MAX_BYTES
        and isinstance(url, str)
    ):
        content = download(client, url, importing.MAX_BYTES)
        size = incoming.size if content is not None else importing.MAX_BYTES + 1
        return IncomingFile(incoming.file_id, incoming.name, incoming.filetype, incoming.owner, size, content)
    return incoming


def bot_user(context: BoltContext, body: dict[str, Any]) -> str | None:
    if context.bot_user_id:
        return str(context.bot_user_id)
    for auth in body.get("authorizations") or []:
        if isinstance(auth, dict) and auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def fetcher(client: WebClient, who: Who) -> Callable[[str], IncomingFile]:
    """For the router: a shared file by id; a Slack or network failure is FileUnavailable."""

    def fetch(file_id: str) -> IncomingFile:
        if not FILE_ID.match(file_id):
            return IncomingFile(file_id=file_id, name="", filetype="", owner="", size=0)  # names no file
        try:
            return shared_file(client, file_id, who)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning(
                "could not read a shared file",
                extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
            )
            raise FileUnavailable(type(error).__name__) from error

    return fetch
