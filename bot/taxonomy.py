"""Why networking connections break down: the design's taxonomy, its coaching tips and adapted next steps.

Built on two essays (summarised in shared/DESIGN.md): why a new contact goes quiet, seen from their
side, and why people fail at networking, seen from yours. Keys are stable; labels are what users click.
Every sentence a user reads is written here in full, with the person's name, the event and a date filled
in; nothing is assembled from a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

Side = Literal["theirs", "mine", "unknown"]
# What the next step does, so that it is the action the tip recommends: ask them something (with a message
# to send), find a need (three questions), give first, offer an exchange of referrals, make a memorable
# touch, re-engage today, agree a next step, or rest (only where resting is the advice).
Next = Literal[
    "ask", "find_need", "give_first", "offer_exchange", "memorable", "re_engage", "agree_step", "rest"
]


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    side: Side
    tip: str
    next: Next
    retry_days: int | None = None  # when the follow-up comes back; None: the contact rests (cold)
    back: str = ""  # the digest's note when the contact comes back: what to do this time


REASONS: tuple[Reason, ...] = (
    Reason(
        "no_connection",
        "We didn't really connect",
        "theirs",
        "Aim for an easy, two-sided conversation: ask about them first, and listen for what they care about "
        "before you talk about yourself.",
        "ask",
        7,
        "This time, ask about them first.",
    ),
    Reason(
        "one_sided",
        "They felt I'd gain more than they would",
        "theirs",
        'Talk in "we" terms: how can we be resources for each other? Show what\'s in it for them first.',
        "ask",
        3,
        "Ask how you can be resources for each other.",
    ),
    Reason(
        "has_someone",
        "They already work with someone like me",
        "theirs",
        "Don't compete with their supplier: offer to exchange referrals instead. Their clients may need you, "
        "and yours may need them.",
        "offer_exchange",
        3,
        "Offer to swap referrals instead of competing.",
    ),
    Reason(
        "too_salesy",
        "I was too focused on the sale",
        "theirs",
        "Know, then Like, then Trust: business happens at Trust. Skip the pitch and build the relationship "
        "first.",
        "memorable",
        14,
        "No pitch this time: send something useful to them.",
    ),
    Reason(
        "no_need",
        "They have no need for what I do",
        "theirs",
        "Ask questions to find a need: what is a good client for you? How would I spot a referral for you?",
        "find_need",
        3,
        "Ask your three questions to find their need.",
    ),
    Reason(
        "no_value_seen",
        "They don't see the value in what I do",
        "theirs",
        "Look for people with a learn-and-help mindset. Say goodbye politely and move on: your time is better "
        "spent elsewhere.",
        "rest",
    ),
    Reason(
        "busy",
        "They're busy and forgot me",
        "mine",
        "People are busy, not uninterested: give it a little time, then follow up yourself with something "
        "memorable, useful to them rather than a reminder of what you want.",
        "memorable",
        14,
        "Make this one memorable: something useful to them.",
    ),
    Reason(
        "polite_no",
        "They told me what I wanted to hear",
        "mine",
        'Have the courage to ask directly: "Is this something you want to pursue?" A clear no helps both '
        "of you.",
        "ask",
        2,
        "Ask them directly whether they want to pursue it.",
    ),
    Reason(
        "unclear_expectations",
        "We never agreed a next step",
        "mine",
        "Agree at the meeting who does what next, and promise to follow up tomorrow.",
        "agree_step",
        1,
        "Propose one next step, with who does it and by when.",
    ),
    Reason(
        "no_generosity",
        "I didn't lead with generosity",
        "mine",
        "Come prepared with an introduction or a referral to give: generosity opens doors that pitches don't.",
        "give_first",
        3,
        "Give first: an introduction or a referral.",
    ),
    Reason(
        "no_follow_up",
        "I never followed up",
        "mine",
        "Re-engaging is your job: a short, warm note today beats waiting to bump into them. Let the nudges be "
        "your system.",
        "re_engage",
        1,
        "A short, warm note today picks it up again.",
    ),
    Reason(
        "unknown",
        "I don't know",
        "unknown",
        "Not sure why it stalled? Ask them, kindly: a simple question often restarts the conversation. "
        "/met stats shows where your connections usually stall.",
        "ask",
        3,
        "Ask them, kindly, whether now is a bad time.",
    ),
)

BY_KEY: dict[str, Reason] = {r.key: r for r in REASONS}
DEFAULT_STALL_REASON = "no_follow_up"
# "(most common)" needs this many breakdowns of one reason, and strictly more than any other reason.
LEADS_FROM = 2


def reason(key: str) -> Reason | None:
    return BY_KEY.get(key)


def leading_reason(counts: Mapping[str, int]) -> str | None:
    """The user's own most common reason, only when one leads outright (a tie has no winner)."""
    ranked = sorted(((n, k) for k, n in counts.items() if k in BY_KEY), reverse=True)
    if not ranked or ranked[0][0] < LEADS_FROM:
        return None
    if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None
    return ranked[0][1]


def tied_first(counts: list[tuple[str, int]]) -> list[Reason]:
    """The reasons sharing the highest count (one when one leads): a tie is told as a tie."""
    if not counts:
        return []
    most = max(n for _, n in counts)
    return [BY_KEY[k] for k, n in counts if n == most and k in BY_KEY]


def quoted(reasons: list[Reason]) -> str:
    """“A”, “A” and “B”, “A”, “B” and “C”."""
    labels = [f"“{r.label}”" for r in reasons]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def reasons_offered(*, followed_up: bool, common: str | None = None) -> tuple[Reason, ...]:
    """The reasons that fit what the user already said: after "I followed up", not "I never followed up".

    Their own most common reason first (when one leads), "I don't know" last, the rest in the design's order.
    """
    offered = [r for r in REASONS if not (followed_up and r.key == "no_follow_up")]
    return tuple(sorted(offered, key=lambda r: (r.key != common, r.key == "unknown")))


def reason_label(r: Reason, common: str | None) -> str:
    return r.label + (" (your most common)" if r.key == common else "")


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


def _when(back_on: date | None, today: date) -> str:
    from bot.capture import day_label

    if back_on is None:
        return "later"
    label = day_label(back_on, today)
    return label if label in ("today", "tomorrow") else f"on {label}"


def adapted_next_step(
    r: Reason,
    *,
    name: str,
    event: str | None,
    next_step: str | None,
    back_on: date | None,
    today: date,
    offer: str | None = None,
) -> str:
    """The concrete thing to do now, in the user's own situation: the action the tip recommends, with a date."""
    first = first_name(name)
    where = f" at {event}" if event else ""
    back = f"I'll bring {name} back {_when(back_on, today)}."
    if r.next == "rest":
        return (
            f'Let {name} rest: a short, kind goodbye is enough ("Thanks for your time, {first}, all the best"). '
            "I won't nudge you about them again."
        )
    if r.next == "find_need":
        return (
            f"Find their need: send {first} three questions. 1. What does a good client look like for you? "
            "2. What's the biggest thing on your plate this quarter? 3. How would I spot a referral for you? "
            + back
        )
    if r.next == "offer_exchange":
        return (
            f"Suggest a swap. Send {first}: \"You already have someone for this, and that's fine. Shall we swap "
            'referrals instead? Tell me what a good client looks like for you." Record it with /referral. '
            + back
        )
    if r.next == "agree_step":
        step = f"I'd suggest: {next_step}." if next_step else "A 20-minute call next week, perhaps?"
        return (
            f'Send this today: "Hi {first}, great meeting you{where}. Could we pin down a next step? {step} '
            f"I'll follow up tomorrow.\" I'll check with you {_when(back_on, today)}."
        )
    if r.next == "give_first":
        gift = (
            f"deliver what you offered ({offer}) and tell {first} it's done"
            if offer
            else f"think of one person {first} would value meeting and make that introduction"
        )
        return f"Give first: {gift}. " + back
    if r.next == "memorable":
        return (
            f"No pitch: send {first} something useful{' from ' + event if event else ''}, such as an article, an "
            "event invite or an introduction, with one line on why you thought of them. " + back
        )
    if r.next == "re_engage":
        return (
            f'Write to {first} today: "Hi {first}, great meeting you{where}. I promised to follow up, so here I '
            f"am: would a coffee next week suit you?\" I'll check with you {_when(back_on, today)}."
        )
    return _ask(r, first, back)


def _ask(r: Reason, first: str, back: str) -> str:
    messages = {
        "no_connection": f"Hi {first}, I did most of the talking when we met. I'd love to hear what you're "
        "working on: coffee next week?",
        "one_sided": f"Hi {first}, how can we be resources for each other? Tell me who you'd like to meet, "
        "and I'll keep an eye out.",
        "polite_no": f"Hi {first}, is this something you'd like to pursue? A no is fine: it helps us both.",
    }
    message = messages.get(
        r.key, f"Hi {first}, I haven't heard back and wondered if I'd missed something. Is now a bad time?"
    )
    return f'Send {first}: "{message}" ' + back


def back_note(r: Reason) -> str:
    """The digest's note when a classified contact comes back: the user's own words, then what to do."""
    return f"You said “{r.label}”. {r.back}"


REST_NOTE = "I won't nudge you about them again. Log a new meeting with them and the follow-ups start afresh."
