"""Documents + extractions + vocabulary -> typed table rows, CSV bytes and the descriptor (pipeline/descriptor.py)."""

from __future__ import annotations

import itertools
from typing import Any

from pipeline.descriptor import descriptor
from pipeline.io import csv_bytes, csv_lines, json_bytes
from pipeline.problems import PipelineError, Problem
from pipeline.records import Document, Extraction, Vocabulary
from pipeline.schemas import SchemaSet
from pipeline.tables import RESOURCES, TABLES, Table, nested

Row = dict[str, Any]


def make_id(source_id: str, code: str, start: int, end: int, term: str | None = None) -> str:
    """A stable row id from the source and the span (zero-padded so ids sort in text order);
    rows that name a term add it, since one span ("these symptoms") may stand for several."""
    span_id = f"{source_id}:{code}:{start:06d}-{end:06d}"
    return f"{span_id}:{term}" if term else span_id


def _source_row(document: Document) -> Row:
    s = document.source
    return {"source_id": s.source_id, "title": s.title, "publisher": s.publisher, "url": s.url, "kind": s.kind,
            "role": s.role, "authority": s.authority, "published": s.published, "retrieved": s.retrieved,
            "language": s.language, "licence": s.licence, "attribution": s.attribution, "path": s.path,
            "sha256": s.sha256, "characters": s.characters}


def term_row(term: Any) -> Row:
    return {"term_id": term.term_id, "label": term.label, "kind": term.kind, "synonyms": " | ".join(term.synonyms),
            "hpo_id": term.hpo_id, "hpo_label": term.hpo_label, "hpo_predicate": term.hpo_predicate, "note": term.note}


def _record_rows(table: Table, records: tuple[Any, ...], source_id: str, schemas: SchemaSet,
                 parent: tuple[str, str, str] | None = None) -> dict[str, list[Row]]:
    """Records of one table (and, recursively, the records they hold) -> rows of every table concerned.

    Columns are the record schema's: the key is made from the source and the span, `source_id` and the
    parent's key are filled in, `sequence` counts the record's place in its parent, `origin` of a held
    record is its parent's; every other column is the record field of the same name."""
    result: dict[str, list[Row]] = {table.name: []}
    key = schemas.primary_key(table.name)
    for sequence, record in enumerate(records, start=1):
        term = getattr(record, table.id_term) if table.id_term else None
        row_id = make_id(source_id, table.id_code or "", record.start, record.end, term)
        row: Row = {}
        for column in schemas.columns(table.name):
            if column == key:
                row[column] = row_id
            elif column == "source_id":
                row[column] = source_id
            elif parent is not None and column == parent[1]:
                row[column] = parent[0]
            elif column == "sequence":
                row[column] = sequence
            elif column == "origin" and parent is not None:
                row[column] = parent[2]
            else:
                row[column] = getattr(record, column)
        result[table.name].append(row)
        for field_name, child in nested(table.name).items():
            fk = schemas.primary_key(table.name)
            for name, rows in _record_rows(child, getattr(record, field_name), source_id, schemas,
                                           (row_id, fk, record.origin)).items():
                result.setdefault(name, []).extend(rows)
    return result


def document_rows(document: Document, extraction: Extraction, schemas: SchemaSet) -> dict[str, list[Row]]:
    """One document and what was extracted from it -> its rows of every table (unsorted)."""
    tables: dict[str, list[Row]] = {"sources": [_source_row(document)]}
    for table in TABLES:
        if not table.top_level:
            continue
        for name, rows in _record_rows(table, getattr(extraction, table.name), document.source.source_id,
                                       schemas).items():
            tables.setdefault(name, []).extend(rows)
    return tables


def build_rows(documents: tuple[Document, ...], extractions: dict[str, Extraction],
               vocabulary: Vocabulary, schemas: SchemaSet) -> dict[str, list[Row]]:
    """Records -> rows of every resource, keyed by column name."""
    tables: dict[str, list[Row]] = {name: [] for name in RESOURCES}
    for document in documents:
        for name, rows in document_rows(document, extractions[document.source.source_id], schemas).items():
            tables[name].extend(rows)
    tables["terms"] = [term_row(term) for term in vocabulary.terms.values()]
    return tables


def sort_rows(tables: dict[str, list[Row]], schemas: SchemaSet) -> dict[str, list[Row]]:
    """Every table's rows sorted by primary key (duplicates are left for the integrity check to report)."""
    result = {}
    for name, rows in tables.items():
        key = schemas.primary_key(name)
        result[name] = sorted(rows, key=lambda row: row[key])
    return result


def sort_and_check_keys(tables: dict[str, list[Row]], schemas: SchemaSet) -> dict[str, list[Row]]:
    """Sort every table by primary key; a key produced twice is an extractor defect."""
    problems = []
    result = {}
    for name, rows in tables.items():
        key = schemas.primary_key(name)
        ordered = sorted(rows, key=lambda row: row[key])
        for before, after in itertools.pairwise(ordered):
            if before[key] == after[key]:
                problems.append(Problem("duplicate-id", f"{key} {after[key]!r} produced twice",
                                        resource=name, field=key))
        result[name] = ordered
    if problems:
        raise PipelineError(problems)
    return result


def cell(value: Any) -> str:
    """A typed value -> its CSV text (empty for null, lowercase booleans, integral floats bare)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def table_csv(rows: list[Row], columns: list[str]) -> bytes:
    return csv_bytes(columns, [[cell(row[c]) for c in columns] for row in rows])


def csv_rows(rows: list[Row], columns: list[str]) -> str:
    """Rows -> their CSV lines without the header (what table_csv writes after it)."""
    return csv_lines([[cell(row[c]) for c in columns] for row in rows])


def render(package: dict[str, Any], schemas: SchemaSet, tables: dict[str, list[Row]],
           documents: tuple[Document, ...], rendered: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Tables -> {relative path: bytes} of every output file of the package; `rendered` holds the CSV bytes of
    tables written already (their rows are not in `tables`)."""
    done = rendered or {}
    files = {f"data/{name}.csv": done[name] if name in done else table_csv(tables[name], schemas.columns(name))
             for name in RESOURCES}
    files["datapackage.json"] = json_bytes(descriptor(package, schemas, files, documents))
    return files
