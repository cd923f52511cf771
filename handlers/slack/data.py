"""The user's data over Slack: `/met export` (files in the DM), `/met import` (a file shared in the DM, a
preview, a Confirm button), `/met forget` (a confirm button). Ack first; the work runs in lazy listeners."""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import importing
from bot.data import UserData
from bot.importing import IncomingFile
from bot.results import Files, Refusal, Reply, Who
from bot.service import Core
from handlers.slack.edge import ack_now, answer, learn_profile, plain, refresh_home, row_id, sorry, who_of
from handlers.slack.render import message

log = logging.getLogger("metbot.slack")

FILE_ID = re.compile(r"^F[A-Z0-9]{2,40}$")
COULD_NOT_READ = (
    "Sorry, I couldn't read that file from Slack just now. Nothing was imported; please share it again."
)


def user_data(core: Core) -> UserData:
    return UserData(sessions=core.sessions, clock=core.clock)


# --- export -------------------------------------------------------------------------------------


def run_export(core: Core, who: Who, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """Upload the files to the user's DM (several at once), then tell them where they are."""
    result = user_data(core).export(who)
    if isinstance(result, Reply):
        answer(body, respond, client, result)
        return
    send_files(client, who, result)
    answer(body, respond, client, result.reply)


def send_files(client: WebClient, who: Who, result: Files) -> None:
    """Every file in one files_upload_v2 call, into the user's DM with metbot (only they can see it)."""
    channel = client.conversations_open(users=who.user)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        initial_comment=result.comment or None,
        file_uploads=[{"file": f.content, "filename": f.filename, "title": f.title} for f in result.files],
    )


# --- fetching a shared file ---------------------------------------------------------------------


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

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
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


def _bot_user(context: BoltContext, body: dict[str, Any]) -> str | None:
    if context.bot_user_id:
        return str(context.bot_user_id)
    for auth in body.get("authorizations") or []:
        if isinstance(auth, dict) and auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


# --- listeners ----------------------------------------------------------------------------------


def register(app: App, core: Core) -> None:
    data = user_data(core)

    def file_shared(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user = str(event.get("user_id") or "")
        channel = str(event.get("channel_id") or "")
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        # Only files a person shares with metbot in its DM; never our own uploads (an export), never channels.
        if (
            not user
            or user == _bot_user(context, body)
            or not channel.startswith("D")
            or not FILE_ID.match(file_id)
        ):
            return
        who = Who(workspace=str(body.get("team_id") or ""), user=user)
        try:
            learn_profile(core, client, who)
            incoming = shared_file(client, file_id, who)
            if incoming.owner != user:
                return  # not theirs to import (Slack shouldn't send this; ignore quietly)
            reply: Reply | Refusal = data.import_preview(who, incoming)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning(
                "file_shared: could not read the file",
                extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
            )
            reply = plain(COULD_NOT_READ)
        except Exception:
            log.exception("file_shared failed", extra={"team": who.workspace, "user": who.user})
            reply = plain(
                "Sorry, something went wrong on my side while reading that file. Nothing was imported."
            )
        if isinstance(reply, Refusal):
            reply = plain(reply.message)
        client.chat_postMessage(channel=channel, **message(reply))

    app.event("file_shared")(ack=ack_now, lazy=[file_shared])

    def confirm_import(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        file_id = _value(body)
        try:
            if not FILE_ID.match(file_id):
                answer(body, respond, client, data.refuse(who, "import.confirm", file_id))
                return
            try:
                incoming = shared_file(client, file_id, who)
            except (SlackApiError, SlackClientError, OSError) as error:
                log.warning(
                    "import: could not read the file",
                    extra={"team": who.workspace, "user": who.user, "error": str(error)[:200]},
                )
                answer(body, respond, client, plain(COULD_NOT_READ))
                return
            result = data.import_confirm(who, incoming)
            answer(body, respond, client, result)
            if not isinstance(result, Refusal):
                refresh_home(core, client, who)
        except Exception:
            log.exception("import failed", extra={"team": who.workspace, "user": who.user})
            sorry(body, respond, client)

    app.action("import.confirm")(ack=ack_now, lazy=[confirm_import])

    def forget_button(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        who = who_of(body)
        actions = body.get("actions") or [{}]
        action_id = str(actions[0].get("action_id") if isinstance(actions[0], dict) else "")
        try:
            result: Reply | Refusal
            if action_id == "forget.contact":
                result = data.forget_contact(who, row_id(body))
            elif action_id == "forget.me":
                result = data.forget_me(who, row_id(body))
            elif action_id == "forget.pick":
                result = data.forget_pick(who, row_id(body))
            else:
                return
            answer(body, respond, client, result)
            if action_id != "forget.pick" and not isinstance(result, Refusal):
                refresh_home(core, client, who)
        except Exception:
            log.exception(
                "forget failed", extra={"team": who.workspace, "user": who.user, "action": action_id}
            )
            sorry(body, respond, client)

    for action_id in ("forget.contact", "forget.me", "forget.pick"):
        app.action(action_id)(ack=ack_now, lazy=[forget_button])

    def cancel(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        actions = body.get("actions") or [{}]
        action_id = str(actions[0].get("action_id") if isinstance(actions[0], dict) else "")
        try:
            reply = importing.cancelled_reply() if action_id == "import.cancel" else data.forget_cancelled()
            answer(body, respond, client, reply)
        except Exception:
            log.exception("cancel failed")
            sorry(body, respond, client)

    for action_id in ("import.cancel", "forget.cancel"):
        app.action(action_id)(ack=ack_now, lazy=[cancel])


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    value = actions[0].get("value") if isinstance(actions[0], dict) else None
    return value if isinstance(value, str) else ""
