"""Schedules: the design's worked examples, fixture texts in other phrasings, numbers, routes and drugs."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import PROJECT_ROOT
from engine_helpers import extract_text, project_rules

from pipeline.records import Schedule
from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "schedules"
TIMING = ("frequency", "frequency_max", "period", "period_max", "period_unit", "count", "count_max",
          "bounds_low", "bounds_high", "bounds_unit", "as_needed")
Extractor = Callable[[str], tuple[Schedule, ...]]


def _yaml(relative: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extract() -> Extractor:
    """Text -> schedules, as the build extracts them with the project's cues and vocabulary."""

    def run(text: str) -> tuple[Schedule, ...]:
        return extract_text(text).schedules

    return run


def _as_dict(schedule: Schedule) -> dict:
    def plain(value: object) -> object:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    return {"quote": schedule.quote, "drug": schedule.drug, "route": schedule.route, "phases": [
        {"quote": p.quote, "label": p.label, **{f: plain(getattr(p, f)) for f in TIMING}} for p in schedule.phases]}


def _timing(schedule: Schedule) -> list[dict]:
    return [{k: v for k, v in _as_dict(schedule)["phases"][i].items() if k != "quote" and v not in (None, False)}
            for i in range(len(schedule.phases))]


def test_worked_example_initial_infusions_then_maintenance(extract: Extractor) -> None:
    text = (PROJECT_ROOT / "data" / "raw" / "ketamine-and-lexapro.txt").read_text(encoding="utf-8")
    found = [s for s in extract(text) if "4-6 initial" in s.quote]
    assert len(found) == 1
    schedule = found[0]
    assert (schedule.drug, schedule.route) == ("ketamine", "intravenous")
    first, second = schedule.phases
    assert _as_dict(schedule)["phases"] == [
        {"quote": "4-6 initial ketamine infusions spaced across 2-3 weeks", "label": "induction",
         "frequency": None, "frequency_max": None, "period": None, "period_max": None, "period_unit": None,
         "count": 4, "count_max": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk", "as_needed": False},
        {"quote": "maintenance dosing ranging every 1-3 months on an as-needed basis", "label": "maintenance",
         "frequency": 1, "frequency_max": None, "period": 1, "period_max": 3, "period_unit": "mo",
         "count": None, "count_max": None, "bounds_low": None, "bounds_high": None, "bounds_unit": None,
         "as_needed": True}]
    assert text[first.start:first.end] == first.quote and text[second.start:second.end] == second.quote


def test_worked_example_tapering_sequence_has_four_phases(extract: Extractor) -> None:
    text = (PROJECT_ROOT / "data" / "raw" / "ketamine-infusion-treatment.txt").read_text(encoding="utf-8")
    found = [s for s in extract(text) if "tapering sequence" in s.quote]
    assert len(found) == 1
    assert [p.quote for p in found[0].phases] == [
        "three infusions the first week", "two in the second week", "once weekly for the next three weeks",
        "maintenance of, on average, once per month"]
    assert _timing(found[0]) == [
        {"label": "induction", "frequency": 3, "period": 1, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1,
         "bounds_unit": "wk"},
        {"label": "induction", "frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1,
         "bounds_unit": "wk"},
        {"label": "taper", "frequency": 1, "period": 1, "period_unit": "wk", "bounds_low": 3, "bounds_high": 3,
         "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 1, "period_unit": "mo"}]


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.txt")))
def test_fixture_texts_give_exactly_the_expected_schedules(extract: Extractor, name: str) -> None:
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    expected = yaml.safe_load((FIXTURES / f"{name}.expected.yaml").read_text(encoding="utf-8"))["schedules"]
    schedules = extract(text)
    assert [_as_dict(s) for s in schedules] == expected
    for schedule in schedules:
        assert text[schedule.start:schedule.end] == schedule.quote
        for phase in schedule.phases:
            assert text[phase.start:phase.end] == phase.quote
            assert schedule.start <= phase.start and phase.end <= schedule.end


@pytest.mark.parametrize(("sentence", "expected"), [
    # number words, "to" ranges, en dashes, hyphens
    ("Patients are treated twice a week for one to four weeks.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 1, "bounds_high": 4, "bounds_unit": "wk"}),
    ("Most patients receive 2–3 infusions per week.",
     {"frequency": 2, "frequency_max": 3, "period": 1, "period_unit": "wk"}),
    ("Patients receive five to nine treatments over 30 to 40 days.",
     {"count": 5, "count_max": 9, "bounds_low": 30, "bounds_high": 40, "bounds_unit": "d"}),
    ("The protocol is twelve sessions given over six weeks.",
     {"count": 12, "bounds_low": 6, "bounds_high": 6, "bounds_unit": "wk"}),
    ("Patients get a course of eight sessions.", {"count": 8}),
    ("A typical course is six infusions within two to three weeks.",
     {"count": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk"}),
    # how long one infusion lasts is no phase length
    ("Participants received ketamine over 40 minutes twice weekly for two weeks.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    ("Infusions are given twice a week for up to 6 weeks.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_high": 6, "bounds_unit": "wk"}),
    # rates
    ("Ketamine is given three times a week.", {"frequency": 3, "period": 1, "period_unit": "wk"}),
    ("Booster infusions are given once per month.",
     {"label": "maintenance", "frequency": 1, "period": 1, "period_unit": "mo"}),
    ("Infusions are given every 1-3 months.", {"frequency": 1, "period": 1, "period_max": 3, "period_unit": "mo"}),
    ("Patients receive an infusion every other week.", {"frequency": 1, "period": 2, "period_unit": "wk"}),
    ("IM ketamine is administered 2x per week.", {"frequency": 2, "period": 1, "period_unit": "wk"}),
    ("Ketamine lozenges are taken once or twice a day.",
     {"frequency": 1, "frequency_max": 2, "period": 1, "period_unit": "d"}),
    ("Patients use the spray twice-weekly for the first month.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1, "bounds_unit": "mo"}),
    ("Infusions are given once weekly for the next three weeks.",
     {"frequency": 1, "period": 1, "period_unit": "wk", "bounds_low": 3, "bounds_high": 3, "bounds_unit": "wk"}),
    # a session: doses minutes apart
    ("Patients self-administer three doses, spaced five minutes apart.",
     {"label": "session", "count": 3, "frequency": 1, "period": 5, "period_unit": "min"}),
    # a pause after or between the administrations of one sitting is their spacing
    ("Each visit means 2 or 3 devices of the spray, with a 5-minute rest after each device.",
     {"label": "session", "count": 2, "count_max": 3, "frequency": 1, "period": 5, "period_unit": "min"}),
    ("Nurses give four injections of ketamine with a break of 10 minutes between injections.",
     {"label": "session", "count": 4, "frequency": 1, "period": 10, "period_unit": "min"}),
    # as needed
    ("After that, booster infusions are given on an as-needed basis.", {"label": "maintenance", "as_needed": True}),
])
def test_single_phase_sentences(extract: Extractor, sentence: str, expected: dict) -> None:
    schedules = extract(f"Ketamine therapy\n\n{sentence}\n")
    assert len(schedules) == 1 and len(schedules[0].phases) == 1
    timing = _timing(schedules[0])[0]
    assert {k: v for k, v in timing.items() if k != "label"} == {k: v for k, v in expected.items() if k != "label"}
    assert timing["label"] == expected.get("label", "unspecified")


def test_phases_follow_connectors_across_sentences_and_paragraphs(extract: Extractor) -> None:
    text = ("Ketamine therapy\n\nInitially, ketamine infusions are given twice a week for the first month. "
            "This intensive phase brings rapid relief.\n\n"
            "Following the initial intensive phase, patients enter a maintenance phase with infusions once a "
            "month. Then infusions are given as needed.\n")
    (schedule,) = extract(text)
    assert [p.label for p in schedule.phases] == ["induction", "maintenance", "maintenance"]
    assert [(p.frequency, p.period_unit, p.as_needed) for p in schedule.phases] == [
        (2, "wk", False), (1, "mo", False), (None, None, True)]
    assert schedule.quote.startswith("Initially") and schedule.quote.endswith("as needed")


@pytest.mark.parametrize("sentence", [
    "Ketamine is classified as a Schedule III controlled substance.",
    "Most people feel better within two hours of the first dose.",
    "Lexapro and other SSRIs can take 4-6 weeks to take full effect.",
    "Its effects last one to two weeks for many people.",
    "The clinic's founder meets new patients once a week.",
    "Psychiatrists monitor the response, adjusting treatment as needed.",
    "Each device delivers two sprays.",
    "Each infusion lasts about 40 minutes.",
    "She had been depressed for several years before trying it.",
    "Many patients wait over a month before experiencing relief.",
    "Effects typically peak within 2-3 days then taper off, hence the need for multiple/maintenance treatments.",
    "Ketamine should not be taken more than once a week.",
    "We see about 30 patients a day, five days a week.",
    # as needed, but what is given is another medicine
    "We can give you anti-nausea medicine during the infusion if needed.",
    "Staff may give a benzodiazepine during your infusion as needed.",
    # a price of a course already described, and a single administration
    "A package of eight infusions costs $3,200 if booked at once.",
    "Ten sessions are $4,000 when paid upfront.",
    "At each appointment you take one dose.",
])
def test_sentences_that_are_not_schedules(extract: Extractor, sentence: str) -> None:
    assert extract(f"Ketamine therapy\n\n{sentence}\n") == ()


@pytest.mark.parametrize(("text", "drug", "route"), [
    # the text names esketamine as the nasal spray
    ("The approved form is esketamine, a nasal spray. Patients who receive the nasal spray are treated "
     "twice a week.", "esketamine", "intranasal"),
    ("Patients receiving ketamine infusions take a daily antidepressant like Lexapro.", "antidepressant",
     "unspecified"),
    ("Want to augment daily medication like Lexapro?", "antidepressant", "unspecified"),
    ("The combination of ketamine infusions plus daily Lexapro helps.", "escitalopram", "unspecified"),
    ("Most patients continue a daily oral antidepressant.", "antidepressant", "oral"),
    ("Ketamine can be given by intramuscular injection once weekly.", "ketamine", "intramuscular"),
    ("Sublingual ketamine is taken twice a week.", "ketamine", "sublingual"),
    ("Oral ketamine is taken daily.", "ketamine", "oral"),
    ("Ketamine is given by intravenous infusion three times a week.", "ketamine", "intravenous"),
    # another drug's route is not the schedule's route
    ("Patients on an oral antidepressant get ketamine twice a week.", "ketamine", "unspecified"),
])
def test_drug_and_route(extract: Extractor, text: str, drug: str, route: str) -> None:
    (schedule,) = extract(f"Treatment\n\n{text}\n")
    assert (schedule.drug, schedule.route) == (drug, route)


def test_route_from_the_section_when_the_schedule_names_none(extract: Extractor) -> None:
    text = ("How it works\n\nKetamine therapy is given as a nasal spray in the clinic.\n\n"
            "Patients are treated twice a week for four weeks.\n\nOther routes\n\nInfusions are also offered.\n")
    (schedule,) = extract(text)
    assert (schedule.drug, schedule.route) == ("ketamine", "intranasal")


def test_cue_file_matches_its_schema() -> None:
    schema = json.loads((PROJECT_ROOT / "schemas" / "cues-schedules.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(_yaml("data/cues/schedules.yaml"))) == []


def test_built_corpus_holds_the_worked_examples(built_package: Path) -> None:
    tables, problems = read_tables(built_package, load_schemas(PROJECT_ROOT / "schemas"))
    assert problems == []
    schedules = {s["schedule_id"]: s for s in tables["schedules"]}
    phases: dict[str, list[dict]] = {}
    for phase in tables["schedule_phases"]:
        phases.setdefault(phase["schedule_id"], []).append(phase)
    by_quote = {s["quote"]: sorted(phases[i], key=lambda p: p["sequence"]) for i, s in schedules.items()}
    (initial,) = [v for k, v in by_quote.items() if "4-6 initial ketamine infusions" in k]
    assert [{f: p[f] for f in ("sequence", *TIMING) if p[f] not in (None, False)} for p in initial] == [
        {"sequence": 1, "count": 4, "count_max": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk"},
        {"sequence": 2, "frequency": 1, "period": 1, "period_max": 3, "period_unit": "mo", "as_needed": True}]
    (taper,) = [v for k, v in by_quote.items() if "tapering sequence" in k]
    assert [p["sequence"] for p in taper] == [1, 2, 3, 4]


def test_a_price_elsewhere_in_the_sentence_leaves_a_course_count(extract: Extractor) -> None:
    (schedule,) = extract("Costs\n\nEach infusion is priced at $450, and most patients need 4 to 6 infusions.\n")
    assert _timing(schedule) == [{"label": "unspecified", "count": 4, "count_max": 6}]


def test_a_restated_course_with_its_price_adds_no_schedule(extract: Extractor) -> None:
    text = ("How many infusions?\n\nA typical course is six infusions over two to three weeks.\n\n"
            "What does it cost?\n\nA full course of six infusions costs $2,400 when paid in advance.\n")
    (schedule,) = extract(text)
    assert _timing(schedule) == [{"label": "unspecified", "count": 6, "bounds_low": 2, "bounds_high": 3,
                                  "bounds_unit": "wk"}]


def test_a_label_with_the_position_of_its_row_governs_the_whole_row(extract: Extractor) -> None:
    text = ("How to use the spray\n\nEsketamine nasal spray is used in the clinic.\n"
            "Induction phase, weeks 1 to 4: two doses per week.\n"
            "Maintenance phase, weeks 5 to 8: one dose per week; from week 9: one dose every 1 or 2 weeks.\n")
    (schedule,) = extract(text)
    assert [p.label for p in schedule.phases] == ["induction", "maintenance", "maintenance"]
    assert schedule.phases[2].quote == "from week 9: one dose every 1 or 2 weeks"
    # "from week 9" says where the phase starts: no length
    assert _timing(schedule)[2] == {"label": "maintenance", "frequency": 1, "period": 1, "period_max": 2,
                                    "period_unit": "wk"}
    assert [(p.bounds_low, p.bounds_high, p.bounds_unit) for p in schedule.phases[:2]] == [(4, 4, "wk")] * 2


def test_a_session_is_not_chained_to_the_course_in_the_rows_before_it(extract: Extractor) -> None:
    text = ("Using the spray\n\nEsketamine nasal spray is for adults.\n"
            "Weeks 1 to 4: two doses per week.\n"
            "Weeks 5 to 8: one dose per week.\n"
            "Each dose is 2 or 3 devices, with a 5-minute rest after each device.\n")
    course, session = extract(text)
    assert [p.label for p in course.phases] == ["induction", "taper"]
    assert [p.label for p in session.phases] == ["session"]


def test_route_from_the_product_line_under_the_title(extract: Extractor) -> None:
    text = ("Package leaflet: Information for the user\n\nZelvora 28 mg nasal spray, solution\nesketamine\n\n"
            "Read this leaflet before use.\n\n1. How to use Zelvora\n"
            "Weeks 1 to 4: two doses per week.\nWeeks 5 to 8: one dose per week.\n")
    (schedule,) = extract(text)
    assert (schedule.drug, schedule.route) == ("esketamine", "intranasal")


def test_a_route_named_only_in_the_body_does_not_become_the_schedules_route(extract: Extractor) -> None:
    text = ("Ketamine and depression\n\nMany clinics offer infusions.\n\n"
            "Recovery\n\nLasting recovery comes with as-needed maintenance dosing.\n")
    (schedule,) = extract(text)
    assert (schedule.drug, schedule.route) == ("ketamine", "unspecified")


@pytest.mark.parametrize("text", ["three infusion the first week :", "Ketamine twice a week ;\n",
                                  "Ketamine twice a week\u00a0.\n"])
def test_a_schedule_span_never_ends_on_white_space(extract: Extractor, text: str) -> None:
    """Regression: the trailing mark was cut off the sentence but the space before it was kept."""
    (schedule,) = extract(text)
    assert text[schedule.start:schedule.end] == schedule.quote == schedule.quote.strip()
    assert schedule.quote.rstrip(" .;:").endswith("week")


@pytest.mark.parametrize(("sentence", "per_week"), [
    ("The clinic books ketamine infusions on Tuesdays and Fridays.", 2),
    ("Infusions are given on Mondays, Wednesdays and Fridays.", 3),
    ("Patients come in for a booster infusion every Tuesday.", 1),
    ("Each patient receives ketamine on Saturdays.", 1),
])
def test_named_weekdays_are_a_weekly_rate(extract: Extractor, sentence: str, per_week: int) -> None:
    (schedule,) = extract(f"Ketamine therapy\n\n{sentence}\n")
    (phase,) = schedule.phases
    assert (phase.frequency, phase.period, phase.period_unit) == (per_week, 1, "wk")


def test_weekdays_join_the_phase_they_qualify(extract: Extractor) -> None:
    text = "Ketamine therapy\n\nThe plan was eight infusions over four weeks, on Mondays and Thursdays, at the clinic.\n"
    (schedule,) = extract(text)
    (phase,) = schedule.phases
    assert phase.quote == "eight infusions over four weeks, on Mondays and Thursdays"
    assert _timing(schedule) == [{"label": "unspecified", "frequency": 2, "period": 1, "period_unit": "wk",
                                  "count": 8, "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}]


@pytest.mark.parametrize("sentence", [
    "Your first infusion is on Monday.",  # one day is a date, not a rate
    "The clinic is closed on Sundays and public holidays.",  # nothing given
])
def test_weekdays_that_are_not_schedules(extract: Extractor, sentence: str) -> None:
    assert extract(f"Ketamine therapy\n\n{sentence}\n") == ()


@pytest.mark.parametrize("separator", [" | ", "\t", "   "])
def test_a_flattened_dosing_table_is_one_schedule_with_a_phase_per_row(extract: Extractor, separator: str) -> None:
    rows = [("Stage", "Frequency", "Duration"), ("Induction", "Three times weekly", "Weeks 1–2"),
            ("Taper", "Once weekly", "Weeks 3–6"), ("Maintenance", "Every 4 weeks", "Week 7 onward")]
    table = "\n".join(separator.join(row) for row in rows)
    text = f"Ketamine: how the sessions are planned\n\nA typical plan\n\n{table}\n\nYour doctor may change it.\n"
    (schedule,) = extract(text)
    assert schedule.quote == table.split("\n", 1)[1]
    assert [p.quote for p in schedule.phases] == [separator.join(row) for row in rows[1:]]
    assert _timing(schedule) == [
        {"label": "induction", "frequency": 3, "period": 1, "period_unit": "wk", "bounds_low": 2, "bounds_high": 2,
         "bounds_unit": "wk"},
        {"label": "taper", "frequency": 1, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4,
         "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 4, "period_unit": "wk"}]


def test_rows_without_a_timing_header_name_no_schedule(extract: Extractor) -> None:
    text = "Clinic hours\n\nDay | Opens | Closes\nWeekdays | twice weekly | 5 pm\n"
    assert extract(text) == ()


def test_route_from_the_drugs_definition(extract: Extractor) -> None:
    text = ("Esketamine guide\n\nEsketamine is a nasal spray for treatment-resistant depression.\n\n"
            "Schedule\n\nPhase | How often\nInduction | Twice weekly\n")
    (schedule,) = extract(text)
    assert (schedule.drug, schedule.route) == ("esketamine", "intranasal")


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Participants received 0.5 mg/kg over 40 minutes, three times a week for two weeks.",
     {"frequency": 3, "period": 1, "period_unit": "wk", "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    ("Esketamine is given twice weekly during weeks 1-4.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}),
    ("Patients self-administer esketamine twice per week for 4 weeks.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}),
    ("During the induction phase, dosing occurred twice weekly for 4 weeks.",
     {"label": "induction", "frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4,
      "bounds_unit": "wk"}),
    # a range of rates with different frequencies: once every half week to once every two weeks
    ("Maintenance care with ketamine, when it is offered, ranges from twice a week to once every two "
     "weeks.", {"label": "maintenance", "frequency": 1, "period": 0.5, "period_max": 2, "period_unit": "wk"}),
    ("The study tested a single infusion of ketamine against saline.", {"count": 1}),
    ("Infusions are given on alternate days for two weeks.",
     {"frequency": 1, "period": 2, "period_unit": "d", "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    ("Ketamine is given three times in the first week.",
     {"frequency": 3, "period": 1, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1, "bounds_unit": "wk"}),
    ("By March I had done six ketamine sessions.", {"count": 6}),
    ("Our protocol consists of six 40-minute infusions over two to three weeks.",
     {"count": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk"}),
    ("Most patients need between 6 and 8 infusions.", {"count": 6, "count_max": 8}),
    ("Infusions are given twice weekly over a two-week period.",
     {"frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    ("Ketamine was infused six times over two weeks.",
     {"count": 6, "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    ("It is a four-week course of eight ketamine sessions.",
     {"count": 8, "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}),
    ("Got my 6 loading infusions in 2 weeks.",
     {"label": "induction", "count": 6, "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
])
def test_labels_and_trial_arms(extract: Extractor, sentence: str, expected: dict) -> None:
    (schedule,) = extract(f"Ketamine therapy\n\n{sentence}\n")
    timing = _timing(schedule)
    assert len(timing) == 1
    assert {k: v for k, v in timing[0].items() if k != "label"} == {k: v for k, v in expected.items() if k != "label"}
    assert timing[0]["label"] == expected.get("label", "unspecified")


def test_steps_joined_by_then_after_that_and_from_then_on(extract: Extractor) -> None:
    text = ("Ketamine therapy\n\nI had six ketamine infusions over two weeks, then a booster every month.\n\n"
            "We start with two infusions a week. After that, patients come once a week for a month. From then on, "
            "boosters are given as needed.\n")
    first, second = extract(text)
    assert _timing(first) == [
        {"label": "induction", "count": 6, "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 1, "period_unit": "mo"}]
    assert [p["label"] for p in _timing(second)] == ["induction", "taper", "maintenance"]
    assert _timing(second)[2] == {"label": "maintenance", "as_needed": True}


@pytest.mark.parametrize("text", [
    "Arms\n\nThe control group sprays a matching placebo twice a week for four weeks.\n",
    "Arms\n\nSubjects received esketamine matched placebo by nasal spray twice weekly for a month.\n",
    "Exclusion Criteria:\n* Failed an adequate course of ECT, defined as at least 7 treatments with ECT\n",
    "Ketamine therapy\n\nPatients given ketamine were three times more likely to respond.\n",
    "Ketamine therapy\n\nShe finished a six-week course of antibiotics before it.\n",
    "Ketamine therapy\n\nMy heart pounded during the first two infusions, and my blood pressure had gone up.\n",
])
def test_placebo_arms_criteria_and_comparisons_are_not_schedules(extract: Extractor, text: str) -> None:
    assert extract(text) == ()


def test_a_placebo_beside_the_drug_leaves_the_drugs_schedule(extract: Extractor) -> None:
    (schedule,) = extract("Arms\n\nPatients were randomised to esketamine or placebo, given twice weekly.\n")
    assert schedule.drug == "esketamine"


@pytest.mark.parametrize(("text", "dose"), [
    ("Participants received 0.5 mg/kg over 40 minutes, three times a week for two weeks.", (0.5, 0.5, "mg/kg")),
    ("Patients receive either 56 mg or 84 mg of esketamine by nasal spray, twice per week.",
     (56, 84, "mg")),
    ("Participants will self-administer 56 mg of esketamine, intranasally, twice per week for 4 weeks.",
     (56, 56, "mg")),
    ("Patients use 28 mg, 56 mg or 84 mg of esketamine twice a week.", (28, 84, "mg")),
    ("Ketamine infusions are given twice a week at 0.5 mg/kg.", (0.5, 0.5, "mg/kg")),
    ("Ketamine infusions are given twice a week.", (None, None, None)),
])
def test_a_phase_carries_the_dose_of_one_administration(extract: Extractor, text: str, dose: tuple) -> None:
    (schedule,) = extract(f"Dosing\n\n{text}\n")
    (phase,) = schedule.phases
    assert (phase.dose_low, phase.dose_high, phase.dose_unit) == dose


def test_two_phases_of_one_sentence_share_the_dose_before_them(extract: Extractor) -> None:
    text = ("Dosing\n\nKetamine is infused (0.5 mg/kg over 40 minutes) twice weekly over a period of 3 weeks and "
            "weekly for the following 4 weeks.\n")
    (schedule,) = extract(text)
    assert [(p.dose_low, p.dose_unit, p.bounds_high) for p in schedule.phases] == [(0.5, "mg/kg", 3), (0.5, "mg/kg", 4)]


def test_label_rows_take_the_doses_stated_after_them_in_their_row(extract: Extractor) -> None:
    text = (FIXTURES / "drug-label.txt").read_text(encoding="utf-8")
    (schedule,) = extract(text)
    assert [(p.dose_low, p.dose_high, p.dose_unit) for p in schedule.phases] == [(56, 84, "mg")] * 3


@pytest.mark.parametrize(("text", "form", "words"), [
    ("Ketamine therapy\n\nMost clinics begin with six IV infusions given over 12 days.\n\n"
     "A few practices offer low-dose oral ketamine, taken daily at home.\n", "iv-ketamine", "Ketamine"),
    ("Spravato\n\nSpravato is used twice a week for the first month.\n", "esketamine-nasal", "Spravato"),
    ("Treatment\n\nThe combination of ketamine infusions plus daily Lexapro helps.\n", "escitalopram", "Lexapro"),
    ("Treatment\n\nSublingual ketamine is taken twice a week.\n", "oral-ketamine", "Sublingual ketamine"),
])
def test_a_schedule_carries_its_drug_form_and_the_words_that_decided_it(text: str, form: str, words: str) -> None:
    schedule = extract_text(text).schedules[0]
    assert schedule.drug_form == form
    assert text[schedule.drug_form_start:schedule.drug_form_end] == words


def test_a_table_column_named_by_a_unit_gives_each_row_its_position(extract: Extractor) -> None:
    text = ("Esketamine dosing\n\nPhase | Week | How often\nInduction | 1-4 | Twice weekly\n"
            "Maintenance | 5-8 | Once weekly\nMaintenance | 9+ | Every 2 weeks\n")
    (schedule,) = extract(text)
    assert _timing(schedule) == [
        {"label": "induction", "frequency": 2, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4,
         "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 1, "period_unit": "wk", "bounds_low": 4, "bounds_high": 4,
         "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 2, "period_unit": "wk"}]


def test_phases_under_successive_label_headings_are_one_schedule(extract: Extractor) -> None:
    text = ("Dosing\n\nInduction Phase\n\nPatients receive ketamine infusions twice a week for four weeks.\n\n"
            "Maintenance Phase\n\nInfusions are given once a month.\n")
    (schedule,) = extract(text)
    assert [(p.label, p.frequency, p.period_unit) for p in schedule.phases] == [
        ("induction", 2, "wk"), ("maintenance", 1, "mo")]


def test_the_first_n_administrations_are_a_count_but_not_after_a_preposition(extract: Extractor) -> None:
    (schedule,) = extract("Ketamine therapy\n\nThe first six infusions are given over two to three weeks.\n")
    assert _timing(schedule) == [{"label": "unspecified", "count": 6, "bounds_low": 2, "bounds_high": 3,
                                  "bounds_unit": "wk"}]


def test_a_role_named_first_takes_the_timing_of_the_sentence_after_it(extract: Extractor) -> None:
    text = ("Ketamine therapy\n\nYour treatment begins with six infusions over two to three weeks. After the initial "
            "series, most patients need booster infusions. Boosters are typically scheduled every three to six "
            "weeks.\n")
    (schedule,) = extract(text)
    assert _timing(schedule) == [
        {"label": "induction", "count": 6, "bounds_low": 2, "bounds_high": 3, "bounds_unit": "wk"},
        {"label": "maintenance", "frequency": 1, "period": 3, "period_max": 6, "period_unit": "wk"}]


def test_a_rate_in_the_next_sentence_completes_a_course_told_without_one(extract: Extractor) -> None:
    text = ("At-home ketamine\n\nOur program includes 6 guided ketamine sessions over 4 weeks. Sessions are spaced 3 "
            "to 4 days apart. After your first 6 sessions, you can continue with maintenance sessions once or twice "
            "a month.\n")
    (schedule,) = extract(text)
    assert _timing(schedule) == [
        {"label": "induction", "count": 6, "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk", "frequency": 1,
         "period": 3, "period_max": 4, "period_unit": "d"},
        {"label": "maintenance", "frequency": 1, "frequency_max": 2, "period": 1, "period_unit": "mo"}]
    assert schedule.phases[0].quote == "6 guided ketamine sessions over 4 weeks. Sessions are spaced 3 to 4 days apart"


def test_a_connector_after_the_timing_continues_the_schedule(extract: Extractor) -> None:
    text = ("IM ketamine\n\nIntramuscular ketamine injections are usually given once a week for 6 to 8 weeks. Some "
            "patients benefit from an injection every 10 to 14 days afterward.\n")
    (schedule,) = extract(text)
    assert [p.label for p in schedule.phases] == ["induction", "maintenance"]


def test_list_items_under_a_lead_in_that_names_the_dose(extract: Extractor) -> None:
    text = ("How to use the nasal spray\n\nThe recommended dose for adults is:\nWeeks 1-4: 56 mg or 84 mg twice a week\n"
            "Weeks 5-8: 56 mg or 84 mg once a week\nFrom week 9: 56 mg or 84 mg every 2 weeks or once a week\n")
    (schedule,) = extract(text)
    assert [(p.frequency, p.period, p.period_max, p.bounds_high, p.dose_low, p.dose_high) for p in schedule.phases] == [
        (2, 1, None, 4, 56, 84), (1, 1, None, 4, 56, 84), (1, 1, 2, None, 56, 84)]


def test_what_a_course_is_made_of_is_a_count(extract: Extractor) -> None:
    text = ("Ketamine-assisted psychotherapy\n\nKAP typically involves 3 to 6 dosing sessions, each followed by an "
            "integration session. Dosing sessions are usually scheduled one to two weeks apart.\n")
    (schedule,) = extract(text)
    assert _timing(schedule) == [{"label": "unspecified", "count": 3, "count_max": 6, "frequency": 1, "period": 1,
                                  "period_max": 2, "period_unit": "wk"}]
    assert text[schedule.start:schedule.end].endswith("one to two weeks apart")


def test_a_tabbed_dosing_table_of_a_label_is_one_schedule(extract: Extractor) -> None:
    text = ("Table 1: Recommended Dosage for SPRAVATO\n\n"
            "Induction Phase\tWeeks 1 to 4:\tAdminister twice per week\tDay 1 starting dose: 56 mg\n"
            "\t\t\tSubsequent doses: 56 mg or 84 mg\n"
            "Maintenance Phase\tWeeks 5 to 8:\tAdminister once weekly\t56 mg or 84 mg\n"
            "\tWeek 9 and after:\tAdminister every 2 weeks or once weekly\t56 mg or 84 mg\n")
    (schedule,) = extract(text)
    assert [(p.label, p.frequency, p.bounds_high, p.dose_high) for p in schedule.phases] == [
        ("induction", 2, 4, 56), ("maintenance", 1, 4, 84), ("maintenance", 1, None, 84)]


def test_a_dose_stated_before_the_timing_in_its_row(extract: Extractor) -> None:
    text = "Dosing\n\nAdults: 0.5 mg/kg IV infused over 40 minutes. Give 2 to 3 times per week for 2 to 3 weeks.\n"
    (schedule,) = extract(text)
    assert [(p.dose_low, p.dose_unit, p.frequency, p.frequency_max) for p in schedule.phases] == [(0.5, "mg/kg", 2, 3)]


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["twice a week 56 mg ", "weeks 1 to 4: ", "every 2 weeks or ", ".\n",
                                  "Weeks 1 to 4 twice weekly\n", "each session two doses "])
def test_schedule_extraction_grows_linearly_on_repeated_input(unit: str) -> None:
    """One long sentence or thousands of short ones: the work per token stays bounded."""
    from pipeline.extractors import read
    from pipeline.extractors.schedules import extract_schedules

    rules = project_rules()

    def seconds(size: int) -> float:
        reading = read("Ketamine therapy\n\n" + unit * (size // len(unit)), rules)
        best = float("inf")
        for _ in range(3):  # CPU time of this process, fastest of three: other processes only add to it
            started = time.process_time()
            extract_schedules(reading, "example", rules.settings)
            best = min(best, time.process_time() - started)
        return best

    small, large = seconds(3000), seconds(12000)
    assert math.log(max(large, 1e-4) / max(small, 1e-4), 4) <= 1.5, (small, large)
