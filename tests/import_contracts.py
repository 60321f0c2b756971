"""Import-linter contract types the project needs beyond the built-in ones (named in the
`contract_types` of `[tool.importlinter]`; `lint-imports` runs from the project root, which puts
this package on the path)."""

from __future__ import annotations

from typing import cast

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _within(module: str, packages: set[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


class AllowedImportsContract(Contract):
    """The source packages may import only themselves and the modules listed: an allow-list, so
    any module nobody listed (the standard library's I/O modules as much as a new dependency)
    breaks it.

    Configuration options:
        - source_modules:  packages (each with its descendants) whose imports are checked.
        - allowed_modules: modules or packages (each with its descendants) they may import;
                           external ones by their top-level name, as grimp records them.
    """

    type_name = "allowed_imports"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources = set(cast(list[str], self.source_modules))
        allowed = sources | set(cast(list[str], self.allowed_modules))
        importers = {module for module in graph.modules if _within(module, sources)}
        refused = []
        for importer in sorted(importers):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if _within(imported, allowed):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = sorted(detail["line_number"] for detail in details)
                refused.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not refused, metadata={"refused": refused})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for row in check.metadata["refused"]:
            lines = ", ".join(f"l.{n}" for n in row["lines"])
            output.print_error(f"{row['importer']} imports {row['imported']} ({lines}), which is not allowed")
            output.new_line()
