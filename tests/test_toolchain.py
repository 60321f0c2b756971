"""The PWA builds with the Node.js the project installs itself, on a PATH with no other node.

`make` installs the pinned Node from PyPI into the virtualenv (`.ci/node-install`) and exports its
folder as DABIAO_NODE_DIR. Here the build runs with a PATH of that folder and a shell only: a
machine with no Node, or with Debian's Node 18, builds the same.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT
from tests.conftest import CI

MAKEFILE = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
PINNED = re.search(r"^NODE_VERSION := (\S+)$", MAKEFILE, re.MULTILINE)


def node_dir() -> Path:
    folder = os.environ.get("DABIAO_NODE_DIR")
    if not folder or not (Path(folder) / "node").is_file():
        message = "the project's Node.js is not installed (run the suite with make test)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    if not (PROJECT_ROOT / "pwa" / "node_modules").is_dir():
        pytest.skip("the PWA's packages are not installed (make pwa)")
    return Path(folder)


def run(args: list[str], path: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_the_pinned_node_is_first_on_the_path_of_every_recipe() -> None:
    assert PINNED is not None
    folder = node_dir()
    assert folder.name == f"node-{PINNED.group(1)}"
    assert shutil.which("node") == str(folder / "node")  # make put it first for this run too
    assert shutil.which("npx") == str(folder / "npx")


def test_the_pwa_builds_with_no_node_but_the_projects(tmp_path: Path) -> None:
    assert PINNED is not None
    folder = node_dir()
    shell = tmp_path / "bin"
    shell.mkdir()
    (shell / "sh").symlink_to("/bin/sh")  # npm runs scripts with sh; nothing else of the system's
    path = f"{folder}:{shell}"
    assert shutil.which("node", path=path) == str(folder / "node")

    version = run(["node", "--version"], path, tmp_path)
    assert version.stdout.strip() == f"v{PINNED.group(1)}", version.stderr

    out = tmp_path / "dist"
    build = run(["npm", "run", "build", "--", "--outDir", str(out)], path, PROJECT_ROOT / "pwa")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "EBADENGINE" not in build.stderr
    assert (out / "index.html").is_file()
    assert (out / "sw.js").is_file()
