"""FHIR export: schedules as an HL7 FHIR R4 Bundle of MedicationKnowledge, checked by schemas/fhir-bundle.schema.json
and by the fhir.resources R4B models; phases whose timing FHIR cannot express are refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import PROJECT_ROOT

from pipeline.fhir import (
    RXNORM,
    bundle,
    bundle_problems,
    phase_problems,
    resource_id,
    schedule_problems,
)
from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

SCHEDULE_ID = "ketamine-and-lexapro:s:007148-007349"
HOME = "https://example.org/package"
SPAN = f"{HOME}/fhir/StructureDefinition/source-span"
UCUM = "http://unitsofmeasure.org"
EMPTY = dict.fromkeys(("frequency", "frequency_max", "period", "period_max", "period_unit", "count", "count_max",
                       "bounds_low", "bounds_high", "bounds_unit", "dose_low", "dose_high", "dose_unit"))
DESCRIPTOR = {"name": "ketamine-therapy-claims", "homepage": HOME, "created": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((PROJECT_ROOT / "schemas" / "fhir-bundle.schema.json").read_text(encoding="utf-8"))


def r4b_bundle(data: dict):
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    return models.Bundle.model_validate(data)


def _phase(sequence: int, start: int, end: int, quote: str, **timing: object) -> dict:
    return {"phase_id": f"ketamine-and-lexapro:p:{start:06d}-{end:06d}", "schedule_id": SCHEDULE_ID,
            "sequence": sequence, "label": "induction", "start": start, "end": end, "quote": quote,
            **EMPTY, "as_needed": False, "origin": "extracted", **timing}


def _tables(phases: list[dict] | None = None, route: str = "intravenous", drug: str = "ketamine") -> dict:
    schedules = [{"schedule_id": SCHEDULE_ID, "source_id": "ketamine-and-lexapro", "start": 7148, "end": 7349,
                  "quote": "Clinical protocols call for ...", "drug": drug, "route": route, "origin": "extracted"}]
    if phases is None:
        phases = [  # given out of order: the export sorts by sequence
            _phase(2, 7265, 7330, "maintenance dosing ranging every 1-3 months on an as-needed basis",
                   frequency=1, period=1, period_max=3, period_unit="mo", as_needed=True, label="maintenance"),
            _phase(1, 7176, 7230, "4-6 initial ketamine infusions spaced across 2-3 weeks",
                   count=4, count_max=6, bounds_low=2, bounds_high=3, bounds_unit="wk")]
    return {"schedules": schedules, "schedule_phases": phases,
            "sources": [{"source_id": "ketamine-and-lexapro", "path": "data/raw/ketamine-and-lexapro.txt"}],
            "terms": [{"term_id": "ketamine", "label": "Ketamine"}, {"term_id": "esketamine", "label": "Esketamine"}]}


def _dosages(data: dict) -> list[dict]:
    return data["entry"][0]["resource"]["administrationGuidelines"][0]["dosage"][0]["dosage"]


def _span(start: int, end: int, quote: str, row: str, source: bool = False) -> dict:
    parts = [{"url": "source", "valueString": "ketamine-and-lexapro"},
             {"url": "text", "valueString": "data/raw/ketamine-and-lexapro.txt"}] if source else []
    parts += [{"url": "start", "valueInteger": start}, {"url": "end", "valueInteger": end},
              {"url": "quote", "valueString": quote}, {"url": "row", "valueString": row}]
    return {"url": SPAN, "extension": parts}


def test_worked_example_as_a_fhir_bundle(schema: dict) -> None:
    data = bundle(_tables(), DESCRIPTOR)
    route = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous route"}],
             "text": "intravenous"}
    week = {"unit": "weeks", "system": UCUM, "code": "wk"}
    knowledge = {
        "resourceType": "MedicationKnowledge", "id": resource_id(SCHEDULE_ID),
        "extension": [_span(7148, 7349, "Clinical protocols call for ...", SCHEDULE_ID, source=True)],
        "code": {"coding": [{"system": RXNORM, "code": "6130", "display": "ketamine"}], "text": "Ketamine"},
        "intendedRoute": [route],
        "administrationGuidelines": [{"dosage": [{"type": {"text": "regimen as stated by the source"}, "dosage": [
            {"extension": [_span(7176, 7230, "4-6 initial ketamine infusions spaced across 2-3 weeks",
                                 "ketamine-and-lexapro:p:007176-007230")],
             "sequence": 1, "text": "4-6 initial ketamine infusions spaced across 2-3 weeks",
             "timing": {"repeat": {"boundsRange": {"low": {"value": 2, **week}, "high": {"value": 3, **week}},
                                   "count": 4, "countMax": 6}},
             "asNeededBoolean": False, "route": route},
            {"extension": [_span(7265, 7330, "maintenance dosing ranging every 1-3 months on an as-needed basis",
                                 "ketamine-and-lexapro:p:007265-007330")],
             "sequence": 2, "text": "maintenance dosing ranging every 1-3 months on an as-needed basis",
             "timing": {"repeat": {"frequency": 1, "period": 1, "periodMax": 3, "periodUnit": "mo"}},
             "asNeededBoolean": True, "route": route}]}]}]}
    assert data == {"resourceType": "Bundle", "id": resource_id("ketamine-therapy-claims/schedules"),
                    "type": "collection", "timestamp": "2026-01-01T00:00:00Z",
                    "entry": [{"fullUrl": f"urn:uuid:{resource_id(SCHEDULE_ID)}", "resource": knowledge}]}
    assert bundle_problems(data, schema) == []
    parsed = r4b_bundle(data)
    assert parsed.entry[0].resource.get_resource_type() == "MedicationKnowledge"


def test_ids_are_stable_valid_fhir_ids() -> None:
    assert resource_id(SCHEDULE_ID) == resource_id(SCHEDULE_ID) != resource_id(SCHEDULE_ID + "x")
    assert len(resource_id("a" * 200)) == 36


def test_a_drug_without_an_rxnorm_code_is_named_in_text() -> None:
    data = bundle(_tables(drug="esketamine", route="intranasal"), DESCRIPTOR)
    resource = data["entry"][0]["resource"]
    assert resource["code"] == {"text": "Esketamine"}
    assert resource["intendedRoute"][0]["coding"][0]["code"] == "46713006"


def test_doses_become_dose_and_rate(schema: dict) -> None:
    phases = [_phase(1, 10, 40, "0.5 mg/kg over 40 minutes", dose_low=0.5, dose_high=0.5, dose_unit="mg/kg"),
              _phase(2, 50, 90, "56 or 84 mg twice a week", dose_low=56, dose_high=84, dose_unit="mg",
                     frequency=2, period=1, period_unit="wk")]
    data = bundle(_tables(phases), DESCRIPTOR)
    first, second = _dosages(data)
    assert first["doseAndRate"] == [{"doseQuantity": {"value": 0.5, "unit": "milligrams per kilogram",
                                                      "system": UCUM, "code": "mg/kg"}}]
    assert second["doseAndRate"] == [{"doseRange": {
        "low": {"value": 56, "unit": "milligrams", "system": UCUM, "code": "mg"},
        "high": {"value": 84, "unit": "milligrams", "system": UCUM, "code": "mg"}}}]
    assert "timing" not in first
    assert bundle_problems(data, schema) == []
    r4b_bundle(data)


def test_one_length_is_a_bounds_duration_and_absent_fields_are_omitted(schema: dict) -> None:
    phases = [_phase(1, 10, 40, "twice-weekly treatments for the first month", frequency=2, period=1,
                     period_unit="wk", bounds_low=1, bounds_high=1, bounds_unit="mo"),
              _phase(2, 50, 90, "maintenance phase", label="maintenance")]
    data = bundle(_tables(phases, route="unspecified"), DESCRIPTOR)
    first, second = _dosages(data)
    assert first["timing"]["repeat"] == {"boundsDuration": {"value": 1, "unit": "months", "system": UCUM,
                                                            "code": "mo"}, "frequency": 2, "period": 1,
                                         "periodUnit": "wk"}
    assert "route" not in first and "intendedRoute" not in data["entry"][0]["resource"]
    assert set(second) == {"extension", "sequence", "text", "asNeededBoolean"}
    assert "null" not in json.dumps(data)
    assert bundle_problems(data, schema) == []


def test_a_length_without_a_number_is_a_duration_without_a_value(schema: dict) -> None:
    phases = [_phase(1, 10, 40, "a series of treatments over several weeks", bounds_unit="wk")]
    assert phase_problems(phases[0]) == []
    data = bundle(_tables(phases), DESCRIPTOR)
    assert _dosages(data)[0]["timing"]["repeat"] == {"boundsDuration": {"unit": "weeks", "system": UCUM,
                                                                        "code": "wk"}}
    assert bundle_problems(data, schema) == []
    r4b_bundle(data)


@pytest.mark.parametrize(("timing", "field", "words"), [
    ({"bounds_low": 2, "bounds_high": 3}, "bounds_unit", "bounds_low/bounds_high are given without bounds_unit"),
    ({"dose_low": 56}, "dose_unit", "dose_low/dose_high are given without dose_unit"),
    ({"period": 2, "frequency": 1}, "period_unit", "period/period_max are given without period_unit"),
    ({"period_unit": "wk"}, "period_unit", "period_unit is 'wk' but no period is given"),
    ({"count_max": 6}, "count_max", "count_max is given without count"),
    ({"frequency": 2}, "period", "a frequency is given without a period"),
    ({"count": 6, "count_max": 4}, "count_max", "count 6 is above count_max 4"),
    ({"bounds_low": 3, "bounds_high": 2, "bounds_unit": "wk"}, "bounds_high", "bounds_low 3 is above bounds_high 2"),
])
def test_timing_fhir_cannot_express_is_refused(timing: dict, field: str, words: str) -> None:
    phase = _phase(1, 10, 40, "some treatments", **timing)
    problems = phase_problems(phase)
    assert [(p.code, p.resource, p.field) for p in problems] == [("fhir-inexpressible", "schedule_phases", field)]
    assert problems[0].message.startswith(f"phase ketamine-and-lexapro:p:000010-000040: {words} in 'some treatments'")
    assert schedule_problems([phase]) == problems


def test_routes_without_a_snomed_code_keep_their_text() -> None:
    data = bundle(_tables(route="transdermal"), DESCRIPTOR)
    assert _dosages(data)[0]["route"] == {"text": "transdermal"}


def _first_repeat(data: dict) -> dict:
    return _dosages(data)[0]["timing"]["repeat"]


@pytest.mark.parametrize(("change", "code"), [
    (lambda d: _first_repeat(d).pop("count"), "fhir-schema"),  # countMax without count
    (lambda d: _first_repeat(d).update(periodUnit="week"), "fhir-schema"),  # not a UnitsOfTime code
    (lambda d: _first_repeat(d).update(boundsDuration={"value": 1, "unit": "weeks", "system": UCUM, "code": "wk"}),
     "fhir-schema"),  # boundsDuration and boundsRange together
    (lambda d: _first_repeat(d).update(count=7), "fhir-range"),  # count above countMax
    (lambda d: _first_repeat(d)["boundsRange"]["low"].update(value=4), "fhir-range"),  # low above high
    (lambda d: _dosages(d)[0].update(sequence=3), "fhir-sequence"),
    (lambda d: _dosages(d)[0].update(frequency=1), "fhir-schema"),  # not a Dosage element
    (lambda d: _dosages(d)[0].pop("text"), "fhir-schema"),
    (lambda d: _dosages(d)[0].pop("extension"), "fhir-schema"),  # every phase points to its span
    (lambda d: d["entry"][0]["resource"]["code"].pop("text"), "fhir-schema"),  # the drug is always named
    (lambda d: d["entry"][0]["resource"].update(id="a:b"), "fhir-schema"),  # not a FHIR id
    (lambda d: d.update(type="document"), "fhir-schema"),
])
def test_invalid_bundle_is_reported(schema: dict, change, code: str) -> None:
    broken = copy.deepcopy(bundle(_tables(), DESCRIPTOR))
    change(broken)
    problems = bundle_problems(broken, schema)
    assert problems and {p.code for p in problems} == {code}
    assert all(p.path == "fhir/schedules.json" for p in problems)


def test_schema_is_a_valid_json_schema(schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)


def test_built_corpus_exports_a_valid_fhir_bundle(built_package: Path, schema: dict) -> None:
    tables, problems = read_tables(built_package, load_schemas(PROJECT_ROOT / "schemas"))
    assert problems == []
    assert schedule_problems(tables["schedule_phases"]) == []
    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    data = bundle(tables, descriptor)
    assert len(data["entry"]) == len(tables["schedules"]) > 0
    dosages = [d for e in data["entry"] for g in e["resource"].get("administrationGuidelines", [])
               for group in g["dosage"] for d in group["dosage"]]
    assert len(dosages) == len(tables["schedule_phases"])
    assert bundle_problems(data, schema) == []
    parsed = r4b_bundle(data)
    assert len(parsed.entry) == len(tables["schedules"])
    coded = {e["resource"]["code"]["coding"][0]["code"] for e in data["entry"] if "coding" in e["resource"]["code"]}
    assert "6130" in coded  # ketamine
