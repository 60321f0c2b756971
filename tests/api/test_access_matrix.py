"""The access matrix, generated from the one policy table: every endpoint x role x region relation.

For each role a user sits at its natural level (county users in 通许 410222, city users in 开封
410200). Each resource lies in one relation to them: "own" (通许, and the self-assessor's own
facility), "sibling" (兰考, a sibling county), "other_city" (郑州) and "parent" (a facility
directly under 开封市). Expected: allowed when the policy table lists the role for the endpoint
and the relation is inside the user's region. A denial is a bare 403 (role) or 404 (region)
that names nothing; anything else (200, 409, 422 ...) means the request got through.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from server.db.models import (
    Assignment,
    Conflict,
    Evidence,
    Inspection,
    Job,
    Plan,
    Publication,
    PublicationEntry,
    PublicationObjection,
    RectificationPhoto,
    RectificationTask,
    ReviewSample,
    User,
)
from server.domain.access import POLICY
from server.domain.times import china_date
from server.extensions import db
from tests.api.world import World
from tests.photos import png, sha256

PHOTO = png()
PLAN_LIST = "机构名称,检查员,计划日期\n通许县城关镇卫生院,inspector,2027-01-10\n".encode()
USERS_SHEET = "用户名,姓名,角色,所属地区\nmatrix.import,导入,检查员,410222\n".encode()

TODAY = china_date(dt.datetime.now(dt.UTC))
ROLES = {
    "inspector": "inspector",
    "self_assessor": "self_assessor",
    "county_reviewer": "county_reviewer",
    "city_reviewer": "city_reviewer",
    "admin": "admin",
    "finance": "finance",
}
RELATIONS = ("own", "sibling", "other_city", "parent")
# Written out here, not derived from the server's scope code, so the test can disagree with it.
INSIDE = {
    "inspector": {"own"},
    "self_assessor": {"own"},
    "county_reviewer": {"own"},
    "city_reviewer": {"own", "sibling", "parent"},
    "admin": {"own", "sibling", "parent"},
    "finance": {"own", "sibling", "parent"},
}
# Roles that see only final results: the targets' inspections are drafts, so they see none.
FINAL_ONLY = {"finance"}
FACILITY_OF = {"own": "own", "sibling": "sibling", "other_city": "other_city", "parent": "parent"}
DENIALS = {
    403: {"error": {"code": "auth.forbidden", "message": "您的角色无权进行此操作"}},
    404: {"error": {"code": "http.not_found", "message": "未找到，或不在您的权限范围内"}},
}


@dataclass
class Target:
    facility_id: int
    inspection_id: int
    conflict_id: int
    region_code: str
    name: str
    sample_id: int
    evidence_id: int
    job_id: int
    user_id: int  # an inspector's account there
    plan_id: int  # a plan there, holding the target's inspection
    task_id: int  # a rectification task of the facility there
    task_photo_id: int  # a photo of its fix
    publication_id: int  # a publication (公示) of that region
    entry_id: int  # its entry of the target's inspection
    objection_id: int  # a pending objection to it


@dataclass(frozen=True)
class Spec:
    method: str
    url: Callable[[Target], str]
    body: Callable[[Target, str, World], Any] | None = None
    listed: Callable[[Any, Target], bool] | None = None  # for lists: is the target in the answer?
    located: bool = True  # False: the endpoint is about no particular region
    multipart: bool = False
    inspection: bool = False  # about the target's inspection (a draft)


def _kind(role: str) -> str:
    return {"self_assessor": "self_assessment", "city_reviewer": "city_reinspection"}.get(
        role, "county_inspection"
    )


SPECS: dict[str, Spec] = {
    "auth.me": Spec("GET", lambda t: "/api/auth/me", located=False),
    "auth.logout": Spec("POST", lambda t: "/api/auth/logout", located=False),
    "checklists.list": Spec("GET", lambda t: "/api/checklists", located=False),
    "checklists.get": Spec("GET", lambda t: "/api/checklists/mini-test/1", located=False),
    # one level of the tree: the target's region asked for by code (outside the user's region: 404)
    "regions.list": Spec("GET", lambda t: f"/api/regions?parent={t.region_code}"),
    "facilities.list": Spec(
        "GET",
        lambda t: "/api/facilities",
        listed=lambda body, t: t.facility_id in {f["id"] for f in body["items"]},
    ),
    "facilities.get": Spec("GET", lambda t: f"/api/facilities/{t.facility_id}"),
    "facilities.facts": Spec("GET", lambda t: f"/api/facilities/{t.facility_id}/facts"),
    "facilities.profile": Spec("GET", lambda t: f"/api/facilities/{t.facility_id}/profile"),
    "facilities.set_facts": Spec(
        "PATCH",
        lambda t: f"/api/facilities/{t.facility_id}/facts",
        lambda t, role, w: {"facts": {"tcm_corner": True}, "reason": "矩阵测试"},
    ),
    "inspections.list": Spec(
        "GET",
        lambda t: "/api/inspections",
        listed=lambda body, t: t.inspection_id in {i["id"] for i in body["items"]},
    ),
    "inspections.get": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}"),
    "inspections.score": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}/score"),
    "inspections.history": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}/history"),
    "inspections.create": Spec(
        "POST",
        lambda t: "/api/inspections",
        lambda t, role, w: {
            "facility_id": t.facility_id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": _kind(role),
            "inspection_date": "2026-11-20",
        },
    ),
    "inspections.assign": Spec(
        "POST",
        lambda t: f"/api/inspections/{t.inspection_id}/assignments",
        lambda t, role, w: {"inspector_ids": [w.users["inspector"].id]},
    ),
    "inspections.transition": Spec(
        "POST",
        lambda t: f"/api/inspections/{t.inspection_id}/transitions",
        lambda t, role, w: {"action": "submit"},
    ),
    "inspections.regrade": Spec(
        "PUT",
        lambda t: f"/api/inspections/{t.inspection_id}/items/M-B01/grade",
        lambda t, role, w: {"grade": "B", "base_revision": 0, "reason": "矩阵测试"},
    ),
    "inspections.conflicts": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}/conflicts"),
    "inspections.resolve_conflict": Spec(
        "POST",
        lambda t: f"/api/inspections/{t.inspection_id}/conflicts/{t.conflict_id}/resolution",
        lambda t, role, w: {"accept": False, "reason": "矩阵测试"},
    ),
    "sync.bootstrap": Spec("GET", lambda t: "/api/sync/bootstrap", located=False),
    "sync.push": Spec(
        "POST",
        lambda t: "/api/sync",
        lambda t, role, w: {
            "device_id": "matrix",
            "changes": [
                {
                    "change_id": f"matrix-{role}-{t.inspection_id}",
                    "inspection_id": t.inspection_id,
                    "item_id": "M-B01",
                    "base_revision": 0,
                    "grade": "C",
                }
            ],
        },
        listed=lambda body, t: body["receipts"][0].get("error", {}).get("code") != "inspection.not_found",
    ),
    "evidence.upload": Spec(
        "POST",
        lambda t: f"/api/inspections/{t.inspection_id}/items/M-B01/evidence",
        lambda t, role, w: {
            "upload_id": f"matrix-{role}-{t.inspection_id}",
            "sha256": sha256(PHOTO),
            "file": (io.BytesIO(PHOTO), "photo.png"),
        },
        multipart=True,
    ),
    "reports.get": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}/report"),
    "evidence.list": Spec("GET", lambda t: f"/api/inspections/{t.inspection_id}/evidence"),
    "evidence.content": Spec("GET", lambda t: f"/api/evidence/{t.evidence_id}/thumbnail"),
    "samples.draw": Spec("POST", lambda t: "/api/samples", lambda t, role, w: {"size": 1}, located=False),
    "samples.get": Spec("GET", lambda t: f"/api/samples/{t.sample_id}", located=False),
    "samples.list": Spec("GET", lambda t: "/api/samples", located=False),
    "audit.list": Spec("GET", lambda t: "/api/audit", located=False),
    "audit.export": Spec("GET", lambda t: "/api/audit/log.csv", located=False),
    "payouts.sheet": Spec("GET", lambda t: f"/api/payouts/{t.region_code}/2026.xlsx"),
    "payouts.preview": Spec("GET", lambda t: f"/api/payouts/{t.region_code}/2026/preview"),
    "exports.results": Spec("GET", lambda t: f"/api/exports/results/{t.region_code}/2026.xlsx"),
    "payouts.record": Spec(
        "POST", lambda t: f"/api/payouts/{t.region_code}/2026/record", lambda t, role, w: {"digest": "0" * 64}
    ),
    "payouts.records": Spec("GET", lambda t: "/api/payouts/records", located=False),
    "payouts.rules": Spec("GET", lambda t: "/api/payouts/rules", located=False),
    "payouts.add_rule": Spec(
        "POST",
        lambda t: "/api/payouts/rules",
        lambda t, role, w: {
            "region_code": w.users[role].region_code,
            "family": "quality_service",
            "tier_code": "basic",
            "amount_yuan": 1,
            "top_up": True,
            "valid_from": "2030-01-01",
        },
        located=False,
    ),
    "payouts.settings": Spec("GET", lambda t: "/api/payouts/settings", located=False),
    "payouts.set_publication": Spec(
        "PUT",
        lambda t: f"/api/payouts/settings/{t.region_code}",
        lambda t, role, w: {"requires_publication": False},
    ),
    "regions.issuing_body": Spec("GET", lambda t: f"/api/regions/{t.region_code}/issuing-body"),
    "regions.set_issuing_body": Spec(
        "PUT",
        lambda t: f"/api/regions/{t.region_code}/issuing-body",
        lambda t, role, w: {"issuing_body": None},
    ),
    "publications.list": Spec(
        "GET",
        lambda t: "/api/publications?limit=200",
        listed=lambda body, t: t.publication_id in {p["id"] for p in body["items"]},
    ),
    "publications.get": Spec("GET", lambda t: f"/api/publications/{t.publication_id}"),
    "publications.preview": Spec(
        "GET", lambda t: f"/api/publications/preview?region_code={t.region_code}&period=2026"
    ),
    "publications.create": Spec(
        "POST",
        lambda t: "/api/publications",
        lambda t, role, w: {
            "request_id": f"matrix-publication-{role}",
            "region_code": w.users[role].region_code,
            "period": "2026",
            "title": "矩阵测试公示",
            "issuer": "开封市卫生健康委员会",
            "contact": "电话",
            "starts_on": TODAY.isoformat(),
            "working_days": 7,
            "inspection_ids": [t.inspection_id],  # a draft: not a result, refused past the policy
        },
        located=False,
    ),
    "publications.object": Spec(
        "POST",
        lambda t: f"/api/publications/{t.publication_id}/entries/{t.entry_id}/objections",
        lambda t, role, w: {"received_on": TODAY.isoformat(), "objector": "来信", "summary": "矩阵测试"},
    ),
    "publications.decide": Spec(
        "POST",
        lambda t: f"/api/publications/{t.publication_id}/objections/{t.objection_id}/decision",
        lambda t, role, w: {"outcome": "dismissed", "reason": "矩阵测试"},
    ),
    "jobs.list": Spec(
        "GET", lambda t: "/api/jobs", listed=lambda body, t: t.job_id in {j["id"] for j in body["jobs"]}
    ),
    "jobs.get": Spec("GET", lambda t: f"/api/jobs/{t.job_id}"),
    "auth.change_password": Spec(
        "POST",
        lambda t: "/api/auth/password",
        lambda t, role, w: {"current_password": "not the password", "new_password": "x" * 12},
        located=False,
    ),
    "users.list": Spec(
        "GET",
        lambda t: "/api/users?limit=200",
        listed=lambda body, t: t.user_id in {u["id"] for u in body["items"]},
    ),
    "users.get": Spec("GET", lambda t: f"/api/users/{t.user_id}"),
    "users.create": Spec(
        "POST",
        lambda t: "/api/users",
        lambda t, role, w: {
            "username": f"matrix-new-{role}",
            "display_name": "新检查员",
            "role": "inspector",
            "region_code": w.users[role].region_code,
        },
        located=False,
    ),
    "users.update": Spec(
        "PATCH",
        lambda t: f"/api/users/{t.user_id}",
        lambda t, role, w: {"display_name": f"改名{role}", "reason": "矩阵测试"},
    ),
    "users.disable": Spec(
        "POST", lambda t: f"/api/users/{t.user_id}/disable", lambda t, role, w: {"reason": "矩阵测试"}
    ),
    "users.enable": Spec(
        "POST", lambda t: f"/api/users/{t.user_id}/enable", lambda t, role, w: {"reason": "矩阵测试"}
    ),
    "users.reset_password": Spec("POST", lambda t: f"/api/users/{t.user_id}/password"),
    "users.unlock": Spec("POST", lambda t: f"/api/users/{t.user_id}/unlock"),
    "imports.template": Spec("GET", lambda t: "/api/imports/users/template.xlsx", located=False),
    "imports.preview": Spec(
        "POST",
        lambda t: "/api/imports/users/preview",
        lambda t, role, w: {"file": (io.BytesIO(USERS_SHEET), "用户.csv")},
        located=False,
        multipart=True,
    ),
    "imports.run": Spec(
        "POST",
        lambda t: "/api/imports/users",
        lambda t, role, w: {"file": (io.BytesIO(USERS_SHEET), "用户.csv"), "sha256": "0" * 64},
        located=False,
        multipart=True,
    ),
    # the dashboard of the target's region (outside the user's: 404)
    "dashboard.get": Spec("GET", lambda t: f"/api/dashboard?region_code={t.region_code}&year=2026"),
    "dashboard.facilities": Spec(
        "GET", lambda t: f"/api/dashboard/facilities?region_code={t.region_code}&year=2026&tier=unrated"
    ),
    "dashboard.set_target": Spec(
        "PUT",
        lambda t: "/api/dashboard/targets",
        lambda t, role, w: {
            "region_code": w.users[role].region_code,
            "year": 2026,
            "family": "quality_service",
            "recommended_percent": 20,
        },
        located=False,
    ),
    "rectifications.list": Spec(
        "GET",
        lambda t: "/api/rectifications?limit=200",
        listed=lambda body, t: t.task_id in {r["id"] for r in body["items"]},
    ),
    "rectifications.get": Spec("GET", lambda t: f"/api/rectifications/{t.task_id}"),
    "rectifications.photo": Spec("GET", lambda t: f"/api/rectifications/photos/{t.task_photo_id}/thumbnail"),
    "rectifications.upload": Spec(
        "POST",
        lambda t: f"/api/rectifications/{t.task_id}/photos",
        lambda t, role, w: {
            "upload_id": f"matrix-fix-{role}-{t.task_id}",
            "sha256": sha256(PHOTO),
            "file": (io.BytesIO(PHOTO), "photo.png"),
        },
        multipart=True,
    ),
    "rectifications.submit": Spec(
        "POST",
        lambda t: f"/api/rectifications/{t.task_id}/submit",
        lambda t, role, w: {
            "change_id": f"matrix-submit-{role}-{t.task_id}",
            "note": "矩阵测试",
            "photos": [],
        },
    ),
    "rectifications.export": Spec(
        "GET", lambda t: f"/api/rectifications/export.xlsx?region_code={t.region_code}"
    ),
    "rectifications.decide": Spec(
        "POST",
        lambda t: f"/api/rectifications/{t.task_id}/decision",
        lambda t, role, w: {"decision": "accept"},
    ),
    # last: cancelling a plan cancels the targets' draft inspections
    "plans.list": Spec(
        "GET",
        lambda t: "/api/plans?limit=200",
        listed=lambda body, t: t.plan_id in {p["id"] for p in body["items"]},
    ),
    "plans.get": Spec("GET", lambda t: f"/api/plans/{t.plan_id}"),
    "plans.export": Spec("GET", lambda t: f"/api/plans/{t.plan_id}/inspections.xlsx"),
    "plans.create": Spec(
        "POST",
        lambda t: "/api/plans",
        lambda t, role, w: {
            "request_id": f"matrix-plan-{role}",
            "name": "矩阵测试计划",
            "region_code": w.users[role].region_code,
            "starts_on": "2027-01-01",
            "ends_on": "2027-01-31",
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": _kind(role) if role != "self_assessor" else "county_inspection",
            "entries": [
                {
                    "facility_id": t.facility_id,
                    "inspector_ids": [w.users["inspector"].id],
                    "inspection_date": "2027-01-10",
                }
            ],
        },
        located=False,
    ),
    "plans.list_template": Spec("GET", lambda t: "/api/plans/list/template.xlsx", located=False),
    "plans.read_list": Spec(
        "POST",
        lambda t: "/api/plans/list",
        lambda t, role, w: {"file": (io.BytesIO(PLAN_LIST), "名单.csv")},
        located=False,
        multipart=True,
    ),
    "plans.change": Spec(
        "PATCH",
        lambda t: f"/api/plans/{t.plan_id}/inspections/{t.inspection_id}",
        lambda t, role, w: {"inspection_date": "2026-11-21"},
    ),
    "plans.cancel": Spec(
        "POST", lambda t: f"/api/plans/{t.plan_id}/cancel", lambda t, role, w: {"reason": "矩阵测试"}
    ),
}
for _name in (
    "inspections.list",
    "inspections.get",
    "inspections.score",
    "inspections.history",
    "inspections.assign",
    "inspections.transition",
    "inspections.regrade",
    "inspections.conflicts",
    "inspections.resolve_conflict",
    "reports.get",
    "evidence.list",
    "evidence.upload",
):
    SPECS[_name] = replace(SPECS[_name], inspection=True)


def make_targets(world: World) -> dict[str, Target]:
    regions = {"own": "410222", "sibling": "410225", "other_city": "410102", "parent": "410200"}
    sample = ReviewSample(
        region_code="410200",
        seed=1,
        size=1,
        population=[],
        selected=[],
        drawn_by=world.users["city_reviewer"].id,
    )
    db.session.add(sample)
    db.session.flush()
    targets = {}
    for relation in RELATIONS:
        facility = world.facilities[FACILITY_OF[relation]]
        plan = Plan(
            request_id=f"matrix-target-{relation}",
            name=f"矩阵计划{relation}",
            region_code=regions[relation],
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2026, 11, 30),
            checklist_id="mini-test",
            checklist_version=1,
            kind="county_inspection",
            requires_self_assessment=False,
            status="active",
            size=1,
            created_by=world.users["admin"].id,
        )
        db.session.add(plan)
        db.session.flush()
        inspection = Inspection(
            plan_id=plan.id,
            facility_id=facility.id,
            region_code=facility.region_code,
            checklist_id="mini-test",
            checklist_version=1,
            kind="county_inspection",
            status="draft",
            inspection_date=dt.date(2026, 11, 20),
            created_by=world.users["admin"].id,
        )
        db.session.add(inspection)
        db.session.flush()
        for username in ("inspector", "self_assessor"):
            db.session.add(
                Assignment(
                    inspection_id=inspection.id,
                    user_id=world.users[username].id,
                    assigned_by=world.users["admin"].id,
                )
            )
        conflict = Conflict(
            inspection_id=inspection.id,
            item_id="M-B02",
            change_id=f"c-{relation}",
            base_revision=0,
            current_revision=1,
            proposed={"grade": "C"},
            author_id=world.users["inspector"].id,
        )
        photo = Evidence(
            inspection_id=inspection.id,
            facility_id=facility.id,
            item_id="M-B01",
            object_key=f"evidence/{inspection.id}/matrix.png",
            sha256="0" * 64,
            size=1,
            content_type="image/png",
            uploaded_by=world.users["inspector"].id,
        )
        job = Job(  # a report rendered ahead on approval: started by no user
            kind="report",
            key=f"report:{inspection.id}",
            params={"inspection_id": inspection.id, "facility_name": facility.name},
            region_code=regions[relation],
            state="succeeded",
        )
        account = User(
            username=f"matrix-target-{relation}",
            display_name=f"目标检查员{relation}",
            password_hash=world.users["inspector"].password_hash,
            role="inspector",
            region_code=regions[relation] if relation != "parent" else "410200",
            active=True,
        )
        publication = Publication(
            request_id=f"matrix-publication-{relation}",
            token=f"matrix-publication-token-{relation}",
            region_code=regions[relation],
            period="2026",
            title=f"矩阵公示{relation}",
            issuer="卫生健康委员会",
            contact="电话",
            starts_on=TODAY,
            working_days=7,
            ends_on=TODAY + dt.timedelta(days=9),
            created_by=world.users["admin"].id,
        )
        db.session.add_all([conflict, photo, job, account, publication])
        db.session.flush()
        entry = PublicationEntry(
            publication_id=publication.id,
            inspection_id=inspection.id,
            facility_id=facility.id,
            facility_name=facility.name,
            region_name="通许县",
            family="quality_service",
            family_label="优质服务基层行",
            tier_code="basic",
            tier_label="基本标准",
            inspection_date=inspection.inspection_date,
            report_number=f"DB-MATRIX-{relation}",
            report_sha256="0" * 64,
            status="published",
        )
        db.session.add(entry)
        db.session.flush()
        objection = PublicationObjection(
            publication_id=publication.id,
            entry_id=entry.id,
            received_on=TODAY,
            objector="来信",
            summary="矩阵测试",
            outcome="pending",
            recorded_by=world.users["admin"].id,
        )
        db.session.add(objection)
        db.session.flush()
        task = RectificationTask(
            inspection_id=inspection.id,
            facility_id=facility.id,
            region_code=facility.region_code,
            item_id="M-B03",
            problem="未达到基本要求",
            deadline=dt.date(2026, 12, 20),
            status="open",
        )
        db.session.add(task)
        db.session.flush()
        fix = RectificationPhoto(
            task_id=task.id,
            facility_id=facility.id,
            upload_id=f"matrix-target-fix-{relation}",
            object_key=f"rectifications/{task.id}/matrix.png",
            sha256="0" * 64,
            size=1,
            content_type="image/png",
            thumb_key=f"rectification-thumbs/{task.id}/matrix.jpg",
            thumb_sha256="0" * 64,
            thumb_size=1,
            uploaded_by=world.users["self_assessor"].id,
        )
        db.session.add(fix)
        db.session.flush()
        targets[relation] = Target(
            facility.id,
            inspection.id,
            conflict.id,
            regions[relation],
            facility.name,
            sample.id,
            photo.id,
            job.id,
            account.id,
            plan.id,
            task.id,
            fix.id,
            publication.id,
            entry.id,
            objection.id,
        )
    db.session.commit()
    return targets


def test_the_policy_table_covers_every_api_endpoint(app: Any) -> None:
    endpoints = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/api/") and "openapi" not in rule.rule:
            endpoints.add(getattr(view, "policy_endpoint", rule.endpoint))
    assert endpoints - {"auth.login"} == set(POLICY)
    assert set(SPECS) == set(POLICY)


def test_access_matrix(world: World) -> None:
    targets = make_targets(world)
    mismatches = []
    checked = 0
    for endpoint, spec in SPECS.items():
        for role in ROLES:
            relations = RELATIONS if spec.located else ("own",)
            for relation in relations:
                target = targets[relation]
                username = role
                if endpoint == "auth.logout":  # ends the session: use a fresh one
                    world.tokens.pop(username, None)
                body = spec.body(target, role, world) if spec.body else None
                if spec.multipart:
                    response = world.client.open(
                        spec.url(target),
                        method=spec.method,
                        data=body,
                        content_type="multipart/form-data",
                        headers={"Authorization": f"Bearer {world.login(username)}"},
                    )
                else:
                    response = world.call(username, spec.method, spec.url(target), body)
                if endpoint == "auth.logout":
                    world.tokens.pop(username, None)
                role_ok = role in POLICY[endpoint]
                expected = role_ok and (not spec.located or relation in INSIDE[role])
                if spec.inspection and role in FINAL_ONLY:
                    expected = False
                status = response.status_code
                denied = status in DENIALS and response.json == DENIALS[status]
                if role_ok and spec.listed is not None and status == 200:
                    actual = spec.listed(response.json, target)
                else:
                    actual = not denied
                checked += 1
                if actual != expected:
                    mismatches.append(
                        f"{endpoint} {role} {relation}: expected "
                        f"{'allow' if expected else 'deny'}, got {status} {response.json}"
                    )
                if denied:
                    text = response.get_data(as_text=True)
                    assert target.name not in text and str(target.inspection_id) not in text
                if status >= 500:
                    mismatches.append(f"{endpoint} {role} {relation}: server error")
    assert checked >= 200
    assert mismatches == []
