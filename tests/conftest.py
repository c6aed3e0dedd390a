"""Shared fixtures: a throwaway copy of the project and a CLI invoker."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INPUT_PATHS = ("schemas", "data/package.yaml", "data/segmentation.yaml", "data/sources.yaml",
               "data/raw", "data/vocab", "data/cues", "data/taxonomy", "data/curation", "data/reference",
               "data/checks.yaml", "LICENSE")


def copy_inputs(target: Path) -> Path:
    """Copy the project's inputs (no built outputs) into target; returns target."""
    for relative in INPUT_PATHS:
        source = PROJECT_ROOT / relative
        if source.is_dir():
            shutil.copytree(source, target / relative)
        elif source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's inputs (no built outputs) in a temporary folder."""
    return copy_inputs(tmp_path / "project")


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's inputs built once per test session into a temporary package folder."""
    out = tmp_path_factory.mktemp("package")
    result = CliRunner().invoke(cli, ["--project", str(PROJECT_ROOT), "build", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run the CLI with arguments; stdout and stderr are kept apart."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path, to prove that nothing was written."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    """The id of a process that has exited (as a run killed earlier would have)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def tiny_corpus(folder: Path, texts: dict[str, str], title: str = "Tiny note") -> Path:
    """An input folder (sources.yaml + raw/) holding the given texts by source id, and no reference facts (their
    texts are not in it); quick to build."""
    import hashlib
    import shutil

    shutil.rmtree(folder / "reference", ignore_errors=True)

    (folder / "raw").mkdir(parents=True, exist_ok=True)
    entries = []
    for source_id, text in sorted(texts.items()):
        (folder / "raw" / f"{source_id}.txt").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entries.append(f"  - source_id: {source_id}\n    title: {title}\n    kind: other\n    language: en\n"
                       f"    sha256: {digest}\n")
    (folder / "sources.yaml").write_text("sources:\n" + "".join(entries), encoding="utf-8")
    return folder


NOTE = "Ketamine may cause nausea and dizziness.\n\nIt is given twice a week for four weeks.\n"
