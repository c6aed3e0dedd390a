"""One sentence + schedule cues + numbers -> timing elements (rates, counts, lengths, as-needed, labels, connectors)."""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import accumulate
from typing import Any

from pipeline.extract.numbers import NumberSpan, find_numbers
from pipeline.extract.phrases import DisjointSpans, runs_back
from pipeline.records import Timing as TimingFields

# Numbers are masked in the sentence before matching: the first character of a number span
# becomes a kind mark (private-use code points, never a word character), the rest a filler,
# so that offsets stay exact and the patterns below can say "a number" without re-parsing.
_MARKS = {"digits": "\ue000", "words": "\ue000", "range": "\ue000", "times": "\ue001", "ordinal": "\ue002"}
_OTHER_MARK = "\ue003"
_FILL = "\ue00f"
NUM = "\ue000\ue00f*"
TIMES = "\ue001\ue00f*"
ORD = "\ue002\ue00f*"
_LEFT = r"(?<![\w\-\ue000-\ue00f])"
_RIGHT = r"(?![\w\-])"

TIMING_GROUPS = ("rate", "count", "bounds", "as_needed")
UNIT_PER_WEEK = {"min": 10080.0, "h": 168.0, "d": 7.0, "wk": 1.0, "mo": 12 / 52, "a": 1 / 52}


@dataclass(frozen=True)
class Timing(TimingFields):
    """The FHIR Timing.repeat fields one element or phase states, and which groups of them it states."""

    def groups(self) -> frozenset[str]:
        """Which of rate, count, bounds and as_needed are stated."""
        found = set()
        if self.frequency is not None or self.period_unit is not None:
            found.add("rate")
        if self.count is not None:
            found.add("count")
        if self.bounds_unit is not None:
            found.add("bounds")
        if self.as_needed:
            found.add("as_needed")
        return frozenset(found)

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

    kind: rate, count, course, bounds, position, as-needed, label, connector, open-end.
    """

    kind: str
    start: int
    end: int
    timing: Timing = Timing()
    label: str | None = None
    header: bool = False  # a label that heads what follows ("Maintenance phase:")
    vague: bool = False  # a length without a number ("over several weeks")
    open_ended: bool = False  # a position with no end ("Week 9 and after")
    position: tuple[float, float | None, str] | None = None  # first and last unit of a position, and the unit
    alternative: bool = False  # a bare rate adverb that counts only beside another rate ("weekly or every ...")


@dataclass(frozen=True)
class Grammar:
    """Compiled patterns of one cue set."""

    rates: tuple[re.Pattern[str], ...]
    strong_rates: int  # how many of rates are read first (the rest are bare adverbs, read last)
    counts: tuple[re.Pattern[str], ...]
    bounds: re.Pattern[str]
    position: re.Pattern[str]
    as_needed: re.Pattern[str]
    labels: tuple[tuple[str, re.Pattern[str]], ...]
    header: re.Pattern[str]
    label_block: re.Pattern[str]
    connectors: re.Pattern[str]
    open_ends: re.Pattern[str]
    administration: re.Pattern[str]
    verbs: re.Pattern[str]
    administration_end: re.Pattern[str]
    course_word: re.Pattern[str]
    rate_limit_end: re.Pattern[str]
    administration_runs: int  # runs of non-white-space an administration phrase spans at most
    rate_limit_runs: int
    administration_after: re.Pattern[str]  # " [modifiers] infusions" right after a phase
    price: re.Pattern[str]  # a word of cost ("costs", "fee")
    generic_medication: re.Pattern[str]  # "medicine", "medication", ...
    weekdays: re.Pattern[str]  # "on Mondays and Thursdays", "every Tuesday"
    cues: dict[str, Any]


def _alt(words: list[str] | tuple[str, ...]) -> str:
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace(r"\-", r"[\s-]") for w in ordered)


def _words(phrases: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"{_LEFT}(?:{_alt(phrases)}){_RIGHT}", re.IGNORECASE)


@lru_cache(maxsize=8)
def _compile(cue_json: str, drug_words: tuple[str, ...], route_words: tuple[str, ...]) -> Grammar:
    cues = json.loads(cue_json)
    unit = _alt(list(cues["units"]))
    adverb = _alt(list(cues["rate_adverbs"]))
    admin = _alt(cues["administrations"])
    drug = _alt(drug_words) if drug_words else "(?!)"
    modifier = _alt([*cues["count_modifiers"], *drug_words, *route_words])
    mods = rf"(?:(?:{modifier})\s+){{0,3}}"
    course = _alt(cues["course_nouns"])
    qualifier = _alt([*cues["upper_bounds"], *cues["lower_bounds"], *cues["approximations"]])
    head = _alt([*cues["administrations"], *drug_words, *cues["generic_medications"]])
    example = _alt(cues["example_markers"])
    verbs = _alt(cues["administration_verbs"])
    alternate = _alt(list(cues["alternate_words"]))
    approx = rf"(?:(?:{_alt(cues['approximations'])})\s+)?"
    pause = _alt(cues.get("interval_nouns") or []) or "(?!)"
    times = rf"(?P<f>{NUM}|{TIMES})(?:\s+or\s+(?P<f2>{NUM}|{TIMES}))?"
    strong = (
        # "twice a week", "three times per month", "2-3 infusions a week"
        rf"{_LEFT}{times}(?:\s+times|\s*[x×])?(?:\s+{mods}(?:{admin}))?(?:\s+(?:a|an|per|each|every)\s+|\s*/\s*)"
        rf"(?P<u>{unit}){_RIGHT}",
        # "twice weekly", "twice-weekly", "three times daily"
        rf"{_LEFT}{times}(?:\s+times)?(?:\s+|-)(?P<adv>{adverb}){_RIGHT}",
        # "every 1-3 months", "once every two weeks", "every other week", "two sessions each week"
        rf"{_LEFT}(?:{times}\s+(?:{mods}(?:{admin})\s+)?)?(?:every|each)\s+"
        rf"(?:{approx}(?P<p>{NUM})\s+|(?P<alt>{alternate})\s+)?(?P<u>{unit}){_RIGHT}",
        # "three infusions the first week", "two in the second week"
        rf"{_LEFT}(?P<f>{NUM})(?:\s+{mods}(?:{admin}))?\s+(?:(?:in|during|over|for|on)\s+)?the\s+(?P<o>{ORD})\s+"
        rf"(?P<u>{unit}){_RIGHT}",
        # "each dose spaced five minutes apart", "at 5-minute intervals", "at intervals of 2 weeks"
        rf"{_LEFT}(?:(?:each|every)\s+(?:{admin})\s+)?(?:(?:spaced|given|administered|taken|separated|delivered)"
        rf"\s+(?:out\s+)?)?{approx}(?P<p>{NUM})\s+(?P<u>{unit})\s+apart{_RIGHT}",
        rf"{_LEFT}at\s+{approx}(?P<p>{NUM})[\s-](?P<u>{unit})\s+intervals{_RIGHT}",
        rf"{_LEFT}at\s+intervals\s+of\s+{approx}(?P<p>{NUM})\s+(?P<u>{unit}){_RIGHT}",
        # "a 5-minute rest after each device", "a break of 10 minutes between doses": a pause between administrations
        rf"{_LEFT}(?:an?\s+)?{approx}(?P<p>{NUM})[\s-](?P<u>{unit})\s+(?:{pause})\s+(?:after|between)\s+"
        rf"(?:(?:each|every|the)\s+)?{mods}(?:{admin}){_RIGHT}",
        rf"{_LEFT}(?:an?\s+)?(?:{pause})\s+of\s+{approx}(?P<p>{NUM})\s+(?P<u>{unit})\s+(?:after|between)\s+"
        rf"(?:(?:each|every|the)\s+)?{mods}(?:{admin}){_RIGHT}",
    )
    weak = (
        # "daily Lexapro", "weekly infusions", "daily medication like Lexapro"
        rf"{_LEFT}(?P<adv>{adverb})\s+(?:[\w'’-]+\s+){{0,2}}?(?:{head}){_RIGHT}"
        rf"(?:\s*,?\s+(?:{example})\s+(?:{drug}){_RIGHT})?",
        # "infusions weekly", "taken daily" (the element is the adverb alone)
        rf"{_LEFT}(?:{admin}|{drug}|{verbs})\s+(?P<padv>{adverb}){_RIGHT}",
        # "weekly during weeks 5-8", "then weekly": a bare adverb that a length follows or a connector precedes
        rf"{_LEFT}(?P<adv>{adverb})(?=\s+(?:for|during|over|until|through|in)\s)",
        rf"(?<=\bthen\s)(?P<adv>{adverb}){_RIGHT}",
        # "weekly or every other week", "every 2 weeks or weekly": a bare adverb beside another rate
        rf"{_LEFT}(?P<adv>{adverb}){_RIGHT}(?=\s*,?\s+or\s)",
        rf"(?<=\sor\s)(?P<adv>{adverb}){_RIGHT}",
    )
    rates = (*strong, *weak)
    counts = (
        # "a course of eight sessions", "a total of 6 infusions", "a series of treatments"
        rf"{_LEFT}(?:(?:an?|the)\s+)?(?:[\w-]+\s+)?(?:{course})\s+of\s+(?:(?P<q>{qualifier})\s+)?(?:(?P<c>{NUM})\s+)?"
        rf"{mods}(?:{admin}){_RIGHT}",
        # "a six-infusion series"
        rf"{_LEFT}(?:an?\s+)?(?P<c>{NUM})[\s-](?:{admin})\s+(?:{course}){_RIGHT}",
        # "4-6 initial ketamine infusions", "three doses"
        rf"{_LEFT}(?:(?P<q>{qualifier})\s+)?(?P<c>{NUM})\s+{mods}(?:{admin}){_RIGHT}",
    )
    bounds = (
        rf"{_LEFT}(?P<prep>{_alt(cues['bounds_prepositions'])})\s+(?:(?:the|a\s+period\s+of)\s+)?"
        rf"(?:(?P<pos>{_alt(cues['bounds_positions'])}|{ORD})\s+)?(?:(?P<q>{qualifier})\s+)?"
        rf"(?:(?P<n>{NUM})|(?P<one>an?)|(?P<vague>{_alt(cues['vague_amounts'])}))?[\s-]*(?P<u>{unit}){_RIGHT}")
    open_start = _alt(cues.get("position_open_starts") or []) or "(?!)"
    position_units = _alt(list(cues["position_units"]))
    range_words = _alt(cues["position_range_words"])
    position = (
        rf"{_LEFT}(?:(?P<from>{open_start})\s+)?(?P<u>{position_units})\s+(?P<n>{NUM})"
        rf"(?:\s+(?:{range_words})\s+(?P<n2>{NUM}))?"
        rf"(?P<open>\s*\+|\s+(?:{_alt(cues['position_open_ends'])}){_RIGHT})?(?![\w\-\ue000-\ue00f])")
    labels = tuple((label, _words(words)) for label, words in cues["labels"].items())
    all_labels = _alt([w for words in cues["labels"].values() for w in words])
    # "Maintenance phase:", and a label with the position of its row: "Maintenance phase, weeks 5 to 8:"
    row_position = rf"(?:{position_units})\s+{NUM}(?:\s+(?:{range_words})\s+{NUM})?"
    header = (rf"{_LEFT}(?:{all_labels})(?:\s+(?:{_alt(cues['label_nouns'])}))?"
              rf"(?:\s*[,(\u2013\u2014-]?\s*{row_position}\)?)?\s*:")
    label_block = rf"\s*(?:the\s+)?(?:{all_labels})(?:\s+(?:{_alt(cues['label_nouns'])}))?(?:\s*\([^)]*\))?\s*:?\s*"
    connectors = "|".join(f"(?:{c})" for c in cues["sequence_connectors"])
    flags = re.IGNORECASE
    return Grammar(
        rates=tuple(re.compile(p, flags) for p in rates),
        strong_rates=len(strong),
        counts=tuple(re.compile(p, flags) for p in counts),
        bounds=re.compile(bounds, flags),
        position=re.compile(position, flags),
        as_needed=re.compile(rf"{_LEFT}(?:{_alt(cues['as_needed'])})(?:\s+basis)?{_RIGHT}", flags),
        labels=labels,
        header=re.compile(header, flags),
        label_block=re.compile(label_block, flags),
        connectors=re.compile(rf"{_LEFT}(?:{connectors}){_RIGHT}", flags),
        open_ends=_words(cues["open_ends"]),
        administration=re.compile(rf"{_LEFT}(?:{admin}|{verbs}){_RIGHT}", flags),
        verbs=re.compile(rf"{_LEFT}(?:{verbs}){_RIGHT}", flags),
        course_word=re.compile(rf"(?<!\bof\s){_LEFT}(?:{course}){_RIGHT}", flags),
        administration_end=re.compile(rf"{_LEFT}(?:{admin})\s+$", flags),
        rate_limit_end=re.compile(rf"{_LEFT}(?:{_alt(cues['rate_limits'])})\s+$", flags),
        administration_runs=_runs(cues["administrations"]),
        rate_limit_runs=_runs(cues["rate_limits"]),
        administration_after=re.compile(
            rf"\s+(?:(?:{'|'.join(re.escape(m) for m in cues['count_modifiers'])})\s+){{0,2}}"
            rf"(?:{'|'.join(re.escape(a) for a in sorted(cues['administrations'], key=len, reverse=True))})(?![\w-])",
            flags),
        price=_words(cues["price_words"]) if cues.get("price_words") else re.compile("(?!)"),
        generic_medication=_words(cues["generic_medications"]),
        weekdays=_weekdays(cues),
        cues=cues)


def _weekdays(cues: dict[str, Any]) -> re.Pattern[str]:
    """"on Mondays and Thursdays", "every Tuesday", "on Mondays, Wednesdays and Fridays": named weekdays."""
    words = [*(cues.get("weekdays") or {}), *(cues.get("weekdays_recurring") or {})]
    if not words:
        return re.compile("(?!)")
    day = rf"(?:{_alt(words)}){_RIGHT}"
    days = rf"{day}(?:\s*,\s*{day})*(?:\s*,?\s+(?:and|&)\s+{day})?"
    return re.compile(rf"{_LEFT}(?:(?P<every>every|each)\s+|on\s+)?(?P<days>{days})", re.IGNORECASE)


def _runs(phrases: list[str]) -> int:
    """Runs of non-white-space characters a match of one of the phrases spans at most (_alt lets a hyphen
    match white space)."""
    return max((len(re.split(r"[\s-]+", p.strip())) for p in phrases), default=1)


def grammar(cues: dict[str, Any], drug_words: tuple[str, ...], route_words: tuple[str, ...]) -> Grammar:
    """Schedule cues + drug and route synonyms -> compiled patterns (cached)."""
    public = {k: v for k, v in cues.items() if k != "numbers"}
    return _compile(json.dumps(public, sort_keys=True), tuple(sorted(drug_words)), tuple(sorted(route_words)))


def mask(text: str, start: int, end: int, numbers: list[NumberSpan]) -> tuple[str, dict[int, NumberSpan]]:
    """text[start:end] with every number replaced by its kind mark and filler; numbers by masked offset."""
    chars = list(text[start:end])
    by_offset = {}
    for number in numbers:
        offset = number.start - start
        chars[offset] = _MARKS.get(number.kind, _OTHER_MARK)
        for i in range(offset + 1, number.end - start):
            chars[i] = _FILL
        by_offset[offset] = number
    return "".join(chars), by_offset


_MULTIPLIER = re.compile(r"(?<![\w.])(\d{1,2})\s?[x×](?![\w])")


@dataclass(frozen=True)
class _Occupied:
    """Spans, overlapping or not: whether one of them overlaps a stretch or holds a position, in log time."""

    starts: list[int]
    reach: list[int]  # running maximum of the ends, by start

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> _Occupied:
        ordered = sorted(spans)
        return cls([s for s, _ in ordered], list(accumulate((e for _, e in ordered), max)))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a span overlaps start-end (touching does not count)."""
        before = bisect_left(self.starts, end)
        return before > 0 and self.reach[before - 1] > start

    def holds(self, position: int) -> bool:
        before = bisect_right(self.starts, position)
        return before > 0 and self.reach[before - 1] > position


def _multipliers(text: str, start: int, end: int, numbers: list[NumberSpan]) -> list[NumberSpan]:
    """"2x per week": a digit glued to x is a number of times (the shared number finder leaves it out)."""
    found = []
    taken = _Occupied.of((n.start, n.end) for n in numbers)
    for match in _MULTIPLIER.finditer(text, start, end):
        if not taken.overlaps(match.start(), match.end()):
            value = float(match.group(1))
            found.append(NumberSpan(match.start(), match.end(), value, value, "times"))
    return found


def _int(value: float) -> int:
    return round(value)


_WORDS = re.compile(r"[\w'-]+")
_OR_BEFORE = re.compile(r"\sor\s*$")
_OR_AFTER = re.compile(r"\s*,?\s+or\s")


def _ends_with(pattern: re.Pattern[str], masked: str, position: int, runs: int) -> bool:
    """Whether pattern (ending in $) matches masked[:position]: a match spanning at most runs runs of
    non-white-space (and maybe the white space before them) starts within the last ones, so only they are
    searched."""
    return bool(pattern.search(masked, max(0, runs_back(masked, position, runs) - 1), position))


def _last_words(masked: str, position: int, count: int) -> list[str]:
    """The last count words of masked[:position], lower-cased, read from as few runs before it as hold them."""
    runs = count
    while True:
        start = runs_back(masked, position, runs)
        found = _WORDS.findall(masked[start:position].lower())
        if len(found) >= count or start == 0:
            return found[-count:]
        runs *= 2


def _trimmed(masked: str, match: re.Match[str]) -> tuple[int, int]:
    start, end = match.start(), match.end()
    while end > start and masked[end - 1] in " ,\t\n":
        end -= 1
    return start, end


@dataclass(frozen=True)
class _Reader:
    """Reads elements out of one masked sentence (offset: where the sentence starts in the document)."""

    g: Grammar
    masked: str
    numbers: dict[int, NumberSpan]
    offset: int

    def number(self, match: re.Match[str], group: str) -> NumberSpan | None:
        if match.group(group) is None:
            return None
        return self.numbers[match.start(group)]

    def unit(self, word: str) -> str:
        return {k.lower(): v for k, v in self.g.cues["units"].items()}[re.sub(r"\s+", " ", word.lower())]

    def element(self, kind: str, match: re.Match[str], timing: Timing, **extra: Any) -> Element:
        start, end = _trimmed(self.masked, match)
        return Element(kind, start + self.offset, end + self.offset, timing, **extra)

    def preceding_words(self, position: int, count: int) -> list[str]:
        return _last_words(self.masked, position, count)

    def rate(self, match: re.Match[str]) -> Element | None:
        if _ends_with(self.g.rate_limit_end, self.masked, match.start(), self.g.rate_limit_runs):
            return None  # "not more than once a week" is a limit, not a schedule
        groups = match.groupdict()
        f = self.number(match, "f") if groups.get("f") else None
        f2 = self.number(match, "f2") if groups.get("f2") else None
        low = _int(f.low) if f else 1
        high = _int(f2.high if f2 else f.high) if f else 1
        if groups.get("padv"):
            period, unit = self.g.cues["rate_adverbs"][groups["padv"].lower()]
            timing = Timing(frequency=1, period=float(period), period_unit=unit)
            return Element("rate", match.start("padv") + self.offset, match.end("padv") + self.offset, timing)
        if groups.get("adv"):
            period, unit = self.g.cues["rate_adverbs"][re.sub(r"\s+", " ", groups["adv"].lower())]
            timing = Timing(frequency=low, frequency_max=high if high != low else None, period=float(period),
                            period_unit=unit)
            # a bare adverb before "or" / after "or" counts only when it joins the rate beside it
            alternative = match.group() == groups["adv"] and bool(
                _ends_with(_OR_BEFORE, self.masked, match.start(), 1) or _OR_AFTER.match(self.masked, match.end()))
            return self.element("rate", match, timing, alternative=alternative)
        unit = self.unit(groups["u"])
        if groups.get("o"):
            # "three infusions the first week": N per one unit, for one unit.
            timing = Timing(frequency=low, frequency_max=high if high != low else None, period=1.0,
                            period_unit=unit, bounds_low=1.0, bounds_high=1.0, bounds_unit=unit)
            return self.element("rate", match, timing)
        p = self.number(match, "p") if groups.get("p") else None
        if p is not None and p.kind in ("times", "ordinal"):
            return None
        if groups.get("alt"):
            period_low = period_high = float(self.g.cues["alternate_words"][groups["alt"].lower()])
        else:
            period_low, period_high = (p.low, p.high) if p else (1.0, 1.0)
        if low < 1 or period_low <= 0:
            return None
        timing = Timing(frequency=low, frequency_max=high if high != low else None, period=period_low,
                        period_max=period_high if period_high != period_low else None, period_unit=unit)
        return self.element("rate", match, timing)

    def weekdays(self, match: re.Match[str]) -> Element | None:
        """Named weekdays -> that many administrations a week, when they recur ("every Tuesday", "on
        Mondays"); a single day ("on Monday") is a date, not a rate."""
        singular = {k.lower(): v for k, v in (self.g.cues.get("weekdays") or {}).items()}
        plural = {k.lower(): v for k, v in (self.g.cues.get("weekdays_recurring") or {}).items()}
        named = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group("days"))
                 if w.lower() in singular or w.lower() in plural]
        if not match.group("every") and not all(w in plural for w in named):
            return None
        days = {singular.get(w) or plural[w] for w in named}
        return self.element("rate", match, Timing(frequency=len(days), period=1.0, period_unit="wk"))

    def count(self, match: re.Match[str]) -> Element | None:
        c = self.number(match, "c")
        if c is None:
            return self.element("course", match, Timing())
        if c.kind not in ("digits", "words", "range") or c.low < 1 or not float(c.low).is_integer():
            return None
        blockers = set(self.g.cues["count_blockers"])
        if set(self.preceding_words(match.start(), 1)) & blockers:
            return None
        qualifier = (match.group("q") or "").lower()
        low, high = _int(c.low), _int(c.high)
        if qualifier and re.sub(r"\s+", " ", qualifier) in self.g.cues["upper_bounds"]:
            low, high = 1, high
        timing = Timing(count=low, count_max=high if high != low else None)
        return self.element("count", match, timing)

    def bounds(self, match: re.Match[str]) -> Element | None:
        prep = re.sub(r"\s+", " ", match.group("prep").lower())
        position = match.group("pos")
        if prep in self.g.cues["bounds_ordinal_only"] and not position \
                and not _ends_with(self.g.administration_end, self.masked, match.start(), self.g.administration_runs):
            return None
        unit = self.unit(match.group("u"))
        qualifier = re.sub(r"\s+", " ", (match.group("q") or "").lower())
        n = self.number(match, "n")
        if n is not None:
            if n.kind not in ("digits", "words", "range"):
                return None
            low, high = n.low, n.high
        elif match.group("one") or (position and not match.group("vague")):
            low = high = 1.0
        elif match.group("vague"):
            return self.element("bounds", match, Timing(bounds_unit=unit), vague=True)
        else:
            return None
        if qualifier in self.g.cues["upper_bounds"]:
            low = None
        elif qualifier in self.g.cues["lower_bounds"]:
            high = None
        return self.element("bounds", match, Timing(bounds_low=low, bounds_high=high, bounds_unit=unit))

    def position(self, match: re.Match[str]) -> Element:
        unit = self.g.cues["position_units"][match.group("u").lower()]
        first = self.number(match, "n")
        last = self.number(match, "n2") or first
        if match.group("open") or match.group("from"):
            return self.element("position", match, Timing(), open_ended=True, position=(first.low, None, unit))
        length = float(last.high - first.low + 1)
        return self.element("position", match, Timing(bounds_low=length, bounds_high=length, bounds_unit=unit),
                            position=(first.low, last.high, unit))


def _select(candidates: list[tuple[int, Element]]) -> list[Element]:
    """Non-overlapping elements: better tier first, then longer, then leftmost."""
    taken = DisjointSpans()
    chosen = [element for _, element in sorted(candidates, key=lambda c: (c[0], c[1].start - c[1].end, c[1].start))
              if taken.add(element.start, element.end)]
    return sorted(chosen, key=lambda e: e.start)


def _merge_alternatives(masked: str, offset: int, elements: list[Element]) -> list[Element]:
    """"every 2 weeks or once weekly", "twice a week or once a week": one rate with a range."""
    result: list[Element] = []
    for element in elements:
        previous = result[-1] if result else None
        if previous is not None and previous.kind == element.kind == "rate" \
                and re.fullmatch(r"\s*,?\s*or\s+", masked[previous.end - offset:element.start - offset]):
            a, b = previous.timing, element.timing
            if a.period_unit == b.period_unit and a.bounds_unit is None and b.bounds_unit is None:
                frequencies = [v for v in (a.frequency, a.frequency_max, b.frequency, b.frequency_max) if v]
                periods = [v for v in (a.period, a.period_max, b.period, b.period_max) if v]
                low_f, high_f, low_p, high_p = min(frequencies), max(frequencies), min(periods), max(periods)
                merged = Timing(frequency=low_f, frequency_max=high_f if high_f != low_f else None, period=low_p,
                                period_max=high_p if high_p != low_p else None, period_unit=a.period_unit)
                result[-1] = Element("rate", previous.start, element.end, merged)
                continue
        result.append(element)
    return [e for e in result if not e.alternative]


def read_elements(text: str, start: int, end: int, g: Grammar, number_cues: dict[str, Any]) -> list[Element]:
    """A sentence text[start:end] -> its elements in text order (timing elements never overlap)."""
    numbers = find_numbers(text, number_cues, start, end) if number_cues else []
    numbers += _multipliers(text, start, end, numbers)
    masked, by_offset = mask(text, start, end, numbers)
    reader = _Reader(g, masked, by_offset, start)
    candidates: list[tuple[int, Element]] = []
    strong = g.strong_rates
    for tier, patterns, build in ((0, g.rates[:strong], reader.rate), (0, (g.weekdays,), reader.weekdays),
                                  (1, g.counts, reader.count),
                                  (1, (g.position,), reader.position), (2, (g.bounds,), reader.bounds),
                                  (3, g.rates[strong:], reader.rate)):
        for pattern in patterns:
            for match in pattern.finditer(masked):
                element = build(match)
                if element is not None:
                    candidates.append((tier, element))
    for match in g.as_needed.finditer(masked):
        blockers = set(g.cues["as_needed_blockers"])
        if not set(reader.preceding_words(match.start(), 3)) & blockers:
            candidates.append((3, reader.element("as-needed", match, Timing(as_needed=True))))
    timing = _merge_alternatives(masked, start, _select(candidates))
    occupied = _Occupied.of((e.start, e.end) for e in timing)
    extra: list[Element] = []
    headers = {m.start() + start for m in g.header.finditer(masked)}
    for match in g.connectors.finditer(masked):
        s, e = match.start() + start, match.end() + start
        if not occupied.overlaps(s, e):
            extra.append(Element("connector", s, e))
    connectors = _Occupied.of((x.start, x.end) for x in extra)
    for label, pattern in g.labels:
        for match in pattern.finditer(masked):
            s, e = match.start() + start, match.end() + start
            if connectors.holds(s):
                continue
            extra.append(Element("label", s, e, label=label, header=s in headers))
    # open ends never overlap one another, so only the connectors and labels can hold one
    marked = _Occupied.of((x.start, x.end) for x in extra)
    for match in g.open_ends.finditer(masked):
        s, e = match.start() + start, match.end() + start
        if not occupied.overlaps(s, e) and not marked.holds(s):
            extra.append(Element("open-end", s, e))
    return sorted([*timing, *extra], key=lambda e: (e.start, e.kind != "connector"))
