"""Reads of the regions and facilities inside a principal's scope; what lies outside answers
exactly like what does not exist.

Regions are read one level of the tree at a time (a province holds some 50,000 villages): a
region with its direct subregions, each saying how many subregions it has in turn, so a picker
opens a branch only when it is asked to. Lists are paged by keyset cursors (server/domain/cursors.py).
"""

from __future__ import annotations

from typing import Any

from server.db import inspections as queries
from server.db.models import Facility, Region
from server.domain import cursors, regions
from server.domain.access import Principal
from server.domain.errors import DomainError


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
    if region is not None and not principal.sees_region(region):
        return {"items": [], "next": None}
    limit = query["limit"]
    rows: list[Facility] = queries.facilities(
        principal,
        query.get("type_code"),
        limit + 1,
        query.get("after"),
        search=(query.get("q") or "").strip() or None,
        region_prefix=regions.scope_prefix(region) if region is not None else None,
    )
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": page, "next": cursors.encode((page[-1].region_code, page[-1].id)) if more else None}


def facility(principal: Principal, facility_id: int) -> Facility:
    found = queries.facility(principal, facility_id)
    if found is None:
        raise DomainError("http.not_found")
    return found
