"""Assembled table rows -> the statements the checks read: what a reported source says, with its span, drug form,
claim and stance, whichever table it comes from."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.checks.forms import Forms

Row = Mapping[str, Any]
KEYS = {"assertions": "assertion_id", "side_effects": "side_effect_id", "contraindications": "contraindication_id",
        "schedule_phases": "phase_id"}


@dataclass(frozen=True)
class Statement:
    """One checked row of a source: its table, id, span, drug form, claim and stance."""

    table: str
    row_id: str
    source_id: str
    start: int
    end: int
    quote: str
    drug_form: str | None
    claim_id: str | None
    polarity: str
    certainty: str | None
    row: Row

    @property
    def hedged(self) -> bool:
        return self.certainty == "hedged"

    @property
    def negated(self) -> bool:
        return self.polarity == "negated"


class ClaimFinder:
    """The claims of each source by start, to find the claim whose span holds a row's span."""

    def __init__(self, claims: list[Row]):
        self._by_source: dict[str, list[Row]] = {}
        for claim in sorted(claims, key=lambda c: (c["source_id"], c["start"], c["end"])):
            self._by_source.setdefault(claim["source_id"], []).append(claim)
        self._starts = {source: [c["start"] for c in rows] for source, rows in self._by_source.items()}
        self.by_id = {claim["claim_id"]: claim for claim in claims}

    def holding(self, source_id: str, start: int, end: int) -> Row | None:
        """The shortest claim of the source whose span holds [start, end)."""
        rows = self._by_source.get(source_id, [])
        found = [c for c in rows[:bisect_right(self._starts.get(source_id, []), start)] if c["end"] >= end]
        return min(found, key=lambda c: c["end"] - c["start"], default=None)


def source_forms(tables: Mapping[str, list[Row]], forms: Forms) -> dict[str, str]:
    """Each source's drug form: the form of forms.yaml its rows (side effects, claims, assertions, schedules) name
    most; sources whose rows name none have none."""
    counts: dict[str, Counter[str]] = {}
    for name in ("side_effects", "claims", "assertions"):
        for row in tables.get(name, []):
            if row.get("drug_form") in forms.drug_of:
                counts.setdefault(row["source_id"], Counter())[row["drug_form"]] += 1
    for schedule in tables.get("schedules", []):
        form = forms.of_schedule(schedule)
        if form in forms.drug_of:
            counts.setdefault(schedule["source_id"], Counter())[form] += 1
    return {source: max(found.items(), key=lambda item: (item[1], item[0]))[0] for source, found in counts.items()}


@dataclass(frozen=True)
class Corpus:
    """What the checks read of the assembled tables."""

    tables: Mapping[str, list[Row]]
    checked: frozenset[str]  # sources whose rows are checked (by role)
    forms: Forms
    claims: ClaimFinder
    source_form: Mapping[str, str]

    def _claim(self, source_id: str, start: int, end: int) -> Row | None:
        return self.claims.holding(source_id, start, end)

    def assertions(self) -> Iterator[Statement]:
        for row in self.tables.get("assertions", []):
            if row["source_id"] not in self.checked:
                continue
            claim = self.claims.by_id.get(row["claim_id"])
            yield Statement("assertions", row["assertion_id"], row["source_id"], row["start"], row["end"],
                            row["quote"], row.get("drug_form"), row["claim_id"], row["polarity"],
                            (claim or {}).get("certainty"), row)

    def side_effects(self) -> Iterator[Statement]:
        for row in self.tables.get("side_effects", []):
            if row["source_id"] not in self.checked:
                continue
            claim = self._claim(row["source_id"], row["start"], row["end"])
            yield Statement("side_effects", row["side_effect_id"], row["source_id"], row["start"], row["end"],
                            row["quote"], row.get("drug_form"), claim["claim_id"] if claim else None,
                            row.get("polarity", "affirmed"), row.get("certainty"), row)

    def contraindications(self) -> Iterator[Statement]:
        for row in self.tables.get("contraindications", []):
            if row["source_id"] not in self.checked:
                continue
            claim = self._claim(row["source_id"], row["start"], row["end"])
            form = row.get("drug_form") or (claim or {}).get("drug_form") or self.source_form.get(row["source_id"])
            yield Statement("contraindications", row["contraindication_id"], row["source_id"], row["start"],
                            row["end"], row["quote"], form, claim["claim_id"] if claim else None,
                            row.get("polarity", "affirmed"), row.get("certainty"), row)

    def schedules(self) -> Iterator[tuple[Row, list[Statement]]]:
        """Each checked schedule with its phases in order, as statements carrying the schedule's form."""
        phases: dict[str, list[Row]] = {}
        for phase in self.tables.get("schedule_phases", []):
            phases.setdefault(phase["schedule_id"], []).append(phase)
        for schedule in self.tables.get("schedules", []):
            source_id = schedule["source_id"]
            if source_id not in self.checked:
                continue
            form = self.forms.of_schedule(schedule)
            statements = []
            for phase in sorted(phases.get(schedule["schedule_id"], []), key=lambda p: p["sequence"]):
                claim = self._claim(source_id, phase["start"], phase["end"])
                statements.append(Statement("schedule_phases", phase["phase_id"], source_id, phase["start"],
                                            phase["end"], phase["quote"], phase.get("drug_form") or form,
                                            claim["claim_id"] if claim else None, "affirmed", None, phase))
            yield schedule, statements
