"""When follow-ups fall due. Plain values in, dates out: the sweep and the handlers share these rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Keep in touch every N days, by relationship stage, for a contact with no rhythm of its own.
RHYTHM_BY_STAGE: dict[str, int] = {"know": 30, "like": 60, "trust": 90}


@dataclass(frozen=True)
class Cadence:
    """The follow-up rhythm; every number is a setting, not a constant buried in a rule."""

    first_after_days: int = 1  # "I'll follow up with you tomorrow"
    nudge_offsets: tuple[int, ...] = (0, 3, 7)  # days after the first due date; then ask to classify
    reply_wait_days: int = 3  # after "I followed up", ask "did they respond?"
    not_yet_max: int = 2  # "not yet" answers before suggesting a memorable touch
    check_in_days: int = 30  # stay in touch after a reply
    busy_retry_days: int = 14  # a gentler, later follow-up for "they're busy"
    digest_hour: int = 9


def zone(name: str | None) -> ZoneInfo:
    """The member's timezone, or UTC when unknown or unreadable."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def local_today(now: datetime, timezone: str | None) -> date:
    return now.astimezone(zone(timezone)).date()


def first_due(met_on: date, next_step_due: date | None, cadence: Cadence) -> date:
    """The agreed next step's date when there is one, otherwise the day after the meeting."""
    if next_step_due is not None:
        return next_step_due
    return met_on + timedelta(days=cadence.first_after_days)


def digest_day(now: datetime, timezone: str | None, hour: int) -> date:
    """The local day whose digest is owed at `now`: today once the digest hour has passed, else yesterday."""
    local = now.astimezone(zone(timezone))
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def next_digest_at(now: datetime, timezone: str | None, hour: int) -> datetime:
    """The next instant the member's local clock reads `hour`:00 strictly after `now`'s digest day.

    Built from the wall clock each day, so it stays at 09:00 local across DST changes.
    """
    tz = zone(timezone)
    owed = digest_day(now, timezone, hour)
    following = owed + timedelta(days=1)
    return datetime.combine(following, time(hour), tzinfo=tz)


def digest_due_at(day: date, timezone: str | None, hour: int) -> datetime:
    """The instant of `day`'s digest in the member's timezone (a nonexistent local time is moved forward)."""
    return datetime.combine(day, time(hour), tzinfo=zone(timezone))


def next_digest_after_change(now: datetime, timezone: str | None, hour: int) -> datetime:
    """After a member picks a new digest hour: today at that hour if it is still ahead, else at once (the
    outbox's one-row-per-day rule keeps a digest already sent today from going out twice)."""
    today = datetime.combine(now.astimezone(zone(timezone)).date(), time(hour), tzinfo=zone(timezone))
    return today if today > now else now


def read_hour(text: str) -> int | None:
    """'8', '8am', '08:00', '17', '5pm' → the hour of the day; None for anything else."""
    cleaned = text.strip().lower().replace(" ", "")
    suffix = ""
    if cleaned.endswith(("am", "pm")):
        cleaned, suffix = cleaned[:-2], cleaned[-2:]
    if cleaned.endswith(":00"):
        cleaned = cleaned[:-3]
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 2:
        return None
    hour = int(cleaned)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return hour if 0 <= hour <= 23 else None
