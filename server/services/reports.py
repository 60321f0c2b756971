"""Inspection reports: an immutable snapshot, its digest and report number, the PDF rendered from
it once and then served from the evidence store until the inspection's data changes, and the
public check of a report's verification code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import qrcode
import qrcode.image.svg
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import inspections as inspection_queries
from server.db import rectifications as rectification_queries
from server.db import reports as queries
from server.db import users as user_queries
from server.db.models import Facility, Inspection, Report
from server.domain import regions
from server.domain import report as report_domain
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.regions import parent_code
from server.domain.times import china_date, format_instant
from server.domain.workflow import APPROVED
from server.extensions import db
from server.reports.render import ReportFetcher, render_html, write_pdf
from server.services import audit, jobs, places
from server.services.inspections import answer_json, checklist_of, load, score_of
from server.services.retention import unavailable
from server.settings import Settings
from server.storage import EvidenceStore, ObjectMissing, StoreError


def _store() -> EvidenceStore:
    return registry.evidence_store()


def _settings() -> Settings:
    return registry.settings()


def _local(value: dt.datetime | None) -> str | None:
    return format_instant(value)


def fingerprint_of(inspection_id: int, status: str, version: int, markers: Sequence[int]) -> str:
    """Changes whenever anything a report shows changes: answers, photos, workflow, version."""
    parts = [inspection_id, status, version, *markers]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def fingerprint(inspection: Inspection) -> str:
    return fingerprint_of(
        inspection.id, inspection.status, inspection.checklist_version, queries.change_markers(inspection.id)
    )


def _region_path(region_code: str) -> str:
    names = []
    code: str | None = region_code
    while code:
        region = inspection_queries.region(code)
        if region is not None:
            names.append(region.name)
        code = parent_code(code) if len(code) >= 6 else None
    return " ".join(reversed(names))


def build_snapshot(inspection: Inspection) -> dict[str, Any]:
    """Everything the report shows, as plain JSON in a fixed order."""
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    checklist = checklist_of(inspection)
    answers = inspection_queries.answers([inspection.id])
    revisions = inspection_queries.revisions(inspection.id)
    photos = queries.evidence_of(inspection.id)
    steps = inspection_queries.status_changes(inspection.id)
    people_ids = (
        {r.author_id for r in revisions}
        | {s.actor_id for s in steps}
        | inspection_queries.assignees([inspection.id])[inspection.id]
        | {i for i in (inspection.county_reviewer_id, inspection.city_reviewer_id) if i}
    )
    people = user_queries.users_by_ids(people_ids)

    def name(user_id: int | None) -> str | None:
        return people[user_id].display_name if user_id in people else None

    changes: dict[str, list[dict[str, Any]]] = {}
    previous: dict[str, str] = {}
    for revision in revisions:  # ordered by item and revision
        if revision.source != "inspector" and revision.reason:
            changes.setdefault(revision.item_id, []).append(
                {
                    "revision": revision.revision,
                    "from": previous.get(revision.item_id),
                    "to": revision.grade,
                    "author": name(revision.author_id),
                    "reason": revision.reason,
                    "at": _local(revision.received_at),
                }
            )
        previous[revision.item_id] = revision.grade
    snapshot: dict[str, Any] = {
        "inspection": {
            "id": inspection.id,
            "kind": inspection.kind,
            "status": inspection.status,
            "inspection_date": inspection.inspection_date.isoformat(),
        },
        "facility": {
            "id": facility.id,
            "name": facility.name,
            "type_code": facility.type_code,
            "uscc": facility.uscc,
            "licence_no": facility.licence_no,
            "region_code": facility.region_code,
            "region_path": _region_path(facility.region_code),
            "latitude": facility.latitude,
            "longitude": facility.longitude,
        },
        # the body whose report it is (the facility's county), and who finally approved it, when
        "issuer": places.issuing_body_of(regions.county_code(facility.region_code)),
        "final": _final(inspection, steps, people),
        "checklist": {
            "id": checklist.id,
            "version": checklist.version,
            "edition": checklist.edition,
            "title": checklist.title,
            "family": checklist.family,
            "sample": checklist.sample,
        },
        "inspectors": sorted(
            filter(None, (name(u) for u in inspection_queries.assignees([inspection.id])[inspection.id]))
        ),
        "reviewers": {
            "county": name(inspection.county_reviewer_id),
            "city": name(inspection.city_reviewer_id),
        },
        "answers": {
            a.item_id: {**answer_json(a), "revision": a.revision, "source": a.source}
            for a in sorted(answers, key=lambda a: a.item_id)
        },
        "revisions": changes,
        "score": score_of(inspection),
        "evidence": [
            {
                "id": p.id,
                "item_id": p.item_id,
                "sha256": p.sha256,
                "thumb_key": p.thumb_key,
                "thumb_sha256": p.thumb_sha256,
                "claimed_at": p.claimed_captured_at,
                "exif_at": p.exif_captured_at,
                # where it was taken: the camera's position, else the phone's
                "place": _place(p.exif_latitude, p.exif_longitude)
                or _place(p.claimed_latitude, p.claimed_longitude),
                "flags": list(p.flags or []),
            }
            for p in photos
        ],
        "trail": [
            {"at": _local(s.created_at), "actor": name(s.actor_id), "action": s.action, "reason": s.reason}
            for s in steps
        ],
    }
    # the rectification tasks the final approval made, as they are when the report is rendered
    # (a task's later progress does not re-render the report: see fingerprint)
    tasks = rectification_queries.of_inspection(inspection.id)
    if tasks:
        snapshot["rectification"] = {
            t.item_id: {"deadline": t.deadline.isoformat(), "status": t.status} for t in tasks
        }
    return snapshot


def _place(latitude: float | None, longitude: float | None) -> list[float] | None:
    if latitude is None or longitude is None:
        return None
    return [latitude, longitude]


def _final(inspection: Inspection, steps: Sequence[Any], people: Mapping[int, Any]) -> dict[str, Any] | None:
    """Who finally approved the inspection and on which China day: the bureau of the approving
    reviewer's region (the city's when the reviewer is gone); None while it is not final."""
    if inspection.status != APPROVED:
        return None
    step = next((s for s in reversed(steps) if s.to_status == APPROVED), None)
    if step is None:
        return None
    approver = people.get(step.actor_id)
    region = approver.region_code if approver is not None else regions.city_code(inspection.region_code)
    return {
        "authority": places.issuing_body_of(regions.county_code(region)),
        "on": china_date(step.created_at).isoformat(),
    }


def _qr_svg(url: str) -> Markup:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - our own SVG, no user text in it


def render(inspection: Inspection, now: dt.datetime, current: str | None = None) -> Report:
    """Render and store the report of the inspection as it is now (or reuse an identical one).
    `current` is the inspection's fingerprint when the caller has just computed it."""
    snapshot = build_snapshot(inspection)
    digest = report_domain.snapshot_digest(snapshot)
    current = current or fingerprint(inspection)
    existing = queries.by_snapshot(inspection.id, digest)
    if existing is not None:
        if existing.fingerprint != current:
            db.session.commit()  # a report is made inside a GET: end its reads before writing
            existing.fingerprint = current
            db.session.commit()
        return existing
    settings = _settings()
    number = report_domain.report_number(inspection.region_code, inspection.id, digest)
    code = secrets.token_urlsafe(12)
    verify_url = f"{settings.public_url.rstrip('/')}/verify/{code}"
    checklist = checklist_of(inspection)
    context = report_domain.view(snapshot, checklist, number, digest, verify_url, _local(now) or "")
    store = _store()
    keys = [p["thumb_key"] for p in snapshot["evidence"] if p.get("thumb_key")]

    def thumbnail(key: str) -> bytes:
        return store.get(key)

    fetcher = ReportFetcher(thumbnail, keys)
    html = render_html("report.html", qr_svg=_qr_svg(verify_url), **context)
    pdf = write_pdf(html, fetcher)
    snapshot_bytes = json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode("utf-8")
    base = f"reports/{inspection.id}/{digest}"
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    report = Report(
        inspection_id=inspection.id,
        number=number,
        code=code,
        snapshot_sha256=digest,
        fingerprint=current,
        snapshot_key=f"{base}.json",
        pdf_key=f"{base}.pdf",
        pdf_sha256=pdf_sha,
        pdf_size=len(pdf),
        facility_name=snapshot["facility"]["name"],
        tier_label=snapshot["score"]["tier"]["label"],
        tier_code=snapshot["score"]["tier"]["code"],
        final=snapshot["final"] is not None,
        created_at=now,
    )
    # The report is made inside a GET, which reads without the write lock (server/db/engine.py):
    # its reads end here, so the write below begins a transaction of its own and waits its turn.
    db.session.commit()
    db.session.add(report)
    try:
        # The row comes before the objects: a render of the same snapshot at the same time (another
        # worker or node) waits here on the report number until this one commits, then finds it
        # taken and serves the winner, without storing its own PDF over the winner's.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        winner = queries.by_snapshot(inspection.id, digest)
        if winner is None:
            raise
        return winner
    try:
        store.put(
            f"{base}.json", snapshot_bytes, hashlib.sha256(snapshot_bytes).hexdigest(), "application/json"
        )
        store.put(f"{base}.pdf", pdf, pdf_sha, "application/pdf", {"report-number": number})
    except StoreError as exc:
        db.session.rollback()
        raise unavailable(exc) from exc
    audit.record(
        "report.render",
        actor="system",
        target_type="report",
        target_id=report.id,
        after={"inspection": inspection.id, "number": number, "digest": digest, "pdf_sha256": pdf_sha},
    )
    db.session.commit()
    return report


def current_report(inspection: Inspection, now: dt.datetime) -> Report:
    """The stored report if nothing changed since it was made; a new one otherwise."""
    current = fingerprint(inspection)
    stored = queries.by_fingerprint(inspection.id, current)
    return stored if stored is not None else render(inspection, now, current)


# --- rendered ahead, as a background job ---------------------------------------------------------

REPORT_JOB = "report"


@jobs.handler(REPORT_JOB)
def _report_job(params: dict[str, Any], progress: jobs.Progress, scratch: Any) -> jobs.Output:
    """Render (or find) the inspection's current report, so its first reader need not wait."""
    inspection = db.session.get(Inspection, int(params["inspection_id"]))
    if inspection is None:
        raise DomainError("http.not_found")
    progress(0, 1, "render")
    report = current_report(inspection, dt.datetime.now(dt.UTC))
    return jobs.Output(
        f"{report.number}.pdf",
        "application/pdf",
        meta={"number": report.number, "digest": report.snapshot_sha256},
        stored=jobs.Stored(report.pdf_key, report.pdf_size, report.pdf_sha256),
    )


@jobs.title(REPORT_JOB)
def _report_title(job: Any, region_names: dict[str, str]) -> str:
    facility = job.params.get("facility_name") or ""
    number = (job.result_meta or {}).get("number")
    return "　".join(part for part in (f"评审报告：{facility}" if facility else "评审报告", number) if part)


def report_for(principal: Principal, inspection_id: int, now: dt.datetime) -> tuple[Report, bytes]:
    return _pdf_of(load(principal, inspection_id), now)


def report_for_cli(inspection_id: int, now: dt.datetime) -> tuple[Report, bytes]:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise DomainError("http.not_found")
    return _pdf_of(inspection, now)


def _pdf_of(inspection: Inspection, now: dt.datetime) -> tuple[Report, bytes]:
    report = current_report(inspection, now)
    try:
        return report, _store().get(report.pdf_key)
    except ObjectMissing as exc:
        raise DomainError("report.missing") from exc
    except StoreError as exc:
        raise unavailable(exc) from exc


def verify(code: str) -> dict[str, Any] | None:
    """What the public page may show about a report: facility, tier, date, digest; whether it was
    rendered from a finally approved inspection; whether it is still the current report of its
    inspection; and whether its result was withdrawn after its publication (公示)."""
    report = queries.by_code(code)
    if report is None:
        return None
    inspection = db.session.get(Inspection, report.inspection_id)
    current = inspection is not None and fingerprint(inspection) == report.fingerprint
    final = report.final if report.final is not None else _final_in_snapshot(report)
    withdrawn = queries.withdrawn_on(report.inspection_id, report.snapshot_sha256)
    state = report_domain.verify_state(final=final, current=current, withdrawn=withdrawn is not None)
    return {
        "number": report.number,
        "facility_name": report.facility_name,
        "tier_label": report.tier_label,
        "date": _local(report.created_at),
        "digest": report.snapshot_sha256,
        "current": current,
        "final": final,
        "state": state,
        "headline": report_domain.VERIFY_HEADLINES[state],
        "detail": report_domain.verify_detail(state, final, withdrawn),
    }


def _final_in_snapshot(report: Report) -> bool:
    """Whether a report rendered before reports kept `final` was final, from its stored snapshot
    (its status then); not final when the snapshot cannot be read."""
    try:
        snapshot = json.loads(_store().get(report.snapshot_key))
    except (StoreError, ValueError):
        return False
    return bool(snapshot.get("inspection", {}).get("status") == APPROVED)
