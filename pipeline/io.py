"""All file I/O: strict readers for inputs, a transactional writer for outputs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from pipeline.problems import PipelineError, Problem

JOURNAL_NAME = ".build-journal.json"
STAGING_PREFIX = ".build-staging-"


# ---------------------------------------------------------------- YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys and aliases."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def parse_yaml(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    """YAML text -> (data, node tree for line look-ups); refuses aliases and duplicate keys."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise PipelineError(
                    [Problem("yaml-alias", "YAML anchors and aliases are not allowed in inputs",
                             path=path, line=mark.line + 1)]
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        code = "yaml-duplicate-key" if "duplicate key" in problem else "yaml-syntax"
        raise PipelineError([Problem(code, f"malformed YAML: {problem}", path=path, line=line)]) from exc
    except yaml.YAMLError as exc:
        raise PipelineError([Problem("yaml-syntax", f"malformed YAML: {exc}", path=path)]) from exc
    return data, node


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, yaml.Node | None]:
    """A YAML file -> (data, node tree); clear problems for a missing or undecodable file."""
    shown = display or str(path)
    raw = read_bytes(path, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError([Problem("yaml-encoding", f"not UTF-8 at byte {exc.start}", path=shown)]) from exc
    return parse_yaml(text, shown)


def line_of(node: yaml.Node | None, location: list[Any] | tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a JSON-Schema-style path, or of its nearest parent."""
    if node is None:
        return None
    current = node
    for step in location:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == step:
                    child = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(current.value):
                child = current.value[step]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1


# ---------------------------------------------------------------- raw texts


def read_bytes(path: Path, display: str | None = None) -> bytes:
    """A file's bytes, or a problem naming the file when it cannot be read."""
    shown = display or str(path)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise PipelineError([Problem("file-missing", "file not found", path=shown)]) from exc
    except IsADirectoryError as exc:
        raise PipelineError([Problem("file-missing", "expected a file, found a folder", path=shown)]) from exc
    except OSError as exc:
        raise PipelineError([Problem("file-unreadable", f"cannot read: {exc.strerror}", path=shown)]) from exc


def decode_text(raw: bytes, display: str, max_bytes: int) -> str:
    """Raw-text bytes -> str, refusing what would make offsets ambiguous or the text unusable."""
    if len(raw) > max_bytes:
        raise PipelineError([Problem(
            "text-too-large", f"{len(raw)} bytes exceeds the limit of {max_bytes} bytes", path=display)])
    if raw.startswith(b"\xef\xbb\xbf"):
        raise PipelineError([Problem(
            "text-bom", "starts with a UTF-8 byte order mark; save it without BOM", path=display, line=1)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PipelineError([Problem(
            "text-not-utf8", f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
            path=display, line=line)]) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PipelineError([Problem("text-nul", "contains a NUL character", path=display, line=line)])
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise PipelineError([Problem(
            "text-crlf", "contains carriage returns; store raw texts with \\n line ends", path=display, line=line)])
    if not text.strip():
        raise PipelineError([Problem("text-empty", "the text is empty", path=display)])
    return text


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_json(path: Path) -> Any:
    """A JSON file -> data, or a problem naming the file."""
    raw = read_bytes(path)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PipelineError([Problem("json-syntax", f"malformed JSON: {exc}", path=str(path))]) from exc


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file -> rows as dicts of strings."""
    raw = read_bytes(path)
    text = raw.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_bytes(columns: list[str], rows: list[list[str]]) -> bytes:
    """Columns and string cells -> CSV bytes (UTF-8, \\n line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def json_bytes(data: Any) -> bytes:
    """Data -> canonical pretty JSON bytes ending in a newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# ---------------------------------------------------------------- transactional output


def recover(out_dir: Path) -> None:
    """Finish a commit that a previous run journaled, and drop staging it never committed."""
    journal = out_dir / JOURNAL_NAME
    if journal.exists():
        entry = json.loads(journal.read_text(encoding="utf-8"))
        staging = out_dir / entry["staging"]
        for relative in entry["files"]:
            staged = staging / relative
            if staged.exists():
                target = out_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
        journal.unlink()
    if out_dir.exists():
        for leftover in out_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(leftover, ignore_errors=True)


def write_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Write {relative path: bytes} under out_dir all or nothing; returns the paths that changed.

    Files are staged first; a journal marks the commit point; then each file is renamed into
    place. A run killed before the journal leaves the old outputs; one killed after it is
    completed by `recover` at the start of the next run.
    """
    for relative in files:
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise PipelineError([Problem("unsafe-path", "output path leaves the package", path=relative)])
    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    changed = [
        rel for rel, content in sorted(files.items())
        if not (out_dir / rel).is_file() or (out_dir / rel).read_bytes() != content
    ]
    if not changed:
        return []
    staging_name = f"{STAGING_PREFIX}{os.getpid()}"
    staging = out_dir / staging_name
    shutil.rmtree(staging, ignore_errors=True)
    for relative in changed:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(files[relative])
            handle.flush()
            os.fsync(handle.fileno())
    journal_tmp = out_dir / (JOURNAL_NAME + ".tmp")
    journal_tmp.write_text(json.dumps({"staging": staging_name, "files": changed}), encoding="utf-8")
    os.replace(journal_tmp, out_dir / JOURNAL_NAME)
    recover(out_dir)
    return changed


def read_tree(root: Path, relatives: list[str]) -> dict[str, bytes | None]:
    """{relative path: bytes, or None when the file does not exist}."""
    return {rel: (root / rel).read_bytes() if (root / rel).is_file() else None for rel in relatives}


def list_files(folder: Path, pattern: str) -> list[Path]:
    """Files in a folder matching a glob, sorted; empty when the folder does not exist."""
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []
