"""Shared extraction helpers: number finding and certainty cues."""

from __future__ import annotations

import pytest
import yaml
from conftest import PROJECT_ROOT

from pipeline.extract.certainty import certainty
from pipeline.extract.numbers import find_numbers


@pytest.fixture(scope="module")
def number_cues() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "data" / "cues" / "numbers.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def certainty_cues() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "data" / "cues" / "certainty.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("text", "expected"), [
    ("4-6 infusions over 2-3 weeks", [("4-6", 4, 6), ("2-3", 2, 3)]),
    ("a 70% to 80% response", [("70% to 80", 70, 80)]),
    ("60 to 75 percent of patients", [("60 to 75", 60, 75)]),
    ("for one to four weeks", [("one to four", 1, 4)]),
    ("five to nine weeks, 2–3 days", [("five to nine", 5, 9), ("2–3", 2, 3)]),
    ("more than one-third of people", [("one-third", 33.33, 33.33)]),
    ("$2,000-$3,000 for the series", [("2,000-$3,000", 2000, 3000)]),
    ("twice a week", [("twice", 2, 2)]),
    ("the first week", [("first", 1, 1)]),
    ("twenty-five patients and one hundred doses", [("twenty-five", 25, 25), ("one hundred", 100, 100)]),
    ("research began in the 1990s, and in 2017 a statement", [("1990s", 1990, 1999), ("2017", 2017, 2017)]),
    ("0.5 mg/kg", [("0.5", 0.5, 0.5)]),
    ("someone phoned", []),
    ("a fall from 9 to 3", [("9", 9, 9), ("3", 3, 3)]),
])
def test_find_numbers(number_cues: dict, text: str, expected: list) -> None:
    found = [(text[n.start:n.end], n.low, n.high) for n in find_numbers(text, number_cues)]
    assert found == expected


def test_find_numbers_inside_a_window(number_cues: dict) -> None:
    text = "Take 2 now and 3 later."
    assert [(n.start, n.end) for n in find_numbers(text, number_cues, 7, len(text))] == [(15, 16)]


@pytest.mark.parametrize(("text", "expected"), [
    ("It is not thought to be curative.", "negated"),
    ("Infusions aren’t approved to treat depression.", "negated"),
    ("The hypothesis didnt fully explain depression.", "negated"),
    ("Ketamine may cause nausea.", "hedged"),
    ("It is thought to reduce inflammation.", "hedged"),
    ("Not only were SSRIs of limited help, they were slow.", "asserted"),
    ("Ketamine acts within hours.", "asserted"),
    ("Nobody knows.", "asserted"),
])
def test_certainty(certainty_cues: dict, text: str, expected: str) -> None:
    assert certainty(text, certainty_cues) == expected
