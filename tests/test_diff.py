"""diff: rows by primary key, schema changes, metadata, and the semver level they imply."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.diff import schema_changes
from pipeline.io import csv_bytes, zip_bytes

FIELDS = [
    {"name": "item_id", "type": "string", "description": "Id.", "constraints": {"required": True, "unique": True}},
    {"name": "label", "type": "string", "description": "Label.", "constraints": {"minLength": 1}},
    {"name": "kind", "type": "string", "description": "Kind.", "constraints": {"enum": ["a", "b", "c"]}},
    {"name": "count", "type": "integer", "description": "Count.", "constraints": {"minimum": 0}},
]
ROWS = [["x1", "One", "a", "1"], ["x2", "Two", "b", ""], ["x3", "Three", "c", "3"]]


def descriptor(fields: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": "demo", "title": "Demo", "version": "1.0.0", "created": "2026-01-01T00:00:00Z",
        "licenses": [{"name": "ODC-By-1.0"}],
        "resources": [{"name": "items", "path": "data/items.csv", "format": "csv", "title": "Items",
                       "schema": {"fields": fields, "missingValues": [""], "primaryKey": ["item_id"]}}],
        **extra,
    }


def write_package(folder: Path, fields: list[dict[str, Any]] | None = None, rows: list[list[str]] | None = None,
                  **extra: Any) -> Path:
    fields = FIELDS if fields is None else fields
    rows = ROWS if rows is None else rows
    (folder / "data").mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps(descriptor(fields, **extra), indent=2))
    (folder / "data" / "items.csv").write_bytes(csv_bytes([f["name"] for f in fields], rows))
    return folder


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return write_package(tmp_path / "old")


def run_diff(invoke, a: Path, b: Path, *options: str):
    return invoke("--project", a.parent, "diff", a, b, *options)


def test_identical_packages_have_no_differences(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new", **{"version": "1.0.1", "created": "2026-02-01T00:00:00Z"})
    result = run_diff(invoke, old, new)
    assert result.exit_code == 0
    assert "level: NONE" in result.stdout and result.stdout.rstrip().endswith("no differences")


def test_a_changed_value_is_patch_with_the_changed_fields(old: Path, tmp_path: Path, invoke) -> None:
    rows = copy.deepcopy(ROWS)
    rows[1][1], rows[1][3] = "Deux", "2"
    new = write_package(tmp_path / "new", rows=rows)
    result = run_diff(invoke, old, new)
    assert result.exit_code == 0
    assert "level: PATCH (items: 1 row(s) changed)" in result.stdout
    assert '  ~ x2: label: "Two" -> "Deux", count: (empty) -> 2' in result.stdout
    data = json.loads(run_diff(invoke, old, new, "--json").stdout)
    assert data["level"] == "patch"
    assert data["tables"]["items"]["changed"] == [
        {"key": "x2", "fields": {"label": {"old": "Two", "new": "Deux"}, "count": {"old": None, "new": 2}}}]


def test_added_rows_are_minor(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new", rows=[*ROWS, ["x4", "Four", "a", "4"]])
    result = run_diff(invoke, old, new)
    assert "level: MINOR (items: 1 row(s) added)" in result.stdout
    assert "items: 1 added, 0 removed, 0 changed" in result.stdout and "  + x4" in result.stdout


def test_removed_rows_are_minor(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new", rows=ROWS[:2])
    data = json.loads(run_diff(invoke, old, new, "--json").stdout)
    assert data["level"] == "minor" and data["rule"] == "MINOR: items: 1 row(s) removed"
    assert data["tables"]["items"]["removed"] == ["x3"]


def test_a_removed_column_is_major(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new", fields=FIELDS[:3], rows=[r[:3] for r in ROWS])
    result = run_diff(invoke, old, new)
    assert "level: MAJOR (items: field 'count' removed or renamed)" in result.stdout
    assert "  MAJOR items: field 'count' removed or renamed" in result.stdout
    assert " ~ " not in result.stdout  # cells of the removed column are not reported row by row


def test_a_renamed_column_is_major(old: Path, tmp_path: Path, invoke) -> None:
    fields = copy.deepcopy(FIELDS)
    fields[1]["name"] = "name"
    new = write_package(tmp_path / "new", fields=fields)
    data = json.loads(run_diff(invoke, old, new, "--json").stdout)
    assert data["level"] == "major"
    assert {c["kind"] for c in data["changes"]} == {"field-removed", "field-added"}


def test_an_added_column_is_minor(old: Path, tmp_path: Path, invoke) -> None:
    fields = [*FIELDS, {"name": "note", "type": "string", "description": "Note."}]
    new = write_package(tmp_path / "new", fields=fields, rows=[[*r, ""] for r in ROWS])
    assert json.loads(run_diff(invoke, old, new, "--json").stdout)["rule"] == "MINOR: items: field 'note' added"


def test_metadata_only_is_patch(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new", title="Demo package")
    data = json.loads(run_diff(invoke, old, new, "--json").stdout)
    assert data["rule"] == "PATCH: package title changed"


def test_resources_added_and_removed(old: Path, tmp_path: Path, invoke) -> None:
    new = write_package(tmp_path / "new")
    desc = json.loads((new / "datapackage.json").read_text())
    extra = copy.deepcopy(desc["resources"][0])
    extra["name"], extra["path"] = "more", "data/more.csv"
    desc["resources"].append(extra)
    (new / "datapackage.json").write_text(json.dumps(desc))
    (new / "data" / "more.csv").write_bytes((new / "data" / "items.csv").read_bytes())
    added = json.loads(run_diff(invoke, old, new, "--json").stdout)
    assert added["rule"] == "MINOR: resource 'more' added (3 rows)"
    assert added["tables"]["more"]["added"] == ["x1", "x2", "x3"]
    removed = json.loads(invoke("--project", tmp_path, "diff", new, old, "--json").stdout)
    assert removed["rule"] == "MAJOR: resource 'more' removed or renamed"


def field(name: str, **changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(next(f for f in FIELDS if f["name"] == name))
    for key, value in changes.items():
        if key.startswith("c_"):
            if value is None:
                result["constraints"].pop(key[2:], None)
            else:
                result["constraints"][key[2:]] = value
        else:
            result[key] = value
    return result


def levels(new_field: dict[str, Any]) -> list[str]:
    old_schema = {"fields": FIELDS, "primaryKey": ["item_id"]}
    new_schema = {"fields": [new_field if f["name"] == new_field["name"] else f for f in FIELDS],
                  "primaryKey": ["item_id"]}
    return [c.level for c in schema_changes("items", old_schema, new_schema)]


@pytest.mark.parametrize(("new_field", "expected"), [
    (field("count", type="number"), ["major"]),
    (field("kind", c_enum=["a", "b"]), ["major"]),
    (field("kind", c_enum=["a", "b", "c", "d"]), ["minor"]),
    (field("kind", c_enum=None), ["minor"]),
    (field("label", c_required=True), ["major"]),
    (field("item_id", c_required=None), ["minor"]),
    (field("label", c_pattern="^[A-Z]"), ["major"]),
    (field("count", c_minimum=1), ["major"]),
    (field("count", c_maximum=10), ["major"]),
    (field("label", c_minLength=None), ["minor"]),
    (field("label", description="The label."), ["patch"]),
])
def test_schema_change_levels(new_field: dict[str, Any], expected: list[str]) -> None:
    assert levels(new_field) == expected


def test_field_order_and_keys(old: Path) -> None:
    reordered = {"fields": [FIELDS[1], FIELDS[0], *FIELDS[2:]], "primaryKey": ["item_id"]}
    assert [c.kind for c in schema_changes("items", {"fields": FIELDS, "primaryKey": ["item_id"]}, reordered)] == [
        "field-order"]
    new_key = {"fields": FIELDS, "primaryKey": ["label"]}
    assert [c.level for c in schema_changes("items", {"fields": FIELDS, "primaryKey": ["item_id"]}, new_key)] == [
        "major"]


def test_diff_reads_archives_and_released_versions(old: Path, tmp_path: Path, invoke) -> None:
    files = {"datapackage.json": (old / "datapackage.json").read_bytes(),
             "data/items.csv": (old / "data" / "items.csv").read_bytes().replace(b"Three", b"Drei")}
    archive = tmp_path / "demo-1.0.1.zip"
    archive.write_bytes(zip_bytes("demo-1.0.1", files, (2026, 1, 1, 0, 0, 0)))
    result = run_diff(invoke, old, archive)
    assert result.exit_code == 0 and '~ x3: label: "Three" -> "Drei"' in result.stdout
    project = tmp_path / "project"
    write_package(project / "releases" / "1.0.0")
    by_version = invoke("--project", project, "diff", "1.0.0", archive)
    assert by_version.exit_code == 0 and "level: PATCH" in by_version.stdout


def test_diff_of_a_missing_package_fails(old: Path, tmp_path: Path, invoke) -> None:
    result = run_diff(invoke, old, tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "neither a package folder, an archive nor a released version" in result.stderr
