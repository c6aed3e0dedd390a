"""Annotated text + a phase's place -> the dose of one administration it states (low, high, unit: mg or mg/kg)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import cue
from pipeline.extractors.schedule_tokens import COUNTABLE, Stream, stream

DOSE_UNITS = cue("dose_units")
JOINERS = cue("dose_joiners")


@dataclass(frozen=True)
class Dose:
    """One dose statement: "56 mg", "either 56 mg or 84 mg" (56-84 mg), "0.5 mg/kg"; its span."""

    low: float
    high: float
    unit: str
    start: int
    end: int


def _amount(s: Stream, i: int, joined: bool) -> tuple[float, float, str, int] | None:
    """"56 mg", "56 or 84 mg", "0.5 mg/kg", "56 milligrams (mg)" at token i: low, high, unit and the next index."""
    number = s.number(i, COUNTABLE, joined)
    unit = s.phrase(DOSE_UNITS, i + 1) if number is not None else None
    if number is None or unit is None:
        return None
    after = unit[1]
    restated = s.phrase(DOSE_UNITS, after, joined=False) if s.gap(after).strip() in ("(", "[") else None
    if restated is not None and s.text[restated[0].end:restated[0].end + 1] in ")]":
        after = restated[1]  # the unit's abbreviation in brackets
    return number.low, number.high, unit[0].value, after


def _joined_amount(s: Stream, j: int) -> tuple[float, float, str, int] | None:
    """", 56 mg", "or 84 mg", ", or 84 mg" after a dose."""
    gap = s.gap(j).strip()
    if gap == ",":
        found = _amount(s, j, joined=False)
        if found is not None:
            return found
    joiner = s.has(JOINERS, j, joined=gap in ("", ","))
    return _amount(s, joiner, joined=True) if joiner is not None else None


def doses_in(annotated: Annotated, start: int, end: int) -> list[Dose]:
    """Every dose statement in text[start:end], alternatives of one unit joined into a range."""
    s = stream(annotated, start, end)
    found: list[Dose] = []
    i = 0
    while i < len(s):
        first = _amount(s, i, joined=False)
        if first is None:
            i += 1
            continue
        low, high, unit, j = first
        while (more := _joined_amount(s, j)) is not None and more[2] == unit:
            low, high, j = min(low, more[0]), max(high, more[1]), more[3]
        found.append(Dose(low, high, unit, s.tokens[i].start, s.tokens[j - 1].end))
        i = j
    return found


@dataclass(frozen=True)
class DosePlace:
    """Where a phase stands: the doses of its block (in text order), its span, its sentence, and the sentences of
    its block after and before it (up to the nearest sentences with a phase)."""

    doses: tuple[Dose, ...]
    phase: tuple[int, int]
    sentence: tuple[int, int]
    after: tuple[int, int]
    before: tuple[int, int]

    def within(self, start: int, end: int) -> list[Dose]:
        """The doses lying wholly inside [start, end)."""
        low = bisect_left(self.doses, start, key=lambda d: d.start)
        high = bisect_left(self.doses, end, lo=low, key=lambda d: d.start)
        return [d for d in self.doses[low:high] if d.end <= end]


def _together(doses: list[Dose]) -> Dose | None:
    """Several dose statements of one unit (a starting dose and the doses after it) -> their range."""
    if not doses:
        return None
    unit = doses[0].unit
    same = [d for d in doses if d.unit == unit]
    return Dose(min(d.low for d in same), max(d.high for d in same), unit, same[0].start, same[-1].end)


DOSE_RULES: RuleTable[Dose] = RuleTable("schedule phase doses")


@DOSE_RULES.rule(
    "dose-in-the-phase",
    Example("Ketamine therapy\n\nPatients receive 0.5 mg/kg infusions twice a week.", "schedule_phases",
            {"dose_low": 0.5, "dose_high": 0.5, "dose_unit": "mg/kg"}))
def _in_phase(place: DosePlace) -> Dose | None:
    return _together(place.within(*place.phase))


@DOSE_RULES.rule(
    "dose-before-the-phase-in-its-sentence",
    Example("Arms\n\nPatients receive either 56 mg or 84 mg of esketamine by nasal spray, twice per "
            "week for 4 weeks.", "schedule_phases", {"dose_low": 56, "dose_high": 84, "dose_unit": "mg"}),
    Example("Arms\n\nPatients take 28 mg of esketamine on the first visit, and then 56 mg from the next visit, twice "
            "per week for 4 weeks.", "schedule_phases", {"dose_low": 56, "dose_high": 56, "dose_unit": "mg"}))
def _before(place: DosePlace) -> Dose | None:
    found = place.within(place.sentence[0], place.phase[0])
    return found[-1] if found else None


@DOSE_RULES.rule(
    "dose-after-the-phase-in-its-sentence",
    Example("Ketamine therapy\n\nKetamine infusions are given twice a week at 0.5 mg/kg.", "schedule_phases",
            {"dose_low": 0.5, "dose_unit": "mg/kg"}))
def _after(place: DosePlace) -> Dose | None:
    found = place.within(place.phase[1], place.sentence[1])
    return found[0] if found else None


@DOSE_RULES.rule(
    "doses-after-it-in-its-row",
    Example("Dosage\n\nWeeks 1 to 4: give esketamine twice per week. First dose: 56 mg; later "
            "doses: 56 mg or 84 mg.", "schedule_phases", {"dose_low": 56, "dose_high": 84, "dose_unit": "mg"}))
def _in_row(place: DosePlace) -> Dose | None:
    return _together(place.within(*place.after))


@DOSE_RULES.rule(
    "dose-before-it-in-its-row",
    Example("Dosing\n\nAdults: 0.5 mg/kg ketamine IV infused over 40 minutes. Give 2 to 3 times per week for 2 to 3 "
            "weeks.", "schedule_phases", {"dose_low": 0.5, "dose_unit": "mg/kg", "frequency": 2}))
def _before_in_row(place: DosePlace) -> Dose | None:
    found = place.within(*place.before)
    return found[-1] if found else None


def phase_dose(place: DosePlace) -> Dose | None:
    """The dose a phase states, from the nearest place that states one."""
    decided = DOSE_RULES.decide(place)
    return decided[1] if decided else None
