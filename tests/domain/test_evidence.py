"""Evidence rules never raise: odd times, places and text are unusable or cleaned, not errors."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.evidence import (
    CHINA,
    FLAG_EXIF_PLACE_INVALID,
    FLAG_FAR_FROM_FACILITY,
    FLAG_NO_CAPTURE_TIME,
    FLAG_TIME_OUTSIDE_VISIT,
    Place,
    china_time,
    clean_text,
    flags_for,
    parse_claimed_time,
    parse_exif_time,
    place_or_none,
)

VISIT = dt.date(2026, 11, 20)
FACILITY = Place(34.6, 114.5)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # astimezone would go before year 1: OverflowError
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-14:00",  # past year 9999
        "9999-12-31T23:59:59",
        "1899-12-31T23:59:59+08:00",
        "2101-01-01T00:00:00+08:00",
        "2026-11-20T10:00:00+24:00",
        "2026-02-30T10:00:00+08:00",
        "not a time",
        "2026-11-20T10:00:00\x00+08:00",
        "\ud800",
        "",
        None,
    ],
)
def test_claimed_times_out_of_range_or_malformed_are_unusable(value: str | None) -> None:
    assert parse_claimed_time(value) is None


def test_claimed_time_in_range() -> None:
    assert parse_claimed_time("2026-11-20T02:00:00Z") == dt.datetime(2026, 11, 20, 10, tzinfo=CHINA)
    assert parse_claimed_time("2026-11-20T10:00:00") == dt.datetime(2026, 11, 20, 10, tzinfo=CHINA)
    # the edges: 1900-01-01 and 2100-12-31 in China time
    assert parse_claimed_time("1899-12-31T16:00:00+00:00") == dt.datetime(1900, 1, 1, tzinfo=CHINA)
    assert parse_claimed_time("2100-12-31T15:59:59+00:00") is not None
    assert parse_claimed_time("2100-12-31T16:00:00+00:00") is None


@pytest.mark.parametrize(
    "value",
    [
        "0000:00:00 00:00:00",  # what cameras without a clock write
        "0001:01:01 00:00:00",
        "9999:12:31 23:59:59",
        "2026:11:20",
        "2026:11:20\x0010:00:00",
        "2026-11-20 10:00:00",
        "x" * 10_000,
        "",
        None,
    ],
)
def test_exif_times_out_of_range_or_malformed_are_unusable(value: str | None) -> None:
    assert parse_exif_time(value) is None


def test_exif_time_with_trailing_nul_and_spaces() -> None:
    assert parse_exif_time(" 2026:11:20 10:31:05\x00") == dt.datetime(2026, 11, 20, 10, 31, 5, tzinfo=CHINA)


def test_china_time_never_raises() -> None:
    assert china_time(dt.datetime.min) is None
    assert china_time(dt.datetime.max.replace(tzinfo=dt.UTC)) is None
    assert china_time(dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=14)))) is None
    assert china_time(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)) == dt.datetime(
        2026, 11, 20, 10, tzinfo=CHINA
    )


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (90.0001, 0),
        (-91, 0),
        (0, 180.5),
        (0, -181),
        (float("nan"), 114.5),
        (34.6, float("inf")),
        (float("-inf"), 0),
        (None, 114.5),
        (34.6, None),
        ("north", 1),
        (1e400, 0),
    ],
)
def test_impossible_places_are_none(lat: object, lon: object) -> None:
    assert place_or_none(lat, lon) is None  # type: ignore[arg-type]


def test_places_on_the_globe() -> None:
    assert place_or_none(90, -180) == Place(90.0, -180.0)
    assert place_or_none(34.6, 114.5) == FACILITY


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("照片\x00.jpg", 255, "照片.jpg"),
        ("a\u202egpj.exe", 255, "agpj.exe"),  # bidi override
        ("\ud800\udfffok", 255, "ok"),  # lone surrogates
        ("a\u2028b", 255, "a b"),
        ("\x00\x01\x7f", 255, None),
        ("  x  ", 255, "x"),
        ("长" * 300, 255, "长" * 255),
        ("2026:11:20 10:00:00" + "x" * 100, 40, ("2026:11:20 10:00:00" + "x" * 100)[:40]),
        ("a\ufffeb\uffff", 10, "ab"),
        (None, 10, None),
    ],
)
def test_clean_text(value: str | None, limit: int, expected: str | None) -> None:
    assert clean_text(value, limit) == expected


def flags(**kw: object) -> list[str]:
    values: dict[str, object] = {
        "visit_day": VISIT,
        "facility": FACILITY,
        "claimed_time": None,
        "exif_time": None,
        "claimed_place": None,
        "exif_place": None,
        "used_elsewhere": False,
        "max_distance_m": 2000,
    }
    return flags_for(**(values | kw))  # type: ignore[arg-type]


def test_flags_treat_unusable_times_as_missing() -> None:
    far_past = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    assert flags(claimed_time=far_past) == [FLAG_NO_CAPTURE_TIME]
    assert flags(claimed_time=dt.datetime.max) == [FLAG_NO_CAPTURE_TIME]
    on_the_day = dt.datetime(2026, 11, 20, 9, tzinfo=CHINA)
    assert flags(claimed_time=far_past, exif_time=on_the_day) == []
    assert flags(exif_time=on_the_day - dt.timedelta(days=1)) == [FLAG_TIME_OUTSIDE_VISIT]


def test_flags_ignore_impossible_places_and_flag_an_invalid_exif_place() -> None:
    on_the_day = dt.datetime(2026, 11, 20, 9, tzinfo=CHINA)
    assert flags(claimed_time=on_the_day, exif_place=Place(float("nan"), 0)) == []
    assert flags(claimed_time=on_the_day, claimed_place=Place(200, 0)) == []
    assert flags(claimed_time=on_the_day, facility=Place(float("inf"), 0), exif_place=Place(0, 0)) == []
    assert flags(claimed_time=on_the_day, exif_place_invalid=True) == [FLAG_EXIF_PLACE_INVALID]
    assert flags(claimed_time=on_the_day, exif_place=Place(39.9, 116.4), exif_place_invalid=True) == [
        FLAG_FAR_FROM_FACILITY,
        FLAG_EXIF_PLACE_INVALID,
    ]


def test_every_flag_has_a_chinese_label_in_the_report() -> None:
    from server.domain import evidence
    from server.domain import labels as report

    codes = {value for name, value in vars(evidence).items() if name.startswith("FLAG_")}
    assert codes == set(report.FLAG_LABELS)
    assert all(not label.isascii() for label in report.FLAG_LABELS.values())
