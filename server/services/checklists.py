"""Checklist definitions: reading, validating, publishing and loading them into the database.

Files live in checklists/<family>/<edition>/v<version>.json. A file is published when its SHA-256
is in checklists/MANIFEST.json; after that it never changes (a new version is a new file), and
loading refuses a file whose bytes no longer match its digest. A definition's family must be one
listed in checklists/families.json, the registry of families (read here, for the CLI and the
services alike).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.protocols import Validator
from sqlalchemy.exc import DataError, IntegrityError

from server import registry
from server.db import checklists as queries
from server.domain import jsonstrict
from server.domain.checklist import (
    Checklist,
    Fact,
    check_definition,
    make_validator,
    merge_facts,
    parse_checklist,
)
from server.domain.errors import DomainError, Problem
from server.domain.families import Families, parse_families
from server.extensions import db

MANIFEST = "MANIFEST.json"
SCHEMA = Path("schema") / "checklist.schema.json"
FAMILIES = "families.json"
FAMILIES_SCHEMA = Path("schema") / "families.schema.json"
NOT_DEFINITIONS = {"schema", "examples"}


@dataclass(frozen=True)
class FileReport:
    path: Path
    problems: list[Problem]


@functools.lru_cache(maxsize=8)
def _validator(schema_path: Path, mtime_ns: int) -> Validator:
    return make_validator(json.loads(schema_path.read_text(encoding="utf-8")))


def schema_validator(root: Path) -> Validator:
    path = (root / SCHEMA).resolve()
    return _validator(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _families(path: Path, mtime_ns: int, schema_path: Path, schema_mtime_ns: int) -> Families:
    validator = make_validator(json.loads(schema_path.read_text(encoding="utf-8")))
    return parse_families(read_json(path), validator, str(path))


def families(root: Path) -> Families:
    """The registry of checklist families under `root`, validated by its schema; read again when
    the file changes."""
    path, schema = (root / FAMILIES).resolve(), (root / FAMILIES_SCHEMA).resolve()
    try:
        stamps = path.stat().st_mtime_ns, schema.stat().st_mtime_ns
    except OSError as exc:
        missing = path if not path.is_file() else schema
        raise DomainError("file.unreadable", path=str(missing), reason=_why(exc)) from exc
    return _families(path, stamps[0], schema, stamps[1])


def current_families() -> Families:
    """The registry of the running app (its CHECKLISTS_DIR)."""
    return families(registry.settings().checklists_dir)


def _family_problems(root: Path, data: Any) -> list[Problem]:
    known = families(root)
    if known.get(data["family"]) is not None:
        return []
    message = f"类别“{data['family']}”未在 {FAMILIES} 中登记，应为：{known.listing()}"
    return [Problem("checklist.unknown_family", "/family", message)]


def read_json(path: Path) -> Any:
    """Strict JSON from a file: duplicate keys and NaN are errors, not silently accepted."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DomainError("file.unreadable", path=str(path), reason=_why(exc)) from exc
    return jsonstrict.loads(raw)


def _why(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录"
    return f"读取出错（错误号 {exc.errno}）"


def definition_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*/v*.json") if p.relative_to(root).parts[0] not in NOT_DEFINITIONS)


def _location_problems(root: Path, path: Path, data: Any) -> list[Problem]:
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        return []  # a file outside the tree may be named anything
    if len(parts) != 3 or parts[0] in NOT_DEFINITIONS:
        return []
    family, edition, name = parts
    problems = []
    expected = {"family": family, "edition": edition, "version": name.removesuffix(".json").lstrip("v")}
    for key, value in expected.items():
        if str(data.get(key)) != value:
            problems.append(
                Problem(
                    "checklist.location",
                    f"/{key}",
                    f"{family}/{edition} 下的 {path.name} 中 {key} 应为 {value}",
                )
            )
    return problems


def validate_file(root: Path, path: Path) -> FileReport:
    try:
        data = read_json(path)
    except DomainError as exc:
        return FileReport(path, [Problem(exc.code, "", exc.message)])
    problems = check_definition(data, schema_validator(root))
    if not problems:
        problems = _family_problems(root, data) + _location_problems(root, path, data)
    return FileReport(path, problems)


def validate_paths(root: Path, target: Path | None) -> list[FileReport]:
    """Validate one file, every definition under a folder, or (no target) the whole tree."""
    if target is None:
        files = definition_files(root)
    elif target.is_dir():
        files = sorted(p for p in target.rglob("v*.json"))
    else:
        files = [target]
    if not files:
        raise DomainError("checklist.none_found", path=str(target or root))
    reports = [validate_file(root, p) for p in files]
    seen: dict[tuple[str, int], Path] = {}
    for report in reports:
        if report.problems:
            continue
        data = read_json(report.path)
        key = (data["id"], data["version"])
        if key in seen:
            report.problems.append(
                Problem("checklist.duplicate", "/id", f"{key[0]} 第 {key[1]} 版也在 {seen[key]} 中")
            )
        seen[key] = report.path
    return reports


def load_definition(path: Path, root: Path) -> Checklist:
    report = validate_file(root, path)
    if report.problems:
        raise DomainError("checklist.invalid", problems=report.problems, count=len(report.problems))
    return parse_checklist(read_json(path), checked=True)  # validate_file has just checked it


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(root: Path) -> dict[str, str]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    data = read_json(path)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise DomainError("checklist.manifest_invalid", path=str(path))
    return {str(k): str(v) for k, v in files.items()}


def _changed_since_publication(root: Path) -> list[str]:
    """Every published file that changed or vanished."""
    problems = []
    for rel, digest in sorted(read_manifest(root).items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}：已发布但文件缺失")
        elif sha256_of(path) != digest:
            problems.append(f"{rel}：发布后被修改（摘要不一致）")
    return problems


def manifest_problems(root: Path) -> list[str]:
    """Every published file that changed or vanished, and every definition not yet published."""
    manifest = read_manifest(root)
    problems = _changed_since_publication(root)
    for path in definition_files(root):
        rel = path.relative_to(root).as_posix()
        if rel not in manifest:
            problems.append(f"{rel}：尚未发布（不在 {MANIFEST} 中）")
    return problems


def publish(root: Path, path: Path) -> str:
    """Record a definition's digest in the manifest; a published file can't be published again changed."""
    report = validate_file(root, path)
    if report.problems:
        raise DomainError("checklist.invalid", problems=report.problems, count=len(report.problems))
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    manifest = read_manifest(root)
    digest = sha256_of(path)
    if rel in manifest:
        if manifest[rel] != digest:
            raise DomainError("checklist.already_published", path=rel)
        return digest
    manifest[rel] = digest
    body = {
        "about": "SHA-256 of every published checklist file. A published file never changes.",
        "files": dict(sorted(manifest.items())),
    }
    (root / MANIFEST).write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return digest


def sync_published(root: Path) -> dict[str, int]:
    """Load every published definition into the database; idempotent, all or nothing. A draft
    not yet published is left alone. What the database would refuse is refused by the validator
    first; should the database refuse a row all the same (a concurrent load), that is an error
    naming the file, never a traceback."""
    changed = _changed_since_publication(root)
    if changed:
        differing = [Problem("checklist.digest_mismatch", "", p) for p in changed]
        raise DomainError("checklist.digest_mismatch", problems=differing)
    added = unchanged = 0
    rel = ""
    try:
        for rel, digest in sorted(read_manifest(root).items()):
            path = root / rel
            checklist = load_definition(path, root)
            row = queries.find_version(checklist.id, checklist.version)
            if row is None:
                queries.add_version(
                    checklist.id,
                    checklist.version,
                    checklist.family,
                    checklist.edition,
                    checklist.title,
                    digest,
                    read_json(path),
                )
                db.session.flush()  # a refusal names this file, not the next one
                added += 1
            elif row.sha256 != digest:
                stored = f"{checklist.id} 第 {checklist.version} 版已以不同内容加载"
                raise DomainError(
                    "checklist.digest_mismatch", problems=[Problem("checklist.digest_mismatch", "", stored)]
                )
            else:
                unchanged += 1
        _check_fact_declarations()
        rel = ""
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    except (DataError, IntegrityError) as exc:
        db.session.rollback()
        raise DomainError(
            "checklist.db_refused", path=rel or MANIFEST, command="checklists validate"
        ) from exc
    return {"added": added, "unchanged": unchanged}


def _check_fact_declarations() -> None:
    """A facility carries one value per fact, whichever edition it is inspected with: a key every
    loaded edition (those just added included) must declare with the same type."""
    _, conflicts = merge_facts(_loaded_models())
    if conflicts:
        raise DomainError(
            "checklist.fact_conflict",
            problems=[Problem("checklist.fact_conflict", "/facts", c) for c in conflicts],
        )


_models: dict[tuple[str, int, str], Checklist] = {}


def get_checklist(checklist_id: str, version: int) -> Checklist:
    """The parsed checklist; parsed once per process and published content (by its digest)."""
    digest = queries.version_digest(checklist_id, version)
    if digest is None:
        raise DomainError("checklist.not_found", checklist_id=checklist_id[:64], version=version)
    key = (checklist_id, version, digest)
    model = _models.get(key)
    if model is None:
        model = _models[key] = parse_checklist(get_definition(checklist_id, version))
    return model


def _loaded_models() -> list[Checklist]:
    models = []
    for row in queries.list_versions():
        key = (row.checklist_id, row.version, row.sha256)
        model = _models.get(key)
        if model is None:
            model = _models[key] = parse_checklist(row.definition)
        models.append(model)
    return models


def declared_facts() -> dict[str, Fact]:
    """The facts the loaded editions declare, one declaration per key (the narrowest range): the
    facts a facility may carry. Loading refuses editions that declare a key with different types."""
    merged, _ = merge_facts(_loaded_models())
    return merged


def get_definition(checklist_id: str, version: int) -> dict[str, Any]:
    row = queries.find_version(checklist_id, version)
    if row is None:
        raise DomainError("checklist.not_found", checklist_id=checklist_id[:64], version=version)
    return row.definition


def list_loaded() -> list[dict[str, Any]]:
    return [
        {
            "id": r.checklist_id,
            "version": r.version,
            "family": r.family,
            "edition": r.edition,
            "title": r.title,
            "sha256": r.sha256,
        }
        for r in queries.list_versions()
    ]


def loaded_count() -> int:
    return queries.count_versions()
