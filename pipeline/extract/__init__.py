"""SegmentedDocument + cue lists + vocabulary -> Extraction (all tables of one document)."""

from __future__ import annotations

from typing import Any

from pipeline.extract.claims import extract_claims
from pipeline.extract.contraindications import extract_contraindications
from pipeline.extract.schedules import extract_schedules
from pipeline.extract.side_effects import extract_side_effects
from pipeline.records import Extraction, SegmentedDocument, Vocabulary

EXTRACTOR_VERSION = "1"
SHARED_CUES = ("certainty", "numbers")


def with_shared_cues(cues: dict[str, Any], name: str) -> dict[str, Any]:
    """One extractor's cue file plus the shared cue files under their own names."""
    return {**cues.get(name, {}), **{shared: cues.get(shared, {}) for shared in SHARED_CUES}}


def extract(document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary) -> Extraction:
    """Run every extractor on one document; each gets its own cue file's data."""
    return Extraction(
        claims=extract_claims(document, with_shared_cues(cues, "claims"), vocabulary),
        schedules=extract_schedules(document, with_shared_cues(cues, "schedules"), vocabulary),
        side_effects=extract_side_effects(document, with_shared_cues(cues, "side_effects"), vocabulary),
        contraindications=extract_contraindications(
            document, with_shared_cues(cues, "contraindications"), vocabulary),
    )
