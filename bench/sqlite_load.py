"""The embedded default under load: `make run`'s SQLite and two gunicorn sync workers, the demo
seed, 8 parallel clients reading and writing for 60 s (issue 11, item 14: 0 answers of 503).

Compared in the same run against the baseline: the code of commit BASELINE, the last one before
the fix (deferred transactions, a 5 s busy timeout, the session's last-seen time written by any
request once it was 30 s old), taken from git and served the same way on a copy of the same
database. Each client is its own session and cycles through listing inspections, opening one,
a write (inspectors: a sync batch of five answer changes to the shared draft; reviewers: a
regrade in their review) and opening it again; tests/load.py has the details.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from server.settings import PROJECT_ROOT
from tests.load import DemoServer, LoadReport, run_load

BASELINE = "07bf777a30f5527e794e08accaaaba769424750b"
CLIENTS = int(os.environ.get("DABIAO_BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("DABIAO_BENCH_SECONDS", "60"))
KINDS = ("list", "get", "sync", "regrade")


def baseline_tree(target: Path) -> Path | None:
    """The server code of BASELINE, from git; None when it cannot be had."""
    target.mkdir(parents=True)
    try:
        archive = subprocess.run(
            ["git", "archive", BASELINE, "server", "wsgi.py", "checklists", "migrations"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
            timeout=120,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return target


def measure(instance: Path, code_root: Path) -> LoadReport:
    server = DemoServer(instance, code_root=code_root)
    server.start()
    try:
        return run_load(server, CLIENTS, SECONDS)
    finally:
        server.stop()


def lines_for(name: str, report: LoadReport) -> list[str]:
    lines = [f"{name}: {report.summary()}"]
    for kind in KINDS:
        of_kind = [r for r in report.results if r.kind == kind]
        if of_kind:
            lines.append(
                f"  {kind:8} {len(of_kind):5} requests, {sum(r.status == 503 for r in of_kind):3} of 503; "
                f"p50 {report.percentile(50, kind):5.0f} ms, p95 {report.percentile(95, kind):5.0f} ms"
            )
    lines += [f"  client failure: {f}" for f in report.failures[:5]]
    return lines


def run() -> list[str]:
    lines = [
        f"SQLite, gunicorn 2 sync workers, demo seed, {CLIENTS} clients for {SECONDS:.0f} s, "
        f"{os.cpu_count()} cores; baseline: commit {BASELINE[:7]}, before the fix"
    ]
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-sqlite-") as tmp_name:
        tmp = Path(tmp_name)
        seeded = DemoServer(tmp / "seeded" / "instance")
        seeded.prepare()
        runs: list[tuple[str, Path, Path]] = []
        old = baseline_tree(tmp / "baseline-code")
        if old is None:
            lines.append(f"baseline: commit {BASELINE} is not in this checkout's git history; not run")
        else:
            runs.append(("baseline", old, tmp / "baseline" / "instance"))
        runs.append(("now", PROJECT_ROOT, tmp / "now" / "instance"))
        reports = {}
        for name, code_root, instance in runs:
            shutil.copytree(seeded.instance, instance)  # the same database for both
            reports[name] = measure(instance, code_root)
            lines += lines_for(name, reports[name])
        if "baseline" in reports:
            before, after = reports["baseline"], reports["now"]
            lines.append(
                f"503s {before.count(503)} -> {after.count(503)}; requests {len(before.results)} -> "
                f"{len(after.results)}; p50 {before.percentile(50):.0f} -> {after.percentile(50):.0f} ms, "
                f"p95 {before.percentile(95):.0f} -> {after.percentile(95):.0f} ms"
            )
    return lines
