"""The payout rules sheet (奖补标准) a bureau uploads, CSV or XLSX: its columns, and each row read
into a rule with every problem reported against its line and column. Whether a rule's region
exists or repeats another rule is for the service to check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from server.domain import payouts as domain
from server.domain.families import Families
from server.domain.inputs import date_ok
from server.formats.tables import Column, ImportRow, RowReport, read_sheet, rows_of

MAX_AMOUNT_YUAN = 10**10

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


def read_rules(
    filename: str, data: bytes, tiers: dict[str, dict[str, str]], families: Families
) -> tuple[RowReport, list[tuple[ImportRow, domain.Rule]]]:
    """Each well-formed row of the file as a rule; `tiers` (family -> tier code -> label) are the
    tiers the loaded checklists know, `families` the registry a row's family is looked up in (by
    code, name or alias). Problems go to the report, which the caller raises once it has added
    its own."""
    sheet = read_sheet(filename, data)
    report = RowReport()
    read: list[tuple[ImportRow, domain.Rule]] = []
    for row in rows_of(sheet, RULE_COLUMNS, report):
        region = row.region_code("region_code")
        family = _family(row, families)
        tier = _tier(row, family, tiers, families)
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
        read.append((row, domain.Rule(region[0], family, tier, amount, top_up, valid_from, note)))
    return report, read


def _family(row: ImportRow, families: Families) -> str | None:
    text = row.text("family", required=True)
    if text is None:
        return None
    family = families.lookup(text)
    if family is None:
        row.problem("family", f"未知的标准类别“{text}”，应为：{families.listing()}")
    return family


def _tier(
    row: ImportRow, family: str | None, tiers: dict[str, dict[str, str]], families: Families
) -> str | None:
    text = row.text("tier", required=True)
    if text is None or family is None:
        return None
    known = tiers.get(family)
    if not known:
        row.problem("tier", f"尚未加载“{families.name(family)}”类的评审标准，无法核对等级")
        return None
    by_label = {label: code for code, label in known.items()}
    code = text if text in known else by_label.get(text)
    if code is None:
        listed = "、".join(f"{c}（{label}）" for c, label in known.items())
        row.problem("tier", f"“{families.name(family)}”没有等级“{text}”，应为：{listed}")
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
