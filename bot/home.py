"""The App Home: what is due (with the digest's own buttons), who is losing touch, contacts by stage, how it
is going and the referral balance. Pure: values in, one Reply out, always within Slack's 100 blocks a view."""

from __future__ import annotations

from datetime import date

from bot.cadence import Cadence
from bot.digest import item_section
from bot.listing import STAGE_LABEL
from bot.results import Reply, SearchBox, Section
from bot.stats import Stats, pct, top_reasons_section
from bot.sweep import as_due
from store.home import STAGES, HomeFacts

HEADLINE = "Your networking follow-ups"
# An item is at most 3 blocks (text, buttons, small print). 15 + 8 items = 69 blocks, plus the header and a
# dozen section blocks around them: comfortably under the 100 a Home tab allows.
MAX_DUE = 15
MAX_LOSING = 8
COMMANDS = (
    "/met to log a meeting · /met list · /met stats · /met team · /met export · /met import · /met help"
)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def referral_balance_section(
    given: int, received: int, closed: int | None = None, contacts: tuple[tuple[str, int, int], ...] = ()
) -> Section:
    """Referrals given and received, from plain counts; `contacts` is (name, given, received) per contact."""
    fields = [("Given", str(given)), ("Received", str(received))]
    if closed is not None:
        fields.append(("Turned into business", str(closed)))
    if given == 0 and received == 0:
        text = "No referrals yet. Come to your next meeting with an introduction or a referral to give."
    elif given < received:
        text = "You've received more than you've given: who could you refer to the people who referred you?"
    else:
        text = "Generosity opens doors: keep giving, and record each one with /referral."
    lines = [f"{name}: you gave {g}, received {r}" for name, g, r in contacts]
    return Section(title="Referrals", text="\n".join([text, *lines]), fields=tuple(fields))


def stats_sections(s: Stats) -> list[Section]:
    """The breakdown summary: rates, and the tip for the most common reason connections stalled."""
    a = s.all_time
    days = s.median_days_to_follow_up
    sections = [
        Section(
            title="How it's going",
            fields=(
                ("Follow-up rate", f"{pct(a.follow_up_rate)} ({a.followed_up}/{a.contacts})"),
                ("Response rate", f"{pct(a.response_rate)} ({a.replied}/{a.followed_up})"),
                ("Median days to first follow-up", "—" if days is None else f"{days:g}"),
                ("Breakdowns classified", str(sum(n for _, n in s.reasons))),
            ),
        )
    ]
    top = top_reasons_section(s)  # a tie is shown as a tie
    if top is not None:
        sections.append(top)
    else:
        sections.append(Section(note="No breakdowns classified yet: when a contact goes cold, tell me why."))
    return sections


def stage_section(facts: HomeFacts) -> Section:
    fields = []
    for stage in STAGES:
        count = facts.stages.get(stage, 0)
        names = facts.stage_names.get(stage, [])
        shown = ", ".join(names) + (", …" if count > len(names) else "")
        fields.append((f"{STAGE_LABEL[stage]} ({count})", shown or "nobody yet"))
    return Section(
        title="Your contacts by stage",
        fields=tuple(fields),
        note="Know → Like → Trust: a reply moves a contact on; exchanging a referral is the mark of Trust.",
    )


def home_reply(
    facts: HomeFacts, *, today: date, cadence: Cadence, stats: Stats, referrals: Section | None = None
) -> Reply:
    if facts.contacts == 0:
        return Reply(
            headline=HEADLINE,
            sections=(
                Section(
                    text="No contacts yet. Log your first meeting: /met Jane Doe (Acme) at BNI breakfast; "
                    "next step: coffee next week"
                ),
                Section(
                    text="I'll remind you to follow up, ask whether they responded, and help you learn why a "
                    "connection stalls. Or bring your contacts along: /met import."
                ),
                *((referrals,) if referrals is not None else ()),
                Section(note=COMMANDS),
            ),
        )
    sections = [
        Section(search=SearchBox("contacts.find", "Find a contact", "A name, a company, an event, a word…")),
        Section(
            text=" · ".join(
                (
                    _plural(facts.due_total, "follow-up") + " due",
                    f"{facts.losing_total} losing touch",
                    _plural(facts.contacts, "contact"),
                )
            )
        ),
    ]
    if facts.due:
        sections.append(
            Section(
                title=f"Due follow-ups ({facts.due_total})",
                text="A short, warm note today beats waiting to bump into them again.",
            )
        )
        sections.extend(
            item_section(as_due(row), today=today, cadence=cadence) for row in facts.due[:MAX_DUE]
        )
        more = facts.due_total - min(len(facts.due), MAX_DUE)
        if more > 0:
            sections.append(Section(note=f"and {more} more — they come back in your daily digest."))
    else:
        sections.append(Section(title="Due follow-ups", text="Nothing due today. ✓"))
    if facts.losing:
        sections.append(
            Section(
                title=f"Losing touch ({facts.losing_total})",
                text="They replied once, and it's been a while since you were in touch.",
            )
        )
        sections.extend(
            item_section(as_due(row), today=today, cadence=cadence) for row in facts.losing[:MAX_LOSING]
        )
        more = facts.losing_total - min(len(facts.losing), MAX_LOSING)
        if more > 0:
            sections.append(Section(note=f"and {more} more — /met list"))
    sections.append(stage_section(facts))
    sections.extend(stats_sections(stats))
    if referrals is not None:
        sections.append(referrals)
    sections.append(Section(note=COMMANDS))
    return Reply(headline=HEADLINE, sections=tuple(sections))
