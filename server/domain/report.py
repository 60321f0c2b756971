"""What a report says, computed from an immutable snapshot: labels, the tier explanation in words,
the item table, the rectification list, photo captions. Pure: the same snapshot gives the same
view, which the renderer turns into the same PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from server.domain import evidence, rectification
from server.domain.audit import canonical
from server.domain.checklist import NOT_APPLICABLE, NOT_MET, Checklist, Item
from server.domain.identifiers import FACILITY_TYPES
from server.domain.labels import (
    FLAG_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    TIER_ITEM_LABELS,
    UNANSWERED,
)
from server.domain.times import format_time
from server.domain.workflow import STATUS_LABELS, TRANSITIONS

# The words of the report are the app's: server/domain/labels.py and the workflow's own labels.
ACTION_LABELS = {action: t.label for action, t in TRANSITIONS.items()}


# A table row whose text is longer than this may break across pages; shorter rows are kept whole.
# Kept whole, a row with a note of a thousand characters would leave most of a page empty.
LONG_ROW_CHARS = 300


def _long(*texts: str | None) -> bool:
    return sum(len(t) for t in texts if t) > LONG_ROW_CHARS


def _document_lines(
    item: Item, answer: Mapping[str, Any], failing: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each document the item asks for, with the date answered (or 未填写) and whether it fails."""
    lines = []
    for validity in item.validities or ((item.validity,) if item.validity else ()):
        if validity.key is None:
            date = answer.get(validity.date_field)
        else:
            date = (answer.get("documents") or {}).get(validity.key, {}).get(validity.date_field)
        label = "出具日期" if validity.kind == "max_age" else "有效期至"
        lines.append(
            {
                "text": f"{validity.document}{label}：{date or '未填写'}",
                "failed": validity.key is not None and validity.key in failing,
            }
        )
    return lines


def counts(rollup: Mapping[str, Any]) -> dict[str, Any]:
    """A roll-up of the score with 不达标 and 未作答 apart. The engine's `not_met` counts an
    unanswered item as not met (so that a preview never promises too much); a person reads
    不达标 as "graded and failed", so unanswered items are taken out of it and shown on their own."""
    unanswered = int(rollup.get("unanswered", 0))
    return {**rollup, "failed": int(rollup["not_met"]) - unanswered, "unanswered": unanswered}


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(snapshot).encode("utf-8")).hexdigest()


def report_number(region_code: str, inspection_id: int, digest: str) -> str:
    return f"DB-{region_code[:6]}-{inspection_id:06d}-{digest[:6].upper()}"


def _grade_label(checklist: Checklist, outcome: str | None) -> str:
    if outcome is None:
        return OUTCOME_LABELS[UNANSWERED]
    if outcome in (NOT_MET, NOT_APPLICABLE):
        return OUTCOME_LABELS[outcome]
    return checklist.grade_labels.get(outcome, outcome).split("（")[0]


POINTS_RULES = ("points_share_at_least", "points_at_least")


def _rule_actual(rule: Mapping[str, Any]) -> str:
    actual = rule["actual"]
    if "met" in actual:  # all_at_least, count_at_least
        return f"{actual['met']} / {actual['of']} 项"
    unit = " 分" if rule["rule"] in POINTS_RULES else ""
    share = actual.get("share")
    percent = f"{float(share) * 100:.1f}%" if share is not None else "—"
    return f"{actual['numerator']} / {actual['denominator']}{unit}（{percent}）"


def _blocking_text(checklist: Checklist, block: Mapping[str, Any], numbers: Mapping[str, str]) -> str:
    items = "、".join(numbers.get(i, i) for i in block.get("items", [])[:30])
    more = len(block.get("items", [])) - 30
    tail = f" 等{len(block['items'])}项" if more > 0 else ""
    if block["kind"] == "veto_failed":
        return f"否决项未达标：{items}{tail}"
    if block["kind"] == "veto_unanswered":
        return f"否决项未作答：{items}{tail}"
    if block["kind"] == "veto_downgrade":
        return f"降级否决项未达标，达到的等级降一级：{items}{tail}"
    needed = block.get("needed")
    if block["rule"] == "all_at_least":
        return f"{block['label']}：以下条款未达到要求 {items}{tail}"
    if block["rule"] in POINTS_RULES:
        return f"{block['label']}：实际 {_rule_actual(block)}，还差 {needed} 分；失分条款 {items}{tail}"
    actual = _rule_actual(block)
    return f"{block['label']}：实际 {actual}，至少还需 {needed} 项达到要求；可提升条款 {items}{tail}"


def place_text(photo: Mapping[str, Any], facility: Mapping[str, Any]) -> str:
    """Where a photo was taken, as a reviewer checks it: its distance from the facility
    (距机构 120 米, 距机构 3.4 公里), never the raw coordinates."""
    taken = photo.get("place")
    if not taken:
        return "未获取位置"
    at = evidence.place_or_none(*taken)
    home = evidence.place_or_none(facility.get("latitude"), facility.get("longitude"))
    if at is None:
        return "未获取位置"
    if home is None:
        return "已获取位置（机构未登记坐标，无法核对距离）"
    metres = evidence.distance_m(at, home)
    if metres < 1000:
        return f"距机构 {round(metres / 10) * 10:.0f} 米"
    return f"距机构 {metres / 1000:.1f} 公里"


def edition_text(checklist: Mapping[str, Any]) -> str:
    """The standard a report applies, as people name it: its title, and the edition's year and
    version when the title does not already say the year (never the internal ids)."""
    year = re.match(r"\d{4}", str(checklist.get("edition", "")))
    parts = [str(checklist["title"])]
    if year and year.group() not in parts[0]:
        parts.append(f"（{year.group()}年版）")
    if int(checklist.get("version", 1)) > 1:
        parts.append(f"（第 {checklist['version']} 版）")
    return "".join(parts)


def _rectification(
    checklist: Checklist, score: Mapping[str, Any], tasks: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The 整改清单: every item the result failed, with its task's deadline and state when the
    result was finally approved and made them (server/domain/rectification.py)."""
    rows = []
    for failed in rectification.failed_items(checklist, score):
        task = tasks.get(failed.item_id) or {}
        status = task.get("status")
        rows.append(
            {
                "number": failed.number,
                "text": failed.text,
                "problem": failed.problem,
                "deadline": task.get("deadline"),
                "status_label": rectification.STATUS_LABELS.get(status, status) if status else None,
            }
        )
    return rows


def _reward(checklist: Checklist, tier_code: str) -> int | None:
    return next((t.reward_yuan for t in checklist.tiers if t.code == tier_code), None)


def view(
    snapshot: Mapping[str, Any],
    checklist: Checklist,
    number: str,
    digest: str,
    verify_url: str,
    generated_at: str,
) -> dict[str, Any]:
    """The template context of the inspection report."""
    score = snapshot["score"]
    facility = snapshot["facility"]
    answers: Mapping[str, Any] = snapshot["answers"]
    changes: Mapping[str, Any] = snapshot["revisions"]
    photos_by_item: dict[str, int] = {}
    for photo in snapshot["evidence"]:
        photos_by_item[photo["item_id"]] = photos_by_item.get(photo["item_id"], 0) + 1
    items = checklist.item_map()
    numbers = {item.id: item.number for item in checklist.items()}

    chapters = []
    for chapter_roll in score["chapters"]:
        sections = [s for s in score["sections"] if s["chapter"] == chapter_roll["id"]]
        chapters.append({**counts(chapter_roll), "sections": [counts(s) for s in sections]})

    items_by_chapter = []
    for chapter in checklist.chapters:
        rows = []
        for section in chapter.sections:
            for item in section.items:
                outcome = score["items"][item.id]
                answer = answers.get(item.id, {})
                history = [
                    f"{c['author']}于{c['at']}由“{_grade_label(checklist, c['from'])}”改为"
                    f"“{_grade_label(checklist, c['to'])}”：{c['reason']}"
                    for c in changes.get(item.id, [])
                ]
                reason = rectification.reason_text(item, outcome)
                failing: Mapping[str, str] = outcome.get("documents") or {}
                documents = _document_lines(item, answer, failing) if answer else []
                not_met = outcome["outcome"] == NOT_MET
                unanswered = outcome["outcome"] is None
                rows.append(
                    {
                        "number": item.number,
                        "text": item.text,
                        "core": item.core,
                        "veto": item.veto,
                        "tier_label": TIER_ITEM_LABELS.get(item.tier, item.tier),
                        "outcome_label": _grade_label(checklist, outcome["outcome"]),
                        "not_met": not_met,
                        "unanswered": unanswered,
                        "reason": reason,
                        "changes": history,
                        "note": answer.get("note"),
                        "documents": documents,
                        "photos": photos_by_item.get(item.id, 0),
                        "long": _long(
                            item.text, answer.get("note"), *history, *(d["text"] for d in documents)
                        ),
                    }
                )
        items_by_chapter.append({"title": f"{chapter.number} {chapter.title}".strip(), "rows": rows})

    tiers = []
    for tier in score["tiers"]:
        rules = [
            {"label": r["label"], "actual": _rule_actual(r), "passed": r["passed"]}
            for r in tier.get("rules", [])
        ]
        tiers.append({"label": tier["label"], "rules": rules, "downgraded": tier.get("downgraded", False)})
    next_tier = score["next_tier"]
    photos = [
        {
            "url": f"dabiao-evidence:/{p['thumb_key']}",
            "number": numbers.get(p["item_id"], p["item_id"]),
            "text": items[p["item_id"]].text[:60] if p["item_id"] in items else "",
            "claimed_at": format_time(p.get("claimed_at")),
            "exif_at": format_time(p.get("exif_at")),
            "place": place_text(p, facility),
            "digest": p["sha256"][:16],
            "flags": [FLAG_LABELS.get(f, f) for f in p["flags"]],
        }
        for p in snapshot["evidence"]
        if p.get("thumb_key")
    ]
    tier_code = score["tier"]["code"]
    final = snapshot.get("final")
    return {
        "issuer": snapshot.get("issuer") or "",
        "final": final,
        "edition": edition_text(snapshot["checklist"]),
        "number": number,
        "digest": digest,
        "verify_url": verify_url,
        "generated_at": generated_at,
        "facility": {
            **facility,
            "type_name": FACILITY_TYPES.get(facility["type_code"], facility["type_code"]),
        },
        "checklist": snapshot["checklist"],
        "inspection": {
            "kind_label": KIND_LABELS.get(snapshot["inspection"]["kind"], snapshot["inspection"]["kind"]),
            "date": snapshot["inspection"]["inspection_date"],
            "status_label": STATUS_LABELS.get(
                snapshot["inspection"]["status"], snapshot["inspection"]["status"]
            ),
        },
        "inspectors": snapshot["inspectors"],
        "reviewers": snapshot["reviewers"],
        "tier": score["tier"],
        # an amount only on a final report: a draft's tier may still change
        "reward": (
            next((t.reward_yuan for t in checklist.tiers if t.code == tier_code), None) if final else None
        ),
        "grades": [{"code": g, "label": _grade_label(checklist, g)} for g in checklist.grade_scale],
        "points": checklist.method == "points",
        "totals": counts(score["totals"]),
        "chapters": chapters,
        "tiers": tiers,
        "veto_failed": [{"number": numbers[i], "text": items[i].text} for i in score["veto_failed"]],
        "next_tier": None
        if next_tier is None
        else {
            "label": next_tier["label"],
            "blocked": [_blocking_text(checklist, b, numbers) for b in next_tier["blocked_by"]],
        },
        "items_by_chapter": items_by_chapter,
        "rectification": _rectification(checklist, score, snapshot.get("rectification") or {}),
        "score_unchanged": rectification.SCORE_UNCHANGED,
        "photos": photos,
        "trail": [
            {
                **t,
                "action": ACTION_LABELS.get(t["action"], t["action"]),
                "long": _long(t["reason"], t["actor"]),
            }
            for t in snapshot["trail"]
        ],
    }


# --- the public check of a report (GET /verify/<code>) -------------------------------------------

VERIFY_FINAL = "final"  # the current report of a finally approved inspection
VERIFY_NOT_FINAL = "not_final"  # the current report, of an inspection not finally approved
VERIFY_SUPERSEDED = "superseded"  # the inspection's data changed since: a newer report exists
VERIFY_WITHDRAWN = "withdrawn"  # its result was withdrawn after an upheld objection to its publication

VERIFY_HEADLINES = {
    VERIFY_FINAL: "报告真实有效：终审报告，且为最新版本",
    VERIFY_NOT_FINAL: "报告真实，但为非终审稿，不作为奖补依据",
    VERIFY_SUPERSEDED: "报告真实，但已被新版本取代，请以最新报告为准",
    VERIFY_WITHDRAWN: "报告真实，但其评审结果已撤销",
}


def verify_state(*, final: bool, current: bool, withdrawn: bool) -> str:
    if withdrawn:
        return VERIFY_WITHDRAWN
    if not current:
        return VERIFY_SUPERSEDED
    return VERIFY_FINAL if final else VERIFY_NOT_FINAL


def verify_detail(state: str, final: bool, withdrawn_on: dt.date | None) -> str:
    """The sentence under the headline: what the report was when it was issued, and since."""
    issued = "出具时评审已终审通过。" if final else "出具时评审尚未终审通过（非终审稿）。"
    if state == VERIFY_WITHDRAWN and withdrawn_on is not None:
        return f"{issued}该结果经公示期异议复核，已于 {withdrawn_on.isoformat()} 撤销，不作为奖补依据。"
    if state == VERIFY_SUPERSEDED:
        return f"{issued}此后评审数据已有变更，本报告不再是最新版本。"
    if state == VERIFY_NOT_FINAL:
        return f"{issued}所列等级在终审前仍可能变更。"
    return issued
