"""Who may do what: the one policy table behind every endpoint, and the region scope of a user.

The table names, for each endpoint, the roles that may call it. Where a resource is, is a
separate question answered by scope: a user sees only facilities and inspections inside their
region (a self-assessor only their own facility). Out-of-scope resources answer exactly like
missing ones, so a denial leaks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain import regions
from server.domain.workflow import (
    ADMIN,
    APPROVED,
    CITY_REVIEWER,
    COUNTY_REVIEWER,
    FINANCE,
    INSPECTOR,
    ROLES,
    SELF_ASSESSOR,
)

ALL = frozenset(ROLES)
WORKERS = ALL - {FINANCE}  # who fill in, review or run inspections: their trail and photos
REVIEWERS = frozenset({COUNTY_REVIEWER, CITY_REVIEWER})
DESK = frozenset({COUNTY_REVIEWER, CITY_REVIEWER, ADMIN})  # who manage people and campaigns

POLICY: dict[str, frozenset[str]] = {
    "auth.me": ALL,
    "auth.logout": ALL,
    "checklists.list": ALL,
    "checklists.get": ALL,
    "regions.list": ALL,
    "facilities.list": ALL,
    "facilities.get": ALL,
    "facilities.facts": ALL,
    "facilities.set_facts": DESK,
    "facilities.profile": DESK | {FINANCE},
    "inspections.list": ALL,
    "inspections.get": ALL,
    "inspections.score": ALL,
    "inspections.history": WORKERS,
    "inspections.create": frozenset({SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.assign": frozenset({COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.transition": frozenset({INSPECTOR, SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER, ADMIN}),
    "inspections.regrade": REVIEWERS,
    "inspections.conflicts": WORKERS,
    "inspections.resolve_conflict": frozenset({INSPECTOR, SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER}),
    "sync.bootstrap": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "sync.push": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "evidence.upload": frozenset({INSPECTOR, SELF_ASSESSOR}),
    "evidence.list": WORKERS,
    "evidence.content": WORKERS,
    "reports.get": ALL,
    "samples.draw": frozenset({CITY_REVIEWER}),
    "samples.get": frozenset({CITY_REVIEWER, ADMIN}),
    "samples.list": frozenset({CITY_REVIEWER, ADMIN}),
    "audit.list": frozenset({ADMIN}),
    "audit.export": frozenset({ADMIN}),
    # the payout sheet of a region: county staff see their county's, the city its city's
    "payouts.sheet": DESK | {FINANCE},
    "payouts.preview": DESK | {FINANCE},
    "payouts.records": DESK | {FINANCE},
    "payouts.rules": DESK | {FINANCE},
    # what moves money: the bureau's administrator (finance reads; reviewers review)
    "payouts.add_rule": frozenset({ADMIN}),
    "payouts.record": frozenset({ADMIN}),
    # whether the region pays only results whose publication (公示) ended: set by its administrator
    "payouts.settings": DESK | {FINANCE},
    "payouts.set_publication": frozenset({ADMIN}),
    # who issues a region's documents (report covers, payout sheets, notices): its administrator
    "regions.issuing_body": DESK | {FINANCE},
    "regions.set_issuing_body": frozenset({ADMIN}),
    # publication of results (公示): the desk publishes and records objections; finance reads
    "publications.list": DESK | {FINANCE},
    "publications.get": DESK | {FINANCE},
    "publications.preview": DESK,
    "publications.create": DESK,
    "publications.object": DESK,
    "publications.decide": DESK,
    # background jobs: the desk roles that start them (payout sheets, approvals that queue reports)
    "jobs.list": DESK | {FINANCE},
    "jobs.get": DESK | {FINANCE},
    # a user's own password; the one thing a user with a one-time password may do besides it
    "auth.change_password": ALL,
    # user accounts of the region: only those whose role the caller may grant (GRANTS)
    "users.list": DESK,
    "users.get": DESK,
    "users.create": DESK,
    "users.update": DESK,
    "users.disable": DESK,
    "users.enable": DESK,
    "users.reset_password": DESK,
    "users.unlock": DESK,
    # facilities and users from a spreadsheet: a preview of every row, then all rows or none
    "imports.template": DESK,
    "imports.preview": DESK,
    "imports.run": DESK,
    # campaign plans: the facilities of a region to inspect, by whom and when
    "plans.list": DESK,
    "plans.get": DESK,
    "plans.create": DESK,
    "plans.change": DESK,
    "plans.cancel": DESK,
    "plans.list_template": DESK,
    "plans.read_list": DESK,
    # the results dashboard: leadership's figures and the facilities behind them; targets are set
    # by the bureau's administrator
    "dashboard.get": DESK | {FINANCE},
    "dashboard.facilities": DESK | {FINANCE},
    "dashboard.set_target": frozenset({ADMIN}),
    # rectification (整改): the facility's staff fix their facility's tasks; the county checks;
    # the desk follows them (the facility's staff see only their own facility's)
    "rectifications.list": DESK | {SELF_ASSESSOR},
    "rectifications.get": DESK | {SELF_ASSESSOR},
    "rectifications.photo": DESK | {SELF_ASSESSOR},
    "rectifications.upload": frozenset({SELF_ASSESSOR}),
    "rectifications.submit": frozenset({SELF_ASSESSOR}),
    "rectifications.decide": frozenset({COUNTY_REVIEWER}),
    "rectifications.export": DESK,
    # a plan's visits as a spreadsheet: whoever may read the plan
    "plans.export": DESK,
    # the final results of a region and period as a spreadsheet (评审结果): the desk and finance
    "exports.results": DESK | {FINANCE},
}

# Endpoints a user whose password is a one-time one may call before choosing their own.
WHILE_ONE_TIME_PASSWORD = frozenset({"auth.me", "auth.logout", "auth.change_password"})

# The roles each role may give, take away and manage accounts of. Nobody grants a role above
# their own: a reviewer manages the inspectors and facility staff who work with them, an
# administrator every role of the region. Where a user sits is checked apart (inside the
# caller's region).
GRANTS: dict[str, frozenset[str]] = {
    ADMIN: ALL,
    CITY_REVIEWER: frozenset({CITY_REVIEWER, COUNTY_REVIEWER, INSPECTOR, SELF_ASSESSOR}),
    COUNTY_REVIEWER: frozenset({COUNTY_REVIEWER, INSPECTOR, SELF_ASSESSOR}),
}

# What a finance officer sees of inspections: final results only.
FINANCE_STATUSES = frozenset({APPROVED})


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    region_code: str
    facility_id: int | None
    session_id: int
    must_change_password: bool = False  # a one-time password: to be changed before anything else

    @property
    def scope(self) -> str:
        return regions.scope_prefix(self.region_code)

    @property
    def may(self) -> list[str]:
        """The endpoints of the policy table the user's role may call (sent to the app, which shows
        only what the user may do)."""
        return endpoints_of(self.role)

    def sees_region(self, code: str) -> bool:
        return code.startswith(self.scope)

    def sees_facility(self, facility_id: int, region_code: str) -> bool:
        if self.role == SELF_ASSESSOR:
            return facility_id == self.facility_id
        return self.sees_region(region_code)

    @property
    def grantable(self) -> list[str]:
        """The roles this user may give (sent to the app, which offers only those)."""
        return [role for role in ROLES if self.grants(role)]

    def grants(self, role: str) -> bool:
        """Whether this user may give `role`, or manage an account that has it."""
        return role in GRANTS.get(self.role, frozenset())


def allowed(endpoint: str, role: str) -> bool:
    return role in POLICY[endpoint]


def endpoints_of(role: str) -> list[str]:
    """The endpoints of the policy table `role` may call, sorted."""
    return sorted(endpoint for endpoint, roles in POLICY.items() if role in roles)
