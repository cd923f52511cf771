"""When follow-ups fall due. Plain values in, dates out: the sweep and the handlers share these rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Cadence:
    """The follow-up rhythm; every number is a setting, not a constant buried in a rule."""

    first_after_days: int = 1  # "I'll follow up with you tomorrow"
    nudge_offsets: tuple[int, ...] = (0, 3, 7)  # days after the first due date; then ask to classify
    reply_wait_days: int = 3  # after "I followed up", ask "did they respond?"
    not_yet_max: int = 2  # "not yet" answers before suggesting a memorable touch
    check_in_days: int = 30  # stay in touch after a reply (the Like stage's rhythm)
    busy_retry_days: int = 7  # "they're busy": follow up again soon, yourself, with something memorable
    digest_hour: int = 9
    # Keep-in-touch rhythm by stage when the contact has none of its own: a new contact needs a touch soon,
    # a Like monthly, a Trust relationship quarterly.
    rhythm_by_stage: tuple[tuple[str, int], ...] = (("know", 14), ("like", 30), ("trust", 90))


# Keep in touch every N days, by relationship stage, for a contact with no rhythm of its own.
RHYTHM_BY_STAGE: dict[str, int] = dict(Cadence().rhythm_by_stage)


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


def first_due(
    met_on: date,
    next_step_due: date | None,
    cadence: Cadence,
    *,
    today: date | None = None,
    work_days: str | None = None,
) -> date:
    """The agreed next step's date when there is one, otherwise the day after the meeting.

    Never a day already past: a meeting logged late ("when: last Friday" on a Tuesday) is followed up on the
    next working day after `today`, because the date is what the reply promises.
    """
    due = next_step_due if next_step_due is not None else met_on + timedelta(days=cadence.first_after_days)
    if today is not None and due < today:
        return work_day_on_or_after(today + timedelta(days=1), work_days)
    return due


# --- working days and rhythm ------------------------------------------------------------------------

EVERY_DAY = "1234567"
WEEKDAYS = "12345"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def work_days_of(text: str | None) -> str:
    """The stored ISO weekdays ('12345'), or Mon–Fri when unset or unreadable."""
    days = "".join(sorted({ch for ch in (text or "") if ch in EVERY_DAY}))
    return days or WEEKDAYS


def is_work_day(day: date, work_days: str | None) -> bool:
    return str(day.isoweekday()) in work_days_of(work_days)


def work_day_on_or_after(day: date, work_days: str | None) -> date:
    """`day` itself when it is a working day, else the next one (digests come on working days only)."""
    for offset in range(7):
        candidate = day + timedelta(days=offset)
        if is_work_day(candidate, work_days):
            return candidate
    return day


def _day_number(word: str) -> int | None:
    word = word.strip().lower().rstrip(".")
    for number, name in enumerate(DAY_NAMES, start=1):
        full = DAY_LABELS[number - 1].lower()
        if (len(word) >= 2 and full.startswith(word)) or word == name:
            return number
    return None


def read_work_days(text: str) -> str | None:
    """'mon-fri', 'mon,wed,fri', 'tue thu', 'weekdays', 'every day' → ISO weekdays ('135'); None if unreadable."""
    cleaned = " ".join(text.lower().replace("–", "-").replace("—", "-").replace(" to ", "-").split())
    if cleaned in ("weekdays", "workdays", "working days"):
        return WEEKDAYS
    if cleaned in ("every day", "everyday", "daily", "all", "all week"):
        return EVERY_DAY
    days: set[int] = set()
    for part in cleaned.replace(",", " ").replace(" and ", " ").split():
        first, dash, last = part.partition("-")
        start = _day_number(first)
        end = _day_number(last) if dash else start
        if start is None or end is None:
            return None
        span = (end - start) % 7
        days.update((start - 1 + i) % 7 + 1 for i in range(span + 1))
    return "".join(str(d) for d in sorted(days)) or None


def work_days_label(work_days: str | None) -> str:
    """'12345' → 'Monday to Friday'; '135' → 'Monday, Wednesday and Friday'."""
    days = work_days_of(work_days)
    if days == EVERY_DAY:
        return "every day"
    numbers = [int(d) for d in days]
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{DAY_LABELS[numbers[0] - 1]} to {DAY_LABELS[numbers[-1] - 1]}"
    names = [DAY_LABELS[n - 1] for n in numbers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def rhythm_days_for(stage: str, rhythm_days: int | None, cadence: Cadence) -> int | None:
    """How often to keep in touch: the contact's own rhythm, else its stage's; None means never."""
    if rhythm_days is not None:
        return rhythm_days if rhythm_days > 0 else None
    return dict(cadence.rhythm_by_stage).get(stage, cadence.check_in_days)


def rhythm_label(days: int | None) -> str:
    """A rhythm as a person says it: 'every week', 'monthly', 'every 6 weeks', 'quarterly', 'never'."""
    if not days:
        return "never"
    named = {7: "every week", 14: "every two weeks", 30: "monthly", 90: "quarterly", 365: "once a year"}
    if days in named:
        return named[days]
    if days % 7 == 0:
        return f"every {days // 7} weeks"
    if days % 30 == 0:
        return f"every {days // 30} months"
    return f"every {days} days"


def digest_day(now: datetime, timezone: str | None, hour: int) -> date:
    """The local day whose digest is owed at `now`: today once the digest hour has passed, else yesterday."""
    local = now.astimezone(zone(timezone))
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def next_digest_at(
    now: datetime, timezone: str | None, hour: int, work_days: str | None = EVERY_DAY
) -> datetime:
    """The next instant the member's local clock reads `hour`:00 strictly after `now`'s digest day, on one of
    their working days.

    Built from the wall clock each day, so it stays at 09:00 local across DST changes.
    """
    tz = zone(timezone)
    owed = digest_day(now, timezone, hour)
    following = work_day_on_or_after(owed + timedelta(days=1), work_days)
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
