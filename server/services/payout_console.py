"""Reward rules and payout sheets as a bureau works with them in the console.

Rules (奖补标准) are never edited: a new amount is a new rule of the same region, family and tier
with a later 生效日期, and the sheet of a period uses the rule in force at its end. The console
lists the rules that apply to the user's region (its own, those of the regions above it, and
those of the regions below it) and adds new ones, each audited.

A payout sheet is previewed as the same rows and totals the PDF and XLSX show (the same
`build_sheet`), with its digest. Recording it names that digest: if the sheet changed since the
preview (an approval, a payout recorded meanwhile), nothing is recorded and the user previews
again; recording the same sheet twice adds nothing. Recorded sheets are listed from the payouts
themselves, one line per recording.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import payouts as queries
from server.db import users as user_queries
from server.db.models import PayoutRule
from server.domain import payouts as domain
from server.domain import regions
from server.domain.access import Principal
from server.domain.errors import DomainError, Problem
from server.domain.labels import SYSTEM_ACTOR_LABELS
from server.domain.times import china_date
from server.extensions import db
from server.services import audit, checklists
from server.services.payouts import build_sheet, loaded_tiers, record

INVALID = "payouts.invalid_rule"


def _ancestors(code: str) -> list[str]:
    chain = []
    parent = regions.parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = regions.parent_code(parent)
    return chain


def _people(usernames: set[str]) -> dict[str, str]:
    """What to call who set a rule: a user's name, or the system's (系统命令, 演示数据)."""
    found = {u.username: u.display_name for u in user_queries.by_usernames(usernames)}
    return {name: found.get(name) or SYSTEM_ACTOR_LABELS.get(name, name) for name in usernames}


def _rule_view(
    rule: PayoutRule,
    names: dict[str, str],
    tiers: dict[str, dict[str, str]],
    principal: Principal,
    people: dict[str, str],
) -> dict[str, Any]:
    families = checklists.current_families()
    return {
        "id": rule.id,
        "region_code": rule.region_code,
        "region_name": names.get(rule.region_code, rule.region_code),
        "family": rule.family,
        "family_label": families.name(rule.family),
        "tier_code": rule.tier_code,
        "tier_label": tiers.get(rule.family, {}).get(rule.tier_code, rule.tier_code),
        "amount_yuan": rule.amount_yuan,
        "top_up": rule.top_up,
        "valid_from": rule.valid_from,
        "note": rule.note,
        "created_by": people.get(rule.created_by, rule.created_by),
        "created_at": rule.created_at,
        "inherited": not principal.sees_region(rule.region_code),
    }


def rules(principal: Principal) -> dict[str, Any]:
    """The rules that apply inside the user's region: those of the regions above it (inherited,
    read-only here) and those of the region and the regions below it; newest 生效日期 first."""
    found = queries.rules_for(principal.scope, _ancestors(principal.region_code))
    names = queries.region_names({r.region_code for r in found})
    tiers = loaded_tiers()
    families = checklists.current_families()
    people = _people({r.created_by for r in found})
    return {
        "rules": [_rule_view(r, names, tiers, principal, people) for r in found],
        "families": [
            {
                "code": code,
                "label": families.name(code),
                "tiers": [{"code": c, "label": label} for c, label in tiers.get(code, {}).items()],
            }
            for code in families.codes
            if code in tiers
        ],
    }


def add_rule(principal: Principal, body: dict[str, Any], ip: str | None) -> dict[str, Any]:
    """A new rule of a region inside the user's own: a new amount for a tier from its 生效日期 on."""
    problems = []
    region = body["region_code"]
    if not principal.sees_region(region) or queries.region(region) is None:
        problems.append(Problem(INVALID, "/region_code", "不是本辖区的地区"))
    tiers = loaded_tiers()
    if body["family"] not in tiers:
        problems.append(Problem(INVALID, "/family", "没有已加载的此类评审标准"))
    elif body["tier_code"] not in tiers[body["family"]]:
        problems.append(Problem(INVALID, "/tier_code", "此类评审标准没有这个等级"))
    if problems:
        raise DomainError(INVALID, problems=problems)
    rule = PayoutRule(
        region_code=region,
        family=body["family"],
        tier_code=body["tier_code"],
        amount_yuan=body["amount_yuan"],
        top_up=body["top_up"],
        valid_from=body["valid_from"],
        note=(body.get("note") or "").strip() or None,
        created_by=principal.username,
    )
    try:
        queries.add_rules([rule])
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("payouts.rule_exists") from exc
    audit.record(
        "payout.rule",
        actor_id=principal.user_id,
        actor=principal.username,
        target_type="region",
        target_id=region,
        after={
            "family": rule.family,
            "tier_code": rule.tier_code,
            "amount_yuan": rule.amount_yuan,
            "top_up": rule.top_up,
            "valid_from": rule.valid_from.isoformat(),
            "note": rule.note,
        },
        ip=ip,
    )
    db.session.commit()
    names = queries.region_names([region])
    return _rule_view(rule, names, tiers, principal, {principal.username: principal.display_name})


# --- the sheet -----------------------------------------------------------------------------------


def _visible_region(principal: Principal, region_code: str) -> None:
    if not principal.sees_region(region_code) or queries.region(region_code) is None:
        raise DomainError("http.not_found")


def preview(principal: Principal, region_code: str, period_text: str, now: dt.datetime) -> dict[str, Any]:
    """The sheet's rows and totals as its PDF and XLSX show them, with its digest."""
    _visible_region(principal, region_code)
    domain.parse_period(period_text)
    limit = registry.settings().payout_inline_rows
    if queries.approved_count(regions.scope_prefix(region_code)) > limit:
        raise DomainError("payouts.use_job", limit=f"{limit:,}")
    sheet = build_sheet(region_code, period_text, now)
    db.session.commit()  # a report rendered on the way is kept
    return _sheet_view(sheet)


def _sheet_view(sheet: domain.Sheet) -> dict[str, Any]:
    names = queries.region_names(
        {r.rule.region_code for r in sheet.rows if r.rule is not None}
        | {r.candidate.region_code for r in sheet.rows}
        | {h.candidate.region_code for h in sheet.held}
    )
    return {
        "region_code": sheet.region_code,
        "region_name": sheet.region_name,
        "period": sheet.period.code,
        "period_label": sheet.period.label,
        "title": domain.title(sheet),
        "digest": sheet.digest,
        "total_yuan": sheet.total_yuan,
        "not_reached": sheet.not_reached,
        "recorded": sum(1 for r in sheet.rows if r.recorded),
        "held_text": domain.held_text(sheet),
        "held": [
            {
                "facility_name": h.candidate.facility_name,
                "region_name": names.get(h.candidate.region_code, h.candidate.region_code),
                "family_label": sheet.family_name(h.candidate.family),
                "tier_label": h.candidate.tier_label,
                "report_number": h.candidate.report_number,
                "reason": h.reason,
            }
            for h in sheet.held
        ],
        "rows": [
            {
                "index": r.index,
                "facility_name": r.candidate.facility_name,
                "identifier": r.candidate.uscc,
                "type_name": r.candidate.type_name,
                "region_name": names.get(r.candidate.region_code, r.candidate.region_code),
                "family_label": sheet.family_name(r.candidate.family),
                "tier_label": r.candidate.tier_label,
                "rule": domain.rule_text(r, names),
                "paid_before_yuan": r.paid_before_yuan,
                "amount_yuan": r.amount_yuan,
                "remark": domain.remark(r),
                "report_number": r.candidate.report_number,
                "recorded": r.recorded,
            }
            for r in sheet.rows
        ],
        "totals": [
            {
                "family_label": sheet.family_name(t.family),
                "tier_label": t.tier_label,
                "facilities": t.facilities,
                "amount_yuan": t.amount_yuan,
            }
            for t in sheet.totals
        ],
    }


def record_sheet(
    principal: Principal, region_code: str, period_text: str, digest: str, now: dt.datetime
) -> dict[str, Any]:
    """Records the payouts of the sheet previewed with `digest`; the sheet, as recorded."""
    _visible_region(principal, region_code)
    sheet = build_sheet(region_code, period_text, now)
    if sheet.digest != digest:
        db.session.rollback()
        raise DomainError("payouts.sheet_changed")
    recorded, added = record(sheet, principal.username, now)
    return {"sheet": _sheet_view(recorded), "added": added}


def history(principal: Principal) -> list[dict[str, Any]]:
    """The sheets recorded inside the user's region, newest first: one line per recording."""
    found = queries.recordings(principal.scope)
    names = queries.region_names({r.region_code for r in found})
    people = _people({r.recorded_by for r in found})
    return [
        {
            "region_code": r.region_code,
            "region_name": names.get(r.region_code, r.region_code),
            "period": r.period,
            "period_label": domain.parse_period(r.period).label,
            "facilities": r.count,
            "amount_yuan": r.amount_yuan,
            "recorded_by": people.get(r.recorded_by, r.recorded_by),
            "recorded_at": r.recorded_at,
            "recorded_on": china_date(r.recorded_at),
        }
        for r in found
    ]
