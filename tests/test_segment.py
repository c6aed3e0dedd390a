"""Layout and boilerplate as the engine reads a page (blocks, kinds, marks, sentences), and the `segments` and
`show` commands that list them for people writing rules."""

from __future__ import annotations

from pathlib import Path

from conftest import PROJECT_ROOT
from engine_helpers import read_text

from pipeline.engine.boilerplate import call_to_action

ARTICLE = """Esketamine Nasal Spray Explained

Dr. Smith says esketamine works within hours. It is given at a clinic, e.g. twice a week.

Possible side effects include:

  • Dizziness
  2. Raised blood pressure

Does insurance pay for it?

Call us today to book a visit. Insurance rarely covers it.

nasal spray photo

Also Check: Ten Myths About Depression

Weekend Offer

Get a voucher worth $50 off your first session.
Sessions run 40 minutes.

Next Steps For Patients

Treatment is supervised.

Related Posts

Another Article Title

A teaser for that article that stops mid-sentence…
"""


def kinds_and_marks(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(text[b.start:b.end], b.kind, b.marks) for b in read_text(text).annotated.blocks]


def content_sentences(text: str) -> list[str]:
    """Sentences of blocks without a boilerplate mark that do not call the reader to act."""
    annotated = read_text(text).annotated
    return [text[s.start:s.end] for s in annotated.sentences
            if not annotated.block_of(s).marks and not call_to_action(text, annotated.mentions, s.start, s.end)]


def test_blocks_kinds_and_marks() -> None:
    assert kinds_and_marks(ARTICLE) == [
        ("Esketamine Nasal Spray Explained", "heading", ()),
        ("Dr. Smith says esketamine works within hours. It is given at a clinic, e.g. twice a week.", "paragraph", ()),
        ("Possible side effects include:", "lead-in", ()),
        ("Dizziness", "item", ()),
        ("Raised blood pressure", "item", ()),
        ("Does insurance pay for it?", "question", ()),
        ("Call us today to book a visit. Insurance rarely covers it.", "paragraph", ()),
        ("nasal spray photo", "heading", ("caption",)),
        ("Also Check: Ten Myths About Depression", "field", ("teaser",)),
        ("Weekend Offer", "heading", ("advert",)),
        ("Get a voucher worth $50 off your first session.", "paragraph", ("advert",)),
        ("Sessions run 40 minutes.", "paragraph", ("advert",)),
        ("Next Steps For Patients", "heading", ()),
        ("Treatment is supervised.", "paragraph", ()),
        ("Related Posts", "heading", ("end-matter",)),
        ("Another Article Title", "heading", ("end-matter",)),
        ("A teaser for that article that stops mid-sentence…", "paragraph", ("teaser", "end-matter")),
    ]


def test_offsets_are_exact_and_trimmed() -> None:
    annotated = read_text(ARTICLE).annotated
    for item in (*annotated.blocks, *annotated.sentences):
        piece = ARTICLE[item.start:item.end]
        assert piece == piece.strip() and piece


def test_sentences_respect_abbreviations_and_calls_to_action_are_found() -> None:
    annotated = read_text(ARTICLE).annotated
    sentences = [(ARTICLE[s.start:s.end], call_to_action(ARTICLE, annotated.mentions, s.start, s.end))
                 for s in annotated.sentences if s.block in (1, 6)]
    assert sentences == [
        ("Dr. Smith says esketamine works within hours.", False),
        ("It is given at a clinic, e.g. twice a week.", False),
        ("Call us today to book a visit.", True),
        ("Insurance rarely covers it.", False),
    ]


def test_content_sentences_skip_boilerplate() -> None:
    content = content_sentences(ARTICLE)
    assert "Sessions run 40 minutes." not in content
    assert "Call us today to book a visit." not in content
    assert "Treatment is supervised." in content
    assert not any("teaser" in s for s in content)


def test_numbered_cells_of_a_flattened_table_lose_their_markers() -> None:
    text = "Safety Guidelines\n1. Staff are trained. 1. The drug is approved.\n2. Rooms are monitored. 2. Rules apply.\n"
    annotated = read_text(text).annotated
    assert [text[s.start:s.end] for s in annotated.sentences][1:] == [
        "Staff are trained.", "The drug is approved.", "Rooms are monitored.", "Rules apply."]


def test_a_menu_at_the_top_does_not_start_end_matter() -> None:
    text = ("Home\nAbout Us\nTreatments\nContact Us\n\nKetamine Questions\n\n"
            "How long does a session take? Each infusion lasts about forty minutes in our clinic.\n\n"
            "Related Posts\n\nOther things we wrote\n")
    marks = {quote: found for quote, _, found in kinds_and_marks(text)}
    assert marks["Home"] == ("navigation",) and marks["Contact Us"] == ("navigation",)
    assert marks["How long does a session take? Each infusion lasts about forty minutes in our clinic."] == ()
    assert marks["Related Posts"] == ("end-matter",)


def test_mastheads_revision_notes_and_numbered_section_titles() -> None:
    text = ("The Lakeside Courier | March 14, 2024\n\n"
            "1. What this medicine is\n\n"
            "It is a nasal spray used for depression in adults who tried two other medicines.\n\n"
            "This leaflet was last revised on 12 June 2023.\n")
    assert [(quote, marks) for quote, _, marks in kinds_and_marks(text)] == [
        ("The Lakeside Courier | March 14, 2024", ("dateline",)),
        ("What this medicine is", ()),
        ("It is a nasal spray used for depression in adults who tried two other medicines.", ()),
        ("This leaflet was last revised on 12 June 2023.", ("metadata",)),
    ]
    assert kinds_and_marks(text)[1][1] == "heading"


def test_reference_lists_counted_comments_and_newsletter_boxes_are_boilerplate() -> None:
    text = ("A Note On Infusions\n\nInfusions take about forty minutes and are given at a clinic.\n\n"
            "Further reading:\n1. Smith AB, et al. Infusions in practice. Lancet. 2021.\n\n"
            "12 Comments\n\nGreat post, it helped me a lot.\n\n"
            "Join the weekly newsletter\nFresh research digests, every Friday.\n")
    annotated = read_text(text).annotated
    kept = [text[s.start:s.end] for s in annotated.sentences
            if not annotated.block_of(s).marks and annotated.block_of(s).kind not in ("heading", "lead-in")]
    assert kept == ["Infusions take about forty minutes and are given at a clinic."]


def test_reference_shaped_lines_are_marked_without_a_heading() -> None:
    text = "Infusions are given at a clinic.\n\n- Jones K, et al. Rapid relief. Nature. 2020.\n"
    marks = [marks for _, _, marks in kinds_and_marks(text)]
    assert "reference" in marks[1] and not marks[0]


def test_a_sources_heading_before_any_content_starts_no_end_matter() -> None:
    text = "Sources:\n\nInfusions are given at a clinic.\n"
    assert content_sentences(text) == ["Sources:", "Infusions are given at a clinic."]


def test_segments_command_lists_blocks_with_offsets(invoke) -> None:
    result = invoke("--project", PROJECT_ROOT, "segments", "ketamine-and-lexapro")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    assert first.split()[:4] == ["B0", "0-66", "heading", "-"]
    assert any("end-matter" in line and "Related Coverage" in line for line in result.stdout.splitlines())


def test_segments_command_json_lines(invoke) -> None:
    import json

    result = invoke("--project", PROJECT_ROOT, "segments", "how-ketamine-therapy-works", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    text = (PROJECT_ROOT / "data" / "raw" / "how-ketamine-therapy-works.txt").read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] == r["text"] for r in records)
    assert {"type": "block", "kind": "item", "text": "Blurry vision"}.items() <= next(
        r for r in records if r["text"] == "Blurry vision").items()


def test_segments_of_an_unknown_source(invoke, tmp_path: Path) -> None:
    result = invoke("--project", PROJECT_ROOT, "segments", "no-such-text")
    assert result.exit_code == 1
    assert result.stderr.startswith("[unknown-source] no source 'no-such-text'; known: combining-ketamine-psychotropics")


def test_show_lists_rows_of_one_source_by_table(built_package: Path, invoke) -> None:
    result = invoke("--project", PROJECT_ROOT, "show", "ketamine-and-lexapro", "--package", built_package)
    assert result.exit_code == 0
    headings = [line.split(" (")[0] for line in result.stdout.splitlines() if line.startswith("== ")]
    assert headings == ["== claims", "== quantities", "== assertions", "== claim_repeats", "== schedules",
                        "== schedule_phases", "== side_effects", "== contraindications", "== checks",
                        "== omissions"]
    unknown = invoke("--project", PROJECT_ROOT, "show", "no-such-text", "--package", built_package)
    assert unknown.exit_code == 1
    assert "[unknown-source] no source 'no-such-text'" in unknown.stderr
