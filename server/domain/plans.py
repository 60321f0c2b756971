"""Campaign plans (评审计划): the rules that need no database.

A plan names a region, a period, one checklist (edition and version) and the facilities to be
inspected on it, each with a team of inspectors and a planned date. Creating it creates one
inspection per facility (and, when the plan requires it, the facility's self-assessment) in one
transaction. The plan then follows its inspections: `progress` says where each one stands in the
words a county clerk uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from server.domain import workflow

PENDING = "pending"  # waiting for its background job to create the inspections
ACTIVE = "active"
CANCELLED = "cancelled"
STATUSES = (PENDING, ACTIVE, CANCELLED)
STATUS_LABELS = {PENDING: "创建中", ACTIVE: "进行中", CANCELLED: "已取消"}

# Where one planned inspection stands.
NOT_STARTED = "not_started"  # a draft nobody has written to yet: team and date may still change
IN_PROGRESS = "in_progress"  # a draft with answers or photos
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
RETURNED = "returned"
APPROVED = "approved"
REJECTED = "rejected"
CALLED_OFF = "cancelled"
PROGRESS = (NOT_STARTED, IN_PROGRESS, SUBMITTED, IN_REVIEW, RETURNED, APPROVED, REJECTED, CALLED_OFF)
PROGRESS_LABELS = {
    NOT_STARTED: "未开始",
    IN_PROGRESS: "检查中",
    SUBMITTED: "已提交",
    IN_REVIEW: "审核中",
    RETURNED: "已退回",
    APPROVED: "已通过",
    REJECTED: "不予通过",
    CALLED_OFF: "已取消",
}
PROGRESS_TONES: dict[str, str] = {
    NOT_STARTED: "default",
    IN_PROGRESS: "primary",
    SUBMITTED: "primary",
    IN_REVIEW: "warning",
    RETURNED: "danger",
    APPROVED: "success",
    REJECTED: "danger",
    CALLED_OFF: "default",
}

# The kinds of inspection a plan schedules (a self-assessment is the facility's own, never planned
# as a visit), and the kind each reviewer plans.
KINDS = (workflow.COUNTY_INSPECTION, workflow.CITY_REINSPECTION)
KIND_OF_ROLE = {
    workflow.COUNTY_REVIEWER: workflow.COUNTY_INSPECTION,
    workflow.CITY_REVIEWER: workflow.CITY_REINSPECTION,
}

MAX_FACILITIES = 1000  # in one plan: a city's centres, or a county's village clinics
MAX_TEAM = 10  # inspectors of one facility's team
MAX_DAYS = 366  # from the first day of a plan to its last


def progress(status: str, started: bool) -> str:
    """Where an inspection of this status stands; `started` when it has answers or photos."""
    if status == workflow.DRAFT:
        return IN_PROGRESS if started else NOT_STARTED
    return {
        workflow.SUBMITTED: SUBMITTED,
        workflow.COUNTY_REVIEW: IN_REVIEW,
        workflow.COUNTY_APPROVED: IN_REVIEW,
        workflow.CITY_REVIEW: IN_REVIEW,
        workflow.RETURNED: RETURNED,
        workflow.APPROVED: APPROVED,
        workflow.REJECTED: REJECTED,
        workflow.CANCELLED: CALLED_OFF,
    }[status]


def changeable(status: str, started: bool) -> bool:
    """Whether the team and date of a planned inspection may still change: nobody has started."""
    return progress(status, started) == NOT_STARTED


def self_assessment_done(status: str | None) -> bool:
    """Whether a facility's self-assessment of this status counts as done before the visit: it has
    been submitted (whatever its review does next)."""
    return status is not None and status not in (workflow.DRAFT, workflow.CANCELLED)


@dataclass(frozen=True)
class Period:
    starts_on: dt.date
    ends_on: dt.date

    def problem(self) -> str | None:
        """Why the period cannot be a plan's, in Chinese; None when it can."""
        if self.ends_on < self.starts_on:
            return "结束日期早于开始日期"
        if (self.ends_on - self.starts_on).days + 1 > MAX_DAYS:
            return f"计划期限不能超过 {MAX_DAYS} 天"
        return None

    def holds(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on
