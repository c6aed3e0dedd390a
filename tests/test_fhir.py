"""FHIR export: schedules and phases as HL7 FHIR R4 Dosage lists, checked by schemas/fhir-dosage.schema.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import PROJECT_ROOT

from pipeline.fhir import dosage_lists, fhir_problems
from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

SCHEDULE_ID = "ketamine-and-lexapro:s:007148-007349"
EMPTY = dict.fromkeys(("frequency", "frequency_max", "period", "period_max", "period_unit", "count", "count_max",
                       "bounds_low", "bounds_high", "bounds_unit"))


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((PROJECT_ROOT / "schemas" / "fhir-dosage.schema.json").read_text(encoding="utf-8"))


def _phase(sequence: int, start: int, end: int, quote: str, **timing: object) -> dict:
    return {"phase_id": f"ketamine-and-lexapro:p:{start:06d}-{end:06d}", "schedule_id": SCHEDULE_ID,
            "sequence": sequence, "label": "induction", "start": start, "end": end, "quote": quote,
            **EMPTY, "as_needed": False, "origin": "extracted", **timing}


def _worked_example() -> tuple[list[dict], list[dict]]:
    schedules = [{"schedule_id": SCHEDULE_ID, "source_id": "ketamine-and-lexapro", "start": 7148, "end": 7349,
                  "quote": "Clinical protocols call for ...", "drug": "ketamine", "route": "intravenous",
                  "origin": "extracted"}]
    phases = [  # given out of order: the export sorts by sequence
        _phase(2, 7265, 7330, "maintenance dosing ranging every 1-3 months on an as-needed basis",
               frequency=1, period=1, period_max=3, period_unit="mo", as_needed=True, label="maintenance"),
        _phase(1, 7176, 7230, "4-6 initial ketamine infusions spaced across 2-3 weeks",
               count=4, count_max=6, bounds_low=2, bounds_high=3, bounds_unit="wk")]
    return schedules, phases


def test_worked_example_as_fhir_dosage(schema: dict) -> None:
    entries = dosage_lists(*_worked_example())
    route = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous route"}],
             "text": "intravenous"}
    week = {"unit": "weeks", "system": "http://unitsofmeasure.org", "code": "wk"}
    assert entries == [{
        "schedule_id": SCHEDULE_ID, "source_id": "ketamine-and-lexapro", "drug": "ketamine",
        "quote": "Clinical protocols call for ...",
        "dosage": [
            {"id": "ketamine-and-lexapro:p:007176-007230", "sequence": 1,
             "text": "4-6 initial ketamine infusions spaced across 2-3 weeks",
             "timing": {"repeat": {"boundsRange": {"low": {"value": 2, **week}, "high": {"value": 3, **week}},
                                   "count": 4, "countMax": 6}},
             "asNeededBoolean": False, "route": route},
            {"id": "ketamine-and-lexapro:p:007265-007330", "sequence": 2,
             "text": "maintenance dosing ranging every 1-3 months on an as-needed basis",
             "timing": {"repeat": {"frequency": 1, "period": 1, "periodMax": 3, "periodUnit": "mo"}},
             "asNeededBoolean": True, "route": route}]}]
    assert fhir_problems(entries, schema) == []
    json.dumps(entries)  # JSON-able


def test_one_length_is_a_bounds_duration_and_absent_fields_are_omitted(schema: dict) -> None:
    schedules, _ = _worked_example()
    schedules[0]["route"] = "unspecified"
    phases = [_phase(1, 10, 40, "twice-weekly treatments for the first month", frequency=2, period=1,
                     period_unit="wk", bounds_low=1, bounds_high=1, bounds_unit="mo"),
              _phase(2, 50, 90, "maintenance phase", label="maintenance")]
    (entry,) = dosage_lists(schedules, phases)
    first, second = entry["dosage"]
    assert first["timing"]["repeat"] == {
        "boundsDuration": {"value": 1, "unit": "months", "system": "http://unitsofmeasure.org", "code": "mo"},
        "frequency": 2, "period": 1, "periodUnit": "wk"}
    assert "route" not in first
    assert second == {"id": "ketamine-and-lexapro:p:000050-000090", "sequence": 2, "text": "maintenance phase",
                      "asNeededBoolean": False}
    assert "null" not in json.dumps(entry)
    assert fhir_problems([entry], schema) == []


def test_a_length_without_a_number_has_no_bounds() -> None:
    schedules, _ = _worked_example()
    (entry,) = dosage_lists(schedules, [_phase(1, 10, 40, "a series of treatments over several weeks",
                                               bounds_unit="wk")])
    assert "timing" not in entry["dosage"][0]


def test_routes_without_a_snomed_code_keep_their_text() -> None:
    schedules, phases = _worked_example()
    schedules[0]["route"] = "transdermal"
    (entry,) = dosage_lists(schedules, phases)
    assert entry["dosage"][0]["route"] == {"text": "transdermal"}


@pytest.mark.parametrize(("change", "code"), [
    (lambda d: d["timing"]["repeat"].pop("count"), "fhir-schema"),  # countMax without count
    (lambda d: d["timing"]["repeat"].update(periodUnit="week"), "fhir-schema"),  # not a UnitsOfTime code
    (lambda d: d["timing"]["repeat"].update(boundsDuration={"value": 1, "unit": "weeks",
                                                             "system": "http://unitsofmeasure.org", "code": "wk"}),
     "fhir-schema"),  # boundsDuration and boundsRange together
    (lambda d: d["timing"]["repeat"].update(count=7), "fhir-range"),  # count above countMax
    (lambda d: d["timing"]["repeat"]["boundsRange"]["low"].update(value=4), "fhir-range"),  # low above high
    (lambda d: d.update(sequence=3), "fhir-sequence"),
    (lambda d: d.update(frequency=1), "fhir-schema"),  # not a Dosage element
    (lambda d: d.pop("text"), "fhir-schema"),
])
def test_invalid_dosage_is_reported(schema: dict, change, code: str) -> None:
    entries = dosage_lists(*_worked_example())
    broken = copy.deepcopy(entries)
    change(broken[0]["dosage"][0])
    problems = fhir_problems(broken, schema)
    assert problems and {p.code for p in problems} == {code}
    assert all(p.path == "fhir/schedules.json" for p in problems)


def test_schema_is_a_valid_json_schema(schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)


def test_built_corpus_exports_valid_fhir(built_package: Path, schema: dict) -> None:
    tables, problems = read_tables(built_package, load_schemas(PROJECT_ROOT / "schemas"))
    assert problems == []
    entries = dosage_lists(tables["schedules"], tables["schedule_phases"])
    assert len(entries) == len(tables["schedules"]) > 0
    assert sum(len(e["dosage"]) for e in entries) == len(tables["schedule_phases"])
    assert fhir_problems(entries, schema) == []
