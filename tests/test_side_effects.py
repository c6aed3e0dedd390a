"""Side-effect extraction: terms, context, certainty and band on short texts, two fixtures in
other styles (a drug label, a clinic FAQ) and the real corpus; the traps stay out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from extraction_helpers import extractor_cues, fixture, segmented, vocabulary

from pipeline.extract.side_effects import extract_side_effects
from pipeline.extract.terms import find_terms

Row = tuple[str, str, str, str, str | None]


def side_effects(text: str) -> list[Row]:
    """(quote, term, context, certainty, frequency) of every row; offsets checked on the way."""
    rows = extract_side_effects(segmented(text), extractor_cues("side_effects"), vocabulary())
    for row in rows:
        assert text[row.start:row.end] == row.quote
        assert row.quote == row.quote.strip()
        assert row.term in vocabulary().terms and vocabulary().terms[row.term].kind == "side-effect"
    assert len({(r.start, r.end, r.term) for r in rows}) == len(rows), "one row per span and term (the id)"
    return [(r.quote, r.term, r.context, r.certainty, r.frequency) for r in rows]


# --------------------------------------------------------------------------- the matcher

def test_matcher_takes_the_longest_synonym_with_exact_offsets() -> None:
    text = "Not recommended with uncontrolled high blood pressure; it may cause high blood pressure."
    found = [(m.quote, m.term_id) for m in find_terms(text, vocabulary().terms.values())]
    assert found == [("uncontrolled high blood pressure", "uncontrolled-hypertension"),
                     ("high blood pressure", "increased-blood-pressure"),
                     ("high blood pressure", "uncontrolled-hypertension")]


def test_matcher_respects_word_and_hyphen_boundaries() -> None:
    text = "Anti-nausea drugs, depression-like symptoms and euphoric-like feelings; Out of body experience."
    found = [(m.quote, m.term_id) for m in find_terms(text, vocabulary().of_kind("side-effect"))]
    assert found == [("Out of body experience", "dissociation")]


# --------------------------------------------------------------------------- mentions that are rows

@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(
        "Common transient side effects of ketamine may include nausea, dizziness, blurred vision and dissociation.",
        [("nausea", "nausea", "unspecified", "hedged", "common"),
         ("dizziness", "dizziness", "unspecified", "hedged", "common"),
         ("blurred vision", "blurred-vision", "unspecified", "hedged", "common"),
         ("dissociation", "dissociation", "unspecified", "hedged", "common")],
        id="design-example-four-rows"),
    pytest.param("Ketamine can cause dizziness.",
                 [("dizziness", "dizziness", "unspecified", "hedged", None)], id="hedged-can"),
    pytest.param("Ketamine does not cause addiction when used as prescribed.",
                 [("addiction", "addiction", "therapeutic", "negated", None)], id="negated"),
    pytest.param("No patient in the trial reported hallucinations.",
                 [("hallucinations", "hallucinations", "unspecified", "negated", None)], id="negated-subject"),
    pytest.param("Ketamine can reduce anxiety and may cause nausea.",
                 [("nausea", "nausea", "unspecified", "hedged", None)], id="benefit-then-effect"),
    pytest.param("Emergence reactions are common with anesthetic ketamine use.",
                 [("Emergence reactions", "emergence-reaction", "anesthetic", "asserted", "common")],
                 id="anesthetic-band-after"),
    pytest.param("At the higher doses often associated with illicit use, ketamine can induce dissociative symptoms.",
                 [("dissociative symptoms", "dissociation", "recreational", "hedged", None)], id="recreational"),
    pytest.param("Headaches rarely occur after a ketamine infusion.",
                 [("Headaches", "headache", "therapeutic", "asserted", "rare")], id="rare-therapeutic"),
    pytest.param("Very common side effects of esketamine include dissociation and vertigo. "
                 "Uncommon side effects include nystagmus.",
                 [("dissociation", "dissociation", "unspecified", "asserted", "very-common"),
                  ("vertigo", "vertigo", "unspecified", "asserted", "very-common"),
                  ("nystagmus", "nystagmus", "unspecified", "asserted", "uncommon")], id="bands"),
    pytest.param("Although it has been abused as a recreational drug because of its hallucinogenic and "
                 "tranquilizing effects, ketamine is now used in clinics.",
                 [("hallucinogenic", "hallucinations", "recreational", "asserted", None),
                  ("tranquilizing effects", "sedation", "recreational", "asserted", None)],
                 id="shared-head-coordination"),
    pytest.param("Ketamine carries a risk of abuse and dependence.",
                 [("risk of abuse", "addiction", "unspecified", "hedged", None),
                  ("dependence", "drug-dependence", "unspecified", "hedged", None)], id="risk-of"),
    pytest.param("Patients remain in the clinic after each ketamine session. Staff monitor them for any "
                 "potential side effects that may arise, such as dissociation or hallucinations.",
                 [("dissociation", "dissociation", "therapeutic", "hedged", None),
                  ("hallucinations", "hallucinations", "therapeutic", "hedged", None)],
                 id="context-from-previous-sentence"),
    pytest.param("The drug can put a patient in a trancelike state where they feel detached from reality.",
                 [("trancelike state where they feel detached from reality", "dissociation", "unspecified",
                   "hedged", None)], id="repeated-term-merged"),
    pytest.param("Common adverse effects of anesthetic ketamine include emergence reactions and respiratory "
                 "depression. These symptoms are very rarely reported at the subanesthetic doses used for "
                 "depression.",
                 [("emergence reactions", "emergence-reaction", "anesthetic", "asserted", "common"),
                  ("respiratory depression", "respiratory-depression", "anesthetic", "asserted", "common"),
                  ("These symptoms are very rarely reported", "emergence-reaction", "therapeutic", "asserted",
                   "rare"),
                  ("These symptoms are very rarely reported", "respiratory-depression", "therapeutic", "asserted",
                   "rare")], id="anaphor-with-new-band-and-setting"),
    pytest.param("Ketamine therapy makes an effective treatment option for conditions such as:\n\n"
                 "• Double vision or blurry vision\n• Disturbance in the perception of time\n\n"
                 "These side effects may occur after both short-term and prolonged exposure to ketamine.",
                 [("Double vision", "double-vision", "therapeutic", "hedged", None),
                  ("blurry vision", "blurred-vision", "therapeutic", "hedged", None),
                  ("Disturbance in the perception", "perceptual-disturbance", "therapeutic", "hedged", None)],
                 id="list-named-by-the-sentence-after-it"),
    pytest.param("Side effects\n\nThe most common side effect of ketamine therapy is the trancelike "
                 "out-of-body experience. However, other potential side effects include:\n\n"
                 "• Blurry vision\n• Elevated blood pressure\n",
                 [("trancelike out-of-body experience", "dissociation", "therapeutic", "asserted", "common"),
                  ("Blurry vision", "blurred-vision", "therapeutic", "hedged", None),
                  ("Elevated blood pressure", "increased-blood-pressure", "therapeutic", "hedged", None)],
                 id="list-after-lead-in"),
    pytest.param("Side effects are usually mild. They include headache and fatigue.",
                 [("headache", "headache", "unspecified", "asserted", None),
                  ("fatigue", "fatigue", "unspecified", "asserted", None)], id="continued-sentence"),
    pytest.param("While SSRIs commonly cause nausea and sexual dysfunction, ketamine's main side effect is "
                 "dissociation.",
                 [("dissociation", "dissociation", "unspecified", "asserted", None)], id="possessive-owner"),
    pytest.param("The most frequently reported adverse reactions were dissociation (41%), dizziness (29%) and "
                 "nausea (28%).",
                 # each item's own share outranks the lead-in's band: more than 1 in 10 is very common
                 [("dissociation", "dissociation", "unspecified", "asserted", "very-common"),
                  ("dizziness", "dizziness", "unspecified", "asserted", "very-common"),
                  ("nausea", "nausea", "unspecified", "asserted", "very-common")], id="enumeration-with-percentages"),
    pytest.param("Treatment with ketamine is associated with a temporary increase in blood pressure and heart rate.",
                 [("increase in blood pressure", "increased-blood-pressure", "therapeutic", "asserted", None),
                  ("heart rate", "tachycardia", "therapeutic", "asserted", None)], id="shared-first-words"),
    pytest.param("It is unlikely to cause addiction at these doses, but patients may feel dizzy or nauseous.",
                 [("addiction", "addiction", "unspecified", "hedged", None),
                  ("feel dizzy", "dizziness", "unspecified", "hedged", None),
                  ("nauseous", "nausea", "unspecified", "hedged", None)], id="unlikely-and-lay-words"),
    pytest.param("Long-term recreational users can develop bladder damage known as ketamine cystitis.",
                 [("bladder damage known as ketamine cystitis", "cystitis", "recreational", "hedged", None)],
                 id="recreational-merged"),
    pytest.param("Esketamine may cause uncontrolled movements of the eyes, shallow breathing and blurred eyesight.",
                 [("uncontrolled movements of the eyes", "nystagmus", "unspecified", "hedged", None),
                  ("shallow breathing", "respiratory-depression", "unspecified", "hedged", None),
                  ("blurred eyesight", "blurred-vision", "unspecified", "hedged", None)], id="lay-paraphrases"),
    pytest.param("Complaints heard most often after the spray were a strange taste and unclear speech.",
                 [("strange taste", "dysgeusia", "unspecified", "asserted", "common"),
                  ("unclear speech", "slurred-speech", "unspecified", "asserted", "common")],
                 id="complaints-most-often"),
    pytest.param("Patients report a detached sensation and a reduced sense of touch.",
                 [("detached sensation", "dissociation", "unspecified", "asserted", None),
                  ("reduced sense of touch", "numbness", "unspecified", "asserted", None)], id="sensations"),
    pytest.param("Esketamine can cause shallow and slowed breathing.",
                 [("shallow and slowed breathing", "respiratory-depression", "unspecified", "hedged", None)],
                 id="same-term-conjunct-is-one-mention"),
    pytest.param("Patients describe a detached, dreamlike sensation.",
                 [("detached, dreamlike sensation", "dissociation", "unspecified", "asserted", None)],
                 id="two-adjectives-one-mention"),
    pytest.param("Possible side effects include:\n\n- Feeling sleepy\n- Feeling very agitated\n",
                 [("Feeling sleepy", "drowsiness", "unspecified", "hedged", None),
                  ("agitated", "agitation", "unspecified", "hedged", None)],
                 id="last-item-with-own-cue-keeps-the-lead-in-hedge"),
    pytest.param("Uncommon side effects of this medicine:\n\n- feeling very agitated\n- a headache\n",
                 [("agitated", "agitation", "unspecified", "asserted", "uncommon"),
                  ("headache", "headache", "unspecified", "asserted", "uncommon")],
                 id="item-with-own-cue-keeps-the-lead-in-band"),
    pytest.param("Some people might notice a mild headache after the session or feel oddly drowsy.",
                 [("headache", "headache", "therapeutic", "hedged", None),
                  ("drowsy", "drowsiness", "therapeutic", "hedged", None)], id="hedge-across-coordination"),
    pytest.param("Users often report hearing things that aren't there.",
                 [("things that aren't there", "hallucinations", "unspecified", "asserted", None)],
                 id="negation-inside-the-mention"),
    pytest.param("Ketamine has its own side effects, such as nausea.",
                 [("nausea", "nausea", "unspecified", "asserted", None)], id="own-drug-possessive"),
    pytest.param("Ketamine may cause nausea and a headache.",
                 [("nausea", "nausea", "unspecified", "hedged", None),
                  ("headache", "headache", "unspecified", "hedged", None)], id="determiner-in-enumeration"),
])
def test_rows(text: str, expected: list[Row]) -> None:
    assert side_effects(text) == expected


# --------------------------------------------------------------------------- traps

@pytest.mark.parametrize("text", [
    pytest.param("This came about by accident: certain drugs given to treat other diseases like high blood "
                 "pressure and tuberculosis seemed to affect moods.", id="treated-condition"),
    pytest.param("Benefits include improvement in comorbid issues like anxiety.", id="benefit"),
    pytest.param("Ketamine also can be effective for treating depression combined with anxiety.", id="treated"),
    pytest.param("Ketamine is often used for sedation during short surgical procedures.", id="use"),
    pytest.param("Lower doses of both medications often lead to better tolerance vs. monotherapy.",
                 id="tolerability"),
    pytest.param("Glutamate plays a crucial role in various cognitive functions, including memory and learning.",
                 id="normal-function"),
    pytest.param("Ketamine is not recommended for patients with high blood pressure.", id="reason-not-to-treat"),
    pytest.param("SSRIs can cause nausea, insomnia and weight gain.", id="other-drug"),
    pytest.param("Unlike SSRIs, which often cause insomnia, ketamine works within hours.", id="other-drug-comparison"),
    pytest.param("She could not wait weeks for antidepressants, which made her feel worse with side effects "
                 "such as nausea.", id="other-drug-testimonial"),
    pytest.param("Depression causes fatigue, insomnia and poor concentration.", id="symptoms-of-depression"),
    pytest.param("Your SSRI, taken every morning, has its own side effects such as insomnia.",
                 id="other-drug-possessive"),
    pytest.param("The positive effects of ketamine were seen as reductions in:\n\n• Suicidal thoughts\n"
                 "• Anxiety\n• Insomnia\n", id="benefit-list"),
    pytest.param("Does ketamine cause hallucinations?\n\nThe answer depends on the dose.", id="question-only"),
    pytest.param("Ketamine is a dissociative anesthetic and a dissociative drug.", id="drug-class"),
])
def test_traps_give_no_rows(text: str) -> None:
    assert side_effects(text) == []


# --------------------------------------------------------------------------- fixtures

def test_drug_label_with_frequency_bands() -> None:
    rows = side_effects(fixture("esketamine-label-excerpt.txt"))
    bands = {"very-common": ["dissociation", "dizziness", "nausea", "headache", "drowsiness", "dysgeusia"],
             "common": ["anxiety", "euphoria", "blurred-vision", "vomiting", "increased-blood-pressure",
                        "tachycardia"],
             "uncommon": ["nystagmus", "slurred-speech"],
             "rare": ["delirium", "respiratory-depression"]}
    expected = [(band, term) for band, terms in bands.items() for term in terms]
    banded = [(frequency, term) for _, term, context, certainty, frequency in rows if frequency]
    assert banded == expected
    assert {(r[2], r[3]) for r in rows if r[4]} == {("therapeutic", "asserted")}
    assert rows[-2:] == [("physical dependence", "drug-dependence", "unspecified", "hedged", None),
                         ("misuse", "addiction", "unspecified", "hedged", None)]


def test_clinic_faq() -> None:
    assert side_effects(fixture("clinic-faq.txt")) == [
        ("feel lightheaded", "lightheadedness", "therapeutic", "asserted", None),
        ("feeling drunk", "feeling-drunk", "therapeutic", "asserted", None),
        ("out-of-body feeling", "dissociation", "therapeutic", "asserted", None),
        ("addiction", "addiction", "therapeutic", "negated", None),
        ("withdrawal symptoms", "withdrawal", "therapeutic", "negated", None),
        ("habit-forming", "addiction", "recreational", "hedged", None),
        ("bladder problems", "cystitis", "recreational", "hedged", None),
        ("nausea", "nausea", "therapeutic", "asserted", None),
        ("rise in blood pressure", "increased-blood-pressure", "therapeutic", "hedged", None),
        ("Double vision", "double-vision", "therapeutic", "asserted", "uncommon"),
        ("numbness", "numbness", "therapeutic", "asserted", "uncommon"),
        ("Headaches", "headache", "therapeutic", "asserted", "rare"),
        ("Hallucinations", "hallucinations", "therapeutic", "asserted", "rare"),
        ("emergence reactions", "emergence-reaction", "anesthetic", "hedged", None),
    ]


# --------------------------------------------------------------------------- the corpus

def _table(package: Path, name: str) -> list[dict[str, str]]:
    with (package / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ORIGINAL_SOURCES = {"combining-ketamine-psychotropics", "how-ketamine-therapy-works", "ketamine-and-lexapro",
                    "ketamine-infusion-treatment", "ketamine-therapy-new-hope"}


def test_corpus_build_has_key_rows_and_no_traps(built_package: Path) -> None:
    rows = {(r["source_id"], r["quote"], r["term"], r["context"], r["certainty"], r["frequency"])
            for r in _table(built_package, "side_effects")}
    assert {
        ("ketamine-and-lexapro", "blurred vision", "blurred-vision", "therapeutic", "hedged", "common"),
        ("how-ketamine-therapy-works", "Elevated blood pressure", "increased-blood-pressure", "therapeutic",
         "hedged", ""),
        ("ketamine-infusion-treatment", "respiratory depression", "respiratory-depression", "anesthetic",
         "asserted", "common"),
        ("ketamine-infusion-treatment", "non-communicative", "mutism", "recreational", "hedged", ""),
        ("ketamine-infusion-treatment", "hallucinogenic", "hallucinations", "recreational", "asserted", ""),
        ("ketamine-therapy-new-hope", "Headache", "headache", "therapeutic", "asserted", "common"),
        ("combining-ketamine-psychotropics", "cognitive impairment", "cognitive-impairment", "therapeutic",
         "hedged", ""),
    } <= rows
    # the traps are statements of the five web pages; a drug label rightly lists raised blood pressure
    quotes = {(r[0], r[1]) for r in rows if r[0] in ORIGINAL_SOURCES}
    for trap in ("high blood pressure", "anxiety", "tolerance", "memory and learning", "Concentration difficulties"):
        assert not any(quote == trap for _, quote in quotes), trap


# --------------------------------------------------------------------------- first-person accounts, owners, shares

_ACCOUNT = ("My ketamine infusions started in May. I had tried three medicines before, and my doctor said "
            "I was a good fit. I drove myself to the clinic the first time, which was a mistake. My partner "
            "told me I should have asked for a lift, and I agreed with her. ")


def test_first_person_account_counts_everyday_wording_and_reads_negation() -> None:
    text = _ACCOUNT + ("Halfway through, my heart pounded and I felt queasy. I never threw up, though. "
                       "Afterwards I was groggy until dinner.")
    rows = {(q, t, c) for q, t, _, c, _ in side_effects(text)}
    assert rows == {("my heart pounded", "palpitations", "asserted"), ("felt queasy", "nausea", "asserted"),
                    ("threw up", "vomiting", "negated"), ("groggy", "drowsiness", "asserted")}


def test_first_person_sentence_outside_an_account_frames_nothing() -> None:
    # too few first-person words for an account of the narrator's own treatment
    assert side_effects("I read that ketamine is new. Some people are groggy in the mornings.") == []


def test_possessive_hands_the_effects_to_the_drug_named_before_it() -> None:
    text = ("Ketamine works within hours. By contrast, SSRIs take weeks to help, and their early side effects, "
            "such as nausea or headache, make some people stop.")
    assert side_effects(text) == []


@pytest.mark.parametrize(("share", "band"), [
    pytest.param("about 7 in 10 people", "very-common", id="seven-in-ten"),
    pytest.param("1 in 4", "very-common", id="one-in-four"),
    pytest.param("about 1 in 10", "common", id="one-in-ten-is-common"),
    pytest.param("2%", "common", id="percent"),
    pytest.param("1 in 500", "uncommon", id="one-in-five-hundred"),
    pytest.param("1 in 5,000", "rare", id="one-in-five-thousand"),
])
def test_a_share_after_a_mention_gives_its_band(share: str, band: str) -> None:
    text = f"In trials, side effects of esketamine included dizziness ({share}) and headache."
    rows = {q: f for q, _, _, _, f in side_effects(text)}
    assert rows["dizziness"] == band
    assert rows["headache"] != band or band == "common"
