"""Annotated blocks -> the scope each block sits in: what its heading, lead-in or key says the lines are about."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block

OPENERS = "scopes.openers"
ANAPHORS = "scopes.anaphor_determiners"
BANDS = "scopes.bands"
NEUTRAL = "neutral"
OPENER_KINDS = ("heading", "question", "lead-in", "group")


@dataclass(frozen=True)
class Scope:
    """What a block is about, the block that said so, and the frequency band that block gives, if any."""

    kind: str  # side-effect, contraindication, caution, exclusion, inclusion, indication, benefit, interaction, neutral
    opener: int | None = None
    band: str | None = None


def _opener_span(annotated: Annotated, block: Block) -> tuple[int, int] | None:
    """The words of a block that may open a scope: a heading or group label, the last sentence of a
    lead-in, the key of a field or item, an item that has items under it."""
    if block.key_end is not None:
        return block.start, block.key_end
    if block.kind in ("heading", "question", "group"):
        return block.start, block.end
    if block.kind in ("lead-in", "item"):
        sentence = annotated.sentence_at(block.end - 1)
        return (sentence.start if sentence else block.start), block.end
    return None


def _classify(annotated: Annotated, span: tuple[int, int], priority: tuple[str, ...]) -> str | None:
    kinds = {m.value for m in annotated.of(OPENERS, *span)}
    return next((kind for kind in priority if kind in kinds), None)


def _band(annotated: Annotated, span: tuple[int, int]) -> str | None:
    found = annotated.mentions.first(BANDS, *span)
    return found.value if found else None


def _own(annotated: Annotated, block: Block, priority: tuple[str, ...], has_children: bool) -> Scope | None:
    """The scope a block opens by its own words, or None when it opens none."""
    if block.kind not in OPENER_KINDS and block.key_end is None and not (block.kind == "item" and has_children):
        return None
    span = _opener_span(annotated, block)
    if span is None:
        return None
    kind = _classify(annotated, span, priority)
    if kind is None and block.key_end is not None and block.kind in (*OPENER_KINDS, "field"):
        span = (block.start, block.end)  # a caption key ("Table 3: Adverse reactions ...") names nothing itself
        kind = _classify(annotated, span, priority)
    band = _band(annotated, span)
    if kind is None and band is None:
        return None
    return Scope(kind or NEUTRAL, block.index, band)


def _inherit(own: Scope | None, outer: Scope) -> Scope:
    """An opener inside a scope keeps the outer kind when it names only a band, and the outer band
    when it names only a kind of its own that agrees."""
    if own is None:
        return outer
    if own.kind == NEUTRAL:
        return Scope(outer.kind, own.opener, own.band or outer.band)
    if own.band is None and own.kind == outer.kind:
        return Scope(own.kind, own.opener, outer.band)
    return own


def _sibling_run(annotated: Annotated, block: Block, previous: Scope | None) -> Scope | None:
    """A title naming an adverse effect right after a side-effect section stays in it: "Adverse effects",
    then "Urinary toxicity", "Dependence and tolerance" as sibling titles."""
    if previous is None or previous.kind != "side-effect" or block.kind != "heading":
        return None
    if annotated.of("term:side-effect", block.start, block.end):
        return Scope("side-effect", block.index, None)
    return None


def _anaphor_kind(annotated: Annotated, block: Block, priority: tuple[str, ...], reach: int) -> str | None:
    """The kind a sentence opening a block gives the list before it ("These side effects may occur ...")."""
    determiner = annotated.mentions.first(ANAPHORS, block.start, block.end)
    if determiner is None or determiner.start != block.start:
        return None
    opener = annotated.mentions.first(OPENERS, determiner.end, block.end)
    if opener is None or annotated.words_between(determiner.end, opener.start) > reach:
        return None
    return _classify(annotated, (opener.start, opener.end), priority)


def _retro_scopes(annotated: Annotated, scopes: list[Scope], priority: tuple[str, ...], reach: int) -> None:
    """List items followed by a sentence that names them as a kind take that kind."""
    for block in annotated.blocks[1:]:
        previous = annotated.blocks[block.index - 1]
        if block.kind != "paragraph" or previous.kind != "item":
            continue
        kind = _anaphor_kind(annotated, block, priority, reach)
        index = block.index - 1
        while kind and index >= 0 and annotated.blocks[index].kind == "item":
            scopes[index] = Scope(kind, block.index, scopes[index].band)
            index -= 1


def block_scopes(annotated: Annotated, priority: tuple[str, ...], anaphor_reach: int) -> tuple[Scope, ...]:
    """Each block's scope: its own opener words, else its governing blocks', innermost first; list items
    take the kind a sentence right after them gives them."""
    blocks = annotated.blocks
    parents = {b.parent for b in blocks if b.parent is not None}
    scopes: list[Scope] = []
    last_section: Scope | None = None
    for block in blocks:
        outer = scopes[block.parent] if block.parent is not None else Scope(NEUTRAL)
        own = _own(annotated, block, priority, block.index in parents)
        if own is None and block.kind == "heading" and block.parent is None:
            own = _sibling_run(annotated, block, last_section)
        scope = _inherit(own, outer)
        if block.kind == "heading":
            last_section = scope
        scopes.append(scope)
    _retro_scopes(annotated, scopes, priority, anaphor_reach)
    return tuple(scopes)
