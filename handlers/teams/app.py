"""The Teams edge, built on the core: activities to the router, the router's answers to cards.

`TeamsEdge` (edge.py) reads each activity's facts and calls the callbacks here; they map them to the
router exactly as the Slack listeners do (the same command words, action ids and typed payloads), and
keep what Teams tells us about the person (timezone, locale, where to reach them) on every activity.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.core import Core
from bot.delivery import Address, Refused, Retryable, Unreachable
from bot.downloads import DownloadLinks, key_from
from bot.members import Profile
from bot.records import Channel, KeptRequest, Person, Who
from bot.results import Button, Files, Form, FormErrors, Input, Refusal, Reply, Section
from bot.router import Action, Answer, Asked, FormId, Routed, action_of, decode
from bot.settings import Settings, secret
from handlers.teams import cards
from handlers.teams.edge import ActivityFacts, Result, TeamsEdge
from handlers.teams.sdk import TeamsBridge
from handlers.teams.senders import TeamsSender

log = logging.getLogger("metbot.teams")


def _form_id(verb: str) -> FormId | None:
    try:
        return FormId(verb)
    except ValueError:
        return None


def prefilled(form: Form, values: Mapping[str, Any]) -> Form:
    """The same form showing what the user typed (a dialog re-shown with errors keeps their input)."""

    def kept(field: Input) -> Input:
        value = values.get(field.id)
        return replace(field, value=value) if isinstance(value, str) and value else field

    return replace(form, inputs=tuple(kept(field) for field in form.inputs))


def as_result(routed: Routed, links: Callable[[Files], Reply] | None = None) -> Result:
    """The router's answer in the shape the Teams edge shows: a card, a dialog, or an updated card."""
    answer: Answer = routed.answer
    if isinstance(answer, Files) and links is not None:
        return links(answer)
    if isinstance(answer, Section):
        # A click answered in place: the card becomes this part of it (Teams replaces the clicked card).
        return Reply(
            headline=answer.title or answer.text or "Updated", sections=(answer,), replace_original=True
        )
    if isinstance(answer, FormErrors):
        return Refusal(next(iter(answer.errors.values()), "Please check the form."))
    return answer


class TeamsApp:
    """The SDK bridge with the edge registered on it, answering through the core's router."""

    def __init__(self, core: Core, settings: Settings) -> None:
        self.core = core
        self.edge = TeamsEdge(
            self.on_command, self.on_action, self.on_seen, self.on_install, on_log_message=self.on_log_message
        )
        self.bridge = TeamsBridge(settings, self.edge.register)
        self.sender = TeamsSender(self.bridge, lambda tenant: core.members.team_service_url("teams", tenant))
        password = secret(settings.teams_app_password)
        self.links = DownloadLinks(key_from(password), core.clock) if password else None
        self.public_url = (settings.metbot_public_url or "").rstrip("/")

    def start(self) -> TeamsApp:
        self.bridge.start()
        return self

    def close(self) -> None:
        self.bridge.close()

    def handle_activity(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        return self.bridge.handle_activity(body, headers)

    def process(self, item: KeptRequest) -> str | None:
        """A worker's run of an activity the front kept (handlers/teams/front.py): the same edge, replying
        through the Bot Connector; an invoke's answer is returned for the waiting front."""
        activity = json.loads(item.body)
        answer = self.bridge.run(
            self.edge.respond(activity, Conversation(self.bridge, activity), raise_retryable=True)
        )
        if activity.get("type") != "invoke":
            return None
        stored = {"status": getattr(answer, "status", 200), "body": getattr(answer, "body", None)}
        return json.dumps(stored, default=_plain)

    # --- the callbacks ------------------------------------------------------------------------------

    def on_seen(self, who: Who, facts: ActivityFacts) -> None:
        """Every activity refreshes the timezone and locale (the last good value is kept) and, in the 1:1
        chat, where to send the digest."""
        if facts.timezone or facts.locale or self.core.members.needs_profile(who):
            self.core.members.remember(who, Profile(timezone=facts.timezone, locale=facts.locale))
        personal = facts.conversation_type in (None, "personal")
        self.core.members.note_address(
            who, service_url=facts.service_url, conversation=facts.conversation_id if personal else None
        )

    def on_install(self, who: Who, kind: str, facts: ActivityFacts) -> None:
        if kind == "install" and facts.team_id:
            self.core.members.note_team(
                "teams", who.workspace, service_url=facts.service_url, channel=facts.general_channel_id
            )
        elif kind == "uninstall" and not facts.team_id:
            self.core.members.stop_member(who)  # removed from their personal scope: no more digests

    def on_command(self, who: Who, name: str, text: str, facts: ActivityFacts) -> Result:
        team_channel = None
        if facts.conversation_type == "channel" and (facts.channel_id or facts.team_id):
            team_channel = Channel(channel=str(facts.channel_id or facts.team_id))
        asked = Asked(
            channel=facts.conversation_id,
            team_channel=team_channel,
            # Anyone in the team may pick its channel by sending `met config channel` there: Teams gives a
            # bot no admin roles to check, and the command only works where the sender is a member.
            is_admin=lambda: team_channel is not None,
            mentions=facts.mentions,
            name_of=_name_among(facts.mentions),
        )
        routed = self.core.router.handle_command(who, name, text, asked)
        if routed.announce:
            self.announce(who)
        return as_result(routed, lambda files: self.download_links(who, files))

    def download_links(self, who: Who, files: Files) -> Reply:
        """Teams can't upload into a 1:1 chat for a bot: each file is a signed link that expires."""
        if self.links is None or not self.public_url:
            note = "To download your files here, the operator sets METBOT_PUBLIC_URL; /met export in Slack works too."
            return Reply(headline=files.reply.headline, sections=(*files.reply.sections, Section(note=note)))
        buttons = tuple(
            Button(
                action="download",
                label=f"Download {f.filename}",
                url=f"{self.public_url}/files/{self.links.token(who, f.filename)}/{f.filename}",
            )
            for f in files.files
        )
        minutes = int(self.links.lifetime.total_seconds() // 60)
        note = f"The links work for {minutes} minutes, for you only."
        return Reply(
            headline=files.reply.headline,
            sections=(*files.reply.sections, Section(buttons=buttons, note=note)),
        )

    def on_log_message(
        self, who: Who, text: str, author: Person | None, mentions: tuple[Person, ...]
    ) -> Form:
        """ "Log a meeting" on a message: the meeting dialog, prefilled from the message."""
        routed = self.core.router.handle_log_from_message(who, text, author, Asked(mentions=mentions))
        form = routed.answer
        return form if isinstance(form, Form) else self.core.meetings.new_meeting_form(who)

    def announce(self, who: Who) -> None:
        """Post the acting user's due shoutouts in the team channel; a failure is recorded, never raised."""
        for shoutout in self.core.referrals.claim_shoutouts(who):
            address = Address("teams", who.workspace, shoutout.channel)
            try:
                self.sender.post(address, shoutout.reply, f"shoutout-{shoutout.referral_id}")
            except (Retryable, Refused, Unreachable) as problem:
                log.warning("shoutout not posted", extra={"team": who.workspace, "error": str(problem)[:80]})
                self.core.referrals.shoutout_done(shoutout.referral_id, error=str(problem)[:64] or "failed")
                continue
            self.core.referrals.shoutout_done(shoutout.referral_id)

    def on_action(self, who: Who, verb: str, data: dict[str, Any]) -> Result:
        form = _form_id(verb)
        if form is not None:
            return self._submit(who, form, data)
        action = action_of(verb)
        if action is None:
            log.warning("unknown card action", extra={"team": who.workspace, "user": who.user})
            return Refusal("That button has expired; please ask again.")
        value = data.get("value")
        payload = decode(action, value if isinstance(value, str) else "")
        routed = self.core.router.handle_action(who, action, payload)
        return as_result(routed, lambda files: self.download_links(who, files))  # "Add to calendar"

    def _submit(self, who: Who, form: FormId, data: dict[str, Any]) -> Result:
        raw_values = data.get("values")
        values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
        context = str(data.get("context") or "")
        submitted = {key: _value(form, key, value) for key, value in values.items()}
        routed = self.core.router.handle_submit(who, form, submitted, context)
        if routed.announce:
            self.announce(who)
        if isinstance(routed.answer, FormErrors):
            again = self.core.router.form_for(who, form, context)
            if again is not None:
                return prefilled(again, values), routed.answer
        return as_result(routed)


@dataclass(frozen=True)
class Conversation:
    """What the edge needs of a turn when a worker replays a kept activity: `send` in its conversation."""

    bridge: TeamsBridge
    activity: Mapping[str, Any]

    async def send(self, message: Any) -> str:
        conversation = self.activity.get("conversation")
        conversation_id = str(conversation.get("id") or "") if isinstance(conversation, dict) else ""
        return await self.bridge.reply(str(self.activity.get("serviceUrl") or ""), conversation_id, message)


def _plain(value: Any) -> Any:
    """The SDK's models inside an invoke answer, as the JSON Teams would have been sent."""
    return value.model_dump(mode="json", by_alias=True, exclude_none=True)


def _name_among(mentions: tuple[Person, ...]) -> Any:
    names = {p.user: p.name for p in mentions if p.user}
    return lambda user: names.get(user)


def _value(form: FormId, key: str, value: Any) -> object:
    """A dialog's values as the core's forms read them: dates as dates, empty as None."""
    from datetime import date

    if not isinstance(value, str) or not value.strip():
        return None
    if key in ("met_on", "due"):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    return value


__all__ = ["TeamsApp", "as_result", "cards", "prefilled"]
_ = Action  # the router's action ids are the cards' verbs
