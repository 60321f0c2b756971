"""What changed between two versions of a checklist, item by item.

Used to review a new edition before it is published and to move a draft inspection to a newer
version: an answer survives when its item still exists; changed items are listed for a look.
"""

from __future__ import annotations

from typing import Any

from server.domain.checklist import Checklist, Item

COMPARED_FIELDS = (
    "text",
    "tier",
    "core",
    "veto",
    "monitoring",
    "allow_na",
    "applies_if",
    "levels",
    "validity",
    "photos_min",
    "section_id",
)


def _changed_fields(old: Item, new: Item) -> list[str]:
    return [name for name in COMPARED_FIELDS if getattr(old, name) != getattr(new, name)]


def diff_checklists(old: Checklist, new: Checklist) -> dict[str, Any]:
    old_items = old.item_map()
    new_items = new.item_map()
    changed = []
    for item_id, new_item in new_items.items():
        old_item = old_items.get(item_id)
        if old_item is not None:
            fields = _changed_fields(old_item, new_item)
            if fields:
                changed.append({"id": item_id, "fields": fields})
    return {
        "from": old.ref,
        "to": new.ref,
        "same_checklist": old.id == new.id,
        "added": [i for i in new_items if i not in old_items],
        "removed": [i for i in old_items if i not in new_items],
        "changed": changed,
        "tiers_changed": old.tiers != new.tiers,
        "grade_scale_changed": old.grade_scale != new.grade_scale,
    }
