"""Coordinations with a shared word -> the vocabulary terms they name but do not spell out.

"severe heart or liver disease" names heart disease; "increased intracranial or intraocular pressure"
names increased intracranial pressure; "hepatic, renal, ... or cardiovascular disease" names each. A
conjunct that, completed with the other conjunct's shared head (or modifier), spells a synonym of a
vocabulary list is a mention of that term, spanning the conjunct's own words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.engine.matcher import Mention

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_COORDINATORS = frozenset({"and", "or", "and/or"})
# what may stand between two conjuncts of a list: a comma, optionally after a bracketed aside
_LIST_COMMA = re.compile(r"(?:\s*\([^()]{0,80}\))?\s*,\s*$")
# what may stand between a coordinator and the word before it
_COORDINATOR_GAP = re.compile(r",?\s+")
MAX_CONJUNCT_WORDS = 4
MAX_HEAD_WORDS = 2
MAX_CONJUNCTS = 12
LIST_COMMA_WINDOW = 90  # characters a comma and a bracketed aside between two conjuncts may take

Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class Vocabulary:
    """One phrase list as the ellipsis rules need it: its look-up and the first and last words of its phrases."""

    list_name: str
    lookup: Lookup
    first_words: frozenset[str]
    last_words: frozenset[str]
Words = list[re.Match[str]]


def _phrase(words: Words) -> str:
    return " ".join(w.group() for w in words)


def _joined(text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    """Two words of one conjunct: only a space between them."""
    return text[first.end():second.start()] == " "


def _right_conjunct(text: str, words: Words, index: int) -> Words:
    """The few words after a coordinator, up to the next punctuation."""
    conjunct = [words[index]]
    while (len(conjunct) < MAX_CONJUNCT_WORDS and index + len(conjunct) < len(words)
           and _joined(text, conjunct[-1], words[index + len(conjunct)])):
        conjunct.append(words[index + len(conjunct)])
    return conjunct


def _left_conjuncts(text: str, words: Words, index: int) -> list[Words]:
    """The conjuncts before the coordinator at words[index]: a few words, and before them the ones listed
    with commas ("hepatic, renal, cardiovascular (including ...), or")."""
    conjuncts: list[Words] = []
    last = index - 1
    while last >= 0 and len(conjuncts) < MAX_CONJUNCTS:
        conjunct = [words[last]]
        while (len(conjunct) < MAX_CONJUNCT_WORDS and last - len(conjunct) >= 0
               and words[last - len(conjunct)].group().lower() not in _COORDINATORS
               and _joined(text, words[last - len(conjunct)], conjunct[0])):
            conjunct.insert(0, words[last - len(conjunct)])
        conjuncts.insert(0, conjunct)
        before = _LIST_COMMA.search(text, max(0, conjunct[0].start() - LIST_COMMA_WINDOW), conjunct[0].start())
        if before is None:
            break
        last = next((i for i in range(last - len(conjunct), -1, -1) if words[i].end() <= before.start()), -1)
    return conjuncts


def _shared_head(lefts: list[Words], right: Words, vocabulary: Vocabulary) -> list[Mention]:
    heads = [right[-h:] for h in range(1, min(MAX_HEAD_WORDS, len(right) - 1) + 1)]
    heads = [head for head in heads if head[-1].group().lower() in vocabulary.last_words]
    found = []
    for conjunct in lefts if heads else ():
        for size in range(len(conjunct), 0, -1):
            own = conjunct[-size:]
            if own[0].group().lower() not in vocabulary.first_words:
                continue
            value = next((v for head in heads if (v := vocabulary.lookup(f"{_phrase(own)} {_phrase(head)}"))), None)
            if value is not None:
                found.append(Mention(own[0].start(), own[-1].end(), vocabulary.list_name, value))
                break
    return found


def _shared_modifier(left: Words, right: Words, vocabulary: Vocabulary) -> list[Mention]:
    if not left or left[0].group().lower() not in vocabulary.first_words:
        return []
    for size in range(1, len(left)):
        modifier = left[:size]
        for width in range(len(right), 0, -1):
            if right[width - 1].group().lower() not in vocabulary.last_words:
                continue
            value = vocabulary.lookup(f"{_phrase(modifier)} {_phrase(right[:width])}")
            if value is not None:
                return [Mention(right[0].start(), right[width - 1].end(), vocabulary.list_name, value)]
    return []


def elliptical(text: str, start: int, end: int, vocabularies: list[Vocabulary]) -> list[Mention]:
    """Mentions of each list that coordinations in text[start:end] name by sharing a head or a modifier."""
    found: list[Mention] = []
    if " or " not in text[start:end] and " and " not in text[start:end]:
        return found
    words = list(_WORD.finditer(text, start, end))
    for index in range(1, len(words) - 1):
        if words[index].group().lower() not in _COORDINATORS or \
                not _COORDINATOR_GAP.fullmatch(text, words[index - 1].end(), words[index].start()):
            continue
        right = _right_conjunct(text, words, index + 1)
        lefts = _left_conjuncts(text, words, index)
        for vocabulary in vocabularies:
            found += _shared_head(lefts, right, vocabulary)
            if lefts:
                found += _shared_modifier(lefts[-1], right, vocabulary)
    return found
