"""Documents + extractions + vocabulary -> typed table rows, CSV bytes and the descriptor (pipeline/descriptor.py)."""

from __future__ import annotations

import itertools
from typing import Any

from pipeline.descriptor import descriptor
from pipeline.io import csv_bytes, json_bytes
from pipeline.problems import PipelineError, Problem
from pipeline.records import Document, Extraction, Vocabulary
from pipeline.schemas import RESOURCES, SchemaSet

Row = dict[str, Any]


def make_id(source_id: str, code: str, start: int, end: int, term: str | None = None) -> str:
    """A stable row id from the source and the span (zero-padded so ids sort in text order);
    rows that name a term add it, since one span ("these symptoms") may stand for several."""
    span_id = f"{source_id}:{code}:{start:06d}-{end:06d}"
    return f"{span_id}:{term}" if term else span_id


def _span(source_id: str, record: Any) -> dict[str, Any]:
    return {"start": record.start, "end": record.end, "quote": record.quote}


def build_rows(documents: tuple[Document, ...], extractions: dict[str, Extraction],
               vocabulary: Vocabulary) -> dict[str, list[Row]]:
    """Records -> rows of every resource, keyed by column name, sorted by primary key."""
    tables: dict[str, list[Row]] = {name: [] for name in RESOURCES}
    for document in documents:
        s = document.source
        tables["sources"].append({
            "source_id": s.source_id, "title": s.title, "publisher": s.publisher, "url": s.url,
            "kind": s.kind, "role": s.role, "authority": s.authority, "published": s.published,
            "retrieved": s.retrieved, "language": s.language, "licence": s.licence,
            "attribution": s.attribution, "path": s.path, "sha256": s.sha256, "characters": s.characters})
        extraction = extractions[s.source_id]
        sid = s.source_id
        for claim in extraction.claims:
            claim_id = make_id(sid, "c", claim.start, claim.end)
            tables["claims"].append({
                "claim_id": claim_id, "source_id": sid, **_span(sid, claim),
                "category": claim.category, "subject": claim.subject, "certainty": claim.certainty,
                "testimonial": claim.testimonial, "origin": claim.origin})
            for quantity in claim.quantities:
                tables["quantities"].append({
                    "quantity_id": make_id(sid, "q", quantity.start, quantity.end),
                    "claim_id": claim_id, "source_id": sid, **_span(sid, quantity),
                    "value_low": quantity.value_low, "value_high": quantity.value_high,
                    "qualifier": quantity.qualifier, "unit": quantity.unit,
                    "measure": quantity.measure, "origin": claim.origin})
        for schedule in extraction.schedules:
            schedule_id = make_id(sid, "s", schedule.start, schedule.end)
            tables["schedules"].append({
                "schedule_id": schedule_id, "source_id": sid, **_span(sid, schedule),
                "drug": schedule.drug, "route": schedule.route, "origin": schedule.origin})
            for sequence, phase in enumerate(schedule.phases, start=1):
                tables["schedule_phases"].append({
                    "phase_id": f"{make_id(sid, 'p', phase.start, phase.end)}",
                    "schedule_id": schedule_id, "sequence": sequence, "label": phase.label,
                    **_span(sid, phase),
                    "frequency": phase.frequency, "frequency_max": phase.frequency_max,
                    "period": phase.period, "period_max": phase.period_max,
                    "period_unit": phase.period_unit, "count": phase.count,
                    "count_max": phase.count_max, "bounds_low": phase.bounds_low,
                    "bounds_high": phase.bounds_high, "bounds_unit": phase.bounds_unit,
                    "as_needed": phase.as_needed, "dose_low": phase.dose_low, "dose_high": phase.dose_high,
                    "dose_unit": phase.dose_unit, "origin": schedule.origin})
        for effect in extraction.side_effects:
            tables["side_effects"].append({
                "side_effect_id": make_id(sid, "se", effect.start, effect.end, effect.term),
                "source_id": sid, **_span(sid, effect), "term": effect.term,
                "context": effect.context, "certainty": effect.certainty,
                "frequency": effect.frequency, "origin": effect.origin})
        for item in extraction.contraindications:
            tables["contraindications"].append({
                "contraindication_id": make_id(sid, "ci", item.start, item.end, item.condition),
                "source_id": sid, **_span(sid, item), "condition": item.condition,
                "kind": item.kind, "origin": item.origin})
    for term in vocabulary.terms.values():
        tables["terms"].append({
            "term_id": term.term_id, "label": term.label, "kind": term.kind,
            "synonyms": " | ".join(term.synonyms), "hpo_id": term.hpo_id,
            "hpo_label": term.hpo_label, "hpo_predicate": term.hpo_predicate, "note": term.note})
    return tables


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


def render(package: dict[str, Any], schemas: SchemaSet, tables: dict[str, list[Row]],
           documents: tuple[Document, ...]) -> dict[str, bytes]:
    """Tables -> {relative path: bytes} of every output file of the package."""
    files = {f"data/{name}.csv": table_csv(tables[name], schemas.columns(name)) for name in RESOURCES}
    files["datapackage.json"] = json_bytes(descriptor(package, schemas, files, documents))
    return files
