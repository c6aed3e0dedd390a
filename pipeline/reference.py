"""data/reference/*.yaml + the loaded reference texts -> checked Facts with located citations, and their table rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.io import line_of, list_files
from pipeline.load import Layout, load_validated_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.records import Document, Vocabulary
from pipeline.taxonomy import Property

TAXONOMY = "taxonomy/properties.yaml"
JOIN = " | "


@dataclass(frozen=True)
class Phase:
    """A label's dosing phase: the weeks of the course it covers and how often a dose is given."""

    label: str
    week_from: int
    week_to: int | None
    frequency: int
    frequency_max: int | None
    period: float
    period_max: float | None
    period_unit: str


@dataclass(frozen=True)
class Citation:
    """Where a fact is read: a span of a reference text of the package, or an external document."""

    kind: str  # span or external
    source_id: str | None = None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    document: str | None = None
    section: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Fact:
    """One curated reference fact: a property of a drug form, its value or statement, and its citation."""

    fact_id: str
    drug_form: str
    property: str
    by: str
    statement: str
    citation: Citation
    value: str | None = None
    value_low: float | None = None
    value_high: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    terms: tuple[str, ...] = ()
    complete: bool = False
    population: str | None = None
    phase: Phase | None = None
    superseded_by: str | None = None
    note: str | None = None

    @property
    def current(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class _Place:
    """A fact entry of a file, for problems that name the file and line."""

    path: str
    line: int | None

    def problem(self, code: str, message: str) -> Problem:
        return Problem(code, message, path=self.path, line=self.line)


def _value_problems(entry: Mapping[str, Any], found: Property | None, vocabulary: Vocabulary,
                    place: _Place) -> list[Problem]:
    """Whether the fact's value fits its property's kind (category, number, terms) and vocabulary."""
    name = entry["property"]
    if found is None:
        return [place.problem("fact-property", f"property {name!r} is not in data/{TAXONOMY}")]
    problems = []
    if "value" in entry and (found.values != "category" or entry["value"] not in found.categories):
        problems.append(place.problem("fact-value", f"{entry['value']!r} is not a category of {name} "
                                      f"(categories: {list(found.categories)})"))
    has_number = "value_low" in entry or "value_high" in entry
    if has_number and (found.values != "number" or entry.get("unit") not in found.units):
        problems.append(place.problem("fact-value", f"a number of {name} needs one of the units {list(found.units)}"))
    if "value_high" in entry and "value_low" not in entry:
        problems.append(place.problem("fact-value", "value_high needs value_low"))
    if found.values == "terms" and not entry.get("terms"):
        problems.append(place.problem("fact-value", f"{name} lists terms: give `terms`"))
    if entry.get("terms"):
        if found.vocabulary is None:
            problems.append(place.problem("fact-value", f"{name} names no terms"))
        for term in entry["terms"]:
            known = vocabulary.terms.get(term)
            if found.vocabulary and (known is None or known.kind != found.vocabulary):
                problems.append(place.problem("fact-term", f"{term!r} is not a {found.vocabulary} term of data/vocab"))
    if name == "dosing-phase" and "phase" not in entry:
        problems.append(place.problem("fact-value", "a dosing-phase fact needs `phase`"))
    return problems


def _citation(entry: Mapping[str, Any], documents: Mapping[str, Document], place: _Place) -> Citation:
    """The fact's citation, its span located in the cited reference text like a curation entry's quote."""
    cited = entry.get("citation") or {}
    span_keys = {"source_id", "quote", "occurrence"} & set(cited)
    external_keys = {"external", "document", "section", "url"} & set(cited)
    fact_id = entry["id"]
    if span_keys and external_keys:
        raise PipelineError([place.problem("fact-citation", f"fact {fact_id!r} cites both a span and an external "
                                           "document: give one")])
    if external_keys:
        missing = [key for key in ("external", "document", "section", "url") if key not in cited]
        if missing:
            raise PipelineError([place.problem("fact-citation", f"fact {fact_id!r}: an external citation needs "
                                               f"external: true, document, section and url (missing {missing})")])
        return Citation("external", document=cited["document"], section=cited["section"], url=cited["url"])
    if not {"source_id", "quote"} <= span_keys:
        raise PipelineError([place.problem(
            "fact-citation", f"fact {fact_id!r} has no citation: give source_id and quote of a reference text of the "
            "package, or external: true with document, section and url")])
    source_id, quote = cited["source_id"], cited["quote"]
    document = documents.get(source_id)
    if document is None:
        raise PipelineError([place.problem("fact-citation-source", f"source_id {source_id!r} is not in sources.yaml")])
    if document.source.role != "reference":
        raise PipelineError([place.problem("fact-citation-source", f"{source_id!r} is not a reference text "
                                           "(sources.yaml role: reference); a fact is read in a reference")])
    if quote != quote.strip():
        raise PipelineError([place.problem("fact-citation-quote", "the quote must start and end on a non-space "
                                           "character")])
    positions = _find_all(document.text, quote)
    occurrence = cited.get("occurrence")
    if not positions:
        raise PipelineError([place.problem("fact-citation-quote", f"quote {quote[:60]!r} is not found in {source_id}")])
    if occurrence is None and len(positions) > 1:
        raise PipelineError([place.problem(
            "fact-citation-quote", f"quote {quote[:60]!r} is found {len(positions)} times in {source_id}; add "
            f"`occurrence:` (1 to {len(positions)})")])
    index = (occurrence or 1) - 1
    if index >= len(positions):
        raise PipelineError([place.problem("fact-citation-quote", f"occurrence {occurrence} of {quote[:60]!r} does "
                                           f"not exist (found {len(positions)} time(s))")])
    start = positions[index]
    return Citation("span", source_id=source_id, start=start, end=start + len(quote), quote=quote)


def _find_all(text: str, quote: str) -> list[int]:
    positions, found = [], text.find(quote)
    while found != -1:
        positions.append(found)
        found = text.find(quote, found + 1)
    return positions


def _phase(data: Mapping[str, Any] | None) -> Phase | None:
    if data is None:
        return None
    return Phase(data["label"], data["week_from"], data.get("week_to"), data["frequency"], data.get("frequency_max"),
                 float(data["period"]), data.get("period_max"), data["period_unit"])


def _fact(entry: Mapping[str, Any], citation: Citation) -> Fact:
    low = entry.get("value_low")
    high = entry.get("value_high", None if entry.get("qualifier") == "at-least" else low)
    return Fact(
        fact_id=entry["id"], drug_form=entry["drug_form"], property=entry["property"], by=entry["by"],
        statement=" ".join(entry["statement"].split()), citation=citation, value=entry.get("value"),
        value_low=None if low is None else float(low), value_high=None if high is None else float(high),
        unit=entry.get("unit"), qualifier=entry.get("qualifier", "exact" if low is not None else None),
        terms=tuple(entry.get("terms", ())), complete=bool(entry.get("complete", False)),
        population=entry.get("population"), phase=_phase(entry.get("phase")),
        superseded_by=entry.get("superseded_by"), note=" ".join(entry["note"].split()) if "note" in entry else None)


def load_facts(layout: Layout, schemas: Any, documents: tuple[Document, ...], forms: set[str],
               taxonomy: Mapping[str, Property], vocabulary: Vocabulary) -> tuple[Fact, ...]:
    """Every fact of the input folder's reference/*.yaml (none when it has no such folder), checked: schema, drug
    form, property and value, citation located; every problem of every file is reported together."""
    by_source = {document.source.source_id: document for document in documents}
    facts: dict[str, Fact] = {}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    places: dict[str, _Place] = {}
    for path in list_files(layout.input_dir / "reference", "*.yaml"):
        data, node = load_validated_yaml(path, "reference-facts", schemas, layout)
        display = layout.display(path)
        for index, entry in enumerate(data["facts"]):
            place = _Place(display, line_of(node, ["facts", index]))
            fact_id = entry["id"]
            if fact_id in where:
                problems.append(place.problem("duplicate-id",
                                              f"fact {fact_id!r} is already defined at {where[fact_id]}"))
                continue
            where[fact_id] = f"{display}:{place.line}"
            found = []
            if entry["drug_form"] not in forms:
                found.append(place.problem("fact-drug-form", f"{entry['drug_form']!r} is not a form of "
                                           "data/cues/forms.yaml"))
            found += _value_problems(entry, taxonomy.get(entry["property"]), vocabulary, place)
            try:
                citation = _citation(entry, by_source, place)
            except PipelineError as error:
                found += error.problems
            if found:
                problems += found
                continue
            facts[fact_id] = _fact(entry, citation)
            places[fact_id] = place
    for fact in facts.values():
        if fact.superseded_by is not None and fact.superseded_by not in facts:
            problems.append(places[fact.fact_id].problem("fact-superseded", f"superseded_by {fact.superseded_by!r} "
                                                         "is not a fact"))
    if problems:
        raise PipelineError(problems)
    return tuple(sorted(facts.values(), key=lambda f: f.fact_id))


def fact_row(fact: Fact) -> dict[str, Any]:
    """A fact -> its row of the facts table."""
    phase, citation = fact.phase, fact.citation
    return {
        "fact_id": fact.fact_id, "drug_form": fact.drug_form, "property": fact.property, "value": fact.value,
        "value_low": fact.value_low, "value_high": fact.value_high, "unit": fact.unit, "qualifier": fact.qualifier,
        "terms": JOIN.join(fact.terms) or None, "complete": fact.complete, "population": fact.population,
        "phase_label": phase.label if phase else None, "week_from": phase.week_from if phase else None,
        "week_to": phase.week_to if phase else None, "frequency": phase.frequency if phase else None,
        "frequency_max": phase.frequency_max if phase else None, "period": phase.period if phase else None,
        "period_max": phase.period_max if phase else None, "period_unit": phase.period_unit if phase else None,
        "by": fact.by, "statement": fact.statement, "citation": citation.kind, "document": citation.document,
        "section": citation.section, "url": citation.url, "superseded_by": fact.superseded_by, "note": fact.note}


def fact_quote_row(fact: Fact) -> dict[str, Any] | None:
    """A fact cited by span -> its row of the fact_quotes table (None for an external citation)."""
    citation = fact.citation
    if citation.kind != "span":
        return None
    return {"fact_id": fact.fact_id, "source_id": citation.source_id, "start": citation.start, "end": citation.end,
            "quote": citation.quote}
