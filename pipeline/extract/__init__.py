"""SegmentedDocument + cue lists + vocabulary -> Extraction (all tables of one document)."""

from __future__ import annotations

from typing import Any

from pipeline.extract.claims import extract_claims
from pipeline.extract.contraindications import extract_contraindications
from pipeline.extract.schedules import extract_schedules
from pipeline.extract.side_effects import extract_side_effects
from pipeline.records import Extraction, SegmentedDocument, Vocabulary

EXTRACTOR_VERSION = "1"


def extract(document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary) -> Extraction:
    """Run every extractor on one document; each gets its own cue file's data."""
    return Extraction(
        claims=extract_claims(document, cues.get("claims", {}), vocabulary),
        schedules=extract_schedules(document, cues.get("schedules", {}), vocabulary),
        side_effects=extract_side_effects(document, cues.get("side_effects", {}), vocabulary),
        contraindications=extract_contraindications(
            document, cues.get("contraindications", {}), vocabulary),
    )
