"""A site (a sentence or a table cell that may be a claim) -> what it says: quantities, category, subject, stance."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.stance import Stance, StanceCues, stance
from pipeline.extractors import quantities
from pipeline.extractors.claim_rules import (
    CATEGORY,
    FORM,
    LIST_KINDS,
    SUBJECT,
    WORTH,
    Decided,
    Facts,
    Site,
    best_category,
)
from pipeline.extractors.claim_text import (
    CUES,
    Piece,
    core,
    has,
    heading_context,
    named_subjects,
    names_a_patient,
    opens_with,
    pieces,
    starts_with,
)
from pipeline.records import Quantity

if TYPE_CHECKING:
    from pipeline.extractors import Settings

SIDE_EFFECTS = "term:side-effect"


@dataclass(frozen=True)
class Reading:
    """What one site says, or why it is no claim (`reason` is empty for a claim)."""

    site: Site
    reason: str
    category: str = "other"
    subject: str = ""
    subject_at: tuple[int, int] | None = None
    polarity: str = "affirmed"
    certainty: str = "asserted"
    testimonial: bool = False
    quantities: tuple[Quantity, ...] = ()

    @property
    def ends_with_colon(self) -> bool:
        return self.site.body.rstrip().endswith(":")


def _weights(site: Site, found: list[Piece]) -> dict[int, float]:
    """Piece start -> the weight its category cues count with (side pieces count less, unless every piece is one:
    "By the fourth infusion I noticed ...")."""
    main = {p.start for p in core(found)}
    return {p.start: 1.0 if p.start in main else site.cues.side_clause_weight for p in found}


def _weight_at(found: list[Piece], weights: dict[int, float], position: int) -> float:
    """The weight of the piece around position, found by bisection (pieces run in order and do not overlap)."""
    index = bisect_right(found, position, key=lambda p: p.start) - 1
    if index >= 0 and position < found[index].end:
        return weights[found[index].start]
    return 0.0


@dataclass(frozen=True)
class _Weights:
    """What a site's cues weigh: by category, and how much of it is no praise (in all clauses, in core clauses)."""

    own: dict[str, float]
    check: float
    core: float


def _own_weights(site: Site, found: list[Piece]) -> _Weights:
    annotated, cues = site.annotated, site.cues
    mentions = site.categories.within(site.start, site.end)
    mentions += [("safety", m, cues.vocabulary_safety_weight) for m in annotated.of(SIDE_EFFECTS, site.start, site.end)]
    if not mentions:
        return _Weights({}, 0.0, 0.0)  # most sites: no need to weigh their pieces
    weights = _weights(site, found)
    conceding = [p for p in found if p.side and starts_with(annotated, "concessive_subordinators", p.start, p.end)]
    own: dict[str, float] = defaultdict(float)
    check = core_check = 0.0
    for category, mention, value in mentions:
        weight = _weight_at(found, weights, mention.start) * value
        own[category] += weight
        if category != "safety" and annotated.mentions.covering(f"{CUES}.puffery", mention.start,
                                                                 mention.end) is not None:
            continue
        check += weight
        if not any(p.start <= mention.start < p.end for p in conceding):
            core_check += weight
    return _Weights(dict(own), check, core_check)


def _scores(site: Site, found: list[Piece], found_quantities: tuple[Quantity, ...]
            ) -> tuple[dict[str, float], _Weights]:
    """(scores with the heading and quantities, what the sentence's own cues weigh)."""
    annotated, cues = site.annotated, site.cues
    weighed = _own_weights(site, found)
    own = weighed.own
    scores: dict[str, float] = defaultdict(float, own)
    for quantity in found_quantities:
        if quantity.measure in cues.measure_categories:
            category, weight = cues.measure_categories[quantity.measure]
            scores[category] += weight
    for start, end in heading_context(annotated, site.block):
        for category, _, weight in site.categories.within(start, end):
            scores[category] += cues.heading_weight * weight
    return dict(scores), weighed


def _testimonial(site: Site) -> bool:
    """A patient's or customer's own account: a first-person quote block, a first-person sentence that no expert
    says, or a sentence about or by a patient who speaks in the first person elsewhere."""
    annotated = site.annotated
    if site.block.kind == "quote" and has(annotated, "first_person", site.block.start, site.block.end):
        return True
    if site.has("attribution_verbs") and site.has("expert_titles"):
        return False
    return site.has("first_person") or names_a_patient(annotated, site.start, site.end, site.voices.patients)


def read_facts(site: Site, settings: Settings) -> Facts:
    """A site -> its pieces, quantities, category scores and subject cues."""
    found = pieces(site.annotated, site.start, site.end, site.block.kind in LIST_KINDS)
    found_quantities = quantities.find_quantities(site.annotated, site.start, site.end, settings.quantities)
    scores, weighed = _scores(site, found, found_quantities)
    continues = site.previous is not None and opens_with(site.annotated, "anaphors", site.start, site.end)
    return Facts(site, found, found_quantities, scores, weighed.own, weighed.check, weighed.core,
                 named_subjects(site.annotated, site.start, site.end), _testimonial(site), continues)


# --- stance ----------------------------------------------------------------------------------------------------

def _conceding(annotated: Annotated, piece: Piece, before: bool, embedded: int) -> bool:
    # a relative clause right after a concessive one belongs to it ("Unlike SSRIs, which may take weeks, ...")
    return piece.side and (starts_with(annotated, "concessive_subordinators", piece.start, piece.end) is not None
                           or (before and embedded == piece.start))


def _hedge_skips(facts: Facts) -> list[tuple[int, int]]:
    """Where hedges do not hedge the claim: after an embedded clause (a subject's relative clause aside), in
    concessive side clauses and item labels, and the scope words of ignore_hedges."""
    site = facts.site
    annotated = site.annotated
    skips = [(m.start, m.end) for m in annotated.of(f"{CUES}.ignore_hedges", site.start, site.end)]
    conceding = False
    for piece in facts.pieces:
        starts = facts.embedded(piece)
        subject_relative = annotated.words_between(piece.start, starts[0]) <= site.cues.subject_relative_max_words
        hedge_end = starts[1] if subject_relative and len(starts) > 1 else starts[0]
        skips.append((hedge_end, piece.end))
        label = piece.side and annotated.text[piece.end:piece.end + 1] == ":"
        conceding = _conceding(annotated, piece, conceding, starts[0])
        if label or conceding:
            skips.append((piece.start, piece.end))
    return skips


def _quantified_from(annotated: Annotated, piece: Piece, found_quantities: tuple[Quantity, ...]) -> int | None:
    """Where a quantified subject of a piece ends ("30% do not respond"): negations after it affirm how many."""
    ends = [m.end for m in annotated.of(f"{CUES}.quantifier_subjects", piece.start, piece.end)]
    rates = [q.end for q in found_quantities if q.unit == "percent" and piece.start <= q.start < piece.end]
    ends += rates[:1]
    return min(ends) if ends else None


def _negation_skips(facts: Facts) -> list[tuple[int, int]]:
    """Where negations deny nothing of the claim: side pieces, embedded clauses, after a quantified subject, and
    "no"/"without" in an object (they deny when they open the core clause: "No deaths occurred")."""
    site = facts.site
    annotated = site.annotated
    main = core(facts.pieces)
    main_starts = {p.start for p in main}
    skips = [(p.start, p.end) for p in facts.pieces if p.start not in main_starts]
    for piece in main:
        skips.append((facts.embedded(piece)[0], piece.end))
        quantified = _quantified_from(annotated, piece, facts.quantities)
        if quantified is not None:
            skips.append((quantified, piece.end))
    opening = starts_with(annotated, "opening_negations", main[0].start, main[0].end) if main else None
    for mention in annotated.of(f"{CUES}.ignore_negations", site.start, site.end):
        if opening is None or mention.start != opening.start:
            skips.append((mention.start, mention.end))
    return skips


def claim_stance(facts: Facts, cues: StanceCues) -> Stance:
    """The claim's polarity and certainty: the shared stance of its sentence, reading only its core clauses."""
    site = facts.site
    annotated = site.annotated
    return stance(annotated, site.start, site.end, cues,
                  skip_negations=tuple(_negation_skips(facts)), skip_hedges=tuple(_hedge_skips(facts)))


# --- the whole reading -----------------------------------------------------------------------------------------

def _subject(facts: Facts) -> tuple[str, tuple[int, int] | None]:
    decided = SUBJECT.decide(facts)
    subject, named = decided[1] if decided else (facts.site.voices.default, None)
    cues = facts.site.cues
    if (facts.site.voices.publisher and subject not in cues.specific_subjects and facts.site.column_subject is None
            and any(q.measure == "cost" and q.unit == "usd" for q in facts.quantities)):
        return cues.publisher_subject, None  # a clinic that speaks as "we" states its own prices
    return subject, (named.start, named.end) if named else None


def _inherit(site: Site, said: Stance, category: str) -> tuple[str, str]:
    """A list item without end punctuation completes its lead-in: it takes the lead-in's hedge and denial."""
    lead = site.lead
    fragment = site.block.kind in LIST_KINDS and site.body.strip("\"”’' ")[-1:] not in ".!"
    if lead is None or not lead.ends_with_colon or lead.reason or not fragment:
        return said.polarity, said.certainty
    polarity = lead.polarity if said.polarity == "affirmed" else said.polarity
    certainty = lead.certainty if said.certainty == "asserted" else said.certainty
    return polarity, certainty


def read(site: Site, settings: Settings) -> Reading:
    """One site -> its claim fields, or the reason it is no claim."""
    form = FORM.decide(site)
    if form is not None:
        return Reading(site, form[1])
    facts = read_facts(site, settings)
    subject, subject_at = _subject(facts)
    decided = CATEGORY.decide(Decided(facts, subject, best_category(facts)))
    category = decided[1] if decided else site.cues.fallback_category
    worth = WORTH.decide(Decided(facts, subject, category))
    if worth is not None:
        return Reading(site, worth[1], category, subject, subject_at, quantities=facts.quantities)
    polarity, certainty = _inherit(site, claim_stance(facts, settings.stance), category)
    return Reading(site, "", category, subject, subject_at, polarity, certainty, facts.testimonial,
                   facts.quantities)
