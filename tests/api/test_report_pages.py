"""The inspection report as a finance office files it, checked on its rendered pages: the cover on
page 1 with the facility and its tier, no page with only its header and footer, the issuing body,
a 非终审稿 watermark on every page of a draft and none on a final report, no amount on a draft,
the sign-off blocks, readable places and times, and the public check that tells final, not
final, superseded and withdrawn apart."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.db.models import AuditEntry, Facility, Inspection, Report, StatusChange
from server.domain.times import china_date
from server.extensions import db
from tests.api.test_evidence import post_photo
from tests.api.test_publications import TODAY, entry_of, publish
from tests.api.test_rectifications import approved_with_failures
from tests.api.test_reports import approved_with_photo, get_report
from tests.api.world import World, complete_changes
from tests.photos import jpeg

WATERMARK = "非终审稿"
RUNNING = re.compile(r"^(报告编号 DB-\S+|第 \d+ 页 共 \d+ 页|.*（\d{4}版·示例）)$")


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """Each page's lines in the order they are drawn (pdftotext -raw); the rotated watermark comes
    out a character a line."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def compact(page: str) -> str:
    """A page's text without whitespace: spaced titles (评 审 报 告) and the watermark read whole."""
    return re.sub(r"\s+", "", page)


def body_of(page: str) -> str:
    """What a page shows besides its running title, number, page count and watermark."""
    lines = [line.strip() for line in page.splitlines()]
    kept = [line for line in lines if line and not RUNNING.match(line)]
    return compact("".join(line for line in kept if line not in (WATERMARK, *WATERMARK)))


def report_of(
    world: World, inspection: Inspection, tmp_path: Path, who: str = "county_reviewer"
) -> list[str]:
    """The report's pages, each as its text without whitespace, and checked: none holds only its
    header and footer."""
    response = get_report(world, who, inspection)
    assert response.status_code == 200, response.json
    pages = pages_of(response.data, tmp_path)
    for n, page in enumerate(pages, 1):
        assert body_of(page), f"page {n} holds only its header and footer"
    return [compact(page) for page in pages]


def test_a_draft_is_unmistakable_on_every_page_and_states_no_amount(world: World, tmp_path: Path) -> None:
    inspection = approved_with_photo(world)  # in county review: not final
    pages = report_of(world, inspection, tmp_path)
    assert len(pages) > 3
    cover = pages[0]
    tier = db.session.scalars(select(Report.tier_label).where(Report.inspection_id == inspection.id)).one()
    assert "通许县城关镇卫生院" in cover and tier in cover  # page 1 is the cover
    assert "通许县卫生健康委员会" in cover and "评审报告" in cover
    assert "非终审稿" in cover and "不作为奖补依据" in cover and "县级审核中" in cover
    for n, page in enumerate(pages, 1):
        assert WATERMARK in page, f"page {n} has no watermark"
    text = "".join(pages)
    assert "奖补标准：" not in text and not re.search(r"\d{1,3}(,\d{3})+元", text)  # no amount
    assert "qs-2023" not in text and "2023-sample" not in text and "mini-" not in text  # no internal ids
    for block in ("评审组长（签字）", "评审组成员（签字）", "审核人（签字）", "盖章处"):
        assert block in text
    assert "终审报告" not in cover


def test_a_final_report_names_who_approved_it_and_carries_no_watermark(world: World, tmp_path: Path) -> None:
    inspection = approved_with_failures(world)
    pages = report_of(world, inspection, tmp_path)
    approved_on = china_date(
        db.session.scalars(
            select(StatusChange.created_at).where(
                StatusChange.inspection_id == inspection.id, StatusChange.to_status == "approved"
            )
        ).one()
    )
    for n, page in enumerate(pages, 1):
        assert WATERMARK not in page, f"page {n} of a final report says {WATERMARK}"
    cover = pages[0]
    assert "终审报告" in cover and f"开封市卫生健康委员会于{approved_on.isoformat()}终审通过" in cover
    assert re.search(r"对应奖补标准：\d{1,3}(,\d{3})+元", cover)  # a final report states its amount
    text = "".join(pages)
    # the 整改清单: each failed item with its task's deadline
    deadlines = re.findall(r"(M-B03|M-R2).*?(\d{4}-\d{2}-\d{2})", text)
    assert {item for item, _ in deadlines} >= {"M-B03", "M-R2"}
    assert "终审后下达" not in text


def test_the_issuing_body_is_the_regions_and_its_administrator_names_it(world: World, tmp_path: Path) -> None:
    url = "/api/regions/410222/issuing-body"
    shown = world.call("county_reviewer", "GET", url)
    assert shown.status_code == 200
    assert shown.json == {
        "region_code": "410222",
        "region_name": "通许县",
        "issuing_body": "通许县卫生健康委员会",
        "configured": None,
        "default": "通许县卫生健康委员会",
    }
    body = {"issuing_body": "通许县卫生健康局"}
    assert world.call("county_reviewer", "PUT", url, body).status_code == 403  # the administrator's
    assert world.call("admin", "PUT", "/api/regions/410101/issuing-body", body).status_code == 404
    assert (
        world.call(
            "admin", "PUT", "/api/regions/410222/issuing-body", {"issuing_body": "x" * 101}
        ).status_code
        == 422
    )
    named = world.call("admin", "PUT", url, body)
    assert named.status_code == 200 and named.json["issuing_body"] == "通许县卫生健康局"
    again = world.call("admin", "PUT", url, body)
    assert again.json == named.json
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "region.issuing_body")).all()
    assert [(e.target_id, e.after) for e in entries] == [("410222", {"issuing_body": "通许县卫生健康局"})]

    inspection = approved_with_photo(world)
    cover = report_of(world, inspection, tmp_path)[0]
    assert "通许县卫生健康局" in cover and "通许县卫生健康委员会" not in cover

    reset = world.call("admin", "PUT", url, {"issuing_body": " "})
    assert reset.json["configured"] is None and reset.json["issuing_body"] == "通许县卫生健康委员会"


def test_a_photo_says_how_far_from_the_facility_it_was_taken(world: World, tmp_path: Path) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    home = db.session.get(Facility, inspection.facility_id)
    assert home is not None and home.latitude is not None and home.longitude is not None
    near = jpeg(place=(home.latitude + 0.001, home.longitude))  # about 111 m north
    assert post_photo(world, "inspector", inspection, near, item="M-B01").status_code == 201
    nowhere = jpeg(place=None)
    assert post_photo(world, "inspector", inspection, nowhere, item="M-B02").status_code == 201
    text = "".join(report_of(world, inspection, tmp_path, who="inspector"))
    assert "距机构110米" in text and "未获取位置" in text
    assert f"{home.latitude + 0.001:.5f}" not in text and f"{home.longitude:.5f}" not in text
    assert re.search(r"相机记录时间：2026-11-2010:15", text)  # China time, to the minute


def verify_page(world: World, inspection: Inspection) -> str:
    report = db.session.scalars(
        select(Report).where(Report.inspection_id == inspection.id).order_by(Report.id.desc())
    ).first()
    assert report is not None
    page = world.client.get(f"/verify/{report.code}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_public_check_tells_final_not_final_superseded_and_withdrawn(world: World) -> None:
    draft = approved_with_photo(world)
    get_report(world, "county_reviewer", draft)
    text = verify_page(world, draft)
    assert "报告真实，但为非终审稿，不作为奖补依据" in text and "出具时评审尚未终审通过" in text
    first = db.session.scalars(select(Report.code).where(Report.inspection_id == draft.id)).one()
    world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{draft.id}/items/M-B04/grade",
        {"grade": "A", "base_revision": 1, "reason": "复核"},
    )
    superseded = world.client.get(f"/verify/{first}").get_data(as_text=True)
    assert "已被新版本取代" in superseded and "出具时评审尚未终审通过（非终审稿）" in superseded

    final = approved_with_failures(world, facility="own2")
    get_report(world, "city_reviewer", final)
    assert "报告真实有效：终审报告，且为最新版本" in verify_page(world, final)

    period = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
    detail = publish(world, "city_reviewer", period=period).json
    entry = entry_of(detail, "通许县练城乡卫生院")
    pid = detail["publication"]["id"]
    objection: dict[str, Any] = {
        "received_on": TODAY.isoformat(),
        "objector": "群众李某",
        "summary": "结果不实",
    }
    recorded = world.call(
        "admin", "POST", f"/api/publications/{pid}/entries/{entry['id']}/objections", objection
    )
    assert recorded.status_code == 201, recorded.json
    [pending] = entry_of(recorded.json, "通许县练城乡卫生院")["objections"]
    decided = world.call(
        "admin",
        "POST",
        f"/api/publications/{pid}/objections/{pending['id']}/decision",
        {"outcome": "upheld", "reason": "经调查属实"},
    )
    assert decided.status_code == 200, decided.json
    withdrawn = verify_page(world, final)
    assert "报告真实，但其评审结果已撤销" in withdrawn and f"已于 {TODAY.isoformat()} 撤销" in withdrawn
    assert "不实" not in withdrawn and "群众李某" not in withdrawn
