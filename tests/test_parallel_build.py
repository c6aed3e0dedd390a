"""The same outputs whatever runs the per-text work: one process, a pool, a warm cache or a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, snapshot

pytestmark = pytest.mark.slow


def _build(invoke, out: Path, *options: str) -> dict[str, bytes]:
    result = invoke("--project", PROJECT_ROOT, "build", "--output", out, "--quiet", *options)
    assert result.exit_code == 0, result.stderr
    return snapshot(out)


def test_jobs_cache_and_executor_give_the_same_bytes(invoke, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    serial = _build(invoke, tmp_path / "serial", "--jobs", "1", "--no-cache")
    pooled = _build(invoke, tmp_path / "pooled", "--jobs", "2", "--cache-dir", cache)
    assert any(cache.rglob("*.json")), "the pooled build kept its results"
    cached = _build(invoke, tmp_path / "cached", "--jobs", "2", "--cache-dir", cache)
    assert serial == pooled == cached


def test_a_damaged_or_foreign_cache_entry_is_not_trusted(invoke, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh = _build(invoke, tmp_path / "fresh", "--jobs", "1", "--cache-dir", cache)
    entries = sorted(cache.rglob("*.json"))
    entries[0].write_text(entries[0].read_text(encoding="utf-8").replace('"quote": "', '"quote": "X'), encoding="utf-8")
    entries[1].write_text(entries[2].read_text(encoding="utf-8"), encoding="utf-8")  # another key's result
    again = _build(invoke, tmp_path / "again", "--jobs", "1", "--cache-dir", cache)
    assert again == fresh


def test_a_dask_cluster_gives_the_same_bytes(invoke, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = _build(invoke, tmp_path / "serial", "--jobs", "1", "--no-cache")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = _build(invoke, tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--no-cache")
    assert on_dask == serial


def test_an_unreachable_scheduler_is_a_problem_not_a_traceback(invoke, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    result = invoke("--project", PROJECT_ROOT, "build", "--output", tmp_path / "out", "--quiet", "--no-cache",
                    "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert "[scheduler-unreachable]" in result.stderr
    assert not (tmp_path / "out" / "datapackage.json").exists()
