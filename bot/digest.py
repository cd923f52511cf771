"""The daily digest and the answers to its buttons. Pure: due contacts in, a platform-neutral reply out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.cadence import Cadence, rhythm_days_for, rhythm_label
from bot.capture import ADD_TO_CALENDAR, day_label
from bot.followup import SNOOZES, FollowState, item_kind
from bot.results import Button, Choice, Reply, Section
from bot.risk import order_by_risk
from bot.taxonomy import DEFAULT_STALL_REASON, REST_NOTE, Reason, first_name, reason_label, reasons_offered

# Three blocks an item (text, buttons, small print) + headline + still-open line + overflow stay under 50.
MAX_ITEMS = 15
MAX_STILL_OPEN_NAMES = 8

# The digest's buttons and menus, in one place (the router maps them to the engagement's answers).
FOLLOWED_UP = "fu.done"
WENT_COLD = "fu.cold"
CONTACT_COLD = "contact.cold"  # "Went cold" on a /met list line
SNOOZE = "fu.snooze"
REPLIED_YES = "fu.yes"
REPLIED_NOT_YET = "fu.not_yet"
REPLIED_NO = "fu.no"
WHY = "fu.why"
LET_IT_REST = "fu.rest"  # new: always offered beside the reasons
KEEP_IN_TOUCH = "fu.rhythm"  # new: "keep in touch: monthly / quarterly / never"
DECIDE = "fu.decide"  # new: pick one contact from the weekly "still open" line
ACTIONS = (
    FOLLOWED_UP,
    WENT_COLD,
    CONTACT_COLD,
    SNOOZE,
    REPLIED_YES,
    REPLIED_NOT_YET,
    REPLIED_NO,
    WHY,
    LET_IT_REST,
    KEEP_IN_TOUCH,
    DECIDE,
)
STILL_OPEN_KEY = "still_open"
RHYTHMS: tuple[tuple[int, str], ...] = ((30, "Monthly"), (90, "Quarterly"), (0, "Never"))
OWNED_BY = {"me": "yours to do", "them": "theirs to do", "both": "for both of you"}

# The first line of the digest varies from day to day; each counts follow-ups and questions apart.
OPENERS: tuple[str, ...] = (
    "Good morning! {counts} today.",
    "{Counts} on your list today.",
    "Here's today: {counts}.",
    "{Counts} waiting for you this morning.",
    "Today's round: {counts}.",
)
# The line under it: one of the seeds' ideas, a different one each day.
THOUGHTS: tuple[str, ...] = (
    "A short, warm note today beats waiting to bump into them again.",
    "Lead with generosity: an introduction or a useful link opens more doors than a pitch.",
    "Put the next step in the note itself: who does what, and by when.",
    "Ask about them first: what would make this a good month for them?",
    "Know, then Like, then Trust: every reply moves a relationship on.",
)


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
    snoozed: bool = False
    rhythm_days: int | None = None
    offer_kind: str | None = None
    connection: str | None = None
    risk: float = 0.0  # the cold-risk estimate (bot/risk.py): the riskiest are shown first
    meeting_id: int | None = None  # the latest meeting, named by "Add to calendar"
    next_step_due: date | None = None

    @property
    def state(self) -> FollowState:
        return FollowState(
            phase=self.phase,
            due_on=self.due_on,
            nudges=self.nudges,
            asks=self.asks,
            stage=self.stage,
            snooze_note=self.snooze_note,
            snoozed=self.snoozed,
            rhythm_days=self.rhythm_days,
        )

    @property
    def label(self) -> str:
        return self.name + (f" ({self.company})" if self.company else "")


def item_key(contact_id: int) -> str:
    return f"c{contact_id}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def names_line(names: list[str]) -> str:
    """'Ann', 'Ann and Bob', 'Ann, Bob and Cy'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def context_line(item: DueContact, today: date) -> str:
    parts = []
    if item.met_on:
        parts.append(
            f"Met {day_label(item.met_on, today)}" + (f" at {item.event}" if item.event else "") + "."
        )
    if item.next_step:
        owner = f" ({OWNED_BY[item.next_step_owner]})" if item.next_step_owner in OWNED_BY else ""
        parts.append(f"Agreed: {item.next_step}{owner}.")
    else:
        parts.append("No next step agreed.")
    if item.offer:
        parts.append(f"You offered: {item.offer}.")
    return " ".join(parts)


def snooze_choice(contact_id: int) -> Choice:
    return Choice(SNOOZE, "Snooze…", tuple((f"{contact_id}:{days}", label) for days, label in SNOOZES))


def rhythm_choice(contact_id: int) -> Choice:
    return Choice(
        KEEP_IN_TOUCH, "Keep in touch…", tuple((f"{contact_id}:{days}", label) for days, label in RHYTHMS)
    )


def reason_choice(
    contact_id: int,
    placeholder: str = "What happened?",
    *,
    followed_up: bool = False,
    common: str | None = None,
    leave_out: tuple[str, ...] = (),
) -> Choice:
    """The reasons that fit what the user said, "(your most common)" only from their own figures."""
    offered = [r for r in reasons_offered(followed_up=followed_up, common=common) if r.key not in leave_out]
    return Choice(
        WHY, placeholder, tuple((f"{contact_id}:{r.key}", reason_label(r, common)) for r in offered)
    )


def calendar_buttons(item: DueContact, today: date) -> tuple[Button, ...]:
    """ "Add to calendar" when the latest meeting agreed a next step on a day still to come (today counts):
    the meeting reply's own button, so the same check that the meeting is the clicker's applies."""
    due = item.next_step_due
    if item.meeting_id is None or not item.next_step or due is None or due < today:
        return ()
    return (Button(ADD_TO_CALENDAR, "Add to calendar", str(item.meeting_id)),)


def rest_button(contact_id: int) -> Button:
    return Button(LET_IT_REST, "Let it rest", str(contact_id))


def decide_section(item: DueContact, *, today: date, followed_up: bool, common: str | None = None) -> Section:
    """One contact from the "still open" line: follow up now, say why it stalled, or let it rest."""
    cid = str(item.contact_id)
    return Section(
        key=item_key(item.contact_id),
        title=f"{item.label} is still open. What happened?",
        text=context_line(item, today) + " Follow up now, tell me why it stalled, or let it rest.",
        buttons=(Button(FOLLOWED_UP, "I followed up", cid, style="primary"), rest_button(item.contact_id)),
        choice=reason_choice(item.contact_id, "Why it stalled…", followed_up=followed_up, common=common),
    )


def item_section(item: DueContact, *, today: date, cadence: Cadence, common: str | None = None) -> Section:
    kind = item_kind(item.state, cadence)
    cid = str(item.contact_id)
    key = item_key(item.contact_id)
    overdue = item.due_on is not None and item.due_on < today
    note = item.snooze_note
    if kind == "still_open":
        return decide_section(item, today=today, followed_up=False, common=common)
    if kind == "ask_reply":
        return Section(
            key=key,
            title=f"Did {item.name} respond?",
            text=context_line(item, today),
            buttons=(
                Button(REPLIED_YES, "Yes", cid, style="primary"),
                Button(REPLIED_NOT_YET, "Not yet", cid),
                Button(REPLIED_NO, "No", cid),
                *calendar_buttons(item, today),
            ),
            note=note,
        )
    if kind == "last_call":
        return Section(
            key=key,
            title=f"Still no follow-up with {item.label}. What happened?",
            text=context_line(item, today) + " This is my last reminder: follow up now, tell me why it "
            "stalled so you learn from it, or let it rest.",
            buttons=(
                Button(FOLLOWED_UP, "I followed up", cid, style="primary"),
                Button(WHY, "I never followed up", f"{cid}:{DEFAULT_STALL_REASON}"),
                rest_button(item.contact_id),
                *calendar_buttons(item, today),
            ),
            choice=reason_choice(
                item.contact_id, "Another reason…", common=common, leave_out=(DEFAULT_STALL_REASON,)
            ),
            note=note,
        )
    if kind == "check_in":
        every = rhythm_days_for(item.stage, item.rhythm_days, cadence)
        return Section(
            key=key,
            title=f"Check in with {item.label}: it's been a while since you were in touch.",
            text=context_line(item, today) + f" You keep in touch {rhythm_label(every)}.",
            buttons=(
                Button(FOLLOWED_UP, "I got in touch", cid, style="primary"),
                Button(WENT_COLD, "Went cold", cid),
                *calendar_buttons(item, today),
            ),
            choice=rhythm_choice(item.contact_id),
            note=note,
        )
    title = f"Follow up with {item.label}"
    if overdue and item.due_on is not None:
        title += f", due {day_label(item.due_on, today)}"
    reminder = None
    if item.nudges and not item.snoozed:
        reminder = f"Reminder {item.nudges + 1} of {len(cadence.nudge_offsets)}."
    return Section(
        key=key,
        title=title,
        text=context_line(item, today),
        buttons=(
            Button(FOLLOWED_UP, "I followed up", cid, style="primary"),
            Button(WENT_COLD, "Went cold", cid),
            *calendar_buttons(item, today),
        ),
        choice=snooze_choice(item.contact_id),
        note=" ".join(n for n in (note, reminder) if n) or None,
    )


def shown_items(items: list[DueContact], *, today: date, max_items: int = MAX_ITEMS) -> list[DueContact]:
    """The ones that fit in today's message (the oldest due), riskiest first; the rest wait for /met list or
    tomorrow. Equal risks (none estimated: all 0) keep the oldest due first.

    Still-open contacts are all "shown" on their one weekly line (so each moves on to next week).
    """
    active = [i for i in items if i.phase != "classify"]
    still_open = [i for i in items if i.phase == "classify"]
    chosen = sorted(active, key=lambda i: (i.due_on or today, i.contact_id))[:max_items]
    return order_by_risk((i, i.risk) for i in chosen) + still_open


def still_open_section(items: list[DueContact]) -> Section:
    """The weekly line of contacts the user hasn't decided about: one click each to decide."""
    names = [i.name for i in items[:MAX_STILL_OPEN_NAMES]]
    more = len(items) - len(names)
    who = names_line(names + ([plural(more, "other")] if more else []))
    return Section(
        key=STILL_OPEN_KEY,
        title=f"Still open: {plural(len(items), 'person', 'people')} to decide about",
        text=f"{who}: you haven't told me what happened yet. Pick one to follow up, say why it stalled, "
        "or let it rest.",
        choice=Choice(DECIDE, "Decide about…", tuple((str(i.contact_id), i.label) for i in items[:100])),
    )


def counts_phrase(follow_ups: int, questions: int, still_open: int) -> str:
    parts = []
    if follow_ups:
        parts.append(plural(follow_ups, "follow-up"))
    if questions:
        parts.append(plural(questions, "question"))
    if still_open and not parts:
        parts.append(plural(still_open, "still-open contact"))
    return names_line(parts)


def headline_for(items: list[DueContact], *, today: date, cadence: Cadence) -> str:
    """A first line that varies with the day and counts follow-ups and "did they respond?" questions apart."""
    kinds = [item_kind(i.state, cadence) for i in items]
    questions = kinds.count("ask_reply")
    still_open = kinds.count("still_open")
    counts = counts_phrase(len(kinds) - questions - still_open, questions, still_open)
    opener = OPENERS[today.toordinal() % len(OPENERS)]
    return opener.format(counts=counts, Counts=counts[:1].upper() + counts[1:])


def digest_for(
    items: list[DueContact],
    *,
    today: date,
    cadence: Cadence,
    max_items: int = MAX_ITEMS,
    common: str | None = None,
) -> Reply | None:
    """One message for the day, one section a contact, the still-open ones on one line; None when nothing is due."""
    if not items:
        return None
    shown = shown_items(items, today=today, max_items=max_items)
    active = [i for i in shown if i.phase != "classify"]
    still_open = [i for i in shown if i.phase == "classify"]
    headline = headline_for(items, today=today, cadence=cadence)
    thought = THOUGHTS[today.toordinal() % len(THOUGHTS)]
    sections = [Section(title=headline, text=thought)]
    sections.extend(item_section(item, today=today, cadence=cadence, common=common) for item in active)
    if still_open:
        sections.append(still_open_section(still_open))
    waiting = len(items) - len(shown)
    if waiting > 0:
        sections.append(Section(note=f"and {waiting} more: they're in /met list, and in your next digest."))
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
    item: DueContact,
    answer: str,
    *,
    next_on: date | None,
    today: date,
    suggestion: str | None,
    common: str | None = None,
    every: int | None = None,
) -> Section:
    if answer == "yes":
        moved = "you're moving from Know to Like" if item.stage == "know" else "good to hear"
        when = (
            f"I'll remind you to check in {day_label(next_on, today)} (you keep in touch {rhythm_label(every)})."
            if next_on
            else "I won't remind you to check in."
        )
        return Section(
            key=item_key(item.contact_id),
            text=f"🎉 {item.name} responded: {moved}. {when}",
            choice=rhythm_choice(item.contact_id),
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
        text="You did your part and followed up. Knowing why it stalled is how you get better at this; "
        "or let it rest.",
        buttons=(rest_button(item.contact_id),),
        choice=reason_choice(item.contact_id, "Why do you think?", followed_up=True, common=common),
    )


def cold_outcome(item: DueContact, *, followed_up: bool = False, common: str | None = None) -> Section:
    return Section(
        key=item_key(item.contact_id),
        title=f"{item.label} went cold. What happened?",
        text="One click: knowing why is how the next one goes better. Or let it rest.",
        buttons=(rest_button(item.contact_id),),
        choice=reason_choice(item.contact_id, "Why do you think?", followed_up=followed_up, common=common),
    )


def classified_outcome(item: DueContact, why: Reason, next_step: str) -> Section:
    """The tip and the next step that acts on it; "Let it rest" is there whenever the step is not resting."""
    return Section(
        key=item_key(item.contact_id),
        title=f"{item.name}: “{why.label}”",
        text=f"💡 {why.tip}\n\nNext: {next_step}",
        buttons=(rest_button(item.contact_id),) if why.retry_days is not None else (),
    )


def rest_outcome(item: DueContact) -> Section:
    return done_section(item.contact_id, f"🌙 Letting {item.name} rest. {REST_NOTE}")


def rhythm_outcome(item: DueContact, every: int | None, next_on: date | None, today: date) -> Section:
    if every is None:
        text = (
            f"Done: no more check-ins with {first_name(item.name)}. Log a meeting with them to start again."
        )
    elif next_on is not None:
        text = (
            f"Done: you'll keep in touch with {item.name} {rhythm_label(every)}. "
            f"Next check-in {day_label(next_on, today)}."
        )
    else:
        text = f"Done: once you're in touch, you'll keep in touch with {item.name} {rhythm_label(every)}."
    return done_section(item.contact_id, text)
