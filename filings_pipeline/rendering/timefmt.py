"""Eastern-time formatting. EDGAR times are US Eastern wall-clock, kept naive in Filing."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(d: date) -> str:
    """'Nov 16, 2026' (locale-independent)."""
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def format_eastern(dt: datetime) -> str:
    """'Nov 16, 2026, 4:05 PM ET' for a naive Eastern (or aware) datetime."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(EASTERN)
    hour = dt.hour % 12 or 12
    half = "AM" if dt.hour < 12 else "PM"
    return f"{format_day(dt)}, {hour}:{dt.minute:02d} {half} ET"


def to_aware(dt: datetime) -> datetime:
    """Attach America/New_York to a naive Eastern wall-clock time."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=EASTERN)


def moment(accepted_at: datetime | None, day: date) -> datetime:
    """Aware timestamp of an article: its acceptance time, else midnight ET of `day`."""
    if accepted_at is not None:
        return to_aware(accepted_at)
    return datetime.combine(day, time(0, 0), tzinfo=EASTERN)


def rfc3339(dt: datetime) -> str:
    """'2026-11-16T16:05:00-05:00' (Atom's date format)."""
    return to_aware(dt).replace(microsecond=0).isoformat()
