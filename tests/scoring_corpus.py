"""The scoring comparison corpus: seeded random inputs for every published edition, scored by the
server's engine, for the PWA's engine to score again and compare deep-equal
(pwa/src/domain/scoring.corpus.test.ts).

    python -m tests.scoring_corpus [--out build/scoring-corpus] [--random 1000] [--seed 12]

Per edition (every file in checklists/MANIFEST.json, and the test checklists of the golden vectors,
checklists/examples/checklists/*.json, which use every rule kind) the corpus holds
- `--random` random cases: facts drawn around the values the edition's conditions name, inspection
  dates that include month ends and 29 February, answer sets from strong to unfinished with
  not-applicable answers, failed and unanswered veto items, and document dates and licence expiry
  dates on, one day either side of, and far from the validity limit (per document, in the
  `documents` map, for an item with several documents);
- threshold pairs for every rule of every tier: starting from a set that reaches the tier, items
  the rule selects are lowered one at a time for as long as the rule still holds. The last set
  that holds is at the threshold (exactly on it when the threshold allows, as close as the
  points allow otherwise) and the set one lowering further fails it;
- `--invalid` refused inputs (unknown items, fields and facts, grades an item does not have,
  not-applicable where only facts decide it, impossible or out-of-range dates, facts of the wrong
  type or missing), whose expected result is the whole error: {"error": {code, message, problems}}.

The same seed gives byte-identical files. The corpus is not checked in: `make corpus` (run by
`make test` before the PWA tests) writes it under build/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from server.domain.checklist import (
    NOT_APPLICABLE,
    NOT_MET,
    Checklist,
    Item,
    Validity,
    evaluate_condition,
    referenced_facts,
    rule_selection,
)
from server.domain.errors import DomainError
from server.domain.scoring import score_input
from server.services.checklists import load_definition, read_manifest
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
DEFAULT_OUT = PROJECT_ROOT / "build" / "scoring-corpus"
# unpublished test definitions the corpus also covers (the PWA's corpus test reads the same list)
FORMAT = 1
PAIRS_PER_RULE = 8

# (weight, unanswered, not met, not applicable where allowed, lean towards the best level,
#  documents clearly in date rather than near their limit)
PROFILES = {
    "strong": (45, 0.0, 0.02, 0.2, 0.85, 0.9),
    "mixed": (30, 0.05, 0.15, 0.3, 0.5, 0.3),
    "weak": (15, 0.3, 0.4, 0.3, 0.3, 0.1),
    "unfinished": (10, 0.6, 0.1, 0.2, 0.6, 0.5),
}


def corpus_name(rel: str) -> str:
    """big_three/2024-sample/v1.json -> big_three.2024-sample.v1.json (the PWA test uses the same)."""
    return rel.replace("/", ".")


# --- facts ---------------------------------------------------------------------------------------


def _conditions(checklist: Checklist) -> Iterator[Mapping[str, Any]]:
    stack = [i.applies_if for i in checklist.items()] + [t.applies_if for t in checklist.tiers]
    stack += [r.when for t in checklist.tiers for r in t.rules]
    while stack:
        cond = stack.pop()
        if cond is None:
            continue
        if "all" in cond or "any" in cond:
            stack.extend(cond.get("all", cond.get("any", [])))
        elif "not" in cond:
            stack.append(cond["not"])
        else:
            yield cond


def _fact_values(checklist: Checklist) -> dict[str, list[Any]]:
    """Per fact, the values worth drawing: what conditions name, one either side, and others."""
    named: dict[str, set[Any]] = {key: set() for key in checklist.facts}
    for cond in _conditions(checklist):
        named[cond["fact"]].add(cond["value"])
    values: dict[str, list[Any]] = {}
    for key, fact in sorted(checklist.facts.items()):
        if fact.type == "boolean":
            values[key] = [True, False]
        elif fact.type == "integer":
            near = {v + d for v in named[key] for d in (-1, 0, 1)}
            bounds = {b for b in (fact.min, fact.max) if b is not None}
            values[key] = sorted(v for v in near | bounds | {0, 1, 1200, 35000, 250000} if fact.in_range(v))
        elif fact.type == "number":
            near = {v + d for v in named[key] for d in (-0.5, 0, 0.5)}
            bounds = {b for b in (fact.min, fact.max) if b is not None}
            values[key] = sorted(v for v in near | bounds | {0, 2.5, 1000.25} if fact.in_range(v))
        else:
            values[key] = sorted(named[key] | {"其他"})
    return values


def random_facts(rng: random.Random, values: Mapping[str, list[Any]]) -> dict[str, Any]:
    return {key: rng.choice(choices) for key, choices in values.items()}


# --- dates ---------------------------------------------------------------------------------------


def random_inspection_date(rng: random.Random) -> dt.date:
    kind = rng.random()
    year = rng.randint(2022, 2029)
    if kind < 0.15:
        return dt.date(rng.choice([2024, 2028]), 2, 29)
    if kind < 0.45:  # a month end
        month = rng.randint(1, 12)
        return dt.date(year, month, 1) + relativedelta(months=1, days=-1)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _near(rng: random.Random, limit: dt.date) -> dt.date:
    """On the limit, one day either side of it, or well away from it."""
    return rng.choice(
        [
            limit,
            limit - dt.timedelta(days=1),
            limit + dt.timedelta(days=1),
            limit - dt.timedelta(days=rng.randint(2, 800)),
            limit + dt.timedelta(days=rng.randint(2, 800)),
        ]
    )


def _document_date(rng: random.Random, validity: Validity, day: dt.date) -> dt.date:
    if validity.kind == "max_age":
        assert validity.max_age_months is not None
        return _near(rng, day - relativedelta(months=validity.max_age_months))
    return _near(rng, day)


def document_dates(rng: random.Random, item: Item, day: dt.date) -> dict[str, Any]:
    """Dates for a document item, sometimes missing; now and then a date the item does not use.
    An item with several documents: one date per document in the documents map, each sometimes
    missing (the map then sometimes empty or left out)."""
    if item.validities:
        documents = {
            v.key: {v.date_field: _document_date(rng, v, day).isoformat()}
            for v in item.validities
            if rng.random() > 0.08
        }
        return {"documents": documents} if documents or rng.random() < 0.5 else {}
    out: dict[str, Any] = {}
    validity = item.validity
    if validity is not None and rng.random() > 0.08:
        if validity.kind == "max_age":
            assert validity.max_age_months is not None
            out["document_date"] = _near(rng, day - relativedelta(months=validity.max_age_months)).isoformat()
        else:
            out["valid_until"] = _near(rng, day).isoformat()
    if rng.random() < 0.03:
        out["document_date" if "document_date" not in out else "valid_until"] = _near(rng, day).isoformat()
    return out


def best_dates(item: Item, day: dt.date) -> dict[str, Any]:
    if item.validities:
        return {
            "documents": {
                v.key: {
                    v.date_field: day.isoformat()
                    if v.kind == "max_age"
                    else (day + relativedelta(years=1)).isoformat()
                }
                for v in item.validities
            }
        }
    if item.validity is None:
        return {}
    if item.validity.kind == "max_age":
        return {"document_date": day.isoformat()}
    return {"valid_until": (day + relativedelta(years=1)).isoformat()}


# --- answers -------------------------------------------------------------------------------------


def random_answers(rng: random.Random, checklist: Checklist, day: dt.date) -> dict[str, dict[str, Any]]:
    names = list(PROFILES)
    profile = rng.choices(names, weights=[PROFILES[n][0] for n in names])[0]
    _, p_missing, p_not_met, p_na, lean, p_in_date = PROFILES[profile]
    answers: dict[str, dict[str, Any]] = {}
    for item in checklist.items():
        if rng.random() < p_missing:
            continue
        levels = [lv.code for lv in item.levels]
        if item.allow_na and rng.random() < p_na:
            grade = NOT_APPLICABLE
        elif rng.random() < p_not_met:
            grade = NOT_MET
        elif rng.random() < lean:
            grade = levels[-1]
        else:
            grade = rng.choice(levels)
        dates = best_dates(item, day) if rng.random() < p_in_date else document_dates(rng, item, day)
        answer: dict[str, Any] = {"grade": grade, **dates}
        if rng.random() < 0.05:
            answer["note"] = rng.choice([None, "", "现场核查", "资料不全，限期整改"])
        answers[item.id] = answer
    return answers


def lower(checklist: Checklist, item: Item, grade: str, below: str | None, rng: random.Random) -> str | None:
    """A grade one step lower than `grade` (or straight below `below` when given); None when the
    grade is at the bottom or already below `below`."""
    if grade == NOT_MET or (below is not None and checklist.rank(grade) < checklist.rank(below)):
        return None
    codes = [lv.code for lv in item.levels]
    if below is not None:
        lower_codes = [c for c in codes if checklist.rank(c) < checklist.rank(below)]
        return rng.choice([lower_codes[-1], NOT_MET]) if lower_codes else NOT_MET
    i = codes.index(grade)
    return codes[i - 1] if i > 0 else NOT_MET


# --- cases ---------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    input: dict[str, Any]
    expected: dict[str, Any]


def make_input(
    checklist: Checklist, day: dt.date, facts: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    # a JSON round trip: the input is exactly what the file will hold
    document = {
        "checklist": checklist.ref,
        "inspection_date": day.isoformat(),
        "facts": facts,
        "answers": answers,
    }
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def scored(checklist: Checklist, name: str, document: dict[str, Any]) -> Case:
    return Case(name, document, score_input(checklist, document))


def refused(checklist: Checklist, name: str, document: dict[str, Any]) -> Case:
    try:
        result = score_input(checklist, document)
    except DomainError as err:
        return Case(name, document, {"error": err.to_json()})
    raise AssertionError(f"{name}: expected a refusal, got tier {result['tier']['code']}")


BAD_DATES = ["2026-02-30", "2025-02-29", "1899-12-31", "2101-01-01", "20260101", "2026-1-01", 20260101, ""]
BAD_GRADES = ["D", "", "c", "NOT_MET", None, 3, True]
WRONG_TYPE = {
    "boolean": [1, "true", None],
    "integer": ["12", True, 1.5, None],
    "string": [1, False],
    "number": ["1"],
}


def spoil(rng: random.Random, checklist: Checklist, document: dict[str, Any]) -> None:
    """One thing the server refuses, in the answers or the facts."""
    answers = document["answers"]
    items = list(checklist.items())
    item = rng.choice(items)
    kind = rng.randrange(10)
    if kind == 0:
        answers[f"X-{rng.randint(1, 99):02d}"] = {"grade": item.levels[0].code}
    elif kind == 1:
        answers[item.id] = {"grade": rng.choice(BAD_GRADES)}
    elif kind == 2:
        fixed = [i for i in items if not i.allow_na]
        answers[rng.choice(fixed).id] = {"grade": NOT_APPLICABLE}
    elif kind == 3:
        answers[item.id] = {"grade": item.levels[-1].code, rng.choice(["score", "photos", "Grade"]): 5}
    elif kind == 4:
        answers[item.id] = rng.choice([item.levels[-1].code, None, [], 1])
    elif kind == 5 and item.validities:
        validity = rng.choice(item.validities)
        assert validity.key is not None
        key, name = rng.choice(
            [
                (validity.key, validity.date_field),
                (validity.key, "valid_until" if validity.date_field == "document_date" else "document_date"),
                (rng.choice(["other", "Licence", "1"]), validity.date_field),
                (validity.key, "date"),
            ]
        )
        value = rng.choice(BAD_DATES) if name == validity.date_field else day_text(rng)
        spoilt: dict[str, Any] = {"grade": item.levels[-1].code, "documents": {key: {name: value}}}
        if rng.random() < 0.3:
            spoilt = {"grade": item.levels[-1].code, "document_date": day_text(rng)}
        answers[item.id] = spoilt
    elif kind == 5:
        key = rng.choice(["document_date", "valid_until"])
        answers[item.id] = {"grade": item.levels[-1].code, key: rng.choice(BAD_DATES)}
    elif kind == 6:
        answers[item.id] = {"grade": item.levels[-1].code, "note": rng.choice([5, [], {"text": "x"}])}
    elif kind == 7 or not referenced_facts(checklist):
        document["facts"][rng.choice(["colour", "beds_total", "Has_beds"])] = rng.choice([True, 3, "x"])
    elif kind == 8:
        key = rng.choice(sorted(checklist.facts))
        fact = checklist.facts[key]
        outside = [b + d for b, d in ((fact.min, -1), (fact.max, 1)) if b is not None]
        document["facts"][key] = rng.choice(WRONG_TYPE[fact.type] + outside)
    else:
        needed = sorted(referenced_facts(checklist))
        document["facts"].pop(rng.choice(needed), None)


def day_text(rng: random.Random) -> str:
    return random_inspection_date(rng).isoformat()


def threshold_pair(
    rng: random.Random,
    checklist: Checklist,
    values: Mapping[str, list[Any]],
    tier_index: int,
    rule_index: int,
) -> tuple[Case, Case] | None:
    """A set on the edge of one rule and the set one lowering below it, or None if none is found."""
    tier = checklist.tiers[tier_index]
    rule = tier.rules[rule_index]
    for _ in range(50):
        facts = random_facts(rng, values)
        if rule.when is not None and not evaluate_condition(rule.when, facts):
            continue  # the rule is not assessed for such a facility
        day = random_inspection_date(rng)
        answers: dict[str, dict[str, Any]] = {}
        for item in checklist.items():
            grade = NOT_APPLICABLE if item.allow_na and rng.random() < 0.2 else item.levels[-1].code
            answers[item.id] = {"grade": grade, **best_dates(item, day)}
        result = score_input(checklist, make_input(checklist, day, facts, answers))
        if result["tiers"][tier_index].get("reached"):
            break
    else:
        return None

    # the rule's place among the rules assessed for these facts
    place = sum(1 for r in tier.rules[:rule_index] if r.when is None or evaluate_condition(r.when, facts))

    def passes(document: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        res = score_input(checklist, document)
        return res["tiers"][tier_index]["rules"][place]["passed"], res

    items = checklist.item_map()
    counted = {i.id for i in rule_selection(checklist, rule, checklist.items())}
    candidates = [
        item_id
        for item_id, body in result["items"].items()
        if body["outcome"] != NOT_APPLICABLE and item_id in counted
    ]
    rng.shuffle(candidates)
    at: dict[str, Any] | None = None
    below: Case | None = None
    current = make_input(checklist, day, facts, answers)
    for item_id in candidates:
        while True:
            grade = current["answers"][item_id]["grade"]
            item = items[item_id]
            new = lower(checklist, item, grade, rule.grade, rng)
            if item.core and rule.rule != "all_at_least" and new == NOT_MET:
                break  # a core item stays met: the tier turns on this rule alone
            if new is None:
                break
            trial = json.loads(json.dumps(current))
            trial["answers"][item_id]["grade"] = new
            ok, res = passes(trial)
            if not ok:
                at = current
                below = Case("", trial, res)
                break
            current = trial
    if at is None or below is None:
        return None
    return scored(checklist, "", at), below


def build_cases(checklist: Checklist, random_count: int, invalid_count: int, seed: int) -> list[Case]:
    rng = random.Random(f"{seed}:{checklist.id}:{checklist.version}")
    values = _fact_values(checklist)
    cases: list[Case] = []
    for i in range(random_count):
        day = random_inspection_date(rng)
        facts = random_facts(rng, values)
        answers = random_answers(rng, checklist, day)
        cases.append(scored(checklist, f"random-{i:04d}", make_input(checklist, day, facts, answers)))
    for ti, tier in enumerate(checklist.tiers):
        for ri in range(len(tier.rules)):
            for k in range(PAIRS_PER_RULE):
                pair = threshold_pair(rng, checklist, values, ti, ri)
                if pair is None:
                    continue
                at, below = pair
                at.name = f"threshold-{tier.code}-rule{ri}-{k}-at"
                below.name = f"threshold-{tier.code}-rule{ri}-{k}-below"
                cases += [at, below]
    for i in range(invalid_count):
        day = random_inspection_date(rng)
        document = make_input(checklist, day, random_facts(rng, values), random_answers(rng, checklist, day))
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            spoil(rng, checklist, document)
        cases.append(refused(checklist, f"invalid-{i:04d}", json.loads(json.dumps(document))))
    return cases


def editions() -> dict[str, str]:
    """Every checklist the corpus covers (path under checklists/ -> SHA-256): the published
    editions and the golden vectors' test checklists. The PWA's test lists them the same way."""
    found = dict(read_manifest(ROOT))
    for path in sorted((ROOT / "examples" / "checklists").glob("*.json")):
        found[path.relative_to(ROOT).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def write_corpus(
    out: Path, random_count: int, invalid_count: int, seed: int
) -> list[tuple[str, int, int, float]]:
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    for rel, digest in sorted(editions().items()):
        started = time.perf_counter()
        checklist = load_definition(ROOT / rel, ROOT)
        cases = build_cases(checklist, random_count, invalid_count, seed)
        body = {
            "format": FORMAT,
            "checklist": rel,
            "sha256": digest,
            "seed": seed,
            "cases": [{"name": c.name, "input": c.input, "expected": c.expected} for c in cases],
        }
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
        path = out / corpus_name(rel)
        path.write_text(text, encoding="utf-8")
        summary.append((rel, len(cases), len(text.encode()), time.perf_counter() - started))
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.scoring_corpus", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--random", type=int, default=1000, help="random cases per edition")
    parser.add_argument("--invalid", type=int, default=200, help="refused inputs per edition")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    for rel, count, size, seconds in write_corpus(args.out, args.random, args.invalid, args.seed):
        digest = hashlib.sha256((args.out / corpus_name(rel)).read_bytes()).hexdigest()[:12]
        print(f"{rel}: {count} cases, {size} bytes, {seconds:.1f} s, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
