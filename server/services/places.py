"""Reads of the regions and facilities inside a principal's scope; what lies outside answers
exactly like what does not exist."""

from __future__ import annotations

from server.db import inspections as queries
from server.db.models import Facility, Region
from server.domain.access import Principal
from server.domain.errors import DomainError


def regions(principal: Principal) -> list[Region]:
    return queries.regions_in_scope(principal)


def facilities(principal: Principal, type_code: str | None, limit: int, offset: int) -> list[Facility]:
    return queries.facilities(principal, type_code, limit, offset)


def facility(principal: Principal, facility_id: int) -> Facility:
    found = queries.facility(principal, facility_id)
    if found is None:
        raise DomainError("http.not_found")
    return found
