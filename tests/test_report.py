"""The report site and the SQLite export are driven by the descriptor: claim checks show when the package has
them (and the report says so when it has none), and every text is escaped."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from pipeline.database import database_bytes, database_problems, datasette_metadata
from pipeline.report import site_files
from pipeline.report.model import phase_summary, phase_weeks, segments
from pipeline.report.site import release_readme
from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture(scope="module")
def package(built_package: Path) -> tuple[dict, dict, dict]:
    tables, problems = read_tables(built_package, load_schemas(PROJECT_ROOT / "schemas"))
    assert problems == []
    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    texts = {row["source_id"]: (built_package / row["path"]).read_text(encoding="utf-8") for row in tables["sources"]}
    return descriptor, tables, texts


def without_checks(descriptor: dict, tables: dict) -> tuple[dict, dict]:
    """The package as a release without reference facts would be: no claim_checks table."""
    resources = [r for r in descriptor["resources"] if r["name"] != "claim_checks"]
    return {**descriptor, "resources": resources}, {k: v for k, v in tables.items() if k != "claim_checks"}


def test_report_without_checks_says_so(package) -> None:
    descriptor, tables = without_checks(*package[:2])
    index = site_files(descriptor, tables, package[2])["report/index.html"].decode("utf-8")
    assert 'id="no-checks"' in index
    assert "Claims by category" in index


def test_report_shows_claims_with_their_checks(package) -> None:
    descriptor, tables, texts = copy.deepcopy(package)
    flagged = next(row for row in tables["claim_checks"] if row["verdict"] == "contradicts" and row["claim_id"])
    flagged["reason"] = HOSTILE
    files = site_files(descriptor, tables, texts)
    index = files["report/index.html"].decode("utf-8")
    assert 'id="no-checks"' not in index
    assert f'id="claim-{flagged["claim_id"]}"' in index
    assert '<span class="verdict contradicts">contradicts</span>' in index
    assert f'data-table="claim_checks">{len(tables["claim_checks"])}</td>' in index
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in index
    assert "<script" not in "".join(f.decode("utf-8") for f in files.values())


def test_every_text_is_escaped(package) -> None:
    descriptor, tables, texts = copy.deepcopy(package)
    source = tables["sources"][0]
    source["title"] = HOSTILE
    texts[source["source_id"]] = HOSTILE + texts[source["source_id"]][len(HOSTILE):]
    files = site_files(descriptor, tables, texts)
    page = files[f"report/sources/{source['source_id']}.html"].decode("utf-8")
    assert "<script" not in page and "<b>bold" not in page
    assert "&lt;script&gt;" in page
    assert "<script" not in files["report/index.html"].decode("utf-8")
    assert "http://" not in page.split("<main>")[0] and "https://" not in page.split("<main>")[0]  # nothing fetched


def test_segments_cut_at_every_span_boundary() -> None:
    from pipeline.report.model import SpanRef

    claim = SpanRef("c1", "claims", 0, "claim")
    effect = SpanRef("e1", "side_effects", 4, "effect")
    pieces = segments("I felt dizzy today.", [(0, 19, claim), (7, 12, effect)])
    assert [(p.text, p.colours, [r.row_id for r in p.starts]) for p in pieces] == [
        ("I felt ", (0,), ["c1"]), ("dizzy", (0, 4), ["e1"]), (" today.", (0,), [])]


@pytest.mark.parametrize(("phase", "weeks", "summary"), [
    ({"count": 4, "count_max": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk"}, 3.0,
     "4–6 times, over 2–3 wk"),
    ({"frequency": 2, "period": 1, "period_unit": "wk", "count": 8}, 4.0, "8 times, 2 per wk"),
    ({"frequency": 1, "period": 1, "period_max": 3, "period_unit": "mo", "as_needed": True}, None,
     "1 per 1–3 mo, as needed"),
    ({"bounds_unit": "wk"}, None, "over some wk"),
    ({"dose_low": 0.5, "dose_high": 0.5, "dose_unit": "mg/kg"}, None, "0.5 mg/kg"),
    ({}, None, "timing not stated"),
])
def test_phase_reading(phase: dict, weeks: float | None, summary: str) -> None:
    assert phase_weeks(phase) == weeks
    assert phase_summary(phase) == summary


def test_sqlite_follows_the_descriptor(package, tmp_path: Path) -> None:
    descriptor, tables, _ = package
    content = database_bytes(descriptor, tables)
    assert content == database_bytes(descriptor, tables)  # reproducible
    assert database_problems(content, tables, "x.db") == []
    path = tmp_path / "x.db"
    path.write_bytes(content)
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from claim_checks").fetchone()[0] == len(tables["claim_checks"])
        keys = {row[2:5] for row in db.execute("PRAGMA foreign_key_list(claim_checks)").fetchall()}
        assert ("claims", "claim_id", "claim_id") in keys
    db.close()
    metadata = datasette_metadata(descriptor, tables)["databases"]["ketamine-therapy-claims"]["tables"]
    assert "verdict" in metadata["claim_checks"]["facets"]
    assert metadata["claim_checks"]["columns"]["reason"].startswith("One line")


def test_sqlite_refuses_a_row_that_points_nowhere(package) -> None:
    descriptor, tables, _ = copy.deepcopy(package)
    tables["claim_checks"][0]["claim_id"] = "nowhere:c:000000-000001"
    from pipeline.problems import PipelineError

    with pytest.raises(PipelineError) as caught:
        database_bytes(descriptor, tables)
    assert [p.code for p in caught.value.problems] == ["sqlite-foreign-key"]


def test_release_readme_lists_each_text_licence(package) -> None:
    descriptor, tables, _ = package
    readme = release_readme(descriptor, tables, "sqlite/ketamine-therapy-claims.db").decode("utf-8")
    assert "datasette sqlite/ketamine-therapy-claims.db --metadata sqlite/metadata.json" in readme
    assert "| `takahashi-2021-esketamine-japan-trd-bmc-psychiatry` | CC BY 4.0 |" in readme
    assert "release 2025-01-16" in readme
