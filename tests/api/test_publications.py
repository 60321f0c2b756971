"""Publication of results (公示) in the console and on its public page (issue 16).

Which results a publication lists (each facility's latest final result of the period that reached
a tier, self-assessments aside, none published twice); creating it from the preview, again with
the same request; region scope; objections recorded and decided (upheld withdraws the result);
where it stands by date (the clock is moved by patching the API's `now`, as test_auth does); the
public page without a login, showing nothing private; and the payout setting that pays only
results whose publication ended with no upheld objection.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from server.db.models import (
    Answer,
    AuditEntry,
    Facility,
    Inspection,
    Publication,
    PublicationEntry,
    User,
)
from server.domain.times import china_date
from server.extensions import db
from tests.api.world import World, add_facility
from tests.services.test_payouts import IN_Q4, approved, pdf_lines, qs_rules

TODAY = china_date(dt.datetime.now(dt.UTC))


def move_clock(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """The API's clock `days` days ahead (the publications', payouts' and the public page's)."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    for module in ("server.api.publications", "server.api.payouts"):
        monkeypatch.setattr(f"{module}.now", lambda: later)


def preview(world: World, user: str, region: str = "410200", period: str = "2026Q4", **extra: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"region_code": region, "period": period, **extra}.items())
    return world.call(user, "GET", f"/api/publications/preview?{query}")


def publish(
    world: World,
    user: str,
    region: str = "410200",
    period: str = "2026Q4",
    ids: list[int] | None = None,
    **body: Any,
) -> Any:
    if ids is None:
        found = preview(world, user, region, period)
        assert found.status_code == 200, found.json
        ids = [e["inspection_id"] for e in found.json["entries"]]
    return world.call(
        user,
        "POST",
        "/api/publications",
        {
            "request_id": body.pop("request_id", secrets.token_hex(8)),
            "region_code": region,
            "period": period,
            "title": "开封市2026年第四季度基层医疗卫生机构评审达标结果公示",
            "issuer": "开封市卫生健康委员会",
            "contact": "联系电话：0371-23456789\n地址：开封市某路 1 号基层卫生科",
            "starts_on": TODAY.isoformat(),
            "working_days": 7,
            "inspection_ids": ids,
            **body,
        },
    )


def entry_of(detail: dict[str, Any], facility: str) -> dict[str, Any]:
    return next(e for e in detail["entries"] if e["facility_name"] == facility)


# --- what is published ---------------------------------------------------------------------------


def test_the_preview_lists_each_latest_result_and_creating_it_twice_is_one_publication(world: World) -> None:
    approved(world, "own", "basic", at=IN_Q4 - dt.timedelta(days=5))
    newer = approved(world, "own", "recommended", at=IN_Q4)  # the facility's latest: this one
    approved(world, "own2", "basic", at=IN_Q4)
    approved(world, "sibling", "none", at=IN_Q4)  # reached no tier
    own_assessment = approved(world, "parent", "basic", at=IN_Q4)
    own_assessment.kind = "self_assessment"  # a facility's own assessment is never published
    approved(world, "other_city", "basic", at=IN_Q4)  # another city
    approved(world, "own2", "basic", at=IN_Q4 - dt.timedelta(days=60))  # another quarter
    db.session.commit()

    found = preview(world, "city_reviewer")
    assert found.status_code == 200, found.json
    body = found.json
    assert (body["suggested_title"], body["suggested_issuer"]) == (
        "开封市2026年第四季度基层医疗卫生机构评审达标结果公示",
        "开封市卫生健康委员会",
    )
    assert [(e["facility_name"], e["tier_label"], e["region_name"]) for e in body["entries"]] == [
        ("通许县城关镇卫生院", "推荐标准", "通许县"),
        ("通许县练城乡卫生院", "基本标准", "通许县"),
    ]
    assert body["entries"][0]["inspection_id"] == newer.id
    assert body["not_reached"] == 1 and body["published"] == []
    assert body["working_days"] == 7 and body["starts_on"] == TODAY.isoformat()
    assert dt.date.fromisoformat(body["ends_on"]) >= TODAY + dt.timedelta(days=8)
    assert "节假日" in body["calendar_note"] and body["start_problem"] is None

    request_id = secrets.token_hex(8)
    ids = [e["inspection_id"] for e in body["entries"]]
    created = publish(world, "city_reviewer", ids=ids, request_id=request_id)
    assert created.status_code == 201, created.json
    detail = created.json
    assert detail["publication"]["state"] == "open" and detail["publication"]["entries"] == 2
    assert detail["publication"]["public_path"].startswith("/public/notices/")
    token = detail["publication"]["public_path"].rsplit("/", 1)[1]
    assert len(token) >= 40 and str(detail["publication"]["id"]) != token
    assert entry_of(detail, "通许县城关镇卫生院")["report_number"].startswith("DB-410222-")

    again = publish(world, "city_reviewer", ids=ids, request_id=request_id)  # sent again
    assert again.status_code == 200 and again.json["publication"]["id"] == detail["publication"]["id"]
    reused = publish(world, "admin", ids=ids, request_id=request_id)
    assert (reused.status_code, reused.json["error"]["code"]) == (409, "publication.request_reused")
    assert db.session.scalar(select(Publication.id).where(Publication.request_id == request_id))
    assert len(db.session.scalars(select(PublicationEntry)).all()) == 2

    # published once: the next preview lists them apart, and naming one again is refused
    after = preview(world, "admin").json
    assert after["entries"] == []
    assert {(p["facility_name"], p["publication_title"]) for p in after["published"]} == {
        ("通许县城关镇卫生院", "开封市2026年第四季度基层医疗卫生机构评审达标结果公示"),
        ("通许县练城乡卫生院", "开封市2026年第四季度基层医疗卫生机构评审达标结果公示"),
    }
    twice = publish(world, "admin", ids=[newer.id])
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "publication.changed")
    # the year holds the quarter: its results are not published twice either
    year = preview(world, "admin", period="2026").json
    assert [e["facility_name"] for e in year["entries"]] == []
    # a county sees that the city published them, not the city's publication
    county = preview(world, "county_reviewer", region="410222").json
    assert {p["publication_id"] for p in county["published"]} == {None}

    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "publication.create")).one()
    assert logged.region_code == "410200" and len(logged.after["results"]) == 2


def test_a_publication_is_checked_before_anything_is_written(world: World) -> None:
    inspection = approved(world, "own", "basic", at=IN_Q4)
    db.session.commit()
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    refused = publish(world, "admin", ids=[inspection.id], starts_on=yesterday, title="  ", contact="")
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "publication.invalid"
    assert {p["pointer"] for p in refused.json["error"]["problems"]} == {"/starts_on", "/title", "/contact"}
    doubled = publish(world, "admin", ids=[inspection.id, inspection.id])
    assert doubled.status_code == 422
    unknown = publish(world, "admin", ids=[inspection.id, 2_000_000_000])
    assert (unknown.status_code, unknown.json["error"]["code"]) == (409, "publication.changed")
    empty = publish(world, "admin", ids=[])
    assert empty.status_code == 422
    long_period = publish(world, "admin", ids=[inspection.id], working_days=31)
    assert long_period.status_code == 422
    assert bad_period(world).status_code == 422
    assert db.session.scalars(select(Publication)).all() == []
    # a day ahead: its last day follows from it
    ahead = (TODAY + dt.timedelta(days=3)).isoformat()
    shown = preview(world, "admin", starts_on=ahead, working_days=5).json
    assert shown["starts_on"] == ahead and shown["working_days"] == 5
    assert preview(world, "admin", starts_on=yesterday).json["start_problem"] == "公示开始日期不能早于今天"


def bad_period(world: World) -> Any:
    return preview(world, "admin", period="2026Q5")


def test_a_county_publishes_its_own_and_sees_no_other(world: World) -> None:
    approved(world, "own", "basic", at=IN_Q4)
    approved(world, "sibling", "basic", at=IN_Q4)
    db.session.commit()
    own = publish(world, "county_reviewer", region="410222")
    assert own.status_code == 201, own.json
    pid = own.json["publication"]["id"]
    assert [e["facility_name"] for e in own.json["entries"]] == ["通许县城关镇卫生院"]

    assert world.call("sibling_county_reviewer", "GET", f"/api/publications/{pid}").status_code == 404
    assert world.call("sibling_county_reviewer", "GET", "/api/publications").json["items"] == []
    assert preview(world, "county_reviewer", region="410225").status_code == 404
    assert preview(world, "county_reviewer", region="410200").status_code == 404
    assert publish(world, "county_reviewer", region="410225", ids=[1]).status_code == 404
    assert world.call("other_city_reviewer", "GET", f"/api/publications/{pid}").status_code == 404
    # the city sees its county's, and publishes what is left of the city
    listed = world.call("finance", "GET", "/api/publications").json["items"]
    assert [p["id"] for p in listed] == [pid] and listed[0]["region_name"] == "通许县"
    city = preview(world, "admin").json
    assert [e["facility_name"] for e in city["entries"]] == ["兰考县城关镇卫生院"]
    assert [p["publication_id"] for p in city["published"]] == [pid]
    # finance reads, publishes nothing
    assert world.call("finance", "GET", f"/api/publications/{pid}").status_code == 200
    assert preview(world, "finance").status_code == 403
    assert world.call("inspector", "GET", "/api/publications").status_code == 403


# --- objections ----------------------------------------------------------------------------------


def test_objections_are_recorded_and_decided_and_an_upheld_one_withdraws_the_result(world: World) -> None:
    approved(world, "own", "basic", at=IN_Q4)
    approved(world, "own2", "recommended", at=IN_Q4)
    db.session.commit()
    detail = publish(world, "city_reviewer").json
    pid = detail["publication"]["id"]
    own = entry_of(detail, "通许县城关镇卫生院")
    url = f"/api/publications/{pid}/entries/{own['id']}/objections"
    objection = {
        "received_on": TODAY.isoformat(),
        "objector": "群众张某（电话 139xxxx0000）",
        "summary": "该院未设置发热门诊",
    }

    recorded = world.call("county_reviewer", "POST", url, objection)
    assert recorded.status_code == 404  # the city's publication is outside the county
    recorded = world.call("admin", "POST", url, objection)
    assert recorded.status_code == 201, recorded.json
    [first] = entry_of(recorded.json, "通许县城关镇卫生院")["objections"]
    assert (first["outcome"], first["objector"], first["recorded_by_name"]) == (
        "pending",
        objection["objector"],
        "admin",
    )
    assert recorded.json["publication"]["pending"] == 1

    early = {**objection, "received_on": (TODAY - dt.timedelta(days=1)).isoformat()}
    refused = world.call("admin", "POST", url, early)
    assert refused.status_code == 422 and refused.json["error"]["problems"][0]["pointer"] == "/received_on"
    blank = world.call("admin", "POST", url, {**objection, "objector": " ", "summary": "无"})
    assert {p["pointer"] for p in blank.json["error"]["problems"]} == {"/objector", "/summary"}

    decide = f"/api/publications/{pid}/objections/{first['id']}/decision"
    no_reason = world.call("city_reviewer", "POST", decide, {"outcome": "dismissed", "reason": " "})
    assert (no_reason.status_code, no_reason.json["error"]["code"]) == (422, "publication.reason_required")
    dismissed = world.call(
        "city_reviewer", "POST", decide, {"outcome": "dismissed", "reason": "经核实已设置发热门诊"}
    )
    assert dismissed.status_code == 200, dismissed.json
    own = entry_of(dismissed.json, "通许县城关镇卫生院")
    assert own["status"] == "published" and own["objections"][0]["outcome"] == "dismissed"
    assert own["objections"][0]["decided_by_name"] == "city_reviewer"
    again = world.call("city_reviewer", "POST", decide, {"outcome": "upheld", "reason": "改判"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "publication.objection_decided")

    second = world.call("admin", "POST", url, {**objection, "summary": "评审日期该院停诊，结果不实"}).json
    second_id = entry_of(second, "通许县城关镇卫生院")["objections"][1]["id"]
    upheld = world.call(
        "admin",
        "POST",
        f"/api/publications/{pid}/objections/{second_id}/decision",
        {"outcome": "upheld", "reason": "经调查，评审当日该院确未开诊"},
    )
    assert upheld.status_code == 200, upheld.json
    own = entry_of(upheld.json, "通许县城关镇卫生院")
    assert (own["status"], own["withdrawn_on"]) == ("withdrawn", TODAY.isoformat())
    assert upheld.json["publication"]["withdrawn"] == 1 and upheld.json["publication"]["pending"] == 0
    assert entry_of(upheld.json, "通许县练城乡卫生院")["status"] == "published"
    closed = world.call("admin", "POST", url, objection)
    assert (closed.status_code, closed.json["error"]["code"]) == (409, "publication.entry_withdrawn")

    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("publication.objection") == 2 and actions.count("publication.decide") == 2
    decided = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "publication.decide").order_by(AuditEntry.seq.desc())
    ).first()
    assert decided is not None and decided.after["withdrawn"] is True and decided.region_code == "410200"

    # the public page: withdrawn, with the day and a neutral phrase; nothing of the objection
    page = world.client.get(upheld.json["publication"]["public_path"])
    text = page.get_data(as_text=True)
    assert "已撤销" in text and "经核实，撤销该结果" in text
    for private in ("群众张某", "139xxxx0000", "发热门诊", "停诊", "确未开诊", "经核实已设置"):
        assert private not in text


# --- where it stands, and the public page --------------------------------------------------------


def test_a_publication_ends_after_its_last_working_day(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    approved(world, "own", "basic", at=IN_Q4)
    db.session.commit()
    detail = publish(world, "admin").json
    ends_on = dt.date.fromisoformat(detail["publication"]["ends_on"])
    path = detail["publication"]["public_path"]
    assert "公示中" in world.client.get(path).get_data(as_text=True)

    move_clock(monkeypatch, (ends_on - TODAY).days)  # the last day
    assert world.call("admin", "GET", "/api/publications").json["items"][0]["state"] == "open"
    move_clock(monkeypatch, (ends_on - TODAY).days + 1)
    assert world.call("admin", "GET", "/api/publications").json["items"][0]["state"] == "ended"
    shown = world.client.get(path).get_data(as_text=True)
    assert "公示期满" in shown and "公示中" not in shown

    later = publish(
        world, "admin", period="2026", ids=[], starts_on=(TODAY + dt.timedelta(days=50)).isoformat()
    )
    assert later.status_code == 422  # nothing left to publish; an upcoming one is shown as such:
    upcoming = Publication(
        request_id=secrets.token_hex(8),
        token=secrets.token_urlsafe(32),
        region_code="410200",
        period="2026",
        title="预告",
        issuer="开封市卫生健康委员会",
        contact="电话",
        starts_on=TODAY + dt.timedelta(days=40),
        working_days=5,
        ends_on=TODAY + dt.timedelta(days=47),
        created_by=world.users["admin"].id,
    )
    db.session.add(upcoming)
    db.session.commit()
    assert "公示将于" in world.client.get(f"/public/notices/{upcoming.token}").get_data(as_text=True)


def test_the_public_page_shows_the_list_without_a_login_and_nothing_private(world: World) -> None:
    private_people = {
        "inspector": "检查员欧阳娜娜",
        "county_reviewer": "审核员司马清风",
        "city_reviewer": "复核员诸葛明月",
        "admin": "管理员上官云飞",
    }
    for username, name in private_people.items():
        world.users[username].display_name = name
    facility = Facility(
        id=876_543,
        name="通许县长智镇卫生院",
        type_code="C220",
        region_code="410222",
        beds=10,
        iv_infusion=False,
        facts={},
    )
    db.session.add(facility)
    db.session.flush()
    inspection = approved(world, facility, "recommended", at=IN_Q4)
    inspection.county_reviewer_id = world.users["county_reviewer"].id
    inspection.city_reviewer_id = world.users["city_reviewer"].id
    db.session.add(
        Answer(
            inspection_id=inspection.id,
            item_id="QS-1.1.01",
            revision=1,
            grade="A",
            note="内部备注：院长办公室漏水",
            author_id=world.users["inspector"].id,
            source="inspector",
        )
    )
    add_facility("410222", "通许县另一卫生院")
    db.session.commit()

    detail = publish(world, "admin", contact="如有异议，请于公示期内书面反映。\n电话：0371-23456789").json
    path = detail["publication"]["public_path"]
    page = world.client.get(path)  # no Authorization header
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    report_number = detail["entries"][0]["report_number"]
    for shown in (
        "开封市卫生健康委员会",
        "开封市2026年第四季度基层医疗卫生机构评审达标结果公示",
        "通许县长智镇卫生院",
        "推荐标准",
        "2026-11-10",
        report_number,
        "7 个工作日",
        "0371-23456789",
        "公示中",
        "@media print",
    ):
        assert shown in text, shown
    for hidden in (*private_people.values(), "院长办公室漏水", "admin", "inspector", "876543"):
        assert hidden not in text, hidden
    # no internal id in any cell but the row's own 序号
    ids = {str(inspection.id), str(detail["publication"]["id"]), str(detail["entries"][0]["id"])}
    cells = re.findall(r'<td(?: class="([^"]*)")?[^>]*>(.*?)</td>', text, re.S)
    assert len(cells) == 8
    assert [c for kind, c in cells if kind != "n" and c.strip() in ids] == []
    assert "<img" not in text and "<script" not in text and "http" not in text.replace("http-equiv", "")

    missing = world.client.get("/public/notices/" + secrets.token_urlsafe(32))
    assert missing.status_code == 404 and "未找到该公示" in missing.get_data(as_text=True)
    assert missing.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert world.client.get("/public/notices/" + "x" * 200).status_code == 404
    # the id is not a way in
    assert world.client.get(f"/public/notices/{detail['publication']['id']}").status_code == 404


# --- payouts wait for the publication ------------------------------------------------------------


def test_payouts_wait_for_the_publication_where_the_region_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    qs_rules("410200")
    approved(world, "own", "basic", at=IN_Q4)
    approved(world, "own2", "recommended", at=IN_Q4)
    approved(world, "sibling", "basic", at=IN_Q4)
    db.session.commit()

    def sheet(user: str = "admin") -> dict[str, Any]:
        response = world.call(user, "GET", "/api/payouts/410200/2026Q4/preview")
        assert response.status_code == 200, response.json
        return response.json  # type: ignore[no-any-return]

    assert len(sheet()["rows"]) == 3 and sheet()["held"] == [] and sheet()["held_text"] == ""

    settings = "/api/payouts/settings/410200"
    assert world.call("county_reviewer", "PUT", settings, {"requires_publication": True}).status_code == 403
    assert (
        world.call("admin", "PUT", "/api/payouts/settings/410102", {"requires_publication": True}).status_code
        == 404
    )
    turned = world.call("admin", "PUT", settings, {"requires_publication": True})
    assert turned.status_code == 200, turned.json
    assert turned.json["requires_publication"] is True and turned.json["required_by"] == "开封市"
    county = world.call("county_reviewer", "GET", "/api/payouts/settings").json
    assert county["requires_publication"] is True and county["required_by"] == "开封市"
    assert [(s["region_name"], s["inherited"]) for s in county["settings"]] == [("开封市", True)]
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payout.setting")).one()
    assert (logged.region_code, logged.after) == ("410200", {"requires_publication": True})

    held = sheet()
    assert held["rows"] == [] and held["total_yuan"] == 0
    assert {h["reason"] for h in held["held"]} == {"not_published"}
    assert held["held_text"].startswith("另有 3 个结果未列入（尚未公示 3 个）")

    detail = publish(world, "admin", ids=None, region="410222").json  # the county's two, by the city
    assert {e["facility_name"] for e in detail["entries"]} == {"通许县城关镇卫生院", "通许县练城乡卫生院"}
    pid = detail["publication"]["id"]
    reasons = {h["facility_name"]: h["reason"] for h in sheet()["held"]}
    assert reasons == {
        "通许县城关镇卫生院": "not_ended",
        "通许县练城乡卫生院": "not_ended",
        "兰考县城关镇卫生院": "not_published",
    }
    own2 = entry_of(detail, "通许县练城乡卫生院")
    own = entry_of(detail, "通许县城关镇卫生院")
    objection = {"received_on": TODAY.isoformat(), "objector": "来信", "summary": "等级有误，请核实"}
    world.call("admin", "POST", f"/api/publications/{pid}/entries/{own2['id']}/objections", objection)
    after = world.call(
        "admin", "POST", f"/api/publications/{pid}/entries/{own['id']}/objections", objection
    ).json
    first = entry_of(after, "通许县练城乡卫生院")["objections"][0]["id"]
    world.call(
        "admin",
        "POST",
        f"/api/publications/{pid}/objections/{first}/decision",
        {"outcome": "upheld", "reason": "属实"},
    )

    move_clock(monkeypatch, (dt.date.fromisoformat(detail["publication"]["ends_on"]) - TODAY).days + 1)
    reasons = {h["facility_name"]: h["reason"] for h in sheet()["held"]}
    assert reasons == {
        "通许县城关镇卫生院": "objection_pending",
        "通许县练城乡卫生院": "withdrawn",
        "兰考县城关镇卫生院": "not_published",
    }
    pending = entry_of(after, "通许县城关镇卫生院")["objections"][0]["id"]
    world.call(
        "admin",
        "POST",
        f"/api/publications/{pid}/objections/{pending}/decision",
        {"outcome": "dismissed", "reason": "经核实无误"},
    )
    paid = sheet()
    assert [r["facility_name"] for r in paid["rows"]] == ["通许县城关镇卫生院"]
    assert paid["total_yuan"] == 150_000
    assert paid["held_text"] == (
        "另有 2 个结果未列入（尚未公示 1 个，异议成立已撤销 1 个），"
        "本地区规定只发放公示期满且无成立异议的结果"
    )
    xlsx = world.call("finance", "GET", "/api/payouts/410200/2026Q4.xlsx")
    cells = [
        str(c) for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for c in row
    ]
    assert "通许县城关镇卫生院" in cells and "通许县练城乡卫生院" not in cells
    assert paid["held_text"] + "。" in cells
    pdf = world.call("finance", "GET", "/api/payouts/410200/2026Q4.pdf")
    assert pdf.status_code == 200
    printed = "".join(pdf_lines(pdf.data, tmp_path)).replace(" ", "")
    assert "公示另有2个结果未列入" in printed and "通许县练城乡卫生院" not in printed
    recorded = world.call("admin", "POST", "/api/payouts/410200/2026Q4/record", {"digest": paid["digest"]})
    assert recorded.status_code == 200 and recorded.json["added"] == 1, recorded.json
    # an objection after it was paid: what was paid stays on its sheet
    late = world.call("admin", "POST", f"/api/publications/{pid}/entries/{own['id']}/objections", objection)
    assert late.status_code == 201
    after_paid = sheet()
    assert [(r["facility_name"], r["recorded"]) for r in after_paid["rows"]] == [("通许县城关镇卫生院", True)]
    assert "通许县城关镇卫生院" not in {h["facility_name"] for h in after_paid["held"]}

    # lifted: every result is paid again, and what was recorded stays recorded
    world.call("admin", "PUT", settings, {"requires_publication": False})
    lifted = sheet()
    assert len(lifted["rows"]) == 3 and lifted["held"] == [] and lifted["recorded"] == 1
    assert world.call("admin", "GET", "/api/payouts/settings").json["requires_publication"] is False


def test_a_reopened_result_is_no_longer_the_published_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    qs_rules("410200")
    inspection = approved(world, "own", "basic", at=IN_Q4)
    db.session.commit()
    world.call("admin", "PUT", "/api/payouts/settings/410200", {"requires_publication": True})
    detail = publish(world, "admin").json
    move_clock(monkeypatch, (dt.date.fromisoformat(detail["publication"]["ends_on"]) - TODAY).days + 1)
    assert len(world.call("admin", "GET", "/api/payouts/410200/2026Q4/preview").json["rows"]) == 1
    # its report changes (the digest the publication froze is no longer the current one)
    entry = db.session.scalars(
        select(PublicationEntry).where(PublicationEntry.inspection_id == inspection.id)
    ).one()
    entry.report_sha256 = "f" * 64
    db.session.commit()
    sheet = world.call("admin", "GET", "/api/payouts/410200/2026Q4/preview").json
    assert sheet["rows"] == [] and sheet["held"][0]["reason"] == "not_published"
    assert db.session.get(Inspection, inspection.id) is not None
    assert db.session.get(User, world.users["admin"].id) is not None
