"""Annotated text + a sentence's span -> its timing elements, connectors, labels and open ends, in text order."""

from __future__ import annotations

from bisect import bisect_left, insort

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.extractors.schedule_courses import COURSE_RULES
from pipeline.extractors.schedule_cues import ScheduleCues, cue
from pipeline.extractors.schedule_rates import RATE_RULES
from pipeline.extractors.schedule_timing import (
    ADMINISTRATIONS,
    ADVERBS,
    BEFORE_COURSE,
    COURSES,
    NUMBER_AT,
    TRIGGERS,
    UNITS,
    Element,
    Timing,
)
from pipeline.extractors.schedule_tokens import Stream, next_character, stream

LABELS = cue("labels")
GRAMMAR = (RATE_RULES, COURSE_RULES)  # the timing grammar: every rule of both tables is tried at a token
# The lists the grammar's rules may start with (TRIGGERS, and some a rule needs only beside a trigger).
RULE_STARTS = (*TRIGGERS, *sorted({name for table in GRAMMAR for rule in table for name in rule.starts or ()}
                                  - {*TRIGGERS, NUMBER_AT, BEFORE_COURSE}))
_GATE = frozenset({*TRIGGERS, NUMBER_AT, BEFORE_COURSE})  # what must stand at a token for the grammar to read it
RATE_JOINERS = (cue("alternative_words"), cue("rate_range_words"))
ANCHORS = (UNITS, ADVERBS, cue("weekdays"), cue("weekdays_recurring"), cue("as_needed"), cue("alternating_words"),
           cue("single_counts"))
_MERGE_GAP = " ,\t\n\u00a0"


class _Taken:
    """Spans kept so far, none overlapping another: whether a new span would overlap one, in log time."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_left(self._spans, (end,)) - 1
        return index >= 0 and self._spans[index][1] > start

    def holds(self, position: int) -> bool:
        return self.overlaps(position, position + 1)

    def add(self, start: int, end: int) -> bool:
        if self.overlaps(start, end):
            return False
        insort(self._spans, (start, end))
        return True


def _select(candidates: list[Element]) -> list[Element]:
    """Non-overlapping elements: better tier first, then longer, then leftmost."""
    taken = _Taken()
    ordered = sorted(candidates, key=lambda e: (e.tier, e.start - e.end, e.start))
    return sorted((e for e in ordered if taken.add(e.start, e.end)), key=lambda e: e.start)


def _joined_rates(annotated: Annotated, previous: Element, element: Element) -> bool:
    """Two rates with only "or" or "to" (and a comma) between them: "every 2 weeks or once weekly"."""
    words = annotated.word_spans(previous.end, element.start)
    if len(words) != 1 or previous.kind != "rate" or element.kind != "rate":
        return False
    if not any(annotated.mentions.covering(name, *words[0]) for name in RATE_JOINERS):
        return False
    rest = annotated.text[previous.end:words[0][0]] + annotated.text[words[0][1]:element.start]
    return all(c in _MERGE_GAP for c in rest)


def _merged(a: Timing, b: Timing) -> Timing | None:
    """One rate from two alternatives of the same unit: a range of frequencies over one period, a range of
    periods at one frequency, else once per a range of intervals ("twice a week to once every two weeks":
    once every 0.5 to 2 weeks)."""
    if a.period_unit != b.period_unit or a.bounds_unit is not None or b.bounds_unit is not None:
        return None
    frequencies = sorted(v for v in (a.frequency, a.frequency_max, b.frequency, b.frequency_max) if v)
    periods = sorted(v for v in (a.period, a.period_max, b.period, b.period_max) if v)
    if a.frequency_max is None and b.frequency_max is None and a.period_max is None and b.period_max is None \
            and a.frequency != b.frequency and a.period != b.period:
        frequencies = [1, 1]
        periods = sorted([(a.period or 1) / (a.frequency or 1), (b.period or 1) / (b.frequency or 1)])
    return Timing(frequency=frequencies[0], period=periods[0], period_unit=a.period_unit,
                  frequency_max=frequencies[-1] if frequencies[-1] != frequencies[0] else None,
                  period_max=periods[-1] if periods[-1] != periods[0] else None)


def _merge_alternatives(annotated: Annotated, elements: list[Element]) -> list[Element]:
    """Rates joined by "or"/"to" -> one rate; a bare adverb beside "or" that joined none is dropped."""
    result: list[Element] = []
    for element in elements:
        previous = result[-1] if result else None
        if previous is not None and _joined_rates(annotated, previous, element):
            merged = _merged(previous.timing, element.timing)
            if merged is not None:
                result[-1] = Element("rate", previous.start, element.end, merged)
                continue
        result.append(element)
    return [e for e in result if not e.alternative]


def _phrase_connector(s: Stream, lead: int, nouns: tuple[str, ...], cues: ScheduleCues) -> int | None:
    """"following the initial intensive phase": past the noun a determiner and a few words after a lead lead to."""
    determiner = s.has(cue("phase_connector_determiners"), lead)
    if determiner is None:
        return None
    for between in range(cues.phase_connector_words + 1):
        j = determiner + between
        if j > len(s) or any(not s.joined(k) for k in range(determiner, j)):
            return None
        noun = next((a for name in nouns if (a := s.has(name, j)) is not None), None)
        if noun is not None:
            return noun
    return None


def _connectors(s: Stream, cues: ScheduleCues) -> list[tuple[int, int]]:
    """Spans of every sequence connector: listed phrases, "following the ... phase", "once the ... phase is
    complete"."""
    spans = [(m.start, m.end) for m in s.annotated.of(cue("sequence_connectors"), s.start, s.end)]
    nouns = (cue("phase_connector_nouns"), UNITS, ADMINISTRATIONS)
    for mention in s.annotated.of(cue("phase_connector_leads"), s.start, s.end):
        i = s.index_at(mention.start)
        end = _phrase_connector(s, s.index_at(mention.end), nouns, cues)
        if end is not None:
            spans.append(s.span(i, end))
    for mention in s.annotated.of(cue("completion_leads"), s.start, s.end):
        i = s.index_at(mention.start)
        end = _phrase_connector(s, s.index_at(mention.end), (cue("phase_connector_nouns"),), cues)
        done = s.has(cue("completions"), end) if end is not None else None
        if done is not None:
            spans.append(s.span(i, done))
    return spans


def _header_end(s: Stream, label: Mention) -> bool:
    """A label that heads what follows: "Maintenance phase:", "Induction phase, weeks 1 to 4:"."""
    j = s.index_at(label.end)
    j = s.skip(cue("label_nouns"), j)
    candidates = [j]
    unit = s.phrase(cue("position_units"), j, joined=False)
    if unit is not None and all(c in " \t|,(\u2013\u2014-" for c in s.gap(j)) and s.number(unit[1]) is not None:
        k = unit[1] + 1
        through = s.has(cue("position_range_words"), k)
        candidates.append(through + 1 if through is not None and s.number(through) is not None else k)
    for k in candidates:
        end = s.tokens[k - 1].end if k > 0 else label.end
        mark = next_character(s.text, end, s.end)
        if mark == ":" or (mark == ")" and next_character(s.text, s.text.index(")", end) + 1, s.end) == ":"):
            return True
    return False


def _timed(annotated: Annotated, start: int, end: int) -> bool:
    """Whether a sentence may hold a timing element: a time unit, rate adverb, weekday, as-needed or single
    administration, or a number beside an administration noun. Others are read for connectors and labels only."""
    if annotated.mentions.any_of(ANCHORS, start, end):
        return True
    return bool(annotated.numbers_in(start, end)) and annotated.mentions.first(ADMINISTRATIONS, start, end) is not None


def keys_at(s: Stream, starting: list[set[str]], i: int) -> set[str]:
    """What stands at token i for the grammar's rules (their `starts`): the lists starting there (`starting` is
    s.starting(RULE_STARTS)), a number, a course noun next."""
    present = set(starting[i])  # a copy: starting[i] stays what the stream found
    if s.tokens[i].number is not None:
        present.add(NUMBER_AT)
    if i + 1 < len(s) and COURSES in starting[i + 1]:
        present.add(BEFORE_COURSE)
    return present


def _candidates(s: Stream, cues: ScheduleCues) -> list[Element]:
    """Every timing element any rule of the grammar reads at a token where a number or a trigger list starts, or
    before a course noun (each token asks only the rules that may start with what stands there)."""
    starting = s.starting(RULE_STARTS)
    candidates = []
    for i in range(len(s)):
        present = keys_at(s, starting, i)
        if not present.isdisjoint(_GATE):
            candidates += [element for table in GRAMMAR for _, element in table.answers(s, i, cues, present=present)]
    return candidates


def read_elements(annotated: Annotated, start: int, end: int, cues: ScheduleCues) -> list[Element]:
    """A sentence -> its elements in text order (timing elements never overlap)."""
    timed = _timed(annotated, start, end)
    if not timed and annotated.mentions.first(LABELS, start, end) is None:
        return []  # no timing and no label: no phase, and nothing for a phase to follow
    s = stream(annotated, start, end)
    candidates = []
    if timed:
        candidates = _candidates(s, cues)
    timing = _merge_alternatives(annotated, _select(candidates))
    occupied = _Taken()
    for element in timing:
        occupied.add(element.start, element.end)
    held = _Taken()
    connectors = [span for span in sorted(_connectors(s, cues), key=lambda c: (c[0] - c[1], c[0]))
                  if not occupied.overlaps(*span) and held.add(*span)]
    extra = [Element("connector", a, b) for a, b in connectors]
    labels = [m for m in annotated.of(LABELS, start, end) if not held.holds(m.start)]
    extra += [Element("label", m.start, m.end, label=m.value, header=_header_end(s, m)) for m in labels]
    for m in labels:
        held.add(m.start, m.end)
    extra += [Element("open-end", m.start, m.end) for m in annotated.of(cue("open_ends"), start, end)
              if not occupied.overlaps(m.start, m.end) and not held.holds(m.start)]
    return sorted([*timing, *extra], key=lambda e: (e.start, e.kind != "connector"))
