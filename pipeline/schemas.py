"""JSON Schemas of schemas/ -> validators and the derived Frictionless Table Schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from pipeline.io import read_json

RESOURCES = (
    "sources",
    "claims",
    "quantities",
    "schedules",
    "schedule_phases",
    "side_effects",
    "contraindications",
    "terms",
)

_TABLE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


@dataclass(frozen=True)
class SchemaSet:
    """The project's JSON Schemas: inputs by kind, output records by resource."""

    inputs: dict[str, dict[str, Any]]
    records: dict[str, dict[str, Any]]

    def input_validator(self, kind: str) -> jsonschema.Draft202012Validator:
        return _validator(self.inputs[kind])

    def record_validator(self, resource: str) -> jsonschema.Draft202012Validator:
        return _validator(self.records[resource])

    def columns(self, resource: str) -> list[str]:
        return list(self.records[resource]["properties"])

    def primary_key(self, resource: str) -> str:
        return self.records[resource]["tableSchema"]["primaryKey"]


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
