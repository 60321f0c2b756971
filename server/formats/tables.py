"""Reading the spreadsheets bureaus upload (CSV UTF-8 or XLSX, header row): the header and the
non-blank rows with their line numbers, and typed, checked access to each row's cells.

Every problem is reported with its line (as the file shows it, the header being line 1), its
column and a reason in Chinese, so a sheet can be fixed in one pass; what a sheet means (regions,
users, payout rules) is for the service reading it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]

from server.domain import regions
from server.domain.errors import DomainError, Problem, pointer
from server.domain.inputs import MAX_INT_DIGITS, parse_date, text_error

FORMATS = (".csv", ".xlsx")

# Cells without a narrower limit (codes looked up, passwords hashed) are still bounded.
MAX_CELL_LENGTH = 256
INT32_MAX = 2**31 - 1  # beds and population are integer columns

_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")

TRUE_WORDS = frozenset({"是", "有", "true", "yes", "y", "1", "√"})
FALSE_WORDS = frozenset({"否", "无", "false", "no", "n", "0", "×"})


@dataclass(frozen=True)
class Column:
    key: str  # the English header, also the field it fills
    label: str  # the Chinese header, used in messages when the file lacks the column
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Sheet:
    header: list[str]  # as written in the file
    rows: list[tuple[int, list[Any]]]  # (line number, cells); blank rows left out


def _unreadable(reason: str) -> DomainError:
    return DomainError("import.unreadable", reason=reason)


def read_sheet(filename: str, data: bytes) -> Sheet:
    """The header and the non-blank rows of a CSV or XLSX file, with their line numbers."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise DomainError(
            "import.unsupported_format",
            suffix=suffix or "无扩展名",
            hint="（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else "",
        )
    if not data.strip():
        raise _unreadable("文件为空")
    table = _read_xlsx(data) if suffix == ".xlsx" else _read_csv(data)
    first = next((i for i, (_, cells) in enumerate(table) if not _blank(cells)), None)
    if first is None:
        raise _unreadable("文件为空")
    header_line, header_cells = table[first]
    if header_line != 1:  # line numbers in messages count the header as line 1
        raise _unreadable(f"表头须在第1行（本文件第{header_line}行才出现表头，请删除上方的空行）")
    header = [cell_text(c) or "" for c in header_cells]
    rows = [(line, cells) for line, cells in table[first + 1 :] if not _blank(cells)]
    if not rows:
        raise DomainError("import.empty")
    return Sheet(header, rows)


def _read_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    if data.startswith(b"PK\x03\x04"):
        raise _unreadable("文件内容是 XLSX（Excel）格式，扩展名却是 .csv：请把扩展名改为 .xlsx")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(
            "CSV 文件不是 UTF-8 编码（可能是 GBK）："
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或直接导入 XLSX 文件"
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for record in reader:
            table.append((start, list(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _unreadable(f"CSV 文件第{reader.line_num}行格式错误（如引号不成对或含有空字符）") from exc
    return table


def _read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            book = load_workbook(io.BytesIO(data), data_only=True)
    except zipfile.BadZipFile as exc:
        raise _unreadable("无法读取 XLSX 文件：文件已损坏或不是 XLSX 格式") from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on a malformed workbook
        raise _unreadable("无法读取 XLSX 文件：内容不完整或含有不支持的格式") from exc
    try:
        if not book.worksheets:
            raise _unreadable("XLSX 文件中没有工作表")
        sheet = book.worksheets[0]
        return [(line, list(values)) for line, values in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def cell_text(value: Any) -> str | None:
    """A cell as trimmed text, None when empty. Whole numbers lose Excel's ".0"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    text = str(value).replace("\ufeff", "").strip()
    return text or None


def _blank(cells: Sequence[Any]) -> bool:
    return all(cell_text(c) is None for c in cells)


def header_key(text: str) -> str:
    """A header as matched against column names: trimmed, without spaces, a trailing * or case."""
    text = text.replace("\ufeff", "").strip().rstrip("*＊").strip()
    return "".join(text.split()).lower()


class RowReport:
    """Every problem of one file, kept in file order."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, Problem]] = []

    def add(self, line: int, order: int, column: str, reason: str) -> None:
        self.items.append((line, order, Problem("import.invalid_row", pointer("rows", line, column), reason)))

    def raise_if_any(self) -> None:
        if self.items:
            problems = [p for _, _, p in sorted(self.items, key=lambda t: (t[0], t[1]))]
            raise DomainError("import.invalid", problems=problems, count=len(problems))


def map_header(sheet: Sheet, columns: Sequence[Column], report: RowReport) -> dict[str, int]:
    """Column key -> cell index; unknown, duplicate and missing required columns are problems."""
    names: dict[str, Column] = {}
    for column in columns:
        for name in (column.key, column.label, *column.aliases):
            names[header_key(name)] = column
    found: dict[str, int] = {}
    for index, text in enumerate(sheet.header):
        if not text:
            continue  # an unnamed column (Excel keeps formatted blank columns) carries nothing
        match = names.get(header_key(text))
        if match is None:
            known = "、".join(c.label for c in columns)
            report.add(1, index, text, f"无法识别的列“{text}”，可用的列：{known}")
        elif match.key in found:
            first = sheet.header[found[match.key]]
            report.add(1, index, text, f"列“{text}”与列“{first}”重复")
        else:
            found[match.key] = index
    for order, column in enumerate(columns):
        if column.required and column.key not in found:
            report.add(1, len(sheet.header) + order, column.label, f"缺少必填列“{column.label}”")
    return found


class ImportRow:
    """One data row: typed access to its cells, every problem reported with line and column."""

    def __init__(
        self,
        line: int,
        cells: list[Any],
        index: dict[str, int],
        sheet: Sheet,
        columns: Sequence[Column],
        report: RowReport,
    ) -> None:
        self.line = line
        self.cells = cells
        self.index = index
        self.sheet = sheet
        self.columns = {c.key: c for c in columns}
        self.report = report
        self.problems = 0

    def column_name(self, key: str) -> str:
        if key in self.index:
            return self.sheet.header[self.index[key]]
        return self.columns[key].label

    def problem(self, key: str, reason: str) -> None:
        self.problems += 1
        self.report.add(self.line, self.index.get(key, 10_000), self.column_name(key), reason)

    def raw(self, key: str) -> Any:
        i = self.index.get(key)
        if i is None or i >= len(self.cells):
            return None
        return self.cells[i]

    def text(self, key: str, required: bool = False, max_length: int | None = None) -> str | None:
        value = cell_text(self.raw(key))
        if value is None:
            if required and key in self.index:  # a missing column is reported once, at the header
                self.problem(key, f"“{self.column_name(key)}”不能为空")
            return None
        reason = text_error(value)
        if reason is not None:
            self.problem(key, reason)
            return None
        limit = MAX_CELL_LENGTH if max_length is None else max_length
        if len(value) > limit:
            self.problem(key, f"不能超过{limit}个字符（现有{len(value)}个）")
            return None
        return value

    def integer(self, key: str, signed: bool = False) -> int | None:
        """A whole number; negative only when `signed` (a count never is)."""
        raw = self.raw(key)
        text = cell_text(raw)
        if text is None:
            return None
        try:
            if isinstance(raw, bool) or len(text) > MAX_INT_DIGITS:
                raise ValueError
            value = int(text.replace(",", "").replace("，", ""))
        except ValueError:
            self.problem(key, f"“{text}”不是整数")
            return None
        if value < 0 and not signed:
            self.problem(key, f"不能为负数（{value}）")
            return None
        if abs(value) > INT32_MAX:
            self.problem(key, f"数值过大（最大 {INT32_MAX}）")
            return None
        return value

    def number(self, key: str, low: float, high: float, what: str) -> float | None:
        """A coordinate within China's range (`what` names it)."""
        value = self.decimal(key)
        if value is not None and not low <= value <= high:
            self.problem(key, f"{what}{cell_text(self.raw(key))}超出中国境内范围（{low:g}～{high:g}）")
            return None
        return value

    def decimal(self, key: str) -> float | None:
        """A finite number (a whole one read as such: "3" is 3)."""
        raw = self.raw(key)
        text = cell_text(raw)
        if text is None:
            return None
        try:
            if isinstance(raw, bool) or len(text) > MAX_INT_DIGITS:
                raise ValueError
            value = float(text.replace(",", "").replace("，", ""))
        except ValueError:
            self.problem(key, f"“{text}”不是数字")
            return None
        if not math.isfinite(value):
            self.problem(key, f"“{text}”不是数字")
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        raw = self.raw(key)
        if isinstance(raw, bool):
            return raw
        text = cell_text(raw)
        if text is None:
            return None
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        self.problem(key, f"“{text}”应填写 是/否（或 true/false、1/0）")
        return None

    def date(self, key: str, required: bool = False) -> dt.date | None:
        """A day: a date cell, or text written 2026-12-10, 2026/12/10 or 2026年12月10日."""
        raw = self.raw(key)
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = self.text(key, required=required)
        if text is None:
            return None
        match = _DAY.fullmatch(text)
        day = None
        if match is not None:
            year, month, date = (int(part) for part in match.groups())
            day = parse_date(f"{year:04d}-{month:02d}-{date:02d}")
        if day is None:
            self.problem(key, f"“{text}”不是日期，应写作 2026-12-10")
        return day

    def region_code(self, key: str, required: bool = True) -> tuple[str, str] | None:
        """(code, level) of a well-formed region code."""
        text = self.text(key, required=required)
        if text is None:
            return None
        try:
            return text, regions.region_level(text)
        except regions.InvalidRegionCode:
            self.problem(key, f"“{text}”不是有效的行政区划代码（应为6位、9位或12位数字）")
            return None


def rows_of(sheet: Sheet, columns: Sequence[Column], report: RowReport) -> list[ImportRow]:
    """Every data row of the sheet, its header mapped onto `columns`."""
    index = map_header(sheet, columns, report)
    return [ImportRow(line, cells, index, sheet, columns, report) for line, cells in sheet.rows]


def problem_location(problem: Problem) -> tuple[str, str]:
    """(line, column) of an import problem's pointer /rows/<line>/<column>."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in problem.pointer.split("/")[1:]]
    if len(parts) >= 3 and parts[0] == "rows":
        return parts[1], "/".join(parts[2:])
    return "", problem.pointer
