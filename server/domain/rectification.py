"""Rectification (整改): every item a finally approved inspection found below what the checklist
asks becomes a task for the facility, with a deadline. The facility fixes it and shows how (a note
and photos); the county checks it, accepting or returning it with a reason. Pure: no I/O, no clock.

A task never changes the approved score: only a new inspection does. When an approved inspection
is reopened and approved again, its tasks follow the new result: an item that still fails keeps
its task (a withdrawn one opens again), an item that no longer fails has its open task withdrawn,
and what was already accepted stays accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from server.domain.checklist import NOT_MET, Checklist, Item
from server.domain.errors import DomainError
from server.domain.inputs import NOTE_MAX
from server.domain.labels import REASON_LABELS

OPEN = "open"  # waiting for the facility
SUBMITTED = "submitted"  # the facility says it is fixed; waiting for the county
RETURNED = "returned"  # the county found it not fixed: the facility works on it again
ACCEPTED = "accepted"  # the county confirmed the fix
WITHDRAWN = "withdrawn"  # the result it came from changed (reopened and approved again without it)
STATUSES = (OPEN, SUBMITTED, RETURNED, ACCEPTED, WITHDRAWN)
STATUS_LABELS = {
    OPEN: "待整改",
    SUBMITTED: "待核验",
    RETURNED: "已退回",
    ACCEPTED: "已验收",
    WITHDRAWN: "已撤销",
}
# Tones the app colours a status with (Vant tag types).
STATUS_TONES = {
    OPEN: "warning",
    SUBMITTED: "primary",
    RETURNED: "danger",
    ACCEPTED: "success",
    WITHDRAWN: "default",
}

# Where the facility still has work to do (and a deadline that can pass).
ACTIVE = frozenset({OPEN, RETURNED})
# Where the facility may change its note and photos.
EDITABLE = ACTIVE
# A task the county has still to look at, or the facility still to fix.
UNFINISHED = frozenset({OPEN, SUBMITTED, RETURNED})

# What a county decides of a submitted task.
DECISIONS = {"accept": ACCEPTED, "return": RETURNED}

# Days the facility has when neither the plan nor the checklist says otherwise.
DEFAULT_DAYS = 30
DAYS_MIN, DAYS_MAX = 1, 365

# The facility's note: at least this many characters once stripped, and at most the column's.
NOTE_MIN = 2
# Photos of one task's fix, and at least one on submitting.
PHOTOS_MAX = 20
PHOTOS_MIN = 1

# Events of a task's history (RectificationEvent.action) as people read them.
EVENT_LABELS = {
    "create": "生成整改任务",
    "submit": "提交整改",
    "accept": "验收通过",
    "return": "退回重新整改",
    "withdraw": "撤销（评审结果已变更）",
    "reopen": "重新生成（评审结果已变更）",
}

# The words every screen and the report say about what a rectification is not.
SCORE_UNCHANGED = "整改不改变已审定的评审得分和等级；等级的变化须经新的评审。"


@dataclass(frozen=True)
class Failed:
    """One item a result found below what the checklist asks: what the task is about."""

    item_id: str
    number: str
    text: str
    problem: str


def failed_items(
    checklist: Checklist,
    score: Mapping[str, Any],
    notes: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> list[Failed]:
    """The items of a score that need rectifying, in checklist order: graded below what the item
    asks (不达标, including a document missing or out of date), monitoring items excepted (they
    are watched, not required). The report's 整改清单 is this list. `notes` (what the inspection
    wrote of an item) and `reasons` (why a reviewer last regraded it) are added to the problem,
    so the facility reads what was found."""
    out = []
    for item in checklist.items():
        outcome = score["items"].get(item.id)
        if outcome is None or outcome["outcome"] != NOT_MET or item.monitoring:
            continue
        problem = reason_text(item, outcome) or "未达到基本要求"
        said = (("检查记录", (notes or {}).get(item.id)), ("审核意见", (reasons or {}).get(item.id)))
        found = "；".join(f"{label}：{text.strip()}" for label, text in said if text and text.strip())
        out.append(Failed(item.id, item.number, item.text, f"{problem}（{found}）" if found else problem))
    return out


def reason_text(item: Item, outcome: Mapping[str, Any]) -> str:
    """Why an item's outcome is what it is, in words ("" when the grade given says it all): each
    failing document of an item with several, else the scoring engine's reason. That an item
    does not apply (by the facility's facts or the inspector's word) is shown by its grade."""
    failing: Mapping[str, str] = outcome.get("documents") or {}
    if failing:
        names = {v.key: v.document for v in item.validities}
        return "；".join(f"{names.get(k, k)}：{REASON_LABELS.get(r, r)}" for k, r in failing.items())
    reason = outcome.get("reason")
    return "" if reason in (None, "condition", "inspector") else REASON_LABELS.get(reason, "")


def days_for(plan_days: int | None, checklist_days: int | None) -> int:
    """The days a facility has to fix: the plan's, else the checklist edition's, else 30."""
    for days in (plan_days, checklist_days):
        if days is not None:
            return days
    return DEFAULT_DAYS


def deadline(approved_on: dt.date, days: int) -> dt.date:
    """The last day to fix: `days` calendar days after the day of final approval (China date)."""
    return approved_on + dt.timedelta(days=days)


def overdue(status: str, deadline_on: dt.date, today: dt.date) -> bool:
    """Still the facility's to fix, and its last day has passed."""
    return status in ACTIVE and deadline_on < today


@dataclass(frozen=True)
class Reconciled:
    """What a (re-)approval does to an inspection's tasks."""

    create: list[Failed]  # items with no task yet
    reopen: list[str]  # item ids of withdrawn tasks that fail again
    withdraw: list[str]  # item ids of unfinished tasks whose item no longer fails


def reconcile(failed: Iterable[Failed], existing: Mapping[str, str]) -> Reconciled:
    """Tasks after an approval, given the failing items and each existing task's status by item."""
    failing = {f.item_id: f for f in failed}
    create = [f for item_id, f in failing.items() if item_id not in existing]
    reopen = [i for i, status in existing.items() if i in failing and status == WITHDRAWN]
    withdraw = [i for i, status in existing.items() if i not in failing and status in UNFINISHED]
    return Reconciled(create, sorted(reopen), sorted(withdraw))


def check_submit(status: str, note: str | None, photos: int) -> str:
    """The note a submission carries, stripped; a DomainError when it may not be submitted."""
    if status not in EDITABLE:
        raise DomainError("rectification.not_editable", status_label=STATUS_LABELS.get(status, status))
    text = (note or "").strip()
    if len(text) < NOTE_MIN:
        raise DomainError("rectification.note_required", min_length=NOTE_MIN)
    if photos < PHOTOS_MIN:
        raise DomainError("rectification.photo_required", count=PHOTOS_MIN)
    return text


def check_decision(status: str, decision: str, reason: str | None) -> str:
    """The status a county's decision leads to; a DomainError when it may not be taken."""
    if decision not in DECISIONS:
        raise DomainError("rectification.unknown_decision")
    if status != SUBMITTED:
        raise DomainError("rectification.not_submitted", status_label=STATUS_LABELS.get(status, status))
    if decision == "return" and len((reason or "").strip()) < NOTE_MIN:
        raise DomainError("rectification.reason_required", min_length=NOTE_MIN)
    return DECISIONS[decision]


def as_data() -> dict[str, Any]:
    """The rules the app shows and checks before sending (exported with the labels)."""
    return {
        "statuses": STATUS_LABELS,
        "tones": STATUS_TONES,
        "active": sorted(ACTIVE),
        "editable": sorted(EDITABLE),
        "events": EVENT_LABELS,
        "days_min": DAYS_MIN,
        "days_max": DAYS_MAX,
        "default_days": DEFAULT_DAYS,
        "note_min_length": NOTE_MIN,
        "note_max_length": NOTE_MAX,
        "photos_min": PHOTOS_MIN,
        "photos_max": PHOTOS_MAX,
        "score_unchanged": SCORE_UNCHANGED,
    }
