"""The job worker behind `flask jobs worker`: procrastinate's worker takes jobs from the queue on
PostgreSQL, and each job runs in a child process of a pebble pool.

The children carry the limits a job must keep: an address-space limit (a job that outgrows it gets
MemoryError, or is killed), a time limit (pebble kills the child and the job fails), and a number
of jobs after which the child is replaced, since WeasyPrint returns memory only when its process
exits. Each child dies with the worker (PR_SET_PDEATHSIG), so a killed worker leaves no child
that could still publish.

A worker killed outright leaves its job "doing" in the queue. Every worker sends heartbeats; a
job whose worker has been silent for `stalled_seconds` is put back in the queue by any other
worker (the recovery loop below), and runs again as the job's next attempt.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import multiprocessing
import resource
import signal
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import procrastinate
from pebble import ProcessExpired, ProcessPool

from server.db.jobs import QUEUE, RUN_TASK
from server.services import jobs

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    time_limit_s: float
    max_per_child: int
    stalled_seconds: int
    concurrency: int = 1


class Retry(Exception):
    """The run ended without an outcome (its process died, or an unexpected error): run it again."""


def limit_child(memory_mb: int) -> None:
    """In a child, first of all: its memory limit, and death with its parent."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _duration(seconds: float) -> str:
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{max(1, math.ceil(seconds))} 秒"


def _settle(
    job_id: int,
    error: BaseException,
    limits: Limits,
    in_app: Callable[[Callable[[], Any]], Any],
) -> None:
    """What a run that raised or died means for the job: failed for good, or to be retried."""
    if isinstance(error, FutureTimeout):
        in_app(lambda: jobs.fail(job_id, None, "jobs.timeout", {"limit": _duration(limits.time_limit_s)}))
        return
    if isinstance(error, MemoryError):
        in_app(lambda: jobs.fail(job_id, None, "jobs.memory", {"megabytes": limits.memory_mb}))
        return
    attempts = int(in_app(lambda: jobs.attempts_of(job_id)))
    if attempts >= jobs.MAX_ATTEMPTS:
        code = "jobs.crashed" if isinstance(error, ProcessExpired) else "jobs.failed"
        in_app(lambda: jobs.fail(job_id, None, code, {"attempts": attempts}))
        return
    raise Retry(f"job {job_id}: attempt {attempts} ended without an outcome: {error!r}") from error


def build_app(
    conninfo: str,
    pool: ProcessPool,
    limits: Limits,
    child_call: Callable[[int], str],
    in_app: Callable[[Callable[[], Any]], Any],
) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    retry = procrastinate.RetryStrategy(max_attempts=jobs.MAX_ATTEMPTS, wait=2, retry_exceptions={Retry})

    @app.task(name=RUN_TASK, queue=QUEUE, retry=retry)
    async def run_job(job_id: int) -> str:
        future = pool.schedule(child_call, args=(job_id,), timeout=limits.time_limit_s)
        try:
            outcome: str = await asyncio.wrap_future(future)
        except Exception as exc:
            log.warning("job %s: run ended with %r", job_id, exc)
            await asyncio.to_thread(_settle, job_id, exc, limits, in_app)
            return "failed"
        log.info("job %s: %s", job_id, outcome)
        return outcome

    return app


async def recover_stalled(app: procrastinate.App, stalled_seconds: int) -> int:
    """Put back in the queue the jobs of workers silent for `stalled_seconds`; how many."""
    stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_seconds)
    for job in stalled:
        log.warning("job queue entry %s: its worker went silent, running it again", job.id)
        await app.job_manager.retry_job(job)
    return len(list(stalled))


async def _keep_recovering(app: procrastinate.App, stalled_seconds: int) -> None:
    while True:
        await asyncio.sleep(max(1.0, stalled_seconds / 3))
        try:
            await recover_stalled(app, stalled_seconds)
        except Exception:
            log.exception("could not check for stalled jobs")


def run(
    conninfo: str,
    limits: Limits,
    child_init: Callable[..., None],
    child_init_args: tuple[Any, ...],
    child_call: Callable[[int], str],
    in_app: Callable[[Callable[[], Any]], Any],
    once: bool = False,
    name: str = "worker",
) -> None:
    """Work the queue until stopped (SIGINT/SIGTERM), or until it is empty when `once`."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPool(
        max_workers=limits.concurrency,
        max_tasks=limits.max_per_child,
        initializer=child_init,
        initargs=child_init_args,
        context=context,
    )
    app = build_app(conninfo, pool, limits, child_call, in_app)

    async def main() -> None:
        async with app.open_async():
            await recover_stalled(app, limits.stalled_seconds)
            recovery = asyncio.create_task(_keep_recovering(app, limits.stalled_seconds))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=limits.concurrency,
                    wait=not once,
                    name=name,
                    update_heartbeat_interval=max(1.0, limits.stalled_seconds / 6),
                    stalled_worker_timeout=float(limits.stalled_seconds),
                )
            finally:
                recovery.cancel()

    try:
        asyncio.run(main())
    finally:
        pool.stop()  # type: ignore[no-untyped-call]
        pool.join()
