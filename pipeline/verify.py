"""A downloaded release (folder or zip) -> Report: checksums, package validity, spans, JSON tables."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.database import database_path, database_problems
from pipeline.fhir import BUNDLE_PATH, bundle, bundle_problems
from pipeline.io import TemporaryTree, parse_json, read_archive, read_folder, read_json, sha256_hex
from pipeline.problems import PipelineError, Problem, Report
from pipeline.schemas import RESOURCES, load_schemas, schema_problems
from pipeline.validate import read_tables, validate_package

SUMS = "SHA256SUMS"
FHIR_JSON = BUNDLE_PATH
FHIR_SCHEMA = "schemas/fhir-bundle.schema.json"
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")
REQUIRED = ("datapackage.json", "CHANGELOG.md", "README.md", "LICENSE", "report/index.html", "sqlite/metadata.json",
            FHIR_JSON, FHIR_SCHEMA, SUMS,
            *(f"data/{name}.csv" for name in RESOURCES), *(f"json/{name}.json" for name in RESOURCES),
            *(f"schemas/records/{name}.schema.json" for name in RESOURCES))


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying one release: its identity, how many files were checked, the report."""

    name: str | None
    version: str | None
    files: int
    report: Report
    pinned: bool = False


def checksum_problems(files: dict[str, bytes]) -> list[Problem]:
    """Every file against SHA256SUMS: listed files present and matching, no unlisted files."""
    if SUMS not in files:
        return [Problem("file-missing", "SHA256SUMS is missing; the release cannot be checked", path=SUMS)]
    problems = []
    listed: dict[str, str] = {}
    for number, line in enumerate(files[SUMS].decode("utf-8", errors="replace").splitlines(), start=1):
        match = _SUM_LINE.match(line)
        if not match:
            problems.append(Problem("sums-syntax", "not a `<sha256>  <path>` line", path=SUMS, line=number))
            continue
        listed[match.group(2)] = match.group(1)
    for path, digest in sorted(listed.items()):
        if path not in files:
            problems.append(Problem("file-missing", "listed in SHA256SUMS but missing", path=path))
        elif sha256_hex(files[path]) != digest:
            problems.append(Problem("checksum-mismatch", "sha256 differs from SHA256SUMS: the file was changed",
                                    path=path))
    for path in sorted(set(files) - set(listed) - {SUMS}):
        problems.append(Problem("file-unlisted", "not listed in SHA256SUMS", path=path))
    for path in REQUIRED:
        if path not in files and path not in listed:
            problems.append(Problem("file-missing", "a release must contain this file", path=path))
    return problems


def _json_problems(tables: dict[str, list[dict[str, Any]]], files: dict[str, bytes]) -> list[Problem]:
    problems = []
    for name in RESOURCES:
        path = f"json/{name}.json"
        if path not in files:
            continue
        try:
            records = parse_json(files[path], path)
        except PipelineError as error:
            problems.extend(error.problems)
            continue
        if records != tables.get(name):
            problems.append(Problem("json-mismatch", f"records differ from the typed rows of data/{name}.csv",
                                    path=path, resource=name))
    return problems


def _fhir_release_problems(tables: dict[str, list[dict[str, Any]]], files: dict[str, bytes]) -> list[Problem]:
    """fhir/schedules.json against the shipped FHIR schema and against the schedule tables it restates."""
    if FHIR_JSON not in files or FHIR_SCHEMA not in files:
        return []  # reported as missing files
    try:
        data = parse_json(files[FHIR_JSON], FHIR_JSON)
        schema = parse_json(files[FHIR_SCHEMA], FHIR_SCHEMA)
        descriptor = parse_json(files["datapackage.json"], "datapackage.json")
    except PipelineError as error:
        return list(error.problems)
    problems = schema_problems(schema, FHIR_SCHEMA)
    if problems:
        return problems
    try:
        problems = bundle_problems(data, schema)
        if data != bundle(tables, descriptor):
            problems.append(Problem("fhir-mismatch", "the FHIR Bundle differs from the schedule tables",
                                    path=FHIR_JSON))
    except Exception as exc:  # the release's own schema and tables drive this check: any failure is a finding
        problems = [Problem("fhir-unchecked", f"the FHIR Bundle could not be checked: {type(exc).__name__}",
                            path=FHIR_JSON)]
    return problems


def _database_problems(tables: dict[str, list[dict[str, Any]]], files: dict[str, bytes]) -> list[Problem]:
    """The SQLite database against the tables it restates: same row counts, every foreign key resolving."""
    try:
        path = database_path(parse_json(files["datapackage.json"], "datapackage.json"))
    except (KeyError, PipelineError, TypeError, AttributeError):
        return []
    if path not in files:
        return [Problem("file-missing", "a release must contain its SQLite database", path=path)]
    return database_problems(files[path], tables, path)


def _identity(files: dict[str, bytes]) -> tuple[str | None, str | None]:
    try:
        descriptor = parse_json(files["datapackage.json"], "datapackage.json")
    except (KeyError, PipelineError):
        return None, None
    if not isinstance(descriptor, dict):
        return None, None
    name, version = descriptor.get("name"), descriptor.get("version")
    return (name if isinstance(name, str) else None), (version if isinstance(version, str) else None)


def recorded_sums(project: Path | None) -> dict[tuple[str, str], str]:
    """{(package, version): sha256 of SHA256SUMS} from the project's releases/history.json, if it has one."""
    path = project / "releases" / "history.json" if project else None
    if path is None or not path.is_file():
        return {}
    data = read_json(path, "releases/history.json")
    try:
        return {(data["package"], r["version"]): r["sha256sums_sha256"] for r in data.get("releases", [])}
    except (KeyError, TypeError, AttributeError) as exc:
        raise PipelineError([Problem("history-invalid", "not a release record (package, releases[].version, "
                                     "releases[].sha256sums_sha256)", path="releases/history.json")]) from exc


def verify_release(path: Path, project: Path | None = None, use_frictionless: bool = True) -> Verification:
    """Check a release folder or zip. When `project` has a release record that lists this version, the
    release's SHA256SUMS must also be the one recorded there (tying the download to what was published)."""
    problems: list[Problem] = []
    try:
        pinned_sums = recorded_sums(project)
    except PipelineError as error:
        return Verification(name=None, version=None, files=0, report=Report(problems=error.problems))
    top = None
    try:
        if path.is_file():
            top, files = read_archive(path)
        elif path.is_dir():
            files = read_folder(path)
        else:
            raise PipelineError([Problem("file-not-regular", "neither a release zip nor a release folder",
                                         path=str(path))])
    except PipelineError as error:
        return Verification(name=None, version=None, files=0, report=Report(problems=error.problems))
    name, version = _identity(files)
    if top is not None and name and version and top != f"{name}-{version}":
        problems.append(Problem("archive-layout", f"archive folder is {top!r}, expected {name}-{version}",
                                path=str(path)))
    problems += checksum_problems(files)
    pinned = False
    if (name, version) in pinned_sums and SUMS in files:
        pinned = True
        if sha256_hex(files[SUMS]) != pinned_sums[(name, version)]:
            problems.append(Problem("release-mismatch", f"SHA256SUMS differs from the one recorded for {version} in "
                                    "releases/history.json: this is not the published release", path=SUMS))
    with TemporaryTree(files) as root:
        try:
            schemas = load_schemas(root / "schemas", foreign=True)
        except PipelineError as error:
            problems += error.problems
            problems.append(Problem("not-validated", "without schemas/records the package cannot be validated"))
        else:
            problems += validate_package(root, schemas, use_frictionless=use_frictionless).problems
            tables, read_problems = read_tables(root, schemas)
            if not read_problems:
                problems += _json_problems(tables, files)
                problems += _fhir_release_problems(tables, files)
                problems += _database_problems(tables, files)
    return Verification(name=name, version=version, files=len(files), report=Report(problems=tuple(problems)),
                        pinned=pinned)


def render_verification(result: Verification) -> str:
    """A verification -> the problems, then one line saying what passed or how many problems there are."""
    lines = [p.render() for p in result.report.problems]
    if result.report.valid:
        pinned = "; SHA256SUMS matches releases/history.json" if result.pinned else ""
        lines.append(f"verified {result.name} {result.version}: {result.files} files match SHA256SUMS; the package "
                     f"is valid and every span matches its raw text{pinned}")
    else:
        lines.append(f"verification failed: {len(result.report.problems)} problem(s)")
    return "\n".join(lines)


def verification_data(result: Verification) -> dict[str, Any]:
    """A verification -> JSON-able data (what `verify --json` prints)."""
    return {"valid": result.report.valid, "name": result.name, "version": result.version, "files": result.files,
            "pinned": result.pinned, **{k: v for k, v in json.loads(result.report.to_json()).items() if k != "valid"}}
