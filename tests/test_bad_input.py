"""The bad-input catalogue: each broken input stops the command with a message naming the file and place,
exit code 1, and nothing written or lost (the previous build in the output folder stays byte-identical)."""

from __future__ import annotations

import hashlib
import json
import os
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


def grow_to(relative: str, size: int) -> Callable[[Path], None]:
    """Extend a file to `size` bytes without writing them (a sparse file reads as NULs)."""
    def mutate(project: Path) -> None:
        with open(project / relative, "r+b") as handle:
            handle.truncate(size)
    return mutate


def link_raw_to(target: str) -> Callable[[Path], None]:
    """Replace the raw text by a symbolic link to another file, its sha256 pinned in sources.yaml."""
    def mutate(project: Path) -> None:
        replace_raw(Path(target).read_bytes())(project)
        (project / RAW).unlink()
        (project / RAW).symlink_to(target)
    return mutate


def raw_fifo(project: Path) -> None:
    (project / RAW).unlink()
    os.mkfifo(project / RAW)


def link_curation(project: Path) -> None:
    elsewhere = project.parent / "review-elsewhere.yaml"
    elsewhere.write_text("corrections: []\n", encoding="utf-8")
    (project / CURATION).parent.mkdir(parents=True, exist_ok=True)
    (project / CURATION).unlink(missing_ok=True)
    (project / CURATION).symlink_to(elsewhere)


def many_sources(count: int) -> Callable[[Path], None]:
    entry = "  - {{source_id: s{n}}}\n"  # the count is refused before any entry is read
    return lambda project: write(project, SOURCES, "sources:\n" + "".join(entry.format(n=n) for n in range(count)))


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
    # issue 15: refused before anything deep or large is built, and before a raw text is read
    Case("sources-nested-20000-deep", lambda p: write(p, SOURCES, "sources: " + "[" * 20_000 + "]" * 20_000 + "\n"),
         "yaml-too-deep", SOURCES, 1),
    Case("sources-50-megabytes", grow_to(SOURCES, 50_000_000), "yaml-too-large", SOURCES),
    Case("sources-too-many-entries", many_sources(20_001), "too-many-sources", SOURCES, 2),
    Case("sources-title-lone-surrogate", edit(SOURCES, "title: How Ketamine Therapy Works for Depression Relief",
                                              'title: "How \\ud800 Works"'),
         "yaml-syntax", SOURCES, line_containing(SOURCES, "ud800")),
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
    Case("raw-symlink-to-etc-hostname", link_raw_to("/etc/hostname"), "file-symlink", RAW),
    Case("raw-fifo", raw_fifo, "file-not-regular", RAW),
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
    Case("curation-symlink", link_curation, "file-symlink", CURATION),
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
    """A previous build in the output folder, which a refused build must leave byte for byte: (output
    folder, its files). A one-text corpus is enough for that and builds in a fraction of a second."""
    from conftest import NOTE, PROJECT_ROOT, tiny_corpus

    base = tmp_path_factory.mktemp("good")
    inputs = tiny_corpus(base / "inputs", {"tiny-note": NOTE})
    out = base / "out"
    result = CliRunner().invoke(cli, ["--project", str(PROJECT_ROOT), "build", "--input", str(inputs),
                                      "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    return out, snapshot(out)


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)


def _catalogue() -> list:
    """The cases; those refused only after extraction (curation) take seconds each and are marked slow."""
    return [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.name.startswith("curation-") and
                         case.code not in ("yaml-syntax", "yaml-alias", "file-symlink") else [])
            for case in CASES]


@pytest.mark.parametrize("case", _catalogue())
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
def test_validate_refuses_paths_leaving_the_package(tamper, expected: str, built_package: Path, invoke,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    shutil.copytree(built_package, out)
    (tmp_path / "outside.csv").write_text("claim_id\n", encoding="utf-8")
    tamper(out)
    before = snapshot(tmp_path)
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):  # every read of pipeline.io goes through os.open
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    from conftest import PROJECT_ROOT

    result = invoke("--project", PROJECT_ROOT, "validate", "--no-frictionless", out)
    assert result.exit_code == 1
    assert expected in result.stdout
    assert any(p.startswith(str(out.resolve())) for p in opened), "the spy sees the reads"
    assert not [p for p in opened if not p.startswith(str(out.resolve())) and not p.startswith(str(PROJECT_ROOT))], \
        "nothing outside the package is read"
    monkeypatch.undo()
    assert snapshot(tmp_path) == before


# ---- issue 15: hostile inputs. Each command ends with problems (code, place), exit 1 unless it could work
# around the input, never a traceback, nothing written outside the folder it writes, never a mixed output.


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def json_report(result) -> dict:
    report = json.loads(result.stdout)
    assert report["valid"] is False
    return report


def codes(result) -> set[str]:
    return {problem["code"] for problem in json_report(result)["problems"]}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """An input folder with one short text: builds in well under a second."""
    from conftest import NOTE, tiny_corpus

    return tiny_corpus(tmp_path / "tiny", {"tiny-note": NOTE})


def build_tiny(invoke, tiny: Path, out: Path):
    from conftest import PROJECT_ROOT

    return invoke("--project", PROJECT_ROOT, "build", "--input", tiny, "--output", out)


# 1. A journal is a claim about the folder, not an order: it is checked, and set aside when it fails.

BASHRC_ATTACK = b'{"staging":"a/b","files":["../../.bashrc"]}'
JOURNALS = {
    "issue-example": BASHRC_ATTACK,
    "valid-staging-name-escaping-path": b'{"staging":".build-staging-1-0123abcd","files":["../../.bashrc"]}',
    "list": b"[1, 2]",
    "string": b'"a string"',
    "garbage-bytes": b"\x00\xff\xfe not json",
    "nested-deeper-than-json-allows": b"[" * 100_000,
    "files-not-a-list": b'{"staging":".build-staging-1-0123abcd","files":"../../.bashrc"}',
    "absolute-path": b'{"staging":".build-staging-1-0123abcd","files":["/tmp/x"]}',
    "extra-key": b'{"staging":".build-staging-1-0123abcd","files":[],"run":"rm -rf /"}',
}


def plant_attack(root: Path, journal: bytes) -> tuple[Path, Path]:
    """The issue's layout: a repository folder two levels below a home folder with a .bashrc in it."""
    repo = root / "home" / "u" / "src" / "repo"
    (repo / "a" / "b").mkdir(parents=True)
    (repo / "a" / "b" / ".." / ".." / ".bashrc").write_text("echo PWNED\n", encoding="utf-8")
    from conftest import dead_pid

    staging = repo / f".build-staging-{dead_pid()}-0123abcd" / "new"
    staging.mkdir(parents=True)
    (staging.parent / ".bashrc").write_text("echo PWNED\n", encoding="utf-8")
    bashrc = root / "home" / "u" / ".bashrc"
    bashrc.write_text("original\n", encoding="utf-8")
    (repo / ".build-journal.json").write_bytes(journal)
    return repo, bashrc


@pytest.mark.parametrize("journal", JOURNALS.values(), ids=JOURNALS.keys())
def test_build_sets_a_crafted_journal_aside_and_never_applies_it(journal: bytes, tiny: Path, invoke,
                                                                 tmp_path: Path) -> None:
    repo, bashrc = plant_attack(tmp_path, journal)
    result = build_tiny(invoke, tiny, repo)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert f"warning: {repo / '.build-journal.json'}: [journal-invalid]" in result.stderr
    assert bashrc.read_text(encoding="utf-8") == "original\n"
    assert not (repo / ".build-journal.json").exists()
    assert [p.name.split("-")[0] for p in repo.glob(".build-journal.json.rejected-*")] == [".build"]
    assert not list(repo.glob(".build-staging-*")), "staging of a dead run is removed"
    if journal == BASHRC_ATTACK:  # the later runs are alike for every journal: check them once
        again = build_tiny(invoke, tiny, repo)
        assert again.exit_code == 0 and "warning" not in again.stderr
        assert invoke("validate", "--no-frictionless", repo).exit_code == 0


def test_add_source_sets_a_crafted_journal_aside(tiny: Path, invoke, tmp_path: Path) -> None:
    from conftest import PROJECT_ROOT

    home = tmp_path / "home"
    (home / "src").mkdir(parents=True)
    inputs = Path(shutil.move(tiny, home / "src" / "inputs"))
    (inputs / "a" / "b").mkdir(parents=True)
    bashrc = home / ".bashrc"
    bashrc.write_text("original\n", encoding="utf-8")
    (inputs / ".bashrc").write_text("echo PWNED\n", encoding="utf-8")
    (inputs / ".build-journal.json").write_bytes(BASHRC_ATTACK)
    result = invoke("--project", PROJECT_ROOT, "add-source", "-", "--title", "Another note", "--kind", "blog",
                    "--input", inputs, input=b"Ketamine may cause headache.\n")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "[journal-invalid]" in result.stderr
    assert bashrc.read_text(encoding="utf-8") == "original\n"
    assert (inputs / "raw" / "another-note.txt").is_file()


def test_a_journal_cannot_reach_outside_through_a_link(tiny: Path, invoke, tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    assert build_tiny(invoke, tiny, out).exit_code == 0
    outside.mkdir()
    (outside / "victim.txt").write_text("original\n", encoding="utf-8")
    (out / "link").symlink_to(outside)
    staging = out / ".build-staging-1-0123abcd"
    (staging / "new" / "link").mkdir(parents=True)
    (staging / "new" / "link" / "victim.txt").write_text("PWNED\n", encoding="utf-8")
    (out / ".build-journal.json").write_text(json.dumps({"staging": staging.name, "files": ["link/victim.txt"]}))
    result = build_tiny(invoke, tiny, out)
    assert result.exit_code == 0
    assert "[journal-invalid] path 'link/victim.txt' leaves the folder" in result.stderr
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "original\n"


def test_build_never_writes_through_a_linked_file_in_the_output(tiny: Path, invoke, tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (outside / "target.json").write_text("original\n", encoding="utf-8")
    (out / "datapackage.json").symlink_to(outside / "target.json")
    result = build_tiny(invoke, tiny, out)
    no_traceback(result)
    assert result.exit_code == 1
    assert "[unsafe-path] output path leaves the package" in result.stderr
    assert (outside / "target.json").read_text(encoding="utf-8") == "original\n"


def test_build_never_writes_through_a_linked_folder_in_the_output(tiny: Path, invoke, tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "data").symlink_to(outside)
    result = build_tiny(invoke, tiny, out)
    no_traceback(result)
    assert result.exit_code == 1
    assert "[unsafe-path] output path leaves the package" in result.stderr
    assert list(outside.iterdir()) == []


# 2. One writer per folder at a time.


def test_a_second_writer_waits_for_the_lock_then_fails_clearly(tiny: Path, invoke, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from pipeline import limits
    from pipeline.lock import FolderLock

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setitem(limits.LIMITS, "lock_wait", replace(limits.LIMITS["lock_wait"], value=0))
    with FolderLock(out):
        result = build_tiny(invoke, tiny, out)
    no_traceback(result)
    assert result.exit_code == 1
    assert f"{out}: [folder-locked] another build or add-source has been writing into this folder" in result.stderr
    assert snapshot(out) == {}
    assert build_tiny(invoke, tiny, out).exit_code == 0


# 3. Tracebacks become reports; --json always prints one.


@pytest.fixture
def package(built_package: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built_package, tmp_path / "package"))


def test_validate_reports_a_non_utf8_byte_in_a_csv(package: Path, invoke) -> None:
    claims = package / "data" / "claims.csv"
    claims.write_bytes(claims.read_bytes().replace(b"Ketamine", b"Ketam\xefne", 1))
    result = invoke("validate", "--json", package)
    no_traceback(result)
    assert result.exit_code == 1
    problem = next(p for p in json_report(result)["problems"] if p["code"] == "csv-encoding")
    assert problem["path"] == "data/claims.csv" and problem["line"] > 1


DESCRIPTORS = {"a-list": [], "a-string": "datapackage", "resources-an-object": {"name": "x", "resources": {}}}


@pytest.mark.parametrize("descriptor", DESCRIPTORS.values(), ids=DESCRIPTORS.keys())
def test_a_descriptor_of_the_wrong_shape_is_reported(descriptor, package: Path, invoke, tmp_path: Path) -> None:
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke("validate", "--json", package)
    no_traceback(result)
    assert result.exit_code == 1
    assert {"descriptor-shape", "not-validated"} <= codes(result)
    diffed = invoke("--project", tmp_path, "diff", "--json", package, package)
    no_traceback(diffed)
    assert diffed.exit_code == 1
    assert codes(diffed) == {"descriptor-shape"}


def test_an_unsafe_resource_path_keeps_its_finding_with_frictionless_on(package: Path, invoke, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][1]["path"] = "../../etc/passwd"
    descriptor["resources"][2]["path"] = "https://example.org/quantities.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    result = invoke("validate", "--json", package)
    monkeypatch.undo()
    no_traceback(result)
    assert result.exit_code == 1
    problems = json_report(result)["problems"]
    assert {"code": "unsafe-path", "message": "path '../../etc/passwd' leaves the package",
            "path": "datapackage.json", "resource": "claims"} in problems
    assert {"code": "remote-reference", "path": "datapackage.json", "resource": "quantities",
            "message": "path 'https://example.org/quantities.csv' is not a file inside the package; nothing is "
                       "fetched"} in problems
    assert "not-validated" in codes(result)
    assert "/etc/passwd" not in opened


def zip_with(member: bytes = b"claim_id\nx\n", name: str = "pkg-1.0.0/data/claims.csv") -> bytes:
    from pipeline.io import zip_bytes

    return zip_bytes(name.split("/")[0], {name.split("/", 1)[1]: member}, (2026, 1, 1, 0, 0, 0))


def patch_zip(raw: bytes, flag: int | None = None, method: int | None = None, corrupt: bool = False) -> bytes:
    """Rewrite the general-purpose flag or compression method in both headers, or scramble the deflate data."""
    data = bytearray(raw)
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    if flag is not None:
        data[local + 6:local + 8] = data[central + 8:central + 10] = flag.to_bytes(2, "little")
    if method is not None:
        data[local + 8:local + 10] = data[central + 10:central + 12] = method.to_bytes(2, "little")
    if corrupt:
        start = local + 30 + int.from_bytes(data[local + 26:local + 28], "little") + int.from_bytes(
            data[local + 28:local + 30], "little")
        data[start:start + 4] = b"\xff\xff\xff\xff"
    return bytes(data)


ZIPS = {
    "corrupt-deflate": (patch_zip(zip_with(b"claim_id\n" + b"x,y\n" * 500), corrupt=True), "archive-corrupt"),
    "encrypted-member": (patch_zip(zip_with(), flag=0x1), "archive-encrypted"),
    "unsupported-compression": (patch_zip(zip_with(), method=99), "archive-compression"),
    "symlink-member": (None, "file-symlink"),
}


def _symlink_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("pkg-1.0.0/data/raw/x.txt")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/hostname")
    return buffer.getvalue()


@pytest.mark.parametrize("case", ZIPS.keys())
def test_verify_and_diff_report_a_damaged_zip(case: str, invoke, tmp_path: Path) -> None:
    raw, code = ZIPS[case]
    archive = tmp_path / "release.zip"
    archive.write_bytes(_symlink_zip() if raw is None else raw)
    result = invoke("--project", tmp_path, "verify", "--json", archive)
    no_traceback(result)
    assert result.exit_code == 1
    assert code in codes(result)
    diffed = invoke("--project", tmp_path, "diff", "--json", archive, archive)
    no_traceback(diffed)
    assert diffed.exit_code == 1
    assert code in codes(diffed)


def test_a_zip_bomb_is_refused_from_its_central_directory(invoke, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from pipeline import limits

    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_with(b"\0" * (24 * 1024 * 1024)))
    assert archive.stat().st_size < 100_000
    result = invoke("--project", tmp_path, "verify", "--json", archive)
    no_traceback(result)
    assert result.exit_code == 1
    assert codes(result) == {"archive-ratio"}
    monkeypatch.setitem(limits.LIMITS, "file_bytes", replace(limits.LIMITS["file_bytes"], value=1024 * 1024))
    assert codes(invoke("--project", tmp_path, "verify", "--json", archive)) == {"file-too-large"}


def test_a_release_schema_with_a_remote_ref_is_never_fetched(package: Path, invoke, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    from conftest import PROJECT_ROOT

    release = Path(shutil.copytree(package, tmp_path / "ketamine-therapy-claims-0.1.0"))
    shutil.copytree(PROJECT_ROOT / "schemas" / "records", release / "schemas" / "records")
    schema_path = release / "schemas" / "records" / "claims.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["quote"]["$ref"] = "https://attacker.example/quote.schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")

    def no_network(*args, **kwargs):
        raise AssertionError("a schema was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    result = invoke("--project", tmp_path, "verify", "--json", release)
    no_traceback(result)
    assert result.exit_code == 1
    problems = json_report(result)["problems"]
    assert {"code": "schema-remote-ref", "path": "schemas/records/claims.schema.json",
            "message": "refers to 'https://attacker.example/quote.schema.json' outside the schema; schemas are never "
                       "fetched"} in problems


def test_add_source_refuses_a_title_that_is_not_unicode(project: Path, invoke) -> None:
    before = snapshot(project / "data")
    result = invoke("--project", project, "add-source", "-", "--title", "Caf\udce9 notes", "--kind", "blog",
                    input=b"Ketamine may cause nausea.\n")
    no_traceback(result)
    assert result.exit_code == 1
    assert "[metadata-encoding] --title: not valid Unicode text" in result.stderr
    assert snapshot(project / "data") == before


def test_a_permission_error_while_committing_keeps_the_old_outputs(tiny: Path, invoke, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import NOTE, tiny_corpus

    out = tmp_path / "out"
    assert build_tiny(invoke, tiny, out).exit_code == 0
    old = snapshot(out)
    tiny_corpus(tiny, {"tiny-note": NOTE, "second-note": "Esketamine is a nasal spray.\n"})
    real_replace = os.replace

    def refuse_raw(source, target, *args, **kwargs):
        if "/data/raw/" in str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse_raw)
    result = build_tiny(invoke, tiny, out)
    monkeypatch.undo()
    no_traceback(result)
    assert result.exit_code == 1
    assert "data/raw/second-note.txt: [permission-denied]" in result.stderr
    assert snapshot(out) == old, "no new raw text beside the old tables"
    assert build_tiny(invoke, tiny, out).exit_code == 0
    assert "data/raw/second-note.txt" in snapshot(out)


# 4. Reads stop at the limit.


def test_add_source_stops_reading_dev_zero(project: Path, invoke) -> None:
    before = snapshot(project / "data")
    result = invoke("--project", project, "add-source", "/dev/zero", "--title", "Zero", "--kind", "blog")
    no_traceback(result)
    assert result.exit_code == 1
    assert "/dev/zero: [text-too-large]" in result.stderr
    assert snapshot(project / "data") == before


# 5. Links are never followed into a package.


def test_validate_refuses_a_raw_text_that_is_a_link(package: Path, invoke) -> None:
    raw = package / "data" / "raw" / "ketamine-and-lexapro.txt"
    raw.unlink()
    raw.symlink_to("/etc/hostname")
    result = invoke("validate", "--json", "--no-frictionless", package)
    no_traceback(result)
    assert result.exit_code == 1
    assert {"code": "file-symlink", "path": "data/raw/ketamine-and-lexapro.txt",
            "message": "is a symbolic link; links are never followed: put the file itself here"} in \
        json_report(result)["problems"]


def test_verify_refuses_links_and_special_files_in_a_release_folder(package: Path, invoke, tmp_path: Path) -> None:
    (package / "data" / "raw" / "extra.txt").symlink_to("/etc/hostname")
    os.mkfifo(package / "data" / "pipe")
    result = invoke("--project", tmp_path, "verify", "--json", package)
    no_traceback(result)
    assert result.exit_code == 1
    assert codes(result) == {"file-symlink", "file-not-regular"}


# 6. evaluate refuses to score against nothing.


@pytest.mark.parametrize("gold", ["missing", "empty"])
def test_evaluate_refuses_a_gold_folder_without_gold(gold: str, built_package: Path, invoke, tmp_path: Path) -> None:
    from conftest import PROJECT_ROOT

    folder = tmp_path / "gold"
    if gold == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("not gold\n", encoding="utf-8")
    result = invoke("--project", PROJECT_ROOT, "evaluate", "--package", built_package, "--gold", folder, "--json")
    no_traceback(result)
    assert result.exit_code == 1
    assert codes(result) == {f"gold-{gold}"}
    assert "precision" not in result.stdout


# 7. A full disk leaves no staging behind.


def test_a_full_disk_while_staging_leaves_no_staging_behind(tiny: Path, invoke, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from conftest import dead_pid

    out = tmp_path / "out"
    assert build_tiny(invoke, tiny, out).exit_code == 0
    old = snapshot(out)
    stale = out / f".build-staging-{dead_pid()}-0123abcd"
    (stale / "new").mkdir(parents=True)
    (stale / "new" / "big.bin").write_bytes(b"\0" * 1000)
    tiny.joinpath("sources.yaml").write_text(
        tiny.joinpath("sources.yaml").read_text(encoding="utf-8").replace("Tiny note", "Tiny note, edited"))
    real_fsync, calls = os.fsync, []

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    result = build_tiny(invoke, tiny, out)
    monkeypatch.undo()
    no_traceback(result)
    assert result.exit_code == 1
    assert "[disk-full]" in result.stderr
    assert snapshot(out) == old
    assert not list(out.glob(".build-staging-*")), "the failed run's staging and a dead run's are both gone"


# The last guard: an exception no check caught still ends as one problem, with a JSON report under --json.

GUARDED = {
    "validate": ("pipeline.validate.validate_package", lambda p: ["validate", "--json", p]),
    "verify": ("pipeline.verify.verify_release", lambda p: ["verify", "--json", p]),
    "diff": ("pipeline.diff.compare", lambda p: ["diff", "--json", p, p]),
    "evaluate": ("pipeline.evaluate.evaluate_package", lambda p: ["evaluate", "--json", "--package", p]),
    "build": ("pipeline.build.build", lambda p: ["build", "--output", p / "out"]),
}


@pytest.mark.parametrize("command", GUARDED)
@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), MemoryError(),
                                   RuntimeError("something nobody expected")], ids=["recursion", "memory", "other"])
def test_an_unexpected_failure_is_still_a_report(command: str, error: Exception, built_package: Path, invoke,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import PROJECT_ROOT

    target, arguments = GUARDED[command]

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(target, fail)
    result = invoke("--project", PROJECT_ROOT, *arguments(built_package))
    no_traceback(result)
    assert result.exit_code == 1
    expected = {RecursionError: "too-deep", MemoryError: "out-of-memory", RuntimeError: "internal-error"}[type(error)]
    assert f"[{expected}]" in result.stderr
    if "--json" in arguments(built_package):
        assert codes(result) == {expected}
