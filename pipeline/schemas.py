"""JSON Schemas of schemas/ -> validators and the derived Frictionless Table Schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import referencing

from pipeline.io import list_files, read_json
from pipeline.problems import PipelineError, Problem
from pipeline.tables import RESOURCES

_TABLE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_TYPE_NAMES = [*_TABLE_TYPES, "null"]
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
# Keywords of JSON Schema 2020-12 that the compiled fast check (drafts 4 to 7) does not know: an input schema
# that uses one is always read by the full validator, never accepted by the fast check alone.
_LATER_KEYWORDS = frozenset({"prefixItems", "dependentRequired", "dependentSchemas", "unevaluatedProperties",
                             "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$anchor", "minContains",
                             "maxContains", "$recursiveRef"})
# What the code reads of a record schema (a release ships its own: they are checked before use).
_RECORD_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["properties", "tableSchema"],
    "properties": {
        "properties": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["type", "description"],
            "properties": {
                "type": {"anyOf": [{"enum": list(_TABLE_TYPES)},
                                   {"type": "array", "minItems": 1, "items": {"enum": _TYPE_NAMES},
                                    "contains": {"enum": list(_TABLE_TYPES)}}]},
                "description": {"type": "string"}, "enum": {"type": "array"}, "pattern": {"type": "string"},
                "format": {"type": "string"}, "minLength": {"type": "integer"}, "minimum": {"type": "number"}}}},
        "required": {"type": "array", "items": {"type": "string"}},
        "tableSchema": {"type": "object", "required": ["primaryKey", "foreignKeys"], "properties": {
            "primaryKey": {"type": "string"},
            "foreignKeys": {"type": "array", "items": {
                "type": "object", "required": ["fields", "reference"], "properties": {
                    "fields": {"type": "string"},
                    "reference": {"type": "object", "required": ["resource", "fields"], "properties": {
                        "resource": {"enum": list(RESOURCES)}, "fields": {"type": "string"}}}}}}}},
    },
}


@dataclass(frozen=True)
class SchemaSet:
    """The project's JSON Schemas: inputs by kind, output records by resource."""

    inputs: dict[str, dict[str, Any]]
    records: dict[str, dict[str, Any]]
    _compiled: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # compiled validators stay behind: a worker process compiles its own
        return SchemaSet, (self.inputs, self.records)

    def input_validator(self, kind: str) -> jsonschema.Draft202012Validator:
        return self._memo(("input", kind), lambda: _validator(self.inputs[kind]))

    def record_validator(self, resource: str) -> jsonschema.Draft202012Validator:
        return self._memo(("record", resource), lambda: _validator(self.records[resource]))

    def input_accepted(self, kind: str) -> Callable[[Any], bool] | None:
        """A fast check of an input file's data against its schema (compiled once), or None when the schema uses a
        keyword or a pattern the fast check cannot compile. Data it refuses is read again by `input_validator`."""
        return self._memo(("fast-input", kind), lambda: _optional_fast_check(self.inputs[kind]))

    def input_check_compiled(self, kind: str) -> bool:
        """Whether the fast check of an input kind has been compiled already (so using it again costs nothing)."""
        return ("fast-input", kind) in self._compiled

    def row_accepted(self, resource: str) -> Callable[[dict[str, Any]], bool]:
        """A fast check of one row against its record schema (compiled once): True when it is valid. A row it
        refuses is read again by `record_validator` for the full list of errors."""
        return self._memo(("fast", resource), lambda: _fast_check(self.records[resource]))

    def _memo(self, key: tuple[str, str], make: Callable[[], Any]) -> Any:
        if key not in self._compiled:
            self._compiled[key] = make()
        return self._compiled[key]

    def columns(self, resource: str) -> list[str]:
        return list(self.records[resource]["properties"])

    def primary_key(self, resource: str) -> str:
        return self.records[resource]["tableSchema"]["primaryKey"]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _is_date(value: str) -> bool:
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# the formats the schemas name, checked as the full validator's format checker checks them
_FORMATS: dict[str, Callable[[str], bool]] = {"date": _is_date, "email": lambda value: "@" in value}


def _uses_later_keywords(schema: Any) -> bool:
    pending = [schema]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if _LATER_KEYWORDS & value.keys():
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _optional_fast_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    if _uses_later_keywords(schema):
        return None
    try:
        return _fast_check(schema)
    except (fastjsonschema.JsonSchemaDefinitionException, re.error):
        return None


def _fast_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    # the schemas use keywords every draft shares; the compiled check runs them without the draft tag
    body = {key: value for key, value in schema.items() if key not in ("$schema", "$id", "tableSchema")}
    compiled = fastjsonschema.compile(body, formats=_FORMATS)

    def accepted(row: Any) -> bool:
        try:
            compiled(row)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return accepted


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # An empty registry: a $ref to anything outside the schema itself is an error, never a download.
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER, registry=referencing.Registry()
    )


def remote_references(schema: Any) -> list[str]:
    """The $ref values of a JSON Schema that point outside it (anything but '#...'), found without recursion."""
    found, pending = [], [schema]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _REFERENCE_KEYS and not (isinstance(item, str) and item.startswith("#")):
                    found.append(str(item))
                else:
                    pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)
    return sorted(found)


def schema_problems(schema: Any, display: str) -> list[Problem]:
    """A JSON Schema that could not be used safely -> problems: not a valid schema, or referring outside itself."""
    if not isinstance(schema, dict):
        return [Problem("schema-invalid", "a JSON Schema must be an object", path=display)]
    remote = remote_references(schema)
    if remote:
        return [Problem("schema-remote-ref", f"refers to {remote[0]!r} outside the schema; schemas are never "
                        "fetched", path=display)]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [Problem("schema-invalid", f"not a valid JSON Schema: {exc.message}", path=display)]
    return []


def _record_problems(name: str, schema: Any, display: str) -> list[Problem]:
    problems = schema_problems(schema, display)
    if problems:
        return problems
    shape = [f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
             for e in jsonschema.Draft202012Validator(_RECORD_SHAPE).iter_errors(schema)]
    if not shape:
        table, columns = schema["tableSchema"], schema["properties"]
        keys = [table["primaryKey"], *(fk["fields"] for fk in table["foreignKeys"])]
        shape = [f"tableSchema names {key!r}, which is not a property" for key in keys if key not in columns]
    return [Problem("schema-shape", f"not a record schema of {name}: {message}", path=display)
            for message in shape[:5]]


def load_schemas(schema_dir: Path, foreign: bool = False) -> SchemaSet:
    """schemas/ folder -> SchemaSet (input schemas at the top, record schemas in records/). No schema may refer
    outside itself; foreign schemas (those a release ships) are also checked to be valid record schemas."""
    problems: list[Problem] = []
    inputs = {}
    for path in list_files(schema_dir, "*.schema.json"):
        display = f"schemas/{path.name}"
        inputs[path.name.removesuffix(".schema.json")] = schema = read_json(path, display)
        remote = remote_references(schema)
        if remote:
            problems.append(Problem("schema-remote-ref", f"refers to {remote[0]!r} outside the schema; schemas are "
                                    "never fetched", path=display))
    records = {}
    for name in RESOURCES:
        display = f"schemas/records/{name}.schema.json"
        records[name] = schema = read_json(schema_dir / "records" / f"{name}.schema.json", display)
        if foreign:
            problems += _record_problems(name, schema, display)
        elif remote_references(schema):
            problems += schema_problems(schema, display)
    if problems:
        raise PipelineError(problems)
    return SchemaSet(inputs=inputs, records=records)


def table_schema(record_schema: dict[str, Any]) -> dict[str, Any]:
    """A record JSON Schema -> the equivalent Frictionless Table Schema."""
    required = set(record_schema.get("required", []))
    fields = []
    for name, prop in record_schema["properties"].items():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        base = next(t for t in types if t != "null")
        field: dict[str, Any] = {"name": name, "type": _TABLE_TYPES[base]}
        if prop.get("format") == "date":
            field["type"] = "date"
        field["description"] = prop["description"]
        constraints: dict[str, Any] = {}
        if name in required:
            constraints["required"] = True
        if name == record_schema["tableSchema"]["primaryKey"]:
            constraints["unique"] = True
        if "enum" in prop:
            constraints["enum"] = [v for v in prop["enum"] if v is not None]
        # A pattern on a nullable field stays in the record schema only: Frictionless' SQL publishing
        # checks it with a REGEXP function that fails on NULL.
        if "pattern" in prop and field["type"] == "string" and "null" not in types:
            constraints["pattern"] = prop["pattern"]
        if "minLength" in prop:
            constraints["minLength"] = prop["minLength"]
        if "minimum" in prop:
            constraints["minimum"] = prop["minimum"]
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    table = record_schema["tableSchema"]
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": [table["primaryKey"]]}
    if table["foreignKeys"]:
        schema["foreignKeys"] = [
            {"fields": [fk["fields"]], "reference": {"resource": fk["reference"]["resource"],
                                                     "fields": [fk["reference"]["fields"]]}}
            for fk in table["foreignKeys"]
        ]
    return schema
