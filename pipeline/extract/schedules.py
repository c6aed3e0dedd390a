"""SegmentedDocument + cues + vocabulary -> schedules records (filled in by its own issue)."""

from __future__ import annotations

from typing import Any

from pipeline.records import Schedule, SegmentedDocument, Vocabulary


def extract_schedules(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Schedule, ...]:
    """No rules yet: this table stays empty until its extractor lands."""
    return ()
