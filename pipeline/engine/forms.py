"""Annotated text + a statement's place -> the drug form it is about (iv-ketamine, esketamine-nasal, ...) and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.matcher import Mention

DRUGS = "term:drug"
ROUTES = "term:route"
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class FormCues:
    """Form id by (drug, route) and how far a route may stand from its drug."""

    forms: Mapping[tuple[str, str], str]
    route_reach_words: int


def form_cues(data: Mapping[str, object]) -> FormCues:
    """data/cues/forms.yaml (checked by its schema) -> FormCues."""
    forms = {(entry["drug"], route): entry["form"]  # type: ignore[index]
             for entry in data["forms"] for route in entry["routes"]}  # type: ignore[union-attr, attr-defined]
    return FormCues(forms=forms, route_reach_words=int(data["route_reach_words"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Form:
    """The drug form a statement is about and the words that decided it (offsets into the raw text)."""

    form: str
    drug: str
    start: int
    end: int


def _name(drug: str, route: str, cues: FormCues) -> str:
    return cues.forms.get((drug, route)) or cues.forms.get((drug, UNSPECIFIED)) or drug


def _route_near(annotated: Annotated, drug: Mention, low: int, high: int, cues: FormCues) -> Mention | None:
    routes = [r for r in annotated.of(ROUTES, low, high)
              if annotated.words_between(min(r.end, drug.end), max(r.start, drug.start)) <= cues.route_reach_words]
    return min(routes, key=lambda r: abs(r.start - drug.start), default=None)


def _in_span(annotated: Annotated, low: int, high: int, position: int, cues: FormCues) -> Form | None:
    """The form named in [low, high): the drug nearest to position (before it first) and a route near it."""
    drugs = annotated.of(DRUGS, low, high)
    if not drugs:
        return None
    before = [d for d in drugs if d.start <= position]
    drug = before[-1] if before else drugs[0]
    route = _route_near(annotated, drug, low, high, cues)
    if route is None:
        return Form(_name(drug.value, UNSPECIFIED, cues), drug.value, drug.start, drug.end)
    return Form(_name(drug.value, route.value, cues), drug.value, min(drug.start, route.start),
                max(drug.end, route.end))


def dominant(annotated: Annotated, cues: FormCues) -> Form | None:
    """The document's form: its most named drug (of those with forms; the title counts double), given the way
    the document most often names for it, else with no route."""
    with_forms = {drug for drug, _ in cues.forms}
    drugs: Counter[str] = Counter()
    routed: Counter[tuple[str, str]] = Counter()
    first: dict[str, Form] = {}
    for sentence in annotated.sentences:
        found = _in_span(annotated, sentence.start, sentence.end, sentence.start, cues)
        if found is None or found.drug not in with_forms:
            continue
        weight = 2 if sentence.block == 0 else 1
        drugs[found.drug] += weight
        if found.form != _name(found.drug, UNSPECIFIED, cues):
            routed[(found.drug, found.form)] += weight
        first.setdefault(found.form, found)
    if not drugs:
        return None
    drug = max(drugs.items(), key=lambda item: (item[1], item[0]))[0]
    forms = [(count, form) for (d, form), count in routed.items() if d == drug]
    return first[max(forms)[1]] if forms else first[_name(drug, UNSPECIFIED, cues)]


def _refine(found: Form, default: Form | None, cues: FormCues) -> Form:
    """A bare drug ('ketamine') takes the document's route for that drug when the document has one."""
    if default is not None and found.form == _name(found.drug, UNSPECIFIED, cues) and default.drug == found.drug:
        return Form(default.form, found.drug, found.start, found.end)
    return found


def form_at(annotated: Annotated, block: Block, start: int, end: int, cues: FormCues,
            default: Form | None) -> Form | None:
    """The drug form of the statement at [start, end) in block: its sentence, then the sentences before it in
    its block, then its headings, then the document's dominant form."""
    sentence = annotated.sentence_at(start)
    low, high = (sentence.start, sentence.end) if sentence else (start, end)
    found = _in_span(annotated, low, high, start, cues)
    if found is None:
        found = _in_span(annotated, block.start, low, low, cues)
    for governing in annotated.ancestors(block) if found is None else ():
        found = _in_span(annotated, governing.start, governing.end, governing.end, cues)
        if found is not None:
            break
    if found is None:
        return default
    return _refine(found, default, cues)
