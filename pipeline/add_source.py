"""A new raw text + its metadata -> data/raw/<id>.txt and one more entry in data/sources.yaml."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from pipeline.io import LockedFolder, decode_text, line_of, list_files, parse_yaml, read_bytes, sha256_hex
from pipeline.load import Layout, check_source_count, load_validated_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import SchemaSet

KINDS = ("clinic-marketing", "blog", "news", "patient-info", "drug-label", "other")
FIELDS = ("source_id", "title", "publisher", "url", "kind", "role", "authority", "published", "retrieved",
          "language", "licence", "attribution", "sha256")
ID_WORDS = 4
ID_MAX_LENGTH = 50
STOP_WORDS = frozenset(
    "a an the and or of for to in on at by from with as is are vs your you its it this that".split())
_ID_WORD = re.compile(r"[a-z0-9]+")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,.()?!&'/+-]*")


@dataclass(frozen=True)
class Metadata:
    """What the contributor states about a text (None when unknown)."""

    title: str
    kind: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    retrieved: str | None = None
    language: str = "en"
    licence: str | None = None
    attribution: str | None = None
    role: str = "reported"
    authority: str | None = None


@dataclass(frozen=True)
class AddedSource:
    """Where a newly registered text went."""

    source_id: str
    raw_path: str
    sources_path: str
    line: int
    characters: int
    sha256: str


def slug_words(title: str) -> list[str]:
    """A title -> its lowercase ASCII words (accents folded, apostrophes dropped)."""
    folded = unicodedata.normalize("NFKD", title.replace("'", "").replace("’", ""))
    return _ID_WORD.findall(folded.encode("ascii", "ignore").decode("ascii").lower())


def derive_id(title: str, taken: set[str]) -> str:
    """A readable id from the first significant words of the title, made unique with -2, -3, ..."""
    words = [w for w in slug_words(title) if w not in STOP_WORDS][:ID_WORDS] or ["source"]
    base = words[0][:ID_MAX_LENGTH]
    for word in words[1:]:
        if len(base) + 1 + len(word) > ID_MAX_LENGTH:
            break
        base = f"{base}-{word}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _escape(char: str) -> str:
    code = ord(char)
    # YAML refuses these characters or reads them as line breaks inside a double-quoted scalar.
    if 0x7F <= code <= 0x9F or code in (0x2028, 0x2029, 0xFEFF) or 0xFFFE <= code <= 0xFFFF:
        return f"\\u{code:04x}"
    return char


def yaml_scalar(value: str | None) -> str:
    """A value -> YAML text: plain when that reads back as the same string, else double-quoted."""
    if value is None:
        return "null"
    if _PLAIN.fullmatch(value) and value == value.strip() and yaml.safe_load(value) == value:
        return value
    # JSON string syntax is valid YAML double-quoted syntax, once YAML's non-printables are escaped.
    return "".join(_escape(char) for char in json.dumps(value, ensure_ascii=False))


def render_entry(entry: dict[str, Any], dash_column: int, key_column: int) -> str:
    """An entry -> block-style YAML lines in the order and style of the existing entries."""
    lines = []
    for number, name in enumerate(FIELDS):
        value = entry[name]
        text = f'"{value}"' if name in ("published", "retrieved") and value else yaml_scalar(value)
        prefix = " " * dash_column + "-" + " " * (key_column - dash_column - 1) if number == 0 else " " * key_column
        lines.append(f"{prefix}{name}: {text}\n")
    return "".join(lines)


def _sources_sequence(node: yaml.Node, display: str) -> yaml.SequenceNode:
    for key, value in node.value:
        if key.value == "sources" and isinstance(value, yaml.SequenceNode) and not value.flow_style:
            return value
    raise PipelineError([Problem("sources-style", "the `sources:` list must be in block style (`- ` lines) "
                                 "for add-source to append to it", path=display)])


def _metadata_problems(entry: dict[str, Any], schemas: SchemaSet) -> list[Problem]:
    validator = schemas.input_validator("sources")
    problems = []
    for error in validator.iter_errors({"sources": [entry]}):
        path = list(error.absolute_path)
        field = path[2] if len(path) > 2 else None
        option = "--id" if field == "source_id" else f"--{field}" if field else "metadata"
        problems.append(Problem("schema-" + str(error.validator), f"{option}: {error.message}"))
    return problems


def _encoding_problems(metadata: Metadata, source_id: str | None) -> list[Problem]:
    """Values that cannot be written as UTF-8 (a lone surrogate, e.g. from a mis-encoded command line)."""
    problems = []
    for name, value in [*vars(metadata).items(), ("id", source_id)]:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                option = "--id" if name == "id" else f"--{name}"
                problems.append(Problem("metadata-encoding", f"{option}: not valid Unicode text (character "
                                        f"{exc.object[exc.start]!r} at position {exc.start})"))
    return problems


def add_source(layout: Layout, schemas: SchemaSet, raw: bytes, text_display: str, metadata: Metadata,
               source_id: str | None = None) -> AddedSource:
    """Register a text: every check runs before anything is written; then both files are committed
    together (staged, journaled, renamed), so an interruption leaves both or neither. The input folder is
    locked from the first read to the commit, so two add-sources never lose each other's entry."""
    problems = _encoding_problems(metadata, source_id)
    if problems:
        raise PipelineError(problems)
    text = decode_text(raw, text_display)
    with LockedFolder(layout.input_dir) as folder:  # also finishes an earlier add-source interrupted mid-commit
        sources_path = layout.input_dir / "sources.yaml"
        display = layout.display(sources_path)
        data, node = load_validated_yaml(sources_path, "sources", schemas, layout)
        check_source_count(data, node, display)
        load_validated_yaml(layout.config_dir / "package.yaml", "package", schemas, layout)
        new, entry, line = _appended(layout, schemas, raw, text_display, metadata, source_id, data, node)
        folder.write({f"raw/{entry['source_id']}.txt": raw, "sources.yaml": new})
    return AddedSource(source_id=entry["source_id"],
                       raw_path=layout.display(layout.input_dir / "raw" / f"{entry['source_id']}.txt"),
                       sources_path=display, line=line, characters=len(text), sha256=entry["sha256"])


def _appended(layout: Layout, schemas: SchemaSet, raw: bytes, text_display: str, metadata: Metadata,
              source_id: str | None, data: dict[str, Any], node: yaml.Node) -> tuple[bytes, dict[str, Any], int]:
    """The checked new entry -> (the new sources.yaml bytes, the entry, its line)."""
    sources_path = layout.input_dir / "sources.yaml"
    display = layout.display(sources_path)
    digest = sha256_hex(raw)
    lines = {entry["source_id"]: line_of(node, ["sources", index]) for index, entry in enumerate(data["sources"])}
    for entry in data["sources"]:
        if entry["sha256"] == digest:
            raise PipelineError([Problem(
                "duplicate-text", f"this text is already registered as {entry['source_id']!r} "
                f"({display} line {lines[entry['source_id']]}): same sha256 {digest}", path=text_display)])
    raw_dir = layout.input_dir / "raw"
    on_disk = {path.stem for path in list_files(raw_dir, "*.txt")}
    if source_id is None:
        source_id = derive_id(metadata.title, set(lines) | on_disk)
    elif source_id in lines:
        raise PipelineError([Problem("duplicate-id", f"--id {source_id!r} is already used at line "
                                     f"{lines[source_id]}; choose another id", path=display)])
    entry = {"source_id": source_id, "title": metadata.title, "publisher": metadata.publisher,
             "url": metadata.url, "kind": metadata.kind, "role": metadata.role, "authority": metadata.authority,
             "published": metadata.published, "retrieved": metadata.retrieved, "language": metadata.language,
             "licence": metadata.licence, "attribution": metadata.attribution, "sha256": digest}
    problems = _metadata_problems(entry, schemas)
    if problems:
        raise PipelineError(problems)
    raw_relative = f"raw/{source_id}.txt"
    if source_id in on_disk:
        raise PipelineError([Problem("file-exists", "a raw text with this id already exists (not listed in "
                                     "sources.yaml); remove it or choose another --id",
                                     path=layout.display(layout.input_dir / raw_relative))])
    sequence = _sources_sequence(node, display)
    old = read_bytes(sources_path, display).decode("utf-8")
    new = (old if old.endswith("\n") else old + "\n") + render_entry(
        entry, sequence.start_mark.column, sequence.value[0].start_mark.column)
    new_data, new_node = parse_yaml(new, display)
    if new_data.get("sources") != [*data["sources"], entry]:
        raise PipelineError([Problem("sources-style", "appending the entry did not give the expected YAML; "
                                     "add it by hand", path=display)])
    return new.encode("utf-8"), entry, line_of(new_node, ["sources", len(data["sources"])]) or 0
