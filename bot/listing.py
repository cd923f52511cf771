"""`/met list`: contacts with their next step and where each one stands, one section each."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.capture import day_label
from bot.referrals import balance_label, balance_note
from bot.results import Button, Reply, Section
from store.meetings import ContactLine

STAGE_LABEL = {"know": "Know", "like": "Like", "trust": "Trust"}
PHASE_LABEL = {
    "follow_up": "to follow up",
    "await_reply": "waiting for a reply",
    "check_in": "in touch",
    "classify": "still open: you haven't told me what happened; it's on your weekly still-open line",
    "cold": "resting: no more nudges",
    "closed": "in touch, no check-ins",
}


class Standing(Protocol):
    """Anything with a follow-up state: a list line, a contact card."""

    @property
    def phase(self) -> str: ...

    @property
    def due_on(self) -> date | None: ...


def state_of(line: Standing, today: date) -> str:
    phase = PHASE_LABEL.get(line.phase, "in touch")
    if line.phase in ("follow_up", "await_reply", "check_in", "classify") and line.due_on:
        if line.due_on < today:
            return f"{phase}, overdue since {day_label(line.due_on, today)}"
        return f"{phase}, {day_label(line.due_on, today)}"
    return phase


def line_section(line: ContactLine, today: date, button: Button | None = None) -> Section:
    """One contact in a list: who, when and where met, the stage, the state, the next step."""
    title = line.name + (f" ({line.company})" if line.company else "")
    met = f"Met {day_label(line.last_met_on, today)}" if line.last_met_on else "Not met yet"
    if line.event:
        met += f" at {line.event}"
    if line.meetings > 1:
        met += f" · {line.meetings} meetings"
    fields = [("Stage", STAGE_LABEL.get(line.stage, line.stage)), ("State", state_of(line, today))]
    fields.append(("Next step", line.next_step or "none agreed"))
    if line.next_step_due:
        fields.append(("Due", day_label(line.next_step_due, today)))
    if line.referrals_given or line.referrals_received:
        fields.append(("Referrals", balance_label(line.referrals_given, line.referrals_received)))
    # Mutual value: flag a relationship that is one-sided either way.
    flag = balance_note(line.referrals_given, line.referrals_received)
    return Section(
        title=title,
        text=met,
        fields=tuple(fields),
        buttons=(button,) if button else (),
        note=f"⚖️ {flag}" if flag else None,
    )


def contacts_reply(lines: list[ContactLine], total: int, *, today: date) -> Reply:
    if not lines:
        text = "No contacts yet. Log your first meeting: /met Jane Doe (Acme) at BNI breakfast; next step: coffee"
        return Reply(headline="No contacts yet.", sections=(Section(text=text),))
    sections = []
    for line in lines:
        cold = Button("contact.cold", "Went cold", str(line.contact_id))
        sections.append(line_section(line, today, cold if line.phase not in ("cold", "closed") else None))
    more = total - len(lines)
    headline = f"Your {len(lines)} most recent contacts" if more > 0 else f"Your contacts ({total})"
    if more > 0:
        sections.append(Section(note=f"and {more} more — /met export gives you all of them."))
    return Reply(headline=headline, sections=tuple(sections))
