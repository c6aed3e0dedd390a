"""Document + compiled rules -> Extraction: the document is annotated once and every extractor reads that."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pipeline.engine.annotate import Annotated, Engine, annotate
from pipeline.engine.boilerplate import mark_boilerplate
from pipeline.engine.config import build_engine, typed
from pipeline.engine.forms import Form, FormCues, dominant, form_cues
from pipeline.engine.rules import RuleTable
from pipeline.engine.scopes import Scope, block_scopes
from pipeline.engine.stance import StanceCues
from pipeline.extractors import (
    assertions,
    claim_rules,
    claims,
    contraindications,
    quantities,
    quantity_growth,
    schedule_chains,
    schedule_context,
    schedule_courses,
    schedule_doses,
    schedule_labels,
    schedule_phases,
    schedule_rates,
    schedules,
    side_effects,
)
from pipeline.extractors.schedule_cues import ScheduleCues
from pipeline.records import Document, Extraction, Vocabulary
from pipeline.taxonomy import Taxonomy, taxonomy_of

# Bump when extractor code changes what it makes of a text: it is part of every cache key.
CODE_VERSION = "5"
RULE_TABLES: tuple[RuleTable[Any], ...] = (
    side_effects.MENTION_RULES, contraindications.CONDITION_RULES, claim_rules.FORM, claim_rules.WORTH,
    claim_rules.SUBJECT, claim_rules.CATEGORY, quantity_growth.NOT_QUANTITIES, quantity_growth.UNITS,
    quantity_growth.BARE, quantities.MEASURES, quantities.PERCENTS, quantities.TIMES, assertions.NUMBERS,
    assertions.INSURANCE, assertions.REGULATORY, assertions.CONTROLLED, assertions.SUICIDALITY, assertions.SAFETY,
    assertions.MONITORING,
    schedule_rates.RATE_RULES, schedule_courses.COURSE_RULES, schedule_phases.BREAK_RULES,
    schedule_phases.PLAUSIBILITY_RULES, schedule_chains.CHAIN_RULES, schedule_labels.LABEL_RULES,
    schedule_context.DRUG_RULES, schedule_context.ROUTE_RULES, schedule_doses.DOSE_RULES)


@dataclass(frozen=True)
class Settings:
    """Typed settings of the cue files the extractors read."""

    priority: tuple[str, ...]
    anaphor_reach_words: int
    stance: StanceCues
    forms: FormCues
    side_effects: side_effects.SideEffectCues
    contraindications: contraindications.ContraindicationCues
    claims: claims.ClaimCues
    quantities: quantities.QuantityCues
    assertions: assertions.AssertionCues
    schedules: ScheduleCues
    taxonomy: Taxonomy


@dataclass(frozen=True)
class Rules:
    """Everything a document's extraction depends on besides its text, compiled once per build.

    `digest` changes whenever any cue, vocabulary term, segmentation cue or the code version does: it keys
    the per-document cache."""

    engine: Engine
    settings: Settings
    cues: dict[str, Any]
    segmentation: dict[str, Any]
    vocabulary: Vocabulary
    digest: str


def rules_digest(cues: dict[str, Any], segmentation: dict[str, Any], vocabulary: Vocabulary) -> str:
    """A hash of everything that decides extraction: cues, segmentation, vocabulary and the code version."""
    terms = [[t.term_id, t.label, t.kind, list(t.synonyms)] for t in vocabulary.terms.values()]
    payload = json.dumps([CODE_VERSION, cues, segmentation, terms], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def compile_rules(cues: dict[str, Any], segmentation: dict[str, Any], vocabulary: Vocabulary) -> Rules:
    """Validated cue files, segmentation cues and vocabulary -> the compiled rules."""
    settings = Settings(
        priority=tuple(cues["scopes"]["priority"]), anaphor_reach_words=cues["scopes"]["anaphor_reach_words"],
        stance=typed(StanceCues, cues["certainty"]),
        forms=form_cues(cues["forms"]),
        side_effects=typed(side_effects.SideEffectCues, cues["side_effects"]),
        contraindications=typed(contraindications.ContraindicationCues, cues["contraindications"]),
        claims=typed(claims.ClaimCues, cues["claims"]), quantities=typed(quantities.QuantityCues, cues["quantities"]),
        assertions=typed(assertions.AssertionCues, cues["assertions"]),
        schedules=typed(ScheduleCues, cues["schedules"]), taxonomy=taxonomy_of(cues["taxonomy"]))
    return Rules(engine=build_engine(cues, segmentation, vocabulary), settings=settings, cues=cues,
                 segmentation=segmentation, vocabulary=vocabulary,
                 digest=rules_digest(cues, segmentation, vocabulary))


@dataclass(frozen=True)
class Reading:
    """A text as every extractor sees it: its annotation layer, each block's scope and the document's form."""

    annotated: Annotated
    scopes: tuple[Scope, ...]
    default_form: Form | None


def read(text: str, rules: Rules) -> Reading:
    """A text -> its annotation layer, block scopes and dominant drug form."""
    annotated = annotate(text, rules.engine, marks=mark_boilerplate)
    return Reading(annotated, block_scopes(annotated, rules.settings.priority, rules.settings.anaphor_reach_words),
                   dominant(annotated, rules.settings.forms))


def extract_document(document: Document, rules: Rules) -> Extraction:
    """Every table's records for one document."""
    reading = read(document.text, rules)
    source_id = document.source.source_id
    settings = rules.settings
    return Extraction(
        claims=claims.extract_claims(reading, source_id, settings),
        schedules=schedules.extract_schedules(reading, source_id, settings),
        side_effects=side_effects.extract_side_effects(reading, source_id, settings),
        contraindications=contraindications.extract_contraindications(reading, source_id, settings))
