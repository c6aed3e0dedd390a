"""Built package folder -> Report: descriptor, record schemas, spans, hashes, Frictionless."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.fs import is_safe_relative, parent_inside
from pipeline.integrity import TableChecks, reading_order, source_problems
from pipeline.io import iter_csv_rows, read_bytes, read_json, read_text_bytes
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


def typed_rows(package_dir: Path, schemas: SchemaSet, name: str, problems: list[Problem]) -> Iterator[Row]:
    """One table's CSV file -> its typed rows, read one at a time; problems for cells that do not parse (and
    for a file that cannot be read) are added to `problems` as the rows are read. A table that lacks a column
    yields no rows."""
    properties = schemas.records[name]["properties"]
    try:
        for number, raw in enumerate(iter_csv_rows(package_dir / "data" / f"{name}.csv", f"data/{name}.csv"),
                                     start=1):
            row = _typed_row(raw, properties, name, number, problems)
            if row is None:
                return
            yield row
    except PipelineError as error:
        problems.extend(error.problems)


def _typed_row(raw: dict[Any, Any], properties: dict[str, Any], name: str, number: int,
               problems: list[Problem]) -> Row | None:
    row: Row = {}
    if None in raw:
        problems.append(Problem("extra-cell", "the row has more cells than the header", resource=name, row=number))
    for column, prop in properties.items():
        if column not in raw:
            problems.append(Problem("missing-column", f"column {column} is missing", resource=name, field=column))
            return None
        if raw[column] is None:
            problems.append(Problem("missing-cell", "the row has fewer cells than the header", resource=name,
                                    row=number, field=column))
            row[column] = None
            continue
        try:
            row[column] = typed_value(raw[column], prop)
        except ValueError as exc:
            problems.append(Problem("type-error", str(exc), resource=name, row=number, field=column))
            row[column] = raw[column]
    extra = {column for column in raw if column is not None} - set(properties)
    if extra:
        problems.append(Problem("extra-column", f"unexpected columns {sorted(extra)}", resource=name, row=number))
    return row


def read_tables(package_dir: Path, schemas: SchemaSet) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The package's CSV files -> typed rows, plus problems for cells that do not parse."""
    problems: list[Problem] = []
    tables = {name: list(typed_rows(package_dir, schemas, name, problems)) for name in RESOURCES}
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
    """A package folder -> Report of every problem found. The tables are read a row at a time and the raw texts
    one at a time, so memory does not grow with the rows of the package."""
    try:
        descriptor = read_json(package_dir / DESCRIPTOR)
    except PipelineError as error:
        return Report(problems=error.problems)
    problems = descriptor_problems(package_dir, descriptor, schemas)
    unsafe = any(problem.code in _UNSAFE_CODES for problem in problems)
    read_problems: list[Problem] = []
    sources = list(typed_rows(package_dir, schemas, "sources", read_problems))
    file_problems, readable = _source_file_problems(package_dir, sources)
    checks = TableChecks(schemas, _text_reader(package_dir, readable))
    for name in reading_order(schemas):
        checks.read(name, sources if name == "sources" else typed_rows(package_dir, schemas, name, read_problems))
    problems += read_problems + file_problems
    if not read_problems:
        problems += checks.problems()
    if use_frictionless and unsafe:
        problems.append(Problem("not-validated", "Frictionless was not run: the descriptor must first be a "
                                "well-formed package of local files", path=DESCRIPTOR))
    elif use_frictionless:
        problems += frictionless_problems(package_dir)
    return Report(problems=tuple(problems))


def _source_file_problems(package_dir: Path, sources: list[Row]) -> tuple[list[Problem], dict[str, str]]:
    """Each sources row against its raw text file (found, sha256, length, UTF-8) -> problems, and the paths of
    the texts that can be read for the span checks. Each file is read and let go in turn."""
    refused: list[Problem] = []
    mismatched: list[Problem] = []
    undecodable: list[Problem] = []
    readable: dict[str, str] = {}
    for number, row in enumerate(sources, start=1):
        path = row.get("path")
        content = None
        if isinstance(path, str) and is_safe_relative(path) and parent_inside(package_dir, path):
            try:
                content = read_text_bytes(package_dir / path, path)
            except PipelineError as error:
                if error.problems[0].code != "file-missing":
                    refused += error.problems
                    continue
        mismatched += source_problems(number, row, content)
        if content is None:
            continue
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            undecodable.append(Problem("text-not-utf8", "raw text is not UTF-8", resource="sources"))
            continue
        readable[row["source_id"]] = path
    return refused + mismatched + undecodable, readable


def _text_reader(package_dir: Path, paths: dict[str, str]) -> Callable[[str], str | None]:
    """source_id -> its raw text, read when first asked for; the last few are kept (rows come grouped by source)."""
    @functools.lru_cache(maxsize=4)
    def text_of(source_id: str) -> str | None:
        path = paths.get(source_id)
        if path is None:
            return None
        try:
            return read_text_bytes(package_dir / path, path).decode("utf-8")
        except (PipelineError, UnicodeDecodeError):  # changed since it was checked above: reported there
            return None
    return text_of
