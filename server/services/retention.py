"""The evidence store as every service meets it: the one error answered while it is down, and
the retention that an approval puts on an inspection's photos.

It sits below `inspections` and `evidence` alike: approving an inspection retains its photos,
and the evidence service builds on the inspection service, so this cannot live in either.
"""

from __future__ import annotations

import datetime as dt
import logging

from server import registry
from server.db import evidence as queries
from server.db.models import Inspection
from server.domain.errors import DomainError
from server.storage import ObjectMissing, StoreError

RETRY_AFTER = 10

log = logging.getLogger(__name__)


def unavailable(exc: Exception) -> DomainError:
    log.warning("evidence store unavailable: %s", exc)
    return DomainError(
        "storage.unavailable",
        retry_after=RETRY_AFTER,
    )


def retain_for_approval(inspection: Inspection, until: dt.datetime) -> int:
    """Put every photo of an approved inspection (and its thumbnail) under retention."""
    store = registry.evidence_store()
    rows = queries.of_inspection(inspection.id)
    try:
        for row in rows:
            for key in (row.object_key, row.thumb_key):
                if key:
                    store.retain(key, until)
            if row.retained_until is None or row.retained_until < until:
                row.retained_until = until
    except ObjectMissing as exc:
        raise DomainError("evidence.missing", status=409) from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    return len(rows)


def retain_keys(keys: list[str], until: dt.datetime) -> int:
    """Put these stored objects under retention (the photos of an accepted rectification)."""
    store = registry.evidence_store()
    try:
        for key in keys:
            store.retain(key, until)
    except ObjectMissing as exc:
        raise DomainError("evidence.missing", status=409) from exc
    except StoreError as exc:
        raise unavailable(exc) from exc
    return len(keys)
