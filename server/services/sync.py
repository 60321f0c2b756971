"""Offline sync: what a device needs to work without a network, and the batches it sends back.

A batch is a list of changes, each with a device-made change id and the item revision it was
made on. In one transaction, with the inspections locked:
- a change id seen before returns its stored receipt and writes nothing (a different payload
  under a seen id is refused);
- a change on the current revision is applied as the next revision;
- a change on an older revision is kept whole as a conflict for a person to resolve;
- an invalid change gets a receipt with a stable error code; the others still apply.
Receipts are written in the same transaction as the data, so a failure anywhere (the database
restarting included) leaves nothing behind and the device simply sends the batch again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.db import inspections as queries
from server.db.models import Answer, AnswerRevision, Conflict, SyncReceipt
from server.domain import catalog, workflow
from server.domain.access import Principal
from server.domain.audit import canonical
from server.domain.checklist import Checklist
from server.domain.errors import DomainError
from server.domain.scoring import check_answers, check_document_dates, documents_json
from server.extensions import db
from server.services import audit, checklists
from server.services.inspections import answer_json, conflict_views, display_names, facility_facts

ANSWER_FIELDS = ("grade", "document_date", "valid_until", "documents", "note")
HISTORY_LIMIT = 50  # submitted and finished inspections a device keeps for its history list


@dataclass(frozen=True)
class Change:
    change_id: str
    inspection_id: int
    item_id: str
    base_revision: int
    fields: dict[str, Any]  # grade, document_date, valid_until, documents, note as sent
    device_time: str | None

    @functools.cached_property
    def digest(self) -> str:
        body = {
            "inspection_id": self.inspection_id,
            "item_id": self.item_id,
            "base_revision": self.base_revision,
            "fields": self.fields,
            "device_time": self.device_time,
        }
        return hashlib.sha256(canonical(body).encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """A change refused at the boundary (its fields did not pass): answered with a rejected
    receipt in its place, never stored, and never in the way of the rest of the batch."""

    change_id: str | None
    code: str
    message: str
    problems: list[dict[str, str]]


def _rejected(
    change: Change, code: str, received_at: str, message: str | None = None, **params: Any
) -> dict[str, Any]:
    """A rejected receipt: the catalog's message for `code`, or the message of a problem found."""
    return {
        "change_id": change.change_id,
        "status": workflow.RECEIPT_REJECTED,
        "error": {"code": code, "message": message or catalog.message(code, **params)},
        "received_at": received_at,
    }


def _seen_before(
    earlier: SyncReceipt, change: Change, principal: Principal, received_at: str
) -> dict[str, Any]:
    """The answer to a change id already stored: its receipt again, marked as a replay, when it is
    the same change from the same user; refused otherwise."""
    if earlier.payload_sha256 == change.digest and earlier.user_id == principal.user_id:
        return {**earlier.receipt, "replayed": True}
    return _rejected(change, "sync.change_id_reused", received_at)


def _refused(refusal: Refusal, received_at: str) -> dict[str, Any]:
    error: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
    if refusal.problems:
        error["problems"] = refusal.problems
    return {
        "change_id": refusal.change_id,
        "status": workflow.RECEIPT_REJECTED,
        "error": error,
        "received_at": received_at,
    }


def bootstrap(principal: Principal) -> dict[str, Any]:
    """Everything a device needs offline: its open assignments, their checklists and facilities,
    and its most recent submitted or finished ones (read-only, for the history list)."""
    finished = [s for s in workflow.STATUSES if s not in workflow.EDITABLE]
    done = queries.assigned_inspections(principal.user_id, finished)
    done = sorted(done, key=lambda i: i.id, reverse=True)[:HISTORY_LIMIT]
    assigned = queries.assigned_inspections(principal.user_id, workflow.EDITABLE) + done
    facilities = queries.facilities_by_ids(i.facility_id for i in assigned)
    answers: dict[int, dict[str, Any]] = {i.id: {} for i in assigned}
    for row in queries.answers(answers):
        answers[row.inspection_id][row.item_id] = {**answer_json(row), "revision": row.revision}
    photos = queries.evidence_counts_of(answers)
    versions: dict[str, Checklist] = {}
    definitions: dict[str, Any] = {}
    for inspection in assigned:
        key = f"{inspection.checklist_id}@{inspection.checklist_version}"
        if key not in versions:
            versions[key] = checklists.get_checklist(inspection.checklist_id, inspection.checklist_version)
            definitions[key] = checklists.get_definition(
                inspection.checklist_id, inspection.checklist_version
            )
    changes = last_changes([i.id for i in assigned])
    return {
        "assignments": [
            {
                "inspection": inspection,
                "checklist_key": f"{inspection.checklist_id}@{inspection.checklist_version}",
                "facts": facility_facts(
                    facilities[inspection.facility_id],
                    versions[f"{inspection.checklist_id}@{inspection.checklist_version}"],
                ),
                "answers": answers[inspection.id],
                "photos": photos[inspection.id],
                "last_change": changes.get(inspection.id),
                "conflicts": conflict_views(inspection.id, open_only=True)
                if inspection.status in workflow.EDITABLE
                else [],
            }
            for inspection in assigned
        ],
        "facilities": list(facilities.values()),
        "checklists": definitions,
    }


def last_changes(inspection_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest status change of each inspection, with the name of who made it."""
    latest = {}
    for inspection_id in inspection_ids:
        rows = queries.status_changes(inspection_id)
        if rows:
            latest[inspection_id] = rows[-1]
    names = display_names({row.actor_id for row in latest.values()})
    return {
        inspection_id: {
            "action": row.action,
            "to_status": row.to_status,
            "actor_name": names.get(row.actor_id),
            "reason": row.reason,
            "created_at": row.created_at,
        }
        for inspection_id, row in latest.items()
    }


def apply_batch(
    principal: Principal,
    device_id: str,
    changes: Sequence[Change | Refusal],
    now: dt.datetime,
    ip: str | None,
) -> list[dict[str, Any]]:
    received_at = now.isoformat(timespec="milliseconds")
    receipts: list[dict[str, Any] | None] = [None] * len(changes)
    stored = queries.receipts(c.change_id for c in changes if isinstance(c, Change))
    seen_in_batch: dict[str, tuple[str, int]] = {}
    pending: list[tuple[int, Change]] = []
    for index, change in enumerate(changes):
        if isinstance(change, Refusal):
            receipts[index] = _refused(change, received_at)
            continue
        digest = change.digest
        earlier = stored.get(change.change_id)
        if earlier is not None:
            receipts[index] = _seen_before(earlier, change, principal, received_at)
            continue
        if change.change_id in seen_in_batch:
            first_digest, first_index = seen_in_batch[change.change_id]
            if first_digest != digest:
                receipts[index] = _rejected(change, "sync.change_id_reused", received_at)
            else:
                receipts[index] = {"duplicate_of": first_index}  # filled in below
            continue
        seen_in_batch[change.change_id] = (digest, index)
        pending.append((index, change))

    inspections = queries.inspections_by_ids(principal, (c.inspection_id for _, c in pending))
    assignees = queries.assignees(inspections)
    writable: set[int] = set()
    for inspection_id, inspection in inspections.items():
        if principal.user_id in assignees[inspection_id] and inspection.status in workflow.EDITABLE:
            writable.add(inspection_id)
    queries.lock_inspections(sorted(writable))
    # re-read the state under the lock: a concurrent submit may have won the race
    for inspection_id in list(writable):
        db.session.refresh(inspections[inspection_id])
        if inspections[inspection_id].status not in workflow.EDITABLE:
            writable.discard(inspection_id)
    # and a concurrent request with some of the same changes (a device's retry that reached another
    # worker or node while the first was still at work) may have applied them meanwhile: its receipts
    # are the answer here too, and writing them again would fail the whole batch
    late = queries.receipts(c.change_id for _, c in pending) if pending else {}
    if late:
        for index, change in pending:
            if change.change_id in late:
                receipts[index] = _seen_before(late[change.change_id], change, principal, received_at)
        pending = [(index, change) for index, change in pending if change.change_id not in late]

    current: dict[tuple[int, str], Answer] = {
        (a.inspection_id, a.item_id): a for a in queries.answers(writable)
    }
    models: dict[int, Checklist] = {
        iid: checklists.get_checklist(inspections[iid].checklist_id, inspections[iid].checklist_version)
        for iid in writable
    }
    revision_of: dict[tuple[int, str], int] = {key: a.revision for key, a in current.items()}
    new_answers: dict[tuple[int, str], dict[str, Any]] = {}
    changed_answers: dict[tuple[int, str], dict[str, Any]] = {}
    revisions: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    new_receipts: list[dict[str, Any]] = []
    touched: dict[int, dict[str, Any]] = {}

    for index, change in pending:
        target = inspections.get(change.inspection_id)
        if target is None:
            receipt = _rejected(change, "inspection.not_found", received_at)
        elif change.inspection_id not in writable:
            if principal.user_id not in assignees[change.inspection_id]:
                receipt = _rejected(change, "sync.not_assigned", received_at)
            elif target.status in workflow.LOCKED:
                receipt = _rejected(change, "inspection.locked", received_at)
            else:
                label = workflow.status_label(target.status)
                receipt = _rejected(change, "inspection.not_editable", received_at, status_label=label)
        else:
            receipt = _apply_one(
                change,
                principal,
                device_id,
                models[change.inspection_id],
                target.inspection_date,
                revision_of,
                current,
                new_answers,
                changed_answers,
                revisions,
                conflicts,
                now,
                received_at,
            )
            if receipt["status"] != workflow.RECEIPT_REJECTED:
                stats = touched.setdefault(change.inspection_id, {"applied": [], "conflicts": []})
                stats["applied" if receipt["status"] == workflow.RECEIPT_APPLIED else "conflicts"].append(
                    change.item_id
                )
        receipts[index] = receipt
        new_receipts.append(
            {
                "change_id": change.change_id,
                "user_id": principal.user_id,
                "device_id": device_id,
                "payload_sha256": change.digest,
                "receipt": receipt,
                "created_at": now,
            }
        )

    for index, maybe in enumerate(receipts):
        if maybe is not None and "duplicate_of" in maybe:
            receipts[index] = {**(receipts[maybe["duplicate_of"]] or {}), "replayed": True}

    queries.insert_rows(Answer, list(new_answers.values()))
    queries.update_answers(list(changed_answers.values()))
    queries.insert_rows(AnswerRevision, revisions)
    queries.insert_rows(Conflict, conflicts)
    queries.insert_rows(SyncReceipt, new_receipts)
    for inspection_id, stats in touched.items():
        inspections[inspection_id].updated_at = now
        audit.record(
            "sync.apply",
            actor_id=principal.user_id,
            actor=principal.username,
            target_type="inspection",
            target_id=inspection_id,
            after={"device_id": device_id, "applied": stats["applied"], "conflicts": stats["conflicts"]},
            ip=ip,
        )
    db.session.commit()
    return [r or {} for r in receipts]


def _apply_one(
    change: Change,
    principal: Principal,
    device_id: str,
    checklist: Checklist,
    inspection_date: dt.date,
    revision_of: dict[tuple[int, str], int],
    current: dict[tuple[int, str], Answer],
    new_answers: dict[tuple[int, str], dict[str, Any]],
    changed_answers: dict[tuple[int, str], dict[str, Any]],
    revisions: list[dict[str, Any]],
    conflicts: list[dict[str, Any]],
    now: dt.datetime,
    received_at: str,
) -> dict[str, Any]:
    try:
        answers = check_answers(checklist, {change.item_id: change.fields})
        # a document issued after the inspection is refused before it can become a conflict too
        check_document_dates(checklist, answers, inspection_date)
        parsed = answers[change.item_id]
    except DomainError as exc:
        problem = exc.problems[0] if exc.problems else None
        return _rejected(
            change,
            problem.code if problem else exc.code,
            received_at,
            problem.message if problem else exc.message,
        )
    key = (change.inspection_id, change.item_id)
    revision = revision_of.get(key, 0)
    if change.base_revision != revision:
        conflicts.append(
            {
                "inspection_id": change.inspection_id,
                "item_id": change.item_id,
                "change_id": change.change_id,
                "base_revision": change.base_revision,
                "current_revision": revision,
                "proposed": change.fields,
                "author_id": principal.user_id,
                "device_id": device_id,
                "device_time": change.device_time,
                "received_at": now,
            }
        )
        return {
            "change_id": change.change_id,
            "status": workflow.RECEIPT_CONFLICT,
            "current_revision": revision,
            "received_at": received_at,
        }
    revision += 1
    revision_of[key] = revision
    values = {
        "grade": parsed.grade,
        "document_date": parsed.document_date,
        "valid_until": parsed.valid_until,
        "documents": documents_json(parsed),
        "note": change.fields.get("note"),
        "author_id": principal.user_id,
        "source": "inspector",
    }
    row = {
        "inspection_id": change.inspection_id,
        "item_id": change.item_id,
        "revision": revision,
        "updated_at": now,
        **values,
    }
    if key in current or key in changed_answers:
        changed_answers[key] = row
    else:
        new_answers[key] = row
    revisions.append(
        {
            "inspection_id": change.inspection_id,
            "item_id": change.item_id,
            "revision": revision,
            "change_id": change.change_id,
            "device_id": device_id,
            "device_time": change.device_time,
            "received_at": now,
            **values,
        }
    )
    return {
        "change_id": change.change_id,
        "status": workflow.RECEIPT_APPLIED,
        "revision": revision,
        "received_at": received_at,
    }
