"""The cold-risk estimate, read from the store: the member's own ended contacts and their team's, two queries.

The rules live in bot/risk.py (pure); this only fetches the histories they learn from.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from bot.digest import DueContact
from bot.records import Meeting
from bot.risk import (
    SEEDS,
    Model,
    PastContact,
    Risk,
    Traits,
    cold_probability,
    estimate,
    fit,
    model_for,
    past_contacts,
    traits_of,
)
from store.risk import member_outcomes, outcomes_by_member, workspace_outcomes, workspaces_of


def histories(
    session: Session, member_id: int, workspace_id: int
) -> tuple[list[PastContact], list[PastContact]]:
    """(the member's own ended contacts, the rest of the team's): one query each."""
    own = past_contacts(member_outcomes(session, member_id))
    team = past_contacts(workspace_outcomes(session, workspace_id, excluding_member=member_id))
    return own, team


def model_of(session: Session, member_id: int, workspace_id: int) -> Model:
    own, team = histories(session, member_id, workspace_id)
    return model_for(own, team)


def meeting_traits(meeting: Meeting) -> Traits:
    """What is known of a contact the moment its meeting is logged (no follow-up yet)."""
    return traits_of(
        next_step=meeting.next_step,
        owner=meeting.next_step_owner,
        offer=meeting.offer,
        offer_kind=meeting.offer_kind,
        connection=meeting.connection,
        event=meeting.event,
    )


def capture_risk(session: Session, member_id: int, workspace_id: int, meeting: Meeting) -> Risk:
    return estimate(model_of(session, member_id, workspace_id), meeting_traits(meeting))


def due_traits(item: DueContact) -> Traits:
    return traits_of(
        next_step=item.next_step,
        owner=item.next_step_owner,
        offer=item.offer,
        offer_kind=item.offer_kind,
        connection=item.connection,
        event=item.event,
    )


def with_risks(session: Session, due: dict[int, list[DueContact]]) -> dict[int, list[DueContact]]:
    """The digest sweep's batch, each due contact with its cold-risk estimate (the digest shows the riskiest
    first). A few queries a batch: every member's history at once, then each workspace's once; the team
    model is fitted once per workspace (the member's own contacts are in it too: a cheap, slight
    double count), each member's on top of it."""
    members = [m for m, items in due.items() if items]
    own = outcomes_by_member(session, members)
    workspace_of = workspaces_of(session, members)
    teams = {
        w: fit(past_contacts(workspace_outcomes(session, w)), SEEDS, who="your team")
        for w in set(workspace_of.values())
    }
    scored: dict[int, list[DueContact]] = dict(due)
    for member in members:
        if member not in workspace_of:
            continue
        model = fit(past_contacts(own.get(member, [])), teams[workspace_of[member]], who="you")
        scored[member] = [replace(i, risk=cold_probability(model, due_traits(i))) for i in due[member]]
    return scored
