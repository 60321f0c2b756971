"""The reviewers' queue: inspections in the caller's region, narrowed on the server (facility name,
region, status, checklist, tier, what awaits the caller), paged, with what a row shows: the
facility's name, the tier it reaches now, its inspectors and when it was drawn for city re-review.

Tiers are computed by the scoring engine. A computed tier is kept per process until the
inspection's answers change (every answer write takes the inspection's lock, which bumps its
sync sequence), or its checklist version, date or facility facts do.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from server.db import inspections as queries
from server.db.models import Facility, Inspection
from server.domain import cursors, regions
from server.domain.access import Principal
from server.domain.errors import DomainError, Problem
from server.domain.scoring import TIER_NONE, TIER_NONE_LABEL, check_facts, documents_from_json, score_checked
from server.domain.scoring import Answer as ScoredAnswer
from server.services import checklists
from server.services.inspections import facility_facts

_CACHE_SIZE = 20_000
_tiers: OrderedDict[tuple[Any, ...], tuple[str, str]] = OrderedDict()


@dataclass(frozen=True)
class Tier:
    code: str
    label: str


# An inspection with items still unanswered has reached no tier yet: showing the engine's 未达标
# (which counts those items as not met) would read as a verdict on a half-filled draft.
INCOMPLETE = Tier("incomplete", "未完成")


def tier_options(checklist_id: str | None = None) -> list[dict[str, str]]:
    """The tiers a filter may ask for, by code, with the loaded checklists' labels (a code the
    families label differently shows each label once), then 未达标."""
    labels: dict[str, list[str]] = {}
    order = {code: i for i, code in enumerate(checklists.current_families().codes)}  # whose labels come first
    refs = sorted(checklists.list_loaded(), key=lambda r: (order.get(r["family"], len(order)), r["id"]))
    for ref in refs:
        if checklist_id and ref["id"] != checklist_id:
            continue
        for tier in checklists.get_checklist(ref["id"], ref["version"]).tiers:
            names = labels.setdefault(tier.code, [])
            if tier.label not in names:
                names.append(tier.label)
    options = [{"code": code, "label": " / ".join(names)} for code, names in labels.items()]
    return [
        *options,
        {"code": TIER_NONE, "label": TIER_NONE_LABEL},
        {"code": INCOMPLETE.code, "label": INCOMPLETE.label},
    ]


def checklist_options() -> list[dict[str, str]]:
    """Each loaded checklist once (its newest title), for the checklist filter."""
    newest: dict[str, dict[str, Any]] = {}
    for ref in checklists.list_loaded():
        if ref["id"] not in newest or newest[ref["id"]]["version"] < ref["version"]:
            newest[ref["id"]] = ref
    return [{"id": r["id"], "title": r["title"]} for r in sorted(newest.values(), key=lambda r: r["id"])]


def _check_tier(code: str | None, checklist_id: str | None) -> None:
    if code is None:
        return
    known = {o["code"] for o in tier_options(checklist_id)}
    if code not in known:
        listed = "、".join(sorted(known))
        raise DomainError(
            "inspection.unknown_tier",
            problems=[Problem("request.invalid_field", "/tier", f"应为以下之一：{listed}")],
            tier=code,
        )


def tiers_of(inspections: list[Inspection]) -> dict[int, Tier]:
    """The tier each inspection reaches with its current answers (cached, see the module)."""
    facilities = queries.facilities_by_ids(i.facility_id for i in inspections)
    result: dict[int, Tier] = {}
    misses: list[tuple[Inspection, tuple[Any, ...], Any, dict[str, Any]]] = []
    for inspection in inspections:
        checklist = checklists.get_checklist(inspection.checklist_id, inspection.checklist_version)
        facts = facility_facts(facilities[inspection.facility_id], checklist)
        key = (
            inspection.id,
            inspection.created_at,
            inspection.updated_at,
            inspection.sync_seq,
            inspection.checklist_id,
            inspection.checklist_version,
            inspection.inspection_date,
            json.dumps(facts, sort_keys=True, default=str),
        )
        known = _tiers.get(key)
        if known is not None:
            _tiers.move_to_end(key)
            result[inspection.id] = Tier(*known)
        else:
            misses.append((inspection, key, checklist, facts))
    if misses:
        answers: dict[int, dict[str, ScoredAnswer]] = {m[0].id: {} for m in misses}
        for a in queries.answers(answers):
            answers[a.inspection_id][a.item_id] = ScoredAnswer(
                a.grade, a.document_date, a.valid_until, documents_from_json(a.documents)
            )
        for inspection, key, checklist, facts in misses:
            try:
                checked = check_facts(checklist, facts)
            except DomainError:
                continue  # the facility record lacks a fact: no tier can be computed
            scored = score_checked(checklist, checked, answers[inspection.id], inspection.inspection_date)
            tier = (
                INCOMPLETE if scored["unanswered"] else Tier(scored["tier"]["code"], scored["tier"]["label"])
            )
            result[inspection.id] = tier
            _tiers[key] = (tier.code, tier.label)
            if len(_tiers) > _CACHE_SIZE:
                _tiers.popitem(last=False)
    return result


def _filter(query: dict[str, Any]) -> queries.InspectionFilter:
    search = (query.get("q") or "").strip()
    return queries.InspectionFilter(
        status=query.get("status"),
        facility_id=query.get("facility_id"),
        search=search or None,
        region_code=query.get("region"),
        checklist_id=query.get("checklist_id"),
        awaiting=bool(query.get("awaiting")),
    )


def page(principal: Principal, query: dict[str, Any]) -> tuple[list[Inspection], str | None]:
    """One page of the caller's inspections under the query's filters (newest inspection date
    first, after the query's cursor) and the cursor of the next page (None on the last). Without
    a tier filter it reads only the page's rows; a tier filter scores every match."""
    rows, _, _, next_page = _listing(principal, query, counted=False)
    return rows, next_page


def listing(
    principal: Principal, query: dict[str, Any]
) -> tuple[list[Inspection], int, dict[int, Tier], str | None]:
    """`page`, with the number of all that match and the tiers of the page's rows (of every
    match when filtering by tier)."""
    return _listing(principal, query, counted=True)


def _listing(
    principal: Principal, query: dict[str, Any], counted: bool
) -> tuple[list[Inspection], int, dict[int, Tier], str | None]:
    f = _filter(query)
    tier = query.get("tier")
    _check_tier(tier, f.checklist_id)
    stmt = queries.filtered_inspections(principal, f)
    limit, after = query["limit"], query.get("after")
    if tier is None:
        rows = queries.page_of(queries.after_key(stmt, after), limit + 1)
        page = rows[:limit]
        more = _next(page, len(rows) > limit)
        if not counted:
            return page, 0, {}, more
        return page, queries.count_of(stmt), tiers_of(page), more
    matching = queries.all_of(stmt)
    tiers = tiers_of(matching)
    kept = [i for i in matching if i.id in tiers and tiers[i.id].code == tier]
    later = [i for i in kept if after is None or (i.inspection_date, i.id) < after]
    page = later[:limit]
    return page, len(kept), tiers, _next(page, len(later) > limit)


def _next(page: list[Inspection], more: bool) -> str | None:
    if not more or not page:
        return None
    return cursors.encode((page[-1].inspection_date, page[-1].id))


def _count(principal: Principal, query: dict[str, Any], awaiting: bool) -> int:
    f = _filter(query)
    stmt = queries.filtered_inspections(principal, f, awaiting=awaiting)
    tier = query.get("tier")
    if tier is None:
        return queries.count_of(stmt)
    tiers = tiers_of(queries.all_of(stmt))
    return sum(1 for t in tiers.values() if t.code == tier)


def _places(codes: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """For each facility region code, the names of its county and township (None above them)."""
    codes = set(codes)
    county = {c: c[:6] if regions.region_level(c[:6]) == "county" else None for c in codes}
    township = {c: c[:9] if len(c) >= 9 else None for c in codes}
    names = {
        code: r.name
        for code, r in queries.regions_by_codes(
            [x for x in (*county.values(), *township.values()) if x is not None]
        ).items()
    }
    return {
        c: {
            "county_name": names.get(county[c] or ""),
            "township_name": names.get(township[c] or ""),
        }
        for c in codes
    }


def queue(principal: Principal, query: dict[str, Any]) -> dict[str, Any]:
    """The queue page: rows with what they show, the total under the filters, the counts of the
    two tabs (awaiting the caller, everything) under the other filters, and the filter options."""
    rows, total, tiers, next_page = listing(principal, query)
    ids = [i.id for i in rows]
    facilities = queries.facilities_by_ids(i.facility_id for i in rows)
    sampled = queries.sampled_at(ids)
    inspectors = queries.inspector_names(ids)
    awaiting_now = queries.awaiting_among(principal, ids)
    places = _places(i.region_code for i in rows)
    items = []
    for inspection in rows:
        facility: Facility = facilities[inspection.facility_id]
        tier = tiers.get(inspection.id)
        items.append(
            {
                "inspection": inspection,
                "facility_name": facility.name,
                "tier": tier.code if tier else None,
                "tier_label": tier.label if tier else None,
                "inspectors": inspectors.get(inspection.id, []),
                "sampled_at": sampled.get(inspection.id),
                "awaiting_me": inspection.id in awaiting_now,
                **places[inspection.region_code],
            }
        )
    return {
        "total": total,
        "next": next_page,
        "counts": {
            "awaiting": _count(principal, query, awaiting=True),
            "all": _count(principal, query, awaiting=False),
        },
        "items": items,
        "tiers": tier_options(query.get("checklist_id")),
        "checklists": checklist_options(),
    }
