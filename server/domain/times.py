"""Times as people read them: China time, "YYYY-MM-DD HH:mm". Pure: no I/O, no clock.

The server stores and the API returns instants with an offset (UTC). People see them in China
time (Asia/Shanghai; no region has a zone of its own), on report pages, the verify page, payout
sheets and in the app, which has the same rules in pwa/src/domain/labels.ts (formatTime).

Three kinds of text reach a person:
- an instant with an offset ("2026-11-28T22:00:12+00:00", a datetime with tzinfo): shown in
  China time (2026-11-29 06:00);
- a device's time without an offset ("2026-11-20T10:31:05"): the device's local time, which the
  server takes as China time (server.domain.evidence.parse_claimed_time); shown as it is;
- an EXIF DateTimeOriginal ("2026:11:16 10:01:00"): the camera's clock, without a zone. Shown as
  it is (never shifted by any zone); when the photo also had OffsetTimeOriginal it is stored with
  that offset ("2026:11:16 10:01:00+09:00") and then shown in China time like any instant.
Text that is none of these is returned as it is (callers clean what they store), so a person
still sees what the device or camera wrote; the zeros of a camera without a clock are no time.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

CHINA_ZONE = ZoneInfo("Asia/Shanghai")
SHOWN = "%Y-%m-%d %H:%M"

# EXIF "YYYY:MM:DD HH:MM[:SS]" with an optional offset as OffsetTimeOriginal writes it ("+08:00")
_EXIF = re.compile(
    r"(?P<y>\d{4}):(?P<mo>\d{2}):(?P<d>\d{2})[ T](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"(?P<off>[+-]\d{2}:\d{2}|Z)?"
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def utc(value: dt.datetime) -> dt.datetime:
    """An instant in UTC. A naive datetime is refused: nothing says which zone it was meant in
    (the database's UTCDateTime column already answers every stored instant with its offset)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime is not an instant: give it a time zone")
    return value.astimezone(dt.UTC)


def china_now(now: dt.datetime) -> dt.datetime:
    """An instant in China time; a naive datetime is taken as UTC (as the database returns it)."""
    aware = now if now.tzinfo is not None and now.utcoffset() is not None else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA_ZONE)


def china_date(now: dt.datetime) -> dt.date:
    """The calendar day in China at that instant: "today" for inspections and visit days."""
    return china_now(now).date()


def china_day_start(day: dt.date) -> dt.datetime:
    """The instant (UTC) a calendar day begins in China: the bound a period of China dates gives
    a query over stored instants (the day after a period's last day is its exclusive end)."""
    return dt.datetime.combine(day, dt.time(), CHINA_ZONE).astimezone(dt.UTC)


def format_instant(value: dt.datetime | None) -> str | None:
    """A stored instant as China time "YYYY-MM-DD HH:mm" (a naive one is UTC); None stays None."""
    if value is None:
        return None
    try:
        return china_now(value).strftime(SHOWN)
    except (OverflowError, ValueError):  # an offset carrying it past what a datetime can hold
        return value.strftime(SHOWN)


def format_time(value: dt.datetime | str | None) -> str | None:
    """Any time a person sees, as "YYYY-MM-DD HH:mm" (see the module docstring for the rules).
    None or empty text gives None; a date alone is shown as the date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return format_instant(value)
    text = value.strip()
    if not text:
        return None
    if _DATE_ONLY.fullmatch(text):
        return text
    exif = _EXIF.fullmatch(text)
    if exif is not None:
        return _format_exif(exif, text)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, TypeError, OverflowError):
        return text
    if parsed.tzinfo is None:
        return parsed.strftime(SHOWN)  # the device's own clock: as it is
    return format_instant(parsed)


def _format_exif(match: re.Match[str], text: str) -> str | None:
    try:
        local = dt.datetime(
            int(match["y"]), int(match["mo"]), int(match["d"]), int(match["h"]), int(match["mi"])
        )
    except ValueError:  # "0000:00:00 00:00:00" from a camera without a clock, or 2026:02:30
        return None if set(text) <= set("0: ") else text
    offset = match["off"]
    if offset is None:
        return local.strftime(SHOWN)  # the camera's clock, no zone: as it is
    if offset == "Z":
        zone = dt.UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return local.strftime(SHOWN)
        zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return format_instant(local.replace(tzinfo=zone)) or text
