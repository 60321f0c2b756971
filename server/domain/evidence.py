"""Evidence rules: when a photo is accepted but flagged for the reviewer.

A photo is flagged, never refused, when its capture time falls outside the visit day, when it
was taken far from the facility, when its EXIF names a place that cannot exist, or when the same
bytes were already used for another facility. Times and places are kept as the device claimed
them and as the photo's EXIF says; either one outside the limits raises the flag, and the
reviewer sees both.

Nothing here raises on odd input: a time outside the years 1900-2100 (or one whose offset would
carry it past what a datetime can hold), a coordinate that is not a finite number within
±90/±180, and text with control characters are treated as unusable or cleaned, never as errors.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

from server.domain.checklist import NOT_APPLICABLE

CHINA = dt.timezone(dt.timedelta(hours=8))
EARTH_RADIUS_M = 6_371_000
YEAR_MIN, YEAR_MAX = 1900, 2100  # the same years the API accepts for any date

FLAG_TIME_OUTSIDE_VISIT = "time_outside_visit"
FLAG_FAR_FROM_FACILITY = "far_from_facility"
FLAG_EXIF_PLACE_INVALID = "exif_place_invalid"
FLAG_USED_FOR_OTHER_FACILITY = "used_for_other_facility"
FLAG_NO_CAPTURE_TIME = "no_capture_time"
# photos of a rectification (整改): taken before the task was given, or the inspection's own photo
FLAG_TIME_BEFORE_TASK = "time_before_task"
FLAG_SAME_AS_INSPECTION = "same_as_inspection"


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


def needs_more_photos(photos_min: int, outcome: str | None, photos: int) -> bool:
    """Whether an item still lacks evidence: it is answered and counts (its outcome is neither
    unanswered nor not applicable) and has fewer photos than its checklist asks for. The one
    definition of the photo minimum; pwa/src/domain/evidence.ts is its twin, both proven on the
    cases of tests/vectors/photo_minimum.json."""
    return outcome is not None and outcome != NOT_APPLICABLE and photos < photos_min


def place_or_none(latitude: float | None, longitude: float | None) -> Place | None:
    """A place when both coordinates are finite numbers on the globe (±90, ±180), else None."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place(lat, lon)


def distance_m(a: Place, b: Place) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp = p2 - p1
    dl = math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def clean_text(value: str | None, limit: int) -> str | None:
    """Text fit to store and show: no control, format (bidi and the like) or lone surrogate
    characters and no U+FFFE/U+FFFF, line and paragraph separators made spaces, trimmed, at most
    `limit` characters; None when nothing is left."""
    if not value:
        return None
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs") or char in "\ufffe\uffff":
            continue
        kept.append(" " if category in ("Zl", "Zp") else char)
    text = "".join(kept).strip()[:limit].strip()
    return text or None


def china_time(value: dt.datetime) -> dt.datetime | None:
    """The same instant in China time, or None when it is unusable: outside the years
    1900-2100 there, or not convertible at all (the offset of 0001-01-01T00:00+14:00 would carry
    it before year 1). A time without an offset is taken as China time."""
    try:
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=CHINA)
        local = value.astimezone(CHINA)
    except (OverflowError, ValueError, TypeError, AttributeError):
        return None
    return local if YEAR_MIN <= local.year <= YEAR_MAX else None


def parse_claimed_time(value: str | None) -> dt.datetime | None:
    """A device's ISO 8601 time; without an offset it is taken as China time. None when it is
    missing, malformed or unusable (see china_time)."""
    if not value or not isinstance(value, str) or not (value.isascii() and value.isprintable()):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, TypeError, OverflowError):
        return None
    return china_time(parsed)


def parse_exif_time(value: str | None) -> dt.datetime | None:
    """EXIF DateTimeOriginal ("2026:11:20 10:31:05"), local time of the camera: China time; with
    the offset the camera wrote in OffsetTimeOriginal ("2026:11:20 10:31:05+09:00") it is that
    instant, in China time. None when it is missing, malformed (cameras without a clock write
    "0000:00:00 00:00:00") or unusable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().rstrip("\x00").strip()
    try:
        if len(text) == 25:  # with its offset
            parsed = dt.datetime.strptime(text, "%Y:%m:%d %H:%M:%S%z")
        else:
            parsed = dt.datetime.strptime(text, "%Y:%m:%d %H:%M:%S").replace(tzinfo=CHINA)
    except (ValueError, TypeError, OverflowError):
        return None
    return china_time(parsed)


def flags_for(
    visit_day: dt.date | None,
    facility: Place | None,
    claimed_time: dt.datetime | None,
    exif_time: dt.datetime | None,
    claimed_place: Place | None,
    exif_place: Place | None,
    used_elsewhere: bool,
    max_distance_m: float,
    exif_place_invalid: bool = False,
    taken_since: dt.date | None = None,
    same_as_inspection: bool = False,
) -> list[str]:
    """The flags a photo gets. Times and places that are unusable count as missing. An
    inspection's photo belongs to its visit day; a photo of a fix (`taken_since` the day the task
    was given, no visit day) to any day from then on."""
    flags = []
    days = [china_time(t) for t in (claimed_time, exif_time) if t is not None]
    usable = [t.date() for t in days if t is not None]
    if not usable:
        flags.append(FLAG_NO_CAPTURE_TIME)
    elif visit_day is not None and any(day != visit_day for day in usable):
        flags.append(FLAG_TIME_OUTSIDE_VISIT)
    elif taken_since is not None and any(day < taken_since for day in usable):
        flags.append(FLAG_TIME_BEFORE_TASK)
    facility = place_or_none(facility.latitude, facility.longitude) if facility is not None else None
    places = [
        checked
        for p in (claimed_place, exif_place)
        if p is not None and (checked := place_or_none(p.latitude, p.longitude)) is not None
    ]
    if facility is not None and any(distance_m(facility, p) > max_distance_m for p in places):
        flags.append(FLAG_FAR_FROM_FACILITY)
    if exif_place_invalid:
        flags.append(FLAG_EXIF_PLACE_INVALID)
    if used_elsewhere:
        flags.append(FLAG_USED_FOR_OTHER_FACILITY)
    if same_as_inspection:
        flags.append(FLAG_SAME_AS_INSPECTION)
    return flags
