"""Annotated text + a claim's span -> its quantities (value, qualifier, unit, measure) from the grown drafts."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.stance import NEGATIONS
from pipeline.extractors.adjacent import is_phrase
from pipeline.extractors.quantity_growth import (
    CUES,
    QUALIFIER_GAP,
    TIME_UNITS,
    Draft,
    QuantityCues,
    Span,
    after,
    before,
    drafts,
)
from pipeline.records import Quantity

__all__ = ["MEASURES", "PERCENTS", "TIMES", "QuantityCues", "find_quantities"]


# --- what a quantity measures -------------------------------------------------------------------------

@dataclass(frozen=True)
class Measured:
    """What a measure rule may look at: the span, the draft and whether the claim holds a negation."""

    span: Span
    draft: Draft
    negated: bool


MEASURES: RuleTable[str] = RuleTable("quantity measures")
PERCENTS: RuleTable[str] = RuleTable("percent measures")
TIMES: RuleTable[str] = RuleTable("time measures")


@MEASURES.rule(
    "no-unit",
    Example("The association issued a statement on ketamine in 2017.\n", "quantities",
            {"quote": "2017", "measure": "year"}))
def _no_unit(m: Measured) -> str | None:
    if m.draft.unit is not None:
        return None
    return "other" if m.draft.measured else "year"


@MEASURES.rule(
    "money",
    Example("Ketamine infusions cost between $400 and $800 each.\n", "quantities",
            {"quote": "$400 and $800", "value_low": 400.0, "value_high": 800.0, "measure": "cost"}))
def _money(m: Measured) -> str | None:
    return "cost" if m.draft.unit == "usd" else None


@MEASURES.rule(
    "dose",
    Example("The usual ketamine dose is 0.5 mg/kg.\n", "quantities", {"quote": "0.5 mg/kg", "measure": "dose"}),
    Example("The nurse gives 20 mg or 40 mg of esketamine.\n", "quantities",
            {"quote": "20 mg or 40 mg", "value_high": 40.0, "measure": "dose"}))
def _dose(m: Measured) -> str | None:
    return "dose" if m.draft.unit in ("mg", "mg/kg") else None


@MEASURES.rule(
    "percent",
    Example("Esketamine led to remission in 27 percent of participants.\n", "quantities",
            {"quote": "27 percent", "measure": "remission-rate"}))
def _percent(m: Measured) -> str | None:
    if m.draft.unit != "percent":
        return None
    decided = PERCENTS.decide(m)
    return decided[1] if decided else "proportion"


@MEASURES.rule(
    "time",
    Example("Ketamine relieves symptoms within 24 hours.\n", "quantities",
            {"quote": "within 24 hours", "measure": "onset"}))
def _time(m: Measured) -> str | None:
    if m.draft.unit not in TIME_UNITS:
        return None
    decided = TIMES.decide(m)
    return decided[1] if decided else "other"


@MEASURES.rule(
    "frequency",
    Example("Initially, twice-weekly ketamine treatments are given.\n", "quantities",
            {"quote": "twice-weekly", "measure": "other"}))
def _frequency_measure(m: Measured) -> str | None:
    return "other" if m.draft.frequency else None


@MEASURES.rule(
    "count",
    Example("A ketamine trial of more than 300 patients was run.\n", "quantities",
            {"quote": "more than 300 patients", "qualifier": "more-than", "measure": "count"}))
def _count_measure(m: Measured) -> str | None:
    return "count"


@PERCENTS.rule(
    "share-of-a-price",
    Example("With ketamine, patients may pay 20% coinsurance.\n", "quantities", {"quote": "20%", "measure": "cost"}))
def _percent_cost(m: Measured) -> str | None:
    return "cost" if m.span.has("percent_cost_cues") else None


@PERCENTS.rule(
    "remission",
    Example("With ketamine, 27% of patients reached remission.\n", "quantities",
            {"quote": "27%", "measure": "remission-rate"}))
def _remission(m: Measured) -> str | None:
    return "remission-rate" if m.span.has("remission_cues") else None


@PERCENTS.rule(
    "share-of-non-responders",
    Example("“Nearly half of patients get no benefit from ketamine,” she said.\n", "quantities",
            {"quote": "Nearly half", "measure": "proportion"}))
def _non_responders(m: Measured) -> str | None:
    return "proportion" if m.span.has("non_response_cues") else None


@PERCENTS.rule(
    "response",
    Example("Ketamine lowers symptoms in about 60 to 75 percent of patients.\n", "quantities",
            {"quote": "about 60 to 75 percent", "measure": "response-rate"}),
    Example("Up to 30% of people do not respond to SSRIs, unlike ketamine.\n", "quantities",
            {"quote": "Up to 30%", "measure": "proportion"}))
def _response(m: Measured) -> str | None:
    return "response-rate" if not m.negated and m.span.has("response_cues") else None


def _ends_before(m: Measured, key: str) -> bool:
    return before(m.span, key, m.draft.start, QUALIFIER_GAP) is not None


def _qualified_by(m: Measured, key: str) -> bool:
    at = m.draft.qualifier_at
    return at is not None and is_phrase(m.span.annotated, f"{CUES}.{key}", Mention(at[0], at[1], "", ""))


@TIMES.rule(
    "interval-or-ago",
    Example("Ketamine top-ups come about every two months.\n", "quantities",
            {"quote": "about every two months", "qualifier": "approx", "measure": "other"}),
    Example("About six months ago, she learned of ketamine.\n", "quantities",
            {"quote": "About six months", "measure": "other"}))
def _interval_or_ago(m: Measured) -> str | None:
    if m.draft.interval or after(m.span, "ago_cues", m.draft.end) is not None:
        return "other"
    return None


@TIMES.rule(
    "after-an-ending",
    Example("The dizziness from ketamine wore off within a day or two.\n", "quantities",
            {"quote": "within a day or two", "value_high": 2.0, "measure": "duration"}))
def _ending(m: Measured) -> str | None:
    return "duration" if _ends_before(m, "ending_cues") else None


@TIMES.rule(
    "onset-qualifier",
    Example("Ketamine can reduce depression in as little as 24 hours.\n", "quantities",
            {"quote": "in as little as 24 hours", "qualifier": "up-to", "measure": "onset"}))
def _onset_qualifier(m: Measured) -> str | None:
    return "onset" if _qualified_by(m, "onset_qualifier_words") else None


@TIMES.rule(
    "time-reference",
    Example("Research on ketamine in the last decade has grown.\n", "quantities",
            {"quote": "the last decade", "measure": "other"}))
def _time_reference(m: Measured) -> str | None:
    if _qualified_by(m, "time_reference_before") or _ends_before(m, "time_reference_before"):
        return "other"
    return None


@TIMES.rule(
    "before-an-effect",
    Example("SSRIs can take 4-6 weeks to take full effect, unlike ketamine.\n", "quantities",
            {"quote": "4-6 weeks", "measure": "onset"}),
    Example("Five minutes in, the ketamine made the room feel far away.\n", "quantities",
            {"quote": "Five minutes", "measure": "onset"}))
def _before_effect(m: Measured) -> str | None:
    if after(m.span, "onset_after", m.draft.end) is not None:
        return "onset"
    found = after(m.span, "onset_in", m.draft.end)
    return "onset" if found is not None and m.span.text[found.end:found.end + 1] == "," else None


def _length_after(m: Measured) -> bool:
    word = after(m.span, "length_words", m.draft.end)
    if word is None:
        return False
    rest = m.span.text[word.end:m.span.end].lstrip()
    return not rest or rest[0] in ",.;:)" or after(m.span, "length_followers", word.end) is not None


@TIMES.rule(
    "length",
    Example("Ketamine patients are treated for five to nine weeks.\n", "quantities",
            {"quote": "five to nine weeks", "measure": "duration"}),
    Example("In a six-week study of ketamine, mood improved.\n", "quantities",
            {"quote": "six-week", "measure": "duration"}),
    Example("Each ketamine visit is about 30 minutes long, in a quiet room.\n", "quantities",
            {"quote": "about 30 minutes", "measure": "duration"}),
    Example("The ketamine dose is given over 40 minutes.\n", "quantities",
            {"quote": "over 40 minutes", "qualifier": "exact", "measure": "duration"}))
def _length(m: Measured) -> str | None:
    if m.draft.spread or _ends_before(m, "duration_before") or _length_after(m):
        return "duration"
    return "duration" if after(m.span, "duration_nouns_after", m.draft.end) is not None else None


@TIMES.rule(
    "years-are-no-effect-time",
    Example("Over a decade of ketamine research has passed.\n", "quantities",
            {"quote": "Over a decade", "measure": "other"}))
def _years(m: Measured) -> str | None:
    return "other" if m.draft.unit == "a" else None


@TIMES.rule(
    "claim-about-an-ending",
    Example("Ketamine's relief lasts, then wanes over 2 weeks in some.\n", "quantities",
            {"quote": "over 2 weeks", "measure": "duration"}))
def _claim_ending(m: Measured) -> str | None:
    return "duration" if m.span.has("ending_cues") else None


@TIMES.rule(
    "claim-about-onset",
    Example("Ketamine works fast: patients notice it after 2 hours.\n", "quantities",
            {"quote": "2 hours", "measure": "onset"}))
def _claim_onset(m: Measured) -> str | None:
    return "onset" if _ends_before(m, "onset_before") or m.span.has("onset_cues") else None


@TIMES.rule(
    "claim-about-duration",
    Example("Ketamine effects are sustained, 3 weeks in most.\n", "quantities",
            {"quote": "3 weeks", "measure": "duration"}))
def _claim_duration(m: Measured) -> str | None:
    return "duration" if m.span.has("duration_cues") else None


def _respective_rates(span: Span, found: list[Draft], measures: list[str]) -> list[str]:
    """Several rates in one claim: each takes the rate cue that follows it before the next number ("52%
    responded and 36% reached remission"); rates without one are the comparison arm and take the measures of
    the named ones in turn ("compared with 31% and 18% on placebo")."""
    rates = [i for i, measure in enumerate(measures) if measure in ("response-rate", "remission-rate")]
    if len(rates) < 2:
        return measures
    result = list(measures)
    named: list[str] = []
    unnamed: list[int] = []
    for position, index in enumerate(rates):
        stop = found[rates[position + 1]].start if position + 1 < len(rates) else span.end
        cues = [(m.start, "remission-rate") for m in span.annotated.of(f"{CUES}.remission_cues", found[index].end,
                                                                        stop)]
        cues += [(m.start, "response-rate") for m in span.annotated.of(f"{CUES}.response_cues", found[index].end,
                                                                        stop)]
        if cues:
            result[index] = min(cues)[1]
            named.append(result[index])
        else:
            unnamed.append(index)
    for turn, index in enumerate(unnamed):
        if named:
            result[index] = named[turn % len(named)]
    return result


def find_quantities(annotated: Annotated, start: int, end: int, cues: QuantityCues) -> tuple[Quantity, ...]:
    """Every quantity stated in [start, end) (its subject is set by the claim that holds it)."""
    span = Span(annotated, start, end, cues)
    kept = drafts(span)
    if not kept:
        return ()
    negated = bool(annotated.of(NEGATIONS, start, end))
    measures = [decided[1] for decided in (MEASURES.decide(Measured(span, d, negated)) for d in kept)
                if decided is not None]
    measures = _respective_rates(span, kept, measures)
    return tuple(Quantity(start=d.start, end=d.end, quote=annotated.text[d.start:d.end], value_low=d.low,
                          value_high=d.high, qualifier=d.qualifier, unit=d.unit, measure=measure)
                 for d, measure in zip(kept, measures, strict=True))
