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
    contraindications,
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

# Bump when extractor code changes what it makes of a text: it is part of every cache key.
CODE_VERSION = "4"
RULE_TABLES: tuple[RuleTable[Any], ...] = (
    side_effects.MENTION_RULES, contraindications.CONDITION_RULES,
    schedule_rates.RATE_RULES, schedule_courses.COURSE_RULES, schedule_phases.BREAK_RULES,
    schedule_phases.PLAUSIBILITY_RULES, schedule_chains.CHAIN_RULES, schedule_labels.LABEL_RULES,
    schedule_context.DRUG_RULES, schedule_context.ROUTE_RULES, schedule_doses.DOSE_RULES)


@dataclass(frozen=True)
class Settings:
    """Typed settings of the cue files the extractors read."""

    priority: tuple[str, ...]
    stance: StanceCues
    forms: FormCues
    side_effects: side_effects.SideEffectCues
    contraindications: contraindications.ContraindicationCues
    schedules: ScheduleCues


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
        priority=tuple(cues["scopes"]["priority"]), stance=typed(StanceCues, cues["certainty"]),
        forms=form_cues(cues["forms"]),
        side_effects=typed(side_effects.SideEffectCues, cues["side_effects"]),
        contraindications=typed(contraindications.ContraindicationCues, cues["contraindications"]),
        schedules=typed(ScheduleCues, cues["schedules"]))
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
    return Reading(annotated, block_scopes(annotated, rules.settings.priority),
                   dominant(annotated, rules.settings.forms))


def _legacy(document: Document, rules: Rules) -> tuple[Any, ...]:
    """Claims from the extractor that still reads the older segmentation."""
    from pipeline.extract.claims import extract_claims
    from pipeline.segment import segment

    segmented = segment(document, rules.segmentation)
    shared = {name: rules.cues.get(name, {}) for name in ("certainty", "numbers")}
    return extract_claims(segmented, {**rules.cues.get("claims", {}), **shared}, rules.vocabulary)


def extract_document(document: Document, rules: Rules) -> Extraction:
    """Every table's records for one document."""
    reading = read(document.text, rules)
    source_id = document.source.source_id
    settings = rules.settings
    return Extraction(
        claims=_legacy(document, rules),
        schedules=schedules.extract_schedules(reading, source_id, settings),
        side_effects=side_effects.extract_side_effects(reading, source_id, settings),
        contraindications=contraindications.extract_contraindications(reading, source_id, settings))
