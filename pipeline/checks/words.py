"""Values of statements and facts -> the words of a one-line reason (what the source says; what the reference says)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.checks.settings import Settings
from pipeline.reference import Fact

UNIT_WORDS = {"percent": "%", "min": "min", "h": "h", "d": "d", "wk": "wk", "mo": "mo", "a": "years", "count": "",
              "mg": "mg", "mg/kg": "mg/kg", "usd": "USD"}
QUALIFIER_WORDS = {"at-least": "at least ", "more-than": "more than ", "at-most": "at most ", "up-to": "up to ",
                   "less-than": "less than ", "approx": "about ", "exact": ""}


def number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def amount(low: float | None, high: float | None, unit: str | None, qualifier: str | None = None) -> str:
    """A value range in words: "at least 2 h", "1-4 wk", "41%"."""
    span = number(low) if high is None or high == low else f"{number(low)}-{number(high)}"
    unit_words = UNIT_WORDS.get(unit or "", unit or "")
    joined = f"{span}{unit_words}" if unit_words == "%" else f"{span} {unit_words}".rstrip()
    return QUALIFIER_WORDS.get(qualifier or "exact", "") + joined


def form(settings: Settings, drug_form: str | None) -> str:
    return settings.form_words.get(drug_form or "", drug_form or "the drug")


def label_says(fact: Fact, scope: str, settings: Settings) -> str:
    """What the reference says, and for another form's label that it speaks for that form only."""
    said = f"{fact.by}: {fact.statement}"
    if scope == "other-form":
        said += f" (a label of {form(settings, fact.drug_form)}, another form)"
    return said


def reason(says: str, fact: Fact, scope: str, settings: Settings) -> str:
    """The one line of a check: 'says ...; <who>: <fact>'."""
    return f"says {says}; {label_says(fact, scope, settings)}"


def rate_of(row: Mapping[str, Any]) -> str:
    """A phase's rate in words: "2 doses a wk", "1 dose every 1-2 wk"."""
    frequency, period, unit = row.get("frequency"), row.get("period"), row.get("period_unit")
    if frequency is None or period is None:
        return ""
    count = number(frequency) if not row.get("frequency_max") else f"{number(frequency)}-{number(row['frequency_max'])}"
    doses = "dose" if count == "1" else "doses"
    every = amount(period, row.get("period_max") or period, unit)
    return f"{count} {doses} every {every}".replace("every 1 ", "a ")


def phase_words(row: Mapping[str, Any]) -> str:
    """A source's phase in words: its rate and how long it lasts."""
    parts = [rate_of(row)]
    if row.get("bounds_low") is not None or row.get("bounds_high") is not None:
        qualifier = "at-least" if row.get("bounds_high") is None else "up-to" if row.get("bounds_low") is None else None
        low = row.get("bounds_low") if row.get("bounds_low") is not None else row.get("bounds_high")
        parts.append("for " + amount(low, row.get("bounds_high"), row.get("bounds_unit"), qualifier))
    return "is given " + (" ".join(part for part in parts if part) or "in a phase")
