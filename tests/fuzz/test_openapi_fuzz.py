"""Schemathesis against the real server: generated requests from /api/openapi.json.

The server is gunicorn on its own fresh PostgreSQL database and MinIO bucket with the demo seed
(tests.browser.server.AppServer), so nothing here touches the other tests' data. Schemathesis
runs as an inspector and as an administrator, in its examples, coverage and fuzzing phases, with
these checks: no server error, and every response (status code, content type, headers, body)
conforms to the OpenAPI document. The document lists each error status of each operation
(server.api.docs), so an undocumented answer fails too.

Logout is left out: it would end the session the run uses (tests/api/test_auth.py covers it).
The seed is fixed so a failure can be replayed; DABIAO_FUZZ_SEED and DABIAO_FUZZ_EXAMPLES change
the run, and DABIAO_FUZZ_PATHS (a regular expression) limits it to the matching paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.server import AppServer
from tests.fuzz.conftest import RUNS

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
ROLES = {"inspector": "tx_inspector1", "admin": "kf_admin"}
SEED = int(os.environ.get("DABIAO_FUZZ_SEED", "20261128"))
EXAMPLES = int(os.environ.get("DABIAO_FUZZ_EXAMPLES", "25"))
PATHS = os.environ.get("DABIAO_FUZZ_PATHS", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    app = AppServer(tmp_path_factory.mktemp("fuzz"))
    app.prepare()
    app.start()
    try:
        yield app
    finally:
        app.stop()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_generated_requests_get_documented_answers(server: AppServer, role: str, tmp_path: Path) -> None:
    token, _ = server.login(ROLES[role])
    report = tmp_path / "report.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{server.url}/api/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-path",
        "/api/auth/logout",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: with two threads, Hypothesis's ast.parse calls sometimes raise CPython 3.11's
        # "AST constructor recursion depth mismatch" (cpython#106905, fixed after 3.11), counted as
        # a failing case that no server answer caused.
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *(["--include-path-regex", PATHS] if PATHS else []),
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False, env=os.environ
    )
    output = result.stdout + result.stderr
    summary = _summary(report)
    RUNS.append(
        f"fuzz as {role}: {summary['operations']} operations, {summary['cases']} cases, "
        f"{summary['failures']} failing (seed {SEED}, {EXAMPLES} examples per operation)"
    )
    assert result.returncode == 0, output[-12000:]
    assert summary["cases"] > 0, output[-3000:]
    assert summary["failures"] == 0, output[-12000:]
    server_log = server.log.read_text(errors="replace")
    assert "Traceback" not in server_log, server_log[-6000:]


def _summary(report: Path) -> dict[str, int]:
    if not report.is_file():
        return {"cases": 0, "failures": -1, "operations": 0}
    data = json.loads(report.read_text())
    return {
        "operations": int(data["operations"]["tested"]),
        "cases": int(data["test_cases"]["generated"]),
        "failures": int(data["test_cases"]["with_failures"]) + len(data["errors"]),
    }
