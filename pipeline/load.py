"""Input folder -> validated Inputs (package metadata, cues, documents, vocabulary, curation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import limits
from pipeline.io import decode_text, line_of, list_files, read_text_bytes, read_yaml, sha256_hex
from pipeline.problems import PipelineError, Problem
from pipeline.records import Document, Source, Term, Vocabulary
from pipeline.schemas import SchemaSet


@dataclass(frozen=True)
class CurationEntry:
    """One reviewed correction, with the file and line it came from."""

    path: str
    line: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, validated."""

    package: dict[str, Any]
    cues: dict[str, Any]
    documents: tuple[Document, ...]
    vocabulary: Vocabulary
    curation: tuple[CurationEntry, ...]
    input_hashes: dict[str, str]


@dataclass(frozen=True)
class Layout:
    """Where a build finds its inputs."""

    project_root: Path
    input_dir: Path

    @property
    def schema_dir(self) -> Path:
        return self.project_root / "schemas"

    @property
    def config_dir(self) -> Path:
        return self.project_root / "data"

    def inputs_or_project(self, name: str) -> Path:
        """A sub-folder of the input folder, or the project's own when the input has none."""
        own = self.input_dir / name
        return own if own.is_dir() else self.config_dir / name

    def displayed_in(self, folder: Path) -> Callable[[str], str]:
        """A file name -> how `display` shows that file of the folder; the folder is resolved once, not per file."""
        prefix = self.display(folder / "_")[:-1]  # the shown folder with its separator
        return lambda name: prefix + name

    def display(self, path: Path) -> str:
        where = path.parent.resolve() / path.name  # a link is shown where it is, not where it points
        for base in (self.project_root, self.input_dir.parent):
            try:
                return str(where.relative_to(base.resolve()))
            except ValueError:
                continue
        return str(path)


# An input file with fewer values than this is read by the full validator at once: compiling the fast check of
# its schema would cost more than it saves (a schema compiled for an earlier file of its kind is used anyway).
FAST_CHECK_VALUES = 800


def _holds_more_values(data: Any, limit: int) -> bool:
    """Whether data holds more than `limit` values (mappings, lists and scalars), counted only up to the limit."""
    pending, seen = [data], 0
    while pending and seen <= limit:
        value = pending.pop()
        seen += 1
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return seen > limit


def _schema_problems(data: Any, node: Any, kind: str, schemas: SchemaSet, display: str) -> list[Problem]:
    if schemas.input_check_compiled(kind) or _holds_more_values(data, FAST_CHECK_VALUES):
        accepted = schemas.input_accepted(kind)
        if accepted is not None and accepted(data):
            return []
    validator = schemas.input_validator(kind)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        location = list(error.absolute_path)
        where = "/".join(str(p) for p in location) or "(top level)"
        problems.append(Problem(
            "schema-" + str(error.validator), f"{where}: {error.message}",
            path=display, line=line_of(node, location)))
    return problems


def load_validated_yaml(path: Path, kind: str, schemas: SchemaSet, layout: Layout) -> tuple[Any, Any]:
    """A YAML input file -> (data, node) after JSON Schema validation."""
    display = layout.display(path)
    data, node = read_yaml(path, display)
    problems = _schema_problems(data, node, kind, schemas, display)
    if problems:
        raise PipelineError(problems)
    return data, node


def check_source_count(data: Any, node: Any, display: str) -> None:
    """Refuse a sources.yaml with more entries than the sources limit, before any raw text is read."""
    entries = data.get("sources") if isinstance(data, dict) else None
    if isinstance(entries, list) and len(entries) > limits.value("sources"):
        raise PipelineError([Problem(
            "too-many-sources", f"{len(entries):,} sources; the limit is {limits.value('sources'):,} "
            "(docs/limits.md)", path=display, line=line_of(node, ["sources"]))])


def load_sources(layout: Layout, schemas: SchemaSet) -> tuple[Document, ...]:
    """sources.yaml + raw/*.txt -> documents; every problem found is reported together."""
    sources_path = layout.input_dir / "sources.yaml"
    display = layout.display(sources_path)
    data, node = read_yaml(sources_path, display)
    check_source_count(data, node, display)
    problems = _schema_problems(data, node, "sources", schemas, display)
    if problems:
        raise PipelineError(problems)
    raw_dir = layout.input_dir / "raw"
    shown_raw = layout.displayed_in(raw_dir)
    problems: list[Problem] = []
    documents: list[Document] = []
    seen: dict[str, int | None] = {}
    for index, entry in enumerate(data["sources"]):
        source_id = entry["source_id"]
        line = line_of(node, ["sources", index])
        if source_id in seen:
            problems.append(Problem(
                "duplicate-id", f"source_id {source_id!r} is already used at line {seen[source_id]}",
                path=display, line=line))
            continue
        seen[source_id] = line
        raw_path = raw_dir / f"{source_id}.txt"
        raw_display = shown_raw(raw_path.name)
        try:
            raw = read_text_bytes(raw_path, raw_display)
            digest = sha256_hex(raw)
            if digest != entry["sha256"]:
                raise PipelineError([Problem(
                    "hash-mismatch",
                    f"sha256 is {digest} but {display} line {line} pins {entry['sha256']}; "
                    "raw texts are never edited: restore the file or register it anew",
                    path=raw_display)])
            text = decode_text(raw, raw_display)
        except PipelineError as error:
            problems.extend(error.problems)
            continue
        documents.append(Document(
            source=Source(
                source_id=source_id, title=entry["title"], publisher=entry.get("publisher"),
                url=entry.get("url"), kind=entry["kind"], published=entry.get("published"),
                retrieved=entry.get("retrieved"), language=entry["language"],
                path=f"data/raw/{source_id}.txt", sha256=digest, characters=len(text),
                licence=entry.get("licence"), attribution=entry.get("attribution"),
                role=entry.get("role") or "reported", authority=entry.get("authority")),
            text=text))
    for raw_path in list_files(raw_dir, "*"):
        if raw_path.suffix != ".txt" or raw_path.stem not in seen:
            problems.append(Problem(
                "raw-unlisted", "raw text has no entry in sources.yaml (or is not a .txt file)",
                path=layout.display(raw_path)))
    if problems:
        raise PipelineError(problems)
    return tuple(sorted(documents, key=lambda d: d.source.source_id))


def load_vocabulary(layout: Layout, schemas: SchemaSet) -> Vocabulary:
    """vocab/*.yaml -> Vocabulary; a term id defined twice is an error naming both places."""
    terms: dict[str, Term] = {}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    for path in list_files(layout.inputs_or_project("vocab"), "*.yaml"):
        data, node = load_validated_yaml(path, "vocabulary", schemas, layout)
        display = layout.display(path)
        for index, entry in enumerate(data["terms"]):
            line = line_of(node, ["terms", index])
            term_id = entry["id"]
            if term_id in terms:
                problems.append(Problem(
                    "duplicate-id", f"term {term_id!r} is already defined at {where[term_id]}",
                    path=display, line=line))
                continue
            where[term_id] = f"{display}:{line}"
            terms[term_id] = Term(
                term_id=term_id, label=entry["label"], kind=data["kind"],
                synonyms=tuple(entry["synonyms"]), hpo_id=entry.get("hpo_id"),
                hpo_label=entry.get("hpo_label"), note=entry.get("hpo_note"),
                hpo_predicate=entry.get("hpo_predicate"))
    if problems:
        raise PipelineError(problems)
    return Vocabulary(terms=dict(sorted(terms.items())))


def load_curation(layout: Layout, schemas: SchemaSet) -> tuple[CurationEntry, ...]:
    """curation/*.yaml -> entries in file then list order."""
    entries: list[CurationEntry] = []
    folder = layout.input_dir / "curation"
    for path in list_files(folder, "*.yaml"):
        data, node = load_validated_yaml(path, "curation", schemas, layout)
        display = layout.display(path)
        for index, entry in enumerate(data["corrections"]):
            entries.append(CurationEntry(path=display, line=line_of(node, ["corrections", index]), data=entry))
    return tuple(entries)


def load_inputs(layout: Layout, schemas: SchemaSet) -> Inputs:
    """The whole input side of a build, validated, or a PipelineError naming every problem."""
    package, _ = load_validated_yaml(layout.config_dir / "package.yaml", "package", schemas, layout)
    cues, _ = load_validated_yaml(layout.config_dir / "segmentation.yaml", "segmentation", schemas, layout)
    documents = load_sources(layout, schemas)
    vocabulary = load_vocabulary(layout, schemas)
    curation = load_curation(layout, schemas)
    hashes = {doc.source.source_id: doc.source.sha256 for doc in documents}
    return Inputs(package=package, cues=cues, documents=documents, vocabulary=vocabulary,
                  curation=curation, input_hashes=hashes)
