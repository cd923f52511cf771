"""The daily digest and the answers to its buttons. Pure: due contacts in, a platform-neutral reply out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.cadence import Cadence
from bot.capture import OWNER_LABEL, day_label
from bot.followup import SNOOZES, FollowState, item_kind
from bot.results import Button, Choice, Reply, Section
from bot.taxonomy import DEFAULT_STALL_REASON, REASONS, Reason

# Three blocks an item (text, buttons, small print) + headline + overflow line stay under Slack's 50.
MAX_ITEMS = 15


@dataclass(frozen=True)
class DueContact:
    """A contact as the digest shows it: who, where and when you met, what was agreed and offered."""

    contact_id: int
    name: str
    company: str | None
    phase: str
    due_on: date | None
    nudges: int
    asks: int
    stage: str
    snooze_note: str | None
    event: str | None = None
    met_on: date | None = None
    next_step: str | None = None
    next_step_owner: str | None = None
    offer: str | None = None

    @property
    def state(self) -> FollowState:
        return FollowState(
            phase=self.phase,
            due_on=self.due_on,
            nudges=self.nudges,
            asks=self.asks,
            stage=self.stage,
            snooze_note=self.snooze_note,
        )

    @property
    def label(self) -> str:
        return self.name + (f" ({self.company})" if self.company else "")


def item_key(contact_id: int) -> str:
    return f"c{contact_id}"


def context_line(item: DueContact, today: date) -> str:
    parts = []
    if item.met_on:
        parts.append(
            f"Met {day_label(item.met_on, today)}" + (f" at {item.event}" if item.event else "") + "."
        )
    if item.next_step:
        owner = (
            f" ({OWNER_LABEL[item.next_step_owner].lower()})" if item.next_step_owner in OWNER_LABEL else ""
        )
        parts.append(f"Agreed: {item.next_step}{owner}.")
    else:
        parts.append("No next step agreed.")
    if item.offer:
        parts.append(f"You offered: {item.offer}.")
    return " ".join(parts)


def snooze_choice(contact_id: int) -> Choice:
    return Choice("fu.snooze", "Snooze…", tuple((f"{contact_id}:{days}", label) for days, label in SNOOZES))


def reason_choice(contact_id: int, placeholder: str = "What happened?") -> Choice:
    ordered = sorted(REASONS, key=lambda r: r.key != DEFAULT_STALL_REASON)
    return Choice(
        "fu.why",
        placeholder,
        tuple(
            (f"{contact_id}:{r.key}", r.label + (" (most common)" if r.key == DEFAULT_STALL_REASON else ""))
            for r in ordered
        ),
    )


def item_section(item: DueContact, *, today: date, cadence: Cadence) -> Section:
    kind = item_kind(item.state, cadence)
    cid = str(item.contact_id)
    key = item_key(item.contact_id)
    overdue = item.due_on is not None and item.due_on < today
    note = item.snooze_note
    if kind == "ask_reply":
        return Section(
            key=key,
            title=f"Did {item.name} respond?",
            text=context_line(item, today),
            buttons=(
                Button("fu.yes", "Yes", cid, style="primary"),
                Button("fu.not_yet", "Not yet", cid),
                Button("fu.no", "No", cid),
            ),
            note=note,
        )
    if kind == "last_call":
        return Section(
            key=key,
            title=f"Still no follow-up with {item.label}. What happened?",
            text=context_line(item, today) + " I'll stop reminding you: tell me why it stalled, so you learn "
            "from it — or follow up now.",
            buttons=(
                Button("fu.done", "I followed up", cid, style="primary"),
                Button("fu.why", "I never followed up", f"{cid}:{DEFAULT_STALL_REASON}"),
            ),
            choice=reason_choice(item.contact_id, "Another reason…"),
            note=note,
        )
    if kind == "check_in":
        title = f"Check in with {item.label}: it's been a while since you were in touch."
    else:
        title = f"Follow up with {item.label}"
        if overdue and item.due_on is not None:
            title += f" (due {day_label(item.due_on, today)})"
    reminder = None
    if kind == "follow_up" and item.nudges:
        reminder = f"Reminder {item.nudges + 1} of {len(cadence.nudge_offsets)}."
    return Section(
        key=key,
        title=title,
        text=context_line(item, today),
        buttons=(
            Button("fu.done", "I followed up", cid, style="primary"),
            Button("fu.cold", "Went cold", cid),
        ),
        choice=snooze_choice(item.contact_id),
        note=" ".join(n for n in (note, reminder) if n) or None,
    )


def shown_items(items: list[DueContact], *, today: date, max_items: int = MAX_ITEMS) -> list[DueContact]:
    """The ones that fit in today's message, oldest due first; the rest wait for /met list or tomorrow."""
    return sorted(items, key=lambda i: (i.due_on or today, i.contact_id))[:max_items]


def digest_for(
    items: list[DueContact], *, today: date, cadence: Cadence, max_items: int = MAX_ITEMS
) -> Reply | None:
    """One message for the day, one section a contact; None when nothing is due (no DM)."""
    if not items:
        return None
    shown = shown_items(items, today=today, max_items=max_items)
    count = len(items)
    headline = f"{count} follow-up{'s' if count != 1 else ''} for today"
    sections = [
        Section(title=headline, text="A short, warm note today beats waiting to bump into them again.")
    ]
    sections.extend(item_section(item, today=today, cadence=cadence) for item in shown)
    if count > len(shown):
        sections.append(Section(note=f"and {count - len(shown)} more — /met list"))
    return Reply(headline=headline, sections=tuple(sections))


# --- answers to the digest's buttons ------------------------------------------------------------


def done_section(contact_id: int, text: str, *, title: str | None = None, note: str | None = None) -> Section:
    return Section(key=item_key(contact_id), title=title, text=text, note=note)


def followed_up_outcome(item: DueContact, ask_on: date, today: date) -> Section:
    return done_section(
        item.contact_id,
        f"✓ You followed up with {item.label}. I'll ask {day_label(ask_on, today)} whether they responded.",
    )


def snoozed_outcome(item: DueContact, until: date, label: str, today: date) -> Section:
    return done_section(
        item.contact_id, f"💤 {item.label} snoozed for {label}: back {day_label(until, today)}."
    )


def reply_outcome(
    item: DueContact, answer: str, *, next_on: date | None, today: date, suggestion: str | None
) -> Section:
    if answer == "yes":
        return done_section(
            item.contact_id,
            f"🎉 {item.name} responded: you're moving from Know to Like. "
            f"I'll remind you to check in {day_label(next_on, today) if next_on else 'later'}.",
        )
    if answer == "not_yet" and suggestion:
        return done_section(
            item.contact_id,
            f"Still nothing from {item.name}. {suggestion}",
            note=f"I'll bring them back {day_label(next_on, today)}." if next_on else None,
        )
    if answer == "not_yet":
        return done_section(
            item.contact_id,
            f"OK, I'll ask again {day_label(next_on, today)}." if next_on else "OK, I'll ask again later.",
        )
    return Section(
        key=item_key(item.contact_id),
        title=f"Sorry {item.name} didn't respond. What happened?",
        text="Knowing why it stalled is how you get better at this.",
        choice=reason_choice(item.contact_id, "Why do you think?"),
    )


def cold_outcome(item: DueContact) -> Section:
    return Section(
        key=item_key(item.contact_id),
        title=f"{item.label} went cold. What happened?",
        text="One click: knowing why is how the next one goes better.",
        choice=reason_choice(item.contact_id, "Why do you think?"),
    )


def classified_outcome(item: DueContact, why: Reason, next_step: str) -> Section:
    return Section(
        key=item_key(item.contact_id),
        title=f"{item.name}: “{why.label}”",
        text=f"💡 {why.tip}\n\nNext: {next_step}",
    )
