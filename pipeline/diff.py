"""Two data packages (folders, release archives or in-memory files) -> their differences and semver level."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.fs import is_safe_relative, parent_inside
from pipeline.io import parse_csv, parse_json, read_archive, read_bytes
from pipeline.problems import PipelineError, Problem
from pipeline.validate import descriptor_shape_problems

LEVELS = ("none", "patch", "minor", "major")
Reader = Callable[[str], bytes]

# Descriptor keys that follow from the release itself or from the data, not from what changed.
_RELEASE_KEYS = {"version", "created", "resources"}
_RESOURCE_DATA_KEYS = {"bytes", "hash", "schema", "name"}
_RESOURCE_METADATA_KEYS = {"title", "description"}
# Field keys that change how a cell is parsed (a change breaks readers) versus documentation.
_FIELD_PARSING_KEYS = {"type", "format", "trueValues", "falseValues", "decimalChar", "groupChar", "bareNumber",
                       "missingValues"}
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum")
_LIST_LIMIT = 20


@dataclass(frozen=True)
class Table:
    """One resource of a package: its Table Schema, CSV columns and rows by primary key."""

    name: str
    schema: dict[str, Any]
    columns: tuple[str, ...]
    rows: dict[str, dict[str, str]]


@dataclass(frozen=True)
class PackageView:
    """What a diff needs of a package: where it came from, its descriptor and its tables."""

    label: str
    descriptor: dict[str, Any]
    tables: dict[str, Table]

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", "?"))


@dataclass(frozen=True)
class Change:
    """One difference that matters for versioning, with the semver level it implies."""

    level: str
    kind: str
    message: str
    resource: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class RowChange:
    """A row present in both packages whose cells differ: {field: (old, new)} as typed values."""

    key: str
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class TableDiff:
    """Rows of one resource added, removed and changed, matched by primary key."""

    resource: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[RowChange, ...] = ()
    compared: bool = True

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class PackageDiff:
    """Every difference between an old and a new package, and the semver level they imply."""

    old: str
    new: str
    old_version: str
    new_version: str
    tables: tuple[TableDiff, ...]
    changes: tuple[Change, ...]

    @property
    def level(self) -> str:
        return max((c.level for c in self.changes), key=LEVELS.index, default="none")

    def reasons(self, level: str | None = None) -> tuple[str, ...]:
        """The messages of the changes at the given level (default: the level that decided)."""
        wanted = level or self.level
        return tuple(c.message for c in self.changes if c.level == wanted)

    def rule(self) -> str:
        """One line naming the rule that fired, e.g. 'MINOR: sources: 1 row(s) added'."""
        if self.level == "none":
            return "no changes"
        return f"{self.level.upper()}: " + "; ".join(self.reasons())


# ---------------------------------------------------------------- loading


def folder_reader(root: Path) -> Reader:
    def read(relative: str) -> bytes:
        if not is_safe_relative(relative) or not parent_inside(root, relative):
            raise PipelineError([Problem("unsafe-path", "path leaves the package", path=relative)])
        return read_bytes(root / relative, str(root / relative))

    return read


def mapping_reader(files: dict[str, bytes], label: str) -> Reader:
    def read(relative: str) -> bytes:
        if relative not in files:
            raise PipelineError([Problem("file-missing", f"not in {label}", path=relative)])
        return files[relative]

    return read


def open_package(path: Path) -> PackageView:
    """A package folder or a release .zip -> PackageView."""
    if path.is_file():
        _, files = read_archive(path)
        return load_view(str(path), mapping_reader(files, str(path)))
    return load_view(str(path), folder_reader(path))


def _field_ok(field: Any) -> bool:
    if not isinstance(field, dict) or not isinstance(field.get("name"), str):
        return False
    constraints = field.get("constraints", {})
    return isinstance(constraints, dict) and isinstance(constraints.get("enum", []), list)


def _schema_shape_problems(schema: Any, where: str, name: str) -> list[Problem]:
    """What diffing reads of a Table Schema: fields with string names, keys as names, constraints as objects."""
    def problem(message: str) -> list[Problem]:
        return [Problem("descriptor-shape", f"schema {message}", path=where, resource=name)]

    if not isinstance(schema, dict):
        return problem("must be an object")
    fields = schema.get("fields", [])
    if not isinstance(fields, list) or not all(_field_ok(field) for field in fields):
        return problem("fields must be objects with a string name and constraints as an object")
    key = schema.get("primaryKey", [])
    if not (isinstance(key, str) or (isinstance(key, list) and all(isinstance(k, str) for k in key))):
        return problem("primaryKey must be a field name or a list of them")
    if not isinstance(schema.get("foreignKeys", []), list):
        return problem("foreignKeys must be a list")
    return []


def load_view(label: str, read: Reader) -> PackageView:
    """datapackage.json and each resource's CSV, read through `read` -> PackageView."""
    where = f"{label}/datapackage.json"
    descriptor = parse_json(read("datapackage.json"), where)
    shape = [Problem(p.code, p.message, path=where, resource=p.resource) for p in descriptor_shape_problems(descriptor)]
    if shape:
        raise PipelineError(shape)
    tables = {}
    problems = []
    for resource in descriptor.get("resources", []):
        if resource.get("format", "csv") != "csv":
            continue  # raw texts, typed JSON and FHIR restate the tables; only tables are compared
        name = resource["name"]
        schema = resource.get("schema", {})
        if isinstance(schema, str):
            schema = parse_json(read(schema), f"{label}/{schema}")
        shape = _schema_shape_problems(schema, where, name)
        if shape:
            problems += shape
            continue
        path = str(resource.get("path", ""))
        cells = parse_csv(read(path), f"{label}/{path}")
        columns = tuple(cells[0]) if cells else ()
        key_fields = list(schema.get("primaryKey", []))
        key_fields = [key_fields] if isinstance(key_fields, str) else key_fields
        rows: dict[str, dict[str, str]] = {}
        for number, values in enumerate(cells[1:], start=1):
            row = dict(zip(columns, values, strict=False))
            key = ",".join(row.get(f, "") for f in key_fields) if key_fields else str(number)
            if key in rows:
                problems.append(Problem("duplicate-id", f"primary key {key!r} appears twice", path=f"{label}/{path}",
                                        resource=name, row=number))
            rows[key] = row
        tables[name] = Table(name=name, schema=schema, columns=columns, rows=rows)
    if problems:
        raise PipelineError(problems)
    return PackageView(label=label, descriptor=descriptor, tables=tables)


def resolve(reference: str, project: Path) -> Path:
    """A path, or a released version recorded under the project's releases/ -> the path to read."""
    path = Path(reference)
    if path.exists():
        return path
    snapshot = project / "releases" / reference
    if (snapshot / "datapackage.json").is_file():
        return snapshot
    raise PipelineError([Problem("file-missing", "neither a package folder, an archive nor a released version",
                                 path=reference)])


# ---------------------------------------------------------------- comparing


def compare(old: str, new: str, project: Path) -> PackageDiff:
    """Two references (folder, zip or released version) -> their diff."""
    return diff_packages(open_package(resolve(old, project)), open_package(resolve(new, project)))


def typed(text: str, field: dict[str, Any] | None) -> Any:
    """A CSV cell -> a JSON value by its Table Schema type (the text itself when it does not parse)."""
    if text == "":
        return None
    kind = (field or {}).get("type", "string")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            value = float(text)
            return int(value) if value.is_integer() else value
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in schema.get("fields", [])}


def _bound_change(name: str, old: Any, new: Any, lower: bool) -> str | None:
    """The level of a changed lower or upper bound: tighter is major, looser is minor."""
    if old == new:
        return None
    if new is None:
        return "minor"
    if old is None:
        return "major"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new)):
        return "major"  # a bound that is not a number: treat the change as breaking
    tighter = new > old if lower else new < old
    return "major" if tighter else "minor"


def _constraint_changes(resource: str, field: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    where = f"{resource}.{field}"
    for flag in ("required", "unique"):
        before, after = bool(old.get(flag)), bool(new.get(flag))
        if before != after:
            level = "major" if after else "minor"
            changes.append(Change(level, "constraint", f"{where}: {flag} {'added' if after else 'dropped'}",
                                  resource, field))
    if old.get("enum") != new.get("enum"):
        before, after = old.get("enum"), new.get("enum")
        if after is None:
            changes.append(Change("minor", "constraint", f"{where}: enum dropped", resource, field))
        elif before is None:
            changes.append(Change("major", "constraint", f"{where}: enum added", resource, field))
        else:
            dropped = [v for v in before if v not in after]
            added = [v for v in after if v not in before]
            if dropped:
                changes.append(Change("major", "constraint", f"{where}: enum values removed {dropped}",
                                      resource, field))
            if added:
                changes.append(Change("minor", "constraint", f"{where}: enum values added {added}", resource, field))
    if old.get("pattern") != new.get("pattern"):
        level = "minor" if new.get("pattern") is None else "major"
        changes.append(Change(level, "constraint", f"{where}: pattern {old.get('pattern')!r} -> {new.get('pattern')!r}",
                              resource, field))
    for names, lower in ((_LOWER_BOUNDS, True), (_UPPER_BOUNDS, False)):
        for name in names:
            level = _bound_change(name, old.get(name), new.get(name), lower)
            if level:
                changes.append(Change(level, "constraint", f"{where}: {name} {old.get(name)} -> {new.get(name)}",
                                      resource, field))
    known = {"required", "unique", "enum", "pattern", *_LOWER_BOUNDS, *_UPPER_BOUNDS}
    for name in sorted((set(old) | set(new)) - known):
        if old.get(name) != new.get(name):
            changes.append(Change("major", "constraint", f"{where}: constraint {name} changed", resource, field))
    return changes


def _field_changes(resource: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    name = new["name"]
    where = f"{resource}.{name}"
    for key in sorted(_FIELD_PARSING_KEYS):
        if old.get(key) != new.get(key):
            changes.append(Change("major", "field-type", f"{where}: {key} {old.get(key)!r} -> {new.get(key)!r}",
                                  resource, name))
    changes += _constraint_changes(resource, name, old.get("constraints", {}), new.get("constraints", {}))
    documented = (set(old) | set(new)) - _FIELD_PARSING_KEYS - {"name", "constraints"}
    if any(old.get(key) != new.get(key) for key in documented):
        changes.append(Change("patch", "metadata", f"{where}: description changed", resource, name))
    return changes


def _foreign_keys(schema: dict[str, Any]) -> set[str]:
    return {json.dumps(fk, sort_keys=True) for fk in schema.get("foreignKeys", [])}


def schema_changes(resource: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Two Table Schemas of one resource -> the changes, each with its level."""
    changes = []
    old_fields, new_fields = _fields(old), _fields(new)
    for name in old_fields:
        if name not in new_fields:
            changes.append(Change("major", "field-removed", f"{resource}: field {name!r} removed or renamed",
                                  resource, name))
    for name in new_fields:
        if name not in old_fields:
            changes.append(Change("minor", "field-added", f"{resource}: field {name!r} added", resource, name))
    common_old = [n for n in old_fields if n in new_fields]
    common_new = [n for n in new_fields if n in old_fields]
    if common_old != common_new:
        changes.append(Change("major", "field-order", f"{resource}: order of the fields changed", resource))
    for name in common_new:
        changes += _field_changes(resource, old_fields[name], new_fields[name])
    if old.get("primaryKey") != new.get("primaryKey"):
        changes.append(Change("major", "primary-key",
                              f"{resource}: primary key {old.get('primaryKey')} -> {new.get('primaryKey')}", resource))
    before, after = _foreign_keys(old), _foreign_keys(new)
    if after - before:
        changes.append(Change("major", "foreign-key", f"{resource}: foreign key added", resource))
    if before - after:
        changes.append(Change("minor", "foreign-key", f"{resource}: foreign key dropped", resource))
    if old.get("missingValues") != new.get("missingValues"):
        changes.append(Change("major", "field-type", f"{resource}: missingValues changed", resource))
    return changes


def _resource_metadata_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for key in sorted((set(old) | set(new)) - _RESOURCE_DATA_KEYS):
        if old.get(key) != new.get(key):
            level = "patch" if key in _RESOURCE_METADATA_KEYS else "major"
            changes.append(Change(level, "resource-format" if level == "major" else "metadata",
                                  f"{name}: resource {key} changed", name))
    return changes


def table_diff(old: Table, new: Table) -> TableDiff:
    """Rows of one resource matched by primary key -> added, removed and changed (common fields only)."""
    if old.schema.get("primaryKey") != new.schema.get("primaryKey"):
        return TableDiff(resource=new.name, compared=False)
    old_fields, new_fields = _fields(old.schema), _fields(new.schema)
    common = [c for c in new.columns if c in old.columns]
    changed = []
    for key in sorted(set(old.rows) & set(new.rows)):
        before, after = old.rows[key], new.rows[key]
        cells = {c: (typed(before.get(c, ""), old_fields.get(c)), typed(after.get(c, ""), new_fields.get(c)))
                 for c in common if before.get(c, "") != after.get(c, "")}
        if cells:
            changed.append(RowChange(key=key, fields=cells))
    return TableDiff(resource=new.name, added=tuple(sorted(set(new.rows) - set(old.rows))),
                     removed=tuple(sorted(set(old.rows) - set(new.rows))), changed=tuple(changed))


def _row_changes(diff: TableDiff) -> list[Change]:
    name = diff.resource
    changes = []
    if not diff.compared:
        return changes
    if diff.added:
        changes.append(Change("minor", "rows-added", f"{name}: {len(diff.added)} row(s) added", name))
    if diff.removed:
        # A removed row breaks the ids an app may hold, but not the schema: minor (docs/releasing.md).
        changes.append(Change("minor", "rows-removed", f"{name}: {len(diff.removed)} row(s) removed", name))
    if diff.changed:
        changes.append(Change("patch", "rows-changed", f"{name}: {len(diff.changed)} row(s) changed", name))
    return changes


def diff_packages(old: PackageView, new: PackageView) -> PackageDiff:
    """Compare two packages: metadata, resources, schemas and rows by primary key."""
    changes: list[Change] = []
    for key in sorted((set(old.descriptor) | set(new.descriptor)) - _RELEASE_KEYS):
        if old.descriptor.get(key) != new.descriptor.get(key):
            changes.append(Change("patch", "metadata", f"package {key} changed"))
    old_resources = {r.get("name"): r for r in old.descriptor.get("resources", []) if r.get("name") in old.tables}
    new_resources = {r.get("name"): r for r in new.descriptor.get("resources", []) if r.get("name") in new.tables}
    tables = []
    for name in old_resources:
        if name not in new_resources:
            changes.append(Change("major", "resource-removed", f"resource {name!r} removed or renamed", name))
    for name in new_resources:
        if name not in old_resources:
            rows = len(new.tables[name].rows)
            changes.append(Change("minor", "resource-added", f"resource {name!r} added ({rows} rows)", name))
            tables.append(TableDiff(resource=name, added=tuple(sorted(new.tables[name].rows))))
            continue
        changes += _resource_metadata_changes(name, old_resources[name], new_resources[name])
        changes += schema_changes(name, old.tables[name].schema, new.tables[name].schema)
        table = table_diff(old.tables[name], new.tables[name])
        changes += _row_changes(table)
        tables.append(table)
    return PackageDiff(old=old.label, new=new.label, old_version=old.version, new_version=new.version,
                       tables=tuple(tables), changes=tuple(changes))


# ---------------------------------------------------------------- rendering


def _value(value: Any) -> str:
    return "(empty)" if value is None else json.dumps(value, ensure_ascii=False)


def render_text(diff: PackageDiff) -> str:
    """A diff -> readable text: the level and why, then schema, metadata and row changes."""
    lines = [f"{diff.old} ({diff.old_version}) -> {diff.new} ({diff.new_version})",
             f"level: {diff.level.upper()}" + ("" if diff.level == "none" else f" ({'; '.join(diff.reasons())})")]
    other = [c for c in diff.changes if c.kind not in ("rows-added", "rows-removed", "rows-changed")]
    if other:
        lines.append("schema and metadata:")
        lines += [f"  {c.level.upper():5} {c.message}" for c in other]
    for table in diff.tables:
        if not table.compared:
            lines.append(f"{table.resource}: primary key changed; rows not compared")
            continue
        if table.empty:
            continue
        lines.append(f"{table.resource}: {len(table.added)} added, {len(table.removed)} removed, "
                     f"{len(table.changed)} changed")
        lines += [f"  + {key}" for key in table.added]
        lines += [f"  - {key}" for key in table.removed]
        for row in table.changed:
            cells = ", ".join(f"{field}: {_value(old)} -> {_value(new)}" for field, (old, new) in row.fields.items())
            lines.append(f"  ~ {row.key}: {cells}")
    if diff.level == "none":
        lines.append("no differences")
    return "\n".join(lines)


def to_data(diff: PackageDiff) -> dict[str, Any]:
    """A diff -> JSON-able data (what `diff --json` prints)."""
    return {
        "old": {"path": diff.old, "version": diff.old_version},
        "new": {"path": diff.new, "version": diff.new_version},
        "level": diff.level,
        "rule": diff.rule(),
        "changes": [{k: v for k, v in vars(c).items() if v is not None} for c in diff.changes],
        "tables": {
            t.resource: {
                "compared": t.compared,
                "added": list(t.added),
                "removed": list(t.removed),
                "changed": [{"key": r.key, "fields": {f: {"old": o, "new": n} for f, (o, n) in r.fields.items()}}
                            for r in t.changed],
            }
            for t in diff.tables
        },
    }


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_LIST_LIMIT])
    more = len(items) - _LIST_LIMIT
    return shown + (f" and {more} more" if more > 0 else "")


def changelog_entry(diff: PackageDiff, version: str, date: str) -> str:
    """A diff from the previous release -> the Markdown changelog entry of `version`."""
    lines = [f"## {version} ({date})", "",
             f"{diff.level.upper()} release after {diff.old_version}: {'; '.join(diff.reasons())}.", ""]
    counted = [t for t in diff.tables if not t.empty]
    if counted:
        lines += ["| table | added | removed | changed |", "|---|---:|---:|---:|"]
        lines += [f"| {t.resource} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} |" for t in counted]
        lines.append("")
    other = [c for c in diff.changes if c.kind not in ("rows-added", "rows-removed", "rows-changed")]
    if other:
        lines += ["Schema and metadata:", ""]
        lines += [f"- {c.level.upper()}: {c.message}" for c in other]
        lines.append("")
    details = []
    for table in counted:
        if table.added:
            details.append(f"- {table.resource} added: {_listed([f'`{k}`' for k in table.added])}")
        if table.removed:
            details.append(f"- {table.resource} removed: {_listed([f'`{k}`' for k in table.removed])}")
        if table.changed:
            described = [f"`{r.key}` ({', '.join(r.fields)})" for r in table.changed]
            details.append(f"- {table.resource} changed: {_listed(described)}")
    if details:
        lines += ["Rows:", "", *details, ""]
    return "\n".join(lines)


def initial_entry(view: PackageView, version: str, date: str) -> str:
    """The changelog entry of a first release: what it holds."""
    lines = [f"## {version} ({date})", "", "First release.", "", "| table | rows |", "|---|---:|"]
    lines += [f"| {name} | {len(table.rows)} |" for name, table in view.tables.items()]
    lines.append("")
    return "\n".join(lines)
