"""The checklist model: an immutable, typed view of one checklist definition.

Definitions are data (checklists/*.json). `check_definition` lists every problem with a JSON
pointer; `parse_checklist` builds the model from a definition that has no problems.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import jsonschema

from server.domain import inputs
from server.domain.errors import DomainError, Problem, pointer

NOT_MET = "not_met"
NOT_APPLICABLE = "not_applicable"

# What a failed (or unanswered) veto item does (Item.veto_effect).
VETO_ALL = "all"  # `veto: true`: no tier is reached
VETO_BLOCK = "block"  # `veto: {effect: block, tier}`: that tier (and so those above it) is not reached
VETO_DOWNGRADE = "downgrade"  # `veto: {effect: downgrade}`: the tier reached is lowered by one

FACT_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
}
# The words people read for a fact's type (problem messages; exported to the app in labels.json).
FACT_TYPE_LABELS = {"boolean": "是或否", "integer": "整数", "number": "数值", "string": "文本"}
NUMERIC_FACT_TYPES = ("integer", "number")
ORDERING_OPS = {"gt", "gte", "lt", "lte"}


def fact_value_ok(fact_type: str, value: object) -> bool:
    if isinstance(value, bool) and fact_type != "boolean":
        return False
    return isinstance(value, FACT_TYPES[fact_type])


@dataclass(frozen=True)
class Fact:
    """A facility fact an edition declares: its type, Chinese label, unit and allowed range."""

    key: str
    type: str
    label: str
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None

    @property
    def type_label(self) -> str:
        return FACT_TYPE_LABELS[self.type]

    @property
    def has_range(self) -> bool:
        return self.min is not None or self.max is not None

    def range_text(self) -> str:
        """The allowed range in words: "0～500 人", "不小于 0 人", "不大于 500 张" (the PWA's
        checklist.ts writes the same)."""
        unit = f" {self.unit}" if self.unit else ""
        if self.min is not None and self.max is not None:
            return f"{format_number(self.min)}～{format_number(self.max)}{unit}"
        if self.min is not None:
            return f"不小于 {format_number(self.min)}{unit}"
        return f"不大于 {format_number(self.max)}{unit}"

    def in_range(self, value: int | float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


def format_number(value: int | float | None) -> str:
    """A declared bound as JavaScript's String() writes it (whole numbers without ".0")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def fact_type_problem(fact: Fact, value: object) -> str | None:
    """Why `value` cannot be this fact's value (its type, then its range), or None."""
    if not fact_value_ok(fact.type, value) or (isinstance(value, float) and not math.isfinite(value)):
        return f"类型应为{fact.type_label}"
    return None


def fact_in_range(fact: Fact, value: object) -> bool:
    """Whether a value of the right type lies in the declared range (non-numbers always do)."""
    if fact.type not in NUMERIC_FACT_TYPES or not isinstance(value, int | float):
        return True
    return fact.in_range(value)


@dataclass(frozen=True)
class Level:
    code: str
    criteria: str
    points: Fraction | None


@dataclass(frozen=True)
class Validity:
    kind: str  # "max_age" or "valid_until"
    document: str
    max_age_months: int | None
    key: str | None = None  # the document's key within its item (list form only)

    @property
    def date_field(self) -> str:
        """The answer field that holds this document's date."""
        return "document_date" if self.kind == "max_age" else "valid_until"


@dataclass(frozen=True)
class Item:
    id: str
    number: str
    text: str
    tier: str
    core: bool
    veto: bool  # a veto item, whatever its effect
    monitoring: bool
    allow_na: bool
    applies_if: Mapping[str, Any] | None
    levels: tuple[Level, ...]
    validity: Validity | None
    photos_min: int
    chapter_id: str
    section_id: str
    tags: frozenset[str] = frozenset()
    veto_effect: str | None = None  # VETO_ALL, VETO_BLOCK or VETO_DOWNGRADE for a veto item
    veto_tier: str | None = None  # VETO_BLOCK: the tier it blocks
    # the list form of `validity`: several documents, each with its key; `validity` is then None
    validities: tuple[Validity, ...] = ()

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def max_points(self) -> Fraction:
        return max((lv.points or Fraction(0)) for lv in self.levels)


@dataclass(frozen=True)
class Section:
    id: str
    number: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Chapter:
    id: str
    number: str
    title: str
    sections: tuple[Section, ...]
    weight: Fraction | None = None


@dataclass(frozen=True)
class Rule:
    rule: str
    label: str
    select: Mapping[str, Any]
    grade: str | None
    threshold: Fraction | None
    threshold_text: str | None
    count: int | None = None
    points: Fraction | None = None
    points_text: str | None = None
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Tier:
    code: str
    label: str
    applies_if: Mapping[str, Any] | None
    reward_yuan: int | None
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    family: str
    edition: str
    version: int
    title: str
    sample: bool
    method: str
    grade_scale: tuple[str, ...]
    grade_labels: Mapping[str, str]
    facts: Mapping[str, Fact]  # key -> declaration
    tiers: tuple[Tier, ...]
    chapters: tuple[Chapter, ...]
    veto_in_denominators: bool = True
    rectification_days: int | None = None  # 整改期限 of the edition (server/domain/rectification.py)

    @property
    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version}

    def items(self) -> Iterator[Item]:
        for chapter in self.chapters:
            for section in chapter.sections:
                yield from section.items

    def item_map(self) -> Mapping[str, Item]:
        return self._items_by_id

    @functools.cached_property
    def _items_by_id(self) -> Mapping[str, Item]:
        return MappingProxyType({item.id: item for item in self.items()})

    def rank(self, grade: str) -> int:
        """Position of a grade on the scale; not_met ranks below every level."""
        if grade == NOT_MET:
            return -1
        return self._ranks[grade]

    @functools.cached_property
    def _ranks(self) -> Mapping[str, int]:
        return MappingProxyType({code: i for i, code in enumerate(self.grade_scale)})


def _fraction(value: Any) -> Fraction:
    """The exact value of a number, a decimal string ("0.8") or a fraction string ("2/3")."""
    if isinstance(value, str) and "/" in value:
        numerator, denominator = value.split("/")
        return Fraction(int(numerator), int(denominator))
    return Fraction(Decimal(str(value)))


def _veto(value: Any) -> tuple[bool, str | None, str | None]:
    """(is a veto item, its effect, the tier it blocks) from an item's `veto`."""
    if isinstance(value, Mapping):
        return True, value["effect"], value.get("tier")
    return bool(value), VETO_ALL if value else None, None


def parse_checklist(data: Mapping[str, Any], checked: bool = False) -> Checklist:
    """Build the model from a definition; raises DomainError if it has any problem (`checked`:
    the caller has checked it already)."""
    if not checked:
        problems = check_definition(data)
        if problems:
            raise DomainError("checklist.invalid", problems=problems, count=len(problems))
    chapters = []
    for ch in data["chapters"]:
        sections = []
        for sec in ch["sections"]:
            items = []
            for it in sec["items"]:
                validity = it.get("validity")
                evidence = it.get("evidence", {})
                veto, veto_effect, veto_tier = _veto(it.get("veto", False))
                items.append(
                    Item(
                        id=it["id"],
                        number=it.get("number", it["id"]),
                        text=it["text"],
                        tier=it["tier"],
                        core=it.get("core", False),
                        veto=veto,
                        monitoring=it.get("monitoring", False),
                        allow_na=it.get("allow_na", False),
                        applies_if=it.get("applies_if"),
                        levels=tuple(
                            Level(
                                lv["code"],
                                lv["criteria"],
                                _fraction(lv["points"]) if "points" in lv else None,
                            )
                            for lv in it["levels"]
                        ),
                        validity=Validity(
                            validity["kind"], validity["document"], validity.get("max_age_months")
                        )
                        if isinstance(validity, Mapping)
                        else None,
                        photos_min=evidence.get("photos_min", 0),
                        chapter_id=ch["id"],
                        section_id=sec["id"],
                        tags=frozenset(it.get("tags", ())),
                        veto_effect=veto_effect,
                        veto_tier=veto_tier,
                        validities=tuple(
                            Validity(v["kind"], v["document"], v.get("max_age_months"), v["key"])
                            for v in validity
                        )
                        if isinstance(validity, list)
                        else (),
                    )
                )
            sections.append(Section(sec["id"], sec.get("number", ""), sec["title"], tuple(items)))
        weight = _fraction(ch["weight"]) if "weight" in ch else None
        chapters.append(Chapter(ch["id"], ch.get("number", ""), ch["title"], tuple(sections), weight))
    tiers = tuple(
        Tier(
            code=t["code"],
            label=t["label"],
            applies_if=t.get("applies_if"),
            reward_yuan=t.get("reward_yuan"),
            rules=tuple(
                Rule(
                    rule=r["rule"],
                    label=r["label"],
                    select=r["select"],
                    grade=r.get("grade"),
                    threshold=_fraction(r["threshold"]) if "threshold" in r else None,
                    threshold_text=r.get("threshold"),
                    count=r.get("count"),
                    points=_fraction(r["points"]) if "points" in r else None,
                    points_text=r.get("points"),
                    when=r.get("when"),
                )
                for r in t["rules"]
            ),
        )
        for t in data["tiers"]
    )
    return Checklist(
        id=data["id"],
        family=data["family"],
        edition=data["edition"],
        version=data["version"],
        title=data["title"],
        sample=data.get("sample", False),
        method=data["scoring"]["method"],
        grade_scale=tuple(g["code"] for g in data["grade_scale"]),
        grade_labels={g["code"]: g["label"] for g in data["grade_scale"]},
        facts=MappingProxyType(
            {
                f["key"]: Fact(f["key"], f["type"], f["label"], f.get("unit"), f.get("min"), f.get("max"))
                for f in data.get("facts", [])
            }
        ),
        tiers=tiers,
        chapters=tuple(chapters),
        veto_in_denominators=data["scoring"].get("veto_in_denominators", True),
        rectification_days=data.get("rectification_days"),
    )


# --- validation -------------------------------------------------------------------------------


def make_validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A JSON Schema validator for checklist definitions; build it once and reuse it."""
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _schema_problems(data: Any, validator: jsonschema.protocols.Validator) -> list[Problem]:
    problems = []
    for error in validator.iter_errors(data):
        # report the most specific cause of oneOf/allOf failures
        best = error
        while best.context:
            best = max(best.context, key=lambda e: len(e.absolute_path))
        problems.append(Problem("checklist.schema", pointer(*best.absolute_path), best.message))
    return sorted(problems, key=lambda p: p.pointer)


def check_definition(data: Any, validator: jsonschema.protocols.Validator | None = None) -> list[Problem]:
    """Every problem in a definition: the JSON Schema first, then the rules the schema can't say."""
    if validator is not None:
        problems = _schema_problems(data, validator)
        if problems:
            return problems
    if not isinstance(data, Mapping):
        return [Problem("checklist.schema", "", "评审标准定义应为 JSON 对象")]
    problems = _input_problems(data)
    if problems:
        return problems
    try:
        return _semantic_problems(data)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
        return [Problem("checklist.schema", "", f"评审标准定义不符合格式要求（{exc!r}）")]


# The columns a definition's values go into (server/db/models.py; tests/db/test_checklist_limits.py
# compares them): checklist_versions.title, checklist_versions.version and
# inspections.checklist_version (32-bit INTEGER), reports.tier_code / tier_label and
# payout_rules.tier_code (String(40)), payout_rules.amount_yuan (64-bit, from a tier's reward).
# Ids, families, editions and grade codes are held to their columns by the schema's patterns.
TITLE_MAX = 200
VERSION_MAX = 2**31 - 1
TIER_CODE_MAX = 40
TIER_LABEL_MAX = 40
REWARD_MAX = 2**63 - 1


def _limit_problems(data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []

    def too_long(where: str, value: Any, limit: int, what: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            problems.append(
                Problem("checklist.too_long", where, f"{what}最多 {limit} 个字符，现为 {len(value)} 个")
            )

    def too_big(where: str, value: Any, limit: int, what: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and value > limit:
            problems.append(Problem("checklist.out_of_range", where, f"{what}最大为 {limit}"))

    too_long("/title", data.get("title"), TITLE_MAX, "标题")
    too_big("/version", data.get("version"), VERSION_MAX, "版本号")
    tiers = data.get("tiers")
    for i, tier in enumerate(tiers if isinstance(tiers, list) else []):
        if isinstance(tier, Mapping):
            too_long(pointer("tiers", i, "code"), tier.get("code"), TIER_CODE_MAX, "等级代码")
            too_long(pointer("tiers", i, "label"), tier.get("label"), TIER_LABEL_MAX, "等级名称")
            too_big(pointer("tiers", i, "reward_yuan"), tier.get("reward_yuan"), REWARD_MAX, "奖补金额（元）")
    return problems


def _input_problems(data: Mapping[str, Any]) -> list[Problem]:
    """What the database could not store: text with NUL, surrogates or control characters, a
    value longer or larger than its column, a publication date outside the sane range."""
    problems: list[Problem] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                stack.append((f"{where}/{pointer(key)[1:]}", value))
                if isinstance(key, str) and inputs.text_error(key) is not None:
                    problems.append(Problem("checklist.invalid_text", where, inputs.text_error(key) or ""))
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", value) for i, value in enumerate(node))
        elif isinstance(node, str) and inputs.text_error(node, multiline=True) is not None:
            problems.append(Problem("checklist.invalid_text", where, inputs.text_error(node, True) or ""))
    problems.extend(_limit_problems(data))
    published = data.get("published_on")
    if published is not None and inputs.parse_date(published) is None:
        problems.append(Problem("checklist.invalid_date", "/published_on", inputs.MSG_DATE))
    return sorted(problems, key=lambda p: p.pointer)


def _semantic_problems(data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []

    def add(where: str, message: str) -> None:
        problems.append(Problem("checklist.semantic", where, message))

    method = data["scoring"]["method"]
    scale = [g["code"] for g in data["grade_scale"]]
    if len(set(scale)) != len(scale):
        add("/grade_scale", "等级代码不能重复")
    facts: dict[str, str] = {}
    for i, fact in enumerate(data.get("facts", [])):
        if fact["key"] in facts:
            add(pointer("facts", i, "key"), f"fact {fact['key']!r} declared twice")
        facts[fact["key"]] = fact["type"]
        fw = pointer("facts", i)
        numeric = fact["type"] in NUMERIC_FACT_TYPES
        kind = f"{fact['key']} 为{FACT_TYPE_LABELS[fact['type']]}"
        for bound in ("min", "max"):
            if bound in fact and not numeric:
                add(f"{fw}/{bound}", f"只有整数或数值类型的机构信息可以规定取值范围（{kind}）")
        if "unit" in fact and not numeric:
            add(f"{fw}/unit", f"只有整数或数值类型的机构信息可以有单位（{kind}）")
        if numeric and "min" in fact and "max" in fact and fact["min"] > fact["max"]:
            add(f"{fw}/min", f"最小值 {format_number(fact['min'])} 大于最大值 {format_number(fact['max'])}")
        if fact["type"] == "integer":
            for bound in ("min", "max"):
                value = fact.get(bound)
                if isinstance(value, float) and not value.is_integer():
                    add(f"{fw}/{bound}", "整数类型的机构信息，取值范围须为整数")

    tier_codes: list[str] = [t["code"] for t in data["tiers"]]
    if len(set(tier_codes)) != len(tier_codes):
        add("/tiers", "达标等级代码不能重复")

    seen_ids: dict[str, str] = {}
    chapter_ids: set[str] = set()
    section_ids: set[str] = set()

    def check_id(where: str, ident: str) -> None:
        if ident in seen_ids:
            add(where, f"编号“{ident}”已在 {seen_ids[ident]} 使用")
        else:
            seen_ids[ident] = where

    def check_condition(where: str, cond: Mapping[str, Any]) -> None:
        for key in ("all", "any"):
            if key in cond:
                for j, sub in enumerate(cond[key]):
                    check_condition(f"{where}/{key}/{j}", sub)
                return
        if "not" in cond:
            check_condition(f"{where}/not", cond["not"])
            return
        fact_type = facts.get(cond["fact"])
        if fact_type is None:
            add(f"{where}/fact", f"fact {cond['fact']!r} is not declared in /facts")
            return
        if not fact_value_ok(fact_type, cond["value"]):
            add(f"{where}/value", f"value does not match the {fact_type} fact {cond['fact']!r}")
        if cond["op"] in ORDERING_OPS and fact_type not in ("integer", "number"):
            add(f"{where}/op", f"{cond['op']} needs a numeric fact, {cond['fact']!r} is {fact_type}")

    for ci, ch in enumerate(data["chapters"]):
        cw = pointer("chapters", ci)
        check_id(cw + "/id", ch["id"])
        chapter_ids.add(ch["id"])
        for si, sec in enumerate(ch["sections"]):
            sw = f"{cw}/sections/{si}"
            check_id(sw + "/id", sec["id"])
            section_ids.add(sec["id"])
            for ii, item in enumerate(sec["items"]):
                iw = f"{sw}/items/{ii}"
                check_id(iw + "/id", item["id"])
                if item["tier"] not in tier_codes:
                    add(iw + "/tier", f"达标等级“{item['tier']}”未在 /tiers 中声明")
                if item.get("veto") and (item.get("monitoring") or item.get("allow_na")):
                    add(iw, "否决项不能是监测条款，也不能由评审员标为不适用")
                veto = item.get("veto")
                if isinstance(veto, Mapping) and "tier" in veto and veto["tier"] not in tier_codes:
                    add(iw + "/veto/tier", f"达标等级“{veto['tier']}”未在 /tiers 中声明")
                if item.get("monitoring") and item.get("core"):
                    add(iw, "监测条款不能是核心条款")
                if "applies_if" in item:
                    check_condition(iw + "/applies_if", item["applies_if"])
                if isinstance(item.get("validity"), list):
                    document_keys: set[str] = set()
                    for vi, document in enumerate(item["validity"]):
                        if document["key"] in document_keys:
                            add(
                                f"{iw}/validity/{vi}/key",
                                f"文件键“{document['key']}”在此条款中重复，同一条款内的文件键不能相同",
                            )
                        document_keys.add(document["key"])
                last_rank = -1
                last_points: Fraction | None = None
                for li, level in enumerate(item["levels"]):
                    lw = f"{iw}/levels/{li}"
                    if level["code"] not in scale:
                        add(lw + "/code", f"等级“{level['code']}”不在 /grade_scale 中")
                        continue
                    rank = scale.index(level["code"])
                    if rank <= last_rank:
                        add(lw + "/code", "各级要求须按 /grade_scale 的顺序排列，且不能重复")
                    last_rank = rank
                    if method == "points":
                        if "points" not in level:
                            add(lw, "计分制评审标准的每一级都须有分值")
                        else:
                            pts = _fraction(level["points"])
                            if last_points is not None and pts <= last_points:
                                add(lw + "/points", "分值须随等级升高而增加")
                            last_points = pts
                    elif "points" in level:
                        add(lw + "/points", "分值只用于计分制（points）评审标准")

    weighted = [ch for ch in data["chapters"] if "weight" in ch]
    if weighted and method != "points":
        add("/chapters", "章节权重只用于计分制（points）评审标准")
    elif weighted and len(weighted) != len(data["chapters"]):
        add("/chapters", "章节权重须每章都有，或都没有")

    if problems:
        return problems  # the rules below are checked against a sound item tree
    model = parse_checklist(data, checked=True)
    items_by_id = model.item_map()
    tags = set().union(*(item.tags for item in model.items()))
    for ti, tier in enumerate(data["tiers"]):
        tw = pointer("tiers", ti)
        if "applies_if" in tier:
            check_condition(tw + "/applies_if", tier["applies_if"])
        for ri, rule in enumerate(tier["rules"]):
            rw = f"{tw}/rules/{ri}"
            if rule["rule"] in POINTS_RULES and method != "points":
                add(rw + "/rule", f"规则 {rule['rule']} 只用于计分制（points）评审标准")
            if "grade" in rule and rule["grade"] not in scale:
                add(rw + "/grade", f"等级“{rule['grade']}”不在 /grade_scale 中")
            if "when" in rule:
                check_condition(rw + "/when", rule["when"])
            threshold = rule.get("threshold")
            if isinstance(threshold, str) and _fraction(threshold) > 1:
                add(rw + "/threshold", "比例不能大于 1")
            select = rule["select"]
            tiers_named = select.get("tier", [])
            for code in [tiers_named] if isinstance(tiers_named, str) else tiers_named:
                if code not in tier_codes:
                    add(rw + "/select/tier", f"达标等级“{code}”未声明")
            if "chapter" in select and select["chapter"] not in chapter_ids:
                add(rw + "/select/chapter", f"章“{select['chapter']}”不存在")
            if "section" in select and select["section"] not in section_ids:
                add(rw + "/select/section", f"节“{select['section']}”不存在")
            for i, item_id in enumerate(select.get("items", [])):
                named = items_by_id.get(item_id)
                if named is None:
                    add(f"{rw}/select/items/{i}", f"条款“{item_id}”不存在")
                elif named.monitoring:
                    add(f"{rw}/select/items/{i}", f"条款“{item_id}”是监测条款，不参与达标规则")
            for i, tag in enumerate(select.get("tags", [])):
                if tag not in tags:
                    add(f"{rw}/select/tags/{i}", f"没有条款带有标签“{tag}”")
    if problems:
        return problems
    for ti, tier in enumerate(model.tiers):
        for ri, parsed in enumerate(tier.rules):
            why = unreachable(model, parsed)
            if why is not None:
                add(pointer("tiers", ti, "rules", ri), f"达标等级“{tier.label}”永远无法达到：{why}")
    return problems


POINTS_RULES = ("points_share_at_least", "points_at_least")


def rule_selection(checklist: Checklist, rule: Rule, items: Iterable[Item]) -> list[Item]:
    """The items a rule counts (before applicability): its selector's, less the veto items when
    the edition leaves them out of denominators and the rule does not name them."""
    select = rule.select
    keep_veto = checklist.veto_in_denominators or select.get("veto") is True or "items" in select
    return [i for i in items if selector_matches(select, i) and (keep_veto or not i.veto)]


def _may_be_not_applicable(item: Item) -> bool:
    return item.allow_na or item.applies_if is not None


def unreachable(checklist: Checklist, rule: Rule) -> str | None:
    """Why no set of answers could ever satisfy `rule`, or None. The best case: every item that
    can be not applicable is, where that helps, and every other item is at its highest level."""
    selected = rule_selection(checklist, rule, checklist.items())
    if not selected:
        # "all at least" holds over nothing; every other rule needs something assessed
        return None if rule.rule == "all_at_least" else "规则选中的条款为空"
    if rule.rule in POINTS_RULES:
        possible = sum((item.max_points for item in selected), Fraction(0))
        if possible == 0:
            return "选中的条款没有分值"
        if rule.rule == "points_at_least" and not any(ch.weight for ch in checklist.chapters):
            assert rule.points is not None
            if possible < rule.points:
                return f"选中的条款最多 {_text(possible)} 分，少于 {rule.points_text} 分"
        return None
    assert rule.grade is not None
    rank = checklist.rank(rule.grade)
    capable = [i for i in selected if max(checklist.rank(lv.code) for lv in i.levels) >= rank]
    stuck = [i for i in selected if i not in capable and not _may_be_not_applicable(i)]
    if rule.rule == "all_at_least":
        if stuck:
            return f"条款“{stuck[0].id}”没有 {rule.grade} 级及以上的等级"
        return None
    if rule.rule == "count_at_least":
        assert rule.count is not None
        if len(capable) < rule.count:
            return f"选中的条款中只有 {len(capable)} 条能达到 {rule.grade} 级，少于 {rule.count} 条"
        return None
    assert rule.threshold is not None
    if not capable or Fraction(len(capable), len(capable) + len(stuck)) < rule.threshold:
        total = len(capable) + len(stuck)
        return f"选中的 {total} 条中最多 {len(capable)} 条能达到 {rule.grade} 级，达不到要求的比例"
    return None


def _text(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else str(float(value))


def selector_matches(select: Mapping[str, Any], item: Item) -> bool:
    if item.monitoring:
        return False
    if "items" in select and item.id not in select["items"]:
        return False
    if "tags" in select and item.tags.isdisjoint(select["tags"]):
        return False
    tiers = select.get("tier")
    if tiers is not None:
        if isinstance(tiers, str):
            tiers = [tiers]
        if item.tier not in tiers:
            return False
    for flag in ("core", "veto"):
        if flag in select and getattr(item, flag) != select[flag]:
            return False
    if "chapter" in select and item.chapter_id != select["chapter"]:
        return False
    return not ("section" in select and item.section_id != select["section"])


def evaluate_condition(cond: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    if "all" in cond:
        return all(evaluate_condition(c, facts) for c in cond["all"])
    if "any" in cond:
        return any(evaluate_condition(c, facts) for c in cond["any"])
    if "not" in cond:
        return not evaluate_condition(cond["not"], facts)
    actual = facts[cond["fact"]]
    expected = cond["value"]
    op = cond["op"]
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    return bool(actual <= expected)


def condition_facts(cond: Mapping[str, Any]) -> set[str]:
    if "all" in cond or "any" in cond:
        subs: Sequence[Mapping[str, Any]] = cond.get("all") or cond.get("any") or []
        return set().union(*(condition_facts(c) for c in subs))
    if "not" in cond:
        return condition_facts(cond["not"])
    return {cond["fact"]}


def referenced_facts(checklist: Checklist) -> set[str]:
    needed: set[str] = set()
    for item in checklist.items():
        if item.applies_if:
            needed |= condition_facts(item.applies_if)
    for tier in checklist.tiers:
        if tier.applies_if:
            needed |= condition_facts(tier.applies_if)
        for rule in tier.rules:
            if rule.when:
                needed |= condition_facts(rule.when)
    return needed


def merge_facts(checklists: Iterable[Checklist]) -> tuple[dict[str, Fact], list[str]]:
    """The facts several editions declare, one declaration per key, and every key declared with
    different types (as Chinese sentences). A facility carries one value per key, so a value must
    suit every edition: the merged range is the narrowest (the largest min, the smallest max); the
    label and unit are those of the first edition declaring the key."""
    merged: dict[str, Fact] = {}
    first: dict[str, Checklist] = {}
    conflicts: list[str] = []
    for checklist in checklists:
        for key, fact in checklist.facts.items():
            known = merged.get(key)
            if known is None:
                merged[key] = fact
                first[key] = checklist
                continue
            if known.type != fact.type:
                other = first[key]
                conflicts.append(
                    f"机构信息“{key}”在 {checklist.id} 第 {checklist.version} 版中为{fact.type_label}，"
                    f"在 {other.id} 第 {other.version} 版中为{known.type_label}"
                )
                continue
            lows = [b for b in (known.min, fact.min) if b is not None]
            highs = [b for b in (known.max, fact.max) if b is not None]
            merged[key] = Fact(
                key,
                known.type,
                known.label,
                known.unit or fact.unit,
                max(lows) if lows else None,
                min(highs) if highs else None,
            )
    return merged, conflicts
