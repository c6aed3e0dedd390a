"""Cue files + vocabulary -> the compiled Engine (one phrase matcher, one number grammar) and typed cue settings."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pipeline.engine.annotate import Engine
from pipeline.engine.layout import LayoutCues
from pipeline.engine.matcher import PhraseMatcher
from pipeline.engine.numbers import NumberCues, NumberGrammar
from pipeline.records import Vocabulary

# Keys of the segmentation file that configure the layout rather than name phrases to find.
LAYOUT_KEYS = ("abbreviations", "list_markers")
Typed = TypeVar("Typed")


def _is_phrases(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _is_weights(value: Any) -> bool:
    """A weight table: phrase -> number (its phrases are a list; the weights are read from the typed settings)."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(w, (int, float)) and not isinstance(w, bool) for w in value.values())


def cue_lists(name: str, data: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """One cue file -> its phrase lists: `file.key` for a list (each phrase stands for itself) and for a
    mapping of lists (each phrase stands for its sub-key, e.g. a context or a band); `file.key.sub` for each
    weight table (phrase -> number) of a mapping of weight tables, each phrase standing for itself so that its
    weight can be looked up by `Mention.value` (a lone weight table is a setting, not a phrase list)."""
    lists: dict[str, dict[str, list[str]]] = {}
    for key, value in data.items():
        if name == "segmentation" and key in LAYOUT_KEYS:
            continue
        if _is_phrases(value):
            lists[f"{name}.{key}"] = {phrase: [phrase] for phrase in value}
        elif isinstance(value, dict) and value and all(_is_phrases(v) for v in value.values()):
            lists[f"{name}.{key}"] = {sub: list(phrases) for sub, phrases in value.items()}
        elif isinstance(value, dict) and value and all(_is_weights(v) for v in value.values()):
            lists.update({f"{name}.{key}.{sub}": {phrase: [phrase] for phrase in table}
                          for sub, table in value.items()})
    return lists


_ENDS_S = re.compile(r"(?:s|x|z|ch|sh)$")
_ENDS_CONSONANT_Y = re.compile(r"[^aeiou]y$")


def _plural(phrase: str) -> str | None:
    last = phrase.rsplit(" ", 1)[-1]
    if not last.isalpha() or len(last) < 3 or last.endswith("ing"):
        return None
    if _ENDS_CONSONANT_Y.search(last):
        return phrase[:-1] + "ies"
    if last.endswith("s"):
        return None
    return phrase + ("es" if _ENDS_S.search(last) else "s")


def spelling_forms(phrase: str, variants: tuple[tuple[str, str], ...]) -> set[str]:
    """A synonym -> itself, its other spellings and their regular plurals."""
    forms = {phrase}
    lowered = phrase.lower()
    for american, british in variants:
        if american in lowered:
            forms.add(lowered.replace(american, british))
        if british in lowered:
            forms.add(lowered.replace(british, american))
    forms |= {plural for form in list(forms) if (plural := _plural(form.lower()))}
    return forms


def vocabulary_lists(vocabulary: Vocabulary, variants: tuple[tuple[str, str], ...]) -> dict[str, dict[str, list[str]]]:
    """Terms -> one list per kind (`term:side-effect`, `term:condition`, ...) of every form of every synonym."""
    lists: dict[str, dict[str, list[str]]] = {}
    for term in vocabulary.terms.values():
        forms: set[str] = set()
        for synonym in (term.label, *term.synonyms):
            forms |= spelling_forms(synonym, variants)
        lists.setdefault(f"term:{term.kind}", {})[term.term_id] = sorted(forms)
    return lists


def typed(cls: type[Typed], data: Mapping[str, Any]) -> Typed:
    """A cue file (already checked by its JSON Schema) -> the typed settings its extractor reads."""
    values = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = data[field.name]
        values[field.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def build_engine(cues: Mapping[str, Mapping[str, Any]], segmentation: Mapping[str, Any],
                 vocabulary: Vocabulary) -> Engine:
    """Every cue file, the segmentation cues and the vocabulary -> the Engine shared by all documents."""
    lists: dict[str, dict[str, list[str]]] = {}
    for name, data in cues.items():
        lists.update(cue_lists(name, data))
    lists.update(cue_lists("segmentation", segmentation))
    variants = tuple(tuple(pair) for pair in cues["spelling"]["variants"])
    lists.update(vocabulary_lists(vocabulary, variants))  # type: ignore[arg-type]
    numbers = cues["numbers"]
    number_cues = NumberCues(
        units=numbers["units"], tens=numbers["tens"], scales=numbers["scales"], fractions=numbers["fractions"],
        times=numbers["times"], ordinals=numbers["ordinals"], range_connectors=tuple(numbers["range_connectors"]),
        multiplier_signs=tuple(numbers["multiplier_signs"]))
    return Engine(
        matcher=PhraseMatcher(lists), numbers=NumberGrammar(number_cues),
        layout=LayoutCues(bullets=tuple(segmentation["list_markers"])),
        abbreviations=frozenset(a.lower().rstrip(".") for a in segmentation["abbreviations"]))
