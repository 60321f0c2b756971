"""`python -m bench exports`: the results export (评审结果) of a city, on bench.scale's city dataset
(2,080 facilities, two years of inspections, 92 % of 2026 final-approved with stored reports,
answers to every item) in a throwaway PostgreSQL; each operation in a process of its own, with
its time and the peak memory of that process (bench.scale.measure).

- as the background job makes it: read the results, check the stored reports are current, score
  every result again from its answers (server.services.exports, BATCH inspections a query), match
  the payout rules, write the workbook; with the seconds of each stage;
- as a request makes it: GET /api/exports/results/{city}/2026.xlsx as the city's administrator
  (the inline limit raised for the measurement), the median of three after one warm-up.

Both are also operations of `python -m bench scale`, so its growth table gives the province.
The rows a request may export (`DABIAO_EXPORT_INLINE_ROWS`) are chosen from the request's rate
here: the number printed keeps a request within REQUEST_BUDGET seconds on this machine.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

PERIOD = "2026"
REQUEST_BUDGET = 10.0  # seconds a person waits for a download that a request makes


def op(name: str, app: Any, region: str) -> dict[str, Any]:
    """One export operation in the child process bench.scale starts for it."""
    from server import registry
    from server.extensions import db

    with app.app_context():
        try:
            if name == "results":
                return _as_job(region)
            if name == "results_request":
                app.config["DABIAO_SETTINGS"] = dataclasses.replace(
                    registry.settings(), export_inline_rows=10**9
                )
                return _as_request(app, region)
        finally:
            db.engine.dispose()
    raise ValueError(name)


def _as_job(region: str) -> dict[str, Any]:
    from server.services import exports, jobs

    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def progress(done: int, total: int, stage: str | None = None) -> None:
        stages.setdefault(stage or "", time.perf_counter() - clock)

    with tempfile.TemporaryDirectory(prefix="dabiao-bench-export-") as scratch:
        output = jobs.HANDLERS[exports.RESULTS_JOB](
            {"region_code": region, "period": PERIOD}, progress, Path(scratch)
        )
        total = time.perf_counter() - clock
        assert output.path is not None
        megabytes = Path(output.path).stat().st_size / 1e6
    written = stages.get("render", total)
    rendered = stages.get("reports")
    scored = written - (rendered if rendered is not None else 0.0)
    rows = output.meta["rows"]
    return {
        "seconds": total,
        "detail": f"{rows:,} rows in {output.meta['sheets']} sheets, read and score {scored:.1f} s"
        + (f" (reports rendered from {rendered:.1f} s)" if rendered is not None else "")
        + f", write {total - written:.1f} s, {megabytes:.1f} MB, {rows / total:,.0f} rows/s",
        "rows": rows,
    }


def _as_request(app: Any, region: str) -> dict[str, Any]:
    from bench.scale import _client

    client, headers = _client(app, "bench-admin")
    url = f"/api/exports/results/{region}/{PERIOD}.xlsx"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    times = []
    for _ in range(3):
        clock = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - clock)
        assert response.status_code == 200
    seconds = statistics.median(times)
    rows = _rows(response.data)
    return {
        "seconds": seconds,
        "detail": f"{url}: {rows:,} rows, {len(response.data) / 1e6:.1f} MB, {rows / seconds:,.0f} rows/s; "
        f"{int(rows / seconds * REQUEST_BUDGET):,} rows would take {REQUEST_BUDGET:.0f} s",
        "rows": rows,
    }


def _rows(data: bytes) -> int:
    import io

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(io.BytesIO(data), read_only=True)
    return sum(1 for ws in book.worksheets[1:] for _ in ws.iter_rows(min_row=6))


def run() -> list[str]:
    """The city's results export, as a job and as a request."""
    from bench import scale

    return scale.scale(
        [scale.size_of("city")],
        log=lambda line: print(f"   {line}", flush=True),
        operations=("results", "results_request"),
    )
