"""Evidence rules: when a photo is accepted but flagged for the reviewer.

A photo is flagged, never refused, when its capture time falls outside the visit day, when it
was taken far from the facility, or when the same bytes were already used for another facility.
Times and places are kept as the device claimed them and as the photo's EXIF says; either one
outside the limits raises the flag, and the reviewer sees both.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

CHINA = dt.timezone(dt.timedelta(hours=8))
EARTH_RADIUS_M = 6_371_000

FLAG_TIME_OUTSIDE_VISIT = "time_outside_visit"
FLAG_FAR_FROM_FACILITY = "far_from_facility"
FLAG_USED_FOR_OTHER_FACILITY = "used_for_other_facility"
FLAG_NO_CAPTURE_TIME = "no_capture_time"


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


def distance_m(a: Place, b: Place) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp = p2 - p1
    dl = math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def parse_claimed_time(value: str | None) -> dt.datetime | None:
    """A device's ISO 8601 time; without an offset it is taken as China time."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def parse_exif_time(value: str | None) -> dt.datetime | None:
    """EXIF DateTimeOriginal ("2026:11:20 10:31:05"), local time of the camera: China time."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return None


def flags_for(
    visit_day: dt.date,
    facility: Place | None,
    claimed_time: dt.datetime | None,
    exif_time: dt.datetime | None,
    claimed_place: Place | None,
    exif_place: Place | None,
    used_elsewhere: bool,
    max_distance_m: float,
) -> list[str]:
    flags = []
    times = [t for t in (claimed_time, exif_time) if t is not None]
    if not times:
        flags.append(FLAG_NO_CAPTURE_TIME)
    elif any(t.astimezone(CHINA).date() != visit_day for t in times):
        flags.append(FLAG_TIME_OUTSIDE_VISIT)
    places = [p for p in (claimed_place, exif_place) if p is not None]
    if facility is not None and any(distance_m(facility, p) > max_distance_m for p in places):
        flags.append(FLAG_FAR_FROM_FACILITY)
    if used_elsewhere:
        flags.append(FLAG_USED_FOR_OTHER_FACILITY)
    return flags
