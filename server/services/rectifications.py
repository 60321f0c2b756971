"""Rectification (整改) tasks: made when an inspection is finally approved, fixed by the facility
(a note and photos, from its phone, offline like inspections), checked by the county.

Every write from a device is idempotent: a photo by its upload id, a submission by its change id
(sent again, it answers as the first time). A task the result no longer asks for is withdrawn, not
deleted; an accepted one is never reopened. A task never changes the approved score."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from typing import Any, BinaryIO

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import inspections as inspection_queries
from server.db import rectifications as queries
from server.db import users as user_queries
from server.db.models import (
    Facility,
    Inspection,
    Plan,
    RectificationEvent,
    RectificationPhoto,
    RectificationTask,
)
from server.domain import access, rectification, regions
from server.domain.access import Principal
from server.domain.checklist import Checklist
from server.domain.errors import DomainError
from server.domain.evidence import flags_for, place_or_none
from server.domain.times import china_date, format_time
from server.domain.workflow import SELF_ASSESSMENT, SELF_ASSESSOR
from server.extensions import db
from server.formats import rectification_list
from server.services import audit, checklists, photos, retention
from server.settings import Settings

PHOTO_FOLDER, THUMB_FOLDER = "rectifications", "rectification-thumbs"


def not_found() -> DomainError:
    return DomainError("http.not_found")


# --- made at final approval --------------------------------------------------------------------


def on_final_approval(
    inspection: Inspection,
    checklist: Checklist,
    score: dict[str, Any],
    actor_id: int,
    actor: str,
    now: dt.datetime,
    ip: str | None,
    notes: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
) -> dict[str, int]:
    """The tasks of a result just finally approved, in the approval's transaction: one per item it
    failed, due `days_for(plan, checklist)` days after today (China); on a re-approval, tasks follow
    the new result (see server/domain/rectification.py). A self-assessment gives none."""
    if inspection.kind == SELF_ASSESSMENT:
        return {"created": 0, "reopened": 0, "withdrawn": 0}
    plan = db.session.get(Plan, inspection.plan_id) if inspection.plan_id is not None else None
    days = rectification.days_for(plan.rectify_days if plan else None, checklist.rectification_days)
    due = rectification.deadline(china_date(now), days)
    failed = rectification.failed_items(checklist, score, notes, reasons)
    existing = {t.item_id: t for t in queries.of_inspection(inspection.id)}
    change = rectification.reconcile(failed, {k: t.status for k, t in existing.items()})
    for item in change.create:
        task = RectificationTask(
            inspection_id=inspection.id,
            facility_id=inspection.facility_id,
            region_code=inspection.region_code,
            item_id=item.item_id,
            problem=item.problem,
            deadline=due,
            status=rectification.OPEN,
            revision=1,
            created_at=now,
            updated_at=now,
        )
        db.session.add(task)
        db.session.flush()
        _event(task, "create", None, actor_id, now)
    problems = {f.item_id: f.problem for f in failed}
    for item_id in change.reopen:
        task = existing[item_id]
        before = task.status
        task.status, task.deadline, task.problem = rectification.OPEN, due, problems[item_id]
        _touch(task, now)
        _event(task, "reopen", before, actor_id, now)
    for item_id in change.withdraw:
        task = existing[item_id]
        before = task.status
        task.status = rectification.WITHDRAWN
        _touch(task, now)
        _event(task, "withdraw", before, actor_id, now)
    counts = {
        "created": len(change.create),
        "reopened": len(change.reopen),
        "withdrawn": len(change.withdraw),
    }
    if any(counts.values()):
        audit.record(
            "rectification.create",
            actor_id=actor_id,
            actor=actor,
            target_type="inspection",
            target_id=inspection.id,
            after={**counts, "deadline": due.isoformat(), "days": days},
            ip=ip,
        )
    return counts


def _touch(task: RectificationTask, now: dt.datetime) -> None:
    task.revision += 1
    task.updated_at = now


def _event(
    task: RectificationTask,
    action: str,
    before: str | None,
    actor_id: int | None,
    now: dt.datetime,
    text: str | None = None,
    photo_ids: list[int] | None = None,
    change_id: str | None = None,
) -> RectificationEvent:
    event = RectificationEvent(
        task_id=task.id,
        action=action,
        from_status=before,
        to_status=task.status,
        text=text,
        photo_ids=photo_ids or [],
        change_id=change_id,
        actor_id=actor_id,
        at=now,
    )
    db.session.add(event)
    return event


# --- reading -----------------------------------------------------------------------------------


def _task(principal: Principal, task_id: int) -> RectificationTask:
    found = queries.task(principal, task_id)
    if found is None:
        raise not_found()
    return found


def views(principal: Principal, tasks: list[RectificationTask], now: dt.datetime) -> list[dict[str, Any]]:
    """Tasks as lists and devices show them: with the item, the facility, the deadline's state,
    the photos and the history (names of who acted)."""
    today = china_date(now)
    ids = [t.id for t in tasks]
    inspections = queries.inspections_by_ids(t.inspection_id for t in tasks)
    facilities = queries.facilities_by_ids(t.facility_id for t in tasks)
    region_names = inspection_queries.regions_by_codes({f.region_code for f in facilities.values()})
    photo_rows = queries.photos_of(ids)
    events = queries.events_of(ids)
    people = {e.actor_id for rows in events.values() for e in rows if e.actor_id is not None}
    names = {uid: u.display_name for uid, u in user_queries.users_by_ids(people).items()}
    out = []
    for t in tasks:
        inspection = inspections[t.inspection_id]
        facility = facilities[t.facility_id]
        checklist = checklists.get_checklist(inspection.checklist_id, inspection.checklist_version)
        item = checklist.item_map().get(t.item_id)
        region = region_names.get(facility.region_code)
        out.append(
            {
                "id": t.id,
                "inspection_id": t.inspection_id,
                "inspection_date": inspection.inspection_date,
                "checklist_title": checklist.title,
                "tier_label": inspection.final_tier_label,
                "facility_id": facility.id,
                "facility_name": facility.name,
                "region_code": facility.region_code,
                "region_name": region.name if region is not None else facility.region_code,
                "item_id": t.item_id,
                "item_number": item.number if item else t.item_id,
                "item_text": item.text if item else "",
                "problem": t.problem,
                "deadline": t.deadline,
                "status": t.status,
                "overdue": rectification.overdue(t.status, t.deadline, today),
                "days_left": (t.deadline - today).days,
                "revision": t.revision,
                "note": t.note,
                "submitted_at": t.submitted_at,
                "decided_at": t.decided_at,
                "decision_reason": t.decision_reason,
                "created_at": t.created_at,
                "photos": [_photo_view(p) for p in photo_rows[t.id]],
                "events": [
                    {
                        "action": e.action,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "text": e.text,
                        "photo_ids": list(e.photo_ids),
                        "actor_name": names.get(e.actor_id) if e.actor_id is not None else None,
                        "at": e.at,
                    }
                    for e in events[t.id]
                ],
                "may_submit": principal.role == SELF_ASSESSOR and t.status in rectification.EDITABLE,
                "may_decide": access.allowed("rectifications.decide", principal.role)
                and t.status == rectification.SUBMITTED,
            }
        )
    return out


def _photo_view(p: RectificationPhoto) -> dict[str, Any]:
    return {
        "id": p.id,
        "upload_id": p.upload_id,
        "sha256": p.sha256,
        "size": p.size,
        "width": p.width,
        "height": p.height,
        "claimed_captured_at": p.claimed_captured_at,
        "exif_captured_at": p.exif_captured_at,
        "flags": list(p.flags),
        "created_at": p.created_at,
    }


def page(principal: Principal, query: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Tasks in scope, newest first, a keyset page at a time, with the counts of the same scope."""
    region = query.get("region_code")
    if region is not None and not principal.sees_region(region):
        return {"items": [], "next": None, "counts": _empty_counts()}
    limit = query["limit"]
    today = china_date(now)
    rows = queries.page(
        principal,
        statuses=query.get("status") or None,
        overdue_on=today if query.get("overdue") else None,
        facility_id=query.get("facility_id"),
        inspection_id=query.get("inspection_id"),
        region_prefix=regions.scope_prefix(region) if region is not None else None,
        before=query.get("before"),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": views(principal, rows, now),
        "next": rows[-1].id if more and rows else None,
        "counts": queries.counts(principal, today, query.get("facility_id")),
    }


def _empty_counts() -> dict[str, int]:
    return {**{s: 0 for s in rectification.STATUSES}, "overdue": 0}


def detail(principal: Principal, task_id: int, now: dt.datetime) -> dict[str, Any]:
    return views(principal, [_task(principal, task_id)], now)[0]


def of_facility(principal: Principal, now: dt.datetime) -> list[dict[str, Any]]:
    """A facility user's tasks for the device: every one not withdrawn, newest first."""
    if principal.role != SELF_ASSESSOR or principal.facility_id is None:
        return []
    statuses = [s for s in rectification.STATUSES if s != rectification.WITHDRAWN]
    rows = queries.page(
        principal,
        statuses=statuses,
        overdue_on=None,
        facility_id=principal.facility_id,
        inspection_id=None,
        region_prefix=None,
        before=None,
        limit=DEVICE_LIMIT,
    )
    return views(principal, rows, now)


DEVICE_LIMIT = 500  # tasks a device keeps offline; a facility has a few dozen a year


# --- the facility's fix --------------------------------------------------------------------------


def upload_photo(
    settings: Settings,
    principal: Principal,
    task_id: int,
    upload_id: str,
    data: bytes,
    sha256: str,
    original_name: str | None,
    claims: photos.Claims,
    now: dt.datetime,
    ip: str | None,
) -> tuple[RectificationPhoto, bool]:
    """One photo of a fix; (photo, created). A retry with the same upload id returns the first."""
    task = _task(principal, task_id)
    existing = queries.photo_by_upload_id(upload_id)
    if existing is not None:
        if (existing.task_id, existing.sha256) == (task.id, sha256.lower()):
            return existing, False
        raise DomainError("evidence.upload_id_reused")
    if principal.role != SELF_ASSESSOR:
        raise DomainError("rectification.not_facility")
    if task.status not in rectification.EDITABLE:
        raise DomainError(
            "rectification.not_editable",
            status_label=rectification.STATUS_LABELS.get(task.status, task.status),
        )
    if queries.photo_count(task.id) >= rectification.PHOTOS_MAX:
        raise DomainError("rectification.too_many_photos", count=rectification.PHOTOS_MAX)
    photo = photos.check(settings, data, sha256, original_name, claims)
    facility = db.session.get(Facility, task.facility_id)
    assert facility is not None
    elsewhere, same = queries.digest_seen(photo.sha256, facility.id)
    flags = flags_for(
        visit_day=None,
        facility=place_or_none(facility.latitude, facility.longitude),
        claimed_time=photo.claimed_at,
        exif_time=photo.exif_at,
        claimed_place=photo.claimed_place,
        exif_place=photo.exif_place,
        used_elsewhere=elsewhere,
        max_distance_m=settings.photo_max_distance_m,
        exif_place_invalid=photo.exif_place_invalid,
        taken_since=china_date(task.created_at),
        same_as_inspection=same,
    )
    keys = photos.fresh_keys(PHOTO_FOLDER, THUMB_FOLDER, task.id, photo)
    photos.put(
        photo,
        keys,
        {
            "upload-id": upload_id,
            "rectification": str(task.id),
            "original-name": urllib.parse.quote(photo.name or "", safe=""),
        },
    )

    def commit() -> RectificationPhoto:
        row = RectificationPhoto(
            task_id=task.id,
            facility_id=facility.id,
            upload_id=upload_id,
            **photos.columns(photo, keys),
            flags=flags,
            uploaded_by=principal.user_id,
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "rectification.photo",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="rectification",
            target_id=task.id,
            after={"photo": row.id, "sha256": photo.sha256, "flags": flags},
            ip=ip,
            region_code=task.region_code,
        )
        db.session.commit()
        return row

    def winner() -> RectificationPhoto | None:
        won = queries.photo_by_upload_id(upload_id)
        if won is not None and (won.task_id, won.sha256) != (task.id, photo.sha256):
            raise DomainError("evidence.upload_id_reused") from None
        return won

    return photos.write(keys, commit, winner, queries.object_referenced)


def submit(
    principal: Principal,
    task_id: int,
    change_id: str,
    note: str,
    photo_upload_ids: list[str],
    now: dt.datetime,
    ip: str | None,
) -> tuple[dict[str, Any], bool]:
    """The facility says the item is fixed: its note and the photos of this submission (by their
    upload ids, every one already uploaded to this task); (task view, applied). The same change
    id again answers with the task as it is, applying nothing."""
    task = _task(principal, task_id)
    done = queries.event_by_change_id(change_id)
    if done is not None:
        if done.task_id != task.id or done.action != "submit":
            raise DomainError("rectification.change_id_reused")
        return detail(principal, task.id, now), False
    if principal.role != SELF_ASSESSOR:
        raise DomainError("rectification.not_facility")
    locked = queries.for_update(task.id)
    assert locked is not None
    if queries.event_by_change_id(change_id) is not None:  # the same change won the lock first
        return submit(principal, task_id, change_id, note, photo_upload_ids, now, ip)
    found = queries.photos_by_upload_ids(task.id, photo_upload_ids)
    missing = [u for u in photo_upload_ids if u not in found]
    if missing:
        raise DomainError("rectification.photos_missing", count=len(missing))
    text = rectification.check_submit(locked.status, note, queries.photo_count(task.id))
    before = locked.status
    locked.status = rectification.SUBMITTED
    locked.note = text
    locked.submitted_at, locked.submitted_by = now, principal.user_id
    _touch(locked, now)
    photo_ids = [found[u].id for u in photo_upload_ids]
    _event(locked, "submit", before, principal.user_id, now, text, photo_ids, change_id)
    audit.record(
        "rectification.submit",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="rectification",
        target_id=locked.id,
        before={"status": before},
        after={"status": locked.status, "photos": photo_ids},
        ip=ip,
        region_code=locked.region_code,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # the same change id committed on another connection first: that one stands
        photos.rollback()
        again = queries.event_by_change_id(change_id)
        if again is None or again.task_id != task.id:
            raise
        return detail(principal, task.id, now), False
    return detail(principal, task.id, now), True


def decide(
    principal: Principal,
    task_id: int,
    decision: str,
    reason: str | None,
    now: dt.datetime,
    ip: str | None,
) -> dict[str, Any]:
    """The county's check of a submitted fix: accepted, or returned with a reason."""
    task = _task(principal, task_id)
    locked = queries.for_update(task.id)
    assert locked is not None
    target = rectification.check_decision(locked.status, decision, reason)
    text = (reason or "").strip() or None
    before = locked.status
    locked.status = target
    locked.decided_at, locked.decided_by, locked.decision_reason = now, principal.user_id, text
    _touch(locked, now)
    _event(locked, decision, before, principal.user_id, now, text)
    if target == rectification.ACCEPTED:  # the photos the county accepted are kept unchanged
        days = registry.settings().evidence_retention_days
        kept = [k for p in queries.photos_of([locked.id])[locked.id] for k in (p.object_key, p.thumb_key)]
        retention.retain_keys(kept, now + dt.timedelta(days=days))
    audit.record(
        f"rectification.{decision}",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="rectification",
        target_id=locked.id,
        before={"status": before},
        after={"status": target, "reason": text},
        ip=ip,
        region_code=locked.region_code,
    )
    db.session.commit()
    return detail(principal, locked.id, now)


def summary(principal: Principal, facility_id: int | None, now: dt.datetime) -> dict[str, int]:
    """Counts by status and overdue, of the caller's scope or one facility in it."""
    return queries.counts(principal, china_date(now), facility_id)


def photo_content(principal: Principal, photo_id: int, thumbnail: bool) -> photos.Download:
    """A photo of a fix in the caller's scope, or its thumbnail."""
    row = queries.photo(principal, photo_id)
    if row is None:
        raise not_found()
    if thumbnail:
        return photos.download(
            row.thumb_key, "image/jpeg", row.thumb_size, f"rectification-{row.id}-thumb.jpg"
        )
    extension = "png" if row.content_type == "image/png" else "jpg"
    return photos.download(row.object_key, row.content_type, row.size, f"rectification-{row.id}.{extension}")


# --- the list as a spreadsheet ---------------------------------------------------------------------

EXPORT_BATCH = 500


def export(principal: Principal, query: dict[str, Any], now: dt.datetime, out: BinaryIO) -> str:
    """The tasks a list with these filters shows, every page of them, as the 整改清单 workbook
    written to `out`; returns its file name."""
    region = query.get("region_code") or principal.region_code
    if not principal.sees_region(region):
        raise not_found()
    today = china_date(now)
    names = inspection_queries.regions_by_codes([region])
    place = names[region].name if region in names else region

    def rows() -> Iterator[dict[str, Any]]:
        before = None
        while True:
            batch = queries.page(
                principal,
                statuses=query.get("status") or None,
                overdue_on=today if query.get("overdue") else None,
                facility_id=query.get("facility_id"),
                inspection_id=query.get("inspection_id"),
                region_prefix=regions.scope_prefix(region),
                before=before,
                limit=EXPORT_BATCH,
            )
            for v in views(principal, batch, now):
                yield {
                    **v,
                    "status_label": rectification.STATUS_LABELS.get(v["status"], v["status"]),
                    "photos": len(v["photos"]),
                    "submitted_at": format_time(v["submitted_at"]),
                    "decided_at": format_time(v["decided_at"]),
                }
            if len(batch) < EXPORT_BATCH:
                return
            before = batch[-1].id

    title = f"{place}整改清单"
    subtitle = f"导出时间：{format_time(now)}（北京时间）　{rectification.SCORE_UNCHANGED}"
    rectification_list.write(title, subtitle, rows(), out)
    return f"{title}-{today.isoformat()}.xlsx"
