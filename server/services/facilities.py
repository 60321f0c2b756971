"""A facility's facts: the values the checklists' conditions and tiers read (staff, population
served, equipment), read and set through the API.

Which facts a facility may carry is data: the facts the loaded editions declare (their union, one
declaration per key, see checklists.declared_facts). Some live in the record's own columns (beds,
infusion, population served), two are worked out from it (has_beds, facility_kind) and cannot be
set, the rest are kept in its `facts` JSON. Every value is checked against its declaration (type,
then range); a change needs a written reason and is audited with the old and new values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.db import inspections as queries
from server.db import reports as report_queries
from server.db.models import Facility, Inspection
from server.domain import catalog, inputs, workflow
from server.domain.access import Principal
from server.domain.checklist import Fact, fact_in_range, fact_type_problem, referenced_facts
from server.domain.errors import DomainError, Problem, pointer
from server.extensions import db
from server.formats.tables import INT32_MAX
from server.services import audit, checklists, inspections
from server.services.inspections import DERIVED_FACTS, RECORD_FACTS, facility_fact_values

STRING_FACT_MAX = 200  # characters of a text fact


def _reads(inspection: Inspection, keys: set[str]) -> bool:
    """Whether the inspection's checklist declares any of these facts (its score may read them)."""
    return not keys.isdisjoint(inspections.checklist_of(inspection).facts)


def _score(inspection: Inspection) -> dict[str, Any] | None:
    """The inspection's score on the facility's facts as they are in the session, or None when
    they do not score (a fact already missing: nothing to keep)."""
    try:
        return inspections.score_of(inspection)
    except DomainError:
        return None


def _keep_inspections_whole(
    facility: Facility,
    touched: list[Inspection],
    locked_before: dict[int, dict[str, Any] | None],
    declared: dict[str, Fact],
) -> None:
    """Refuse (rolling the change back) facts that would leave one of the facility's inspections
    without a fact its checklist needs, or change anything in the result of one that is finally
    decided (approved or rejected: its result is locked)."""
    for inspection in touched:
        checklist = inspections.checklist_of(inspection)
        date = inspection.inspection_date.isoformat()
        title = f"{checklist.title} 第{checklist.version}版"
        needed = referenced_facts(checklist) - set(inspections.facility_facts(facility, checklist))
        if needed:
            key = sorted(needed)[0]
            label = declared[key].label if key in declared else key
            db.session.rollback()
            raise DomainError("facility.fact_in_use", label=label, date=date, checklist=title)
        before = locked_before.get(inspection.id)
        after = _score(inspection) if before is not None else None
        if before is not None and after is not None and after != before:
            db.session.rollback()
            raise DomainError(
                "facility.result_locked",
                before=before["tier"]["label"],
                after=after["tier"]["label"],
                date=date,
                checklist=title,
            )


def _facility(principal: Principal, facility_id: int) -> Facility:
    found = queries.facility(principal, facility_id)
    if found is None:
        raise DomainError("http.not_found")
    return found


def view(facility: Facility, declared: dict[str, Fact] | None = None) -> dict[str, Any]:
    """The declared facts with their label, type, unit and range, and the facility's values."""
    if declared is None:
        declared = checklists.declared_facts()
    values = facility_fact_values(facility)
    return {
        "facility_id": facility.id,
        "facts": [
            {
                "key": key,
                "label": fact.label,
                "type": fact.type,
                "type_label": fact.type_label,
                "unit": fact.unit,
                "min": fact.min,
                "max": fact.max,
                "value": values.get(key),
                "editable": key not in DERIVED_FACTS,
            }
            for key, fact in sorted(declared.items())
        ],
    }


def facts_of(principal: Principal, facility_id: int) -> dict[str, Any]:
    return view(_facility(principal, facility_id))


def value_problem(fact: Fact, value: Any, where: str) -> Problem | None:
    """Why `value` cannot be this fact's value (its type, its range, its text), or None."""
    wrong = fact_type_problem(fact, value)
    if wrong is not None:
        return Problem("facts.type", where, wrong)
    if not fact_in_range(fact, value):
        return Problem(
            "facts.out_of_range", where, catalog.message("facts.out_of_range", range=fact.range_text())
        )
    record_int = fact.key in RECORD_FACTS and isinstance(value, int) and not isinstance(value, bool)
    if record_int and not 0 <= value <= INT32_MAX:  # what the record's integer column holds
        return Problem(
            "facts.out_of_range", where, catalog.message("facts.out_of_range", range=f"0～{INT32_MAX}")
        )
    if isinstance(value, str):
        reason = inputs.text_error(value)
        if reason is None and len(value) > STRING_FACT_MAX:
            reason = f"不能超过{STRING_FACT_MAX}个字符（现有{len(value)}个）"
        if reason is not None:
            return Problem("facts.invalid_text", where, reason)
    return None


def set_facts(
    principal: Principal,
    facility_id: int,
    changes: dict[str, Any],
    reason: str,
    ip: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """Set (or, with null, clear) some of a facility's facts; all or nothing, audited."""
    facility = _facility(principal, facility_id)
    if not workflow.reason_given(reason):
        raise DomainError("facility.reason_required", min_length=workflow.REASON_MIN)
    declared = checklists.declared_facts()
    problems: list[Problem] = []
    for key, value in sorted(changes.items()):
        where = pointer("facts", key)
        fact = declared.get(key)
        if fact is None:
            problems.append(Problem("facts.unknown", where, "已加载的评审标准均未声明此项机构信息"))
        elif key in DERIVED_FACTS:
            problems.append(Problem("facts.read_only", where, _read_only_reason(key)))
        elif value is None:
            if key in ("beds", "iv_infusion"):
                problems.append(Problem("facts.required", where, "此项机构信息不能清空"))
        elif (found := value_problem(fact, value, where)) is not None:
            problems.append(found)
    if problems:
        raise DomainError("facility.facts_invalid", problems=problems, count=len(problems))
    queries.lock_facility(facility.id)
    db.session.refresh(facility)
    before_values = facility_fact_values(facility)
    keys = set(changes) | ({"has_beds"} if "beds" in changes else set())  # has_beds follows beds
    touched = [i for i in queries.of_facility(facility.id) if _reads(i, keys)]
    locked_before = {i.id: _score(i) for i in touched if i.status in workflow.LOCKED}
    stored = dict(facility.facts or {})
    for key, value in changes.items():
        if key in RECORD_FACTS:
            setattr(facility, key, value)
        elif value is None:
            stored.pop(key, None)
        else:
            stored[key] = value
    facility.facts = stored
    _keep_inspections_whole(facility, touched, locked_before, declared)
    after_values = facility_fact_values(facility)
    changed = sorted(
        k
        for k in changes
        if (k in before_values) != (k in after_values) or before_values.get(k) != after_values.get(k)
    )
    if changed:
        report_queries.forget_fingerprints([i.id for i in touched])
        audit.record(
            "facility.facts",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="facility",
            target_id=facility.id,
            before={k: before_values.get(k) for k in changed},
            after={"facts": {k: after_values.get(k) for k in changed}, "reason": reason},
            ip=ip,
        )
    db.session.commit()
    return view(facility, declared)


def _read_only_reason(key: str) -> str:
    source = "床位数" if key == "has_beds" else "机构类别代码"
    return f"此项机构信息由机构记录的{source}得出，不能直接修改"
