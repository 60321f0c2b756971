"""The payout sheet (奖补资金分配表) for 2,000 facilities: build it, write the PDF and the XLSX.

Each facility has a final-approved inspection with its stored report, as after a year of work;
the timing covers what a request for the sheet does (goal: under 10 s on this machine).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import tempfile
import time
from pathlib import Path

FACILITIES = 2000


def run() -> list[str]:
    from flask_migrate import upgrade

    from bench.sync import settings
    from server import create_app
    from server.db.models import Facility, Inspection, Region, Report, StatusChange, User
    from server.extensions import db
    from server.formats import payout_sheet
    from server.services import checklists, payouts, reports
    from server.settings import PROJECT_ROOT

    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
        tmp = Path(name)
        app = create_app(settings(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}", "s" * 48))
        with app.app_context():
            upgrade()
            checklists.sync_published(PROJECT_ROOT / "checklists")
            for code, label, level, parent in (
                ("410000", "河南省", "province", None),
                ("410200", "开封市", "city", "410000"),
                ("410222", "通许县", "county", "410200"),
                ("410225", "兰考县", "county", "410200"),
            ):
                db.session.add(Region(code=code, name=label, level=level, parent_code=parent))
                db.session.flush()
            admin = User(
                username="admin",
                display_name="管理员",
                password_hash="!",  # noqa: S106 - no login in this benchmark
                role="admin",
                region_code="410200",
            )
            db.session.add(admin)
            db.session.flush()
            approved_at = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
            started = time.perf_counter()
            for n in range(FACILITIES):
                county = ("410222", "410225")[n % 2]
                facility = Facility(
                    name=f"基准卫生院{n:04d}",
                    type_code="C220",
                    region_code=county,
                    beds=10,
                    facts={},
                    uscc=None,
                )
                db.session.add(facility)
                db.session.flush()
                inspection = Inspection(
                    facility_id=facility.id,
                    region_code=county,
                    checklist_id="qs-2023-sample",
                    checklist_version=1,
                    kind="county_inspection",
                    status="approved",
                    inspection_date=approved_at.date(),
                    created_by=admin.id,
                )
                db.session.add(inspection)
                db.session.flush()
                db.session.add(
                    StatusChange(
                        inspection_id=inspection.id,
                        action="approve",
                        from_status="city_review",
                        to_status="approved",
                        actor_id=admin.id,
                        created_at=approved_at,
                    )
                )
                db.session.flush()
                digest = hashlib.sha256(f"{inspection.id}".encode()).hexdigest()
                tier = ("basic", "recommended")[n % 3 == 0]
                db.session.add(
                    Report(
                        inspection_id=inspection.id,
                        number=f"DB-{county}-{inspection.id:06d}-{digest[:6].upper()}",
                        code=secrets.token_urlsafe(12),
                        snapshot_sha256=digest,
                        fingerprint=reports.fingerprint(inspection),
                        snapshot_key="-",
                        pdf_key="-",
                        pdf_sha256="0" * 64,
                        pdf_size=1,
                        facility_name=facility.name,
                        tier_code=tier,
                        tier_label={"basic": "基本标准", "recommended": "推荐标准"}[tier],
                        created_at=approved_at,
                    )
                )
            payouts.default_rules("410200", dt.date(2018, 1, 1), actor="bench")
            db.session.commit()
            setup = time.perf_counter() - started

            started = time.perf_counter()
            sheet = payouts.build_sheet("410200", "2026Q4", dt.datetime.now(dt.UTC))
            built = time.perf_counter() - started
            pdf = payouts.pdf(sheet)
            written_pdf = time.perf_counter() - started
            workbook = payout_sheet.xlsx(sheet)
            total = time.perf_counter() - started
            rows = len(sheet.rows)
            db.engine.dispose()
    return [
        f"setup: {FACILITIES} facilities with final-approved inspections and stored reports in {setup:.0f} s",
        f"payout sheet for {rows} facilities: {total:.1f} s in all (goal: under 10 s): build {built:.2f} s, "
        f"PDF {written_pdf - built:.1f} s ({len(pdf) // 1000} KB), XLSX {total - written_pdf:.1f} s "
        f"({len(workbook) // 1000} KB)",
    ]
