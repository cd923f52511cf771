"""Members: first sight, the profile facts the platform tells us, and each person's own settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.cadence import local_today, next_digest_after_change, read_hour
from bot.clock import Clock
from bot.config import read_timezone
from bot.records import Problem, Who
from bot.results import Reply, Section
from store import people, replays
from store.db import Sessions


@dataclass(frozen=True)
class Profile:
    """What the platform tells us about a person on first sight (or on every activity, for Teams)."""

    timezone: str | None
    display_name: str | None = None
    locale: str | None = None


@dataclass
class Members:
    sessions: Sessions
    clock: Clock

    def needs_profile(self, who: Who) -> bool:
        """True on first sight (or when the timezone is still unknown): the edge should look the user up."""
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found is None or found.timezone is None

    def remember(self, who: Who, profile: Profile) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if profile.timezone:
                member.timezone = profile.timezone
            if profile.display_name:
                member.display_name = profile.display_name
            if profile.locale:
                member.locale = profile.locale

    def set_digest_hour(self, who: Who, text: str) -> Reply:
        """`/met config digest 8am`: when this person's daily digest arrives, in their own timezone."""
        now = self.clock()
        hour = read_hour(text) if text else None
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if hour is None:
                current = member.digest_hour
                message = (
                    f"Your daily digest arrives at {current:02d}:00 in your timezone "
                    f"({member.timezone or 'UTC'}). Change it with /met config digest 8am (any hour)."
                )
                return Reply(headline=message, sections=(Section(text=message),))
            member.digest_hour = hour
            member.next_digest_at = next_digest_after_change(now, member.timezone, hour)
            zone_name = member.timezone or "UTC"
        message = f"Done: your daily digest now arrives at {hour:02d}:00 {zone_name} time."
        return Reply(headline=message, sections=(Section(text=message),))

    def set_timezone(self, who: Who, text: str) -> Reply:
        """`met config timezone Europe/London`: for when the platform can't tell us (or tells us wrong)."""
        zone = read_timezone(text)
        if isinstance(zone, Problem):
            return Reply(headline=zone.message, sections=(Section(text=zone.message),))
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            member.timezone = zone
            member.next_digest_at = next_digest_after_change(now, zone, member.digest_hour)
        message = f"Done: I'll use {zone} time for your dates and your daily digest."
        return Reply(headline=message, sections=(Section(text=message),))

    def note_address(self, who: Who, *, service_url: str | None, conversation: str | None) -> None:
        """Where to reach this person proactively (Teams: the connector URL and their 1:1 conversation),
        refreshed on every activity: the platform may move them."""
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            if service_url:
                member.service_url = service_url
            if conversation:
                member.dm_channel = conversation

    def note_team(
        self, platform: str, workspace: str, *, service_url: str | None, channel: str | None
    ) -> None:
        """An install in a team: its connector URL and its own channel (Teams: General) for shoutouts."""
        now = self.clock()
        with self.sessions.begin() as session:
            space = people.workspace(session, platform, workspace, now)
            if service_url:
                space.service_url = service_url
            if channel:
                space.default_channel = channel

    def team_service_url(self, platform: str, workspace: str) -> str | None:
        """Where a team's connector answers (Teams), from its install or any member's latest activity."""
        with self.sessions() as session:
            return people.service_url_of(session, platform, workspace)

    def stop_member(self, who: Who) -> None:
        """They removed the bot from their own chat: no more digests until they come back."""
        with self.sessions.begin() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            if found is not None:
                found.active = False
                found.next_digest_at = None

    def home_seen(self, who: Who) -> bool:
        """Has this person ever opened the App Home? Only then is it worth republishing after each action."""
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found is not None and found.home_opened_at is not None

    def note_home_opened(self, who: Who) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            member = people.member(session, who.platform, who.workspace, who.user, now)
            people.note_home_opened(session, member.id, now)

    def first_time(self, key: str) -> bool:
        with self.sessions.begin() as session:
            return replays.first_time(session, key, self.clock())

    def stop_workspace(self, platform: str, workspace: str) -> int:
        with self.sessions.begin() as session:
            return people.stop_workspace(session, platform, workspace)

    def timezone_of(self, who: Who) -> str | None:
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return found.timezone if found else None

    def zone_and_locale(self, who: Who) -> tuple[str | None, str | None]:
        """Their timezone and locale (BCP 47): how dates they type are read, one query."""
        with self.sessions() as session:
            found = people.find_member(session, who.platform, who.workspace, who.user)
            return (found.timezone, found.locale) if found else (None, None)

    def today(self, who: Who) -> date:
        return local_today(self.clock(), self.timezone_of(who))
