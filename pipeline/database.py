"""Release descriptor + typed tables -> one SQLite database (sqlite-utils: primary and foreign keys, column
descriptions and the licence in the file) and the datasette metadata.json that describes it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pipeline.descriptor import table_resources
from pipeline.io import read_bytes
from pipeline.problems import PipelineError, Problem

Row = dict[str, Any]

FOLDER = "sqlite"
COLUMNS_TABLE = "_columns"
PACKAGE_TABLE = "_package"
_SQL_TYPES = {"string": str, "date": str, "integer": int, "number": float, "boolean": int}
# Columns datasette shows in place of a foreign key's id, in order of preference.
_LABEL_COLUMNS = ("label", "title", "name", "quote")
# A foreign key column is offered as a facet when the table it points to is at most this long.
_FACET_REFERENCE_ROWS = 200


def database_name(descriptor: dict[str, Any]) -> str:
    return descriptor["name"]


def database_path(descriptor: dict[str, Any]) -> str:
    return f"{FOLDER}/{database_name(descriptor)}.db"


def _fields(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return resource["schema"]["fields"]


def _foreign_keys(resource: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A resource's Table Schema foreign keys -> (column, other table, other column)."""
    keys = []
    for key in resource["schema"].get("foreignKeys", []):
        fields, reference = key["fields"], key["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        others = reference["fields"]
        others = [others] if isinstance(others, str) else others
        if len(fields) != 1 or len(others) != 1:
            raise PipelineError([Problem("sqlite-key", "only single-column foreign keys go into SQLite",
                                         resource=resource["name"], field=",".join(fields))])
        keys.append((fields[0], reference["resource"] or resource["name"], others[0]))
    return keys


def creation_order(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table resources with every referenced table before the tables that point to it (descriptor order
    otherwise); a cycle of references is refused."""
    by_name = {r["name"]: r for r in resources}
    ordered: list[dict[str, Any]] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(r["name"] == name for r in ordered):
            return
        if name in visiting:
            raise PipelineError([Problem("sqlite-key", "foreign keys form a cycle", resource=name)])
        visiting.add(name)
        for _column, other, _ in _foreign_keys(by_name[name]):
            if other != name and other in by_name:
                visit(other)
        visiting.discard(name)
        ordered.append(by_name[name])

    for resource in resources:
        visit(resource["name"])
    return ordered


def _cell(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def _licence(descriptor: dict[str, Any]) -> dict[str, Any]:
    licences = descriptor.get("licenses") or [{}]
    return licences[0]


def database_bytes(descriptor: dict[str, Any], tables: dict[str, list[Row]]) -> bytes:
    """Every table resource of the descriptor -> the bytes of an SQLite file: one table per resource with its
    primary key, foreign keys and NOT NULL columns, rows in primary-key order; `_columns` holds each column's
    description and `_package` the package's name, version, licence and homepage."""
    import sqlite_utils  # imported here: only releases need it

    resources = creation_order(table_resources(descriptor))
    with tempfile.TemporaryDirectory(prefix="ketamine-evidence-db-") as folder:
        path = Path(folder) / "package.db"
        db = sqlite_utils.Database(path)
        for resource in resources:
            name = resource["name"]
            fields = _fields(resource)
            key = resource["schema"].get("primaryKey") or []
            db[name].create(
                {f["name"]: _SQL_TYPES.get(f["type"], str) for f in fields},
                pk=key[0] if len(key) == 1 else tuple(key),
                not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
                foreign_keys=_foreign_keys(resource))
            columns = [f["name"] for f in fields]
            db[name].insert_all(({c: _cell(row.get(c)) for c in columns} for row in tables.get(name, [])),
                                batch_size=500)
        db[COLUMNS_TABLE].insert_all(
            ({"table_name": r["name"], "column_name": f["name"], "type": f["type"],
              "required": int(bool(f.get("constraints", {}).get("required"))), "description": f.get("description")}
             for r in resources for f in _fields(r)), pk=("table_name", "column_name"))
        licence = _licence(descriptor)
        facts = {"name": descriptor.get("name"), "title": descriptor.get("title"), "version": descriptor.get("version"),
                 "created": descriptor.get("created"), "homepage": descriptor.get("homepage"),
                 "licence": licence.get("name"), "licence_title": licence.get("title"),
                 "licence_url": licence.get("path"), "description": descriptor.get("description")}
        db[PACKAGE_TABLE].insert_all(({"key": k, "value": v} for k, v in facts.items()), pk="key")
        db.execute("PRAGMA foreign_keys = ON")
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise PipelineError([Problem("sqlite-foreign-key", f"row {rowid} points to no row of {parent}",
                                         resource=table) for table, rowid, parent, _ in problems[:20]])
        db.vacuum()
        db.close()
        return read_bytes(path)


def _label_column(resource: dict[str, Any]) -> str | None:
    names = [f["name"] for f in _fields(resource)]
    return next((c for c in _LABEL_COLUMNS if c in names), None)


def _facets(resource: dict[str, Any], rows_of: dict[str, int]) -> list[str]:
    """Columns worth counting by value: fields with an enum, and foreign keys into short tables."""
    short = {name for name, rows in rows_of.items() if rows <= _FACET_REFERENCE_ROWS} - {resource["name"]}
    referenced = {column for column, other, _ in _foreign_keys(resource) if other in short}
    return [f["name"] for f in _fields(resource)
            if "enum" in f.get("constraints", {}) or f["name"] in referenced]


def datasette_metadata(descriptor: dict[str, Any], tables: dict[str, list[Row]]) -> dict[str, Any]:
    """The descriptor -> datasette's metadata.json: title, description, licence, source, and per table its
    title, description, column descriptions, facets and the column that labels its rows in foreign keys."""
    licence = _licence(descriptor)
    rows_of = {name: len(rows) for name, rows in tables.items()}
    homepage = descriptor.get("homepage")
    shown: dict[str, Any] = {}
    for resource in table_resources(descriptor):
        entry: dict[str, Any] = {"title": resource.get("title", resource["name"]),
                                 "description": resource.get("description", ""),
                                 "columns": {f["name"]: f.get("description", "") for f in _fields(resource)}}
        facets = _facets(resource, rows_of)
        if facets:
            entry["facets"] = facets
        label = _label_column(resource)
        if label:
            entry["label_column"] = label
        shown[resource["name"]] = entry
    shown[COLUMNS_TABLE] = {"title": "Column descriptions", "hidden": True,
                            "description": "The description, type and requiredness of every column."}
    shown[PACKAGE_TABLE] = {"title": "Package metadata", "hidden": True,
                            "description": "Name, version, licence and homepage of the package."}
    metadata: dict[str, Any] = {
        "title": f"{descriptor['title']} ({descriptor['version']})", "description": descriptor.get("description", ""),
        "license": licence.get("name", ""), "license_url": licence.get("path", ""),
        "source": "Raw texts of web pages, labels and trial records; see the sources table and each text's licence",
    }
    if homepage:
        metadata["source_url"] = homepage
    metadata["databases"] = {database_name(descriptor): {
        "title": descriptor["title"], "description": descriptor.get("description", ""), "tables": shown}}
    return metadata


def database_problems(content: bytes, tables: dict[str, list[Row]], shown: str) -> list[Problem]:
    """An SQLite file + the typed tables it restates -> problems: unreadable, a table missing or with another
    row count, or a foreign key that resolves to no row."""
    import sqlite3

    import sqlite_utils

    with tempfile.TemporaryDirectory(prefix="ketamine-evidence-db-") as folder:
        path = Path(folder) / "check.db"
        path.write_bytes(content)
        db = sqlite_utils.Database(path)
        try:
            present = set(db.table_names())
            problems = []
            for name, rows in tables.items():
                if name not in present:
                    problems.append(Problem("sqlite-table", "table missing from the database", path=shown,
                                            resource=name))
                elif db[name].count != len(rows):
                    problems.append(Problem("sqlite-rows", f"{db[name].count} rows, the CSV has {len(rows)}",
                                            path=shown, resource=name))
            problems += [Problem("sqlite-foreign-key", f"row {rowid} points to no row of {parent}", path=shown,
                                 resource=table)
                         for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall()]
            return problems
        except sqlite3.DatabaseError as exc:
            return [Problem("sqlite-unreadable", f"not a readable SQLite database: {exc}", path=shown)]
        finally:
            db.close()
