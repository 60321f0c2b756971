"""Publication of results (公示), as a county or city bureau makes and follows it in the console, and
as the public page shows it.

A publication lists the final results of a region and period that reached a tier: for each
facility and checklist family, its latest finally approved inspection of the period (what the
payout sheet pays), self-assessments aside, with the tier, inspection date and report number of
the inspection's current report, frozen when published. A result (an inspection's report) is
published once: one already in another publication is listed apart in the preview and never
published again.

Creating it names the results previewed (`inspection_ids`): when one of them is no longer a
result to publish (reopened, published meanwhile by someone else), nothing is created and the
clerk previews again. The request carries a key of the client's (`request_id`): sent again it
answers with the publication it created.

The bureau records each objection (异议) to a result and decides it: upheld withdraws the result
(已撤销 on the public page, with the day and a neutral phrase, never the reason), dismissed leaves
it. Everything is audited under the publication's region.

The public page (GET /public/notices/<token>) shows the issuing body, title, period, the results
and how to object: nothing of the people involved, the objections or the bureau's notes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import inspections as places
from server.db import payouts as payout_queries
from server.db import publications as queries
from server.db import users as user_queries
from server.db.models import PayoutSetting, Publication, PublicationEntry, PublicationObjection
from server.domain import payouts as payout_domain
from server.domain import publications as domain
from server.domain import regions, workflow
from server.domain.access import Principal
from server.domain.errors import DomainError, Problem
from server.domain.labels import SYSTEM_ACTOR_LABELS
from server.domain.scoring import TIER_NONE
from server.domain.times import china_date, china_day_start, format_instant
from server.extensions import db
from server.services import audit, checklists
from server.services import places as place_service
from server.services.inspections import not_found
from server.services.payouts import report_facts

INVALID = "publication.invalid"
OBJECTION_INVALID = "publication.invalid_objection"
PUBLIC_PATH = "/public/notices/"


# --- the results of a region and period ----------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A final result that may be published, as it would be."""

    inspection_id: int
    facility_id: int
    facility_name: str
    region_name: str
    family: str
    family_label: str
    tier_code: str
    tier_label: str
    inspection_date: dt.date
    report_number: str
    report_sha256: str


@dataclass(frozen=True)
class Results:
    publishable: list[Result]
    published: list[tuple[Result, queries.Earlier]]  # in another publication already
    not_reached: int  # latest results of the period that reached no tier


def _region(principal: Principal, code: str) -> str:
    """The region's name when it lies inside the user's; 404 otherwise, like a missing one."""
    try:
        regions.region_level(code)
    except regions.InvalidRegionCode:
        raise not_found() from None
    found = payout_queries.region(code)
    if found is None or not principal.sees_region(code):
        raise not_found()
    return found.name


def _scope(region_code: str, period: payout_domain.Period) -> payout_queries.Scope:
    return payout_queries.Scope(
        regions.scope_prefix(region_code),
        china_day_start(period.start),
        china_day_start(period.end + dt.timedelta(days=1)),
    )


def results(region_code: str, period: payout_domain.Period, now: dt.datetime) -> Results:
    """The results of the region and period: each facility's latest final approval of a family in
    the period (as the payout sheet chooses), self-assessments aside; those that reached a tier,
    with their current report (rendered when it is missing or stale)."""
    scope = _scope(region_code, period)
    extra = queries.results(scope)
    approved = [
        a
        for a in payout_queries.approved_inspections(scope)
        if extra[a.inspection_id].kind != workflow.SELF_ASSESSMENT
    ]
    families = checklists.current_families()
    family_of = {
        key: checklists.get_checklist(*key).family
        for key in {(a.checklist_id, a.checklist_version) for a in approved}
    }
    latest: dict[tuple[int, str], payout_queries.Approved] = {}
    for a in approved:
        key = (a.facility_id, family_of[(a.checklist_id, a.checklist_version)])
        if key not in latest or (a.approved_at, a.inspection_id) > (
            latest[key].approved_at,
            latest[key].inspection_id,
        ):
            latest[key] = a
    facts = report_facts(scope, list(latest.values()), now)
    counties = payout_queries.region_names({a.region_code[:6] for a in latest.values()})
    earlier = queries.published_in(scope)
    order = {code: i for i, code in enumerate(families.codes)}
    publishable: list[Result] = []
    published: list[tuple[Result, queries.Earlier]] = []
    not_reached = 0
    for (_, family), a in sorted(
        latest.items(),
        key=lambda item: (
            order.get(item[0][1], len(order)),
            item[1].region_code[:6],
            item[1].facility_name,
            item[1].inspection_id,
        ),
    ):
        number, digest, tier_code, tier_label = facts[a.inspection_id]
        if tier_code == TIER_NONE:
            not_reached += 1
            continue
        result = Result(
            inspection_id=a.inspection_id,
            facility_id=a.facility_id,
            facility_name=a.facility_name,
            region_name=counties.get(a.region_code[:6], a.region_code[:6]),
            family=family,
            family_label=families.name(family),
            tier_code=tier_code,
            tier_label=tier_label,
            inspection_date=extra[a.inspection_id].inspection_date,
            report_number=number,
            report_sha256=digest,
        )
        found = earlier.get((a.inspection_id, digest))
        if found is None:
            publishable.append(result)
        else:
            published.append((result, found))
    return Results(publishable, published, not_reached)


def _result_view(result: Result) -> dict[str, Any]:
    return {
        "inspection_id": result.inspection_id,
        "facility_name": result.facility_name,
        "region_name": result.region_name,
        "family_label": result.family_label,
        "tier_label": result.tier_label,
        "inspection_date": result.inspection_date,
        "report_number": result.report_number,
    }


def preview(principal: Principal, query: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """What a publication of the region and period would list (and what it leaves out), with the
    suggested title and issuing body, and the last day of its period from the day and working days
    asked for."""
    name = _region(principal, query["region_code"])
    period = payout_domain.parse_period(query["period"])
    today = china_date(now)
    starts_on = query.get("starts_on") or today
    working_days = query["working_days"]
    found = results(query["region_code"], period, now)
    db.session.commit()  # a report rendered on the way is kept
    visible = queries.visible_ids(principal, {e.publication_id for _, e in found.published})
    return {
        "region_code": query["region_code"],
        "region_name": name,
        "period": period.code,
        "period_label": period.label,
        "suggested_title": domain.default_title(name, period.label),
        "suggested_issuer": place_service.issuing_body_of(query["region_code"]),
        "starts_on": starts_on,
        "working_days": working_days,
        "ends_on": domain.end_of(starts_on, working_days),
        "start_problem": domain.start_problem(starts_on, today),
        "calendar_note": domain.calendar_note(starts_on, domain.end_of(starts_on, working_days)),
        "entries": [_result_view(r) for r in found.publishable],
        "published": [
            {
                **_result_view(r),
                "publication_id": e.publication_id if e.publication_id in visible else None,
                "publication_title": e.title if e.publication_id in visible else None,
            }
            for r, e in found.published
        ],
        "not_reached": found.not_reached,
    }


# --- creating ------------------------------------------------------------------------------------


def _header_problems(body: dict[str, Any], today: dt.date) -> list[Problem]:
    problems = []
    for field, what in (("title", "公示标题"), ("issuer", "发布单位"), ("contact", "异议受理方式")):
        if not body[field].strip():
            problems.append(Problem(INVALID, f"/{field}", f"请填写{what}"))
    if (why := domain.start_problem(body["starts_on"], today)) is not None:
        problems.append(Problem(INVALID, "/starts_on", why))
    seen = Counter(body["inspection_ids"])
    if any(n > 1 for n in seen.values()):
        problems.append(Problem(INVALID, "/inspection_ids", "同一评审结果出现了多次"))
    return problems


def create(
    principal: Principal, body: dict[str, Any], now: dt.datetime, ip: str | None
) -> tuple[Publication, bool]:
    """The publication of this request: created now with the results it names, or the one the
    same request created before. Returns (publication, created)."""
    earlier = queries.by_request(body["request_id"])
    if earlier is not None:
        return _same_request(principal, earlier)
    _region(principal, body["region_code"])
    period = payout_domain.parse_period(body["period"])
    today = china_date(now)
    problems = _header_problems(body, today)
    if problems:
        raise DomainError(INVALID, count=len(problems), problems=problems)
    found = {r.inspection_id: r for r in results(body["region_code"], period, now).publishable}
    if any(i not in found for i in body["inspection_ids"]):
        db.session.rollback()
        raise DomainError("publication.changed")
    publication = Publication(
        request_id=body["request_id"],
        token=secrets.token_urlsafe(32),
        region_code=body["region_code"],
        period=period.code,
        title=body["title"].strip(),
        issuer=body["issuer"].strip(),
        contact=body["contact"].strip(),
        starts_on=body["starts_on"],
        working_days=body["working_days"],
        ends_on=domain.end_of(body["starts_on"], body["working_days"]),
        created_by=principal.user_id,
        created_at=now,
    )
    try:
        queries.add([publication])
    except IntegrityError:  # the same request, a moment ago, from another node
        db.session.rollback()
        earlier = queries.by_request(body["request_id"])
        if earlier is None:
            raise
        return _same_request(principal, earlier)
    position = {inspection_id: n for n, inspection_id in enumerate(found)}
    chosen = [found[i] for i in sorted(body["inspection_ids"], key=position.__getitem__)]
    try:
        queries.add(
            PublicationEntry(
                publication_id=publication.id,
                inspection_id=r.inspection_id,
                facility_id=r.facility_id,
                facility_name=r.facility_name,
                region_name=r.region_name,
                family=r.family,
                family_label=r.family_label,
                tier_code=r.tier_code,
                tier_label=r.tier_label,
                inspection_date=r.inspection_date,
                report_number=r.report_number,
                report_sha256=r.report_sha256,
                status=domain.PUBLISHED,
            )
            for r in chosen
        )
    except IntegrityError as exc:  # published meanwhile by another publication
        db.session.rollback()
        raise DomainError("publication.changed") from exc
    audit.record(
        "publication.create",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="publication",
        target_id=publication.id,
        region_code=publication.region_code,
        after={
            "title": publication.title,
            "period": publication.period,
            "starts_on": publication.starts_on.isoformat(),
            "ends_on": publication.ends_on.isoformat(),
            "working_days": publication.working_days,
            "results": [[r.inspection_id, r.report_number] for r in chosen],
        },
        ip=ip,
    )
    db.session.commit()
    return publication, True


def _same_request(principal: Principal, publication: Publication) -> tuple[Publication, bool]:
    if not principal.sees_region(publication.region_code) or publication.created_by != principal.user_id:
        raise DomainError("publication.request_reused")
    return publication, False


# --- objections ----------------------------------------------------------------------------------


def _publication(principal: Principal, publication_id: int) -> Publication:
    found = queries.publication(principal, publication_id)
    if found is None:
        raise not_found()
    return found


def record_objection(
    principal: Principal,
    publication_id: int,
    entry_id: int,
    body: dict[str, Any],
    now: dt.datetime,
    ip: str | None,
) -> dict[str, Any]:
    """An objection to one published result, as the bureau received it; pending until decided."""
    publication = _publication(principal, publication_id)
    entry = queries.entry(publication.id, entry_id)
    if entry is None:
        raise not_found()
    if entry.status == domain.WITHDRAWN:
        raise DomainError("publication.entry_withdrawn")
    today = china_date(now)
    problems = []
    if body["received_on"] < publication.starts_on:
        problems.append(Problem(OBJECTION_INVALID, "/received_on", "收到日期早于公示开始日期"))
    elif body["received_on"] > today:
        problems.append(Problem(OBJECTION_INVALID, "/received_on", "收到日期不能晚于今天"))
    if not body["objector"].strip():
        problems.append(Problem(OBJECTION_INVALID, "/objector", "请填写异议人或来源（不公开）"))
    if not workflow.reason_given(body["summary"]):
        problems.append(
            Problem(OBJECTION_INVALID, "/summary", f"请填写异议内容（至少 {workflow.REASON_MIN} 个字）")
        )
    if problems:
        raise DomainError(OBJECTION_INVALID, count=len(problems), problems=problems)
    objection = PublicationObjection(
        publication_id=publication.id,
        entry_id=entry.id,
        received_on=body["received_on"],
        objector=body["objector"].strip(),
        summary=body["summary"].strip(),
        outcome=domain.PENDING,
        recorded_by=principal.user_id,
        recorded_at=now,
    )
    queries.add([objection])
    audit.record(
        "publication.objection",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="publication",
        target_id=f"{publication.id}/{objection.id}",
        region_code=publication.region_code,
        after={
            "entry": entry.id,
            "inspection": entry.inspection_id,
            "facility": entry.facility_name,
            "received_on": objection.received_on.isoformat(),
            "objector": objection.objector,
            "summary": objection.summary,
        },
        ip=ip,
    )
    db.session.commit()
    return detail(principal, publication.id, now)


def decide(
    principal: Principal,
    publication_id: int,
    objection_id: int,
    body: dict[str, Any],
    now: dt.datetime,
    ip: str | None,
) -> dict[str, Any]:
    """Decides a pending objection: upheld withdraws its result (已撤销 from today), dismissed
    leaves it. A decision is final."""
    publication = _publication(principal, publication_id)
    if queries.objection(publication.id, objection_id) is None:
        raise not_found()
    if not workflow.reason_given(body["reason"]):
        raise DomainError("publication.reason_required", min_length=workflow.REASON_MIN)
    objection = queries.objection(publication.id, objection_id, lock=True)
    assert objection is not None
    if objection.outcome != domain.PENDING:
        raise DomainError("publication.objection_decided")
    entry = queries.entry(publication.id, objection.entry_id, lock=True)
    assert entry is not None
    objection.outcome = body["outcome"]
    objection.outcome_reason = body["reason"].strip()
    objection.decided_by = principal.user_id
    objection.decided_at = now
    withdrawn = body["outcome"] == domain.UPHELD and entry.status != domain.WITHDRAWN
    if withdrawn:
        entry.status = domain.WITHDRAWN
        entry.withdrawn_on = china_date(now)
    audit.record(
        "publication.decide",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="publication",
        target_id=f"{publication.id}/{objection.id}",
        region_code=publication.region_code,
        before={"outcome": domain.PENDING},
        after={
            "outcome": objection.outcome,
            "reason": objection.outcome_reason,
            "entry": entry.id,
            "inspection": entry.inspection_id,
            "withdrawn": withdrawn,
        },
        ip=ip,
    )
    db.session.commit()
    return detail(principal, publication.id, now)


# --- reading -------------------------------------------------------------------------------------


def public_path(publication: Publication) -> str:
    return PUBLIC_PATH + publication.token


def _headers(publications: list[Publication], now: dt.datetime) -> list[dict[str, Any]]:
    today = china_date(now)
    tallies = queries.counts(p.id for p in publications)
    names = payout_queries.region_names({p.region_code for p in publications})
    people = _names({p.created_by for p in publications})
    base = registry.settings().public_url.rstrip("/")
    views = []
    for p in publications:
        counts = tallies[p.id]
        state = domain.state(p.starts_on, p.ends_on, today)
        views.append(
            {
                "id": p.id,
                "title": p.title,
                "issuer": p.issuer,
                "contact": p.contact,
                "region_code": p.region_code,
                "region_name": names.get(p.region_code, p.region_code),
                "period": p.period,
                "period_label": payout_domain.parse_period(p.period).label,
                "starts_on": p.starts_on,
                "working_days": p.working_days,
                "ends_on": p.ends_on,
                "state": state,
                "public_path": public_path(p),
                "public_url": base + public_path(p),
                "entries": counts.entries,
                "withdrawn": counts.withdrawn,
                "objections": counts.objections,
                "pending": counts.pending,
                "created_by_name": people.get(p.created_by, ""),
                "created_at": p.created_at,
            }
        )
    return views


def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    return places.display_names(user_ids)


def page(principal: Principal, query: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    limit = query["limit"]
    rows = queries.page(principal, query.get("before"), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": _headers(rows, now), "next": rows[-1].id if more and rows else None}


def detail(principal: Principal, publication_id: int, now: dt.datetime) -> dict[str, Any]:
    publication = _publication(principal, publication_id)
    entries = queries.entries(publication.id)
    objections = queries.objections(publication.id)
    people = _names([o.recorded_by for o in objections] + [o.decided_by for o in objections])
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for o in objections:
        by_entry.setdefault(o.entry_id, []).append(
            {
                "id": o.id,
                "entry_id": o.entry_id,
                "received_on": o.received_on,
                "objector": o.objector,
                "summary": o.summary,
                "outcome": o.outcome,
                "outcome_reason": o.outcome_reason,
                "recorded_by_name": people.get(o.recorded_by, ""),
                "recorded_at": o.recorded_at,
                "decided_by_name": people.get(o.decided_by) if o.decided_by is not None else None,
                "decided_at": o.decided_at,
            }
        )
    return {
        "publication": _headers([publication], now)[0],
        "entries": [
            {
                "id": e.id,
                "inspection_id": e.inspection_id,
                "facility_name": e.facility_name,
                "region_name": e.region_name,
                "family_label": e.family_label,
                "tier_label": e.tier_label,
                "inspection_date": e.inspection_date,
                "report_number": e.report_number,
                "status": e.status,
                "withdrawn_on": e.withdrawn_on,
                "objections": by_entry.get(e.id, []),
            }
            for e in entries
        ],
    }


def public_notice(token: str, now: dt.datetime) -> dict[str, Any] | None:
    """What the public page shows of the publication with this token (None: no such page): the
    issuing body, title, period, the results (withdrawn ones marked, with the day and a neutral
    phrase) and how to object. Nothing about people, objections or the bureau's reasons."""
    publication = queries.by_token(token)
    if publication is None:
        return None
    today = china_date(now)
    state = domain.state(publication.starts_on, publication.ends_on, today)
    return {
        "title": publication.title,
        "issuer": publication.issuer,
        "contact": publication.contact,
        "period_label": payout_domain.parse_period(publication.period).label,
        "starts_on": domain.chinese_date(publication.starts_on),
        "ends_on": domain.chinese_date(publication.ends_on),
        "working_days": publication.working_days,
        "state": state,
        "state_label": domain.STATE_LABELS[state],
        "published_on": domain.chinese_date(china_date(publication.created_at)),
        "shown_at": format_instant(now),
        "withdrawn_text": domain.WITHDRAWN_PUBLIC_TEXT,
        "entries": [
            {
                "facility_name": e.facility_name,
                "region_name": e.region_name,
                "family_label": e.family_label,
                "tier_label": e.tier_label,
                "inspection_date": e.inspection_date.isoformat(),
                "report_number": e.report_number,
                "withdrawn": e.status == domain.WITHDRAWN,
                "withdrawn_on": domain.chinese_date(e.withdrawn_on) if e.withdrawn_on else None,
            }
            for e in queries.entries(publication.id)
        ],
    }


# --- the regions' payout settings ----------------------------------------------------------------


def _ancestors(code: str) -> list[str]:
    chain = []
    parent = regions.parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = regions.parent_code(parent)
    return chain


def payout_settings(principal: Principal) -> dict[str, Any]:
    """Whether the user's region pays only results whose publication ended (its own setting, or one
    of a region above it), and the settings of the regions above it and inside it."""
    ancestors = _ancestors(principal.region_code)
    rows = queries.payout_setting_rows(principal.scope, ancestors)
    names = payout_queries.region_names({r.region_code for r in rows} | {principal.region_code})
    found = {u.username: u.display_name for u in user_queries.by_usernames({r.updated_by for r in rows})}
    people = {
        r.updated_by: found.get(r.updated_by) or SYSTEM_ACTOR_LABELS.get(r.updated_by, r.updated_by)
        for r in rows
    }
    own = {r.region_code: r.requires_publication for r in rows}
    required_by = next((c for c in [principal.region_code, *ancestors] if own.get(c)), None)
    return {
        "region_code": principal.region_code,
        "region_name": names.get(principal.region_code, principal.region_code),
        "requires_publication": required_by is not None,
        "required_by": names.get(required_by, required_by) if required_by is not None else None,
        "requirement": domain.REQUIREMENT_TEXT,
        "settings": [
            {
                "region_code": r.region_code,
                "region_name": names.get(r.region_code, r.region_code),
                "requires_publication": r.requires_publication,
                "inherited": not principal.sees_region(r.region_code),
                "updated_by": people.get(r.updated_by, r.updated_by),
                "updated_at": r.updated_at,
            }
            for r in rows
        ],
    }


def set_payout_setting(
    principal: Principal, region_code: str, required: bool, now: dt.datetime, ip: str | None
) -> dict[str, Any]:
    """A region inside the user's own pays only results whose publication ended (or no longer
    asks for it; a region above may still). Audited when it changes."""
    _region(principal, region_code)
    row = queries.payout_setting(region_code)
    before = row is not None and row.requires_publication
    if before != required:
        if row is None:
            row = PayoutSetting(region_code=region_code)
            db.session.add(row)
        row.requires_publication = required
        row.updated_by = principal.username
        row.updated_at = now
        audit.record(
            "payout.setting",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="region",
            target_id=region_code,
            before={"requires_publication": before},
            after={"requires_publication": required},
            ip=ip,
        )
        db.session.commit()
    return payout_settings(principal)
