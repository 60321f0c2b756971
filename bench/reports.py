"""Report speed: a 300-item inspection with 150 photos.

- Render time and peak memory of the report as the server makes it (from the thumbnails made at
  upload), against the naive baseline of rendering the original photos, in the same run; each
  rendering in a fresh process so its peak memory is its own.
- A second request for the same report, which is served from the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

ITEMS = 300
PHOTOS = 150
ORIGINAL_SIZE = (4000, 3000)  # a phone camera's own resolution: what a naive report would embed


def _settings(tmp: Path) -> Any:
    from bench.sync import settings

    return settings(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}", "s" * 48)


def _photos(count: int) -> list[bytes]:
    base = Image.effect_noise(ORIGINAL_SIZE, 60).convert("RGB")
    photos = []
    for n in range(count):
        variant = base.copy()
        variant.paste((n * 37 % 256, 120, 200), (0, 0, 400, 300))
        exif = Image.Exif()
        exif[0x0132] = "2026:11:20 10:00:00"
        out = io.BytesIO()
        variant.save(out, "JPEG", quality=85, exif=exif)
        photos.append(out.getvalue())
    return photos


def _prepare(tmp: Path) -> int:
    from flask_migrate import upgrade

    from bench.sync import checklist_300, draft_for
    from server import create_app
    from server.db import checklists as checklist_queries
    from server.db.models import Facility, Region, User
    from server.domain.access import Principal
    from server.extensions import db
    from server.services import evidence, sync

    app = create_app(_settings(tmp))
    with app.app_context():
        upgrade()
        for code, name, level, parent in (
            ("410000", "河南省", "province", None),
            ("410200", "开封市", "city", "410000"),
            ("410222", "通许县", "county", "410200"),
        ):
            db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
            db.session.flush()
        checklist_queries.add_version(
            "bench-300", 1, "quality_service", "bench", "bench", "b" * 64, checklist_300()
        )
        user = User(
            username="bench",
            display_name="检查员",
            password_hash="!",  # noqa: S106 - no login in this benchmark
            role="inspector",
            region_code="410222",
        )
        facility = Facility(
            name="通许县基准卫生院",
            type_code="C220",
            region_code="410222",
            beds=20,
            facts={},
            latitude=34.48,
            longitude=114.46,
        )
        db.session.add_all([user, facility])
        db.session.flush()
        inspection_id = draft_for(facility, user, user.id)
        db.session.commit()
        principal = Principal(user.id, user.username, user.display_name, user.role, user.region_code, None, 0)
        now = dt.datetime.now(dt.UTC)
        changes = [
            sync.Change(
                f"bench-{i:04d}",
                inspection_id,
                f"X-{i:03d}",
                0,
                {"grade": ("C", "B", "A", "not_met")[i % 4], "note": "现场查看，资料齐全。" * (i % 3)},
                None,
            )
            for i in range(ITEMS)
        ]
        sync.apply_batch(principal, "bench", changes, now, None)
        settings = app.config["DABIAO_SETTINGS"]
        for n, data in enumerate(_photos(PHOTOS)):
            evidence.upload(
                settings,
                principal,
                inspection_id,
                f"X-{n * 2 % ITEMS:03d}",
                f"bench-photo-{n:04d}",
                data,
                hashlib.sha256(data).hexdigest(),
                f"IMG_{n:04d}.jpg",
                evidence.Claims("2026-11-20T10:00:00+08:00", 34.48, 114.46),
                now,
                None,
            )
        db.engine.dispose()
    return inspection_id


def _peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the
    parent across fork and exec, so a child would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _render_in_child(tmp: Path, inspection_id: int, originals: bool, queue: Any) -> None:
    from server import create_app
    from server.db.models import Inspection
    from server.domain import report as report_domain
    from server.extensions import db
    from server.reports.render import ReportFetcher, render_html, write_pdf
    from server.services import reports

    app = create_app(_settings(tmp))
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None
        store = app.extensions["evidence_store"]
        before_mb = _peak_mb()
        started = time.perf_counter()
        if originals:
            snapshot = reports.build_snapshot(inspection)
            keys = {p.thumb_key: p.object_key for p in reports.queries.evidence_of(inspection_id)}
            for photo in snapshot["evidence"]:
                photo["thumb_key"] = keys[photo["thumb_key"]]
            checklist = reports.checklist_of(inspection)
            context = report_domain.view(
                snapshot, checklist, "DB-BASELINE", "0" * 64, "http://127.0.0.1/", ""
            )
            fetcher = ReportFetcher(store.get, [p["thumb_key"] for p in snapshot["evidence"]])
            pdf_size = len(write_pdf(render_html("report.html", qr_svg="", **context), fetcher))
        else:
            report = reports.render(inspection, dt.datetime.now(dt.UTC))
            pdf_size = report.pdf_size
        elapsed = time.perf_counter() - started
    peak_mb = _peak_mb()
    queue.put((elapsed, peak_mb, pdf_size, before_mb))


def _measure(tmp: Path, inspection_id: int, originals: bool) -> tuple[float, float, int, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_render_in_child, args=(tmp, inspection_id, originals, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join(60)
    return result  # type: ignore[no-any-return]


def _second_requests(tmp: Path, inspection_id: int) -> list[float]:
    from server import create_app
    from server.db.models import Inspection
    from server.domain.access import Principal
    from server.extensions import db
    from server.services import reports

    app = create_app(_settings(tmp))
    timings = []
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None
        principal = Principal(0, "admin", "admin", "admin", "410200", None, 0)
        for _ in range(20):
            started = time.perf_counter()
            reports.report_for(principal, inspection_id, dt.datetime.now(dt.UTC))
            timings.append((time.perf_counter() - started) * 1000)
        db.engine.dispose()
    return timings


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
        tmp = Path(name)
        started = time.perf_counter()
        inspection_id = _prepare(tmp)
        setup = time.perf_counter() - started
        real_time, real_mb, real_size, real_before = _measure(tmp, inspection_id, originals=False)
        base_time, base_mb, base_size, base_before = _measure(tmp, inspection_id, originals=True)
        second = _second_requests(tmp, inspection_id)
    return [
        f"setup: {ITEMS} answers and {PHOTOS} photos of {ORIGINAL_SIZE[0]}x{ORIGINAL_SIZE[1]} "
        f"uploaded in {setup:.0f} s",
        f"report from thumbnails: {real_time:.1f} s, peak {real_mb:.0f} MB "
        f"(process at {real_before:.0f} MB before), "
        f"PDF {real_size / 1e6:.1f} MB (goal: under 6 s and 400 MB)",
        f"baseline from the original photos: {base_time:.1f} s, peak {base_mb:.0f} MB "
        f"(at {base_before:.0f} MB before), PDF {base_size / 1e6:.1f} MB",
        f"second request for the same report: p50 {statistics.median(second):.1f} ms, "
        f"max {max(second):.1f} ms (goal: under 50 ms)",
    ]
