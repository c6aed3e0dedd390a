"""build: outputs, determinism, --check, atomicity and the descriptor."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_ROOT, dead_pid, snapshot

from pipeline.io import JOURNAL_NAME, recover, write_files
from pipeline.schemas import RESOURCES, load_schemas, table_schema

SOURCE_IDS = sorted(entry["source_id"] for entry in yaml.safe_load(
    (PROJECT_ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))["sources"])
FILES = len(SOURCE_IDS) + len(RESOURCES) + 1  # the raw texts, the tables and the descriptor


@pytest.mark.slow
def test_build_writes_every_resource_and_the_raw_texts(project: Path, tmp_path: Path, invoke) -> None:
    out = tmp_path / "out"
    result = invoke("--project", project, "build", "--output", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"built {FILES} file(s) in {out}; {FILES} changed"
    for name in RESOURCES:
        assert (out / "data" / f"{name}.csv").is_file()
    for source_id in SOURCE_IDS:
        assert (out / "data" / "raw" / f"{source_id}.txt").read_bytes() == (
            project / "data" / "raw" / f"{source_id}.txt").read_bytes()


@pytest.mark.slow
def test_rebuild_is_byte_identical(project: Path, tmp_path: Path, invoke) -> None:
    invoke("--project", project, "build", "--output", tmp_path / "a")
    invoke("--project", project, "build", "--output", tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    again = invoke("--project", project, "build", "--output", tmp_path / "a")
    assert again.stderr.splitlines()[-1] == f"built {FILES} file(s) in {tmp_path / 'a'}; 0 changed"


def test_sources_table_has_every_text_with_its_sha256(built_package: Path) -> None:
    with open(built_package / "data" / "sources.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["source_id"] for row in rows] == SOURCE_IDS
    for row in rows:
        raw = (PROJECT_ROOT / "data" / "raw" / f"{row['source_id']}.txt").read_bytes()
        assert row["sha256"] == hashlib.sha256(raw).hexdigest()
        assert int(row["characters"]) == len(raw.decode("utf-8"))
        assert row["path"] == f"data/raw/{row['source_id']}.txt"


def test_committed_raw_texts_are_the_shared_corpus() -> None:
    """Every text of the shared corpus is committed unchanged; a text beyond it is a reference (a label excerpt
    added with add-source for the reference facts to cite)."""
    shared_root = PROJECT_ROOT.parent / "shared"
    if not (shared_root / "corpus").is_dir():
        pytest.skip("the shared corpus is not next to this checkout")
    shared = sorted(hashlib.sha256(p.read_bytes()).hexdigest()
                    for folder in ("corpus", "devcorpus/raw") for p in (shared_root / folder).glob("*.txt"))
    roles = {entry["source_id"]: entry.get("role") for entry in yaml.safe_load(
        (PROJECT_ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    ours = {hashlib.sha256((PROJECT_ROOT / "data" / "raw" / f"{s}.txt").read_bytes()).hexdigest(): s
            for s in SOURCE_IDS}
    assert set(shared) <= set(ours)
    assert [ours[digest] for digest in sorted(set(ours) - set(shared)) if roles[ours[digest]] != "reference"] == []


def test_descriptor_carries_metadata_and_derived_table_schemas(built_package: Path) -> None:
    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    for key in ("name", "title", "version", "licenses", "sources", "created"):
        assert descriptor[key]
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    tables = [r for r in descriptor["resources"] if r.get("type") == "table"]
    assert [r["name"] for r in tables] == list(RESOURCES)
    assert [r["name"] for r in descriptor["resources"][len(tables):]] == [f"raw-{s}" for s in sorted(SOURCE_IDS)]
    for resource in descriptor["resources"]:
        content = (built_package / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    for resource in tables:
        assert resource["schema"] == table_schema(schemas.records[resource["name"]])


def test_csv_files_are_utf8_with_lf_and_a_header(built_package: Path) -> None:
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    for name in RESOURCES:
        content = (built_package / "data" / f"{name}.csv").read_bytes()
        assert not content.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" not in content
        assert content.decode("utf-8").split("\n", 1)[0] == ",".join(schemas.columns(name))


@pytest.mark.slow
def test_check_passes_on_fresh_outputs_and_names_stale_files(project: Path, tmp_path: Path, invoke) -> None:
    out = tmp_path / "out"
    invoke("--project", project, "build", "--output", out)
    ok = invoke("--project", project, "build", "--output", out, "--check")
    assert ok.exit_code == 0
    assert ok.stderr == "outputs match a fresh build\n"
    (out / "data" / "terms.csv").write_text("term_id\n", encoding="utf-8")
    before = snapshot(out)
    stale = invoke("--project", project, "build", "--output", out, "--check")
    assert stale.exit_code == 1
    assert "data/terms.csv: differs from a fresh build" in stale.stderr
    assert snapshot(out) == before


@pytest.mark.slow
def test_failed_build_leaves_previous_outputs_untouched(project: Path, tmp_path: Path, invoke) -> None:
    out = tmp_path / "out"
    invoke("--project", project, "build", "--output", out)
    before = snapshot(out)
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("title: How Ketamine", "titel: How Ketamine"),
                       encoding="utf-8")
    result = invoke("--project", project, "build", "--output", out)
    assert result.exit_code == 1
    assert "data/sources.yaml:" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(out) == before


def test_build_of_another_corpus_folder(project: Path, tmp_path: Path, invoke) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "raw").mkdir(parents=True)
    text = "Ketamine may cause nausea.\n"
    (corpus / "raw" / "tiny-note.txt").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (corpus / "sources.yaml").write_text(
        "sources:\n  - source_id: tiny-note\n    title: Tiny note\n    kind: other\n"
        f"    language: en\n    sha256: {digest}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("--project", project, "build", "--input", corpus, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert (out / "data" / "raw" / "tiny-note.txt").read_text(encoding="utf-8") == text
    assert invoke("--project", project, "validate", out).exit_code == 0


def test_journaled_commit_is_completed_by_recover(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.txt": b"old a", "b.txt": b"old b"})
    staging = out / ".build-staging-1-0123abcd"
    (staging / "new").mkdir(parents=True)
    (staging / "new" / "a.txt").write_bytes(b"new a")
    (staging / "new" / "b.txt").write_bytes(b"new b")
    (out / "a.txt").write_bytes(b"new a")  # the kill came after the first rename
    (staging / "new" / "a.txt").unlink()
    (out / JOURNAL_NAME).write_text(json.dumps({"staging": staging.name, "files": ["a.txt", "b.txt"]}))
    recover(out)
    assert snapshot(out) == {"a.txt": b"new a", "b.txt": b"new b"}


def test_staging_without_journal_is_discarded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.txt": b"old"})
    staging = out / f".build-staging-{dead_pid()}-0123abcd"  # left by a run that died
    (staging / "new").mkdir(parents=True)
    (staging / "new" / "a.txt").write_bytes(b"half-written")
    recover(out)
    assert snapshot(out) == {"a.txt": b"old"}


@pytest.mark.slow
def test_unquoted_dates_in_sources_yaml_are_read_as_written(project: Path, tmp_path: Path, invoke) -> None:
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace('published: "2024-04-16"', "published: 2024-04-16"),
                       encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("--project", project, "build", "--output", out).exit_code == 0
    assert ",2024-04-16," in (out / "data" / "sources.csv").read_text(encoding="utf-8")
