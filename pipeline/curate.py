"""Extractions + raw texts + reviewed curation entries -> corrected extractions (reject, add, relabel)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipeline.load import CurationEntry
from pipeline.problems import PipelineError, Problem
from pipeline.records import Extraction, Vocabulary
from pipeline.schemas import SchemaSet
from pipeline.tables import TABLES as REGISTRY

# table -> (record type, label fields a reviewer may set, fields an added row must set)
TABLES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    t.name: (t.record, t.labels, t.required) for t in REGISTRY if t.top_level}
# nested list in `set` -> (record schema that checks its values, label fields, required fields)
NESTED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    t.nested: (t.name, t.labels, t.required) for t in REGISTRY if t.nested}
# nested list in `set` -> the record type of its items
RECORDS: dict[str, type] = {t.nested: t.record for t in REGISTRY if t.nested and t.record}
# table -> the field that, with the span, makes a row's id (several rows may share a span otherwise)
ID_FIELDS = {t.name: t.id_term for t in REGISTRY if t.id_term}
# (table, field) -> the vocabulary kind its value must be a term of
VOCABULARY_FIELDS = {(t.name, f): kind for t in REGISTRY for f, kind in t.vocabulary.items()}


@dataclass(frozen=True)
class _Context:
    """What every entry is checked against: the texts, and (when given) vocabulary and record schemas."""

    texts: dict[str, str]
    vocabulary: Vocabulary | None
    schemas: SchemaSet | None


class _Refused(Exception):
    """One entry cannot be applied; carries the problem to report."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def _refuse(entry: CurationEntry, code: str, message: str) -> _Refused:
    return _Refused(Problem(code, message, path=entry.path, line=entry.line))


def _preview(quote: str, width: int = 60) -> str:
    return repr(quote if len(quote) <= width else quote[: width - 1] + "…")


def find_all(text: str, quote: str, start: int = 0, end: int | None = None) -> list[int]:
    """Every position where quote occurs in text[start:end] (overlapping occurrences included)."""
    end = len(text) if end is None else end
    positions = []
    found = text.find(quote, start, end)
    while found != -1:
        positions.append(found)
        found = text.find(quote, found + 1, end)
    return positions


def locate(entry: CurationEntry, text: str, item: dict[str, Any], what: str,
           within: tuple[int, int] | None = None) -> tuple[int, int]:
    """The span of item's quote (its `occurrence`-th one when given) in the text, or inside `within`."""
    quote = item["quote"]
    if quote != quote.strip():
        raise _refuse(entry, "curation-quote", f"{what}: quote must start and end on a non-space character")
    low, high = within or (0, len(text))
    positions = find_all(text, quote, low, high)
    place = "in its parent row's span" if within else "in the text"
    if not positions:
        raise _refuse(entry, "curation-quote-absent", f"{what}: quote {_preview(quote)} is not found {place}")
    occurrence = item.get("occurrence")
    if occurrence is None and len(positions) > 1:
        raise _refuse(entry, "curation-ambiguous",
                      f"{what}: quote {_preview(quote)} is ambiguous: found {len(positions)} times {place}; "
                      f"add `occurrence:` (1 to {len(positions)}) to pick one")
    index = (occurrence or 1) - 1
    if not 0 <= index < len(positions):
        raise _refuse(entry, "curation-quote-absent",
                      f"{what}: occurrence {occurrence} of {_preview(quote)} does not exist "
                      f"(found {len(positions)} time(s) {place})")
    return positions[index], positions[index] + len(quote)


def _check_values(entry: CurationEntry, context: _Context, resource: str, values: dict[str, Any],
                  allowed: tuple[str, ...], what: str) -> None:
    """Unknown fields, and values that the record schema of the resource refuses."""
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise _refuse(entry, "curation-field", f"{what}: unknown field(s) {unknown}; allowed: {list(allowed)}")
    if context.schemas is None:
        return
    scalars = {k: v for k, v in values.items() if k not in NESTED}
    for error in context.schemas.record_validator(resource).iter_errors(scalars):
        if error.path and error.path[0] in scalars:
            raise _refuse(entry, "curation-value", f"{what}: {error.path[0]}: {error.message}")


def _check_terms(entry: CurationEntry, context: _Context, table: str, values: dict[str, Any]) -> None:
    if context.vocabulary is None:
        return
    for (name, field), kind in VOCABULARY_FIELDS.items():
        if name != table or field not in values:
            continue
        term = context.vocabulary.terms.get(values[field])
        if term is None or term.kind != kind:
            raise _refuse(entry, "curation-term",
                          f"set.{field}: {values[field]!r} is not a {kind} term of data/vocab")


def _missing(entry: CurationEntry, values: dict[str, Any], required: tuple[str, ...], what: str) -> None:
    absent = [name for name in required if name not in values]
    if absent:
        raise _refuse(entry, "curation-field", f"{what}: missing field(s) {absent}")


def _nested(entry: CurationEntry, context: _Context, text: str, span: tuple[int, int],
            name: str, items: list[dict[str, Any]]) -> tuple[Any, ...]:
    """`set.quantities` / `set.phases` -> records located inside the parent row's span."""
    resource, allowed, required = NESTED[name]
    records = []
    for number, item in enumerate(items, start=1):
        what = f"set.{name}[{number}]"
        values = {k: v for k, v in item.items() if k not in ("quote", "occurrence")}
        _check_values(entry, context, resource, values, allowed, what)
        _missing(entry, values, required, what)
        start, end = locate(entry, text, item, what, within=span)
        records.append(RECORDS[name](start=start, end=end, quote=item["quote"], **values))
    return tuple(records) if name == "phases" else tuple(sorted(records, key=lambda r: (r.start, r.end)))


def _labels(entry: CurationEntry, context: _Context, text: str, span: tuple[int, int],
            values: dict[str, Any]) -> dict[str, Any]:
    """`set` -> record field values, nested lists turned into located records."""
    result = dict(values)
    for name in NESTED:
        if name in result:
            result[name] = _nested(entry, context, text, span, name, result[name] or [])
    return result


def _describe(record: Any, names: tuple[str, ...]) -> str:
    return ", ".join(f"{n}={getattr(record, n)!r}" for n in names if n not in NESTED)


def _target(entry: CurationEntry, rows: tuple[Any, ...], span: tuple[int, int], table: str) -> Any:
    """The one row of the table on the span that also has every `where` value."""
    where = entry.data.get("where") or {}
    _, labels, _ = TABLES[table]
    on_span = [row for row in rows if (row.start, row.end) == span]
    matching = [row for row in on_span if all(getattr(row, k, object()) == v for k, v in where.items())]
    if len(matching) == 1:
        return matching[0]
    if len(matching) > 1:
        raise _refuse(entry, "curation-ambiguous",
                      f"{len(matching)} {table} rows lie on this span ("
                      + " / ".join(_describe(r, labels) for r in matching)
                      + "); add `where:` with a field value to pick one")
    found = "; rows on this span have " + " / ".join(_describe(r, labels) for r in on_span) if on_span else ""
    condition = f" with {where}" if where else ""
    raise _refuse(entry, "curation-stale",
                  f"{entry.data['action']} matches no {table} row on {_preview(entry.data['quote'])}{condition}"
                  f"{found}; the correction no longer applies: update or remove it")


def _row_key(table: str, row: Any) -> tuple[Any, ...]:
    """What the row's id is made of: its span, and its term for tables whose ids name one."""
    field = ID_FIELDS.get(table)
    return (row.start, row.end, getattr(row, field)) if field else (row.start, row.end)


def _check_unique(entry: CurationEntry, table: str, rows: tuple[Any, ...], new: Any, labels: tuple[str, ...],
                  replacing: Any = None) -> None:
    clash = [row for row in rows if row is not replacing and _row_key(table, row) == _row_key(table, new)]
    if clash:
        raise _refuse(entry, "curation-exists",
                      f"a {table} row with the same id already lies on this span ({_describe(clash[0], labels)}); "
                      "remove this entry or make it a relabel of that row")


def _apply(entry: CurationEntry, context: _Context, extractions: dict[str, Extraction]) -> Extraction:
    """One entry -> the corrected extraction of its source."""
    data = entry.data
    action, table, source_id = data["action"], data["table"], data["source_id"]
    if source_id not in context.texts:
        raise _refuse(entry, "curation-source", f"source_id {source_id!r} is not in sources.yaml")
    text = context.texts[source_id]
    record_type, labels, required = TABLES[table]
    values = data.get("set") or {}
    if action == "reject" and "set" in data:
        raise _refuse(entry, "curation-field", "reject takes no `set`; use relabel to change a row")
    if action != "add" and "where" in data:
        scalar_labels = tuple(name for name in labels if name not in NESTED)
        _check_values(entry, context, table, data["where"], scalar_labels, "where")
    _check_values(entry, context, table, values, labels, "set")
    _check_terms(entry, context, table, values)
    span = locate(entry, text, data, "quote")
    extraction = extractions[source_id]
    rows: tuple[Any, ...] = getattr(extraction, table)
    if action == "add":
        if "where" in data:
            raise _refuse(entry, "curation-field", "add takes no `where`; it creates a row from `set`")
        _missing(entry, values, required, "set")
        record = record_type(source_id=source_id, start=span[0], end=span[1], quote=data["quote"],
                             origin="curated", **_labels(entry, context, text, span, values))
        _check_unique(entry, table, rows, record, labels)
        updated = tuple(sorted((*rows, record), key=lambda r: (r.start, r.end)))
    else:
        row = _target(entry, rows, span, table)
        if action == "reject":
            updated = tuple(r for r in rows if r is not row)
        else:
            new = replace(row, origin="curated", **_labels(entry, context, text, (row.start, row.end), values))
            if replace(new, origin=row.origin) == row:
                raise _refuse(entry, "curation-stale",
                              f"relabel changes nothing: the row already has {values}; remove the entry")
            _check_unique(entry, table, rows, new, labels, replacing=row)
            updated = tuple(new if r is row else r for r in rows)
    return replace(extraction, **{table: updated})


def curate(extractions: dict[str, Extraction], texts: dict[str, str], entries: tuple[CurationEntry, ...],
           *, vocabulary: Vocabulary | None = None, schemas: SchemaSet | None = None) -> dict[str, Extraction]:
    """Apply the entries in order; every entry that is stale, ambiguous or invalid is reported together.

    Given the vocabulary and record schemas, labels are checked here so that a bad one is reported
    with its curation file and line rather than later as a bad table row.
    """
    context = _Context(texts=texts, vocabulary=vocabulary, schemas=schemas)
    result = dict(extractions)
    problems = []
    for entry in entries:
        try:
            result[entry.data["source_id"]] = _apply(entry, context, result)
        except _Refused as refused:
            problems.append(refused.problem)
    if problems:
        raise PipelineError(problems)
    return result

