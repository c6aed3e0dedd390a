"""data/taxonomy/properties.yaml -> the properties assertions may give values for; rows and cues checked against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.load import Layout, load_validated_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import SchemaSet

PATH = "taxonomy/properties.yaml"
# properties the assertion rules of pipeline/extractors/assertions.py give values for, with the categories
# they use: the taxonomy must hold them
USED: dict[str, tuple[str, ...]] = {
    "response-rate": (), "remission-rate": (), "onset-time": (), "effect-duration": (), "sessions-in-course": (),
    "course-length": (), "session-length": (), "maintenance-interval": (), "observation-time": (), "dose": (),
    "cost-per-session": (), "course-cost": (), "efficacy": (),
    "insurance-coverage": ("covered", "not-covered", "partly-covered"),
    "regulatory-status": ("approved-for-depression", "approved-other-use", "not-approved-for-depression", "off-label"),
    "controlled-substance": ("schedule-iii", "controlled", "not-controlled"),
    "suicidality-effect": ("reduces", "no-effect-shown", "increases-risk"),
    "general-safety": ("safe", "unsafe", "risks-stated"),
    "monitoring-requirement": ("required", "not-required"),
}


@dataclass(frozen=True)
class Property:
    """One property: the kind of value it takes, its units or categories, and the vocabulary kind of its terms."""

    name: str
    values: str  # number, category, statement or terms
    units: tuple[str, ...]
    categories: tuple[str, ...]
    vocabulary: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    """Every property, by name."""

    properties: Mapping[str, Property]


def taxonomy_of(data: Mapping[str, Any]) -> Taxonomy:
    return Taxonomy({name: Property(name, entry["values"], tuple(entry.get("units", ())),
                                    tuple(entry.get("categories", ())), entry.get("vocabulary"))
                     for name, entry in data["properties"].items()})


def load_taxonomy(layout: Layout, schemas: SchemaSet) -> dict[str, Any]:
    """The taxonomy file, checked by its schema and against the properties and categories the assertion rules
    use."""
    path = layout.config_dir / PATH
    data, _ = load_validated_yaml(path, "taxonomy-properties", schemas, layout)
    properties = data["properties"]
    problems = []
    for name, categories in USED.items():
        found = properties.get(name)
        missing = [c for c in categories if found is None or c not in found.get("categories", [])]
        if found is None or missing:
            problems.append(Problem("taxonomy-property", f"the assertion rules use property {name!r}"
                                    + (f" with categories {missing}" if found else "") + ", which the taxonomy lacks",
                                    path=layout.display(path)))
    if problems:
        raise PipelineError(problems)
    return data


def _row_problem(row: Mapping[str, Any], found: Property | None) -> str | None:
    if found is None:
        return f"property {row['property']!r} is not in {PATH}"
    if found.values == "category" and row["value"] not in found.categories:
        return f"{row['value']!r} is not a category of {found.name}"
    if found.values == "number" and row["unit"] not in found.units:
        return f"unit {row['unit']!r} is not a unit of {found.name}"
    if found.values != "category" and row["value"] is not None:
        return f"{found.name} takes no category value"
    return None


def taxonomy_problems(tables: Mapping[str, list[dict[str, Any]]], taxonomy: Taxonomy) -> list[Problem]:
    """Assertion rows whose property, category or unit the taxonomy does not have."""
    problems = []
    for number, row in enumerate(tables.get("assertions", []), start=1):
        message = _row_problem(row, taxonomy.properties.get(row["property"]))
        if message:
            problems.append(Problem("assertion-taxonomy", message, resource="assertions", row=number,
                                    field="property"))
    return problems
