"""Jobs + rule spec -> their results in order, run here, in a process pool, or on a Dask cluster."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from pipeline.problems import PipelineError, Problem
from pipeline.work import Job, Result, RulesSpec, run_batch

BATCH_CHARACTERS = 400_000  # text per task: enough to outweigh sending the rule spec with it
MAX_BATCH_JOBS = 200
IN_FLIGHT_PER_WORKER = 3
DASK_PARTS = 8


@dataclass(frozen=True)
class Workers:
    """Where jobs run: `jobs` local processes (1: in this process), or a Dask scheduler's workers."""

    jobs: int = 1
    scheduler: str | None = None


def default_jobs() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def batches(jobs: list[Job], parts: int) -> list[tuple[Job, ...]]:
    """Jobs cut into consecutive batches of similar text size, at least `parts` of them when there are enough."""
    total = sum(len(job.document.text) for job in jobs)
    target = max(1, min(BATCH_CHARACTERS, total // max(1, parts * 4) or 1))
    result: list[tuple[Job, ...]] = []
    current: list[Job] = []
    size = 0
    for job in jobs:
        current.append(job)
        size += len(job.document.text)
        if size >= target or len(current) >= MAX_BATCH_JOBS:
            result.append(tuple(current))
            current, size = [], 0
    if current:
        result.append(tuple(current))
    return result


@contextmanager
def _executor(workers: Workers) -> Iterator[Executor]:
    if workers.scheduler:
        try:
            from distributed import Client
        except ImportError as exc:
            raise PipelineError([Problem("scheduler-unavailable", "--scheduler needs the dask extra: "
                                         "pip install 'ketamine-evidence[dask]'")]) from exc
        try:
            client = Client(workers.scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise PipelineError([Problem("scheduler-unreachable",
                                         f"cannot reach the Dask scheduler {workers.scheduler}: {exc}")]) from exc
        try:
            yield client.get_executor()
        finally:
            client.close()
    else:
        with ProcessPoolExecutor(max_workers=workers.jobs) as pool:
            yield pool


def run(jobs: list[Job], spec: RulesSpec, workers: Workers) -> Iterator[Result]:
    """The result of every job, in the order of the jobs."""
    if not jobs:
        return
    if workers.jobs <= 1 and not workers.scheduler:
        for job in jobs:
            yield from run_batch((job,), spec)
        return
    parts = workers.jobs if not workers.scheduler else DASK_PARTS
    pending = deque(batches(jobs, parts))
    with _executor(workers) as executor:
        # a bounded window of batches in flight: results are taken in order, so memory stays flat
        window: deque[Future[list[Result]]] = deque()
        while pending or window:
            while pending and len(window) < IN_FLIGHT_PER_WORKER * parts:
                window.append(executor.submit(run_batch, pending.popleft(), spec))
            yield from window.popleft().result()
