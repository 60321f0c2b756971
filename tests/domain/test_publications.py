"""Publication of results (公示), the pure rules: the last day counted in working days, where a
publication stands on a day, and why a payout sheet holds a result back."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain import publications as p

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("starts_on", "days", "ends_on"),
    [
        (MONDAY, 1, MONDAY),
        (MONDAY, 5, dt.date(2026, 12, 4)),  # Monday to Friday
        (MONDAY, 7, dt.date(2026, 12, 8)),  # over a weekend: the Tuesday after
        (dt.date(2026, 12, 4), 1, dt.date(2026, 12, 4)),  # a Friday counts itself
        (dt.date(2026, 12, 4), 2, dt.date(2026, 12, 7)),
        (dt.date(2026, 12, 5), 1, dt.date(2026, 12, 7)),  # a Saturday start: Monday is the first day
        (dt.date(2026, 12, 6), 7, dt.date(2026, 12, 15)),  # a Sunday start
        (MONDAY, 30, dt.date(2027, 1, 8)),
    ],
)
def test_the_last_day_counts_working_days_monday_to_friday(
    starts_on: dt.date, days: int, ends_on: dt.date
) -> None:
    assert p.end_of(starts_on, days) == ends_on
    working = [
        starts_on + dt.timedelta(days=n)
        for n in range((ends_on - starts_on).days + 1)
        if p.is_working_day(starts_on + dt.timedelta(days=n))
    ]
    assert len(working) == days and working[-1] == ends_on


def test_holidays_and_their_make_up_days_count_as_the_state_council_set_them() -> None:
    # 2026 国庆节: 1–7 October off (a Thursday to a Wednesday); Saturday 10 October worked (调休)
    assert p.end_of(dt.date(2026, 9, 30), 2) == dt.date(2026, 10, 8)
    assert p.is_working_day(dt.date(2026, 10, 10))
    assert not p.is_working_day(dt.date(2026, 10, 5))
    assert p.calendar_note(dt.date(2026, 9, 30), dt.date(2026, 10, 8)) == p.CALENDAR_NOTE_KNOWN


def test_a_year_whose_holidays_are_not_known_counts_monday_to_friday_and_says_so() -> None:
    assert not p.calendar_known(dt.date(2031, 1, 6))
    assert p.end_of(dt.date(2031, 1, 3), 2) == dt.date(2031, 1, 6)  # a Friday, then the Monday
    assert p.calendar_note(dt.date(2030, 12, 30), dt.date(2031, 1, 8)) == p.CALENDAR_NOTE


def test_a_publication_lasts_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        p.end_of(MONDAY, 0)


def test_where_a_publication_stands_on_a_day() -> None:
    ends = p.end_of(MONDAY, 7)
    assert p.state(MONDAY, ends, MONDAY - dt.timedelta(days=1)) == p.UPCOMING
    assert p.state(MONDAY, ends, MONDAY) == p.OPEN
    assert p.state(MONDAY, ends, ends) == p.OPEN  # the last day still counts
    assert p.state(MONDAY, ends, ends + dt.timedelta(days=1)) == p.ENDED
    assert p.STATE_LABELS[p.ENDED] == "公示期满"


def test_a_publication_starts_today_or_up_to_sixty_days_later() -> None:
    assert p.start_problem(MONDAY, MONDAY) is None
    assert p.start_problem(MONDAY + dt.timedelta(days=60), MONDAY) is None
    assert p.start_problem(MONDAY - dt.timedelta(days=1), MONDAY) == "公示开始日期不能早于今天"
    assert p.start_problem(MONDAY + dt.timedelta(days=61), MONDAY) == "公示开始日期最多可在 60 天之后"


def test_a_region_above_binds_the_regions_below() -> None:
    chain = ("410222100", "410222", "410200", "410000")
    assert not p.requires_publication({}, chain)
    assert p.requires_publication({"410200": True}, chain)
    assert p.requires_publication({"410200": True, "410222": False}, chain)  # a county cannot lift it
    assert p.requires_publication({"410222": True, "410200": False}, chain)
    assert not p.requires_publication({"410225": True}, chain)


def test_why_a_result_is_held_back() -> None:
    ends = dt.date(2026, 12, 8)
    after = ends + dt.timedelta(days=1)
    assert p.hold(None, after) == p.NOT_PUBLISHED
    assert p.hold(p.Published(ends, False, 0), ends) == p.NOT_ENDED
    assert p.hold(p.Published(ends, False, 0), after) is None
    assert p.hold(p.Published(ends, False, 1), after) == p.HELD_PENDING
    assert p.hold(p.Published(ends, True, 0), after) == p.HELD_WITHDRAWN
    assert p.hold(p.Published(ends, True, 1), ends) == p.HELD_WITHDRAWN


def test_the_sheet_says_how_many_are_held_back_and_why() -> None:
    assert p.held_text({}) == ""
    assert p.held_text({p.NOT_ENDED: 12}) == (
        "另有 12 个结果未列入（尚未公示期满 12 个），本地区规定只发放公示期满且无成立异议的结果"
    )
    text = p.held_text({p.NOT_PUBLISHED: 1, p.HELD_WITHDRAWN: 2, p.NOT_ENDED: 3})
    assert text.startswith("另有 6 个结果未列入（尚未公示 1 个，尚未公示期满 3 个，异议成立已撤销 2 个）")


def test_defaults_follow_the_region() -> None:
    assert p.default_title("开封市", "2026年") == "开封市2026年基层医疗卫生机构评审达标结果公示"
    assert p.chinese_date(dt.date(2026, 12, 1)) == "2026年12月1日"
