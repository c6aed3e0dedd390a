"""Built package folder -> Report: descriptor, record schemas, spans, hashes, Frictionless."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from pipeline.fs import is_safe_relative, parent_inside
from pipeline.integrity import check_tables, source_problems
from pipeline.io import read_bytes, read_csv_rows, read_json, read_text_bytes
from pipeline.problems import PipelineError, Problem, Report
from pipeline.schemas import RESOURCES, SchemaSet, table_schema

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
Row = dict[str, Any]
DESCRIPTOR = "datapackage.json"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Profiles Frictionless knows without fetching anything; any other value would make it download a profile.
_KNOWN_PROFILES = {
    "profile": {"data-package", "tabular-data-package", "data-resource", "tabular-data-resource"},
    "$schema": {f"https://datapackage.org/profiles/{version}/{name}.json" for version in ("1.0", "2.0")
                for name in ("datapackage", "dataresource", "tableschema", "tabledialect")},
}
# Codes after which Frictionless is not run: it would read outside the package, fetch, or raise.
_UNSAFE_CODES = {"descriptor-shape", "unsafe-path", "remote-reference"}


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
            raw_rows = read_csv_rows(path, f"data/{name}.csv")
        except PipelineError as error:
            problems.extend(error.problems)
            tables[name] = []
            continue
        rows = []
        for number, raw in enumerate(raw_rows, start=1):
            row: Row = {}
            if None in raw:
                problems.append(Problem("extra-cell", "the row has more cells than the header", resource=name,
                                        row=number))
            for column, prop in properties.items():
                if column not in raw:
                    problems.append(Problem("missing-column", f"column {column} is missing",
                                            resource=name, field=column))
                    return tables, problems
                if raw[column] is None:
                    problems.append(Problem("missing-cell", "the row has fewer cells than the header",
                                            resource=name, row=number, field=column))
                    row[column] = None
                    continue
                try:
                    row[column] = typed_value(raw[column], prop)
                except ValueError as exc:
                    problems.append(Problem("type-error", str(exc), resource=name, row=number, field=column))
                    row[column] = raw[column]
            extra = {column for column in raw if column is not None} - set(properties)
            if extra:
                problems.append(Problem("extra-column", f"unexpected columns {sorted(extra)}",
                                        resource=name, row=number))
            rows.append(row)
        tables[name] = rows
    return tables, problems


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _local_reference_problems(value: Any, key: str, resource: str | None) -> list[Problem]:
    """A path, schema or dialect reference: inline, or a file inside the package; never a URL."""
    if value is None or (isinstance(value, dict) and key != "path"):
        return []
    if not isinstance(value, str):
        return [Problem("descriptor-shape", f"{key} must be {'a string' if key == 'path' else 'an object or a string'}"
                        f", not {_kind(value)}", path=DESCRIPTOR, resource=resource)]
    if _URL_SCHEME.match(value):
        return [Problem("remote-reference", f"{key} {value!r} is not a file inside the package; nothing is fetched",
                        path=DESCRIPTOR, resource=resource)]
    if not is_safe_relative(value):
        return [Problem("unsafe-path", f"{key} {value!r} leaves the package", path=DESCRIPTOR, resource=resource)]
    return []


def _profile_problems(item: dict[str, Any], resource: str | None) -> list[Problem]:
    problems = []
    for key, known in _KNOWN_PROFILES.items():
        if key in item and item[key] not in known:
            problems.append(Problem("remote-reference", f"{key} {item[key]!r} is not a standard profile; profiles "
                                    "are never fetched", path=DESCRIPTOR, resource=resource))
    return problems


def descriptor_shape_problems(descriptor: Any) -> list[Problem]:
    """What must hold before anything reads the descriptor's resources: an object with a list of resource
    objects, each naming local files and standard profiles only."""
    if not isinstance(descriptor, dict):
        return [Problem("descriptor-shape", f"must be a JSON object, not {_kind(descriptor)}", path=DESCRIPTOR)]
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return [Problem("descriptor-shape", f"resources must be a list, not {_kind(resources)}", path=DESCRIPTOR)]
    problems = _profile_problems(descriptor, None)
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            problems.append(Problem("descriptor-shape", f"resources[{index}] must be an object, not "
                                    f"{_kind(resource)}", path=DESCRIPTOR))
            continue
        name = resource.get("name")
        if not isinstance(name, str):
            problems.append(Problem("descriptor-shape", f"resources[{index}].name must be a string", path=DESCRIPTOR))
            name = None
        problems += _profile_problems(resource, name)
        for key in ("path", "schema", "dialect"):
            problems += _local_reference_problems(resource.get(key), key, name)
            if isinstance(resource.get(key), dict):
                problems += _profile_problems(resource[key], name)
    return problems


def descriptor_problems(package_dir: Path, descriptor: dict[str, Any], schemas: SchemaSet) -> list[Problem]:
    """datapackage.json against the project profile: metadata, resource list, schemas, bytes and hashes."""
    problems = descriptor_shape_problems(descriptor)
    if any(problem.code == "descriptor-shape" for problem in problems):
        return problems
    where = DESCRIPTOR
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
        path = resource.get("path")
        if not isinstance(path, str) or not is_safe_relative(path) or _URL_SCHEME.match(path):
            continue  # reported by the shape check
        if not parent_inside(package_dir, path):
            problems.append(Problem("unsafe-path", f"path {path!r} leaves the package through a link", path=where,
                                    resource=name))
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

    try:
        with system.use_context(trusted=False):
            report = Package(str(package_dir / DESCRIPTOR)).validate()
    except Exception as exc:  # Frictionless raises on descriptors it cannot open; keep it a finding
        message = getattr(getattr(exc, "error", None), "message", None) or type(exc).__name__
        return [Problem("frictionless-error", f"Frictionless could not validate the package: {message}",
                        path=DESCRIPTOR)]
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
        descriptor = read_json(package_dir / DESCRIPTOR)
    except PipelineError as error:
        return Report(problems=error.problems)
    problems = descriptor_problems(package_dir, descriptor, schemas)
    unsafe = any(problem.code in _UNSAFE_CODES for problem in problems)
    tables, read_problems = read_tables(package_dir, schemas)
    problems += read_problems
    raw: dict[str, bytes] = {}
    refused: set[Any] = set()
    for row in tables.get("sources", []):
        path = row.get("path")
        if not isinstance(path, str) or not is_safe_relative(path) or not parent_inside(package_dir, path):
            continue  # the record schema reports the path
        try:
            raw[row["source_id"]] = read_text_bytes(package_dir / path, path)
        except PipelineError as error:
            if error.problems[0].code != "file-missing":
                problems += error.problems
                refused.add(row["source_id"])
    problems += [problem for problem in source_problems(tables, raw)
                 if not (problem.code == "file-missing" and _row_id(tables, problem) in refused)]
    texts = {}
    for source_id, content in raw.items():
        try:
            texts[source_id] = content.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem("text-not-utf8", "raw text is not UTF-8", resource="sources"))
    if not read_problems:
        problems += check_tables(tables, texts, schemas)
    if use_frictionless and unsafe:
        problems.append(Problem("not-validated", "Frictionless was not run: the descriptor must first be a "
                                "well-formed package of local files", path=DESCRIPTOR))
    elif use_frictionless:
        problems += frictionless_problems(package_dir)
    return Report(problems=tuple(problems))


def _row_id(tables: dict[str, list[Row]], problem: Problem) -> Any:
    return tables["sources"][problem.row - 1]["source_id"] if problem.row else None
