"""Text -> the one normal form all phrase matching uses, with a map back to the original offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Runs of white space and hyphens become one space: "side-effects", "side  effects" and a
# phrase broken over two lines all read "side effects".
_GAP = re.compile(r"[\s\u00ad\-\u2010\u2011]+")
_APOSTROPHES = ("’", "‘", "ʼ")


def _straight(text: str) -> str:
    """Curly and modifier apostrophes -> "'" (str.replace: far cheaper than a translation table on long texts)."""
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    return text


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # a few characters lower-case to two (İ): keep those as they are so offsets still line up
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def normalise_phrase(phrase: str) -> str:
    """A cue or synonym -> its matching key (lower case, straight apostrophes, single spaces)."""
    return _straight(_lower(_GAP.sub(" ", phrase).strip()))


@dataclass(frozen=True)
class NormalText:
    """A text in matching form and where its collapsed runs were: `text` plus the map back to the original."""

    text: str
    run_starts: tuple[int, ...]  # where each collapsed run (two or more characters made one space) is in `text`
    removed: tuple[int, ...]  # characters removed up to and including that run

    def original(self, position: int) -> int:
        """Offset in the original text of the normal text's character at position."""
        index = bisect_right(self.run_starts, position - 1) - 1
        return position + (self.removed[index] if index >= 0 else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A normal-text span (end exclusive) -> the original span it covers."""
        return self.original(start), self.original(end - 1) + 1


_LONG_GAP = re.compile(r"[\s\u00ad\-\u2010\u2011]{2,}")


def normalise_text(text: str) -> NormalText:
    """A raw text -> its normal form; only runs of two or more gap characters change the offsets."""
    run_starts: list[int] = []
    removed: list[int] = []
    total = 0
    for run in _LONG_GAP.finditer(text):
        run_starts.append(run.start() - total)
        total += run.end() - run.start() - 1
        removed.append(total)
    normal = _straight(_lower(_GAP.sub(" ", text)))
    return NormalText(normal, tuple(run_starts), tuple(removed))
