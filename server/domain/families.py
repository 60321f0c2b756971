"""Checklist families (优质服务基层行, 村卫生室标准化建设, ...) as data.

checklists/families.json lists each family: its code (a definition's `family`), the Chinese name
people read, other names an import sheet may use, and the facility types whose facilities its
checklists are for. Pure: the file is read and cached by server.services.checklists, which hands
the parsed registry to whoever needs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from server.domain.errors import DomainError, Problem, pointer
from server.domain.identifiers import FACILITY_TYPES


@dataclass(frozen=True)
class Family:
    code: str
    name: str
    aliases: tuple[str, ...]
    facility_types: frozenset[str]


@dataclass(frozen=True)
class Families:
    """The registry, in its file's order (the order families are listed in)."""

    families: tuple[Family, ...]

    def __iter__(self) -> Iterator[Family]:
        return iter(self.families)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.families)

    @property
    def names(self) -> dict[str, str]:
        """Code -> Chinese name, in registry order."""
        return {f.code: f.name for f in self.families}

    def get(self, code: str) -> Family | None:
        return next((f for f in self.families if f.code == code), None)

    def name(self, code: str) -> str:
        """The Chinese name of a family; its code when the registry no longer lists it."""
        family = self.get(code)
        return family.name if family is not None else code

    def fits(self, code: str, facility_type: str) -> bool:
        """Whether the family's checklists are meant for facilities of this type."""
        family = self.get(code)
        return family is not None and facility_type in family.facility_types

    def lookup(self, text: str) -> str | None:
        """The code a person meant by a code (any case), a name or an alias."""
        for family in self.families:
            if text.lower() == family.code or text == family.name or text in family.aliases:
                return family.code
        return None

    def listing(self) -> str:
        """Every family as `code（name）`, for messages."""
        return "、".join(f"{f.code}（{f.name}）" for f in self.families)


def parse_families(data: Any, validator: jsonschema.protocols.Validator, source: str) -> Families:
    """The registry from the content of families.json (read from `source`); DomainError
    ("families.invalid") listing every problem with its JSON pointer otherwise."""
    problems = [
        Problem("families.schema", pointer(*error.absolute_path), error.message)
        for error in validator.iter_errors(data)
    ]
    if not problems:
        problems = _semantic_problems(data["families"])
    if problems:
        problems.sort(key=lambda p: p.pointer)
        raise DomainError("families.invalid", problems=problems, count=len(problems), path=source)
    return Families(
        tuple(
            Family(
                code=f["code"],
                name=f["name"],
                aliases=tuple(f.get("aliases", ())),
                facility_types=frozenset(f["facility_types"]),
            )
            for f in data["families"]
        )
    )


def _semantic_problems(entries: list[Mapping[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    codes: set[str] = set()
    names: dict[str, str] = {}  # any name or alias -> where it was first used
    for i, entry in enumerate(entries):
        if entry["code"] in codes:
            problems.append(Problem("families.duplicate", pointer("families", i, "code"), "类别代码重复"))
        codes.add(entry["code"])
        spelled = [("name", entry["name"])] + [
            (f"aliases/{j}", a) for j, a in enumerate(entry.get("aliases", []))
        ]
        for where, text in spelled:
            at = f"{pointer('families', i)}/{where}"
            if text in names:
                problems.append(Problem("families.duplicate", at, f"名称“{text}”已用于 {names[text]}"))
            else:
                names[text] = at
        for j, type_code in enumerate(entry["facility_types"]):
            if type_code not in FACILITY_TYPES:
                known = "、".join(f"{c} {n}" for c, n in FACILITY_TYPES.items())
                problems.append(
                    Problem(
                        "families.facility_type",
                        pointer("families", i, "facility_types", j),
                        f"未知的机构类别代码“{type_code}”，应为：{known}",
                    )
                )
    return problems
