"""The payout sheet (奖补资金分配表) at several sizes, up to a province's: build it, write the XLSX
and the PDF, each with its wall and CPU time and the peak memory (PSS) of the process with its PDF
part renderers (server.reports.paged), as `Tree` samples them.

Each size gets a fresh SQLite database filled with bulk inserts (executemany): a province with
17 cities of 10 counties, 300 facilities to a county in order (PER_COUNTY: 2,000 rows are seven
counties, 50,000 nearly all), each with a final-approved inspection with its stored report, as
after a year of work, and default rules for every city and county (about 935 rules, as the
province load had 905). Each size runs in a child process of its own. Sizes:
DABIAO_BENCH_PAYOUT_SIZES (default 500,2000,8000,50000), to show how the PDF's time grows with
its rows.

The PDF is made as the job makes it (in parts, in child processes). Up to 2,500 rows it is also
made as one WeasyPrint document, as a short sheet is, and so is the baseline beside it: the sheet
as it was printed before it became a table, lines of monospaced text (bench/monospace.py).

Targets (issues 14 and 17): at 50,000 rows XLSX under 30 s, PDF under 2 minutes and 500 MB;
2,000 rows under 10 s, as the monospaced sheet managed; the time a row about the same at every
size.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

SIZES = tuple(int(n) for n in os.environ.get("DABIAO_BENCH_PAYOUT_SIZES", "500,2000,8000,50000").split(","))
CITIES = 17
COUNTIES = 10
PER_COUNTY = 300  # facilities of a county, counties filled in order: 2,000 rows are 7 counties


def populate(size: int) -> None:
    """The regions, facilities, approved inspections, status changes and reports, in bulk."""
    from sqlalchemy import insert

    from server.db.models import Facility, Inspection, Region, Report, StatusChange, User
    from server.extensions import db
    from server.services import reports

    regions = [{"code": "410000", "name": "河南省", "level": "province", "parent_code": None}]
    counties = []
    for c in range(1, CITIES + 1):
        city = f"41{c:02d}00"
        regions.append({"code": city, "name": f"第{c}市", "level": "city", "parent_code": "410000"})
        for k in range(1, COUNTIES + 1):
            county = f"41{c:02d}{k:02d}"
            counties.append(county)
            regions.append(
                {"code": county, "name": f"第{c}市第{k}县", "level": "county", "parent_code": city}
            )
    db.session.execute(insert(Region), regions)
    db.session.execute(
        insert(User),
        [
            {
                "id": 1,
                "username": "admin",
                "display_name": "管理员",
                "password_hash": "!",
                "role": "admin",
                "region_code": "410000",
            }
        ],
    )
    approved_at = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
    batch = 5000
    for first in range(1, size + 1, batch):
        ids = range(first, min(first + batch, size + 1))
        facilities, inspections, changes, stored = [], [], [], []
        for n in ids:
            county = counties[(n - 1) // PER_COUNTY % len(counties)]
            facilities.append(
                {
                    "id": n,
                    "name": f"基准卫生院{n:05d}" + ("（名称较长的社区卫生服务中心）" if n % 11 == 0 else ""),
                    "type_code": "C220",
                    "region_code": county,
                    "beds": 10,
                    "facts": {},
                    "uscc": None,
                }
            )
            inspections.append(
                {
                    "id": n,
                    "facility_id": n,
                    "region_code": county,
                    "checklist_id": "qs-2023-sample",
                    "checklist_version": 1,
                    "kind": "county_inspection",
                    "status": "approved",
                    "inspection_date": approved_at.date(),
                    "created_by": 1,
                }
            )
            changes.append(
                {
                    "id": n,
                    "inspection_id": n,
                    "action": "approve",
                    "from_status": "city_review",
                    "to_status": "approved",
                    "actor_id": 1,
                    "created_at": approved_at,
                }
            )
            digest = hashlib.sha256(f"{n}".encode()).hexdigest()
            tier = ("basic", "recommended", "community_hospital")[n % 3]
            stored.append(
                {
                    "inspection_id": n,
                    "number": f"DB-{county}-{n:06d}-{digest[:6].upper()}",
                    "code": digest[:16],
                    "snapshot_sha256": digest,
                    # the fingerprint of an inspection whose only change is its approval
                    "fingerprint": reports.fingerprint_of(n, "approved", 1, (0, 0, 0, 0, 1, n, 0, 0)),
                    "snapshot_key": "-",
                    "pdf_key": "-",
                    "pdf_sha256": "0" * 64,
                    "pdf_size": 1,
                    "facility_name": "-",
                    "tier_code": tier,
                    "tier_label": {"basic": "基本标准", "recommended": "推荐标准"}.get(
                        tier, "社区医院基本标准"
                    ),
                    "created_at": approved_at,
                }
            )
        for model, rows in (
            (Facility, facilities),
            (Inspection, inspections),
            (StatusChange, changes),
            (Report, stored),
        ):
            db.session.execute(insert(model), rows)
    db.session.commit()


class Tree:
    """This process and every process below it (the PDF's fork server and part renderers),
    sampled from /proc every 0.1 s; `mark()` starts a new phase.

    Memory is the sum of the processes' proportional set sizes (PSS, smaps_rollup): a page that
    several processes share (the libraries, the mapped CJK font files, what the renderers share
    with the fork server they come from) counts once in all, as the machine pays for it. A sum
    of resident sizes would count it once per process. CPU is this process's own time plus each
    other process's last sampled time (the renderers are the fork server's children, so they are
    not in this process's RUSAGE_CHILDREN)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()  # another process: its tree, without this one's own CPU
        self.peak = 0
        self._others: dict[int, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _below(pid: int) -> list[int]:
        found = []
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    found += [int(child), *Tree._below(int(child))]
        except (OSError, ValueError):
            pass
        return found

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            return int(next(ln.split()[1] for ln in rollup.splitlines() if ln.startswith("Pss:")))
        except (OSError, StopIteration, ValueError):
            return 0

    @staticmethod
    def _cpu_s(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / Tree.TICK  # utime, stime
        except (OSError, IndexError, ValueError):
            return None

    def _take(self) -> int:
        below = self._below(self.root)
        kb = self._pss_kb(self.root) + sum(self._pss_kb(pid) for pid in below)
        with self._lock:
            for pid in below:
                used = self._cpu_s(pid)
                if used is not None:
                    self._others[pid] = used
        return kb // 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._take())

    def cpu(self) -> float:
        self._take()
        own = resource.getrusage(resource.RUSAGE_SELF)
        with self._lock:
            return own.ru_utime + own.ru_stime + sum(self._others.values())

    def mark(self) -> int:
        peak, self.peak = self.peak, self._take()
        return peak

    def stop(self) -> None:
        self._stop.set()


def pages_of(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), "0"))


def xlsx_per_cell(sheet: Any, out: BinaryIO) -> None:
    """The baseline for the XLSX: the sheet's rows written as before, every value through
    `cells.cell` (a cell object and its number format looked up for each value)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    from server.formats import cells, payout_sheet

    book = Workbook(write_only=True)
    ws = book.create_sheet("奖补资金分配表")
    for row in sheet.rows:
        values = payout_sheet.xlsx_row(sheet, row)
        values[payout_sheet.DATE_COLUMN] = cells.cell(ws, values[payout_sheet.DATE_COLUMN], "yyyy-mm-dd")
        for i in payout_sheet.AMOUNT_COLUMNS:
            values[i] = cells.cell(ws, values[i], payout_sheet.AMOUNT_FORMAT)
        cells.append(ws, values)
    book.save(out)


def child(size: int, tmp: Path) -> dict[str, object]:
    """One size, in this (child) process: populate, then build, XLSX and PDF, timed, each with the
    peak PSS of this process and its part renderers. At 2,000 rows and below, the PDF is made both
    ways: in parts in child processes, and as the one document that short sheets stay."""
    from flask_migrate import upgrade

    from bench import monospace
    from bench.sync import settings
    from server import create_app
    from server.db.models import PayoutRule
    from server.extensions import db
    from server.services import checklists, payouts
    from server.settings import PROJECT_ROOT

    app = create_app(settings(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}", "s" * 48))
    phases: dict[str, object] = {}

    def timed(name: str, work: Callable[[], object]) -> None:
        tree.mark()
        started, cpu_started = time.perf_counter(), tree.cpu()
        work()
        phases[name] = (time.perf_counter() - started, tree.cpu() - cpu_started, tree.mark())

    with app.app_context():
        upgrade()
        checklists.sync_published(PROJECT_ROOT / "checklists")
        started = time.perf_counter()
        populate(size)
        for c in range(1, CITIES + 1):
            payouts.default_rules(f"41{c:02d}00", actor="bench")
            for k in range(1, COUNTIES + 1):
                payouts.default_rules(f"41{c:02d}{k:02d}", dt.date(2020 + k % 5, 1, 1), actor="bench")
        rules = db.session.query(PayoutRule).count()
        setup = time.perf_counter() - started
        tree = Tree()
        holder: list[Any] = []
        timed("build", lambda: holder.append(payouts.build_sheet("410000", "2026", dt.datetime.now(dt.UTC))))
        rows = len(holder[0].rows)

        def write(name: str, writer: Callable[..., None]) -> None:
            with (tmp / name).open("wb") as out:
                writer(holder[0], out)

        timed("xlsx", lambda: write("sheet.xlsx", payouts.write_xlsx))
        timed("xlsx_before", lambda: write("before.xlsx", xlsx_per_cell))
        single = None
        sheet = holder[0] if size <= payouts.SINGLE_DOCUMENT_ROWS else None
        if sheet is not None:  # as short sheets stay: one document
            timed("pdf_single_html", lambda: holder.append(payouts.prepare_pdf(holder[0], tmp, size)))
            single = holder.pop()

        def pdf_in_parts() -> None:
            """As the job makes it: the parts' HTML written, the sheet let go, then the layout."""
            (tmp / "parts").mkdir()
            pdf = payouts.prepare_pdf(holder.pop(), tmp / "parts", single_rows=0)
            gc.collect()
            with (tmp / "sheet.pdf").open("wb") as out:
                pdf.write(out)

        timed("pdf", pdf_in_parts)
        if single is not None:  # last: WeasyPrint keeps what it took in this process
            timed("pdf_single", lambda: single.write((tmp / "single.pdf").open("wb")))
            html_wall, html_cpu, _ = phases.pop("pdf_single_html")  # type: ignore[misc]
            wall, used, mb = phases["pdf_single"]  # type: ignore[misc]
            phases["pdf_single"] = (wall + html_wall, used + html_cpu, mb)
            # the baseline: the monospaced sheet before it was a table, one document
            timed("pdf_monospace", lambda: (tmp / "monospace.pdf").write_bytes(monospace.pdf(sheet)))
        tree.stop()
        db.engine.dispose()
    return {
        "rows": rows,
        "rules": rules,
        "setup": setup,
        "phases": phases,
        "xlsx_kb": (tmp / "sheet.xlsx").stat().st_size // 1000,
        "pdf_kb": (tmp / "sheet.pdf").stat().st_size // 1000,
        "pages": pages_of(tmp / "sheet.pdf"),
        "single_pages": pages_of(tmp / "single.pdf") if (tmp / "single.pdf").exists() else 0,
        "monospace_pages": pages_of(tmp / "monospace.pdf") if (tmp / "monospace.pdf").exists() else 0,
    }


def _phase_text(phases: dict[str, list[float]]) -> Callable[[str], str]:
    def phase(name: str) -> str:
        wall, used, mb = phases[name]
        return f"{wall:.1f} s (CPU {used:.1f} s, peak {mb:.0f} MB)"

    return phase


def run() -> list[str]:
    lines = ["SQLite (a fresh database per size, filled in bulk); each size in a child process"]
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
            code = (
                "import json, pathlib; from bench.payouts import child; "
                f"print(json.dumps(child({size}, pathlib.Path({name!r}))))"
            )
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                lines.append(f"{size} rows: failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
        phase = _phase_text(r["phases"])

        wall = r["phases"]["pdf"][0]
        lines.append(
            f"{r['rows']:>6} rows, {r['rules']} rules (setup {r['setup']:.0f} s): build {phase('build')}; "
            f"XLSX {phase('xlsx')}, {r['xlsx_kb']} KB (before: {phase('xlsx_before')}); "
            f"PDF table in parts {phase('pdf')}, {r['pages']} pages, {r['pdf_kb']} KB, "
            f"{wall * 1000 / max(1, r['rows']):.2f} ms a row"
        )
        if "pdf_single" in r["phases"]:
            lines.append(
                f"{'':>13}PDF table as one document {phase('pdf_single')}, {r['single_pages']} pages"
            )
            lines.append(
                f"{'':>13}baseline, the monospaced sheet as one document {phase('pdf_monospace')}, "
                f"{r['monospace_pages']} pages"
            )
    lines.append(
        "targets at 50,000 rows: XLSX < 30 s, PDF < 120 s and < 500 MB peak; 2,000 rows: PDF < 10 s; "
        "the time a row linear from 500 to 50,000 rows. "
        "Peak = PSS of this process and its PDF part renderers together (bench.payouts.Tree); "
        f"{os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
