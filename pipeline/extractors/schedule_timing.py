"""A sentence's tokens + schedule cues -> timing elements (rates, counts, lengths, positions, as-needed)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from pipeline.engine.numbers import NumberSpan
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import DRUGS, ROUTES, ScheduleCues, cue
from pipeline.extractors.schedule_tokens import COUNTABLE, ORDINAL, TIMES, Stream
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


def _whole(value: float) -> int:
    return round(value)


def _frequency(s: Stream, i: int) -> tuple[NumberSpan, NumberSpan | None, int] | None:
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
    infusions", "IV infusions", "40-minute infusions"."""
    frontier, furthest = {i}, None
    for _ in range(cues.count_modifier_words + 1):
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


def _unit(s: Stream, i: int, list_name: str = UNITS, joined: bool = True) -> tuple[str, int] | None:
    found = s.phrase(list_name, i, joined)
    return (found[0].value, found[1]) if found else None


def _qualifier(s: Stream, i: int) -> tuple[str | None, int]:
    """An optional qualifier before a number ("up to", "at least", "about"): which list, and the next index."""
    for name in QUALIFIERS:
        after = s.has(name, i)
        if after is not None:
            return name, after
    return None, i


def _limited(s: Stream, i: int) -> bool:
    """A limit stands right before: "not more than once a week" is no schedule."""
    return s.ends_before(cue("rate_limits"), i) is not None


def _rate(s: Stream, i: int, end: int, low: NumberSpan | None, high: NumberSpan | None, period: tuple[float, float],
          unit: str, tier: int = 0) -> Element | None:
    """A rate element over tokens i .. end - 1: frequency from the numbers (1 without), period low-high per unit."""
    f_low = _whole(low.low) if low else 1
    f_high = _whole(high.high if high else low.high) if low else 1
    if f_low < 1 or period[0] <= 0 or _limited(s, i):
        return None
    timing = Timing(frequency=f_low, frequency_max=f_high if f_high != f_low else None, period=period[0],
                    period_max=period[1] if period[1] != period[0] else None, period_unit=unit)
    start, stop = s.span(i, end)
    return Element("rate", start, stop, timing, tier)


def _adverb_period(value: str) -> tuple[float, str]:
    """A rate adverb's key ("2 wk") -> its period and unit."""
    period, unit = value.split()
    return float(period), unit


TIMING_RULES: RuleTable[Element] = RuleTable("schedule timing elements")
COURSES = cue("course_nouns")
# The lists a timing element may start with (besides a number, and a word before a course noun).
TRIGGERS = (UNITS, ADVERBS, APPROXIMATIONS, UPPER, LOWER, COURSES, cue("every_words"), cue("articles"),
            cue("indefinite_articles"), cue("interval_leads"), cue("spacing_verbs"), cue("weekday_leads"),
            cue("weekdays"), cue("weekdays_recurring"), cue("single_counts"), cue("position_open_starts"),
            cue("position_units"), cue("bounds_prepositions"), cue("as_needed"), cue("alternating_words"),
            cue("range_leads"))


@TIMING_RULES.rule(
    "times-per-unit",
    Example("Ketamine therapy\n\nKetamine is given three times a week.", "schedule_phases",
            {"frequency": 3, "period": 1, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nMost patients receive 2–3 infusions per week.", "schedule_phases",
            {"frequency": 2, "frequency_max": 3, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nIM ketamine is administered 2x/week.", "schedule_phases",
            {"frequency": 2, "period_unit": "wk"}))
def _times_per_unit(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = _frequency(s, i)
    if found is None:
        return None
    low, high, j = found
    j = s.skip(cue("times_words"), j)
    j = administration(s, j, cues) or j
    per = s.has(cue("rate_per_words"), j)
    slash = per is None and s.gap(j).strip() == "/"
    if per is None and not slash:
        return None
    unit = _unit(s, per if per is not None else j, joined=not slash)
    return _rate(s, i, unit[1], low, high, (1.0, 1.0), unit[0]) if unit else None


@TIMING_RULES.rule(
    "times-adverb",
    Example("Ketamine therapy\n\nPatients use the spray twice-weekly for the first month.", "schedule_phases",
            {"frequency": 2, "period_unit": "wk", "bounds_high": 1, "bounds_unit": "mo"}))
def _times_adverb(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = _frequency(s, i)
    if found is None:
        return None
    low, high, j = found
    adverb = s.phrase(ADVERBS, s.skip(cue("times_words"), j))
    if adverb is None:
        return None
    period, unit = _adverb_period(adverb[0].value)
    return _rate(s, i, adverb[1], low, high, (period, period), unit)


def _every_period(s: Stream, j: int) -> tuple[tuple[float, float], int]:
    """After "every": "1-3" (maybe after "about"), "other", or nothing (one unit)."""
    approx = s.skip(APPROXIMATIONS, j)
    number = s.number(approx)
    if number is not None:
        return (number.low, number.high), approx + 1
    alternate = s.phrase(cue("alternate_words"), j)
    if alternate is not None:
        period = float(alternate[0].value)
        return (period, period), alternate[1]
    return (1.0, 1.0), j


@TIMING_RULES.rule(
    "every-period",
    Example("Ketamine therapy\n\nInfusions are given every 1-3 months.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_max": 3, "period_unit": "mo"}),
    Example("Ketamine therapy\n\nPatients receive an infusion every other week.", "schedule_phases",
            {"frequency": 1, "period": 2, "period_unit": "wk"}))
def _every_period_rule(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    found = _frequency(s, i)
    low = high = None
    j = i
    if found is not None:
        low, high, j = found
        j = administration(s, j, cues) or j
    every = s.has(cue("every_words"), j, joined=found is not None)
    if every is None:
        return None
    period, j = _every_period(s, every)
    unit = _unit(s, j)
    return _rate(s, i, unit[1], low, high, period, unit[0]) if unit else None


@TIMING_RULES.rule(
    "alternating-units",
    Example("Ketamine therapy\n\nInfusions are given on alternate days for two weeks.", "schedule_phases",
            {"frequency": 1, "period": 2, "period_unit": "d", "bounds_high": 2}))
def _alternating(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    alternating = s.phrase(cue("alternating_words"), i, joined=False)
    unit = _unit(s, alternating[1]) if alternating else None
    if alternating is None or unit is None:
        return None
    period = float(alternating[0].value)
    return _rate(s, i, unit[1], None, None, (period, period), unit[0])


@TIMING_RULES.rule(
    "count-in-an-ordinal-unit",
    Example("Ketamine therapy\n\nPatients receive three infusions the first week.", "schedule_phases",
            {"frequency": 3, "period_unit": "wk", "bounds_low": 1, "bounds_high": 1, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nKetamine is given three times in the first week and twice in the second week.",
            "schedule_phases", {"frequency": 2, "bounds_high": 1, "bounds_unit": "wk"}))
def _ordinal_unit(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    count = s.number(i, COUNTABLE + TIMES, joined=False)
    if count is None:
        return None
    j = s.skip(cue("times_words"), i + 1)
    j = administration(s, j, cues) or j
    j = s.skip(cue("ordinal_prepositions"), j)
    the = s.has(cue("ordinal_articles"), j)
    ordinal = s.number(the, ORDINAL) if the is not None else None
    unit = _unit(s, the + 1) if ordinal is not None and the is not None else None
    if unit is None:
        return None
    rate = _rate(s, i, unit[1], count, None, (1.0, 1.0), unit[0])
    if rate is None:
        return None
    return replace(rate, timing=replace(rate.timing, bounds_low=1.0, bounds_high=1.0, bounds_unit=unit[0]))


def _spacing(s: Stream, i: int, end: int | None, period: NumberSpan | None, unit: str | None) -> Element | None:
    """Doses `period` units apart over tokens i .. end - 1: frequency 1 per that period."""
    if end is None or period is None or unit is None:
        return None
    return _rate(s, i, end, None, None, (period.low, period.high), unit)


def _amount_unit(s: Stream, j: int, joined: bool) -> tuple[NumberSpan, str, int] | None:
    """"about 5 minutes", "10-minute" at token j: the number, its unit and the next index."""
    approx = s.has(APPROXIMATIONS, j, joined)
    if approx is not None:
        j, joined = approx, True
    number = s.number(j, joined=joined)
    unit = _unit(s, j + 1) if number is not None else None
    return (number, unit[0], unit[1]) if number is not None and unit is not None else None


@TIMING_RULES.rule(
    "spaced-apart",
    Example("Ketamine therapy\n\nPatients self-administer three doses, spaced five minutes apart.", "schedule_phases",
            {"label": "session", "count": 3, "frequency": 1, "period": 5, "period_unit": "min"}))
def _apart(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    j, joined = i, False
    every = s.has(cue("every_words"), i, joined=False)
    administration = s.has(ADMINISTRATIONS, every) if every is not None else None
    if administration is not None:
        j, joined = administration, True
    spacing = s.has(cue("spacing_verbs"), j, joined)
    if spacing is not None:
        j, joined = spacing, True
    amount = _amount_unit(s, j, joined)
    apart = s.has(cue("apart_words"), amount[2]) if amount else None
    return _spacing(s, i, apart, amount[0], amount[1]) if amount and apart is not None else None


@TIMING_RULES.rule(
    "at-intervals",
    Example("Ketamine therapy\n\nNurses give three doses of ketamine at 5-minute intervals.", "schedule_phases",
            {"frequency": 1, "period": 5, "period_unit": "min"}))
def _at_intervals(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    at = s.has(cue("interval_leads"), i, joined=False)
    if at is None:
        return None
    plural = s.has(cue("interval_plurals"), at)
    if plural is not None:  # "at intervals of 2 weeks"
        of = s.has(cue("of_words"), plural)
        amount = _amount_unit(s, of, True) if of is not None else None
        return _spacing(s, i, amount[2], amount[0], amount[1]) if amount else None
    amount = _amount_unit(s, at, True)  # "at 5-minute intervals"
    end = s.has(cue("interval_plurals"), amount[2]) if amount else None
    return _spacing(s, i, end, amount[0], amount[1]) if amount else None


def _pause_object(s: Stream, j: int, cues: ScheduleCues) -> int | None:
    """"after each device", "between doses": past the administration the pause follows."""
    relation = s.has(cue("pause_relations"), j)
    if relation is None:
        return None
    return administration(s, s.skip(cue("pause_determiners"), relation), cues)


@TIMING_RULES.rule(
    "pause-between-administrations",
    Example("Ketamine therapy\n\nEach visit means 2 or 3 devices of the spray, with a 5-minute rest after each device.",
            "schedule_phases", {"label": "session", "count": 2, "count_max": 3, "period": 5, "period_unit": "min"}),
    Example("Ketamine therapy\n\nNurses give four injections with a break of 10 minutes between injections.",
            "schedule_phases", {"label": "session", "count": 4, "period": 10, "period_unit": "min"}))
def _pause(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    j, joined = (article, True) if article is not None else (i, False)
    noun = s.has(cue("interval_nouns"), j, joined)
    if noun is not None:  # "a break of 10 minutes between doses"
        of = s.has(cue("of_words"), noun)
        amount = _amount_unit(s, of, True) if of is not None else None
        end = _pause_object(s, amount[2], cues) if amount else None
    else:  # "a 5-minute rest after each device"
        amount = _amount_unit(s, j, joined)
        rest = s.has(cue("interval_nouns"), amount[2]) if amount else None
        end = _pause_object(s, rest, cues) if rest is not None else None
    return _spacing(s, i, end, amount[0], amount[1]) if amount else None


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


@TIMING_RULES.rule(
    "named-weekdays",
    Example("Ketamine therapy\n\nInfusions are given on Mondays, Wednesdays and Fridays.", "schedule_phases",
            {"frequency": 3, "period": 1, "period_unit": "wk"}),
    Example("Ketamine therapy\n\nThe protocol is an infusion on Monday, Wednesday and Friday for two weeks.",
            "schedule_phases", {"frequency": 3, "period_unit": "wk", "bounds_high": 2}),
    Example("Ketamine therapy\n\nYour first infusion is on Monday.", "schedules", {}, absent=True))
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


def _count(s: Stream, i: int, end: int, number: NumberSpan, qualifier: str | None,
           cues: ScheduleCues) -> Element | None:
    """A count element over tokens i .. end - 1 ("up to 6 infusions" counts 1 to 6)."""
    if number.low < 1 or not float(number.low).is_integer() or blocked(s, i, cues):
        return None
    lower = qualifier == LOWER or s.ends_before(LOWER, i) is not None
    if s.ends_before(cue("rate_limits"), i) is not None or (lower and number.high == 1):
        return None  # "more than 10 treatments" compares; "at least 1 dose" is a condition
    if s.has(cue("administration_compounds"), end) is not None:
        return None  # "two treatment sequences", "four treatment options"
    low, high = _whole(number.low), _whole(number.high)
    if qualifier == UPPER:
        low = 1
    start, stop = s.span(i, end)
    return Element("count", start, stop, Timing(count=low, count_max=high if high != low else None), tier=1)


@TIMING_RULES.rule(
    "course-of-administrations",
    Example("Ketamine therapy\n\nPatients get a course of eight sessions.", "schedule_phases", {"count": 8}))
def _course_of(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("articles"), i, joined=False)
    j, joined = (article, True) if article is not None else (i, False)
    course = s.has(cue("course_nouns"), j, joined)
    if course is None and s.word(j, joined) and s.has(UNITS, j, joined) is None:  # "a full course of"
        course = s.has(cue("course_nouns"), j + 1)
    of = s.has(cue("of_words"), course) if course is not None else None
    if of is None:
        return None
    qualifier, j = _qualifier(s, of)
    number = s.number(j)
    end = administration(s, j + 1 if number is not None else j, cues)
    if end is None:
        return None
    if number is None:
        start, stop = s.span(i, end)
        return Element("course", start, stop, tier=1)
    return _count(s, i, end, number, qualifier, cues)


@TIMING_RULES.rule(
    "administration-course",
    Example("Ketamine therapy\n\nThe clinic offers a six-infusion series.", "schedule_phases", {"count": 6}))
def _administration_course(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    j = article if article is not None else i
    number = s.number(j, joined=article is not None)
    noun = s.has(ADMINISTRATIONS, j + 1) if number is not None else None
    end = s.has(cue("course_nouns"), noun) if noun is not None else None
    return _count(s, i, end, number, None, cues) if end is not None and number is not None else None


@TIMING_RULES.rule(
    "count-of-administrations",
    Example("Ketamine therapy\n\nEach infusion is priced at $450, and most patients need 4 to 6 infusions.",
            "schedule_phases", {"count": 4, "count_max": 6}),
    Example("Ketamine therapy\n\nMost people feel better within two doses.", "schedules", {}, absent=True),
    Example("Ketamine therapy\n\nA third of the patients had received more than 10 ketamine treatments.", "schedules",
            {}, absent=True),
    Example("Ketamine therapy\n\nParticipants were randomized to one of two treatment sequences of ketamine.",
            "schedules", {}, absent=True))
def _count_rule(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    qualifier = next((name for name in QUALIFIERS if s.has(name, i, joined=False) is not None), None)
    j = s.has(qualifier, i, joined=False) if qualifier else i
    if j is None:
        return None
    ranged = between(s, j, joined=qualifier is not None)
    number = ranged[0] if ranged else s.number(j, joined=qualifier is not None)
    after = ranged[1] if ranged else j + 1
    end = administration(s, after, cues) if number is not None else None
    return _count(s, i, end, number, qualifier, cues) if end is not None and number is not None else None


@TIMING_RULES.rule(
    "number-of-times-over-a-length",
    Example("Ketamine therapy\n\nKetamine was infused six times over two weeks.", "schedule_phases",
            {"count": 6, "bounds_low": 2, "bounds_high": 2, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nPatients given ketamine were three times more likely to respond.", "schedules",
            {}, absent=True))
def _times_over(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    number = s.number(i, COUNTABLE + TIMES, joined=False)
    if number is None:
        return None
    end = s.skip(cue("times_words"), i + 1)
    if (end == i + 1 and number.kind not in TIMES) or s.has(cue("bounds_prepositions"), end) is None:
        return None
    return _count(s, i, end, number, None, cues)


@TIMING_RULES.rule(
    "single-administration",
    Example("Ketamine therapy\n\nThe trial gave a single infusion of ketamine.", "schedule_phases", {"count": 1}),
    Example("Ketamine therapy\n\nAt each appointment you take one dose.", "schedules", {}, absent=True))
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
    rest = s.text[end:s.end]
    stripped = rest.lstrip(" \t")
    if stripped.startswith("+"):
        return end + len(rest) - len(stripped) + 1, j, True
    if rest[:1].isalnum() or rest[:1] == "-":
        return None
    return end, j, False


@TIMING_RULES.rule(
    "position-in-the-schedule",
    Example("Ketamine therapy\n\nWeeks 1 to 4: two ketamine doses per week.", "schedule_phases",
            {"frequency": 2, "bounds_low": 4, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nWeek 9 and after: one ketamine dose every 2 weeks.", "schedule_phases",
            {"period": 2, "bounds_unit": None}))
def _position(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    if s.ends_before(cue("position_blockers"), i) is not None:
        return None  # "After Day 15": a point in time
    opened = s.has(cue("position_open_starts"), i, joined=False)
    unit = _unit(s, opened if opened is not None else i, cue("position_units"), joined=opened is not None)
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


@TIMING_RULES.rule(
    "length",
    Example("Ketamine therapy\n\nPatients are treated twice a week for one to four weeks.", "schedule_phases",
            {"bounds_low": 1, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nInfusions are given twice a week for up to 6 weeks.", "schedule_phases",
            {"bounds_low": None, "bounds_high": 6, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nIts effects last one to two weeks for many people.", "schedules", {}, absent=True))
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
    qualifier, j = _qualifier(s, j)
    reading = next(((amount, unit) for amount, after in _length_amounts(s, j, position is not None)
                    if (unit := _unit(s, after)) is not None), None)
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


@TIMING_RULES.rule(
    "length-of-a-course",
    Example("Ketamine therapy\n\nThe clinic offers a six-week program of ketamine infusions.", "schedule_phases",
            {"bounds_low": 6, "bounds_high": 6, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nIt is a four-week course of eight sessions.", "schedule_phases",
            {"count": 8, "bounds_high": 4, "bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nShe finished a six-week course of antibiotics before it.", "schedules", {},
            absent=True))
def _course_length(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    article = s.has(cue("indefinite_articles"), i, joined=False)
    number = s.number(article) if article is not None else None
    unit = _unit(s, article + 1) if number is not None and article is not None else None
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
                timing = replace(timing, count=_whole(counted.low),
                                 count_max=_whole(counted.high) if counted.high != counted.low else None)
    start, stop = s.span(i, end)
    return Element("bounds", start, stop, timing, tier=1)


def _bare_adverb(s: Stream, i: int) -> Element | None:
    """A rate adverb alone at token i, marked as an alternative when "or" stands beside it."""
    adverb = s.phrase(ADVERBS, i, joined=False)
    if adverb is None or (i > 0 and s.gap(i) == "-"):
        return None
    period, unit = _adverb_period(adverb[0].value)
    rate = _rate(s, i, adverb[1], None, None, (period, period), unit, tier=3)
    if rate is None:
        return None
    or_before = s.ends_before(cue("alternative_words"), i) is not None
    after = adverb[1]
    or_after = s.has(cue("alternative_words"), after) is not None or (
        s.gap(after).strip() == "," and s.has(cue("alternative_words"), after, joined=False) is not None)
    return replace(rate, alternative=or_before or or_after)


@TIMING_RULES.rule(
    "adverb-before-a-medicine",
    Example("Treatment\n\nThe combination of ketamine infusions plus daily Lexapro helps.", "schedules",
            {"drug": "escitalopram"}),
    Example("Treatment\n\nWant to augment daily medication like Lexapro?", "schedules", {"drug": "antidepressant"}))
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
            period, unit = _adverb_period(adverb[0].value)
            return _rate(s, i, end, None, None, (period, period), unit, tier=3)
    return None


def _example(s: Stream, j: int) -> int:
    """Past ", like Lexapro" after a medicine noun, if it follows."""
    marker = s.phrase(cue("example_markers"), j, joined=s.gap(j).strip() != ",")
    drug = s.has(DRUGS, marker[1]) if marker else None
    return drug if drug is not None else j


@TIMING_RULES.rule(
    "adverb-after-a-giving",
    Example("Ketamine therapy\n\nOral ketamine is taken daily.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_unit": "d"}))
def _adverb_after_giving(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    if not any(s.ends_before(name, i) is not None for name in (ADMINISTRATIONS, DRUGS, VERBS)):
        return None
    adverb = _bare_adverb(s, i)
    return replace(adverb, alternative=False) if adverb else None


@TIMING_RULES.rule(
    "adverb-before-a-length",
    Example("Ketamine therapy\n\nKetamine infusions are given twice a week, then weekly for four weeks.",
            "schedule_phases", {"frequency": 1, "period_unit": "wk", "bounds_high": 4}))
def _adverb_before_length(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    adverb = _bare_adverb(s, i)
    if adverb is None or s.has(cue("adverb_followers"), s.index_at(adverb.end)) is None:
        return None
    return adverb


@TIMING_RULES.rule(
    "adverb-after-then",
    Example("Ketamine therapy\n\nKetamine infusions are given twice a week for a month, then weekly.",
            "schedule_phases", {"frequency": 1, "period": 1, "period_unit": "wk", "bounds_unit": None}))
def _adverb_after_then(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    return _bare_adverb(s, i) if s.ends_before(cue("adverb_leads"), i) is not None else None


@TIMING_RULES.rule(
    "adverb-beside-or",
    Example("Ketamine therapy\n\nBooster infusions are given every 2 weeks or weekly.", "schedule_phases",
            {"frequency": 1, "period": 1, "period_max": 2, "period_unit": "wk"}))
def _adverb_beside_or(s: Stream, i: int, cues: ScheduleCues) -> Element | None:
    adverb = _bare_adverb(s, i)
    return adverb if adverb is not None and adverb.alternative else None


@TIMING_RULES.rule(
    "as-needed",
    Example("Ketamine therapy\n\nAfter that, booster infusions are given on an as-needed basis.", "schedule_phases",
            {"label": "maintenance", "as_needed": True}),
    Example("Ketamine therapy\n\nPsychiatrists monitor the response, adjusting treatment as needed.", "schedules",
            {}, absent=True),
    Example("Ketamine therapy\n\nIf needed, a dose reduction of ketamine was permitted.", "schedules", {},
            absent=True))
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
