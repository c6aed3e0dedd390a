"""Extractors that still read the older segmentation (claims, schedules) while they move to the engine."""
