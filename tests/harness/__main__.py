"""`python -m tests.harness [pytest args]`: the whole test run behind `make test`.

Starts PostgreSQL and MinIO on free loopback ports with temporary data directories, runs the PWA
unit tests and the Python suite against them, and stops both whatever happens (failures, Ctrl-C,
SIGTERM). Prints one closing line with the combined counts. The exit status is non-zero when any
test failed or errored, or when a runner ran no test at all.

DABIAO_TEST_MINIO_DRIVES=4 runs the whole suite on an erasure-coded MinIO of four drives (one
MinIO process, four drive folders) instead of a single-drive one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.harness.services import MinioServer, PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def _sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_vitest(env: dict[str, str], workdir: Path) -> tuple[int, int, int, int]:
    pwa = ROOT / "pwa"
    if not (pwa / "package.json").is_file():
        print("harness: no pwa/package.json, PWA tests not run", flush=True)
        return 0, 0, 0, 1
    report = workdir / "vitest.json"
    code = subprocess.call(
        ["npx", "vitest", "run", "--reporter=default", "--reporter=json", f"--outputFile={report}"],
        cwd=pwa,
        env=env,
    )
    if not report.is_file():
        return 0, 1, 0, code or 1
    data = json.loads(report.read_text())
    passed = int(data.get("numPassedTests", 0))
    failed = int(data.get("numFailedTests", 0)) + int(data.get("numFailedTestSuites", 0))
    skipped = int(data.get("numPendingTests", 0)) + int(data.get("numTodoTests", 0))
    if passed + failed == 0:
        code = code or 1
    return passed, failed, skipped, code


def run_pytest(env: dict[str, str], workdir: Path, args: list[str]) -> tuple[int, int, int, int]:
    report = workdir / "pytest.xml"
    code = subprocess.call([sys.executable, "-m", "pytest", f"--junitxml={report}", *args], cwd=ROOT, env=env)
    if not report.is_file():
        return 0, 1, 0, code or 1
    suite = ET.parse(report).getroot()  # noqa: S314 - our own pytest report
    suites = [suite] if suite.tag == "testsuite" else list(suite)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    if code == 5:  # pytest: no tests collected; never a pass
        print("harness: pytest collected no tests", flush=True)
        code = 1
    return total - failed - skipped, failed, skipped, code


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _sigterm)
    with tempfile.TemporaryDirectory(prefix="dabiao-test-") as tmp:
        workdir = Path(tmp)
        env = dict(os.environ)
        results = []
        postgres = PostgresServer(workdir / "pg")
        minio = MinioServer(workdir / "minio", drives=int(env.get("DABIAO_TEST_MINIO_DRIVES") or 1))
        try:
            env.update(postgres.start())
            env.update(minio.start())
            only_python = bool(argv) or env.get("DABIAO_SKIP_PWA_TESTS") == "1"
            if not only_python:
                results.append(run_vitest(env, workdir))
            results.append(run_pytest(env, workdir, argv))
        except KeyboardInterrupt:
            print("harness: interrupted", flush=True)
            results.append((0, 1, 0, 130))
        finally:
            minio.stop()
            postgres.stop()
    passed = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    skipped = sum(r[2] for r in results)
    worst = next((r[3] for r in results if r[3] != 0), 0)
    print(f"harness: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return worst if worst else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
