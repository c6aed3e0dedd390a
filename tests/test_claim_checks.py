"""The checks on the corpus: the examples of issue 13 get their verdicts with reasons a reader can check in two
clicks (the statement's span, the fact's citation), statements that agree with the label are not flagged, the
omissions, and the precision of `contradicts` against the hand annotation of tests/checks/contradicts.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from check_helpers import CHECKS_DIR, read_yaml
from conftest import PROJECT_ROOT

from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

Row = dict[str, Any]
FIVE_TEXTS = ("combining-ketamine-psychotropics", "how-ketamine-therapy-works", "ketamine-and-lexapro",
              "ketamine-infusion-treatment", "ketamine-therapy-new-hope")
PRECISION_FLOOR = 0.9


@pytest.fixture(scope="module")
def committed() -> dict[str, list[Row]]:
    tables, problems = read_tables(PROJECT_ROOT, load_schemas(PROJECT_ROOT / "schemas"))
    assert problems == []
    return tables


@pytest.fixture(scope="module")
def texts(committed: dict[str, list[Row]]) -> dict[str, str]:
    return {row["source_id"]: (PROJECT_ROOT / row["path"]).read_text(encoding="utf-8")
            for row in committed["sources"]}


@pytest.fixture(scope="module")
def checks(committed: dict[str, list[Row]]) -> list[Row]:
    """The checks of the corpus build."""
    return committed["claim_checks"]


def _found(checks: list[Row], claims: list[Row], texts: Mapping[str, str], source_id: str, sentence: str,
           fact_id: str) -> list[Row]:
    """The checks of a fact whose statement meets the words (their first place in the source), else those whose
    claim meets them: a table row's claim may take its value from the row's label cell."""
    start = texts[source_id].index(sentence)
    end = start + len(sentence)
    spans = {row["claim_id"]: (row["start"], row["end"]) for row in claims if row["source_id"] == source_id}

    of_fact = [row for row in checks if row["source_id"] == source_id and row["fact_id"] == fact_id]
    own = [row for row in of_fact if row["start"] < end and start < row["end"]]
    if own:
        return own
    claimed = [row for row in of_fact if row["claim_id"] in spans]
    return [row for row in claimed if spans[row["claim_id"]][0] < end and start < spans[row["claim_id"]][1]]


ISSUE_EXAMPLES = [
    ("ketamine-therapy-new-hope", "Ketamine therapy is approved by the FDA for the treatment of depression.",
     "ketamine-not-approved-psychiatric", "contradicts"),
    ("ketamine-therapy-new-hope", "has been deemed safe and effective for the treatment of depression by the FDA",
     "ketamine-not-approved-psychiatric", "contradicts"),
    ("ketamine-therapy-new-hope", "Ketamine therapy has been shown to decrease suicidal thoughts",
     "esketamine-suicide-prevention-not-shown", "goes-beyond"),
    ("ketamine-and-lexapro", "ketamine has been shown to reduce major depression and suicidal thinking",
     "esketamine-suicide-prevention-not-shown", "goes-beyond"),
    ("ketamine-and-lexapro", "Ketamine has a strong safety profile", "esketamine-boxed-warning", "goes-beyond"),
    ("ketamine-infusion-treatment", "Ketamine is recognized as one of the safest, most widely used anesthetics",
     "esketamine-boxed-warning", "goes-beyond"),
    ("how-ketamine-therapy-works", "bipolar disorder", "esketamine-contraindications", "goes-beyond"),
    ("how-ketamine-therapy-works", "pregnant", "esketamine-contraindications", "goes-beyond"),
    ("how-ketamine-therapy-works", "uncontrolled high blood pressure", "esketamine-contraindications", "goes-beyond"),
    ("how-ketamine-therapy-works", "once a week for five to nine weeks", "esketamine-dosing-trd-weeks-5-8",
     "contradicts"),
    # agreeing with the label: marked consistent, not flagged
    ("ketamine-infusion-treatment", "a Schedule III controlled substance", "ketamine-schedule-iii", "consistent"),
    ("va-2019-spravato-news-release", "must be monitored by a health care provider for at least two hours",
     "esketamine-observation-2h", "consistent"),
]


@pytest.mark.parametrize(("source_id", "sentence", "fact_id", "verdict"), ISSUE_EXAMPLES,
                         ids=[f"{s}:{f}:{v}:{n}" for n, (s, _, f, v) in enumerate(ISSUE_EXAMPLES)])
def test_issue_example_gets_its_verdict_and_a_checkable_reason(checks: list[Row], committed: dict[str, list[Row]],
                                                               texts: dict[str, str], source_id: str, sentence: str,
                                                               fact_id: str, verdict: str) -> None:
    found = _found(checks, committed["claims"], texts, source_id, sentence, fact_id)
    assert [row["verdict"] for row in found] == [verdict], found
    row = found[0]
    facts = {fact["fact_id"]: fact for fact in committed["facts"]}
    fact = facts[row["fact_id"]]
    # first click: the statement as the source writes it; second: the fact where the reference states it
    assert texts[source_id][row["start"]:row["end"]] == row["quote"]
    if fact["citation"] == "span":
        quote = {q["fact_id"]: q for q in committed["fact_quotes"]}[fact["fact_id"]]
        assert texts[quote["source_id"]][quote["start"]:quote["end"]] == quote["quote"]
    else:
        assert fact["url"].startswith("https://") and fact["document"] and fact["section"]
    assert row["reason"].startswith("says ") and fact["statement"] in row["reason"]


def test_the_five_texts_name_none_of_the_label_contraindications(checks: list[Row]) -> None:
    consistent = [row for row in checks if row["source_id"] in FIVE_TEXTS
                  and row["fact_id"] == "esketamine-contraindications" and row["verdict"] == "consistent"]
    assert consistent == []


def test_omissions_list_the_rems_and_the_two_hours_for_the_five_texts(committed: dict[str, list[Row]]) -> None:
    omitted = {(row["source_id"], row["fact_id"], row["term"]) for row in committed["omissions"]}
    for source_id in FIVE_TEXTS:
        assert (source_id, "esketamine-rems", None) in omitted
        assert (source_id, "esketamine-observation-2h", None) in omitted
        for term in ("aneurysmal-vascular-disease", "arteriovenous-malformation", "intracerebral-hemorrhage",
                     "hypersensitivity"):
            assert (source_id, "esketamine-contraindications", term) in omitted
    # the VA release names the REMS and the two hours
    assert not {("va-2019-spravato-news-release", fact, None) for fact in ("esketamine-rems",
                                                                           "esketamine-observation-2h")} & omitted


def test_checked_rows_come_from_reported_sources_and_never_contradict_another_form(
        checks: list[Row], committed: dict[str, list[Row]]) -> None:
    roles = {row["source_id"]: row["role"] for row in committed["sources"]}
    assert {roles[row["source_id"]] for row in checks} <= {"reported"}
    assert [row for row in checks if row["scope"] == "other-form" and row["verdict"] == "contradicts"] == []


def _precision(rows: list[Row], section: str) -> float:
    annotations = {entry["check_id"]: entry["right"] for entry in read_yaml(CHECKS_DIR / "contradicts.yaml")[section]}
    flagged = {row["check_id"] for row in rows if row["verdict"] == "contradicts"}
    assert sorted(flagged - set(annotations)) == [], "annotate these contradicts rows in tests/checks/contradicts.yaml"
    assert sorted(set(annotations) - flagged) == [], "these annotations match no contradicts row any more"
    return sum(annotations.values()) / len(annotations) if annotations else 1.0


def test_contradicts_precision_on_the_corpus_build(committed: dict[str, list[Row]]) -> None:
    assert _precision(committed["claim_checks"], "corpus") >= PRECISION_FLOOR
