"""Annotated text + scopes + side-effect cues -> SideEffect records (term, stance, context, band, rate)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.forms import form_at
from pipeline.engine.layout import Block
from pipeline.engine.matcher import Mention
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.scopes import Scope
from pipeline.engine.stance import StanceCues, stance
from pipeline.extractors.common import Site, context, enumerations, first_after, nearest_before, owned_by_other, site
from pipeline.records import SideEffect

if TYPE_CHECKING:
    from pipeline.extractors import Reading, Settings

TERMS = "term:side-effect"
CUES = "side_effects"
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per cent\b)")
_COUNT_OF = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_COUNT_PERCENT = re.compile(r"^\s*\d+\s*\(\s*(\d+(?:\.\d+)?)\s*%?\s*\)\s*$")
_BARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True)
class SideEffectCues:
    """The settings of data/cues/side_effects.yaml (its phrase lists are read through the matcher)."""

    effect_reach_words: int
    effect_after_words: int
    guard_reach_words: int
    guard_after_words: int
    own_drugs: tuple[str, ...]
    owner_after_words: int
    band_reach_words: int
    rate_reach_words: int
    lowest_percent: Mapping[str, float]


@dataclass(frozen=True)
class Governed:
    """A group of mentions is a side effect; `cue` is where its governing words start."""

    cue: int


REJECT = Governed(-1)
MENTION_RULES: RuleTable[Governed] = RuleTable("side-effect mentions")


@MENTION_RULES.rule(
    "guarded-by-benefit-or-population",
    Example("Adjunctive to morphine, ketamine reduces nausea and vomiting after surgery.", "side_effects",
            {"term": "nausea"}, absent=True),
    Example("It is the drug of choice for people in traumatic shock who are at risk of hypotension.",
            "side_effects", {"term": "hypotension"}, absent=True),
    Example("Suicidal ideation and behavior improved in patients during the induction phase.", "side_effects",
            {"term": "suicidal-thoughts"}, absent=True),
    Example("Side effects\n- high blood pressure in patients with glaucoma\n- patients with hypertension",
            "side_effects", {"term": "increased-blood-pressure"}, absent=False))
def _guarded(s: Site, cues: SideEffectCues) -> Governed | None:
    guard = nearest_before(s.annotated, f"{CUES}.guards", s.clause[0], s.head.start, cues.guard_reach_words)
    after = first_after(s.annotated, f"{CUES}.guards_after", s.tail.end, s.clause[1], cues.guard_after_words)
    return REJECT if guard is not None or after is not None else None


@MENTION_RULES.rule(
    "owned-by-another-drug",
    Example("Antidepressants increased the risk of suicidal thoughts in young adults.", "side_effects",
            {"term": "suicidal-ideation"}, absent=True),
    Example("SSRIs can cause insomnia, while ketamine can cause nausea.", "side_effects", {"term": "nausea"}),
    Example("Side effects\nThe antidepressant you take by mouth has its own side effects, such as headaches.",
            "side_effects", {"term": "headache"}, absent=True))
def _other_owner(s: Site, cues: SideEffectCues) -> Governed | None:
    return REJECT if owned_by_other(s, cues.own_drugs, CUES, cues.owner_after_words) else None


@MENTION_RULES.rule(
    "self-framing",
    Example("It was abused because of its hallucinogenic and tranquilizing effects.", "side_effects",
            {"term": "sedation"}),
    Example("Some described a dream-like state in which they feel drowsy yet awake.", "side_effects",
            {"term": "drowsiness"}))
def _self_framing(s: Site, cues: SideEffectCues) -> Governed | None:
    """A mention whose own words say it is an effect ("dissociative effect", "feel drowsy", "risk of abuse")."""
    framed = any(s.annotated.of(f"{CUES}.effect_cues", m.start, m.end) for m in s.group)
    return Governed(s.head.start) if framed else None


@MENTION_RULES.rule(
    "side-effect-scope",
    Example("Possible side effects\n- headache\n- feeling sick (nausea)", "side_effects", {"term": "headache"}),
    Example("Adverse reactions:\nVertigo | 30/115 | 3/109", "side_effects", {"term": "vertigo"}))
def _in_scope(s: Site, cues: SideEffectCues) -> Governed | None:
    return Governed(s.clause[0]) if s.scope_kind == "side-effect" else None


@MENTION_RULES.rule(
    "effect-cue-before",
    Example("Ketamine can cause dissociation and nausea.", "side_effects",
            {"term": "nausea", "certainty": "hedged"}),
    Example("Laryngospasm occurs only rarely with ketamine.", "side_effects",
            {"term": "laryngospasm", "frequency": "rare"}))
def _cue_before(s: Site, cues: SideEffectCues) -> Governed | None:
    cue = nearest_before(s.annotated, f"{CUES}.effect_cues", s.clause[0], s.head.start, cues.effect_reach_words)
    return Governed(cue.start) if cue is not None else None


@MENTION_RULES.rule(
    "effect-cue-after",
    Example("Nausea is a common side effect of the infusion.", "side_effects", {"term": "nausea"}))
def _cue_after(s: Site, cues: SideEffectCues) -> Governed | None:
    cue = first_after(s.annotated, f"{CUES}.effect_cues", s.tail.end, s.clause[1], cues.effect_after_words)
    return Governed(s.head.start) if cue is not None else None


def _band_of_percent(percent: float, cues: SideEffectCues) -> str:
    ordered = sorted(cues.lowest_percent.items(), key=lambda item: -item[1])
    return next(band for band, lowest in ordered if percent >= lowest)


def _percent_after(annotated: Annotated, start: int, end: int, reach: int) -> float | None:
    """A per-cent figure at most `reach` words after start (not past end)."""
    for number in annotated.numbers_in(start, end):
        if annotated.words_between(start, number.start) > reach:
            return None
        if _PERCENT_AFTER.match(annotated.text, number.end):
            return number.low
    return None


def _word_band(s: Site, governor: int, cues: SideEffectCues) -> str | None:
    annotated = s.annotated
    for anchor in (s.head.start, governor):
        found = nearest_before(annotated, f"{CUES}.bands", s.clause[0], anchor, cues.band_reach_words)
        if found and annotated.mentions.covering(f"{CUES}.band_exceptions", found.start, found.end) is None:
            return found.value
    found = first_after(annotated, f"{CUES}.bands", s.tail.end, s.clause[1], cues.band_reach_words)
    if found and annotated.mentions.covering(f"{CUES}.band_exceptions", found.start, found.end) is None:
        return found.value
    return None


def _frequency(s: Site, mention: Mention, governor: int, cues: SideEffectCues) -> tuple[str | None, str | None,
                                                                                          float | None]:
    """(band, where it came from, rate in per cent) for one mention: a stated rate first, then the band
    its heading gives, then a band word of the sentence."""
    rate = _percent_after(s.annotated, mention.end, s.clause[1], cues.rate_reach_words)
    if rate is None and governor < s.head.start:
        rate = _percent_after(s.annotated, governor, s.head.start, cues.effect_reach_words)
    if rate is not None:
        return _band_of_percent(rate, cues), "rate", rate
    if s.scope_band:
        return s.scope_band, "heading", None
    word = _word_band(s, governor, cues)
    return (word, "word", None) if word else (None, None, None)


def _row(s: Site, mention: Mention, governed: Governed, source_id: str, cues: SideEffectCues,
         stance_cues: StanceCues) -> SideEffect:
    annotated = s.annotated
    governor = governed.cue if governed.cue <= mention.start else mention.start
    said = stance(annotated, governor, mention.end, stance_cues)
    band, band_source, rate = _frequency(s, mention, governor, cues)
    setting = context(annotated, f"{CUES}.contexts", s.block, s.sentence, mention.start)
    return SideEffect(
        source_id=source_id, start=mention.start, end=mention.end, quote=annotated.text[mention.start:mention.end],
        term=mention.value, context=setting or "unspecified", certainty=said.certainty, polarity=said.polarity,
        frequency=band, frequency_source=band_source, rate_percent=rate)


def _prose_rows(annotated: Annotated, block: Block, scope: Scope, source_id: str, cues: SideEffectCues,
                stance_cues: StanceCues) -> list[SideEffect]:
    rows = []
    for sentence in annotated.sentences_of(block):
        mentions = annotated.of(TERMS, sentence.start, sentence.end)
        for group in enumerations(annotated, mentions):
            where = site(annotated, block, sentence, group, scope.kind, scope.band)
            decided = MENTION_RULES.decide(where, cues)
            if decided is None or decided[1] is REJECT:
                continue
            rows.extend(_row(where, mention, decided[1], source_id, cues, stance_cues) for mention in group)
    return rows


def _cell_rate(text: str) -> float | None:
    """A table cell -> the share it gives in per cent: "30/115", "12 (29.3%)", "16 (67)", "41.0%"."""
    count = _COUNT_OF.match(text)
    if count:
        whole = float(count.group(2))
        return round(100 * float(count.group(1)) / whole, 1) if whole else None
    for pattern in (_COUNT_PERCENT, _BARE):
        found = pattern.match(text)
        if found:
            return float(found.group(1))
    return None


def _drug_column(annotated: Annotated, header: Block | None, row: Block) -> int:
    """Which cell of the row holds the drug's rate: a combined arm if the header names one, else the first
    arm that is not the placebo (a header without a label cell is shifted right by one)."""
    if header is None:
        return 1
    shift = len(row.cells) - len(header.cells)
    arms = [(i + shift, cell) for i, cell in enumerate(header.cells)
            if i + shift >= 1 and not annotated.of(f"{CUES}.placebo_arm", *cell)]
    combined = [i for i, cell in arms if annotated.of(f"{CUES}.combined_arm", *cell)]
    if combined:
        return combined[0]
    return arms[0][0] if arms else 1


def _header_of(annotated: Annotated, row: Block) -> Block | None:
    """The first row of the row's table: the run of rows (and group labels) it belongs to."""
    header = None
    for block in reversed(annotated.blocks[:row.index + 1]):
        if block.kind == "row":
            header = block
        elif block.kind != "group":
            break
    return header if header is not None and header.index != row.index else None


def _table_rows(annotated: Annotated, block: Block, scope: Scope, source_id: str,
                cues: SideEffectCues) -> list[SideEffect]:
    """A row of an adverse-event table -> the term of its first cell with the drug arm's rate."""
    first = block.cells[0]
    terms = annotated.of(TERMS, *first)
    if not terms:
        return []
    column = _drug_column(annotated, _header_of(annotated, block), block)
    if not 0 < column < len(block.cells):
        column = 1
    rate = _cell_rate(annotated.text[slice(*block.cells[column])])
    if rate == 0:
        return []
    sentence = annotated.sentence_at(block.start)
    setting = context(annotated, f"{CUES}.contexts", block, sentence, block.start) if sentence else None
    band, band_source = (_band_of_percent(rate, cues), "rate") if rate is not None else (scope.band, "heading")
    mention = terms[0]
    return [SideEffect(
        source_id=source_id, start=mention.start, end=mention.end, quote=annotated.text[mention.start:mention.end],
        term=mention.value, context=setting or "unspecified", certainty="asserted", polarity="affirmed",
        frequency=band, frequency_source=band_source if band else None, rate_percent=rate)]


def extract_side_effects(reading: Reading, source_id: str, settings: Settings) -> tuple[SideEffect, ...]:
    """Every side effect the text attributes to the drug, one row per mention, with the drug form it concerns."""
    annotated, scopes = reading.annotated, reading.scopes
    cues, stance_cues = settings.side_effects, settings.stance
    rows: list[SideEffect] = []
    for block in annotated.blocks:
        if not annotated.content(block):
            continue
        scope = scopes[block.index]
        if block.kind == "row" and scope.kind == "side-effect":
            rows.extend(_table_rows(annotated, block, scope, source_id, cues))
        else:
            rows.extend(_prose_rows(annotated, block, scope, source_id, cues, stance_cues))
    return tuple(_with_form(row, reading, settings) for row in rows)


def _with_form(row: SideEffect, reading: Reading, settings: Settings) -> SideEffect:
    annotated = reading.annotated
    sentence = annotated.sentence_at(row.start)
    block = annotated.blocks[sentence.block] if sentence else annotated.blocks[0]
    found = form_at(annotated, block, row.start, row.end, settings.forms, reading.default_form)
    if found is None:
        return row
    return replace(row, drug_form=found.form, drug_form_start=found.start, drug_form_end=found.end)
