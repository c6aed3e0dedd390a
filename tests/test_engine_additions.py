"""Engine features the claims extractor needs: symbols in phrase lists, weight tables, skipped stance cues, the route
of the nearest drug, menus before content and adverts that end in a call to action."""

from __future__ import annotations

from engine_helpers import project_rules, read_text

from pipeline.engine.config import cue_lists
from pipeline.engine.forms import form_at
from pipeline.engine.matcher import PhraseMatcher
from pipeline.engine.stance import stance


def found(matcher: PhraseMatcher, list_name: str, text: str) -> list[str]:
    return [text[m.start:m.end] for m in matcher.find(text).of(list_name)]


def test_a_symbol_or_a_letter_may_touch_a_digit_but_a_word_must_stand_alone() -> None:
    matcher = PhraseMatcher({"units": {"percent": ["%"], "mg": ["mg"]}, "signs": {"$": ["$"]}})
    assert found(matcher, "units", "70% of patients, 56 mg, 56mg, mgs") == ["%", "mg", "mg"]
    assert found(matcher, "signs", "costs $450") == ["$"]


def test_a_mapping_of_weight_tables_gives_one_list_per_table() -> None:
    lists = cue_lists("claims", {"categories": {"onset": {"within hours": 3, "rapid": 2}}, "weights": {"a": 1}})
    assert lists == {"claims.categories.onset": {"within hours": ["within hours"], "rapid": ["rapid"]}}


def test_stance_leaves_out_cues_in_skipped_spans() -> None:
    text = "Those who have not found relief may be candidates.\n"
    annotated = read_text(text).annotated
    cues = project_rules().settings.stance
    assert stance(annotated, 0, len(text) - 1, cues).polarity == "negated"
    relative = (text.index("who"), text.index(" may"))
    said = stance(annotated, 0, len(text) - 1, cues, skip_negations=(relative,))
    assert (said.polarity, said.certainty) == ("affirmed", "hedged")


def test_contracted_negations_are_found() -> None:
    text = "Infusions of ketamine aren’t approved to treat depression.\n"
    annotated = read_text(text).annotated
    assert stance(annotated, 0, len(text) - 1, project_rules().settings.stance).polarity == "negated"


def test_a_route_goes_with_the_drug_nearest_to_it_and_two_routes_name_no_form() -> None:
    rules = project_rules()
    text = "The only approved use of ketamine is through esketamine, a nasal spray.\n"
    reading = read_text(text)
    block = reading.annotated.blocks[0]
    form = form_at(reading.annotated, block, 0, len(text) - 1, rules.settings.forms, None, frozenset({"ketamine"}))
    assert form is not None and form.form == "ketamine"
    text = "Ketamine is delivered by either a nasal spray or IV infusion.\n"
    reading = read_text(text)
    form = form_at(reading.annotated, reading.annotated.blocks[0], 0, len(text) - 1, rules.settings.forms, None)
    assert form is not None and form.form == "ketamine"


def test_a_menu_at_the_top_starts_no_end_matter() -> None:
    text = ("Home\nAbout Us\nTreatments\nContact Us\n\nKetamine Questions\n\n"
            "Each infusion lasts about forty minutes in our clinic.\n\nRelated Posts\n\nOther things we wrote\n")
    annotated = read_text(text).annotated
    marks = {text[b.start:b.end]: b.marks for b in annotated.blocks}
    assert marks["Each infusion lasts about forty minutes in our clinic."] == ()
    assert "end-matter" in marks["Related Posts"]


def test_a_call_to_action_heading_after_an_advert_continues_it() -> None:
    text = ("Ketamine works fast.\n\nSpring Vouchers For Ketamine\n\nUse this voucher for $100 off your infusion.\n\n"
            "Find relief today at\n\nOur clinic says ketamine relieves pain.\n")
    annotated = read_text(text).annotated
    marks = {text[b.start:b.end]: b.marks for b in annotated.blocks}
    assert "advert" in marks["Our clinic says ketamine relieves pain."]
    assert marks["Ketamine works fast."] == ()
