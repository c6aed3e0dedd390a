"""Summary views: side effects by term, schedules by source and drug form, assertions by property; the README's
pandas examples answer their questions from a built package."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
from conftest import PROJECT_ROOT
from engine_helpers import project_rules

from pipeline.derive import assertion_summary, schedule_summary, side_effect_summary


def effect(source: str, term: str, polarity: str = "affirmed", band: str | None = None,
           rate: float | None = None, form: str | None = "iv-ketamine") -> dict[str, Any]:
    return {"source_id": source, "term": term, "polarity": polarity, "frequency": band, "rate_percent": rate,
            "drug_form": form}


def test_side_effects_by_term_count_sources_that_attribute_them() -> None:
    tables = {"sources": [{"source_id": s} for s in ("a", "b", "c", "d")],
              "terms": [{"term_id": "nausea", "label": "Nausea"}, {"term_id": "headache", "label": "Headache"}],
              "side_effects": [effect("a", "nausea", band="common", rate=12.0), effect("b", "nausea", rate=30.0),
                               effect("b", "nausea", form="esketamine-nasal"), effect("c", "headache"),
                               effect("d", "headache", polarity="negated")]}
    rows = {r["term"]: r for r in side_effect_summary(tables)}
    assert (rows["nausea"]["sources"], rows["nausea"]["source_share"], rows["nausea"]["mentions"]) == (2, 0.5, 3)
    assert (rows["nausea"]["rate_low"], rows["nausea"]["rate_high"], rows["nausea"]["bands"]) == (12.0, 30.0, "common")
    assert rows["nausea"]["drug_forms"] == "esketamine-nasal | iv-ketamine"
    assert (rows["headache"]["sources"], rows["headache"]["negated_sources"]) == (1, 1)


def phase(schedule: str, sequence: int, label: str, **timing: Any) -> dict[str, Any]:
    fields = dict.fromkeys(("frequency", "frequency_max", "period", "period_max", "period_unit", "count",
                            "count_max", "bounds_low", "bounds_high", "bounds_unit"))
    fields.update(timing)
    return {"schedule_id": schedule, "sequence": sequence, "label": label, "as_needed": False, **fields}


def test_schedules_by_source_and_form_give_the_course_and_the_maintenance_interval() -> None:
    tables = {"schedules": [{"schedule_id": "s1", "source_id": "a", "drug": "ketamine", "route": "intravenous"},
                            {"schedule_id": "s2", "source_id": "b", "drug": "esketamine", "route": "intranasal"}],
              "schedule_phases": [
                  phase("s1", 1, "induction", count=4, count_max=6, bounds_low=2, bounds_high=3, bounds_unit="wk"),
                  phase("s1", 2, "maintenance", frequency=1, period=1, period_max=3, period_unit="mo"),
                  phase("s2", 1, "induction", frequency=2, period=1, period_unit="wk", bounds_low=4,
                        bounds_unit="wk")]}
    rows = {r["summary_id"]: r for r in schedule_summary(tables, project_rules().settings.forms)}
    iv = rows["a:iv-ketamine"]
    assert (iv["induction_sessions_low"], iv["induction_sessions_high"]) == (4, 6)
    assert (iv["induction_weeks_low"], iv["induction_weeks_high"]) == (2, 3)
    assert (iv["maintenance_every_low"], iv["maintenance_every_high"], iv["maintenance_every_unit"]) == (1, 3, "mo")
    spray = rows["b:esketamine-nasal"]
    assert (spray["induction_sessions_low"], spray["induction_weeks_low"]) == (8, 4)


def assertion(source: str, prop: str, form: str, low: float | None = None, high: float | None = None,
              unit: str | None = None, value: str | None = None, polarity: str = "affirmed") -> dict[str, Any]:
    return {"source_id": source, "claim_id": f"{source}:c:1", "property": prop, "drug_form": form, "value": value,
            "value_low": low, "value_high": high, "unit": unit, "polarity": polarity}


def test_assertions_by_property_group_sources_and_give_the_range() -> None:
    tables = {"assertions": [
        assertion("a", "onset-time", "iv-ketamine", 24, 24, "h"), assertion("b", "onset-time", "iv-ketamine", 2, 4, "h"),
        assertion("b", "onset-time", "antidepressant", 4, 6, "wk"),
        assertion("a", "regulatory-status", "iv-ketamine", value="off-label"),
        assertion("c", "regulatory-status", "iv-ketamine", value="off-label"),
        assertion("c", "efficacy", "iv-ketamine", polarity="negated")]}
    rows = {r["summary_id"]: r for r in assertion_summary(tables)}
    onset = rows["onset-time:iv-ketamine:h"]
    assert (onset["sources"], onset["value_low"], onset["value_high"], onset["source_ids"]) == (2, 2, 24, "a | b")
    assert rows["onset-time:antidepressant:wk"]["sources"] == 1
    assert rows["regulatory-status:iv-ketamine:none"]["values"] == "off-label (2)"
    assert (rows["efficacy:iv-ketamine:none"]["sources"], rows["efficacy:iv-ketamine:none"]["negated"]) == (0, 1)


def readme_examples() -> list[str]:
    """The pandas examples of the README that read a summary view."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    return [b for b in blocks if "_summary.csv" in b]


def test_the_readme_answers_its_questions_with_one_filter_on_a_summary(built_package: Path) -> None:
    examples = readme_examples()
    assert len(examples) == 2
    found: dict[str, Any] = {}
    here = Path.cwd()
    try:
        os.chdir(built_package)
        for example in examples:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(example, "README.md", "exec"), found)  # the README's own examples
    finally:
        os.chdir(here)
    response = found["iv_response"]
    assert isinstance(response, pd.DataFrame) and not response.empty
    assert (response.unit == "percent").all() and response.sources.sum() >= 2
    most = found["most"]
    assert not most.empty and (most.source_share > 0.5).all()
    assert "dissociation" in set(most.term)
