"""JSON Schemas of schemas/ -> validators and the derived Frictionless Table Schemas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from pipeline.io import read_json
from pipeline.tables import RESOURCES

_TABLE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


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


def _fast_check(schema: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    # the record schemas use keywords every draft shares; the compiled check runs them without the draft tag
    body = {key: value for key, value in schema.items() if key not in ("$schema", "$id", "tableSchema")}
    compiled = fastjsonschema.compile(body)

    def accepted(row: dict[str, Any]) -> bool:
        try:
            compiled(row)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return accepted


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def load_schemas(schema_dir: Path) -> SchemaSet:
    """schemas/ folder -> SchemaSet (input schemas at the top, record schemas in records/)."""
    inputs = {
        path.name.removesuffix(".schema.json"): read_json(path)
        for path in sorted(schema_dir.glob("*.schema.json"))
    }
    records = {name: read_json(schema_dir / "records" / f"{name}.schema.json") for name in RESOURCES}
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
