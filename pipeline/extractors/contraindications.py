"""Annotated text + scopes + contraindication cues -> Contraindication records (condition, kind, stance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.scopes import Scope
from pipeline.engine.stance import NEGATIONS, StanceCues, stance
from pipeline.extractors.common import Site, enumerations, first_after, nearest_before, site
from pipeline.records import Contraindication

if TYPE_CHECKING:
    from pipeline.extractors import Reading, Settings

TERMS = "term:condition"
CUES = "contraindications"
EXCLUDING_SCOPES = ("contraindication", "exclusion")
EFFECT_CUES = "side_effects.effect_cues"


@dataclass(frozen=True)
class ContraindicationCues:
    """The settings of data/cues/contraindications.yaml (its phrase lists are read through the matcher)."""

    cue_reach_words: int
    cue_after_words: int
    sentence_end_words: int
    negation_reach_words: int
    guard_reach_words: int


@dataclass(frozen=True)
class Verdict:
    """A group of conditions is a reason not to treat (contraindication) or to take care (caution);
    `cue` is where the governing words start and `negated` whether a negation denies them."""

    kind: str
    cue: int
    negated: bool = False


REJECT = Verdict("", -1)
CONDITION_RULES: RuleTable[Verdict] = RuleTable("contraindication conditions")


@CONDITION_RULES.rule(
    "guarded-by-use",
    Example("Ketamine is used to treat bipolar depression in some clinics.", "contraindications",
            {"condition": "bipolar-disorder"}, absent=True))
def _guarded(s: Site, cues: ContraindicationCues) -> Verdict | None:
    guard = nearest_before(s.annotated, f"{CUES}.guards", s.clause[0], s.head.start, cues.guard_reach_words)
    return REJECT if guard is not None else None


@CONDITION_RULES.rule(
    "excluding-scope",
    Example("Exclusion Criteria:\n* Participant has a current diagnosis of a psychotic disorder",
            "contraindications", {"condition": "psychosis", "kind": "contraindication"}),
    Example("Some major contraindications for ketamine are:\n\nPregnancy\nSevere liver disease",
            "contraindications", {"condition": "liver-disease", "kind": "contraindication"}))
def _excluding_scope(s: Site, cues: ContraindicationCues) -> Verdict | None:
    return Verdict("contraindication", s.clause[0]) if s.scope_kind in EXCLUDING_SCOPES else None


@CONDITION_RULES.rule(
    "caution-scope",
    Example("Talk to your doctor before using it if you have:\n- high blood pressure", "contraindications",
            {"condition": "hypertension", "kind": "caution"}))
def _caution_scope(s: Site, cues: ContraindicationCues) -> Verdict | None:
    return Verdict("caution", s.clause[0]) if s.scope_kind == "caution" else None


@CONDITION_RULES.rule(
    "negated-in-inclusion",
    Example("Inclusion Criteria:\n* No history of seizures", "contraindications",
            {"condition": "seizure-disorder", "kind": "contraindication"}),
    Example("Inclusion Criteria:\n* Diagnosis of bipolar disorder", "contraindications",
            {"condition": "bipolar-disorder"}, absent=True))
def _negated_inclusion(s: Site, cues: ContraindicationCues) -> Verdict | None:
    if s.scope_kind != "inclusion":
        return None
    negation = nearest_before(s.annotated, NEGATIONS, s.clause[0], s.head.start, cues.negation_reach_words)
    return Verdict("contraindication", negation.start) if negation is not None else REJECT


@CONDITION_RULES.rule(
    "contraindication-cue-before",
    Example("Ketamine is contraindicated in severe liver disease.", "contraindications",
            {"condition": "liver-disease", "kind": "contraindication"}),
    Example("It should not be used by people with uncontrolled hypertension or psychosis.", "contraindications",
            {"condition": "psychosis", "kind": "contraindication"}))
def _contraindication_cue(s: Site, cues: ContraindicationCues) -> Verdict | None:
    cue = nearest_before(s.annotated, f"{CUES}.contraindication_cues", s.clause[0], s.head.start,
                         cues.cue_reach_words)
    if cue is None:
        return None
    denied = nearest_before(s.annotated, NEGATIONS, s.clause[0], cue.start, 1)
    return Verdict("contraindication", cue.start, negated=denied is not None)


@CONDITION_RULES.rule(
    "negated-predicate",
    Example("SPRAVATO is not approved in pediatric patients.", "contraindications",
            {"condition": "pediatric-age", "kind": "contraindication"}),
    Example("Ketamine is not recommended for children under 18.", "contraindications",
            {"condition": "pediatric-age"}))
def _negated_predicate(s: Site, cues: ContraindicationCues) -> Verdict | None:
    predicate = nearest_before(s.annotated, f"{CUES}.negated_predicates", s.clause[0], s.head.start,
                               cues.cue_reach_words)
    if predicate is None:
        return None
    negation = nearest_before(s.annotated, NEGATIONS, s.clause[0], predicate.start, cues.negation_reach_words)
    return Verdict("contraindication", negation.start) if negation is not None else None


@CONDITION_RULES.rule(
    "caution-cue-before",
    Example("Carefully assess patients with psychosis before administering it.", "contraindications",
            {"condition": "psychosis", "kind": "caution"}),
    Example("Advise pregnant women of the potential risk to an infant exposed in utero.", "contraindications",
            {"condition": "infants"}, absent=True),
    Example("Advise patients to look for the emergence of suicidality.", "contraindications",
            {"condition": "suicidal-ideation"}, absent=True),
    Example("Advise women not to breastfeed during treatment.", "contraindications",
            {"condition": "breastfeeding", "kind": "contraindication"}))
def _caution_cue(s: Site, cues: ContraindicationCues) -> Verdict | None:
    cue = nearest_before(s.annotated, f"{CUES}.caution_cues", s.clause[0], s.head.start, cues.cue_reach_words)
    if cue is None:
        return None
    if s.annotated.of(TERMS, cue.end, s.head.start) or s.annotated.of(EFFECT_CUES, cue.end, s.head.start):
        return REJECT  # the advice is about an earlier condition, or about an effect to watch for
    # advice with a negation before the condition ("advise women not to breastfeed") forbids it
    negation = s.annotated.mentions.last(NEGATIONS, cue.end, s.head.start)
    return Verdict("contraindication" if negation else "caution", cue.start)


@CONDITION_RULES.rule(
    "cue-after",
    Example("Pregnancy is a contraindication to ketamine infusions.", "contraindications",
            {"condition": "pregnancy", "kind": "contraindication"}),
    Example("Patients with certain conditions, such as bipolar disorder and dementia, are not eligible.",
            "contraindications", {"condition": "dementia", "kind": "contraindication"}),
    Example("Those with a substance use disorder should consider other therapies.", "contraindications",
            {"condition": "substance-use-disorder", "kind": "caution"}))
def _cue_after(s: Site, cues: ContraindicationCues) -> Verdict | None:
    annotated, end = s.annotated, s.clause[1]
    if first_after(annotated, f"{CUES}.contraindication_cues", s.tail.end, end, cues.cue_after_words):
        return Verdict("contraindication", s.head.start)
    predicate = first_after(annotated, f"{CUES}.negated_predicates", s.tail.end, end, cues.cue_after_words)
    if predicate and annotated.mentions.last(NEGATIONS, s.tail.end, predicate.start):
        return Verdict("contraindication", s.head.start)
    if first_after(annotated, f"{CUES}.caution_cues", s.tail.end, end, cues.cue_after_words):
        return Verdict("caution", s.head.start)
    return None


@CONDITION_RULES.rule(
    "sentence-ends-excluding",
    Example("Patients with a psychotic disorder, bipolar disorder or homicidal ideation within 6 months of "
            "screening were excluded.", "contraindications", {"condition": "bipolar-disorder",
                                                               "kind": "contraindication"}))
def _sentence_end(s: Site, cues: ContraindicationCues) -> Verdict | None:
    cue = s.annotated.mentions.last(f"{CUES}.contraindication_cues", s.tail.end, s.sentence.end)
    if cue is None or s.annotated.words_between(cue.end, s.sentence.end) > cues.sentence_end_words:
        return None
    return Verdict("contraindication", s.head.start)


def _rows(annotated: Annotated, block: Block, scope: Scope, source_id: str, cues: ContraindicationCues,
          stance_cues: StanceCues) -> list[Contraindication]:
    rows = []
    seen: set[tuple[int, str]] = set()
    for sentence in annotated.sentences_of(block):
        mentions = annotated.of(TERMS, sentence.start, sentence.end)
        for group in enumerations(annotated, mentions):
            where = site(annotated, block, sentence, group, scope.kind, scope.band)
            decided = CONDITION_RULES.decide(where, cues)
            if decided is None or decided[1] is REJECT:
                continue
            verdict = decided[1]
            for mention in group:
                if (where.clause[0], mention.value) in seen:
                    continue  # one statement names a condition once ("pregnant, or think you may be pregnant")
                seen.add((where.clause[0], mention.value))
                said = stance(annotated, min(verdict.cue, mention.start), mention.end, stance_cues)
                rows.append(Contraindication(
                    source_id=source_id, start=mention.start, end=mention.end,
                    quote=annotated.text[mention.start:mention.end], condition=mention.value, kind=verdict.kind,
                    polarity="negated" if verdict.negated else "affirmed", certainty=said.certainty))
    return rows


def extract_contraindications(reading: Reading, source_id: str, settings: Settings) -> tuple[Contraindication, ...]:
    """Every condition the text names as a reason not to treat or to take care, one row per statement."""
    annotated, scopes = reading.annotated, reading.scopes
    cues, stance_cues = settings.contraindications, settings.stance
    rows: list[Contraindication] = []
    for block in annotated.blocks:
        if annotated.content(block):
            rows.extend(_rows(annotated, block, scopes[block.index], source_id, cues, stance_cues))
    return tuple(rows)
