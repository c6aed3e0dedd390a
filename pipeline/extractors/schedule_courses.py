"""A sentence's tokens -> its courses and lengths: counts ("4-6 infusions"), positions ("Weeks 1 to 4"), lengths
("for two weeks") and "as needed"."""

from __future__ import annotations

from dataclasses import replace

from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import ScheduleCues, cue
from pipeline.extractors.schedule_timing import (
    ADMINISTRATIONS,
    BEFORE_COURSE,
    COURSES,
    LOWER,
    NUMBER_AT,
    QUALIFIERS,
    UNITS,
    UPPER,
    Element,
    Timing,
    administration,
    between,
    blocked,
    count_element,
    qualifier_at,
    unit_at,
    whole_number,
)
from pipeline.extractors.schedule_tokens import COUNTABLE, ORDINAL, TIMES, Stream, next_character

COURSE_RULES: RuleTable[Element] = RuleTable("schedule courses and lengths")


@COURSE_RULES.rule(
    "course-of-administrations",
    Example("Ketamine therapy\n\nPatients get a course of eight sessions.", "schedule_phases", {"count": 8}),
    starts=(cue("articles"), COURSES, BEFORE_COURSE))
def _course_of(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("articles"), i, joined=False)
    j, joined = (article, True) if article is not None else (i, False)
    course = s.has(cue("course_nouns"), j, joined)
    if course is None and s.word(j, joined) and s.has(UNITS, j, joined) is None:  # "a full course of"
        course = s.has(cue("course_nouns"), j + 1)
    of = s.has(cue("of_words"), course) if course is not None else None
    if of is None:
        return None
    qualifier, j = qualifier_at(s, of)
    number = s.number(j)
    end = administration(s, j + 1 if number is not None else j, cues)
    if end is None:
        return None
    if number is None:
        start, stop = s.span(i, end)
        return Element("course", start, stop, tier=1)
    return count_element(s, i, end, number, qualifier, cues)


@COURSE_RULES.rule(
    "administration-course",
    Example("Ketamine therapy\n\nThe clinic offers a six-infusion series.", "schedule_phases", {"count": 6}),
    starts=(NUMBER_AT, cue("indefinite_articles")))
def _administration_course(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    j = article if article is not None else i
    number = s.number(j, joined=article is not None)
    noun = s.has(ADMINISTRATIONS, j + 1) if number is not None else None
    end = s.has(cue("course_nouns"), noun) if noun is not None else None
    return count_element(s, i, end, number, None, cues) if end is not None and number is not None else None


@COURSE_RULES.rule(
    "count-of-administrations",
    Example("Ketamine therapy\n\nEach infusion is priced at $450, and most patients need 4 to 6 infusions.",
            "schedule_phases", {"count": 4, "count_max": 6}),
    Example("Ketamine therapy\n\nMost people feel better within two doses.", "schedules", {}, absent=True),
    Example("Ketamine therapy\n\nSome patients in the registry had more than 12 ketamine treatments.", "schedules",
            {}, absent=True),
    Example("Ketamine therapy\n\nVolunteers were assigned to one of three treatment arms of ketamine.",
            "schedules", {}, absent=True),
    starts=(NUMBER_AT, *QUALIFIERS, cue("range_leads")))
def _count_rule(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    qualifier = next((name for name in QUALIFIERS if s.has(name, i, joined=False) is not None), None)
    j = s.has(qualifier, i, joined=False) if qualifier else i
    if j is None:
        return None
    ranged = between(s, j, joined=qualifier is not None)
    number = ranged[0] if ranged else s.number(j, joined=qualifier is not None)
    after = ranged[1] if ranged else j + 1
    end = administration(s, after, cues) if number is not None else None
    return count_element(s, i, end, number, qualifier, cues) if end is not None and number is not None else None


@COURSE_RULES.rule(
    "number-of-times-over-a-length",
    Example("Ketamine therapy\n\nKetamine was infused six times over two weeks.", "schedule_phases",
            {"count": 6, "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nPatients given ketamine were three times more likely to respond.", "schedules",
            {}, absent=True),
    starts=(NUMBER_AT,))
def _times_over(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    number = s.number(i, COUNTABLE + TIMES, joined=False)
    if number is None:
        return None
    end = s.skip(cue("times_words"), i + 1)
    if (end == i + 1 and number.kind not in TIMES) or s.has(cue("bounds_prepositions"), end) is None:
        return None
    return count_element(s, i, end, number, None, cues)


@COURSE_RULES.rule(
    "single-administration",
    Example("Ketamine therapy\n\nThe trial gave a single infusion of ketamine.", "schedule_phases", {"count": 1}),
    Example("Ketamine therapy\n\nAt each appointment you take one dose.", "schedules", {}, absent=True),
    starts=(cue("single_counts"),))
def _single(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    single = s.has(cue("single_counts"), i, joined=False)
    end = administration(s, single, cues) if single is not None else None
    if end is None or blocked(s, i, cues):
        return None
    start, stop = s.span(i, end)
    return Element("count", start, stop, Timing(count=1), tier=1, single=True)


def _position_end(s: Stream, j: int) -> tuple[int, int, bool] | None:
    """After the numbers of a position: (character end, next index, open end) when nothing glued follows."""
    open_end = s.has(cue("position_open_ends"), j)
    if open_end is not None:
        return s.tokens[open_end - 1].end, open_end, True
    end = s.tokens[j - 1].end
    following = s.text[end:end + 1]
    if next_character(s.text, end, s.end) == "+":
        return s.text.index("+", end) + 1, j, True
    if following.isalnum() or following == "-":
        return None
    return end, j, False


@COURSE_RULES.rule(
    "position-in-the-schedule",
    Example("Ketamine therapy\n\nWeeks 1 to 4: two ketamine doses per week.", "schedule_phases",
            {"frequency": 2, "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nWeek 9 and after: one ketamine dose every 2 weeks.", "schedule_phases",
            {"period": 2, "bounds_unit": None}),
    starts=(cue("position_open_starts"), cue("position_units")))
def _position(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    if s.ends_before(cue("position_blockers"), i) is not None:
        return None  # "After Day 15": a point in time
    opened = s.has(cue("position_open_starts"), i, joined=False)
    unit = unit_at(s, opened if opened is not None else i, cue("position_units"), joined=opened is not None)
    first = s.number(unit[1]) if unit else None
    if unit is None or first is None:
        return None
    j = unit[1] + 1
    through = s.has(cue("position_range_words"), j)
    last = s.number(through) if through is not None else None
    j = through + 1 if last is not None and through is not None else j
    ending = _position_end(s, j)
    if ending is None:
        return None
    start = s.tokens[i].start
    if opened is not None or ending[2]:
        return Element("position", start, ending[0], tier=1, position=(first.low, None, unit[0]))
    last = last or first
    length = float(last.high - first.low + 1)
    return Element("position", start, ending[0], Timing(bounds_low=length, bounds_high=length, bounds_unit=unit[0]),
                   tier=1, position=(first.low, last.high, unit[0]))


def _length_amounts(s: Stream, j: int, located: bool) -> list[tuple[tuple[float | None, float | None] | None, int]]:
    """The readings of a length's amount at token j, in order: a number, "a", a vague quantifier ("several":
    no number), nothing (one unit after "the first"); each with the index where its unit must stand."""
    readings: list[tuple[tuple[float | None, float | None] | None, int]] = []
    number = s.number(j)
    if number is not None:
        readings.append(((number.low, number.high), j + 1))
    article = s.has(cue("indefinite_articles"), j)
    if article is not None:
        counted = s.number(article)  # "over a two-week period"
        readings.append(((counted.low, counted.high), article + 1) if counted else ((1.0, 1.0), article))
    ranged = between(s, j)
    if ranged is not None:
        readings.append(((ranged[0].low, ranged[0].high), ranged[1]))
    vague = s.has(cue("vague_amounts"), j)
    if vague is not None:
        readings.append((None, vague))
    if located:
        readings.append(((1.0, 1.0), j))
    return readings


@COURSE_RULES.rule(
    "length",
    Example("Ketamine therapy\n\nPatients are treated twice a week for one to four weeks.", "schedule_phases",
            {"bounds_low": 1, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nInfusions are given twice a week for up to 6 weeks.", "schedule_phases",
            {"bounds_low": None, "bounds_high": 6, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nIts effects last one to two weeks for many people.", "schedules", {}, absent=True),
    starts=(cue("bounds_prepositions"),))
def _length(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    preposition = s.phrase(cue("bounds_prepositions"), i, joined=False)
    if preposition is None:
        return None
    j = s.skip(cue("bounds_articles"), preposition[1])
    position = s.has(cue("bounds_positions"), j)
    if position is None and s.number(j, ORDINAL) is not None:
        position = j + 1
    j = position if position is not None else j
    only = s.phrase(cue("bounds_ordinal_only"), i, joined=False)
    if only is not None and only[0].end == preposition[0].end and position is None \
            and s.ends_before(ADMINISTRATIONS, i) is None:
        return None  # "in 2 weeks" is a point in time; "in the first month", "six infusions in two weeks" a length
    qualifier, j = qualifier_at(s, j)
    reading = next(((amount, unit) for amount, after in _length_amounts(s, j, position is not None)
                    if (unit := unit_at(s, after)) is not None), None)
    if reading is None:
        return None
    amount, unit = reading
    start, stop = s.span(i, s.skip(cue("length_nouns"), unit[1]))
    if amount is None:
        return Element("bounds", start, stop, Timing(bounds_unit=unit[0]), tier=2, vague=True)
    low, high = amount or (None, None)
    if qualifier == UPPER:
        low = None
    elif qualifier == LOWER:
        high = None
    return Element("bounds", start, stop, Timing(bounds_low=low, bounds_high=high, bounds_unit=unit[0]), tier=2)


@COURSE_RULES.rule(
    "length-of-a-course",
    Example("Ketamine therapy\n\nThe clinic offers a six-week program of ketamine infusions.", "schedule_phases",
            {"bounds_low": 6, "bounds_high": 6, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nIt is a four-week course of eight sessions.", "schedule_phases",
            {"count": 8, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nShe finished a six-week course of antibiotics before it.", "schedules", {},
            absent=True),
    starts=(cue("indefinite_articles"),))
def _course_length(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    number = s.number(article) if article is not None else None
    unit = unit_at(s, article + 1) if number is not None and article is not None else None
    course = s.has(cue("course_nouns"), unit[1]) if unit else None
    if course is None or unit is None or number is None:
        return None
    timing = Timing(bounds_low=number.low, bounds_high=number.high, bounds_unit=unit[0])
    end = course
    of = s.has(cue("of_words"), course)  # "a six-week course of 12 infusions"
    if of is not None:
        counted = s.number(of)
        given = administration(s, of + 1 if counted else of, cues)
        if given is not None:
            end = given
            if counted is not None and counted.low >= 1:
                timing = replace(timing, count=whole_number(counted.low),
                                 count_max=whole_number(counted.high) if counted.high != counted.low else None)
    start, stop = s.span(i, end)
    return Element("bounds", start, stop, timing, tier=1)


@COURSE_RULES.rule(
    "as-needed",
    Example("Ketamine therapy\n\nAfter that, booster infusions are given on an as-needed basis.", "schedule_phases",
            {"label": "maintenance", "as_needed": True}),
    Example("Ketamine therapy\n\nPsychiatrists monitor the response, adjusting treatment as needed.", "schedules",
            {}, absent=True),
    Example("Ketamine therapy\n\nWhere needed, a dose increase of ketamine was allowed.", "schedules", {},
            absent=True),
    starts=(cue("as_needed"),))
def _as_needed(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = s.phrase(cue("as_needed"), i, joined=False)
    if found is None:
        return None
    annotated = s.annotated
    blocker = annotated.mentions.last(cue("as_needed_blockers"), s.start, found[0].start)
    if blocker is not None and annotated.words_between(blocker.end, found[0].start) <= cues.as_needed_blocker_words:
        return None
    after = annotated.mentions.first(cue("as_needed_blockers"), found[0].end, s.end)
    if after is not None and annotated.words_between(found[0].end, after.start) <= cues.as_needed_blocker_words:
        return None  # "if needed for tolerability, a dose reduction"
    return Element("as-needed", found[0].start, found[0].end, Timing(as_needed=True), tier=3)
