"""Publication of results (公示): the rules that need no database.

A bureau publishes the final results of a region and period that reached a tier: each facility's
latest finally approved inspection of a checklist family in the period (as the payout sheet
chooses it), self-assessments aside. The list is public for a number of working days (公示期, 7
by default) from its first day; anyone may object (异议) meanwhile. The bureau records each
objection and decides it: upheld (成立) withdraws the result, which the public page then shows as
已撤销; dismissed (不成立) leaves it. Once the last day has passed the list is 公示期满.

Working days are counted Monday to Friday. Public holidays and the weekend days worked in their
place (调休) are not known here, so a period that spans a holiday ends earlier than a calendar
of them would say; the form says so.

Where a region's payout rule asks for it (`requires_publication`), the payout sheet pays only
results whose publication ended with no upheld objection and none still pending: `hold` says why
a result is held back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import chinese_calendar  # type: ignore[import-untyped]

WORKING_DAYS_DEFAULT = 7
WORKING_DAYS_MAX = 30
START_AHEAD_MAX_DAYS = 60  # how far ahead a publication may be scheduled
MAX_ENTRIES = 5000  # results in one publication: a city's centres and clinics
CONTACT_MAX = 1000  # how to object: phone, address, e-mail, as the bureau types it
# How the working days of a period were counted, as the form says it.
CALENDAR_NOTE_KNOWN = "工作日按国务院公布的法定节假日和调休安排计算。"
CALENDAR_NOTE = "该年度的节假日安排尚未收录，工作日按周一至周五计算；遇法定节假日请相应增加工作日数。"

# Where a publication stands on a given day (China time).
UPCOMING = "upcoming"
OPEN = "open"
ENDED = "ended"
STATES = (UPCOMING, OPEN, ENDED)
STATE_LABELS = {UPCOMING: "未开始", OPEN: "公示中", ENDED: "公示期满"}
STATE_TONES = {UPCOMING: "default", OPEN: "primary", ENDED: "success"}

# A published result, and one withdrawn after an upheld objection.
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
ENTRY_STATUSES = (PUBLISHED, WITHDRAWN)
ENTRY_STATUS_LABELS = {PUBLISHED: "已公示", WITHDRAWN: "已撤销"}
# What the public page says of a withdrawn result: never the objection or the bureau's reason.
WITHDRAWN_PUBLIC_TEXT = "经核实，撤销该结果"

# An objection's outcome.
PENDING = "pending"
UPHELD = "upheld"
DISMISSED = "dismissed"
OUTCOMES = (PENDING, UPHELD, DISMISSED)
DECISIONS = (UPHELD, DISMISSED)
OUTCOME_LABELS = {PENDING: "待处理", UPHELD: "异议成立", DISMISSED: "异议不成立"}
OUTCOME_TONES = {PENDING: "warning", UPHELD: "danger", DISMISSED: "default"}

# Why the payout sheet holds a result back where the region requires a completed publication.
NOT_PUBLISHED = "not_published"
NOT_ENDED = "not_ended"
HELD_WITHDRAWN = "withdrawn"
HELD_PENDING = "objection_pending"
HOLDS = (NOT_PUBLISHED, NOT_ENDED, HELD_PENDING, HELD_WITHDRAWN)
HOLD_LABELS = {
    NOT_PUBLISHED: "尚未公示",
    NOT_ENDED: "尚未公示期满",
    HELD_PENDING: "有待处理的异议",
    HELD_WITHDRAWN: "异议成立已撤销",
}
REQUIREMENT_TEXT = "只发放公示期满且无成立异议的结果"


def is_working_day(day: dt.date) -> bool:
    """A working day as the State Council's yearly holiday arrangements make it (法定节假日 off,
    调休 weekend days on), read from chinese_calendar; Monday to Friday in a year it does not
    hold yet (calendar_known says which)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def calendar_known(day: dt.date) -> bool:
    """Whether the holiday arrangements of `day`'s year are known (published and installed)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def calendar_note(starts_on: dt.date, ends_on: dt.date) -> str:
    """How the working days from `starts_on` to `ends_on` were counted."""
    return CALENDAR_NOTE_KNOWN if calendar_known(starts_on) and calendar_known(ends_on) else CALENDAR_NOTE


def end_of(starts_on: dt.date, working_days: int) -> dt.date:
    """The last day of a publication of `working_days` working days from `starts_on` (counted
    when it is a working day itself)."""
    if working_days < 1:
        raise ValueError("a publication lasts at least one working day")
    day, counted = starts_on, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)


def state(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> str:
    """Where a publication stands on `today` (a China date): the last day still counts."""
    if today < starts_on:
        return UPCOMING
    return OPEN if today <= ends_on else ENDED


def start_problem(starts_on: dt.date, today: dt.date) -> str | None:
    """Why a publication cannot start on `starts_on`, in Chinese; None when it can. It starts no
    earlier than the day it is made, so the public page is there for its whole period."""
    if starts_on < today:
        return "公示开始日期不能早于今天"
    if (starts_on - today).days > START_AHEAD_MAX_DAYS:
        return f"公示开始日期最多可在 {START_AHEAD_MAX_DAYS} 天之后"
    return None


def chinese_date(day: dt.date) -> str:
    """2026年12月1日: how a notice writes its dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def default_title(region_name: str, period_label: str) -> str:
    return f"{region_name}{period_label}基层医疗卫生机构评审达标结果公示"


# --- payouts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """What a payout sheet needs to know of one published result (one inspection's report)."""

    ends_on: dt.date
    withdrawn: bool
    pending_objections: int


def requires_publication(settings: Mapping[str, bool], chain: Sequence[str]) -> bool:
    """Whether results of a facility are paid only after their publication: when the facility's
    region or any region above it (`chain`) asks for it. A region below cannot lift what a region
    above requires."""
    return any(settings.get(code, False) for code in chain)


def hold(published: Published | None, today: dt.date) -> str | None:
    """Why a result may not be paid yet (a HOLDS code), or None when its publication ended (`today`,
    a China date, is past its last day) with the result still published and no objection pending."""
    if published is None:
        return NOT_PUBLISHED
    if published.withdrawn:
        return HELD_WITHDRAWN
    if published.pending_objections:
        return HELD_PENDING
    if today <= published.ends_on:
        return NOT_ENDED
    return None


def held_text(held: Mapping[str, int]) -> str:
    """The sheet's line on results held back: "另有 3 个结果未列入（尚未公示期满 2 个，尚未公示 1 个），
    本地区规定只发放公示期满且无成立异议的结果"; empty when none is."""
    parts = [f"{HOLD_LABELS[code]} {held[code]} 个" for code in HOLDS if held.get(code)]
    if not parts:
        return ""
    total = sum(held.get(code, 0) for code in HOLDS)
    return f"另有 {total} 个结果未列入（{'，'.join(parts)}），本地区规定{REQUIREMENT_TEXT}"
