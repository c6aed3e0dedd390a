"""SegmentedDocument + cues + vocabulary -> side effects records (filled in by its own issue)."""

from __future__ import annotations

from typing import Any

from pipeline.records import SegmentedDocument, SideEffect, Vocabulary


def extract_side_effects(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[SideEffect, ...]:
    """No rules yet: this table stays empty until its extractor lands."""
    return ()
