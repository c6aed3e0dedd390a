"""Shared fixtures: a throwaway copy of the project and a CLI invoker."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INPUT_PATHS = ("schemas", "data/package.yaml", "data/segmentation.yaml", "data/sources.yaml",
               "data/raw", "data/vocab", "data/cues", "data/curation", "data/taxonomy", "data/reference",
               "data/checks.yaml")


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
