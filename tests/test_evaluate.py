"""evaluate: gold loading, span matching and scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from pipeline.evaluate import GoldRow, load_gold, score_table
from pipeline.problems import PipelineError

TEXT = "Side effects may include nausea, dizziness and nausea again."


def write_gold(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sample.yaml").write_text("source_id: sample\n" + body, encoding="utf-8")
    return folder


def test_gold_quotes_are_located_with_occurrence(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", "side_effects:\n"
                      "  - {quote: nausea, occurrence: 2, term: nausea, context: therapeutic, certainty: hedged}\n"
                      "  - {quote: dizziness, term: dizziness, context: therapeutic, certainty: hedged}\n")
    rows = load_gold(gold, {"sample": TEXT})
    assert [(r.start, r.end) for r in rows] == [(TEXT.rindex("nausea"), TEXT.rindex("nausea") + 6),
                                                 (TEXT.index("dizziness"), TEXT.index("dizziness") + 9)]


@pytest.mark.parametrize(("entry", "message"), [
    ("{quote: vomiting, term: vomiting}", "quote not found in the text: 'vomiting'"),
    ("{quote: nausea, term: nausea}", "quote occurs 2 times; give occurrence: 'nausea'"),
    ("{quote: nausea, occurrence: 3, term: nausea}", "occurrence 3 out of range"),
    ("{quote: ' nausea', term: nausea}", "quote is missing or not trimmed"),
])
def test_bad_gold_is_refused_with_its_place(tmp_path: Path, entry: str, message: str) -> None:
    gold = write_gold(tmp_path / "gold", f"side_effects:\n  - {entry}\n")
    with pytest.raises(PipelineError) as caught:
        load_gold(gold, {"sample": TEXT})
    problem = caught.value.problems[0]
    assert problem.message == message
    assert problem.path == f"{gold / 'sample.yaml'} side_effects[1]"


def gold_row(start: int, end: int, term: str, certainty: str = "hedged") -> GoldRow:
    return GoldRow("side_effects", "sample", start, end, {"term": term, "certainty": certainty}, "g")


def predicted(start: int, end: int, term: str, certainty: str = "hedged") -> dict:
    return {"source_id": "sample", "start": start, "end": end, "term": term, "certainty": certainty,
            "quote": TEXT[start:end], "context": "therapeutic", "frequency": None}


def test_scores_need_overlap_and_the_same_term() -> None:
    gold = [gold_row(25, 31, "nausea"), gold_row(33, 42, "dizziness")]
    rows = [predicted(25, 31, "nausea", "asserted"), predicted(33, 42, "vertigo"), predicted(0, 4, "nausea")]
    scores = score_table("side_effects", gold, rows)
    assert (scores["gold"], scores["predicted"], scores["matched"]) == (2, 3, 1)
    assert (scores["precision"], scores["recall"]) == (0.333, 0.5)
    assert scores["agreement"] == {"certainty": 0.0}
    assert [m["start"] for m in scores["missed"]] == [33]
    assert [s["start"] for s in scores["spurious"]] == [33, 0]


def test_evaluate_command_on_the_corpus(built_package: Path, invoke) -> None:
    result = invoke("--project", PROJECT_ROOT, "evaluate", "--package", built_package,
                    "--gold", PROJECT_ROOT / "tests" / "gold")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "sources with gold: 5"
    assert [line.split()[0] for line in lines[2:10]] == [
        "claims", "quantities", "assertions", "claim_repeats", "schedules", "schedule_phases", "side_effects",
        "contraindications"]
    assert lines[10].startswith("check-worthiness: precision ")


CLAIMS_TEXT = "Ketamine works within hours. Ketamine offers new hope. Ketamine works within hours."


def claim_row(start: int, end: int) -> dict:
    return {"source_id": "sample", "start": start, "end": end, "quote": CLAIMS_TEXT[start:end],
            "category": "onset", "subject": "ketamine", "polarity": "affirmed", "certainty": "asserted",
            "testimonial": False, "drug_form": "ketamine"}


def test_sentences_that_are_no_claim_and_repeats_are_scored_apart(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", "claims:\n"
                      "  - {quote: Ketamine works within hours., occurrence: 1, category: onset, subject: ketamine,"
                      " certainty: asserted, drug_form: ketamine}\n"
                      "  - {quote: Ketamine offers new hope., check_worthy: false, category: efficacy,"
                      " subject: ketamine, certainty: asserted}\n"
                      "  - {quote: Ketamine works within hours., occurrence: 2, repeat: true}\n")
    rows = load_gold(gold, {"sample": CLAIMS_TEXT})
    assert [r.table for r in rows] == ["claims", "claims", "claim_repeats"]
    hope = CLAIMS_TEXT.index("Ketamine offers")
    predicted = [claim_row(0, 28), claim_row(hope, hope + 25)]
    scores = score_table("claims", [r for r in rows if r.table == "claims"], predicted)
    assert (scores["gold"], scores["matched"], scores["precision"], scores["recall"]) == (1, 1, 0.5, 1.0)
    assert scores["agreement"]["polarity"] == 1.0 and scores["agreement"]["drug_form"] == 1.0


def test_a_drug_form_the_gold_gives_is_compared_in_any_table() -> None:
    gold = [GoldRow("schedules", "sample", 0, 10, {"drug": "esketamine", "route": "intranasal",
                                                    "drug_form": "esketamine-nasal"}, "g")]
    predicted = [{"source_id": "sample", "start": 0, "end": 10, "quote": TEXT[:10], "drug": "esketamine",
                  "route": "intranasal", "drug_form": "esketamine-nasal"}]
    assert score_table("schedules", gold, predicted)["agreement"]["drug_form"] == 1.0
