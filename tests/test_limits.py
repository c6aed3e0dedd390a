"""The limits table, its page, and the readers that enforce it: one YAML parse, sizes refused before reading."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_ROOT

from pipeline import limits, yaml_input
from pipeline.io import read_bytes, read_yaml
from pipeline.problems import PipelineError

OWN_MODULES = ("fs", "io", "lock", "transaction", "yaml_input", "validate", "verify", "diff", "evaluate", "load",
               "add_source", "schemas")


def test_the_page_shows_the_table_the_code_reads() -> None:
    page = (PROJECT_ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    assert limits.splice_table(page) == page
    assert limits.markdown_table() in page


def test_every_code_of_the_readers_and_writers_is_documented() -> None:
    page = (PROJECT_ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z][a-z0-9-]+)`", page))
    raised = set()
    for module in OWN_MODULES:
        source = (PROJECT_ROOT / "pipeline" / f"{module}.py").read_text(encoding="utf-8")
        raised |= set(re.findall(r'(?:Problem|_Refused)\(\s*"([a-z][a-z0-9-]*[a-z0-9])"', source))
    raised |= {limit.code for limit in limits.LIMITS.values()}
    older = {"yaml-syntax", "hash-mismatch", "duplicate-id", "schema-missing", "descriptor", "schema-drift",
             "bytes-mismatch", "type-error", "missing-column", "extra-column", "text-bom", "text-not-utf8",
             "text-nul", "text-crlf", "text-empty", "raw-unlisted", "json-mismatch", "fhir-mismatch", "file-exists",
             "sums-syntax", "checksum-mismatch", "file-unlisted", "release-mismatch", "archive-layout",
             "duplicate-member", "duplicate-text", "sources-style", "gold-quote", "gold-ambiguous", "gold-source",
             "release-exists", "yaml-duplicate-key", "yaml-alias"}
    assert raised - documented - older == set()


def test_a_limit_is_read_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    monkeypatch.setitem(limits.LIMITS, "yaml_depth", replace(limits.LIMITS["yaml_depth"], value=2))
    with pytest.raises(PipelineError) as refused:
        yaml_input.parse_yaml("a:\n  b:\n    c: 1\n", "x.yaml")
    assert refused.value.problems[0].render() == "x.yaml:3: [yaml-too-deep] nested more than 2 levels deep " \
                                                 "(docs/limits.md)"


def test_an_oversized_file_is_refused_before_a_byte_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(limits.value("yaml_bytes") + 1)
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(PipelineError) as refused:
        read_yaml(big, "big.yaml")
    assert refused.value.problems[0].code == "yaml-too-large"
    assert reads == []


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(PipelineError) as refused:
        read_bytes(tmp_path / "pipe", "pipe")
    assert refused.value.problems[0].render() == "pipe: [file-not-regular] expected a regular file, found a " \
                                                 "device, pipe or socket"


# ---- YAML: libyaml's parser, one pass, the same data and lines as the pure-Python loader it replaced


class _Reference(yaml.SafeLoader):
    """The pure-Python safe loader without timestamps: what inputs were loaded with before."""


_Reference.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
YAML_FILES = sorted(p for folder in ("data", "tests") for p in (PROJECT_ROOT / folder).rglob("*.yaml"))


def test_every_yaml_file_of_the_project_loads_as_before() -> None:
    assert len(YAML_FILES) > 30
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")
        data, node = yaml_input.parse_yaml(text, str(path))
        assert data == yaml.load(text, Loader=_Reference), path
        assert node is not None


def test_each_text_is_parsed_once_by_the_c_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    real_init = yaml_input._InputLoader.__init__

    def counting(self, *args, **kwargs):
        made.append(args[0])
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(yaml_input._InputLoader, "__init__", counting)
    for forbidden in ("parse", "compose", "load", "safe_load"):
        monkeypatch.setattr(yaml, forbidden, lambda *a, **k: pytest.fail("a second parse"))
    read_yaml(PROJECT_ROOT / "data" / "sources.yaml", "data/sources.yaml")
    assert len(made) == 1
    assert yaml.cyaml.CParser in yaml_input._InputLoader.__mro__


@pytest.mark.parametrize(("text", "line", "code"), [
    ("a: 1\nb: [x, y\nc: 2\n", 3, "yaml-syntax"),
    ("a:\n\tb: 1\n", 2, "yaml-syntax"),
    ("a:\n  b: 1\n c: 2\n", 3, "yaml-syntax"),
    ('a: "abc\nb: 2\n', 3, "yaml-syntax"),
    ("a: 1\n---\nb: 2\n", 2, "yaml-syntax"),
    ('a: "\\q"\n', 1, "yaml-syntax"),
    ("x: 1\na: \x07\n", 2, "yaml-syntax"),
    ("? [a, b]\n: c\n", 1, "yaml-syntax"),
    ("a: 1\nb: 2\na: 3\n", 3, "yaml-duplicate-key"),
    ("a: 1\nb: &x 2\n", 2, "yaml-alias"),
    ("a: 1\nb: *x\n", 2, "yaml-alias"),
], ids=["unclosed-flow", "tab", "indent", "unclosed-quote", "two-documents", "bad-escape", "control-character",
        "list-as-key", "duplicate-key", "anchor", "alias"])
def test_refusals_name_the_line_the_python_parser_named(text: str, line: int, code: str) -> None:
    with pytest.raises(PipelineError) as refused:
        yaml_input.parse_yaml(text, "x.yaml")
    problem = refused.value.problems[0]
    assert (problem.code, problem.line) == (code, line)


def test_dates_stay_strings_and_nesting_stops_at_the_limit() -> None:
    data, _ = yaml_input.parse_yaml("published: 2024-04-16\n", "x.yaml")
    assert data == {"published": "2024-04-16"}
    inner = limits.value("yaml_depth") - 1  # the top mapping is the first level
    data, _ = yaml_input.parse_yaml("a: " + "[" * inner + "]" * inner + "\n", "x.yaml")
    assert data["a"] is not None
    with pytest.raises(PipelineError) as refused:
        yaml_input.parse_yaml("a: " + "[" * (inner + 1) + "]" * (inner + 1) + "\n", "x.yaml")
    assert refused.value.problems[0].code == "yaml-too-deep"
