"""Assertion rows written for the tests (while the package has no assertions table) and the checks derived with
them, for the tests of pipeline/checks."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from conftest import PROJECT_ROOT

from pipeline.build import load_cues
from pipeline.checks import Reference, derive, load_reference
from pipeline.load import Layout, load_inputs
from pipeline.schemas import load_schemas
from pipeline.tables import RESOURCES

Row = dict[str, Any]
CHECKS_DIR = PROJECT_ROOT / "tests" / "checks"
HAS_ASSERTIONS = "assertions" in RESOURCES


def reference_of(layout: Layout) -> Reference:
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    return load_reference(layout, schemas, inputs.documents, load_cues(layout, schemas)["forms"], inputs.vocabulary)


@cache
def project_reference() -> Reference:
    return reference_of(Layout(PROJECT_ROOT, PROJECT_ROOT / "data"))


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _span(text: str, quote: str, occurrence: int = 1, within: tuple[int, int] | None = None) -> tuple[int, int]:
    low, high = within or (0, len(text))
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1 if start >= 0 else low, high)
    return start, start + len(quote)


def assertion_rows(source_id: str, text: str, quote: str, assertions: list[Mapping[str, Any]], certainty: str,
                   occurrence: int = 1) -> tuple[Row, list[Row]]:
    """A claim on `quote` (with its certainty) and its assertions, as the claims layer would give them: each
    assertion's span is its `words` inside the claim (the whole claim when it names none)."""
    claim_start, claim_end = _span(text, quote, occurrence)
    claim_id = f"{source_id}:c:{claim_start:06d}-{claim_end:06d}"
    claim = {"claim_id": claim_id, "source_id": source_id, "start": claim_start, "end": claim_end, "quote": quote,
             "category": "other", "subject": "ketamine", "certainty": certainty, "testimonial": False,
             "origin": "curated"}
    rows = []
    for item in assertions:
        words = item.get("words", quote)
        start, end = _span(text, words, within=(claim_start, claim_end))
        rows.append({
            "assertion_id": f"{source_id}:a:{start:06d}-{end:06d}:{item['property']}", "claim_id": claim_id,
            "source_id": source_id, "start": start, "end": end, "quote": words, "drug_form": item.get("drug_form"),
            "property": item["property"], "value": item.get("value"), "value_low": item.get("value_low"),
            "value_high": item.get("value_high", item.get("value_low")), "unit": item.get("unit"),
            "qualifier": item.get("qualifier"), "population": item.get("population"),
            "polarity": item.get("polarity", "affirmed"), "origin": "curated"})
    return claim, rows


def with_assertions(tables: Mapping[str, list[Row]], claims: list[Row], assertions: list[Row]) -> dict[str, list[Row]]:
    """The tables with claims (replacing those of the same id) and assertions added."""
    ids = {claim["claim_id"] for claim in claims}
    result = dict(tables)
    result["claims"] = [c for c in tables.get("claims", []) if c["claim_id"] not in ids] + claims
    result["assertions"] = list(tables.get("assertions", [])) + assertions
    return result


def corpus_fixture(texts: Mapping[str, str]) -> tuple[list[Row], list[Row]]:
    """The claims and assertions of tests/checks/corpus_assertions.yaml, located in the corpus texts."""
    claims: dict[str, Row] = {}
    assertions: list[Row] = []
    for entry in read_yaml(CHECKS_DIR / "corpus_assertions.yaml")["assertions"]:
        item = {k: v for k, v in entry.items() if k not in ("source_id", "quote", "occurrence", "certainty")}
        claim, rows = assertion_rows(entry["source_id"], texts[entry["source_id"]], entry["quote"], [item],
                                     entry.get("certainty", "asserted"), entry.get("occurrence", 1))
        claims[claim["claim_id"]] = claim
        assertions += rows
    return list(claims.values()), assertions


def derived_checks(tables: Mapping[str, list[Row]], reference: Reference, texts: Mapping[str, str]) -> dict[str, list[Row]]:
    return derive(tables, reference, texts)
