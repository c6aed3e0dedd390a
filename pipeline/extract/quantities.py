"""A claim's span of text + quantity cues + number cues -> its quantities (value, qualifier, unit, measure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.extract.numbers import NumberSpan, find_numbers
from pipeline.extract.phrases import phrase_spans
from pipeline.records import Quantity

_TIME_UNITS = ("min", "h", "d", "wk", "mo", "a")
_WINDOW = 60  # characters looked at on either side of a number
# "about 40 minutes long, through a drip": a stated length (not "a month-long trial", whose noun decides)
_LENGTH_AFTER = re.compile(r"\s+long(?=\s*[,.;:)]|\s*$|\s+(?:through|in|on|at|with|via|by|and|each|per)\b)",
                           re.IGNORECASE)
_SCORE_WINDOW = 40  # characters before a bare number in which a score noun makes it a score
_FRACTION_OF = re.compile(r"(?:\s+of)?\s+(?:an?\s+)?(?=\w)", re.IGNORECASE)  # "half an hour", "a quarter of an hour"


def _phrases(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _word_alternation(words: list[str]) -> str:
    """Alternation where word-like phrases need word boundaries and symbols ("%", "$", "+") do not."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        body = re.escape(word).replace(r"\ ", r"\s+")
        parts.append(rf"{body}(?![\w])" if word[-1].isalnum() else body)
    return "|".join(parts)


@dataclass(frozen=True)
class _Patterns:
    qualifier_before: re.Pattern[str]
    qualifier_names: dict[str, str]
    qualifier_after: re.Pattern[str]
    after_names: dict[str, str]
    unit: re.Pattern[str]
    unit_names: dict[str, str]
    currency: re.Pattern[str]
    count_noun: re.Pattern[str]
    frequency: re.Pattern[str]
    interval_before: re.Pattern[str]
    position: re.Pattern[str]
    other_unit: re.Pattern[str]
    fraction_blocker: re.Pattern[str]
    interval_next: re.Pattern[str]
    interval_after: re.Pattern[str]
    implicit: re.Pattern[str]
    implicit_plus: re.Pattern[str]
    ago: re.Pattern[str]
    age_before: re.Pattern[str]
    per_period: re.Pattern[str]
    attributive_duration: re.Pattern[str]
    position_joiner: re.Pattern[str]
    alternative: re.Pattern[str]
    score: re.Pattern[str]


@lru_cache(maxsize=8)
def _patterns(frozen: str) -> _Patterns:
    cues = json.loads(frozen)
    before = {p.lower(): name for name, phrases in cues["qualifiers_before"].items() for p in phrases}
    after = {p.lower(): name for name, phrases in cues["qualifiers_after"].items() for p in phrases}
    units = {p.lower(): name for name, phrases in cues["units"].items() for p in phrases}
    implicit_units = list(cues["implicit_one_units"])
    return _Patterns(
        qualifier_before=re.compile(rf"(?:^|(?<=[\s(“\"‘']))(?P<q>{_phrases(list(before))}),?\s+$", re.IGNORECASE),
        qualifier_names=before,
        qualifier_after=re.compile(rf"\s?(?P<q>{_word_alternation(list(after))})", re.IGNORECASE),
        after_names=after,
        unit=re.compile(rf"(?:\s?-?\s?|-)(?P<u>{_word_alternation(list(units))})", re.IGNORECASE),
        unit_names=units,
        currency=re.compile(rf"(?:{_phrases(cues['currency_before'])})\s?$", re.IGNORECASE),
        count_noun=re.compile(
            rf"(?:\s+[A-Za-z][\w’'-]*){{0,{int(cues['count_noun_gap'])}}}?\s+(?:{_phrases(cues['count_nouns'])})(?![\w])",
            re.IGNORECASE),
        frequency=re.compile(
            rf"(?:\s+(?:{_phrases(cues['times_words'])}))?\s?(?P<p>{_word_alternation(cues['frequency_periods'])})",
            re.IGNORECASE),
        interval_before=re.compile(rf"(?:^|(?<=\s))(?:{_phrases(cues['interval_before'])})\s+$", re.IGNORECASE),
        fraction_blocker=re.compile(rf"(?<![\w])(?:{_phrases(cues['fraction_blockers'])})\s+$", re.IGNORECASE),
        other_unit=re.compile(rf"\s?-?(?:{_word_alternation(cues['other_units'])})", re.IGNORECASE),
        position=re.compile(rf"(?<![\w])(?:{_phrases(cues['position_nouns'])})\s+$", re.IGNORECASE),
        interval_next=re.compile(rf"\s+(?:{_phrases(cues['interval_before'])})(?![\w])", re.IGNORECASE),
        interval_after=re.compile(rf"\s+(?:{_phrases(cues['interval_after'])})(?![\w])", re.IGNORECASE),
        implicit=re.compile(
            rf"(?<![\w])(?P<q>{_phrases(cues['implicit_one_triggers'])})\s+(?:(?:a|an)\s+)?"
            rf"(?P<u>{_phrases(implicit_units)})(?![\w+-])", re.IGNORECASE),
        implicit_plus=re.compile(rf"(?<![\w-])(?P<u>{_phrases(implicit_units)})\+", re.IGNORECASE),
        ago=re.compile(rf"\s+(?:{_phrases(cues['ago_cues'])})(?![\w])", re.IGNORECASE),
        age_before=re.compile(rf"(?<![\w])(?:{_phrases(cues['age_nouns'])})\s+$", re.IGNORECASE),
        per_period=re.compile(rf"\s?(?P<p>{_word_alternation(cues['per_periods'])})", re.IGNORECASE),
        attributive_duration=re.compile(rf"\s+(?:{_phrases(cues['duration_nouns_after'])})(?![\w])", re.IGNORECASE),
        position_joiner=re.compile(rf"\s*(?:{_phrases(cues['position_joiners'])})\s*", re.IGNORECASE),
        alternative=re.compile(rf"\s+(?:{_phrases(cues['alternative_joiners'])})\s+", re.IGNORECASE),
        score=re.compile(rf"(?<![\w])(?:{_phrases(cues['score_nouns'])})(?![\w])", re.IGNORECASE),
    )


@dataclass(frozen=True)
class _Draft:
    """A number grown into a quantity span, before its measure is known."""

    start: int
    end: int
    number_start: int
    low: float
    high: float
    qualifier: str
    qualifier_phrase: str
    unit: str | None
    frequency: bool
    interval: bool
    kind: str


def _glued(text: str, number: NumberSpan) -> bool:
    """Numbers that are part of a name or code: "COVID-19", "5-HT2A", "24/7"."""
    before = text[max(0, number.start - 2): number.start]
    after = text[number.end: number.end + 2]
    if before[-1:].isalpha() or (len(before) == 2 and before[1] in "-/" and before[0].isalnum()):
        return True
    return len(after) == 2 and after[0] in "-/" and (after[1].isdigit() or after[1].isupper())


def _is_year(number: NumberSpan, cues: dict[str, Any]) -> bool:
    low, high = cues["year_range"]
    return number.kind == "decade" or (number.kind == "digits" and number.low.is_integer()
                                       and low <= number.low <= high and number.end - number.start == 4)


def _is_position(text: str, lo: int, number: NumberSpan, cues: dict[str, Any], p: _Patterns) -> bool:
    return not _is_year(number, cues) and p.position.search(text, max(lo, number.start - 12), number.start) is not None


def _grow(text: str, lo: int, hi: int, number: NumberSpan, cues: dict[str, Any], p: _Patterns) -> _Draft | None:
    """Extend a number over its currency sign, unit, counted noun, frequency and qualifier words."""
    if number.kind == "ordinal" or _glued(text, number):
        return None
    if _is_position(text, lo, number, cues, p):
        return None  # a position ("week 9", "Day 1", "Jan. 5"), not an amount
    if number.kind == "fraction" and p.fraction_blocker.search(text, max(lo, number.start - 12), number.start):
        return None  # "the second half of 2024"
    start, end = number.start, number.end
    low, high = number.low, number.high
    unit: str | None = None
    frequency = number.kind == "times"
    interval = False
    fraction_of = _FRACTION_OF.match(text, end, hi) if number.kind == "fraction" else None
    time_unit = p.unit.match(text, fraction_of.end(), hi) if fraction_of else None
    if time_unit and p.unit_names[re.sub(r"\s+", " ", time_unit.group("u").lower())] in _TIME_UNITS:
        # "half an hour", "a quarter of an hour": a fraction of the time unit, not a share
        unit = p.unit_names[re.sub(r"\s+", " ", time_unit.group("u").lower())]
        low, high, end = low / 100, high / 100, time_unit.end()
    elif number.kind == "fraction":
        unit = "percent"
    elif number.kind == "decade":
        unit = None
    currency = p.currency.search(text, max(lo, start - 5), start)
    if currency:
        start, unit = currency.start(), "usd"
    plus = text[end:end + 1] == "+" and p.unit.match(text, end + 1, hi) is not None  # "10+ years"
    unit_match = p.unit.match(text, end + plus, hi) if unit is None and number.kind != "decade" else None
    if unit_match:
        word = unit_match.group("u").lower()
        unit = p.unit_names[re.sub(r"\s+", " ", word)]
        scale = float(cues["unit_scale"].get(word, 1))
        low, high, end = low * scale, high * scale, unit_match.end()
    kind = number.kind
    other_unit = p.other_unit.match(text, end, hi) if unit is None and not unit_match else None
    if other_unit:
        end, kind = other_unit.end(), "measured"  # "10-20 mmHg": a value in a unit the contract has no code for
    frequency_match = p.frequency.match(text, end, hi) if unit is None and not other_unit else None
    if frequency_match and (frequency or re.match(r"\s+(?:" + _phrases(cues["times_words"]) + ")",
                                                  text[end:frequency_match.end()], re.IGNORECASE)):
        frequency, unit, end = True, "count", frequency_match.end()
    elif frequency:
        return None  # "once they take hold": a conjunction, or a multiplier ("twice as fast"), not a frequency
    after = p.qualifier_after.match(text, end, hi)
    qualifier, phrase = ("at-least", "") if plus and unit_match else ("exact", "")
    if after and not plus:
        qualifier, end = p.after_names[re.sub(r"\s+", " ", after.group("q").lower())], after.end()
    bare = (unit is None and not other_unit and number.kind in ("digits", "words", "range")
            and not _is_year(number, cues))  # "in 2019 for adults": a year counts nothing
    noun = p.count_noun.match(text, end, hi) if bare else None
    if bare and not noun and _is_age(text, lo, number, end, cues, p):
        unit = "a"  # "adults 18 and older", "children under 18": an age in years
    elif noun:
        unit, end = "count", noun.end()
        per = p.per_period.match(text, end, hi)
        if per:
            frequency, end = True, per.end()  # "two doses per week": a frequency
        elif low == 1 and p.interval_next.match(text, end, hi):
            return None  # the "one dose" of "one dose every two weeks" only introduces the interval
    elif bare and p.score.search(text, max(lo, number.start - _SCORE_WINDOW), number.start):
        unit, kind = None, "measured"  # "the PHQ-9 score fell from 21 to 9": points on a scale
    elif bare:
        unit = "count"
    interval_after = p.interval_after.match(text, end, hi)
    if interval_after and unit in _TIME_UNITS:
        interval, end = True, interval_after.end()
    if frequency and p.interval_next.match(text, end, hi):
        return None  # the "once" of "once every two weeks" only introduces the interval
    interval_before = p.interval_before.search(text, max(lo, start - 12), start)
    if interval_before:
        interval, start = True, interval_before.start()
        before = p.qualifier_before.search(text, max(lo, start - 25), start)
        if before:  # "roughly every six weeks"
            qualifier, start = p.qualifier_names[re.sub(r"\s+", " ", before.group("q").lower())], before.start()
    else:
        before = p.qualifier_before.search(text, max(lo, start - 25), start)
        if before:
            phrase = re.sub(r"\s+", " ", before.group("q").lower())
            qualifier, start = p.qualifier_names[phrase], before.start()
            opening = not text[lo:start].strip(" \"“‘'(")
            if phrase in cues["span_words"] and unit in _TIME_UNITS and (
                    number.kind == "range" or opening
                    or _ends_with(text[max(lo, start - 20):start], cues["span_after"])):
                qualifier, phrase = "exact", "across"  # "given over 40 minutes", "over two to three weeks"
    if bare and not noun and qualifier == "exact" and text[number.start:number.end].lower() in cues["skip_lone_words"]:
        return None
    return _Draft(start, end, number.start, low, high, qualifier, phrase, unit, frequency, interval, kind)


def _is_age(text: str, lo: int, number: NumberSpan, end: int, cues: dict[str, Any], p: _Patterns) -> bool:
    """A bare number after a person noun, a qualifier between ("adolescents under 18"), or before an age
    phrase ("18 and older")."""
    tail = re.sub(r"\s+", " ", text[number.end:end].lower()).strip()
    if tail and any(tail == a for a in cues["age_after"]):
        return True
    prefix_end = number.start
    qualifier = p.qualifier_before.search(text, max(lo, prefix_end - 25), prefix_end)
    if qualifier:
        prefix_end = qualifier.start()
    return p.age_before.search(text, max(lo, prefix_end - 25), prefix_end) is not None


def _implicit(text: str, lo: int, hi: int, cues: dict[str, Any], p: _Patterns) -> list[_Draft]:
    """"over a month", "the last decade", "month+": a unit word that stands for one of it."""
    drafts = []
    units = cues["implicit_one_units"]
    for match in p.implicit.finditer(text, lo, hi):
        value, unit = units[match.group("u").lower()]
        phrase = re.sub(r"\s+", " ", match.group("q").lower())
        qualifier = p.qualifier_names.get(phrase, "exact")
        drafts.append(_Draft(match.start(), match.end(), match.start("u"), float(value), float(value), qualifier,
                             phrase, unit, False, False, "implicit"))
    for match in p.implicit_plus.finditer(text, lo, hi):
        value, unit = units[match.group("u").lower()]
        drafts.append(_Draft(match.start(), match.end(), match.start(), float(value), float(value), "at-least",
                             "", unit, False, False, "implicit"))
    return drafts


_CONTEXT_CUES = ("percent_cost_cues", "remission_cues", "non_response_cues", "response_cues", "onset_cues",
                 "duration_cues", "ending_cues")


def _context(text: str, start: int, end: int, cues: dict[str, Any]) -> frozenset[str]:
    """Which context cue lists occur in the claim (looked up once per claim, not once per number)."""
    return frozenset(name for name in _CONTEXT_CUES if phrase_spans(text, cues[name], start, end))


def _ends_with(text: str, phrases: list[str]) -> bool:
    lowered = re.sub(r"\s+", " ", text.lower()).rstrip(" ,")
    return any(lowered == p or lowered.endswith(" " + p) for p in phrases)


def _starts_with(text: str, phrases: list[str]) -> bool:
    lowered = re.sub(r"\s+", " ", text.lower()).lstrip(" ,")
    return any(re.match(rf"{re.escape(p)}(?![\w])", lowered) for p in phrases)


def _measure(text: str, lo: int, hi: int, draft: _Draft, cues: dict[str, Any], p: _Patterns, negated: bool,
             context: frozenset[str]) -> str:
    """What the number measures, from its unit and the words around it."""
    unit = draft.unit
    if unit is None:
        return "other" if draft.kind == "measured" else "year"
    if unit == "usd":
        return "cost"
    if unit in ("mg", "mg/kg"):
        return "dose"
    if unit == "percent":
        if "percent_cost_cues" in context:
            return "cost"
        if "remission_cues" in context:
            return "remission-rate"
        if "non_response_cues" in context:
            return "proportion"  # "half still see little benefit": a share of non-responders
        if not negated and "response_cues" in context:
            return "response-rate"
        return "proportion"
    if unit in _TIME_UNITS:
        return _time_measure(text, lo, hi, draft, cues, p, context)
    if draft.frequency:
        return "other"
    return "count"


def _time_measure(text: str, lo: int, hi: int, draft: _Draft, cues: dict[str, Any], p: _Patterns,
                  context: frozenset[str]) -> str:
    before = text[max(lo, draft.start - 30): draft.start]
    if draft.interval or p.ago.match(text, draft.end, hi):
        return "other"
    if _ends_with(before, cues["ending_cues"]):
        return "duration"  # "the effects faded within an hour": how long they last
    if draft.qualifier_phrase in cues["onset_qualifier_words"]:
        return "onset"
    if draft.qualifier_phrase in cues["time_reference_before"] or _ends_with(before, cues["time_reference_before"]):
        return "other"
    if _starts_with(text[draft.end:hi], cues["onset_after"]):
        return "onset"
    if (draft.qualifier_phrase == "across" or _ends_with(before, cues["duration_before"])
            or p.attributive_duration.match(text, draft.end, hi) or _LENGTH_AFTER.match(text, draft.end, hi)):
        return "duration"  # "for two hours", "a four-week trial"
    if draft.unit == "a":
        return "other"
    if "ending_cues" in context:
        return "duration"
    if _ends_with(before, cues["onset_before"]) or "onset_cues" in context:
        return "onset"
    if "duration_cues" in context:
        return "duration"
    return "other"


def _joined(text: str, numbers: list[NumberSpan], cues: dict[str, Any]) -> list[NumberSpan]:
    """Join what the number finder leaves apart: "between 400 and 800" into a range, "1 in 10" into a
    fraction (a percentage)."""
    joined: list[NumberSpan] = []
    glue = re.compile(rf"\s+(?:{_phrases(cues['between_joiners'])})\s+\$?", re.IGNORECASE)
    opener = re.compile(rf"(?:{_phrases(cues['between_openers'])})\s+\$?$", re.IGNORECASE)
    ratio = re.compile(rf"\s+(?:{_phrases(cues['ratio_joiners'])})\s+", re.IGNORECASE)
    plain = ("digits", "words")
    for number in numbers:
        previous = joined[-1] if joined else None
        if previous is None or previous.kind not in plain or number.kind not in plain:
            joined.append(number)
        elif (glue.fullmatch(text, previous.end, number.start) and number.low >= previous.low
              and opener.search(text, max(0, previous.start - 12), previous.start)):
            joined[-1] = NumberSpan(previous.start, number.end, previous.low, number.high, "range")
        elif ratio.fullmatch(text, previous.end, number.start) and 0 < previous.low < number.low:
            share = round(100 * previous.low / number.low, 2)
            joined[-1] = NumberSpan(previous.start, number.end, share, share, "fraction")
        else:
            joined.append(number)
    return joined


def find_quantities(text: str, start: int, end: int, cues: dict[str, Any], number_cues: dict[str, Any],
                    negated: bool = False) -> tuple[Quantity, ...]:
    """Every quantity stated in text[start:end]; negated says whether the stretch holds a negation
    (a percentage of a denied outcome, "30% do not respond", is a proportion, not a response rate)."""
    p = _patterns(json.dumps(cues, sort_keys=True))
    numbers = _joined(text, find_numbers(text, number_cues, start, end), cues)
    implicit = [_implicit_range(text, d, numbers, p) for d in _implicit(text, start, end, cues, p)]
    ranges = [(d.start, d.end) for d in implicit if d.low != d.high]  # "an hour or two" wins over its "two"
    drafts = [d for d in _number_drafts(text, start, end, numbers, cues, p)
              if not any(d.start < e and s < d.end for s, e in ranges)]
    taken = [(d.start, d.end) for d in drafts]
    drafts += [d for d in implicit if not any(d.start < e and s < d.end for s, e in taken)]
    drafts = _merge_alternatives(text, sorted(drafts, key=lambda d: d.start), p)
    kept: list[_Draft] = []
    for draft in drafts:
        if not kept or draft.start >= kept[-1].end:
            kept.append(draft)
    context = _context(text, start, end, cues) if kept else frozenset()
    measures = [_measure(text, start, end, d, cues, p, negated, context) for d in kept]
    measures = _respective_rates(text, end, kept, measures, cues)
    return tuple(Quantity(start=d.start, end=d.end, quote=text[d.start:d.end], value_low=d.low, value_high=d.high,
                          qualifier=d.qualifier, unit=d.unit, measure=m) for d, m in zip(kept, measures, strict=True))


def _number_drafts(text: str, lo: int, hi: int, numbers: list[NumberSpan], cues: dict[str, Any],
                   p: _Patterns) -> list[_Draft]:
    """Drafts of the numbers; a number joined to a position ("weeks five through eight") is a position too."""
    drafts = []
    position_end: int | None = None
    for number in numbers:
        if position_end is not None and p.position_joiner.fullmatch(text, position_end, number.start):
            position_end = number.end
            continue
        position_end = number.end if _is_position(text, lo, number, cues, p) else None
        draft = _grow(text, lo, hi, number, cues, p)
        if draft:
            drafts.append(draft)
    return drafts


def _implicit_range(text: str, draft: _Draft, numbers: list[NumberSpan], p: _Patterns) -> _Draft:
    """"within an hour or two": the unit word and the number after "or" make one range."""
    for number in numbers:
        if number.kind in ("digits", "words") and number.low > draft.low and p.alternative.fullmatch(
                text, draft.end, number.start):
            return _Draft(draft.start, number.end, draft.number_start, draft.low, number.high, draft.qualifier,
                          draft.qualifier_phrase, draft.unit, False, False, draft.kind)
    return draft


def _merge_alternatives(text: str, drafts: list[_Draft], p: _Patterns) -> list[_Draft]:
    """"56 mg or 84 mg": two values of one unit joined by "or" are one range."""
    merged: list[_Draft] = []
    for draft in drafts:
        previous = merged[-1] if merged else None
        if (previous is not None and previous.unit == draft.unit and previous.unit not in (None, "count")
                and not previous.frequency and not draft.frequency and draft.low > previous.high
                and draft.qualifier == "exact" and p.alternative.fullmatch(text, previous.end, draft.start)):
            merged[-1] = _Draft(previous.start, draft.end, previous.number_start, previous.low, draft.high,
                                previous.qualifier, previous.qualifier_phrase, previous.unit, False,
                                previous.interval, previous.kind)
        else:
            merged.append(draft)
    return merged


def _respective_rates(text: str, hi: int, drafts: list[_Draft], measures: list[str], cues: dict[str, Any]) -> list[str]:
    """Several rates in one claim: each takes the rate cue that follows it before the next number ("52% responded
    and 36% reached remission"); rates without one are the comparison arm and take the measures of the named
    ones in turn ("compared with 31% and 18% on placebo")."""
    rates = [i for i, m in enumerate(measures) if m in ("response-rate", "remission-rate")]
    if len(rates) < 2:
        return measures
    result = list(measures)
    named: list[str] = []
    unnamed: list[int] = []
    for position, index in enumerate(rates):
        stop = drafts[rates[position + 1]].start if position + 1 < len(rates) else hi
        following = text[drafts[index].end:stop]
        found = [(s, name) for name, key in (("remission-rate", "remission_cues"), ("response-rate", "response_cues"))
                 for s, _ in phrase_spans(following, cues[key])]
        if found:
            result[index] = min(found)[1]
            named.append(result[index])
        else:
            unnamed.append(index)
    for turn, index in enumerate(unnamed):
        if named:
            result[index] = named[turn % len(named)]
    return result
