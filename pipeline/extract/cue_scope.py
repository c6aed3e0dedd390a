"""Segmented text + cue lists -> labelled cue spans, clause starts, word windows and list frames."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.certainty import cue_spans
from pipeline.records import Block, SegmentedDocument, Sentence

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


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


def find_cues(text: str, groups: dict[str, list[str]], start: int, end: int) -> list[Cue]:
    """Every phrase of every group in text[start:end]; where spans overlap the longest wins."""
    found = [Cue(s, e, label) for label, phrases in groups.items() for s, e in cue_spans(text, phrases, start, end)]
    chosen: list[Cue] = []
    for cue in sorted(found, key=lambda c: (c.start - c.end, c.start)):
        if all(cue.end <= c.start or cue.start >= c.end for c in chosen):
            chosen.append(cue)
    return sorted(chosen, key=lambda c: c.start)


def words_back(text: str, position: int, count: int, floor: int) -> int:
    """The start of the count-th word before position, never before floor."""
    starts = [m.start() for m in _WORD.finditer(text, floor, position)]
    return starts[-count] if len(starts) >= count else floor


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


def section_heading(document: SegmentedDocument, block: Block) -> Block | None:
    """The nearest heading or question before a block that is not boilerplate."""
    for candidate in reversed(document.blocks[: block.index]):
        if candidate.kind in ("heading", "question") and not candidate.marks:
            return candidate
    return None


def list_frames(document: SegmentedDocument) -> list[ListFrame]:
    """Runs of consecutive list-item blocks with their lead-in (a sentence ending in ':') and
    the first content sentence after them."""
    content = document.content_sentences()
    by_block: dict[int, list[Sentence]] = {}
    for sentence in content:
        by_block.setdefault(sentence.block_index, []).append(sentence)
    frames: list[ListFrame] = []
    run: list[Block] = []
    for block in (*document.blocks, None):
        if block is not None and block.kind == "list-item" and not block.marks:
            run.append(block)
            continue
        if run:
            frames.append(_frame(document, run, by_block, block))
            run = []
    return frames


def _frame(document: SegmentedDocument, run: list[Block], by_block: dict[int, list[Sentence]],
           after: Block | None) -> ListFrame:
    lead_in = None
    before = [s for s in document.content_sentences() if s.block_index < run[0].index]
    if before and document.text[before[-1].start:before[-1].end].rstrip().endswith(":") \
            and before[-1].block_index >= run[0].index - 1:
        lead_in = before[-1]
    items = tuple(s for block in run for s in by_block.get(block.index, []))
    trailing = None
    if after is not None and by_block.get(after.index):
        trailing = by_block[after.index][0]
    return ListFrame(lead_in=lead_in, items=items, trailing=trailing)
