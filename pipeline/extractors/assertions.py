"""A claim, its quantities and their drug forms -> normalised assertions: a property of the taxonomy and its value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.adjacent import words_before
from pipeline.records import Assertion, Claim, Quantity
from pipeline.taxonomy import Taxonomy

if TYPE_CHECKING:
    from pipeline.extractors import Settings

CUES = "assertions"
RATES = ("response-rate", "remission-rate")


@dataclass(frozen=True)
class AssertionCues:
    """The settings of data/cues/assertions.yaml (its phrase lists are read through the matcher)."""

    peak_reach_words: int


@dataclass(frozen=True)
class Said:
    """A claim as the assertion rules read it."""

    annotated: Annotated
    claim: Claim
    cues: AssertionCues

    def first(self, key: str) -> Mention | None:
        return self.annotated.mentions.first(f"{CUES}.{key}", self.claim.start, self.claim.end)

    def has(self, key: str) -> bool:
        return self.first(key) is not None

    @property
    def negated(self) -> bool:
        return self.claim.polarity == "negated"


# --- number properties: what a quantity is about ---------------------------------------------------------------

NUMBERS: RuleTable[str] = RuleTable("number properties")


@NUMBERS.rule(
    "rate",
    Example("Ketamine has a 70-85% response rate.\n", "assertions",
            {"property": "response-rate", "value_low": 70.0, "value_high": 85.0, "unit": "percent"}))
def _rate(said: Said, q: Quantity) -> str | None:
    return q.measure if q.measure in RATES else None


@NUMBERS.rule(
    "dose",
    Example("Ketamine is given at 0.5 mg/kg for depression.\n", "assertions", {"property": "dose", "unit": "mg/kg"}))
def _dose(said: Said, q: Quantity) -> str | None:
    return "dose" if q.measure == "dose" else None


@NUMBERS.rule(
    "price",
    Example("Each ketamine infusion costs $450.\n", "assertions", {"property": "cost-per-session", "value_low": 450.0}),
    Example("A series of six ketamine infusions costs $2,400.\n", "assertions",
            {"property": "course-cost", "value_low": 2400.0}))
def _price(said: Said, q: Quantity) -> str | None:
    if q.measure != "cost" or q.unit != "usd":
        return None
    return "course-cost" if said.has("course_cues") else "cost-per-session"


@NUMBERS.rule(
    "observation",
    Example("After the esketamine spray, patients must be monitored for at least 2 hours.\n", "assertions",
            {"property": "observation-time", "value_low": 2.0, "unit": "h", "qualifier": "at-least"}))
def _observation(said: Said, q: Quantity) -> str | None:
    return "observation-time" if q.unit in ("min", "h") and said.has("monitoring_cues") else None


def _is_interval(said: Said, q: Quantity) -> bool:
    return bool(said.annotated.of("quantities.interval_before", q.start, q.end)
                or said.annotated.of("quantities.interval_after", q.start, q.end))


@NUMBERS.rule(
    "maintenance",
    Example("After that, ketamine maintenance infusions are given every 4 to 8 weeks.\n", "assertions",
            {"property": "maintenance-interval", "value_low": 4.0, "value_high": 8.0, "unit": "wk"}))
def _maintenance(said: Said, q: Quantity) -> str | None:
    if q.unit in ("d", "wk", "mo") and _is_interval(said, q) and said.has("maintenance_cues"):
        return "maintenance-interval"
    return None


@NUMBERS.rule(
    "onset",
    Example("Ketamine can relieve depression within 24 hours.\n", "assertions",
            {"property": "onset-time", "value_low": 24.0, "unit": "h", "qualifier": "up-to"}),
    Example("Ketamine effects typically peak within 2-3 days then taper off.\n", "assertions",
            {"property": "onset-time"}, absent=True))
def _onset(said: Said, q: Quantity) -> str | None:
    if q.measure != "onset" or q.unit not in ("min", "h", "d", "wk", "mo"):
        return None
    peak = words_before(said.annotated, f"{CUES}.peak_cues", q.start, said.claim.start, said.cues.peak_reach_words)
    return None if peak is not None else "onset-time"  # "effects peak within 2-3 days": no onset


@NUMBERS.rule(
    "session-length",
    Example("Each ketamine infusion is given over 40 minutes.\n", "assertions",
            {"property": "session-length", "value_low": 40.0, "unit": "min"}))
def _session_length(said: Said, q: Quantity) -> str | None:
    return "session-length" if q.measure == "duration" and q.unit in ("min", "h") and said.has("session_cues") \
        else None


@NUMBERS.rule(
    "course-length",
    Example("Protocols call for 4-6 initial ketamine infusions spaced across 2-3 weeks.\n", "assertions",
            {"property": "course-length", "value_low": 2.0, "value_high": 3.0, "unit": "wk"}))
def _course_length(said: Said, q: Quantity) -> str | None:
    return "course-length" if q.measure == "duration" and q.unit in ("d", "wk", "mo") and said.has("course_cues") \
        else None


@NUMBERS.rule(
    "effect-duration",
    Example("The relief from one ketamine infusion lasts for 1-2 weeks.\n", "assertions",
            {"property": "effect-duration", "value_low": 1.0, "value_high": 2.0, "unit": "wk"}))
def _effect_duration(said: Said, q: Quantity) -> str | None:
    return "effect-duration" if q.measure == "duration" and q.unit in ("h", "d", "wk", "mo") and \
        said.has("effect_cues") else None


def _per_session(said: Said) -> bool:
    """The claim counts the doses of one session or one week ("three doses, spaced five minutes apart")."""
    minutes_apart = any(q.unit == "min" and _is_interval(said, q) for q in said.claim.quantities)
    return minutes_apart or said.has("per_session")


@NUMBERS.rule(
    "sessions",
    Example("Protocols call for 4-6 initial ketamine infusions spaced across 2-3 weeks.\n", "assertions",
            {"property": "sessions-in-course", "value_low": 4.0, "value_high": 6.0, "unit": "count"}),
    Example("During the session, patients take three doses of the esketamine spray, five minutes apart.\n",
            "assertions", {"property": "sessions-in-course"}, absent=True))
def _sessions(said: Said, q: Quantity) -> str | None:
    if q.measure != "count" or q.unit != "count" or not said.annotated.of(f"{CUES}.session_nouns", q.start, q.end):
        return None
    return None if _per_session(said) else "sessions-in-course"


# --- category properties: a topic of the claim and the value its words give -------------------------------------

Value = tuple[str, Mention]
INSURANCE: RuleTable[Value] = RuleTable("insurance coverage")
REGULATORY: RuleTable[Value] = RuleTable("regulatory status")
SUICIDALITY: RuleTable[Value] = RuleTable("suicidality effect")
SAFETY: RuleTable[Value] = RuleTable("general safety")
CONTROLLED: RuleTable[Value] = RuleTable("controlled substance")
MONITORING: RuleTable[Value] = RuleTable("monitoring requirement")


@INSURANCE.rule(
    "partly",
    Example("Not all insurance plans cover ketamine therapy for depression.\n", "assertions",
            {"property": "insurance-coverage", "value": "partly-covered"}))
def _partly(said: Said) -> Value | None:
    found = said.first("insurance_partly")
    return ("partly-covered", found) if found is not None else None


@INSURANCE.rule(
    "uncovered",
    Example("IV ketamine for depression is not covered by insurance.\n", "assertions",
            {"property": "insurance-coverage", "value": "not-covered", "polarity": "affirmed"}),
    Example("Most ketamine patients pay out-of-pocket because insurers refuse.\n", "assertions",
            {"property": "insurance-coverage", "value": "not-covered"}))
def _uncovered(said: Said) -> Value | None:
    found = said.first("insurance_uncovered")
    if found is not None:
        return "not-covered", found
    found = said.first("insurance_covered")
    return ("not-covered", found) if found is not None and said.negated else None


@INSURANCE.rule(
    "covered",
    Example("Medicare covers Spravato for treatment-resistant depression.\n", "assertions",
            {"property": "insurance-coverage", "value": "covered"}))
def _covered(said: Said) -> Value | None:
    found = said.first("insurance_covered")
    return ("covered", found) if found is not None else None


@REGULATORY.rule(
    "off-label",
    Example("Ketamine infusions are considered off-label use for depression.\n", "assertions",
            {"property": "regulatory-status", "value": "off-label"}))
def _off_label(said: Said) -> Value | None:
    found = said.first("off_label")
    return ("off-label", found) if found is not None else None


@REGULATORY.rule(
    "not-approved",
    Example("Infusions of ketamine aren't approved to treat depression.\n", "assertions",
            {"property": "regulatory-status", "value": "not-approved-for-depression", "polarity": "affirmed"}),
    Example("Infusions of ketamine aren't approved to treat depression and are used off label.\n", "assertions",
            {"property": "regulatory-status", "value": "off-label"}))
def _not_approved(said: Said) -> Value | None:
    found = said.first("approvals")
    return ("not-approved-for-depression", found) if found is not None and said.negated else None


@REGULATORY.rule(
    "approved-for-another-use",
    Example("Ketamine is approved by the FDA for anesthetic indications.\n", "assertions",
            {"property": "regulatory-status", "value": "approved-other-use"}))
def _other_use(said: Said) -> Value | None:
    found = said.first("approvals")
    return ("approved-other-use", found) if found is not None and not said.negated and said.has("other_uses") \
        else None


@REGULATORY.rule(
    "judged-by-a-regulator",
    Example("The FDA has found esketamine safe and effective for depression.\n", "assertions",
            {"property": "regulatory-status", "value": "approved-for-depression", "quote": "safe and effective"}),
    Example("The FDA has not found ketamine infusions safe and effective for depression.\n", "assertions",
            {"property": "regulatory-status", "value": "not-approved-for-depression"}))
def _judged(said: Said) -> Value | None:
    """A regulator's judgement in place of the word "approved": the FDA finds or deems a drug safe and effective."""
    found = said.first("regulator_endorsements")
    if found is None or not said.has("regulators") or not said.has("depression_uses"):
        return None
    return ("not-approved-for-depression" if said.negated else "approved-for-depression"), found


@REGULATORY.rule(
    "approved-for-depression",
    Example("Spravato was approved for treatment-resistant depression in adults.\n", "assertions",
            {"property": "regulatory-status", "value": "approved-for-depression"}))
def _approved(said: Said) -> Value | None:
    found = said.first("approvals")
    return ("approved-for-depression", found) if found is not None and not said.negated and \
        said.has("depression_uses") else None


@CONTROLLED.rule(
    "schedule-iii",
    Example("Ketamine is a Schedule III controlled substance.\n", "assertions",
            {"property": "controlled-substance", "value": "schedule-iii"}))
def _schedule(said: Said) -> Value | None:
    found = said.first("controlled_schedules")
    return ("schedule-iii", found) if found is not None else None


@CONTROLLED.rule(
    "controlled",
    Example("Esketamine is a controlled substance with a risk of abuse.\n", "assertions",
            {"property": "controlled-substance", "value": "controlled"}))
def _controlled(said: Said) -> Value | None:
    found = said.first("controlled")
    if found is None:
        return None
    return ("not-controlled" if said.negated else "controlled"), found


def _effect_cue(said: Said, key: str) -> Mention | None:
    """A cue of what the drug does, outside a population ("at high risk of suicide" says who, not what)."""
    for found in said.annotated.of(f"{CUES}.{key}", said.claim.start, said.claim.end):
        if said.annotated.mentions.covering(f"{CUES}.populations", found.start, found.end) is None:
            return found
    return None


@SUICIDALITY.rule(
    "increases",
    Example("Antidepressants increased the risk of suicidal thoughts in young adults.\n", "assertions",
            {"property": "suicidality-effect", "value": "increases-risk", "drug_form": "antidepressant"}))
def _increases(said: Said) -> Value | None:
    found = _effect_cue(said, "increases")
    return ("increases-risk", found) if found is not None and not said.negated else None


@SUICIDALITY.rule(
    "reduces",
    Example("Ketamine can rapidly reduce suicidal thoughts.\n", "assertions",
            {"property": "suicidality-effect", "value": "reduces"}))
def _reduces(said: Said) -> Value | None:
    found = _effect_cue(said, "reduces")
    if found is None:
        return None
    return ("no-effect-shown" if said.negated else "reduces"), found


@SAFETY.rule(
    "unsafe",
    Example("Ketamine is dangerous outside a clinic.\n", "assertions", {"property": "general-safety",
                                                                          "value": "unsafe"}))
def _unsafe(said: Said) -> Value | None:
    found = said.first("safety_unsafe")
    return ("unsafe", found) if found is not None and not said.negated else None


@SAFETY.rule(
    "safe",
    Example("Ketamine has a strong safety profile at low doses.\n", "assertions", {"property": "general-safety",
                                                                                     "value": "safe"}))
def _safe(said: Said) -> Value | None:
    found = said.first("safety_safe")
    if found is None:
        return None
    return ("unsafe" if said.negated else "safe"), found


@SAFETY.rule(
    "risks",
    Example("Esketamine has risks of abuse and misuse.\n", "assertions", {"property": "general-safety",
                                                                            "value": "risks-stated"}))
def _risks(said: Said) -> Value | None:
    found = said.first("safety_risks")
    return ("risks-stated", found) if found is not None and said.claim.category == "safety" else None


@MONITORING.rule(
    "required",
    Example("Patients must be monitored by a health care provider after each esketamine dose.\n", "assertions",
            {"property": "monitoring-requirement", "value": "required"}))
def _monitoring(said: Said) -> Value | None:
    found = said.first("monitoring_required")
    if found is None:
        return None
    return ("not-required" if said.negated else "required"), found


# a category property: its table, the topic cues a claim must hold (None: the table's own cues suffice) and whether
# every rule that answers gives a value ("aren't approved ... and are considered off label": two values) or only
# the first
CATEGORIES: tuple[tuple[str, RuleTable[Value], str | None, bool], ...] = (
    ("insurance-coverage", INSURANCE, "insurance_topics", False),
    ("regulatory-status", REGULATORY, "regulatory_topics", True),
    ("controlled-substance", CONTROLLED, None, False),
    ("suicidality-effect", SUICIDALITY, "suicide_topics", False),
    ("general-safety", SAFETY, None, False),
    ("monitoring-requirement", MONITORING, None, False),
)
# categories of claims a category property may come from (none listed: its topic cues are specific enough)
PROPERTY_CATEGORIES: dict[str, tuple[str, ...]] = {
    "suicidality-effect": ("efficacy", "onset", "safety"), "general-safety": ("safety",),
    "monitoring-requirement": ("administration", "safety"),
}


def _population(said: Said) -> str | None:
    found = said.first("populations")
    return found.value if found else None


def _numbers(said: Said, form_of: Callable[[Quantity], str | None], taxonomy: Taxonomy) -> list[Assertion]:
    result = []
    for quantity in said.claim.quantities:
        decided = NUMBERS.decide(said, quantity)
        if decided is None or quantity.unit not in taxonomy.properties[decided[1]].units:
            continue
        result.append(Assertion(
            start=quantity.start, end=quantity.end, quote=quantity.quote, property=decided[1],
            drug_form=form_of(quantity), polarity=said.claim.polarity, value_low=quantity.value_low,
            value_high=quantity.value_high, unit=quantity.unit, qualifier=quantity.qualifier,
            population=_population(said)))
    return result


def _values(said: Said, table: RuleTable[Value], several: bool) -> list[Value]:
    if not several:
        decided = table.decide(said)
        return [decided[1]] if decided else []
    answers: dict[tuple[int, int], Value] = {}
    for rule in table:
        answer = rule.decide(said)
        if answer is not None:
            answers.setdefault((answer[1].start, answer[1].end), answer)  # one value per cue, the first rule's
    return list(answers.values())


def _categories(said: Said) -> list[Assertion]:
    result = []
    for name, table, topic, several in CATEGORIES:
        categories = PROPERTY_CATEGORIES.get(name)
        if (categories and said.claim.category not in categories) or (topic is not None and not said.has(topic)):
            continue
        for value, mention in dict(_values(said, table, several)).items():
            result.append(Assertion(
                start=mention.start, end=mention.end, quote=said.annotated.text[mention.start:mention.end],
                property=name, drug_form=said.claim.drug_form, polarity="affirmed", value=value,
                population=_population(said)))
    return result


def _efficacy(said: Said, numbers: list[Assertion]) -> list[Assertion]:
    """A claim about how well a treatment works that gives no rate: the statement property efficacy."""
    claim = said.claim
    if claim.category != "efficacy" or any(a.property in RATES for a in numbers):
        return []
    cue = said.annotated.mentions.first("claims.categories.efficacy", claim.start, claim.end)
    start, end = (cue.start, cue.end) if cue else (claim.start, claim.end)
    return [Assertion(start=start, end=end, quote=said.annotated.text[start:end], property="efficacy",
                      drug_form=claim.drug_form, polarity=claim.polarity, population=_population(said))]


def assertions(annotated: Annotated, claim: Claim, form_of: Callable[[Quantity], str | None],
               settings: Settings) -> tuple[Assertion, ...]:
    """Every assertion a claim makes: from its quantities, its category cues and its efficacy statement; one per
    property and span."""
    said = Said(annotated, claim, settings.assertions)
    numbers = _numbers(said, form_of, settings.taxonomy)
    found = [*numbers, *_categories(said), *_efficacy(said, numbers)]
    unique = {(a.start, a.end, a.property, a.value): a for a in found}
    return tuple(sorted(unique.values(), key=lambda a: (a.start, a.end, a.property)))
