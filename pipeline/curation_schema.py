"""The table registry -> the JSON Schema of curation files (schemas/curation.schema.json), so that every field a
reviewer may set follows the tables as they are."""

from __future__ import annotations

from typing import Any

from pipeline.tables import TABLES, Table, nested

ANY_VALUE = {"type": ["string", "number", "boolean", "null"]}
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
TRIMMED = "^\\S([\\s\\S]*\\S)?$"


def _fields(names: tuple[str, ...], table: Table) -> dict[str, Any]:
    """Scalar labels take any value here (the record schema checks it when the build applies the entry); a
    nested label is a list of located child records."""
    children = nested(table.name)
    properties: dict[str, Any] = {}
    for name in names:
        if name in children:
            properties[name] = {"type": "array", "items": {"$ref": f"#/$defs/{children[name].name}"},
                                "description": f"Replaces the row's {name}; each quote is found inside its span."}
        else:
            properties[name] = ANY_VALUE
    return properties


def _child(table: Table) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": ["quote", *table.required],
            "properties": {"quote": {"$ref": "#/$defs/quote"}, "occurrence": {"$ref": "#/$defs/occurrence"},
                           **_fields(table.labels, table)}}


def _case(table: Table) -> dict[str, Any]:
    scalars = tuple(name for name in table.labels if name not in nested(table.name))
    return {
        "if": {"properties": {"table": {"const": table.name}}, "required": ["table"]},
        "then": {"properties": {
            "set": {"type": "object", "additionalProperties": False, "minProperties": 1,
                    "properties": _fields(table.labels, table)},
            "where": {"type": "object", "additionalProperties": False, "minProperties": 1,
                      "properties": _fields(scalars, table)}}}}


def curation_schema() -> dict[str, Any]:
    """The schema of data/curation/*.yaml, made from the tables a reviewer may correct."""
    corrected = [t for t in TABLES if t.top_level and t.labels]
    children = [t for t in TABLES if t.nested]
    correction = {
        "type": "object", "additionalProperties": False,
        "required": ["action", "table", "source_id", "quote", "reason"],
        "properties": {
            "action": {"description": "reject: drop an extracted row; add: create a missed row; relabel: change "
                                      "fields of a row.", "enum": ["reject", "add", "relabel"]},
            "table": {"enum": [t.name for t in corrected]},
            "source_id": {"type": "string", "pattern": SLUG},
            "quote": {"$ref": "#/$defs/quote"},
            "occurrence": {"$ref": "#/$defs/occurrence"},
            "where": {"type": "object", "description": "reject/relabel only: field values the row must have (picks "
                                                      "one row and guards against silent drift)."},
            "set": {"type": "object", "description": "add: every field of the new row; relabel: the new values."},
            "reason": {"description": "Why the correction is right, for the reviewer of the pull request.",
                       "type": "string", "minLength": 3, "pattern": TRIMMED}},
        "allOf": [_case(t) for t in corrected]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "curation.schema.json",
        "title": "curation file",
        "description": "Reviewed corrections of extracted rows: reject, add or relabel, each with a reason. Field "
                       "values of `set` and `where` are checked against schemas/records/ when the build applies "
                       "them; see data/curation/README.md. Generated from pipeline/tables.py by "
                       "`ketamine-evidence docs`.",
        "type": "object", "additionalProperties": False, "required": ["corrections"],
        "properties": {"corrections": {"type": "array", "items": {"$ref": "#/$defs/correction"}}},
        "$defs": {
            "quote": {"description": "The exact characters of the raw text, starting and ending on a non-space "
                                     "character.", "type": "string", "minLength": 1, "pattern": TRIMMED},
            "occurrence": {"description": "1-based index of the quote among its occurrences; required when the "
                                          "quote occurs more than once.", "type": "integer", "minimum": 1},
            **{t.name: _child(t) for t in children},
            "correction": correction}}
