"""Times as people read them: China time, "YYYY-MM-DD HH:mm", EXIF camera clocks as they are."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.evidence import parse_exif_time
from server.domain.report import counts
from server.domain.times import china_date, format_instant, format_time, utc

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # instants with an offset: China time
        ("2026-11-28T22:00:12+00:00", "2026-11-29 06:00"),  # the report's old "photo time"
        ("2026-11-19T16:30:00Z", "2026-11-20 00:30"),  # just after China midnight: the UTC day before
        ("2026-11-19T16:30:00.123456+00:00", "2026-11-20 00:30"),
        ("2026-11-20T00:30:00+08:00", "2026-11-20 00:30"),
        ("2026-11-20T10:31:05+09:00", "2026-11-20 09:31"),
        ("2026-11-20T02:00:00-05:00", "2026-11-20 15:00"),
        (dt.datetime(2026, 11, 19, 16, 30, tzinfo=UTC), "2026-11-20 00:30"),
        (dt.datetime(2026, 11, 19, 16, 30), "2026-11-20 00:30"),  # naive, as a database gives UTC
        # a device's clock without an offset: as it is
        ("2026-11-20T00:30:00", "2026-11-20 00:30"),
        # EXIF DateTimeOriginal: the camera's clock, never shifted
        ("2026:11:16 10:01:00", "2026-11-16 10:01"),  # the report's old "EXIF time"
        ("2026:11:20 00:30:00", "2026-11-20 00:30"),
        # EXIF with OffsetTimeOriginal: that instant, in China time
        ("2026:11:20 01:30:00+09:00", "2026-11-20 00:30"),
        ("2026:11:19 17:30:00+01:00", "2026-11-20 00:30"),
        # a date alone stays a date
        ("2026-11-20", "2026-11-20"),
    ],
)
def test_times_are_shown_as_china_time(value: dt.datetime | str, shown: str) -> None:
    assert format_time(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0000:00:00 00:00:00", None),  # a camera without a clock wrote no time
        ("2026:02:30 10:00:00", "2026:02:30 10:00:00"),  # not a day: what the camera wrote
        ("not a time", "not a time"),
    ],
)
def test_missing_and_unreadable_times(value: str | None, shown: str | None) -> None:
    assert format_time(value) == shown


def test_the_china_day_starts_eight_hours_before_the_utc_day() -> None:
    assert china_date(dt.datetime(2026, 11, 19, 16, 30, tzinfo=UTC)) == dt.date(2026, 11, 20)
    assert china_date(dt.datetime(2026, 11, 19, 15, 59, tzinfo=UTC)) == dt.date(2026, 11, 19)
    assert china_date(dt.datetime(2026, 11, 20, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == dt.date(
        2026, 11, 20
    )
    assert format_instant(None) is None


def test_an_exif_offset_makes_the_camera_time_an_instant() -> None:
    china = dt.timezone(dt.timedelta(hours=8))
    assert parse_exif_time("2026:11:20 00:30:00") == dt.datetime(2026, 11, 20, 0, 30, tzinfo=china)
    assert parse_exif_time("2026:11:20 01:30:00+09:00") == dt.datetime(2026, 11, 20, 0, 30, tzinfo=china)
    assert parse_exif_time("2026:11:20 01:30:00+9:00") is None


def test_counts_keep_unanswered_apart_from_failed() -> None:
    # the engine counts an unanswered item as not met: 13 not met, all 13 of them unanswered
    fresh = counts({"applicable": 15, "not_met": 13, "unanswered": 13})
    assert (fresh["failed"], fresh["unanswered"]) == (0, 13)
    graded = counts({"applicable": 15, "not_met": 3, "unanswered": 1})
    assert (graded["failed"], graded["unanswered"]) == (2, 1)


def test_utc_converts_an_offset_and_refuses_a_naive_datetime() -> None:
    china = dt.timezone(dt.timedelta(hours=8))
    converted = utc(dt.datetime(2026, 11, 29, 8, 0, tzinfo=china))
    assert converted == dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
    assert converted.tzinfo is dt.UTC
    with pytest.raises(ValueError, match="naive"):
        utc(dt.datetime(2026, 11, 29, 8, 0))
