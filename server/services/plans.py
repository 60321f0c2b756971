"""Campaign plans (评审计划), as a county or city bureau makes them in the console.

A plan is created whole or not at all: every facility row is checked first (inside the caller's
region and the plan's, of a kind the checklist is meant for, its record holding the facts the
checklist needs, a date inside the period, a team of the region's active inspectors, and not
already scheduled by another plan of the same period), and every problem is answered at once.
A clean plan then creates its inspections and their assignments in one transaction, with one audit
entry. A plan larger than `plan_inline_facilities` is stored as 创建中 and its inspections are
created by a background job, checked again when it runs.

The request carries a key of the client's (`request_id`): sent again (a double click, a retry
after a lost answer) it answers with the plan it created the first time.

While nobody has started a planned inspection (no answers, no photos), its team and date may
change. Cancelling a plan, with a reason, cancels the inspections not yet submitted (their answers
are kept, read-only); whatever was submitted goes on through review.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import inspections as places
from server.db import jobs as job_queries
from server.db import plans as queries
from server.db import users as user_queries
from server.db.models import Assignment, Facility, Inspection, Job, Plan, StatusChange
from server.domain import labels, plans, rectification, regions, workflow
from server.domain.access import Principal
from server.domain.errors import DomainError, Problem
from server.domain.identifiers import VILLAGE_CLINIC
from server.domain.scoring import check_facts
from server.extensions import db
from server.services import audit, checklists, jobs
from server.services.inspections import facility_facts, fits, inspector_problems, not_found

INVALID = "plan.invalid"
CHANGE_INVALID = "plan.invalid_change"


@dataclass(frozen=True)
class Row:
    """One facility of a plan, checked."""

    facility: Facility
    inspectors: list[int]
    date: dt.date
    assessors: list[int]  # the facility's own accounts, who fill its self-assessment


# --- checking ------------------------------------------------------------------------------------


def _kind(principal: Principal, kind: str) -> str:
    expected = plans.KIND_OF_ROLE.get(principal.role)
    if kind not in plans.KINDS or (expected is not None and kind != expected):
        allowed = expected or "、".join(labels.KIND_LABELS[k] for k in plans.KINDS)
        raise DomainError("inspection.kind_not_allowed", kind=labels.KIND_LABELS.get(allowed, allowed))
    return kind


def _header_problems(principal: Principal, body: dict[str, Any]) -> list[Problem]:
    problems = []
    if not body["name"].strip():
        problems.append(Problem(INVALID, "/name", "请填写计划名称"))
    region = places.region(body["region_code"])
    if region is None or not principal.sees_region(body["region_code"]):
        problems.append(Problem(INVALID, "/region_code", "不是本辖区的地区"))
    period = plans.Period(body["starts_on"], body["ends_on"])
    if (why := period.problem()) is not None:
        problems.append(Problem(INVALID, "/ends_on", why))
    return problems


def check_rows(principal: Principal, body: dict[str, Any], entries: list[dict[str, Any]]) -> list[Row]:
    """The plan's rows, each checked; DomainError `plan.invalid` listing every problem if any."""
    kind = _kind(principal, body["kind"])
    checklist = checklists.get_checklist(body["checklist_id"], body["checklist_version"])
    problems = _header_problems(principal, body)
    period = plans.Period(body["starts_on"], body["ends_on"])
    wanted = [e["facility_id"] for e in entries]
    facilities = {
        f.id: f
        for f in places.facilities_by_ids(wanted).values()
        if principal.sees_facility(f.id, f.region_code)
    }
    users = user_queries.users_by_ids({u for e in entries for u in e["inspector_ids"]})
    assessors = queries.self_assessors(facilities) if body["requires_self_assessment"] else {}
    elsewhere = queries.planned_elsewhere(facilities, checklist.id, kind, period.starts_on, period.ends_on)
    seen = Counter(wanted)
    rows = []
    for n, entry in enumerate(entries):
        at = f"/entries/{n}"
        facility = facilities.get(entry["facility_id"])
        why = None
        if facility is None:
            why = "不是本辖区的机构"
        elif not facility.region_code.startswith(regions.scope_prefix(body["region_code"])):
            why = "不在计划的地区内"
        elif seen[facility.id] > 1:
            why = "同一机构在计划中出现了多次"
        elif not fits(facility, checklist):
            why = f"“{checklist.title}”不适用于此类机构"
        elif facility.type_code == VILLAGE_CLINIC and kind == workflow.CITY_REINSPECTION:
            why = "村卫生室不做市级复核"
        elif facility.id in elsewhere:
            why = f"已在同期的评审计划“{elsewhere[facility.id]}”中"
        elif body["requires_self_assessment"] and not assessors.get(facility.id):
            why = "该机构还没有可用的机构账号，无法自评：请先在用户管理中为其创建账号"
        else:
            try:
                check_facts(checklist, facility_facts(facility, checklist))
            except DomainError:
                why = "机构信息缺少此评审标准需要的内容，请先在机构页补全"
        if why is not None:
            problems.append(Problem(INVALID, f"{at}/facility_id", why))
        if not period.holds(entry["inspection_date"]):
            problems.append(Problem(INVALID, f"{at}/inspection_date", "计划日期不在计划期限内"))
        if facility is not None:
            problems += inspector_problems(
                principal, facility, entry["inspector_ids"], workflow.INSPECTOR, users, f"{at}/inspector_ids"
            )
        if not problems and facility is not None:
            team = sorted(set(entry["inspector_ids"]))
            rows.append(Row(facility, team, entry["inspection_date"], assessors.get(facility.id, [])))
    if problems:
        raise DomainError(INVALID, count=len(problems), problems=problems)
    return rows


# --- creating ------------------------------------------------------------------------------------


def create(principal: Principal, body: dict[str, Any], now: dt.datetime, ip: str | None) -> tuple[Plan, bool]:
    """The plan of this request: created now (or queued as a job when large), or the one the same
    request created before. Returns (plan, created)."""
    earlier = queries.by_request(body["request_id"])
    if earlier is not None:
        return _same_request(principal, earlier)
    rows = check_rows(principal, body, body["entries"])
    plan = Plan(
        request_id=body["request_id"],
        name=body["name"].strip(),
        region_code=body["region_code"],
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
        checklist_id=body["checklist_id"],
        checklist_version=body["checklist_version"],
        kind=body["kind"],
        requires_self_assessment=body["requires_self_assessment"],
        rectify_days=body.get("rectify_days"),
        status=plans.PENDING,
        size=len(rows),
        created_by=principal.user_id,
        created_at=now,
    )
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:  # the same request, a moment ago, from another node or worker
        db.session.rollback()
        earlier = queries.by_request(body["request_id"])
        if earlier is None:
            raise
        return _same_request(principal, earlier)
    job = None
    if len(rows) > registry.settings().plan_inline_facilities:
        params = {
            "plan_id": plan.id,
            "actor": jobs.actor_of(principal),
            "entries": [_entry_json(e) for e in body["entries"]],
        }
        job, _ = jobs.submit(
            "plan", f"plan:{plan.id}", params, plan.region_code, principal.user_id, principal.username
        )
        plan.job_id = job.id
    else:
        _materialise(plan, rows, principal, now)
    audit.record(
        "plan.create",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="plan",
        target_id=plan.id,
        after={
            "name": plan.name,
            "checklist": f"{plan.checklist_id}@{plan.checklist_version}",
            "kind": plan.kind,
            "period": [plan.starts_on.isoformat(), plan.ends_on.isoformat()],
            "requires_self_assessment": plan.requires_self_assessment,
            "rectify_days": plan.rectify_days,
            "facilities": len(rows),
            "job": job.id if job is not None else None,
        },
        ip=ip,
    )
    db.session.commit()
    if job is not None:
        jobs.after_commit(job)
        db.session.refresh(plan)
    return plan, True


def _same_request(principal: Principal, plan: Plan) -> tuple[Plan, bool]:
    if not principal.sees_region(plan.region_code) or plan.created_by != principal.user_id:
        raise DomainError("plan.request_reused")
    return plan, False


def _entry_json(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "facility_id": entry["facility_id"],
        "inspector_ids": list(entry["inspector_ids"]),
        "inspection_date": entry["inspection_date"].isoformat(),
    }


def _materialise(plan: Plan, rows: list[Row], actor: Principal, now: dt.datetime) -> None:
    """The plan's inspections and assignments (its visits, and the self-assessments it requires),
    in the caller's transaction; the plan becomes active."""
    visits = [_inspection(plan, row, plan.kind, actor, now) for row in rows]
    own = [
        _inspection(plan, row, workflow.SELF_ASSESSMENT, actor, now)
        for row in rows
        if plan.requires_self_assessment
    ]
    db.session.add_all(visits + own)
    db.session.flush()
    assignments = []
    for inspection, row in zip(visits, rows, strict=True):
        assignments += [(inspection.id, user_id) for user_id in row.inspectors]
    for inspection, row in zip(own, rows if own else [], strict=True):
        assignments += [(inspection.id, user_id) for user_id in row.assessors]
    places.insert_rows(
        Assignment,
        [
            {"inspection_id": i, "user_id": u, "assigned_by": actor.user_id, "assigned_at": now}
            for i, u in assignments
        ],
    )
    plan.status = plans.ACTIVE


def _inspection(plan: Plan, row: Row, kind: str, actor: Principal, now: dt.datetime) -> Inspection:
    return Inspection(
        facility_id=row.facility.id,
        region_code=row.facility.region_code,
        checklist_id=plan.checklist_id,
        checklist_version=plan.checklist_version,
        kind=kind,
        status=workflow.DRAFT,
        inspection_date=row.date,
        created_by=actor.user_id,
        plan_id=plan.id,
        created_at=now,
        updated_at=now,
    )


@jobs.handler("plan")
def _plan_job(params: dict[str, Any], progress: jobs.Progress, scratch: Any) -> jobs.Output:
    """A large plan's inspections, checked again now and created in the job's transaction (which
    commits with the job's success, or not at all)."""
    plan = queries.for_update(params["plan_id"])
    if plan is None or plan.status != plans.PENDING:
        return jobs.Output(meta={"inspections": 0})
    principal = jobs.acting(params["actor"])
    entries = [
        {**e, "inspection_date": dt.date.fromisoformat(e["inspection_date"])} for e in params["entries"]
    ]
    body = {
        "name": plan.name,
        "region_code": plan.region_code,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "checklist_id": plan.checklist_id,
        "checklist_version": plan.checklist_version,
        "kind": plan.kind,
        "requires_self_assessment": plan.requires_self_assessment,
    }
    progress(0, len(entries), "check")
    rows = check_rows(principal, body, entries)
    progress(len(entries) // 2, len(entries), "create")
    _materialise(plan, rows, principal, dt.datetime.now(dt.UTC))
    return jobs.Output(meta={"inspections": len(rows)})


@jobs.title("plan")
def _plan_title(job: Job, regions: dict[str, str]) -> str:
    return f"创建评审计划（{len(job.params.get('entries', []))} 家机构）"


# --- changing ------------------------------------------------------------------------------------


def _plan(principal: Principal, plan_id: int) -> Plan:
    plan = queries.plan(principal, plan_id)
    if plan is None:
        raise not_found()
    return plan


def _usable(plan: Plan, cancelling: bool = False) -> None:
    """Refuses a plan still being created or already cancelled. A plan whose creating job failed
    (its facilities changed since, say) may be cancelled: nothing was created."""
    if plan.status == plans.PENDING and not (cancelling and _job_failed(plan)):
        raise DomainError("plan.pending")
    if plan.status == plans.CANCELLED:
        raise DomainError("plan.cancelled")


def _job_failed(plan: Plan) -> bool:
    job = job_queries.get(plan.job_id) if plan.job_id is not None else None
    return job is not None and job.state == job_queries.FAILED


def change_entry(
    principal: Principal,
    plan_id: int,
    inspection_id: int,
    body: dict[str, Any],
    now: dt.datetime,
    ip: str | None,
) -> dict[str, Any]:
    """A new team or date for one planned visit that nobody has started."""
    plan = _plan(principal, plan_id)
    _usable(plan)
    inspection = places.inspection(principal, inspection_id)
    if inspection is None or inspection.plan_id != plan.id or inspection.kind == workflow.SELF_ASSESSMENT:
        raise not_found()
    if "inspector_ids" not in body and "inspection_date" not in body:
        raise DomainError(
            CHANGE_INVALID, count=1, problems=[Problem(CHANGE_INVALID, "", "请修改检查组或计划日期")]
        )
    places.lock_inspections([inspection.id])
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    if not plans.changeable(inspection.status, queries.started(inspection.id)):
        raise DomainError("plan.work_started", facility=facility.name)
    before_team = sorted(places.assignees([inspection.id])[inspection.id])
    before = {"inspection_date": inspection.inspection_date.isoformat(), "inspectors": before_team}
    after: dict[str, Any] = dict(before)
    problems = []
    if "inspection_date" in body:
        if not plans.Period(plan.starts_on, plan.ends_on).holds(body["inspection_date"]):
            problems.append(Problem(CHANGE_INVALID, "/inspection_date", "计划日期不在计划期限内"))
        after["inspection_date"] = body["inspection_date"].isoformat()
    if "inspector_ids" in body:
        users = user_queries.users_by_ids(set(body["inspector_ids"]))
        problems += inspector_problems(
            principal, facility, body["inspector_ids"], workflow.INSPECTOR, users, "/inspector_ids"
        )
        after["inspectors"] = sorted(set(body["inspector_ids"]))
    if problems:
        raise DomainError(CHANGE_INVALID, count=len(problems), problems=problems)
    if after == before:
        return _entry_view(principal, plan, inspection.id)
    if "inspection_date" in body:
        inspection.inspection_date = body["inspection_date"]
    if after["inspectors"] != before_team:
        queries.replace_assignments(inspection.id, after["inspectors"], principal.user_id, now)
    inspection.updated_at = now
    audit.record(
        "plan.change",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="inspection",
        target_id=inspection.id,
        before=before,
        after={**after, "plan": plan.id, "reason": body.get("reason")},
        ip=ip,
    )
    db.session.commit()
    return _entry_view(principal, plan, inspection.id)


def cancel(
    principal: Principal, plan_id: int, reason: str, now: dt.datetime, ip: str | None
) -> dict[str, Any]:
    """The plan called off: its inspections not yet submitted are cancelled (answers kept), the
    rest go on."""
    plan = _plan(principal, plan_id)
    if not workflow.reason_given(reason):
        raise DomainError("plan.reason_required", min_length=workflow.REASON_MIN)
    _usable(plan, cancelling=True)  # refused before any lock is taken; checked again under it
    locked = queries.for_update(plan.id)
    assert locked is not None
    _usable(locked, cancelling=True)
    was = locked.status
    ids = [e.inspection.id for e in queries.entries(plan.id)]
    places.lock_inspections(ids)
    db.session.expire_all()
    called_off, going_on = [], []
    for entry in queries.entries(plan.id):
        inspection = entry.inspection
        if inspection.status != workflow.DRAFT:
            going_on.append(inspection.id)
            continue
        called_off.append(inspection.id)
        db.session.add(
            StatusChange(
                inspection_id=inspection.id,
                action="cancel",
                from_status=inspection.status,
                to_status=workflow.CANCELLED,
                actor_id=principal.user_id,
                reason=reason,
                created_at=now,
            )
        )
        inspection.status = workflow.CANCELLED
        inspection.updated_at = now
    locked.status = plans.CANCELLED
    locked.cancelled_by = principal.user_id
    locked.cancelled_at = now
    locked.cancel_reason = reason.strip()
    audit.record(
        "plan.cancel",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="plan",
        target_id=plan.id,
        before={"status": was},
        after={"status": plans.CANCELLED, "reason": reason, "cancelled": called_off, "going_on": going_on},
        ip=ip,
    )
    db.session.commit()
    return detail(principal, plan.id)


# --- reading -------------------------------------------------------------------------------------


def _counts(tally: dict[tuple[str, bool], int]) -> dict[str, int]:
    counts = dict.fromkeys(plans.PROGRESS, 0)
    for (status, started), n in tally.items():
        counts[plans.progress(status, started)] += n
    return counts


def _headers(plans_: list[Plan]) -> list[dict[str, Any]]:
    tallies = queries.tallies(p.id for p in plans_)
    names = places.regions_by_codes(p.region_code for p in plans_)
    people = places.display_names({p.created_by for p in plans_} | {p.cancelled_by for p in plans_})
    job_rows = {j.id: j for j in job_queries.by_ids({p.job_id for p in plans_ if p.job_id is not None})}
    titles, rectify_days = {}, {}
    for p in plans_:
        key = (p.checklist_id, p.checklist_version)
        if key not in titles:
            checklist = checklists.get_checklist(*key)
            titles[key], rectify_days[key] = checklist.title, checklist.rectification_days
    views = []
    for p in plans_:
        region = names.get(p.region_code)
        job = job_rows.get(p.job_id) if p.job_id is not None else None
        views.append(
            {
                "id": p.id,
                "name": p.name,
                "region_code": p.region_code,
                "region_name": region.name if region is not None else p.region_code,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "checklist_id": p.checklist_id,
                "checklist_version": p.checklist_version,
                "checklist_title": titles[(p.checklist_id, p.checklist_version)],
                "kind": p.kind,
                "requires_self_assessment": p.requires_self_assessment,
                "rectify_days": rectification.days_for(
                    p.rectify_days, rectify_days[(p.checklist_id, p.checklist_version)]
                ),
                "status": p.status,
                "size": p.size,
                "counts": _counts(tallies.get(p.id, {})),
                "created_by_name": people.get(p.created_by, ""),
                "created_at": p.created_at,
                "cancelled_by_name": people.get(p.cancelled_by) if p.cancelled_by is not None else None,
                "cancelled_at": p.cancelled_at,
                "cancel_reason": p.cancel_reason,
                "job": jobs.view([job])[0] if job is not None else None,
            }
        )
    return views


def page(principal: Principal, query: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    region = query.get("region_code")
    if region is not None and not principal.sees_region(region):
        return [], None
    limit = query["limit"]
    rows = queries.page(
        principal,
        status=query.get("status"),
        search=(query.get("q") or "").strip() or None,
        region_prefix=regions.scope_prefix(region) if region is not None else None,
        before=query.get("before"),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return _headers(rows), (rows[-1].id if more and rows else None)


def _entry_views(principal: Principal, entries: list[queries.Entry]) -> list[dict[str, Any]]:
    ids = [e.inspection.id for e in entries]
    teams = places.assignees(ids)
    facilities = places.facilities_by_ids({e.inspection.facility_id for e in entries})
    names = places.display_names({u for team in teams.values() for u in team})
    regions_ = places.regions_by_codes({f.region_code for f in facilities.values()})
    own = {e.inspection.facility_id: e for e in entries if e.inspection.kind == workflow.SELF_ASSESSMENT}
    views = []
    for e in entries:
        inspection = e.inspection
        if inspection.kind == workflow.SELF_ASSESSMENT:
            continue
        facility = facilities[inspection.facility_id]
        region = regions_.get(facility.region_code)
        assessment = own.get(facility.id)
        team = sorted(teams[inspection.id], key=lambda u: (names.get(u, ""), u))
        progress = plans.progress(inspection.status, e.started)
        views.append(
            {
                "inspection_id": inspection.id,
                "facility_id": facility.id,
                "facility_name": facility.name,
                "facility_type": facility.type_code,
                "region_name": region.name if region is not None else facility.region_code,
                "inspection_date": inspection.inspection_date,
                "status": inspection.status,
                "progress": progress,
                "changeable": progress == plans.NOT_STARTED,
                "inspectors": [{"id": u, "name": names.get(u, "")} for u in team],
                "self_assessment": None
                if assessment is None
                else {
                    "inspection_id": assessment.inspection.id,
                    "status": assessment.inspection.status,
                    "progress": plans.progress(assessment.inspection.status, assessment.started),
                    "done": plans.self_assessment_done(assessment.inspection.status),
                },
            }
        )
    return views


def detail(principal: Principal, plan_id: int) -> dict[str, Any]:
    plan = _plan(principal, plan_id)
    return {"plan": _headers([plan])[0], "entries": _entry_views(principal, queries.entries(plan.id))}


def _entry_view(principal: Principal, plan: Plan, inspection_id: int) -> dict[str, Any]:
    views = _entry_views(principal, queries.entries(plan.id, facility_of=inspection_id))
    return next(v for v in views if v["inspection_id"] == inspection_id)
