"""Typed schedules, schedule_phases and terms rows + the descriptor -> an HL7 FHIR R4 (4.0.1) Bundle of
MedicationKnowledge, one per schedule; and the problems that stop a release (timing FHIR cannot express)."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema

from pipeline.problems import Problem

Row = dict[str, Any]

FHIR_VERSION = "4.0.1"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BUNDLE_PATH = "fhir/schedules.json"
SPAN_EXTENSION = "fhir/StructureDefinition/source-span"

# SNOMED CT route-of-administration concepts (as in FHIR's SNOMED CT Route Codes value set).
ROUTE_CODES: dict[str, tuple[str, str]] = {
    "intravenous": ("47625008", "Intravenous route"),
    "intranasal": ("46713006", "Nasal route"),
    "intramuscular": ("78421000", "Intramuscular route"),
    "sublingual": ("37839007", "Sublingual route"),
    "oral": ("26643006", "Oral route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
}
# RxNorm ingredient concepts (RxCUI) of drug terms; a drug without one is coded by text alone.
RXNORM_CODES: dict[str, str] = {"ketamine": "6130", "escitalopram": "321988", "fluoxetine": "4493",
                                "sertraline": "36437"}
UNIT_NAMES = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days", "wk": "weeks", "mo": "months",
              "a": "years", "mg": "milligrams", "mg/kg": "milligrams per kilogram"}
# (lower column, upper column, unit column or None, the FHIR element the pair becomes)
_PAIRS = (("count", "count_max", None, "count"), ("frequency", "frequency_max", None, "frequency"),
          ("period", "period_max", "period_unit", "period"), ("bounds_low", "bounds_high", "bounds_unit", "bounds"),
          ("dose_low", "dose_high", "dose_unit", "dose"))


def _number(value: Any) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _quantity(value: Any, unit: str) -> dict[str, Any]:
    return {"value": _number(value), "unit": UNIT_NAMES.get(unit, unit), "system": UCUM, "code": unit}


def resource_id(key: str) -> str:
    """A row id -> a stable FHIR id (ids may not hold ':' and are at most 64 characters): a name-based UUID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:ketamine-evidence:{key}"))


# ---------------------------------------------------------------- what FHIR can express


def phase_problems(phase: Row) -> list[Problem]:
    """One schedule_phases row -> why its timing or dose cannot be written as FHIR (empty when it can). A number
    needs its unit (a bound or dose becomes a UCUM Quantity; Timing tim-2: a period needs periodUnit), a unit
    of the rate needs its period, a maximum needs its minimum (tim-6, tim-8), a rate needs its period, and no
    lower end may be above its upper end. A bound or dose stated by its unit alone ("over several weeks") is a
    Quantity without a value, which FHIR allows (Quantity.value is optional)."""
    problems = []

    def refuse(field: str, why: str) -> None:
        problems.append(Problem("fhir-inexpressible", f"phase {phase['phase_id']}: {why} in {phase['quote']!r}; "
                                "FHIR Timing and Dosage cannot express it: correct the row (a curation entry) or "
                                "the extractor", resource="schedule_phases", field=field))

    for low, high, unit, _element in _PAIRS:
        lo, hi = phase.get(low), phase.get(high)
        if unit and (lo is not None or hi is not None) and phase.get(unit) is None:
            refuse(unit, f"{low}/{high} are given without {unit}")
        if hi is not None and lo is None and low in ("count", "frequency", "period"):
            refuse(high, f"{high} is given without {low}")
        if lo is not None and hi is not None and lo > hi:
            refuse(high, f"{low} {_number(lo)} is above {high} {_number(hi)}")
    if phase.get("period_unit") is not None and phase.get("period") is None:
        refuse("period_unit", f"period_unit is {phase['period_unit']!r} but no period is given")
    if phase.get("frequency") is not None and phase.get("period") is None:
        refuse("period", "a frequency is given without a period")
    return problems


def schedule_problems(phases: list[Row]) -> list[Problem]:
    """Every phase row -> the problems of those FHIR cannot express."""
    return [p for phase in sorted(phases, key=lambda r: r["phase_id"]) for p in phase_problems(phase)]


# ---------------------------------------------------------------- building


def span_extension(base: str, row_id: str, row: Row, source: Row | None) -> dict[str, Any]:
    """A row's span -> the extension that points to it: source, raw text path, start, end (code points, end
    exclusive, as a W3C TextPositionSelector), the quote and the row id."""
    parts: list[dict[str, Any]] = []
    if source is not None:
        parts += [{"url": "source", "valueString": source["source_id"]},
                  {"url": "text", "valueString": source["path"]}]
    parts += [{"url": "start", "valueInteger": row["start"]}, {"url": "end", "valueInteger": row["end"]},
              {"url": "quote", "valueString": row["quote"]}, {"url": "row", "valueString": row_id}]
    return {"url": f"{base.rstrip('/')}/{SPAN_EXTENSION}", "extension": parts}


def _range_or_single(low: Any, high: Any, unit: str) -> tuple[str, dict[str, Any]]:
    """A low/high pair -> ("Quantity", one value) when they agree or one is missing (no value when both are),
    else ("Range", low-high)."""
    if low is None or high is None or low == high:
        value = low if low is not None else high
        quantity = _quantity(value, unit)
        if value is None:
            del quantity["value"]
        return "Quantity", quantity
    return "Range", {"low": _quantity(low, unit), "high": _quantity(high, unit)}


def _repeat(phase: Row) -> dict[str, Any]:
    """A phase's Timing.repeat columns -> Timing.repeat, in FHIR's element order (absent elements left out)."""
    repeat: dict[str, Any] = {}
    if phase.get("bounds_unit") is not None:
        kind, value = _range_or_single(phase.get("bounds_low"), phase.get("bounds_high"), phase["bounds_unit"])
        repeat["boundsDuration" if kind == "Quantity" else "boundsRange"] = value
    for column, element in (("count", "count"), ("count_max", "countMax"), ("frequency", "frequency"),
                            ("frequency_max", "frequencyMax"), ("period", "period"), ("period_max", "periodMax"),
                            ("period_unit", "periodUnit")):
        if phase.get(column) is not None:
            repeat[element] = _number(phase[column])
    return repeat


def _route(route: str | None) -> dict[str, Any]:
    if route is None or route == "unspecified":
        return {}
    if route in ROUTE_CODES:
        code, display = ROUTE_CODES[route]
        return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": route}
    return {"text": route}


def dosage(phase: Row, route: str | None, base: str) -> dict[str, Any]:
    """One schedule_phases row -> one FHIR R4 Dosage: sequence, text, Timing.repeat, asNeeded, route and
    doseAndRate, with the phase's span as an extension."""
    result: dict[str, Any] = {"extension": [span_extension(base, phase["phase_id"], phase, None)],
                              "sequence": phase["sequence"], "text": phase["quote"]}
    repeat = _repeat(phase)
    if repeat:
        result["timing"] = {"repeat": repeat}
    result["asNeededBoolean"] = bool(phase.get("as_needed"))
    if _route(route):
        result["route"] = _route(route)
    if phase.get("dose_unit") is not None:
        kind, value = _range_or_single(phase.get("dose_low"), phase.get("dose_high"), phase["dose_unit"])
        result["doseAndRate"] = [{f"dose{kind}": value}]
    return result


def medication_code(drug: str, terms: dict[str, Row]) -> dict[str, Any]:
    """A drug term id -> CodeableConcept: the RxNorm ingredient where known, the term's label as text always."""
    label = terms.get(drug, {}).get("label") or drug
    concept: dict[str, Any] = {}
    if drug in RXNORM_CODES:
        concept["coding"] = [{"system": RXNORM, "code": RXNORM_CODES[drug], "display": drug}]
    concept["text"] = label
    return concept


def medication_knowledge(schedule: Row, phases: list[Row], source: Row | None, terms: dict[str, Row],
                         base: str) -> dict[str, Any]:
    """One schedule and its phases -> MedicationKnowledge: the drug, the route and the regimen as the source
    states it (administrationGuidelines), pointing to its span. Not a MedicationStatement: no patient takes it."""
    route = schedule.get("route")
    result: dict[str, Any] = {
        "resourceType": "MedicationKnowledge", "id": resource_id(schedule["schedule_id"]),
        "extension": [span_extension(base, schedule["schedule_id"], schedule, source)],
        "code": medication_code(schedule["drug"], terms)}
    if _route(route):
        result["intendedRoute"] = [_route(route)]
    ordered = sorted(phases, key=lambda p: p["sequence"])
    if ordered:
        result["administrationGuidelines"] = [{"dosage": [{
            "type": {"text": "regimen as stated by the source"},
            "dosage": [dosage(phase, route, base) for phase in ordered]}]}]
    return result


def bundle(tables: dict[str, list[Row]], descriptor: dict[str, Any]) -> dict[str, Any]:
    """Typed tables + the package descriptor -> a FHIR R4 Bundle (type collection) of one MedicationKnowledge
    per schedule, in schedule_id order; extension URLs live under the package's homepage."""
    base = descriptor.get("homepage") or f"urn:{descriptor['name']}"
    sources = {row["source_id"]: row for row in tables.get("sources", [])}
    terms = {row["term_id"]: row for row in tables.get("terms", [])}
    by_schedule: dict[str, list[Row]] = {}
    for phase in tables.get("schedule_phases", []):
        by_schedule.setdefault(phase["schedule_id"], []).append(phase)
    entries = []
    for schedule in sorted(tables.get("schedules", []), key=lambda s: s["schedule_id"]):
        resource = medication_knowledge(schedule, by_schedule.get(schedule["schedule_id"], []),
                                        sources.get(schedule["source_id"]), terms, base)
        entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    result: dict[str, Any] = {"resourceType": "Bundle", "id": resource_id(f"{descriptor['name']}/schedules"),
                              "type": "collection"}
    if descriptor.get("created"):
        result["timestamp"] = descriptor["created"]
    result["entry"] = entries
    return result


# ---------------------------------------------------------------- checking


def _order_problems(data: dict[str, Any]) -> list[Problem]:
    """What JSON Schema cannot say: sequences 1..n, lower ends not above upper ends, one unit per range."""
    problems = []
    for n, entry in enumerate(data.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        guidelines = (resource or {}).get("administrationGuidelines") or []
        for g, guideline in enumerate(guidelines):
            for d, group in enumerate(guideline.get("dosage") or []):
                dosages = group.get("dosage") or []
                where = f"entry/{n}/resource/administrationGuidelines/{g}/dosage/{d}/dosage"
                sequences = [item.get("sequence") for item in dosages]
                if sequences != list(range(1, len(sequences) + 1)):
                    problems.append(Problem("fhir-sequence", f"sequences {sequences} are not 1..{len(sequences)}",
                                            path=BUNDLE_PATH, field=where))
                for m, item in enumerate(dosages):
                    repeat = (item.get("timing") or {}).get("repeat") or {}
                    ranges = [("count", repeat.get("count"), repeat.get("countMax")),
                              ("frequency", repeat.get("frequency"), repeat.get("frequencyMax")),
                              ("period", repeat.get("period"), repeat.get("periodMax"))]
                    for element in [repeat.get("boundsRange"), *(r.get("doseRange") for r in
                                                                 item.get("doseAndRate") or [])]:
                        if element:
                            low, high = element.get("low") or {}, element.get("high") or {}
                            if low and high and low.get("code") != high.get("code"):
                                problems.append(Problem("fhir-range", "a range has two units", path=BUNDLE_PATH,
                                                        field=f"{where}/{m}"))
                            ranges.append(("range", low.get("value"), high.get("value")))
                    for name, low, high in ranges:
                        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                            problems.append(Problem("fhir-range", f"{name} {low} is above its upper end {high}",
                                                    path=BUNDLE_PATH, field=f"{where}/{m}"))
    return problems


def bundle_problems(data: Any, schema: dict[str, Any]) -> list[Problem]:
    """A Bundle + schemas/fhir-bundle.schema.json -> problems (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(part) for part in error.absolute_path)
        problems.append(Problem("fhir-schema", error.message, path=BUNDLE_PATH, field=where or None))
    if isinstance(data, dict) and not problems:
        problems += _order_problems(data)
    return problems
