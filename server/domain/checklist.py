"""The checklist model: an immutable, typed view of one checklist definition.

Definitions are data (checklists/*.json). `check_definition` lists every problem with a JSON
pointer; `parse_checklist` builds the model from a definition that has no problems.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
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

FACT_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
}
ORDERING_OPS = {"gt", "gte", "lt", "lte"}


def fact_value_ok(fact_type: str, value: object) -> bool:
    if isinstance(value, bool) and fact_type != "boolean":
        return False
    return isinstance(value, FACT_TYPES[fact_type])


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
    veto: bool
    monitoring: bool
    allow_na: bool
    applies_if: Mapping[str, Any] | None
    levels: tuple[Level, ...]
    validity: Validity | None
    photos_min: int
    chapter_id: str
    section_id: str
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


@dataclass(frozen=True)
class Rule:
    rule: str
    label: str
    select: Mapping[str, Any]
    grade: str | None
    threshold: Fraction | None
    threshold_text: str | None


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
    facts: Mapping[str, str]  # key -> type
    tiers: tuple[Tier, ...]
    chapters: tuple[Chapter, ...]

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
    return Fraction(Decimal(str(value)))


def parse_checklist(data: Mapping[str, Any]) -> Checklist:
    """Build the model from a definition; raises DomainError if it has any problem."""
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
                items.append(
                    Item(
                        id=it["id"],
                        number=it.get("number", it["id"]),
                        text=it["text"],
                        tier=it["tier"],
                        core=it.get("core", False),
                        veto=it.get("veto", False),
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
                        validities=tuple(
                            Validity(v["kind"], v["document"], v.get("max_age_months"), v["key"])
                            for v in validity
                        )
                        if isinstance(validity, list)
                        else (),
                    )
                )
            sections.append(Section(sec["id"], sec.get("number", ""), sec["title"], tuple(items)))
        chapters.append(Chapter(ch["id"], ch.get("number", ""), ch["title"], tuple(sections)))
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
        facts={f["key"]: f["type"] for f in data.get("facts", [])},
        tiers=tiers,
        chapters=tuple(chapters),
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


TITLE_MAX = 200  # the title column of checklist_versions


def _input_problems(data: Mapping[str, Any]) -> list[Problem]:
    """What the database could not store: text with NUL, surrogates or control characters, a
    title longer than its column, a publication date outside the sane range."""
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
    title = data.get("title")
    if isinstance(title, str) and len(title) > TITLE_MAX:
        problems.append(Problem("checklist.too_long", "/title", f"标题最多 {TITLE_MAX} 个字符"))
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
        add("/grade_scale", "grade codes must be unique")
    facts: dict[str, str] = {}
    for i, fact in enumerate(data.get("facts", [])):
        if fact["key"] in facts:
            add(pointer("facts", i, "key"), f"fact {fact['key']!r} declared twice")
        facts[fact["key"]] = fact["type"]

    tier_codes: list[str] = [t["code"] for t in data["tiers"]]
    if len(set(tier_codes)) != len(tier_codes):
        add("/tiers", "tier codes must be unique")

    seen_ids: dict[str, str] = {}
    chapter_ids: set[str] = set()
    section_ids: set[str] = set()

    def check_id(where: str, ident: str) -> None:
        if ident in seen_ids:
            add(where, f"id {ident!r} already used at {seen_ids[ident]}")
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
                    add(iw + "/tier", f"tier {item['tier']!r} is not declared in /tiers")
                if item.get("veto") and (item.get("monitoring") or item.get("allow_na")):
                    add(iw, "a veto item can be neither a monitoring item nor marked not applicable")
                if item.get("monitoring") and item.get("core"):
                    add(iw, "a monitoring item cannot be core")
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
                        add(lw + "/code", f"grade {level['code']!r} is not on /grade_scale")
                        continue
                    rank = scale.index(level["code"])
                    if rank <= last_rank:
                        add(lw + "/code", "levels must follow /grade_scale order without repeats")
                    last_rank = rank
                    if method == "points":
                        if "points" not in level:
                            add(lw, "every level needs points in a points checklist")
                        else:
                            pts = _fraction(level["points"])
                            if last_points is not None and pts <= last_points:
                                add(lw + "/points", "points must increase with the level")
                            last_points = pts
                    elif "points" in level:
                        add(lw + "/points", "points are only used by the points scoring method")

    for ti, tier in enumerate(data["tiers"]):
        tw = pointer("tiers", ti)
        if "applies_if" in tier:
            check_condition(tw + "/applies_if", tier["applies_if"])
        for ri, rule in enumerate(tier["rules"]):
            rw = f"{tw}/rules/{ri}"
            if rule["rule"] == "points_share_at_least" and method != "points":
                add(rw + "/rule", "points_share_at_least needs the points scoring method")
            if "grade" in rule and rule["grade"] not in scale:
                add(rw + "/grade", f"grade {rule['grade']!r} is not on /grade_scale")
            select = rule["select"]
            tiers_named = select.get("tier", [])
            for code in [tiers_named] if isinstance(tiers_named, str) else tiers_named:
                if code not in tier_codes:
                    add(rw + "/select/tier", f"tier {code!r} is not declared")
            if "chapter" in select and select["chapter"] not in chapter_ids:
                add(rw + "/select/chapter", f"chapter {select['chapter']!r} does not exist")
            if "section" in select and select["section"] not in section_ids:
                add(rw + "/select/section", f"section {select['section']!r} does not exist")
    return problems


def selector_matches(select: Mapping[str, Any], item: Item) -> bool:
    if item.monitoring:
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
    return needed
