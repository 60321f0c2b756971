"""The inspection report: right, readable, verifiable, served again while unchanged, safe to render."""

from __future__ import annotations

import http.server
import io
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.db.models import Facility, Inspection, Report
from server.extensions import db
from server.reports.render import RefusedURL, ReportFetcher, write_pdf
from tests.api.test_evidence import post_photo
from tests.api.world import World, complete_changes
from tests.photos import jpeg


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    # in drawing order (-raw): a draft's rotated watermark is not read in among the lines it crosses
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True)
    return re.sub(r"[ \t\n]+", "", text.stdout)  # table cells wrap anywhere: compare without whitespace


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout


def approved_with_photo(world: World) -> Inspection:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    assert post_photo(world, "inspector", inspection, jpeg(), item="M-B01").status_code == 201
    steps = (("inspector", "submit"), ("county_reviewer", "start_county_review"))
    for who, action in steps:
        assert (
            world.call(
                who, "POST", f"/api/inspections/{inspection.id}/transitions", {"action": action}
            ).status_code
            == 200
        )
    regrade = world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B02/grade",
        {"grade": "not_met", "base_revision": 1, "reason": "现场未见相关制度文件"},
    )
    assert regrade.status_code == 200
    return inspection


def get_report(world: World, who: str, inspection: Inspection) -> Any:
    return world.call(who, "GET", f"/api/inspections/{inspection.id}/report")


def test_the_report_says_what_the_inspection_found(world: World, tmp_path: Path) -> None:
    inspection = approved_with_photo(world)
    response = get_report(world, "county_reviewer", inspection)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    number = response.headers["X-Report-Number"]
    assert re.fullmatch(r"DB-410222-\d{6}-[0-9A-F]{6}", number)
    pdf = response.data
    fonts = pdf_fonts(pdf, tmp_path)
    assert "Noto-Sans-CJK-SC" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # all embedded
    text = pdf_text(pdf, tmp_path)
    assert "通许县城关镇卫生院" in text
    assert "未达标" in text  # M-B02, a core item, was regraded to not met
    assert "核心条款全部达到C级" in text and "特种设备（压力容器）年度检验报告在有效期内" in text
    assert "现场未见相关制度文件" in text  # the reviewer's reason
    assert "整改清单" in text and "照片附录" in text
    pages = text.count("\f")
    assert pages > 3
    assert f"第1页共{pages}页" in text and f"第{pages}页共{pages}页" in text
    assert text.count(f"报告编号{number}") >= pages - 1  # every page after the cover


def test_the_same_data_gives_the_same_report_served_from_the_store(world: World) -> None:
    inspection = approved_with_photo(world)
    first = get_report(world, "county_reviewer", inspection)
    started = time.perf_counter()
    second = get_report(world, "county_reviewer", inspection)
    elapsed = time.perf_counter() - started
    assert second.data == first.data
    assert db.session.query(Report).filter_by(inspection_id=inspection.id).count() == 1
    assert elapsed < 2  # no second rendering (the benchmark measures the real figure)
    world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B03/grade",
        {"grade": "A", "base_revision": 1, "reason": "补充材料后复核"},
    )
    third = get_report(world, "county_reviewer", inspection)
    assert third.headers["X-Report-Digest"] != first.headers["X-Report-Digest"]
    assert db.session.query(Report).filter_by(inspection_id=inspection.id).count() == 2


def test_verify_page_tells_genuine_and_current(world: World) -> None:
    inspection = approved_with_photo(world)
    get_report(world, "county_reviewer", inspection)
    report = db.session.query(Report).filter_by(inspection_id=inspection.id).one()
    page = world.client.get(f"/verify/{report.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "报告真实，但为非终审稿" in html  # in county review (test_report_pages: every state)
    assert report.facility_name in html and report.snapshot_sha256 in html and report.tier_label in html
    assert "M-B01" not in html and "inspector" not in html  # only name, tier, date, digest
    world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B04/grade",
        {"grade": "A", "base_revision": 1, "reason": "复核"},
    )
    assert "已被新版本取代" in world.client.get(f"/verify/{report.code}").get_data(as_text=True)
    missing = world.client.get("/verify/not-a-real-code")
    assert missing.status_code == 404
    assert "未找到该报告" in missing.get_data(as_text=True)


def test_report_access_follows_the_inspection(world: World) -> None:
    inspection = approved_with_photo(world)
    assert get_report(world, "sibling_county_reviewer", inspection).status_code == 404
    assert world.client.get(f"/api/inspections/{inspection.id}/report").status_code == 401


def test_cli_render(world: World, tmp_path: Path) -> None:
    inspection = approved_with_photo(world)
    out = tmp_path / "r.pdf"
    result = world.client.application.test_cli_runner().invoke(
        args=["reports", "render", str(inspection.id), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    missing = world.client.application.test_cli_runner().invoke(
        args=["reports", "render", "999999", "-o", str(out)]
    )
    assert missing.exit_code == 1


# --- safety --------------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on loopback that records every request that reaches it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def hostile(url: str) -> list[str]:
    return [
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<img src="file:///etc/hostname"><img src="{url}/img">',
        f'<style>@import url("{url}/import.css"); @import "file:///etc/passwd";</style>',
        f"@import url({url}/plain.css);",
        f'<link rel="stylesheet" href="{url}/sheet.css">',
        "{" * 5000 + "x" * 20000,
    ]


def test_hostile_text_in_every_field_stays_text(
    world: World, listener: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, hits = listener
    payloads = hostile(url)
    facility = db.session.get(Facility, world.facilities["own"].id)
    facility.name = payloads[0][:100]
    facility.licence_no = payloads[3][:40]
    db.session.commit()
    inspection = world.inspection()
    changes = complete_changes(inspection.id)
    for i, c in enumerate(changes):
        c["note"] = payloads[i % len(payloads)][:2000]
    world.sync("inspector", changes)
    assert (
        post_photo(world, "inspector", inspection, jpeg(), item="M-B01", name=payloads[4][:200]).status_code
        == 201
    )
    for who, action in (("inspector", "submit"), ("county_reviewer", "start_county_review")):
        world.call(who, "POST", f"/api/inspections/{inspection.id}/transitions", {"action": action})
    world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B02/grade",
        {"grade": "B", "base_revision": 1, "reason": payloads[2][:2000]},
    )
    world.call(
        "county_reviewer",
        "POST",
        f"/api/inspections/{inspection.id}/transitions",
        {"action": "return", "reason": payloads[1][:2000]},
    )
    started = time.monotonic()
    response = get_report(world, "county_reviewer", inspection)
    assert response.status_code == 200
    assert time.monotonic() - started < 60
    assert hits == []
    pdf = response.data
    assert b"/EmbeddedFile" not in pdf and b"root:x:0:0" not in pdf
    text = pdf_text(pdf, tmp_path)
    assert "file:///etc/passwd" in text  # shown as the text it is


def test_the_fetcher_refuses_everything_but_our_own(listener: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = listener
    fetcher = ReportFetcher(lambda key: jpeg(width=40, height=30), ["thumbs/1/ok.jpg"])
    for bad in (
        "file:///etc/passwd",
        f"{url}/x.css",
        "https://example.invalid/x.png",
        "data:text/css,body{}",
        "dabiao-asset:/../../../etc/passwd",
        "dabiao-evidence:/thumbs/2/other.jpg",
        "ftp://127.0.0.1/x",
        "dabiao-rules:/etc/passwd",
        "dabiao-rules:lines/9,<script>",
        "dabiao-rules:lines/1e9",
        "dabiao-rules:lines/" + ",".join(["1"] * 21),  # more columns than a table has
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(bad)
    assert fetcher.fetch("dabiao-evidence:/thumbs/1/ok.jpg").read()[:2] == b"\xff\xd8"
    rules = fetcher.fetch("dabiao-rules:lines/9,93.5,30.25").read()  # a table's rules, from the URL alone
    assert rules.startswith(b"<svg") and rules.count(b"<rect") == 3  # two column edges, a line
    # raw HTML straight to WeasyPrint, as if escaping had failed
    html = "".join(hostile(url)[:5]) + '<p>安全</p><img src="dabiao-evidence:/thumbs/1/ok.jpg">'
    started = time.monotonic()
    pdf = write_pdf(html, fetcher)
    assert time.monotonic() - started < 30
    assert hits == []
    assert b"/EmbeddedFile" not in pdf and b"root:x:0:0" not in pdf
    assert any("file:///etc/passwd" in r for r in fetcher.refused)
    assert any(r.startswith(url) for r in fetcher.refused)
    assert "dabiao-evidence:/thumbs/1/ok.jpg" in fetcher.served
    assert "安全" in pdf_text(pdf, tmp_path)
    assert io.BytesIO(pdf).read(4) == b"%PDF"
