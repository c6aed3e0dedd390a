"""Extractions + reviewed curation entries -> corrected extractions."""

from __future__ import annotations

from pipeline.load import CurationEntry
from pipeline.problems import PipelineError, Problem
from pipeline.records import Extraction


def curate(extractions: dict[str, Extraction], texts: dict[str, str],
           entries: tuple[CurationEntry, ...]) -> dict[str, Extraction]:
    """Apply curation entries; any entry is refused until curation is supported."""
    if entries:
        raise PipelineError([Problem("curation-unsupported", "curation entries are not applied yet",
                                     path=e.path, line=e.line) for e in entries])
    return extractions
