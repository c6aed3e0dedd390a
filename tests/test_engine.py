"""The annotation engine: one matcher, layout, sentences, clauses, coordinations, scopes, stance and forms."""

from __future__ import annotations

import pytest
from engine_helpers import project_rules, read_text

from pipeline.engine.forms import dominant, form_at
from pipeline.engine.matcher import PhraseMatcher
from pipeline.engine.normal import normalise_phrase, normalise_text
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.stance import stance

# ---------------------------------------------------------------- normal form and matcher


def test_normal_form_keeps_a_map_to_the_original_offsets() -> None:
    text = "Side-effects  may\n\ncause HIGH blood pressure’s rise"
    normal = normalise_text(text)
    assert normal.text == "side effects may cause high blood pressure's rise"
    start = normal.text.index("high")
    assert text[slice(*normal.span(start, start + len("high blood pressure")))] == "HIGH blood pressure"


@pytest.mark.parametrize(("phrase", "key"), [
    ("Side-Effects", "side effects"), ("  out-of-body\texperience ", "out of body experience"), ("don’t", "don't")])
def test_phrases_and_texts_share_one_normal_form(phrase: str, key: str) -> None:
    assert normalise_phrase(phrase) == key


def test_one_pass_finds_every_list_on_whole_words_longest_first() -> None:
    matcher = PhraseMatcher({"effects": {"bp": ["blood pressure", "high blood pressure"], "nausea": ["nausea"]},
                             "cues": {"side effects": ["side effects"], "no": ["no"]}})
    text = "Side-effects: HIGH blood\npressure, nausea; no nauseas; knowing"
    mentions = matcher.find(text)
    assert [(text[m.start:m.end], m.value) for m in mentions.of("effects")] == [
        ("HIGH blood\npressure", "bp"), ("nausea", "nausea")]
    assert [text[m.start:m.end] for m in mentions.of("cues")] == ["Side-effects", "no"]


def test_letters_next_to_digits_are_two_words() -> None:
    matcher = PhraseMatcher({"drugs": {"esketamine": ["esk"]}})
    assert [m.value for m in matcher.find("Esk84 group; desk").of("drugs")] == ["esketamine"]


def test_lookup_names_the_value_of_a_phrase_in_a_list() -> None:
    matcher = PhraseMatcher({"terms": {"heart-disease": ["heart disease"]}})
    assert matcher.lookup("terms", "Heart  Disease") == "heart-disease"
    assert matcher.lookup("terms", "liver disease") is None


# ---------------------------------------------------------------- layout


def kinds(text: str) -> list[tuple[str, str]]:
    annotated = read_text(text).annotated
    return [(b.kind, text[b.start:b.end]) for b in annotated.blocks]


def test_lines_without_bullets_under_a_lead_in_are_items() -> None:
    text = "Contraindications\n\nSome major contraindications are:\n\nPregnancy\nSevere liver disease\n\nNext part\n"
    assert kinds(text) == [("heading", "Contraindications"), ("lead-in", "Some major contraindications are:"),
                           ("item", "Pregnancy"), ("item", "Severe liver disease"), ("heading", "Next part")]


def test_numbered_titles_are_headings_ranked_by_depth_and_numbered_sentences_items() -> None:
    text = "Intro\n\n4. Possible side effects\nText here.\n\n6.1 Clinical Trials Experience\n  1. First point.\n"
    blocks = read_text(text).annotated.blocks
    assert [(b.kind, b.rank, b.number) for b in blocks] == [
        ("heading", 2, None), ("heading", 1, "4"), ("paragraph", None, None), ("heading", 2, "6.1"),
        ("item", None, None)]


def test_title_lines_between_rows_of_one_table_label_groups() -> None:
    text = ("Other Adverse Events\nArm | Drug | Placebo\nNervous system disorders\nDizziness | 24/115 | 5/109\n"
            "Headache | 23/115 | 19/109\n")
    assert [k for k, _ in kinds(text)] == ["heading", "row", "group", "row", "row"]


def test_a_trailing_reference_marker_does_not_hide_a_lead_in() -> None:
    assert kinds("The use of ketamine is cautioned against in cases of:[74][75]\n-   Psychosis\n")[0][0] == "lead-in"


def test_sentences_split_after_references_and_joined_pdf_lines() -> None:
    text = "It wears off.[10][11] Elevated blood pressure is common. Not approved in pediatric patients.It is unknown."
    annotated = read_text(text).annotated
    assert [text[s.start:s.end] for s in annotated.sentences] == [
        "It wears off.[10][11]", "Elevated blood pressure is common.", "Not approved in pediatric patients.",
        "It is unknown."]


def test_clauses_end_at_semicolons_and_break_words_not_at_brackets() -> None:
    text = "Ketamine can cause nausea (and vomiting); however, it rarely causes seizures."
    annotated = read_text(text).annotated
    nausea = text.index("vomiting")
    assert text[slice(*annotated.clause(nausea, nausea + 8))] == "Ketamine can cause nausea (and vomiting)"


# ---------------------------------------------------------------- coordinations


@pytest.mark.parametrize(("text", "expected"), [
    ("contraindicated in severe heart or liver disease", [("severe heart", "heart-disease"),
                                                          ("liver disease", "liver-disease")]),
    ("Increased intracranial or intraocular pressure", [("Increased intracranial", "increased-intracranial-pressure"),
                                                         ("intraocular pressure", "increased-intraocular-pressure")]),
    ("illnesses including hepatic, renal, cardiovascular (including ischemic heart disease), neurologic, or "
     "hematologic disease", [("hepatic", "liver-disease"), ("renal", "kidney-disease"),
                             ("cardiovascular", "unstable-cardiovascular-disease"),
                             ("ischemic heart disease", "heart-disease")]),
])
def test_coordinations_name_the_terms_they_elide(text: str, expected: list[tuple[str, str]]) -> None:
    annotated = read_text(text).annotated
    assert [(text[m.start:m.end], m.value) for m in annotated.of("term:condition")] == expected


# ---------------------------------------------------------------- scopes


def scope_of(text: str, line: str) -> str:
    reading = read_text(text)
    block = next(b for b in reading.annotated.blocks if text[b.start:b.end] == line)
    return reading.scopes[block.index].kind


@pytest.mark.parametrize(("text", "line", "kind"), [
    ("Exclusion Criteria:\n\n* Bipolar disorder\n\nInclusion Criteria:\n* Adults\n", "Bipolar disorder", "exclusion"),
    ("4. Possible side effects\nVery common (may affect more than 1 in 10 people):\n- headache\n", "headache",
     "side-effect"),
    ("Who should not have ketamine?\nPeople with psychosis should wait.\n", "People with psychosis should wait.",
     "contraindication"),
    ("Adverse effects\n\nText.\n\nDependence and tolerance\n\nUsers develop dependence.\n",
     "Users develop dependence.", "side-effect"),
    ("It treats conditions such as:\n\n  • Double vision\n\nThese physical side effects may occur.\n", "Double vision",
     "side-effect"),
])
def test_headings_lead_ins_questions_and_later_sentences_open_scopes(text: str, line: str, kind: str) -> None:
    assert scope_of(text, line) == kind


def test_a_band_heading_gives_its_items_their_band() -> None:
    text = "Possible side effects\nCommon side effects (may affect up to 1 in 10 people):\n- dizziness\n"
    reading = read_text(text)
    assert reading.scopes[-1].band == "common"


# ---------------------------------------------------------------- stance and forms


@pytest.mark.parametrize(("text", "target", "expected"), [
    ("Ketamine may cause nausea.", "nausea", ("affirmed", "hedged")),
    ("No cases of psychosis were observed.", "psychosis", ("negated", "asserted")),
    ("It is not only effective but causes nausea.", "nausea", ("affirmed", "asserted")),
    ("Common side effects may affect up to 1 in 10 people: nausea.", "nausea", ("affirmed", "asserted")),
])
def test_polarity_and_hedging_are_read_apart(text: str, target: str, expected: tuple[str, str]) -> None:
    annotated = read_text(text).annotated
    start = text.index(target)
    said = stance(annotated, annotated.sentences[0].start, start + len(target), project_rules().settings.stance)
    assert (said.polarity, said.certainty) == expected


@pytest.mark.parametrize(("text", "form", "words"), [
    ("Ketamine infusions are given over 40 minutes.", "iv-ketamine", "Ketamine infusions"),
    ("Spravato is a nasal spray.", "esketamine-nasal", "Spravato is a nasal spray"),
    ("Sublingual ketamine lozenges are taken at home.", "oral-ketamine", "ketamine lozenges"),
    ("Escitalopram is taken daily.", "escitalopram", "Escitalopram"),
])
def test_the_drug_form_and_the_words_that_decided_it(text: str, form: str, words: str) -> None:
    reading = read_text(text)
    annotated = reading.annotated
    found = form_at(annotated, annotated.blocks[0], 0, len(text), project_rules().settings.forms,
                    dominant(annotated, project_rules().settings.forms))
    assert (found.form, text[found.start:found.end]) == (form, words)


def test_a_bare_drug_takes_the_route_the_document_names_for_it() -> None:
    text = "Ketamine infusions for depression\n\nKetamine works fast for many patients.\n"
    reading = read_text(text)
    block = reading.annotated.blocks[1]
    found = form_at(reading.annotated, block, block.start, block.end, project_rules().settings.forms,
                    reading.default_form)
    assert found.form == "iv-ketamine"


# ---------------------------------------------------------------- rule tables


def test_a_rule_table_reports_the_first_rule_that_answers() -> None:
    table: RuleTable[str] = RuleTable("demo")

    @table.rule("never", Example("x", "claims", {}))
    def _never(value: int) -> str | None:
        return None

    @table.rule("even", Example("x", "claims", {}))
    def _even(value: int) -> str | None:
        return "even" if value % 2 == 0 else None

    assert table.decide(4) == ("even", "even")
    assert table.decide(3) is None
    with pytest.raises(ValueError, match="already"):
        table.rule("even")(_even)
