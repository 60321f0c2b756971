"""The checklist facts a facility record gives: its own columns, what they imply, and its facts
JSON. Pure, so that a migration re-scoring stored inspections reads a facility as the app does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Facts read from the facility record's own columns (set through them), and facts worked out from
# the record (never set directly). Every other fact lives in the record's `facts` JSON.
RECORD_FACTS = ("beds", "iv_infusion", "population_served")
DERIVED_FACTS = ("has_beds", "facility_kind")


def record_facts(
    type_code: str,
    beds: int,
    iv_infusion: bool,
    population_served: int | None,
    facts: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Every fact a facility record supplies."""
    known: dict[str, Any] = {
        "has_beds": beds > 0,
        "beds": beds,
        "iv_infusion": iv_infusion,
        "facility_kind": "community" if type_code.startswith("B") else "township",
        **(facts or {}),
    }
    if population_served is not None:
        known["population_served"] = population_served
    return known
