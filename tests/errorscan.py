"""Finds every error code the server can raise, by reading its source with `ast`.

A code is raised where it is the code argument of one of the error constructors below, or the
value of a "code" key in a dict literal (an error body built by hand). The argument may be a
string literal, a conditional between literals, or a name bound to such a value in the same
module (a constant such as NOT_FOUND = "http.not_found", or a local `code = "a" if x else "b"`).
An expression ending in `.code` or `["code"]` passes on a code raised elsewhere and is skipped.
Anything else cannot be checked, and is reported as such.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# constructor name -> (index of the code argument, index of the message argument, index of the
# status argument); None where the constructor takes no such positional argument
CONSTRUCTORS: dict[str, tuple[int, int | None, int | None]] = {
    "DomainError": (0, 1, 3),
    "Problem": (0, 2, None),
    "Refusal": (1, 2, None),
    "_rejected": (1, 3, None),
    "error_response": (1, 2, 0),
    "catalog_response": (0, None, None),
}
NOT_PARAMS = {"code", "message", "problems", "status", "retry_after", "change", "received_at"}


@dataclass
class Site:
    """One place that raises a code."""

    where: str  # path:line
    kind: str  # the constructor, or "dict"
    codes: set[str] = field(default_factory=set)
    forwarded: bool = False  # the code comes from another error
    unknown: str | None = None  # source of a code expression that cannot be resolved
    status: int | None = None
    message: ast.expr | None = None  # the message given at the site, if any
    params: set[str] = field(default_factory=set)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _strings(node: ast.expr | None, bound: dict[str, set[str]]) -> set[str] | None:
    """The strings an expression can be, or None when that cannot be told."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _strings(node.body, bound), _strings(node.orelse, bound)
        return None if a is None or b is None else a | b
    if isinstance(node, ast.Name) and node.id in bound:
        return bound[node.id]
    return None


def _forwards(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "code"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "code"
    if isinstance(node, ast.IfExp):
        return _forwards(node.body) and _forwards(node.orelse)
    return False


CODE = re.compile(r"^[a-z]+(\.[a-z_]+)+$")


def _parameters(tree: ast.AST) -> set[str]:
    """Names that are parameters of some function: a code passed in is checked where it is given."""
    return {
        a.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
    }


def _bound_names(tree: ast.AST) -> dict[str, set[str]]:
    """Names assigned a string (or a choice between strings) anywhere in the module.

    A name unpacked first from a tuple (`code, why = REASONS[kind]`) can be any dotted code that
    starts a tuple literal in the module (REASONS = {"answer": ("x.unanswered", "..."), ...})."""
    bound: dict[str, set[str]] = {}
    tuple_codes = {
        first.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple) and node.elts
        for first in node.elts[:1]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and CODE.match(first.value)
    }
    for node in ast.walk(tree):
        unpacked = []
        if isinstance(node, ast.Assign):
            unpacked = [t for t in node.targets if isinstance(t, ast.Tuple)]
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            unpacked = [node.target]
        for target in unpacked:
            if target.elts and isinstance(target.elts[0], ast.Name):
                bound.setdefault(target.elts[0].id, set()).update(tuple_codes)
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values = _strings(node.value, {})
            if values is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, set()).update(values)
    return bound


def scan_source(source: str, where: str = "<source>") -> list[Site]:
    tree = ast.parse(source)
    bound = _bound_names(tree)
    parameters = _parameters(tree)
    sites: list[Site] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    codes = _strings(value, bound)
                    if codes is not None:
                        sites.append(Site(f"{where}:{node.lineno}", "dict", codes))
            continue
        if not isinstance(node, ast.Call):
            continue
        kind = _name(node.func)
        if kind not in CONSTRUCTORS:
            continue
        code_at, message_at, status_at = CONSTRUCTORS[kind]
        keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
        site = Site(f"{where}:{node.lineno}", kind)
        code_node = node.args[code_at] if len(node.args) > code_at else keywords.get("code")
        if any(isinstance(a, ast.Starred) for a in node.args):
            site.forwarded = True  # error_response(status, *http_error(status)): HTTP_CODES
        elif code_node is None:
            site.unknown = "(no code)"
        elif _forwards(code_node) or (
            isinstance(code_node, ast.Name) and code_node.id in parameters and code_node.id not in bound
        ):
            site.forwarded = True
        else:
            codes = _strings(code_node, bound)
            if codes is None:
                site.unknown = ast.unparse(code_node)
            else:
                site.codes = codes
        status_node = (
            node.args[status_at]
            if status_at is not None and len(node.args) > status_at
            else keywords.get("status")
        )
        if isinstance(status_node, ast.Constant) and isinstance(status_node.value, int):
            site.status = status_node.value
        site.message = (
            node.args[message_at] if message_at is not None and len(node.args) > message_at else None
        ) or keywords.get("message")
        if kind in ("DomainError", "catalog_response", "_rejected"):
            site.params = {k for k in keywords if k not in NOT_PARAMS}
        sites.append(site)
    return sorted(sites, key=lambda s: int(s.where.rsplit(":", 1)[1]))


def scan_tree(root: Path) -> Iterator[Site]:
    for path in sorted(root.rglob("*.py")):
        yield from scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(root.parent)))


def literal_text(node: ast.expr | None) -> str | None:
    """The fixed text of a message given as a literal or an f-string; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None
