"""Annotated text + a sentence's span -> its tokens (words and numbers) and the phrase mentions starting at each."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.engine.numbers import NumberSpan

COUNTABLE = ("digits", "words", "range")  # numbers that count things ("three", "2-3"), not "twice" or "first"
TIMES = ("times",)
ORDINAL = ("ordinal",)
# Characters that may stand between two tokens of one phrase: white space and hyphens ("twice-weekly").
JOINING = " \t\n\r\u00a0-\u2010\u2011"


@dataclass(frozen=True, slots=True)
class Token:
    """A word, or a number covering one or more words ("2-3", "one to four", "0.5")."""

    start: int
    end: int
    number: NumberSpan | None = None


@dataclass(frozen=True)
class Stream:
    """The tokens of one span of text, and the questions every grammar rule asks of them."""

    annotated: Annotated
    start: int
    end: int
    tokens: tuple[Token, ...]
    starts: tuple[int, ...]
    _by_start: dict[str, dict[int, Mention]] = field(default_factory=dict, repr=False, compare=False)
    # answers the grammar's rules ask again and again of the same tokens, by question (see schedule_timing)
    answered: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.annotated.text

    def __len__(self) -> int:
        return len(self.tokens)

    def index_at(self, position: int) -> int:
        """The index of the first token starting at or after position (len(self) past the end)."""
        return bisect_left(self.starts, position)

    def mentions_at(self, list_name: str) -> dict[int, Mention]:
        """A list's mentions inside the span, by start."""
        found = self._by_start.get(list_name)
        if found is None:
            found = {m.start: m for m in self.annotated.of(list_name, self.start, self.end)}
            self._by_start[list_name] = found
        return found

    def phrase(self, list_name: str, index: int, joined: bool = True) -> tuple[Mention, int] | None:
        """The mention of a list that starts at token index (joined to the token before it unless
        joined=False), and the index of the token after it."""
        if index >= len(self.tokens):
            return None
        by_start = self._by_start.get(list_name)
        if by_start is None:
            by_start = self.mentions_at(list_name)
        found = by_start.get(self.tokens[index].start)
        if found is None or (joined and not self.joined(index)):
            return None
        return found, self.index_at(found.end)

    def has(self, list_name: str, index: int, joined: bool = True) -> int | None:
        """The index after a mention of the list starting at token index, or None."""
        found = self.phrase(list_name, index, joined)
        return found[1] if found else None

    def skip(self, list_name: str, index: int) -> int:
        """Past an optional mention of the list at token index."""
        found = self.phrase(list_name, index)
        return found[1] if found else index

    def number(self, index: int, kinds: tuple[str, ...] = COUNTABLE, joined: bool = True) -> NumberSpan | None:
        """The number of one of the kinds at token index."""
        if index >= len(self.tokens) or (joined and not self.joined(index)):
            return None
        number = self.tokens[index].number
        return number if number is not None and number.kind in kinds else None

    def word(self, index: int, joined: bool = True) -> bool:
        """Token index is a word (not a number), joined to the token before it unless joined=False."""
        return index < len(self.tokens) and self.tokens[index].number is None and (not joined or self.joined(index))

    def gap(self, index: int) -> str:
        """The characters between token index - 1 and token index."""
        if index <= 0 or index >= len(self.tokens):
            return ""
        return self.text[self.tokens[index - 1].end:self.tokens[index].start]

    def joined(self, index: int) -> bool:
        """Token index follows the one before it with nothing but white space or hyphens between."""
        return not self.gap(index).strip(JOINING)

    def ends_before(self, list_name: str, index: int) -> Mention | None:
        """A mention of the list that ends right before token index (white space between)."""
        if index <= 0 or index > len(self.tokens):
            return None
        position = self.tokens[index].start if index < len(self.tokens) else self.end
        key = f"{list_name}@end"
        by_end = self._by_start.get(key)
        if by_end is None:
            by_end = {m.end: m for m in self.annotated.of(list_name, self.start, self.end)}
            self._by_start[key] = by_end
        found = by_end.get(self.tokens[index - 1].end)
        if found is None:
            return None
        return found if not self.text[found.end:position].strip(JOINING) else None

    def starting(self, list_names: tuple[str, ...]) -> list[set[str]]:
        """Per token, which of the lists have a mention starting at it."""
        found: list[set[str]] = [set() for _ in self.tokens]
        for name in list_names:
            for position in self.mentions_at(name):
                index = self.index_at(position)
                if index < len(self.tokens) and self.tokens[index].start == position:
                    found[index].add(name)
        return found

    def span(self, first: int, after: int) -> tuple[int, int]:
        """Character span of tokens first .. after - 1."""
        return self.tokens[first].start, self.tokens[after - 1].end


def words_before(annotated: Annotated, floor: int, position: int, count: int) -> list[tuple[int, int]]:
    """The last `count` words wholly inside [floor, position), in text order (found by bisection, not by listing
    every word of a long sentence)."""
    high = bisect_right(annotated.word_ends, position)
    low = max(bisect_left(annotated.word_starts, floor), high - count)
    return [(annotated.word_starts[i], annotated.word_ends[i]) for i in range(low, high)]


def words_after(annotated: Annotated, position: int, ceiling: int, count: int) -> list[tuple[int, int]]:
    """The first `count` words wholly inside [position, ceiling), in text order."""
    low = bisect_left(annotated.word_starts, position)
    high = min(bisect_right(annotated.word_ends, ceiling), low + count)
    return [(annotated.word_starts[i], annotated.word_ends[i]) for i in range(low, high)]


def next_character(text: str, position: int, end: int, skip: str = " \t") -> str:
    """The first character at or after position (before end) that is not one of `skip`, or ""."""
    while position < end and text[position] in skip:
        position += 1
    return text[position] if position < end else ""


def stream(annotated: Annotated, start: int, end: int) -> Stream:
    """The tokens of text[start:end]: its words, with every number as one token."""
    numbers = annotated.numbers_in(start, end)
    tokens: list[Token] = []
    index = 0
    for word_start, word_end in annotated.word_spans(start, end):
        while index < len(numbers) and numbers[index].end <= word_start:
            index += 1
        if index < len(numbers) and numbers[index].start <= word_start < numbers[index].end:
            number = numbers[index]
            if not tokens or tokens[-1].number is not number:
                tokens.append(Token(number.start, number.end, number))
            continue
        tokens.append(Token(word_start, word_end))
    return Stream(annotated, start, end, tuple(tokens), tuple(t.start for t in tokens))
