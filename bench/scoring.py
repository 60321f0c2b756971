"""Scoring engine speed on the full 优质服务基层行 sample (102 items), against parsing alone.

The engine runs on every preview and every submission, so its cost per inspection matters.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

from server.domain.scoring import score
from server.services.checklists import load_definition
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
FACTS = {"has_beds": True, "iv_infusion": True, "facility_kind": "township", "community_hospital": False}


def _timings(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run() -> list[str]:
    checklist = load_definition(ROOT / "quality_service/2023-sample/v1.json", ROOT)
    answers = {}
    for item in checklist.items():
        answer: dict[str, str] = {"grade": item.levels[-1].code}
        if item.validity is not None:
            answer["document_date" if item.validity.kind == "max_age" else "valid_until"] = "2026-10-01"
        answers[item.id] = answer
    day = dt.date(2026, 11, 20)
    scored = _timings(lambda: score(checklist, FACTS, answers, day), 300)
    loaded = _timings(lambda: load_definition(ROOT / "quality_service/2023-sample/v1.json", ROOT), 30)
    return [
        f"score one 102-item inspection: p50 {statistics.median(scored):.2f} ms, "
        f"p95 {statistics.quantiles(scored, n=20)[18]:.2f} ms (300 runs)",
        f"baseline, load and validate the definition file: p50 {statistics.median(loaded):.2f} ms (30 runs)",
    ]
