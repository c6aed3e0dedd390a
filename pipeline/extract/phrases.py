"""Phrase lists -> whole-word, case-insensitive spans in a text (compiled once per list)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted(set(phrases), key=len, reverse=True)
    if not words:
        return None
    alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in words)
    return re.compile(rf"(?<![\w'’])(?:{alternation})(?![\w])", re.IGNORECASE)


def phrase_spans(text: str, phrases: list[str] | tuple[str, ...], start: int = 0,
                 end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of every phrase found in text[start:end], longest first where two could match."""
    pattern = _pattern(tuple(phrases))
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text, start, len(text) if end is None else end)]


def normal(phrase: str) -> str:
    """A matched phrase as it is written in a cue list (lower case, single spaces)."""
    return re.sub(r"\s+", " ", phrase.lower())
