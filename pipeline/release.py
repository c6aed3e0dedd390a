"""Project + release record -> the next version by rule, a validated reproducible archive (tables, typed JSON,
FHIR, SQLite, report), an updated record and releases/index.json."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.build import compute
from pipeline.database import database_bytes, database_path, datasette_metadata
from pipeline.descriptor import release_descriptor, table_resources
from pipeline.diff import (
    LEVELS,
    PackageDiff,
    PackageView,
    changelog_entry,
    diff_packages,
    initial_entry,
    load_view,
    mapping_reader,
)
from pipeline.fhir import BUNDLE_PATH, bundle, bundle_problems, schedule_problems
from pipeline.io import (
    clear_release_staging,
    json_bytes,
    list_files,
    publish,
    read_bytes,
    read_json,
    recover,
    release_staging,
    remove_tree,
    sha256_hex,
    write_files,
    write_tree,
    zip_bytes,
)
from pipeline.load import Inputs, Layout
from pipeline.problems import PipelineError, Problem
from pipeline.report import site_files
from pipeline.report.site import release_readme
from pipeline.schemas import RESOURCES, SchemaSet, load_schemas
from pipeline.validate import SEMVER, read_tables, validate_package

HISTORY = "releases/history.json"
INDEX = "releases/index.json"
FHIR_SCHEMA = "schemas/fhir-bundle.schema.json"
# Where a release's zip is published, relative to the package's homepage (docs/releasing.md).
DOWNLOAD_PATTERN = "{homepage}/releases/download/v{version}/{archive}"
CHANGELOG_HEADER = """# Changelog

Each entry lists what changed since the previous release, table by table and by primary key.
Versions follow the rules of the project's docs/releasing.md: MAJOR when a resource or field is
removed, renamed or retyped or a constraint tightens; MINOR when rows, fields or resources are added
or rows are removed; PATCH when values are corrected or only metadata changes.

"""


@dataclass(frozen=True)
class ReleaseRecord:
    """One released version as kept in releases/history.json."""

    version: str
    created: str
    previous: str | None
    level: str
    rule: str
    archive: str
    archive_sha256: str
    sha256sums_sha256: str
    descriptor_sha256: str
    tables: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class History:
    """Every released version of the package, oldest first."""

    package: str | None
    releases: tuple[ReleaseRecord, ...]

    def find(self, version: str) -> ReleaseRecord | None:
        return next((r for r in self.releases if r.version == version), None)

    def latest(self) -> ReleaseRecord | None:
        return max(self.releases, key=lambda r: version_tuple(r.version), default=None)


@dataclass(frozen=True)
class ReleasePlan:
    """What a release would be, computed without writing anything."""

    name: str
    version: str
    created: str
    previous: str | None
    level: str
    rule: str
    diff: PackageDiff | None
    entry: str
    package_files: dict[str, bytes]
    package_yaml: bytes
    inputs: Inputs

    @property
    def folder_name(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class ReleaseResult:
    """A published release: where it is and its digests."""

    plan: ReleasePlan
    folder: Path
    archive: Path
    archive_sha256: str
    files: tuple[str, ...]
    matches_record: bool = True


# ---------------------------------------------------------------- versions


def version_tuple(version: str) -> tuple[int, int, int]:
    match = SEMVER.match(version)
    if not match:
        raise PipelineError([Problem("version", f"{version!r} is not a semantic version MAJOR.MINOR.PATCH")])
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bump(version: str, level: str) -> str:
    major, minor, patch = version_tuple(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def choose_version(previous: str, level: str, requested: str | None) -> str:
    """The version the rule gives, or the requested one when it is a next version at or above that level."""
    ruled = bump(previous, level)
    if requested is None:
        return ruled
    version_tuple(requested)
    allowed = {bump(previous, lvl): lvl for lvl in LEVELS[LEVELS.index(level):] if lvl != "none"}
    if requested not in allowed:
        options = " or ".join(sorted(allowed, key=version_tuple))
        raise PipelineError([Problem(
            "version-rule", f"--version {requested} does not follow the rule: the changes since {previous} are "
            f"{level.upper()}, so the next version is {options}")])
    return requested


# ---------------------------------------------------------------- the record


def _record_from(data: dict[str, Any]) -> ReleaseRecord:
    return ReleaseRecord(**data)


def load_history(project: Path, schemas: SchemaSet) -> History:
    """releases/history.json -> History (empty when the file does not exist yet)."""
    path = project / HISTORY
    if not path.is_file():
        return History(package=None, releases=())
    data = read_json(path)
    if "release-history" in schemas.inputs:
        problems = [Problem("schema-" + str(e.validator), e.message, path=HISTORY)
                    for e in schemas.input_validator("release-history").iter_errors(data)]
        if problems:
            raise PipelineError(problems)
    return History(package=data["package"], releases=tuple(_record_from(r) for r in data["releases"]))


def history_bytes(history: History) -> bytes:
    return json_bytes({"package": history.package, "releases": [asdict(r) for r in history.releases]})


def _snapshot_dir(version: str) -> str:
    return f"releases/{version}"


def previous_view(project: Path, record: ReleaseRecord) -> PackageView:
    """The stored package of a released version, checked against the hashes its record pins."""
    where = _snapshot_dir(record.version)
    base = project / where
    files = {"datapackage.json": read_bytes(base / "datapackage.json", f"{where}/datapackage.json")}
    problems = []
    if sha256_hex(files["datapackage.json"]) != record.descriptor_sha256:
        problems.append(Problem("hash-mismatch", f"does not match the descriptor_sha256 of {record.version} in "
                                f"{HISTORY}", path=f"{where}/datapackage.json"))
    for name, table in record.tables.items():
        shown = f"{where}/{table['path']}"
        files[table["path"]] = read_bytes(base / table["path"], shown)
        if sha256_hex(files[table["path"]]) != table["sha256"]:
            problems.append(Problem("hash-mismatch", f"was changed after release {record.version} ({HISTORY} pins "
                                    "another sha256); released versions are never edited", path=shown, resource=name))
    if problems:
        raise PipelineError(problems)
    return load_view(where, mapping_reader(files, where))


def stored_entries(project: Path, history: History, up_to: str) -> list[str]:
    """The changelog entries of released versions up to `up_to`, newest first."""
    versions = sorted((r.version for r in history.releases if version_tuple(r.version) <= version_tuple(up_to)),
                      key=version_tuple, reverse=True)
    return [read_bytes(project / _snapshot_dir(v) / "CHANGES.md").decode("utf-8") for v in versions]


def changelog(entries: list[str]) -> bytes:
    return (CHANGELOG_HEADER + "\n".join(entries)).encode("utf-8")


# ---------------------------------------------------------------- package metadata


def created_from_date(date: str, previous: ReleaseRecord | None) -> str:
    """A YYYY-MM-DD release date -> the `created` timestamp, never before the previous release's."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError as exc:
        raise PipelineError([Problem("release-date", f"--date {date!r} is not a date YYYY-MM-DD")]) from exc
    if len(date) != 10 or day.year < 1980:
        raise PipelineError([Problem("release-date", f"--date {date!r} must be YYYY-MM-DD from 1980 on")])
    created = f"{day.isoformat()}T00:00:00Z"
    if previous and created < previous.created:
        raise PipelineError([Problem("release-date", f"{date} is before release {previous.version} "
                                     f"({previous.created[:10]})")])
    return created


def set_package_metadata(text: str, version: str, created: str) -> str:
    """package.yaml text -> the same text with only the values of `version` and `created` replaced."""
    for key, value in (("version", version), ("created", f'"{created}"')):
        pattern = re.compile(rf"^({key}:[ \t]*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s#]+)(.*)$", re.MULTILINE)
        text, count = pattern.subn(lambda m, v=value: m.group(1) + v + m.group(3), text)
        if count != 1:
            raise PipelineError([Problem("package-yaml", f"expected one top-level `{key}:` line, found {count}",
                                         path="data/package.yaml")])
    return text


def with_metadata(descriptor: bytes, version: str, created: str) -> bytes:
    """The built datapackage.json with another version and created: the same bytes a build from a
    package.yaml holding those values writes (keys keep their order; json_bytes is canonical)."""
    data = json.loads(descriptor.decode("utf-8"))
    data["version"], data["created"] = version, created
    return json_bytes(data)


def candidate(layout: Layout, version: str, created: str) -> tuple[Inputs, dict[str, bytes]]:
    """The project's inputs built in memory as `version` (nothing is written)."""
    inputs, files = compute(layout)
    files["datapackage.json"] = with_metadata(files["datapackage.json"], version, created)
    return inputs, files


# ---------------------------------------------------------------- planning


def plan_release(project: Path, date: str, requested: str | None = None) -> ReleasePlan:
    """Decide the next version by rule from the difference to the last release; write nothing."""
    layout = Layout(project_root=project, input_dir=project / "data")
    schemas = load_schemas(layout.schema_dir)
    history = load_history(project, schemas)
    latest = history.latest()
    created = created_from_date(date, latest)
    yaml_path = project / "data" / "package.yaml"
    yaml_text = read_bytes(yaml_path, "data/package.yaml").decode("utf-8")
    if requested is not None and history.find(requested):
        raise PipelineError([Problem("release-exists", f"version {requested} was released already; "
                                     "released versions are immutable", path=HISTORY)])
    old = previous_view(project, latest) if latest else None
    inputs, built = compute(layout)
    if old is None or latest is None:
        version = requested or inputs.package["version"]
        version_tuple(version)
        files = {**built, "datapackage.json": with_metadata(built["datapackage.json"], version, created)}
        view = load_view("candidate", mapping_reader(files, "candidate"))
        return ReleasePlan(
            name=inputs.package["name"], version=version, created=created, previous=None, level="initial",
            rule="first release" + (" (version from --version)" if requested else " (version from data/package.yaml)"),
            diff=None, entry=initial_entry(view, version, created[:10]), package_files=files,
            package_yaml=set_package_metadata(yaml_text, version, created).encode("utf-8"), inputs=inputs)
    found = diff_packages(old, load_view("working tree", mapping_reader(built, "working tree")))
    if found.level == "none":
        raise PipelineError([Problem("nothing-to-release", f"the package is identical to release {latest.version}; "
                                     f"nothing to release (rebuild its archive with `release --rebuild "
                                     f"{latest.version}`)")])
    version = choose_version(latest.version, found.level, requested)
    files = {**built, "datapackage.json": with_metadata(built["datapackage.json"], version, created)}
    diff = diff_packages(old, load_view("candidate", mapping_reader(files, "candidate")))
    return ReleasePlan(
        name=inputs.package["name"], version=version, created=created, previous=latest.version, level=diff.level,
        rule=diff.rule(), diff=diff, entry=changelog_entry(diff, version, created[:10]), package_files=files,
        package_yaml=set_package_metadata(yaml_text, version, created).encode("utf-8"), inputs=inputs)


# ---------------------------------------------------------------- assembling


def sha256sums(files: dict[str, bytes]) -> bytes:
    """`<hex>  <path>` lines sorted by path, the format `sha256sum -c` reads."""
    return "".join(f"{sha256_hex(files[p])}  {p}\n" for p in sorted(files)).encode("utf-8")


def _release_inputs(project: Path, plan: ReleasePlan, changelog_bytes: bytes) -> dict[str, bytes]:
    files = dict(plan.package_files)
    for document in plan.inputs.documents:
        files[document.source.path] = read_bytes(project / "data" / "raw" / f"{document.source.source_id}.txt")
    for path in list_files(project / "schemas" / "records", "*.schema.json"):
        files[f"schemas/records/{path.name}"] = read_bytes(path)
    files[FHIR_SCHEMA] = read_bytes(project / FHIR_SCHEMA)
    files["LICENSE"] = read_bytes(project / "LICENSE")
    files["CHANGELOG.md"] = changelog_bytes
    return files


def _refuse(problems: list[Problem], what: str = "an invalid package") -> None:
    if problems:
        raise PipelineError([Problem("release-invalid", f"refusing to release {what}"), *problems])


def derived_files(built: dict[str, Any], tables: dict[str, list[dict[str, Any]]], texts: dict[str, str],
                  fhir_schema: dict[str, Any]) -> dict[str, bytes]:
    """The built descriptor + typed tables + raw texts -> every file a release derives from them: the typed
    JSON tables, the FHIR Bundle, the release descriptor that lists them, the SQLite database with its datasette
    metadata, the report and the README. Refused when a phase's timing cannot be written as FHIR."""
    _refuse(schedule_problems(tables.get("schedule_phases", [])), "schedules FHIR cannot express")
    files = {f"json/{r['name']}.json": json_bytes(tables.get(r["name"], [])) for r in table_resources(built)}
    fhir = bundle(tables, built)
    _refuse(bundle_problems(fhir, fhir_schema), "an invalid FHIR Bundle")
    files[BUNDLE_PATH] = json_bytes(fhir)
    descriptor = release_descriptor(built, files)
    files["datapackage.json"] = json_bytes(descriptor)
    files[database_path(descriptor)] = database_bytes(descriptor, tables)
    files["sqlite/metadata.json"] = json_bytes(datasette_metadata(descriptor, tables))
    files.update(site_files(descriptor, tables, texts))
    files["README.md"] = release_readme(descriptor, tables, database_path(descriptor))
    return files


def assemble(project: Path, plan: ReleasePlan, changelog_bytes: bytes, staging: Path) -> tuple[dict[str, bytes], bytes]:
    """Write the release into staging/<name>-<version>/ and its zip beside it (datapackage.json at the zip's root);
    refuse an invalid package."""
    folder = staging / plan.folder_name
    files = _release_inputs(project, plan, changelog_bytes)
    write_tree(folder, files)
    schemas = load_schemas(folder / "schemas")
    tables, problems = read_tables(folder, schemas)
    _refuse(problems)
    built = json.loads(files["datapackage.json"].decode("utf-8"))
    texts = {d.source.source_id: d.text for d in plan.inputs.documents}
    extra = derived_files(built, tables, texts, read_json(folder / FHIR_SCHEMA))
    files.update(extra)
    extra["SHA256SUMS"] = files["SHA256SUMS"] = sha256sums(files)
    write_tree(folder, extra)
    _refuse(list(validate_package(folder, schemas).problems))
    day = datetime.date.fromisoformat(plan.created[:10])
    archive = zip_bytes(None, files, (day.year, day.month, day.day, 0, 0, 0))
    write_tree(staging, {f"{plan.folder_name}.zip": archive})
    return files, archive


def _record(plan: ReleasePlan, files: dict[str, bytes], archive: bytes) -> ReleaseRecord:
    view = load_view("release", mapping_reader(files, "release"))
    tables = {}
    for name in RESOURCES:
        path = f"data/{name}.csv"
        tables[name] = {"path": path, "sha256": sha256_hex(files[path]), "rows": len(view.tables[name].rows),
                        "columns": list(view.tables[name].columns)}
    return ReleaseRecord(
        version=plan.version, created=plan.created, previous=plan.previous, level=plan.level, rule=plan.rule,
        archive=f"{plan.folder_name}.zip", archive_sha256=hashlib.sha256(archive).hexdigest(),
        sha256sums_sha256=sha256_hex(files["SHA256SUMS"]),
        descriptor_sha256=sha256_hex(plan.package_files["datapackage.json"]), tables=tables)


def release_index(history: History, homepage: str | None) -> dict[str, Any]:
    """The release record -> releases/index.json: every release newest first (version, date, archive, its
    sha256 and download address, row counts) and the latest one, for people and scripts that fetch releases."""
    pattern = DOWNLOAD_PATTERN.replace("{homepage}", homepage.rstrip("/")) if homepage else None
    entries = []
    for record in sorted(history.releases, key=lambda r: version_tuple(r.version), reverse=True):
        entry = {"version": record.version, "date": record.created[:10], "level": record.level,
                 "archive": record.archive, "archive_sha256": record.archive_sha256,
                 "sha256sums_sha256": record.sha256sums_sha256,
                 "rows": {name: table["rows"] for name, table in record.tables.items()}}
        if pattern:
            entry["url"] = pattern.format(version=record.version, archive=record.archive)
        entries.append(entry)
    return {"package": history.package, "homepage": homepage, "download_pattern": pattern,
            "latest": entries[0] if entries else None, "releases": entries}


def _project_files(plan: ReleasePlan, history: History, record: ReleaseRecord,
                   changelog_bytes: bytes) -> dict[str, bytes]:
    snapshot = _snapshot_dir(plan.version)
    recorded = History(package=plan.name, releases=(*history.releases, record))
    homepage = plan.inputs.package.get("homepage")
    files = {"data/package.yaml": plan.package_yaml, **plan.package_files,
             f"{snapshot}/CHANGES.md": plan.entry.encode("utf-8"), "releases/CHANGELOG.md": changelog_bytes,
             HISTORY: history_bytes(recorded), INDEX: json_bytes(release_index(recorded, homepage))}
    for path, content in plan.package_files.items():
        files[f"{snapshot}/{path}"] = content
    return files


def _check_free(dist_dir: Path, folder_name: str) -> None:
    taken = [p for p in (dist_dir / folder_name, dist_dir / f"{folder_name}.zip") if p.exists()]
    if taken:
        raise PipelineError([Problem("release-exists", "already exists; a released version is never overwritten",
                                     path=str(p)) for p in taken])


def cut_release(project: Path, dist_dir: Path, date: str, requested: str | None = None) -> ReleaseResult:
    """Plan, assemble and validate the next release, record it in the project, then publish it to dist_dir.

    The record (package.yaml, built outputs, releases/) is written in one transaction once the archive is
    complete and valid; the archive is then moved into place by rename, so an interruption never leaves a
    partial archive under the release's name.
    """
    recover(project)  # an interrupted earlier release is finished or undone before anything is read
    clear_release_staging(dist_dir)
    plan = plan_release(project, date, requested)
    _check_free(dist_dir, plan.folder_name)
    schemas = load_schemas(project / "schemas")
    history = load_history(project, schemas)
    entries = stored_entries(project, history, history.latest().version) if history.releases else []
    changelog_bytes = changelog([plan.entry, *entries])
    staging = release_staging(dist_dir)
    try:
        files, archive = assemble(project, plan, changelog_bytes, staging)
        record = _record(plan, files, archive)
        write_files(project, _project_files(plan, history, record, changelog_bytes))
        folder, archive_path = publish(staging, dist_dir, plan.folder_name)
    finally:
        remove_tree(staging)
    return ReleaseResult(plan=plan, folder=folder, archive=archive_path, archive_sha256=record.archive_sha256,
                         files=tuple(sorted(files)))


def rebuild_release(project: Path, version: str, dist_dir: Path) -> ReleaseResult:
    """Rebuild a recorded version from the current inputs into dist_dir, refusing unless it reproduces
    the recorded files (SHA256SUMS); `matches_record` tells whether the zip's bytes match too."""
    recover(project)
    clear_release_staging(dist_dir)
    layout = Layout(project_root=project, input_dir=project / "data")
    schemas = load_schemas(layout.schema_dir)
    history = load_history(project, schemas)
    record = history.find(version)
    if record is None:
        raise PipelineError([Problem("release-unknown", f"version {version} is not in {HISTORY}")])
    _check_free(dist_dir, f"{history.package}-{record.version}")
    inputs, files = candidate(layout, record.version, record.created)
    stale = [p for p, content in sorted(files.items())
             if read_bytes(project / _snapshot_dir(version) / p, f"{_snapshot_dir(version)}/{p}") != content]
    if stale:
        raise PipelineError([Problem("not-reproducible", f"the current inputs do not reproduce release {version}; "
                                     "check out the commit that released it", path=p) for p in stale])
    entry = read_bytes(project / _snapshot_dir(version) / "CHANGES.md").decode("utf-8")
    yaml_bytes = read_bytes(project / "data" / "package.yaml")
    plan = ReleasePlan(name=inputs.package["name"], version=record.version, created=record.created,
                       previous=record.previous, level=record.level, rule=record.rule, diff=None, entry=entry,
                       package_files=files, package_yaml=yaml_bytes, inputs=inputs)
    staging = release_staging(dist_dir)
    try:
        released, archive = assemble(project, plan, changelog(stored_entries(project, history, version)), staging)
        if sha256_hex(released["SHA256SUMS"]) != record.sha256sums_sha256:
            raise PipelineError([Problem("not-reproducible", f"the rebuilt files differ from release {version} "
                                         f"(SHA256SUMS does not match {HISTORY})")])
        folder, archive_path = publish(staging, dist_dir, plan.folder_name)
    finally:
        remove_tree(staging)
    digest = hashlib.sha256(archive).hexdigest()
    return ReleaseResult(plan=plan, folder=folder, archive=archive_path, archive_sha256=digest,
                         files=tuple(sorted(released)), matches_record=digest == record.archive_sha256)
