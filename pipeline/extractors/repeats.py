"""A source's claims in text order -> the same claims with repeats of an earlier statement folded into it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.engine.annotate import Annotated
from pipeline.records import Claim, ClaimRepeat


@dataclass(frozen=True)
class _Statement:
    """What makes two claims the same statement: polarity, figures and words (in order); a table row repeats
    only with the very same words."""

    polarity: str
    figures: tuple[tuple[float, float, str | None], ...]
    words: tuple[str, ...]
    row: bool
    names: frozenset[tuple[str, str]]  # the drugs, conditions, effects, subjects and scopes it names
    contrasts: frozenset[str]  # words that set a statement apart from its twin ("placebo", "exclusion")


# what a statement names: two near-verbatim sentences that name different things are different statements
NAMED = ("term:drug", "term:side-effect", "term:condition", "claims.therapies", "claims.topics", "scopes.openers")
CONTRASTS = "claims.repeat_contrasts"


def _statement(annotated: Annotated, claim: Claim) -> _Statement:
    text = annotated.text
    words = tuple([text[s:e].lower() for s, e in annotated.word_spans(claim.start, claim.end)])
    figures = tuple((q.value_low, q.value_high, q.unit) for q in claim.quantities)
    sentence = annotated.sentence_at(claim.start)
    row = sentence is not None and annotated.blocks[sentence.block].kind == "row"
    names = frozenset((name, m.value) for name in NAMED for m in annotated.of(name, claim.start, claim.end))
    contrasts = frozenset(m.value for m in annotated.of(CONTRASTS, claim.start, claim.end))
    return _Statement(claim.polarity, figures, words, row, names, contrasts)


def _common(one: tuple[str, ...], other: tuple[str, ...]) -> int:
    """How many words the two have in common in the same order (longest common subsequence)."""
    previous = [0] * (len(other) + 1)
    for word in one:
        current = [0]
        for index, candidate in enumerate(other):
            current.append(previous[index] + 1 if word == candidate else max(previous[index + 1], current[-1]))
        previous = current
    return previous[-1]


def _conflict(one: frozenset[tuple[str, str]], other: frozenset[tuple[str, str]]) -> bool:
    """Whether two statements name different things of a kind both name (drugs, subjects, scopes, ...)."""
    kinds = {kind for kind, _ in one} & {kind for kind, _ in other}
    return any({v for k, v in one if k == kind} != {v for k, v in other if k == kind} for kind in kinds)


def _same(first: _Statement, later: _Statement, cues: RepeatCues) -> bool:
    if (first.polarity, first.figures, first.contrasts) != (later.polarity, later.figures, later.contrasts):
        return False
    if first.words != later.words and not _near(first, later, cues):
        return False
    return not _conflict(first.names, later.names)  # "Inclusion criteria for ..." and "Exclusion criteria for ..."


def _near(first: _Statement, later: _Statement, cues: RepeatCues) -> bool:
    """Whether two statements in other words share enough of them, in order (or all of them in another order)."""
    shorter, longer = sorted((len(first.words), len(later.words)))
    if first.row or later.row or shorter < cues.min_words or shorter < cues.min_length_share * longer:
        return False
    one, other = set(first.words), set(later.words)
    if len(one & other) < cues.min_share * min(len(one), len(other)):
        return False  # cheap test before the ordered one
    if sorted(first.words) == sorted(later.words):
        return True  # the same words in another order
    return _common(first.words, later.words) >= cues.min_share * shorter


@dataclass(frozen=True)
class RepeatCues:
    """When a claim repeats an earlier one: the share of the shorter one's words the two have in the same order,
    the fewest words, and how much shorter one may be than the other."""

    min_share: float
    min_words: int
    min_length_share: float


def merge(annotated: Annotated, claims: list[Claim], cues: RepeatCues) -> tuple[Claim, ...]:
    """Claims -> one row per statement: a claim that repeats an earlier one near-verbatim becomes a place of it."""
    kept: list[Claim] = []
    # only statements of the same polarity, figures and contrasts can be the same: compare within those groups
    groups: dict[tuple[object, ...], list[tuple[int, _Statement]]] = {}
    for claim in claims:
        statement = _statement(annotated, claim)
        group = groups.setdefault((statement.polarity, statement.figures, statement.contrasts), [])
        index = next((i for i, s in group if _same(s, statement, cues)), None)
        if index is None:
            group.append((len(kept), statement))
            kept.append(claim)
            continue
        repeat = ClaimRepeat(start=claim.start, end=claim.end, quote=claim.quote)
        kept[index] = replace(kept[index], repeats=(*kept[index].repeats, repeat))
    return tuple(kept)
