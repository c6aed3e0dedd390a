"""SegmentedDocument + cues + vocabulary -> claims records (filled in by its own issue)."""

from __future__ import annotations

from typing import Any

from pipeline.records import Claim, SegmentedDocument, Vocabulary


def extract_claims(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Claim, ...]:
    """No rules yet: this table stays empty until its extractor lands."""
    return ()
