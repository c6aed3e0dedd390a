"""A schedule's draft phases -> the role of each (label): stated, carried from a label block, or from its timing."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_chains import in_session
from pipeline.extractors.schedule_cues import ScheduleCues
from pipeline.extractors.schedule_phases import DraftPhase


@dataclass(frozen=True)
class _Role:
    """A phase in its schedule: its timing, place, count of phases and the label the text gives it."""

    phase: DraftPhase
    index: int
    total: int
    stated: str | None


LABEL_RULES: RuleTable[str] = RuleTable("schedule phase labels")


@LABEL_RULES.rule(
    "label-the-text-gives",
    Example("Our protocol\n\n1. Induction: six infusions over two weeks\n2. Consolidation: one infusion a week for "
            "four weeks\n", "schedule_phases", {"label": "continuation", "frequency": 1}))
def _stated(role: _Role, cues: ScheduleCues) -> str | None:
    return role.stated


@LABEL_RULES.rule(
    "role-its-sentence-names",
    Example("Ketamine therapy\n\nMaintenance care with ketamine ranges from twice a week to once every two weeks.",
            "schedule_phases", {"label": "maintenance", "period": 0.5, "period_max": 2}))
def _sentence_role(role: _Role, cues: ScheduleCues) -> str | None:
    return role.phase.sentence_label if role.total == 1 else None


@LABEL_RULES.rule(
    "doses-of-one-sitting",
    Example("Ketamine therapy\n\nPatients self-administer three doses, spaced five minutes apart.", "schedule_phases",
            {"label": "session"}))
def _sitting(role: _Role, cues: ScheduleCues) -> str | None:
    return "session" if in_session(role.phase.timing) else None


@LABEL_RULES.rule(
    "a-lone-phase",
    Example("Ketamine therapy\n\nKetamine is given three times a week.", "schedule_phases", {"label": "unspecified"}))
def _lone(role: _Role, cues: ScheduleCues) -> str | None:
    return cues.default_label if role.total == 1 else None


@LABEL_RULES.rule(
    "first-or-more-than-weekly",
    Example("Ketamine therapy\n\nIntramuscular injections are given once weekly for four weeks, then once every other "
            "week.", "schedule_phases", {"label": "induction", "frequency": 1, "bounds_high": 4}))
def _first(role: _Role, cues: ScheduleCues) -> str | None:
    return "induction" if role.index == 0 or (role.phase.timing.per_week() or 0) > 1 else None


@LABEL_RULES.rule(
    "open-ended-last",
    Example("Ketamine therapy\n\nIntramuscular injections are given once weekly for four weeks, then once every other "
            "week.", "schedule_phases", {"label": "maintenance", "period": 2}))
def _open_ended(role: _Role, cues: ScheduleCues) -> str | None:
    timing = role.phase.timing
    last = role.index == role.total - 1
    return "maintenance" if last and timing.bounds_unit is None and timing.count is None else None


@LABEL_RULES.rule(
    "in-between",
    Example("Ketamine therapy\n\nPatients get infusions twice a week for two weeks, then weekly for four weeks, then "
            "monthly.", "schedule_phases", {"label": "taper", "bounds_high": 4}))
def _between(role: _Role, cues: ScheduleCues) -> str | None:
    return "taper"


def _stated_labels(phases: list[DraftPhase], sentences: list[int]) -> list[str | None]:
    """Explicit labels, and a header label carried forward: a label block's over the rows under it, a row's own
    "Maintenance phase: ..." over the rest of its sentence."""
    labels: list[str | None] = []
    carried: tuple[str, int | None] | None = None  # label, and the sentence it holds for (None: every one)
    for phase, sentence in zip(phases, sentences, strict=True):
        if phase.label is not None:
            labels.append(phase.label)
            if phase.header:
                carried = (phase.label, None if phase.block_label else sentence)
        elif carried is not None and carried[1] in (None, sentence):
            labels.append(carried[0])
        else:
            labels.append(None)
    return labels


def phase_labels(phases: list[DraftPhase], sentences: list[int], cues: ScheduleCues) -> list[str]:
    stated = _stated_labels(phases, sentences)
    labels = []
    for index, (phase, label) in enumerate(zip(phases, stated, strict=True)):
        decided = LABEL_RULES.decide(_Role(phase, index, len(phases), label), cues)
        labels.append(decided[1] if decided else cues.default_label)
    return labels
