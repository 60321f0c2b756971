"""Reads of the regions and facilities inside a principal's scope; what lies outside answers
exactly like what does not exist.

Regions are read one level of the tree at a time (a province holds some 50,000 villages): a
region with its direct subregions, each saying how many subregions it has in turn, so a picker
opens a branch only when it is asked to. Lists are paged by keyset cursors (server/domain/cursors.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from server.db import inspections as queries
from server.db.models import Facility, Region
from server.domain import cursors, regions
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.identifiers import uscc_problem
from server.extensions import db
from server.services import audit, checklists, review_queue

UNRATED_LABEL = "未评"
FACILITY_COLUMNS = (
    "id",
    "name",
    "type_code",
    "region_code",
    "uscc",
    "licence_no",
    "latitude",
    "longitude",
    "beds",
    "iv_infusion",
    "population_served",
    "facts",
)


def region_level(
    principal: Principal, parent: str | None, after: tuple[str] | None, limit: int
) -> dict[str, Any]:
    """`parent` (the caller's own region when None) and one page of its direct subregions, by
    code; `next` is the cursor of the page after, or None on the last page."""
    code = principal.region_code if parent is None else parent
    region = queries.region(code) if principal.sees_region(code) else None
    if region is None:
        raise DomainError("http.not_found")
    children = queries.region_children(principal, region.code, after[0] if after else None, limit + 1)
    page = children[:limit]
    counts = queries.child_counts([region.code, *(r.code for r in page)])
    return {
        "region": _node(region, counts),
        "items": [_node(r, counts) for r in page],
        "next": cursors.encode((page[-1].code,)) if len(children) > limit else None,
    }


def _node(region: Region, counts: dict[str, int]) -> dict[str, Any]:
    children = counts.get(region.code, 0)
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_code": region.parent_code,
        "children": children,
        "has_children": children > 0,
    }


def facilities(principal: Principal, query: dict[str, Any]) -> dict[str, Any]:
    """One page of the caller's facilities by (region code, id) and the cursor of the next;
    `q` matches part of the name, `region_code` keeps those inside a region (one outside the
    caller's answers an empty page)."""
    region = query.get("region_code")
    tiers = last_tier_options()
    if region is not None and not principal.sees_region(region):
        return {"items": [], "next": None, "tiers": tiers}
    limit = query["limit"]
    rows: list[Facility] = queries.facilities(
        principal,
        query.get("type_code"),
        limit + 1,
        query.get("after"),
        search=(query.get("q") or "").strip() or None,
        region_prefix=regions.scope_prefix(region) if region is not None else None,
        last_tier=query.get("last_tier"),
        type_codes=_family_types(query.get("family")),
    )
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "items": rows_of(principal, page),
        "next": cursors.encode((page[-1].region_code, page[-1].id)) if more else None,
        "tiers": tiers,
    }


def _family_types(family: str | None) -> list[str] | None:
    """The kinds of facility a checklist family is meant for (none when it is unknown)."""
    if family is None:
        return None
    found = checklists.current_families().get(family)
    return sorted(found.facility_types) if found is not None else []


def last_tier_options() -> list[dict[str, str]]:
    """What the last_tier filter may ask for: the loaded checklists' tiers, 未达标, and 未评."""
    options = [t for t in review_queue.tier_options() if t["code"] != review_queue.INCOMPLETE.code]
    return [*options, {"code": queries.UNRATED, "label": UNRATED_LABEL}]


def rows_of(principal: Principal, facilities: list[Facility]) -> list[dict[str, Any]]:
    """The facilities as a list shows them: with their region's name and last final result."""
    names = queries.regions_by_codes({f.region_code for f in facilities})
    last = queries.last_results(principal, (f.id for f in facilities))
    rows = []
    for f in facilities:
        region = names.get(f.region_code)
        result = last.get(f.id)
        rows.append(
            {
                **{c: getattr(f, c) for c in FACILITY_COLUMNS},
                "region_name": region.name if region is not None else f.region_code,
                "last_result": None if result is None else dataclasses.asdict(result),
            }
        )
    return rows


def facility(principal: Principal, facility_id: int) -> Facility:
    found = queries.facility(principal, facility_id)
    if found is None:
        raise DomainError("http.not_found")
    return found


def profile(principal: Principal, facility_id: int) -> dict[str, Any]:
    """One facility as its page shows it: the record with its region's names from the province
    down, whether its USCC's check character holds, and its inspections newest first, each with
    the tier its latest report gives (the final result once approved) and its plan."""
    found = facility(principal, facility_id)
    path = []
    code: str | None = found.region_code
    while code is not None:
        path.append(code)
        code = regions.parent_code(code)
    names = queries.regions_by_codes(path)
    history = queries.history(principal, found.id)
    return {
        "facility": rows_of(principal, [found])[0],
        "region_path": [names[c].name for c in reversed(path) if c in names],
        "uscc_problem": uscc_problem(found.uscc) if found.uscc else None,
        "history": [
            {
                "inspection_id": h.inspection.id,
                "kind": h.inspection.kind,
                "status": h.inspection.status,
                "inspection_date": h.inspection.inspection_date,
                "checklist_title": _title(h.inspection.checklist_id, h.inspection.checklist_version),
                "checklist_version": h.inspection.checklist_version,
                "tier_code": h.inspection.final_tier_code or h.tier_code,
                "tier_label": h.inspection.final_tier_label or h.tier_label,
                "report_number": h.report_number,
                "plan_id": h.plan_id,
                "plan_name": h.plan_name,
            }
            for h in history
        ],
    }


def _title(checklist_id: str, version: int) -> str:
    try:
        return checklists.get_checklist(checklist_id, version).title
    except DomainError:
        return "（已停用的评审标准）"


# --- who issues a region's documents ------------------------------------------------------------


def issuing_body_of(code: str) -> str:
    """The body that issues the documents of a region (a 6-digit code): its administrator's
    setting, else the health bureau named after it; the code itself for an unknown region."""
    region = queries.region(code)
    if region is None:
        return code
    return regions.issuing_body(region.name, region.issuing_body)


def _own_region(principal: Principal, code: str) -> Region:
    """A county, city or province inside the user's region; 404 otherwise, like a missing one."""
    try:
        level = regions.region_level(code)
    except regions.InvalidRegionCode:
        raise DomainError("http.not_found") from None
    region = queries.region(code)
    if region is None or level in ("township", "village") or not principal.sees_region(code):
        raise DomainError("http.not_found")
    return region


def issuing_body_view(region: Region) -> dict[str, Any]:
    return {
        "region_code": region.code,
        "region_name": region.name,
        "issuing_body": regions.issuing_body(region.name, region.issuing_body),
        "configured": region.issuing_body,
        "default": regions.default_issuing_body(region.name),
    }


def issuing_body(principal: Principal, code: str) -> dict[str, Any]:
    return issuing_body_view(_own_region(principal, code))


def set_issuing_body(
    principal: Principal, code: str, name: str | None, now: dt.datetime, ip: str | None
) -> dict[str, Any]:
    """Names the body that issues a region's documents; empty puts back the default. Audited when
    it changes. Reports rendered before keep the name they were issued under."""
    region = _own_region(principal, code)
    value = (name or "").strip() or None
    if value == regions.default_issuing_body(region.name):
        value = None
    if value != region.issuing_body:
        before = region.issuing_body
        region.issuing_body = value
        audit.record(
            "region.issuing_body",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="region",
            target_id=code,
            before={"issuing_body": before},
            after={"issuing_body": value},
            ip=ip,
        )
        db.session.commit()
    return issuing_body_view(region)
