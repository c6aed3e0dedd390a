"""The bad-input catalogue: each broken input stops the command with a message naming the file and place,
exit code 1, and nothing written or lost (the previous build in the output folder stays byte-identical)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from pipeline.cli import cli

RAW = "data/raw/how-ketamine-therapy-works.txt"
SOURCES = "data/sources.yaml"
SIDE_EFFECTS = "data/vocab/side_effects.yaml"
CURATION = "data/curation/review.yaml"


@dataclass(frozen=True)
class Case:
    """One broken input: how to break a project copy, and what the error must say."""

    name: str
    mutate: Callable[[Path], None]
    code: str
    path: str
    line: int | Callable[[Path], int] | None = None


def read(project: Path, relative: str) -> str:
    return (project / relative).read_text(encoding="utf-8")


def write(project: Path, relative: str, text: str | bytes) -> None:
    target = project / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def edit(relative: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        text = read(project, relative)
        assert old in text, f"fixture text {old!r} not in {relative}"
        write(project, relative, text.replace(old, new, count))
    return mutate


def line_containing(relative: str, needle: str, occurrence: int = 1, after: int = 0) -> Callable[[Path], int]:
    """The 1-based line of the occurrence-th line holding needle in the mutated file (plus `after`:
    a YAML parser reports an unclosed bracket where it notices it, on the next line)."""
    def find(project: Path) -> int:
        numbers = [n for n, line in enumerate(read(project, relative).splitlines(), 1) if needle in line]
        return numbers[occurrence - 1] + after
    return find


def replace_raw(content: bytes, pin: bool = True) -> Callable[[Path], None]:
    """Replace a raw text's bytes; with pin, also update its sha256 in sources.yaml so that the
    text checks (not the hash check) are what refuses it."""
    def mutate(project: Path) -> None:
        old = hashlib.sha256((project / RAW).read_bytes()).hexdigest()
        write(project, RAW, content)
        if pin:
            edit(SOURCES, old, hashlib.sha256(content).hexdigest())(project)
    return mutate


def curation(*entries: str) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        body = "".join("  - " + entry.strip().replace("\n", "\n    ") + "\n" for entry in entries)
        write(project, CURATION, "corrections:\n" + body)
    return mutate


def add_vocab_file(text: str) -> Callable[[Path], None]:
    return lambda project: write(project, "data/vocab/extra.yaml", text)


FIRST_ENTRY = "  - source_id: combining-ketamine-psychotropics\n"
BOMB = ('a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n'
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n')
EXTRA_TERM = ("kind: side-effect\nterms:\n  - id: nausea\n    label: Nausea again\n    hpo_id: null\n"
              "    hpo_label: null\n    hpo_predicate: null\n    hpo_note: A test term.\n    synonyms: [queasy tummy]\n")
REJECT = "action: reject\ntable: side_effects\nsource_id: how-ketamine-therapy-works\nreason: checked by hand\n"

CASES = [
    # ---- sources.yaml
    Case("sources-malformed-yaml", edit(SOURCES, "kind: blog", "kind: [blog"), "yaml-syntax", SOURCES,
         line_containing(SOURCES, "kind: [blog", after=1)),
    Case("sources-tab-indent", edit(SOURCES, "    kind: blog", "\tkind: blog"), "yaml-syntax", SOURCES),
    Case("sources-alias-bomb", lambda p: write(p, SOURCES, BOMB + read(p, SOURCES)), "yaml-alias", SOURCES, 1),
    Case("sources-anchor-in-entry", edit(SOURCES, "kind: blog", "kind: &k blog"), "yaml-alias", SOURCES,
         line_containing(SOURCES, "&k")),
    Case("sources-duplicate-key", edit(SOURCES, "    kind: blog\n", "    kind: blog\n    kind: news\n"),
         "yaml-duplicate-key", SOURCES, line_containing(SOURCES, "kind: news")),
    Case("sources-unknown-key", edit(SOURCES, "    kind: blog\n", "    kind: blog\n    author: Someone\n"),
         "schema-additionalProperties", SOURCES, 4),
    Case("sources-wrong-type", edit(SOURCES, "language: en", "language: 1"), "schema-type", SOURCES,
         line_containing(SOURCES, "language: 1")),
    Case("sources-title-number", edit(SOURCES, "title: How Ketamine Therapy Works for Depression Relief", "title: 42"),
         "schema-type", SOURCES, line_containing(SOURCES, "title: 42")),
    Case("sources-day-first-date", edit(SOURCES, 'published: "2024-04-16"', "published: 16/04/2024"),
         "schema-pattern", SOURCES, line_containing(SOURCES, "published: 16/04/2024")),
    Case("sources-impossible-date", edit(SOURCES, '"2024-04-16"', '"2024-02-30"'), "schema-format", SOURCES,
         line_containing(SOURCES, "2024-02-30")),
    Case("sources-bad-url", edit(SOURCES, "url: null", "url: htp:/example"), "schema-pattern", SOURCES,
         line_containing(SOURCES, "htp:/example")),
    Case("sources-bad-kind", edit(SOURCES, "kind: blog", "kind: tweet"), "schema-enum", SOURCES,
         line_containing(SOURCES, "kind: tweet")),
    Case("sources-missing-sha256", edit(SOURCES, "    sha256: e18532e1c8f2eb0b138a7382952f5838bf9ee794ba4b05e01feb968c6464f225\n", ""),
         "schema-required", SOURCES, 4),
    Case("sources-duplicate-id", edit(SOURCES, "source_id: how-ketamine-therapy-works",
                                      "source_id: combining-ketamine-psychotropics"),
         "duplicate-id", SOURCES, line_containing(SOURCES, "source_id: combining-ketamine-psychotropics", 2)),
    Case("sources-id-with-path", edit(SOURCES, "source_id: how-ketamine-therapy-works", "source_id: ../../etc/passwd"),
         "schema-pattern", SOURCES, line_containing(SOURCES, "../../etc/passwd")),
    Case("sources-id-with-slash", edit(SOURCES, "source_id: how-ketamine-therapy-works", "source_id: raw/how"),
         "schema-pattern", SOURCES, line_containing(SOURCES, "raw/how")),
    Case("sources-not-utf8", lambda p: write(p, SOURCES, (p / SOURCES).read_bytes() + b"# caf\xe9\n"),
         "yaml-encoding", SOURCES),
    Case("sources-empty-file", lambda p: write(p, SOURCES, ""), "schema-type", SOURCES),
    Case("sources-empty-list", lambda p: write(p, SOURCES, "sources: []\n"), "schema-minItems", SOURCES, 1),
    # ---- raw texts
    Case("raw-empty", replace_raw(b""), "text-empty", RAW),
    Case("raw-whitespace-only", replace_raw(b" \n\n\t\n"), "text-empty", RAW),
    Case("raw-not-utf8", replace_raw(b"Line one\nLine two caf\xe9\n"), "text-not-utf8", RAW, 2),
    Case("raw-bom", replace_raw(b"\xef\xbb\xbfKetamine text\n"), "text-bom", RAW, 1),
    Case("raw-nul", replace_raw(b"Line one\nLine two\nthree\x00\n"), "text-nul", RAW, 3),
    Case("raw-crlf", replace_raw(b"Line one\r\nLine two\r\n"), "text-crlf", RAW, 1),
    Case("raw-tens-of-megabytes", replace_raw(b"Ketamine may cause nausea. " * 1_200_000), "text-too-large", RAW),
    Case("raw-edited-after-registration", replace_raw(b"An edited text.\n", pin=False), "hash-mismatch", RAW),
    Case("raw-missing", lambda p: (p / RAW).unlink(), "file-missing", RAW),
    Case("raw-unlisted", lambda p: write(p, "data/raw/stray-text.txt", "Not registered.\n"), "raw-unlisted",
         "data/raw/stray-text.txt"),
    Case("raw-wrong-extension", lambda p: write(p, "data/raw/notes.md", "# notes\n"), "raw-unlisted",
         "data/raw/notes.md"),
    # ---- vocabularies
    Case("vocab-term-defined-twice", add_vocab_file(EXTRA_TERM), "duplicate-id", SIDE_EFFECTS,
         line_containing(SIDE_EFFECTS, "- id: nausea")),
    Case("vocab-malformed-yaml", add_vocab_file("kind: side-effect\nterms:\n  - id: [x\n"), "yaml-syntax",
         "data/vocab/extra.yaml"),
    Case("vocab-alias", add_vocab_file("kind: &k side-effect\nterms: []\n"), "yaml-alias", "data/vocab/extra.yaml", 1),
    Case("vocab-unknown-key", add_vocab_file(EXTRA_TERM.replace("id: nausea", "id: queasy")
                                             .replace("    hpo_note: A test term.\n", "    hpo_note: A test term.\n    icd10: R11\n")),
         "schema-additionalProperties", "data/vocab/extra.yaml", 3),
    Case("vocab-wrong-type", add_vocab_file(EXTRA_TERM.replace("id: nausea", "id: queasy")
                                            .replace("synonyms: [queasy tummy]", "synonyms: queasy tummy")),
         "schema-type", "data/vocab/extra.yaml", 9),
    Case("vocab-bad-kind", add_vocab_file(EXTRA_TERM.replace("kind: side-effect", "kind: symptom")),
         "schema-enum", "data/vocab/extra.yaml", 1),
    # ---- curation files
    Case("curation-malformed-yaml", lambda p: write(p, CURATION, "corrections:\n  - action: reject\n   table: x\n"),
         "yaml-syntax", CURATION),
    Case("curation-alias-bomb", lambda p: write(p, CURATION, BOMB + "corrections: []\n"), "yaml-alias", CURATION, 1),
    Case("curation-quote-absent", curation(REJECT + "quote: a sentence that is nowhere"), "curation-quote-absent",
         CURATION, 2),
    Case("curation-quote-ambiguous", curation(REJECT + "quote: Ketamine"), "curation-ambiguous", CURATION, 2),
    Case("curation-stale", curation(REJECT + "quote: Ketamine Therapy Fresno, CA"), "curation-stale", CURATION, 2),
    Case("curation-unknown-action", curation(REJECT.replace("reject", "delete") + "quote: Ketamine"),
         "schema-enum", CURATION, 2),
    Case("curation-missing-reason", curation(REJECT.replace("reason: checked by hand\n", "") + "quote: Ketamine"),
         "schema-required", CURATION, 2),
    Case("curation-unknown-key", curation(REJECT + "quote: Ketamine\nreviewer: me"),
         "schema-additionalProperties", CURATION, 2),
    Case("curation-untrimmed-quote", curation(REJECT + "quote: ' Ketamine'"), "schema-pattern", CURATION, 6),
    Case("curation-bad-label", curation(REJECT.replace("reject", "add") + "quote: Ketamine Therapy Fresno, CA\n"
                                        "set: {term: nausea, context: therapeutic, certainty: maybe}"),
         "curation-value", CURATION, 2),
    Case("curation-unknown-term", curation(REJECT.replace("reject", "add") + "quote: Ketamine Therapy Fresno, CA\n"
                                           "set: {term: no-such-term, context: therapeutic, certainty: hedged}"),
         "curation-term", CURATION, 2),
    Case("curation-unknown-source", curation(REJECT.replace("how-ketamine-therapy-works", "nowhere") +
                                             "quote: Ketamine"), "curation-source", CURATION, 2),
]


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The project's inputs built once: (output folder, its files)."""
    from conftest import INPUT_PATHS, PROJECT_ROOT

    base = tmp_path_factory.mktemp("good")
    for relative in INPUT_PATHS:
        source, target = PROJECT_ROOT / relative, base / "project" / relative
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    out = base / "out"
    result = CliRunner().invoke(cli, ["--project", str(base / "project"), "build", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    return out, snapshot(out)


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_build_refuses_bad_input(case: Case, project: Path, invoke, good_build, tmp_path: Path) -> None:
    good_out, good_files = good_build
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    case.mutate(project)
    inputs_before = snapshot(project)
    result = invoke("--project", project, "build", "--output", out)
    assert result.exit_code == 1, result.stderr
    line = case.line(project) if callable(case.line) else case.line
    where = case.path if line is None else f"{case.path}:{line}"
    assert re.search(rf"(^|\n){re.escape(where)}[:,].*\[{re.escape(case.code)}\]", result.stderr), result.stderr
    assert "nothing was written" in result.stderr
    assert result.stdout == ""
    assert snapshot(out) == good_files, "the previous build must stay intact"
    assert snapshot(project) == inputs_before, "inputs are never modified"


def test_check_refuses_bad_input_too(project: Path, invoke) -> None:
    edit(SOURCES, "kind: blog", "kind: [blog")(project)
    result = invoke("--project", project, "build", "--check")
    assert result.exit_code == 1
    assert "data/sources.yaml:" in result.stderr


# ---- a built package whose descriptor or rows point outside it


def _tamper_descriptor(out: Path) -> None:
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][1]["path"] = "../outside.csv"
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _tamper_source_path(out: Path) -> None:
    text = (out / "data" / "sources.csv").read_text(encoding="utf-8")
    (out / "data" / "sources.csv").write_text(
        text.replace("data/raw/how-ketamine-therapy-works.txt", "/etc/hostname"), encoding="utf-8")


@pytest.mark.parametrize(("tamper", "expected"), [
    (_tamper_descriptor, "datapackage.json, resource claims: [unsafe-path] path '../outside.csv' leaves the package"),
    (_tamper_source_path, "resource sources, row 8, field path: [record-schema]"),
], ids=["descriptor-path-leaves-package", "raw-text-path-absolute"])
def test_validate_refuses_paths_leaving_the_package(tamper, expected: str, good_build, invoke, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    good_out, _ = good_build
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    (tmp_path / "outside.csv").write_text("claim_id\n", encoding="utf-8")
    tamper(out)
    before = snapshot(tmp_path)
    opened: list[str] = []
    real_read_bytes = Path.read_bytes

    def spy(path: Path) -> bytes:
        opened.append(str(path.resolve()))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", spy)
    from conftest import PROJECT_ROOT

    result = invoke("--project", PROJECT_ROOT, "validate", "--no-frictionless", out)
    assert result.exit_code == 1
    assert expected in result.stdout
    assert not [p for p in opened if not p.startswith(str(out.resolve())) and not p.startswith(str(PROJECT_ROOT))], \
        "nothing outside the package is read"
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
