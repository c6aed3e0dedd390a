"""Segments and extracted rows of one source -> lines and records for people writing rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.build import load_cues
from pipeline.checks.show import check_lines
from pipeline.engine.annotate import Annotated
from pipeline.engine.boilerplate import call_to_action
from pipeline.extractors import compile_rules, read
from pipeline.load import Layout, load_inputs
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import SchemaSet, load_schemas
from pipeline.tables import TABLES
from pipeline.validate import read_tables


def segmented_source(layout: Layout, source_id: str) -> Annotated:
    """One source of the input folder -> its annotation layer, as the extractors read it."""
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    for document in inputs.documents:
        if document.source.source_id == source_id:
            rules = compile_rules(load_cues(layout, schemas), inputs.cues, inputs.vocabulary)
            return read(document.text, rules).annotated
    known = ", ".join(d.source.source_id for d in inputs.documents)
    raise PipelineError([Problem("unknown-source", f"no source {source_id!r}; known: {known}")])


def segment_records(annotated: Annotated) -> list[dict[str, Any]]:
    """Blocks (kind, boilerplate marks) and their sentences (marked when they call the reader to act) as plain
    records (for JSON output)."""
    records = []
    text = annotated.text
    for block in annotated.blocks:
        records.append({"type": "block", "index": block.index, "kind": block.kind, "start": block.start,
                        "end": block.end, "marks": list(block.marks), "text": text[block.start:block.end]})
        for sentence in annotated.sentences_of(block):
            calls = call_to_action(text, annotated.mentions, sentence.start, sentence.end)
            records.append({"type": "sentence", "index": sentence.index, "block": block.index,
                            "start": sentence.start, "end": sentence.end, "marks": ["call-to-action"] if calls else [],
                            "text": text[sentence.start:sentence.end]})
    return records


def _preview(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def segment_lines(annotated: Annotated) -> list[str]:
    """A readable listing: one line per block, indented lines for its sentences."""
    lines = []
    for record in segment_records(annotated):
        marks = ",".join(record["marks"]) or "-"
        span = f"{record['start']:>6}-{record['end']:<6}"
        if record["type"] == "block":
            lines.append(f"B{record['index']:<4} {span} {record['kind']:<10} {marks:<20} {_preview(record['text'])}")
        else:
            lines.append(f"  s{record['index']:<4}{span} {'':<10} {marks:<20} {_preview(record['text'], 66)}")
    return lines


def extracted_lines(package_dir: Path, schemas: SchemaSet, source_id: str) -> list[str]:
    """Rows of every extracted table that belong to one source, then the verdicts of its checks, its omissions and
    the facts citing it, as readable lines."""
    tables, problems = read_tables(package_dir, schemas)
    if problems:
        raise PipelineError(problems)
    if source_id not in {row["source_id"] for row in tables["sources"]}:
        raise PipelineError([Problem("unknown-source", f"no source {source_id!r} in {package_dir}")])
    claim_ids = {r["claim_id"] for r in tables["claims"] if r["source_id"] == source_id}
    schedule_ids = {r["schedule_id"] for r in tables["schedules"] if r["source_id"] == source_id}
    lines = []
    for name in (table.name for table in TABLES if table.extracted):
        if name == "schedule_phases":
            rows = [r for r in tables[name] if r["schedule_id"] in schedule_ids]
        elif name == "quantities":
            rows = [r for r in tables[name] if r["claim_id"] in claim_ids]
        else:
            rows = [r for r in tables[name] if r["source_id"] == source_id]
        lines.append(f"== {name} ({len(rows)})")
        for row in rows:
            fields = {k: v for k, v in row.items()
                      if k not in ("source_id", "quote", "start", "end", "origin") and not k.endswith("_id")
                      and v not in (None, False)}
            summary = " ".join(f"{k}={v}" for k, v in fields.items())
            lines.append(f"{row['start']:>6}-{row['end']:<6} {_preview(row['quote'], 60)!r} {summary}")
    return lines + check_lines(tables, source_id)
