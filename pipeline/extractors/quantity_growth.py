"""Annotated text + a claim's span -> quantity drafts: each number grown over its qualifier, unit and counted noun."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.engine.normal import normalise_phrase
from pipeline.engine.numbers import NumberSpan
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.adjacent import SPACE, filled_by, is_phrase, right_after, right_before, words_before

if TYPE_CHECKING:
    from collections.abc import Mapping

CUES = "quantities"
# The contract's units of time: a time is an onset, a duration or an interval.
TIME_UNITS = ("min", "h", "d", "wk", "mo", "a")
PLAIN = ("digits", "words")
UNIT_GAP = " \t\n-"  # "24-hour", "70 %"
QUALIFIER_GAP = " \t\n,"  # "on average, once per month"
_WORDLIKE = re.compile(r"[\w\s'’-]*")  # the words between a number and the noun it counts


@dataclass(frozen=True)
class QuantityCues:
    """The settings of data/cues/quantities.yaml (its phrase lists are read through the matcher)."""

    unit_scale: Mapping[str, float]
    count_noun_gap_words: int
    implicit_values: Mapping[str, list[Any]]
    year_range: tuple[int, int]
    score_reach_words: int
    span_reach_words: int


@dataclass(frozen=True)
class Span:
    """The claim (or cell) whose numbers are read, with what every rule may ask of it."""

    annotated: Annotated
    start: int
    end: int
    cues: QuantityCues

    @property
    def text(self) -> str:
        return self.annotated.text

    def has(self, key: str) -> bool:
        return bool(self.annotated.of(f"{CUES}.{key}", self.start, self.end))


@dataclass(frozen=True)
class Draft:
    """A number grown into a quantity span, before its measure is known. `qualifier_at` is the span of the
    qualifier's words (they decide some measures), `spread` says "over" meant "during"."""

    start: int
    end: int
    number: NumberSpan
    low: float
    high: float
    unit: str | None = None
    qualifier: str = "exact"
    qualifier_at: tuple[int, int] | None = None
    frequency: bool = False
    interval: bool = False
    measured: bool = False  # a value in a unit the contract has no code for, or a score
    spread: bool = False
    plus: bool = False


REJECT = "reject"


def _mention(span: Span, key: str, start: int, end: int) -> Mention | None:
    return span.annotated.mentions.first(f"{CUES}.{key}", start, end)


def after(span: Span, key: str, position: int, gap: str = SPACE) -> Mention | None:
    return right_after(span.annotated, f"{CUES}.{key}", position, span.end, gap)


def before(span: Span, key: str, position: int, gap: str = SPACE) -> Mention | None:
    return right_before(span.annotated, f"{CUES}.{key}", position, span.start, gap)


def _is_year(number: NumberSpan, cues: QuantityCues) -> bool:
    low, high = cues.year_range
    return number.kind == "decade" or (number.kind == "digits" and number.low.is_integer()
                                       and low <= number.low <= high and number.end - number.start == 4)


def _glued(text: str, number: NumberSpan) -> bool:
    """Numbers that are part of a name or code: "COVID-19", "5-HT2A", "24/7"."""
    before = text[max(0, number.start - 2): number.start]
    after = text[number.end: number.end + 2]
    if before[-1:].isalpha() or (len(before) == 2 and before[1] in "-/" and before[0].isalnum()):
        return True
    return len(after) == 2 and after[0] in "-/" and (after[1].isdigit() or after[1].isupper())


# --- numbers that are no quantities ------------------------------------------------------------------

NOT_QUANTITIES: RuleTable[bool] = RuleTable("numbers that are no quantities")


@NOT_QUANTITIES.rule(
    "ordinal-or-code",
    Example("Ketamine is not a first-line treatment.\n", "quantities", {"quote": "first"}, absent=True),
    Example("Unlike COVID-19 vaccines, 5-HT2A agonists act elsewhere in ketamine trials.\n", "quantities",
            {"value_low": 19.0}, absent=True))
def _ordinal_or_code(span: Span, number: NumberSpan) -> bool | None:
    return True if number.kind == "ordinal" or _glued(span.text, number) else None


@NOT_QUANTITIES.rule(
    "position",
    Example("From week 7, ketamine doses are spaced out.\n", "quantities", {"value_low": 7.0}, absent=True),
    Example("On Jan. 5, 2024 ketamine results were announced.\n", "quantities", {"value_low": 5.0}, absent=True))
def _position(span: Span, number: NumberSpan) -> bool | None:
    if _is_year(number, span.cues):
        return None
    return True if before(span, "position_nouns", number.start) is not None else None


@NOT_QUANTITIES.rule(
    "part-of-something",
    Example("The company will file its ketamine data in the second half of 2024.\n", "quantities",
            {"value_low": 50.0}, absent=True))
def _part(span: Span, number: NumberSpan) -> bool | None:
    if number.kind == "fraction" and before(span, "fraction_blockers", number.start) is not None:
        return True
    return None


# --- what a number is counted in: the words right after it --------------------------------------------

UNITS: RuleTable[Any] = RuleTable("quantity units")


def _time_unit_after(span: Span, position: int) -> Mention | None:
    """A time unit after a fraction, with only "of"/"a"/"an" between ("half an hour")."""
    found = _mention(span, "units", position, span.end)
    if found is None or found.value not in TIME_UNITS:
        return None
    if found.start == position or filled_by(span.annotated, f"{CUES}.fraction_links", position, found.start):
        return found
    return None


@UNITS.rule(
    "fraction-of-a-time-unit",
    Example("The ketamine dizziness eased off within half an hour.\n", "quantities",
            {"quote": "within half an hour", "value_low": 0.5, "unit": "h", "measure": "onset"}))
def _fraction_of_time(span: Span, draft: Draft) -> Draft | None:
    if draft.number.kind != "fraction":
        return None
    unit = _time_unit_after(span, draft.end)
    if unit is None:
        return None
    return replace(draft, unit=unit.value, low=draft.low / 100, high=draft.high / 100, end=unit.end)


@UNITS.rule(
    "fraction-is-a-share",
    Example("SSRIs were of limited help to more than one-third of people, unlike ketamine.\n", "quantities",
            {"quote": "more than one-third", "unit": "percent", "measure": "proportion"}))
def _fraction(span: Span, draft: Draft) -> Draft | None:
    return replace(draft, unit="percent") if draft.number.kind == "fraction" else None


@UNITS.rule(
    "decade-is-a-year",
    Example("Research on ketamine began in the 1990s.\n", "quantities",
            {"quote": "1990s", "value_low": 1990.0, "value_high": 1999.0, "measure": "year"}))
def _decade(span: Span, draft: Draft) -> Draft | None:
    return draft if draft.number.kind == "decade" else None


@UNITS.rule(
    "price",
    Example("Each ketamine infusion costs $350 per session.\n", "quantities",
            {"quote": "$350", "unit": "usd", "measure": "cost"}))
def _price(span: Span, draft: Draft) -> Draft | None:
    sign = before(span, "currency_before", draft.start, gap=" ")
    return replace(draft, start=sign.start, unit="usd") if sign is not None else None


@UNITS.rule(
    "unit-word",
    Example("Ketamine has an incredible 70-85% response rate.\n", "quantities",
            {"quote": "70-85%", "unit": "percent", "measure": "response-rate"}),
    Example("I have been depressed for 10+ years before ketamine.\n", "quantities",
            {"quote": "10+ years", "qualifier": "at-least", "unit": "a"}))
def _unit_word(span: Span, draft: Draft) -> Draft | None:
    plus = span.text[draft.end:draft.end + 1] == "+"
    unit = after(span, "units", draft.end + plus, UNIT_GAP)
    if unit is None:
        return None
    scale = float(span.cues.unit_scale.get(normalise_phrase(span.text[unit.start:unit.end]), 1))
    return replace(draft, unit=unit.value, low=draft.low * scale, high=draft.high * scale, end=unit.end, plus=plus,
                   qualifier="at-least" if plus else draft.qualifier)


@UNITS.rule(
    "unit-without-a-code",
    Example("Ketamine may raise blood pressure by 10-20 mmHg.\n", "quantities",
            {"quote": "10-20 mmHg", "unit": None, "measure": "other"}))
def _other_unit(span: Span, draft: Draft) -> Draft | None:
    unit = after(span, "other_units", draft.end, UNIT_GAP)
    return replace(draft, end=unit.end, measured=True) if unit is not None else None


@UNITS.rule(
    "frequency",
    Example("Ketamine patients are treated twice a week.\n", "quantities",
            {"quote": "twice a week", "unit": "count", "measure": "other"}),
    Example("Ketamine infusions are given three times a week.\n", "quantities",
            {"quote": "three times a week", "value_low": 3.0, "unit": "count"}))
def _frequency(span: Span, draft: Draft) -> Draft | None:
    times = after(span, "times_words", draft.end)
    period = after(span, "frequency_periods", times.end if times else draft.end, UNIT_GAP)
    if period is not None and (times is not None or draft.number.kind == "times"):
        return replace(draft, frequency=True, unit="count", end=period.end)
    return REJECT if draft.number.kind == "times" else None


def _qualified_after(span: Span, draft: Draft) -> Draft:
    """"or more", "and older", "+" after a number and its unit."""
    if draft.plus:
        return draft
    found = after(span, "qualifiers_after", draft.end, " \t\n")
    if found is None:
        return draft
    return replace(draft, qualifier=found.value, end=found.end)


# --- a bare number: what it counts --------------------------------------------------------------------

BARE: RuleTable[Any] = RuleTable("bare numbers")


def _counted_noun(span: Span, position: int) -> Mention | None:
    found = _mention(span, "count_nouns", position, span.end)
    if found is None or found.start == position:
        return None
    if span.annotated.words_between(position, found.start) > span.cues.count_noun_gap_words:
        return None
    return found if _WORDLIKE.fullmatch(span.text, position, found.start) else None


@BARE.rule(
    "a-year-counts-nothing",
    Example("The ketamine spray was cleared in 2020 for adults with depression.\n", "quantities",
            {"quote": "2020", "unit": None, "measure": "year"}))
def _year(span: Span, draft: Draft) -> Draft | None:
    return draft if _is_year(draft.number, span.cues) else None


@BARE.rule(
    "age",
    Example("Ketamine is licensed for adults 21 and older.\n", "quantities",
            {"quote": "21 and older", "qualifier": "at-least", "unit": "a"}),
    Example("Ketamine is not approved for teenagers under 16.\n", "quantities",
            {"quote": "under 16", "qualifier": "less-than", "unit": "a"}))
def _age(span: Span, draft: Draft) -> Draft | None:
    if _counted_noun(span, draft.end) is not None:
        return None
    after = _mention(span, "age_after", draft.number.end, draft.end + 1)
    if after is not None and after.end == draft.end:
        return replace(draft, unit="a")
    qualifier = before(span, "qualifiers_before", draft.number.start)
    noun = before(span, "age_nouns", qualifier.start if qualifier else draft.number.start)
    return replace(draft, unit="a") if noun is not None else None


@BARE.rule(
    "counted-noun",
    Example("Ketamine protocols call for 4-6 initial ketamine infusions.\n", "quantities",
            {"quote": "4-6 initial ketamine infusions", "unit": "count", "measure": "count"}),
    Example("At first, three doses of ketamine per week.\n", "quantities",
            {"value_low": 3.0, "unit": "count", "measure": "count"}),
    Example("After that, one ketamine dose every 3 weeks.\n", "quantities", {"value_low": 1.0}, absent=True))
def _counted(span: Span, draft: Draft) -> Draft | None:
    noun = _counted_noun(span, draft.end)
    if noun is None:
        return None
    per = after(span, "per_periods", noun.end)
    if per is not None:
        return replace(draft, unit="count", end=per.end, frequency=True)
    if draft.low == 1 and after(span, "interval_before", noun.end) is not None:
        return REJECT  # the "one dose" of "one dose every two weeks" only introduces the interval
    return replace(draft, unit="count", end=noun.end)


@BARE.rule(
    "score",
    Example("Her MADRS score went from 30 to 12 after ketamine.\n", "quantities",
            {"quote": "30", "unit": None, "measure": "other"}))
def _score(span: Span, draft: Draft) -> Draft | None:
    noun = words_before(span.annotated, f"{CUES}.score_nouns", draft.number.start, span.start,
                        span.cues.score_reach_words)
    return replace(draft, measured=True) if noun is not None else None


@BARE.rule(
    "count",
    Example("Ketamine helped 7 of them.\n", "quantities", {"quote": "7", "unit": "count", "measure": "count"}))
def _count(span: Span, draft: Draft) -> Draft | None:
    return replace(draft, unit="count")


# --- the words before a number --------------------------------------------------------------------

def _interval(span: Span, draft: Draft) -> Draft:
    """"every two weeks" (a qualifier before it: "roughly every six weeks"), "five minutes apart"."""
    if draft.unit in TIME_UNITS:
        apart = after(span, "interval_after", draft.end)
        if apart is not None:
            draft = replace(draft, interval=True, end=apart.end)
    every = before(span, "interval_before", draft.start)
    if every is None:
        return _qualified_before(span, draft)
    draft = replace(draft, interval=True, start=every.start)
    qualifier = before(span, "qualifiers_before", draft.start, QUALIFIER_GAP)
    if qualifier is None:
        return draft
    return replace(draft, qualifier=qualifier.value, start=qualifier.start,
                   qualifier_at=(qualifier.start, qualifier.end))


def _spreads(span: Span, draft: Draft, qualifier: Mention) -> bool:
    """"over" meaning "during": before a range, opening the sentence, or after a verb of giving or a count."""
    if draft.unit not in TIME_UNITS or not is_phrase(span.annotated, f"{CUES}.span_words", qualifier):
        return False
    if draft.number.kind == "range" or not span.text[span.start:qualifier.start].strip(" \"“‘'("):
        return True
    return words_before(span.annotated, f"{CUES}.span_after", qualifier.start, span.start,
                        span.cues.span_reach_words) is not None


def _qualified_before(span: Span, draft: Draft) -> Draft:
    qualifier = before(span, "qualifiers_before", draft.start, QUALIFIER_GAP)
    if qualifier is None:
        return draft
    draft = replace(draft, qualifier=qualifier.value, start=qualifier.start,
                    qualifier_at=(qualifier.start, qualifier.end))
    return replace(draft, qualifier="exact", spread=True) if _spreads(span, draft, qualifier) else draft


def _lone(span: Span, draft: Draft) -> bool:
    """A lone "one" that counts nothing ("one of the safest")."""
    number = draft.number
    return (draft.unit == "count" and draft.end == number.end and draft.qualifier == "exact"
            and is_phrase(span.annotated, f"{CUES}.skip_lone_words", Mention(number.start, number.end, "", "")))


def grow(span: Span, number: NumberSpan) -> Draft | None:
    """A number -> its quantity span with unit, qualifier, counted noun and interval, or None."""
    if NOT_QUANTITIES.decide(span, number) is not None:
        return None
    draft: Draft | None = Draft(number.start, number.end, number, number.low, number.high)
    unit = UNITS.decide(span, draft)
    if unit is not None:
        draft = None if unit[1] == REJECT else unit[1]
    if draft is None:
        return None
    draft = _qualified_after(span, draft)
    if draft.unit is None and not draft.measured and number.kind in (*PLAIN, "range"):
        bare = BARE.decide(span, draft)
        draft = None if bare is None or bare[1] == REJECT else bare[1]
    if draft is None:
        return None
    if draft.frequency and after(span, "interval_before", draft.end) is not None:
        return None  # the "once" of "once every two weeks" only introduces the interval
    draft = _interval(span, draft)
    return None if _lone(span, draft) else draft


# --- numbers the grammar leaves apart, unit words that stand for one -----------------------------------

def _joined(span: Span, numbers: tuple[NumberSpan, ...]) -> list[NumberSpan]:
    """"between 400 and 800" into a range, "1 in 10" into a fraction (a percentage)."""
    joined: list[NumberSpan] = []
    for number in numbers:
        previous = joined[-1] if joined else None
        if previous is None or previous.kind not in PLAIN or number.kind not in PLAIN:
            joined.append(number)
        elif (number.low >= previous.low and filled_by(span.annotated, f"{CUES}.between_joiners", previous.end,
                                                        number.start, " \t\n$")
              and before(span, "between_openers", previous.start, " \t\n$") is not None):
            joined[-1] = NumberSpan(previous.start, number.end, previous.low, number.high, "range")
        elif 0 < previous.low < number.low and filled_by(span.annotated, f"{CUES}.ratio_joiners", previous.end,
                                                           number.start):
            share = round(100 * previous.low / number.low, 2)
            joined[-1] = NumberSpan(previous.start, number.end, share, share, "fraction")
        else:
            joined.append(number)
    return joined


def _implicit(span: Span) -> list[Draft]:
    """"over a month", "the last decade", "month+": a unit word that stands for one of it."""
    drafts = []
    for unit in span.annotated.of(f"{CUES}.implicit_units", span.start, span.end):
        value, code = span.cues.implicit_values[unit.value]
        number = NumberSpan(unit.start, unit.end, float(value), float(value), "implicit")
        if span.text[unit.end:unit.end + 1] == "+":
            drafts.append(Draft(unit.start, unit.end + 1, number, float(value), float(value), code, "at-least"))
            continue
        following = span.text[unit.end:unit.end + 1]
        if following == "-" or following.isalnum():
            continue  # "a month-long trial": the noun after it decides
        article = before(span, "articles", unit.start)
        trigger = before(span, "implicit_triggers", article.start if article else unit.start)
        if trigger is None:
            continue
        named = before(span, "qualifiers_before", article.start if article else unit.start)
        qualifier = named.value if named is not None and (named.start, named.end) == (trigger.start, trigger.end) \
            else "exact"
        drafts.append(Draft(trigger.start, unit.end, number, float(value), float(value), code, qualifier,
                            (trigger.start, trigger.end)))
    return drafts


def _implicit_range(span: Span, draft: Draft, numbers: list[NumberSpan]) -> Draft:
    """"within an hour or two": the unit word and the number after "or" make one range."""
    for number in numbers:
        if number.kind in PLAIN and number.low > draft.low and filled_by(
                span.annotated, f"{CUES}.alternative_joiners", draft.end, number.start):
            return replace(draft, end=number.end, high=number.high)
    return draft


def _merge_alternatives(span: Span, drafts: list[Draft]) -> list[Draft]:
    """"56 mg or 84 mg": two values of one unit joined by "or" are one range."""
    merged: list[Draft] = []
    for draft in drafts:
        previous = merged[-1] if merged else None
        if (previous is not None and previous.unit == draft.unit and previous.unit not in (None, "count")
                and not previous.frequency and not draft.frequency and draft.low > previous.high
                and draft.qualifier == "exact"
                and filled_by(span.annotated, f"{CUES}.alternative_joiners", previous.end, draft.start)):
            merged[-1] = replace(previous, end=draft.end, high=draft.high)
        else:
            merged.append(draft)
    return merged


def _positions_joined(span: Span, numbers: list[NumberSpan]) -> set[int]:
    """Starts of numbers joined to a position ("weeks five through eight"): positions too."""
    joined: set[int] = set()
    position_end: int | None = None
    for number in numbers:
        if position_end is not None and (filled_by(span.annotated, f"{CUES}.position_joiners", position_end,
                                                   number.start) or not span.text[position_end:number.start]
                                         .strip(" -")):
            joined.add(number.start)
            position_end = number.end
            continue
        at_position = not _is_year(number, span.cues) and before(span, "position_nouns", number.start)
        position_end = number.end if at_position else None
    return joined


def drafts(span: Span) -> list[Draft]:
    """Every quantity draft of a span, in text order, none overlapping another."""
    numbers = _joined(span, span.annotated.numbers_in(span.start, span.end))
    implicit = [_implicit_range(span, d, numbers) for d in _implicit(span)]
    ranges = [(d.start, d.end) for d in implicit if d.low != d.high]  # "an hour or two" wins over its "two"
    skip = _positions_joined(span, numbers)
    found = [d for d in (grow(span, n) for n in numbers if n.start not in skip) if d is not None
             and not any(d.start < e and s < d.end for s, e in ranges)]
    taken = [(d.start, d.end) for d in found]
    found += [d for d in implicit if not any(d.start < e and s < d.end for s, e in taken)]
    kept: list[Draft] = []
    for draft in _merge_alternatives(span, sorted(found, key=lambda d: d.start)):
        if not kept or draft.start >= kept[-1].end:
            kept.append(draft)
    return kept
