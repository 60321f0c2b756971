"""The review workflow as an explicit transition table.

Every state change of an inspection is one row here: the states it may start from, the state it
leads to, the roles that may take it, and what it needs (a written reason, a complete inspection,
a reviewer who took no part in the inspection). Services check a transition with `check` before
they write anything.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from server.domain.errors import DomainError

DRAFT = "draft"
SUBMITTED = "submitted"
COUNTY_REVIEW = "county_review"
RETURNED = "returned"
COUNTY_APPROVED = "county_approved"
CITY_REVIEW = "city_review"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"  # a planned visit called off before anything was submitted; answers kept
STATUSES = (
    DRAFT,
    SUBMITTED,
    COUNTY_REVIEW,
    RETURNED,
    COUNTY_APPROVED,
    CITY_REVIEW,
    APPROVED,
    REJECTED,
    CANCELLED,
)
STATUS_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "已提交",
    COUNTY_REVIEW: "县级审核中",
    RETURNED: "已退回",
    COUNTY_APPROVED: "县级已通过",
    CITY_REVIEW: "市级复核中",
    APPROVED: "已通过（终审）",
    REJECTED: "不予通过",
    CANCELLED: "已取消",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


# Where the inspector's answers may change (through sync), and where a reviewer may regrade.
EDITABLE = frozenset({DRAFT, RETURNED})
REVIEWABLE = {COUNTY_REVIEW: "county", CITY_REVIEW: "city"}
LOCKED = frozenset({APPROVED, REJECTED})

INSPECTOR = "inspector"
SELF_ASSESSOR = "self_assessor"
COUNTY_REVIEWER = "county_reviewer"
CITY_REVIEWER = "city_reviewer"
ADMIN = "admin"
FINANCE = "finance"  # reads final results, reports and payout sheets of its region; changes nothing
ROLES = (INSPECTOR, SELF_ASSESSOR, COUNTY_REVIEWER, CITY_REVIEWER, ADMIN, FINANCE)

# What an inspection is: a facility's own assessment, a county inspection, a city re-inspection.
SELF_ASSESSMENT = "self_assessment"
COUNTY_INSPECTION = "county_inspection"
CITY_REINSPECTION = "city_reinspection"
KINDS = (SELF_ASSESSMENT, COUNTY_INSPECTION, CITY_REINSPECTION)

# How an open sync conflict is settled (the request's word) and what the conflict then records.
RESOLUTIONS = {"accept": "accepted", "dismiss": "dismissed", "combine": "combined"}

# A written reason (a return, a rejection, a reopening, a regrade, a settled conflict) is read
# later by someone else: it needs at least this many characters once surrounding whitespace is
# stripped. Exported to the app (`reason_min_length`), which asks for as much before sending.
REASON_MIN = 2

# A password people choose themselves has at least this many characters (exported to the app as
# `password_min_length`, which asks for as many before sending).
PASSWORD_MIN = 10


def reason_given(reason: str | None) -> bool:
    """Whether `reason` is long enough: at least REASON_MIN characters once stripped. Every check
    of a reason uses it (transitions here, regrades and settled conflicts in the services), each
    refusing with its own catalog code and `min_length=REASON_MIN`."""
    return reason is not None and len(reason.strip()) >= REASON_MIN


# What a sync receipt says of one change: applied, in conflict with a newer answer, or refused.
RECEIPT_APPLIED = "applied"
RECEIPT_CONFLICT = "conflict"
RECEIPT_REJECTED = "rejected"
RECEIPT_STATUSES = (RECEIPT_APPLIED, RECEIPT_CONFLICT, RECEIPT_REJECTED)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool = False
    needs_complete: bool = False
    participant_only: bool = False  # only someone who took part may take it (submit)
    review_level: str | None = None  # "county" or "city": the actor must not have taken part
    planning: bool = False  # a change of plan made at the desk (calling a visit off), not a review
    label: str = ""


def _t(
    action: str, sources: Collection[str], target: str, roles: Collection[str], **kw: object
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), **kw)  # type: ignore[arg-type]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "submit",
            {DRAFT, RETURNED},
            SUBMITTED,
            {INSPECTOR, SELF_ASSESSOR},
            needs_complete=True,
            participant_only=True,
            label="提交",
        ),
        _t(
            "start_county_review",
            {SUBMITTED},
            COUNTY_REVIEW,
            {COUNTY_REVIEWER},
            review_level="county",
            label="开始县级审核",
        ),
        _t(
            "return",
            {COUNTY_REVIEW},
            RETURNED,
            {COUNTY_REVIEWER},
            needs_reason=True,
            review_level="county",
            label="退回修改",
        ),
        _t(
            "county_approve",
            {COUNTY_REVIEW},
            COUNTY_APPROVED,
            {COUNTY_REVIEWER},
            needs_complete=True,
            review_level="county",
            label="县级审核通过",
        ),
        _t(
            "county_reject",
            {COUNTY_REVIEW},
            REJECTED,
            {COUNTY_REVIEWER},
            needs_reason=True,
            review_level="county",
            label="县级不予通过",
        ),
        _t(
            "start_city_review",
            {COUNTY_APPROVED},
            CITY_REVIEW,
            {CITY_REVIEWER},
            review_level="city",
            label="开始市级复核",
        ),
        _t(
            "city_return",
            {CITY_REVIEW},
            COUNTY_REVIEW,
            {CITY_REVIEWER},
            needs_reason=True,
            review_level="city",
            label="退回县级",
        ),
        _t(
            "approve",
            {CITY_REVIEW, COUNTY_APPROVED},
            APPROVED,
            {CITY_REVIEWER},
            needs_complete=True,
            review_level="city",
            label="终审通过",
        ),
        _t(
            "city_reject",
            {CITY_REVIEW},
            REJECTED,
            {CITY_REVIEWER},
            needs_reason=True,
            review_level="city",
            label="市级不予通过",
        ),
        _t(
            "cancel",
            {DRAFT},
            CANCELLED,
            {COUNTY_REVIEWER, CITY_REVIEWER, ADMIN},
            needs_reason=True,
            planning=True,
            label="取消检查",
        ),
        _t(
            "reopen",
            {APPROVED, REJECTED},
            CITY_REVIEW,
            {CITY_REVIEWER, ADMIN},
            needs_reason=True,
            label="重新开启",
        ),
    )
}


def as_data() -> dict[str, Any]:
    """The workflow as plain data for the app (`python -m server export-rules` writes it into
    pwa/src/generated/): states with their labels, where answers may change, where reviewers
    regrade, and every transition with what it needs. The app offers what this allows; the
    server still checks every request with `check`."""
    return {
        "statuses": [{"code": s, "label": STATUS_LABELS[s]} for s in STATUSES],
        "editable": [s for s in STATUSES if s in EDITABLE],
        "reviewable": {s: REVIEWABLE[s] for s in STATUSES if s in REVIEWABLE},
        "locked": [s for s in STATUSES if s in LOCKED],
        "roles": list(ROLES),
        "reason_min_length": REASON_MIN,
        "password_min_length": PASSWORD_MIN,
        "transitions": [
            {
                "action": t.action,
                "label": t.label,
                "from": [s for s in STATUSES if s in t.sources],
                "to": t.target,
                "roles": [r for r in ROLES if r in t.roles],
                "needs_reason": t.needs_reason,
                "needs_complete": t.needs_complete,
                "review_level": t.review_level,
                "planning": t.planning,
            }
            for t in TRANSITIONS.values()
        ],
    }


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str


@dataclass(frozen=True)
class InspectionFacts:
    """What a transition check needs to know about one inspection."""

    status: str
    participants: frozenset[int]
    county_reviewer_id: int | None
    city_reviewer_id: int | None
    in_open_sample: bool
    missing: tuple[str, ...]  # unanswered items and missing evidence, as stable codes


def check(action: str, actor: Actor, facts: InspectionFacts, reason: str | None) -> Transition:
    """The transition if `actor` may take `action` now; a DomainError with a stable code if not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError("workflow.unknown_action")
    if actor.role not in transition.roles:
        raise DomainError("workflow.role_not_allowed")
    if facts.status not in transition.sources:
        raise DomainError(
            "workflow.invalid_transition",
            status_label=status_label(facts.status),
            action=transition.label or action,
        )
    if transition.needs_reason and not reason_given(reason):
        raise DomainError("workflow.reason_required", min_length=REASON_MIN)
    if transition.participant_only and actor.user_id not in facts.participants:
        raise DomainError("workflow.not_participant")
    if transition.review_level is not None:
        check_reviewer(transition.review_level, actor, facts)
    if action == "approve" and facts.status == COUNTY_APPROVED and facts.in_open_sample:
        raise DomainError("workflow.sampled_for_review")
    if transition.needs_complete and facts.missing:
        code = "review.evidence_incomplete" if action != "submit" else "inspection.incomplete"
        raise DomainError(code, count=len(facts.missing))
    return transition


def check_reviewer(level: str, actor: Actor, facts: InspectionFacts) -> None:
    """Separation of duties: no one reviews what they took part in; county and city reviewers differ."""
    if actor.user_id in facts.participants:
        raise DomainError("review.conflict_of_interest")
    if (
        level == "county"
        and facts.county_reviewer_id not in (None, actor.user_id)
        and facts.status != SUBMITTED
    ):
        raise DomainError("review.not_assigned_reviewer")
    if level == "city":
        if facts.county_reviewer_id == actor.user_id:
            raise DomainError("review.same_reviewer")
        if facts.city_reviewer_id not in (None, actor.user_id) and facts.status == CITY_REVIEW:
            raise DomainError("review.not_assigned_reviewer")


@dataclass(frozen=True)
class Options:
    """What an actor may do with one inspection now, as `check` decides it."""

    allowed: tuple[str, ...]  # the actions `check` lets through, in the table's order
    refused: tuple[tuple[str, DomainError], ...]  # actions the role has from this state, refused


def options(actor: Actor, facts: InspectionFacts) -> Options:
    """Each action of the actor's role from the inspection's state, run through `check` as if a
    reason were given and the inspection were complete: those two are asked and checked when the
    action is taken (the refusal then lists every missing item). What `check` refuses otherwise
    (separation of duties, another reviewer's inspection, the city sample) is refused here too,
    with the same error, so the app shows the server's rule instead of restating it."""
    allowed: list[str] = []
    refused: list[tuple[str, DomainError]] = []
    ready = replace(facts, missing=())
    for t in TRANSITIONS.values():
        if actor.role not in t.roles or facts.status not in t.sources:
            continue
        try:
            check(t.action, actor, ready, reason="(asked when taken)")
        except DomainError as exc:
            refused.append((t.action, exc))
        else:
            allowed.append(t.action)
    return Options(tuple(allowed), tuple(refused))
