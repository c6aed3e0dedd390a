"""Two builds into one output folder, and two add-sources into one input folder, run at the same time as
separate processes: both succeed (the second waits for the folder's lock), the result is one whole output,
and the package validates after every trial."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import NOTE, PROJECT_ROOT, snapshot, tiny_corpus

from pipeline.schemas import load_schemas
from pipeline.validate import validate_package

pytestmark = pytest.mark.slow

BUILD_TRIALS = 50
ADD_SOURCE_TRIALS = 20
LEFTOVERS = (".build-staging-", ".build-journal.json")


def start(*args: object, stdin: bytes | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "--project", str(PROJECT_ROOT),
         *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    process.stdin.write(stdin or b"")
    process.stdin.close()
    return process


def finish(process: subprocess.Popen) -> tuple[int, str]:
    stderr = process.stderr.read()
    process.stderr.close()
    return process.wait(timeout=300), stderr.decode("utf-8", errors="replace")


def no_leftovers(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(LEFTOVERS)]


def test_two_builds_into_one_folder_never_leave_an_invalid_package(tmp_path: Path) -> None:
    inputs = {name: tiny_corpus(tmp_path / name, {"tiny-note": NOTE, "second-note": "Esketamine is a nasal "
                                                  "spray.\n"}, title=f"Note of build {name}") for name in "ab"}
    expected = {}
    for name, folder in inputs.items():
        code, stderr = finish(start("build", "--input", folder, "--output", tmp_path / f"expected-{name}"))
        assert code == 0, stderr
        expected[name] = snapshot(tmp_path / f"expected-{name}")
    assert expected["a"] != expected["b"] and set(expected["a"]) == set(expected["b"])
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    out = tmp_path / "out"
    chooser = random.Random(15)
    outcomes = []
    for trial in range(BUILD_TRIALS):
        first, second = chooser.sample("ab", 2)
        one = start("build", "--input", inputs[first], "--output", out)
        time.sleep(chooser.uniform(0, 0.6))
        other = start("build", "--input", inputs[second], "--output", out)
        results = [finish(one), finish(other)]
        assert [code for code, _ in results] == [0, 0], f"trial {trial}: {results}"
        files = snapshot(out)
        assert files in (expected["a"], expected["b"]), f"trial {trial}: the output is not one whole build"
        outcomes.append("a" if files == expected["a"] else "b")
        assert no_leftovers(out), f"trial {trial}"
        report = validate_package(out, schemas)
        assert report.valid, f"trial {trial}: {report.render()}"
    assert set(outcomes) == {"a", "b"}


def test_two_add_sources_into_one_folder_keep_both_texts(tmp_path: Path) -> None:
    pristine = tiny_corpus(tmp_path / "pristine", {"tiny-note": NOTE})
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    texts = {"first-arrival": b"Ketamine may cause headache.\n", "second-arrival": b"Esketamine is a nasal spray.\n"}
    chooser = random.Random(11)
    for trial in range(ADD_SOURCE_TRIALS):
        inputs = Path(shutil.copytree(pristine, tmp_path / f"inputs-{trial}"))
        order = chooser.sample(sorted(texts), 2)
        one = start("add-source", "-", "--title", order[0].replace("-", " "), "--kind", "blog", "--input", inputs,
                    stdin=texts[order[0]])
        time.sleep(chooser.uniform(0, 0.3))
        other = start("add-source", "-", "--title", order[1].replace("-", " "), "--kind", "blog", "--input",
                      inputs, stdin=texts[order[1]])
        results = [finish(one), finish(other)]
        assert [code for code, _ in results] == [0, 0], f"trial {trial}: {results}"
        registered = {entry["source_id"] for entry in yaml.safe_load((inputs / "sources.yaml").read_text())["sources"]}
        assert registered == {"tiny-note", *texts}, f"trial {trial}: an entry was lost"
        assert {p.stem for p in (inputs / "raw").iterdir()} == registered
        assert no_leftovers(inputs)
        out = tmp_path / f"out-{trial}"
        code, stderr = finish(start("build", "--input", inputs, "--output", out))
        assert code == 0, f"trial {trial}: {stderr}"
        report = validate_package(out, schemas, use_frictionless=False)
        assert report.valid, f"trial {trial}: {report.render()}"
        shutil.rmtree(inputs)
        shutil.rmtree(out)
