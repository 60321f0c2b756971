"""Inspections: creation and assignment, answers and their history, scoring, completeness,
the review workflow, reviewer regrades, conflicts and the city's random samples."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from server import registry
from server.db import dashboard as dashboard_queries
from server.db import inspections as queries
from server.db import plans as plan_queries
from server.db import users as user_queries
from server.db.models import (
    Answer,
    AnswerRevision,
    Facility,
    Inspection,
    ReviewSample,
    SampledInspection,
    StatusChange,
    User,
)
from server.domain import facts as facts_of_record
from server.domain import labels, sampling, workflow
from server.domain.access import Principal
from server.domain.checklist import Checklist
from server.domain.dashboard import rectification_items
from server.domain.diff import diff_checklists
from server.domain.errors import DomainError, Problem, pointer
from server.domain.evidence import needs_more_photos
from server.domain.identifiers import VILLAGE_CLINIC
from server.domain.regions import scope_prefix
from server.domain.scoring import Answer as ScoredAnswer
from server.domain.scoring import (
    check_answers,
    check_document_dates,
    check_facts,
    documents_from_json,
    documents_json,
    score_checked,
)
from server.extensions import db
from server.services import audit, checklists, jobs, rectifications, retention

DOCUMENT_FIELDS = ("document_date", "valid_until", "documents")


def not_found() -> DomainError:
    return DomainError("http.not_found")


# --- facts and answers ---------------------------------------------------------------------------


RECORD_FACTS = facts_of_record.RECORD_FACTS
DERIVED_FACTS = facts_of_record.DERIVED_FACTS


def facility_fact_values(facility: Facility) -> dict[str, Any]:
    """Every fact the facility record supplies: its columns, what they imply, and its facts JSON."""
    return facts_of_record.record_facts(
        facility.type_code, facility.beds, facility.iv_infusion, facility.population_served, facility.facts
    )


def facility_facts(facility: Facility, checklist: Checklist) -> dict[str, Any]:
    """The facts a checklist declares, taken from the facility record."""
    return {k: v for k, v in facility_fact_values(facility).items() if k in checklist.facts}


def answer_json(row: Answer | AnswerRevision) -> dict[str, Any]:
    body: dict[str, Any] = {"grade": row.grade}
    if row.document_date is not None:
        body["document_date"] = row.document_date.isoformat()
    if row.valid_until is not None:
        body["valid_until"] = row.valid_until.isoformat()
    if row.documents:
        body["documents"] = row.documents
    if row.note:
        body["note"] = row.note
    return body


def scored_answer(row: Answer) -> ScoredAnswer:
    """A stored answer as the scoring engine reads it."""
    return ScoredAnswer(row.grade, row.document_date, row.valid_until, documents_from_json(row.documents))


def check_stored_answers(
    checklist: Checklist, answers: Mapping[str, Any], inspection_date: dt.date
) -> dict[str, ScoredAnswer]:
    """Answers about to be stored: checked like any (check_answers), and no document may be dated
    after the inspection (answers.document_after_inspection, naming the document)."""
    parsed = check_answers(checklist, answers)
    check_document_dates(checklist, parsed, inspection_date)
    return parsed


def current_answers(inspection_id: int) -> dict[str, Answer]:
    return {a.item_id: a for a in queries.answers([inspection_id])}


def load(principal: Principal, inspection_id: int) -> Inspection:
    inspection = queries.inspection(principal, inspection_id)
    if inspection is None:
        raise not_found()
    return inspection


def checklist_of(inspection: Inspection) -> Checklist:
    return checklists.get_checklist(inspection.checklist_id, inspection.checklist_version)


def score_of(inspection: Inspection) -> dict[str, Any]:
    checklist = checklist_of(inspection)
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    answers = {item_id: scored_answer(a) for item_id, a in current_answers(inspection.id).items()}
    facts = check_facts(checklist, facility_facts(facility, checklist))
    return score_checked(checklist, facts, answers, inspection.inspection_date)


def missing(inspection: Inspection) -> list[str]:
    """What keeps the inspection from being submitted or approved, as stable codes."""
    result = score_of(inspection)
    checklist = checklist_of(inspection)
    photos = queries.evidence_counts(inspection.id)
    gaps = [f"answer:{item_id}" for item_id in result["unanswered"]]
    for item in checklist.items():
        outcome = result["items"][item.id]["outcome"]
        if needs_more_photos(item.photos_min, outcome, photos.get(item.id, 0)):
            gaps.append(f"evidence:{item.id}")
    gaps += [f"conflict:{c.item_id}" for c in queries.conflicts(inspection.id, open_only=True)]
    return gaps


BLOCKING_REASONS = {
    "answer": ("inspection.item_unanswered", "未作答"),
    "evidence": ("inspection.item_photos_missing", "照片不足"),
    "conflict": ("inspection.item_conflict", "有未解决的冲突"),
}


def blocking_problems(inspection: Inspection, gaps: list[str]) -> list[Problem]:
    """Each gap as a problem located at its item (`/items/<item id>`), in checklist order, with
    the item's number, text and why it blocks, in Chinese."""
    checklist = checklist_of(inspection)
    order = {item.id: n for n, item in enumerate(checklist.items())}
    items = checklist.item_map()
    kinds = list(BLOCKING_REASONS)
    parsed = sorted(
        {tuple(gap.split(":", 1)) for gap in gaps},
        key=lambda g: (order.get(g[1], len(order)), g[1], kinds.index(g[0]) if g[0] in kinds else 9),
    )
    problems = []
    for kind, item_id in parsed:
        code, why = BLOCKING_REASONS.get(kind, ("inspection.item_incomplete", "未完成"))
        item = items.get(item_id)
        name = f"{item.number} {item.text}" if item is not None else item_id
        problems.append(Problem(code, pointer("items", item_id), f"{name}：{why}"))
    return problems


def _incomplete(exc: DomainError, inspection: Inspection, gaps: list[str]) -> DomainError:
    problems = blocking_problems(inspection, gaps)
    count = len({p.pointer for p in problems})
    return DomainError(exc.code, problems=problems, status=exc.status, count=count)


# --- creation ------------------------------------------------------------------------------------


def fits(facility: Facility, checklist: Checklist) -> bool:
    """Whether a checklist is meant for this kind of facility (the one rule `create` applies): its
    family lists the facility's type in the registry of families (checklists/families.json)."""
    return checklists.current_families().fits(checklist.family, facility.type_code)


def checklists_for(principal: Principal, facility_id: int) -> list[dict[str, Any]]:
    """For every checklist meant for this facility's kind, the newest loaded version it can be
    inspected on: one whose facts the facility record supplies (a newer version that needs a fact
    the facility has not given yet leaves the one before it on offer)."""
    facility = queries.facility(principal, facility_id)
    if facility is None:
        raise not_found()
    usable: dict[str, dict[str, Any]] = {}
    for ref in sorted(checklists.list_loaded(), key=lambda r: -int(r["version"])):
        if ref["id"] in usable:
            continue
        checklist = checklists.get_checklist(ref["id"], ref["version"])
        if not fits(facility, checklist):
            continue
        try:
            check_facts(checklist, facility_facts(facility, checklist))
        except DomainError:
            continue  # the facility record lacks a fact this version needs: creating would fail
        usable[ref["id"]] = ref
    return sorted(usable.values(), key=lambda r: (r["family"], r["id"]))


def create(
    principal: Principal,
    facility_id: int,
    checklist_id: str,
    checklist_version: int,
    kind: str,
    inspection_date: dt.date,
    inspector_ids: list[int],
    ip: str | None,
) -> Inspection:
    facility = queries.facility(principal, facility_id)
    if facility is None:
        raise not_found()
    expected_kind = {
        workflow.SELF_ASSESSOR: "self_assessment",
        workflow.COUNTY_REVIEWER: "county_inspection",
        workflow.CITY_REVIEWER: "city_reinspection",
    }.get(principal.role)
    if kind not in workflow.KINDS:
        kinds = "、".join(labels.KIND_LABELS.get(k, k) for k in workflow.KINDS)
        raise DomainError("inspection.invalid_kind", reason=f"应为{kinds}")
    if expected_kind is not None and kind != expected_kind:
        label = labels.KIND_LABELS.get(expected_kind, expected_kind)
        raise DomainError("inspection.kind_not_allowed", kind=label)
    checklist = checklists.get_checklist(checklist_id, checklist_version)
    if not fits(facility, checklist):
        raise DomainError("inspection.checklist_mismatch")
    check_facts(checklist, facility_facts(facility, checklist))
    if facility.type_code == VILLAGE_CLINIC and kind == "city_reinspection":
        raise DomainError("inspection.invalid_kind", reason="村卫生室不做市级复核")
    inspectors = _check_inspectors(principal, facility, inspector_ids, kind)
    inspection = Inspection(
        facility_id=facility.id,
        region_code=facility.region_code,
        checklist_id=checklist.id,
        checklist_version=checklist.version,
        kind=kind,
        status=workflow.DRAFT,
        inspection_date=inspection_date,
        created_by=principal.user_id,
    )
    db.session.add(inspection)
    db.session.flush()
    for user_id in inspectors:
        queries.add_assignment(inspection.id, user_id, principal.user_id)
    audit.record(
        "inspection.create",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="inspection",
        target_id=inspection.id,
        after={
            "facility_id": facility.id,
            "checklist": checklist.ref,
            "kind": kind,
            "inspectors": inspectors,
        },
        ip=ip,
    )
    db.session.commit()
    return inspection


def _check_inspectors(
    principal: Principal, facility: Facility, inspector_ids: list[int], kind: str
) -> list[int]:
    if principal.role == workflow.SELF_ASSESSOR:
        return [principal.user_id]
    users = user_queries.users_by_ids(set(inspector_ids))
    wanted_role = workflow.SELF_ASSESSOR if kind == "self_assessment" else workflow.INSPECTOR
    problems = inspector_problems(principal, facility, inspector_ids, wanted_role, users, "/inspector_ids")
    if problems:
        raise DomainError("inspection.invalid_inspector", problems=problems)
    return sorted(set(inspector_ids))


def inspector_problems(
    principal: Principal,
    facility: Facility,
    inspector_ids: list[int],
    wanted_role: str,
    users: Mapping[int, User],
    at: str,
) -> list[Problem]:
    """Each id of `inspector_ids` (at `at`/n) that is not an active account of `wanted_role` inside
    both the caller's region and one that contains the facility."""
    problems = []
    for i, user_id in enumerate(inspector_ids):
        user = users.get(user_id)
        if (
            user is None
            or not user.active
            or user.role != wanted_role
            or not principal.sees_region(user.region_code)
            or not facility.region_code.startswith(scope_prefix(user.region_code))
        ):
            problems.append(Problem("inspection.invalid_inspector", f"{at}/{i}", "不是本辖区的检查员"))
    return problems


def assign(principal: Principal, inspection_id: int, inspector_ids: list[int], ip: str | None) -> list[int]:
    inspection = load(principal, inspection_id)
    if inspection.status not in workflow.EDITABLE:
        raise DomainError("inspection.not_editable", status_label=workflow.status_label(inspection.status))
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    added = _check_inspectors(principal, facility, inspector_ids, inspection.kind)
    before = sorted(queries.assignees([inspection.id])[inspection.id])
    for user_id in added:
        queries.add_assignment(inspection.id, user_id, principal.user_id)
    after = sorted(set(before) | set(added))
    audit.record(
        "inspection.assign",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="inspection",
        target_id=inspection.id,
        before=before,
        after=after,
        ip=ip,
    )
    db.session.commit()
    return after


# --- views ---------------------------------------------------------------------------------------


def participants(inspection: Inspection) -> frozenset[int]:
    """Everyone who took part: the assigned inspectors and every inspector who wrote an answer.
    Creating and assigning an inspection is not taking part in it."""
    people = queries.assignees([inspection.id])[inspection.id]
    return frozenset(people | queries.inspector_authors(inspection.id))


def detail(principal: Principal, inspection_id: int) -> dict[str, Any]:
    inspection = load(principal, inspection_id)
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    answers = current_answers(inspection.id)
    inspectors = sorted(queries.assignees([inspection.id])[inspection.id])
    changes = queries.status_changes(inspection.id)
    people = queries.display_names(
        [
            *inspectors,
            *(a.author_id for a in answers.values()),
            *(c.actor_id for c in changes),
            inspection.county_reviewer_id,
            inspection.city_reviewer_id,
        ]
    )
    sampled = queries.newest_sample(inspection.id)
    return {
        "inspection": inspection,
        "facility": facility,
        "inspectors": inspectors,
        "people": {str(k): v for k, v in people.items()},
        "sample": {"sample_id": sampled[0], "drawn_at": sampled[1]} if sampled is not None else None,
        "answers": {
            item_id: {**answer_json(a), "revision": a.revision, "source": a.source, "author_id": a.author_id}
            for item_id, a in sorted(answers.items())
        },
        "open_conflicts": len(queries.conflicts(inspection.id, open_only=True)),
        "status_changes": changes,
        **offered(principal, inspection),
    }


def history(principal: Principal, inspection_id: int, item_id: str | None) -> list[dict[str, Any]]:
    """Every revision of the answers (of one item), each with its author's display name."""
    inspection = load(principal, inspection_id)
    rows = queries.revisions(inspection.id, item_id)
    names = queries.display_names(r.author_id for r in rows)
    columns = [c.key for c in AnswerRevision.__table__.columns]
    return [{**{c: getattr(r, c) for c in columns}, "author_name": names.get(r.author_id, "")} for r in rows]


# --- workflow ------------------------------------------------------------------------------------


def check_regrade(principal: Principal, inspection: Inspection, facts: workflow.InspectionFacts) -> None:
    """A DomainError unless `principal` may regrade the inspection's answers now: during their
    own level of review, on an inspection they took no part in and nobody else reviews."""
    if inspection.status in workflow.LOCKED:
        raise DomainError("inspection.locked")
    level = workflow.REVIEWABLE.get(inspection.status)
    expected = {"county": workflow.COUNTY_REVIEWER, "city": workflow.CITY_REVIEWER}.get(level or "")
    if level is None or principal.role != expected:
        raise DomainError("review.not_in_review")
    workflow.check_reviewer(level, workflow.Actor(principal.user_id, principal.role), facts)


def offered(principal: Principal, inspection: Inspection) -> dict[str, Any]:
    """What the caller may do with the inspection now, decided by the checks that guard each
    request: the workflow actions `workflow.check` lets through, those it refuses (with the
    error's code and Chinese message), and whether they may regrade."""
    facts = _facts_for(inspection, with_missing=False)
    choice = workflow.options(workflow.Actor(principal.user_id, principal.role), facts)
    try:
        check_regrade(principal, inspection, facts)
    except DomainError:
        may_regrade = False
    else:
        may_regrade = True
    return {
        "actions": list(choice.allowed),
        "refusals": [
            {"action": action, "code": exc.code, "message": exc.message} for action, exc in choice.refused
        ],
        "may_regrade": may_regrade,
    }


def _facts_for(inspection: Inspection, with_missing: bool) -> workflow.InspectionFacts:
    return workflow.InspectionFacts(
        status=inspection.status,
        participants=participants(inspection),
        county_reviewer_id=inspection.county_reviewer_id,
        city_reviewer_id=inspection.city_reviewer_id,
        in_open_sample=inspection.status == workflow.COUNTY_APPROVED
        and queries.in_open_sample(inspection.id),
        missing=tuple(missing(inspection)) if with_missing else (),
    )


def transition(
    principal: Principal,
    inspection_id: int,
    action: str,
    reason: str | None,
    ip: str | None,
    now: dt.datetime,
) -> Inspection:
    inspection = load(principal, inspection_id)
    spec = workflow.TRANSITIONS.get(action)
    facts = _facts_for(inspection, with_missing=bool(spec and spec.needs_complete))
    try:
        step = workflow.check(action, workflow.Actor(principal.user_id, principal.role), facts, reason)
    except DomainError as exc:
        if exc.code in ("inspection.incomplete", "review.evidence_incomplete") and facts.missing:
            raise _incomplete(exc, inspection, list(facts.missing)) from None
        raise
    if action == "submit":
        plan_queries.check_self_assessment(inspection)
    before = inspection.status
    inspection.status = step.target
    inspection.updated_at = now
    if step.review_level == "county" and action in ("start_county_review",):
        inspection.county_reviewer_id = principal.user_id
    if action == "start_city_review":
        inspection.city_reviewer_id = principal.user_id
    if action == "approve" and inspection.city_reviewer_id is None:
        inspection.city_reviewer_id = principal.user_id
    if action == "city_return":
        inspection.city_reviewer_id = None
    ahead = None
    if step.target == workflow.APPROVED:
        score = score_of(inspection)
        tier = score["tier"]
        inspection.final_tier_code, inspection.final_tier_label = tier["code"], tier["label"]
        checklist = checklist_of(inspection)
        dashboard_queries.record(inspection, checklist.family, rectification_items(checklist, score))
        notes = {k: a.note for k, a in current_answers(inspection.id).items() if a.note}
        # a reviewer's latest reason for an item's grade (revisions come in revision order)
        reasons = {
            r.item_id: r.reason for r in queries.revisions(inspection.id) if r.source == "review" and r.reason
        }
        rectifications.on_final_approval(
            inspection, checklist, score, principal.user_id, principal.username, now, ip, notes, reasons
        )
    elif before == workflow.APPROVED:  # reopened: no final result until approved again
        inspection.final_tier_code = inspection.final_tier_label = None
        dashboard_queries.remove(inspection)
    if step.target == workflow.APPROVED:
        settings = registry.settings()
        retention.retain_for_approval(inspection, now + dt.timedelta(days=settings.evidence_retention_days))
        # the final report, rendered by a worker before finance first asks for it
        ahead = jobs.prepare(
            "report",
            f"report:{inspection.id}",
            {"inspection_id": inspection.id, "facility_name": _facility_name(inspection)},
            inspection.region_code,
            principal.user_id,
        )
    db.session.add(
        StatusChange(
            inspection_id=inspection.id,
            action=action,
            from_status=before,
            to_status=step.target,
            actor_id=principal.user_id,
            reason=reason,
            created_at=now,
        )
    )
    audit.record(
        f"inspection.{action}",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="inspection",
        target_id=inspection.id,
        before={"status": before},
        after={"status": step.target, "reason": reason},
        ip=ip,
    )
    db.session.commit()
    if ahead is not None:
        jobs.after_commit(ahead)
    return inspection


def _facility_name(inspection: Inspection) -> str:
    facility = db.session.get(Facility, inspection.facility_id)
    return facility.name if facility is not None else ""


def _write_answer(
    inspection_id: int,
    item_id: str,
    current: Answer | None,
    parsed: Any,
    note: str | None,
    author_id: int,
    source: str,
    reason: str,
    now: dt.datetime,
    origin: dict[str, Any] | None = None,
) -> Answer:
    """The next revision of one answer, and its entry in the history (callers hold the lock)."""
    values = {
        "grade": parsed.grade,
        "document_date": parsed.document_date,
        "valid_until": parsed.valid_until,
        "documents": documents_json(parsed),
        "note": note,
        "author_id": author_id,
        "source": source,
    }
    if current is None:
        current = Answer(inspection_id=inspection_id, item_id=item_id, revision=1, updated_at=now, **values)
        db.session.add(current)
    else:
        for key, value in values.items():
            setattr(current, key, value)
        current.revision += 1
        current.updated_at = now
    db.session.add(
        AnswerRevision(
            inspection_id=inspection_id,
            item_id=item_id,
            revision=current.revision,
            reason=reason,
            received_at=now,
            **(origin or {}),
            **values,
        )
    )
    return current


def regrade(
    principal: Principal,
    inspection_id: int,
    item_id: str,
    fields: dict[str, Any],
    base_revision: int,
    reason: str,
    ip: str | None,
    now: dt.datetime,
) -> Answer:
    """A reviewer's grade change: a new revision with its reason; the inspector's stays in the history."""
    inspection = load(principal, inspection_id)
    check_regrade(principal, inspection, _facts_for(inspection, False))
    if not workflow.reason_given(reason):
        raise DomainError("review.reason_required", min_length=workflow.REASON_MIN)
    checklist = checklist_of(inspection)
    parsed = check_stored_answers(checklist, {item_id: fields}, inspection.inspection_date)[item_id]
    queries.lock_inspections([inspection.id])
    current = queries.answer(inspection.id, item_id)
    current_revision = current.revision if current else 0
    if base_revision != current_revision:
        raise DomainError("review.stale_revision", revision=current_revision)
    before = answer_json(current) if current else None
    current = _write_answer(
        inspection.id, item_id, current, parsed, fields.get("note"), principal.user_id, "review", reason, now
    )
    audit.record(
        "answer.regrade",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="inspection",
        target_id=f"{inspection.id}/{item_id}",
        before=before,
        after={**answer_json(current), "revision": current.revision, "reason": reason},
        ip=ip,
    )
    db.session.commit()
    return current


def display_names(user_ids: set[int]) -> dict[int, str]:
    return {uid: u.display_name for uid, u in user_queries.users_by_ids(user_ids).items()}


def conflict_views(inspection_id: int, open_only: bool = False) -> list[dict[str, Any]]:
    """The conflicts of an inspection with who made them and the answer they collided with."""
    rows = queries.conflicts(inspection_id, open_only=open_only)
    if not rows:
        return []
    answers = current_answers(inspection_id)
    people = {c.author_id for c in rows} | {c.resolved_by for c in rows if c.resolved_by is not None}
    people |= {answers[c.item_id].author_id for c in rows if c.item_id in answers}
    names = display_names(people)
    views = []
    for c in rows:
        current = answers.get(c.item_id)
        views.append(
            {
                "id": c.id,
                "item_id": c.item_id,
                "change_id": c.change_id,
                "base_revision": c.base_revision,
                "current_revision": c.current_revision,
                "proposed": c.proposed,
                "author_id": c.author_id,
                "author_name": names.get(c.author_id),
                "device_id": c.device_id,
                "device_time": c.device_time,
                "received_at": c.received_at,
                "resolved_at": c.resolved_at,
                "resolved_by": c.resolved_by,
                "resolution": c.resolution,
                "resolution_reason": c.resolution_reason,
                "current": None
                if current is None
                else {
                    **answer_json(current),
                    "revision": current.revision,
                    "author_id": current.author_id,
                    "author_name": names.get(current.author_id),
                },
            }
        )
    return views


def _joined_notes(*notes: Any) -> str | None:
    parts: list[str] = []
    for note in notes:
        text = note.strip() if isinstance(note, str) else ""
        if text and text not in parts:
            parts.append(text)
    return "\n".join(parts) or None


def _resolution_answer(inspection_id: int, item_id: str) -> dict[str, Any] | None:
    current = queries.answer(inspection_id, item_id)
    return None if current is None else {**answer_json(current), "revision": current.revision}


def resolve_conflict(
    principal: Principal,
    inspection_id: int,
    conflict_id: int,
    resolution: str,
    reason: str,
    ip: str | None,
    now: dt.datetime,
    grade: str | None = None,
) -> dict[str, Any]:
    """Settles one conflict: `accept` writes the proposed answer, `dismiss` keeps the current one,
    `combine` writes the chosen grade with both notes joined. Sending the same resolution again
    answers as the first time and writes nothing; a different one is refused."""
    if resolution not in workflow.RESOLUTIONS:
        raise DomainError("conflict.invalid_resolution")
    if resolution == "combine" and not grade:
        raise DomainError("conflict.grade_required")
    inspection = load(principal, inspection_id)
    conflict = queries.conflict(inspection.id, conflict_id)
    if conflict is None:
        raise not_found()
    if conflict.resolved_at is not None:
        return _replayed(inspection, conflict, resolution, grade)
    level = workflow.REVIEWABLE.get(inspection.status)
    if inspection.status in workflow.EDITABLE:
        if principal.user_id not in participants(inspection):
            raise DomainError("conflict.not_participant")
        source = "inspector"
    elif level is not None:
        workflow.check_reviewer(
            level, workflow.Actor(principal.user_id, principal.role), _facts_for(inspection, False)
        )
        source = "review"
    else:
        raise DomainError("inspection.locked")
    if not workflow.reason_given(reason):
        raise DomainError("conflict.reason_required", min_length=workflow.REASON_MIN)
    queries.lock_inspections([inspection.id])
    revision = None
    if resolution in ("accept", "combine"):
        current = queries.answer(inspection.id, conflict.item_id)
        proposed = dict(conflict.proposed)
        label = "采纳冲突修改"
        if resolution == "combine":
            label = "合并冲突修改"
            mine = answer_json(current) if current is not None else {}
            documents = {**mine.get("documents", {}), **(proposed.get("documents") or {})}
            proposed = {
                **{k: v for k, v in mine.items() if k in DOCUMENT_FIELDS},
                **{k: v for k, v in proposed.items() if k in DOCUMENT_FIELDS and v},
                "grade": grade,
            }
            if documents:
                proposed["documents"] = documents
            note = _joined_notes(mine.get("note"), conflict.proposed.get("note"))
            if note is not None:
                proposed["note"] = note
        parsed = check_stored_answers(
            checklist_of(inspection), {conflict.item_id: proposed}, inspection.inspection_date
        )[conflict.item_id]
        current = _write_answer(
            inspection.id,
            conflict.item_id,
            current,
            parsed,
            proposed.get("note"),
            principal.user_id,
            source,
            f"{label}：{reason}",
            now,
            origin={
                "change_id": conflict.change_id,
                "device_id": conflict.device_id,
                "device_time": conflict.device_time,
            },
        )
        revision = current.revision
    conflict.resolved_at = now
    conflict.resolved_by = principal.user_id
    conflict.resolution = workflow.RESOLUTIONS[resolution]
    conflict.resolution_reason = reason
    audit.record(
        "conflict.resolve",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="conflict",
        target_id=conflict.id,
        after={"resolution": conflict.resolution, "reason": reason, "revision": revision, "grade": grade},
        ip=ip,
    )
    db.session.commit()
    return {
        "id": conflict.id,
        "item_id": conflict.item_id,
        "resolution": conflict.resolution,
        "revision": revision,
        "answer": _resolution_answer(inspection.id, conflict.item_id),
        "replayed": False,
    }


def _replayed(inspection: Inspection, conflict: Any, resolution: str, grade: str | None) -> dict[str, Any]:
    """A resolution sent again: the first answer when it is the same, a refusal when it is not."""
    revision = next(
        (r for r in queries.revisions(inspection.id, conflict.item_id) if r.change_id == conflict.change_id),
        None,
    )
    same = conflict.resolution == workflow.RESOLUTIONS[resolution] and (
        resolution != "combine" or (revision is not None and revision.grade == grade)
    )
    if not same:
        raise DomainError("conflict.already_resolved")
    return {
        "id": conflict.id,
        "item_id": conflict.item_id,
        "resolution": conflict.resolution,
        "revision": revision.revision if revision is not None else None,
        "answer": _resolution_answer(inspection.id, conflict.item_id),
        "replayed": True,
    }


# --- samples -------------------------------------------------------------------------------------


def draw_sample(
    principal: Principal,
    size: int | None,
    seed: int | None,
    ip: str | None,
    *,
    rate_percent: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> ReviewSample:
    """A random sample of the county-approved inspections of the city (those of the period
    [since, until] by inspection day, not drawn before): `size` of them, or `rate_percent` of
    them rounded up. The population, the seed and the drawn list are recorded and audited."""
    if since is not None and until is not None and until < since:
        raise DomainError("sample.invalid_period")
    population = queries.county_approved_in(principal, since, until)
    if (size is None) == (rate_percent is None) or (size is not None and size < 1):
        raise DomainError("sample.invalid_size")
    if not population:
        raise DomainError("sample.empty_population")
    if rate_percent is not None:
        size = sampling.size_for_rate(len(population), rate_percent)
    assert size is not None
    seed = seed if seed is not None else secrets.randbits(48)
    selected = sampling.draw(population, size, seed)
    sample = ReviewSample(
        region_code=principal.region_code,
        seed=seed,
        size=size,
        population=sorted(population),
        selected=selected,
        drawn_by=principal.user_id,
        period_start=since,
        period_end=until,
        rate_percent=rate_percent,
    )
    db.session.add(sample)
    db.session.flush()
    for inspection_id in selected:
        db.session.add(SampledInspection(sample_id=sample.id, inspection_id=inspection_id))
    audit.record(
        "sample.draw",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="sample",
        target_id=sample.id,
        after={
            "seed": seed,
            "population": sorted(population),
            "selected": selected,
            "period": [d.isoformat() if d else None for d in (since, until)],
            "rate_percent": rate_percent,
        },
        ip=ip,
    )
    db.session.commit()
    return sample


def samples_in(principal: Principal) -> list[ReviewSample]:
    return queries.samples_in(principal)


def get_sample(principal: Principal, sample_id: int) -> ReviewSample:
    sample = db.session.get(ReviewSample, sample_id)
    if sample is None or not principal.sees_region(sample.region_code):
        raise not_found()
    return sample


def sample_views(principal: Principal, samples: list[ReviewSample], with_rows: bool) -> list[dict[str, Any]]:
    """Samples as the city's screen shows them: who drew them, from which period and how many,
    and how far the re-review of what they drew has come (and, `with_rows`, each drawn inspection)."""
    drawn = queries.sampled_statuses(s.id for s in samples)
    people = queries.display_names(s.drawn_by for s in samples)
    rows_of: dict[int, Inspection] = {}
    if with_rows:
        rows_of = queries.inspections_by_ids(principal, (i for pairs in drawn.values() for i, _ in pairs))
    places = queries.facilities_by_ids({i.facility_id for i in rows_of.values()})
    names = queries.regions_by_codes(
        {f.region_code for f in places.values()} | {s.region_code for s in samples}
    )
    views = []
    for sample in samples:
        states = dict.fromkeys(sampling.REVIEW_STATES, 0)
        for _, status in drawn[sample.id]:
            states[sampling.review_state(status)] += 1
        region = names.get(sample.region_code)
        view: dict[str, Any] = {
            "id": sample.id,
            "region_code": sample.region_code,
            "region_name": region.name if region is not None else sample.region_code,
            "seed": sample.seed,
            "size": sample.size,
            "population": sample.population,
            "selected": sample.selected,
            "drawn_by": sample.drawn_by,
            "drawn_by_name": people.get(sample.drawn_by, ""),
            "drawn_at": sample.drawn_at,
            "period_start": sample.period_start,
            "period_end": sample.period_end,
            "rate_percent": sample.rate_percent,
            "review": states,
            "rows": [],
        }
        for inspection_id, status in drawn[sample.id] if with_rows else []:
            inspection = rows_of.get(inspection_id)
            if inspection is None:
                continue
            facility = places.get(inspection.facility_id)
            place = names.get(facility.region_code) if facility is not None else None
            view["rows"].append(
                {
                    "inspection_id": inspection_id,
                    "facility_name": facility.name if facility is not None else "",
                    "region_name": place.name if place is not None else "",
                    "inspection_date": inspection.inspection_date,
                    "status": status,
                    "review_state": sampling.review_state(status),
                }
            )
        views.append(view)
    return views


# --- moving a draft to a newer checklist version -------------------------------------------------


def migrate_draft(inspection_id: int, to_version: int, dry_run: bool, now: dt.datetime) -> dict[str, Any]:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise not_found()
    if inspection.status not in workflow.EDITABLE:
        raise DomainError("inspection.not_editable", status_label=workflow.status_label(inspection.status))
    old = checklist_of(inspection)
    new = checklists.get_checklist(inspection.checklist_id, to_version)
    if new.version <= old.version:
        raise DomainError("inspection.version_not_newer")
    diff = diff_checklists(old, new)
    answers = current_answers(inspection.id)
    new_items = new.item_map()
    kept, dropped = [], []
    for item_id, row in sorted(answers.items()):
        item = new_items.get(item_id)
        if item is None:
            dropped.append({"item": item_id, "why": "removed"})
            continue
        try:
            check_answers(new, {item_id: answer_json(row)})
        except DomainError:
            dropped.append({"item": item_id, "why": "grade_no_longer_valid"})
            continue
        kept.append(item_id)
    needs_answer = sorted(set(new_items) - set(kept))
    report = {
        "inspection": inspection.id,
        "from": old.ref,
        "to": new.ref,
        "kept": kept,
        "dropped": dropped,
        "changed_items_to_review": [c["id"] for c in diff["changed"] if c["id"] in kept],
        "needs_answer": needs_answer,
    }
    if dry_run:
        return report
    for entry in dropped:
        db.session.delete(answers[entry["item"]])
    inspection.checklist_version = new.version
    inspection.updated_at = now
    audit.record(
        "inspection.migrate_draft",
        actor="cli",
        target_type="inspection",
        target_id=inspection.id,
        before={"checklist": old.ref},
        after={k: v for k, v in report.items() if k != "needs_answer"},
    )
    db.session.commit()
    return report
