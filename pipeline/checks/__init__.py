"""Assembled tables + reference facts + settings -> the derived resources facts, claim_checks and omissions.

`load_reference` reads the inputs (facts, taxonomy, settings) before any text is extracted, so that a bad fact stops
the build early; `derive` runs after every document's rows are assembled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.checks.compare import Checker, claim_checks
from pipeline.checks.forms import Forms, fact_index, forms_of
from pipeline.checks.omissions import Mentions, omissions
from pipeline.checks.settings import Settings, load_settings
from pipeline.checks.statements import ClaimFinder, Corpus, source_forms
from pipeline.load import Layout
from pipeline.records import Document, Vocabulary
from pipeline.reference import Fact, fact_quote_row, fact_row, load_facts
from pipeline.taxonomy import taxonomy_of

Row = dict[str, Any]
RESOURCES = ("facts", "fact_quotes", "claim_checks", "omissions")


@dataclass(frozen=True)
class Reference:
    """The facts, the settings of the checks and the drug forms they are read with."""

    facts: tuple[Fact, ...]
    settings: Settings
    forms: Forms


def load_reference(layout: Layout, schemas: Any, documents: tuple[Document, ...], cues: Mapping[str, Any],
                   vocabulary: Vocabulary) -> Reference:
    """The loaded cues (drug forms and the property taxonomy), data/checks.yaml and the input folder's
    reference/*.yaml -> the checked reference."""
    forms = forms_of(cues["forms"])
    taxonomy = taxonomy_of(cues["taxonomy"]).properties
    settings = load_settings(layout, schemas, taxonomy, set(forms.drug_of))
    facts = load_facts(layout, schemas, documents, set(forms.drug_of), taxonomy, vocabulary)
    return Reference(facts, settings, forms)


def is_checked(reference: Reference, source: Row) -> bool:
    """Whether the checks read a source's statements: there are facts, and its role and kind are checked ones."""
    settings = reference.settings
    return (bool(reference.facts) and source["role"] in settings.checked_roles
            and source["kind"] in settings.checked_kinds)


def derive(tables: Mapping[str, list[Row]], reference: Reference, texts: Mapping[str, str]) -> dict[str, list[Row]]:
    """The facts tables (facts and the words of those cited by span), every check of a checked source's statements
    against the facts, and the omissions."""
    if not reference.facts:
        return {name: [] for name in RESOURCES}
    settings = reference.settings
    checked = {row["source_id"] for row in tables["sources"] if is_checked(reference, row)}
    forms = source_forms(tables, reference.forms)
    corpus = Corpus(tables, frozenset(checked), reference.forms, ClaimFinder(tables.get("claims", [])), forms)
    index = fact_index(reference.facts, reference.forms, settings)
    term_labels = {row["term_id"]: row["label"] for row in tables.get("terms", [])}
    checked_forms = {source: form for source, form in forms.items() if source in checked}
    return {
        "facts": [fact_row(fact) for fact in reference.facts],
        "fact_quotes": [row for row in map(fact_quote_row, reference.facts) if row is not None],
        "claim_checks": claim_checks(corpus, Checker(index, settings, term_labels)),
        "omissions": omissions(checked_forms, Mentions(tables, texts, checked, settings), index, settings,
                               term_labels),
    }
