"""Showing the router's answers in Slack: a message, a modal, a message updated in place, files."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.core import Core
from bot.results import Files, Form, FormErrors, Image, Refusal, Reply, Section, Who
from bot.router import Routed
from handlers.slack.charts import upload_chart
from handlers.slack.edge import answer, plain, refresh_home, refused_reply, who_of
from handlers.slack.render import NONE_SHOWN, Shown, form_view, home_view, message, replace_section
from handlers.slack.shoutouts import announce

log = logging.getLogger("metbot.slack")


def open_form(body: dict[str, Any], client: WebClient, form: Form) -> None:
    """Open the form, or replace the modal the click came from (a view can't open a second one on top)."""
    view = body.get("view") or {}
    if view.get("type") == "modal" and view.get("id"):
        client.views_update(view_id=view["id"], view=form_view(form))
    else:
        client.views_open(trigger_id=body["trigger_id"], view=form_view(form))


def update_in_place(
    body: dict[str, Any], respond: Respond, client: WebClient, core: Core, result: Section
) -> bool:
    """Replace the clicked part of the message (or the App Home); elsewhere, answer with the section.
    True when it was the App Home, published afresh."""
    container = body.get("container") or {}
    original = body.get("message") or {}
    if container.get("type") == "message" and original.get("blocks") is not None:
        blocks = replace_section(list(original["blocks"]), result)
        if container.get("is_ephemeral") and body.get("response_url"):
            # Ephemeral messages can't be chat.update'd; their response_url can replace them.
            said = respond(text=original.get("text") or "Updated", blocks=blocks, replace_original=True)
            refused_reply(said, who_of(body))
            return False
        client.chat_update(
            channel=str(container.get("channel_id") or (body.get("channel") or {}).get("id") or ""),
            ts=str(container.get("message_ts") or original.get("ts") or ""),
            text=original.get("text") or result.title or result.text,
            blocks=blocks,
        )
    elif container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
        who = who_of(body)
        client.views_publish(user_id=who.user, view=home_view(core.reports.home(who)))
        return True
    else:
        answer(body, respond, client, Reply(headline=result.title or result.text, sections=(result,)))
    return False


def send_files(client: WebClient, who: Who, result: Files) -> None:
    """Every file in one files_upload_v2 call, into the user's DM with metbot (only they can see it)."""
    channel = client.conversations_open(users=who.user)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        initial_comment=result.comment or None,
        file_uploads=[{"file": f.content, "filename": f.filename, "title": f.title} for f in result.files],
    )


def upload_images(client: WebClient, reply: Reply) -> Shown:
    """Upload the reply's pictures (not shared anywhere: the blocks show them); those Slack took, by file id."""
    shown: dict[Image, str] = {}
    for image in (s.image for s in reply.sections if s.image is not None):
        file_id = upload_chart(client, image.png, image.alt, filename=image.filename, title=image.title)
        if file_id:
            shown[image] = file_id
    return shown


def with_problems(reply: Reply, problems: list[Section]) -> Reply:
    return Reply(headline=reply.headline, sections=(*reply.sections, *problems)) if problems else reply


def show(core: Core, routed: Routed, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """Show one answer where the user is, then do what it asks for afterwards (shoutouts, the Home)."""
    who = who_of(body)
    result = routed.answer
    home_shown = False
    if isinstance(result, Form):
        open_form(body, client, result)
    elif isinstance(result, Section):
        home_shown = update_in_place(body, respond, client, core, result)
    elif isinstance(result, Files):
        send_files(client, who, result)
        answer(body, respond, client, result.reply)
    elif isinstance(result, FormErrors):  # only forms answer with errors, and they do it on the ack
        answer(body, respond, client, plain(next(iter(result.errors.values()), "Please check the form.")))
    else:
        if isinstance(result, Reply) and routed.announce:
            result = with_problems(result, announce(core.referrals, who, client))
        shown = upload_images(client, result) if isinstance(result, Reply) else NONE_SHOWN
        answer(body, respond, client, result, shown)
    if routed.changed and not home_shown:
        refresh_home(core, client, who)


def tell_in_dm(client: WebClient, who: Who, problems: list[Section]) -> None:
    """After a modal there's no response_url: a channel problem goes to the user's DM with the bot."""
    if problems:
        client.chat_postMessage(
            channel=who.user,
            **message(Reply(headline="About your referral's shoutout", sections=tuple(problems))),
        )


def refused(result: Reply | Refusal) -> Reply:
    return plain(result.message) if isinstance(result, Refusal) else result
