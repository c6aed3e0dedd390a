"""Claims: which sentences are claims worth checking, their category, subject, polarity, certainty, drug form,
testimonial flag, quantities (with their subjects), assertions and repeats."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from engine_helpers import extract_text, project_rules, read_text

from pipeline.evaluate import boilerplate_claims, load_gold, score_table
from pipeline.extractors.claim_reading import Reading
from pipeline.extractors.claims import read_claims
from pipeline.load import Layout, load_inputs
from pipeline.records import Claim, Document
from pipeline.schemas import load_schemas

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "claims"


def claims_of(text: str) -> dict[str, Claim]:
    claims = extract_text(text).claims
    for claim in claims:
        assert text[claim.start:claim.end] == claim.quote
        for quantity in claim.quantities:
            assert claim.start <= quantity.start < quantity.end <= claim.end and quantity.subject
        for assertion in claim.assertions:
            assert text[assertion.start:assertion.end] == assertion.quote
    return {c.quote: c for c in claims}


def fixture_claims(name: str) -> dict[str, Claim]:
    return claims_of((FIXTURES / name).read_text(encoding="utf-8"))


def the(claims: dict[str, Claim], start: str) -> Claim:
    found = [c for quote, c in claims.items() if quote.startswith(start)]
    assert len(found) == 1, f"{start!r} in {list(claims)}"
    return found[0]


def quantity_fields(claim: Claim) -> list[tuple]:
    return [(q.quote, q.value_low, q.value_high, q.qualifier, q.unit, q.measure) for q in claim.quantities]


def stance_of(claim: Claim) -> tuple[str, str]:
    return claim.polarity, claim.certainty


def readings(text: str) -> dict[str, Reading]:
    """Every site of a text with its reading: claims (empty reason) and the reasons for the rest."""
    return {r.site.body: r for r in read_claims(read_text(text), project_rules().settings)}


def reading_of(text: str, sentence: str) -> Reading:
    return readings(text)[sentence]


@pytest.mark.parametrize(("sentence", "polarity", "certainty"), [
    ("Ketamine may reduce suicidal thoughts.", "affirmed", "hedged"),
    ("Ketamine might help when other medications fail.", "affirmed", "hedged"),
    ("Ketamine can rapidly reduce symptoms of depression.", "affirmed", "hedged"),
    ("Ketamine potentially restores neural connections.", "affirmed", "hedged"),
    ("Ketamine is thought to restore synapses in the brain.", "affirmed", "hedged"),
    ("It is not thought to be curative, rather it improves symptoms for a while.", "negated", "asserted"),
    ("Infusions of ketamine aren’t approved to treat depression.", "negated", "asserted"),
    ("Ketamine therapy is not a first-line treatment for depression.", "negated", "asserted"),
    ("Ketamine therapy may not be covered by insurance.", "negated", "hedged"),
    ("Ketamine is not always effective for depression.", "affirmed", "hedged"),
    ("Up to 30% of patients do not respond to SSRIs.", "affirmed", "asserted"),
    ("Those who have not found relief with SSRIs are candidates for ketamine.", "affirmed", "asserted"),
    ("Ketamine offers rapid relief, sometimes within hours.", "affirmed", "asserted"),
    ("While SSRIs may take weeks to work, ketamine acts within hours.", "affirmed", "asserted"),
    ("The drug can also be administered by an injection into a muscle.", "affirmed", "asserted"),
    ("Unlike SSRIs, which may take weeks, ketamine works within hours.", "affirmed", "asserted"),
    ("Adults who have tried two antidepressants may be candidates for ketamine.", "affirmed", "hedged"),
    ("Clinics that expand access reach people who may not have a car.", "affirmed", "asserted"),
    ("No deaths occurred during the ketamine trial.", "negated", "asserted"),
    ("Patients see no benefit from antidepressants.", "affirmed", "asserted"),
    ("It costs $450 per infusion because insurance won't pay.", "affirmed", "asserted"),
])
def test_polarity_and_certainty(sentence: str, polarity: str, certainty: str) -> None:
    assert stance_of(claims_of(sentence + "\n")[sentence]) == (polarity, certainty)


@pytest.mark.parametrize(("sentence", "category"), [
    ("Ketamine has a 70% response rate in treatment-resistant depression.", "efficacy"),
    ("Ketamine relieves symptoms within hours, much faster than SSRIs.", "onset"),
    ("The benefits of a single infusion are often short-lived.", "duration"),
    ("Ketamine works by blocking NMDA receptors and increasing glutamate.", "mechanism"),
    ("Side effects such as nausea and dizziness are common.", "safety"),
    ("Esketamine nasal spray was approved by the FDA in 2019.", "regulatory"),
    ("Candidates have tried at least two antidepressants without relief.", "eligibility"),
    ("Ketamine is administered as an IV infusion over 40 minutes.", "administration"),
    ("Each infusion costs $400 and is rarely covered by insurance.", "cost-access"),
    ("Ketamine is often used alongside an antidepressant in combination therapy.", "combination"),
    ("Several studies and clinical trials have examined ketamine for depression.", "evidence"),
    ("Depression is a common mental health disorder.", "other"),
])
def test_category(sentence: str, category: str) -> None:
    assert reading_of(sentence + "\n", sentence).category == category


@pytest.mark.parametrize(("sentence", "subject"), [
    ("Esketamine is a nasal spray derived from ketamine.", "esketamine"),
    ("Unfortunately, SSRIs such as Lexapro can take weeks to work.", "ssri"),
    ("While antidepressants take weeks, ketamine works within hours.", "ketamine"),
    ("Many ketamine clinics require a psychiatric evaluation first.", "ketamine-clinics"),
    ("Depression is a complex mental health disorder.", "depression"),
    ("Patients with depression often respond within a day.", "ketamine"),
    ("We do not bill insurance.", "ketamine-clinics"),
    ("Fewer side effects than ECT are reported.", "ketamine"),
    ("We are still learning how ketamine works.", "ketamine"),
])
def test_subject(sentence: str, subject: str) -> None:
    assert reading_of(sentence + "\n", sentence).subject == subject


def test_a_document_about_the_spray_defaults_to_esketamine() -> None:
    text = ("The Esketamine Nasal Spray Explained\n\n"
            "Esketamine is a nasal spray for hard-to-treat depression. Ketamine is its parent drug.\n\n"
            "Most people feel better within a week of starting the esketamine spray.\n\n"
            "The nasal spray is taken in a clinic under watch.\n\n"
            "Doses are given twice a week at first.\n")
    claims = claims_of(text)
    assert claims["Doses are given twice a week at first."].subject == "esketamine"
    assert claims["Ketamine is its parent drug."].subject == "ketamine"


def test_a_document_about_ketamine_keeps_the_default() -> None:
    text = ("Ketamine Infusions\n\nKetamine infusions can ease depression. Esketamine is a related spray.\n\n"
            "Doses are given twice a week at first.\n")
    assert claims_of(text)["Doses are given twice a week at first."].subject == "ketamine"


def test_the_therapy_named_in_a_side_phrase_is_not_the_subject() -> None:
    text = ("Esketamine Spray Guide\n\nEsketamine is a nasal spray. The nasal spray helps some adults.\n\n"
            "Patients sit in a chair at the certified clinic for two hours.\n")
    assert claims_of(text)["Patients sit in a chair at the certified clinic for two hours."].subject == \
        "esketamine"


def test_prices_stated_by_a_clinic_in_its_own_voice_are_about_the_clinic() -> None:
    text = ("We offer ketamine infusions in a calm room. Our nurses stay with you.\n\n"
            "A single infusion is $500.\n")
    assert claims_of(text)["A single infusion is $500."].subject == "ketamine-clinics"
    assert claims_of("Ketamine can ease depression.\n\nA single infusion is $500.\n")[
        "A single infusion is $500."].subject == "ketamine"


def test_an_anaphor_takes_the_subject_of_the_claim_before() -> None:
    text = "Esketamine is given as a nasal spray. It is used twice a week at first.\n"
    assert claims_of(text)["It is used twice a week at first."].subject == "esketamine"


BOILERPLATE = """Ketamine for Depression

Table of Contents

Ketamine can relieve depression within hours.

Also Check: Ketamine Rapidly Relieves Depression In Most Patients

Does ketamine work for everyone?

Is ketamine right for you? Call us today to book a consultation.

In this article, we delve into how ketamine relieves depression.

Always consult your doctor before starting ketamine.

Thrive Clinic Offers Ketamine Vouchers

Use this voucher for $100 off your first ketamine infusion, which relieves depression fast.

Leave a Reply

Your email address will not be published. Required fields are marked *

Ketamine users report relief in my experience, says every commenter.
"""


def test_no_claim_comes_from_boilerplate_headings_questions_or_calls_to_action() -> None:
    assert list(claims_of(BOILERPLATE)) == ["Ketamine can relieve depression within hours."]


def test_reasons_are_given_for_sentences_that_are_not_claims() -> None:
    reasons = {body: r.reason for body, r in readings(BOILERPLATE).items() if r.reason}
    assert reasons == {  # question blocks and marked blocks are not read at all
        "Ketamine for Depression": "heading",
        "Is ketamine right for you?": "question",
        "Call us today to book a consultation.": "call to action",
        "In this article, we delve into how ketamine relieves depression.": "rhetoric",
        "Always consult your doctor before starting ketamine.": "advice",
    }


def test_lists_bare_terms_are_left_out_and_lead_ins_pass_on_hedges() -> None:
    text = ("Common side effects of ketamine include:\n\n  • Nausea\n  • Blurred vision\n  • Feeling detached\n\n"
            "Ketamine may be a good option if you identify with any of the following:\n\n"
            "  • Diagnosed with major depressive disorder\n  • Tried at least two antidepressants without success\n")
    claims = claims_of(text)
    assert list(claims) == ["Common side effects of ketamine include:",
                            "Ketamine may be a good option if you identify with any of the following:",
                            "Diagnosed with major depressive disorder",
                            "Tried at least two antidepressants without success"]
    item = claims["Tried at least two antidepressants without success"]
    assert (item.category, item.certainty) == ("eligibility", "hedged")
    assert quantity_fields(item) == [("at least two antidepressants", 2, 2, "at-least", "count", "count")]


def test_table_rows_are_claims_and_header_rows_are_not() -> None:
    text = "Prices\n\nType | Average Cost | Sessions\nIV ketamine | $450 | 6\nSpravato | $700 | 8\n"
    claims = claims_of(text)
    assert list(claims) == ["IV ketamine | $450 | 6", "Spravato | $700 | 8"]
    assert claims["Spravato | $700 | 8"].subject == "esketamine"
    assert quantity_fields(claims["IV ketamine | $450 | 6"]) == [
        ("$450", 450, 450, "exact", "usd", "cost"), ("6", 6, 6, "exact", "count", "count")]


def test_testimonials_are_kept_and_marked() -> None:
    text = ("“My depression lifted after three infusions. I feel like myself again.”\n\n"
            "“We see responses within a day,” said Dr. Lee, a psychiatrist.\n\n"
            "I feel like a different person, says Rivera, a teacher. Rivera tried six antidepressants.\n")
    found = readings(text)
    assert claims_of(text)["“My depression lifted after three infusions."].testimonial
    assert found["I feel like myself again.”"].testimonial or found["I feel like myself again.”"].reason
    assert not claims_of(text)["“We see responses within a day,” said Dr. Lee, a psychiatrist."].testimonial
    assert claims_of(text)["Rivera tried six antidepressants."].testimonial


def test_news_article_fixture() -> None:
    claims = fixture_claims("news-ketamine-clinics.txt")
    assert not [q for q in claims if q.startswith(("By Jane", "March 3", "Related", "Psilocybin", "Sign up"))]
    approval = the(claims, "In 2019 the agency approved esketamine")
    assert (approval.category, approval.subject, approval.polarity) == ("regulatory", "esketamine", "affirmed")
    assert approval.drug_form == "esketamine-nasal"
    assert quantity_fields(approval) == [("2019", 2019, 2019, "exact", None, "year"),
                                         ("at least two antidepressants", 2, 2, "at-least", "count", "count")]
    quote = the(claims, "“We see responses within 24 hours")
    assert not quote.testimonial and quote.subject == "ketamine"
    assert quantity_fields(quote) == [("within 24 hours", 24, 24, "up-to", "h", "onset"),
                                      ("roughly half", 50, 50, "approx", "percent", "response-rate")]
    trial = the(claims, "In a 2023 trial of 403 patients")
    assert [q[5] for q in quantity_fields(trial)] == ["year", "count", "remission-rate", "onset", "remission-rate"]
    assert the(claims, "“That is something standard antidepressants").polarity == "negated"
    assert quantity_fields(the(claims, "Doses used for depression")) == [
        ("0.5 mg/kg", 0.5, 0.5, "exact", "mg/kg", "dose"), ("over 40 minutes", 40, 40, "exact", "min", "duration")]
    cure = the(claims, "“Ketamine is not a cure")
    assert (cure.polarity, cure.testimonial) == ("negated", False)
    assert quantity_fields(the(claims, "Insurance rarely pays")) == [("$400 and $800", 400, 800, "exact", "usd",
                                                                      "cost")]
    patient = the(claims, "“I had tried eleven medications")
    assert patient.testimonial
    assert quantity_fields(patient) == [("eleven medications", 11, 11, "exact", "count", "count"),
                                        ("over a decade", 10, 10, "more-than", "a", "other")]


def test_clinic_faq_fixture() -> None:
    claims = fixture_claims("clinic-faq.txt")
    assert not [q for q in claims if q.endswith("?") or "Call us" in q or "board-certified" in q]
    assert quantity_fields(the(claims, "Each IV ketamine treatment")) == [("$400", 400, 400, "exact", "usd", "cost")]
    package = the(claims, "Packages of six infusions")
    assert package.category == "cost-access"
    assert quantity_fields(package) == [("six infusions", 6, 6, "exact", "count", "count"),
                                        ("$2,400", 2400, 2400, "exact", "usd", "cost")]
    cover = the(claims, "IV ketamine for depression is not covered")
    assert (cover.category, cover.polarity, cover.drug_form) == ("cost-access", "negated", "iv-ketamine")
    assert {(a.property, a.value) for a in cover.assertions} >= {("insurance-coverage", "not-covered"),
                                                                 ("regulatory-status", "off-label")}
    spravato = the(claims, "Spravato (esketamine) nasal spray is FDA-approved")
    assert (spravato.subject, spravato.certainty, spravato.drug_form) == ("esketamine", "hedged", "esketamine-nasal")
    fda = the(claims, "Ketamine itself isn't FDA-approved")
    assert (fda.category, fda.polarity, fda.certainty) == ("regulatory", "negated", "asserted")
    candidates = the(claims, "Adults who have tried at least two")
    assert (candidates.category, candidates.subject, candidates.certainty) == ("eligibility", "ketamine", "hedged")
    assert the(claims, "Ketamine is not recommended").category == "eligibility"
    assert quantity_fields(the(claims, "Around 70% of our patients")) == [
        ("Around 70%", 70, 70, "approx", "percent", "response-rate")]
    infusion = the(claims, "An infusion takes about 40 minutes")
    assert quantity_fields(infusion) == [
        ("about 40 minutes", 40, 40, "approx", "min", "other"), ("up to two hours", 2, 2, "up-to", "h", "duration")]
    assert ("observation-time", 2) in {(a.property, a.value_low) for a in infusion.assertions}


def test_cost_page_fixture() -> None:
    claims = fixture_claims("cost-page.txt")
    assert not [q for q in claims if "promo code" in q or "You may also like" in q or q.startswith("Type |")]
    assert all(c.category == "cost-access" for c in claims.values())
    assert quantity_fields(the(claims, "IV infusion:")) == [("$350 to $700", 350, 700, "exact", "usd", "cost")]
    series = the(claims, "A typical initial series")
    assert quantity_fields(series) == [("six infusions", 6, 6, "exact", "count", "count"),
                                       ("$2,000-$3,000", 2000, 3000, "exact", "usd", "cost"),
                                       ("every 4-6 weeks", 4, 6, "exact", "wk", "other"),
                                       ("$400 to $500", 400, 500, "exact", "usd", "cost")]
    assert the(claims, "Most insurers do not cover").polarity == "negated"
    assert quantity_fields(the(claims, "Medicare covers Spravato")) == [("20%", 20, 20, "exact", "percent", "cost")]


def test_verb_clause_items_and_numbered_warnings_are_claims() -> None:
    text = ("Take extra care if you:\n\n  • have high blood pressure that is poorly controlled\n"
            "  • have had psychosis\n\n"
            "Never take two doses within one day. Ask your nurse.\n\n"
            "You should not be driving for the rest of the day.\n")
    claims = claims_of(text)
    assert "have high blood pressure that is poorly controlled" in claims
    assert "Never take two doses within one day." in claims
    assert "Ask your nurse." not in claims
    assert claims["You should not be driving for the rest of the day."].category == "safety"


def test_a_lower_case_piped_header_row_is_no_claim() -> None:
    text = "Dosing\n\nStage | How much | How often\nStart | 56 mg | twice a week\n"
    assert list(claims_of(text)) == ["Start | 56 mg | twice a week"]


def test_fixture_texts_are_plain_utf8() -> None:
    for path in sorted(Path(FIXTURES).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text


# --- issue 12: claims worth checking, polarity, drug forms, subjects of quantities, comparisons, repeats ---------

def test_background_definitions_and_praise_are_no_claims() -> None:
    text = ("Neurotransmitters are chemical messengers in the brain that transmit signals between nerve cells.\n\n"
            "Treatment-resistant depression is a form of depression that does not respond to antidepressants.\n\n"
            "Ketamine therapy offers new hope and an innovative approach for people with depression.\n\n"
            "Ketamine relieves depressive symptoms within hours in many patients.\n")
    found = readings(text)
    assert [body for body, r in found.items() if not r.reason] == [
        "Ketamine relieves depressive symptoms within hours in many patients."]
    assert {r.reason for r in found.values() if r.reason} == {"background", "praise"}


def test_a_source_stating_a_negative_fact_is_negated_not_denying() -> None:
    claim = claims_of("Infusions of ketamine aren’t approved to treat depression.\n")[
        "Infusions of ketamine aren’t approved to treat depression."]
    assert stance_of(claim) == ("negated", "asserted")
    assert claim.drug_form == "iv-ketamine"
    assert [(a.property, a.value, a.polarity) for a in claim.assertions] == [
        ("regulatory-status", "not-approved-for-depression", "affirmed")]


def test_each_quantity_has_the_subject_of_its_clause() -> None:
    text = ("What makes ketamine so revolutionary is it can rapidly reduce major depression in as little as 24 hours "
            "while standard antidepressants take 4-6 weeks to work.\n")
    claim = next(iter(claims_of(text).values()))
    assert [(q.quote, q.subject) for q in claim.quantities] == [("in as little as 24 hours", "ketamine"),
                                                               ("4-6 weeks", "antidepressants")]
    onsets = [(a.quote, a.drug_form) for a in claim.assertions if a.property == "onset-time"]
    assert onsets == [("in as little as 24 hours", "ketamine"), ("4-6 weeks", "antidepressant")]


def test_a_flattened_comparison_table_gives_one_claim_per_side() -> None:
    text = ("Traditional Antidepressant Therapies Ketamine Therapy\n"
            "Slow onset of action Rapid relief within hours\n"
            "May take weeks to months for noticeable improvement Potential for long-lasting improvement\n")
    claims = claims_of(text)
    assert claims["Slow onset of action"].subject == "antidepressants"
    assert claims["Rapid relief within hours"].subject == "ketamine"
    assert claims["May take weeks to months for noticeable improvement"].subject == "antidepressants"
    assert "Traditional Antidepressant Therapies Ketamine Therapy" not in claims


def test_a_piped_comparison_table_gives_one_claim_per_cell() -> None:
    text = "Ketamine | Antidepressants\nRelief within hours | Relief after 4-6 weeks\n"
    claims = claims_of(text)
    assert (claims["Relief within hours"].subject, claims["Relief after 4-6 weeks"].subject) == (
        "ketamine", "antidepressants")
    assert claims["Relief after 4-6 weeks"].quantities[0].subject == "antidepressants"


def test_the_nasal_spray_regimen_is_esketamine_whatever_the_text_calls_it() -> None:
    label = claims_of("SPRAVATO is given twice a week for the first four weeks.\n")
    article = claims_of("Esketamine nasal spray is taken in a clinic under supervision.\n")
    assert next(iter(label.values())).drug_form == "esketamine-nasal"
    assert next(iter(article.values())).drug_form == "esketamine-nasal"


def test_the_words_that_decided_the_drug_form_are_kept() -> None:
    text = "Ketamine is given by IV infusion over 40 minutes.\n"
    claim = claims_of(text)[text.strip()]
    assert claim.drug_form == "iv-ketamine"
    assert text[claim.drug_form_start:claim.drug_form_end] in ("Ketamine is given by IV", "Ketamine is given by IV infusion")


def test_repeats_within_a_source_are_one_claim_with_its_other_places() -> None:
    text = ("Ketamine therapy provides rapid relief from depressive symptoms, often within hours.\n\n"
            "It is given in a clinic.\n\n"
            "Ketamine therapy provides rapid relief from depressive symptoms, often within hours.\n")
    claims = extract_text(text).claims
    repeated = [c for c in claims if c.quote.startswith("Ketamine therapy provides")]
    assert len(repeated) == 1
    assert [(r.start, r.quote) for r in repeated[0].repeats] == [(text.rindex("Ketamine"), repeated[0].quote)]


def test_safety_statements_under_an_adverse_effects_heading_are_safety() -> None:
    text = ("Adverse Effects Of Ketamine\n\n"
            "These symptoms are very rarely reported at the subanesthetic doses used for depression.\n")
    assert claims_of(text)["These symptoms are very rarely reported at the subanesthetic doses used for "
                           "depression."].category == "safety"


def test_the_risks_of_the_disease_are_no_safety_claim_about_the_drug() -> None:
    text = ("Treatment-resistant depression is a form of depression that does not respond to antidepressants. "
            "This can significantly impact quality of life and increase the risk of suicide.\n")
    found = readings(text)
    risk = found["This can significantly impact quality of life and increase the risk of suicide."]
    assert (risk.subject, bool(risk.reason)) == ("depression", True)


# --- the corpus -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[Document, tuple[Claim, ...]]]:
    layout = Layout(project_root=PROJECT_ROOT, input_dir=PROJECT_ROOT / "data")
    inputs = load_inputs(layout, load_schemas(layout.schema_dir))
    return {d.source.source_id: (d, extract_text(d.text).claims) for d in inputs.documents}


def test_corpus_key_claims(corpus) -> None:
    _, claims = corpus["ketamine-and-lexapro"]
    rate = next(c for c in claims if "70-85% response rate" in c.quote)
    assert (rate.category, rate.subject, stance_of(rate)) == ("efficacy", "ketamine", ("affirmed", "asserted"))
    assert quantity_fields(rate) == [("70-85%", 70, 85, "exact", "percent", "response-rate")]
    assert [(a.property, a.drug_form) for a in rate.assertions] == [("response-rate", "iv-ketamine")]
    _, claims = corpus["ketamine-infusion-treatment"]
    not_approved = next(c for c in claims if "aren’t approved" in c.quote)
    assert (not_approved.category, not_approved.polarity) == ("regulatory", "negated")
    rarely = next(c for c in claims if c.quote.startswith("These symptoms are very rarely reported"))
    assert rarely.category == "safety"
    assert not [c for c in claims if "Voucher" in c.quote or "Thrive IV" in c.quote]
    _, claims = corpus["ketamine-therapy-new-hope"]
    assert not [c for c in claims if c.quote.startswith(("Neurotransmitters are chemical messengers",
                                                           "This can significantly impact"))]
    sides = {c.quote: c.subject for c in claims}
    assert (sides["Slow onset of action"], sides["Rapid relief within hours"]) == ("antidepressants", "ketamine")
    _, claims = corpus["ketamine-and-lexapro"]
    onset = next(c for c in claims if c.quote.startswith("What makes ketamine so revolutionary"))
    assert [q.subject for q in onset.quantities] == ["ketamine", "antidepressants"]


def rows(corpus: dict[str, tuple[Document, tuple[Claim, ...]]]) -> list[dict]:
    fields = ("category", "subject", "polarity", "certainty", "testimonial", "drug_form")
    return [{"claim_id": f"{source_id}:c:{c.start:06d}-{c.end:06d}", "source_id": source_id, "start": c.start,
             "end": c.end, "quote": c.quote, **{f: getattr(c, f) for f in fields}}
            for source_id, (_, claims) in corpus.items() for c in claims]


def test_no_corpus_claim_comes_from_boilerplate(corpus) -> None:
    texts = {source_id: document.text for source_id, (document, _) in corpus.items()}
    flagged = boilerplate_claims(rows(corpus), texts, project_rules())["flagged"]
    assert not [f for f in flagged if not f["quote"].startswith("Study Type:")]


def test_corpus_claims_against_the_gold(corpus) -> None:
    texts = {source_id: document.text for source_id, (document, _) in corpus.items()}
    gold = [g for g in load_gold(PROJECT_ROOT / "tests" / "gold", texts) if g.table == "claims"]
    annotated = {g.source_id for g in gold}
    scores = score_table("claims", gold, [r for r in rows(corpus) if r["source_id"] in annotated])
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.9
    assert scores["agreement"]["category"] >= 0.85 and scores["agreement"]["drug_form"] >= 0.9


def test_every_quantity_of_the_corpus_has_a_subject(corpus) -> None:
    quantities = [q for _, claims in corpus.values() for c in claims for q in c.quantities]
    assert quantities and all(q.subject for q in quantities)


def test_rapid_onset_claims_of_several_sources_share_one_property(corpus) -> None:
    sources = {source_id for source_id, (_, claims) in corpus.items() for c in claims for a in c.assertions
               if a.property == "onset-time" and a.drug_form in ("iv-ketamine", "ketamine", "esketamine-nasal")}
    assert len(sources) >= 3
