"""A source's claims in text order -> the same claims with repeats of an earlier statement folded into it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.engine.annotate import Annotated
from pipeline.records import Claim, ClaimRepeat


@dataclass(frozen=True)
class _Statement:
    """What makes two claims the same statement: subject, polarity, figures and words."""

    subject: str
    polarity: str
    figures: tuple[tuple[float, float, str | None], ...]
    words: tuple[str, ...]


def _statement(annotated: Annotated, claim: Claim) -> _Statement:
    words = tuple(annotated.text[s:e].lower() for s, e in annotated.word_spans(claim.start, claim.end))
    figures = tuple((q.value_low, q.value_high, q.unit) for q in claim.quantities)
    return _Statement(claim.subject, claim.polarity, figures, words)


def _same(first: _Statement, later: _Statement, min_share: float) -> bool:
    if (first.subject, first.polarity, first.figures) != (later.subject, later.polarity, later.figures):
        return False
    if first.words == later.words:
        return True
    one, other = set(first.words), set(later.words)
    return bool(one) and len(one & other) / max(len(one), len(other)) >= min_share


def merge(annotated: Annotated, claims: list[Claim], min_share: float) -> tuple[Claim, ...]:
    """Claims -> one row per statement: a claim that repeats an earlier one (the same words, or the same
    subject, stance and figures with at least `min_share` of the longer one's words) becomes a repeat of it."""
    kept: list[Claim] = []
    statements: list[_Statement] = []
    for claim in claims:
        statement = _statement(annotated, claim)
        index = next((i for i, s in enumerate(statements) if _same(s, statement, min_share)), None)
        if index is None:
            kept.append(claim)
            statements.append(statement)
            continue
        repeat = ClaimRepeat(start=claim.start, end=claim.end, quote=claim.quote)
        kept[index] = replace(kept[index], repeats=(*kept[index].repeats, repeat))
    return tuple(kept)
