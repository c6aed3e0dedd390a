"""A release cut by `make release` on a copy of the project opens in the tools people use: frictionless
(validate the zip, Package of the zip), the Data Package v1 profile and v2 schema, SQLite and datasette, FHIR
(R4B models), a browser (headless Chromium on the report); and releases/index.json names it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import PROJECT_ROOT, copy_inputs

from pipeline.cli import cli
from pipeline.io import sha256_hex
from pipeline.release import History, load_history, release_index
from pipeline.schemas import RESOURCES, load_schemas

NAME = "ketamine-therapy-claims"
FIRST = f"{NAME}-0.1.0"
DATE_EPOCH = "1767225600"  # 2026-01-01
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow  # `make test-fast` skips this module: it cuts a release and starts servers


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the project (inputs, Makefile, pyproject) on which `make release` cut 0.1.0."""
    project = copy_inputs(tmp_path_factory.mktemp("made") / "project")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(PROJECT_ROOT / name, project / name)
    installed = BIN / ".installed"
    command = ["make", "--no-print-directory", "-C", str(project), f"BIN={BIN}", "release"]
    if installed.exists():
        command[5:5] = ["-o", str(installed)]  # the project's own environment is installed already
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "SOURCE_DATE_EPOCH": DATE_EPOCH})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"dist/{FIRST}.zip"
    return project


@pytest.fixture(scope="module")
def archive(made: Path) -> Path:
    return made / "dist" / f"{FIRST}.zip"


@pytest.fixture(scope="module")
def folder(made: Path) -> Path:
    return made / "dist" / FIRST


@pytest.fixture(scope="module")
def descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def csv_rows(folder: Path, name: str) -> int:
    text = (folder / "data" / f"{name}.csv").read_text(encoding="utf-8")
    return len(list(csv.reader(io.StringIO(text, newline="")))) - 1


# ---------------------------------------------------------------- layout and frictionless


def test_the_zip_has_the_package_at_its_root(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    assert "datapackage.json" in names and "README.md" in names and "LICENSE" in names
    assert all(not name.startswith(f"{FIRST}/") for name in names)


def test_frictionless_validates_every_resource_of_the_zip(archive: Path, descriptor: dict) -> None:
    result = subprocess.run([str(BIN / "frictionless"), "validate", "--json", str(archive)], capture_output=True,
                            text=True, timeout=300)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], result.stdout[:2000]
    checked = sorted(task["name"] for task in report["tasks"])
    assert checked == sorted(r["name"] for r in descriptor["resources"])
    assert len(checked) > len(RESOURCES)  # tables, raw texts, typed JSON and FHIR


def test_frictionless_package_of_the_zip_reads_every_table(archive: Path, folder: Path) -> None:
    from frictionless import Package

    package = Package(str(archive))
    tables = [r for r in package.resources if r.type == "table"]
    assert sorted(r.name for r in tables) == sorted(RESOURCES)
    for resource in tables:
        assert len(resource.read_rows()) == csv_rows(folder, resource.name), resource.name
    for resource in package.resources:
        if resource.type != "table":
            assert len(resource.read_bytes()) == resource.bytes


def test_frictionless_publishes_the_tables_to_sqlite(folder: Path, tmp_path: Path) -> None:
    """Frictionless' SQL publishing handles tabular resources only; with no pattern on nullable fields (its
    REGEXP fails on NULL) the tables go in whole."""
    pytest.importorskip("sqlalchemy")
    from frictionless import Package

    package = Package(str(folder / "datapackage.json"))
    tables = Package(resources=[r for r in package.resources if r.type == "table"], basepath=package.basepath)
    tables.publish(f"sqlite:///{tmp_path / 'published.db'}")
    with sqlite3.connect(tmp_path / "published.db") as db:
        for name in RESOURCES:
            assert db.execute(f'select count(*) from "{name}"').fetchone()[0] == csv_rows(folder, name)
        assert db.execute("select count(*) from sources where url is null").fetchone()[0] > 0
        assert db.execute("select count(*) from terms where hpo_id is null").fetchone()[0] > 0
    db.close()


def profile(version: str) -> dict:
    pytest.importorskip("dplib")
    path = resources.files("dplib") / "profiles" / version / "datapackage.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_data_package_profiles_accept_the_descriptors(version: str, descriptor: dict) -> None:
    schema = profile(version)
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    committed = json.loads((PROJECT_ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for checked in (committed, descriptor):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(checked)]
        assert errors == []


def test_descriptor_metadata(descriptor: dict) -> None:
    assert descriptor["id"].startswith("urn:uuid:") and descriptor["homepage"].startswith("https://")
    assert descriptor["contributors"][0]["title"]
    hpo = [s for s in descriptor["sources"] if s["path"] == "https://hpo.jax.org"]
    assert hpo == [{"title": "Human Phenotype Ontology (term ids in the terms table)", "path": "https://hpo.jax.org",
                    "version": "2025-01-16"}]
    tables = [r for r in descriptor["resources"] if r.get("type") == "table"]
    assert all(r["dialect"] == {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n",
                                "quoteChar": "\""} for r in tables)
    fields = {(r["name"], f["name"]): f for r in tables for f in r["schema"]["fields"]}
    assert "pattern" not in fields[("sources", "url")].get("constraints", {})
    assert "pattern" not in fields[("terms", "hpo_id")].get("constraints", {})
    records = load_schemas(PROJECT_ROOT / "schemas").records
    assert records["sources"]["properties"]["url"]["pattern"] and records["terms"]["properties"]["hpo_id"]["pattern"]
    by_path = {r["path"]: r for r in descriptor["resources"]}
    assert by_path["fhir/schedules.json"]["mediatype"] == "application/fhir+json;fhirVersion=4.0"
    assert all(f"json/{n}.json" in by_path for n in RESOURCES)


def test_raw_texts_carry_their_own_licences(descriptor: dict) -> None:
    licences = {r["name"]: r["licenses"] for r in descriptor["resources"] if r["name"].startswith("raw-")}
    assert licences["raw-takahashi-2021-esketamine-japan-trd-bmc-psychiatry"] == [{
        "name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"}]
    assert licences["raw-fda-spravato-rems-overview"][0]["name"] == "other-pd"
    assert licences["raw-ketamine-and-lexapro"][0]["name"] == "other-closed"  # no licence stated
    label = licences["raw-spravato-pi-2019-boxed-warning-warnings"][0]
    assert label["name"] == "other-closed" and "FDA-approved prescribing information" in label["title"]
    assert descriptor["licenses"][0]["name"] == "ODC-By-1.0"


# ---------------------------------------------------------------- SQLite and datasette


def test_sqlite_has_keys_descriptions_and_the_licence(folder: Path, descriptor: dict) -> None:
    with sqlite3.connect(folder / "sqlite" / f"{NAME}.db") as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for resource in (r for r in descriptor["resources"] if r.get("type") == "table"):
            name = resource["name"]
            assert db.execute(f'select count(*) from "{name}"').fetchone()[0] == csv_rows(folder, name)
            keys = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")') if row[5]]
            assert keys == resource["schema"]["primaryKey"]
            declared = {(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                        for fk in resource["schema"].get("foreignKeys", [])}
            assert {(row[3], row[2], row[4]) for row in db.execute(f'PRAGMA foreign_key_list("{name}")')} == declared
            described = dict(db.execute("select column_name, description from _columns where table_name = ?",
                                        (name,)).fetchall())
            assert described == {f["name"]: f["description"] for f in resource["schema"]["fields"]}
        package = dict(db.execute("select key, value from _package").fetchall())
    assert package["licence"] == "ODC-By-1.0" and package["version"] == "0.1.0"
    metadata = json.loads((folder / "sqlite" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["license"] == "ODC-By-1.0" and metadata["source_url"] == descriptor["homepage"]
    side_effects = metadata["databases"][NAME]["tables"]["side_effects"]
    assert {"term", "certainty", "source_id"} <= set(side_effects["facets"])
    assert side_effects["columns"]["term"] == "Canonical term id (terms table)."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read()


def test_datasette_serves_the_database_with_labels_and_descriptions(folder: Path, tmp_path: Path) -> None:
    server = BIN / "datasette"
    if not server.exists():
        pytest.skip("datasette (a development dependency) is not installed")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(server), "serve", str(folder / "sqlite" / f"{NAME}.db"), "--metadata",
                                str(folder / "sqlite" / "metadata.json"), "-h", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(f"{base}/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        page = json.loads(fetch(f"{base}/{NAME}/side_effects.json?_labels=on&_shape=objects&_size=3"))
        assert len(page["rows"]) == 3
        row = page["rows"][0]
        assert set(row["term"]) == {"value", "label"} and set(row["source_id"]) == {"value", "label"}
        html = fetch(f"{base}/{NAME}/side_effects").decode("utf-8")
        assert "Canonical term id (terms table)." in html and "ODC-By-1.0" in html
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------- FHIR


def test_the_fhir_bundle_validates_against_r4b(folder: Path) -> None:
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    data = json.loads((folder / "fhir" / "schedules.json").read_text(encoding="utf-8"))
    parsed = models.Bundle.model_validate(data)
    assert parsed.type == "collection" and len(parsed.entry) == csv_rows(folder, "schedules")
    assert {e.resource.get_resource_type() for e in parsed.entry} == {"MedicationKnowledge"}


def test_release_refuses_a_phase_fhir_cannot_express(tmp_path: Path) -> None:
    project = copy_inputs(tmp_path / "project")
    (project / "data" / "curation" / "review.yaml").write_text(
        "corrections:\n"
        "  - action: relabel\n    table: schedules\n    source_id: how-ketamine-therapy-works\n"
        "    quote: Ketamine therapy is tailored to the individual patient but is typically given as a series of "
        "treatments over several weeks\n"
        "    set:\n      phases:\n"
        "        - {quote: a series of treatments over several weeks, label: unspecified, bounds_low: 3}\n"
        "    reason: a test of a number without its unit\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(project), "release", "--date", "2026-01-01"])
    assert result.exit_code == 1
    assert "[release-invalid] refusing to release schedules FHIR cannot express" in result.stderr
    assert ("resource schedule_phases, field bounds_unit: [fhir-inexpressible] phase how-ketamine-therapy-works:"
            "p:002773-002814: bounds_low/bounds_high are given without bounds_unit") in result.stderr
    assert not (project / "dist" / f"{FIRST}.zip").exists()


# ---------------------------------------------------------------- the report in a browser


def chromium(tmp_path: Path, *arguments: str) -> str:
    executable = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if executable is None:
        pytest.skip("headless Chromium is not installed (the Debian package chromium; .ci/run installs it)")
    profile_dir = tmp_path / "chromium-profile"
    result = subprocess.run(
        [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile_dir}", *arguments], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Dom(HTMLParser):
    """Elements of an HTML document: (tag, attributes, text directly inside)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text: list[str] = []
        self.elements.append((tag, {k: v or "" for k, v in attrs}, text))
        if tag not in {"meta", "link", "br", "rect", "img", "input"}:
            self._open.append(text)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].append(data)

    def find(self, tag: str, **wanted: str) -> list[tuple[dict[str, str], str]]:
        return [(attrs, "".join(text)) for t, attrs, text in self.elements if t == tag
                and all(wanted[k] in attrs.get(k.replace("_", "-"), "").split() if k == "class"
                        else attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())]

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs, _ in self.elements if "id" in attrs}


def test_the_report_renders_in_chromium_with_the_right_counts_and_links(folder: Path, tmp_path: Path) -> None:
    index = folder / "report" / "index.html"
    dom = Dom(chromium(tmp_path, "--dump-dom", index.as_uri()))
    shown = {attrs["data-table"]: int(text) for attrs, text in dom.find("td", **{"class": "rows"})}
    assert shown == {name: csv_rows(folder, name) for name in RESOURCES}
    links = [attrs["href"] for attrs, _ in dom.find("a", **{"class": "source-link"})]
    assert len(links) == csv_rows(folder, "sources")
    assert all((index.parent / link).is_file() for link in links)
    assert len(dom.find("div", **{"class": "timeline"})) == csv_rows(folder, "schedules")
    terms = {row["term"] for row in csv.DictReader(io.StringIO((folder / "data" / "side_effects.csv").read_text()))}
    assert len(dom.find("g", **{"class": "row"})) >= len(terms)
    assert not dom.find("p", id="no-checks")  # the release has claim checks
    assert len(dom.find("div", **{"class": "claim"})) >= 1
    shot = tmp_path / "index.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,3000", index.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")


def rows_per_source(folder: Path) -> dict[str, int]:
    """How many span rows of all tables belong to each source (phases through their schedule)."""
    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((folder / "data" / f"{name}.csv").read_text(encoding="utf-8"))))

    owner = {row["schedule_id"]: row["source_id"] for row in rows("schedules")}
    counts: dict[str, int] = {}
    for name in RESOURCES:
        for row in rows(name):
            if "start" not in row:
                continue
            source = row.get("source_id") or owner[row["schedule_id"]]
            counts[source] = counts.get(source, 0) + 1
    return counts


def test_every_span_of_a_source_page_is_highlighted_and_linked_to_its_row(folder: Path, tmp_path: Path) -> None:
    expected = rows_per_source(folder)
    page = folder / "report" / "sources" / "ketamine-and-lexapro.html"
    dom = Dom(chromium(tmp_path, "--dump-dom", page.as_uri()))
    tags = dom.find("a", **{"class": "tag"})
    assert len(tags) == expected["ketamine-and-lexapro"]
    ids = dom.ids()
    assert all(attrs["href"].removeprefix("#") in ids for attrs, _ in tags)
    assert all(attrs["href"].removeprefix("#") in ids for attrs, _ in dom.find("a", **{"class": "back"}))
    assert dom.find("mark")
    shot = tmp_path / "source.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")
    for source, count in expected.items():  # every other page, read as written
        other = Dom((folder / "report" / "sources" / f"{source}.html").read_text(encoding="utf-8"))
        assert len(other.find("a", **{"class": "tag"})) == count, source


# ---------------------------------------------------------------- the release record


def test_index_names_every_release_and_the_latest(made: Path, archive: Path) -> None:
    index = json.loads((made / "releases" / "index.json").read_text(encoding="utf-8"))
    schema = json.loads((PROJECT_ROOT / "schemas" / "release-index.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(index)
    latest = index["latest"]
    assert latest == index["releases"][0]
    assert latest["version"] == "0.1.0" and latest["date"] == "2026-01-01"
    assert latest["archive_sha256"] == sha256_hex(archive.read_bytes())
    assert latest["url"] == index["download_pattern"].format(version="0.1.0", archive=f"{FIRST}.zip")
    assert latest["rows"]["claims"] == csv_rows(made / "dist" / FIRST, "claims")


def test_committed_index_matches_the_history() -> None:
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    history = load_history(PROJECT_ROOT, schemas)
    committed = json.loads((PROJECT_ROOT / "releases" / "index.json").read_text(encoding="utf-8"))
    homepage = json.loads((PROJECT_ROOT / "datapackage.json").read_text(encoding="utf-8"))["homepage"]
    assert committed == release_index(history, homepage)
    jsonschema.Draft202012Validator(schemas.inputs["release-index"]).validate(committed)
    assert release_index(History(package=None, releases=()), None)["latest"] is None


def test_verify_accepts_the_release_and_catches_a_changed_database(made: Path, folder: Path, tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["--project", str(made), "verify", str(folder)])
    assert ok.exit_code == 0, ok.stdout
    copy = Path(shutil.copytree(folder, tmp_path / FIRST))
    database = copy / "sqlite" / f"{NAME}.db"
    with sqlite3.connect(database) as db:
        db.execute("delete from side_effects where rowid = (select min(rowid) from side_effects)")
    db.close()
    sums = copy / "SHA256SUMS"
    lines = [f"{sha256_hex(database.read_bytes())}  sqlite/{NAME}.db" if line.endswith(f"  sqlite/{NAME}.db")
             else line for line in sums.read_text(encoding="utf-8").splitlines()]
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", str(copy)])
    assert result.exit_code == 1
    assert f"sqlite/{NAME}.db, resource side_effects: [sqlite-rows]" in result.stdout
