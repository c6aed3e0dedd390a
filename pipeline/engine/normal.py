"""Text -> the one normal form all phrase matching uses, with a map back to the original offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Runs of white space and hyphens become one space: "side-effects", "side  effects" and a
# phrase broken over two lines all read "side effects".
_GAP = re.compile(r"[\s\u00ad\-\u2010\u2011]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # a few characters lower-case to two (İ): keep those as they are so offsets still line up
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def normalise_phrase(phrase: str) -> str:
    """A cue or synonym -> its matching key (lower case, straight apostrophes, single spaces)."""
    return _lower(_GAP.sub(" ", phrase).strip()).translate(_APOSTROPHES)


@dataclass(frozen=True)
class NormalText:
    """A text in matching form: `text` plus the piece table that maps its offsets back."""

    text: str
    normal_starts: tuple[int, ...]  # start of each piece in the normal text
    original_starts: tuple[int, ...]  # start of the same piece in the original text

    def original(self, position: int) -> int:
        """Offset in the original text of the normal text's character at position."""
        piece = bisect_right(self.normal_starts, position) - 1
        return self.original_starts[piece] + (position - self.normal_starts[piece])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A normal-text span (end exclusive) -> the original span it covers."""
        return self.original(start), self.original(end - 1) + 1


def normalise_text(text: str) -> NormalText:
    """A raw text -> its normal form; pieces alternate between kept runs and collapsed gaps."""
    parts: list[str] = []
    normal_starts: list[int] = []
    original_starts: list[int] = []
    position = 0
    length = 0
    for gap in _GAP.finditer(text):
        if gap.start() > position:
            normal_starts.append(length)
            original_starts.append(position)
            parts.append(text[position:gap.start()])
            length += gap.start() - position
        normal_starts.append(length)
        original_starts.append(gap.start())
        parts.append(" ")
        length += 1
        position = gap.end()
    if position < len(text) or not parts:
        normal_starts.append(length)
        original_starts.append(position)
        parts.append(text[position:])
    normal = _lower("".join(parts)).translate(_APOSTROPHES)
    return NormalText(normal, tuple(normal_starts), tuple(original_starts))
