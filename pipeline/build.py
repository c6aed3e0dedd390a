"""Input folder -> package files: load, segment, extract, curate, assemble, check, write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.assemble import build_rows, render, sort_and_check_keys
from pipeline.curate import curate
from pipeline.derive import derive
from pipeline.extractors import compile_rules, extract_document
from pipeline.integrity import check_tables
from pipeline.io import list_files, read_bytes, read_tree, write_files
from pipeline.load import Inputs, Layout, load_inputs, load_validated_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.records import Extraction
from pipeline.schemas import SchemaSet, load_schemas
from pipeline.taxonomy import load_taxonomy, taxonomy_problems


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: every output file's bytes and which of them changed on disk."""

    files: dict[str, bytes]
    changed: tuple[str, ...]


def load_cues(layout: Layout, schemas: SchemaSet) -> dict[str, dict]:
    """data/cues/<extractor>.yaml -> {extractor: cues}, each checked by schemas/cues-<extractor>.schema.json, and
    the property taxonomy (data/taxonomy/properties.yaml) that assertions name, as "taxonomy"."""
    cues = {}
    for path in list_files(layout.config_dir / "cues", "*.yaml"):
        kind = f"cues-{path.stem.replace('_', '-')}"
        if kind not in schemas.inputs:
            raise PipelineError([Problem("schema-missing", f"no schema schemas/{kind}.schema.json for this cue file",
                                         path=layout.display(path))])
        cues[path.stem], _ = load_validated_yaml(path, kind, schemas, layout)
    cues["taxonomy"] = load_taxonomy(layout, schemas)
    return cues


def compute(layout: Layout) -> tuple[Inputs, dict[str, bytes]]:
    """Inputs -> (validated inputs, output files) with nothing written."""
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    cues = load_cues(layout, schemas)
    rules = compile_rules(cues, inputs.cues, inputs.vocabulary)
    extractions: dict[str, Extraction] = {
        doc.source.source_id: extract_document(doc, rules) for doc in inputs.documents}
    texts = {doc.source.source_id: doc.text for doc in inputs.documents}
    extractions = curate(extractions, texts, inputs.curation, vocabulary=inputs.vocabulary, schemas=schemas)
    tables = build_rows(inputs.documents, extractions, inputs.vocabulary, schemas)
    tables.update(derive(tables, rules.settings.forms))
    tables = sort_and_check_keys(tables, schemas)
    problems = check_tables(tables, texts, schemas) + taxonomy_problems(tables, rules.settings.taxonomy)
    if problems:
        raise PipelineError(problems)
    files = render(inputs.package, schemas, tables, inputs.documents)
    return inputs, files


def build(layout: Layout, output_dir: Path) -> BuildResult:
    """Build the package into output_dir, all files or none; raw texts are copied when the
    output is not the project itself so that the built package is self-contained."""
    inputs, files = compute(layout)
    if output_dir.resolve() != layout.project_root.resolve() or layout.input_dir.resolve() != (
            layout.project_root / "data").resolve():
        raw_dir = layout.input_dir / "raw"
        for doc in inputs.documents:
            files[doc.source.path] = read_bytes(raw_dir / f"{doc.source.source_id}.txt")
    changed = write_files(output_dir, files)
    return BuildResult(files=files, changed=tuple(changed))


def check(layout: Layout, output_dir: Path) -> list[str]:
    """Paths whose committed bytes differ from a fresh build (nothing is written)."""
    _, files = compute(layout)
    on_disk = read_tree(output_dir, sorted(files))
    return [path for path, content in sorted(files.items()) if on_disk[path] != content]
