"""Reference facts: every fact is cited by a located span of a reference text or by an external document; a fact
that is not does not build, and the problem names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_helpers import project_reference, read_yaml, reference_of
from conftest import PROJECT_ROOT

from pipeline.load import Layout
from pipeline.reference import TAXONOMY

FACTS_FILE = "data/reference/extra.yaml"
GOOD_SPAN = """  - id: extra-fact
    drug_form: esketamine-nasal
    property: controlled-substance
    value: schedule-iii
    by: the SPRAVATO label
    statement: esketamine is a Schedule III controlled substance
    citation:
      source_id: spravato-pi-2019-boxed-warning-warnings
      quote: a Schedule III controlled substance (CIII)
"""


def test_every_project_fact_is_cited_and_located() -> None:
    documents = {}
    for fact in project_reference().facts:
        citation = fact.citation
        if citation.kind == "span":
            text = documents.setdefault(citation.source_id,
                                        (PROJECT_ROOT / "data" / "raw" / f"{citation.source_id}.txt").read_text())
            assert text[citation.start:citation.end] == citation.quote
        else:
            assert citation.document and citation.section and citation.url and citation.url.startswith("https://")


def test_the_facts_cover_what_the_issue_lists() -> None:
    facts = {fact.fact_id: fact for fact in project_reference().facts}
    by_property = {fact.property for fact in facts.values()}
    assert {"regulatory-status", "suicidality-effect", "monitoring-requirement", "observation-time",
            "controlled-substance", "boxed-warning", "contraindication", "dosing-phase", "adverse-reaction-rate",
            "common-adverse-reactions"} <= by_property
    assert facts["ketamine-not-approved-psychiatric"].value == "not-approved-for-depression"
    assert facts["esketamine-observation-2h"].value_low == 2 and facts["esketamine-observation-2h"].qualifier == "at-least"
    assert set(facts["esketamine-contraindications"].terms) == {
        "aneurysmal-vascular-disease", "arteriovenous-malformation", "intracerebral-hemorrhage", "hypersensitivity"}
    assert set(facts["esketamine-boxed-warning"].terms) == {
        "sedation", "dissociation", "respiratory-depression", "addiction", "suicidal-thoughts"}
    assert facts["esketamine-suicide-prevention-not-shown"].value == "no-effect-shown"
    assert {f.population for f in facts.values() if f.property == "regulatory-status"} >= {"treatment-resistant",
                                                                                         "suicidal"}


def test_taxonomy_keeps_the_assertion_properties() -> None:
    properties = read_yaml(PROJECT_ROOT / "data" / TAXONOMY)["properties"]
    for name in ("response-rate", "observation-time", "regulatory-status", "controlled-substance",
                 "suicidality-effect", "general-safety", "monitoring-requirement", "efficacy"):
        assert name in properties


def _write(project: Path, body: str) -> int:
    """The facts file with one entry; returns the line of the entry."""
    (project / FACTS_FILE).write_text("facts:\n" + body, encoding="utf-8")
    return 2


@pytest.mark.parametrize(("edit", "code", "words"), [
    (lambda f: f.split("    citation:")[0], "fact-citation", "has no citation"),
    (lambda f: f.replace("      source_id: spravato-pi-2019-boxed-warning-warnings\n", ""), "fact-citation",
     "has no citation"),
    (lambda f: f.split("    citation:")[0] + "    citation:\n      external: true\n      document: A label\n"
     "      section: Indications\n", "fact-citation", "missing ['url']"),
    (lambda f: f + "      external: true\n", "fact-citation", "both a span and an external document"),
    (lambda f: f.replace("(CIII)", "(C-III)"), "fact-citation-quote", "is not found"),
    (lambda f: f.replace("quote: a Schedule III controlled substance (CIII)", "quote: SPRAVATO"),
     "fact-citation-quote", "add `occurrence:`"),
    (lambda f: f.replace("quote: a Schedule III controlled substance (CIII)", "quote: 'SPRAVATO '"),
     "fact-citation-quote", "non-space"),
    (lambda f: f.replace("spravato-pi-2019-boxed-warning-warnings", "ketamine-and-lexapro").replace(
        "a Schedule III controlled substance (CIII)", "Ketamine"), "fact-citation-source", "is not a reference"),
    (lambda f: f.replace("spravato-pi-2019-boxed-warning-warnings", "no-such-text"), "fact-citation-source",
     "is not in sources.yaml"),
    (lambda f: f.replace("value: schedule-iii", "value: schedule-ii"), "fact-value", "is not a category"),
    (lambda f: f.replace("property: controlled-substance", "property: potency"), "fact-property", "is not in"),
    (lambda f: f.replace("drug_form: esketamine-nasal", "drug_form: esketamine-pill"), "fact-drug-form",
     "is not a form"),
    (lambda f: f.replace("value: schedule-iii", "value_low: 3"), "fact-value", "needs one of the units"),
    (lambda f: f + "    superseded_by: no-such-fact\n", "fact-superseded", "is not a fact"),
])
def test_a_bad_fact_does_not_build(project: Path, invoke, edit, code: str, words: str) -> None:
    line = _write(project, edit(GOOD_SPAN))
    result = invoke("--project", project, "build", "--output", project / "out")
    assert result.exit_code == 1
    assert f"{FACTS_FILE}:{line}: [{code}]" in result.stderr and words in result.stderr, result.stderr
    assert not (project / "out").exists()


def test_a_well_cited_fact_loads_with_its_span(project: Path) -> None:
    _write(project, GOOD_SPAN + GOOD_SPAN.replace("extra-fact", "extra-external").split("    citation:")[0]
           + "    citation:\n      external: true\n      document: A label\n      section: Warnings\n"
           "      url: https://example.org/label\n")
    facts = {fact.fact_id: fact for fact in reference_of(Layout(project, project / "data")).facts}
    span = facts["extra-fact"].citation
    text = (project / "data" / "raw" / "spravato-pi-2019-boxed-warning-warnings.txt").read_text(encoding="utf-8")
    assert text[span.start:span.end] == "a Schedule III controlled substance (CIII)"
    assert facts["extra-external"].citation.kind == "external"


def test_a_duplicate_fact_id_names_both_places(project: Path, invoke) -> None:
    (project / FACTS_FILE).write_text("facts:\n" + GOOD_SPAN.replace("extra-fact", "esketamine-rems"),
                                      encoding="utf-8")
    result = invoke("--project", project, "build", "--output", project / "out")
    assert result.exit_code == 1
    assert "[duplicate-id] fact 'esketamine-rems' is already defined at data/reference/esketamine-nasal.yaml:" \
        in result.stderr
