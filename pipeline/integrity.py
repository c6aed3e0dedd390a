"""Typed table rows (whole tables or streamed a table at a time) + raw texts -> problems: record schemas,
spans, keys and references."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from pipeline.problems import Problem
from pipeline.schemas import SchemaSet
from pipeline.tables import RESOURCES, TABLES

Row = dict[str, Any]
TextOf = Callable[[str], "str | None"]
Span = tuple[Any, Any, Any]  # (source_id, start, end) of a parent row
_UNSET = object()


def reading_order(schemas: SchemaSet) -> tuple[str, ...]:
    """The resources ordered so that each comes after the tables its foreign keys and its parent name (a table
    naming itself is the one exception: its rows are read whole before they are checked)."""
    needs = {name: {fk["reference"]["resource"] for fk in schemas.records[name]["tableSchema"]["foreignKeys"]}
             for name in RESOURCES}
    for table in TABLES:
        if table.parent:
            needs[table.name].add(table.parent)
    ordered: list[str] = []
    while len(ordered) < len(RESOURCES):
        ready = [name for name in RESOURCES if name not in ordered and needs[name] - {name} <= set(ordered)]
        if not ready:
            raise ValueError(f"tables refer to each other in a cycle: {sorted(set(RESOURCES) - set(ordered))}")
        ordered.append(ready[0])
    return tuple(ordered)


class TableChecks:
    """Rows fed one table at a time in `reading_order` -> the problems of the checked tables, in the same order
    whether the tables were whole in memory or streamed. What is kept between tables: the keys of tables that
    others refer to, and (source, start, end) of rows that others nest in; never the rows themselves."""

    def __init__(self, schemas: SchemaSet, text_of: TextOf, known_terms: set[str] | None = None,
                 resources: tuple[str, ...] = RESOURCES) -> None:
        self._schemas, self._text_of, self._known_terms, self._checked = schemas, text_of, known_terms, resources
        self._referenced = {fk["reference"]["resource"] for name in RESOURCES
                            for fk in schemas.records[name]["tableSchema"]["foreignKeys"]}
        self._parents = {t.parent for t in TABLES if t.parent}
        self._keys: dict[str, set[Any]] = {}
        self._spans: dict[str, dict[Any, Span]] = {}
        self._record: dict[str, list[Problem]] = {}
        self._keyed: dict[str, list[Problem]] = {}
        self._span: dict[str, list[Problem]] = {}

    def read(self, name: str, rows: Iterable[Row]) -> None:
        """Check one table's rows (each read once) and remember what later tables need of them."""
        key = self._schemas.primary_key(name)
        foreign = [(fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])
                   for fk in self._schemas.records[name]["tableSchema"]["foreignKeys"]]
        if any(target == name for _, target, _ in foreign):
            rows = list(rows)
            self._keys[name] = {row[key] for row in rows}
        keys = self._keys.setdefault(name, set()) if name in self._referenced else None
        spans = self._spans.setdefault(name, {}) if name in self._parents else None
        checked = name in self._checked
        table = next(t for t in TABLES if t.name == name)
        spanned = checked and (table.extracted or table.spans)
        parent = (table.parent, self._schemas.primary_key(table.parent), table.inside_parent) if table.parent else None
        accepted = self._schemas.row_accepted(name)
        record, duplicates, order, span = [], [], [], []
        references: list[list[Problem]] = [[] for _ in foreign]
        seen: set[Any] = set()
        previous: Any = _UNSET
        for number, row in enumerate(rows, start=1):
            value = row[key]
            if keys is not None:
                keys.add(value)
            if spans is not None:
                spans[value] = (row.get("source_id"), row.get("start"), row.get("end"))
            if not checked:
                continue
            if not accepted(row):
                record += self._record_problems(name, number, row)
            if value in seen:
                duplicates.append(Problem("duplicate-id", f"{value!r} appears more than once",
                                          resource=name, row=number, field=key))
            seen.add(value)
            if not order and previous is not _UNSET and not _in_order(previous, value):
                order.append(Problem("row-order", f"rows are not sorted by {key}", resource=name))
            previous = value
            for index, (column, target, target_field) in enumerate(foreign):
                cell = row.get(column)
                if cell is not None and cell not in self._target_keys(target):
                    references[index].append(Problem("foreign-key", f"{cell!r} is not a {target_field} of {target}",
                                                     resource=name, row=number, field=column))
            if spanned:
                span += self._span_problems(name, number, row, parent)
        if keys is not None and name == "terms" and not keys and self._known_terms is not None:
            self._keys[name] = set(self._known_terms)
        if checked:
            self._record[name] = record
            self._keyed[name] = [*duplicates, *(p for found in references for p in found), *order]
            self._span[name] = span

    def problems(self) -> list[Problem]:
        """Every problem found: record schemas, then keys and references, then spans, each by table."""
        names = [name for name in RESOURCES if name in self._checked]
        return [problem for found in (self._record, self._keyed, self._span) for name in names
                for problem in found.get(name, [])]

    def _target_keys(self, target: str) -> set[Any] | frozenset[Any]:
        return self._keys.get(target, frozenset())

    def _record_problems(self, name: str, number: int, row: Row) -> list[Problem]:
        return [Problem("record-schema", error.message, resource=name, row=number,
                        field=error.path[0] if error.path else None)
                for error in self._schemas.record_validator(name).iter_errors(row)]

    def _span_problems(self, name: str, number: int, row: Row, parent: tuple[str, str, bool] | None
                       ) -> list[Problem]:
        parent_span = self._spans[parent[0]].get(row[parent[1]]) if parent else None
        source_id = row.get("source_id") or (parent_span[0] if parent_span else None)
        text = self._text_of(source_id) if source_id is not None else None
        if text is None:
            return []
        start, end, quote = row["start"], row["end"], row["quote"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            return [Problem("span-range", f"span {start}-{end} is outside the text", resource=name, row=number,
                            field="start")]
        found = []
        if text[start:end] != quote:
            found.append(Problem("quote-mismatch", f"raw text at {start}-{end} is {text[start:end][:60]!r}, "
                                 "not the quote", resource=name, row=number, field="quote"))
        elif quote != quote.strip():
            found.append(Problem("span-untrimmed", "span starts or ends on whitespace", resource=name, row=number,
                                 field="start"))
        if parent and parent[2] and parent_span and isinstance(parent_span[1], int) \
                and isinstance(parent_span[2], int) and not (parent_span[1] <= start and end <= parent_span[2]):
            found.append(Problem("span-outside-parent", f"span lies outside its {parent[0]} row {row[parent[1]]}",
                                 resource=name, row=number, field="start"))
        return found


def _in_order(previous: Any, value: Any) -> bool:
    try:
        return not value < previous
    except TypeError:  # empty or mistyped keys (reported by the record schema) cannot be ordered
        return False


def source_problems(number: int, row: Row, content: bytes | None) -> list[Problem]:
    """One sources row against the bytes of its raw text (None: not found): sha256 and length."""
    if content is None:
        return [Problem("file-missing", f"raw text {row['path']} is missing", resource="sources", row=number,
                        field="path")]
    if hashlib.sha256(content).hexdigest() != row["sha256"]:
        return [Problem("hash-mismatch", f"sha256 of {row['path']} does not match", resource="sources", row=number,
                        field="sha256")]
    if len(content.decode("utf-8", errors="replace")) != row["characters"]:
        return [Problem("length-mismatch", f"{row['path']} does not have {row['characters']} characters",
                        resource="sources", row=number, field="characters")]
    return []


def check_tables(tables: dict[str, list[Row]], texts: dict[str, str], schemas: SchemaSet,
                 known_terms: set[str] | None = None, resources: tuple[str, ...] = RESOURCES) -> list[Problem]:
    """All row-level checks that need no files: record schemas, keys, references, spans. Given known_terms,
    references to the terms table are checked against them when the tables hold no terms rows. `resources`
    limits the checks to some tables (their references are still resolved against every table given)."""
    checks = TableChecks(schemas, texts.get, known_terms, resources)
    for name in reading_order(schemas):
        checks.read(name, tables.get(name, []))
    return checks.problems()
