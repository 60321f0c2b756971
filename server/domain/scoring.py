"""The scoring engine: graded answers in, per-item outcomes, roll-ups and the tier reached out.

Pure: no I/O, no clock. Rules are looked up by the name the checklist gives them (RULES), so a
province can publish an edition with different thresholds without a code change.

Decisions worth knowing:
- Not-applicable items (by the item's condition on facility facts, or marked by the inspector
  where the item allows it) are left out of every count and denominator.
- An unanswered item counts as not met, so a preview of an unfinished inspection never states
  a higher tier than the finished one could; `complete` says whether anything is missing.
- A failed (or unanswered) veto item forces "none" whatever the totals (`veto: true`), keeps one
  named tier and those above it out of reach (`{effect: block, tier}`), or lowers the tier reached
  by one (`{effect: downgrade}`, 降级: one tier however many such items failed).
- A share, count or points rule whose selection is empty (every item not applicable) does not
  hold: a tier is never granted on the strength of nothing assessed. An "all at least" rule over
  nothing holds.
- Shares are compared as exact fractions: 8 of 10 meets a threshold of "0.8", 2 of 3 one of "2/3".
- A rule with a `when` condition the facility's facts do not meet is not assessed (left out of
  the tier's rules); a tier's rules can so differ by facility kind under one tier code.
- Points: where chapters carry weights, the points earned in a chapter are scaled to its weight
  over its applicable items (earned / possible x weight), for every points rule and roll-up. An
  item's own `points` in the result stay the level's points as published.
- An item with several documents (its validity a list) is answered with a `documents` map, one
  date per document key, and never with the top-level document_date / valid_until (and an item
  with one document or none never with the map): each document is checked like the single one,
  the item is not met when any is missing or out of date, and its result says which
  (`documents: {key: reason}`, the item's reason being the first failing document's).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta

from server.domain import catalog, inputs
from server.domain.checklist import (
    NOT_APPLICABLE,
    NOT_MET,
    VETO_ALL,
    VETO_BLOCK,
    VETO_DOWNGRADE,
    Checklist,
    Item,
    Rule,
    Validity,
    evaluate_condition,
    fact_in_range,
    fact_type_problem,
    referenced_facts,
    rule_selection,
)
from server.domain.errors import DomainError, Problem, pointer

ANSWER_FIELDS = {"grade", "document_date", "valid_until", "note", "documents"}
DATE_FIELDS = ("document_date", "valid_until")
TIER_NONE = "none"
TIER_NONE_LABEL = "未达标"

# Why an item's outcome differs from its answer, or why it is not applicable (the result's
# items[...].reason; the API publishes these as an enum).
REASON_CONDITION = "condition"  # not applicable by the item's condition on facility facts
REASON_UNANSWERED = "unanswered"
REASON_INSPECTOR = "inspector"  # marked not applicable by the inspector
REASON_DOCUMENT_DATE_MISSING = "document_date_missing"
REASON_DOCUMENT_EXPIRED = "document_expired"
ITEM_REASONS = (
    REASON_CONDITION,
    REASON_UNANSWERED,
    REASON_INSPECTOR,
    REASON_DOCUMENT_DATE_MISSING,
    REASON_DOCUMENT_EXPIRED,
)
# Why a failed rule failed when no item was left to assess.
RULE_REASON_NO_ITEMS = "no_applicable_items"
# What keeps the next tier out of reach (next_tier.blocked_by[...].kind).
BLOCK_VETO_FAILED = "veto_failed"
BLOCK_VETO_UNANSWERED = "veto_unanswered"
BLOCK_VETO_DOWNGRADE = "veto_downgrade"  # failed downgrade veto items lowered the tier reached
BLOCK_RULE = "rule"
BLOCK_KINDS = (BLOCK_VETO_FAILED, BLOCK_VETO_UNANSWERED, BLOCK_VETO_DOWNGRADE, BLOCK_RULE)


@dataclass(frozen=True)
class DocumentDate:
    """One document's date in an answer: its field (document_date or valid_until) and value."""

    field: str
    date: dt.date


@dataclass(frozen=True)
class Answer:
    grade: str
    document_date: dt.date | None = None
    valid_until: dt.date | None = None
    # an item with several documents: document key -> its date (a document not given is absent)
    documents: Mapping[str, DocumentDate] = field(default_factory=dict)


def documents_json(answer: Answer) -> dict[str, dict[str, str]] | None:
    """The answer's documents as the wire and the database hold them; None when there are none."""
    if not answer.documents:
        return None
    return {key: {d.field: d.date.isoformat()} for key, d in answer.documents.items()}


def documents_from_json(stored: Mapping[str, Any] | None) -> dict[str, DocumentDate]:
    """The documents map as stored (documents_json) back to dates."""
    out: dict[str, DocumentDate] = {}
    for key, body in (stored or {}).items():
        for name, value in body.items():
            if value is not None:
                out[key] = DocumentDate(name, dt.date.fromisoformat(value))
    return out


@dataclass(frozen=True)
class ItemOutcome:
    item: Item
    outcome: str | None  # a grade code, not_met, not_applicable; None when unanswered
    reason: str | None  # why the outcome differs from the answer, or why it is not applicable
    answered: str | None
    # points earned and possible as rules and roll-ups count them (scaled by the chapter's weight)
    earned: Fraction = Fraction(0)
    possible: Fraction = Fraction(0)
    documents: Mapping[str, str] | None = None  # several documents: the failing ones' reasons

    @property
    def applicable(self) -> bool:
        return self.outcome != NOT_APPLICABLE

    @property
    def effective(self) -> str:
        """The outcome as rules see it: unanswered counts as not met."""
        return NOT_MET if self.outcome is None else self.outcome


@dataclass
class RuleResult:
    rule: Rule
    passed: bool
    numerator: Fraction = Fraction(0)
    denominator: Fraction = Fraction(0)
    needed: Fraction = Fraction(0)
    items: list[str] = field(default_factory=list)
    index: int = 0  # the rule's place in its tier's definition

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "rule": self.rule.rule,
            "label": self.rule.label,
            "passed": self.passed,
        }
        if self.rule.grade is not None:
            body["grade"] = self.rule.grade
        if self.rule.rule in COUNT_RULES:
            if self.rule.count is not None:
                body["count"] = self.rule.count
            body["actual"] = {"met": _num(self.numerator), "of": _num(self.denominator)}
        else:
            if self.rule.threshold_text is not None:
                body["threshold"] = self.rule.threshold_text
            if self.rule.points_text is not None:
                body["points"] = self.rule.points_text
            body["actual"] = {
                "numerator": _num(self.numerator),
                "denominator": _num(self.denominator),
                "share": _share(self.numerator, self.denominator),
            }
        if not self.passed:
            body["needed"] = _num(self.needed)
            body["items"] = self.items
            if self.denominator == 0:
                body["reason"] = RULE_REASON_NO_ITEMS
        return body


def _num(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _share(numerator: Fraction, denominator: Fraction) -> str | None:
    if denominator == 0:
        return None
    return f"{float(numerator / denominator):.4f}"


# --- input checking ------------------------------------------------------------------------------


def parse_date(value: Any, where: str, problems: list[Problem]) -> dt.date | None:
    parsed = inputs.parse_date(value)
    if parsed is None:
        problems.append(Problem("input.invalid_date", where, inputs.MSG_DATE))
    return parsed


def check_facts(checklist: Checklist, facts: Any) -> dict[str, Any]:
    problems: list[Problem] = []
    if not isinstance(facts, Mapping):
        raise DomainError("facts.invalid")
    for key, value in facts.items():
        fact = checklist.facts.get(key)
        if fact is None:
            problems.append(Problem("facts.unknown", pointer("facts", key), "不是此评审标准使用的机构信息"))
        elif (wrong := fact_type_problem(fact, value)) is not None:
            problems.append(Problem("facts.type", pointer("facts", key), wrong))
        elif not fact_in_range(fact, value):
            problems.append(
                Problem(
                    "facts.out_of_range",
                    pointer("facts", key),
                    catalog.message("facts.out_of_range", range=fact.range_text()),
                )
            )
    for key in sorted(referenced_facts(checklist) - set(facts)):
        problems.append(Problem("facts.missing", pointer("facts", key), "缺少此项机构信息"))
    if problems:
        raise DomainError("facts.invalid", problems=problems)
    return dict(facts)


def check_answers(checklist: Checklist, answers: Any) -> dict[str, Answer]:
    """Typed answers from raw JSON; every problem is reported at once with a stable code."""
    if not isinstance(answers, Mapping):
        raise DomainError("answers.invalid")
    items = checklist.item_map()
    problems: list[Problem] = []
    result: dict[str, Answer] = {}
    for item_id, raw in answers.items():
        where = pointer("answers", item_id)
        item = items.get(item_id)
        if item is None:
            problems.append(Problem("answers.unknown_item", where, f"此版本评审标准中没有条款“{item_id}”"))
            continue
        if not isinstance(raw, Mapping):
            problems.append(Problem("answers.invalid", where, "答案应为对象"))
            continue
        for key in sorted(set(raw) - ANSWER_FIELDS):
            problems.append(Problem("answers.unknown_field", f"{where}/{pointer(key)[1:]}", "未知字段"))
        grade = raw.get("grade")
        allowed = [lv.code for lv in item.levels] + [NOT_MET]
        if item.allow_na:
            allowed.append(NOT_APPLICABLE)
        if grade == NOT_APPLICABLE and not item.allow_na:
            problems.append(
                Problem(
                    "answers.not_applicable_not_allowed",
                    where + "/grade",
                    "此条款只能根据机构信息判定为不适用",
                )
            )
            continue
        if not isinstance(grade, str) or grade not in allowed:
            problems.append(
                Problem("answers.invalid_grade", where + "/grade", f"等级应为以下之一：{'、'.join(allowed)}")
            )
            continue
        note = raw.get("note")
        if note is not None and not isinstance(note, str):
            problems.append(Problem("answers.invalid", where + "/note", "备注应为文本"))
        elif isinstance(note, str) and (len(note) > inputs.NOTE_MAX or inputs.text_error(note, True)):
            message = inputs.text_error(note, True) or f"备注最多 {inputs.NOTE_MAX} 个字符"
            problems.append(Problem("answers.invalid_note", where + "/note", message))
        dates: dict[str, dt.date | None] = {}
        for key in DATE_FIELDS:
            if raw.get(key) is not None:
                if item.validities:
                    problems.append(
                        Problem(
                            "answers.document_form",
                            f"{where}/{key}",
                            "此条款有多份文件，请逐份填写各文件的日期",
                        )
                    )
                    continue
                dates[key] = parse_date(raw[key], f"{where}/{key}", problems)
        documents: dict[str, DocumentDate] = {}
        if raw.get("documents") is not None:
            if not item.validities:
                problems.append(
                    Problem(
                        "answers.document_form",
                        f"{where}/documents",
                        "此条款没有多份文件，不能逐份填写文件日期",
                    )
                )
            else:
                documents = _check_documents(item, raw["documents"], f"{where}/documents", problems)
        result[item_id] = Answer(grade, dates.get("document_date"), dates.get("valid_until"), documents)
    if problems:
        raise DomainError("answers.invalid", problems=problems)
    return result


def _check_documents(item: Item, raw: Any, where: str, problems: list[Problem]) -> dict[str, DocumentDate]:
    """The documents map of an item with several documents: {key: {document_date | valid_until}}."""
    if not isinstance(raw, Mapping):
        problems.append(Problem("answers.invalid", where, "文件日期应为对象"))
        return {}
    declared = {v.key: v for v in item.validities}
    out: dict[str, DocumentDate] = {}
    for key in sorted(raw):
        at = f"{where}/{pointer(key)[1:]}"
        validity = declared.get(key)
        if validity is None:
            problems.append(Problem("answers.unknown_document", at, f"此条款没有文件“{key}”"))
            continue
        body = raw[key]
        if not isinstance(body, Mapping):
            problems.append(Problem("answers.invalid", at, "文件日期应为对象"))
            continue
        expected = validity.date_field
        for name in sorted(body):
            if name == expected:
                continue
            if name in DATE_FIELDS:
                label = "出具日期" if expected == "document_date" else "有效期截止日期"
                message = f"“{validity.document}”应填写{label}"
                problems.append(Problem("answers.document_form", f"{at}/{pointer(name)[1:]}", message))
            else:
                problems.append(Problem("answers.unknown_field", f"{at}/{pointer(name)[1:]}", "未知字段"))
        if body.get(expected) is not None:
            date = parse_date(body[expected], f"{at}/{expected}", problems)
            if date is not None:
                out[key] = DocumentDate(expected, date)
    return out


def documents_after_inspection(
    checklist: Checklist, answers: Mapping[str, Answer], inspection_date: dt.date
) -> list[tuple[str, dict[str, str]]]:
    """Document dates after the inspection date: where each is and the catalog parameters naming
    it. An issue date after the inspection cannot be its evidence (a licence valid until after it
    is of course normal). Checked where answers are stored (check_document_dates), not when they
    are scored: a stored answer always scores."""
    items = checklist.item_map()
    found: list[tuple[str, dict[str, str]]] = []

    def late(where: str, document: str, date: dt.date) -> None:
        params = {
            "document": document,
            "date": date.isoformat(),
            "inspection_date": inspection_date.isoformat(),
        }
        found.append((where, params))

    for item_id, answer in answers.items():
        item = items[item_id]
        where = pointer("answers", item_id)
        if answer.document_date is not None and answer.document_date > inspection_date:
            late(
                f"{where}/document_date",
                item.validity.document if item.validity else "文件",
                answer.document_date,
            )
        names = {v.key: v.document for v in item.validities}
        for key, document in answer.documents.items():
            if document.field == "document_date" and document.date > inspection_date:
                late(f"{where}/documents/{pointer(key)[1:]}/document_date", names[key], document.date)
    return found


def check_document_dates(
    checklist: Checklist, answers: Mapping[str, Answer], inspection_date: dt.date
) -> None:
    """Refuse answers with a document dated after the inspection: a problem for each, naming its
    document; the error's message names the first."""
    found = documents_after_inspection(checklist, answers, inspection_date)
    if found:
        code = "answers.document_after_inspection"
        problems = [Problem(code, where, catalog.message(code, **params)) for where, params in found]
        first = found[0][1]
        raise DomainError(
            code,
            problems=problems,
            document=first["document"],
            date=first["date"],
            inspection_date=first["inspection_date"],
        )


# --- outcomes ------------------------------------------------------------------------------------


def document_reason(validity: Validity, date: dt.date | None, inspection_date: dt.date) -> str | None:
    """Why one document does not hold at the inspection date, or None when it does."""
    if date is None:
        return REASON_DOCUMENT_DATE_MISSING
    if validity.kind == "max_age":
        assert validity.max_age_months is not None
        # subtract from the inspection date (always within the sane range) rather than adding to
        # the document's date, which could overflow for a date stored before dates were bounded
        if date < inspection_date - relativedelta(months=validity.max_age_months):
            return REASON_DOCUMENT_EXPIRED
    elif date < inspection_date:
        return REASON_DOCUMENT_EXPIRED
    return None


def item_outcome(
    checklist: Checklist,
    item: Item,
    answer: Answer | None,
    facts: Mapping[str, Any],
    inspection_date: dt.date,
) -> ItemOutcome:
    answered = answer.grade if answer else None
    if item.applies_if is not None and not evaluate_condition(item.applies_if, facts):
        return ItemOutcome(item, NOT_APPLICABLE, REASON_CONDITION, answered)
    if answer is None:
        return ItemOutcome(item, None, REASON_UNANSWERED, None)
    if answer.grade == NOT_APPLICABLE:
        return ItemOutcome(item, NOT_APPLICABLE, REASON_INSPECTOR, answered)
    if answer.grade == NOT_MET:
        return ItemOutcome(item, answer.grade, None, answered)
    if item.validities:
        failing: dict[str, str] = {}
        for validity in item.validities:
            assert validity.key is not None
            document = answer.documents.get(validity.key)
            reason = document_reason(validity, document.date if document else None, inspection_date)
            if reason is not None:
                failing[validity.key] = reason
        if failing:
            return ItemOutcome(item, NOT_MET, next(iter(failing.values())), answered, documents=failing)
        return ItemOutcome(item, answer.grade, None, answered)
    if item.validity is None:
        return ItemOutcome(item, answer.grade, None, answered)
    date = answer.document_date if item.validity.kind == "max_age" else answer.valid_until
    reason = document_reason(item.validity, date, inspection_date)
    if reason is not None:
        return ItemOutcome(item, NOT_MET, reason, answered)
    return ItemOutcome(item, answer.grade, None, answered)


def _points(outcome: ItemOutcome) -> Fraction:
    """The level's points as published (unweighted)."""
    level = outcome.item.level(outcome.effective)
    return level.points if level is not None and level.points is not None else Fraction(0)


def _weigh(checklist: Checklist, outcomes: list[ItemOutcome]) -> list[ItemOutcome]:
    """Each applicable outcome with the points it earns and could earn, scaled by its chapter's
    weight over the chapter's applicable items where chapters carry weights."""
    if checklist.method != "points":
        return outcomes
    factors: dict[str, Fraction] = {}
    for chapter in checklist.chapters:
        if chapter.weight is None:
            factors[chapter.id] = Fraction(1)
            continue
        ids = {i.id for s in chapter.sections for i in s.items if not i.monitoring}
        possible = sum(
            (o.item.max_points for o in outcomes if o.item.id in ids and o.applicable), Fraction(0)
        )
        factors[chapter.id] = chapter.weight / possible if possible else Fraction(0)
    weighed = []
    for o in outcomes:
        factor = factors[o.item.chapter_id] if o.applicable and not o.item.monitoring else Fraction(0)
        weighed.append(replace(o, earned=_points(o) * factor, possible=o.item.max_points * factor))
    return weighed


def _at_least(checklist: Checklist, outcome: ItemOutcome, grade: str) -> bool:
    return checklist.rank(outcome.effective) >= checklist.rank(grade)


# --- rules ---------------------------------------------------------------------------------------

RuleFn = Callable[[Checklist, Rule, list[ItemOutcome]], RuleResult]
COUNT_RULES = ("all_at_least", "count_at_least")  # their `actual` is {met, of}


def _all_at_least(checklist: Checklist, rule: Rule, selected: list[ItemOutcome]) -> RuleResult:
    assert rule.grade is not None
    below = [o.item.id for o in selected if not _at_least(checklist, o, rule.grade)]
    met = len(selected) - len(below)
    return RuleResult(rule, not below, Fraction(met), Fraction(len(selected)), Fraction(len(below)), below)


def _share_at_least(checklist: Checklist, rule: Rule, selected: list[ItemOutcome]) -> RuleResult:
    assert rule.grade is not None and rule.threshold is not None
    below = [o.item.id for o in selected if not _at_least(checklist, o, rule.grade)]
    numerator = Fraction(len(selected) - len(below))
    denominator = Fraction(len(selected))
    needed = Fraction(max(0, math.ceil(rule.threshold * denominator - numerator)))
    return RuleResult(rule, needed == 0 and denominator > 0, numerator, denominator, needed, below)


def _count_at_least(checklist: Checklist, rule: Rule, selected: list[ItemOutcome]) -> RuleResult:
    assert rule.grade is not None and rule.count is not None
    below = [o.item.id for o in selected if not _at_least(checklist, o, rule.grade)]
    met = len(selected) - len(below)
    needed = Fraction(max(0, rule.count - met))
    return RuleResult(rule, needed == 0, Fraction(met), Fraction(len(selected)), needed, below)


def _points_share_at_least(checklist: Checklist, rule: Rule, selected: list[ItemOutcome]) -> RuleResult:
    assert rule.threshold is not None
    earned = sum((o.earned for o in selected), Fraction(0))
    possible = sum((o.possible for o in selected), Fraction(0))
    needed = max(Fraction(0), rule.threshold * possible - earned)
    short = [o.item.id for o in selected if o.earned < o.possible]
    return RuleResult(rule, needed == 0 and possible > 0, earned, possible, needed, short)


def _points_at_least(checklist: Checklist, rule: Rule, selected: list[ItemOutcome]) -> RuleResult:
    assert rule.points is not None
    earned = sum((o.earned for o in selected), Fraction(0))
    possible = sum((o.possible for o in selected), Fraction(0))
    needed = max(Fraction(0), rule.points - earned)
    short = [o.item.id for o in selected if o.earned < o.possible]
    return RuleResult(rule, needed == 0 and possible > 0, earned, possible, needed, short)


RULES: dict[str, RuleFn] = {
    "all_at_least": _all_at_least,
    "share_at_least": _share_at_least,
    "count_at_least": _count_at_least,
    "points_share_at_least": _points_share_at_least,
    "points_at_least": _points_at_least,
}


# --- roll-ups ------------------------------------------------------------------------------------


def _rollup(checklist: Checklist, outcomes: Iterable[ItemOutcome]) -> dict[str, Any]:
    scored = [o for o in outcomes if not o.item.monitoring]
    applicable = [o for o in scored if o.applicable]
    body: dict[str, Any] = {
        "items": len(scored),
        "applicable": len(applicable),
        "not_applicable": len(scored) - len(applicable),
        "unanswered": sum(1 for o in applicable if o.outcome is None),
        "not_met": sum(1 for o in applicable if o.effective == NOT_MET),
        "at_least": {
            grade: sum(1 for o in applicable if _at_least(checklist, o, grade))
            for grade in checklist.grade_scale
        },
    }
    if checklist.method == "points":
        body["points"] = {
            "earned": _num(sum((o.earned for o in applicable), Fraction(0))),
            "possible": _num(sum((o.possible for o in applicable), Fraction(0))),
        }
    return body


# --- the engine ----------------------------------------------------------------------------------


def _outcomes(
    checklist: Checklist,
    checked_facts: Mapping[str, Any],
    checked_answers: Mapping[str, Answer],
    inspection_date: dt.date,
) -> list[ItemOutcome]:
    return _weigh(
        checklist,
        [
            item_outcome(checklist, item, checked_answers.get(item.id), checked_facts, inspection_date)
            for item in checklist.items()
        ],
    )


def _veto_failed(outcomes: Iterable[ItemOutcome]) -> list[str]:
    return [o.item.id for o in outcomes if o.item.veto and o.outcome == NOT_MET]


def _chapters(checklist: Checklist, by_id: Mapping[str, ItemOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "id": ch.id,
            "title": ch.title,
            **_rollup(checklist, (by_id[i.id] for s in ch.sections for i in s.items)),
        }
        for ch in checklist.chapters
    ]


def summary_checked(
    checklist: Checklist,
    checked_facts: Mapping[str, Any],
    checked_answers: Mapping[str, Answer],
    inspection_date: dt.date,
) -> dict[str, Any]:
    """The part of `score_checked`'s result that a list of many results shows (the results export:
    each chapter's roll-up, the veto items failed, each item's outcome), computed by the same
    steps, without the tier rules, the section roll-ups and the explanations, which cost most of
    a score and are read from the result's report instead. Equal to those keys of
    `score_checked`'s result (tests/domain/test_exports.py compares them on the corpus)."""
    outcomes = _outcomes(checklist, checked_facts, checked_answers, inspection_date)
    return {
        "veto_failed": _veto_failed(outcomes),
        "chapters": _chapters(checklist, {o.item.id: o for o in outcomes}),
        "items": {o.item.id: {"outcome": o.outcome} for o in outcomes},
    }


def score(
    checklist: Checklist,
    facts: Any,
    answers: Any,
    inspection_date: dt.date,
) -> dict[str, Any]:
    """Score one inspection. Raises DomainError (with every problem) on invalid facts or answers."""
    return score_checked(
        checklist, check_facts(checklist, facts), check_answers(checklist, answers), inspection_date
    )


def score_checked(
    checklist: Checklist,
    checked_facts: Mapping[str, Any],
    checked_answers: Mapping[str, Answer],
    inspection_date: dt.date,
) -> dict[str, Any]:
    """Score answers that were checked when they were stored: their values are taken as they are
    (a date stored before dates were bounded still scores, it does not fail the inspection)."""
    outcomes = _outcomes(checklist, checked_facts, checked_answers, inspection_date)
    by_id = {o.item.id: o for o in outcomes}

    veto_failed = _veto_failed(outcomes)
    veto_unanswered = [o.item.id for o in outcomes if o.item.veto and o.applicable and o.outcome is None]

    def vetoes(effect: str, tier: str | None = None) -> tuple[list[str], list[str]]:
        """The failed and the unanswered veto items of one effect (and blocked tier)."""

        def keep(item_id: str) -> bool:
            item = by_id[item_id].item
            return item.veto_effect == effect and (tier is None or item.veto_tier == tier)

        return [i for i in veto_failed if keep(i)], [i for i in veto_unanswered if keep(i)]

    def blocked_by(
        failed: list[str], unanswered: list[str], kind: str = BLOCK_VETO_FAILED
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if failed:
            found.append({"kind": kind, "items": failed})
        if unanswered:
            found.append({"kind": BLOCK_VETO_UNANSWERED, "items": unanswered})
        return found

    tier_results: list[dict[str, Any]] = []
    reached_chain: list[int] = []  # indexes in tier_results of the tiers reached, lowest first
    next_tier: dict[str, Any] | None = None
    chain_intact = True
    for tier in checklist.tiers:
        if tier.applies_if is not None and not evaluate_condition(tier.applies_if, checked_facts):
            tier_results.append({"code": tier.code, "label": tier.label, "assessed": False})
            continue
        rule_results = []
        for index, rule in enumerate(tier.rules):
            if rule.when is not None and not evaluate_condition(rule.when, checked_facts):
                continue
            counted = {i.id for i in rule_selection(checklist, rule, (o.item for o in outcomes))}
            selected = [o for o in outcomes if o.applicable and o.item.id in counted]
            result = RULES[rule.rule](checklist, rule, selected)
            result.index = index
            rule_results.append(result)
        all_failed, all_unanswered = vetoes(VETO_ALL)
        tier_failed, tier_unanswered = vetoes(VETO_BLOCK, tier.code)
        veto_items = (
            [i for i in veto_failed if i in all_failed or i in tier_failed],
            [i for i in veto_unanswered if i in all_unanswered or i in tier_unanswered],
        )
        rules_pass = all(r.passed for r in rule_results)
        tier_reached = chain_intact and rules_pass and not any(veto_items)
        tier_results.append(
            {
                "code": tier.code,
                "label": tier.label,
                "assessed": True,
                "reached": tier_reached,
                "rules": [r.to_json() for r in rule_results],
            }
        )
        if tier_reached:
            reached_chain.append(len(tier_results) - 1)
        elif next_tier is None:
            found = blocked_by(*veto_items)
            found.extend(
                {"kind": BLOCK_RULE, "index": r.index, **r.to_json()} for r in rule_results if not r.passed
            )
            next_tier = {"code": tier.code, "label": tier.label, "blocked_by": found}
        chain_intact = tier_reached

    downgrade_failed, downgrade_unanswered = vetoes(VETO_DOWNGRADE)
    if reached_chain and (downgrade_failed or downgrade_unanswered):
        lowered = tier_results[reached_chain.pop()]
        lowered["reached"] = False
        lowered["downgraded"] = True
        found = blocked_by(downgrade_failed, downgrade_unanswered, BLOCK_VETO_DOWNGRADE)
        next_tier = {"code": lowered["code"], "label": lowered["label"], "blocked_by": found}
    reached = tier_results[reached_chain[-1]]["code"] if reached_chain else None

    tier_by_code = {t.code: t for t in checklist.tiers}
    reached_tier = tier_by_code.get(reached) if reached else None

    def outcome_json(o: ItemOutcome) -> dict[str, Any]:
        body: dict[str, Any] = {"outcome": o.outcome}
        if o.reason:
            body["reason"] = o.reason
        if o.documents:
            body["documents"] = dict(o.documents)
        if o.answered is not None and o.answered != o.outcome:
            body["answered"] = o.answered
        if checklist.method == "points" and o.applicable:
            body["points"] = _num(_points(o))
        if o.item.monitoring and o.applicable and o.effective == NOT_MET:
            body["flagged"] = True
        return body

    return {
        "checklist": checklist.ref,
        "inspection_date": inspection_date.isoformat(),
        "complete": not any(o.outcome is None for o in outcomes),
        "unanswered": [o.item.id for o in outcomes if o.outcome is None],
        "tier": {
            "code": reached or TIER_NONE,
            "label": reached_tier.label if reached_tier else TIER_NONE_LABEL,
        },
        "veto_failed": veto_failed,
        "monitoring_flags": [
            o.item.id for o in outcomes if o.item.monitoring and o.applicable and o.effective == NOT_MET
        ],
        "tiers": tier_results,
        "next_tier": next_tier,
        "totals": _rollup(checklist, outcomes),
        "chapters": _chapters(checklist, by_id),
        "sections": [
            {
                "id": sec.id,
                "chapter": ch.id,
                "title": sec.title,
                **_rollup(checklist, (by_id[i.id] for i in sec.items)),
            }
            for ch in checklist.chapters
            for sec in ch.sections
        ],
        "items": {o.item.id: outcome_json(o) for o in outcomes},
    }


INPUT_FIELDS = {"checklist", "inspection_date", "facts", "answers"}


def score_input(checklist: Checklist, document: Any) -> dict[str, Any]:
    """Score a whole input document: {checklist: {id, version}, inspection_date, facts, answers}."""
    if not isinstance(document, Mapping):
        raise DomainError("input.invalid")
    problems = [
        Problem("input.unknown_field", pointer(key), "未知字段")
        for key in sorted(set(document) - INPUT_FIELDS)
    ]
    problems += [
        Problem("input.missing_field", pointer(key), "缺少必填字段")
        for key in sorted(INPUT_FIELDS - set(document))
    ]
    if problems:
        raise DomainError("input.invalid", problems=problems)
    ref = document["checklist"]
    if (
        not isinstance(ref, Mapping)
        or ref.get("id") != checklist.id
        or type(ref.get("version")) is not int  # True == 1 in Python: a boolean is not a version
        or ref.get("version") != checklist.version
    ):
        raise DomainError(
            "answers.checklist_mismatch",
            problems=[Problem("answers.checklist_mismatch", "/checklist", f"收到 {ref!r}")],
            checklist_id=checklist.id,
            version=checklist.version,
        )
    date_problems: list[Problem] = []
    inspection_date = parse_date(document["inspection_date"], "/inspection_date", date_problems)
    if inspection_date is None:
        raise DomainError("input.invalid_date", problems=date_problems)
    return score(checklist, document["facts"], document["answers"], inspection_date)
