"""Segmented text + cue lists -> labelled cue spans, clause starts, word windows and list frames.

The functions answer one question by scanning the text they are given. The indexes (CueIndex,
WordIndex, Clauses) scan a sentence once and then answer the same questions for any window of it
in logarithmic time, so that a rule asked once per mention stays linear in the sentence's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from pipeline.extract.certainty import cue_spans
from pipeline.extract.phrases import DisjointSpans
from pipeline.records import Block, SegmentedDocument, Sentence

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_WORD_CHARACTER = re.compile(r"\w")


@dataclass(frozen=True)
class Cue:
    """A cue phrase found in the text, with the name of the list it came from."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class ListFrame:
    """A run of list items with the sentence that introduces it and the one that follows it."""

    lead_in: Sentence | None
    items: tuple[Sentence, ...]
    trailing: Sentence | None


def _resolve(found: list[Cue]) -> list[Cue]:
    """Overlapping cues -> the longest of each overlap (then the leftmost), in text order."""
    chosen = DisjointSpans()
    kept = [cue for cue in sorted(found, key=lambda c: (c.start - c.end, c.start)) if chosen.add(cue.start, cue.end)]
    return sorted(kept, key=lambda c: c.start)


def find_cues(text: str, groups: dict[str, list[str]], start: int, end: int) -> list[Cue]:
    """Every phrase of every group in text[start:end]; where spans overlap the longest wins."""
    return _resolve([Cue(s, e, label) for label, phrases in groups.items()
                     for s, e in cue_spans(text, phrases, start, end)])


def word_count(text: str, start: int, end: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, end))


def clause_start(text: str, sentence: Sentence, position: int, breaks: list[str], marks: list[str]) -> int:
    """Where the clause holding position begins: after the last break word or mark before it."""
    start = sentence.start
    for _, end in cue_spans(text, breaks, sentence.start, position):
        start = max(start, end)
    for mark in marks:
        found = text.rfind(mark, sentence.start, position)
        if found != -1:
            start = max(start, found + len(mark))
    return start


def clause_end(text: str, sentence: Sentence, position: int, breaks: list[str], marks: list[str]) -> int:
    """Where the clause holding position ends: before the first break word or mark after it."""
    end = sentence.end
    found = cue_spans(text, breaks, position, sentence.end)
    if found:
        end = min(end, found[0][0])
    for mark in marks:
        at = text.find(mark, position, sentence.end)
        if at != -1:
            end = min(end, at)
    return end


@lru_cache(maxsize=256)
def _none_ends_in_space(phrases: tuple[str, ...]) -> bool:
    return all(phrase == phrase.rstrip() for phrase in phrases)


def _straddled(starts: list[int], reach: list[int], position: int) -> bool:
    """Whether a span (starts sorted, reach the running maximum of their ends) has start < position < end."""
    index = bisect_left(starts, position)
    return index > 0 and reach[index - 1] > position


@dataclass(frozen=True)
class CueIndex:
    """The cues of some phrase groups in one stretch of text (a sentence), found once.

    within(start, end) is find_cues(text, groups, start, end). A scan of a window finds what the scan
    of the stretch finds inside it, except where the window's edge cuts a match, or where a phrase
    could end right at the window's end before a word character (the whole-word test looks past the
    end only in the stretch); then the window is scanned.
    """

    text: str
    groups: dict[str, list[str]]
    start: int
    end: int
    cues: tuple[Cue, ...]
    starts: tuple[int, ...]  # of the cues
    ends: tuple[int, ...]
    raw_starts: list[int]  # every match of every group, by start (before overlaps are resolved)
    raw_reach: list[int]  # running maximum of their ends
    exact: bool  # no phrase ends in white space (else every window is scanned)

    @classmethod
    def of(cls, text: str, groups: dict[str, list[str]], start: int, end: int) -> CueIndex:
        raw = sorted((s, e) for phrases in groups.values() for s, e in cue_spans(text, phrases, start, end))
        cues = tuple(find_cues(text, groups, start, end))
        exact = all(_none_ends_in_space(tuple(phrases)) for phrases in groups.values())
        return cls(text, groups, start, end, cues, tuple(c.start for c in cues), tuple(c.end for c in cues),
                   [s for s, _ in raw], list(accumulate((e for _, e in raw), max)), exact)

    def _clean(self, start: int, end: int) -> bool:
        if not (self.exact and self.start <= start <= end <= self.end):
            return False
        if _straddled(self.raw_starts, self.raw_reach, start) or _straddled(self.raw_starts, self.raw_reach, end):
            return False
        return end == self.end or not (_WORD_CHARACTER.match(self.text, end) and not self.text[end - 1].isspace())

    def _range(self, start: int, end: int) -> tuple[int, int]:
        low = bisect_left(self.starts, start)
        return low, max(low, bisect_right(self.ends, end))

    def within(self, start: int, end: int) -> list[Cue]:
        """The cues of text[start:end], in text order."""
        if not self._clean(start, end):
            return find_cues(self.text, self.groups, start, end)
        low, high = self._range(start, end)
        return list(self.cues[low:high])

    def first(self, start: int, end: int) -> Cue | None:
        """The first cue of text[start:end]."""
        if not self._clean(start, end):
            found = find_cues(self.text, self.groups, start, end)
            return found[0] if found else None
        low, high = self._range(start, end)
        return self.cues[low] if low < high else None

    def last(self, start: int, end: int) -> Cue | None:
        """The last cue of text[start:end]."""
        if not self._clean(start, end):
            found = find_cues(self.text, self.groups, start, end)
            return found[-1] if found else None
        low, high = self._range(start, end)
        return self.cues[high - 1] if low < high else None


@dataclass(frozen=True)
class WordIndex:
    """The words (matches of a pattern without look-arounds) of one stretch of text, found once.

    A scan of a window finds the stretch's words inside it unless the window's edge cuts a word;
    then the window is scanned.
    """

    text: str
    pattern: re.Pattern[str]
    start: int
    end: int
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str, start: int, end: int, pattern: re.Pattern[str] = _WORD) -> WordIndex:
        spans = [m.span() for m in pattern.finditer(text, start, end)]
        return cls(text, pattern, start, end, [s for s, _ in spans], [e for _, e in spans])

    def clean(self, start: int, end: int) -> bool:
        """Whether text[start:end] holds exactly the stretch's words inside it."""
        return self.start <= start <= end <= self.end \
            and not _straddled(self.starts, self.ends, start) and not _straddled(self.starts, self.ends, end)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Indexes (first, after last) of the words of a clean window."""
        return bisect_left(self.starts, start), bisect_left(self.starts, end)

    def count(self, start: int, end: int) -> int:
        """How many words text[start:end] holds."""
        if start >= end:
            return 0
        if not self.clean(start, end):
            return sum(1 for _ in self.pattern.finditer(self.text, start, end))
        first, after = self.span(start, end)
        return after - first

    def back(self, position: int, count: int, floor: int) -> int:
        """The start of the count-th word before position, never before floor."""
        if count < 1 or floor > position or not self.clean(floor, position):
            starts = [m.start() for m in self.pattern.finditer(self.text, floor, position)]
            return starts[-count] if len(starts) >= count else floor
        first, after = self.span(floor, position)
        return self.starts[after - count] if after - first >= count else floor


@dataclass(frozen=True)
class Clauses:
    """clause_start and clause_end of one sentence, its break words and marks found once."""

    text: str
    sentence: Sentence
    breaks: list[str]
    marks: list[str]
    break_index: CueIndex
    mark_starts: tuple[list[int], ...]  # every start of each mark in the sentence

    @classmethod
    def of(cls, text: str, sentence: Sentence, breaks: list[str], marks: list[str]) -> Clauses:
        found = []
        for mark in marks:
            starts: list[int] = []
            at = text.find(mark, sentence.start, sentence.end) if mark else -1
            while at != -1:
                starts.append(at)
                at = text.find(mark, at + 1, sentence.end)
            found.append(starts)
        return cls(text, sentence, breaks, marks,
                   CueIndex.of(text, {"break": breaks}, sentence.start, sentence.end), tuple(found))

    def start(self, position: int) -> int:
        """clause_start(text, sentence, position, breaks, marks)."""
        sentence = self.sentence
        if not sentence.start <= position <= sentence.end or "" in self.marks:
            return clause_start(self.text, sentence, position, self.breaks, self.marks)
        last = self.break_index.last(sentence.start, position)
        start = max(sentence.start, last.end) if last else sentence.start
        for mark, starts in zip(self.marks, self.mark_starts, strict=True):
            index = bisect_right(starts, position - len(mark)) - 1
            if index >= 0:
                start = max(start, starts[index] + len(mark))
        return start

    def end(self, position: int) -> int:
        """clause_end(text, sentence, position, breaks, marks)."""
        sentence = self.sentence
        if not sentence.start <= position <= sentence.end or "" in self.marks:
            return clause_end(self.text, sentence, position, self.breaks, self.marks)
        first = self.break_index.first(position, sentence.end)
        end = min(sentence.end, first.start) if first else sentence.end
        for starts in self.mark_starts:
            index = bisect_left(starts, position)
            if index < len(starts):
                end = min(end, starts[index])
        return end


def section_heading(document: SegmentedDocument, block: Block) -> Block | None:
    """The nearest heading or question before a block that is not boilerplate."""
    for candidate in reversed(document.blocks[: block.index]):
        if candidate.kind in ("heading", "question") and not candidate.marks:
            return candidate
    return None


def section_headings(document: SegmentedDocument) -> tuple[Block | None, ...]:
    """section_heading of every block, by block index, in one pass."""
    found: list[Block | None] = []
    current: Block | None = None
    for block in document.blocks:
        found.append(current)
        if block.kind in ("heading", "question") and not block.marks:
            current = block
    return tuple(found)


def list_frames(document: SegmentedDocument) -> list[ListFrame]:
    """Runs of consecutive list-item blocks with their lead-in (a sentence ending in ':') and
    the first content sentence after them."""
    content = document.content_sentences()
    by_block: dict[int, list[Sentence]] = {}
    for sentence in content:
        by_block.setdefault(sentence.block_index, []).append(sentence)
    content_blocks = [s.block_index for s in content]
    frames: list[ListFrame] = []
    run: list[Block] = []
    for block in (*document.blocks, None):
        if block is not None and block.kind == "list-item" and not block.marks:
            run.append(block)
            continue
        if run:
            before = bisect_left(content_blocks, run[0].index)  # content sentences of earlier blocks
            frames.append(_frame(document, run, by_block, block, content[before - 1] if before else None))
            run = []
    return frames


def _frame(document: SegmentedDocument, run: list[Block], by_block: dict[int, list[Sentence]],
           after: Block | None, previous: Sentence | None) -> ListFrame:
    lead_in = None
    if previous is not None and document.text[previous.start:previous.end].rstrip().endswith(":") \
            and previous.block_index >= run[0].index - 1:
        lead_in = previous
    items = tuple(s for block in run for s in by_block.get(block.index, []))
    trailing = None
    if after is not None and by_block.get(after.index):
        trailing = by_block[after.index][0]
    return ListFrame(lead_in=lead_in, items=items, trailing=trailing)
