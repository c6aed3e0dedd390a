"""Text + vocabulary terms -> synonym matches (longest first, whole words, case-insensitive) with exact offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.phrases import DisjointSpans
from pipeline.records import Term

_TOKEN = re.compile(r"[^\W_]+")
# Inside one match, words may be separated by white space, a hyphen or an apostrophe only
# ("out-of-body" = "out of body"); any other character ends the candidate phrase. A
# possessive ends a word ("ketamine's" holds "ketamine").
_JOINER = re.compile(r"[\s\-‐‑–'’]+")
_HYPHENS = "-‐‑"


@dataclass(frozen=True)
class TermMatch:
    """One synonym found in a text: its offsets, the words as written and the term it names."""

    start: int
    end: int
    quote: str
    term_id: str
    kind: str


def normalise(phrase: str) -> str:
    """A phrase -> its lookup key: lower-case words joined by single spaces (hyphens count as spaces)."""
    return " ".join(m.group().lower() for m in _TOKEN.finditer(phrase))


@dataclass(frozen=True)
class TermMatcher:
    """The synonyms and labels of a set of terms, ready to be found in texts."""

    phrases: dict[str, tuple[tuple[str, str], ...]]  # normalised synonym -> ((term id, kind), ...)
    longest: int  # most words in one synonym

    def lookup(self, phrase: str) -> tuple[tuple[str, str], ...]:
        """(term id, kind) pairs whose synonym or label equals phrase (after normalisation)."""
        return self.phrases.get(normalise(phrase), ())

    def find(self, text: str, start: int = 0, end: int | None = None) -> tuple[TermMatch, ...]:
        """Every synonym in text[start:end], in text order.

        Overlapping candidates are resolved longest first (then leftmost), so "uncontrolled
        high blood pressure" wins over "high blood pressure". A match never starts or ends
        inside a hyphenated word ("anxiety-like" is not "anxiety"). A surface shared by terms
        of several kinds yields one match per term, on the same span.
        """
        end = len(text) if end is None else end
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
        candidates: list[tuple[int, int, str]] = []
        for i, (first_start, _) in enumerate(tokens):
            if i > 0 and text[first_start - 1] in _HYPHENS and tokens[i - 1][1] == first_start - 1:
                continue
            words: list[str] = []
            for j in range(i, min(i + self.longest, len(tokens))):
                if j > i and not _JOINER.fullmatch(text, tokens[j - 1][1], tokens[j][0]):
                    break
                words.append(text[tokens[j][0]:tokens[j][1]].lower())
                last_end = tokens[j][1]
                if last_end < len(text) and text[last_end] in _HYPHENS and j + 1 < len(tokens) \
                        and tokens[j + 1][0] == last_end + 1:
                    continue
                key = " ".join(words)
                if key in self.phrases:
                    candidates.append((first_start, last_end, key))
        taken = DisjointSpans()
        chosen = [candidate for candidate in sorted(candidates, key=lambda c: (c[0] - c[1], c[0]))
                  if taken.add(candidate[0], candidate[1])]
        return tuple(
            TermMatch(s, e, text[s:e], term_id, kind)
            for s, e, key in sorted(chosen)
            for term_id, kind in self.phrases[key])


def term_matcher(terms: Iterable[Term]) -> TermMatcher:
    """Terms -> a matcher of their synonyms and labels (build it once, use it for many texts)."""
    phrases: dict[str, list[tuple[str, str]]] = {}
    longest = 1
    for term in terms:
        for synonym in (*term.synonyms, term.label):
            key = normalise(synonym)
            if key and (term.term_id, term.kind) not in phrases.setdefault(key, []):
                phrases[key].append((term.term_id, term.kind))
                longest = max(longest, key.count(" ") + 1)
    return TermMatcher({k: tuple(v) for k, v in phrases.items()}, longest)


@lru_cache(maxsize=32)
def _cached(terms: tuple[Term, ...]) -> TermMatcher:
    return term_matcher(terms)


def lookup(phrase: str, terms: Iterable[Term]) -> tuple[tuple[str, str], ...]:
    """(term id, kind) pairs whose synonym or label equals phrase (after normalisation)."""
    return _cached(tuple(terms)).lookup(phrase)


def find_terms(text: str, terms: Iterable[Term], start: int = 0, end: int | None = None) -> tuple[TermMatch, ...]:
    """Every synonym of the given terms in text[start:end], in text order (see TermMatcher.find)."""
    return _cached(tuple(terms)).find(text, start, end)
