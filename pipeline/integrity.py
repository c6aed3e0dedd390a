"""Typed table rows + raw texts -> problems: record schemas, spans, keys and references."""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.problems import Problem
from pipeline.schemas import SchemaSet
from pipeline.tables import RESOURCES, TABLES

Row = dict[str, Any]



def _record_problems(tables: dict[str, list[Row]], schemas: SchemaSet, names: tuple[str, ...]) -> list[Problem]:
    problems = []
    for name in names:
        accepted = schemas.row_accepted(name)
        for number, row in enumerate(tables.get(name, []), start=1):
            if accepted(row):
                continue
            for error in schemas.record_validator(name).iter_errors(row):
                field = error.path[0] if error.path else None
                problems.append(Problem("record-schema", error.message, resource=name,
                                        row=number, field=field))
    return problems


def _key_problems(tables: dict[str, list[Row]], schemas: SchemaSet, known_terms: set[str] | None,
                  names: tuple[str, ...]) -> list[Problem]:
    problems = []
    keys = {name: {row[schemas.primary_key(name)] for row in tables.get(name, [])} for name in RESOURCES}
    if known_terms is not None and not tables.get("terms"):
        keys["terms"] = known_terms
    for name in names:
        key = schemas.primary_key(name)
        seen: set[Any] = set()
        for number, row in enumerate(tables.get(name, []), start=1):
            if row[key] in seen:
                problems.append(Problem("duplicate-id", f"{row[key]!r} appears more than once",
                                        resource=name, row=number, field=key))
            seen.add(row[key])
        for fk in schemas.records[name]["tableSchema"]["foreignKeys"]:
            column, target = fk["fields"], fk["reference"]["resource"]
            for number, row in enumerate(tables.get(name, []), start=1):
                if row.get(column) is not None and row[column] not in keys[target]:
                    problems.append(Problem(
                        "foreign-key", f"{row[column]!r} is not a {fk['reference']['fields']} of {target}",
                        resource=name, row=number, field=column))
        ordered = [row[key] for row in tables.get(name, [])]
        try:
            in_order = ordered == sorted(ordered)
        except TypeError:  # empty or mistyped keys (reported by the record schema) cannot be ordered
            in_order = False
        if not in_order:
            problems.append(Problem("row-order", f"rows are not sorted by {key}", resource=name))
    return problems


def _span_problems(tables: dict[str, list[Row]], texts: dict[str, str], schemas: SchemaSet,
                   names: tuple[str, ...]) -> list[Problem]:
    problems = []
    keys = {name: schemas.primary_key(name) for name in RESOURCES}
    index = {t.name: {row[keys[t.name]]: row for row in tables.get(t.name, [])}
             for t in TABLES if any(c.parent == t.name for c in TABLES)}
    for table in (t for t in TABLES if (t.extracted or t.spans) and t.name in names):
        name = table.name
        parent = (table.parent, keys[table.parent]) if table.parent else None
        for number, row in enumerate(tables.get(name, []), start=1):
            parent_row = index[parent[0]].get(row[parent[1]]) if parent else None
            source_id = row.get("source_id") or (parent_row or {}).get("source_id")
            text = texts.get(source_id)
            if text is None:
                continue
            start, end, quote = row["start"], row["end"], row["quote"]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                problems.append(Problem("span-range", f"span {start}-{end} is outside the text",
                                        resource=name, row=number, field="start"))
                continue
            if text[start:end] != quote:
                problems.append(Problem(
                    "quote-mismatch", f"raw text at {start}-{end} is {text[start:end][:60]!r}, not the quote",
                    resource=name, row=number, field="quote"))
            elif quote != quote.strip():
                problems.append(Problem("span-untrimmed", "span starts or ends on whitespace",
                                        resource=name, row=number, field="start"))
            parent_start, parent_end = (parent_row or {}).get("start"), (parent_row or {}).get("end")
            if table.inside_parent and isinstance(parent_start, int) and isinstance(parent_end, int) and not (
                    parent_start <= start and end <= parent_end):
                problems.append(Problem(
                    "span-outside-parent", f"span lies outside its {parent[0]} row {row[parent[1]]}",
                    resource=name, row=number, field="start"))
    return problems


def source_problems(tables: dict[str, list[Row]], raw: dict[str, bytes]) -> list[Problem]:
    """Each sources row against the bytes of its raw text: sha256 and length."""
    problems = []
    for number, row in enumerate(tables.get("sources", []), start=1):
        content = raw.get(row["source_id"])
        if content is None:
            problems.append(Problem("file-missing", f"raw text {row['path']} is missing",
                                    resource="sources", row=number, field="path"))
            continue
        if hashlib.sha256(content).hexdigest() != row["sha256"]:
            problems.append(Problem("hash-mismatch", f"sha256 of {row['path']} does not match",
                                    resource="sources", row=number, field="sha256"))
        elif len(content.decode("utf-8", errors="replace")) != row["characters"]:
            problems.append(Problem("length-mismatch", f"{row['path']} does not have {row['characters']} characters",
                                    resource="sources", row=number, field="characters"))
    return problems


def check_tables(tables: dict[str, list[Row]], texts: dict[str, str], schemas: SchemaSet,
                 known_terms: set[str] | None = None, resources: tuple[str, ...] = RESOURCES) -> list[Problem]:
    """All row-level checks that need no files: record schemas, keys, references, spans. Given known_terms,
    references to the terms table are checked against them when the tables hold no terms rows. `resources`
    limits the checks to some tables (their references are still resolved against every table given)."""
    return (_record_problems(tables, schemas, resources) + _key_problems(tables, schemas, known_terms, resources)
            + _span_problems(tables, texts, schemas, resources))
