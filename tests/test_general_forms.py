"""No cue or synonym of five or more words may quote a single text unless it is justified as a general form."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import PROJECT_ROOT

from pipeline.engine.config import cue_lists
from pipeline.engine.normal import normalise_phrase, normalise_text

MIN_WORDS = 5


def _texts() -> dict[Path, str]:
    paths = [*(PROJECT_ROOT / "data" / "raw").glob("*.txt"), *(PROJECT_ROOT / "tests").rglob("*.txt")]
    return {path: normalise_text(path.read_text(encoding="utf-8")).text for path in paths}


def _long_phrases() -> dict[str, str]:
    """Every cue phrase and synonym of five or more words -> where it is defined."""
    phrases: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "data" / "cues").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for list_name, values in cue_lists(path.stem, data).items():
            for phrase in (p for ps in values.values() for p in ps):
                phrases.setdefault(normalise_phrase(phrase), list_name)
    for path in sorted((PROJECT_ROOT / "data" / "vocab").glob("*.yaml")):
        for term in yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]:
            for phrase in (term["label"], *term["synonyms"]):
                phrases.setdefault(normalise_phrase(phrase), f"term {term['id']}")
    return {p: where for p, where in phrases.items() if len(p.split()) >= MIN_WORDS}


def test_long_cues_quoting_one_text_are_justified_general_forms() -> None:
    justified = {normalise_phrase(entry["phrase"]) for entry in yaml.safe_load(
        (PROJECT_ROOT / "data" / "cues" / "general_forms.yaml").read_text(encoding="utf-8"))["general_forms"]}
    texts = _texts()
    single = []
    for phrase, where in sorted(_long_phrases().items()):
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
        found = [path for path, text in texts.items() if pattern.search(text)]
        if len(found) == 1 and phrase not in justified:
            single.append(f"{phrase!r} ({where}) occurs only in {found[0].relative_to(PROJECT_ROOT)}")
    assert single == [], "justify each in data/cues/general_forms.yaml or remove it:\n" + "\n".join(single)


def test_every_justified_form_is_still_a_cue_or_synonym() -> None:
    phrases = _long_phrases()
    entries = yaml.safe_load((PROJECT_ROOT / "data" / "cues" / "general_forms.yaml").read_text(encoding="utf-8"))
    stale = [e["phrase"] for e in entries["general_forms"] if normalise_phrase(e["phrase"]) not in phrases]
    assert stale == []
