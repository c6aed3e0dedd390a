"""A statement of a source set beside a reference fact -> (verdict, reason), decided by ordered tables of named rules.

Each table serves one kind of statement: category assertions, number assertions, side effects, contraindications and
schedule phases. Every rule reads only the two values and data/checks.yaml; the examples are texts written for the
tests (tests/test_check_rules.py builds each as a source of its own and looks for the check row)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.checks import words
from pipeline.checks.forms import Candidate
from pipeline.checks.schedules import Aligned, label_weeks
from pipeline.checks.settings import Settings
from pipeline.checks.statements import Statement
from pipeline.checks.values import Interval, duration_weeks, interval
from pipeline.engine.rules import Example, RuleTable
from pipeline.reference import Fact

CONSISTENT, CONTRADICTS, BEYOND, NOT_COMPARABLE = "consistent", "contradicts", "goes-beyond", "not-comparable"
TABLE = "claim_checks"


@dataclass(frozen=True)
class Pair:
    """A statement, the fact it is set beside (and how: same form, same drug, other form) and the settings."""

    statement: Statement
    candidate: Candidate
    settings: Settings
    term_labels: Mapping[str, str]

    @property
    def fact(self) -> Fact:
        return self.candidate.fact

    @property
    def scope(self) -> str:
        return self.candidate.scope

    @property
    def row(self) -> Mapping[str, Any]:
        return self.statement.row

    def reason(self, says: str) -> str:
        return words.reason(says, self.fact, self.scope, self.settings)

    def label(self, term: str) -> str:
        return self.term_labels.get(term, term).lower()


@dataclass(frozen=True)
class Finding:
    """What a rule decides: the verdict and the one-line reason built from both values."""

    verdict: str
    reason: str


def _example(text: str, verdict: str, rule: str, fact_id: str) -> Example:
    return Example(text, TABLE, {"verdict": verdict, "rule": rule, "fact_id": fact_id})


# --- category assertions: a category the source states beside the fact's ------------------------------------------

CATEGORIES: RuleTable[Finding] = RuleTable("checks: category assertions")


def _relation(pair: Pair) -> str | None:
    """The verdict data/checks.yaml gives the pair of values (the source's, the fact's), or None: no comparison."""
    comparison = pair.settings.categories[pair.row["property"]]
    label = pair.fact.value or ("any" if pair.fact.terms else None)
    return comparison.verdicts.get((pair.row["value"], label)) if label else None


def _category_says(pair: Pair) -> str:
    value = pair.row["value"]
    return f"{words.form(pair.settings, pair.statement.drug_form)} {pair.settings.value_words.get(value, value)}"


@CATEGORIES.rule(
    "another-form",
    _example("Ketamine infusions rapidly reduce suicidal thoughts.\n", BEYOND, "another-form",
             "esketamine-suicide-prevention-not-shown"))
def _another_form(pair: Pair) -> Finding | None:
    """A label of another form speaks for its own product: what would contradict it only goes beyond it."""
    if pair.scope != "other-form" or _relation(pair) != CONTRADICTS:
        return None
    return Finding(BEYOND, pair.reason(_category_says(pair)))


@CATEGORIES.rule(
    "hedged",
    _example("The esketamine nasal spray may reduce suicidal thoughts.\n", BEYOND, "hedged",
             "esketamine-suicide-prevention-not-shown"))
def _hedged(pair: Pair) -> Finding | None:
    """A hedged statement ("may") of what the fact excludes claims less than the fact denies: it goes beyond."""
    if not pair.statement.hedged or _relation(pair) != CONTRADICTS:
        return None
    return Finding(BEYOND, pair.reason("(with a hedge) " + _category_says(pair)))


@CATEGORIES.rule(
    "category-pair",
    _example("Ketamine therapy is approved by the FDA for the treatment of depression.\n", CONTRADICTS,
             "category-pair", "ketamine-not-approved-psychiatric"),
    _example("Ketamine is classified as a Schedule III controlled substance.\n", CONSISTENT, "category-pair",
             "ketamine-schedule-iii"),
    _example("The esketamine nasal spray reduces suicidal thoughts.\n", CONTRADICTS, "category-pair",
             "esketamine-suicide-prevention-not-shown"),
    _example("Ketamine has a strong safety profile.\n", BEYOND, "category-pair", "esketamine-boxed-warning"),
    _example("Infusions of ketamine are not approved to treat depression.\n", CONSISTENT, "category-pair",
             "ketamine-not-approved-psychiatric"))
def _category_pair(pair: Pair) -> Finding | None:
    """The verdict of the pair of values in data/checks.yaml."""
    relation = _relation(pair)
    return Finding(relation, pair.reason(_category_says(pair))) if relation else None


# --- number assertions: a value range beside the fact's ---------------------------------------------------------------

NUMBERS: RuleTable[Finding] = RuleTable("checks: number assertions")


def _intervals(pair: Pair) -> tuple[Interval, Interval] | None:
    units = pair.settings.units
    said = interval(pair.row.get("value_low"), pair.row.get("value_high"), pair.row.get("unit"),
                    pair.row.get("qualifier"), units)
    fact = pair.fact
    label = interval(fact.value_low, fact.value_high, fact.unit, fact.qualifier, units)
    if said is None or label is None or said.dimension != label.dimension:
        return None
    return said, label


def _number_says(pair: Pair) -> str:
    row = pair.row
    return (f"{pair.row['property'].replace('-', ' ')} of "
            f"{words.amount(row.get('value_low'), row.get('value_high'), row.get('unit'), row.get('qualifier'))} "
            f"for {words.form(pair.settings, pair.statement.drug_form)}")


@NUMBERS.rule(
    "negated-number",
    _example("After the esketamine nasal spray, patients are not observed for 2 hours.\n", NOT_COMPARABLE,
             "negated-number", "esketamine-observation-2h"))
def _negated_number(pair: Pair) -> Finding | None:
    """A number the source denies says no value of its own."""
    if not pair.statement.negated:
        return None
    return Finding(NOT_COMPARABLE, pair.reason("not " + _number_says(pair)))


@NUMBERS.rule(
    "number-of-another-form",
    _example("After an IV ketamine infusion, patients are observed for 30 minutes.\n", NOT_COMPARABLE,
             "number-of-another-form", "esketamine-observation-2h"))
def _number_another_form(pair: Pair) -> Finding | None:
    """A value outside the label of another form says nothing against that label."""
    found = _intervals(pair)
    if pair.scope != "other-form" or found is None or found[0].within(found[1]):
        return None
    return Finding(NOT_COMPARABLE, pair.reason(_number_says(pair)))


@NUMBERS.rule(
    "within-label",
    _example("Patients must be monitored for at least 2 hours after each esketamine nasal spray dose.\n",
             CONSISTENT, "within-label", "esketamine-observation-2h"))
def _within(pair: Pair) -> Finding | None:
    found = _intervals(pair)
    return Finding(CONSISTENT, pair.reason(_number_says(pair))) if found and found[0].within(found[1]) else None


@NUMBERS.rule(
    "outside-label",
    _example("Spravato patients are monitored for 30 minutes after the nasal spray.\n", CONTRADICTS, "outside-label",
             "esketamine-observation-2h"))
def _outside(pair: Pair) -> Finding | None:
    found = _intervals(pair)
    return Finding(CONTRADICTS, pair.reason(_number_says(pair))) if found and found[0].disjoint(found[1]) else None


@NUMBERS.rule(
    "partly-within-label",
    _example("After the esketamine nasal spray, patients are watched for 1 to 3 hours.\n", BEYOND,
             "partly-within-label", "esketamine-observation-2h"))
def _partly(pair: Pair) -> Finding | None:
    return Finding(BEYOND, pair.reason(_number_says(pair))) if _intervals(pair) else None


# --- side effects: the source's reaction beside the label's lists and rates ------------------------------------------

SIDE_EFFECTS: RuleTable[Finding] = RuleTable("checks: side effects")


def _rate_fact(pair: Pair) -> bool:
    return pair.fact.value_low is not None and pair.fact.unit == "percent"


def _label_rate(pair: Pair) -> tuple[float, float]:
    low = float(pair.fact.value_low or 0.0)
    return low, float(pair.fact.value_high if pair.fact.value_high is not None else low)


def _reaction_says(pair: Pair) -> str:
    row = pair.row
    said = pair.label(row["term"])
    if row.get("rate_percent") is not None:
        said += f" in {words.number(row['rate_percent'])}%"
    elif row.get("frequency"):
        said += f" ({row['frequency'].replace('-', ' ')})"
    denial = "no " if pair.statement.negated else ""
    return f"{words.form(pair.settings, pair.statement.drug_form)} causes {denial}{said}"


def _word_band(pair: Pair) -> tuple[float, float] | None:
    """The band a source's own words give (not one computed from its rate), as a range of percent."""
    row, settings = pair.row, pair.settings.side_effects
    if not row.get("frequency") or row.get("frequency_source") not in settings.word_bands:
        return None
    return settings.bands.get(row["frequency"])


@SIDE_EFFECTS.rule(
    "denied-frequent-reaction",
    _example("The esketamine nasal spray does not cause nausea.\n", CONTRADICTS, "denied-frequent-reaction",
             "esketamine-rate-nausea"))
def _denied_frequent(pair: Pair) -> Finding | None:
    """Denying a reaction the label gives in many patients contradicts it."""
    threshold = pair.settings.side_effects.negated_contradicts_from
    if not pair.statement.negated or not _rate_fact(pair) or _label_rate(pair)[0] < threshold:
        return None
    return Finding(CONTRADICTS, pair.reason(_reaction_says(pair)))


@SIDE_EFFECTS.rule(
    "denied-reaction",
    _example("The esketamine nasal spray does not cause insomnia.\n", NOT_COMPARABLE, "denied-reaction",
             "esketamine-rate-insomnia"))
def _denied(pair: Pair) -> Finding | None:
    """A reaction a source did not see (often in a study of its own) beside a label that lists it is not decidable."""
    return Finding(NOT_COMPARABLE, pair.reason(_reaction_says(pair))) if pair.statement.negated else None


@SIDE_EFFECTS.rule(
    "band-below-label",
    _example("The esketamine nasal spray rarely causes nausea.\n", CONTRADICTS, "band-below-label",
             "esketamine-rate-nausea"))
def _band_below(pair: Pair) -> Finding | None:
    band = _word_band(pair)
    if band is None or not _rate_fact(pair) or band[1] >= _label_rate(pair)[0]:
        return None
    return Finding(CONTRADICTS, pair.reason(_reaction_says(pair)))


@SIDE_EFFECTS.rule(
    "band-above-label",
    _example("The esketamine nasal spray very commonly causes feeling drunk.\n", BEYOND,
             "band-above-label", "esketamine-rate-feeling-drunk"))
def _band_above(pair: Pair) -> Finding | None:
    band = _word_band(pair)
    if band is None or not _rate_fact(pair) or band[0] <= _label_rate(pair)[1]:
        return None
    return Finding(BEYOND, pair.reason(_reaction_says(pair)))


@SIDE_EFFECTS.rule(
    "band-fits-label",
    _example("The esketamine nasal spray commonly causes nausea.\n", CONSISTENT, "band-fits-label",
             "esketamine-rate-nausea"))
def _band_fits(pair: Pair) -> Finding | None:
    if _word_band(pair) is None or not _rate_fact(pair):
        return None
    return Finding(CONSISTENT, pair.reason(_reaction_says(pair)))


def _rate_near(pair: Pair) -> bool | None:
    """Whether the source's stated rate is near the label's (None when the source or the fact has no rate)."""
    rate = pair.row.get("rate_percent")
    if rate is None or not _rate_fact(pair):
        return None
    settings = pair.settings.side_effects
    low, high = _label_rate(pair)
    margin = max(settings.rate_tolerance_points, settings.rate_tolerance_share * low)
    return low - margin <= float(rate) <= high + margin


@SIDE_EFFECTS.rule(
    "rate-near-label",
    _example("Nausea occurred in 30% of patients on the esketamine nasal spray.\n", CONSISTENT, "rate-near-label",
             "esketamine-rate-nausea"))
def _rate_close(pair: Pair) -> Finding | None:
    return Finding(CONSISTENT, pair.reason(_reaction_says(pair))) if _rate_near(pair) is True else None


@SIDE_EFFECTS.rule(
    "rate-of-another-study",
    _example("Nausea occurred in 70% of patients on the esketamine nasal spray.\n", NOT_COMPARABLE,
             "rate-of-another-study", "esketamine-rate-nausea"))
def _rate_far(pair: Pair) -> Finding | None:
    """A rate far from the label's comes from another study or population: not right or wrong by the label."""
    return Finding(NOT_COMPARABLE, pair.reason(_reaction_says(pair))) if _rate_near(pair) is False else None


@SIDE_EFFECTS.rule(
    "listed-reaction",
    _example("The esketamine nasal spray can cause sedation.\n", CONSISTENT, "listed-reaction",
             "esketamine-boxed-warning"))
def _listed(pair: Pair) -> Finding | None:
    """A reaction the label lists, named without a frequency, agrees with the label."""
    return Finding(CONSISTENT, pair.reason(_reaction_says(pair)))


# --- contraindications: the source's condition beside the label's list ------------------------------------------------

CONTRAINDICATIONS: RuleTable[Finding] = RuleTable("checks: contraindications")


def _condition_says(pair: Pair) -> str:
    row, negated = pair.row, pair.statement.negated
    if row["kind"] == "contraindication":
        verb = "does not rule out" if negated else "rules out"
    else:
        verb = "does not call for caution with" if negated else "calls for caution with"
    return f"{pair.label(row['condition'])} {verb} {words.form(pair.settings, pair.statement.drug_form)}"


@CONTRAINDICATIONS.rule(
    "denied-label-contraindication",
    _example("The esketamine nasal spray can cause nausea. It is not contraindicated in arteriovenous malformation.\n",
             CONTRADICTS,
             "denied-label-contraindication", "esketamine-contraindications"))
def _denied_contraindication(pair: Pair) -> Finding | None:
    """Denying a contraindication the label gives contradicts it (only goes beyond a label of another form)."""
    if not pair.statement.negated or pair.row["condition"] not in pair.fact.terms:
        return None
    return Finding(BEYOND if pair.scope == "other-form" else CONTRADICTS, pair.reason(_condition_says(pair)))


@CONTRAINDICATIONS.rule(
    "label-contraindication",
    _example("The esketamine nasal spray can cause nausea. Do not use it if you have aneurysmal vascular disease.\n",
             CONSISTENT,
             "label-contraindication", "esketamine-contraindications"))
def _on_label(pair: Pair) -> Finding | None:
    if pair.statement.negated or pair.row["condition"] not in pair.fact.terms:
        return None
    return Finding(CONSISTENT, pair.reason(_condition_says(pair)))


@CONTRAINDICATIONS.rule(
    "not-on-label-list",
    _example("Ketamine therapy can cause nausea. It is not suitable for people with bipolar disorder.\n", BEYOND,
             "not-on-label-list", "esketamine-contraindications"))
def _not_on_list(pair: Pair) -> Finding | None:
    """A contraindication outside the label's complete list is one the label does not give: it goes beyond it.
    A caution outside the list is no claim that the condition rules treatment out, so it is not compared."""
    row = pair.row
    if pair.statement.negated or row["kind"] != "contraindication" or not pair.fact.complete:
        return None
    return Finding(BEYOND, pair.reason(_condition_says(pair)))


# --- schedule phases: a source's phase beside the label phase it aligns with

PHASES: RuleTable[Finding] = RuleTable("checks: schedule phases")


def _phase_says(pair: Pair) -> str:
    return f"{words.form(pair.settings, pair.statement.drug_form)} {words.phase_words(pair.row)}"


def _durations(pair: Pair) -> tuple[Interval, Interval] | None:
    row = pair.row
    said = duration_weeks(row.get("bounds_low"), row.get("bounds_high"), row.get("bounds_unit"), pair.settings.units)
    label = label_weeks(pair.candidate)
    return (said, label) if said is not None and label is not None else None


@PHASES.rule(
    "rate-not-in-label",
    _example("The esketamine nasal spray is given three times a week for four weeks.\n", CONTRADICTS,
             "rate-not-in-label", "esketamine-dosing-trd-induction"))
def _rate_not_in_label(pair: Pair, aligned: Aligned) -> Finding | None:
    """A dosing rate no phase of the label's regimen has, in the place of the phase it stands for."""
    if aligned.rate is None or aligned.rate_matches:
        return None
    return Finding(CONTRADICTS, pair.reason(_phase_says(pair)))


@PHASES.rule(
    "duration-outside-phase",
    _example("Esketamine nasal spray is given twice a week for four weeks, then once a week for five to nine "
             "weeks.\n", CONTRADICTS, "duration-outside-phase", "esketamine-dosing-trd-weeks-5-8"))
def _duration_outside(pair: Pair, aligned: Aligned) -> Finding | None:
    found = _durations(pair)
    if found is None or not found[0].disjoint(found[1]):
        return None
    return Finding(CONTRADICTS, pair.reason(_phase_says(pair)))


@PHASES.rule(
    "duration-partly-in-phase",
    _example("The esketamine nasal spray is given twice a week for one to four weeks.\n", BEYOND,
             "duration-partly-in-phase", "esketamine-dosing-trd-induction"))
def _duration_partly(pair: Pair, aligned: Aligned) -> Finding | None:
    """A range of lengths that runs past the label phase's length; a single length in a unit of varying length
    (a month) that overlaps it fits."""
    found = _durations(pair)
    if found is None or found[0].within(found[1]):
        return None
    row = pair.row
    single = row.get("bounds_low") is not None and row.get("bounds_low") == row.get("bounds_high")
    return None if single else Finding(BEYOND, pair.reason(_phase_says(pair)))


@PHASES.rule(
    "phase-fits",
    _example("The esketamine nasal spray is given twice a week for four weeks.\n", CONSISTENT, "phase-fits",
             "esketamine-dosing-trd-induction"))
def _phase_fits(pair: Pair, aligned: Aligned) -> Finding | None:
    return Finding(CONSISTENT, pair.reason(_phase_says(pair)))


CHECK_TABLES: tuple[RuleTable[Finding], ...] = (CATEGORIES, NUMBERS, SIDE_EFFECTS, CONTRAINDICATIONS, PHASES)
