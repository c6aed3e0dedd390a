"""add-source: id derivation, byte-for-byte registration, the two-command path to a valid package, refusals."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.add_source import KINDS, Metadata, add_source, derive_id, yaml_scalar
from pipeline.io import recover
from pipeline.load import Layout
from pipeline.problems import PipelineError
from pipeline.schemas import load_schemas

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TEXT = ("Ketamine Clinics Report Fast Relief\n\nPatients may feel nausea and dizziness after a session.\n"
        "Ketamine is not indicated for patients with active psychosis.\n")


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("title", "expected"), [
    ("How Ketamine Therapy Works for Depression Relief", "how-ketamine-therapy-works"),
    ("Ketamine Therapy: New Hope for Treatment-Resistant Depression", "ketamine-therapy-new-hope"),
    ("Ketamine’s Promise — Ça Marche?", "ketamines-promise-ca-marche"),
    ("The Of And", "source"),
    ("", "source"),
    ("Esketamine (Spravato) 56 mg / 84 mg", "esketamine-spravato-56-mg"),
])
def test_derive_id_is_a_readable_slug(title: str, expected: str) -> None:
    assert derive_id(title, set()) == expected


def test_derived_id_clash_gets_a_numeric_suffix() -> None:
    taken = {"ketamine-therapy-new-hope", "ketamine-therapy-new-hope-2"}
    assert derive_id("Ketamine Therapy: New Hope", taken) == "ketamine-therapy-new-hope-3"


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=300), taken=st.sets(st.sampled_from(["source", "a", "a-2", "ketamine"])))
def test_derived_id_is_always_a_valid_unused_slug(title: str, taken: set[str]) -> None:
    source_id = derive_id(title, taken)
    assert SLUG.match(source_id)
    assert len(source_id) <= 60
    assert source_id not in taken


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="ab :#-'\"\\\n\t\x85\u2028\ufeff0123456789.eE")))
def test_yaml_scalar_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}\n") == {"key": value}


def test_kind_choices_match_the_sources_schema(project: Path) -> None:
    schemas = load_schemas(project / "schemas")
    enum = schemas.inputs["sources"]["properties"]["sources"]["items"]["properties"]["kind"]["enum"]
    assert tuple(enum) == KINDS


@pytest.mark.slow
def test_two_commands_from_a_new_text_to_a_valid_package(project: Path, invoke, tmp_path: Path) -> None:
    text_file = write(tmp_path / "incoming" / "article.txt", TEXT.encode())
    sources_before = (project / "data" / "sources.yaml").read_bytes()
    added = invoke("--project", project, "add-source", text_file, "--title", "Ketamine Clinics Report Fast Relief",
                   "--kind", "news", "--publisher", "Example News", "--url", "https://example.org/ketamine?id=1",
                   "--published", "2024-05-01", "--retrieved", "2025-01-02")
    assert added.exit_code == 0, added.stderr
    assert added.stdout == "ketamine-clinics-report-fast\n"
    assert "data/raw/ketamine-clinics-report-fast.txt" in added.stderr
    assert (project / "data" / "raw" / "ketamine-clinics-report-fast.txt").read_bytes() == TEXT.encode()
    sources_after = (project / "data" / "sources.yaml").read_bytes()
    assert sources_after.startswith(sources_before), "existing entries, order and comments are kept"
    appended = sources_after[len(sources_before):].decode()
    assert appended.startswith("  - source_id: ketamine-clinics-report-fast\n    title: ")
    assert '    published: "2024-05-01"\n' in appended
    assert appended.endswith("    sha256: " + __import__("hashlib").sha256(TEXT.encode()).hexdigest() + "\n")

    built = invoke("--project", project, "build")
    assert built.exit_code == 0, built.stderr
    report = invoke("--project", project, "validate", "--json", project)
    assert json.loads(report.stdout) == {"valid": True, "problems": []}, report.stdout
    sources_csv = (project / "data" / "sources.csv").read_text()
    assert "ketamine-clinics-report-fast,Ketamine Clinics Report Fast Relief,Example News," in sources_csv


def test_text_from_stdin_is_copied_byte_for_byte(project: Path, invoke) -> None:
    text = "Ünïcödé title line\n\nTabs\tand  double  spaces stay.\n".encode()
    result = invoke("--project", project, "add-source", "-", "--title", "Unicode: a test?", "--kind", "other",
                    "--id", "unicode-test", input=text)
    assert result.exit_code == 0, result.stderr
    assert (project / "data" / "raw" / "unicode-test.txt").read_bytes() == text
    entry = yaml.safe_load((project / "data" / "sources.yaml").read_text())["sources"][-1]
    assert entry["title"] == "Unicode: a test?"
    assert entry["source_id"] == "unicode-test"


def test_same_title_twice_gets_a_suffixed_id(project: Path, invoke) -> None:
    first = invoke("--project", project, "add-source", "-", "--title", "Ketamine Notes", "--kind", "blog",
                   input=b"One text about ketamine.\n")
    second = invoke("--project", project, "add-source", "-", "--title", "Ketamine Notes", "--kind", "blog",
                    input=b"Another text about ketamine.\n")
    assert (first.stdout, second.stdout) == ("ketamine-notes\n", "ketamine-notes-2\n")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--title", "Again", "--kind", "blog"],
     "data/raw/ketamine-and-lexapro.txt", "already registered as 'ketamine-and-lexapro'"),
    (["--title", "New", "--kind", "blog", "--id", "ketamine-and-lexapro"],
     b"A new text.\n", "--id 'ketamine-and-lexapro' is already used at line"),
    (["--title", "New", "--kind", "blog", "--id", "../escape"], b"A new text.\n", "--id: '../escape' does not match"),
    (["--title", "New", "--kind", "blog", "--published", "2024-02-30"], b"A new text.\n", "--published:"),
    (["--title", "New", "--kind", "blog", "--url", "example.org/page"], b"A new text.\n", "--url:"),
    (["--title", "New", "--kind", "blog", "--language", "english"], b"A new text.\n", "--language:"),
    (["--title", "", "--kind", "blog"], b"A new text.\n", "--title:"),
    (["--title", "Empty", "--kind", "blog"], b"", "<stdin>: [text-empty]"),
    (["--title", "Blank", "--kind", "blog"], b" \n\t\n", "<stdin>: [text-empty]"),
    (["--title", "Latin-1", "--kind", "blog"], b"One\nCaf\xe9\n", "<stdin>:2: [text-not-utf8]"),
    (["--title", "BOM", "--kind", "blog"], b"\xef\xbb\xbfText\n", "<stdin>:1: [text-bom]"),
    (["--title", "NUL", "--kind", "blog"], b"Text\x00\n", "<stdin>:1: [text-nul]"),
    (["--title", "CRLF", "--kind", "blog"], b"One\r\nTwo\r\n", "<stdin>:1: [text-crlf]"),
    (["--title", "Huge", "--kind", "blog"], b"Ketamine may cause nausea. " * 100_000, "<stdin>: [text-too-large]"),
])
def test_refusals_name_the_problem_and_write_nothing(project: Path, invoke, args, stdin, message) -> None:
    data = project / "data"
    raw = (project / stdin).read_bytes() if isinstance(stdin, str) else stdin
    before = snapshot(data)
    result = invoke("--project", project, "add-source", "-", *args, input=raw)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(data) == before


def test_unknown_kind_is_a_usage_error(project: Path, invoke) -> None:
    result = invoke("--project", project, "add-source", "-", "--title", "T", "--kind", "tweet", input=b"x\n")
    assert result.exit_code == 2


def test_an_interrupted_commit_leaves_both_files_or_neither(project: Path, invoke, monkeypatch) -> None:
    """Fail each rename of the commit in turn: the input folder ends with the old state or the new one."""
    data = project / "data"
    before = snapshot(data)
    real_replace = os.replace
    outcomes = set()
    for fail_at in range(4):
        calls = []

        def flaky(src, dst, *, fail_at=fail_at, calls=calls):
            calls.append(dst)
            if len(calls) == fail_at + 1:
                raise OSError(28, "No space left on device")
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", flaky)
        with contextlib.suppress(PipelineError):  # a refused write is the point of this test
            add_source(Layout(project_root=project, input_dir=data), load_schemas(project / "schemas"),
                       b"A text that fails to land.\n", "<test>", Metadata(title="Landing", kind="blog"))
        monkeypatch.setattr(os, "replace", real_replace)
        recover(data)
        after = snapshot(data)
        registered = "landing" in yaml.safe_load(after["sources.yaml"])["sources"][-1]["source_id"]
        assert registered == ("raw/landing.txt" in after), "raw text and sources.yaml entry go together"
        if not registered:
            assert after == before
        outcomes.add(registered)
        for path in (data / "raw" / "landing.txt",):
            path.unlink(missing_ok=True)
        (data / "sources.yaml").write_bytes(before["sources.yaml"])
    assert outcomes == {True, False}


def test_a_missing_file_is_named(project: Path, invoke, tmp_path: Path) -> None:
    before = snapshot(project / "data")
    result = invoke("--project", project, "add-source", tmp_path / "nowhere.txt", "--title", "T", "--kind", "blog")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nowhere.txt'}: [file-missing]" in result.stderr
    assert snapshot(project / "data") == before


def test_a_broken_sources_file_is_reported_before_anything_is_written(project: Path, invoke) -> None:
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("kind: blog", "kind: [blog", 1), encoding="utf-8")
    before = snapshot(project / "data")
    result = invoke("--project", project, "add-source", "-", "--title", "T", "--kind", "blog", input=b"Text.\n")
    assert result.exit_code == 1
    assert "data/sources.yaml:" in result.stderr and "[yaml-syntax]" in result.stderr
    assert snapshot(project / "data") == before
