"""Annotated text + scopes + claim cues -> Claim records: check-worthy statements with quantities and assertions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pipeline.engine.annotate import Annotated
from pipeline.engine.forms import form_at
from pipeline.engine.layout import Block
from pipeline.extractors import assertions, comparisons, repeats
from pipeline.extractors.claim_reading import Reading, read
from pipeline.extractors.claim_rules import Lead, Site
from pipeline.extractors.claim_text import category_cues, voices
from pipeline.records import Claim, Quantity

if TYPE_CHECKING:
    from pipeline.extractors import Reading as Text
    from pipeline.extractors import Settings

# Blocks whose sentences may be claims (a heading only with a measured figure); questions and table group labels
# never are.
CLAIM_KINDS = ("paragraph", "item", "row", "quote", "field", "lead-in", "heading")
LEAD_KINDS = ("lead-in", "item", "paragraph")


@dataclass(frozen=True)
class ClaimCues:
    """The settings of data/cues/claims.yaml (its phrase lists are read through the matcher)."""

    bare_term_max_words: int
    bare_item_max_words: int
    bare_term_min_cue_weight: float
    table_header_max_words: int
    table_header_cell_max_words: int
    background_subjects: tuple[str, ...]
    min_check_weight: float
    min_account_weight: float
    praise_mentions: int
    repeat_min_share: float
    repeat_min_words: int
    repeat_min_length_share: float
    comparison_header_max_words: int
    subject_relative_max_words: int
    default_subject: str
    specific_subjects: tuple[str, ...]
    title_weight: float
    prepositional_object_gap: int
    publisher_subject: str
    publisher_voice_min_sentences: int
    subject_opening_words: int
    subject_drugs: Mapping[str, list[str]]
    condition_subjects: tuple[str, ...]
    condition_categories: tuple[str, ...]
    side_clause_weight: float
    heading_weight: float
    vocabulary_safety_weight: float
    measure_categories: Mapping[str, list[Any]]
    fallback_category: str
    scope_categories: Mapping[str, str]
    categories: Mapping[str, Mapping[str, float]]
    lead_in_categories: tuple[str, ...]
    effect_noun_reach_words: int


def _lead(block: Block, annotated: Annotated, last: dict[int, Reading]) -> Lead | None:
    """The lead-in sentence a block completes: the last sentence of its governing lead-in or item, when that
    ends with a colon."""
    if block.parent is None:
        return None
    parent = annotated.blocks[block.parent]
    reading = last.get(parent.index)
    if parent.kind not in LEAD_KINDS or reading is None or not reading.ends_with_colon:
        return None
    return Lead(reading.reason, reading.category, reading.certainty, reading.polarity, True)


def _form(text: Text, site: Site, subject: str, position: int, settings: Settings
          ) -> tuple[str | None, int | None, int | None]:
    """The form of the drug a subject names at a position (only the subject's drugs count; the document's
    dominant form when it is one of them), and the words that decided it."""
    drugs = frozenset(settings.claims.subject_drugs.get(subject, ()))
    if not drugs:
        return None, None, None
    default = text.default_form if text.default_form is not None and text.default_form.drug in drugs else None
    found = form_at(site.annotated, site.block, position, site.end, settings.forms, default, drugs)
    if found is None:
        return None, None, None
    return found.form, found.start, found.end


def _quantity_subjects(reading: Reading) -> tuple[Quantity, ...]:
    """Each quantity takes the subject named nearest before it in its clause ("in 24 hours while antidepressants
    take 4-6 weeks"), else the claim's."""
    return tuple(replace(q, subject=comparisons.subject_before(reading, q.start) or reading.subject)
                 for q in reading.quantities)


def _claim(text: Text, reading: Reading, source_id: str, settings: Settings) -> Claim:
    site = reading.site
    position = reading.subject_at[0] if reading.subject_at else site.start
    form, form_start, form_end = _form(text, site, reading.subject, position, settings)
    claim = Claim(source_id=source_id, start=site.start, end=site.end, quote=site.body, category=reading.category,
                  subject=reading.subject, certainty=reading.certainty, polarity=reading.polarity,
                  testimonial=reading.testimonial, drug_form=form, drug_form_start=form_start,
                  drug_form_end=form_end, quantities=_quantity_subjects(reading))

    def form_of(quantity: Quantity) -> str | None:
        if quantity.subject == claim.subject:
            return claim.drug_form
        return _form(text, site, quantity.subject or claim.subject, quantity.start, settings)[0]

    found = assertions.assertions(site.annotated, claim, form_of, settings)
    return replace(claim, assertions=found) if found else claim


def read_claims(text: Text, settings: Settings) -> list[Reading]:
    """Every site of every claim-bearing content block with its reading (claims, and the reasons for the rest)."""
    annotated = text.annotated
    by_block: dict[int, list[tuple[int, int]]] = {}
    for sentence in annotated.sentences:
        by_block.setdefault(sentence.block, []).append((sentence.start, sentence.end))
    blocks = [b for b in annotated.blocks if b.kind in CLAIM_KINDS and annotated.content(b)]
    document = voices(annotated, [s for b in blocks for s in by_block.get(b.index, [])], settings.claims)
    headers = comparisons.headers(annotated, settings.claims)
    categories = category_cues(annotated, settings.claims.categories)
    readings: list[Reading] = []
    last: dict[int, Reading] = {}
    for block in blocks:
        lead = _lead(block, annotated, last)
        previous: str | None = None
        category: str | None = None
        for start, end, column in comparisons.sites(annotated, block, by_block.get(block.index, []), headers):
            site = Site(annotated, settings.claims, block, start, end, text.scopes[block.index], document,
                        categories, lead, previous, category, column)
            reading = read(site, settings)
            readings.append(reading)
            last[block.index] = reading
            if reading.subject_at is not None:
                previous = reading.subject  # what "it"/"this" refers to: the subject last named (claim or not)
            if not reading.reason:
                category = reading.category
    return readings


def extract_claims(text: Text, source_id: str, settings: Settings) -> tuple[Claim, ...]:
    """The check-worthy claims of a text, one row per statement (repeats listed under their first)."""
    claims = [_claim(text, r, source_id, settings) for r in read_claims(text, settings) if not r.reason]
    cues = settings.claims
    return repeats.merge(text.annotated, claims, repeats.RepeatCues(
        cues.repeat_min_share, cues.repeat_min_words, cues.repeat_min_length_share))
