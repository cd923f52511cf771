"""`/met team`: how the workspace networks, as counts only — nobody's contacts, names or notes. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.listing import STAGE_LABEL
from bot.results import Reply, Section
from bot.stats import bar, pct
from bot.taxonomy import BY_KEY, quoted, tied_first
from store.team import TeamCounts

TEAM_WINDOW_DAYS = 90


@dataclass(frozen=True)
class ReferralCounts:
    """Shared (not private) referrals recorded in the workspace: by the giver, by the receiver, closed."""

    given: int
    received: int
    closed: int


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def too_few_reply(members: int, min_group: int) -> Reply:
    """Fewer people than `min_group`: any figure could be one colleague's, so none is shown."""
    headline = "Not enough people yet for team figures."
    so_far = "Nobody has" if not members else ("1 person has" if members == 1 else f"{members} people have")
    text = (
        f"Team figures appear once at least {min_group} people have logged meetings ({so_far} so far), "
        "so nobody can work out a colleague's own figures from them. Your own are in /met stats."
    )
    return Reply(headline=headline, sections=(Section(text=text),))


def team_reply(c: TeamCounts, referrals: ReferralCounts | None = None, *, min_group: int = 1) -> Reply:
    if not c.meetings and not c.contacts:
        text = "Nobody here has logged a meeting yet. Be the first: /met Jane Doe (Acme) at BNI breakfast"
        return Reply(headline="No team figures yet.", sections=(Section(text=text),))
    if c.members < min_group:
        return too_few_reply(c.members, min_group)
    headline = (
        f"Your team: {c.meetings} meeting{'s' if c.meetings != 1 else ''} logged by "
        f"{c.members} {'person' if c.members == 1 else 'people'}"
    )
    follow = _rate(c.followed_up, c.contacts)
    response = _rate(c.replied, c.followed_up)
    fields = [
        (f"Meetings, last {TEAM_WINDOW_DAYS} days", str(c.meetings_recent)),
        ("Contacts", str(c.contacts)),
        ("Follow-up rate", f"{bar(follow or 0)} {pct(follow)} ({c.followed_up}/{c.contacts})"),
        ("Response rate", f"{bar(response or 0)} {pct(response)} ({c.replied}/{c.followed_up})"),
        ("By stage", " · ".join(f"{label} {c.stages.get(k, 0)}" for k, label in STAGE_LABEL.items())),
    ]
    if referrals is not None:
        fields.append(("Referrals given", str(referrals.given)))
        fields.append(("Referrals received", str(referrals.received)))
        fields.append(("Referrals closed", str(referrals.closed)))
    sections = [Section(title=headline, fields=tuple(fields))]
    total = sum(n for _, n in c.reasons)
    if total:
        lines = [
            f"{bar(n / total)} {BY_KEY[k].label if k in BY_KEY else k}: {n} ({round(100 * n / total)}%)"
            for k, n in c.reasons
        ]
        sections.append(Section(title="Why the team's connections stalled", text="\n".join(lines)))
        top = tied_first(list(c.reasons))
        if len(top) == 1:
            sections.append(
                Section(title=f"The team's most common breakdown: “{top[0].label}”", text=f"💡 {top[0].tip}")
            )
        elif top:
            sections.append(Section(title=f"No single most common breakdown: {quoted(top)} are tied"))
    else:
        sections.append(Section(note="No breakdowns classified yet across the team."))
    sections.append(Section(note="Counts only: nobody's contacts or notes are shown to teammates."))
    return Reply(headline=headline, sections=tuple(sections))
