"""Plain builder functions for readable test data."""

from __future__ import annotations

import copy
from typing import Any


def level(code: str, criteria: str | None = None, points: float | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "criteria": criteria or f"{code}级要求"}
    if points is not None:
        body["points"] = points
    return body


def item(item_id: str, tier: str = "basic", levels: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "text": f"条款 {item_id}",
        "tier": tier,
        "levels": [level(code) for code in (levels or ["C", "B", "A"])],
        **extra,
    }


def definition(items: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """A small graded checklist: one chapter, one section, the basic tier and, where some item
    is a recommended one, the recommended tier."""
    body: dict[str, Any] = {
        "id": "test-mini",
        "family": "quality_service",
        "edition": "test",
        "version": 1,
        "title": "测试清单",
        "scoring": {"method": "graded"},
        "grade_scale": [
            {"code": "C", "label": "C"},
            {"code": "B", "label": "B"},
            {"code": "A", "label": "A"},
        ],
        "facts": [
            {"key": "has_beds", "type": "boolean", "label": "设有床位"},
            {"key": "beds", "type": "integer", "label": "床位数"},
        ],
        "tiers": [
            {
                "code": "basic",
                "label": "基本标准",
                "rules": [
                    {"rule": "all_at_least", "label": "核心", "select": {"core": True}, "grade": "C"},
                    {
                        "rule": "share_at_least",
                        "label": "基本80%",
                        "select": {"tier": "basic"},
                        "grade": "C",
                        "threshold": "0.8",
                    },
                ],
            },
            {
                "code": "recommended",
                "label": "推荐标准",
                "rules": [
                    {
                        "rule": "share_at_least",
                        "label": "推荐B20%",
                        "select": {"tier": "recommended"},
                        "grade": "B",
                        "threshold": "0.2",
                    },
                ],
            },
        ],
        "chapters": [
            {"id": "CH1", "title": "第一章", "sections": [{"id": "S1", "title": "第一节", "items": items}]}
        ],
    }
    if not any(it.get("tier") == "recommended" for it in items):
        # a share over no item can never hold, and the validator refuses such a tier
        body["tiers"] = body["tiers"][:1]
    body.update(copy.deepcopy(overrides))
    return body
