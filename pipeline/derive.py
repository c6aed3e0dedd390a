"""Assembled tables of every document -> the summary views: side effects, schedules and assertions, each summarised."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.engine.forms import FormCues

Row = dict[str, Any]
JOIN = " | "
# weeks in one unit of the contract's time units (a month as 52/12 weeks)
WEEKS = {"d": 1 / 7, "wk": 1.0, "mo": 52 / 12, "a": 52.0}


def _joined(values: Iterable[Any]) -> str | None:
    distinct = sorted({str(v) for v in values if v not in (None, "")})
    return JOIN.join(distinct) if distinct else None


def _low(values: Iterable[Any]) -> float | None:
    found = [v for v in values if v is not None]
    return min(found) if found else None


def _high(values: Iterable[Any]) -> float | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- side effects by term ----------------------------------------------------------------------------------------

def side_effect_summary(tables: Mapping[str, list[Row]]) -> list[Row]:
    """One row per side-effect term: the sources that attribute it to the drug (affirmed rows), the share of
    the package's sources they are, the bands and rates they give and the drug forms they name; the sources
    that deny it are counted apart."""
    labels = {t["term_id"]: t["label"] for t in tables["terms"]}
    total = len(tables["sources"])
    rows: dict[str, list[Row]] = defaultdict(list)
    for row in tables["side_effects"]:
        rows[row["term"]].append(row)
    result = []
    for term, mentions in rows.items():
        affirmed = [m for m in mentions if m["polarity"] == "affirmed"]
        sources = {m["source_id"] for m in affirmed}
        result.append({
            "term": term, "label": labels.get(term, term), "sources": len(sources),
            "source_share": round(len(sources) / total, 3) if total else 0.0, "source_ids": _joined(sources),
            "mentions": len(affirmed),
            "negated_sources": len({m["source_id"] for m in mentions if m["polarity"] == "negated"} - sources),
            "bands": _joined(m["frequency"] for m in affirmed), "rate_low": _low(m["rate_percent"] for m in affirmed),
            "rate_high": _high(m["rate_percent"] for m in affirmed),
            "drug_forms": _joined(m.get("drug_form") for m in affirmed)})
    return result


# --- schedules by source and drug form ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Course:
    """What one schedule says of its course: sessions and weeks of the induction, the maintenance interval."""

    sessions: tuple[float | None, float | None]
    weeks: tuple[float | None, float | None]
    every: tuple[float | None, float | None, str | None]
    as_needed: bool


def _in_weeks(value: float | None, unit: str | None) -> float | None:
    if value is None or unit not in WEEKS:
        return None
    return value * WEEKS[unit]


def _sessions(phase: Row) -> tuple[float | None, float | None]:
    """Sessions of a phase: its count, else its frequency over its bounds ("twice a week for 4 weeks": 8)."""
    if phase["count"] is not None:
        return phase["count"], phase["count_max"] or phase["count"]
    frequency, period = phase["frequency"], _in_weeks(phase["period"], phase["period_unit"])
    low, high = (_in_weeks(phase["bounds_low"], phase["bounds_unit"]),
                 _in_weeks(phase["bounds_high"] or phase["bounds_low"], phase["bounds_unit"]))
    if frequency is None or not period or low is None or high is None:
        return None, None
    return round(frequency * low / period), round((phase["frequency_max"] or frequency) * high / period)


def _course(phases: list[Row]) -> Course:
    induction = next((p for p in phases if p["label"] == "induction"), None)
    if induction is None and len(phases) == 1 and phases[0]["label"] != "maintenance":
        induction = phases[0]
    maintenance = next((p for p in phases if p["label"] == "maintenance"), None)
    sessions, weeks = (None, None), (None, None)
    if induction is not None:
        sessions = _sessions(induction)
        weeks = (_in_weeks(induction["bounds_low"], induction["bounds_unit"]),
                 _in_weeks(induction["bounds_high"] or induction["bounds_low"], induction["bounds_unit"]))
    every: tuple[float | None, float | None, str | None] = (None, None, None)
    if maintenance is not None and maintenance["period"] is not None:
        every = (maintenance["period"], maintenance["period_max"] or maintenance["period"], maintenance["period_unit"])
    return Course(sessions, weeks, every, bool(maintenance and maintenance["as_needed"]))


def _schedule_form(schedule: Row, forms: FormCues) -> str:
    """A schedule's drug form: its own column when the table has one, else its drug and route named as
    data/cues/forms.yaml names them."""
    if schedule.get("drug_form"):
        return schedule["drug_form"]
    drug, route = schedule["drug"], schedule["route"]
    return forms.forms.get((drug, route)) or forms.forms.get((drug, "unspecified")) or drug


def schedule_summary(tables: Mapping[str, list[Row]], forms: FormCues) -> list[Row]:
    """One row per source and drug form: how many schedules it states, the sessions and weeks of their induction
    courses and their maintenance interval (lowest and highest over the schedules)."""
    phases: dict[str, list[Row]] = defaultdict(list)
    for phase in tables["schedule_phases"]:
        phases[phase["schedule_id"]].append(phase)
    groups: dict[tuple[str, str], list[tuple[str, Course]]] = defaultdict(list)
    for schedule in tables["schedules"]:
        ordered = sorted(phases[schedule["schedule_id"]], key=lambda p: p["sequence"])
        groups[(schedule["source_id"], _schedule_form(schedule, forms))].append(
            (schedule["schedule_id"], _course(ordered)))
    result = []
    for (source_id, form), courses in groups.items():
        units = {c.every[2] for _, c in courses if c.every[2]}
        unit = units.pop() if len(units) == 1 else None
        result.append({
            "summary_id": f"{source_id}:{form}", "source_id": source_id, "drug_form": form,
            "schedules": len(courses), "schedule_ids": _joined(i for i, _ in courses),
            "induction_sessions_low": _low(c.sessions[0] for _, c in courses),
            "induction_sessions_high": _high(c.sessions[1] for _, c in courses),
            "induction_weeks_low": _rounded(_low(c.weeks[0] for _, c in courses)),
            "induction_weeks_high": _rounded(_high(c.weeks[1] for _, c in courses)),
            "maintenance_every_low": _low(c.every[0] for _, c in courses if c.every[2] == unit) if unit else None,
            "maintenance_every_high": _high(c.every[1] for _, c in courses if c.every[2] == unit) if unit else None,
            "maintenance_every_unit": unit,
            "maintenance_as_needed": any(c.as_needed for _, c in courses)})
    return result


# --- assertions by property ------------------------------------------------------------------------------------------

def _counted(values: Iterable[str]) -> str | None:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return JOIN.join(f"{v} ({n})" for v, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))) or None


def assertion_summary(tables: Mapping[str, list[Row]]) -> list[Row]:
    """One row per property, drug form and unit: the sources that assert it, the range of the values they give
    (number properties) or each category with how many assertions give it (category properties). Only affirmed
    assertions count; negated ones are counted apart."""
    groups: dict[tuple[str, str | None, str | None], list[Row]] = defaultdict(list)
    for row in tables["assertions"]:
        groups[(row["property"], row["drug_form"], row["unit"])].append(row)
    result = []
    for (prop, form, unit), rows in groups.items():
        affirmed = [r for r in rows if r["polarity"] == "affirmed"]
        result.append({
            "summary_id": ":".join((prop, form or "unspecified", unit or "none")), "property": prop,
            "drug_form": form, "unit": unit, "sources": len({r["source_id"] for r in affirmed}),
            "source_ids": _joined(r["source_id"] for r in affirmed), "assertions": len(affirmed),
            "negated": len(rows) - len(affirmed),
            "value_low": _low(r["value_low"] for r in affirmed), "value_high": _high(r["value_high"] for r in affirmed),
            "values": _counted(r["value"] for r in affirmed if r["value"]),
            "claim_ids": _joined(r["claim_id"] for r in affirmed)})
    return result


def derive(tables: Mapping[str, list[Row]], forms: FormCues) -> dict[str, list[Row]]:
    """Every summary view, computed from the assembled tables of all documents."""
    return {"side_effect_summary": side_effect_summary(tables),
            "schedule_summary": schedule_summary(tables, forms),
            "assertion_summary": assertion_summary(tables)}
