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
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

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


def rule_text(row: SheetRow) -> str:
    rule = row.rule
    if rule is None:
        return BASIS_LABELS[NO_RULE]
    text = f"{rule.region_code} {rule.amount_yuan:,} {'补差' if rule.top_up else '全额'}"
    return f"{text}（按{row.rule_tier_label}）" if row.rule_tier_label else text


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


# --- preformatted rows for the PDF ---------------------------------------------------------------


# Characters whose width in Noto Sans Mono CJK SC is known: the font has them, at no more than
# the columns `char_width` counts (tests/services/test_outputs.py checks this against the font).
# Printable ASCII; Latin-1 letters and signs; the CJK punctuation, kana, Bopomofo, enclosed and
# compatibility forms; CJK ideographs (basic block and extension A); Hangul syllables; full-width
# forms; and the general punctuation Chinese text uses (dashes, quotes, ellipsis, middle dot).
_KNOWN_WIDTH = re.compile(
    r"[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2016\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2025-\u2027"
    r"\u2030\u2032\u2033\u203b\u2460-\u24ff\u3000-\u303f\u3041-\u30ff\u3105-\u312f"
    r"\u3200-\u32ff\u3400-\u4db5\u4e00-\u9fef\uac00-\ud7a3\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6]*"
)
# Line breaks and other controls would break a preformatted row apart: they show as a space.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@functools.lru_cache(maxsize=65_536)  # a sheet has tens of thousands of rows and a few thousand characters
def char_width(ch: str) -> int:
    """Half-width columns `ch` takes at most in a CJK monospace font: marks and invisible format
    characters none, narrow ones one, everything else two (wide, full-width, and the ambiguous
    ones, which a CJK font draws wide)."""
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) == "Na" and ch not in "\xa2\xa3\xac\xaf":  # those four are wider
        return 1
    return 2


def display_width(text: str) -> int:
    """Columns `text` takes at most in a CJK monospace font."""
    if text.isascii() and text.isprintable():  # digits, codes, amounts: one column each
        return len(text)
    return sum(map(char_width, text))


def known_width(text: str) -> bool:
    """True when every character of `text` is drawn by the monospace font itself, no wider than
    `display_width` counts; otherwise a fallback font may draw some wider."""
    return _KNOWN_WIDTH.fullmatch(text) is not None


def pdf_text(text: str) -> str:
    """User text as a preformatted cell shows it: no bidi controls, and controls (a line break,
    a tab) as spaces, so a row stays one row."""
    return _CONTROLS.sub(" ", display.clean(text))


def wrap(text: str, width: int) -> list[str]:
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    current, used = "", 0
    for ch in text:
        w = char_width(ch)
        if used + w > width and current:
            lines.append(current)
            current, used = "", 0
        current += ch
        used += w
    lines.append(current)
    return lines


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # in half-width columns
    right: bool = False


PDF_COLUMNS = (
    Column("序号", 4, right=True),
    Column("机构名称", 36),
    Column("统一社会信用代码", 18),
    Column("机构类别", 16),
    Column("达标等级", 16),
    Column("适用奖补标准", 34),  # "410000 300,000 补差（按推荐标准）" on one line
    Column("此前已拨", 9, right=True),
    Column("本期应拨", 9, right=True),
    Column("报告编号", 23),
    Column("数据摘要前16位", 16),
)
# The PDF shows a report's SHA-256 by its first 16 hex digits (64 bits: no two reports share them
# by chance), as people compare it; the XLSX of the same rows carries the whole digest. Each row is
# then a fifth shorter, and WeasyPrint's cost is per glyph drawn.
PDF_DIGEST_CHARS = 16
GAP = "  "
# Rows go to the PDF in blocks of five with a rule under each block, as in printed statistical
# tables: WeasyPrint's cost is per box as much as per line, and this is a fifth of the boxes.
ROWS_PER_BLOCK = 5


ROW_COLUMNS = 223  # what an A4 landscape line holds at 7 pt (payouts.html)


def pdf_columns(sheet_rows: Sequence[SheetRow]) -> tuple[Column, ...]:
    """The PDF's columns for these rows: 序号, 报告编号 and 达标等级 widened to their longest
    values while the row still fits the page, so that none wraps a row onto a second line (a
    province passes row 9,999; in a few years, inspection 999,999, whose report numbers are a
    digit longer; a village clinic's tier reads "达标（标准化村卫生室）")."""
    longest = {
        "序号": len(str(max((r.index for r in sheet_rows), default=0))),
        "报告编号": max((len(r.candidate.report_number) for r in sheet_rows), default=0),
        "达标等级": max(map(display_width, {r.candidate.tier_label for r in sheet_rows}), default=0),
    }
    columns = list(PDF_COLUMNS)
    for title, width in longest.items():
        at = next(i for i, c in enumerate(columns) if c.title == title)
        wider = [*columns[:at], replace(columns[at], width=max(columns[at].width, width)), *columns[at + 1 :]]
        if sum(c.width for c in wider) + len(GAP) * (len(wider) - 1) <= ROW_COLUMNS:
            columns = wider
    return tuple(columns)


def text_row(cells: Sequence[str], columns: Sequence[Column] = PDF_COLUMNS) -> str:
    """One table row as lines of fixed-width text; a cell too long for its column wraps."""
    wrapped = [wrap(cell, column.width) for cell, column in zip(cells, columns, strict=True)]
    lines = []
    for n in range(max(len(w) for w in wrapped)):
        parts = []
        for cell_lines, column in zip(wrapped, columns, strict=True):
            text = cell_lines[n] if n < len(cell_lines) else ""
            pad = " " * (column.width - display_width(text))
            parts.append(pad + text if column.right else text + pad)
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def pdf_cells(row: SheetRow) -> list[str]:
    c = row.candidate
    cells = [
        str(row.index),
        c.facility_name,
        c.uscc or "无",
        c.type_name,
        c.tier_label,
        rule_text(row),
        f"{row.paid_before_yuan:,}",
        f"{row.amount_yuan:,}",
        c.report_number,
        c.report_digest[:PDF_DIGEST_CHARS],
    ]
    return [pdf_text(cell) for cell in cells]


def _block(rows: Sequence[SheetRow], columns: Sequence[Column]) -> dict[str, Any]:
    """Up to ROWS_PER_BLOCK rows as one preformatted text. A block with a character the
    monospace font may not draw at the counted width is marked to wrap instead (slower to lay
    out, so only such blocks are): a line that came out too long then wraps rather than being
    cut at the page edge."""
    cells = [pdf_cells(r) for r in rows]
    text = "\n".join(text_row(c, columns) for c in cells)
    return {
        "text": text,
        "lines": text.count("\n") + 1,
        "wrap": not all(known_width(cell) for row in cells for cell in row),
    }


def view(sheet: Sheet) -> dict[str, Any]:
    """The template context of the payout sheet. Its rows are `items`, a block of rows each, the
    first block of a family section carrying the section's heading: a long sheet's pages are
    planned in items (server.reports.paged)."""
    items = []
    columns = pdf_columns(sheet.rows)
    numerals = "一二三四五六七八九"
    for n, family in enumerate(dict.fromkeys(r.candidate.family for r in sheet.rows)):
        rows = [r for r in sheet.rows if r.candidate.family == family]
        heading: dict[str, Any] | None = {
            "title": sheet.family_name(family),
            "numeral": numerals[n] if n < len(numerals) else str(n + 1),
            "count": len(rows),
            "amount": sum(r.amount_yuan for r in rows),
        }
        for i in range(0, len(rows), ROWS_PER_BLOCK):
            items.append({"heading": heading, "block": _block(rows[i : i + ROWS_PER_BLOCK], columns)})
            heading = None
    recorded = sum(1 for r in sheet.rows if r.recorded)
    return {
        "title": title(sheet),
        "sheet": sheet,
        "period": sheet.period,
        "header": text_row([c.title for c in columns], columns),
        "items": items,
        "totals": totals_view(sheet),
        "facilities": len(sheet.rows),
        "recorded": recorded,
        "held_text": held_text(sheet),
    }


def probe_view(sheet: Sheet) -> dict[str, Any]:
    """What the probe of a long sheet's page geometry lays out (server.reports.paged.measure):
    a section heading, and blocks of one and of two lines."""
    columns = pdf_columns(sheet.rows)
    line = text_row([c.title for c in columns], columns)
    family = sheet.rows[0].candidate.family if sheet.rows else ""
    return {
        "heading": {
            "numeral": "一",
            "title": sheet.family_name(family),
            "count": len(sheet.rows),
            "amount": sheet.total_yuan,
        },
        "one": line,
        "two": f"{line}\n{line}",
    }
