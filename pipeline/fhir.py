"""Typed schedules and schedule_phases rows -> HL7 FHIR R4 Dosage lists (one per schedule), and their check."""

from __future__ import annotations

from typing import Any

import jsonschema

from pipeline.problems import Problem

Row = dict[str, Any]

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"

# SNOMED CT route-of-administration concepts (as in FHIR's SNOMED CT Route Codes value set).
ROUTE_CODES: dict[str, tuple[str, str]] = {
    "intravenous": ("47625008", "Intravenous route"),
    "intranasal": ("46713006", "Nasal route"),
    "intramuscular": ("78421000", "Intramuscular route"),
    "sublingual": ("37839007", "Sublingual route"),
    "oral": ("26643006", "Oral route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
}
UNIT_NAMES = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days", "wk": "weeks", "mo": "months",
              "a": "years"}

# schedule_phases column -> Timing.repeat element, in FHIR's element order.
_REPEAT_FIELDS = (
    ("count", "count"), ("count_max", "countMax"), ("frequency", "frequency"),
    ("frequency_max", "frequencyMax"), ("period", "period"), ("period_max", "periodMax"),
    ("period_unit", "periodUnit"))


def _number(value: Any) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _quantity(value: Any, unit: str) -> dict[str, Any]:
    return {"value": _number(value), "unit": UNIT_NAMES.get(unit, unit), "system": UCUM, "code": unit}


def _bounds(phase: Row) -> dict[str, Any]:
    """bounds_low/high/unit -> boundsDuration (one length) or boundsRange; nothing without a unit and a number."""
    low, high, unit = phase.get("bounds_low"), phase.get("bounds_high"), phase.get("bounds_unit")
    if unit is None or (low is None and high is None):
        return {}
    if low is not None and high is not None and low == high:
        return {"boundsDuration": _quantity(low, unit)}
    bounds_range = {}
    if low is not None:
        bounds_range["low"] = _quantity(low, unit)
    if high is not None:
        bounds_range["high"] = _quantity(high, unit)
    return {"boundsRange": bounds_range}


def _route(route: str | None) -> dict[str, Any]:
    if route is None or route == "unspecified":
        return {}
    if route in ROUTE_CODES:
        code, display = ROUTE_CODES[route]
        return {"route": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": route}}
    return {"route": {"text": route}}


def dosage(phase: Row, route: str | None) -> dict[str, Any]:
    """One schedule_phases row -> one FHIR R4 Dosage (absent fields omitted, as FHIR has no nulls)."""
    repeat: dict[str, Any] = dict(_bounds(phase))
    for column, element in _REPEAT_FIELDS:
        if phase.get(column) is not None:
            repeat[element] = _number(phase[column])
    result: dict[str, Any] = {"id": phase["phase_id"], "sequence": phase["sequence"], "text": phase["quote"]}
    if repeat:
        result["timing"] = {"repeat": repeat}
    result["asNeededBoolean"] = bool(phase.get("as_needed"))
    result.update(_route(route))
    return result


def dosage_lists(schedules: list[dict], phases: list[dict]) -> list[dict]:
    """Typed schedules and schedule_phases rows (as read_tables gives them) -> one JSON-able entry per
    schedule: its ids, drug, quote and the FHIR R4 Dosage list of its phases in sequence order."""
    by_schedule: dict[str, list[Row]] = {}
    for phase in phases:
        by_schedule.setdefault(phase["schedule_id"], []).append(phase)
    entries = []
    for schedule in sorted(schedules, key=lambda s: s["schedule_id"]):
        ordered = sorted(by_schedule.get(schedule["schedule_id"], []), key=lambda p: p["sequence"])
        entries.append({
            "schedule_id": schedule["schedule_id"], "source_id": schedule["source_id"],
            "drug": schedule["drug"], "quote": schedule["quote"],
            "dosage": [dosage(phase, schedule.get("route")) for phase in ordered]})
    return entries


def _order_problems(entries: list[dict]) -> list[Problem]:
    """What JSON Schema cannot say: sequences 1..n, and every lower end not above its upper end."""
    problems = []
    pairs = (("count", "countMax"), ("frequency", "frequencyMax"), ("period", "periodMax"))
    for n, entry in enumerate(entries):
        dosages = entry.get("dosage") if isinstance(entry, dict) else None
        if not isinstance(dosages, list):
            continue
        sequences = [d.get("sequence") for d in dosages if isinstance(d, dict)]
        if sequences != list(range(1, len(sequences) + 1)):
            problems.append(Problem("fhir-sequence", f"sequences {sequences} are not 1..{len(sequences)}",
                                    path="fhir/schedules.json", field=f"{n}/dosage"))
        for m, item in enumerate(dosages):
            repeat = (item.get("timing") or {}).get("repeat") or {} if isinstance(item, dict) else {}
            where = f"{n}/dosage/{m}/timing/repeat"
            for low, high in pairs:
                if isinstance(repeat.get(low), int | float) and isinstance(repeat.get(high), int | float) \
                        and repeat[low] > repeat[high]:
                    problems.append(Problem("fhir-range", f"{low} {repeat[low]} is above {high} {repeat[high]}",
                                            path="fhir/schedules.json", field=where))
            bounds = repeat.get("boundsRange") or {}
            low_q, high_q = bounds.get("low") or {}, bounds.get("high") or {}
            if low_q and high_q and low_q.get("code") != high_q.get("code"):
                problems.append(Problem("fhir-range", "boundsRange low and high have different units",
                                        path="fhir/schedules.json", field=f"{where}/boundsRange"))
            elif isinstance(low_q.get("value"), int | float) and isinstance(high_q.get("value"), int | float) \
                    and low_q["value"] > high_q["value"]:
                problems.append(Problem("fhir-range", "boundsRange low is above high",
                                        path="fhir/schedules.json", field=f"{where}/boundsRange"))
    return problems


def fhir_problems(entries: list[dict], schema: dict[str, Any]) -> list[Problem]:
    """Dosage-list entries + the JSON Schema schemas/fhir-dosage.schema.json -> problems (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(entries), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(part) for part in error.absolute_path)
        problems.append(Problem("fhir-schema", error.message, path="fhir/schedules.json", field=where or None))
    return problems + _order_problems(entries)
