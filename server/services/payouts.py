"""Payouts (达标奖补): the reward rules, loaded from a bureau's sheet or from the checklists'
defaults; the payout sheet (奖补资金分配表) of a region and period as PDF and XLSX; and recording
it, so that later periods pay only differences.

A sheet lists every facility of the region whose latest approved inspection of a checklist family
(final approval in the period) reached a tier, with the amount due under the rule that applies
and the inspection report the finance bureau attaches. It is built from a handful of bulk queries;
only an inspection without a current report costs a render (server.services.reports).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from sqlalchemy.exc import IntegrityError

from server.db import checklists as checklist_queries
from server.db import lookups
from server.db import payouts as queries
from server.db.models import Inspection, Payout, PayoutRule
from server.domain import payouts as domain
from server.domain import regions
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.evidence import CHINA
from server.domain.identifiers import FACILITY_TYPES
from server.domain.inputs import date_ok
from server.domain.times import format_instant
from server.extensions import db
from server.reports import sheets
from server.reports.render import ReportFetcher, render_html, write_pdf
from server.services import audit, checklists, reports
from server.services.imports import Column, ImportRow, RowReport, map_header, read_sheet
from server.services.inspections import not_found

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_AMOUNT_YUAN = 10**10
DEFAULT_VALID_FROM = dt.date(2018, 1, 1)  # the 优质服务基层行 campaign began in 2018

RULE_COLUMNS = (
    Column("region_code", "地区代码", ("行政区划代码", "区划代码", "地区", "region"), required=True),
    Column("family", "标准类别", ("评审标准类别", "评审标准", "类别"), required=True),
    Column("tier", "等级", ("达标等级", "tier_code"), required=True),
    Column(
        "amount",
        "金额",
        ("奖补金额", "金额（元）", "金额(元)", "奖补金额（元）", "奖补金额(元)", "amount_yuan"),
        required=True,
    ),
    Column("top_up", "补差", ("是否补差", "补差发放", "topup"), required=True),
    Column("valid_from", "生效日期", ("起始日期", "执行日期", "valid_from"), required=True),
    Column("note", "备注", ("说明",)),
)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesResult:
    count: int
    breakdown: dict[str, int]  # rules per family label


def _loaded_tiers() -> dict[str, dict[str, str]]:
    """Family -> tier code -> label, over every loaded checklist (later versions win on labels)."""
    tiers: dict[str, dict[str, str]] = {}
    for version in checklist_queries.list_versions():
        for tier in version.definition.get("tiers", []):
            tiers.setdefault(version.family, {})[tier["code"]] = tier["label"]
    return tiers


def load_rules(filename: str, data: bytes, actor: str = "cli", actor_id: int | None = None) -> RulesResult:
    """Rules from a CSV or XLSX file: every row checked, all written or none."""
    sheet = read_sheet(filename, data)
    report = RowReport()
    index = map_header(sheet, RULE_COLUMNS, report)
    rows = [ImportRow(line, cells, index, sheet, RULE_COLUMNS, report) for line, cells in sheet.rows]
    tiers = _loaded_tiers()
    parsed: list[tuple[ImportRow, PayoutRule]] = []
    for row in rows:
        region = row.region_code("region_code")
        family = _family(row)
        tier = _tier(row, family, tiers)
        amount = _amount(row)
        before = row.problems
        top_up = row.boolean("top_up")
        if top_up is None and row.problems == before and "top_up" in row.index:
            row.problem("top_up", "“补差”不能为空：填写 是（只补发与已拨付较低等级的差额）或 否（全额）")
        valid_from = _date(row, "valid_from")
        note = row.text("note", max_length=500)
        if row.problems or None in (region, family, tier, amount, top_up, valid_from):
            continue
        assert region is not None and family is not None and tier is not None and amount is not None
        assert top_up is not None and valid_from is not None
        rule = PayoutRule(
            region_code=region[0],
            family=family,
            tier_code=tier,
            amount_yuan=amount,
            top_up=top_up,
            valid_from=valid_from,
            note=note,
            created_by=actor,
        )
        parsed.append((row, rule))
    known = lookups.existing_region_codes(r.region_code for _, r in parsed)
    taken = queries.existing_rule_keys()
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    for row, rule in parsed:
        key = (rule.region_code, rule.family, rule.tier_code, rule.valid_from)
        if rule.region_code not in known:
            row.problem("region_code", f"地区 {rule.region_code} 不存在，请先导入地区")
        if key in seen:
            row.problem("valid_from", f"与第{seen[key]}行是同一地区、类别、等级和生效日期的规则")
        elif key in taken:
            row.problem(
                "valid_from", "该地区、类别和等级已有同一生效日期的规则；规则不可修改，调整请使用新的生效日期"
            )
        seen.setdefault(key, row.line)
    report.raise_if_any()
    new = [rule for _, rule in parsed]
    try:
        queries.add_rules(new)
        audit.record(
            "payout.rules",
            actor_id=actor_id,
            actor=actor,
            target_type="import",
            target_id=PurePath(filename).name[:64],
            after={"count": len(new)},
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("payouts.rules_conflict") from exc
    breakdown = Counter(domain.FAMILY_LABELS[r.family] for r in new)
    return RulesResult(len(new), dict(sorted(breakdown.items())))


def _family(row: ImportRow) -> str | None:
    text = row.text("family", required=True)
    if text is None:
        return None
    family = domain.FAMILY_NAMES.get(text, text.lower())
    if family not in domain.FAMILIES:
        known = "、".join(f"{code}（{label}）" for code, label in domain.FAMILY_LABELS.items())
        row.problem("family", f"未知的标准类别“{text}”，应为：{known}")
        return None
    return family


def _tier(row: ImportRow, family: str | None, tiers: dict[str, dict[str, str]]) -> str | None:
    text = row.text("tier", required=True)
    if text is None or family is None:
        return None
    known = tiers.get(family)
    if not known:
        row.problem("tier", f"尚未加载“{domain.FAMILY_LABELS[family]}”类的评审标准，无法核对等级")
        return None
    by_label = {label: code for code, label in known.items()}
    code = text if text in known else by_label.get(text)
    if code is None:
        listed = "、".join(f"{c}（{label}）" for c, label in known.items())
        row.problem("tier", f"“{domain.FAMILY_LABELS[family]}”没有等级“{text}”，应为：{listed}")
    return code


def _amount(row: ImportRow) -> int | None:
    raw = row.raw("amount")
    text = row.text("amount", required=True)
    if text is None:
        return None
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        value = Decimal(text.replace(",", "").replace("，", "").removesuffix("元"))
    except InvalidOperation:
        row.problem("amount", f"“{text}”不是金额（填写整数元，如 150000）")
        return None
    if not value.is_finite() or value != value.to_integral_value():
        row.problem("amount", f"金额须为整数元（{text}）")
        return None
    if not 0 <= value < MAX_AMOUNT_YUAN:
        row.problem("amount", f"金额 {text} 超出范围（0 至 {MAX_AMOUNT_YUAN - 1:,} 元）")
        return None
    return int(value)


def _date(row: ImportRow, key: str) -> dt.date | None:
    raw = row.raw(key)
    parsed: dt.date | None = None
    if isinstance(raw, dt.datetime):
        parsed = raw.date()
    elif isinstance(raw, dt.date):
        parsed = raw
    else:
        text = row.text(key, required=True)
        if text is None:
            return None
        for fmt in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            row.problem(key, f"“{text}”不是日期（如 2026-01-01）")
            return None
    if not date_ok(parsed):
        row.problem(key, f"日期 {parsed.isoformat()} 超出范围（1900-01-01 至 2100-12-31）")
        return None
    return parsed


def default_rules(
    region_code: str, valid_from: dt.date = DEFAULT_VALID_FROM, actor: str = "cli"
) -> list[PayoutRule]:
    """Rules for the region from the loaded checklists' tier rewards (top-up), for each family that
    has no rule in the region yet. Running it again adds nothing."""
    if _checked_region(region_code) is None:
        raise _region_missing(region_code)
    versions = checklist_queries.list_versions()
    if not versions:
        raise DomainError("payouts.no_checklists", command="flask --app wsgi checklists load")
    has_rules = queries.rule_families(region_code)
    amounts: dict[tuple[str, str], tuple[int, str]] = {}
    for version in sorted(versions, key=lambda v: v.pk):  # later loads win
        if version.family in has_rules:
            continue
        for tier in version.definition.get("tiers", []):
            if tier.get("reward_yuan") is not None:
                source = f"默认奖补标准，取自评审标准 {version.checklist_id} 第{version.version}版"
                amounts[(version.family, tier["code"])] = (int(tier["reward_yuan"]), source)
    new = [
        PayoutRule(
            region_code=region_code,
            family=family,
            tier_code=tier_code,
            amount_yuan=amount,
            top_up=True,
            valid_from=valid_from,
            note=note,
            created_by=actor,
        )
        for (family, tier_code), (amount, note) in sorted(amounts.items())
    ]
    if new:
        queries.add_rules(new)
        audit.record(
            "payout.rules_default",
            actor=actor,
            target_type="region",
            target_id=region_code,
            after={"count": len(new), "families": sorted({r.family for r in new})},
        )
        db.session.commit()
    return new


# --- the sheet -----------------------------------------------------------------------------------


def _checked_region(code: str) -> str | None:
    try:
        regions.region_level(code)
    except regions.InvalidRegionCode:
        return None
    return code if queries.region(code) is not None else None


def _region_missing(code: str) -> DomainError:
    return DomainError("payouts.region_not_found", region=code[:20])


def _china_day(value: dt.datetime) -> dt.date:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA).date()


def _rule(row: PayoutRule) -> domain.Rule:
    return domain.Rule(
        row.region_code,
        row.family,
        row.tier_code,
        row.amount_yuan,
        row.top_up,
        row.valid_from,
        row.note,
        row.id,
    )


def _region_path(code: str) -> tuple[str, str]:
    chain = [code]
    while (parent := regions.parent_code(chain[-1])) is not None:
        chain.append(parent)
    names = queries.region_names(chain)
    return names.get(code, code), " ".join(names[c] for c in reversed(chain) if c in names)


def build_sheet(region_code: str, period_text: str, now: dt.datetime) -> domain.Sheet:
    """The payout sheet of the region for the period, with the amounts as recorded payouts stand now."""
    if _checked_region(region_code) is None:
        raise _region_missing(region_code)
    period = domain.parse_period(period_text)
    approved = [
        a
        for a in queries.approved_inspections(regions.scope_prefix(region_code))
        if period.contains(_china_day(a.approved_at))
    ]
    models = {
        key: checklists.get_checklist(*key)
        for key in {(a.checklist_id, a.checklist_version) for a in approved}
    }
    latest: dict[tuple[int, str], queries.Approved] = {}
    for a in approved:
        key = (a.facility_id, models[(a.checklist_id, a.checklist_version)].family)
        if key not in latest or (a.approved_at, a.inspection_id) > (
            latest[key].approved_at,
            latest[key].inspection_id,
        ):
            latest[key] = a
    chosen = list(latest.values())
    facts = _report_facts(chosen, now)
    candidates = []
    for (_, family), a in latest.items():
        model = models[(a.checklist_id, a.checklist_version)]
        number, digest, tier_code, tier_label = facts[a.inspection_id]
        candidates.append(
            domain.Candidate(
                facility_id=a.facility_id,
                facility_name=a.facility_name,
                uscc=a.uscc,
                type_code=a.type_code,
                type_name=FACILITY_TYPES.get(a.type_code, a.type_code),
                region_code=a.region_code,
                family=family,
                inspection_id=a.inspection_id,
                approved_on=_china_day(a.approved_at),
                tier_code=tier_code,
                tier_label=tier_label,
                tier_order=tuple(t.code for t in model.tiers),
                tier_labels={t.code: t.label for t in model.tiers},
                report_number=number,
                report_digest=digest,
            )
        )
    rule_rows = queries.rules()
    rules = [_rule(r) for r in rule_rows]
    by_id = {r.id: r for r in rules}
    paid: dict[tuple[int, str], list[tuple[int, str, domain.Paid]]] = {}
    recorded: dict[tuple[int, str], domain.Recorded] = {}
    for payout in queries.payouts_of([c.facility_id for c in candidates]):
        paid.setdefault((payout.facility_id, payout.family), []).append(
            (payout.inspection_id, payout.report_sha256, domain.Paid(payout.tier_code, payout.amount_yuan))
        )
        recorded[(payout.inspection_id, payout.report_sha256)] = domain.Recorded(
            payout.amount_yuan, by_id.get(payout.rule_id) if payout.rule_id else None
        )
    rows = domain.build_rows(candidates, rules, paid, recorded, period.end)
    name, path = _region_path(region_code)
    sheet = domain.Sheet(
        region_code=region_code,
        region_name=name,
        region_path=path,
        period=period,
        generated_at=format_instant(now) or "",
        rows=tuple(rows),
        totals=tuple(domain.tier_totals(rows)),
        total_yuan=sum(r.amount_yuan for r in rows),
        not_reached=sum(1 for c in candidates if c.tier_code == domain.TIER_NONE),
    )
    return replace(sheet, digest=domain.sheet_digest(sheet))


def _report_facts(
    chosen: Sequence[queries.Approved], now: dt.datetime
) -> dict[int, tuple[str, str, str, str]]:
    """(number, snapshot digest, tier code, tier label) of each inspection's current report: the
    stored one when nothing changed since it was made (checked in bulk), rendered otherwise."""
    ids = [a.inspection_id for a in chosen]
    stored = queries.reports_of(ids)
    markers = queries.change_markers(ids)
    facts: dict[int, tuple[str, str, str, str]] = {}
    stale: list[int] = []
    for a in chosen:
        current = reports.fingerprint_of(
            a.inspection_id, a.status, a.checklist_version, markers[a.inspection_id]
        )
        match = next((r for r in stored.get(a.inspection_id, []) if r.fingerprint == current), None)
        if match is None:
            stale.append(a.inspection_id)
        else:
            facts[a.inspection_id] = (match.number, match.snapshot_sha256, match.tier_code, match.tier_label)
    for inspection_id in stale:
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None
        report = reports.current_report(inspection, now)
        facts[inspection_id] = (report.number, report.snapshot_sha256, report.tier_code, report.tier_label)
    return facts


def record(sheet: domain.Sheet, actor: str, now: dt.datetime) -> tuple[domain.Sheet, int]:
    """Record the sheet's payouts not yet recorded (amounts above 0); returns the sheet with them
    marked and how many were added. Recording the same sheet again adds nothing.

    Recorders are serialised, and the sheet is built again under the lock: when what it pays
    changed since it was generated (another period was recorded meanwhile, so a top-up is now
    smaller), nothing is recorded and the caller must generate it again."""
    db.session.commit()  # end the transaction the sheet was read in: the lock starts a fresh one
    queries.lock_payouts()
    current = build_sheet(sheet.region_code, sheet.period.code, now)
    if current.digest != sheet.digest:
        db.session.rollback()
        raise DomainError("payouts.sheet_changed")
    sheet = current  # with the rows recorded meanwhile marked
    new = [
        Payout(
            facility_id=row.candidate.facility_id,
            family=row.candidate.family,
            tier_code=row.paid_tier_code,
            amount_yuan=row.amount_yuan,
            period=sheet.period.code,
            region_code=sheet.region_code,
            inspection_id=row.candidate.inspection_id,
            report_number=row.candidate.report_number,
            report_sha256=row.candidate.report_digest,
            rule_id=row.rule.id if row.rule is not None else None,
            recorded_at=now,
            recorded_by=actor,
        )
        for row in sheet.rows
        if not row.recorded and row.amount_yuan > 0
    ]
    if new:
        try:
            queries.add_payouts(new)
            audit.record(
                "payout.record",
                actor=actor,
                target_type="payout_sheet",
                target_id=f"{sheet.region_code}/{sheet.period.code}",
                after={
                    "count": len(new),
                    "amount_yuan": sum(p.amount_yuan for p in new),
                    "sheet_digest": sheet.digest,
                },
            )
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            raise DomainError("payouts.record_conflict") from exc
    else:
        db.session.rollback()  # nothing to add: release the lock
    rows = tuple(replace(r, recorded=True) if r.amount_yuan > 0 else r for r in sheet.rows)
    return replace(sheet, rows=rows), len(new)


# --- PDF and XLSX --------------------------------------------------------------------------------


def _no_evidence(key: str) -> bytes:
    raise KeyError(key)  # the fetcher lists no evidence keys, so this is never reached


def pdf(sheet: domain.Sheet) -> bytes:
    html = render_html("payouts.html", **domain.view(sheet))
    return write_pdf(html, ReportFetcher(_no_evidence, ()))


XLSX_COLUMNS = (
    ("序号", 6),
    ("评审标准类别", 18),
    ("机构名称", 30),
    ("统一社会信用代码", 21),
    ("机构类别", 16),
    ("所在地区代码", 13),
    ("终审通过日期", 13),
    ("达标等级", 18),
    ("适用标准地区", 13),
    ("适用标准金额（元）", 16),
    ("补差/全额", 10),
    ("此前已拨付（元）", 16),
    ("本期应拨（元）", 16),
    ("说明", 30),
    ("报告编号", 26),
    ("报告数据摘要（SHA-256）", 68),
    ("登记状态", 10),
)
AMOUNT_FORMAT = "#,##0"
AMOUNT_COLUMNS = (9, 11, 12)  # 0-based: rule amount, paid before, due


def xlsx_rows(sheet: domain.Sheet) -> list[list[Any]]:
    """The data rows of the XLSX, in column order; numbers stay numbers."""
    rows = []
    for r in sheet.rows:
        c = r.candidate
        rows.append(
            [
                r.index,
                domain.FAMILY_LABELS.get(c.family, c.family),
                c.facility_name,
                c.uscc or "",
                c.type_name,
                c.region_code,
                c.approved_on,
                c.tier_label + (f"（按{r.rule_tier_label}）" if r.rule_tier_label else ""),
                r.rule.region_code if r.rule else "",
                r.rule.amount_yuan if r.rule else None,
                ("补差" if r.rule.top_up else "全额") if r.rule else "",
                r.paid_before_yuan,
                r.amount_yuan,
                domain.remark(r),
                c.report_number,
                c.report_digest,
                "已登记" if r.recorded else "未登记",
            ]
        )
    return rows


def xlsx(sheet: domain.Sheet) -> bytes:
    """The sheet as a workbook (write-only: thousands of rows stay fast). Every cell goes through
    server.reports.sheets, so names and remarks stay text and amounts stay numbers."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("奖补资金分配表")
    for i, (_, width) in enumerate(XLSX_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 5
    ws.freeze_panes = f"D{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    wrap = Alignment(wrap_text=True, vertical="center")

    def heading(titles: Sequence[str]) -> list[Any]:
        return [sheets.cell(ws, title, font=bold, fill=fill, alignment=wrap) for title in titles]

    sheets.append(ws, [sheets.cell(ws, domain.title(sheet), font=Font(bold=True, size=14))])
    sheets.append(
        ws,
        [
            f"地区：{sheet.region_path}（{sheet.region_code}）　期间：{sheet.period.label}"
            f"（{sheet.period.start} 至 {sheet.period.end}，以终审通过日期计）　"
            f"奖补标准取值日：{sheet.period.end}　生成时间：{sheet.generated_at}"
        ],
    )
    sheets.append(ws, [f"分配表摘要（SHA-256）：{sheet.digest}"])
    sheets.append(ws, [])
    sheets.append(ws, heading([title for title, _ in XLSX_COLUMNS]))  # row `header_row`
    for values in xlsx_rows(sheet):
        values[6] = sheets.cell(ws, values[6], "yyyy-mm-dd")
        for i in AMOUNT_COLUMNS:
            values[i] = sheets.cell(ws, values[i], AMOUNT_FORMAT)
        sheets.append(ws, values)
    sheets.append(ws, [])
    sheets.append(ws, [sheets.cell(ws, "按等级汇总", font=bold)])
    sheets.append(ws, heading(["评审标准类别", "达标等级", "机构数", "应拨金额（元）"]))
    for total in domain.totals_view(sheet):
        amount = sheets.cell(ws, total["amount"], AMOUNT_FORMAT)
        sheets.append(ws, [total["family"], total["tier"], total["facilities"], amount])
    sheets.append(
        ws,
        [
            sheets.cell(ws, "合计", font=bold),
            "",
            sheets.cell(ws, len(sheet.rows), font=bold),
            sheets.cell(ws, sheet.total_yuan, AMOUNT_FORMAT, bold),
        ],
    )
    if sheet.not_reached:
        sheets.append(ws, [f"另有 {sheet.not_reached} 家机构终审结论为未达标，不予奖补。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- downloads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes
    sheet: domain.Sheet


FORMATS = ("pdf", "xlsx")
_SAFE = re.compile(r"[^0-9A-Za-z-]")


def filename(sheet: domain.Sheet, fmt: str) -> str:
    return f"payouts-{sheet.region_code}-{_SAFE.sub('', sheet.period.code)}.{fmt}"


def render(sheet: domain.Sheet, fmt: str) -> Download:
    if fmt == "pdf":
        return Download(filename(sheet, fmt), "application/pdf", pdf(sheet), sheet)
    return Download(filename(sheet, fmt), XLSX_TYPE, xlsx(sheet), sheet)


def sheet_for(
    principal: Principal, region_code: str, period_text: str, fmt: str, now: dt.datetime
) -> Download:
    """The sheet of a region inside the user's own; any other region answers like a missing one."""
    if fmt not in FORMATS or _checked_region(region_code) is None or not principal.sees_region(region_code):
        raise not_found()
    return render(build_sheet(region_code, period_text, now), fmt)
