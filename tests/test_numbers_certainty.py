"""The engine's number grammar and stance on short phrasings: ranges, words, fractions, decades and hedges."""

from __future__ import annotations

import pytest
from engine_helpers import project_rules, read_text

from pipeline.engine.stance import stance


@pytest.mark.parametrize(("text", "expected"), [
    ("4-6 infusions over 2-3 weeks", [("4-6", 4, 6), ("2-3", 2, 3)]),
    ("60 to 75 percent of patients", [("60 to 75", 60, 75)]),
    ("for one to four weeks", [("one to four", 1, 4)]),
    ("five to nine weeks, 2–3 days", [("five to nine", 5, 9), ("2–3", 2, 3)]),
    ("twice a week", [("twice", 2, 2)]),
    ("twenty-five patients and one hundred doses", [("twenty-five", 25, 25), ("one hundred", 100, 100)]),
    ("0.5 mg/kg", [("0.5", 0.5, 0.5)]),
    ("someone phoned", []),
    ("a fall from 9 to 3", [("9", 9, 9), ("3", 3, 3)]),
])
def test_numbers_and_ranges_as_written(text: str, expected: list) -> None:
    found = [(text[n.start:n.end], n.low, n.high) for n in read_text(text).annotated.numbers]
    assert found == expected


@pytest.mark.parametrize(("text", "target", "expected"), [
    ("It is not thought to cure nausea.", "nausea", "negated"),
    ("Infusions aren’t approved to treat depression.", "depression", "negated"),
    ("Ketamine may cause nausea.", "nausea", "affirmed"),
    ("Not only were SSRIs of limited help, they caused nausea.", "nausea", "affirmed"),
    ("Ketamine acts within hours.", "hours", "affirmed"),
])
def test_polarity_of_a_target(text: str, target: str, expected: str) -> None:
    annotated = read_text(text).annotated
    end = text.index(target) + len(target)
    said = stance(annotated, annotated.sentences[0].start, end, project_rules().settings.stance)
    assert said.polarity == expected


@pytest.mark.parametrize(("text", "target", "expected"), [
    ("Ketamine may cause nausea.", "nausea", "hedged"),
    ("It is thought to reduce inflammation.", "inflammation", "hedged"),
    ("Ketamine acts within hours.", "hours", "asserted"),
])
def test_hedging_of_a_target(text: str, target: str, expected: str) -> None:
    annotated = read_text(text).annotated
    end = text.index(target) + len(target)
    said = stance(annotated, annotated.sentences[0].start, end, project_rules().settings.stance)
    assert said.certainty == expected
