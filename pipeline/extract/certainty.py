"""A stretch of text + certainty cues -> asserted, hedged or negated."""

from __future__ import annotations

import re
from typing import Any

from pipeline.extract.phrases import phrase_spans

# "n't" is glued to its verb, so unlike the other cues it has no word boundary on the left.
_CONTRACTED_NOT = re.compile(r"n['’]t(?![\w])", re.IGNORECASE)


def cue_spans(text: str, phrases: list[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of every cue phrase found in text[start:end] (whole words, case-insensitive)."""
    found = phrase_spans(text, [p for p in phrases if p != "n't"], start, end)
    if "n't" in phrases:
        stop = len(text) if end is None else end
        found = sorted(found + [(m.start(), m.end()) for m in _CONTRACTED_NOT.finditer(text, start, stop)])
    return found


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
