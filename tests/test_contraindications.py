"""Contraindication extraction: cue scopes (clauses, lists, sections), kinds, and conditions that
are indications or uses staying out; on short texts, two fixtures and the real corpus."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from extraction_helpers import extractor_cues, fixture, segmented, vocabulary

from pipeline.extract.contraindications import extract_contraindications

Row = tuple[str, str, str]


def contraindications(text: str) -> list[Row]:
    """(quote, condition, kind) of every row; offsets checked on the way."""
    rows = extract_contraindications(segmented(text), extractor_cues("contraindications"), vocabulary())
    for row in rows:
        assert text[row.start:row.end] == row.quote
        assert vocabulary().terms[row.condition].kind == "condition"
    assert len({(r.start, r.end) for r in rows}) == len(rows)
    return [(r.quote, r.condition, r.kind) for r in rows]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Ketamine has also been used in cases of bipolar disorder, but it is not indicated for patients "
                 "with active psychosis, mania, or unstable cardiovascular disease.",
                 [("active psychosis", "psychosis", "contraindication"), ("mania", "mania", "contraindication"),
                  ("unstable cardiovascular disease", "unstable-cardiovascular-disease", "contraindication")],
                 id="design-example-three-rows"),
    pytest.param("Nor is it indicated in children, he adds.",
                 [("children", "pediatric-age", "contraindication")], id="nor-indicated"),
    pytest.param("For example, patients with certain psychiatric conditions, such as bipolar disorder and "
                 "dementia, are not eligible for it.",
                 [("bipolar disorder", "bipolar-disorder", "contraindication"),
                  ("dementia", "dementia", "contraindication")], id="cue-after-conditions"),
    pytest.param("In addition, ketamine therapy is not recommended for those who are pregnant or have "
                 "uncontrolled high blood pressure.",
                 [("pregnant", "pregnancy", "contraindication"),
                  ("uncontrolled high blood pressure", "uncontrolled-hypertension", "contraindication")],
                 id="not-recommended"),
    pytest.param("Because ketamine carries some risk of addiction, those with a substance use disorder should "
                 "consider other therapies.",
                 [("substance use disorder", "substance-use-disorder", "caution")], id="caution-other-therapies"),
    pytest.param("Careful monitoring is essential when ketamine is added to a regimen that includes other "
                 "psychotropic medications.",
                 [("regimen that includes other psychotropic medications", "concurrent-psychotropic-medication",
                   "caution")], id="caution-monitoring"),
    pytest.param("Do not use esketamine if you have:\n\n• an aneurysm or an arteriovenous malformation\n"
                 "• had a brain bleed\n\nTell your doctor if you have glaucoma.",
                 [("aneurysm", "aneurysmal-vascular-disease", "contraindication"),
                  ("arteriovenous malformation", "arteriovenous-malformation", "contraindication"),
                  ("brain bleed", "intracerebral-hemorrhage", "contraindication"),
                  ("glaucoma", "glaucoma", "caution")], id="list-after-lead-in"),
    pytest.param("Who is not a good candidate for ketamine?\n\nPeople with schizophrenia or a history of psychosis.",
                 [("schizophrenia", "schizophrenia", "contraindication"),
                  ("history of psychosis", "psychosis", "contraindication")], id="section-under-question"),
    pytest.param("Ketamine is beneficial for bipolar disorder, although it is contraindicated in pregnancy.",
                 [("pregnancy", "pregnancy", "contraindication")], id="clause-break"),
    pytest.param("Esketamine is not approved for children.",
                 [("children", "pediatric-age", "contraindication")], id="not-approved"),
    pytest.param("The clinic will not offer infusions to anyone with:\n\n• severe liver problems\n"
                 "• a drug or alcohol misuse problem\n",
                 [("severe liver problems", "liver-disease", "contraindication"),
                  ("drug or alcohol misuse", "substance-use-disorder", "contraindication")],
                 id="negated-offer-lead-in"),
    pytest.param("Esketamine must not be given to anyone with raised pressure inside the head or an abnormal "
                 "tangle of blood vessels in the brain.",
                 [("raised pressure inside the head", "increased-intracranial-pressure", "contraindication"),
                  ("abnormal tangle of blood vessels", "arteriovenous-malformation", "contraindication")],
                 id="lay-condition-names"),
    pytest.param("If you are on benzodiazepines, ask your doctor before your first session.",
                 [("benzodiazepines", "concurrent-psychotropic-medication", "caution")], id="ask-your-doctor"),
    pytest.param("Prescribers weigh the risks with more care in someone whose heart condition is unstable.",
                 [("heart condition is unstable", "unstable-cardiovascular-disease", "caution")],
                 id="weigh-the-risks"),
    pytest.param("Who should not receive ketamine?\n\nThe team reviews your case carefully if you have a heart "
                 "or blood vessel problem.",
                 [("heart or blood vessel problem", "unstable-cardiovascular-disease", "caution")],
                 id="own-caution-beats-section-exclusion"),
    pytest.param("Tell your doctor if you take benzodiazepines or other psychiatric medications.",
                 [("benzodiazepines or other psychiatric medications", "concurrent-psychotropic-medication",
                   "caution")], id="coordinated-pair-of-one-condition"),
    pytest.param("Ask your doctor first if you are pregnant or could be pregnant.",
                 [("pregnant or could be pregnant", "pregnancy", "caution")], id="restated-condition"),
    pytest.param("It is not for people with mania, or with psychosis and mania.",
                 [("mania", "mania", "contraindication"), ("psychosis", "psychosis", "contraindication"),
                  ("mania", "mania", "contraindication")], id="repeat-after-another-condition-stays-apart"),
])
def test_rows(text: str, expected: list[Row]) -> None:
    assert contraindications(text) == expected


@pytest.mark.parametrize("text", [
    pytest.param("Ketamine has been used in cases of bipolar disorder.", id="use"),
    pytest.param("Ketamine is the medication of choice for sedating young children due to its safety profile.",
                 id="sedating-children"),
    pytest.param("Ketamine is not a first-line treatment for depression.", id="no-condition"),
    pytest.param("Certain drugs given to treat high blood pressure seemed to affect moods.", id="treated"),
    pytest.param("Who is not a good candidate for ketamine?\n\nKetamine is helpful for many people with bipolar "
                 "disorder.", id="indication-under-cue-question"),
    pytest.param("Ketamine can cause high blood pressure.", id="side-effect"),
])
def test_non_contraindications(text: str) -> None:
    assert contraindications(text) == []


def test_drug_label_sections() -> None:
    assert contraindications(fixture("esketamine-label-excerpt.txt")) == [
        ("aneurysmal vascular disease", "aneurysmal-vascular-disease", "contraindication"),
        ("arteriovenous malformation", "arteriovenous-malformation", "contraindication"),
        ("intracerebral haemorrhage", "intracerebral-hemorrhage", "contraindication"),
        ("recent cardiovascular event", "unstable-cardiovascular-disease", "contraindication"),
        ("myocardial infarction", "myocardial-infarction", "contraindication"),
        ("hypersensitivity to esketamine", "ketamine-hypersensitivity", "contraindication"),
        ("hepatic impairment", "liver-disease", "caution"),
        ("history of stroke", "stroke", "caution"),
        ("poorly controlled hypertension", "uncontrolled-hypertension", "caution"),
        ("history of drug abuse", "substance-use-disorder", "caution"),
    ]


def test_clinic_faq() -> None:
    assert contraindications(fixture("clinic-faq.txt")) == [
        ("uncontrolled high blood pressure", "uncontrolled-hypertension", "contraindication"),
        ("history of psychosis", "psychosis", "contraindication"),
        ("schizophrenia", "schizophrenia", "contraindication"),
        ("pregnant", "pregnancy", "contraindication"),
        ("breastfeeding", "breastfeeding", "contraindication"),
        ("glaucoma", "glaucoma", "caution"),
        ("liver disease", "liver-disease", "caution"),
    ]


def test_corpus_build_rows(built_package: Path) -> None:
    with (built_package / "data" / "contraindications.csv").open(encoding="utf-8", newline="") as handle:
        rows = {(r["source_id"], r["quote"], r["condition"], r["kind"]) for r in csv.DictReader(handle)}
    assert {
        ("ketamine-infusion-treatment", "active psychosis", "psychosis", "contraindication"),
        ("ketamine-infusion-treatment", "children", "pediatric-age", "contraindication"),
        ("how-ketamine-therapy-works", "dementia", "dementia", "contraindication"),
        ("how-ketamine-therapy-works", "substance use disorder", "substance-use-disorder", "caution"),
    } <= rows
    assert not any(r[1] == "bipolar disorder" and r[0] == "ketamine-infusion-treatment" for r in rows)
    assert sum(r[1] == "children" for r in rows) == 1  # "sedating young children" is a use


# --------------------------------------------------------------------------- lead-in kinds, refusals

def test_items_under_a_care_lead_in_are_cautions_even_in_an_exclusion_section() -> None:
    text = ("Who should not take the spray?\n\n"
            "Do not use it if you have:\n\n• an arteriovenous malformation\n\n"
            "Take it with caution if you:\n\n• have had a stroke\n\n• are pregnant\n")
    rows = contraindications(text)
    assert rows == [("arteriovenous malformation", "arteriovenous-malformation", "contraindication"),
                    ("stroke", "stroke", "caution"), ("pregnant", "pregnancy", "caution")]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("My cousin asked, but the practice turned her down because she has bipolar disorder.",
                 [("bipolar disorder", "bipolar-disorder", "contraindication")], id="turned-down"),
    pytest.param("The staff said they do not treat anyone with dementia.",
                 [("dementia", "dementia", "contraindication")], id="do-not-treat-overrides-the-treat-guard"),
    pytest.param("The doctor wants clearance from a specialist before treating anyone with a heart condition.",
                 [("a heart condition", "unstable-cardiovascular-disease", "caution")], id="before-treating"),
])
def test_refusal_narratives(text: str, expected: list[Row]) -> None:
    rows = contraindications(text)
    assert [(q.removeprefix("a "), c, k) for q, c, k in rows] == [(q.removeprefix("a "), c, k) for q, c, k in expected]
