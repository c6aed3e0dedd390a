"""What the side-effect and contraindication extractors share: enumerations, governing cues, ownership, context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.matcher import Mention
from pipeline.engine.sentences import Sentence

# What may stand between two items of an enumeration: a bracketed aside, a comma, a coordinator and
# an article ("nausea (12%), dizziness and a headache").
_ENUMERATION_GAP = re.compile(
    r"\s*(?:\([^()]{0,60}\))?\s*(?:\[[^\[\]]{0,20}\])?\s*[,;/]?\s*"
    r"(?:(?:and/or|and|or|as well as|plus|to|nor)\s+)?(?:(?:the|a|an|other)\s+)?", re.IGNORECASE)


def enumerations(annotated: Annotated, mentions: tuple[Mention, ...]) -> list[tuple[Mention, ...]]:
    """Mentions of one sentence -> groups joined as one enumeration ("nausea, dizziness and blurred vision")."""
    groups: list[list[Mention]] = []
    for mention in mentions:
        if groups and _ENUMERATION_GAP.fullmatch(annotated.text, groups[-1][-1].end, mention.start):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return [tuple(group) for group in groups]


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def distance(annotated: Annotated, start: int, end: int) -> int:
    """Words between two positions, not counting bracketed asides ("(incidences 12.3 to 41.0%)")."""
    words = annotated.words_between(start, end)
    if "(" in annotated.text[start:end] or "[" in annotated.text[start:end]:
        words -= sum(annotated.words_between(m.start(), m.end())
                     for m in _BRACKETED.finditer(annotated.text, start, end))
    return words


def nearest_before(annotated: Annotated, list_name: str, low: int, position: int, reach: int) -> Mention | None:
    """The last mention of a list in [low, position) at most `reach` words before position, or one covering
    position ("better tolerance" guards "tolerance"); cross-references in square brackets do not count."""
    covering = annotated.mentions.covering(list_name, position, position + 1)
    if covering is not None and covering.start < position:
        return covering
    for found in reversed(annotated.of(list_name, low, position)):
        if distance(annotated, found.end, position) > reach:
            return None
        if not annotated.in_aside(found.start, position):
            return found
    return None


def first_after(annotated: Annotated, list_name: str, position: int, high: int, reach: int) -> Mention | None:
    """The first mention of a list in [position, high) at most `reach` words after position, outside
    cross-references in square brackets."""
    for found in annotated.of(list_name, position, high):
        if distance(annotated, position, found.start) > reach:
            return None
        if not annotated.in_aside(found.start, position):
            return found
    return None


@dataclass(frozen=True)
class Site:
    """Where a group of mentions sits: its document, block, sentence, clause and scope."""

    annotated: Annotated
    block: Block
    sentence: Sentence
    group: tuple[Mention, ...]
    clause: tuple[int, int]
    scope_kind: str
    scope_band: str | None

    @property
    def head(self) -> Mention:
        return self.group[0]

    @property
    def tail(self) -> Mention:
        return self.group[-1]


def site(annotated: Annotated, block: Block, sentence: Sentence, group: tuple[Mention, ...], scope_kind: str,
         scope_band: str | None) -> Site:
    clause = annotated.clause(group[0].start, group[-1].end)
    return Site(annotated, block, sentence, group, clause, scope_kind, scope_band)


def owned_by_other(s: Site, own_drugs: tuple[str, ...], prefix: str, after_words: int) -> bool:
    """Whether the statement belongs to another drug (or the placebo arm): in the clause, the nearest drug or
    other owner before the mention is not ours and is tied to the statement by an owner cue."""
    low = s.clause[0]
    drug = s.annotated.mentions.last("term:drug", low, s.head.start)
    other = s.annotated.mentions.last(f"{prefix}.other_owners", low, s.head.start)
    owner = max((m for m in (drug, other) if m is not None), key=lambda m: m.start, default=None)
    if owner is None or (owner.list_name == "term:drug" and owner.value in own_drugs):
        return False
    if owner is other:
        return True
    tied_after = first_after(s.annotated, f"{prefix}.owner_after", owner.end, s.head.start, after_words)
    tied_before = nearest_before(s.annotated, f"{prefix}.owner_before", low, owner.start, 0)
    return tied_after is not None or tied_before is not None


def context(annotated: Annotated, list_name: str, block: Block, sentence: Sentence, position: int) -> str | None:
    """The setting the text gives a statement: nearest cue in the sentence, then the sentences before it in
    its block, then its governing blocks' words."""
    cues = annotated.of(list_name, sentence.start, sentence.end)
    if cues:
        return min(cues, key=lambda m: abs(m.start - position)).value
    earlier = annotated.mentions.last(list_name, block.start, sentence.start)
    if earlier is not None:
        return earlier.value
    for governing in annotated.ancestors(block):
        found = annotated.mentions.last(list_name, governing.start, governing.end)
        if found is not None:
            return found.value
    return None
