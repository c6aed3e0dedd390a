"""Annotated text + a statement's span -> its polarity (affirmed, negated) and certainty (asserted, hedged)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.engine.annotate import Annotated

NEGATIONS = "certainty.negations"
NEGATION_EXCEPTIONS = "certainty.negation_exceptions"
HEDGES = "certainty.hedges"
HEDGE_EXCEPTIONS = "certainty.hedge_exceptions"


@dataclass(frozen=True)
class StanceCues:
    """How far back (in words, never past a clause break) negations and hedges reach."""

    negation_reach_words: int
    hedge_reach_words: int


@dataclass(frozen=True)
class Stance:
    """What a statement says (polarity) and how strongly (certainty), with the words that decided each."""

    polarity: str  # affirmed or negated
    certainty: str  # asserted or hedged
    negation: tuple[int, int] | None = None
    hedge: tuple[int, int] | None = None


Spans = tuple[tuple[int, int], ...]


def _skipped(start: int, end: int, skip: Spans) -> bool:
    return any(low <= start and end <= high for low, high in skip)


def _counts(annotated: Annotated, exceptions: str, start: int, end: int, skip: Spans) -> bool:
    return annotated.mentions.covering(exceptions, start, end) is None and not _skipped(start, end, skip)


def _cue_before(annotated: Annotated, list_name: str, exceptions: str, low: int, target: int,
                reach: int, skip: Spans) -> tuple[int, int] | None:
    for found in reversed(annotated.of(list_name, low, target)):
        if annotated.words_between(found.end, target) > reach:
            return None
        if _counts(annotated, exceptions, found.start, found.end, skip):
            return found.start, found.end
    return None


def stance(annotated: Annotated, governor: int, target_end: int, cues: StanceCues, skip_negations: Spans = (),
           skip_hedges: Spans = ()) -> Stance:
    """The stance of a statement whose governing words start at `governor` and whose object ends at
    `target_end`: cues count from the start of the clause, within reach of the governing words. Cues inside
    a skipped span (an embedded clause, a concession: whatever the caller knows does not carry the
    statement) do not count."""
    clause_start, _ = annotated.clause(governor, max(governor + 1, target_end))
    negation = _cue_before(annotated, NEGATIONS, NEGATION_EXCEPTIONS, clause_start, governor,
                           cues.negation_reach_words, skip_negations)
    if negation is None:
        negation = _inside(annotated, NEGATIONS, NEGATION_EXCEPTIONS, governor, target_end, skip_negations)
    hedge = _cue_before(annotated, HEDGES, HEDGE_EXCEPTIONS, clause_start, governor, cues.hedge_reach_words,
                        skip_hedges)
    if hedge is None:
        hedge = _inside(annotated, HEDGES, HEDGE_EXCEPTIONS, governor, target_end, skip_hedges)
    return Stance("negated" if negation else "affirmed", "hedged" if hedge else "asserted", negation, hedge)


def _inside(annotated: Annotated, list_name: str, exceptions: str, start: int, end: int,
            skip: Spans) -> tuple[int, int] | None:
    for found in annotated.of(list_name, start, end):
        if _counts(annotated, exceptions, found.start, found.end, skip):
            return found.start, found.end
    return None
