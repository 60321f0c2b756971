"""Outputs that carry user text: spreadsheet cells stay text (never formulas), PDFs show every
character of a long note or name (nothing cut at the page edge), and bidirectional controls never
reach a report, a payout sheet or its workbook."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import string
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from server.db.models import Answer, Region, Report
from server.domain import display
from server.domain import payouts as domain
from server.extensions import db
from server.formats import cells as sheets
from server.formats import payout_sheet
from server.reports import fonts
from server.services import payouts
from tests.api.world import World, add_facility, complete_changes
from tests.services.test_payouts import NOW, approved, qs_rules

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width, as a Chinese input method types it
]


# --- spreadsheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_starting_like_a_formula_is_escaped_text(text: str) -> None:
    book = Workbook()
    ws = book.active
    sheets.append(ws, [text, 150_000, "普通文字", "a=b"])
    data = io.BytesIO()
    book.save(data)
    row = next(load_workbook(io.BytesIO(data.getvalue())).active.iter_rows(min_row=1, max_row=1))
    assert row[0].data_type == "s" and row[0].value == "'" + text
    assert row[1].data_type == "n" and row[1].value == 150_000
    assert (row[2].value, row[3].value) == ("普通文字", "a=b")


def test_rows_written_fast_keep_the_same_cells() -> None:
    """`cells.Rows` (long sheets) escapes what `append` escapes, keeps strings that openpyxl would
    type as error values as text, and gives its formatted columns their format on every row."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("rows")
    rows = sheets.Rows(ws, {1: "#,##0", 2: "yyyy-mm-dd"})
    texts = [*DANGEROUS, "#N/A", "#DIV/0!", "普通文字"]
    for n, text in enumerate(texts):
        rows.append([text, 150_000 + n, dt.date(2026, 11, n + 1), None, "\u202e" + text])
    data = io.BytesIO()
    book.save(data)
    read = list(load_workbook(io.BytesIO(data.getvalue())).active.iter_rows())
    assert len(read) == len(texts)
    for n, (text, row) in enumerate(zip(texts, read, strict=True)):
        expected = ("'" + text) if text in DANGEROUS else text
        assert row[0].data_type == "s" and row[0].value == expected, text
        assert row[4].data_type == "s" and row[4].value == expected, text
        assert row[1].data_type == "n" and row[1].value == 150_000 + n and row[1].number_format == "#,##0"
        assert row[2].value.date() == dt.date(2026, 11, n + 1) and row[2].number_format == "yyyy-mm-dd"
        assert row[3].value is None


def test_cell_text_loses_bidi_controls_and_characters_xml_cannot_carry() -> None:
    assert sheets.safe_text("\u202eabc\u2066d\u2069") == "abcd"
    assert sheets.safe_text("a\x01b") == "a\ufffdb"
    assert sheets.safe_text("\u202e=1") == "'=1"  # escaped after cleaning, not before
    assert len(sheets.safe_text("x" * 40_000)) == sheets.MAX_CELL_TEXT


def test_the_payout_workbook_keeps_hostile_names_as_text_and_amounts_as_numbers(world: World) -> None:
    qs_rules()
    for name in (*DANGEROUS, "#N/A"):
        approved(world, add_facility("410222", name), tier="basic")
    approved(world, add_facility("410222", "\u202e院生卫镇关城"), tier="recommended")
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    ws = load_workbook(io.BytesIO(payout_sheet.xlsx(sheet))).active
    rows = list(ws.iter_rows())
    header_at = next(i for i, r in enumerate(rows) if r[0].value == "序号")
    header = [c.value for c in rows[header_at]]
    name_col, due_col = header.index("机构名称"), header.index("本期应拨（元）")
    data = [r for r in rows[header_at + 1 :] if r[0].value is not None][: len(sheet.rows)]
    names = {r[name_col].value: r for r in data}
    for text in DANGEROUS:
        cell = names["'" + text][name_col]
        assert cell.data_type == "s", text
    assert names["#N/A"][name_col].data_type == "s"  # not the error value #N/A
    assert "院生卫镇关城" in names
    for r in data:
        assert r[due_col].data_type == "n" and isinstance(r[due_col].value, int)
    every_cell: list[Any] = [c for r in rows for c in r]
    assert not any(c.data_type == "f" for c in every_cell)
    assert not any(isinstance(c.value, str) and set(c.value) & set(display.BIDI_CONTROLS) for c in every_cell)
    assert sum(r[due_col].value for r in data) == sheet.total_yuan


# --- PDFs show every character -------------------------------------------------------------------


def unbroken(tag: str, length: int) -> str:
    """`length` letters and digits with no break point, different for every tag."""
    rng = random.Random(tag)
    return tag + "".join(rng.choices(string.ascii_letters + string.digits, k=length - len(tag)))


MM = 72 / 25.4  # PDF points per millimetre
# The text area of each kind of page (x, y, width, height in points), inside the page margins:
# running headers and footers stay out, and so does any text that ran into a margin.
REPORT_AREA = (16 * MM, 20 * MM, (210 - 32) * MM, (297 - 40) * MM)
SHEET_AREA = (6 * MM, 16 * MM, (297 - 12) * MM, (210 - 30) * MM)


def squeezed(pdf: bytes, tmp_path: Path, area: tuple[float, ...], last_page: int | None = None) -> str:
    """The text pdftotext finds inside `area` of every page (up to `last_page`), in the order it is
    drawn (-raw: a table cell continued on the next page stays together), without whitespace."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    x, y, w, h = (str(round(v)) for v in (area[0] - 1, area[1] - 1, area[2] + 2, area[3] + 2))
    pages = ["-l", str(last_page)] if last_page else []
    command = ["pdftotext", "-raw", *pages, "-x", x, "-y", y, "-W", w, "-H", h, str(path), "-"]
    text = subprocess.run(command, capture_output=True, check=True, text=True).stdout
    # a draft's rotated 非终审稿 watermark is read in among the lines it crosses
    return re.sub(r"[\s非终审稿]+", "", text)


def save_pngs(pdf: bytes, name: str) -> None:
    """With DABIAO_PNG_DIR set, the pages as PNG (pdftoppm -r 60) for a person to look at."""
    folder = os.environ.get("DABIAO_PNG_DIR")
    if folder:
        path = Path(folder) / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(Path(folder) / name)], check=True)


def long_texts_report(world: World) -> tuple[bytes, dict[str, str]]:
    """A report whose every user-text field holds the longest text it may hold, with no break point."""
    texts = {
        "facility": unbroken("FACILITY", 100),
        "licence": unbroken("LICENCE", 40),
        "region": unbroken("REGION", 100),
        "inspector": unbroken("INSPECTOR", 64),
        "reviewer": unbroken("REVIEWER", 64),
        "note": unbroken("NOTE", 2000),
        "regrade": unbroken("REGRADE", 2000),
        "reason": unbroken("RETURN", 2000),
    }
    facility = world.facilities["own"]
    facility.name = texts["facility"]
    facility.licence_no = texts["licence"]
    db.session.get(Region, "410222").name = texts["region"]  # type: ignore[union-attr]
    world.users["inspector"].display_name = texts["inspector"]
    world.users["county_reviewer"].display_name = texts["reviewer"]
    db.session.commit()
    inspection = world.inspection()
    changes = complete_changes(inspection.id)
    changes[1]["note"] = texts["note"]
    assert all(r["status"] == "applied" for r in world.sync("inspector", changes).json["receipts"])
    for who, action in (("inspector", "submit"), ("county_reviewer", "start_county_review")):
        url = f"/api/inspections/{inspection.id}/transitions"
        assert world.call(who, "POST", url, {"action": action}).status_code == 200
    regrade = world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B03/grade",
        {"grade": "not_met", "base_revision": 1, "reason": texts["regrade"]},
    )
    assert regrade.status_code == 200, regrade.json
    returned = world.call(
        "county_reviewer",
        "POST",
        f"/api/inspections/{inspection.id}/transitions",
        {"action": "return", "reason": texts["reason"]},
    )
    assert returned.status_code == 200, returned.json
    response = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/report")
    assert response.status_code == 200
    return response.data, texts


def test_the_report_shows_every_long_text_whole(world: World, tmp_path: Path) -> None:
    pdf, texts = long_texts_report(world)
    save_pngs(pdf, "report-long")
    text = squeezed(pdf, tmp_path, REPORT_AREA)
    for field, value in texts.items():
        assert value in text, field
    cover = squeezed(pdf, tmp_path, REPORT_AREA, last_page=1)  # the cover is the first page
    assert texts["facility"] in cover and texts["region"] in cover and texts["inspector"] in cover


SHEET_NAMES = {
    "latin": unbroken("LATIN", 100),
    "chinese": ("通许县城关镇" * 17)[:100],
    "punctuation": ("“健康小屋”·第一卫生室—①" * 8)[:100],  # characters a CJK font draws wide
    "controls": "通许县\n城关镇\t卫生院\r分院",
    "formula": '=HYPERLINK("http://x","y")',
    "other_scripts": ("αβγδ Юж 😀 " * 10)[:100],  # drawn narrower, or by another font
}
# Uyghur, Tibetan and a rare ideograph, which this machine's fonts draw as boxes or pdftotext reads
# back reordered: only their row's last column is checked, to be on the page.
NO_FONT_NAME = ("ئۇيغۇر སྨན་ཁང 𠀀" * 8)[:100]


def test_the_payout_sheet_pdf_shows_every_long_name_whole(world: World, tmp_path: Path) -> None:
    region = unbroken("CITY", 100)
    db.session.get(Region, "410200").name = region  # type: ignore[union-attr]
    qs_rules()
    for name in [*SHEET_NAMES.values(), NO_FONT_NAME, "通许县短名卫生院"]:
        approved(world, add_facility("410222", name), tier="basic")
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    pdf = payouts.pdf(sheet)
    save_pngs(pdf, "sheet-long")
    text = squeezed(pdf, tmp_path, SHEET_AREA)
    assert region in text
    for row in sheet.rows:
        assert row.candidate.report_number in text, row.candidate.facility_name  # the last column
        if row.candidate.facility_name == NO_FONT_NAME:
            continue
        shown = domain.pdf_cells(row, sheet.region_names)[1]  # a line break shows as a space
        assert re.sub(r"\s+", "", shown) in text, row.candidate.facility_name  # whole, in its cell


def test_the_sheet_measures_its_values_in_the_font_it_is_drawn_in() -> None:
    found = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", fonts.FAMILY], capture_output=True, check=True, text=True
    ).stdout.split("\n")
    font = TTCollection(found[0])[int(found[1])] if found[0].endswith(".ttc") else TTFont(found[0])
    assert fonts.FAMILY in font["name"].getDebugName(1)
    measure = fonts.measure(9)
    em = 9 * 25.4 / 72
    assert measure("通许县") == pytest.approx(3 * em)  # ideographs are a full em
    cmap, advances, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    for text in ("DB-410222-000005-7EFF66", "12410222410395957W", "150,000 元，补差"):
        expected = sum(advances[cmap[ord(ch)]][0] for ch in text) * em / units
        assert measure(text) == pytest.approx(expected)
    assert measure("通许县𠀀卫生院") is None  # a character the font lacks: not measured


# --- bidirectional controls ----------------------------------------------------------------------

RLO = "\u202e"  # right-to-left override: "abc" after it reads "cba"


def no_bidi(text: str) -> bool:
    return not set(text) & set(display.BIDI_CONTROLS)


def test_display_clean_removes_every_bidi_control_and_keeps_the_marks() -> None:
    controls = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    assert display.clean(f"a{controls}b\u200ec\u200fd") == "ab\u200ec\u200fd"


def test_bidi_controls_never_reach_a_report_the_verify_page_or_a_payout_sheet(
    world: World, tmp_path: Path
) -> None:
    facility = world.facilities["own"]
    facility.name = f"{RLO}abc通许县卫生院"
    world.users["inspector"].display_name = f"\u2067检查员{RLO}xyz\u2069"
    db.session.commit()
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    # stored before any input check existed: the output must cope with it
    answer = db.session.get(Answer, (inspection.id, "M-B02"))
    assert answer is not None
    answer.note = f"{RLO}abc备注\u2066def\u2069\u202a\u202b\u202c\u202d"
    db.session.commit()
    response = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/report")
    assert response.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert no_bidi(raw)
    text = re.sub(r"\s+", "", raw)
    assert "abc通许县卫生院" in text and "abc备注def" in text and "检查员xyz" in text  # in typed order

    report = db.session.query(Report).filter_by(inspection_id=inspection.id).one()
    page = world.client.get(f"/verify/{report.code}").get_data(as_text=True)
    assert no_bidi(page) and "abc通许县卫生院" in page

    qs_rules()
    approved(world, "own", tier="basic")
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    path.write_bytes(payouts.pdf(sheet))
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert no_bidi(raw) and "abc通许县卫生院" in re.sub(r"\s+", "", raw)
    workbook = load_workbook(io.BytesIO(payout_sheet.xlsx(sheet))).active
    values = [c.value for row in workbook.iter_rows() for c in row if isinstance(c.value, str)]
    assert "abc通许县卫生院" in values and all(no_bidi(v) for v in values)
