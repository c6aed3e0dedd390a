"""Document + compiled engine -> Annotated: blocks, sentences, clauses, words, numbers and every phrase mention."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from pipeline.engine.layout import Block, LayoutCues, ancestors, split_blocks
from pipeline.engine.matcher import Mention, Mentions, PhraseMatcher
from pipeline.engine.numbers import NumberGrammar, NumberSpan
from pipeline.engine.sentences import Sentence, split_sentences

# One definition of a word for every window and count: letters or digits, with inner apostrophes.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
CLAUSE_MARKS = re.compile(r"[;:]|\s[—–]\s|\(|\)")
CLAUSE_BREAKS = "clauses.breaks"


@dataclass(frozen=True)
class Engine:
    """Everything compiled once per build and shared by all documents."""

    matcher: PhraseMatcher
    numbers: NumberGrammar
    layout: LayoutCues
    abbreviations: frozenset[str]


@dataclass(frozen=True)
class Annotated:
    """One text read once: every structure and mention an extractor may ask about."""

    text: str
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]
    word_starts: tuple[int, ...] = field(repr=False)
    word_ends: tuple[int, ...] = field(repr=False)
    clause_cuts: tuple[int, ...] = field(repr=False)
    numbers: tuple[NumberSpan, ...] = field(repr=False)
    mentions: Mentions = field(repr=False)
    sentence_starts: tuple[int, ...] = field(repr=False)

    def words_between(self, start: int, end: int) -> int:
        """How many words lie wholly inside [start, end)."""
        if end <= start:
            return 0
        return max(0, bisect_right(self.word_ends, end) - bisect_left(self.word_starts, start))

    def word_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        low, high = bisect_left(self.word_starts, start), bisect_right(self.word_ends, end)
        return [(self.word_starts[i], self.word_ends[i]) for i in range(low, high) if self.word_ends[i] <= end]

    def sentence_at(self, position: int) -> Sentence | None:
        index = bisect_right(self.sentence_starts, position) - 1
        if index >= 0 and self.sentences[index].start <= position < self.sentences[index].end:
            return self.sentences[index]
        return None

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The clause around [start, end): its sentence cut at the clause breaks before and after."""
        sentence = self.sentence_at(start)
        low, high = (sentence.start, sentence.end) if sentence else (start, end)
        before = bisect_right(self.clause_cuts, start) - 1
        after = bisect_left(self.clause_cuts, end)
        if before >= 0:
            low = max(low, self.clause_cuts[before])
        if after < len(self.clause_cuts):
            high = min(high, self.clause_cuts[after])
        return low, max(high, end)

    def block_of(self, sentence: Sentence) -> Block:
        return self.blocks[sentence.block]

    def ancestors(self, block: Block) -> list[Block]:
        return ancestors(self.blocks, block)

    def of(self, list_name: str, start: int = 0, end: int | None = None) -> tuple[Mention, ...]:
        return self.mentions.of(list_name, start, end)

    def numbers_in(self, start: int, end: int) -> tuple[NumberSpan, ...]:
        """Numbers lying wholly inside [start, end), found by bisection (numbers are sorted and disjoint)."""
        low = bisect_left(self.numbers, start, key=lambda n: n.start)
        high = bisect_left(self.numbers, end, lo=low, key=lambda n: n.start)
        return tuple(n for n in self.numbers[low:high] if n.end <= end)

    def content(self, block: Block) -> bool:
        """Whether an extractor may read the block: it is not boilerplate."""
        return not block.marks


def _clause_cuts(text: str, mentions: Mentions) -> tuple[int, ...]:
    """Positions where a clause ends: ; : dashes and brackets, and each clause-break word."""
    cuts = {m.start() for m in CLAUSE_MARKS.finditer(text)}
    cuts.update(m.start for m in mentions.of(CLAUSE_BREAKS))
    return tuple(sorted(cuts))


def annotate(text: str, engine: Engine, marks: object | None = None) -> Annotated:
    """A raw text -> its annotation layer (built once; extractors only read it)."""
    mentions = engine.matcher.find(text)
    blocks = tuple(split_blocks(text, engine.layout))
    if marks is not None:
        blocks = marks(text, blocks, mentions)  # type: ignore[operator]
    sentences = split_sentences(text, blocks, engine.abbreviations)
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    return Annotated(
        text=text, blocks=blocks, sentences=sentences,
        word_starts=tuple(s for s, _ in words), word_ends=tuple(e for _, e in words),
        clause_cuts=_clause_cuts(text, mentions), numbers=engine.numbers.find(text),
        mentions=mentions, sentence_starts=tuple(s.start for s in sentences))
