"""Payouts (达标奖补): which reward rule applies to a facility, what it is owed, the period a payout
sheet covers, and how the sheet's rows read. Pure: rules, earlier payouts and the facts of each
approved inspection come in as plain values.

Rules are data per region, checklist family and tier, in force from a date (`valid_from`). The rule
that applies is the one of the most specific region containing the facility (county before city
before province) among the rules in force on the payout date, the latest `valid_from` winning.
Tiers are cumulative, so a facility that reached a tier without a rule of its own (社区医院 on top
of 推荐标准, say) is paid by the rule of the highest tier below it that has one.
Sheets match rules through `RuleIndex` (rules by region code, the facility's region chain walked
up), which chooses what the plain scan `select_rule` chooses at a cost that does not grow with the
rules of other regions.

A top-up rule pays only what the facility has not yet received for lower tiers of the same family;
a full rule pays its whole amount; a facility already paid for that tier or a higher one gets 0.

The sheet's PDF rows are preformatted text in a CJK monospace font (full-width characters are two
columns wide): one text box per row instead of one per cell is what lets WeasyPrint lay out a
2,000-row sheet in seconds, and it still reads as a ruled table.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cn2an  # type: ignore[import-untyped]

from server.domain import display, publications, regions
from server.domain.audit import canonical
from server.domain.errors import DomainError

TIER_NONE = "none"

FULL = "full"
TOP_UP = "top_up"
ALREADY_PAID = "already_paid"
NO_RULE = "no_rule"
BASIS_LABELS = {
    FULL: "全额",
    TOP_UP: "补差",
    ALREADY_PAID: "已拨付同级或更高等级，本期不再拨付",
    NO_RULE: "无适用的奖补标准",
}
QUARTERS = ("一", "二", "三", "四")


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str  # "2026", "2026Q4" or "2026-11"
    start: dt.date
    end: dt.date  # the last day, inclusive: also the payout date rules are chosen on
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


_PERIOD = re.compile(r"^(\d{4})(?:[Qq]([1-4])|-(\d{2}))?$")


def parse_period(text: str) -> Period:
    """A year ("2026"), a quarter ("2026Q4") or a month ("2026-11")."""
    match = _PERIOD.match(text.strip())
    year = int(match.group(1)) if match else 0
    if match is None or not 2000 <= year <= 2099:
        raise DomainError("payouts.invalid_period", text=text[:40])
    quarter, month = match.group(2), match.group(3)
    if quarter is not None:
        q = int(quarter)
        start = dt.date(year, 3 * q - 2, 1)
        end = _month_end(year, 3 * q)
        return Period(f"{year}Q{q}", start, end, f"{year}年第{QUARTERS[q - 1]}季度")
    if month is not None:
        m = int(month)
        if not 1 <= m <= 12:
            raise DomainError("payouts.invalid_period", text=text[:40])
        return Period(f"{year}-{m:02d}", dt.date(year, m, 1), _month_end(year, m), f"{year}年{m}月")
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# --- rules and amounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    region_code: str
    family: str
    tier_code: str
    amount_yuan: int
    top_up: bool
    valid_from: dt.date
    note: str | None = None
    id: int | None = None


def select_rule(
    rules: Iterable[Rule], region_code: str, family: str, tier_code: str, on: dt.date
) -> Rule | None:
    """The rule for this tier of this family: most specific region containing the facility's, then
    the latest valid_from not after `on`."""
    best: Rule | None = None
    best_key: tuple[int, dt.date] | None = None
    for rule in rules:
        if rule.family != family or rule.tier_code != tier_code or rule.valid_from > on:
            continue
        if not regions.contains(rule.region_code, region_code):
            continue
        key = (len(regions.scope_prefix(rule.region_code)), rule.valid_from)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def payable_rule(
    rules: Sequence[Rule], region_code: str, family: str, reached: str, tier_order: Sequence[str], on: dt.date
) -> Rule | None:
    """The rule of the highest tier reached that has one (tiers are cumulative)."""
    if reached not in tier_order:
        return None
    for tier_code in reversed(tier_order[: tier_order.index(reached) + 1]):
        rule = select_rule(rules, region_code, family, tier_code, on)
        if rule is not None:
            return rule
    return None


class RuleIndex:
    """The rules by (region, family, tier), each list sorted by valid_from: the rule for a facility
    is found by walking its region's chain up (village, township, county, city, province) and
    looking each region up, so the cost per facility does not depend on how many rules other
    regions have. Chooses exactly what `select_rule` and `payable_rule` choose.

    `probes` counts the lookups made, for tests and benchmarks."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        grouped: dict[tuple[str, str, str], list[tuple[dt.date, int, Rule]]] = {}
        for n, rule in enumerate(rules):
            # among rules of one region and date the first given wins, as in select_rule
            grouped.setdefault((rule.region_code, rule.family, rule.tier_code), []).append(
                (rule.valid_from, -n, rule)
            )
        self._rules: dict[tuple[str, str, str], tuple[list[dt.date], list[Rule]]] = {}
        for key, found in grouped.items():
            found.sort(key=lambda item: (item[0], item[1]))
            self._rules[key] = ([day for day, _, _ in found], [rule for _, _, rule in found])
        self._chains: dict[str, tuple[str, ...]] = {}
        self.probes = 0

    def chain(self, region_code: str) -> tuple[str, ...]:
        """The region and the regions containing it, most specific first."""
        found = self._chains.get(region_code)
        if found is None:
            codes = [region_code]
            while (parent := regions.parent_code(codes[-1])) is not None:
                codes.append(parent)
            found = self._chains[region_code] = tuple(codes)
        return found

    def select(self, region_code: str, family: str, tier_code: str, on: dt.date) -> Rule | None:
        for code in self.chain(region_code):
            self.probes += 1
            entry = self._rules.get((code, family, tier_code))
            if entry is None:
                continue
            days, rules = entry
            at = bisect.bisect_right(days, on)
            if at:
                return rules[at - 1]
        return None

    def payable(
        self, region_code: str, family: str, reached: str, tier_order: Sequence[str], on: dt.date
    ) -> Rule | None:
        if reached not in tier_order:
            return None
        for tier_code in reversed(tier_order[: tier_order.index(reached) + 1]):
            rule = self.select(region_code, family, tier_code, on)
            if rule is not None:
                return rule
        return None


@dataclass(frozen=True)
class Paid:
    """A payout already recorded for the same facility and family."""

    tier_code: str
    amount_yuan: int


@dataclass(frozen=True)
class Due:
    amount_yuan: int
    basis: str  # FULL, TOP_UP, ALREADY_PAID or NO_RULE
    paid_before_yuan: int


def amount_due(rule: Rule | None, tier_order: Sequence[str], paid: Sequence[Paid]) -> Due:
    paid_before = sum(p.amount_yuan for p in paid)
    if rule is None:
        return Due(0, NO_RULE, paid_before)
    rank = {code: i for i, code in enumerate(tier_order)}
    target = rank.get(rule.tier_code, len(tier_order))
    if any(p.amount_yuan > 0 and rank.get(p.tier_code, -1) >= target for p in paid):
        return Due(0, ALREADY_PAID, paid_before)
    if rule.top_up:
        return Due(max(0, rule.amount_yuan - paid_before), TOP_UP, paid_before)
    return Due(rule.amount_yuan, FULL, paid_before)


# --- the sheet -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A facility's latest approved inspection of one family in the period, with its report."""

    facility_id: int
    facility_name: str
    uscc: str | None
    type_code: str
    type_name: str
    region_code: str
    family: str
    inspection_id: int
    approved_on: dt.date
    tier_code: str
    tier_label: str
    tier_order: tuple[str, ...]
    tier_labels: Mapping[str, str]
    report_number: str
    report_digest: str
    licence_no: str | None = None  # shown where there is no USCC (a village clinic)


@dataclass(frozen=True)
class Recorded:
    """The payout already recorded for this very report of this inspection."""

    amount_yuan: int
    rule: Rule | None


@dataclass(frozen=True)
class SheetRow:
    index: int
    candidate: Candidate
    rule: Rule | None
    rule_tier_label: str | None
    paid_before_yuan: int
    amount_yuan: int
    basis: str
    recorded: bool

    @property
    def paid_tier_code(self) -> str:
        return self.rule.tier_code if self.rule is not None else self.candidate.tier_code


@dataclass(frozen=True)
class TierTotal:
    family: str
    tier_code: str
    tier_label: str
    facilities: int
    amount_yuan: int


@dataclass(frozen=True)
class Held:
    """A result the sheet leaves out until its publication (公示) is done, where the region requires
    it: why, as a server.domain.publications.HOLDS code."""

    candidate: Candidate
    reason: str


@dataclass(frozen=True)
class Sheet:
    region_code: str
    region_name: str
    region_path: str
    period: Period
    generated_at: str
    rows: tuple[SheetRow, ...]
    totals: tuple[TierTotal, ...]
    total_yuan: int
    not_reached: int  # approved in the period without reaching any tier: no payout
    family_names: Mapping[str, str]  # code -> Chinese name, in the registry's order
    held: tuple[Held, ...] = ()  # results left out until their publication is done
    digest: str = field(default="")
    issuer: str = ""  # who issues the sheet: the region's health bureau (server.domain.regions)
    # the names of the regions the sheet names: its counties (and their cities), and its rules'
    region_names: Mapping[str, str] = field(default_factory=dict)

    def family_name(self, code: str) -> str:
        return self.family_names.get(code, code)


def build_rows(
    candidates: Sequence[Candidate],
    rules: Sequence[Rule] | RuleIndex,
    paid: Mapping[tuple[int, str], Sequence[tuple[int, str, Paid]]],
    recorded: Mapping[tuple[int, str], Recorded],
    on: dt.date,
    family_order: Sequence[str],
) -> list[SheetRow]:
    """Rows in sheet order (family in `family_order`, region, facility). `paid` holds every
    recorded payout per (facility, family) as (inspection, report digest, paid); the one of the
    row's own report is left out of what was paid before it. `recorded` holds those by
    (inspection, report digest)."""
    order = {family: i for i, family in enumerate(family_order)}
    matcher = rules if isinstance(rules, RuleIndex) else RuleIndex(rules)
    ordered = sorted(
        (c for c in candidates if c.tier_code != TIER_NONE),
        key=lambda c: (
            order.get(c.family, len(order)),
            c.family,
            c.region_code,
            _natural(c.facility_name),
            c.facility_id,
        ),
    )
    rows = []
    for index, c in enumerate(ordered, 1):
        own = (c.inspection_id, c.report_digest)
        before = [p for i, d, p in paid.get((c.facility_id, c.family), ()) if (i, d) != own]
        earlier = recorded.get(own)
        if earlier is not None:
            rule = earlier.rule
            due = Due(
                earlier.amount_yuan, _basis(rule, earlier.amount_yuan), sum(p.amount_yuan for p in before)
            )
        else:
            rule = matcher.payable(c.region_code, c.family, c.tier_code, c.tier_order, on)
            due = amount_due(rule, c.tier_order, before)
        rule_label = None
        if rule is not None and rule.tier_code != c.tier_code:
            rule_label = c.tier_labels.get(rule.tier_code, rule.tier_code)
        rows.append(
            SheetRow(
                index,
                c,
                rule,
                rule_label,
                due.paid_before_yuan,
                due.amount_yuan,
                due.basis,
                earlier is not None,
            )
        )
    return rows


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts 第2号 before 第10号."""
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text) if part)


def _basis(rule: Rule | None, amount: int) -> str:
    if rule is None:
        return NO_RULE
    if amount == 0:
        return ALREADY_PAID
    return TOP_UP if rule.top_up else FULL


def tier_totals(rows: Sequence[SheetRow], family_order: Sequence[str]) -> list[TierTotal]:
    """Facilities and amounts per family and reached tier: families in sheet order, tiers in
    checklist order."""
    order = {family: i for i, family in enumerate(family_order)}
    totals: dict[tuple[str, str], TierTotal] = {}
    ranks: dict[tuple[str, str], tuple[int, str, int]] = {}
    for row in rows:
        c = row.candidate
        key = (c.family, c.tier_code)
        old = totals.get(key, TierTotal(c.family, c.tier_code, c.tier_label, 0, 0))
        totals[key] = TierTotal(
            c.family, c.tier_code, old.tier_label, old.facilities + 1, old.amount_yuan + row.amount_yuan
        )
        tier_rank = c.tier_order.index(c.tier_code) if c.tier_code in c.tier_order else len(c.tier_order)
        ranks.setdefault(key, (order.get(c.family, len(order)), c.family, tier_rank))
    return [totals[key] for key in sorted(totals, key=lambda k: (*ranks[k], k[1]))]


def sheet_digest(sheet: Sheet) -> str:
    """SHA-256 over what the sheet pays: the same in the PDF and the XLSX, so either can be checked."""
    payload = {
        "region": sheet.region_code,
        "period": sheet.period.code,
        "rows": [
            [
                r.index,
                r.candidate.facility_id,
                r.candidate.family,
                r.candidate.tier_code,
                r.paid_tier_code,
                r.amount_yuan,
                r.candidate.report_number,
                r.candidate.report_digest,
            ]
            for r in sheet.rows
        ],
        "total": sheet.total_yuan,
    }
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


def held_counts(sheet: Sheet) -> dict[str, int]:
    """The results held back, counted by why (publications.HOLDS order)."""
    counts = {code: 0 for code in publications.HOLDS}
    for held in sheet.held:
        counts[held.reason] += 1
    return {code: n for code, n in counts.items() if n}


def held_text(sheet: Sheet) -> str:
    return publications.held_text(held_counts(sheet))


def rule_text(row: SheetRow, region_names: Mapping[str, str]) -> str:
    """The rule a row is paid by, as people read it: "开封市 基本标准 150,000 元，补差" (the rule's
    own tier, which is lower than the one reached where 补差 pays by a lower tier)."""
    rule = row.rule
    if rule is None:
        return BASIS_LABELS[NO_RULE]
    tier = row.rule_tier_label or row.candidate.tier_labels.get(rule.tier_code, rule.tier_code)
    kind = "补差" if rule.top_up else "全额"
    return f"{region_names.get(rule.region_code, rule.region_code)} {tier} {rule.amount_yuan:,} 元，{kind}"


def remark(row: SheetRow) -> str:
    if row.basis == TOP_UP and row.rule is not None:
        if not row.paid_before_yuan:
            return "补差规则，此前未拨付"
        text = f"补差：{row.rule.amount_yuan:,} − 已拨付 {row.paid_before_yuan:,}"
        return text if row.amount_yuan else f"{text}，无需补发"
    return BASIS_LABELS[row.basis]


def title(sheet: Sheet) -> str:
    return f"{sheet.region_name}{sheet.period.label}达标奖补资金分配表"


def totals_view(sheet: Sheet) -> list[dict[str, Any]]:
    return [
        {
            "family": sheet.family_name(t.family),
            "tier": t.tier_label,
            "facilities": t.facilities,
            "amount": t.amount_yuan,
        }
        for t in sheet.totals
    ]


# --- the PDF's table ------------------------------------------------------------------------------
#
# The sheet's PDF is a table: a section per checklist family, in it a table per county with its
# subtotal, then the totals, the grand total in words and the signatures (payouts.html). A province
# has 50,000 rows, and WeasyPrint's cost is per table cell laid out (about a millisecond), so rows
# whose every value fits its column on one line share table rows, ROWS_PER_BLOCK to one: each cell
# holds their values a line each, every line of the same height and ruled under it, which reads as
# a row each. Whether a value fits is measured on the font itself (`Measure`,
# server/reports/fonts.py), with slack; a row with a value that does not fit, or with a character
# the font lacks, is a table row of its own, where the long value wraps. Column widths follow the
# sheet's longest values (`pdf_layout`). Pages are planned row by row (server.reports.paged), and
# the rows of a page are joined into table rows after (`pdf_groups`), so a page fills to its end.

PDF_FONT_PT = 9.0  # every value and heading: at least 9 pt, to be read on paper
PDF_LINE_PT = 12.0  # the height of a line, fixed so that the rules under the lines meet the rows
PDF_WIDTH_MM = 285.0  # A4 landscape less its 6 mm side margins (payouts.html)
CELL_MM = 1.8  # a cell's padding and rule beside its text (payouts.html: 0.8 mm each side, 0.2 rule)
FIT_SLACK = 0.96  # a value fits when measured this much narrower than its room: kerning, rounding
ROUNDING_MM = 0.1  # widths are written to 0.01 mm: the longest value still fits its column
ROWS_PER_BLOCK = 10  # rows to a table row: 10 lays a province's sheet out in 11 % less time than 5

# a text's width in mm at PDF_FONT_PT; None where the font lacks one of its characters
Measure = Callable[[str], "float | None"]


@dataclass(frozen=True)
class PdfColumn:
    key: str
    title: str
    least_mm: float  # never narrower
    most_mm: float  # never wider (the name takes what the others leave)
    right: bool = False


PDF_COLUMNS = (
    PdfColumn("index", "序号", 9, 14, right=True),
    PdfColumn("name", "机构名称", 40, 120),
    PdfColumn("code", "统一社会信用代码或执业许可证登记号", 30, 50),
    PdfColumn("tier", "达标等级", 16, 40),
    PdfColumn("rule", "奖补标准", 34, 76),
    PdfColumn("due", "本期应拨（元）", 17, 26, right=True),
    PdfColumn("report", "评审报告编号", 30, 48),
)
NAME = 1  # the column that takes the room the others leave


@dataclass(frozen=True)
class PdfLayout:
    widths: tuple[float, ...]  # mm, in PDF_COLUMNS order; they add up to PDF_WIDTH_MM

    def room(self, column: int) -> float:
        """The width a value of the column has, in mm, with the slack taken off."""
        return (self.widths[column] - CELL_MM) * FIT_SLACK


def pdf_cells(row: SheetRow, region_names: Mapping[str, str]) -> tuple[str, ...]:
    """A row's values in PDF_COLUMNS order. A village clinic without a USCC shows its licence
    number; a top-up after an earlier payment says what was paid; a line break or tab in a name
    shows as a space, so a value stays one value."""
    c = row.candidate
    rule = rule_text(row, region_names)
    if row.paid_before_yuan:
        rule = f"{rule}，已拨 {row.paid_before_yuan:,}"
    values = (
        str(row.index),
        c.facility_name,
        c.uscc or c.licence_no or "—",
        c.tier_label,
        rule,
        f"{row.amount_yuan:,}",
        c.report_number,
    )
    return tuple(_CONTROLS.sub(" ", display.clean(v)) for v in values)


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def pdf_layout(cells: Iterable[Sequence[str]], measure: Measure) -> PdfLayout:
    """Column widths for these rows: each column but the name as wide as its longest value
    (within its bounds), the name the rest; where that leaves the name less than its least, the
    rule column gives way first, then the others, down to their least."""
    longest = [column.least_mm for column in PDF_COLUMNS]
    for row in cells:
        for n, value in enumerate(row):
            if n != NAME:
                width = measure(value)
                if width is not None and width / FIT_SLACK + CELL_MM + ROUNDING_MM > longest[n]:
                    longest[n] = width / FIT_SLACK + CELL_MM + ROUNDING_MM
    widths = [min(max(w, c.least_mm), c.most_mm) for w, c in zip(longest, PDF_COLUMNS, strict=True)]
    widths[NAME] = 0.0
    short = PDF_COLUMNS[NAME].least_mm - (PDF_WIDTH_MM - sum(widths))
    for n in (4, 2, 6, 3, 5, 0):  # rule, code, report, tier, due, index
        if short <= 0:
            break
        give = min(short, widths[n] - PDF_COLUMNS[n].least_mm)
        widths[n] -= give
        short -= give
    widths = [round(w, 2) for w in widths]
    widths[NAME] = round(PDF_WIDTH_MM - sum(widths), 2)
    return PdfLayout(tuple(widths))


EM_MM = PDF_FONT_PT * 25.4 / 72  # a full-width character


def _lines_of(value: str, room: float, measure: Measure) -> int:
    """Lines a value may take in its column, counted high: a character the font lacks as a full
    em, a fifth more for where lines break, and a line more."""
    width = measure(value)
    if width is None:
        width = len(value) * EM_MM
    if width <= room:
        return 1
    return math.ceil(width * 1.2 / room) + 1


@dataclass(frozen=True)
class PdfBlock:
    """Table rows of the PDF: `cells` holds each column's values, one per line. A block of
    several rows has one line per row; a single row may wrap, up to `lines` counted high."""

    cells: tuple[str, ...]
    rows: int
    lines: int
    single: bool  # a row of its own, whose values wrap
    subtotal: bool = False


@dataclass(frozen=True)
class PdfItem:
    """One block, with the section title (a family) and heading (a county) that come before it."""

    block: PdfBlock
    title: str | None = None
    heading: str | None = None


def _blocks(cells: Sequence[tuple[str, ...]], layout: PdfLayout, measure: Measure) -> list[PdfBlock]:
    """A block per row: of one line where every value fits its column, else a row of its own with
    the lines it may take. The page's rows are joined into blocks of ROWS_PER_BLOCK afterwards
    (`pdf_groups`), once the pages are planned row by row."""
    blocks: list[PdfBlock] = []
    for row in cells:
        fits = True
        for n, value in enumerate(row):
            width = measure(value)
            if width is None or width > layout.room(n):
                fits = False
                break
        if fits:
            blocks.append(PdfBlock(row, 1, 1, single=False))
        else:
            lines = max(_lines_of(v, layout.room(n), measure) for n, v in enumerate(row))
            blocks.append(PdfBlock(row, 1, lines, single=True))
    return blocks


def _joined(rows: Sequence[PdfBlock]) -> PdfBlock:
    """Rows of one line as one table row: each column's values a line each."""
    if len(rows) == 1:
        return rows[0]
    cells = tuple("\n".join(r.cells[n] for r in rows) for n in range(len(PDF_COLUMNS)))
    return PdfBlock(cells, len(rows), len(rows), single=False)


NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    return NUMERALS[n] if n < len(NUMERALS) else str(n + 1)


@dataclass(frozen=True)
class County:
    """A county's rows in a family's section of the sheet, and its subtotal."""

    family: str
    name: str
    rows: tuple[SheetRow, ...]

    @property
    def amount_yuan(self) -> int:
        return sum(r.amount_yuan for r in self.rows)


def counties_of(sheet: Sheet) -> list[County]:
    """The sheet's rows by family (in sheet order), then by the county they are in: the PDF's
    sections and the subtotals both files show."""
    groups: list[tuple[str, str, list[SheetRow]]] = []
    for row in sheet.rows:  # sorted by family, then region
        family, county = row.candidate.family, row.candidate.region_code[:6]
        if not groups or groups[-1][:2] != (family, county):
            groups.append((family, county, []))
        groups[-1][2].append(row)
    return [
        County(family, county_label(county, sheet.region_names, sheet.region_code), tuple(rows))
        for family, county, rows in groups
    ]


def county_totals(sheet: Sheet, counties: Sequence[County] | None = None) -> list[dict[str, Any]]:
    """The subtotal of each county (`counties`, when the caller has them: counties_of(sheet))."""
    return [
        {
            "family": sheet.family_name(c.family),
            "county": c.name,
            "facilities": len(c.rows),
            "amount": c.amount_yuan,
        }
        for c in (counties_of(sheet) if counties is None else counties)
    ]


def pdf_items(
    sheet: Sheet, measure: Measure, counties: Sequence[County] | None = None
) -> tuple[PdfLayout, list[PdfItem]]:
    """The PDF's table in items (a long sheet's pages are planned in them, server.reports.paged)
    and its column widths: a section per family, in it a table per county with its subtotal."""
    counties = counties_of(sheet) if counties is None else counties
    families: dict[str, tuple[int, int]] = {}  # facilities and amount of each family
    for c in counties:
        n, due = families.get(c.family, (0, 0))
        families[c.family] = (n + len(c.rows), due + c.amount_yuan)
    names = sheet.region_names
    measure = functools.lru_cache(maxsize=4096)(measure)  # tiers, rules and amounts repeat
    cells = {id(r): pdf_cells(r, names) for r in sheet.rows}
    layout = pdf_layout(cells.values(), measure)
    items: list[PdfItem] = []
    section: str | None = None
    title: str | None = None
    n = 0
    for county in counties:
        if county.family != section:
            section = county.family
            count, due = families[section]
            numeral = _numeral(list(families).index(section))
            title = f"{numeral}、{sheet.family_name(section)}（{count:,} 家，应拨 {due:,} 元）"
            n = 0
        heading: str | None = f"（{_numeral(n)}）{county.name}"
        n += 1
        for block in _blocks([cells[id(r)] for r in county.rows], layout, measure):
            items.append(PdfItem(block, title, heading))
            title = heading = None
        subtotal = (
            "",
            f"{county.name}小计：{len(county.rows):,} 家",
            "",
            "",
            "",
            f"{county.amount_yuan:,}",
            "",
        )
        items.append(PdfItem(PdfBlock(subtotal, 1, 1, single=False, subtotal=True)))
    return layout, items


def pdf_groups(items: Sequence[PdfItem]) -> list[dict[str, Any]]:
    """Items as the template's tables: a new table at each title or heading (and at the start,
    which on a planned page other than the first continues a county), its rows of one line
    joined ROWS_PER_BLOCK to a table row (a table row costs WeasyPrint per cell, a line little)."""
    groups: list[dict[str, Any]] = []
    run: list[PdfBlock] = []

    def flush() -> None:
        if run:
            groups[-1]["blocks"].append({"block": _joined(run), "id": None})
            run.clear()

    for item in items:
        if item.title or item.heading or not groups:
            flush()
            groups.append({"title": item.title, "heading": item.heading, "blocks": []})
        block = item.block
        if block.single or block.subtotal:
            flush()
            groups[-1]["blocks"].append({"block": block, "id": None})
            continue
        run.append(block)
        if len(run) == ROWS_PER_BLOCK:
            flush()
    flush()
    return groups


def county_label(county: str, names: Mapping[str, str], sheet_region: str) -> str:
    """A county as the sheet names it: with its city on a province's sheet (开封市通许县)."""
    name = names.get(county, county)
    if regions.region_level(sheet_region) == "province" and regions.region_level(county) == "county":
        city = regions.city_code(county)
        return f"{names.get(city, city)}{name}"
    return name


def view(sheet: Sheet, measure: Measure) -> dict[str, Any]:
    """The template context of the payout sheet (payouts.html)."""
    counties = counties_of(sheet)
    layout, items = pdf_items(sheet, measure, counties)
    return {
        "title": title(sheet),
        "sheet": sheet,
        "period": sheet.period,
        "rule_widths": ",".join(f"{w:g}" for w in layout.widths),  # the rules' image (payouts.html)
        "line_pt": f"{PDF_LINE_PT:g}",
        "columns": [
            {"title": c.title, "width": w, "right": c.right}
            for c, w in zip(PDF_COLUMNS, layout.widths, strict=True)
        ],
        "items": items,
        "totals": totals_view(sheet),
        "counties": county_totals(sheet, counties),
        "facilities": len(sheet.rows),
        "recorded": sum(1 for r in sheet.rows if r.recorded),
        "held_text": held_text(sheet),
        "capital": capital_yuan(sheet.total_yuan),
    }


def probe_items(context: Mapping[str, Any]) -> dict[str, Any]:
    """What the probe of a long sheet's page geometry lays out (server.reports.paged.measure): a
    block of one line and one of two, with the sheet's own title, heading and columns."""
    first: PdfItem = context["items"][0]
    one = tuple("0" for _ in PDF_COLUMNS)
    return {
        "title": first.title or "",
        "heading": first.heading or "",
        "one": PdfBlock(one, 1, 1, single=False),
        "two": PdfBlock(tuple(f"{v}\n{v}" for v in one), 2, 2, single=False),
    }


# --- amounts in words ----------------------------------------------------------------------------


def capital_yuan(amount: int) -> str:
    """An amount of yuan in Chinese capital numerals, as a finance office writes it on a
    payment document: 贰拾万元整."""
    return str(cn2an.an2cn(amount, "rmb"))
