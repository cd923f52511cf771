"""The follow-up system: how a contact's state moves with each digest and each answer. Pure rules over values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from bot.cadence import Cadence
from bot.taxonomy import Reason

Phase = Literal["follow_up", "await_reply", "check_in", "classify", "cold", "closed"]
ACTIVE_PHASES: tuple[str, ...] = ("follow_up", "await_reply", "check_in")
Answer = Literal["yes", "not_yet", "no"]
ItemKind = Literal["follow_up", "last_call", "ask_reply", "check_in"]

SNOOZES: tuple[tuple[int, str], ...] = ((1, "1 day"), (3, "3 days"), (7, "1 week"))


@dataclass(frozen=True)
class FollowState:
    phase: str
    due_on: date | None
    nudges: int = 0
    asks: int = 0
    stage: str = "know"
    snooze_note: str | None = None


def item_kind(state: FollowState, cadence: Cadence) -> ItemKind:
    """What a digest asks about this contact today."""
    if state.phase == "await_reply":
        return "ask_reply"
    if state.phase == "check_in":
        return "check_in"
    if state.nudges >= len(cadence.nudge_offsets) - 1:
        return "last_call"
    return "follow_up"


def after_shown(state: FollowState, day: date, cadence: Cadence) -> FollowState:
    """The digest of `day` showed this contact and nobody has answered yet: when should it come back?"""
    if state.phase in ("follow_up", "check_in"):
        nudges = state.nudges + 1
        offsets = cadence.nudge_offsets
        if nudges < len(offsets):
            gap = offsets[nudges] - offsets[nudges - 1]
            return replace(state, nudges=nudges, due_on=day + timedelta(days=gap), snooze_note=None)
        # The last call asked what happened; stop nudging until the user answers.
        return replace(state, nudges=nudges, phase="classify", due_on=None, snooze_note=None)
    if state.phase == "await_reply":
        # Asked and not answered: ask again a few days later, but not forever — then ask what happened.
        unanswered = state.nudges + 1
        if unanswered > cadence.not_yet_max:
            return replace(state, nudges=unanswered, phase="classify", due_on=None, snooze_note=None)
        return replace(
            state, nudges=unanswered, due_on=day + timedelta(days=cadence.reply_wait_days), snooze_note=None
        )
    return state


def after_followed_up(state: FollowState, today: date, cadence: Cadence) -> FollowState:
    return replace(
        state,
        phase="await_reply",
        due_on=today + timedelta(days=cadence.reply_wait_days),
        nudges=0,
        asks=0,
        snooze_note=None,
    )


def after_snooze(state: FollowState, today: date, days: int, label: str) -> FollowState:
    note = f"You snoozed this for {label} on {today:%a} {today.day} {today:%b}."
    return replace(state, due_on=today + timedelta(days=days), snooze_note=note)


def after_reply(
    state: FollowState, answer: Answer, today: date, cadence: Cadence
) -> tuple[FollowState, bool]:
    """The user's answer to "did they respond?"; the flag says a memorable next touch should be suggested."""
    if answer == "yes":
        stage = "like" if state.stage == "know" else state.stage
        return replace(
            state,
            phase="check_in",
            stage=stage,
            due_on=today + timedelta(days=cadence.check_in_days),
            nudges=0,
            asks=0,
            snooze_note=None,
        ), False
    if answer == "no":
        return replace(state, phase="classify", due_on=None, snooze_note=None), False
    asks = state.asks + 1
    if asks < cadence.not_yet_max:
        return replace(state, asks=asks, due_on=today + timedelta(days=cadence.reply_wait_days)), False
    # Asked enough: stop asking, suggest one memorable touch and start a fresh follow-up round.
    return replace(
        state,
        phase="follow_up",
        asks=asks,
        nudges=0,
        due_on=today + timedelta(days=cadence.reply_wait_days),
        snooze_note=None,
    ), True


def after_cold(state: FollowState) -> FollowState:
    """ "Went cold": ask why before letting it rest."""
    return replace(state, phase="classify", due_on=None, snooze_note=None)


def after_classified(state: FollowState, why: Reason, today: date) -> FollowState:
    if why.retry_days is not None:
        return replace(
            state,
            phase="follow_up",
            due_on=today + timedelta(days=why.retry_days),
            nudges=0,
            asks=0,
            snooze_note=f"After “{why.label.lower()}”: {why.next.replace('_', ' ')}.",
        )
    return replace(state, phase="cold", due_on=None, snooze_note=None)


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
