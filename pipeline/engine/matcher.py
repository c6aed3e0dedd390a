"""Named phrase lists -> one Aho-Corasick automaton -> every whole-word mention in a text, in one pass."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import ahocorasick

from pipeline.engine.normal import normalise_phrase, normalise_text


@dataclass(frozen=True, slots=True)
class Mention:
    """One phrase of a named list found in a text: original offsets, the list and the value it stands for."""

    start: int
    end: int
    list_name: str
    value: str


# (start, end, value) of one mention of a list, before it becomes a Mention
Found = tuple[int, int, str]


@dataclass(frozen=True)
class Mentions:
    """All mentions of one text, by list, each list sorted by start with no two overlapping.

    A list's Mention objects are made (its overlaps settled, `added` merged in) the first time it is asked for:
    most texts never ask for many of their lists."""

    found: Mapping[str, tuple[Found, ...]] = field(repr=False)  # every list's matches, sorted, overlaps unsettled
    added: Mapping[str, tuple[Mention, ...]] = field(default_factory=dict, repr=False)  # found by other means
    _lists: dict[str, tuple[tuple[Mention, ...], tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False)

    def _list(self, list_name: str) -> tuple[tuple[Mention, ...], tuple[int, ...]]:
        """A list's mentions and their starts (made once)."""
        built = self._lists.get(list_name)
        if built is None:
            found = self.found.get(list_name)
            mentions = _disjoint_longest(list_name, found) if found else ()
            added = self.added.get(list_name)
            if added:
                unique = {(m.start, m.end, m.value): m for m in added}.values()
                mentions = tuple(sorted((*mentions, *unique), key=lambda m: (m.start, m.end, m.value)))
            built = (mentions, tuple([m.start for m in mentions]))
            self._lists[list_name] = built
        return built

    @property
    def by_list(self) -> dict[str, tuple[Mention, ...]]:
        """Every list with a mention -> its mentions."""
        return {name: self._list(name)[0] for name in dict.fromkeys((*self.found, *self.added))}

    def with_added(self, added: Mapping[str, list[Mention]]) -> Mentions:
        """The same mentions plus others found by other means (kept when no match of their list overlaps them)."""
        merged = {name: (*self.added.get(name, ()), *mentions) for name, mentions in added.items()}
        return Mentions(self.found, {**self.added, **merged})

    def of(self, list_name: str, start: int = 0, end: int | None = None) -> tuple[Mention, ...]:
        """Mentions of a list lying wholly inside [start, end)."""
        mentions, starts = self._lists.get(list_name) or self._list(list_name)
        if not mentions:
            return ()
        if end is None:
            return mentions if start == 0 else mentions[bisect_left(starts, start):]
        low = bisect_left(starts, start)
        if low == len(starts) or starts[low] >= end:
            return ()  # none starts inside (most questions): no second bisection
        high = bisect_left(starts, end, low)
        # mentions of a list never overlap, so their ends are sorted too: only the last may reach past `end`
        if mentions[high - 1].end > end:
            high -= 1
        return mentions[low:high]

    def any_of(self, list_names: Iterable[str], start: int, end: int) -> bool:
        """Whether any of the lists has a mention lying wholly inside [start, end)."""
        for list_name in list_names:
            if self.of(list_name, start, end):
                return True
        return False

    def first(self, list_name: str, start: int, end: int) -> Mention | None:
        found = self.of(list_name, start, end)
        return found[0] if found else None

    def last(self, list_name: str, start: int, end: int) -> Mention | None:
        found = self.of(list_name, start, end)
        return found[-1] if found else None

    def covering(self, list_name: str, start: int, end: int) -> Mention | None:
        """The mention of a list that contains [start, end), if any."""
        mentions, starts = self._lists.get(list_name) or self._list(list_name)
        index = bisect_left(starts, start + 1) - 1
        if index >= 0 and mentions[index].start <= start and mentions[index].end >= end:
            return mentions[index]
        return None


# A run of letters or a run of digits: letters next to digits are two words ("Esk84").
_WORD_PART = re.compile(r"[^\W\d_]+|\d+")


def _disjoint_longest(list_name: str, found: tuple[Found, ...]) -> tuple[Mention, ...]:
    """One list's matches (sorted) -> the longest (then leftmost) of each overlap, in text order."""
    if all(found[i][1] <= found[i + 1][0] for i in range(len(found) - 1)):
        return tuple([Mention(start, end, list_name, value) for start, end, value in found])  # nothing overlaps
    chosen: list[Found] = []
    taken: list[tuple[int, int]] = []
    for start, end, value in sorted(found, key=lambda f: (f[0] - f[1], f[0], f[2])):
        index = bisect_left(taken, (start, end))
        if index > 0 and taken[index - 1][1] > start:
            continue
        if index < len(taken) and taken[index][0] < end:
            continue
        taken.insert(index, (start, end))
        chosen.append((start, end, value))
    return tuple(Mention(start, end, list_name, value) for start, end, value in sorted(chosen))


class PhraseMatcher:
    """Every phrase of every list in one automaton, built once per build and shared by all documents."""

    def __init__(self, lists: Mapping[str, Mapping[str, Iterable[str]]]):
        """lists: list name -> {value: phrases that stand for it}."""
        payloads: dict[str, set[tuple[str, str]]] = {}
        for list_name, values in lists.items():
            for value, phrases in values.items():
                for phrase in phrases:
                    key = normalise_phrase(phrase)
                    if key:
                        payloads.setdefault(key, set()).add((list_name, value))
        # first and last words of the phrases of several words, per list: a cheap test before a look-up
        self.first_words: dict[str, frozenset[str]] = {}
        self.last_words: dict[str, frozenset[str]] = {}
        for list_name in lists:
            keys = [k for k, entries in payloads.items() if " " in k and any(n == list_name for n, _ in entries)]
            self.first_words[list_name] = frozenset(k.split(" ", 1)[0] for k in keys)
            self.last_words[list_name] = frozenset(k.rsplit(" ", 1)[1] for k in keys)
        self._automaton = ahocorasick.Automaton()
        for key, entries in payloads.items():
            self._automaton.add_word(key, (len(key), tuple(sorted(entries))))
        self.list_names = tuple(sorted(lists))
        if payloads:
            self._automaton.make_automaton()
        self._empty = not payloads

    def lookup(self, list_name: str, phrase: str) -> str | None:
        """The value a phrase stands for in a list, when the phrase (in matching form) is one of its phrases."""
        found = self._automaton.get(normalise_phrase(phrase), None) if not self._empty else None
        if found is None:
            return None
        return next((value for name, value in found[1] if name == list_name), None)

    def _spans(self, text: str) -> list[tuple[int, int, tuple[tuple[str, str], ...]]]:
        """Every automaton hit on whole words: (start, end) in the raw text and its (list, value) entries."""
        normal = normalise_text(text)
        haystack = normal.text
        # a phrase may start where a word starts (or on a sign) and end where a word ends (or on a sign)
        parts = [m.span() for m in _WORD_PART.finditer(haystack)]
        starts = {start for start, _ in parts}
        ends = {end - 1 for _, end in parts}
        hits = []
        for last, (length, entries) in self._automaton.iter(haystack):
            first = last - length + 1
            if (first in starts or not haystack[first].isalnum()) and (last in ends or not haystack[last].isalnum()):
                hits.append((first, last + 1, entries))
        if normal.run_starts:
            return [(*normal.span(first, after), entries) for first, after, entries in hits]
        return hits

    def find(self, text: str) -> Mentions:
        """A raw text -> its mentions of every list (whole words only, offsets into the raw text)."""
        found: dict[str, list[Found]] = {}
        if not self._empty:
            for start, end, entries in self._spans(text):
                for list_name, value in entries:
                    found.setdefault(list_name, []).append((start, end, value))
        # lists with no mention in the text are left out (`of` answers () for them)
        return Mentions({name: tuple(sorted(spans)) for name, spans in found.items()})
