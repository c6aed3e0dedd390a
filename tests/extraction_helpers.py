"""Texts -> segmented documents and extractor cues, as the build would prepare them (for extractor tests)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.load import Layout, load_vocabulary
from pipeline.records import Document, SegmentedDocument, Source, Vocabulary
from pipeline.schemas import load_schemas
from pipeline.segment import segment

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "side_effects"


def _yaml(relative: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


@cache
def vocabulary() -> Vocabulary:
    return load_vocabulary(Layout(ROOT, ROOT / "data"), load_schemas(ROOT / "schemas"))


@cache
def extractor_cues(name: str) -> dict[str, Any]:
    """data/cues/<name>.yaml with the shared certainty cues, as pipeline.extract hands them over."""
    return {**_yaml(f"data/cues/{name}.yaml"), "certainty": _yaml("data/cues/certainty.yaml")}


def segmented(text: str, source_id: str = "fixture") -> SegmentedDocument:
    source = Source(source_id=source_id, title=source_id, publisher=None, url=None, kind="other",
                    published=None, retrieved=None, language="en", path=f"data/raw/{source_id}.txt",
                    sha256=hashlib.sha256(text.encode()).hexdigest(), characters=len(text))
    return segment(Document(source=source, text=text), _yaml("data/segmentation.yaml"))


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
