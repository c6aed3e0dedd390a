"""Built package folder -> Report: descriptor, record schemas, spans, hashes, Frictionless."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from pipeline.integrity import check_tables, source_problems
from pipeline.io import read_bytes, read_csv_rows, read_json
from pipeline.problems import PipelineError, Problem, Report
from pipeline.schemas import RESOURCES, SchemaSet, table_schema

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
Row = dict[str, Any]


def typed_value(text: str, prop: dict[str, Any]) -> Any:
    """A CSV cell -> the typed value its JSON Schema property describes (raises ValueError)."""
    if text == "":
        return None
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    if "integer" in types:
        return int(text)
    if "number" in types:
        value = float(text)
        return int(value) if value.is_integer() else value
    if "boolean" in types:
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    return text


def read_tables(package_dir: Path, schemas: SchemaSet) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The package's CSV files -> typed rows, plus problems for cells that do not parse."""
    tables: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for name in RESOURCES:
        properties = schemas.records[name]["properties"]
        path = package_dir / "data" / f"{name}.csv"
        try:
            raw_rows = read_csv_rows(path)
        except PipelineError as error:
            problems.extend(error.problems)
            tables[name] = []
            continue
        rows = []
        for number, raw in enumerate(raw_rows, start=1):
            row: Row = {}
            for column, prop in properties.items():
                if column not in raw:
                    problems.append(Problem("missing-column", f"column {column} is missing",
                                            resource=name, field=column))
                    return tables, problems
                try:
                    row[column] = typed_value(raw[column], prop)
                except ValueError as exc:
                    problems.append(Problem("type-error", str(exc), resource=name, row=number, field=column))
                    row[column] = raw[column]
            extra = set(raw) - set(properties)
            if extra:
                problems.append(Problem("extra-column", f"unexpected columns {sorted(extra)}",
                                        resource=name, row=number))
            rows.append(row)
        tables[name] = rows
    return tables, problems


def descriptor_problems(package_dir: Path, descriptor: dict[str, Any], schemas: SchemaSet) -> list[Problem]:
    """datapackage.json against the project profile: metadata, resource list, schemas, bytes and hashes."""
    problems = []
    where = "datapackage.json"
    for key in ("name", "title", "version", "licenses", "created", "resources"):
        if key not in descriptor:
            problems.append(Problem("descriptor", f"{key} is missing", path=where))
    if not SEMVER.match(str(descriptor.get("version", ""))):
        problems.append(Problem("descriptor", f"version {descriptor.get('version')!r} is not semver", path=where))
    declared = {r.get("name"): r for r in descriptor.get("resources", []) if r.get("type") == "table"}
    if sorted(declared) != sorted(RESOURCES):
        problems.append(Problem("descriptor", f"resources are {sorted(declared)}, expected {sorted(RESOURCES)}",
                                path=where))
    for name in RESOURCES:
        resource = declared.get(name)
        if resource is None:
            continue
        path = str(resource.get("path", ""))
        if path.startswith("/") or ".." in Path(path).parts:
            problems.append(Problem("unsafe-path", f"path {path!r} leaves the package", path=where, resource=name))
            continue
        if resource.get("schema") != table_schema(schemas.records[name]):
            problems.append(Problem("schema-drift", "Table Schema differs from schemas/records", path=where,
                                    resource=name))
        try:
            content = read_bytes(package_dir / path, path)
        except PipelineError as error:
            problems.extend(error.problems)
            continue
        if resource.get("bytes") != len(content):
            problems.append(Problem("bytes-mismatch", f"bytes is {resource.get('bytes')}, file has {len(content)}",
                                    path=where, resource=name))
        if resource.get("hash") != "sha256:" + hashlib.sha256(content).hexdigest():
            problems.append(Problem("hash-mismatch", "hash does not match the file", path=where, resource=name))
    return problems


def frictionless_problems(package_dir: Path) -> list[Problem]:
    """Frictionless' own validation of the package (types, constraints, keys, bytes, hashes)."""
    from frictionless import Package, system  # imported here: it is slow to import

    with system.use_context(trusted=False):
        report = Package(str(package_dir / "datapackage.json")).validate()
    problems = []
    for task in report.tasks:
        for error in task.errors:
            problems.append(Problem(
                "frictionless-" + error.type, error.message, resource=task.name,
                row=getattr(error, "row_number", None), field=getattr(error, "field_name", None)))
    for error in report.errors:
        problems.append(Problem("frictionless-" + error.type, error.message, path="datapackage.json"))
    return problems


def validate_package(package_dir: Path, schemas: SchemaSet, use_frictionless: bool = True) -> Report:
    """A package folder -> Report of every problem found."""
    try:
        descriptor = read_json(package_dir / "datapackage.json")
    except PipelineError as error:
        return Report(problems=error.problems)
    problems = descriptor_problems(package_dir, descriptor, schemas)
    tables, read_problems = read_tables(package_dir, schemas)
    problems += read_problems
    raw: dict[str, bytes] = {}
    for row in tables.get("sources", []):
        path = str(row.get("path", ""))
        if not Path(path).is_absolute() and ".." not in Path(path).parts and (package_dir / path).is_file():
            raw[row["source_id"]] = read_bytes(package_dir / path, path)
    problems += source_problems(tables, raw)
    texts = {}
    for source_id, content in raw.items():
        try:
            texts[source_id] = content.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem("text-not-utf8", "raw text is not UTF-8", resource="sources"))
    if not read_problems:
        problems += check_tables(tables, texts, schemas)
    if use_frictionless:
        problems += frictionless_problems(package_dir)
    return Report(problems=tuple(problems))
