"""Logging a meeting: drafts, the form, validation, coaching and the replies. Pure: no Slack, no database."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

from bot.parsing import LIMITS
from bot.records import Meeting
from bot.results import Button, Form, FormErrors, Input, Reply, Section

OWNERS = (("me", "Me"), ("them", "Them"), ("both", "Both of us"))
OFFER_KINDS = (("introduction", "An introduction"), ("referral", "A referral"))
CONNECTIONS = (("strong", "Strong: we clicked"), ("ok", "OK"), ("weak", "Weak: it was hard going"))
OWNER_LABEL = dict(OWNERS)
OFFER_LABEL = dict(OFFER_KINDS)
CONNECTION_LABEL = {"strong": "strong", "ok": "OK", "weak": "weak"}

EXAMPLE = (
    "/met Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday; offer: intro to Sam"
)

NO_NEXT_STEP = (
    "No next step agreed. Most follow-ups die because nobody agreed who does what next: "
    "add one, and promise to follow up tomorrow."
)
NO_OFFER = "Nothing to offer yet. Lead with generosity: bring an introduction or a referral they would value."


@dataclass(frozen=True)
class MeetingDraft:
    """A meeting as the user described it, before or after it is stored."""

    name: str
    met_on: date
    company: str | None = None
    event: str | None = None
    linked_user_id: str | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    due: date | None = None
    offer: str | None = None
    offer_kind: str | None = None
    notes: str | None = None
    connection: str | None = None


@dataclass(frozen=True)
class Logged:
    """What saving a meeting did, for the reply."""

    meeting_id: int
    contact_id: int
    draft: MeetingDraft
    follow_up_on: date
    earlier_meetings: int
    updated: bool = False
    warnings: tuple[str, ...] = ()


def draft_from(parsed: Meeting, *, today: date, name: str | None = None) -> MeetingDraft:
    """The first person's draft (bridge until the core stores every card of a `Meeting`)."""
    card = parsed.person
    return MeetingDraft(
        name=(name or card.name or "").strip(),
        met_on=parsed.met_on or today,
        company=card.company,
        event=parsed.event,
        linked_user_id=card.linked_user,
        next_step=parsed.next_step,
        next_step_owner=parsed.next_step_owner,
        due=parsed.next_step_due,
        offer=parsed.offer,
        offer_kind=parsed.offer_kind,
        notes=parsed.notes,
        connection=parsed.connection,
    )


def with_offer_kind_guessed(draft: MeetingDraft) -> MeetingDraft:
    if draft.offer and not draft.offer_kind:
        lowered = draft.offer.lower()
        if "referr" in lowered:
            return replace(draft, offer_kind="referral")
        if "intro" in lowered:
            return replace(draft, offer_kind="introduction")
    return draft


# --- the form -----------------------------------------------------------------------------------

FORM_ID = "meeting_form"


def form_context(meeting_id: int | None, channel: str | None = None) -> str:
    return json.dumps({"meeting_id": meeting_id, "channel": channel}, separators=(",", ":"))


def read_form_context(context: str) -> tuple[int | None, str | None]:
    """The meeting the form edits and where it was opened; anything unreadable means 'a new meeting'."""
    try:
        data = json.loads(context or "{}")
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    meeting_id = data.get("meeting_id")
    channel = data.get("channel")
    return (
        meeting_id if isinstance(meeting_id, int) and not isinstance(meeting_id, bool) else None,
        channel if isinstance(channel, str) else None,
    )


def meeting_form(
    *,
    today: date,
    draft: MeetingDraft | None = None,
    meeting_id: int | None = None,
    channel: str | None = None,
) -> Form:
    d = draft
    return Form(
        id=FORM_ID,
        title="Edit meeting" if meeting_id else "Log a meeting",
        submit="Save",
        context=form_context(meeting_id, channel),
        intro="Who did you meet, and what happens next? Only the name is required.",
        inputs=(
            Input(
                "name",
                "Name",
                value=d.name if d else None,
                optional=False,
                placeholder="Jane Doe",
                max_length=LIMITS["name"],
            ),
            Input(
                "company",
                "Company",
                value=d.company if d else None,
                placeholder="Acme Corp",
                max_length=LIMITS["company"],
            ),
            Input(
                "event",
                "Where you met",
                value=d.event if d else None,
                placeholder="BNI breakfast",
                max_length=LIMITS["event"],
            ),
            Input("met_on", "When", kind="date", value=d.met_on if d else today, optional=False),
            Input(
                "next_step",
                "Next step you agreed",
                value=d.next_step if d else None,
                placeholder="Intro to her CFO",
                max_length=LIMITS["next_step"],
                hint="Agree it at the meeting: who does what next.",
            ),
            Input(
                "next_step_owner",
                "Who owns it",
                kind="choice",
                options=OWNERS,
                value=d.next_step_owner if d else None,
            ),
            Input("due", "Next step due", kind="date", value=d.due if d else None),
            Input(
                "offer",
                "What you can offer",
                value=d.offer if d else None,
                placeholder="An intro to Sam, who needs a printer",
                max_length=LIMITS["offer"],
                hint="Lead with generosity: an introduction or a referral.",
            ),
            Input(
                "offer_kind",
                "Kind of offer",
                kind="choice",
                options=OFFER_KINDS,
                value=d.offer_kind if d else None,
            ),
            Input(
                "connection",
                "How well you connected",
                kind="choice",
                options=CONNECTIONS,
                value=d.connection if d else None,
            ),
            Input(
                "notes", "Notes", kind="long_text", value=d.notes if d else None, max_length=LIMITS["notes"]
            ),
        ),
    )


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch == "\n" or ch.isprintable()).strip()
    return cleaned or None


def read_form(values: dict[str, object], *, today: date) -> MeetingDraft | FormErrors:
    """Validate a submitted form: every problem is reported on its own field."""
    errors: dict[str, str] = {}
    text: dict[str, str | None] = {}
    for key in ("name", "company", "event", "next_step", "offer", "notes"):
        value = _clean(values.get(key))
        if key in ("name", "company", "event") and value:
            value = " ".join(value.split())
        limit = LIMITS[key]
        if value and len(value) > limit:
            errors[key] = f"Please keep this under {limit} characters (it has {len(value)})."
        text[key] = value
    if not text["name"]:
        errors["name"] = "Who did you meet? A name is needed to log the meeting."
    choices = {
        "next_step_owner": dict(OWNERS),
        "offer_kind": dict(OFFER_KINDS),
        "connection": dict(CONNECTIONS),
    }
    picked: dict[str, str | None] = {}
    for key, allowed in choices.items():
        value = values.get(key)
        if value is not None and value not in allowed:
            errors[key] = "Please pick one of the options."
        picked[key] = value if isinstance(value, str) and value in allowed else None
    met_on = values.get("met_on")
    due = values.get("due")
    if not isinstance(met_on, date):
        met_on = today
    if met_on > today:
        errors["met_on"] = "That's in the future: log a meeting once it has happened."
    if isinstance(due, date) and due < met_on:
        errors["due"] = "The next step can't be due before the meeting itself."
    if errors:
        return FormErrors(errors)
    return with_offer_kind_guessed(
        MeetingDraft(
            name=text["name"] or "",
            met_on=met_on,
            company=text["company"],
            event=text["event"],
            next_step=text["next_step"],
            next_step_owner=picked["next_step_owner"],
            due=due if isinstance(due, date) else None,
            offer=text["offer"],
            offer_kind=picked["offer_kind"],
            connection=picked["connection"],
            notes=text["notes"],
        )
    )


# --- replies ------------------------------------------------------------------------------------


def day_label(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def who_line(draft: MeetingDraft) -> str:
    name = draft.name + (f" ({draft.company})" if draft.company else "")
    return name


def coaching(draft: MeetingDraft) -> list[str]:
    tips = []
    if not draft.next_step:
        tips.append(NO_NEXT_STEP)
    if not draft.offer:
        tips.append(NO_OFFER)
    return tips


def logged_reply(logged: Logged, *, today: date) -> Reply:
    d = logged.draft
    where = f" at {d.event}" if d.event else ""
    verb = "Updated" if logged.updated else "Logged"
    headline = f"{verb}: you met {who_line(d)}{where}, {day_label(d.met_on, today)}."
    fields: list[tuple[str, str]] = []
    if d.next_step:
        owner = f" ({OWNER_LABEL[d.next_step_owner].lower()})" if d.next_step_owner else ""
        fields.append(("Next step", d.next_step + owner))
    if d.due:
        fields.append(("Due", day_label(d.due, today)))
    if d.offer:
        kind = f" ({OFFER_LABEL[d.offer_kind].lower()})" if d.offer_kind else ""
        fields.append(("You offer", d.offer + kind))
    if d.connection:
        fields.append(("Connection", CONNECTION_LABEL[d.connection]))
    fields.append(("Follow up", day_label(logged.follow_up_on, today)))
    note = None
    if logged.earlier_meetings and not logged.updated:
        times = "once" if logged.earlier_meetings == 1 else f"{logged.earlier_meetings} times"
        note = f"You've met {d.name} {times} before; the follow-up timer starts again from this meeting."
    sections = [
        Section(
            title=headline,
            fields=tuple(fields),
            buttons=(Button("meeting.edit", "Edit", str(logged.meeting_id)),),
            note=note,
        )
    ]
    sections.extend(Section(text=f"⚠️ {w}") for w in logged.warnings)
    if not d.next_step:
        sections.append(
            Section(
                text=NO_NEXT_STEP,
                buttons=(
                    Button(
                        "meeting.add_next_step", "Add a next step", str(logged.meeting_id), style="primary"
                    ),
                ),
            )
        )
    if not d.offer:
        sections.append(
            Section(
                text=NO_OFFER, buttons=(Button("meeting.add_offer", "Add an offer", str(logged.meeting_id)),)
            )
        )
    return Reply(headline=headline, sections=tuple(sections))


def problem_reply(message: str) -> Reply:
    return Reply(
        headline=message,
        sections=(
            Section(text=message),
            Section(note=f"For example: {EXAMPLE}\nOr type /met on its own for a form; /met help for more."),
        ),
    )


SAVE_FAILED = "Sorry, I couldn't save that — please try again in a moment. Nothing was half-saved."


def save_failed_reply() -> Reply:
    return Reply(headline=SAVE_FAILED, sections=(Section(text=SAVE_FAILED),))


HELP_TEXT = (
    ("Log a meeting", "/met Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday"),
    (
        "More details",
        "Add parts separated by ';': next step: …, offer: …, notes: …, connection: strong|ok|weak, "
        "when: yesterday. Dates like tomorrow, Friday, next Tuesday, in 2 weeks, Dec 3 or 3/12 "
        "are read in your own timezone.",
    ),
    ("A form instead", "/met on its own opens a form with the same fields."),
    ("Your contacts", "/met list shows who you met lately, the next step and where each one stands."),
    (
        "How it's going",
        "/met stats shows your follow-up and response rates and why connections stall; "
        "/met team shows the workspace's figures, as counts only.",
    ),
    (
        "Your data",
        "/met export sends you your contacts and history as CSV and vCard files; /met import "
        "brings contacts in from a CSV or vCard file you share with me; /met forget <name> deletes "
        "one contact, /met forget me deletes everything I store about you (both ask first).",
    ),
    (
        "Your digest",
        "Every morning at 09:00 in your timezone I DM you who to follow up with. /met config digest 7am "
        "picks another hour; an admin can pick the team's shoutout channel with /met config channel #wins.",
    ),
    (
        "Why",
        "Most relationships die after the first meeting because nobody agreed a next step or followed up. "
        "Agree one at the meeting, bring an introduction to give, and let me remind you.",
    ),
)


def help_reply(extra: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(
        headline="How to use /met",
        sections=tuple(Section(title=title, text=text) for title, text in HELP_TEXT + extra),
    )
