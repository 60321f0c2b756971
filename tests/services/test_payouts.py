"""Payouts (达标奖补): rule choice and amounts (pure), the sheet of a region and period, recording it,
the PDF and XLSX carrying the same numbers, loading rules, and the `flask payouts` commands.

Approved inspections are built straight from models with made-up report numbers and digests, so
that only the test that needs a real report renders one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

from server.db import payouts as payout_queries
from server.db import reports as report_queries
from server.db.models import (
    Answer,
    AuditEntry,
    Conflict,
    Facility,
    Inspection,
    Payout,
    PayoutRule,
    Report,
    StatusChange,
)
from server.domain import payouts as domain
from server.domain.errors import DomainError
from server.formats import payout_sheet
from server.formats.tables import problem_location
from server.reports import fonts
from server.services import payouts, reports
from tests.api.world import MINI_ANSWERS, World, add_facility, add_photo, complete_changes

NOW = dt.datetime(2027, 1, 5, 2, 0, tzinfo=dt.UTC)
IN_Q4 = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
IN_Q3 = dt.datetime(2026, 8, 10, 2, 0, tzinfo=dt.UTC)
QS = ("qs-2023-sample", 1)
VC = ("vc-2022-sample", 1)
QS_ORDER = ("basic", "recommended", "community_hospital")
TIER_LABELS = {
    "basic": "基本标准",
    "recommended": "推荐标准",
    "community_hospital": "社区医院基本标准",
    "none": "未达标",
}


# --- builders ------------------------------------------------------------------------------------


def approved(
    world: World,
    facility: Facility | str,
    tier: str = "recommended",
    at: dt.datetime = IN_Q4,
    checklist: tuple[str, int] = QS,
    status: str = "approved",
    report: bool = True,
    tier_label: str | None = None,
) -> Inspection:
    """An inspection finally approved at `at`, with a stored report that is current (made-up
    number and digest, the real fingerprint), unless `report` is False."""
    if isinstance(facility, str):
        facility = world.facilities[facility]
    admin = world.users["admin"].id
    inspection = Inspection(
        facility_id=facility.id,
        region_code=facility.region_code,
        checklist_id=checklist[0],
        checklist_version=checklist[1],
        kind="county_inspection",
        status=status,
        inspection_date=at.date(),
        created_by=admin,
        final_tier_code=tier if status == "approved" else None,
        final_tier_label=(tier_label or TIER_LABELS[tier]) if status == "approved" else None,
    )
    db_session().add(inspection)
    db_session().flush()
    db_session().add(
        StatusChange(
            inspection_id=inspection.id,
            action="approve",
            from_status="city_review",
            to_status="approved",
            actor_id=admin,
            created_at=at,
        )
    )
    db_session().flush()
    if report:
        add_report(inspection, tier, tier_label or TIER_LABELS[tier], at)
    return inspection


def add_report(inspection: Inspection, tier: str, label: str, at: dt.datetime) -> Report:
    digest = hashlib.sha256(f"snapshot-{inspection.id}-{secrets.token_hex(4)}".encode()).hexdigest()
    row = Report(
        inspection_id=inspection.id,
        number=f"DB-{inspection.region_code[:6]}-{inspection.id:06d}-{digest[:6].upper()}",
        code=secrets.token_urlsafe(12),
        snapshot_sha256=digest,
        fingerprint=reports.fingerprint(inspection),
        snapshot_key=f"reports/{inspection.id}/{digest}.json",
        pdf_key=f"reports/{inspection.id}/{digest}.pdf",
        pdf_sha256="0" * 64,
        pdf_size=1,
        facility_name="-",
        tier_label=label,
        tier_code=tier,
        created_at=at,
    )
    db_session().add(row)
    db_session().flush()
    return row


def rule(
    region: str,
    tier: str,
    amount: int,
    top_up: bool = True,
    family: str = "quality_service",
    valid_from: dt.date = dt.date(2018, 1, 1),
) -> PayoutRule:
    row = PayoutRule(
        region_code=region,
        family=family,
        tier_code=tier,
        amount_yuan=amount,
        top_up=top_up,
        valid_from=valid_from,
        created_by="test",
    )
    db_session().add(row)
    db_session().flush()
    return row


def qs_rules(region: str = "410200", top_up: bool = True) -> None:
    rule(region, "basic", 150_000, top_up)
    rule(region, "recommended", 300_000, top_up)


def db_session() -> Any:
    from server.extensions import db

    return db.session


def count(model: type[Any]) -> int:
    return int(db_session().scalar(select(func.count()).select_from(model)))


def by_facility(sheet: domain.Sheet) -> dict[str, domain.SheetRow]:
    return {row.candidate.facility_name: row for row in sheet.rows}


# --- rules and amounts (pure) --------------------------------------------------------------------


def r(
    region: str, amount: int, valid_from: str = "2018-01-01", tier: str = "basic", top_up: bool = True
) -> Any:
    return domain.Rule(region, "quality_service", tier, amount, top_up, dt.date.fromisoformat(valid_from))


def test_the_most_specific_region_wins_whatever_the_dates() -> None:
    rules = [r("410000", 1), r("410200", 2, "2010-01-01"), r("410222", 3, "2026-06-01"), r("410225", 4)]
    on = dt.date(2026, 12, 31)
    pick = domain.select_rule
    assert pick(rules, "410222", "quality_service", "basic", on) == rules[2]  # county
    assert pick(rules, "410222100", "quality_service", "basic", on) == rules[2]  # a township in it
    assert pick(rules, "410224", "quality_service", "basic", on) == rules[1]  # city
    assert pick(rules, "410102", "quality_service", "basic", on) == rules[0]  # province
    assert pick(rules, "420102", "quality_service", "basic", on) is None  # another province
    assert pick(rules, "410222", "village_clinic", "basic", on) is None
    assert pick(rules, "410222", "quality_service", "recommended", on) is None


def test_the_latest_valid_from_not_after_the_payout_date_wins() -> None:
    rules = [r("410200", 100, "2020-01-01"), r("410200", 200, "2026-07-01"), r("410200", 300, "2027-01-01")]
    pick = domain.select_rule
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2026, 6, 30)).amount_yuan == 100
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2026, 7, 1)).amount_yuan == 200
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2026, 12, 31)).amount_yuan == 200
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2019, 12, 31)) is None
    # a county rule not yet in force leaves the city's rule to apply
    rules.append(r("410222", 999, "2027-01-01"))
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2026, 12, 31)).amount_yuan == 200
    assert pick(rules, "410222", "quality_service", "basic", dt.date(2027, 1, 1)).amount_yuan == 999


def test_a_tier_without_a_rule_is_paid_by_the_highest_tier_below_it_that_has_one() -> None:
    rules = [r("410200", 150, tier="basic"), r("410200", 300, tier="recommended")]
    on = dt.date(2026, 12, 31)
    chosen = domain.payable_rule(rules, "410222", "quality_service", "community_hospital", QS_ORDER, on)
    assert chosen == rules[1]
    assert domain.payable_rule(rules, "410222", "quality_service", "basic", QS_ORDER, on) == rules[0]
    assert domain.payable_rule(rules, "410222", "quality_service", "none", QS_ORDER, on) is None


def test_top_up_pays_the_difference_and_a_full_rule_the_whole_amount() -> None:
    paid_basic = [domain.Paid("basic", 150_000)]
    top_up = r("410200", 300_000, tier="recommended", top_up=True)
    full = r("410200", 300_000, tier="recommended", top_up=False)
    assert domain.amount_due(top_up, QS_ORDER, paid_basic) == domain.Due(150_000, domain.TOP_UP, 150_000)
    assert domain.amount_due(full, QS_ORDER, paid_basic) == domain.Due(300_000, domain.FULL, 150_000)
    assert domain.amount_due(top_up, QS_ORDER, []) == domain.Due(300_000, domain.TOP_UP, 0)
    # more paid before than the rule gives: nothing, never a negative amount
    assert domain.amount_due(top_up, QS_ORDER, [domain.Paid("basic", 400_000)]).amount_yuan == 0


def test_the_same_or_a_higher_tier_already_paid_gives_nothing() -> None:
    basic = r("410200", 150_000, tier="basic", top_up=False)
    recommended = r("410200", 300_000, tier="recommended", top_up=False)
    paid = [domain.Paid("recommended", 300_000)]
    assert domain.amount_due(recommended, QS_ORDER, paid) == domain.Due(0, domain.ALREADY_PAID, 300_000)
    assert domain.amount_due(basic, QS_ORDER, paid).basis == domain.ALREADY_PAID
    assert domain.amount_due(None, QS_ORDER, paid) == domain.Due(0, domain.NO_RULE, 300_000)
    # a recorded 0 pays no tier
    assert domain.amount_due(basic, QS_ORDER, [domain.Paid("basic", 0)]).amount_yuan == 150_000


@pytest.mark.parametrize(
    ("text", "code", "start", "end", "label"),
    [
        ("2026", "2026", "2026-01-01", "2026-12-31", "2026年"),
        ("2026Q4", "2026Q4", "2026-10-01", "2026-12-31", "2026年第四季度"),
        ("2026q1", "2026Q1", "2026-01-01", "2026-03-31", "2026年第一季度"),
        ("2026-11", "2026-11", "2026-11-01", "2026-11-30", "2026年11月"),
        ("2028-02", "2028-02", "2028-02-01", "2028-02-29", "2028年2月"),
        ("2026-12", "2026-12", "2026-12-01", "2026-12-31", "2026年12月"),
    ],
)
def test_periods(text: str, code: str, start: str, end: str, label: str) -> None:
    period = domain.parse_period(text)
    assert (period.code, period.start.isoformat(), period.end.isoformat(), period.label) == (
        code,
        start,
        end,
        label,
    )


@pytest.mark.parametrize(
    "text", ["", "26", "2026Q5", "2026Q0", "2026-13", "2026-00", "2026-1", "1999", "abc"]
)
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as err:
        domain.parse_period(text)
    assert err.value.code == "payouts.invalid_period" and err.value.status == 422


def test_amounts_in_capital_numerals() -> None:
    assert domain.capital_yuan(200_000) == "贰拾万元整"
    assert domain.capital_yuan(1_850_000) == "壹佰捌拾伍万元整"
    assert domain.capital_yuan(100_010) == "壹拾万零壹拾元整"
    assert domain.capital_yuan(0) == "零元整"


def test_the_pdf_columns_fit_their_longest_values_and_short_rows_share_table_rows(
    world: World,
) -> None:
    """A province's sheet runs past row 9,999, its inspections past id 999,999 (report numbers a
    digit longer), a clinic's tier is long: those columns widen to their longest value, the name
    takes the rest, and every such row still fits its line. A row with a name too long for its
    column, or a character the font lacks, is a table row of its own, where it wraps."""
    qs_rules()
    k = domain.ROWS_PER_BLOCK
    for i in range(k + 4):  # three rows to change, then k + 1 that fit
        approved(world, add_facility("410222", f"编号测试卫生院{i}"), tier="basic")
    approved(world, add_facility("410225", "兰考县测试卫生院"), tier="basic")
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    first = sheet.rows[0]
    long_number = first.candidate.report_number.replace("-", "-1", 2)  # two digits longer
    longer = replace(first.candidate, report_number=long_number, tier_label="达标（标准化村卫生室）")
    named = replace(sheet.rows[1].candidate, facility_name="通许县" + "很长的名称" * 20)
    odd = replace(sheet.rows[2].candidate, facility_name="通许县𠀀卫生院")  # beyond the font
    rows = (
        replace(first, index=12_345, candidate=longer),
        replace(sheet.rows[1], candidate=named),
        replace(sheet.rows[2], candidate=odd),
        *sheet.rows[3:],
    )
    measure = fonts.measure(domain.PDF_FONT_PT)
    layout, items = domain.pdf_items(replace(sheet, rows=rows), measure)
    counties = domain.county_totals(replace(sheet, rows=rows))
    assert sum(layout.widths) == pytest.approx(domain.PDF_WIDTH_MM)
    cells = domain.pdf_cells(rows[0], sheet.region_names)
    for n, value in enumerate(cells):
        width = measure(value)
        assert width is not None and width <= layout.room(n), domain.PDF_COLUMNS[n].title
    blocks = [i.block for i in items]
    assert [(b.single, b.subtotal) for b in blocks] == [
        (False, False),  # row 12,345 fits
        (True, False),  # the long name wraps
        (True, False),  # the character the font lacks
        *[(False, False)] * (k + 1),
        (False, True),  # 通许县小计
        (False, False),
        (False, True),  # 兰考县小计
    ]
    assert blocks[1].lines >= 3  # counted high: a hundred characters in its column
    assert [i.title is not None for i in items] == [True, *[False] * (k + 6)]
    assert [i.heading for i in items if i.heading] == ["（一）通许县", "（二）兰考县"]
    assert blocks[k + 4].cells[1] == f"通许县小计：{k + 4} 家"
    tables = domain.pdf_groups(items)  # as one page: a table per county, its short rows joined
    joined = [[(e["block"].rows, e["block"].single) for e in t["blocks"]] for t in tables]
    assert joined == [
        [(1, False), (1, True), (1, True), (k, False), (1, False), (1, False)],
        [(1, False)] * 2,
    ]
    assert tables[0]["blocks"][3]["block"].cells[1].count("\n") == k - 1  # k names, a line each
    later = domain.pdf_groups(items[4:])  # a page that starts inside a county: a table, no heading
    assert (later[0]["title"], later[0]["heading"], later[0]["blocks"][0]["block"].rows) == (None, None, k)
    assert [(c["county"], c["facilities"]) for c in counties] == [("通许县", k + 4), ("兰考县", 1)]
    assert sum(c["amount"] for c in counties) == sheet.total_yuan


# --- the sheet -----------------------------------------------------------------------------------


def test_only_approved_inspections_finally_approved_in_the_period_and_region(world: World) -> None:
    qs_rules()
    approved(world, "own")  # in
    approved(world, "parent", tier="basic")  # in: a facility directly under the city
    approved(world, "sibling", at=IN_Q3)  # approved before the period
    approved(world, "other_city")  # another city
    approved(world, "own2", status="county_approved")  # not finally approved
    reopened = approved(world, add_facility("410225", "兰考县重新开启卫生院"))
    reopened.status = "county_review"
    db_session().flush()
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    assert set(by_facility(sheet)) == {"通许县城关镇卫生院", "开封市直属卫生院"}
    assert sheet.total_yuan == 450_000
    county = payouts.build_sheet("410222", "2026Q4", NOW)
    assert set(by_facility(county)) == {"通许县城关镇卫生院"}
    assert (
        payouts.build_sheet("410200", "2026Q3", NOW).rows[0].candidate.facility_name == "兰考县城关镇卫生院"
    )
    assert payouts.build_sheet("410200", "2026-11", NOW).total_yuan == 450_000
    assert payouts.build_sheet("410200", "2026-12", NOW).rows == ()


def test_the_period_goes_by_the_latest_approval_in_china_time(world: World) -> None:
    qs_rules()
    late = approved(world, "own", at=dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC))  # 10-01 01:00 CST
    again = approved(world, "sibling", at=IN_Q3)  # reopened in Q3, approved again in Q4
    db_session().add(
        StatusChange(
            inspection_id=again.id,
            action="approve",
            from_status="city_review",
            to_status="approved",
            actor_id=world.users["admin"].id,
            created_at=IN_Q4,
        )
    )
    db_session().delete(db_session().scalars(select(Report).where(Report.inspection_id == again.id)).one())
    db_session().flush()
    add_report(again, "recommended", "推荐标准", IN_Q4)
    q4 = by_facility(payouts.build_sheet("410200", "2026Q4", NOW))
    assert q4["通许县城关镇卫生院"].candidate.inspection_id == late.id
    assert q4["通许县城关镇卫生院"].candidate.approved_on == dt.date(2026, 10, 1)
    assert "兰考县城关镇卫生院" in q4
    assert payouts.build_sheet("410200", "2026Q3", NOW).rows == ()


def test_a_facility_is_paid_by_its_latest_approved_inspection_of_each_family(world: World) -> None:
    qs_rules()
    rule("410200", "basic", 20_000, family="village_clinic")
    approved(world, "own", tier="basic", at=IN_Q4 - dt.timedelta(days=20))
    latest = approved(world, "own", tier="recommended", at=IN_Q4)
    approved(world, "village", tier="basic", checklist=VC, tier_label="达标（标准化村卫生室）")
    approved(world, "own2", tier="none")  # approved, reached no tier: not on the sheet, counted
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    rows = by_facility(sheet)
    assert rows["通许县城关镇卫生院"].candidate.inspection_id == latest.id
    assert rows["通许县城关镇卫生院"].amount_yuan == 300_000
    assert rows["通许县城关镇东街村卫生室"].amount_yuan == 20_000
    assert [r.candidate.family for r in sheet.rows] == ["quality_service", "village_clinic"]
    assert [r.index for r in sheet.rows] == [1, 2]
    assert sheet.not_reached == 1
    assert [(t.family, t.tier_code, t.facilities, t.amount_yuan) for t in sheet.totals] == [
        ("quality_service", "recommended", 1, 300_000),
        ("village_clinic", "basic", 1, 20_000),
    ]


def test_rule_shown_and_applied_per_facility(world: World) -> None:
    rule("410000", "recommended", 100_000, top_up=False)
    rule("410222", "recommended", 500_000, top_up=True)
    rule("410222", "recommended", 900_000, valid_from=dt.date(2027, 1, 1))  # after the period
    approved(world, "own")
    approved(world, "sibling")
    approved(world, "own2", tier="community_hospital")  # no rule of its own: paid as recommended
    rows = by_facility(payouts.build_sheet("410200", "2026", NOW))
    own, sibling, hospital = (
        rows[n] for n in ("通许县城关镇卫生院", "兰考县城关镇卫生院", "通许县练城乡卫生院")
    )
    assert (own.rule.region_code, own.amount_yuan, own.basis) == ("410222", 500_000, domain.TOP_UP)
    assert (sibling.rule.region_code, sibling.amount_yuan, sibling.basis) == ("410000", 100_000, domain.FULL)
    assert hospital.rule.tier_code == "recommended" and hospital.rule_tier_label == "推荐标准"
    names = payouts.build_sheet("410200", "2026", NOW).region_names
    assert domain.rule_text(own, names) == "通许县 推荐标准 500,000 元，补差"
    assert domain.rule_text(hospital, names) == "通许县 推荐标准 500,000 元，补差"  # paid as recommended
    assert domain.rule_text(sibling, names) == "河南省 推荐标准 100,000 元，全额"


def test_no_rule_gives_zero_and_says_so(world: World) -> None:
    approved(world, "own")
    row = payouts.build_sheet("410200", "2026Q4", NOW).rows[0]
    assert (row.amount_yuan, row.basis, row.rule) == (0, domain.NO_RULE, None)
    assert domain.rule_text(row, {}) == "无适用的奖补标准"


def test_recording_then_a_later_period_pays_only_the_difference(world: World) -> None:
    qs_rules(top_up=True)
    rule("410225", "basic", 150_000, top_up=False)
    rule("410225", "recommended", 300_000, top_up=False)
    approved(world, "own", tier="basic", at=IN_Q3)
    approved(world, "sibling", tier="basic", at=IN_Q3)
    approved(world, "parent", tier="recommended", at=IN_Q3)
    q3, added = payouts.record(payouts.build_sheet("410200", "2026Q3", NOW), "test", NOW)
    assert added == 3 and all(r.recorded for r in q3.rows)
    approved(world, "own", tier="recommended")  # top-up rule: the difference
    approved(world, "sibling", tier="recommended")  # full rule: the whole amount again
    approved(world, "parent", tier="recommended")  # that tier was paid already: nothing
    rows = by_facility(payouts.build_sheet("410200", "2026Q4", NOW))
    own, sibling, parent = (rows[n] for n in ("通许县城关镇卫生院", "兰考县城关镇卫生院", "开封市直属卫生院"))
    assert (own.amount_yuan, own.paid_before_yuan, own.basis) == (150_000, 150_000, domain.TOP_UP)
    assert domain.remark(own) == "补差：300,000 − 已拨付 150,000"
    assert (sibling.amount_yuan, sibling.basis) == (300_000, domain.FULL)
    assert (parent.amount_yuan, parent.basis) == (0, domain.ALREADY_PAID)
    _, added = payouts.record(payouts.build_sheet("410200", "2026Q4", NOW), "test", NOW)
    assert added == 2  # a 0 is no payout
    assert count(Payout) == 5
    # a later, lower tier for the same family pays nothing either
    approved(world, "own", tier="basic", at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    row = payouts.build_sheet("410200", "2027Q1", NOW).rows[0]
    assert (row.amount_yuan, row.basis) == (0, domain.ALREADY_PAID)


def test_recording_the_same_period_twice_adds_nothing_and_the_sheet_stays_the_same(world: World) -> None:
    qs_rules()
    approved(world, "own", tier="basic")
    approved(world, "sibling")
    first = payouts.build_sheet("410200", "2026Q4", NOW)
    recorded, added = payouts.record(first, "test", NOW)
    audits = count(AuditEntry)
    assert added == 2 and count(Payout) == 2
    payout = db_session().scalars(select(Payout).order_by(Payout.id)).first()
    assert (payout.period, payout.region_code, payout.recorded_by) == ("2026Q4", "410200", "test")
    again = payouts.build_sheet("410200", "2026Q4", NOW)
    assert again.digest == first.digest == recorded.digest
    assert [(r.amount_yuan, r.recorded) for r in again.rows] == [(150_000, True), (300_000, True)]
    assert payouts.record(again, "test", NOW)[1] == 0
    assert count(Payout) == 2 and count(AuditEntry) == audits
    # the year containing that quarter: the same inspections, already recorded
    year = payouts.build_sheet("410200", "2026", NOW)
    assert [r.amount_yuan for r in year.rows] == [150_000, 300_000] and all(r.recorded for r in year.rows)
    assert payouts.record(year, "test", NOW)[1] == 0


def test_stored_reports_are_reused_and_a_missing_one_is_rendered_once(world: World) -> None:
    qs_rules()
    stored = approved(world, "own")
    fresh = approved(world, "sibling", checklist=("mini-test", 1), report=False)
    for item_id, grade in MINI_ANSWERS.items():
        db_session().add(
            Answer(
                inspection_id=fresh.id,
                item_id=item_id,
                revision=1,
                grade=grade,
                document_date=dt.date(2026, 6, 1) if item_id == "M-B08" else None,
                valid_until=dt.date(2027, 6, 1) if item_id == "M-R4" else None,
                author_id=world.users["inspector"].id,
                source="inspector",
            )
        )
    db_session().flush()
    before = count(Report)
    rows = by_facility(payouts.build_sheet("410200", "2026Q4", NOW))
    assert count(Report) == before + 1
    made = db_session().scalars(select(Report).where(Report.inspection_id == fresh.id)).one()
    sibling = rows["兰考县城关镇卫生院"]
    assert (sibling.candidate.report_number, sibling.candidate.report_digest) == (
        made.number,
        made.snapshot_sha256,
    )
    assert sibling.candidate.tier_code == made.tier_code != "none"
    stored_report = db_session().scalars(select(Report).where(Report.inspection_id == stored.id)).one()
    assert rows["通许县城关镇卫生院"].candidate.report_number == stored_report.number
    payouts.build_sheet("410200", "2026Q4", NOW)
    assert count(Report) == before + 1  # nothing rendered the second time


def test_bulk_change_markers_match_the_reports_own(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    add_photo(inspection.id, "M-B01", world.users["inspector"].id)
    db_session().add(
        Conflict(
            inspection_id=inspection.id,
            item_id="M-B02",
            change_id="c-1",
            base_revision=0,
            current_revision=1,
            proposed={"grade": "B"},
            author_id=world.users["inspector"].id,
        )
    )
    other = world.inspection(facility="own2")
    db_session().flush()
    bulk = payout_queries.change_markers([inspection.id, other.id])
    assert bulk[inspection.id] == report_queries.change_markers(inspection.id)
    assert bulk[other.id] == report_queries.change_markers(other.id)
    assert bulk[inspection.id][0] == len(MINI_ANSWERS)


def test_bad_region_or_period(world: World) -> None:
    for region, code in (("410299", "payouts.region_not_found"), ("41", "payouts.region_not_found")):
        with pytest.raises(DomainError) as err:
            payouts.build_sheet(region, "2026", NOW)
        assert err.value.code == code and err.value.status == 404
    with pytest.raises(DomainError) as err:
        payouts.build_sheet("410200", "2026Q5", NOW)
    assert err.value.code == "payouts.invalid_period"


# --- PDF and XLSX --------------------------------------------------------------------------------


def pdf_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.splitlines()


PDF_ROW = re.compile(r"(?:已拨 ([\d,]+))?\s+([\d,]+)\s+(DB-\d{6}-\d{6}-[0-9A-F]{6})\s*$")


def pdf_numbers(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Report number -> (paid before, due), from the sheet's rows (a line each: pdftotext -layout
    puts the values of a table row's line side by side)."""
    found = {}
    for line in lines:
        match = PDF_ROW.search(line)
        if match:
            before, due, number = match.groups()
            found[number] = (int((before or "0").replace(",", "")), int(due.replace(",", "")))
    return found


def xlsx_table(data: bytes) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """The XLSX's data rows by header, and the rows of its totals block."""
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(values) if row[0] == "序号")
    header = values[header_at]
    rows = []
    for row in values[header_at + 1 :]:
        if row[0] is None:
            break
        rows.append(dict(zip(header, row, strict=True)))
    totals_at = next(i for i, row in enumerate(values) if row[0] == "按等级汇总")
    totals = []
    for row in values[totals_at + 2 :]:
        totals.append(row[:4])
        if row[0] == "合计":
            break
    return rows, totals


def county_blocks(data: bytes) -> list[tuple[Any, ...]]:
    """The rows of the XLSX's county totals."""
    values = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(values) if row[0] == "按县（市、区）汇总")
    found = []
    for row in values[at + 2 :]:
        if row[0] in (None, "合计"):
            break
        found.append(row[:4])
    return found


def test_the_pdf_and_the_xlsx_carry_the_same_numbers(world: World, tmp_path: Path) -> None:
    qs_rules()
    rule("410200", "basic", 20_000, family="village_clinic")
    rule("410200", "recommended", 50_000, family="village_clinic")
    approved(world, "own", tier="basic", at=IN_Q3)
    payouts.record(payouts.build_sheet("410200", "2026Q3", NOW), "test", NOW)
    approved(world, "own")  # top-up 150,000
    approved(world, "own2", tier="basic")
    approved(world, "sibling", tier="community_hospital")
    approved(world, "parent")
    approved(world, "village", checklist=VC, tier="recommended", tier_label="示范村卫生室")
    for n in range(12):  # long names wrap, more rows than one page holds
        approved(
            world,
            add_facility("410225", f"兰考县第{n}号名称很长很长很长的社区卫生服务中心", "B100"),
            tier="basic",
        )
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    pdf = payouts.pdf(sheet)
    data = payout_sheet.xlsx(sheet)
    rows, totals = xlsx_table(data)
    lines = pdf_lines(pdf, tmp_path)
    in_pdf = pdf_numbers(lines)
    assert len(rows) == len(sheet.rows) == 17
    assert in_pdf == {row["报告编号"]: (row["此前已拨付（元）"], row["本期应拨（元）"]) for row in rows}
    assert all(isinstance(row["本期应拨（元）"], int) for row in rows)
    assert sorted(in_pdf.values())[-1][0] == 150_000  # the top-up row's earlier payment
    text = "\n".join(lines)
    counties = county_blocks(data)
    expected = [(c["family"], c["county"], c["facilities"], c["amount"]) for c in domain.county_totals(sheet)]
    assert counties == expected and len(counties) >= 3
    for _, county, n, amount in counties:  # each county's subtotal row in the PDF
        subtotal = f"{county}小计：{n} 家"
        assert any(subtotal in line and line.rstrip().endswith(f"{amount:,}") for line in lines), subtotal
    assert f"（大写：{domain.capital_yuan(sheet.total_yuan)}）" in text
    assert (
        sheet.total_yuan == sum(row["本期应拨（元）"] for row in rows) == 150_000 * 14 + 300_000 * 2 + 50_000
    )
    assert totals[-1] == ("合计", None, 17, sheet.total_yuan)
    split = [line.split() for line in lines]
    for family, tier, n, amount in totals:  # the totals by tier, a row each in the closing
        assert ([family, tier] if tier else [family]) + [str(n), f"{amount:,}"] in split, (family, tier)
    assert f"17 家机构，合计 {sheet.total_yuan:,} 元" in text
    assert sheet.digest in re.sub(r"\s+", "", text)
    assert load_workbook(io.BytesIO(data)).active["A3"].value.endswith(sheet.digest)
    pages = re.findall(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", text)
    assert pages[0] == ("1", pages[0][1]) and int(pages[-1][0]) == int(pages[0][1]) >= 2
    assert "开封市2026年第四季度达标奖补资金分配表" in text


def test_the_pdf_is_a4_landscape_with_embedded_chinese_fonts(world: World, tmp_path: Path) -> None:
    qs_rules()
    approved(world, "own")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(payouts.pdf(payouts.build_sheet("410200", "2026Q4", NOW)))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert (round(width), round(height)) == (842, 595)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts and "Mono" not in fonts  # a proportional font, one family
    assert "DejaVu" not in fonts and "CJK-JP" not in fonts  # no glyph fell back to another font
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())


WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def test_the_sheet_is_printed_at_9_pt_or_more(world: World, tmp_path: Path) -> None:
    """Every word inside the page margins (the running header and the page numbers are in them) is
    set at 9 pt or larger: a word's box is the font's height, 1.448 em in Noto Sans CJK."""
    qs_rules()
    for i in range(12):
        approved(world, add_facility("410222", f"字号测试第{i}号卫生院"), tier="basic")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(payouts.pdf(payouts.build_sheet("410200", "2026Q4", NOW)))
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True)
    top, bottom = 16 * 72 / 25.4, (210 - 14) * 72 / 25.4  # payouts.html's page margins
    words = [(float(y1), float(y2), text) for y1, y2, text in WORD.findall(bbox.stdout)]
    inside = [(y2 - y1, text) for y1, y2, text in words if y1 >= top and y2 <= bottom]
    assert sum(text.startswith("DB-") for _, text in inside) == 12  # every row's report number
    small = [text for height, text in inside if height < 9 * 1.44]
    assert small == [] and len(inside) > 100


def test_an_empty_sheet_still_renders(world: World, tmp_path: Path) -> None:
    sheet = payouts.build_sheet("410222", "2026-11", NOW)
    assert sheet.rows == () and sheet.total_yuan == 0
    assert "本期没有终审通过并达到奖补等级的机构" in "".join(pdf_lines(payouts.pdf(sheet), tmp_path))
    rows, totals = xlsx_table(payout_sheet.xlsx(sheet))
    assert rows == [] and totals == [("合计", None, 0, 0)]


# --- loading rules -------------------------------------------------------------------------------


def csv_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rules_load_from_csv_with_chinese_headers(world: World) -> None:
    data = csv_bytes(
        [
            "地区代码,标准类别,等级,金额（元）,补差,生效日期,备注",
            '410200,优质服务基层行,基本标准,"150,000",是,2026-01-01,市财政 2026 年标准',
            "410200,quality_service,recommended,300000,是,2026/01/01,",
            "410222,村卫生室,示范村卫生室,50000元,否,2026年7月1日,",
        ]
    )
    result = payouts.load_rules("rules.csv", data)
    assert (result.count, result.breakdown) == (3, {"优质服务基层行": 2, "村卫生室标准化建设": 1})
    rows = {(r.region_code, r.tier_code): r for r in db_session().scalars(select(PayoutRule))}
    assert rows[("410200", "basic")].amount_yuan == 150_000 and rows[("410200", "basic")].top_up
    assert rows[("410200", "basic")].note == "市财政 2026 年标准"
    assert rows[("410222", "recommended")].family == "village_clinic"
    assert rows[("410222", "recommended")].valid_from == dt.date(2026, 7, 1)
    assert not rows[("410222", "recommended")].top_up


def test_rules_load_from_xlsx_with_english_headers_and_date_cells(world: World) -> None:
    data = xlsx_bytes(
        [
            ["region_code", "family", "tier", "amount", "top_up", "valid_from", "note"],
            ["410200", "big_three", "basic", 10000, True, dt.datetime(2026, 1, 1), None],
            [410222, "quality_service", "basic", 180000.0, "否", dt.date(2026, 3, 1), "县级加码"],
        ]
    )
    assert payouts.load_rules("rules.xlsx", data).count == 2
    county = db_session().scalars(select(PayoutRule).where(PayoutRule.region_code == "410222")).one()
    assert (county.amount_yuan, county.top_up, county.valid_from) == (180_000, False, dt.date(2026, 3, 1))


def test_every_bad_rule_row_is_reported_and_nothing_is_loaded(world: World) -> None:
    rule("410200", "basic", 1, valid_from=dt.date(2026, 1, 1))
    data = csv_bytes(
        [
            "地区代码,标准类别,等级,金额,补差,生效日期",
            "410299,quality_service,basic,1,是,2026-01-01",  # 2 unknown region
            "410200,牙科,basic,1,是,2026-01-01",  # 3 unknown family
            "410200,quality_service,gold,1,是,2026-01-01",  # 4 unknown tier
            "410200,quality_service,recommended,-5,是,2026-01-01",  # 5 negative
            "410200,quality_service,recommended,1.5,是,2026-01-01",  # 6 not whole yuan
            "410200,quality_service,recommended,1,也许,2026-01-01",  # 7 top_up
            "410200,quality_service,recommended,1,是,2026-02-30",  # 8 date
            "410200,quality_service,recommended,1,是,2026-03-01",  # 9 fine
            "410200,quality_service,推荐标准,2,是,2026-03-01",  # 10 same key as line 9
            "410200,quality_service,basic,1,是,2026-01-01",  # 11 already in the database
            "4102,quality_service,basic,1,,2026-01-01",  # 12 bad code, empty top_up
        ]
    )
    before = count(PayoutRule)
    with pytest.raises(DomainError) as err:
        payouts.load_rules("rules.csv", data)
    assert err.value.code == "import.invalid"
    found = {(line, column) for line, column in map(problem_location, err.value.problems)}
    assert found == {
        ("2", "地区代码"),
        ("3", "标准类别"),
        ("4", "等级"),
        ("5", "金额"),
        ("6", "金额"),
        ("7", "补差"),
        ("8", "生效日期"),
        ("10", "生效日期"),
        ("11", "生效日期"),
        ("12", "地区代码"),
        ("12", "补差"),
    }
    assert count(PayoutRule) == before


def test_a_rules_file_with_a_missing_column_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as err:
        payouts.load_rules(
            "rules.csv", csv_bytes(["地区代码,标准类别,等级,金额", "410200,quality_service,basic,1"])
        )
    messages = [p.message for p in err.value.problems]
    assert any("补差" in m for m in messages) and any("生效日期" in m for m in messages)


def test_default_rules_come_from_the_checklists_once(world: World) -> None:
    rule("410222", "basic", 1, family="big_three")
    created = payouts.default_rules("410200")
    got = {(r.family, r.tier_code): (r.amount_yuan, r.top_up) for r in created}
    assert got == {
        ("quality_service", "basic"): (150_000, True),
        ("quality_service", "recommended"): (300_000, True),
        ("village_clinic", "basic"): (20_000, True),
        ("village_clinic", "recommended"): (50_000, True),
        ("big_three", "basic"): (0, True),
    }
    assert all(r.valid_from == payouts.DEFAULT_VALID_FROM and r.region_code == "410200" for r in created)
    assert payouts.default_rules("410200") == []
    county = {r.family for r in payouts.default_rules("410222")}
    assert county == {"quality_service", "village_clinic"}  # big_three had a rule there already
    with pytest.raises(DomainError) as err:
        payouts.default_rules("410299")
    assert err.value.code == "payouts.region_not_found"


# --- the commands --------------------------------------------------------------------------------


def test_cli_sheet_writes_both_files_and_record_is_idempotent(
    world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    assert runner.invoke(args=["payouts", "rules", "--defaults", "410200"]).exit_code == 0
    approved(world, "own")
    approved(world, "sibling", tier="basic")
    db_session().commit()
    out = tmp_path / "out"
    result = runner.invoke(args=["payouts", "sheet", "410200", "2026Q4", "-o", str(out), "--record"])
    assert result.exit_code == 0, result.output
    pdf, xlsx = out / "payouts-410200-2026Q4.pdf", out / "payouts-410200-2026Q4.xlsx"
    assert pdf.read_bytes().startswith(b"%PDF") and xlsx.read_bytes().startswith(b"PK")
    assert "2 家机构，应拨合计 450,000 元" in result.stdout
    assert "已登记拨付记录 2 条" in result.stdout
    rows, _ = xlsx_table(xlsx.read_bytes())
    assert [row["登记状态"] for row in rows] == ["已登记", "已登记"]
    again = runner.invoke(args=["payouts", "sheet", "410200", "2026Q4", "-o", str(out), "--record"])
    assert again.exit_code == 0, again.output
    assert "没有新的拨付记录需要登记" in again.stdout
    assert count(Payout) == 2
    plain = runner.invoke(args=["payouts", "sheet", "410222", "2026Q4", "-o", str(tmp_path / "c")])
    assert plain.exit_code == 0 and "1 家机构，应拨合计 300,000 元" in plain.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["payouts", "sheet", "410299", "2026"], "地区“410299”不存在"),
        (["payouts", "sheet", "abc", "2026"], "地区“abc”不存在"),
        (["payouts", "sheet", "410200", "2026Q9"], "无效的期间“2026Q9”"),
        (["payouts", "sheet", "410200", "2026-13"], "无效的期间“2026-13”"),
        (["payouts", "rules", "--defaults", "999999"], "地区“999999”不存在"),
    ],
)
def test_cli_bad_input_is_a_clear_error(
    world: World, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(args=[*args, *(["-o", str(out)] if args[1] == "sheet" else [])])
    assert result.exit_code == 1
    assert message in result.stderr
    assert not out.exists()


def test_cli_rules_file(world: World, runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = tmp_path / "rules.csv"
    good.write_bytes(
        csv_bytes(
            ["地区代码,标准类别,等级,金额,补差,生效日期", "410200,优质服务基层行,基本标准,1000,是,2026-01-01"]
        )
    )
    result = runner.invoke(args=["payouts", "rules", str(good)])
    assert result.exit_code == 0, result.output
    assert "已导入奖补规则 1 条" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(["地区代码,标准类别,等级,金额,补差,生效日期", "410200,优质服务基层行,金牌,x,是,2026-01-01"])
    )
    result = runner.invoke(args=["payouts", "rules", str(bad)])
    assert result.exit_code == 1
    assert "line 2, 等级" in result.stderr and "line 2, 金额" in result.stderr
    both = runner.invoke(args=["payouts", "rules", str(good), "--defaults", "410200"])
    assert both.exit_code == 2
    created = runner.invoke(args=["payouts", "rules", "--defaults", "410200"])
    assert created.exit_code == 0 and "默认奖补规则" in created.stdout
    assert "未做改动" in runner.invoke(args=["payouts", "rules", "--defaults", "410200"]).stdout


def test_a_sheet_generated_before_another_period_was_recorded_is_not_recorded(world: World) -> None:
    qs_rules(top_up=True)
    approved(world, "own", tier="basic", at=IN_Q3)
    q3 = payouts.build_sheet("410200", "2026Q3", NOW)
    approved(world, "own", tier="recommended")
    q4 = payouts.build_sheet("410200", "2026Q4", NOW)  # generated while nothing was paid yet
    assert [r.amount_yuan for r in q4.rows] == [300_000]
    payouts.record(q3, "test", NOW)
    with pytest.raises(DomainError) as refused:
        payouts.record(q4, "test", NOW)  # would pay 300,000 on top of the 150,000
    assert (refused.value.code, refused.value.status) == ("payouts.sheet_changed", 409)
    assert count(Payout) == 1
    again = payouts.build_sheet("410200", "2026Q4", NOW)
    assert [r.amount_yuan for r in again.rows] == [150_000]
    assert payouts.record(again, "test", NOW)[1] == 1
    assert sum(p.amount_yuan for p in db_session().scalars(select(Payout))) == 300_000
