"""Timing elements (rates, counts, lengths, positions, as-needed) and the pieces the timing rules are built of."""

from __future__ import annotations

from dataclasses import dataclass, fields

from pipeline.engine.numbers import NumberSpan
from pipeline.extractors.schedule_cues import DRUGS, ROUTES, ScheduleCues, cue
from pipeline.extractors.schedule_tokens import COUNTABLE, TIMES, Stream
from pipeline.records import Timing as TimingFields

TIMING_GROUPS = ("rate", "count", "bounds", "as_needed")
UNIT_PER_WEEK = {"min": 10080.0, "h": 168.0, "d": 7.0, "wk": 1.0, "mo": 12 / 52, "a": 1 / 52}

UNITS = cue("units")
ADVERBS = cue("rate_adverbs")
ADMINISTRATIONS = cue("administrations")
VERBS = cue("administration_verbs")
MODIFIERS = (cue("count_modifiers"), DRUGS, ROUTES)
APPROXIMATIONS = cue("approximations")
UPPER = cue("upper_bounds")
LOWER = cue("lower_bounds")
QUALIFIERS = (UPPER, LOWER, APPROXIMATIONS)
COURSES = cue("course_nouns")
# The lists a timing element may start with (besides a number, and a word before a course noun).
TRIGGERS = (UNITS, ADVERBS, APPROXIMATIONS, UPPER, LOWER, COURSES, cue("every_words"), cue("articles"),
            cue("indefinite_articles"), cue("interval_leads"), cue("spacing_verbs"), cue("weekday_leads"),
            cue("weekdays"), cue("weekdays_recurring"), cue("single_counts"), cue("position_open_starts"),
            cue("position_units"), cue("bounds_prepositions"), cue("as_needed"), cue("alternating_words"),
            cue("range_leads"))
# Keys of what stands at a token besides the lists starting there: what a timing rule may need to start
# (its `starts`, pipeline.engine.rules).
NUMBER_AT = "<a number>"
BEFORE_COURSE = "<a word before a course noun>"


@dataclass(frozen=True)
class Timing(TimingFields):
    """The FHIR Timing.repeat fields one element or phase states, and which groups of them it states."""

    def groups(self) -> frozenset[str]:
        """Which of rate, count, bounds and as_needed are stated."""
        stated = {"rate": self.frequency is not None or self.period_unit is not None,
                  "count": self.count is not None, "bounds": self.bounds_unit is not None,
                  "as_needed": self.as_needed}
        return frozenset(group for group, present in stated.items() if present)

    def combine(self, other: Timing) -> Timing:
        """Fields of self, with the ones self leaves empty taken from other."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for f in fields(other):
            if values[f.name] is None or values[f.name] is False:
                values[f.name] = getattr(other, f.name)
        return Timing(**values)

    def per_week(self) -> float | None:
        """Administrations per week when a rate (or a count over a length) says so."""
        if self.frequency is not None and self.period and self.period_unit:
            return self.frequency / self.period * UNIT_PER_WEEK[self.period_unit]
        if self.count is not None and self.bounds_high and self.bounds_unit:
            return self.count / self.bounds_high * UNIT_PER_WEEK[self.bounds_unit]
        return None


@dataclass(frozen=True)
class Element:
    """A stretch of a sentence that says something about timing or order, with document offsets.

    kind: rate, count, course, bounds, position, as-needed, label, connector, open-end. `tier` orders
    overlapping candidates (lower first): rates, then counts and positions, lengths, then bare adverbs."""

    kind: str
    start: int
    end: int
    timing: Timing = Timing()
    tier: int = 0
    label: str | None = None
    header: bool = False  # a label that heads what follows ("Maintenance phase:")
    vague: bool = False  # a length without a number ("over several weeks")
    position: tuple[float, float | None, str] | None = None  # first and last unit of a position, and the unit
    alternative: bool = False  # a bare rate adverb that counts only beside another rate ("weekly or every ...")
    single: bool = False  # a count of one named as such ("a single infusion")


def whole_number(value: float) -> int:
    return round(value)


def frequency_at(s: Stream, i: int) -> tuple[NumberSpan, NumberSpan | None, int] | None:
    """"twice", "2-3", "once or twice" at token i (its first token unjoined): the numbers and the next index."""
    first = s.number(i, COUNTABLE + TIMES, joined=False)
    if first is None:
        return None
    after_or = s.has(cue("alternative_words"), i + 1)
    second = s.number(after_or, COUNTABLE + TIMES) if after_or is not None else None
    if second is not None and after_or is not None:
        return first, second, after_or + 1
    return first, None, i + 1


def _modifiers_at(s: Stream, index: int) -> set[int]:
    """Where the modifiers starting at token index end: a modifier word, a drug, a route, or how long one
    administration lasts ("40-minute")."""
    found = {a for name in MODIFIERS if (a := s.has(name, index)) is not None}
    if s.number(index) is not None and (unit := s.has(UNITS, index + 1)) is not None:
        found.add(unit)
    return found


def administration(s: Stream, i: int, cues: ScheduleCues) -> int | None:
    """Past "[modifiers] administration" from token i (the furthest reading): "infusions", "initial ketamine
    infusions", "IV infusions", "40-minute infusions". Several rules ask it at the same token: found once."""
    key = ("administration", i, cues.count_modifier_words)
    if key not in s.answered:
        s.answered[key] = _administration(s, i, cues.count_modifier_words)
    return s.answered[key]


def _administration(s: Stream, i: int, modifier_words: int) -> int | None:
    frontier, furthest = {i}, None
    for _ in range(modifier_words + 1):
        following = set()
        for index in frontier:
            after = s.has(ADMINISTRATIONS, index)
            if after is not None:
                furthest = max(furthest or 0, after)
            following.update(_modifiers_at(s, index))
        frontier = following
    return furthest


def between(s: Stream, j: int, joined: bool = True) -> tuple[NumberSpan, int] | None:
    """"between 6 and 8" at token j: one range and the next index."""
    lead = s.has(cue("range_leads"), j, joined)
    first = s.number(lead) if lead is not None else None
    joiner = s.has(cue("range_joiners"), lead + 1) if first is not None and lead is not None else None
    second = s.number(joiner) if joiner is not None else None
    if first is None or second is None or joiner is None or second.high < first.low:
        return None
    return NumberSpan(first.start, second.end, first.low, second.high, "range"), joiner + 1


def unit_at(s: Stream, i: int, list_name: str = UNITS, joined: bool = True) -> tuple[str, int] | None:
    found = s.phrase(list_name, i, joined)
    return (found[0].value, found[1]) if found else None


def qualifier_at(s: Stream, i: int) -> tuple[str | None, int]:
    """An optional qualifier before a number ("up to", "at least", "about"): which list, and the next index."""
    for name in QUALIFIERS:
        after = s.has(name, i)
        if after is not None:
            return name, after
    return None, i


def limited(s: Stream, i: int) -> bool:
    """A limit stands right before: "not more than once a week" is no schedule."""
    return s.ends_before(cue("rate_limits"), i) is not None


def rate_element(s: Stream, i: int, end: int, low: NumberSpan | None, high: NumberSpan | None,
                 period: tuple[float, float], unit: str, tier: int = 0) -> Element | None:
    """A rate element over tokens i .. end - 1: frequency from the numbers (1 without), period low-high per unit."""
    f_low = whole_number(low.low) if low else 1
    f_high = whole_number(high.high if high else low.high) if low else 1
    if f_low < 1 or period[0] <= 0 or limited(s, i):
        return None
    timing = Timing(frequency=f_low, frequency_max=f_high if f_high != f_low else None, period=period[0],
                    period_max=period[1] if period[1] != period[0] else None, period_unit=unit)
    start, stop = s.span(i, end)
    return Element("rate", start, stop, timing, tier)


def adverb_period(value: str) -> tuple[float, str]:
    """A rate adverb's key ("2 wk") -> its period and unit."""
    period, unit = value.split()
    return float(period), unit


def spacing_element(s: Stream, i: int, end: int | None, period: NumberSpan | None, unit: str | None) -> Element | None:
    """Doses `period` units apart over tokens i .. end - 1: frequency 1 per that period."""
    if end is None or period is None or unit is None:
        return None
    return rate_element(s, i, end, None, None, (period.low, period.high), unit)


def amount_unit(s: Stream, j: int, joined: bool) -> tuple[NumberSpan, str, int] | None:
    """"about 5 minutes", "10-minute" at token j: the number, its unit and the next index."""
    approx = s.has(APPROXIMATIONS, j, joined)
    if approx is not None:
        j, joined = approx, True
    number = s.number(j, joined=joined)
    unit = unit_at(s, j + 1) if number is not None else None
    return (number, unit[0], unit[1]) if number is not None and unit is not None else None


def blocked(s: Stream, i: int, cues: ScheduleCues) -> bool:
    """A count at token i is a point in time or a part of a course: a blocker before it ("after two sessions"),
    maybe past a few filler words ("after your first six sessions"), or a preposition before "the first"/"the
    last" ("in the first two infusions")."""
    j, part = i, False
    for _ in range(cues.count_blocker_words + 1):
        if s.ends_before(cue("count_blockers"), j) is not None:
            return True
        if part and s.ends_before(cue("ordinal_count_blockers"), j) is not None:
            return True
        filler = s.ends_before(cue("count_blocker_fillers"), j)
        if filler is None:
            return False
        part = part or s.ends_before(cue("count_part_words"), j) is not None
        j = s.index_at(filler.start)
    return False


def count_element(s: Stream, i: int, end: int, number: NumberSpan, qualifier: str | None,
                  cues: ScheduleCues) -> Element | None:
    """A count element over tokens i .. end - 1 ("up to 6 infusions" counts 1 to 6)."""
    if number.low < 1 or not float(number.low).is_integer() or blocked(s, i, cues):
        return None
    lower = qualifier == LOWER or s.ends_before(LOWER, i) is not None
    if s.ends_before(cue("rate_limits"), i) is not None or (lower and number.high == 1):
        return None  # "more than 10 treatments" compares; "at least 1 dose" is a condition
    if s.has(cue("administration_compounds"), end) is not None:
        return None  # "two treatment sequences", "four treatment options"
    low, high = whole_number(number.low), whole_number(number.high)
    if qualifier == UPPER:
        low = 1
    start, stop = s.span(i, end)
    return Element("count", start, stop, Timing(count=low, count_max=high if high != low else None), tier=1)
