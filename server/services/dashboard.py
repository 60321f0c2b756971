"""The results dashboard (评审成果统计) of a region and campaign year for one checklist family: per
direct sub-region, facilities by tier, the year's planned visits, the shares at 基本 and 推荐
against the bureau's target, the same figures for the year before, and the items most often not
met; the list of facilities behind any of those numbers; and the targets administrators set.

The rules are server/domain/dashboard.py's; the counts come from the summary tables kept at final
approval (server/db/dashboard.py). Everything is inside the caller's region: a region outside it
answers like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from server.db import dashboard as queries
from server.db.models import DashboardTarget, Facility
from server.domain import dashboard, plans, regions
from server.domain.access import Principal
from server.domain.checklist import Checklist
from server.domain.errors import DomainError, Problem
from server.domain.identifiers import FACILITY_TYPES
from server.domain.labels import KIND_LABELS
from server.domain.times import china_date
from server.domain.workflow import APPROVED, STATUSES
from server.extensions import db
from server.services import audit, checklists

INVALID = "dashboard.invalid"
INVALID_TARGET = "dashboard.invalid_target"
DONE = "done"  # the visits finally approved (plans.APPROVED), as the dashboard names them
PLANNED = "planned"  # every visit of the year's plans but those called off


@dataclass(frozen=True)
class Family:
    code: str
    label: str
    types: tuple[str, ...]
    checklists: tuple[Checklist, ...]  # every loaded version, newest first
    columns: tuple[dashboard.Column, ...]

    @property
    def checklist_ids(self) -> list[str]:
        return sorted({c.id for c in self.checklists})

    def tier_label(self, code: str | None) -> str:
        wanted = code or dashboard.UNRATED
        return next((c.label for c in self.columns if c.code == wanted), wanted)

    def newest(self, checklist_id: str) -> Checklist | None:
        return next((c for c in self.checklists if c.id == checklist_id), None)


def _families() -> dict[str, Family]:
    """The checklist families with loaded checklists, in the registry's order."""
    registry = checklists.current_families()
    loaded: dict[str, list[Checklist]] = {}
    for ref in sorted(checklists.list_loaded(), key=lambda r: (r["id"], -int(r["version"]))):
        loaded.setdefault(ref["family"], []).append(checklists.get_checklist(ref["id"], ref["version"]))
    found = {}
    for code in registry.codes:
        if code not in loaded:
            continue
        versions = sorted(loaded[code], key=lambda c: -c.version)
        entry = registry.get(code)
        assert entry is not None
        found[code] = Family(
            code,
            entry.name,
            tuple(sorted(entry.facility_types)),
            tuple(versions),
            tuple(dashboard.tier_columns(versions)),
        )
    return found


def _family(code: str | None) -> tuple[Family, dict[str, Family]]:
    families = _families()
    if not families:
        raise DomainError(INVALID, problems=[Problem(INVALID, "/family", "尚未加载任何评审标准")])
    if code is None:
        return next(iter(families.values())), families
    if code not in families:
        raise DomainError(INVALID, problems=[Problem(INVALID, "/family", "没有已加载的此类评审标准")])
    return families[code], families


def _place(
    principal: Principal, code: str | None, direct: bool = False
) -> tuple[Any, queries.Place, list[Any]]:
    """The region asked about (the caller's own when None), its place, and its sub-regions."""
    wanted = code or principal.region_code
    region = queries.region(wanted) if principal.sees_region(wanted) else None
    if region is None:
        raise DomainError("http.not_found")
    children = queries.children(region.code)
    prefixes = tuple(regions.scope_prefix(c.code) for c in children)
    place = queries.Place(
        principal,
        regions.scope_prefix(region.code),
        dashboard.child_prefix_length([c.code for c in children]),
        prefixes,
        direct,
    )
    return region, place, children


def _year(year: int | None, now: dt.datetime) -> int:
    return year if year is not None else china_date(now).year


# --- the dashboard -------------------------------------------------------------------------------


@dataclass
class Figures:
    """One row's numbers for one year."""

    facilities: int = 0
    results: dict[str, int] = field(default_factory=dict)  # tier -> facilities whose standing result has it
    visits: dict[str, int] = field(default_factory=dict)  # plan progress -> visits
    overdue_tasks: int = 0  # rectification tasks past their deadline today (whatever the year)
    overdue_facilities: int = 0

    def tiers(self, family: Family) -> dict[str, int]:
        counted = sum(self.results.values())
        found = {c.code: self.results.get(c.code, 0) for c in family.columns}
        found[dashboard.UNRATED] = max(0, self.facilities - counted)
        return found

    def plan(self) -> dict[str, Any]:
        progress = {p: self.visits.get(p, 0) for p in plans.PROGRESS}
        planned = sum(n for p, n in progress.items() if p != plans.CALLED_OFF)
        return {PLANNED: planned, DONE: progress[plans.APPROVED], "progress": progress}


def _add(into: dict[str, int], key: str, n: int) -> None:
    into[key] = into.get(key, 0) + n


def _shares(
    family: Family, tiers: dict[str, int], facilities: int, target: dashboard.Target | None
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for share in dashboard.SHARES:
        codes = dashboard.at_least(family.columns, share)
        if not codes:
            found[share] = None
            continue
        count = sum(tiers.get(c, 0) for c in codes)
        wanted = target.of(share) if target is not None else None
        found[share] = {
            "count": count,
            "percent": dashboard.percent(count, facilities),
            "target_percent": wanted,
            "met": dashboard.met(count, facilities, wanted),
        }
    return found


def _row(
    family: Family,
    now: Figures,
    before: Figures,
    target: dashboard.Target | None,
    **identity: Any,
) -> dict[str, Any]:
    tiers, previous_tiers = now.tiers(family), before.tiers(family)
    previous_plan = before.plan()
    return {
        **identity,
        "facilities": now.facilities,
        "tiers": tiers,
        "shares": _shares(family, tiers, now.facilities, target),
        "plan": now.plan(),
        "overdue": {"tasks": now.overdue_tasks, "facilities": now.overdue_facilities},
        "previous": {
            "facilities": before.facilities,
            "tiers": previous_tiers,
            "shares": _shares(family, previous_tiers, before.facilities, None),
            "plan": {PLANNED: previous_plan[PLANNED], DONE: previous_plan[DONE]},
        },
    }


def _targets(
    code: str, children: list[Any], family: str, year: int
) -> tuple[dict[str, dashboard.Target], dict[str, DashboardTarget]]:
    """The targets set for the region, the regions above it and its sub-regions, as the domain
    reads them and as stored."""
    rows = queries.targets([*dashboard.chain(code), *(c.code for c in children)], family, year)
    return {
        c: dashboard.Target(t.region_code, t.basic_percent, t.recommended_percent) for c, t in rows.items()
    }, rows


def _target_view(
    target: dashboard.Target | None, code: str, rows: dict[str, DashboardTarget], names: dict[str, Any]
) -> dict[str, Any] | None:
    if target is None:
        return None
    row = rows.get(target.region_code)
    region = names.get(target.region_code)
    return {
        "region_code": target.region_code,
        "region_name": region.name if region is not None else target.region_code,
        "basic_percent": target.basic_percent,
        "recommended_percent": target.recommended_percent,
        "inherited": target.region_code != code,
        "set_at": row.set_at if row is not None else None,
    }


def overview(principal: Principal, query: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    family, families = _family(query.get("family"))
    region, place, children = _place(principal, query.get("region_code"))
    year = _year(query.get("year"), now)
    years = [year - 1, year]

    facilities = queries.facility_counts(place, family.types)
    tiers = queries.tier_counts(place, family.code, years)
    visits = queries.plan_counts(place, family.checklist_ids, years)
    overdue = queries.overdue_counts(place, family.checklist_ids, china_date(now))

    child_keys = {regions.scope_prefix(c.code): c for c in children}
    figures: dict[tuple[int, str], Figures] = {}

    def bucket(y: int, key: str) -> Figures:
        key = key if key in child_keys else ""  # anything in no sub-region: the region itself (本级)
        return figures.setdefault((y, key), Figures())

    for y in years:
        for key, n in facilities.items():
            bucket(y, key).facilities += n
    for (y, key, tier), n in tiers.items():
        _add(bucket(y, key).results, tier, n)
    for (y, key, status, started), n in visits.items():
        _add(bucket(y, key).visits, plans.progress(status, started), n)
    for key, (tasks, late_facilities) in overdue.items():
        late = bucket(year, key)
        late.overdue_tasks += tasks
        late.overdue_facilities += late_facilities

    def total(y: int) -> Figures:
        found = Figures()
        for (year_of, _), f in figures.items():
            if year_of != y:
                continue
            found.facilities += f.facilities
            found.overdue_tasks += f.overdue_tasks
            found.overdue_facilities += f.overdue_facilities
            for k, n in f.results.items():
                _add(found.results, k, n)
            for k, n in f.visits.items():
                _add(found.visits, k, n)
        return found

    targets, target_rows = _targets(region.code, children, family.code, year)
    names = queries.regions_named(dashboard.chain(region.code))
    own_target = dashboard.target_for(region.code, targets)

    counts = queries.child_counts([c.code for c in children])
    rows = [
        _row(
            family,
            figures.get((year, key), Figures()),
            figures.get((year - 1, key), Figures()),
            dashboard.target_for(child.code, targets),
            region_code=child.code,
            region_name=child.name,
            direct=False,
            has_children=counts.get(child.code, 0) > 0,
        )
        for key, child in child_keys.items()
    ]
    direct = figures.get((year, ""))
    if children and direct is not None and direct.facilities:  # facilities in none of the sub-regions
        rows.append(
            _row(
                family,
                direct,
                figures.get((year - 1, ""), Figures()),
                own_target,
                region_code=region.code,
                region_name=f"{region.name}{dashboard.DIRECT_LABEL}",
                direct=True,
                has_children=False,
            )
        )

    path = [c for c in reversed(dashboard.chain(region.code)) if principal.sees_region(c) and c in names]
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "path": [{"code": c, "name": names[c].name} for c in path],
        "year": year,
        "years": sorted({*queries.years(principal, family.code), year, china_date(now).year}, reverse=True),
        "family": family.code,
        "family_label": family.label,
        "families": [{"code": f.code, "label": f.label} for f in families.values()],
        "tiers": [{"code": c.code, "label": c.label} for c in family.columns],
        "shares": [
            {
                "code": s,
                "label": dashboard.share_label(family.columns, s),
                "tiers": dashboard.at_least(family.columns, s),
            }
            for s in dashboard.SHARES
            if dashboard.at_least(family.columns, s)
        ],
        "target": _target_view(own_target, region.code, target_rows, names),
        "total": _row(
            family,
            total(year),
            total(year - 1),
            own_target,
            region_code=region.code,
            region_name=region.name,
            direct=False,
            has_children=bool(children),
        ),
        "rows": rows,
        "items": _items(place, family, year),
    }


def _items(place: queries.Place, family: Family, year: int) -> list[dict[str, Any]]:
    top = queries.top_not_met(place, family.code, year, dashboard.TOP_ITEMS)
    checked = queries.checked_counts(place, family.code, year)
    before = queries.not_met_counts(place, family.code, year - 1, [(c, i) for c, i, _ in top])
    found = []
    for checklist_id, item_id, count in top:
        checklist = family.newest(checklist_id)
        item = checklist.item_map().get(item_id) if checklist is not None else None
        found.append(
            {
                "checklist_id": checklist_id,
                "checklist_title": checklist.title if checklist is not None else checklist_id,
                "item_id": item_id,
                "number": item.number if item is not None else item_id,
                "text": item.text if item is not None else "（此条款已不在现行版本中）",
                "count": count,
                "checked": checked.get(checklist_id, 0),
                "percent": dashboard.percent(count, checked.get(checklist_id, 0)),
                "previous_count": before.get((checklist_id, item_id), 0),
            }
        )
    return found


# --- the lists behind the numbers ------------------------------------------------------------------


def facilities(principal: Principal, query: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """One page of the facilities behind a number of the dashboard, by region code then facility
    (visits: then inspection): the region's (only those registered at the region itself with
    `direct`), of the family, in the year, narrowed by at most one of tier, reached, progress, item
    or overdue (facilities with rectification tasks past their deadline today)."""
    family, _ = _family(query.get("family"))
    region, place, _ = _place(principal, query.get("region_code"), bool(query.get("direct")))
    year = _year(query.get("year"), now)
    limit, after = query["limit"], query.get("after")
    asked = [k for k in ("tier", "reached", "progress", "item_id") if query.get(k) is not None]
    asked += ["overdue"] if query.get("overdue") else []
    if len(asked) > 1:
        raise DomainError(INVALID, problems=[Problem(INVALID, f"/{asked[1]}", "一次只能按一个条件列出机构")])
    if (query.get("item_id") is None) != (query.get("checklist_id") is None):
        raise DomainError(INVALID, problems=[Problem(INVALID, "/item_id", "条款须与评审标准一同给出")])
    what, listed = _listed(place, family, year, query, after, limit + 1, china_date(now))
    page = listed[:limit]
    of_visits = query.get("progress") is not None
    scope = f"{region.name}{dashboard.DIRECT_LABEL if query.get('direct') else ''}"
    return {
        "title": f"{scope} {year}年 {family.label}：{what}",
        "items": _rows(family, year, page, of_visits, china_date(now)),
        "next": ".".join(str(p) for p in page[-1].key) if len(listed) > limit else None,
    }


def _listed(
    place: queries.Place,
    family: Family,
    year: int,
    query: dict[str, Any],
    after: Any,
    limit: int,
    today: dt.date,
) -> tuple[str, list[queries.Listed]]:
    tier, reached, progress = query.get("tier"), query.get("reached"), query.get("progress")
    if query.get("overdue"):
        return "整改逾期", queries.overdue_list(place, family.checklist_ids, today, after, limit)
    if tier == dashboard.UNRATED:
        rows = queries.facilities_list(place, family.code, year, family.types, True, after, limit)
        return dashboard.UNRATED_LABEL, rows
    if tier == dashboard.RATED:
        return dashboard.RATED_LABEL, queries.results_list(place, family.code, year, None, after, limit)
    if tier is not None:
        if tier not in {c.code for c in family.columns}:
            raise DomainError(INVALID, problems=[Problem(INVALID, "/tier", "此类评审标准没有这个等级")])
        return family.tier_label(tier), queries.results_list(place, family.code, year, [tier], after, limit)
    if reached is not None:
        codes = dashboard.at_least(family.columns, reached)
        if not codes:
            raise DomainError(INVALID, problems=[Problem(INVALID, "/reached", "此类评审标准没有这个等级")])
        label = dashboard.share_label(family.columns, reached)
        return label, queries.results_list(place, family.code, year, codes, after, limit)
    if progress is not None:
        statuses, started = _progress_filter(progress)
        label = {PLANNED: "计划检查", DONE: "已通过"}.get(progress) or plans.PROGRESS_LABELS[progress]
        return label, queries.visits_list(place, family.checklist_ids, year, statuses, started, after, limit)
    if query.get("item_id") is not None:
        checklist_id, item_id = query["checklist_id"], query["item_id"]
        checklist = family.newest(checklist_id)
        item = checklist.item_map().get(item_id) if checklist is not None else None
        if item is None:
            raise DomainError(INVALID, problems=[Problem(INVALID, "/item_id", "此类评审标准没有这个条款")])
        label = f"未达标条款 {item.number} {item.text}"
        return label, queries.not_met_list(place, family.code, year, checklist_id, item_id, after, limit)
    return "全部机构", queries.facilities_list(place, family.code, year, family.types, False, after, limit)


def _progress_filter(progress: str) -> tuple[list[str] | None, bool | None]:
    """The inspection statuses (None: all but called off) and draft start a progress code lists."""
    if progress == PLANNED:
        return None, None
    if progress == DONE:
        progress = plans.APPROVED
    statuses = [s for s in STATUSES if progress in (plans.progress(s, False), plans.progress(s, True))]
    started = {plans.NOT_STARTED: False, plans.IN_PROGRESS: True}.get(progress)
    return statuses, started


def _rows(
    family: Family, year: int, page: list[queries.Listed], visits_listed: bool, today: dt.date
) -> list[dict[str, Any]]:
    """The rows of a page, each with its facility's standing result of the year; a planned visit's
    progress and plan when the list is of visits."""
    standing = queries.standing_results(family.code, year, (r.facility.id for r in page))
    visits = queries.visits(r.inspection_id for r in page if r.inspection_id is not None)
    ids = {r.inspection_id for r in page if r.inspection_id is not None}
    ids |= {s.inspection_id for s in standing.values()}
    numbers = queries.report_numbers(ids)
    names = queries.regions_named(r.facility.region_code for r in page)
    late = queries.overdue_by_facility(family.checklist_ids, today, (r.facility.id for r in page))
    rows = []
    for r in page:
        f: Facility = r.facility
        result = standing.get(f.id)
        visit = visits.get(r.inspection_id) if r.inspection_id is not None else None
        inspection_id = r.inspection_id if r.inspection_id is not None else None
        approved = visit is not None and visit.status == APPROVED
        region = names.get(f.region_code)
        rows.append(
            {
                "facility_id": f.id,
                "facility_name": f.name,
                "type_label": FACILITY_TYPES.get(f.type_code, f.type_code),
                "region_code": f.region_code,
                "region_name": region.name if region is not None else f.region_code,
                "tier_code": result.tier_code if result is not None else dashboard.UNRATED,
                "tier_label": family.tier_label(result.tier_code if result is not None else None),
                "inspection_id": inspection_id,
                "inspection_date": visit.inspection_date if visit is not None else None,
                "kind_label": KIND_LABELS.get(visit.kind, visit.kind) if visit is not None else None,
                "progress": plans.progress(visit.status, visit.started) if visit and visits_listed else None,
                "plan_name": visit.plan_name if visit and visits_listed else None,
                "report_number": numbers.get(inspection_id) if inspection_id is not None else None,
                "overdue": late.get(f.id, 0),
                "facility_path": f"/console/facilities/{f.id}",
                "report_path": f"/api/inspections/{inspection_id}/report" if approved else None,
            }
        )
    return rows


# --- targets -------------------------------------------------------------------------------------


def set_target(
    principal: Principal, body: dict[str, Any], ip: str | None, now: dt.datetime
) -> dict[str, Any]:
    """The shares a region is to reach in a year for a family; replaces the region's earlier ones,
    audited with both."""
    problems = []
    code = body["region_code"]
    if not principal.sees_region(code) or queries.region(code) is None:
        problems.append(Problem(INVALID_TARGET, "/region_code", "不是本辖区的地区"))
    if body["family"] not in _families():
        problems.append(Problem(INVALID_TARGET, "/family", "没有已加载的此类评审标准"))
    if body.get("basic_percent") is None and body.get("recommended_percent") is None:
        problems.append(Problem(INVALID_TARGET, "/recommended_percent", "请至少填写一项目标比例"))
    if problems:
        raise DomainError(INVALID_TARGET, problems=problems)
    row = queries.target_for_update(code, body["family"], body["year"])
    before = None if row is None else _target_json(row)
    if row is None:
        row = DashboardTarget(region_code=code, family=body["family"], year=body["year"])
        db.session.add(row)
    row.basic_percent = body.get("basic_percent")
    row.recommended_percent = body.get("recommended_percent")
    row.set_by = principal.user_id
    row.set_at = now
    db.session.flush()
    audit.record(
        "dashboard.target",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="region",
        target_id=code,
        before=before,
        after=_target_json(row),
        ip=ip,
    )
    db.session.commit()
    names = queries.regions_named([code])
    return {
        "region_code": code,
        "region_name": names[code].name if code in names else code,
        "year": row.year,
        "family": row.family,
        "basic_percent": row.basic_percent,
        "recommended_percent": row.recommended_percent,
        "set_at": row.set_at,
    }


def _target_json(row: DashboardTarget) -> dict[str, Any]:
    return {
        "year": row.year,
        "family": row.family,
        "basic_percent": row.basic_percent,
        "recommended_percent": row.recommended_percent,
    }
