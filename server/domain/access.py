"""Who may do what: the one policy table behind every endpoint, and the region scope of a user.

The table names, for each endpoint, the roles that may call it. Where a resource is, is a
separate question answered by scope: a user sees only facilities and inspections inside their
region (a self-assessor only their own facility). Out-of-scope resources answer exactly like
missing ones, so a denial leaks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain import regions
from server.domain.workflow import ADMIN, CITY_REVIEWER, COUNTY_REVIEWER, INSPECTOR, ROLES, SELF_ASSESSOR

ALL = frozenset(ROLES)
REVIEWERS = frozenset({COUNTY_REVIEWER, CITY_REVIEWER})

POLICY: dict[str, frozenset[str]] = {
    "auth.me": ALL,
    "auth.logout": ALL,
    "checklists.list": ALL,
    "checklists.get": ALL,
    "regions.list": ALL,
    "facilities.list": ALL,
    "facilities.get": ALL,
    "facilities.facts": ALL,
    "facilities.set_facts": frozenset({ADMIN}),
    "inspections.list": ALL,
    "inspections.get": ALL,
    "inspections.score": ALL,
    "inspections.history": ALL,
    "inspections.create": frozenset({SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.assign": frozenset({COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.transition": frozenset({INSPECTOR, SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.regrade": REVIEWERS,
    "inspections.conflicts": ALL,
    "inspections.resolve_conflict": frozenset({INSPECTOR, SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER}),
    "sync.bootstrap": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "sync.push": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "evidence.upload": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "evidence.list": ALL,
    "evidence.content": ALL,
    "reports.get": ALL,
    "samples.draw": frozenset({CITY_REVIEWER}),
    "samples.get": frozenset({CITY_REVIEWER, ADMIN}),
    "audit.list": frozenset({ADMIN}),
    "payouts.sheet": frozenset({CITY_REVIEWER, ADMIN}),
    # background jobs: the desk roles that start them (payout sheets, approvals that queue reports)
    "jobs.list": frozenset({COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "jobs.get": frozenset({COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
}


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    region_code: str
    facility_id: int | None
    session_id: int

    @property
    def scope(self) -> str:
        return regions.scope_prefix(self.region_code)

    def sees_region(self, code: str) -> bool:
        return code.startswith(self.scope)

    def sees_facility(self, facility_id: int, region_code: str) -> bool:
        if self.role == SELF_ASSESSOR:
            return facility_id == self.facility_id
        return self.sees_region(region_code)


def allowed(endpoint: str, role: str) -> bool:
    return role in POLICY[endpoint]
