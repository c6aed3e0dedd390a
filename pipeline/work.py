"""One document + the build's rule spec -> its checked rows of every table (what a worker runs, a cache keeps)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline.assemble import Row, csv_rows, document_rows, sort_rows
from pipeline.curate import curate
from pipeline.extractors import Rules, compile_rules, extract_document
from pipeline.integrity import check_tables
from pipeline.load import CurationEntry
from pipeline.problems import PipelineError, Problem
from pipeline.records import Document, Vocabulary
from pipeline.schemas import SchemaSet
from pipeline.tables import CHECKED, EXTRACTED
from pipeline.taxonomy import taxonomy_problems


@dataclass(frozen=True)
class RulesSpec:
    """Everything a document's rows depend on besides the document, as plain data a worker can receive.

    Equal (and hashed) by digest, so each worker process compiles a spec once."""

    digest: str = field(compare=True)
    cues: dict[str, Any] = field(compare=False, repr=False)
    segmentation: dict[str, Any] = field(compare=False, repr=False)
    vocabulary: Vocabulary = field(compare=False, repr=False)
    schemas: SchemaSet = field(compare=False, repr=False)

    def __hash__(self) -> int:
        return hash(self.digest)


def rules_spec(cues: dict[str, Any], segmentation: dict[str, Any], vocabulary: Vocabulary,
               schemas: SchemaSet) -> RulesSpec:
    """The spec and its digest: extraction rules (cues, segmentation, vocabulary, code version) and schemas."""
    from pipeline.extractors import rules_digest

    payload = json.dumps([rules_digest(cues, segmentation, vocabulary), schemas.records], sort_keys=True)
    return RulesSpec(hashlib.sha256(payload.encode("utf-8")).hexdigest(), cues, segmentation, vocabulary, schemas)


@lru_cache(maxsize=2)
def _compiled(spec: RulesSpec) -> Rules:
    return compile_rules(spec.cues, spec.segmentation, spec.vocabulary)


@dataclass(frozen=True)
class Job:
    """One document to extract and the reviewed corrections of its source."""

    document: Document
    curation: tuple[CurationEntry, ...] = ()

    def key(self, spec: RulesSpec) -> str:
        """What the job's result depends on: the rules, the text, the source's metadata and its corrections."""
        source = vars(self.document.source)  # a flat record of scalars: asdict would deep-copy it for nothing
        corrections = [[entry.path, entry.line, entry.data] for entry in self.curation]
        payload = json.dumps([spec.digest, source, corrections], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Result:
    """A document's checked rows, or the problems that stopped it: the CSV lines of each extracted table it has
    rows of (sorted by key), and the rows the corpus-wide steps read (its sources row and the CHECKED tables)."""

    source_id: str
    tables: dict[str, list[Row]]
    problems: tuple[Problem, ...] = ()
    csv: dict[str, str] = field(default_factory=dict)


def run_job(job: Job, spec: RulesSpec) -> Result:
    """Extract, curate, turn into rows and check one document."""
    rules = _compiled(spec)
    document = job.document
    source_id = document.source.source_id
    try:
        extraction = extract_document(document, rules)
        if job.curation:
            extraction = curate({source_id: extraction}, {source_id: document.text}, job.curation,
                                vocabulary=spec.vocabulary, schemas=spec.schemas)[source_id]
        tables = sort_rows(document_rows(document, extraction, spec.schemas), spec.schemas)
    except PipelineError as error:
        return Result(source_id, {}, tuple(error.problems))
    problems = check_tables(tables, {source_id: document.text}, spec.schemas, known_terms=set(spec.vocabulary.terms))
    problems += taxonomy_problems(tables, rules.settings.taxonomy)
    if problems:
        return Result(source_id, tables, tuple(problems))
    csv = {name: csv_rows(tables[name], spec.schemas.columns(name)) for name in EXTRACTED if tables.get(name)}
    return Result(source_id, {name: tables[name] for name in ("sources", *CHECKED) if name in tables}, (), csv)


def run_batch(jobs: tuple[Job, ...], spec: RulesSpec) -> list[Result]:
    """Several jobs in one call (one task of a worker pool)."""
    return [run_job(job, spec) for job in jobs]
