"""The project's own import-linter contract type answers broken for what it must refuse."""

from __future__ import annotations

import grimp

from tests.import_contracts import AllowedImportsContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        for module in (importer, imported):
            graph.add_module(module, is_squashed=module.split(".")[0] != "app")
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="import")
    return graph


def _contract() -> AllowedImportsContract:
    return AllowedImportsContract(
        name="allow-list",
        session_options={"root_packages": ["app"]},
        contract_options={"source_modules": ["app.domain"], "allowed_modules": ["datetime", "dateutil"]},
    )


def test_listed_and_own_modules_are_kept() -> None:
    graph = _graph(
        ("app.domain.a", "datetime"),
        ("app.domain.a", "dateutil"),
        ("app.domain.a", "app.domain.b"),
        ("app.services", "os"),  # outside the source: not checked
    )
    assert _contract().check(graph, verbose=False).kept


def test_an_unlisted_stdlib_module_or_sibling_package_breaks_it() -> None:
    graph = _graph(("app.domain.a", "os"), ("app.domain.b.c", "app.db"), ("app.domain.a", "datetime"))
    check = _contract().check(graph, verbose=False)
    assert not check.kept
    assert [(row["importer"], row["imported"]) for row in check.metadata["refused"]] == [
        ("app.domain.a", "os"),
        ("app.domain.b.c", "app.db"),
    ]
