"""Input folder -> package files: load, segment, extract, curate, assemble, check, write."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.assemble import Row, render, sort_rows, term_row
from pipeline.cache import DocumentCache
from pipeline.checks import RESOURCES as REFERENCE_RESOURCES
from pipeline.checks import derive as derive_checks
from pipeline.checks import is_checked, load_reference
from pipeline.collect import Collected
from pipeline.derive import derive as derive_views
from pipeline.engine.forms import form_cues
from pipeline.executors import Workers, run
from pipeline.extractors import Rules, compile_rules
from pipeline.integrity import check_tables
from pipeline.io import list_files, read_tree, write_files
from pipeline.load import CurationEntry, Inputs, Layout, load_inputs, load_validated_yaml, load_vocabulary
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import SchemaSet, load_schemas
from pipeline.tables import DERIVED, RESOURCES
from pipeline.taxonomy import load_taxonomy
from pipeline.work import Job, Result, RulesSpec, rules_spec, run_job


@dataclass(frozen=True)
class PackageFiles(Mapping[str, bytes]):
    """A package's files by relative path: the built ones, and raw texts copied in, each encoded only when it is
    read (the texts are held once, as the documents' text)."""

    built: dict[str, bytes]
    texts: dict[str, str]

    def __getitem__(self, path: str) -> bytes:
        return self.built[path] if path in self.built else self.texts[path].encode("utf-8")

    def __iter__(self) -> Iterator[str]:
        yield from self.built
        yield from (path for path in self.texts if path not in self.built)

    def __len__(self) -> int:
        return len(self.built.keys() | self.texts.keys())


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: every output file's bytes and which of them changed on disk."""

    files: Mapping[str, bytes]
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


def project_rules(layout: Layout, schemas: SchemaSet) -> Rules:
    """A project's cues, segmentation cues and vocabulary -> its compiled rules (no text is read)."""
    segmentation, _ = load_validated_yaml(layout.config_dir / "segmentation.yaml", "segmentation", schemas, layout)
    return compile_rules(load_cues(layout, schemas), segmentation, load_vocabulary(layout, schemas))


SERIAL = Workers(jobs=1)


@dataclass(frozen=True)
class Options:
    """How a build runs: its workers, the cache folder (None: no cache) and a progress callback."""

    workers: Workers = SERIAL
    cache: Path | None = None
    progress: Callable[[str, int, int], None] | None = None


def _jobs(inputs: Inputs) -> list[Job]:
    """One job per document, in the order of their table keys ("<source_id>:"), with its source's corrections."""
    known = {doc.source.source_id for doc in inputs.documents}
    unknown = [Problem("curation-source", f"source_id {e.data['source_id']!r} is not in sources.yaml", path=e.path,
                       line=e.line) for e in inputs.curation if e.data["source_id"] not in known]
    if unknown:
        raise PipelineError(unknown)
    by_source: dict[str, list[CurationEntry]] = {}
    for entry in inputs.curation:
        by_source.setdefault(entry.data["source_id"], []).append(entry)
    ordered = sorted(inputs.documents, key=lambda doc: f"{doc.source.source_id}:")
    return [Job(doc, tuple(by_source.get(doc.source.source_id, ()))) for doc in ordered]


def _results(jobs: list[Job], spec: RulesSpec, options: Options, cache: DocumentCache | None) -> Iterator[Result]:
    """Every job's result in job order: read from the cache where its key is stored, else extracted by the
    workers and written to the cache's pending entries at once. Only one result at a time is held here: a
    stored entry is read when its turn comes, and one found damaged then is extracted in this process."""
    keys = [job.key(spec) for job in jobs]
    stored = [cache is not None and cache.has(key) for key in keys]
    fresh = run([job for job, hit in zip(jobs, stored, strict=True) if not hit], spec, options.workers)
    for number, (job, key, hit) in enumerate(zip(jobs, keys, stored, strict=True), start=1):
        result = cache.get(key) if cache is not None and hit else None
        if result is None:
            result = next(fresh) if not hit else run_job(job, spec)
            if cache is not None:
                cache.put(key, result)
        if options.progress:
            options.progress("extract", number, len(jobs))
        yield result


def compute(layout: Layout, options: Options = Options()) -> tuple[Inputs, dict[str, bytes]]:
    """Inputs -> (validated inputs, output files) with nothing written but the cache, whose new entries are kept
    only when the build succeeds."""
    cache = DocumentCache(options.cache) if options.cache else None
    try:
        computed = _compute(layout, options, cache)
    except BaseException:
        if cache is not None:
            cache.drop()
        raise
    if cache is not None:
        cache.keep()
    return computed


def _compute(layout: Layout, options: Options, cache: DocumentCache | None) -> tuple[Inputs, dict[str, bytes]]:
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    cues = load_cues(layout, schemas)
    reference = load_reference(layout, schemas, inputs.documents, cues, inputs.vocabulary)
    spec = rules_spec(cues, inputs.cues, inputs.vocabulary, schemas)
    collected = Collected(schemas, partial(is_checked, reference))
    for result in _results(_jobs(inputs), spec, options, cache):
        collected.add(result)
    if collected.problems:
        raise PipelineError(collected.problems)
    tables: dict[str, list[Row]] = {name: collected.rows.get(name, []) for name in RESOURCES}
    tables["sources"].sort(key=lambda row: row["source_id"])
    tables["terms"] = sorted((term_row(t) for t in inputs.vocabulary.terms.values()), key=lambda r: r["term_id"])
    texts = {doc.source.source_id: doc.text for doc in inputs.documents}
    tables.update(sort_rows(derive_views(tables, form_cues(spec.cues["forms"])), schemas))
    tables.update(derive_checks(tables, reference, texts))
    problems = check_tables(tables, texts, schemas, known_terms=set(inputs.vocabulary.terms),
                            resources=tuple(dict.fromkeys((*DERIVED, *REFERENCE_RESOURCES))))
    if problems:
        raise PipelineError(problems)
    return inputs, render(inputs.package, schemas, tables, inputs.documents, collected.csv())


def build(layout: Layout, output_dir: Path, options: Options = Options()) -> BuildResult:
    """Build the package into output_dir, all files or none; raw texts are copied when the
    output is not the project itself so that the built package is self-contained."""
    inputs, built = compute(layout, options)
    files: Mapping[str, bytes] = built
    if output_dir.resolve() != layout.project_root.resolve() or layout.input_dir.resolve() != (
            layout.project_root / "data").resolve():
        # a raw text's bytes are its text's: it was read as strict UTF-8 and its sha256 checked
        files = PackageFiles(built, {doc.source.path: doc.text for doc in inputs.documents})
    changed = write_files(output_dir, files)
    return BuildResult(files=files, changed=tuple(changed))


def check(layout: Layout, output_dir: Path, options: Options = Options()) -> list[str]:
    """Paths whose committed bytes differ from a fresh build (nothing is written)."""
    _, files = compute(layout, options)
    on_disk = read_tree(output_dir, sorted(files))
    return [path for path, content in sorted(files.items()) if on_disk[path] != content]
