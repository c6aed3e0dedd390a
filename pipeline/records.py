"""Frozen record types that flow between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """Metadata of one raw text, as declared in sources.yaml plus what is measured."""

    source_id: str
    title: str
    publisher: str | None
    url: str | None
    kind: str
    published: str | None
    retrieved: str | None
    language: str
    path: str
    sha256: str
    characters: int
    licence: str | None = None
    attribution: str | None = None
    role: str = "reported"
    authority: str | None = None


@dataclass(frozen=True)
class Document:
    """A source with its raw text."""

    source: Source
    text: str


@dataclass(frozen=True)
class Term:
    """A canonical vocabulary entry."""

    term_id: str
    label: str
    kind: str
    synonyms: tuple[str, ...]
    hpo_id: str | None = None
    hpo_label: str | None = None
    note: str | None = None
    hpo_predicate: str | None = None


@dataclass(frozen=True)
class Quantity:
    """A number stated inside a claim, with what it is about (`subject`: a clause may compare two therapies)."""

    start: int
    end: int
    quote: str
    value_low: float
    value_high: float
    qualifier: str
    measure: str
    unit: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Assertion:
    """A claim normalised to a property of a drug form (data/taxonomy/properties.yaml) and its value; the span
    is the words that give the value (a quantity, or the cue of a category)."""

    start: int
    end: int
    quote: str
    property: str
    drug_form: str | None
    polarity: str
    value: str | None = None
    value_low: float | None = None
    value_high: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    population: str | None = None


@dataclass(frozen=True)
class ClaimRepeat:
    """Another place where a source makes the same statement again."""

    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Claim:
    """A check-worthy statement of a source, with its quantities, its normalised assertions and its repeats.

    `polarity` is what it says (affirmed, negated), `certainty` how strongly (asserted, hedged); `drug_form`
    the form of the drug it is about, decided by the words at drug_form_start-drug_form_end."""

    source_id: str
    start: int
    end: int
    quote: str
    category: str
    subject: str
    certainty: str
    polarity: str = "affirmed"
    testimonial: bool = False
    drug_form: str | None = None
    drug_form_start: int | None = None
    drug_form_end: int | None = None
    quantities: tuple[Quantity, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    repeats: tuple[ClaimRepeat, ...] = ()
    origin: str = "extracted"


@dataclass(frozen=True)
class Timing:
    """The FHIR Timing.repeat fields a text states (None where it says nothing)."""

    frequency: int | None = None
    frequency_max: int | None = None
    period: float | None = None
    period_max: float | None = None
    period_unit: str | None = None
    count: int | None = None
    count_max: int | None = None
    bounds_low: float | None = None
    bounds_high: float | None = None
    bounds_unit: str | None = None
    as_needed: bool = False


@dataclass(frozen=True, kw_only=True)
class Phase(Timing):
    """One phase of a schedule: its span, its role and its Timing fields."""

    start: int
    end: int
    quote: str
    label: str
    dose_low: float | None = None
    dose_high: float | None = None
    dose_unit: str | None = None


@dataclass(frozen=True)
class Schedule:
    """A treatment schedule stated by a source: drug, route and ordered phases."""

    source_id: str
    start: int
    end: int
    quote: str
    drug: str
    route: str
    phases: tuple[Phase, ...] = ()
    drug_form: str | None = None
    drug_form_start: int | None = None
    drug_form_end: int | None = None
    origin: str = "extracted"


@dataclass(frozen=True)
class SideEffect:
    """A side effect a source attributes to ketamine or esketamine."""

    source_id: str
    start: int
    end: int
    quote: str
    term: str
    context: str
    certainty: str
    polarity: str = "affirmed"
    frequency: str | None = None
    frequency_source: str | None = None
    rate_percent: float | None = None
    drug_form: str | None = None
    drug_form_start: int | None = None
    drug_form_end: int | None = None
    origin: str = "extracted"


@dataclass(frozen=True)
class Contraindication:
    """A condition a source names as a reason not to treat, or to take care."""

    source_id: str
    start: int
    end: int
    quote: str
    condition: str
    kind: str
    polarity: str = "affirmed"
    certainty: str = "asserted"
    origin: str = "extracted"


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document."""

    claims: tuple[Claim, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    side_effects: tuple[SideEffect, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """All canonical terms, by id."""

    terms: dict[str, Term] = field(default_factory=dict)

    def of_kind(self, kind: str) -> tuple[Term, ...]:
        return tuple(t for t in self.terms.values() if t.kind == kind)
