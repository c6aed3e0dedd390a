"""Phrase lists -> whole-word, case-insensitive spans in a text (compiled once per list)."""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from functools import lru_cache


def _trie_pattern(phrases: set[str]) -> str:
    """An alternation of the phrases factored by common prefixes, longer matches tried first; regex engines
    try alternatives one by one, so a flat alternation of hundreds of phrases is slow at every position."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in re.sub(r"\s+", " ", phrase.lower()):
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [(r"\s+" if char == " " else re.escape(char)) + build(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@lru_cache(maxsize=1024)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    words = {p for p in phrases if p.strip()}
    if not words:
        return None
    return re.compile(rf"(?<![\w'’])(?:{_trie_pattern(words)})(?![\w])", re.IGNORECASE)


def phrase_spans(text: str, phrases: list[str] | tuple[str, ...], start: int = 0,
                 end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of every phrase found in text[start:end], the longest where several start at one place."""
    pattern = _pattern(tuple(phrases))
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text, start, len(text) if end is None else end)]


def normal(phrase: str) -> str:
    """A matched phrase as it is written in a cue list (lower case, single spaces)."""
    return re.sub(r"\s+", " ", phrase.lower())


class DisjointSpans:
    """Spans kept so far, none overlapping another; tells in log time whether a new span would overlap one.

    Greedy selection ("longest first, each candidate kept unless it overlaps one kept before") with a
    pairwise check costs the square of the number of candidates; this keeps the kept spans sorted instead.
    """

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []  # sorted; disjoint, so their ends are sorted too

    def overlaps(self, start: int, end: int) -> bool:
        """Whether start-end overlaps a kept span (touching does not count)."""
        # Of the kept spans starting before end, the last one reaches furthest.
        index = bisect_left(self._spans, end, key=lambda span: span[0]) - 1
        return index >= 0 and self._spans[index][1] > start

    def add(self, start: int, end: int) -> bool:
        """Keep start-end unless it overlaps a kept span; whether it was kept."""
        if self.overlaps(start, end):
            return False
        insort(self._spans, (start, end))
        return True
