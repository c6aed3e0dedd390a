"""data/cues/forms.yaml + the facts + the settings -> which facts a statement about a drug form is set beside, and how
(same form, same drug, or the nearest label of another form)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.checks.settings import Settings
from pipeline.reference import Fact

UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class Forms:
    """The drug of each form, each drug's form given an unstated way, and the form of each (drug, route)."""

    drug_of: Mapping[str, str]
    unstated: Mapping[str, str]
    by_route: Mapping[tuple[str, str], str]

    def of_schedule(self, schedule: Mapping[str, Any]) -> str | None:
        """A schedule's form: its own drug_form column when the table has one, else its drug and route."""
        if schedule.get("drug_form"):
            return str(schedule["drug_form"])
        drug, route = schedule["drug"], schedule["route"]
        return self.by_route.get((drug, route)) or self.by_route.get((drug, UNSPECIFIED))


def forms_of(data: Mapping[str, Any]) -> Forms:
    """forms.yaml (checked by its schema) -> Forms."""
    drug_of, unstated, by_route = {}, {}, {}
    for entry in data["forms"]:
        drug_of[entry["form"]] = entry["drug"]
        for route in entry["routes"]:
            by_route[(entry["drug"], route)] = entry["form"]
            if route == UNSPECIFIED:
                unstated[entry["drug"]] = entry["form"]
    return Forms(drug_of, unstated, by_route)


@dataclass(frozen=True)
class Candidate:
    """A fact a statement is set beside and how it relates to the statement's form."""

    fact: Fact
    scope: str  # same-form, same-drug or other-form


@dataclass(frozen=True)
class FactIndex:
    """The current (not superseded) facts by property, and the rules of which forms they speak for."""

    by_property: Mapping[str, tuple[Fact, ...]]
    forms: Forms
    settings: Settings

    def candidates(self, form: str | None, prop: str, statement: str, population: str | None = None
                   ) -> tuple[Candidate, ...]:
        """The facts of a property that a statement (of kind `statement`: assertions, side_effects, ...) about
        `form` is set beside: the form's own facts and those of its drug given an unstated way; when there are
        none, the nearest label's for the properties the settings list. A fact narrowed to another population
        than the statement's is left out."""
        if form is None:
            return ()
        facts = [f for f in self.by_property.get(prop, ()) if population is None or f.population in (None, population)]
        drug = self.forms.drug_of.get(form)
        own = [Candidate(f, "same-form") for f in facts if f.drug_form == form]
        own += [Candidate(f, "same-drug") for f in facts
                if drug is not None and f.drug_form != form and f.drug_form == self.forms.unstated.get(drug)]
        if own:
            return tuple(own)
        for label in self.settings.nearest_label:
            if label.drug == drug and prop in label.properties and statement in label.statements:
                return tuple(Candidate(f, "other-form") for f in facts if f.drug_form == label.form)
        return ()


def fact_index(facts: tuple[Fact, ...], forms: Forms, settings: Settings) -> FactIndex:
    by_property: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.current:
            by_property.setdefault(fact.property, []).append(fact)
    return FactIndex({prop: tuple(found) for prop, found in by_property.items()}, forms, settings)
