"""A build killed at any moment leaves the previous outputs, or (after recovery) the complete new ones: never a mix."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from pipeline.cli import cli
from pipeline.io import recover, write_files

pytestmark = pytest.mark.slow  # `make test-fast` skips this module

OLD_TITLE = "title: How Ketamine Therapy Works for Depression Relief"
NEW_TITLE = "title: How Ketamine Therapy Works (edited title)"


def build_into(project: Path, out: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    return snapshot(out)


@pytest.fixture
def versions(project: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """(project with edited inputs, outputs of the old inputs, outputs of the new inputs). The project
    keeps one source so that each build is short: what is tested is the write, not the extraction."""
    sources = project / "data" / "sources.yaml"
    entries = sources.read_text(encoding="utf-8").split("\n  - ")
    kept = next(entry for entry in entries if entry.startswith("source_id: how-ketamine-therapy-works"))
    sources.write_text("sources:\n  - " + kept.rstrip("\n") + "\n", encoding="utf-8")
    for raw in (project / "data" / "raw").glob("*.txt"):
        if raw.stem != "how-ketamine-therapy-works":
            raw.unlink()
    shutil.rmtree(project / "data" / "reference")  # the facts cite reference texts this project drops
    old = build_into(project, tmp_path / "old")
    sources.write_text(sources.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    new = build_into(project, tmp_path / "new")
    changed = {path for path in old if old[path] != new.get(path)}
    assert {"data/sources.csv", "datapackage.json"} <= changed
    return project, old, new


def reset(out: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for relative, content in files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(content)


def start_build(project: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "--project", str(project), "build",
         "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_at_varied_moments_never_leaves_a_mix(versions, tmp_path: Path) -> None:
    project, old, new = versions
    out = tmp_path / "out"
    reset(out, old)
    began = time.perf_counter()
    assert start_build(project, out).wait(timeout=120) == 0
    duration = time.perf_counter() - began
    # Kill times cluster near the end of a run, where the files are written and renamed.
    delays = [0.0, 0.5 * duration] + [duration * (0.8 + 0.06 * i) for i in range(5)]
    outcomes = []
    for delay in delays:
        reset(out, old)
        process = start_build(project, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=120)
        recover(out)
        after = snapshot(out)
        assert after in (old, new), f"killed after {delay:.3f}s: outputs are neither the old nor the new build"
        outcomes.append("old" if after == old else "new")
    assert "old" in outcomes
    reset(out, old)
    assert start_build(project, out).wait(timeout=120) == 0, "a build after kills succeeds"
    assert snapshot(out) == new


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_crash_at_every_write_step_leaves_old_or_new(versions, tmp_path: Path, failing: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic complement of the kill test: the n-th fsync or rename of the build's write fails as
    if the process died there; the next run's recovery then yields the old outputs or the complete new ones."""
    _, old, new = versions
    out = tmp_path / "out"
    real = getattr(os, failing)
    seen = set()
    step = 0
    while True:
        reset(out, old)
        calls = [0]

        def crash(*args, step=step, calls=calls):
            calls[0] += 1
            if calls[0] == step + 1:
                raise KeyboardInterrupt("simulated crash")
            return real(*args)

        monkeypatch.setattr(os, failing, crash)
        try:
            write_files(out, new)
            finished = True
        except KeyboardInterrupt:
            finished = False
        monkeypatch.setattr(os, failing, real)
        recover(out)
        after = snapshot(out)
        assert after in (old, new), f"crash at {failing} #{step + 1}: a mix of old and new outputs"
        seen.add("old" if after == old else "new")
        if finished:
            break
        step += 1
    assert step > 1, f"the write calls {failing} more than once"
    assert seen == {"old", "new"}
