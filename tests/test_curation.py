"""Curation: reject, add and relabel rows by quote; stale, ambiguous and invalid entries fail with file and line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import snapshot

import pipeline.build
import pipeline.executors
import pipeline.work
from pipeline.curate import curate, find_all
from pipeline.load import CurationEntry
from pipeline.problems import PipelineError
from pipeline.records import (
    Claim,
    Contraindication,
    Document,
    Extraction,
    Phase,
    Quantity,
    Schedule,
    SideEffect,
)

SOURCE = "curation-demo"
TEXT = """Ketamine Therapy Notes

Patients may feel nausea and dizziness after a session. Some report better tolerance vs. monotherapy.

Ketamine has an incredible 70-85% response rate in patients with depression.

It is not indicated for patients with active psychosis or mania.

Treatment is six infusions over two to three weeks, then one infusion every month.

Nausea is common. Nausea passes quickly.
"""
CLAIM = "Ketamine has an incredible 70-85% response rate in patients with depression."
SCHEDULE = "six infusions over two to three weeks, then one infusion every month"


def span(quote: str, occurrence: int = 1, within: str | None = None) -> tuple[int, int]:
    base = TEXT.index(within) if within else 0
    start = find_all(TEXT, quote, base)[occurrence - 1]
    return start, start + len(quote)


def phase(quote: str, label: str, **timing: float) -> Phase:
    start, end = span(quote)
    return Phase(start=start, end=end, quote=quote, label=label, **timing)


def fake_extraction(drop: tuple[str, ...] = ()) -> Extraction:
    """What a rule set might extract from TEXT: right, wrong ("tolerance") and incomplete (no "mania")."""
    effects = [SideEffect(SOURCE, *span(q, n), q, term, "unspecified", certainty)
               for q, n, term, certainty in (("nausea", 1, "nausea", "asserted"), ("dizziness", 1, "dizziness", "hedged"),
                                             ("tolerance", 1, "drug-tolerance", "asserted"),
                                             ("Nausea", 1, "nausea", "asserted"), ("Nausea", 2, "nausea", "asserted"))
               if q not in drop]
    claim = Claim(SOURCE, *span(CLAIM), CLAIM, "efficacy", "ketamine", "asserted", quantities=(
        Quantity(*span("70-85%"), "70-85%", 70, 85, "exact", measure="response-rate", unit="percent", subject="ketamine"),))
    schedule = Schedule(SOURCE, *span(SCHEDULE), SCHEDULE, "ketamine", "unspecified", phases=(
        phase("six infusions over two to three weeks", "induction",
              count=6, bounds_low=2, bounds_high=3, bounds_unit="wk"),
        phase("one infusion every month", "maintenance", frequency=1, period=1, period_unit="mo")))
    contra = Contraindication(SOURCE, *span("active psychosis"), "active psychosis", "psychosis", "contraindication")
    return Extraction(claims=(claim,), schedules=(schedule,), side_effects=tuple(effects),
                      contraindications=(contra,))


@pytest.fixture
def dropped() -> list[str]:
    """Quotes the fake extractor stops extracting: a test appends to it to mimic changed rules."""
    return []


@pytest.fixture
def demo(project: Path, monkeypatch: pytest.MonkeyPatch, dropped: list[str]) -> Path:
    """A project whose only source is TEXT and whose extractor is fake_extraction (independent of the rules)."""
    data = project / "data"
    shutil.rmtree(data / "raw")
    shutil.rmtree(data / "reference")  # the facts cite reference texts this project drops
    (data / "raw").mkdir()
    (data / "raw" / f"{SOURCE}.txt").write_text(TEXT, encoding="utf-8")
    (data / "sources.yaml").write_text(
        f"sources:\n  - source_id: {SOURCE}\n    title: Curation demo\n    kind: other\n    language: en\n"
        f"    sha256: {hashlib.sha256(TEXT.encode()).hexdigest()}\n", encoding="utf-8")

    def extract(document: Document, rules: Any) -> Extraction:
        return fake_extraction(tuple(dropped))

    # the extraction is faked (in this process: one job, no cache that would keep an earlier fake's rows)
    monkeypatch.setattr(pipeline.work, "extract_document", extract)
    monkeypatch.setattr(pipeline.executors, "default_jobs", lambda: 1)
    monkeypatch.setattr(pipeline.build, "DocumentCache", NoCache)
    return project


class NoCache:
    """A cache that keeps nothing."""

    def __init__(self, folder: Path):
        self.folder = folder

    def has(self, key: str) -> bool:
        return False

    def get(self, key: str) -> None:
        return None

    def put(self, key: str, result: Any) -> None:
        return None

    def keep(self) -> None:
        return None

    def drop(self) -> None:
        return None


def write_curation(project: Path, *entries: str, name: str = "review.yaml") -> list[int]:
    """Write entries (YAML mappings) as a curation file; returns the line of each entry."""
    lines = ["# reviewed corrections", "corrections:"]
    starts = []
    for entry in entries:
        starts.append(len(lines) + 1)
        body = entry.strip("\n").splitlines()
        lines.append("  - " + body[0])
        lines.extend("    " + line for line in body[1:])
    (project / "data" / "curation" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return starts


def table(project: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((project / "data" / f"{name}.csv").read_text(encoding="utf-8"))))


def by_quote(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        result.setdefault(row["quote"], []).append(row)
    return result


def test_without_curation_every_row_is_extracted(demo: Path, invoke) -> None:
    assert invoke("--project", demo, "build").exit_code == 0
    effects = table(demo, "side_effects")
    assert len(effects) == 5
    assert {row["origin"] for row in effects} == {"extracted"}


def test_reject_add_and_relabel(demo: Path, invoke) -> None:
    write_curation(demo, """
action: reject
table: side_effects
source_id: curation-demo
quote: tolerance
where: {term: drug-tolerance}
reason: '"better tolerance vs. monotherapy" is about tolerability, not drug tolerance'
""", """
action: add
table: contraindications
source_id: curation-demo
quote: mania
set: {condition: mania, kind: contraindication}
reason: the list "active psychosis or mania" names two conditions
""", """
action: relabel
table: side_effects
source_id: curation-demo
quote: nausea
set: {certainty: hedged}
reason: '"may feel" hedges it'
""", """
action: relabel
table: side_effects
source_id: curation-demo
quote: Nausea
occurrence: 1
set: {frequency: common}
reason: '"Nausea is common" gives a frequency band'
""", """
action: relabel
table: claims
source_id: curation-demo
quote: "Ketamine has an incredible 70-85% response rate in patients with depression."
set: {certainty: hedged, quantities: [{quote: 70-85%, value_low: 70, value_high: 85, qualifier: approx, unit: percent,
  measure: response-rate, subject: ketamine}]}
reason: marketing superlative; the range is approximate
""", """
action: relabel
table: schedules
source_id: curation-demo
quote: "six infusions over two to three weeks, then one infusion every month"
set: {route: intravenous}
reason: infusions are intravenous
""")
    result = invoke("--project", demo, "build")
    assert result.exit_code == 0, result.stderr
    effects = by_quote(table(demo, "side_effects"))
    assert "tolerance" not in effects
    assert effects["nausea"][0]["certainty"] == "hedged"
    assert effects["nausea"][0]["origin"] == "curated"
    first, second = effects["Nausea"]
    assert (first["frequency"], first["origin"]) == ("common", "curated")
    assert (second["frequency"], second["origin"]) == ("", "extracted")
    assert effects["dizziness"][0]["origin"] == "extracted"

    mania = by_quote(table(demo, "contraindications"))["mania"][0]
    start, end = span("mania")
    assert (int(mania["start"]), int(mania["end"]), mania["condition"], mania["origin"]) == (
        start, end, "mania", "curated")
    assert mania["contraindication_id"] == f"{SOURCE}:ci:{start:06d}-{end:06d}:mania"

    claim = table(demo, "claims")[0]
    quantity = table(demo, "quantities")[0]
    assert (claim["certainty"], claim["origin"]) == ("hedged", "curated")
    assert (quantity["qualifier"], quantity["origin"], quantity["claim_id"]) == ("approx", "curated", claim["claim_id"])
    schedule = table(demo, "schedules")[0]
    assert (schedule["route"], schedule["origin"]) == ("intravenous", "curated")
    assert {row["origin"] for row in table(demo, "schedule_phases")} == {"curated"}, "phases follow their schedule"

    report = invoke("--project", demo, "validate", "--json", demo)
    assert json.loads(report.stdout)["valid"], report.stdout


def test_rejecting_a_claim_drops_its_quantities(demo: Path, invoke) -> None:
    write_curation(demo, f"""
action: reject
table: claims
source_id: curation-demo
quote: "{CLAIM}"
reason: a sales pitch, not a check-worthy claim
""")
    assert invoke("--project", demo, "build").exit_code == 0
    assert table(demo, "claims") == []
    assert table(demo, "quantities") == []


def test_add_a_schedule_with_phases_and_a_claim_with_quantities(demo: Path, invoke, dropped: list[str]) -> None:
    dropped.append("Nausea")
    write_curation(demo, """
action: reject
table: schedules
source_id: curation-demo
quote: "six infusions over two to three weeks, then one infusion every month"
reason: replaced by the entry below, which spans the whole sentence
""", """
action: add
table: schedules
source_id: curation-demo
quote: "Treatment is six infusions over two to three weeks, then one infusion every month."
set:
  drug: ketamine
  route: intravenous
  phases:
    - {quote: six infusions, label: induction, count: 6, bounds_low: 2, bounds_high: 3, bounds_unit: wk}
    - {quote: one infusion every month, label: maintenance, frequency: 1, period: 1, period_unit: mo}
reason: the schedule statement is the whole sentence
""", """
action: add
table: claims
source_id: curation-demo
quote: Nausea is common.
set:
  category: safety
  subject: ketamine
  certainty: asserted
reason: a safety claim the rules missed
""")
    result = invoke("--project", demo, "build")
    assert result.exit_code == 0, result.stderr
    schedule = table(demo, "schedules")[0]
    assert schedule["quote"].startswith("Treatment is") and schedule["origin"] == "curated"
    phases = table(demo, "schedule_phases")
    assert [(p["sequence"], p["label"], p["quote"]) for p in phases] == [
        ("1", "induction", "six infusions"), ("2", "maintenance", "one infusion every month")]
    assert all(TEXT[int(p["start"]):int(p["end"])] == p["quote"] for p in phases)
    claims = by_quote(table(demo, "claims"))
    assert claims["Nausea is common."][0]["origin"] == "curated"
    assert invoke("--project", demo, "validate", "--no-frictionless", demo).exit_code == 0


def test_a_stale_entry_fails_the_build_and_the_check_and_writes_nothing(demo: Path, invoke, dropped: list[str]) -> None:
    lines = write_curation(demo, """
action: reject
table: side_effects
source_id: curation-demo
quote: tolerance
reason: not a side effect here
""")
    assert invoke("--project", demo, "build").exit_code == 0
    before = snapshot(demo)
    dropped.append("tolerance")  # the rules improved: the row is gone
    result = invoke("--project", demo, "build")
    assert result.exit_code == 1
    assert f"data/curation/review.yaml:{lines[0]}: [curation-stale]" in result.stderr
    assert "no longer applies" in result.stderr
    assert snapshot(demo) == before
    check = invoke("--project", demo, "build", "--check")
    assert check.exit_code == 1
    assert "[curation-stale]" in check.stderr


@pytest.mark.parametrize(("entry", "code", "message"), [
    ("action: reject\ntable: side_effects\nsource_id: curation-demo\nquote: Ketamine Therapy Notes\nreason: stale",
     "curation-stale", "matches no side_effects row"),
    ("action: relabel\ntable: side_effects\nsource_id: curation-demo\nquote: nausea\nwhere: {term: vomiting}\n"
     "set: {certainty: hedged}\nreason: guarded", "curation-stale", "rows on this span have term='nausea'"),
    ("action: relabel\ntable: side_effects\nsource_id: curation-demo\nquote: nausea\nset: {certainty: asserted}\n"
     "reason: no-op", "curation-stale", "relabel changes nothing"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: Nausea\n"
     "set: {term: nausea, context: therapeutic, certainty: asserted}\nreason: ambiguous",
     "curation-ambiguous", "found 2 times in the text; add `occurrence:` (1 to 2)"),
    ("action: reject\ntable: side_effects\nsource_id: curation-demo\nquote: Nausea\nreason: ambiguous",
     "curation-ambiguous", "found 2 times"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: vomiting\n"
     "set: {term: vomiting, context: therapeutic, certainty: asserted}\nreason: absent",
     "curation-quote-absent", "'vomiting' is not found in the text"),
    ("action: reject\ntable: side_effects\nsource_id: curation-demo\nquote: Nausea\noccurrence: 3\nreason: too far",
     "curation-quote-absent", "occurrence 3 of 'Nausea' does not exist"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: dizziness\n"
     "set: {term: dizziness, context: therapeutic, certainty: hedged}\nreason: exists",
     "curation-exists", "a side_effects row with the same id already lies on this span"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: session\n"
     "set: {term: nausea, context: therapeutic, certainty: maybe}\nreason: bad label",
     "curation-value", "set: certainty: 'maybe' is not one of"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: session\n"
     "set: {term: psychosis, context: therapeutic, certainty: asserted}\nreason: wrong kind of term",
     "curation-term", "'psychosis' is not a side-effect term"),
    ("action: add\ntable: side_effects\nsource_id: curation-demo\nquote: session\n"
     "set: {term: nausea}\nreason: incomplete", "curation-field", "missing field(s) ['context', 'certainty']"),
    ("action: reject\ntable: side_effects\nsource_id: curation-demo\nquote: nausea\nset: {term: nausea}\n"
     "reason: reject with set", "curation-field", "reject takes no `set`"),
    ("action: reject\ntable: side_effects\nsource_id: no-such-source\nquote: nausea\nreason: unknown source",
     "curation-source", "'no-such-source' is not in sources.yaml"),
    ("action: add\ntable: claims\nsource_id: curation-demo\nquote: Nausea passes quickly.\n"
     "set: {category: safety, subject: ketamine, certainty: asserted, quantities: [{quote: '85%', value_low: 85, "
     "value_high: 85, qualifier: exact, measure: proportion, subject: ketamine}]}\nreason: quantity outside the claim",
     "curation-quote-absent", "set.quantities[1]: quote '85%' is not found in its parent row's span"),
])
def test_bad_entries_name_file_line_and_cause(demo: Path, invoke, entry: str, code: str, message: str) -> None:
    lines = write_curation(demo, entry)
    result = invoke("--project", demo, "build")
    assert result.exit_code == 1
    assert f"data/curation/review.yaml:{lines[0]}: [{code}]" in result.stderr
    assert message in result.stderr


def test_entries_apply_in_order_and_a_duplicate_rejection_is_stale(demo: Path, invoke) -> None:
    reject = "action: reject\ntable: side_effects\nsource_id: curation-demo\nquote: tolerance\nreason: not an effect"
    add = ("action: add\ntable: contraindications\nsource_id: curation-demo\nquote: mania\n"
           "set: {condition: mania, kind: caution}\nreason: missed")
    relabel = ("action: relabel\ntable: contraindications\nsource_id: curation-demo\nquote: mania\n"
               "where: {kind: caution}\nset: {kind: contraindication}\nreason: second thoughts")
    lines = write_curation(demo, reject, add, relabel, reject)
    result = invoke("--project", demo, "build")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if "[curation-" in line]
    assert problems == [line for line in problems if f"review.yaml:{lines[3]}: [curation-stale]" in line]
    assert len(problems) == 1


def test_schema_errors_point_at_the_field(demo: Path, invoke) -> None:
    lines = write_curation(demo, "action: relabel\ntable: contraindications\nsource_id: curation-demo\n"
                                 "quote: active psychosis\nset:\n  term: nausea\nreason: wrong field for the table")
    result = invoke("--project", demo, "build")
    assert result.exit_code == 1
    assert f"data/curation/review.yaml:{lines[0] + 5}: [schema-additionalProperties]" in result.stderr


def entry(line: int, **data: Any) -> CurationEntry:
    return CurationEntry(path="data/curation/unit.yaml", line=line, data=data)


def test_curate_reports_every_bad_entry_at_once() -> None:
    extractions = {SOURCE: fake_extraction()}
    entries = (
        entry(3, action="reject", table="side_effects", source_id=SOURCE, quote="mania", reason="stale"),
        entry(9, action="reject", table="side_effects", source_id=SOURCE, quote="tolerance", reason="fine"),
        entry(15, action="add", table="side_effects", source_id=SOURCE, quote="zebra",
              set={"term": "nausea", "context": "unspecified", "certainty": "asserted"}, reason="absent"),
    )
    with pytest.raises(PipelineError) as caught:
        curate(extractions, {SOURCE: TEXT}, entries)
    assert [(p.code, p.line) for p in caught.value.problems] == [
        ("curation-stale", 3), ("curation-quote-absent", 15)]


def test_curate_without_entries_returns_the_extractions_unchanged() -> None:
    extractions = {SOURCE: fake_extraction()}
    assert curate(extractions, {SOURCE: TEXT}, ()) == extractions


def test_curated_rows_keep_exact_offsets() -> None:
    entries = (entry(1, action="add", table="side_effects", source_id=SOURCE, quote="Nausea", occurrence=2,
                     set={"term": "nausea", "context": "unspecified", "certainty": "asserted"}, reason="x"),)
    extractions = {SOURCE: fake_extraction(drop=("Nausea",))}
    effects = curate(extractions, {SOURCE: TEXT}, entries)[SOURCE].side_effects
    added = [e for e in effects if e.origin == "curated"]
    assert len(added) == 1
    assert TEXT[added[0].start:added[0].end] == "Nausea"
    assert added[0].start == TEXT.rindex("Nausea")
    assert list(effects) == sorted(effects, key=lambda e: (e.start, e.end))


def test_the_curation_readme_example_is_valid_and_applies(demo: Path, invoke) -> None:
    """The example in data/curation/README.md passes the schema and, pointed at the demo text, builds."""
    readme = Path(__file__).resolve().parent.parent / "data" / "curation" / "README.md"
    block = readme.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    (demo / "data" / "curation" / "example.yaml").write_text(block.replace("example-article", SOURCE),
                                                             encoding="utf-8")
    result = invoke("--project", demo, "build")
    assert result.exit_code == 0, result.stderr
    assert {row["origin"] for row in table(demo, "schedules")} == {"curated"}


def test_rows_sharing_a_span_are_told_apart_by_where() -> None:
    base = fake_extraction()
    twin = SideEffect(SOURCE, *span("nausea"), "nausea", "vomiting", "unspecified", "asserted")
    extractions = {SOURCE: replace(base, side_effects=(*base.side_effects, twin))}
    reject = {"action": "reject", "table": "side_effects", "source_id": SOURCE, "quote": "nausea", "reason": "x"}
    with pytest.raises(PipelineError) as caught:
        curate(extractions, {SOURCE: TEXT}, (entry(4, **reject),))
    assert caught.value.problems[0].code == "curation-ambiguous"
    assert "term='nausea'" in caught.value.problems[0].message and "add `where:`" in caught.value.problems[0].message
    result = curate(extractions, {SOURCE: TEXT}, (entry(4, **reject, where={"term": "vomiting"}),))
    assert [e.term for e in result[SOURCE].side_effects if e.quote == "nausea"] == ["nausea"]


def test_a_second_term_may_be_added_on_a_span_but_ids_never_clash() -> None:
    add = entry(1, action="add", table="side_effects", source_id=SOURCE, quote="nausea", reason="both",
                set={"term": "vomiting", "context": "unspecified", "certainty": "asserted"})
    result = curate({SOURCE: fake_extraction()}, {SOURCE: TEXT}, (add,))
    assert sorted(e.term for e in result[SOURCE].side_effects if e.quote == "nausea") == ["nausea", "vomiting"]
    clash = entry(7, action="relabel", table="side_effects", source_id=SOURCE, quote="nausea", reason="clash",
                  where={"term": "nausea"}, set={"term": "vomiting"})
    with pytest.raises(PipelineError) as caught:
        curate({SOURCE: fake_extraction()}, {SOURCE: TEXT}, (add, clash))
    assert [(p.code, p.line) for p in caught.value.problems] == [("curation-exists", 7)]
