"""A sentence's tokens -> its rates: how often ("twice a week", "every 1-3 months", "on Mondays", "daily Lexapro")."""

from __future__ import annotations

from dataclasses import replace

from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import DRUGS, ScheduleCues, cue
from pipeline.extractors.schedule_timing import (
    ADMINISTRATIONS,
    ADVERBS,
    APPROXIMATIONS,
    NUMBER_AT,
    VERBS,
    Element,
    Timing,
    administration,
    adverb_period,
    amount_unit,
    frequency_at,
    rate_element,
    spacing_element,
    unit_at,
)
from pipeline.extractors.schedule_tokens import COUNTABLE, ORDINAL, TIMES, Stream

RATE_RULES: RuleTable[Element] = RuleTable("schedule rates")


@RATE_RULES.rule(
    "times-per-unit",
    Example("Ketamine therapy\n\nKetamine is given three times a week.", "schedule_phases",
            {"frequency": 3, "period": 1, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nMost patients receive 2–3 infusions per week.", "schedule_phases",
            {"frequency": 2, "frequency_max": 3, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nIM ketamine is administered 2x/week.", "schedule_phases",
            {"frequency": 2, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nInfusions are given once per 2 weeks.", "schedule_phases",
            {"frequency": 1, "period": 2, "period_unit": "wk"}),
    starts=(NUMBER_AT,))
def _times_per_unit(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = frequency_at(s, i)
    if found is None:
        return None
    low, high, j = found
    j = s.skip(cue("times_words"), j)
    j = administration(s, j, cues) or j
    per = s.has(cue("rate_per_words"), j)
    slash = per is None and s.gap(j).strip() == "/"
    if per is None and not slash:
        return None
    k = per if per is not None else j
    period = s.number(k, joined=not slash)  # "once per 2 weeks"
    if period is not None:
        k += 1
    unit = unit_at(s, k, joined=not slash or period is not None)
    span = (period.low, period.high) if period is not None else (1.0, 1.0)
    return rate_element(s, i, unit[1], low, high, span, unit[0]) if unit else None


@RATE_RULES.rule(
    "times-adverb",
    Example("Ketamine therapy\n\nPatients use the spray twice-weekly for the first month.", "schedule_phases",
            {"frequency": 2, "period_unit": "wk", "bounds_high": 1, "bounds_unit": "mo"}),
    starts=(NUMBER_AT,))
def _times_adverb(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = frequency_at(s, i)
    if found is None:
        return None
    low, high, j = found
    adverb = s.phrase(ADVERBS, s.skip(cue("times_words"), j))
    if adverb is None:
        return None
    period, unit = adverb_period(adverb[0].value)
    return rate_element(s, i, adverb[1], low, high, (period, period), unit)


def _every_period(s: Stream, j: int) -> tuple[tuple[float, float], int]:
    """After "every": "1-3" (maybe after "about"), "third" ("every third week"), "other", or nothing (one unit)."""
    approx = s.skip(APPROXIMATIONS, j)
    number = s.number(approx, COUNTABLE + ORDINAL)
    if number is not None:
        return (number.low, number.high), approx + 1
    alternate = s.phrase(cue("alternate_words"), j)
    if alternate is not None:
        period = float(alternate[0].value)
        return (period, period), alternate[1]
    return (1.0, 1.0), j


@RATE_RULES.rule(
    "every-period",
    Example("Ketamine therapy\n\nInfusions are given every 1-3 months.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_max": 3, "period_unit": "mo"}),
    Example("Ketamine therapy\n\nPatients receive an infusion every other week.", "schedule_phases",
            {"frequency": 1, "period": 2, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nBoosters are given every third week.", "schedule_phases",
            {"frequency": 1, "period": 3, "period_unit": "wk"}),
    starts=(NUMBER_AT, cue("every_words")))
def _every_period_rule(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = frequency_at(s, i)
    low = high = None
    j = i
    if found is not None:
        low, high, j = found
        j = administration(s, j, cues) or j
    every = s.has(cue("every_words"), j, joined=found is not None)
    if every is None:
        return None
    period, j = _every_period(s, every)
    unit = unit_at(s, j)
    return rate_element(s, i, unit[1], low, high, period, unit[0]) if unit else None


@RATE_RULES.rule(
    "alternating-units",
    Example("Ketamine therapy\n\nInfusions are given on alternate days for two weeks.", "schedule_phases",
            {"frequency": 1, "period": 2, "period_unit": "d", "bounds_high": 2}),
    starts=(cue("alternating_words"),))
def _alternating(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    alternating = s.phrase(cue("alternating_words"), i, joined=False)
    unit = unit_at(s, alternating[1]) if alternating else None
    if alternating is None or unit is None:
        return None
    period = float(alternating[0].value)
    return rate_element(s, i, unit[1], None, None, (period, period), unit[0])


@RATE_RULES.rule(
    "count-in-an-ordinal-unit",
    Example("Ketamine therapy\n\nPatients receive three infusions the first week.", "schedule_phases",
            {"frequency": 3, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nKetamine is given three times in the first week and twice in the second week.",
            "schedule_phases", {"frequency": 2, "bounds_high": 1, "bounds_unit": "wk"}),
    starts=(NUMBER_AT,))
def _ordinal_unit(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    count = s.number(i, COUNTABLE + TIMES, joined=False)
    if count is None:
        return None
    j = s.skip(cue("times_words"), i + 1)
    j = administration(s, j, cues) or j
    j = s.skip(cue("ordinal_prepositions"), j)
    the = s.has(cue("ordinal_articles"), j)
    ordinal = s.number(the, ORDINAL) if the is not None else None
    unit = unit_at(s, the + 1) if ordinal is not None and the is not None else None
    if unit is None:
        return None
    rate = rate_element(s, i, unit[1], count, None, (1.0, 1.0), unit[0])
    if rate is None:
        return None
    return replace(rate, timing=replace(rate.timing, bounds_low=1.0, bounds_high=1.0, bounds_unit=unit[0]))


@RATE_RULES.rule(
    "spaced-apart",
    Example("Ketamine therapy\n\nPatients self-administer three doses, spaced five minutes apart.", "schedule_phases",
            {"label": "session", "count": 3, "frequency": 1, "period": 5, "period_unit": "min"}),
    starts=(NUMBER_AT, APPROXIMATIONS, cue("every_words"), cue("spacing_verbs")))
def _apart(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    j, joined = i, False
    every = s.has(cue("every_words"), i, joined=False)
    administration = s.has(ADMINISTRATIONS, every) if every is not None else None
    if administration is not None:
        j, joined = administration, True
    spacing = s.has(cue("spacing_verbs"), j, joined)
    if spacing is not None:
        j, joined = spacing, True
    amount = amount_unit(s, j, joined)
    apart = s.has(cue("apart_words"), amount[2]) if amount else None
    return spacing_element(s, i, apart, amount[0], amount[1]) if amount and apart is not None else None


@RATE_RULES.rule(
    "at-intervals",
    Example("Ketamine therapy\n\nNurses give three doses of ketamine at 5-minute intervals.", "schedule_phases",
            {"frequency": 1, "period": 5, "period_unit": "min"}),
    starts=(cue("interval_leads"),))
def _at_intervals(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    at = s.has(cue("interval_leads"), i, joined=False)
    if at is None:
        return None
    plural = s.has(cue("interval_plurals"), at)
    if plural is not None:  # "at intervals of 2 weeks"
        of = s.has(cue("of_words"), plural)
        amount = amount_unit(s, of, True) if of is not None else None
        return spacing_element(s, i, amount[2], amount[0], amount[1]) if amount else None
    amount = amount_unit(s, at, True)  # "at 5-minute intervals"
    end = s.has(cue("interval_plurals"), amount[2]) if amount else None
    return spacing_element(s, i, end, amount[0], amount[1]) if amount else None


def _pause_object(s: Stream, j: int, cues: ScheduleCues) -> int | None:
    """"after each device", "between doses": past the administration the pause follows."""
    relation = s.has(cue("pause_relations"), j)
    if relation is None:
        return None
    return administration(s, s.skip(cue("pause_determiners"), relation), cues)


@RATE_RULES.rule(
    "pause-between-administrations",
    Example("Ketamine therapy\n\nEach visit means 2 or 3 devices of the spray, with a 5-minute rest after each device.",
            "schedule_phases", {"label": "session", "count": 2, "count_max": 3, "period": 5, "period_unit": "min"}),
    Example("Ketamine therapy\n\nNurses give four injections with a break of 10 minutes between injections.",
            "schedule_phases", {"label": "session", "count": 4, "period": 10, "period_unit": "min"}),
    starts=(NUMBER_AT, APPROXIMATIONS, cue("indefinite_articles"), cue("interval_nouns")))
def _pause(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    j, joined = (article, True) if article is not None else (i, False)
    noun = s.has(cue("interval_nouns"), j, joined)
    if noun is not None:  # "a break of 10 minutes between doses"
        of = s.has(cue("of_words"), noun)
        amount = amount_unit(s, of, True) if of is not None else None
        end = _pause_object(s, amount[2], cues) if amount else None
    else:  # "a 5-minute rest after each device"
        amount = amount_unit(s, j, joined)
        rest = s.has(cue("interval_nouns"), amount[2]) if amount else None
        end = _pause_object(s, rest, cues) if rest is not None else None
    return spacing_element(s, i, end, amount[0], amount[1]) if amount else None


def _weekday(s: Stream, j: int, joined: bool = True) -> tuple[str, bool, int] | None:
    """A weekday at token j: the day, whether it is plural, the next index."""
    for name, plural in ((cue("weekdays"), False), (cue("weekdays_recurring"), True)):
        found = s.phrase(name, j, joined)
        if found is not None:
            return found[0].value, plural, found[1]
    return None


def _more_weekdays(s: Stream, j: int) -> tuple[list[tuple[str, bool]], int]:
    """", Wednesdays and Fridays", " & Thursdays" after a weekday."""
    days: list[tuple[str, bool]] = []
    while j < len(s):
        gap = s.gap(j).strip()
        found = _weekday(s, j, joined=False) if gap in (",", "&") else None
        if found is None and gap in ("", ","):
            joiner = s.phrase(cue("weekday_joiners"), j, joined=gap == "")
            found = _weekday(s, joiner[1]) if joiner else None
        if found is None:
            break
        days.append((found[0], found[1]))
        j = found[2]
    return days, j


@RATE_RULES.rule(
    "named-weekdays",
    Example("Ketamine therapy\n\nInfusions are given on Mondays, Wednesdays and Fridays.", "schedule_phases",
            {"frequency": 3, "period": 1, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nThe protocol is an infusion on Monday, Wednesday and Friday for two weeks.",
            "schedule_phases", {"frequency": 3, "period_unit": "wk", "bounds_high": 2}),
    Example("Ketamine therapy\n\nYour first infusion is on Monday.", "schedules", {}, absent=True),
    starts=(cue("every_words"), cue("weekday_leads"), cue("weekdays"), cue("weekdays_recurring")))
def _weekdays(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    every = s.has(cue("every_words"), i, joined=False)
    lead = every if every is not None else s.has(cue("weekday_leads"), i, joined=False)
    first = _weekday(s, lead if lead is not None else i, joined=lead is not None)
    if first is None:
        return None
    more, end = _more_weekdays(s, first[2])
    days = [(first[0], first[1]), *more]
    if every is None and len(days) < 2 and not days[0][1]:  # "on Monday" alone is a date
        return None
    start, stop = s.span(i, end)
    return Element("rate", start, stop, Timing(frequency=len({day for day, _ in days}), period=1.0,
                                               period_unit="wk"))


def _bare_adverb(s: Stream, i: int) -> Element | None:
    """A rate adverb alone at token i, marked as an alternative when "or" stands beside it."""
    adverb = s.phrase(ADVERBS, i, joined=False)
    if adverb is None or (i > 0 and s.gap(i) == "-"):
        return None
    period, unit = adverb_period(adverb[0].value)
    rate = rate_element(s, i, adverb[1], None, None, (period, period), unit, tier=3)
    if rate is None:
        return None
    or_before = s.ends_before(cue("alternative_words"), i) is not None
    after = adverb[1]
    or_after = s.has(cue("alternative_words"), after) is not None or (
        s.gap(after).strip() == "," and s.has(cue("alternative_words"), after, joined=False) is not None)
    return replace(rate, alternative=or_before or or_after)


@RATE_RULES.rule(
    "adverb-before-a-medicine",
    Example("Treatment\n\nThe combination of ketamine infusions plus daily Lexapro helps.", "schedules",
            {"drug": "escitalopram"}),
    Example("Treatment\n\nWant to augment daily medication like Lexapro?", "schedules", {"drug": "antidepressant"}),
    starts=(ADVERBS,))
def _adverb_medicine(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    adverb = s.phrase(ADVERBS, i, joined=False)
    if adverb is None:
        return None
    for skipped in range(cues.adverb_head_words + 1):
        j = adverb[1] + skipped
        if any(not s.word(k) for k in range(adverb[1], j)):
            break
        head = next((a for name in (ADMINISTRATIONS, DRUGS, cue("generic_medications"))
                     if (a := s.has(name, j)) is not None), None)
        if head is not None:
            end = _example(s, head)
            period, unit = adverb_period(adverb[0].value)
            return rate_element(s, i, end, None, None, (period, period), unit, tier=3)
    return None


def _example(s: Stream, j: int) -> int:
    """Past ", like Lexapro" after a medicine noun, if it follows."""
    marker = s.phrase(cue("example_markers"), j, joined=s.gap(j).strip() != ",")
    drug = s.has(DRUGS, marker[1]) if marker else None
    return drug if drug is not None else j


@RATE_RULES.rule(
    "adverb-after-a-giving",
    Example("Ketamine therapy\n\nOral ketamine is taken daily.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_unit": "d"}),
    starts=(ADVERBS,))
def _adverb_after_giving(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    if not any(s.ends_before(name, i) is not None for name in (ADMINISTRATIONS, DRUGS, VERBS)):
        return None
    adverb = _bare_adverb(s, i)
    return replace(adverb, alternative=False) if adverb else None


@RATE_RULES.rule(
    "adverb-before-a-length",
    Example("Ketamine therapy\n\nKetamine infusions are given twice a week, then weekly for four weeks.",
            "schedule_phases", {"frequency": 1, "period_unit": "wk", "bounds_high": 4}),
    starts=(ADVERBS,))
def _adverb_before_length(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    adverb = _bare_adverb(s, i)
    if adverb is None or s.has(cue("adverb_followers"), s.index_at(adverb.end)) is None:
        return None
    return adverb


@RATE_RULES.rule(
    "adverb-after-then",
    Example("Ketamine therapy\n\nKetamine infusions are given twice a week for a month, then weekly.",
            "schedule_phases", {"frequency": 1, "period": 1, "period_unit": "wk", "bounds_unit": None}),
    starts=(ADVERBS,))
def _adverb_after_then(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    return _bare_adverb(s, i) if s.ends_before(cue("adverb_leads"), i) is not None else None


@RATE_RULES.rule(
    "adverb-beside-or",
    Example("Ketamine therapy\n\nBooster infusions are given every 2 weeks or weekly.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_max": 2, "period_unit": "wk"}),
    starts=(ADVERBS,))
def _adverb_beside_or(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    adverb = _bare_adverb(s, i)
    return adverb if adverb is not None and adverb.alternative else None
