"""Document + compiled engine -> Annotated: blocks, sentences, clauses, words, numbers and every phrase mention."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from pipeline.engine.ellipsis import Vocabulary, elliptical
from pipeline.engine.layout import Block, LayoutCues, ancestors, split_blocks
from pipeline.engine.matcher import Mention, Mentions, PhraseMatcher
from pipeline.engine.numbers import NumberGrammar, NumberSpan
from pipeline.engine.sentences import Sentence, split_sentences

# One definition of a word for every window and count: letters or digits, with inner apostrophes.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Brackets do not cut: a bracketed list ("symptoms (pollakiuria, dysuria)") belongs to the clause around it.
CLAUSE_MARKS = re.compile(r"[;:]|\s[—–]\s")
ASIDE = re.compile(r"\[[^\[\]\n]{0,200}\]")
CLAUSE_BREAKS = "clauses.breaks"
TERM_LISTS = "term:"


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
    asides: tuple[tuple[int, int], ...] = field(repr=False, default=())

    def __post_init__(self) -> None:
        # `of` is asked hundreds of thousands of times a build: answer it with mentions.of itself, not a wrapper
        object.__setattr__(self, "of", self.mentions.of)

    def in_aside(self, position: int, other: int) -> bool:
        """Whether position lies in a square-bracketed cross-reference ("[see Warnings (5.7)]") that other
        lies outside of."""
        index = bisect_right(self.asides, (position, len(self.text))) - 1
        if index < 0:
            return False
        start, end = self.asides[index]
        return start <= position < end and not start <= other < end

    def words_between(self, start: int, end: int) -> int:
        """How many words lie wholly inside [start, end)."""
        if end <= start:
            return 0
        return max(0, bisect_right(self.word_ends, end) - bisect_left(self.word_starts, start))

    def word_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """The words lying wholly inside [start, end) (words never overlap: their ends are sorted too)."""
        low, high = bisect_left(self.word_starts, start), bisect_right(self.word_ends, end)
        return list(zip(self.word_starts[low:high], self.word_ends[low:high], strict=True))

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

    def sentences_of(self, block: Block) -> tuple[Sentence, ...]:
        """The sentences of one block, found by bisection (sentences run in block order)."""
        low = bisect_left(self.sentences, block.index, key=lambda s: s.block)
        high = bisect_right(self.sentences, block.index, lo=low, key=lambda s: s.block)
        return self.sentences[low:high]

    def block_of(self, sentence: Sentence) -> Block:
        return self.blocks[sentence.block]

    def ancestors(self, block: Block) -> list[Block]:
        return ancestors(self.blocks, block)

    def of(self, list_name: str, start: int = 0, end: int | None = None) -> tuple[Mention, ...]:
        """Mentions of a list lying wholly inside [start, end) (shadowed by mentions.of on each instance)."""
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
    """Positions where a clause ends: ; : dashes, and each clause-break word."""
    cuts = {m.start() for m in CLAUSE_MARKS.finditer(text)}
    cuts.update(m.start for m in mentions.of(CLAUSE_BREAKS))
    return tuple(sorted(cuts))


def _with_elliptical(text: str, blocks: tuple[Block, ...], mentions: Mentions, matcher: PhraseMatcher) -> Mentions:
    """Mentions plus the vocabulary terms coordinations name without spelling out (pipeline.engine.ellipsis)."""
    vocabularies = [Vocabulary(name, lambda phrase, name=name: matcher.lookup(name, phrase),
                               matcher.first_words[name], matcher.last_words[name])
                    for name in matcher.list_names if name.startswith(TERM_LISTS)]
    extra: dict[str, list[Mention]] = {}
    for block in blocks:
        for mention in elliptical(text, block.start, block.end, vocabularies):
            if mentions.covering(mention.list_name, mention.start, mention.end) is None and \
                    not mentions.of(mention.list_name, mention.start, mention.end):
                extra.setdefault(mention.list_name, []).append(mention)
    return mentions.with_added(extra) if extra else mentions


def annotate(text: str, engine: Engine, marks: object | None = None) -> Annotated:
    """A raw text -> its annotation layer (built once; extractors only read it)."""
    blocks = tuple(split_blocks(text, engine.layout))
    mentions = _with_elliptical(text, blocks, engine.matcher.find(text), engine.matcher)
    if marks is not None:
        blocks = marks(text, blocks, mentions)  # type: ignore[operator]
    sentences = split_sentences(text, blocks, engine.abbreviations)
    words = [m.span() for m in WORD.finditer(text)]
    word_starts, word_ends = zip(*words, strict=True) if words else ((), ())
    return Annotated(
        text=text, blocks=blocks, sentences=sentences, word_starts=word_starts, word_ends=word_ends,
        clause_cuts=_clause_cuts(text, mentions), numbers=engine.numbers.find(text),
        mentions=mentions, sentence_starts=tuple(s.start for s in sentences),
        asides=tuple((m.start(), m.end()) for m in ASIDE.finditer(text)))
