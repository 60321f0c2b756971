"""The limits of a job's child process, in a real child: memory beyond the limit cannot be had,
and the child dies with its parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from server.services.job_worker import Limits, _duration, limit_child


def _allocate(megabytes: int, out: Path) -> None:
    limit_child(512)
    try:
        block = bytearray(megabytes * 1024 * 1024)
        out.write_text(f"allocated {len(block)}")
    except MemoryError:
        out.write_text("MemoryError")


def test_a_child_cannot_allocate_beyond_its_memory_limit(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    for megabytes, expected in ((64, "allocated"), (1024, "MemoryError")):
        out = tmp_path / f"{megabytes}.txt"
        child = context.Process(target=_allocate, args=(megabytes, out))
        child.start()
        child.join(60)
        assert out.read_text().startswith(expected), megabytes


def _orphan(pid_file: Path) -> None:
    def grandchild() -> None:
        limit_child(512)
        pid_file.write_text(str(os.getpid()))
        time.sleep(60)

    context = multiprocessing.get_context("fork")
    context.Process(target=grandchild).start()
    time.sleep(60)


def test_a_child_dies_with_its_parent(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    parent = multiprocessing.get_context("spawn").Process(target=_orphan, args=(pid_file,))
    parent.start()
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.join(10)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and "Z" not in _state(child):
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "Z"


def test_time_limits_read_as_people_say_them() -> None:
    assert [_duration(s) for s in (0.05, 59, 60, 1800, 1801)] == [
        "1 秒",
        "59 秒",
        "1 分钟",
        "30 分钟",
        "31 分钟",
    ]
    assert Limits(1536, 1800, 20, 60).concurrency == 1
