"""SegmentedDocument + cues + vocabulary -> contraindications records (filled in by its own issue)."""

from __future__ import annotations

from typing import Any

from pipeline.records import Contraindication, SegmentedDocument, Vocabulary


def extract_contraindications(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Contraindication, ...]:
    """No rules yet: this table stays empty until its extractor lands."""
    return ()
