"""Logging a meeting: the form, validation, coaching and the replies. Pure: no platform, no database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date

from bot.parsing import LIMITS
from bot.records import ContactCard, Meeting
from bot.results import Attachment, Button, Files, Form, FormErrors, Input, Reply, Section

DETAIL_LIMITS = {"title": 200, "email": 320, "phone": 64, "url": 500}
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

OWNERS = (("me", "Me"), ("them", "Them"), ("both", "Both of us"))
OFFER_KINDS = (("introduction", "An introduction"), ("referral", "A referral"))
CONNECTIONS = (("strong", "Strong: we clicked"), ("ok", "OK"), ("weak", "Weak: it was hard going"))
RHYTHMS = (("14", "Every 2 weeks"), ("30", "Monthly"), ("90", "Quarterly"), ("0", "Never"))
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
class Logged:
    """What saving a meeting did, for the reply: one meeting row and one contact per person met."""

    meeting_ids: tuple[int, ...]
    contact_ids: tuple[int, ...]
    meeting: Meeting  # as saved: met_on filled, a next step carried over from an earlier meeting
    follow_up_on: date
    earlier_meetings: int  # with the first person, before this one
    updated: bool = False
    carried_next_step: bool = False
    risk: str | None = None  # the cold-risk warning (bot/risk.py Risk.line), for a new meeting

    @property
    def meeting_id(self) -> int:
        return self.meeting_ids[0]


def with_offer_kind_guessed(meeting: Meeting) -> Meeting:
    if meeting.offer and not meeting.offer_kind:
        lowered = meeting.offer.lower()
        if "referr" in lowered:
            return replace(meeting, offer_kind="referral")
        if "intro" in lowered:
            return replace(meeting, offer_kind="introduction")
    return meeting


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


def _detail_inputs(card: ContactCard | None) -> tuple[Input, ...]:
    c = card
    return (
        Input(
            "title",
            "Job title",
            value=c.title if c else None,
            placeholder="CFO",
            max_length=DETAIL_LIMITS["title"],
        ),
        Input(
            "email",
            "E-mail",
            value=c.email if c else None,
            placeholder="jane@acme.com",
            max_length=DETAIL_LIMITS["email"],
        ),
        Input(
            "phone",
            "Phone",
            value=c.phone if c else None,
            placeholder="+44 20 7946 0000",
            max_length=DETAIL_LIMITS["phone"],
        ),
        Input(
            "url",
            "Profile or website",
            value=c.url if c else None,
            placeholder="https://www.linkedin.com/in/janedoe",
            max_length=DETAIL_LIMITS["url"],
        ),
    )


def meeting_form(
    *,
    today: date,
    meeting: Meeting | None = None,
    meeting_id: int | None = None,
    channel: str | None = None,
) -> Form:
    m = meeting
    card = m.person if m else None
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
                value=card.name if card else None,
                optional=False,
                placeholder="Jane Doe",
                max_length=LIMITS["name"],
            ),
            Input(
                "company",
                "Company",
                value=card.company if card else None,
                placeholder="Acme Corp",
                max_length=LIMITS["company"],
            ),
            *_detail_inputs(card),
            Input(
                "event",
                "Where you met",
                value=m.event if m else None,
                placeholder="BNI breakfast",
                max_length=LIMITS["event"],
            ),
            Input("met_on", "When", kind="date", value=(m.met_on if m else None) or today, optional=False),
            Input(
                "next_step",
                "Next step you agreed",
                value=m.next_step if m else None,
                placeholder="Intro to her CFO",
                max_length=LIMITS["next_step"],
                hint="Agree it at the meeting: who does what next.",
            ),
            Input(
                "next_step_owner",
                "Who owns it",
                kind="choice",
                options=OWNERS,
                value=m.next_step_owner if m else None,
            ),
            Input("due", "Next step due", kind="date", value=m.next_step_due if m else None),
            Input(
                "offer",
                "What you can offer",
                value=m.offer if m else None,
                placeholder="An intro to Sam, who needs a printer",
                max_length=LIMITS["offer"],
                hint="Lead with generosity: an introduction or a referral.",
            ),
            Input(
                "offer_kind",
                "Kind of offer",
                kind="choice",
                options=OFFER_KINDS,
                value=m.offer_kind if m else None,
            ),
            Input(
                "connection",
                "How well you connected",
                kind="choice",
                options=CONNECTIONS,
                value=m.connection if m else None,
            ),
            Input(
                "rhythm",
                "Keep in touch",
                kind="choice",
                options=RHYTHMS,
                value=str(m.rhythm_days) if m and m.rhythm_days is not None else None,
                hint="How often to check in once you're in touch (by default, by how well you know them).",
            ),
            Input(
                "notes", "Notes", kind="long_text", value=m.notes if m else None, max_length=LIMITS["notes"]
            ),
        ),
    )


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch == "\n" or ch.isprintable()).strip()
    return cleaned or None


def _read_texts(values: dict[str, object], errors: dict[str, str]) -> dict[str, str | None]:
    text: dict[str, str | None] = {}
    limits = {
        **{k: LIMITS[k] for k in ("name", "company", "event", "next_step", "offer", "notes")},
        **DETAIL_LIMITS,
    }
    for key, limit in limits.items():
        value = _clean(values.get(key))
        if key not in ("next_step", "offer", "notes") and value:
            value = " ".join(value.split())
        if value and len(value) > limit:
            errors[key] = f"Please keep this under {limit} characters (it has {len(value)})."
        text[key] = value
    if not text["name"]:
        errors["name"] = "Who did you meet? A name is needed to log the meeting."
    if text["email"] and not EMAIL.match(text["email"]):
        errors["email"] = "That doesn't look like an e-mail address (name@example.com)."
    return text


def _read_choices(values: dict[str, object], errors: dict[str, str]) -> dict[str, str | None]:
    choices = {
        "next_step_owner": dict(OWNERS),
        "offer_kind": dict(OFFER_KINDS),
        "connection": dict(CONNECTIONS),
        "rhythm": dict(RHYTHMS),
    }
    picked: dict[str, str | None] = {}
    for key, allowed in choices.items():
        value = values.get(key)
        if value is not None and value not in allowed:
            errors[key] = "Please pick one of the options."
        picked[key] = value if isinstance(value, str) and value in allowed else None
    return picked


def read_form(values: dict[str, object], *, today: date) -> Meeting | FormErrors:
    """Validate a submitted form: every problem is reported on its own field."""
    errors: dict[str, str] = {}
    text = _read_texts(values, errors)
    picked = _read_choices(values, errors)
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
    card = ContactCard(
        name=text["name"] or "",
        company=text["company"],
        title=text["title"],
        email=text["email"],
        phone=text["phone"],
        url=text["url"],
    )
    return with_offer_kind_guessed(
        Meeting(
            people=(card,),
            met_on=met_on,
            event=text["event"],
            next_step=text["next_step"],
            next_step_owner=picked["next_step_owner"],  # type: ignore[arg-type]  # checked against OWNERS
            next_step_due=due if isinstance(due, date) else None,
            offer=text["offer"],
            offer_kind=picked["offer_kind"],  # type: ignore[arg-type]  # checked against OFFER_KINDS
            connection=picked["connection"],  # type: ignore[arg-type]  # checked against CONNECTIONS
            notes=text["notes"],
            rhythm_days=int(picked["rhythm"]) if picked["rhythm"] is not None else None,
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


def person_line(card: ContactCard) -> str:
    """ "Jane Doe (CFO, Acme)": the name with what we know of their role."""
    about = ", ".join(part for part in (card.title, card.company) if part)
    return card.name + (f" ({about})" if about else "")


def people_line(meeting: Meeting) -> str:
    names = [person_line(card) for card in meeting.people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def coaching(meeting: Meeting) -> list[str]:
    tips = []
    if not meeting.next_step:
        tips.append(NO_NEXT_STEP)
    if not meeting.offer:
        tips.append(NO_OFFER)
    return tips


def _detail_fields(card: ContactCard) -> list[tuple[str, str]]:
    named = (("Title", card.title), ("E-mail", card.email), ("Phone", card.phone), ("Profile", card.url))
    return [(label, value) for label, value in named if value]


def understood_fields(logged: Logged, today: date) -> list[tuple[str, str]]:
    """Every field the line filled, so the user sees at a glance what was understood."""
    m = logged.meeting
    fields: list[tuple[str, str]] = []
    if len(m.people) == 1:
        fields.extend(_detail_fields(m.person))
    if m.next_step:
        owner = f" ({OWNER_LABEL[m.next_step_owner].lower()})" if m.next_step_owner else ""
        carried = " — agreed at an earlier meeting" if logged.carried_next_step else ""
        fields.append(("Next step", m.next_step + owner + carried))
    if m.next_step_due:
        fields.append(("Due", day_label(m.next_step_due, today)))
    if m.offer:
        kind = f" ({OFFER_LABEL[m.offer_kind].lower()})" if m.offer_kind else ""
        fields.append(("You offer", m.offer + kind))
    if m.connection:
        fields.append(("Connection", CONNECTION_LABEL[m.connection]))
    if m.rhythm_days:
        fields.append(("Keep in touch", f"every {m.rhythm_days} days"))
    if m.notes:
        fields.append(("Notes", m.notes if len(m.notes) <= 200 else m.notes[:199] + "…"))
    fields.append(("Follow up", day_label(logged.follow_up_on, today)))
    return fields


def _doubt_sections(logged: Logged) -> list[Section]:
    """Where the parser was unsure: say so on that field, and make fixing it one click."""
    doubts = logged.meeting.doubts
    if not doubts:
        return []
    text = " ".join(f"{d.message}" for d in doubts)
    button = Button("meeting.edit", "Fix it in the form", str(logged.meeting_id), style="primary")
    return [Section(text=f"🤔 {text}", buttons=(button,))]


def logged_reply(logged: Logged, *, today: date) -> Reply:
    m = logged.meeting
    where = f" at {m.event}" if m.event else ""
    verb = "Updated" if logged.updated else "Logged"
    met_on = m.met_on or today
    headline = f"{verb}: you met {people_line(m)}{where}, {day_label(met_on, today)}."
    note = None
    if logged.earlier_meetings and not logged.updated:
        times = "once" if logged.earlier_meetings == 1 else f"{logged.earlier_meetings} times"
        note = (
            f"You've met {m.person.name} {times} before; the follow-up timer starts again from this meeting."
        )
    sections = [
        Section(
            title=headline,
            fields=tuple(understood_fields(logged, today)),
            buttons=(Button("meeting.edit", "Edit", str(logged.meeting_id)),),
            note=note,
        )
    ]
    sections.extend(_doubt_sections(logged))
    sections.extend(Section(text=f"⚠️ {w}") for w in m.warnings)
    if logged.risk:
        sections.append(Section(text=logged.risk, key="risk"))
    if m.next_step and m.next_step_due:
        add = Button(ADD_TO_CALENDAR, "Add to calendar", str(logged.meeting_id))
        sections.append(Section(text=CALENDAR_OFFER, buttons=(add,)))
    if not m.next_step:
        add = Button("meeting.add_next_step", "Add a next step", str(logged.meeting_id), style="primary")
        sections.append(Section(text=NO_NEXT_STEP, buttons=(add,)))
    if not m.offer:
        sections.append(
            Section(
                text=NO_OFFER, buttons=(Button("meeting.add_offer", "Add an offer", str(logged.meeting_id)),)
            )
        )
    return Reply(headline=headline, sections=tuple(sections))


def _clip(text: str | None, field: str) -> str | None:
    return text[: LIMITS[field]].strip() or None if text else None


def meeting_from_message(
    parsed: Meeting | None, text: str, *, contact: str | None, introduced_by: str | None, today: date
) -> Meeting:
    """ "Log a meeting" on a message: what `parse_met` read from it (None when it couldn't), the contact
    when the message named one outside the team, and who introduced them, as the form's first values."""
    base = parsed or Meeting(people=(ContactCard(name=""),))
    name = contact or (base.person.name if parsed else "")
    notes = [f"Introduced by {introduced_by}." if introduced_by else "", base.notes or ""]
    if parsed is None:
        notes.append(" ".join(text.split()))
    return replace(
        base,
        people=(replace(base.person, name=_clip(name, "name") or ""),),
        met_on=base.met_on or today,
        event=_clip(base.event, "event"),
        next_step=_clip(base.next_step, "next_step"),
        offer=_clip(base.offer, "offer"),
        notes=_clip(" ".join(n for n in notes if n), "notes"),
    )


ADD_TO_CALENDAR = "meeting.calendar"  # bot.router.Action.ADD_TO_CALENDAR
CALENDAR_OFFER = "Want the next step in your calendar? I'll send you an invite for 9:00 that day."
CALENDAR_SENT = "Here's the next step as a calendar invite: open it to add it to your calendar."


def calendar_files(ics: Attachment) -> Files:
    return Files(reply=Reply(headline=CALENDAR_SENT, sections=(Section(text=CALENDAR_SENT),)), files=(ics,))


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
        "Every working morning (Monday to Friday) at 09:00 in your timezone I DM you who to follow up "
        "with. /met config digest 7am picks another hour, /met config days mon,wed,fri other days; an admin "
        "can pick the team's shoutout channel with /met config channel #wins.",
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
