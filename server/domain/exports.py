"""The results export (评审结果) as a bureau reads it: for one final result, the share each chapter
reached, the core items met, the veto outcome; the columns of a checklist's sheet; and the names
of sheets and files. Pure: the scoring result, the checklist and the facility come in as values.

Chapter columns differ between checklists (four chapters in one edition, five in another, and
shares of graded items in one family against points in another), so the workbook has one sheet
per checklist edition and version, each with that checklist's chapters as its columns.

A chapter's share is read from the scoring result's roll-up of that chapter, the one the report's
summary table prints: for a graded checklist the applicable items that reached the scale's first
level (C级, 基本达标: 达到基本要求) over the applicable items (达标率); for a points checklist the
points earned over the points possible (得分率). A chapter with nothing applicable has no share.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.checklist import NOT_APPLICABLE, NOT_MET, Checklist

POINTS = "points"
VETO_NONE = "未触发"
NO_CORE_ITEMS = "无核心条款"
SHEET_NAME_MAX = 31  # Excel's limit
_NOT_IN_SHEET_NAMES = re.compile(r"[\\/?*\[\]:]")
_NOT_IN_FILE_NAMES = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]+")


def share_kind(checklist: Checklist) -> str:
    """What a chapter's share is for this checklist, in the words of its column: 达标率 or 得分率."""
    return "得分率" if checklist.method == POINTS else "达标率"


def chapter_header(checklist: Checklist, chapter_id: str) -> str:
    chapter = next(c for c in checklist.chapters if c.id == chapter_id)
    number = f"{chapter.number}、" if chapter.number else ""
    return f"{number}{chapter.title}{share_kind(checklist)}"


def share_note(checklist: Checklist) -> str:
    """How the chapter columns of this checklist's sheet are computed, for the sheet's head."""
    if checklist.method == POINTS:
        return "各章得分率＝该章得分÷该章适用条款满分（与评审报告的评分汇总一致）；该章没有适用条款时留空。"
    first = checklist.grade_labels.get(checklist.grade_scale[0], checklist.grade_scale[0]).split("（")[0]
    return (
        f"各章达标率＝该章适用条款中达到“{first}”及以上的条数÷该章适用条款数（与评审报告的评分汇总一致）；"
        "该章没有适用条款时留空。"
    )


def chapter_share(checklist: Checklist, rollup: Mapping[str, Any]) -> float | None:
    """The share of one chapter's roll-up (server.domain.scoring `chapters[]`), None when the
    chapter has nothing applicable."""
    if checklist.method == POINTS:
        points = rollup.get("points") or {}
        possible = points.get("possible") or 0
        return float(points.get("earned", 0)) / float(possible) if possible else None
    applicable = int(rollup["applicable"])
    if not applicable:
        return None
    return int(rollup["at_least"][checklist.grade_scale[0]]) / applicable


def chapter_shares(checklist: Checklist, score: Mapping[str, Any]) -> list[float | None]:
    """The share of each chapter, in the checklist's order."""
    by_id = {c["id"]: c for c in score["chapters"]}
    return [chapter_share(checklist, by_id[c.id]) if c.id in by_id else None for c in checklist.chapters]


def core_grade(checklist: Checklist) -> str:
    """The grade a core item must reach: the one the checklist's rule over its core items names
    ("核心条款全部达到C级", "全部达标"), else the first level of the scale."""
    for tier in checklist.tiers:
        for rule in tier.rules:
            if rule.rule == "all_at_least" and rule.select.get("core") is True and rule.grade:
                return rule.grade
    return checklist.grade_scale[0]


def core_items(checklist: Checklist, score: Mapping[str, Any]) -> tuple[int, int]:
    """(met, applicable) of the checklist's core items in a scoring result."""
    grade = checklist.rank(core_grade(checklist))
    met = applicable = 0
    outcomes: Mapping[str, Any] = score["items"]
    for item in checklist.items():
        if not item.core or item.monitoring:
            continue
        outcome = outcomes.get(item.id, {}).get("outcome")
        if outcome == NOT_APPLICABLE:
            continue
        applicable += 1
        if checklist.rank(outcome or NOT_MET) >= grade:
            met += 1
    return met, applicable


def core_text(met: int, applicable: int) -> str:
    return f"{met}/{applicable}" if applicable else NO_CORE_ITEMS


def veto_text(checklist: Checklist, score: Mapping[str, Any]) -> str:
    """未触发, or the numbers of the veto items that failed (as the report numbers them)."""
    failed: Sequence[str] = score.get("veto_failed") or []
    if not failed:
        return VETO_NONE
    items = checklist.item_map()
    return "、".join(items[i].number if i in items else i for i in failed)


@dataclass(frozen=True)
class RegionPath:
    county: str
    township: str


def region_path(region_code: str, names: Mapping[str, str]) -> RegionPath:
    """The county (or district) and township (or street) a facility lies in, by name; blank
    where the facility sits above that level (a facility directly under a city)."""
    county = region_code[:6] if len(region_code) >= 6 and region_code[4:6] != "00" else ""
    township = region_code[:9] if len(region_code) >= 9 else ""
    return RegionPath(names.get(county, county), names.get(township, township))


def sheet_names(wanted: Sequence[tuple[str, str, int]]) -> list[str]:
    """A sheet name for each checklist, given as (family name, title, version): the family and
    version (优质服务基层行（第2版）), or the title when two checklists of a family share a
    version; each within Excel's 31 characters, without the characters it refuses, unique."""
    families = [(family, version) for family, _, version in wanted]
    names: list[str] = []
    for family, title, version in wanted:
        tail = f"（第{version}版）"
        base = family if families.count((family, version)) == 1 else title
        base = _NOT_IN_SHEET_NAMES.sub("、", base).strip("'") or "评审结果"
        name = base[: SHEET_NAME_MAX - len(tail)] + tail
        n = 2
        while name in names:
            suffix = f"{tail[:-1]}，{n}）"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            n += 1
        names.append(name)
    return names


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts 第2号 before 第10号 (as the payout sheet orders facilities)."""
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text) if part)


def file_name(title: str, extension: str = ".xlsx") -> str:
    """A file name made of `title`: the characters file systems refuse replaced."""
    return (_NOT_IN_FILE_NAMES.sub("_", title).strip(" .") or "导出") + extension


# --- the workbook's content ----------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One facility's final result in the period, as its sheet's row shows it."""

    county: str
    township: str
    facility_name: str
    type_name: str
    identifier: str  # the USCC, else the licence number
    kind_label: str
    inspection_date: dt.date
    tier_label: str
    shares: tuple[float | None, ...]  # per chapter, in the checklist's order
    core: str
    veto: str
    report_number: str
    report_digest: str
    amount_yuan: int | None  # None: no rule applies (or no tier reached)
    payout_note: str


@dataclass(frozen=True)
class TierCount:
    tier_label: str
    facilities: int
    amount_yuan: int


@dataclass(frozen=True)
class ResultGroup:
    """The results of one checklist edition and version: one sheet."""

    sheet_name: str
    family_name: str
    checklist_title: str
    checklist_version: int
    chapter_headers: tuple[str, ...]
    share_note: str
    rows: tuple[ResultRow, ...]
    tiers: tuple[TierCount, ...]  # in the checklist's order, 未达标 last


@dataclass(frozen=True)
class ResultsBook:
    title: str  # 开封市2026年评审结果
    region_path: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    generated_at: str
    groups: tuple[ResultGroup, ...]

    @property
    def rows(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def results_title(region_name: str, period_label: str) -> str:
    return f"{region_name}{period_label}评审结果"


@dataclass(frozen=True)
class PlanRow:
    """One visit of a plan, as the plan's page shows it, with its final result when there is one."""

    facility_name: str
    region_name: str
    type_name: str
    team: str
    planned_on: dt.date
    progress_label: str
    status_label: str
    tier_label: str  # the final tier, once finally approved
    report_number: str  # the current report of a final result
    self_assessment: str


@dataclass(frozen=True)
class PlanList:
    name: str
    region_name: str
    starts_on: dt.date
    ends_on: dt.date
    checklist: str
    kind_label: str
    status_label: str
    requires_self_assessment: bool
    generated_at: str
    note: str
    rows: tuple[PlanRow, ...]


def plan_file_title(plan_name: str) -> str:
    return f"{plan_name}检查名单"
