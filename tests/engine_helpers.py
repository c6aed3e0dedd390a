"""Texts -> what the build extracts from them with the project's own rules (for extractor and rule tests)."""

from __future__ import annotations

import hashlib
from functools import cache

from conftest import PROJECT_ROOT

from pipeline.build import load_cues
from pipeline.extractors import Rules, compile_rules, extract_document, read
from pipeline.load import Layout, load_validated_yaml, load_vocabulary
from pipeline.records import Document, Extraction, Source
from pipeline.schemas import load_schemas


@cache
def project_rules() -> Rules:
    """The project's cues, segmentation and vocabulary, compiled once per test session."""
    layout = Layout(PROJECT_ROOT, PROJECT_ROOT / "data")
    schemas = load_schemas(layout.schema_dir)
    segmentation, _ = load_validated_yaml(layout.config_dir / "segmentation.yaml", "segmentation", schemas, layout)
    return compile_rules(load_cues(layout, schemas), segmentation, load_vocabulary(layout, schemas))


def document(text: str, source_id: str = "example") -> Document:
    source = Source(source_id=source_id, title=source_id, publisher=None, url=None, kind="other", published=None,
                    retrieved=None, language="en", path=f"data/raw/{source_id}.txt",
                    sha256=hashlib.sha256(text.encode()).hexdigest(), characters=len(text))
    return Document(source=source, text=text)


def extract_text(text: str) -> Extraction:
    """Everything the build would extract from a text."""
    return extract_document(document(text), project_rules())


def read_text(text: str):
    """A text's annotation layer and block scopes, as the extractors see them."""
    return read(text, project_rules())
