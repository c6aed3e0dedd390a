"""The one registry of the package's tables: record type, id code, parent, curation and evaluation of each."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Assertion, Claim, ClaimRepeat, Contraindication, Phase, Quantity, Schedule, SideEffect


@dataclass(frozen=True)
class Table:
    """How one resource is made, keyed, corrected and scored.

    A table is either extracted from each document (`record` set; top-level when `nested` is empty, else
    held in its parent record's field `nested`), built from the inputs (sources, terms, facts), or derived from
    the assembled tables after every document (`derived`: the summary views, claim checks and omissions).
    `spans`: a table that is not extracted but whose rows carry source_id, start, end and quote, checked like
    extracted rows."""

    name: str
    record: type | None = None
    id_code: str | None = None
    id_term: str | None = None  # field that joins the span in the id: one span may name several terms
    parent: str | None = None  # table whose rows hold this one's records
    nested: str | None = None  # the parent record's field holding them
    labels: tuple[str, ...] = ()  # fields a reviewer may set with a curation entry
    required: tuple[str, ...] = ()  # fields an added row must set
    vocabulary: dict[str, str] = field(default_factory=dict)  # field -> vocabulary kind its values come from
    match: str | None = None  # field that must agree for a gold row to match (besides the span)
    agreement: tuple[str, ...] = ()  # fields whose agreement with the gold is reported
    derived: bool = False
    inside_parent: bool = True  # whether a nested row's span lies inside its parent row's span
    spans: bool = False

    @property
    def extracted(self) -> bool:
        return self.record is not None

    @property
    def top_level(self) -> bool:
        return self.record is not None and self.parent is None


TABLES: tuple[Table, ...] = (
    Table("sources"),
    Table("claims", Claim, "c",
          labels=("category", "subject", "polarity", "certainty", "testimonial", "drug_form", "quantities",
                  "assertions"),
          required=("category", "subject", "certainty"),
          agreement=("category", "subject", "polarity", "certainty", "testimonial", "drug_form")),
    Table("quantities", Quantity, "q", parent="claims", nested="quantities",
          labels=("value_low", "value_high", "qualifier", "unit", "measure", "subject"),
          required=("value_low", "value_high", "qualifier", "measure", "subject"),
          agreement=("value_low", "value_high", "qualifier", "unit", "measure", "subject")),
    Table("assertions", Assertion, "a", id_term="property", parent="claims", nested="assertions",
          labels=("property", "drug_form", "value", "value_low", "value_high", "unit", "qualifier", "population",
                  "polarity"),
          required=("property", "polarity"), match="property",
          agreement=("drug_form", "value", "value_low", "value_high", "unit", "polarity")),
    Table("claim_repeats", ClaimRepeat, "r", parent="claims", nested="repeats", inside_parent=False),
    Table("schedules", Schedule, "s", labels=("drug", "route", "phases", "drug_form"), required=("drug", "route"),
          vocabulary={"drug": "drug"}, agreement=("drug", "route", "drug_form")),
    Table("schedule_phases", Phase, "p", parent="schedules", nested="phases",
          labels=("label", "frequency", "frequency_max", "period", "period_max", "period_unit", "count", "count_max",
                  "bounds_low", "bounds_high", "bounds_unit", "as_needed", "dose_low", "dose_high", "dose_unit"),
          required=("label",),
          agreement=("sequence", "label", "frequency", "frequency_max", "period", "period_max", "period_unit",
                     "count", "count_max", "bounds_low", "bounds_high", "bounds_unit", "as_needed")),
    Table("side_effects", SideEffect, "se", id_term="term",
          labels=("term", "context", "polarity", "certainty", "frequency", "frequency_source", "rate_percent",
                  "drug_form"),
          required=("term", "context", "certainty"), vocabulary={"term": "side-effect"}, match="term",
          agreement=("context", "polarity", "certainty", "frequency", "drug_form")),
    Table("contraindications", Contraindication, "ci", id_term="condition",
          labels=("condition", "kind", "polarity", "certainty"), required=("condition", "kind"),
          vocabulary={"condition": "condition"}, match="condition", agreement=("kind",)),
    Table("terms"),
    Table("side_effect_summary", derived=True),
    Table("schedule_summary", derived=True),
    Table("assertion_summary", derived=True),
)

# Reference facts (built from data/reference/) and what each source says beside them (derived after every
# document: pipeline/checks/).
REFERENCE_TABLES: tuple[Table, ...] = (
    Table("facts"),
    Table("fact_quotes", spans=True),
    Table("claim_checks", derived=True, spans=True),
    Table("omissions", derived=True),
)
TABLES = TABLES + REFERENCE_TABLES

BY_NAME = {table.name: table for table in TABLES}
RESOURCES = tuple(table.name for table in TABLES)
DERIVED = tuple(table.name for table in TABLES if table.derived)
EXTRACTED = tuple(table.name for table in TABLES if table.extracted)


def children(name: str) -> tuple[Table, ...]:
    """The tables whose records a record of this table holds."""
    return tuple(t for t in TABLES if t.parent == name)


def nested(name: str) -> dict[str, Table]:
    """A table's nested fields -> the child table each holds (claims: {"quantities": quantities table})."""
    return {t.nested: t for t in children(name) if t.nested}

# The tables whose rows of every source the summaries (pipeline/derive.py) read; the checks (pipeline/checks/)
# read these and, of a checked source, its claims and contraindications too. Other rows are only written.
SUMMARISED = ("side_effects", "assertions", "schedules", "schedule_phases")
CHECKED = (*SUMMARISED, "claims", "contraindications")
