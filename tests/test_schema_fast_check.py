"""The compiled fast check of an input file never accepts what the full JSON Schema validator refuses: the
project's own inputs pass both, and each broken variant of a sources entry is refused by both."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from conftest import PROJECT_ROOT

from pipeline.schemas import load_schemas

SCHEMAS = load_schemas(PROJECT_ROOT / "schemas")
SOURCES = yaml.safe_load((PROJECT_ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))


def _with_first_entry(change: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    data = copy.deepcopy(SOURCES)
    data["sources"][0].update(change)
    if drop:
        del data["sources"][0][drop]
    return data


BROKEN_SOURCES = {
    "a day that no calendar has": _with_first_entry({"published": "2023-02-30"}),
    "a date without leading zeros": _with_first_entry({"published": "2023-2-3"}),
    "a url with a space": _with_first_entry({"url": "https://example.org/a page"}),
    "a url starting with a dollar": _with_first_entry({"url": "https://$example.org/"}),
    "a capital in the source id": _with_first_entry({"source_id": "Ketamine-note"}),
    "an unknown field": _with_first_entry({"colour": "blue"}),
    "a missing title": _with_first_entry({}, drop="title"),
    "a number for a title": _with_first_entry({"title": 12}),
    "a short checksum": _with_first_entry({"sha256": "ab" * 31}),
}


def _full_errors(kind: str, data: Any) -> list[str]:
    return [error.message for error in SCHEMAS.input_validator(kind).iter_errors(data)]


def test_the_project_sources_pass_the_fast_check_and_the_full_validator() -> None:
    accepted = SCHEMAS.input_accepted("sources")
    assert accepted is not None
    assert accepted(SOURCES) is True
    assert _full_errors("sources", SOURCES) == []


@pytest.mark.parametrize("case", sorted(BROKEN_SOURCES))
def test_a_broken_sources_entry_is_refused_by_both_checks(case: str) -> None:
    data = BROKEN_SOURCES[case]
    assert SCHEMAS.input_accepted("sources")(data) is False
    assert _full_errors("sources", data) != []


def test_a_schema_with_a_keyword_of_2020_12_has_no_fast_check() -> None:
    # prefixItems is read only by the full validator, so those inputs are always checked by it
    assert SCHEMAS.input_accepted("cues-quantities") is None
    assert SCHEMAS.input_validator("cues-quantities") is not None
