"""Number cues -> one compiled grammar -> every number and number range of a text, with exact offsets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_WORD_PARTS = re.compile(r"[-\s]+")


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """A number or a range as written: offsets into the text, low and high values and how it is written."""

    start: int
    end: int
    low: float
    high: float
    kind: str  # digits, words, fraction, times, ordinal, decade, range


@dataclass(frozen=True)
class NumberCues:
    """Number words by family (units, tens, scales, fractions, times, ordinals), range connectors and the signs
    that make a digit a number of times ("2x", "3 ×")."""

    units: Mapping[str, float]
    tens: Mapping[str, float]
    scales: Mapping[str, float]
    fractions: Mapping[str, float]
    times: Mapping[str, float]
    ordinals: Mapping[str, float]
    range_connectors: tuple[str, ...]
    multiplier_signs: tuple[str, ...]


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


class NumberGrammar:
    """The number patterns of a set of cues, compiled once per build."""

    def __init__(self, cues: NumberCues):
        self.cues = cues
        units, tens = _alternation(list(cues.units)), _alternation(list(cues.tens))
        word_number = (rf"(?P<words>(?:(?:{tens})(?:[-\s](?:{units}))?|(?:{units}))"
                       rf"(?:\s+(?:{_alternation(list(cues.scales))}))?)")
        signs = "|".join(re.escape(sign) for sign in sorted(cues.multiplier_signs, key=len, reverse=True))
        multiplier = rf"(?P<multiplier>\d{{1,2}})\s?(?:{signs})" if signs else "(?!)"
        digits = r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        self.single = re.compile(
            rf"(?<![\w.])(?:(?P<fraction>{_alternation(list(cues.fractions))})"
            rf"|(?P<times>{_alternation(list(cues.times))})|{multiplier}"
            rf"|(?P<ordinal>{_alternation(list(cues.ordinals))})"
            rf"|(?P<decade>\d{{3}}0)['’]?s|{digits}|{word_number})(?![\w])", re.IGNORECASE)
        symbols = "".join(re.escape(c) for c in cues.range_connectors if len(c) == 1)
        words = _alternation([c for c in cues.range_connectors if len(c) > 1])
        self.connector = re.compile(rf"(?:%|\s?percent)?\s?(?:[{symbols}]|\s(?:{words})\s)\s?(?:\$)?", re.IGNORECASE)

    def _word_value(self, phrase: str) -> float:
        total = 0.0
        for part in _WORD_PARTS.split(phrase.lower()):
            if part in self.cues.units:
                total += self.cues.units[part]
            elif part in self.cues.tens:
                total += self.cues.tens[part]
            elif part in self.cues.scales:
                total = (total or 1) * self.cues.scales[part]
        return total

    def _value(self, match: re.Match[str]) -> tuple[float, str]:
        if match.group("digits"):
            return float(match.group("digits").replace(",", "")), "digits"  # the most common kind first
        phrase = _SPACES.sub(" ", match.group().lower())
        for family in ("fraction", "times", "ordinal"):
            if match.group(family):
                table = {"fraction": self.cues.fractions, "times": self.cues.times, "ordinal": self.cues.ordinals}
                return float(table[family][phrase]), family
        if match.group("multiplier"):
            return float(match.group("multiplier")), "times"
        if match.group("decade"):
            return float(match.group("decade")), "decade"
        return self._word_value(phrase), "words"

    def find(self, text: str, start: int = 0, end: int | None = None) -> tuple[NumberSpan, ...]:
        """Every number in text[start:end], adjacent pairs joined into ranges ("2-3", "one to four")."""
        end = len(text) if end is None else end
        singles = []
        for match in self.single.finditer(text, start, end):
            value, kind = self._value(match)
            singles.append(NumberSpan(match.start(), match.end(), value, value + 9 if kind == "decade" else value,
                                      kind))
        result: list[NumberSpan] = []
        index = 0
        while index < len(singles):
            first = singles[index]
            second = singles[index + 1] if index + 1 < len(singles) else None
            if second is not None and self._joins(text, first, second):
                result.append(NumberSpan(first.start, second.end, first.low, second.high, "range"))
                index += 2
                continue
            result.append(first)
            index += 1
        return tuple(result)

    def _joins(self, text: str, first: NumberSpan, second: NumberSpan) -> bool:
        same_family = first.kind in ("digits", "words") and second.kind in ("digits", "words")
        return same_family and second.low >= first.low and bool(
            self.connector.fullmatch(text, first.end, second.start))
