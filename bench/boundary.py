"""What the input boundary costs a sync batch: 300 changes read through the real wire schema
(64-bit and column ranges, text checks, strict dates and offset datetimes, each change checked on
its own) against the same batch through plain marshmallow fields with no boundary checks.

A device sends batches of up to 1,000 changes; the sync soak (bench/sync.py) is bound by CPU, so
the checks' cost per batch is worth knowing.
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from collections.abc import Callable

import marshmallow as ma
from marshmallow import fields

from server.api.schemas import SyncIn
from server.domain import jsonstrict


class _PlainChange(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    change_id = fields.String(required=True)
    inspection_id = fields.Integer(required=True)
    item_id = fields.String(required=True)
    base_revision = fields.Integer(required=True)
    grade = fields.String(required=True)
    document_date = fields.String(load_default=None, allow_none=True)
    valid_until = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    device_time = fields.String(load_default=None, allow_none=True)


class _PlainSync(ma.Schema):
    device_id = fields.String(required=True)
    changes = fields.List(fields.Nested(_PlainChange), required=True)


def _batch(size: int) -> dict[str, object]:
    return {
        "device_id": "bench-device",
        "changes": [
            {
                "change_id": secrets.token_hex(8),
                "inspection_id": 7,
                "item_id": f"QS-{i // 50 + 1}.{i % 50 + 1}.01",
                "base_revision": 0,
                "grade": "A",
                "note": "现场查看：制度齐全，记录完整，人员知晓率高。" * 2,
                "device_time": "2026-11-20T10:00:00.123Z",
                "document_date": "2026-06-01" if i % 5 == 0 else None,
            }
            for i in range(size)
        ],
    }


def _p50s(fns: list[Callable[[], object]], rounds: int = 120) -> list[float]:
    """Median time of each function, run in turn round after round so that drift in the
    machine's speed touches them alike."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, found in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn()
            found.append((time.perf_counter() - started) * 1000)
    return [statistics.median(found) for found in samples]


def run() -> list[str]:
    batch = _batch(300)
    text = json.dumps(batch, ensure_ascii=False).encode()
    strict, plain = SyncIn(), _PlainSync()
    checked, strict_json, baseline = _p50s(
        [
            lambda: strict.load(jsonstrict.loads(text)),
            lambda: plain.load(jsonstrict.loads(text)),
            lambda: plain.load(json.loads(text)),
        ]
    )
    return [
        f"300-change sync batch, JSON + schema, p50: {checked:.1f} ms with the boundary checks",
        f"baseline (json.loads + plain marshmallow fields): {baseline:.1f} ms; "
        f"the checks cost {checked - baseline:.1f} ms per batch ({checked / baseline:.2f}x)",
        f"of which strict JSON (NaN, duplicate keys, depth, long integers): {strict_json - baseline:.1f} ms",
    ]
