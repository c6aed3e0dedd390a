"""verify: a downloaded release (folder or zip) against its SHA256SUMS, the schemas and its raw texts."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_inputs

from pipeline.cli import cli
from pipeline.io import sha256_hex, zip_bytes
from pipeline.release import sha256sums

pytestmark = pytest.mark.slow  # `make test-fast` skips this module

FOLDER = "ketamine-therapy-claims-0.1.0"
SOURCE = "data/sources.csv"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of a first release cut from a copy of the project's inputs (the project itself is dist/..)."""
    project = copy_inputs(tmp_path_factory.mktemp("verify") / "project")
    result = CliRunner().invoke(cli, ["--project", str(project), "release", "--date", "2026-01-01"])
    assert result.exit_code == 0, result.stderr
    return project / "dist"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder without a release record: where someone who downloaded a release runs verify."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def copy(release: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(release / FOLDER, tmp_path / FOLDER))


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(zip_bytes(None, files, (2026, 1, 1, 0, 0, 0)))
    return path


def change_cell(content: bytes) -> bytes:
    changed = content.replace(b"How Ketamine Therapy Works for Depression Relief",
                              b"How Ketamine Therapy Cures Depression")
    assert changed != content
    return changed


def test_verify_passes_on_the_zip_and_the_folder(release: Path, elsewhere: Path, invoke) -> None:
    for target in (release / f"{FOLDER}.zip", release / FOLDER):
        result = invoke("--project", elsewhere, "verify", target)
        assert result.exit_code == 0, result.stdout
        assert result.stdout.startswith("verified ketamine-therapy-claims 0.1.0: ")
        assert "files match SHA256SUMS; the package is valid and every span matches its raw text" in result.stdout


def test_verify_in_the_project_also_checks_the_release_record(release: Path, invoke) -> None:
    result = invoke("--project", release.parent, "verify", release / f"{FOLDER}.zip")
    assert result.exit_code == 0
    assert "SHA256SUMS matches releases/history.json" in result.stdout


def test_verify_fails_on_a_changed_cell_in_a_folder(copy: Path, elsewhere: Path, invoke) -> None:
    (copy / SOURCE).write_bytes(change_cell((copy / SOURCE).read_bytes()))
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1
    assert f"{SOURCE}: [checksum-mismatch] sha256 differs from SHA256SUMS: the file was changed" in result.stdout
    assert "[hash-mismatch] hash does not match the file" in result.stdout  # datapackage.json pins it too
    assert result.stdout.rstrip().splitlines()[-1].startswith("verification failed: ")


def test_verify_fails_on_a_changed_cell_in_a_zip(release: Path, tmp_path: Path, elsewhere: Path, invoke) -> None:
    files = read_zip(release / f"{FOLDER}.zip")
    files[SOURCE] = change_cell(files[SOURCE])
    result = invoke("--project", elsewhere, "verify", write_zip(tmp_path / f"{FOLDER}.zip", files))
    assert result.exit_code == 1
    assert f"{SOURCE}: [checksum-mismatch]" in result.stdout


@pytest.mark.parametrize("removed", ["data/raw/ketamine-and-lexapro.txt", "json/terms.json", "CHANGELOG.md"])
def test_verify_fails_on_a_removed_file(copy: Path, elsewhere: Path, invoke, removed: str) -> None:
    (copy / removed).unlink()
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1
    assert f"{removed}: [file-missing] listed in SHA256SUMS but missing" in result.stdout


def test_verify_fails_on_a_file_removed_from_a_zip(release: Path, tmp_path: Path, elsewhere: Path, invoke) -> None:
    files = read_zip(release / f"{FOLDER}.zip")
    del files["data/raw/ketamine-and-lexapro.txt"]
    result = invoke("--project", elsewhere, "verify", write_zip(tmp_path / f"{FOLDER}.zip", files))
    assert result.exit_code == 1
    assert "data/raw/ketamine-and-lexapro.txt: [file-missing] listed in SHA256SUMS but missing" in result.stdout
    assert "[file-missing] raw text data/raw/ketamine-and-lexapro.txt is missing" in result.stdout


def test_verify_fails_on_a_missing_sha256sums_or_an_unlisted_file(copy: Path, elsewhere: Path, invoke) -> None:
    (copy / "notes.txt").write_text("extra\n")
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1 and "notes.txt: [file-unlisted] not listed in SHA256SUMS" in result.stdout
    (copy / "SHA256SUMS").unlink()
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1 and "SHA256SUMS: [file-missing] SHA256SUMS is missing" in result.stdout


def test_regenerated_checksums_do_not_hide_a_changed_cell(copy: Path, elsewhere: Path, invoke) -> None:
    (copy / SOURCE).write_bytes(change_cell((copy / SOURCE).read_bytes()))
    files = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    del files["SHA256SUMS"]
    (copy / "SHA256SUMS").write_bytes(sha256sums(files))
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1
    assert "[checksum-mismatch]" not in result.stdout
    assert "datapackage.json, resource sources: [hash-mismatch] hash does not match the file" in result.stdout
    assert "json/sources.json, resource sources: [json-mismatch]" in result.stdout


def test_a_consistent_forgery_is_caught_by_the_release_record(copy: Path, release: Path, invoke) -> None:
    changelog = copy / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\nForged note.\n")
    files = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    del files["SHA256SUMS"]
    (copy / "SHA256SUMS").write_bytes(sha256sums(files))
    result = invoke("--project", release.parent, "verify", copy)
    assert result.exit_code == 1
    assert "SHA256SUMS: [release-mismatch] SHA256SUMS differs from the one recorded for 0.1.0" in result.stdout


def test_a_swapped_raw_text_is_reported(copy: Path, elsewhere: Path, invoke) -> None:
    # Pretend a raw text was swapped for another one with a regenerated SHA256SUMS: the sources row pins it.
    target = copy / "data" / "raw" / "ketamine-and-lexapro.txt"
    target.write_bytes(target.read_bytes().replace(b"Lexapro", b"Zoloft", 1))
    files = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    del files["SHA256SUMS"]
    (copy / "SHA256SUMS").write_bytes(sha256sums(files))
    result = invoke("--project", elsewhere, "verify", copy)
    assert result.exit_code == 1
    assert "[hash-mismatch] sha256 of data/raw/ketamine-and-lexapro.txt does not match" in result.stdout


def test_verify_json_output(release: Path, elsewhere: Path, copy: Path, invoke) -> None:
    good = json.loads(invoke("--project", elsewhere, "verify", "--json", release / f"{FOLDER}.zip").stdout)
    assert good["valid"] is True and good["version"] == "0.1.0" and good["problems"] == []
    assert good["files"] == len(read_zip(release / f"{FOLDER}.zip"))
    (copy / "CHANGELOG.md").unlink()
    bad = invoke("--project", elsewhere, "verify", "--json", copy)
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["valid"] is False
    assert {"code": "file-missing", "message": "listed in SHA256SUMS but missing", "path": "CHANGELOG.md"} in (
        data["problems"])


def test_verify_refuses_a_broken_or_unsafe_archive(tmp_path: Path, elsewhere: Path, invoke) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    result = invoke("--project", elsewhere, "verify", broken)
    assert result.exit_code == 1 and "[archive-unreadable]" in result.stdout
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as archive:
        archive.writestr(f"{FOLDER}/../evil.txt", b"x")
    result = invoke("--project", elsewhere, "verify", unsafe)
    assert result.exit_code == 1 and "[unsafe-path]" in result.stdout


def test_verify_of_a_missing_path_is_a_usage_error(tmp_path: Path, invoke) -> None:
    result = invoke("verify", tmp_path / "nothing.zip")
    assert result.exit_code == 2


def test_sha256sums_format() -> None:
    content = sha256sums({"b.txt": b"b", "a/x.csv": b"x"})
    assert content.decode() == f"{sha256_hex(b'x')}  a/x.csv\n{sha256_hex(b'b')}  b.txt\n"


def test_fhir_dosages_that_disagree_with_the_tables_are_caught(release: Path, tmp_path: Path, invoke) -> None:
    copy = tmp_path / FOLDER
    shutil.copytree(release / FOLDER, copy)
    fhir = copy / "fhir" / "schedules.json"
    bundle = json.loads(fhir.read_text(encoding="utf-8"))
    first = bundle["entry"][0]["resource"]["administrationGuidelines"][0]["dosage"][0]["dosage"][0]
    first["asNeededBoolean"] = not first["asNeededBoolean"]
    fhir.write_text(json.dumps(bundle, indent=2), encoding="utf-8")
    sums = copy / "SHA256SUMS"
    lines = [f"{sha256_hex(fhir.read_bytes())}  fhir/schedules.json" if line.endswith("  fhir/schedules.json")
             else line for line in sums.read_text(encoding="utf-8").splitlines()]
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("verify", copy)
    assert result.exit_code == 1
    assert "[fhir-mismatch] the FHIR Bundle differs from the schedule tables" in result.stdout
