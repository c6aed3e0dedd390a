"""Quantities: every number of a claim with its qualifier, unit and measure; numbers that are no quantities."""

from __future__ import annotations

import pytest
from engine_helpers import project_rules, read_text

from pipeline.extractors.quantities import find_quantities


def quantities(text: str) -> list[tuple]:
    """Every quantity of a text read as one claim, as (quote, low, high, qualifier, unit, measure)."""
    found = find_quantities(read_text(text).annotated, 0, len(text), project_rules().settings.quantities)
    for q in found:
        assert text[q.start:q.end] == q.quote
    return [(q.quote, q.value_low, q.value_high, q.qualifier, q.unit, q.measure) for q in found]


@pytest.mark.parametrize(("text", "expected"), [
    # percentages and percent ranges
    ("Ketamine has an incredible 70-85% response rate.", ("70-85%", 70, 85, "exact", "percent", "response-rate")),
    ("Some studies report relief in 70% to 80% of patients.",
     ("70% to 80%", 70, 80, "exact", "percent", "response-rate")),
    ("It lowers symptoms in about 60 to 75 percent of patients.",
     ("about 60 to 75 percent", 60, 75, "approx", "percent", "response-rate")),
    ("Around 70-80% response rate in resistant populations",
     ("Around 70-80%", 70, 80, "approx", "percent", "response-rate")),
    ("Esketamine led to remission in 27 percent of participants.",
     ("27 percent", 27, 27, "exact", "percent", "remission-rate")),
    ("SSRIs were of limited help to more than one-third of people.",
     ("more than one-third", 33.33, 33.33, "more-than", "percent", "proportion")),
    ("They account for less than 20 percent of the neurotransmitters.",
     ("less than 20 percent", 20, 20, "less-than", "percent", "proportion")),
    ("Nearly one in three clinics offers payment plans.",
     ("Nearly one in three", 33.33, 33.33, "approx", "percent", "proportion")),
    ("Patients may pay 20% coinsurance.", ("20%", 20, 20, "exact", "percent", "cost")),
    # times and durations
    ("Symptoms improve within 24 hours.", ("within 24 hours", 24, 24, "up-to", "h", "onset")),
    ("It can reduce depression in as little as 24 hours.",
     ("in as little as 24 hours", 24, 24, "up-to", "h", "onset")),
    ("SSRIs can take 4-6 weeks to take full effect.", ("4-6 weeks", 4, 6, "exact", "wk", "onset")),
    ("Symptoms eased within 30 to 40 minutes.", ("within 30 to 40 minutes", 30, 40, "up-to", "min", "onset")),
    ("Effects typically peak within 2-3 days then taper off.", ("within 2-3 days", 2, 3, "up-to", "d", "onset")),
    ("Patients are treated for five to nine weeks.", ("five to nine weeks", 5, 9, "exact", "wk", "duration")),
    ("Relief can last two hours.", ("two hours", 2, 2, "exact", "h", "duration")),
    ("The dose is given over 40 minutes.", ("over 40 minutes", 40, 40, "exact", "min", "duration")),
    ("Infusions are spread over two to three weeks.", ("over two to three weeks", 2, 3, "exact", "wk", "duration")),
    ("Patients wait over a month before experiencing relief.",
     ("over a month", 1, 1, "more-than", "mo", "onset")),
    ("Compare this to a month+ long trial of antidepressants.", ("month+", 1, 1, "at-least", "mo", "other")),
    ("Research in the last decade has grown.", ("the last decade", 10, 10, "exact", "a", "other")),
    ("About six months ago, she learned of ketamine.", ("About six months", 6, 6, "approx", "mo", "other")),
    ("I have been depressed for 10+ years.", ("10+ years", 10, 10, "at-least", "a", "duration")),
    ("The effect fades after 2-3 weeks for me.", ("2-3 weeks", 2, 3, "exact", "wk", "duration")),
    ("The company will file in the second half of 2024.", ("2024", 2024, 2024, "exact", None, "year")),
    ("NEW YORK, Jan. 5, 2024 -- results were announced.", ("2024", 2024, 2024, "exact", None, "year")),
    # counts
    ("They have tried at least two antidepressants.",
     ("at least two antidepressants", 2, 2, "at-least", "count", "count")),
    ("A trial of more than 300 patients was run.",
     ("more than 300 patients", 300, 300, "more-than", "count", "count")),
    ("Those who tried two or more antidepressants qualify.",
     ("two or more antidepressants", 2, 2, "at-least", "count", "count")),
    ("Protocols call for 4-6 initial ketamine infusions.",
     ("4-6 initial ketamine infusions", 4, 6, "exact", "count", "count")),
    # frequencies and intervals
    ("Patients are treated twice a week.", ("twice a week", 2, 2, "exact", "count", "other")),
    ("Initially, twice-weekly treatments are given.", ("twice-weekly", 2, 2, "exact", "count", "other")),
    ("Each dose is spaced five minutes apart.", ("five minutes apart", 5, 5, "exact", "min", "other")),
    # doses and money
    ("The usual dose is 0.5 mg/kg.", ("0.5 mg/kg", 0.5, 0.5, "exact", "mg/kg", "dose")),
    ("Blood pressure may rise by 10-20 mmHg.", ("10-20 mmHg", 10, 20, "exact", None, "other")),
    ("Each infusion costs $350 per session.", ("$350", 350, 350, "exact", "usd", "cost")),
    ("Expect $2,000-$3,000 for the series.", ("$2,000-$3,000", 2000, 3000, "exact", "usd", "cost")),
    ("Infusions cost between $400 and $800 each.", ("$400 and $800", 400, 800, "exact", "usd", "cost")),
    ("Tablets cost about $100 per month.", ("about $100", 100, 100, "approx", "usd", "cost")),
    # years
    ("The association issued a statement in 2017.", ("2017", 2017, 2017, "exact", None, "year")),
    ("Research began in the 1990s.", ("1990s", 1990, 1999, "exact", None, "year")),
])
def test_each_quantity_pattern(text: str, expected: tuple) -> None:
    assert quantities(text) == [expected]


def test_over_after_a_dose_is_during() -> None:
    assert quantities("At 0.5 mg/kg over 40 minutes, side effects are rare.") == [
        ("0.5 mg/kg", 0.5, 0.5, "exact", "mg/kg", "dose"), ("over 40 minutes", 40, 40, "exact", "min", "duration")]


def test_a_denied_outcome_is_a_proportion_not_a_response_rate() -> None:
    text = "Up to 30% of people do not respond to SSRIs."
    assert quantities(text) == [("Up to 30%", 30, 30, "up-to", "percent", "proportion")]


def test_several_quantities_in_one_schedule_sentence() -> None:
    text = ("Patients receive three infusions the first week, two in the second week, once weekly for the "
            "next three weeks, and then, on average, once per month.")
    assert quantities(text) == [
        ("three infusions", 3, 3, "exact", "count", "count"),
        ("two", 2, 2, "exact", "count", "count"),
        ("once weekly", 1, 1, "exact", "count", "other"),
        ("three weeks", 3, 3, "exact", "wk", "duration"),
        ("on average, once per month", 1, 1, "approx", "count", "other"),
    ]


def test_the_once_of_an_interval_is_no_quantity_of_its_own() -> None:
    text = "They are treated once a week and then once every two weeks."
    assert [q[0] for q in quantities(text)] == ["once a week", "every two weeks"]


@pytest.mark.parametrize("text", [
    "Ketamine is not a first-line or second-line treatment.",
    "Ketamine is a Schedule III controlled substance.",
    "Ketamine is an N-methyl-D-aspartate receptor antagonist.",
    "Ketamine is one of the safest anesthetics.",
    "Effects last longer once they take hold.",
    "Unlike COVID-19 vaccines, 5-HT2A agonists act elsewhere.",
    "Effects usually resolve within a few hours, the third week at the latest.",
    "Dozens of antidepressants and decades of research.",
])
def test_numbers_that_are_not_quantities(text: str) -> None:
    assert quantities(text) == []


def test_digit_ratios_are_percentages_and_positions_are_not_amounts() -> None:
    assert quantities("Very common side effects may affect more than 1 in 10 people.") == [
        ("more than 1 in 10", 10, 10, "more-than", "percent", "proportion")]
    assert quantities("Weeks 1 to 4: administer twice per week. Day 1 starting dose: 56 mg.") == [
        ("twice per week", 2, 2, "exact", "count", "other"), ("56 mg", 56, 56, "exact", "mg", "dose")]


@pytest.mark.parametrize(("text", "expected"), [
    # a year is no count, even with a counted noun after it
    ("The spray was cleared in 2020 for adults with depression.", [("2020", 2020, 2020, "exact", None, "year")]),
    # "a day or two": one range of the unit word and the number after "or"; an ending cue makes it a duration
    ("The dizziness wore off within a day or two.", [("within a day or two", 1, 2, "up-to", "d", "duration")]),
    ("Most people notice relief within an hour or two.", [("within an hour or two", 1, 2, "up-to", "h", "onset")]),
    # week positions joined by "through" are positions too
    ("Doses are weekly for weeks three through six.", []),
    ("From week 7, doses are spaced out.", []),
    # "one dose every ...": the one only introduces the interval; "N doses per week" is a frequency
    ("After that, one dose every 3 weeks.", [("every 3 weeks", 3, 3, "exact", "wk", "other")]),
    ("At first, three doses per week.", [("three doses per week", 3, 3, "exact", "count", "other")]),
    # alternatives of one unit are one range
    ("The nurse gives 20 mg or 40 mg.", [("20 mg or 40 mg", 20, 40, "exact", "mg", "dose")]),
    # ages
    ("It is licensed for adults 21 and older.", [("21 and older", 21, 21, "at-least", "a", "other")]),
    ("It is not approved for teenagers under 16.", [("under 16", 16, 16, "less-than", "a", "other")]),
    # attributive durations and visit lengths
    ("In a six-week study, mood improved.", [("six-week", 6, 6, "exact", "wk", "duration")]),
    ("Expect to spend around three hours at the office.", [("around three hours", 3, 3, "approx", "h", "duration")]),
    ("Doses are given daily during the first two weeks.", [("two weeks", 2, 2, "exact", "wk", "duration")]),
    # a qualifier after an opening quotation mark; a share of non-responders is a proportion
    ("“Nearly half of patients get no benefit,” she said.",
     [("Nearly half", 50, 50, "approx", "percent", "proportion")]),
])
def test_general_quantity_rules(text: str, expected: list[tuple]) -> None:
    assert quantities(text) == expected


def test_each_rate_takes_the_measure_named_after_it_and_the_comparison_arm_follows_in_turn() -> None:
    text = ("In the study, 60% of patients improved and 25% reached remission, versus 30% and 10% with a "
            "sham treatment.")
    assert [q[0::5] for q in quantities(text)] == [
        ("60%", "response-rate"), ("25%", "remission-rate"), ("30%", "response-rate"), ("10%", "remission-rate")]


@pytest.mark.parametrize(("text", "expected"), [
    # a fraction word before a time unit is part of that unit
    ("The dizziness eased off within half an hour.", [("within half an hour", 0.5, 0.5, "up-to", "h", "onset")]),
    ("Each spray takes a quarter of an hour.", [("a quarter of an hour", 0.25, 0.25, "exact", "h", "other")]),
    # "over" spreading a count of treatments across a time, or opening a sentence, is exact
    ("She had eight sessions over four weeks.",
     [("eight sessions", 8, 8, "exact", "count", "count"), ("over four weeks", 4, 4, "exact", "wk", "duration")]),
    ("Over ten years he tried three medications.",
     [("Over ten years", 10, 10, "exact", "a", "duration"), ("three medications", 3, 3, "exact", "count", "count")]),
    ("Patients over 65 years were excluded.", [("over 65 years", 65, 65, "more-than", "a", "other")]),
    # a qualifier before an interval
    ("Top-ups come about every two months.", [("about every two months", 2, 2, "approx", "mo", "other")]),
    # "N minutes in," is how soon something happened; "N minutes long," a length
    ("Five minutes in, the room felt far away.", [("Five minutes", 5, 5, "exact", "min", "onset")]),
    ("Each visit is about 30 minutes long, in a quiet room.",
     [("about 30 minutes", 30, 30, "approx", "min", "duration")]),
    # scores on a scale have no unit
    ("Her MADRS score went from 30 to 12.",
     [("30", 30, 30, "exact", None, "other"), ("12", 12, 12, "exact", None, "other")]),
])
def test_fractions_spans_intervals_and_scores(text: str, expected: list[tuple]) -> None:
    assert quantities(text) == expected
