""" "Add to calendar" for an agreed next step: an RFC 5545 .ics the member opens in their own calendar.

Made with `icalendar` (well kept, RFC 5545 escaping of TEXT values, and it writes the VTIMEZONE for
a zoneinfo zone itself), so nothing a user typed can break out of its property. The event sits at
09:00 in the member's timezone on the agreed day, lasts 30 minutes and reminds 15 minutes before.
Its UID comes from the meeting id, so sending it again updates the same event instead of adding one.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.cadence import zone
from bot.results import Attachment

DURATION = timedelta(minutes=30)
REMINDER = timedelta(minutes=15)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _plain(text: str, limit: int = 200) -> str:
    """One line of user text: control characters (newlines included) become spaces, length capped."""
    return _CONTROL.sub(" ", text).strip()[:limit]


def event_uid(meeting_id: int, domain: str = "metbot") -> str:
    return f"next-step-{meeting_id}@{domain}"


def next_step_calendar(
    *,
    meeting_id: int,
    contact: str,
    next_step: str,
    due: date,
    timezone: str | None,
    now: datetime,
    hour: int = 9,
) -> Attachment:
    """The .ics for one agreed next step; `now` stamps it (DTSTAMP), `timezone` is the member's."""
    from icalendar import Alarm, Calendar, Event

    tz = zone(timezone)
    start = datetime.combine(due, time(hour), tzinfo=tz)
    who, what = _plain(contact), _plain(next_step).rstrip(" .")
    event = Event()
    event.add("uid", event_uid(meeting_id))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("duration", DURATION)
    event.add("summary", f"Next step with {who}: {what}")
    event.add("description", f"Agreed with {who}: {what}. Logged with metbot.")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER)
    alarm.add("description", f"Next step with {who}")
    event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", "-//metbot//next steps//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=due - timedelta(days=366), last_date=due + timedelta(days=366))
    return Attachment(
        filename=f"next-step-{meeting_id}.ics",
        title=f"Next step with {who}",
        content=calendar.to_ical(),
        mimetype="text/calendar",
    )
