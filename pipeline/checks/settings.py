"""data/checks.yaml (checked by its schema) + the taxonomy -> the typed settings every check rule reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.load import Layout, load_validated_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.taxonomy import Property

PATH = "checks.yaml"


@dataclass(frozen=True)
class NearestLabel:
    """Statements about `drug` with no fact of their own drug for a property are set beside `form`'s facts."""

    drug: str
    form: str
    properties: frozenset[str]
    statements: frozenset[str]


@dataclass(frozen=True)
class Categories:
    """What assertions of a category property are set beside, and the verdict of each pair of values."""

    property: str
    facts: str
    verdicts: Mapping[tuple[str, str], str]  # (the source's value, the fact's value or "any") -> verdict


@dataclass(frozen=True)
class Unit:
    """A unit's dimension and its length in the dimension's base unit (shortest and longest)."""

    dimension: str
    factor: float
    factor_max: float


@dataclass(frozen=True)
class SideEffectSettings:
    contexts: frozenset[str]
    facts: tuple[str, ...]
    bands: Mapping[str, tuple[float, float]]
    word_bands: frozenset[str]
    negated_contradicts_from: float
    rate_tolerance_points: float
    rate_tolerance_share: float


@dataclass(frozen=True)
class OmissionTopic:
    """A property whose facts a source may leave out, and what counts as mentioning one."""

    property: str
    topic: str
    words: tuple[str, ...]
    assertions: frozenset[str]
    rows: str | None


@dataclass(frozen=True)
class Settings:
    """Every setting of the checks."""

    checked_roles: frozenset[str]
    checked_kinds: frozenset[str]
    nearest_label: tuple[NearestLabel, ...]
    categories: Mapping[str, Categories]
    numbers: frozenset[str]
    units: Mapping[str, Unit]
    side_effects: SideEffectSettings
    contraindication_facts: str
    contraindication_kinds: frozenset[str]
    schedule_facts: str
    schedule_labels: frozenset[str]
    omissions: tuple[OmissionTopic, ...]
    form_words: Mapping[str, str]
    value_words: Mapping[str, str]


def settings_of(data: Mapping[str, Any]) -> Settings:
    """The settings file's data (already checked by schemas/checks.schema.json) -> Settings."""
    side = data["side_effects"]
    return Settings(
        checked_roles=frozenset(data["checked_roles"]), checked_kinds=frozenset(data["checked_kinds"]),
        nearest_label=tuple(NearestLabel(entry["drug"], entry["form"], frozenset(entry["properties"]),
                                         frozenset(entry["statements"])) for entry in data["nearest_label"]),
        categories={entry["property"]: Categories(
            entry["property"], entry["facts"],
            {(pair["says"], pair["label"]): pair["verdict"] for pair in entry["verdicts"]})
            for entry in data["categories"]},
        numbers=frozenset(data["numbers"]),
        units={name: Unit(unit["dimension"], float(unit["factor"]), float(unit.get("factor_max", unit["factor"])))
               for name, unit in data["units"].items()},
        side_effects=SideEffectSettings(
            contexts=frozenset(side["contexts"]), facts=tuple(side["facts"]),
            bands={band: (float(low), float(high)) for band, (low, high) in side["bands"].items()},
            word_bands=frozenset(side["word_bands"]), negated_contradicts_from=float(side["negated_contradicts_from"]),
            rate_tolerance_points=float(side["rate_tolerance_points"]),
            rate_tolerance_share=float(side["rate_tolerance_share"])),
        contraindication_facts=data["contraindications"]["facts"],
        contraindication_kinds=frozenset(data["contraindications"]["kinds"]),
        schedule_facts=data["schedules"]["facts"], schedule_labels=frozenset(data["schedules"]["labels"]),
        omissions=tuple(OmissionTopic(entry["property"], entry["topic"], tuple(entry.get("words", ())),
                                      frozenset(entry.get("assertions", ())), entry.get("rows"))
                        for entry in data["omissions"]),
        form_words=dict(data["words"]["forms"]), value_words=dict(data["words"]["values"]))


def _taxonomy_problems(settings: Settings, taxonomy: Mapping[str, Property], forms: set[str],
                       display: str) -> list[Problem]:
    """Properties, categories and forms the settings name that the taxonomy or forms.yaml lack."""
    named = {*settings.numbers, *settings.side_effects.facts, settings.contraindication_facts, settings.schedule_facts,
             *(topic.property for topic in settings.omissions), *(t for topic in settings.omissions
                                                                   for t in topic.assertions)}
    for label in settings.nearest_label:
        named |= label.properties
    problems = [Problem("checks-property", f"property {name!r} is not in the taxonomy", path=display)
                for name in sorted(named - set(taxonomy))]
    for comparison in settings.categories.values():
        for name in (comparison.property, comparison.facts):
            if name not in taxonomy:
                problems.append(Problem("checks-property", f"property {name!r} is not in the taxonomy", path=display))
        if comparison.property not in taxonomy or comparison.facts not in taxonomy:
            continue
        for says, label in comparison.verdicts:
            if says not in taxonomy[comparison.property].categories:
                problems.append(Problem("checks-category", f"{says!r} is not a category of {comparison.property}",
                                        path=display))
            if label != "any" and label not in taxonomy[comparison.facts].categories:
                problems.append(Problem("checks-category", f"{label!r} is not a category of {comparison.facts}",
                                        path=display))
    for label in settings.nearest_label:
        if label.form not in forms:
            problems.append(Problem("checks-form", f"{label.form!r} is not a form of data/cues/forms.yaml",
                                    path=display))
    return problems


def load_settings(layout: Layout, schemas: Any, taxonomy: Mapping[str, Property], forms: set[str]) -> Settings:
    """data/checks.yaml, checked by its schema and against the taxonomy and the drug forms."""
    path = layout.config_dir / PATH
    data, _ = load_validated_yaml(path, "checks", schemas, layout)
    settings = settings_of(data)
    problems = _taxonomy_problems(settings, taxonomy, forms, layout.display(path))
    if problems:
        raise PipelineError(problems)
    return settings
