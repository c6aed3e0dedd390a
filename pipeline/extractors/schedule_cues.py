"""data/cues/schedules.yaml -> the typed settings of the schedule extractor, and the names of its phrase lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CUES = "schedules"
DRUGS = "term:drug"
ROUTES = "term:route"


def cue(key: str) -> str:
    """The matcher's name of a phrase list of data/cues/schedules.yaml."""
    return f"{CUES}.{key}"


@dataclass(frozen=True)
class ScheduleCues:
    """The windows and settings of data/cues/schedules.yaml (its phrase lists are read through the matcher)."""

    count_modifier_words: int
    adverb_head_words: int
    as_needed_blocker_words: int
    as_needed_reach_words: int
    label_window_words: int
    default_label: str
    phase_connector_words: int
    max_gap_sentences: int
    length_giving_words: int
    history_units: tuple[str, ...]
    given_after_words: int
    each_reach_words: int
    count_verb_words: int
    count_blocker_words: int
    apposition_words: int
    title_lines: int
    price_window_words: int
    currency_symbols: tuple[str, ...]
    main_drugs: tuple[str, ...]
    drug_classes: Mapping[str, list[str]]
