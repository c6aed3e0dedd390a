"""A source's schedule phases + a label's dosing phases -> which label phase each source phase is set beside.

A label states one dosing regimen per population (treatment-resistant depression, acute suicidal ideation), as
phases in order of their weeks. A source's phases are matched to one regimen's phases in order: a phase that
states a rate goes with the first label phase, after the last one matched, whose rate takes its rate in; a phase
that states no rate goes by its name (induction, maintenance). The regimen whose phases match most is used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.checks.forms import Candidate
from pipeline.checks.settings import Settings
from pipeline.checks.statements import Statement
from pipeline.checks.values import Interval, rate_per_week
from pipeline.reference import Phase

WITHIN_A_SITTING = ("min", "h")


@dataclass(frozen=True)
class Aligned:
    """A source phase, the label phase it is set beside, and whether that phase's rate takes the source's in."""

    statement: Statement
    candidate: Candidate
    rate: Interval | None
    label_rate: Interval | None
    rate_matches: bool


def _label_rate(candidate: Candidate, settings: Settings) -> Interval | None:
    phase = _phase(candidate)
    return rate_per_week({"frequency": phase.frequency, "frequency_max": phase.frequency_max, "period": phase.period,
                          "period_max": phase.period_max, "period_unit": phase.period_unit}, settings.units)


def _phase(candidate: Candidate) -> Phase:
    phase = candidate.fact.phase
    if phase is None:
        raise ValueError(f"fact {candidate.fact.fact_id} has no phase")
    return phase


def _regimens(candidates: Sequence[Candidate]) -> list[list[Candidate]]:
    """The label's regimens (one per population), each in order of weeks; most phases first."""
    by_population: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.fact.phase is not None:
            by_population.setdefault(candidate.fact.population or "", []).append(candidate)
    regimens = [sorted(found, key=lambda c: _phase(c).week_from) for found in by_population.values()]
    return sorted(regimens, key=lambda r: (-len(r), r[0].fact.population or ""))


def _align(phases: Sequence[Statement], regimen: list[Candidate], settings: Settings) -> list[Aligned]:
    rates = [_label_rate(candidate, settings) for candidate in regimen]
    aligned, next_index = [], 0
    for statement in phases:
        row = statement.row
        if row.get("label") == "session" or row.get("period_unit") in WITHIN_A_SITTING:
            continue
        rate = rate_per_week(row, settings.units)
        if rate is not None:
            found = next((k for k in range(next_index, len(regimen))
                          if (label_rate := rates[k]) is not None and rate.within(label_rate)), None)
            if found is None:
                index = min(next_index, len(regimen) - 1)
                aligned.append(Aligned(statement, regimen[index], rate, rates[index], False))
                continue
        elif row.get("label") in settings.schedule_labels:
            found = next((k for k in range(next_index, len(regimen)) if _phase(regimen[k]).label == row["label"]),
                         None)
            if found is None:
                continue
        else:
            continue
        aligned.append(Aligned(statement, regimen[found], rate, rates[found], True))
        next_index = found + 1
    return aligned


def align(phases: Sequence[Statement], candidates: Sequence[Candidate], settings: Settings) -> list[Aligned]:
    """The source's phases set beside the best-matching regimen of the label (none when the label has none)."""
    best: list[Aligned] = []
    for regimen in _regimens(candidates):
        aligned = _align(phases, regimen, settings)
        if (sum(a.rate_matches for a in aligned), len(aligned)) > (sum(a.rate_matches for a in best), len(best)):
            best = aligned
    return best


def label_weeks(candidate: Candidate) -> Interval | None:
    """How many weeks a label phase lasts (weeks 5-8: 4), None when it is open-ended."""
    phase = candidate.fact.phase
    if phase is None or phase.week_to is None:
        return None
    length = float(phase.week_to - phase.week_from + 1)
    return Interval("weeks", length, length)

