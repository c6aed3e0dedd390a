"""Text + number cues -> numbers and number ranges with exact offsets (digits or words)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class NumberSpan:
    """A single number or a range as written: offsets into the text, low and high values."""

    start: int
    end: int
    low: float
    high: float
    kind: str  # digits, words, fraction, times, ordinal, range


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Grammar:
    single: re.Pattern[str]
    connector: re.Pattern[str]
    values: dict[str, dict[str, float]]


@lru_cache(maxsize=8)
def _grammar(frozen_cues: tuple[tuple[str, Any], ...]) -> _Grammar:
    cues = dict(frozen_cues)
    values = {k: dict(cues[k]) for k in ("units", "tens", "scales", "fractions", "times", "ordinals")}
    decade = r"(?P<decade>\d{3}0)['’]?s"
    digits = r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    word_number = (
        rf"(?P<words>(?:(?:{_alternation(list(values['tens']))})(?:[-\s](?:{_alternation(list(values['units']))}))?"
        rf"|(?:{_alternation(list(values['units']))}))"
        rf"(?:\s+(?:{_alternation(list(values['scales']))}))?)")
    single = re.compile(
        rf"(?<![\w.])(?:(?P<fraction>{_alternation(list(values['fractions']))})"
        rf"|(?P<times>{_alternation(list(values['times']))})"
        rf"|(?P<ordinal>{_alternation(list(values['ordinals']))})"
        rf"|{decade}|{digits}|{word_number})(?![\w])",
        re.IGNORECASE)
    connectors = [c for c in cues["range_connectors"]]
    symbol = "".join(re.escape(c) for c in connectors if len(c) == 1)
    words = _alternation([c for c in connectors if len(c) > 1])
    connector = re.compile(
        rf"(?:%|\s?percent)?\s?(?:[{symbol}]|\s(?:{words})\s)\s?(?:\$)?", re.IGNORECASE)
    return _Grammar(single=single, connector=connector, values=values)


def _freeze(cues: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (key, tuple(sorted(value.items())) if isinstance(value, dict) else tuple(value))
        for key, value in sorted(cues.items()))


def _word_value(phrase: str, values: dict[str, dict[str, float]]) -> float:
    total = 0.0
    parts = re.split(r"[-\s]+", phrase.lower())
    for part in parts:
        if part in values["units"]:
            total += values["units"][part]
        elif part in values["tens"]:
            total += values["tens"][part]
        elif part in values["scales"]:
            total = (total or 1) * values["scales"][part]
    return total


def _value(match: re.Match[str], values: dict[str, dict[str, float]]) -> tuple[float, str]:
    phrase = re.sub(r"\s+", " ", match.group().lower())
    if match.group("fraction"):
        return float(values["fractions"][phrase]), "fraction"
    if match.group("times"):
        return float(values["times"][phrase]), "times"
    if match.group("ordinal"):
        return float(values["ordinals"][phrase]), "ordinal"
    if match.group("decade"):
        return float(match.group("decade")), "decade"
    if match.group("digits"):
        return float(match.group("digits").replace(",", "")), "digits"
    return _word_value(phrase, values), "words"


def find_numbers(text: str, cues: dict[str, Any], start: int = 0, end: int | None = None) -> list[NumberSpan]:
    """Every number in text[start:end], with adjacent pairs joined into ranges ("2-3", "one to four")."""
    end = len(text) if end is None else end
    grammar = _grammar(_freeze(cues))
    singles = []
    for match in grammar.single.finditer(text, start, end):
        value, kind = _value(match, grammar.values)
        high = value + 9 if kind == "decade" else value
        singles.append(NumberSpan(match.start(), match.end(), value, high, kind))
    result: list[NumberSpan] = []
    index = 0
    while index < len(singles):
        first = singles[index]
        if index + 1 < len(singles):
            second = singles[index + 1]
            joint = grammar.connector.fullmatch(text, first.end, second.start)
            same_family = (first.kind in ("digits", "words")) and (second.kind in ("digits", "words"))
            if joint and same_family and second.low >= first.low:
                result.append(NumberSpan(first.start, second.end, first.low, second.high, "range"))
                index += 2
                continue
        result.append(first)
        index += 1
    return result
