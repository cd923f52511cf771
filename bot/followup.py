"""The follow-up system: how a contact's state moves with each digest and each answer. Pure rules over values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from bot.cadence import Cadence, rhythm_days_for, work_day_on_or_after
from bot.taxonomy import Reason, back_note

Phase = Literal["follow_up", "await_reply", "check_in", "classify", "cold", "closed"]
ACTIVE_PHASES: tuple[str, ...] = ("follow_up", "await_reply", "check_in")
# Shown in a digest: the active phases, and "classify" (still open: the user hasn't said what happened), which
# comes back once a week on one line instead of vanishing.
SHOWN_PHASES: tuple[str, ...] = (*ACTIVE_PHASES, "classify")
Answer = Literal["yes", "not_yet", "no"]
ItemKind = Literal["follow_up", "last_call", "ask_reply", "check_in", "still_open"]

SNOOZES: tuple[tuple[int, str], ...] = ((1, "1 day"), (3, "3 days"), (7, "1 week"))


@dataclass(frozen=True)
class FollowState:
    phase: str
    due_on: date | None
    nudges: int = 0
    asks: int = 0
    stage: str = "know"
    snooze_note: str | None = None
    snoozed: bool = False  # the user asked for this showing: it is not a reminder they ignored
    rhythm_days: int | None = None  # keep in touch every N days; None: by stage; 0: never


def still_open_on(day: date, work_days: str | None = None) -> date:
    """The first working day of the week after `day`: when the weekly "still open" line comes back."""
    return work_day_on_or_after(day + timedelta(days=7 - day.weekday()), work_days)


def item_kind(state: FollowState, cadence: Cadence) -> ItemKind:
    """What a digest asks about this contact today."""
    if state.phase == "classify":
        return "still_open"
    if state.phase == "await_reply":
        return "ask_reply"
    if state.phase == "check_in":
        return "check_in"
    if state.nudges >= len(cadence.nudge_offsets) - 1:
        return "last_call"
    return "follow_up"


def after_shown(state: FollowState, day: date, cadence: Cadence, work_days: str | None = None) -> FollowState:
    """The digest of `day` showed this contact and nobody has answered yet: when should it come back?

    Ignored three times, a contact moves to the weekly "still open" line (phase classify, due next week)
    instead of vanishing. (A showing the user answered with a snooze is taken back off the count.)
    """
    on = lambda d: work_day_on_or_after(d, work_days)  # noqa: E731 - one rule: never a day off
    if state.phase == "classify":
        return replace(state, due_on=still_open_on(day, work_days), snooze_note=None, snoozed=False)
    if state.phase in ("follow_up", "check_in"):
        nudges = state.nudges + 1
        if nudges < len(cadence.nudge_offsets):
            return replace(
                state,
                nudges=nudges,
                due_on=on(day + timedelta(days=_gap(nudges, cadence))),
                snooze_note=None,
                snoozed=False,
            )
        # The last call asked what happened: it goes to the weekly "still open" line until the user answers.
        return replace(
            state,
            nudges=nudges,
            phase="classify",
            due_on=still_open_on(day, work_days),
            snooze_note=None,
            snoozed=False,
        )
    if state.phase == "await_reply":
        # Asked and not answered: ask again a few days later, but not forever — then it is still open.
        unanswered = state.nudges + 1
        if unanswered > cadence.not_yet_max:
            return replace(
                state,
                nudges=unanswered,
                phase="classify",
                due_on=still_open_on(day, work_days),
                snooze_note=None,
            )
        return replace(
            state,
            nudges=unanswered,
            due_on=on(day + timedelta(days=cadence.reply_wait_days)),
            snooze_note=None,
        )
    return state


def _gap(nudges: int, cadence: Cadence) -> int:
    """Days between the showing after `nudges` ignored ones and the next."""
    offsets = cadence.nudge_offsets
    at = min(max(nudges, 1), len(offsets) - 1)
    return offsets[at] - offsets[at - 1]


def after_followed_up(state: FollowState, today: date, cadence: Cadence) -> FollowState:
    return replace(
        state,
        phase="await_reply",
        due_on=today + timedelta(days=cadence.reply_wait_days),
        nudges=0,
        asks=0,
        snooze_note=None,
        snoozed=False,
    )


def after_snooze(state: FollowState, today: date, days: int, label: str) -> FollowState:
    """Snoozed: back after `days`, and never counted as a reminder. A snooze answers the showing it came from
    (the digest already counted that one as ignored when it was sent), so it is taken back off the count."""
    note = f"You snoozed this for {label} on {today:%a} {today.day} {today:%b}."
    answered_a_showing = state.due_on is not None and state.due_on > today and not state.snoozed
    nudges = state.nudges - 1 if answered_a_showing and state.nudges > 0 else state.nudges
    return replace(state, due_on=today + timedelta(days=days), nudges=nudges, snooze_note=note, snoozed=True)


def keep_in_touch(state: FollowState, rhythm_days: int | None, today: date, cadence: Cadence) -> FollowState:
    """The user picked how often to keep in touch ("monthly", "quarterly", 0 for never): the next check-in."""
    picked = replace(state, rhythm_days=rhythm_days)
    every = rhythm_days_for(picked.stage, rhythm_days, cadence)
    if every is None:
        return replace(picked, phase="closed", due_on=None, nudges=0, asks=0, snooze_note=None, snoozed=False)
    if state.phase in ("check_in", "closed", "cold"):
        return replace(
            picked,
            phase="check_in",
            due_on=today + timedelta(days=every),
            nudges=0,
            asks=0,
            snooze_note=None,
            snoozed=False,
        )
    return picked  # mid follow-up: the rhythm applies from the next check-in


def after_reply(
    state: FollowState, answer: Answer, today: date, cadence: Cadence
) -> tuple[FollowState, bool]:
    """The user's answer to "did they respond?"; the flag says a memorable next touch should be suggested."""
    if answer == "yes":
        stage = "like" if state.stage == "know" else state.stage
        every = rhythm_days_for(stage, state.rhythm_days, cadence)
        return replace(
            state,
            phase="check_in" if every else "closed",
            stage=stage,
            due_on=today + timedelta(days=every) if every else None,
            nudges=0,
            asks=0,
            snooze_note=None,
            snoozed=False,
        ), False
    if answer == "no":
        return replace(
            state, phase="classify", due_on=still_open_on(today), snooze_note=None, snoozed=False
        ), False
    asks = state.asks + 1
    if asks < cadence.not_yet_max:
        return replace(
            state, asks=asks, due_on=today + timedelta(days=cadence.reply_wait_days), snoozed=False
        ), False
    # Asked enough: stop asking, suggest one memorable touch and start a fresh follow-up round.
    return replace(
        state,
        phase="follow_up",
        asks=asks,
        nudges=0,
        due_on=today + timedelta(days=cadence.reply_wait_days),
        snooze_note=None,
        snoozed=False,
    ), True


def after_cold(state: FollowState, today: date | None = None) -> FollowState:
    """ "Went cold": ask why before letting it rest; unanswered, it stays on the weekly "still open" line."""
    due = still_open_on(today) if today is not None else None
    return replace(state, phase="classify", due_on=due, snooze_note=None, snoozed=False)


def after_classified(state: FollowState, why: Reason, today: date) -> FollowState:
    if why.retry_days is not None:
        return replace(
            state,
            phase="follow_up",
            due_on=today + timedelta(days=why.retry_days),
            nudges=0,
            asks=0,
            snooze_note=back_note(why),
            snoozed=False,
        )
    return after_rest(state)


def after_rest(state: FollowState) -> FollowState:
    """ "Let it rest": no more nudges until a new meeting restarts the follow-ups."""
    return replace(state, phase="cold", due_on=None, nudges=0, asks=0, snooze_note=None, snoozed=False)


def after_referral(state: FollowState) -> FollowState:
    """A referral exchanged is the mark of Trust."""
    return replace(state, stage="trust")


def memorable_touch(name: str, event: str | None, offer: str | None) -> str:
    """One concrete next touch for a contact who hasn't answered twice."""
    first = name.split()[0] if name.split() else name
    if offer:
        return f"Make it memorable: deliver what you offered — {offer} — and tell {first} it's done."
    where = f" from {event}" if event else ""
    return (
        f"Make it memorable: send {first} something useful{where} — an article, an event invite or an "
        "introduction — with one line on why you thought of them."
    )


def after_meeting(state: FollowState, due_on: date) -> FollowState:
    """Meeting someone again restarts the follow-up clock from this meeting, and revives a contact that
    had gone cold or was closed; the stage they reached stays theirs."""
    return replace(state, phase="follow_up", due_on=due_on, nudges=0, asks=0, snooze_note=None)
