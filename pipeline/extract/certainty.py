"""A stretch of text + certainty cues -> asserted, hedged or negated."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted((p for p in phrases if p != "n't"), key=len, reverse=True)
    alternatives = []
    if words:
        alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in words)
        alternatives.append(rf"(?<![\w'’])(?:{alternation})(?![\w])")
    if "n't" in phrases:
        # "n't" is glued to its verb, so it has no word boundary on the left.
        alternatives.append(r"n['’]t(?![\w])")
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def cue_spans(text: str, phrases: list[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of every cue phrase found in text[start:end] (whole words, case-insensitive)."""
    pattern = _pattern(tuple(phrases))
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text, start, len(text) if end is None else end)]


def is_negated(text: str, cues: dict[str, Any], start: int = 0, end: int | None = None) -> bool:
    """True when text[start:end] holds a negation cue outside the listed exceptions."""
    end = len(text) if end is None else end
    exceptions = cue_spans(text, cues.get("negation_exceptions", []), start, end)
    for s, e in cue_spans(text, cues.get("negations", []), start, end):
        if not any(xs <= s and e <= xe for xs, xe in exceptions):
            return True
    return False


def is_hedged(text: str, cues: dict[str, Any], start: int = 0, end: int | None = None) -> bool:
    """True when text[start:end] holds a hedge cue."""
    return bool(cue_spans(text, cues.get("hedges", []), start, end))


def certainty(text: str, cues: dict[str, Any], start: int = 0, end: int | None = None) -> str:
    """negated when a negation cue is present, else hedged when a hedge cue is, else asserted."""
    if is_negated(text, cues, start, end):
        return "negated"
    if is_hedged(text, cues, start, end):
        return "hedged"
    return "asserted"
