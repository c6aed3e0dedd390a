"""Release descriptor + typed tables + raw texts -> a static HTML report (report/index.html and one page per
source) with counts, inline SVG charts, schedule timelines, claims with their checks and highlighted spans."""

from __future__ import annotations

from pipeline.report.site import site_files

__all__ = ["site_files"]
