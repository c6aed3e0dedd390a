"""The limits inputs are checked against before they are read -> one table for the code and docs/limits.md."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
TABLE_START = "<!-- limits:start (generated from pipeline/limits.py by `ketamine-evidence docs`; do not edit) -->"
TABLE_END = "<!-- limits:end -->"


@dataclass(frozen=True)
class Limit:
    """One bound on an input: its value, what it applies to and the problem code that refuses it."""

    name: str
    value: int
    unit: str
    applies_to: str
    code: str


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("text_bytes", 2_000_000, "bytes",
          "a raw text: `data/raw/*.txt` in a build, the FILE or stdin of `add-source`, the raw texts of a package "
          "being validated, verified or evaluated", "text-too-large"),
    Limit("yaml_bytes", 4 * MIB, "bytes",
          "a YAML input: `sources.yaml`, `package.yaml`, `segmentation.yaml`, cues, vocabularies, curation, gold",
          "yaml-too-large"),
    Limit("yaml_depth", 32, "levels", "nesting of mappings and sequences in a YAML input", "yaml-too-deep"),
    Limit("yaml_nodes", 250_000, "nodes", "scalars, mappings and sequences in one YAML input", "yaml-too-large"),
    Limit("sources", 20_000, "entries", "entries of `sources.yaml`", "too-many-sources"),
    Limit("file_bytes", 64 * MIB, "bytes",
          "any other file read: `datapackage.json`, CSV tables, JSON Schemas, release files, the build journal",
          "file-too-large"),
    Limit("archive_members", 5_000, "members", "files in a release zip or release folder", "archive-too-many-files"),
    Limit("archive_bytes", 512 * MIB, "bytes",
          "uncompressed size of all files of a release zip or release folder together", "archive-too-large"),
    Limit("archive_ratio", 100, "to 1",
          "uncompressed to compressed size of a zip member larger than 1 MiB (a zip bomb is refused before "
          "anything is decompressed)", "archive-ratio"),
    Limit("lock_wait", 120, "seconds",
          "waiting for another build or add-source that is writing into the same folder", "folder-locked"),
)}

# A zip member smaller than this is never refused for its ratio: it cannot hurt, and tiny files compress well.
RATIO_FLOOR_BYTES = MIB


def value(name: str) -> int:
    """The value of a limit by name."""
    return LIMITS[name].value


def _shown(limit: Limit) -> str:
    if limit.unit == "bytes" and limit.value % MIB == 0:
        return f"{limit.value // MIB} MiB ({limit.value:,} bytes)"
    return f"{limit.value:,} {limit.unit}"


def markdown_table() -> str:
    """The limits as the Markdown table of docs/limits.md."""
    lines = ["| limit | value | applies to | refused with |", "|---|---|---|---|"]
    for limit in LIMITS.values():
        lines.append(f"| `{limit.name}` | {_shown(limit)} | {limit.applies_to} | `{limit.code}` |")
    return "\n".join(lines) + "\n"


def splice_table(page: str) -> str:
    """docs/limits.md text -> the same text with the table between its markers regenerated."""
    if TABLE_START not in page or TABLE_END not in page:
        raise ValueError("docs/limits.md has no limits markers")
    head, rest = page.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n\n{markdown_table()}\n{TABLE_END}{tail}"
