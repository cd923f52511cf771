"""Finding people again: `/met find jane` (fuzzy, over name, company, title, event and notes), a card per
contact with its whole timeline and what to do next, and `/met list` a page at a time, with filters.

Answers are plain results; the router wires the sub-commands and buttons. Every contact id that comes
back from a button is checked against the acting member before anything is shown.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from bot.cadence import RHYTHM_BY_STAGE, local_today
from bot.capture import OWNER_LABEL, day_label
from bot.clock import Clock
from bot.digest import item_key, snooze_choice
from bot.listing import PHASE_LABEL, STAGE_LABEL, line_section, state_of
from bot.results import Button, Refusal, Reply, Section, Who
from bot.taxonomy import BY_KEY
from store import contacts as store
from store import people
from store.db import Sessions
from store.meetings import ContactLine
from store.models import Member

log = logging.getLogger("metbot.contacts")

# Button action ids this module puts in its answers (the router dispatches them).
OPEN = "contact.open"  # value: the contact id → contact_card
PAGE_NEXT = "contacts.next"  # value: "<page>:<filter>" → contacts
PAGE_PREVIOUS = "contacts.previous"  # value: "<page>:<filter>" → contacts
# …and, on the card, the actions already wired elsewhere:
EDIT = "meeting.edit"  # value: the latest meeting's id → the meeting form
FOLLOWED_UP = "fu.done"  # value: the contact id
WENT_COLD = "contact.cold"  # value: the contact id
SNOOZE = "fu.snooze"  # a pick-one: "<contact id>:<days>"
ACTIONS = (OPEN, PAGE_NEXT, PAGE_PREVIOUS, EDIT, FOLLOWED_UP, WENT_COLD, SNOOZE)

PAGE_SIZE = 10
MAX_RESULTS = 10
MAX_QUERY = 100
MAX_TIMELINE = 20
MAX_TIMELINE_TEXT = 2800  # a message section holds 3,000 characters, with the title
MIN_TYPO_SCORE = 75.0  # rapidfuzz's 0–100 similarity a word needs to count as a typo of the query
# How much a match in each field counts: a name match ranks above the same word in a note.
WEIGHTS = {"name": 1.0, "company": 0.9, "title": 0.85, "event": 0.85, "email": 0.8, "notes": 0.75}
FILTER_WORDS = {
    "": "",
    "all": "",
    "due": "due",
    "today": "due",
    "overdue": "due",
    "cold": "cold",
    "know": "know",
    "like": "like",
    "trust": "trust",
}
FILTER_TITLES = {"": "Your contacts", "due": "Due now", "cold": "Gone cold"} | {
    s: f"Your contacts at {label}" for s, label in STAGE_LABEL.items()
}
EMPTY = {
    "": "No contacts yet. Log your first meeting: /met Jane Doe (Acme) at BNI breakfast; next step: coffee",
    "due": "Nobody is due right now: you're up to date.",
    "cold": "Nobody has gone cold. Keep it that way!",
} | {s: f"No contacts at {label} yet." for s, label in STAGE_LABEL.items()}
FILTER_HELP = (
    "I can list: /met list, /met list due, /met list cold, /met list know, /met list like, /met list trust."
)
FOLLOW_UP_LINES = {
    "followed_up": "You followed up",
    "snoozed": "Snoozed",
    "replied": "They replied",
    "not_yet": "No reply yet",
    "no_reply": "No reply",
    "cold": "Went cold",
    "checked_in": "Checked in",
}
OUTCOME_LINES = {"met": "they met", "closed": "closed business", "no_deal": "no deal"}


# --- matching -----------------------------------------------------------------------------------

WORD = re.compile(r"\w+")
Haystack = tuple[tuple[str, str, tuple[str, ...]], ...]  # (field, folded text, its words; none for notes)


def folded(text: str) -> str:
    """Lower case without accents, so "jose" finds José and "NUNEZ" finds Núñez."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def haystack(entry: store.SearchEntry) -> Haystack:
    """Everything a contact can be found by, folded once per search."""
    short = [("name", entry.name), ("company", entry.company), ("title", entry.title), ("email", entry.email)]
    short += [("event", e) for e in entry.events]
    out = [(field, f, tuple(WORD.findall(f))) for field, value in short if value and (f := folded(value))]
    out += [("notes", folded(n), ()) for n in (entry.about, *entry.notes) if n]
    return tuple(out)


@dataclass(frozen=True)
class Query:
    """One folded query word (or the whole query), with its whole-word and word-start patterns."""

    text: str
    word: re.Pattern[str]
    start: re.Pattern[str]

    @classmethod
    def of(cls, text: str) -> Query:
        escaped = re.escape(text)
        return cls(text, re.compile(rf"(?<!\w){escaped}(?!\w)"), re.compile(rf"(?<!\w){escaped}"))


def field_score(query: Query, target: str) -> float:
    """How well the query matches one field word for word: a whole word 100, a word's start 95, anywhere
    inside 90 (from three characters); else 0. Typos are scored apart, for all contacts at once."""
    q = query.text
    if q not in target:  # a plain substring test first: the word patterns only run where it can match
        return 0.0
    if q == target or query.word.search(target):
        return 100.0
    if query.start.search(target):
        return 95.0
    return 90.0 if len(q) >= 3 else 0.0


Match = tuple[float, str]  # weighted score, the field it came from


class Typos:
    """Every word of every contact's short fields (not notes) in one list, so rapidfuzz compares a query
    with all of them in one call, in C: a typo's score is its similarity × 0.9, from MIN_TYPO_SCORE up."""

    def __init__(self, hays: list[Haystack]) -> None:
        self.choices: list[str] = []
        self.owners: list[tuple[int, str]] = []
        for i, hay in enumerate(hays):
            for field, target, tokens in hay:
                if field != "notes":
                    for word in (target, *tokens) if len(tokens) > 1 else (target,):
                        self.choices.append(word)
                        self.owners.append((i, field))

    def scores(self, query: str) -> dict[int, Match]:
        if len(query) < 3:
            return {}
        best: dict[int, Match] = {}
        found = process.extract(
            query, self.choices, scorer=fuzz.ratio, score_cutoff=MIN_TYPO_SCORE, limit=None
        )
        for _, similarity, k in found:
            i, field = self.owners[k]
            weighted = similarity * 0.9 * WEIGHTS[field]
            if weighted > best.get(i, (0.0, ""))[0]:
                best[i] = (weighted, field)
        return best


def best_match(query: Query, hay: Haystack, typo: Match | None) -> Match:
    """The contact's best weighted score for the query, and the field it came from."""
    best, where = typo or (0.0, "")
    for field, target, _ in hay:
        found = field_score(query, target) * WEIGHTS[field]
        if found > best:
            best, where = found, field
    return best, where


def ranked(query: str, entries: list[store.SearchEntry]) -> list[tuple[store.SearchEntry, str]]:
    """The entries that match, best first (then by name), each with the field that matched best.

    The whole query anywhere, or else every word of it somewhere ("jane acme"), scored by its weakest."""
    text = folded(" ".join(query.split()))
    queries = [Query.of(text)] + ([Query.of(w) for w in text.split()] if len(text.split()) > 1 else [])
    hays = [haystack(e) for e in entries]
    typos = Typos(hays)
    typo_scores = [typos.scores(q.text) for q in queries]
    hits = []
    for i, (entry, hay) in enumerate(zip(entries, hays, strict=True)):
        whole, *parts = (best_match(q, hay, typo_scores[n].get(i)) for n, q in enumerate(queries))
        weakest = min(parts) if parts else whole
        found, where = weakest if weakest[0] > whole[0] else whole
        if found > 0:
            hits.append((found, where, entry))
    hits.sort(key=lambda h: (-h[0], folded(h[2].name), h[2].contact_id))
    return [(e, where) for _, where, e in hits]


# --- wording ------------------------------------------------------------------------------------


def rhythm_label(days: int) -> str:
    if days % 30 == 0:
        months = days // 30
        return "every month" if months == 1 else f"every {months} months"
    if days % 7 == 0:
        weeks = days // 7
        return "every week" if weeks == 1 else f"every {weeks} weeks"
    return "every day" if days == 1 else f"every {days} days"


def keep_in_touch(details: store.ContactDetails) -> str:
    if details.rhythm_days:
        return rhythm_label(details.rhythm_days)
    default = RHYTHM_BY_STAGE.get(details.stage, RHYTHM_BY_STAGE["know"])
    return f"{rhythm_label(default)} (the {STAGE_LABEL.get(details.stage, 'Know')} default)"


def who_line(name: str, company: str | None) -> str:
    return name + (f" ({company})" if company else "")


def next_step_line(step: str | None, owner: str | None, due: date | None, today: date) -> str:
    if not step:
        return "none agreed"
    extra = [
        OWNER_LABEL[owner].lower() if owner in OWNER_LABEL else "",
        f"by {day_label(due, today)}" if due else "",
    ]
    said = ", ".join(e for e in extra if e)
    return step + (f" ({said})" if said else "")


def clipped(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def meeting_line(e: store.TimelineEntry, today: date) -> str:
    line = "Met" + (f" at {e.event}" if e.event else "")
    if e.next_step:
        line += f"; next step: {next_step_line(e.next_step, e.next_step_owner, e.next_step_due, today)}"
    if e.offer:
        line += f"; your offer: {e.offer}"
    if e.notes:
        line += f"; notes: “{clipped(e.notes)}”"
    return line


def referral_line(e: store.TimelineEntry, name: str) -> str:
    other = e.other or "someone"
    line = {
        "receiver": f"You gave {name} a referral: {e.referred}",
        "giver": f"{name} gave you a referral: {e.referred}",
        "referred_given": f"You referred {name} to {other}",
        "referred_received": f"{other} referred {name} to you",
    }.get(e.what or "", f"A referral with {name}")
    outcome = OUTCOME_LINES.get(e.outcome or "")
    return line + (f" · {outcome}" if outcome else "")


def timeline_line(e: store.TimelineEntry, name: str, today: date) -> str | None:
    """One line of the card's timeline, or None for entries another line already tells."""
    when = day_label(e.at.date() if e.met_on is None else e.met_on, today)
    if e.kind == "meeting":
        text = meeting_line(e, today)
    elif e.kind == "follow_up":
        said = FOLLOW_UP_LINES.get(e.what or "")
        if said is None:
            return None  # "met" (the meeting says it) and referral touches (the referral says it)
        text = said + (f" ({e.note})" if e.note and e.what == "snoozed" else "")
    elif e.kind == "breakdown":
        reason = BY_KEY.get(e.what or "")
        text = f"Stalled: {reason.label}" if reason else "Stalled"
    else:
        text = referral_line(e, name)
    return f"{when[:1].upper()}{when[1:]} · {text}"


# --- answers ------------------------------------------------------------------------------------


def result_section(entry: store.SearchEntry, where: str, today: date) -> Section:
    parts = []
    if entry.title:
        parts.append(entry.title)
    met = f"Met {day_label(entry.last_met_on, today)}" if entry.last_met_on else "Not met yet"
    if entry.events:
        met += f" at {entry.events[0]}"
    parts.append(met)
    state = PHASE_LABEL.get(entry.phase, "in touch")
    if entry.phase in store.DUE_PHASES and entry.due_on and entry.due_on <= today:
        state = f"due {day_label(entry.due_on, today)}" if entry.due_on == today else "overdue"
    parts.append(state)
    return Section(
        title=who_line(entry.name, entry.company),
        text=" · ".join(parts),
        buttons=(Button(OPEN, "Open", str(entry.contact_id)),),
        note=f"Found in their {where}" if where in ("event", "notes", "email", "title") else None,
    )


def search_reply(query: str, hits: list[tuple[store.SearchEntry, str]], today: date) -> Reply:
    if not hits:
        text = f"I found nobody matching “{query}”. /met list shows everyone."
        return Reply(headline=text, sections=(Section(text=text),))
    shown = hits[:MAX_RESULTS]
    n = len(hits)
    headline = f"{n} contact{'s' if n != 1 else ''} matching “{query}”" + (
        f", the best {len(shown)}" if n > len(shown) else ""
    )
    sections = [result_section(e, where, today) for e, where in shown]
    if n > len(shown):
        sections.append(
            Section(note="Add a word to narrow it down: a company, an event, something from your notes.")
        )
    return Reply(headline=headline, sections=tuple(sections))


def details_section(d: store.ContactDetails, today: date) -> Section:
    fields = [
        ("Stage", STAGE_LABEL.get(d.stage, d.stage.title())),
        ("State", state_of(d, today)),
        ("Next step", next_step_line(d.next_step, d.next_step_owner, d.next_step_due, today)),
        ("Keep in touch", keep_in_touch(d)),
    ]
    fields += [
        (label, value) for label, value in (("E-mail", d.email), ("Phone", d.phone), ("Web", d.url)) if value
    ]
    if d.offer:
        fields.append(("Your offer", d.offer))
    title_line = " at ".join(p for p in (d.title, d.company) if p)
    return Section(title=d.name, text=title_line, fields=tuple(fields[:10]))


def timeline_section(timeline: store.ContactTimeline, today: date) -> Section:
    """Newest first, as many lines as fit one message section; the rest are counted, not cut mid-line."""
    lines = [line for e in timeline.entries if (line := timeline_line(e, timeline.details.name, today))]
    added = day_label(timeline.details.added_at.date(), today)
    if not lines:
        return Section(title="Timeline", text=f"Added {added}; nothing logged with them yet.")
    shown: list[str] = []
    size = 0
    for line in lines[:MAX_TIMELINE]:
        if shown and size + len(line) + 1 > MAX_TIMELINE_TEXT:
            break
        shown.append(line)
        size += len(line) + 1
    more = len(lines) - len(shown)
    return Section(
        title="Timeline",
        text="\n".join(shown),
        note=f"and {more} earlier — /met export has it all." if more > 0 else f"Added {added}.",
    )


def actions_section(d: store.ContactDetails) -> Section:
    """What to do next, keyed like a digest item: a click updates this part of the card in place."""
    cid = str(d.contact_id)
    buttons = []
    if d.latest_meeting_id is not None:
        buttons.append(Button(EDIT, "Edit", str(d.latest_meeting_id)))
    buttons.append(Button(FOLLOWED_UP, "I followed up", cid, style="primary"))
    if d.phase not in ("cold", "closed"):
        buttons.append(Button(WENT_COLD, "Went cold", cid))
    return Section(
        key=item_key(d.contact_id),
        text="What next?",
        buttons=tuple(buttons),
        choice=snooze_choice(d.contact_id),
    )


def card_reply(timeline: store.ContactTimeline, today: date) -> Reply:
    d = timeline.details
    sections = [details_section(d, today)]
    if d.about:
        sections.append(Section(title="Notes", text=d.about))
    sections += [timeline_section(timeline, today), actions_section(d)]
    return Reply(headline=who_line(d.name, d.company), sections=tuple(sections))


def page_reply(lines: list[ContactLine], total: int, due: int, page: int, wanted: str, today: date) -> Reply:
    if not lines:
        text = EMPTY[wanted]
        return Reply(headline=text, sections=(Section(text=text),))
    pages = -(-total // PAGE_SIZE)
    title = FILTER_TITLES[wanted]
    headline = f"{title} ({total})" + (f" · page {page} of {pages}" if pages > 1 else "")
    sections: list[Section] = []
    if wanted != "due" and due:
        sections.append(Section(note=f"⏰ {due} due now — /met list due shows them."))
    sections += [line_section(line, today, Button(OPEN, "Open", str(line.contact_id))) for line in lines]
    buttons = []
    if page > 1:
        buttons.append(Button(PAGE_PREVIOUS, "Previous", f"{page - 1}:{wanted}"))
    if page < pages:
        buttons.append(Button(PAGE_NEXT, "Next", f"{page + 1}:{wanted}", style="primary"))
    if buttons:
        first, last = (page - 1) * PAGE_SIZE + 1, (page - 1) * PAGE_SIZE + len(lines)
        sections.append(Section(text=f"{first}–{last} of {total}", buttons=tuple(buttons)))
    return Reply(headline=headline, sections=tuple(sections))


def read_filter(text: str) -> str | None:
    """`/met list <text>`'s filter ('' for all), or None when the text is no filter (search for it)."""
    return FILTER_WORDS.get(" ".join(text.split()).lower())


def read_page(value: str) -> tuple[int, str] | None:
    """A Next / Previous button's value, "<page>:<filter>", or None when it is not one we wrote."""
    head, _, wanted = value.partition(":")
    if not (head.isascii() and head.isdigit() and 0 < len(head) < 7) or wanted not in store.FILTERS:
        return None
    if int(head) < 1:
        return None
    return int(head), wanted


# --- the use cases ------------------------------------------------------------------------------


@dataclass
class ContactBook:
    sessions: Sessions
    clock: Clock

    def _member(self, session: Session, who: Who) -> Member | None:
        return people.find_member(session, who.platform, who.workspace, who.user)

    def names(self, who: Who) -> dict[int, str]:
        """The acting member's contacts' names by id (empty for someone unknown), to tell answers apart."""
        with self.sessions() as session:
            member = self._member(session, who)
            return store.contact_names(session, member.id) if member is not None else {}

    def find(self, who: Who, query: str) -> Reply:
        """`/met find jane`: the member's contacts that match, best first, each with an Open button."""
        wanted = " ".join(query.split())[:MAX_QUERY]
        if not wanted:
            text = "Who are you looking for? Try /met find jane, or a company, an event or a word from your notes."
            return Reply(headline="Find a contact", sections=(Section(text=text),))
        with self.sessions() as session:
            member = self._member(session, who)
            entries = store.search_entries(session, member.id) if member is not None else []
            today = local_today(self.clock(), member.timezone if member else None)
        return search_reply(wanted, ranked(wanted, entries), today)

    def contact_card(self, who: Who, contact_id: int | None) -> Reply | Refusal:
        """One contact: who they are, everything that happened, the next step, the rhythm, and the actions."""
        with self.sessions() as session:
            member = self._member(session, who)
            timeline = (
                store.contact_timeline(session, member.id, contact_id)
                if member is not None and contact_id is not None
                else None
            )
            today = local_today(self.clock(), member.timezone if member else None)
        if timeline is None:
            log.warning(
                "refused: not the acting user's contact",
                extra={
                    "team": who.workspace,
                    "user": who.user,
                    "action": OPEN,
                    "value": str(contact_id)[:20],
                },
            )
            return Refusal()
        return card_reply(timeline, today)

    def contacts(self, who: Who, page: int = 1, wanted: str = "") -> Reply:
        """`/met list [due|cold|know|like|trust]`, a page at a time; pages past the end show the last."""
        if wanted not in store.FILTERS:
            return Reply(headline="What shall I list?", sections=(Section(text=FILTER_HELP),))
        with self.sessions() as session:
            member = self._member(session, who)
            today = local_today(self.clock(), member.timezone if member else None)
            if member is None:
                return page_reply([], 0, 0, 1, wanted, today)
            page = max(page, 1)
            lines, total = store.contact_page(
                session, member.id, wanted=wanted, today=today, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
            if not lines and total:
                page = -(-total // PAGE_SIZE)
                lines, total = store.contact_page(
                    session,
                    member.id,
                    wanted=wanted,
                    today=today,
                    offset=(page - 1) * PAGE_SIZE,
                    limit=PAGE_SIZE,
                )
            due = store.count_due(session, member.id, today)
        return page_reply(lines, total, due, page, wanted, today)

    def list_or_find(self, who: Who, text: str) -> Reply:
        """`/met list …`: a filter word lists, anything else ("/met list jane") searches."""
        wanted = read_filter(text)
        return self.contacts(who, 1, wanted) if wanted is not None else self.find(who, text)
