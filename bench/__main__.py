"""`make bench`: prints the figures the issues ask for, each with what it compares against.

Benchmarks are measured, never asserted in tests. Each benchmark is a module here with a `run()`
that returns printable lines. `python -m bench scale [options]` passes its options on to the scale
benchmark (`--province`, `--sizes city,province`; see bench/scale.py).
"""

from __future__ import annotations

import sys

from bench import (
    boundary,
    console,
    dashboard,
    evidence,
    exports,
    lists,
    payouts,
    pwa,
    reports,
    scale,
    scoring,
    sqlite_load,
    sync,
    verify,
)

BENCHMARKS = {
    "boundary": boundary.run,
    "console": console.run,
    "dashboard": dashboard.run,
    "evidence": evidence.run,
    "exports": exports.run,
    "lists": lists.run,
    "payouts": payouts.run,
    "pwa": pwa.run,
    "reports": reports.run,
    "scale": scale.run,
    "scoring": scoring.run,
    "sqlite_load": sqlite_load.run,
    "sync": sync.run,
    "verify": verify.run,
}


def main(names: list[str]) -> int:
    if names[:1] == ["scale"] and len(names) > 1:
        return scale.main(names[1:])
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names or list(BENCHMARKS):
        print(f"== {name}")
        for line in BENCHMARKS[name]():
            print(f"   {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
