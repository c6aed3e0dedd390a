"""release: versioning by rule, reproducible archives, the release record, immutability, atomicity."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import INPUT_PATHS, PROJECT_ROOT, copy_inputs, snapshot

import pipeline.release
from pipeline.cli import cli
from pipeline.problems import PipelineError, Problem, Report
from pipeline.release import bump, choose_version, set_package_metadata
from pipeline.schemas import RESOURCES

pytestmark = pytest.mark.slow  # `make test-fast` skips this module

NAME = "ketamine-therapy-claims"
SOURCE_IDS = [entry["source_id"] for entry in yaml.safe_load(
    (PROJECT_ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))["sources"]]
FIRST = f"{NAME}-0.1.0"


@pytest.fixture(scope="module")
def build_cache() -> dict:
    return {}


@pytest.fixture(autouse=True)
def reuse_builds(monkeypatch: pytest.MonkeyPatch, build_cache: dict) -> None:
    """Build each distinct set of inputs once per module: many tests release the same inputs again.
    The key holds the bytes of every input file, so any change to an input builds afresh."""
    real = pipeline.release.compute

    def compute(layout):
        root = layout.project_root
        key = tuple(sorted((str(p.relative_to(root)), p.read_bytes()) for relative in INPUT_PATHS
                           for p in ([root / relative] if (root / relative).is_file() else (root / relative).rglob("*"))
                           if p.is_file()))
        if key not in build_cache:
            build_cache[key] = real(layout)
        inputs, files = build_cache[key]
        return inputs, dict(files)

    monkeypatch.setattr(pipeline.release, "compute", compute)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's inputs with a first release 0.1.0 cut on 2026-01-01."""
    project = copy_inputs(tmp_path_factory.mktemp("released") / "project")
    result = CliRunner().invoke(cli, ["--project", str(project), "release", "--date", "2026-01-01"])
    assert result.exit_code == 0, result.stderr
    return project


@pytest.fixture
def after_first(released: Path, tmp_path: Path) -> Path:
    """A private copy of the released project, to change and release again."""
    return Path(shutil.copytree(released, tmp_path / "project", symlinks=True))


def history(project: Path) -> dict:
    return json.loads((project / "releases" / "history.json").read_text(encoding="utf-8"))


def add_source(project: Path, source_id: str = "lexapro-copy") -> None:
    raw = (project / "data" / "raw" / "ketamine-and-lexapro.txt").read_bytes()
    (project / "data" / "raw" / f"{source_id}.txt").write_bytes(raw)
    with open(project / "data" / "sources.yaml", "a", encoding="utf-8") as handle:
        handle.write(f"  - source_id: {source_id}\n    title: A copy of the Lexapro article\n    kind: blog\n"
                     f"    language: en\n    sha256: {hashlib.sha256(raw).hexdigest()}\n")


def fix_title(project: Path) -> None:
    path = project / "data" / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    fixed = text.replace("title: How Ketamine Therapy Works for Depression Relief",
                         "title: How Ketamine Therapy Works For Depression Relief")
    assert fixed != text
    path.write_text(fixed, encoding="utf-8")


def remove_column(project: Path, resource: str = "terms", column: str = "note") -> None:
    path = project / "schemas" / "records" / f"{resource}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    del schema["properties"][column]
    schema.pop("additionalProperties")  # the build still produces the column; the schema no longer lists it
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- the first release


def test_first_release_writes_folder_zip_and_record(released: Path) -> None:
    folder = released / "dist" / FIRST
    with zipfile.ZipFile(released / "dist" / f"{FIRST}.zip") as archive:
        names = archive.namelist()
    assert names == sorted(names)
    inside = set(names)  # datapackage.json at the root: frictionless opens the zip as a package
    assert inside == set(snapshot(folder))
    expected = {"datapackage.json", "CHANGELOG.md", "SHA256SUMS", "README.md", "LICENSE"}
    expected |= {f"data/{n}.csv" for n in RESOURCES} | {f"json/{n}.json" for n in RESOURCES}
    expected |= {f"schemas/records/{n}.schema.json" for n in RESOURCES}
    expected |= {f"data/raw/{p.name}" for p in (PROJECT_ROOT / "data" / "raw").glob("*.txt")}
    expected |= {"fhir/schedules.json", "schemas/fhir-bundle.schema.json"}
    expected |= {f"sqlite/{NAME}.db", "sqlite/metadata.json", "report/index.html"}
    expected |= {f"report/sources/{s}.html" for s in SOURCE_IDS}
    assert inside == expected
    record = history(released)["releases"][0]
    assert record["version"] == "0.1.0" and record["level"] == "initial" and record["previous"] is None
    assert record["archive_sha256"] == hashlib.sha256((released / "dist" / f"{FIRST}.zip").read_bytes()).hexdigest()
    for name in RESOURCES:
        table = record["tables"][name]
        content = (folder / "data" / f"{name}.csv").read_bytes()
        assert table["sha256"] == hashlib.sha256(content).hexdigest()
        rows = list(csv.reader(io.StringIO(content.decode(), newline="")))
        assert table["rows"] == len(rows) - 1
        assert table["columns"] == rows[0]
        assert (released / "releases" / "0.1.0" / "data" / f"{name}.csv").read_bytes() == content
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert descriptor["version"] == "0.1.0" and descriptor["created"] == "2026-01-01T00:00:00Z"
    assert (folder / "CHANGELOG.md").read_text().count("## 0.1.0 (2026-01-01)") == 1


def test_release_updates_package_yaml_in_place_and_the_built_outputs(released: Path, invoke) -> None:
    before = (PROJECT_ROOT / "data" / "package.yaml").read_text().splitlines()
    after = (released / "data" / "package.yaml").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert all(b.startswith(("version:", "created:")) for _, b in changed)
    assert 'created: "2026-01-01T00:00:00Z"' in after
    built = json.loads((released / "datapackage.json").read_text(encoding="utf-8"))
    shipped = json.loads((released / "dist" / FIRST / "datapackage.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in shipped.items() if k != "resources"} == {k: v for k, v in built.items() if k != "resources"}
    assert shipped["resources"][:len(built["resources"])] == built["resources"]
    assert [r["path"] for r in shipped["resources"][len(built["resources"]):]] == [
        *(f"json/{n}.json" for n in RESOURCES), "fhir/schedules.json"]
    result = invoke("--project", released, "build", "--check")
    assert result.exit_code == 0, result.stderr


def test_json_tables_are_typed_records(released: Path) -> None:
    sources = json.loads((released / "dist" / FIRST / "json" / "sources.json").read_text())
    assert isinstance(sources, list) and len(sources) == len(SOURCE_IDS)
    first = sources[0]
    assert isinstance(first["characters"], int)
    assert first["publisher"] is None and first["url"] is None
    assert list(first) == ["source_id", "title", "publisher", "url", "kind", "role", "authority", "published",
                           "retrieved", "language", "licence", "attribution", "path", "sha256", "characters"]


def test_sha256sums_lists_every_other_file_sorted(released: Path) -> None:
    folder = released / "dist" / FIRST
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(paths)
    assert set(paths) == set(snapshot(folder)) - {"SHA256SUMS"}
    for line in lines:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest


# ---------------------------------------------------------------- reproducibility


def test_two_releases_of_the_same_inputs_give_byte_identical_zips(released: Path, project: Path, invoke) -> None:
    result = invoke("--project", project, "release", "--date", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(project / "dist" / f"{FIRST}.zip")
    assert (project / "dist" / f"{FIRST}.zip").read_bytes() == (released / "dist" / f"{FIRST}.zip").read_bytes()
    assert snapshot(project / "releases") == snapshot(released / "releases")


def test_rebuild_reproduces_a_released_version_byte_for_byte(released: Path, tmp_path: Path, invoke) -> None:
    result = invoke("--project", released, "release", "--rebuild", "0.1.0", "--output", tmp_path / "again")
    assert result.exit_code == 0, result.stderr
    assert "byte-identical to the recorded one" in result.stderr
    assert (tmp_path / "again" / f"{FIRST}.zip").read_bytes() == (released / "dist" / f"{FIRST}.zip").read_bytes()


def test_zip_entries_have_fixed_timestamps_and_modes(released: Path) -> None:
    with zipfile.ZipFile(released / "dist" / f"{FIRST}.zip") as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}


def test_rebuild_refuses_when_the_inputs_changed(after_first: Path, tmp_path: Path, invoke) -> None:
    fix_title(after_first)
    result = invoke("--project", after_first, "release", "--rebuild", "0.1.0", "--output", tmp_path / "x")
    assert result.exit_code == 1
    assert "[not-reproducible]" in result.stderr and "data/sources.csv" in result.stderr
    assert not (tmp_path / "x" / f"{FIRST}.zip").exists()


# ---------------------------------------------------------------- versioning by rule


def test_release_after_adding_a_source_is_minor(after_first: Path, invoke) -> None:
    add_source(after_first)
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 0, result.stderr
    assert "released 0.2.0 (0.1.0 -> 0.2.0; MINOR: " in result.stderr
    assert "sources: 1 row(s) added" in result.stderr
    record = history(after_first)["releases"][-1]
    assert (record["version"], record["level"], record["previous"]) == ("0.2.0", "minor", "0.1.0")
    assert record["tables"]["sources"]["rows"] == len(SOURCE_IDS) + 1
    changelog = (after_first / "dist" / f"{NAME}-0.2.0" / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.2.0 (2026-02-01)") < changelog.index("## 0.1.0 (2026-01-01)")
    assert "sources added: `lexapro-copy`" in changelog
    assert (after_first / "releases" / "CHANGELOG.md").read_text() == changelog


def test_release_after_removing_a_column_is_major(after_first: Path, invoke) -> None:
    remove_column(after_first)
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 0, result.stderr
    assert "released 1.0.0 (0.1.0 -> 1.0.0; MAJOR: terms: field 'note' removed or renamed)" in result.stderr
    header = (after_first / "dist" / f"{NAME}-1.0.0" / "data" / "terms.csv").read_text().splitlines()[0]
    assert "note" not in header.split(",")


def test_release_after_fixing_a_value_is_patch(after_first: Path, invoke) -> None:
    fix_title(after_first)
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 0, result.stderr
    assert "released 0.1.1 (0.1.0 -> 0.1.1; PATCH: " in result.stderr
    assert "sources: 1 row(s) changed" in result.stderr
    entry = (after_first / "releases" / "0.1.1" / "CHANGES.md").read_text()
    assert "sources changed: `how-ketamine-therapy-works` (title)" in entry


def test_dry_run_prints_the_entry_and_writes_nothing(after_first: Path, invoke) -> None:
    add_source(after_first)
    before = snapshot(after_first)
    result = invoke("--project", after_first, "release", "--dry-run", "--date", "2026-02-01")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("would release 0.2.0 (0.1.0 -> 0.2.0; MINOR")
    assert result.stdout.startswith("## 0.2.0 (2026-02-01)")
    assert snapshot(after_first) == before


def test_explicit_version_is_checked_against_the_rule(after_first: Path, invoke) -> None:
    add_source(after_first)
    too_small = invoke("--project", after_first, "release", "--date", "2026-02-01", "--version", "0.1.1")
    assert too_small.exit_code == 1
    assert "[version-rule] --version 0.1.1 does not follow the rule" in too_small.stderr
    assert "MINOR, so the next version is 0.2.0 or 1.0.0" in too_small.stderr
    larger = invoke("--project", after_first, "release", "--date", "2026-02-01", "--version", "1.0.0")
    assert larger.exit_code == 0, larger.stderr
    assert "released 1.0.0 (0.1.0 -> 1.0.0; MINOR" in larger.stderr


def test_bump_and_choose_version() -> None:
    assert bump("1.4.2", "major") == "2.0.0"
    assert bump("1.4.2", "minor") == "1.5.0"
    assert bump("1.4.2", "patch") == "1.4.3"
    assert choose_version("1.4.2", "patch", None) == "1.4.3"
    assert choose_version("1.4.2", "patch", "1.5.0") == "1.5.0"
    with pytest.raises(PipelineError, match=r"next version is 2\.0\.0"):
        choose_version("1.4.2", "major", "1.5.0")


# ---------------------------------------------------------------- immutability and refusals


def test_an_unchanged_package_is_not_released_again(released: Path, invoke) -> None:
    result = invoke("--project", released, "release", "--date", "2026-02-01")
    assert result.exit_code == 1
    assert "[nothing-to-release] the package is identical to release 0.1.0" in result.stderr


def test_a_released_version_cannot_be_released_again(after_first: Path, invoke) -> None:
    fix_title(after_first)
    result = invoke("--project", after_first, "release", "--date", "2026-02-01", "--version", "0.1.0")
    assert result.exit_code == 1
    assert "version 0.1.0 was released already; released versions are immutable" in result.stderr


def test_an_existing_archive_is_never_overwritten(after_first: Path, invoke) -> None:
    fix_title(after_first)
    squatter = after_first / "dist" / f"{NAME}-0.1.1.zip"
    squatter.write_bytes(b"someone else's file")
    before = snapshot(after_first / "releases")
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 1
    assert f"{squatter}: [release-exists] already exists; a released version is never overwritten" in result.stderr
    assert squatter.read_bytes() == b"someone else's file"
    assert not (after_first / "dist" / f"{NAME}-0.1.1").exists()
    assert snapshot(after_first / "releases") == before


def test_rebuild_never_overwrites_either(released: Path, invoke) -> None:
    result = invoke("--project", released, "release", "--rebuild", "0.1.0")
    assert result.exit_code == 1
    assert "[release-exists]" in result.stderr


def test_an_invalid_package_is_not_released(after_first: Path, invoke, monkeypatch) -> None:
    fix_title(after_first)
    before = snapshot(after_first)
    monkeypatch.setattr("pipeline.release.validate_package",
                        lambda *a, **k: Report(problems=(Problem("frictionless-type-error", "bad cell"),)))
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 1
    assert "[release-invalid] refusing to release an invalid package" in result.stderr
    assert "[frictionless-type-error] bad cell" in result.stderr
    assert snapshot(after_first) == before


@pytest.mark.parametrize("where", ["pipeline.release.zip_bytes", "pipeline.release.write_files"])
def test_an_interrupted_release_leaves_no_partial_archive(after_first: Path, invoke, monkeypatch, where) -> None:
    fix_title(after_first)
    before = snapshot(after_first)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(where, interrupt)
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 1 and "Aborted!" in result.stderr  # click turns Ctrl-C into an abort
    assert sorted(p.name for p in (after_first / "dist").iterdir()) == [FIRST, f"{FIRST}.zip"]
    assert snapshot(after_first) == before


def test_a_release_recorded_but_not_moved_into_place_can_be_rebuilt(after_first: Path, invoke, monkeypatch) -> None:
    # The record is the commit point; an interruption after it leaves the version recorded but no archive.
    fix_title(after_first)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.release.publish", interrupt)
    assert invoke("--project", after_first, "release", "--date", "2026-02-01").exit_code == 1
    assert sorted(p.name for p in (after_first / "dist").iterdir()) == [FIRST, f"{FIRST}.zip"]
    monkeypatch.undo()
    again = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert again.exit_code == 1 and "identical to release 0.1.1" in again.stderr
    rebuilt = invoke("--project", after_first, "release", "--rebuild", "0.1.1")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    archive = after_first / "dist" / f"{NAME}-0.1.1.zip"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == history(after_first)["releases"][-1]["archive_sha256"]


def test_release_date_must_be_a_date_not_before_the_previous_release(after_first: Path, invoke) -> None:
    fix_title(after_first)
    bad = invoke("--project", after_first, "release", "--date", "2026-13-01")
    assert bad.exit_code == 1 and "[release-date]" in bad.stderr
    earlier = invoke("--project", after_first, "release", "--date", "2025-12-31")
    assert earlier.exit_code == 1 and "is before release 0.1.0" in earlier.stderr


def test_a_tampered_snapshot_is_refused(after_first: Path, invoke) -> None:
    path = after_first / "releases" / "0.1.0" / "data" / "sources.csv"
    path.write_bytes(path.read_bytes().replace(b"Lexapro", b"Zoloft"))
    result = invoke("--project", after_first, "release", "--date", "2026-02-01")
    assert result.exit_code == 1
    assert "releases/0.1.0/data/sources.csv" in result.stderr and "[hash-mismatch]" in result.stderr


def test_rebuild_cannot_be_combined_with_version(released: Path, invoke) -> None:
    result = invoke("--project", released, "release", "--rebuild", "0.1.0", "--version", "0.2.0")
    assert result.exit_code == 2


def test_set_package_metadata_only_touches_two_values() -> None:
    text = ("# version: 9.9.9 in a comment stays\nname: x\nversion: 0.1.0  # kept\n"
            "created: '2020-01-01T00:00:00Z'\nnested:\n  version: 5\n")
    assert set_package_metadata(text, "1.2.3", "2026-02-01T00:00:00Z") == (
        "# version: 9.9.9 in a comment stays\nname: x\nversion: 1.2.3  # kept\n"
        'created: "2026-02-01T00:00:00Z"\nnested:\n  version: 5\n')
    with pytest.raises(PipelineError, match="expected one top-level `created:` line"):
        set_package_metadata("version: 0.1.0\n", "1.0.0", "2026-02-01T00:00:00Z")
