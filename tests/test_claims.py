"""Claims: which sentences are claims, their category, subject, certainty, testimonial flag and quantities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT

from pipeline.evaluate import boilerplate_claims, load_gold, score_table
from pipeline.extract.claims import extract_claims, read_sentences
from pipeline.extract.phrases import phrase_spans
from pipeline.load import Layout, load_inputs, load_validated_yaml
from pipeline.records import Claim, Document, SegmentedDocument, Source, Vocabulary
from pipeline.schemas import load_schemas
from pipeline.segment import segment

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "claims"


@dataclass(frozen=True)
class Setup:
    """The project's segmentation cues, claim cues (with the shared ones) and vocabulary, loaded once."""

    segmentation: dict[str, Any]
    cues: dict[str, Any]
    vocabulary: Vocabulary
    documents: tuple[Document, ...]


@pytest.fixture(scope="module")
def setup() -> Setup:
    layout = Layout(project_root=PROJECT_ROOT, input_dir=PROJECT_ROOT / "data")
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    cues: dict[str, Any] = {}
    for name in ("claims", "certainty", "numbers"):
        cues[name], _ = load_validated_yaml(layout.config_dir / "cues" / f"{name}.yaml", f"cues-{name}", schemas,
                                            layout)
    claim_cues = {**cues["claims"], "certainty": cues["certainty"], "numbers": cues["numbers"]}
    return Setup(inputs.cues, claim_cues, inputs.vocabulary, inputs.documents)


def segmented(setup: Setup, text: str, source_id: str = "sample") -> SegmentedDocument:
    source = Source(source_id=source_id, title="t", publisher=None, url=None, kind="other", published=None,
                    retrieved=None, language="en", path=f"data/raw/{source_id}.txt", sha256="0" * 64,
                    characters=len(text))
    return segment(Document(source=source, text=text), setup.segmentation)


def claims_of(setup: Setup, text: str) -> dict[str, Claim]:
    claims = extract_claims(segmented(setup, text), setup.cues, setup.vocabulary)
    for claim in claims:
        assert text[claim.start:claim.end] == claim.quote
        for quantity in claim.quantities:
            assert claim.start <= quantity.start < quantity.end <= claim.end
    return {c.quote: c for c in claims}


def fixture_claims(setup: Setup, name: str) -> dict[str, Claim]:
    return claims_of(setup, (FIXTURES / name).read_text(encoding="utf-8"))


def the(claims: dict[str, Claim], start: str) -> Claim:
    found = [c for quote, c in claims.items() if quote.startswith(start)]
    assert len(found) == 1, f"{start!r} in {list(claims)}"
    return found[0]


def quantity_fields(claim: Claim) -> list[tuple]:
    return [(q.quote, q.value_low, q.value_high, q.qualifier, q.unit, q.measure) for q in claim.quantities]


@pytest.mark.parametrize(("sentence", "certainty"), [
    ("Ketamine may reduce suicidal thoughts.", "hedged"),
    ("Ketamine might help when other medications fail.", "hedged"),
    ("Ketamine can rapidly reduce symptoms of depression.", "hedged"),
    ("Ketamine potentially restores neural connections.", "hedged"),
    ("Ketamine is thought to restore synapses in the brain.", "hedged"),
    ("It is not thought to be curative, rather it improves symptoms for a while.", "negated"),
    ("Infusions of ketamine aren’t approved to treat depression.", "negated"),
    ("Ketamine therapy is not a first-line treatment for depression.", "negated"),
    ("Ketamine therapy may not be covered by insurance.", "hedged"),
    ("Up to 30% of patients do not respond to SSRIs.", "asserted"),
    ("Those who have not found relief with SSRIs are candidates for ketamine.", "asserted"),
    ("Ketamine offers rapid relief, sometimes within hours.", "asserted"),
    ("While SSRIs may take weeks to work, ketamine acts within hours.", "asserted"),
    ("The drug can also be administered by an injection into a muscle.", "asserted"),
    ("Unlike SSRIs, which may take weeks, ketamine works within hours.", "asserted"),
    ("Adults who have tried two antidepressants may be candidates for ketamine.", "hedged"),
    ("Clinics that prioritize access reach people who may not have a car.", "asserted"),
    ("No deaths occurred during the ketamine trial.", "negated"),
    ("Patients see no benefit from antidepressants.", "asserted"),
    ("It costs $450 per infusion because insurance won't pay.", "asserted"),
])
def test_certainty(setup: Setup, sentence: str, certainty: str) -> None:
    assert claims_of(setup, sentence + "\n")[sentence].certainty == certainty


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
def test_category(setup: Setup, sentence: str, category: str) -> None:
    assert claims_of(setup, sentence + "\n")[sentence].category == category


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
def test_subject(setup: Setup, sentence: str, subject: str) -> None:
    assert claims_of(setup, sentence + "\n")[sentence].subject == subject


def test_a_document_about_the_spray_defaults_to_esketamine(setup: Setup) -> None:
    text = ("The Esketamine Nasal Spray Explained\n\n"
            "Esketamine is a nasal spray for hard-to-treat depression. Ketamine is its parent drug.\n\n"
            "Most people feel better within a week of starting the esketamine spray.\n\n"
            "The nasal spray is taken in a clinic under watch.\n\n"
            "Doses are given twice a week at first.\n")
    claims = claims_of(setup, text)
    assert claims["Doses are given twice a week at first."].subject == "esketamine"
    assert claims["Ketamine is its parent drug."].subject == "ketamine"


def test_a_document_about_ketamine_keeps_the_default(setup: Setup) -> None:
    text = ("Ketamine Infusions\n\nKetamine infusions can ease depression. Esketamine is a related spray.\n\n"
            "Doses are given twice a week at first.\n")
    assert claims_of(setup, text)["Doses are given twice a week at first."].subject == "ketamine"


def test_the_therapy_named_in_a_side_phrase_is_not_the_subject(setup: Setup) -> None:
    text = ("Esketamine Spray Guide\n\nEsketamine is a nasal spray. The nasal spray helps some adults.\n\n"
            "Patients sit in a chair at the certified clinic for two hours.\n")
    assert claims_of(setup, text)["Patients sit in a chair at the certified clinic for two hours."].subject == \
        "esketamine"


def test_prices_stated_by_a_clinic_in_its_own_voice_are_about_the_clinic(setup: Setup) -> None:
    text = ("We offer ketamine infusions in a calm room. Our nurses stay with you.\n\n"
            "A single infusion is $500.\n")
    assert claims_of(setup, text)["A single infusion is $500."].subject == "ketamine-clinics"
    assert claims_of(setup, "Ketamine can ease depression.\n\nA single infusion is $500.\n")[
        "A single infusion is $500."].subject == "ketamine"


def test_an_anaphor_takes_the_subject_of_the_claim_before(setup: Setup) -> None:
    text = "Esketamine is given as a nasal spray. It is used twice a week at first.\n"
    assert claims_of(setup, text)["It is used twice a week at first."].subject == "esketamine"


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


def test_no_claim_comes_from_boilerplate_headings_questions_or_calls_to_action(setup: Setup) -> None:
    assert list(claims_of(setup, BOILERPLATE)) == ["Ketamine can relieve depression within hours."]


def test_reasons_are_given_for_sentences_that_are_not_claims(setup: Setup) -> None:
    readings = read_sentences(segmented(setup, BOILERPLATE), setup.cues, setup.vocabulary)
    reasons = {BOILERPLATE[r.sentence.start:r.sentence.end]: r.reason for r in readings if r.reason}
    assert reasons == {  # question blocks, headings and marked blocks are not read at all
        "Is ketamine right for you?": "question",
        "In this article, we delve into how ketamine relieves depression.": "rhetoric",
        "Always consult your doctor before starting ketamine.": "advice",
    }


def test_lists_bare_terms_are_left_out_and_lead_ins_pass_on_hedges(setup: Setup) -> None:
    text = ("Common side effects of ketamine include:\n\n  • Nausea\n  • Blurred vision\n  • Feeling detached\n\n"
            "Ketamine may be a good option if you identify with any of the following:\n\n"
            "  • Diagnosed with major depressive disorder\n  • Tried at least two antidepressants without success\n")
    claims = claims_of(setup, text)
    assert list(claims) == ["Common side effects of ketamine include:",
                            "Ketamine may be a good option if you identify with any of the following:",
                            "Diagnosed with major depressive disorder",
                            "Tried at least two antidepressants without success"]
    item = claims["Tried at least two antidepressants without success"]
    assert (item.category, item.certainty) == ("eligibility", "hedged")
    assert quantity_fields(item) == [("at least two antidepressants", 2, 2, "at-least", "count", "count")]


def test_table_rows_are_claims_and_header_rows_are_not(setup: Setup) -> None:
    text = "Prices\n\nType | Average Cost | Sessions\nIV ketamine | $450 | 6\nSpravato | $700 | 8\n"
    claims = claims_of(setup, text)
    assert list(claims) == ["IV ketamine | $450 | 6", "Spravato | $700 | 8"]
    assert claims["Spravato | $700 | 8"].subject == "esketamine"
    assert quantity_fields(claims["IV ketamine | $450 | 6"]) == [
        ("$450", 450, 450, "exact", "usd", "cost"), ("6", 6, 6, "exact", "count", "count")]


def test_testimonials_are_kept_and_marked(setup: Setup) -> None:
    text = ("“My depression lifted after three infusions. I feel like myself again.”\n\n"
            "“We see responses within a day,” said Dr. Lee, a psychiatrist.\n\n"
            "I feel like a different person, says Rivera, a teacher. Rivera tried six antidepressants.\n")
    claims = claims_of(setup, text)
    assert claims["“My depression lifted after three infusions."].testimonial
    assert claims["I feel like myself again.”"].testimonial
    assert not claims["“We see responses within a day,” said Dr. Lee, a psychiatrist."].testimonial
    assert claims["Rivera tried six antidepressants."].testimonial


def test_news_article_fixture(setup: Setup) -> None:
    claims = fixture_claims(setup, "news-ketamine-clinics.txt")
    assert not [q for q in claims if q.startswith(("By Jane", "March 3", "Related", "Psilocybin", "Sign up"))]
    approval = the(claims, "In 2019 the agency approved esketamine")
    assert (approval.category, approval.subject, approval.certainty) == ("regulatory", "esketamine", "asserted")
    assert quantity_fields(approval) == [("2019", 2019, 2019, "exact", None, "year"),
                                         ("at least two antidepressants", 2, 2, "at-least", "count", "count")]
    quote = the(claims, "“We see responses within 24 hours")
    assert not quote.testimonial and quote.subject == "ketamine"
    assert quantity_fields(quote) == [("within 24 hours", 24, 24, "up-to", "h", "onset"),
                                      ("roughly half", 50, 50, "approx", "percent", "response-rate")]
    trial = the(claims, "In a 2023 trial of 403 patients")
    assert [q[5] for q in quantity_fields(trial)] == ["year", "count", "remission-rate", "onset", "remission-rate"]
    assert the(claims, "“That is something standard antidepressants").certainty == "negated"
    assert quantity_fields(the(claims, "Doses used for depression")) == [
        ("0.5 mg/kg", 0.5, 0.5, "exact", "mg/kg", "dose"), ("over 40 minutes", 40, 40, "exact", "min", "duration")]
    cure = the(claims, "“Ketamine is not a cure")
    assert (cure.certainty, cure.testimonial) == ("negated", False)
    assert quantity_fields(the(claims, "Insurance rarely pays")) == [("$400 and $800", 400, 800, "exact", "usd",
                                                                      "cost")]
    patient = the(claims, "“I had tried eleven medications")
    assert patient.testimonial
    assert quantity_fields(patient) == [("eleven medications", 11, 11, "exact", "count", "count"),
                                        ("over a decade", 10, 10, "more-than", "a", "other")]


def test_clinic_faq_fixture(setup: Setup) -> None:
    claims = fixture_claims(setup, "clinic-faq.txt")
    assert not [q for q in claims if q.endswith("?") or "Call us" in q or "board-certified" in q]
    assert quantity_fields(the(claims, "Each IV ketamine treatment")) == [("$400", 400, 400, "exact", "usd", "cost")]
    package = the(claims, "Packages of six infusions")
    assert package.category == "cost-access"
    assert quantity_fields(package) == [("six infusions", 6, 6, "exact", "count", "count"),
                                        ("$2,400", 2400, 2400, "exact", "usd", "cost")]
    cover = the(claims, "IV ketamine for depression is not covered")
    assert (cover.category, cover.certainty) == ("cost-access", "negated")
    spravato = the(claims, "Spravato (esketamine) nasal spray is FDA-approved")
    assert (spravato.subject, spravato.certainty) == ("esketamine", "hedged")
    fda = the(claims, "Ketamine itself isn't FDA-approved")
    assert (fda.category, fda.certainty) == ("regulatory", "negated")
    candidates = the(claims, "Adults who have tried at least two")
    assert (candidates.category, candidates.subject, candidates.certainty) == ("eligibility", "ketamine", "hedged")
    assert the(claims, "Ketamine is not recommended").category == "eligibility"
    assert quantity_fields(the(claims, "Around 70% of our patients")) == [
        ("Around 70%", 70, 70, "approx", "percent", "response-rate")]
    assert quantity_fields(the(claims, "An infusion takes about 40 minutes")) == [
        ("about 40 minutes", 40, 40, "approx", "min", "other"), ("up to two hours", 2, 2, "up-to", "h", "duration")]


def test_cost_page_fixture(setup: Setup) -> None:
    claims = fixture_claims(setup, "cost-page.txt")
    assert not [q for q in claims if "promo code" in q or "You may also like" in q or q.startswith("Type |")]
    assert all(c.category == "cost-access" for c in claims.values())
    assert quantity_fields(the(claims, "IV infusion:")) == [("$350 to $700", 350, 700, "exact", "usd", "cost")]
    series = the(claims, "A typical initial series")
    assert quantity_fields(series) == [("six infusions", 6, 6, "exact", "count", "count"),
                                       ("$2,000-$3,000", 2000, 3000, "exact", "usd", "cost"),
                                       ("every 4-6 weeks", 4, 6, "exact", "wk", "other"),
                                       ("$400 to $500", 400, 500, "exact", "usd", "cost")]
    assert the(claims, "Most insurers do not cover").certainty == "negated"
    assert quantity_fields(the(claims, "Medicare covers Spravato")) == [("20%", 20, 20, "exact", "percent", "cost")]


@pytest.fixture(scope="module")
def corpus(setup: Setup) -> dict[str, tuple[Document, tuple[Claim, ...]]]:
    result = {}
    for document in setup.documents:
        seg = segment(document, setup.segmentation)
        result[document.source.source_id] = (document, extract_claims(seg, setup.cues, setup.vocabulary))
    return result


def rows(corpus: dict[str, tuple[Document, tuple[Claim, ...]]]) -> tuple[list[dict], list[dict]]:
    claims, quantities = [], []
    for source_id, (_, extracted) in corpus.items():
        for claim in extracted:
            claim_id = f"{source_id}:c:{claim.start:06d}-{claim.end:06d}"
            claims.append({"claim_id": claim_id, "source_id": source_id, "start": claim.start, "end": claim.end,
                           "quote": claim.quote, "category": claim.category, "subject": claim.subject,
                           "certainty": claim.certainty, "testimonial": claim.testimonial})
            quantities += [{"source_id": source_id, "start": q.start, "end": q.end, "quote": q.quote,
                            "value_low": q.value_low, "value_high": q.value_high, "qualifier": q.qualifier,
                            "unit": q.unit, "measure": q.measure} for q in claim.quantities]
    return claims, quantities


def test_corpus_key_claims(corpus) -> None:
    _, claims = corpus["ketamine-and-lexapro"]
    rate = next(c for c in claims if "70-85% response rate" in c.quote)
    assert (rate.category, rate.subject, rate.certainty) == ("efficacy", "ketamine", "asserted")
    assert quantity_fields(rate) == [("70-85%", 70, 85, "exact", "percent", "response-rate")]
    _, claims = corpus["ketamine-infusion-treatment"]
    not_approved = next(c for c in claims if "aren’t approved" in c.quote)
    assert (not_approved.category, not_approved.certainty) == ("regulatory", "negated")
    assert not [c for c in claims if "Voucher" in c.quote or "Thrive IV" in c.quote]


def test_corpus_against_gold_and_no_boilerplate(setup: Setup, corpus) -> None:
    texts = {source_id: document.text for source_id, (document, _) in corpus.items()}
    gold = load_gold(PROJECT_ROOT / "tests" / "gold", texts)
    annotated = {g.source_id for g in gold}
    claims, quantities = rows({k: v for k, v in corpus.items() if k in annotated})
    claim_scores = score_table("claims", [g for g in gold if g.table == "claims"], claims)
    quantity_scores = score_table("quantities", [g for g in gold if g.table == "quantities"], quantities)
    assert claim_scores["recall"] >= 0.97 and claim_scores["precision"] >= 0.95
    assert quantity_scores["recall"] >= 0.97 and quantity_scores["precision"] >= 0.95
    assert all(v >= 0.95 for v in quantity_scores["agreement"].values())
    sources = [{"source_id": d.source.source_id, **{k: getattr(d.source, k) for k in d.source.__dataclass_fields__}}
               for d, _ in corpus.values()]
    assert boilerplate_claims(claims, sources, texts, setup.segmentation)["count"] == 0


def test_boilerplate_metric_flags_claims_that_overlap_marked_blocks(setup: Setup) -> None:
    text = "Ketamine works fast.\n\nRelated Posts\n\nKetamine cured my depression in a day.\n"
    source = {"source_id": "sample", "title": "t", "publisher": None, "url": None, "kind": "other",
              "published": None, "retrieved": None, "language": "en", "path": "p", "sha256": "0",
              "characters": len(text)}
    claims = [{"claim_id": "a", "source_id": "sample", "start": 0, "end": 20, "quote": "Ketamine works fast."},
              {"claim_id": "b", "source_id": "sample", "start": 37, "end": 75, "quote": text[37:75]}]
    result = boilerplate_claims(claims, [source], {"sample": text}, setup.segmentation)
    assert (result["count"], result["claims"], result["share"]) == (1, 2, 0.5)
    assert [f["claim_id"] for f in result["flagged"]] == ["b"]


def test_extract_claims_needs_its_cue_file(setup: Setup) -> None:
    assert extract_claims(segmented(setup, "Ketamine works.\n"), {}, setup.vocabulary) == ()


def test_fixture_texts_are_plain_utf8() -> None:
    for path in sorted(Path(FIXTURES).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text


def test_phrase_spans_match_whole_words_longest_first() -> None:
    text = "Side  effects of ketamine-assisted therapy; ketamines, Ketamine's and side-effects."
    # a hyphen separates words ("FDA-approved" holds "FDA"), a plural or possessive does not
    assert [text[s:e] for s, e in phrase_spans(text, ["side effects", "side", "ketamine", "ketamine's"])] == [
        "Side  effects", "ketamine", "Ketamine's", "side"]


def test_a_lower_case_piped_header_row_is_no_claim(setup: Setup) -> None:
    text = "Dosing\n\nStage | How much | How often\nStart | 56 mg | twice a week\n"
    assert list(claims_of(setup, text)) == ["Start | 56 mg | twice a week"]


def test_verb_clause_items_and_numbered_warnings_are_claims(setup: Setup) -> None:
    text = ("Take extra care if you:\n\n  • have high blood pressure that is poorly controlled\n"
            "  • have had psychosis\n\n"
            "Never take two doses within one day. Ask your nurse.\n\n"
            "You should not be driving for the rest of the day.\n")
    claims = claims_of(setup, text)
    assert "have high blood pressure that is poorly controlled" in claims
    assert "Never take two doses within one day." in claims
    assert "Ask your nurse." not in claims
    assert claims["You should not be driving for the rest of the day."].category == "safety"
