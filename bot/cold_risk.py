"""The cold-risk estimate, read from the store: the member's own ended contacts and their team's, two queries.

The rules live in bot/risk.py (pure); this only fetches the histories they learn from.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.records import Meeting
from bot.risk import Model, PastContact, Risk, Traits, estimate, model_for, past_contacts, traits_of
from store.risk import member_outcomes, workspace_outcomes


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
