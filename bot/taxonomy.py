"""Why networking connections break down: the design's taxonomy, its coaching tips and adapted next steps.

Built on two essays (summarised in shared/DESIGN.md): why a new contact goes quiet, seen from their
side, and why people fail at networking, seen from yours. Keys are stable; labels are what users click.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Side = Literal["theirs", "mine", "unknown"]
# What the bot does after a classification: retry later, keep going, or let it rest.
Next = Literal["retry_gently", "give_first", "send_next_step", "re_engage", "offer_exchange", "rest"]


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    side: Side
    tip: str
    next: Next
    retry_days: int | None = None  # when the follow-up comes back; None: the contact rests (cold)


REASONS: tuple[Reason, ...] = (
    Reason(
        "no_connection",
        "We didn't really connect",
        "theirs",
        "Aim for an easy, two-sided conversation next time: ask about them first, and listen for what "
        "they care about before you talk about yourself.",
        "rest",
    ),
    Reason(
        "one_sided",
        "They felt I'd gain more than they would",
        "theirs",
        'Talk in "we" terms: how can we be resources for each other? Show what\'s in it for them first.',
        "give_first",
        3,
    ),
    Reason(
        "has_someone",
        "They already work with someone like me",
        "theirs",
        "Don't compete with their supplier: offer to exchange referrals instead. Their clients may need you, "
        "and yours may need them.",
        "offer_exchange",
    ),
    Reason(
        "too_salesy",
        "I was too focused on the sale",
        "theirs",
        "Know, then Like, then Trust: business happens at Trust. Next time skip the pitch and build the "
        "relationship first.",
        "rest",
    ),
    Reason(
        "no_need",
        "They have no need for what I do",
        "theirs",
        "Ask questions to find a need: what is a good client for you? How would I spot a referral for you?",
        "rest",
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
        "Do something memorable, and follow up soon, yourself: people are busy, not uninterested.",
        "retry_gently",
        14,
    ),
    Reason(
        "polite_no",
        "They told me what I wanted to hear",
        "mine",
        'Have the courage to ask directly: "Is this something you want to pursue?" A clear no helps both '
        "of you.",
        "rest",
    ),
    Reason(
        "unclear_expectations",
        "We never agreed a next step",
        "mine",
        "Agree at the meeting who does what next, and promise to follow up tomorrow.",
        "send_next_step",
        1,
    ),
    Reason(
        "no_generosity",
        "I didn't lead with generosity",
        "mine",
        "Come prepared with an introduction or a referral to give: generosity opens doors that pitches don't.",
        "give_first",
        3,
    ),
    Reason(
        "no_follow_up",
        "I never followed up",
        "mine",
        "Re-engaging is your job: a short, warm note today is better than waiting to bump into them. Let the "
        "nudges be your system.",
        "re_engage",
        1,
    ),
    Reason(
        "unknown",
        "I don't know",
        "unknown",
        "You were dismissed without a reason: ask them, kindly, or look at what the rest of your list says "
        "about where your connections usually stall.",
        "rest",
    ),
)

BY_KEY: dict[str, Reason] = {r.key: r for r in REASONS}
DEFAULT_STALL_REASON = "no_follow_up"


def reason(key: str) -> Reason | None:
    return BY_KEY.get(key)


def adapted_next_step(r: Reason, *, name: str, event: str | None, next_step: str | None) -> str:
    """The concrete thing to do now, in the user's own situation."""
    first = name.split()[0] if name.split() else name
    where = f" at {event}" if event else ""
    if r.next == "retry_gently":
        return (
            f"I'll bring {name} back in {r.retry_days} days for a gentler follow-up. Make it memorable: "
            "share something useful to them, not a reminder of what you want."
        )
    if r.next == "offer_exchange":
        return (
            f'Suggest to {first}: "You already have someone for this — shall we swap referrals instead? '
            'Tell me what a good client looks like for you." Record one with /referral when it happens.'
        )
    if r.next == "send_next_step":
        step = next_step or "a 20-minute call next week"
        return (
            f'Send this today: "Hi {first}, great meeting you{where}. Shall we agree on {step}? '
            "I'll follow up with you tomorrow.\""
        )
    if r.next == "give_first":
        return (
            f"Give first: think of one person {first} would value meeting, make that introduction, then "
            f"follow up. I'll remind you in {r.retry_days} days."
        )
    if r.next == "re_engage":
        return f"Write to {first} today: a short, warm note that picks up where you left off{where}."
    return f"Let {name} rest; I won't nudge you about them again."
