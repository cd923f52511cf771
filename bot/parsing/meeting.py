"""Turning what was read into the `Meeting` record: cards for each person, one next step, kind warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.parsing.dates import format_day
from bot.parsing.details import Details
from bot.parsing.grammar import Keyed, unreadable_due
from bot.parsing.line import Reading
from bot.parsing.people import Someone
from bot.parsing.roles import tidy_name, tidy_title, title_case
from bot.parsing.steps import STEP_VERBS, Step, read_step
from bot.parsing.text import fold, name_key, tidy
from bot.records import ContactCard, Doubt, Meeting, Owner, Person


def _grammar_steps(reading: Reading, keyed: Keyed) -> list[Step]:
    """The `next step:` segments; an explicit `due:` leaves their text untouched."""
    out: list[Step] = []
    lifting = keyed.due is None
    for text in keyed.steps:
        step = read_step(
            text,
            today=reading.today,
            now_args=reading.now_args,
            day_first=reading.day_first,
            free=False,
            lift=lifting,
        )
        if step is None:
            continue
        if step.due is not None or step.unreadable:
            lifting = False
        out.append(step)
    return out


def _one_step(steps: list[Step]) -> tuple[str | None, Owner | None, date | None]:
    """One next step from many: the substantive ones joined; "follow up <date>" only lends its date."""
    bare = [s for s in steps if s.text and s.due and fold(s.text) in STEP_VERBS]  # "…, send by thursday"
    real = [s for s in steps if s.text and not s.generic and not (s in bare and len(steps) > len(bare))]
    generic = [s for s in steps if s.generic or not s.text or (s in bare and s not in real)]
    text = "; ".join(s.text for s in real if s.text) or ("Follow up" if generic else None)
    owner = real[0].owner if real else ("me" if generic else None)
    due = next((s.due for s in real if s.due), None) or next((s.due for s in generic if s.due), None)
    return text, owner, due


def _date_warnings(reading: Reading, steps: list[Step], due: date | None, met_on: date | None) -> list[str]:
    """Unreadable due dates, a due date in the past, a meeting day in the future."""
    warnings: list[str] = []
    for step in steps:
        if step.unreadable:
            warnings.append(unreadable_due(step.unreadable.rstrip(".!?")))
            reading.doubts.append(Doubt("due", f"I couldn't read “{step.unreadable}” as a date."))
    if due is not None and due < reading.today:
        warnings.append(f"That due date ({format_day(due, reading.today)}) is already in the past.")
    if met_on is not None and met_on > reading.today and met_on:
        reading.doubts.append(
            Doubt("met_on", f"The meeting date ({format_day(met_on, reading.today)}) is in the future.")
        )
    return warnings


def _owner_of_detail(people: list[Someone], value: str | None) -> int:
    """Which person an e-mail or URL belongs to: the one whose first name is in it, else the first."""
    if value and len(people) > 1:
        folded = name_key(value)
        for i, person in enumerate(people):
            first = name_key(person.name).split(" ")[0] if person.name else ""
            if first and first in folded:
                return i
    return 0


def _cards(
    reading: Reading, keyed: Keyed, details: Details, mentions: Sequence[Person]
) -> tuple[ContactCard, ...]:
    """One card per person, with the line's details given to the right one."""
    people = reading.head.people
    merged = Details(
        email=details.email or keyed.details.email or keyed.card.get("email"),
        phone=details.phone or keyed.details.phone or keyed.card.get("phone"),
        url=details.url or keyed.details.url or keyed.card.get("url"),
    )
    owners = {
        "email": _owner_of_detail(people, merged.email),
        "phone": 0,
        "url": _owner_of_detail(people, merged.url),
    }
    linked = {name_key(p.name): p.user for p in mentions if p.user and p.name}
    cards = []
    for i, person in enumerate(people):
        name = tidy_name(person.name) or person.name
        cards.append(
            ContactCard(
                name=name,
                company=title_case(tidy(person.company or keyed.card.get("company"))),
                title=tidy_title(person.title or keyed.card.get("title")),
                email=merged.email if owners["email"] == i else None,
                phone=merged.phone if owners["phone"] == i else None,
                url=merged.url if owners["url"] == i else None,
                linked_user=linked.get(name_key(name)),
            )
        )
    return tuple(cards)


def _name_doubts(reading: Reading, cards: tuple[ContactCard, ...]) -> None:
    """A name that looks like more than a name: say so, the form fixes it in one click."""
    for card in cards:
        if len(card.name.split()) > 4 or any(ch.isdigit() for ch in card.name):
            reading.doubts.append(
                Doubt("name", f"I wasn't sure where the name ends in “{card.name}” — check it.")
            )


def assemble(reading: Reading, keyed: Keyed, details: Details, mentions: Sequence[Person]) -> Meeting:
    """The meeting as the member described it."""
    steps = reading.steps + _grammar_steps(reading, keyed)
    next_step, owner, due = _one_step(steps)
    due = keyed.due or due
    met_on = keyed.met_on or reading.met_on
    if met_on == reading.today and keyed.met_on is None:
        met_on = None  # "this morning", "today": None already means today
    warnings = (
        reading.warnings
        + keyed.warnings
        + _date_warnings(reading, steps, due, met_on if keyed.met_on is None else None)
    )
    cards = _cards(reading, keyed, details, mentions)
    if all(card.company for card in cards):  # the company was said after all: "at X" was the event
        reading.doubts = [
            d for d in reading.doubts if d.field != "event" or reading.head.event != reading.head.at_doubt
        ]
    _name_doubts(reading, cards)
    for note in reading.notes:
        reading.doubts.append(Doubt("notes", f"I wasn't sure what “{note}” was, so I kept it in the notes."))
    offers = "; ".join(keyed.offers) or None
    return Meeting(
        people=cards,
        met_on=met_on,
        event=tidy(reading.head.event or keyed.card.get("event") or reading.activity),
        next_step=next_step,
        next_step_owner=owner,
        next_step_due=due,
        offer=offers,
        offer_kind=keyed.offer_kind,
        notes="; ".join([*reading.topics, *reading.notes, *keyed.notes]) or None,
        connection=keyed.connection or reading.connection,
        rhythm_days=reading.rhythm,
        warnings=tuple(warnings),
        doubts=tuple(_unique(reading.doubts)),
    )


def _unique(doubts: list[Doubt]) -> list[Doubt]:
    """Each doubt once, in order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for doubt in doubts:
        if (doubt.field, doubt.message) not in seen:
            seen.add((doubt.field, doubt.message))
            out.append(doubt)
    return out
