"""Numbers with units and qualifiers -> intervals in one base unit per dimension, and how two intervals relate."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.checks.settings import Unit

WEEK = "wk"
OPEN_ABOVE = ("at-least", "more-than")
OPEN_BELOW = ("at-most", "up-to", "less-than")


@dataclass(frozen=True)
class Interval:
    """A closed range in a dimension's base unit (high may be infinite)."""

    dimension: str
    low: float
    high: float

    def within(self, other: Interval) -> bool:
        return other.low - 1e-9 <= self.low and self.high <= other.high + 1e-9

    def disjoint(self, other: Interval) -> bool:
        return self.high < other.low - 1e-9 or other.high < self.low - 1e-9


def interval(low: float | None, high: float | None, unit: str | None, qualifier: str | None,
             units: Mapping[str, Unit]) -> Interval | None:
    """A stated value -> its interval ("at least 2 h" -> [120, inf) min); None when the unit is unknown."""
    found = units.get(unit or "")
    if found is None or (low is None and high is None):
        return None
    low = high if low is None else low
    high = low if high is None else high
    if qualifier in OPEN_ABOVE:
        return Interval(found.dimension, low * found.factor, math.inf)
    if qualifier in OPEN_BELOW:
        return Interval(found.dimension, 0.0, high * found.factor_max)
    return Interval(found.dimension, low * found.factor, high * found.factor_max)


def weeks(value: float | None, unit: str | None, units: Mapping[str, Unit]) -> tuple[float, float] | None:
    """A length -> its shortest and longest in weeks (a month is 4 to 4.4 weeks)."""
    found, week = units.get(unit or ""), units[WEEK]
    if value is None or found is None or found.dimension != week.dimension:
        return None
    return value * found.factor / week.factor, value * found.factor_max / week.factor


def rate_per_week(row: Mapping[str, Any], units: Mapping[str, Unit]) -> Interval | None:
    """Doses per week of a phase (FHIR frequency per period), lowest and highest; None without a rate."""
    frequency, period, unit = row.get("frequency"), row.get("period"), row.get("period_unit")
    if frequency is None or period is None:
        return None
    shortest = weeks(float(period), unit, units)
    longest = weeks(float(row.get("period_max") or period), unit, units)
    if shortest is None or longest is None or shortest[0] <= 0:
        return None
    return Interval("rate", float(frequency) / longest[1], float(row.get("frequency_max") or frequency) / shortest[0])


def duration_weeks(low: float | None, high: float | None, unit: str | None,
                   units: Mapping[str, Unit]) -> Interval | None:
    """How long a phase lasts, in weeks: "for 1-4 weeks" -> [1, 4]; only a low end -> at least; None unstated."""
    if low is None and high is None:
        return None
    lowest = weeks(low, unit, units) if low is not None else (0.0, 0.0)
    highest = weeks(high, unit, units) if high is not None else (math.inf, math.inf)
    if lowest is None or highest is None:
        return None
    return Interval("weeks", lowest[0], highest[1])
