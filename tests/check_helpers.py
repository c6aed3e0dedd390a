"""The project's reference facts and the folder of hand annotations, for the tests of pipeline/checks."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from conftest import PROJECT_ROOT

from pipeline.build import load_cues
from pipeline.checks import Reference, load_reference
from pipeline.load import Layout, load_inputs
from pipeline.schemas import load_schemas
from pipeline.tables import RESOURCES

Row = dict[str, Any]
CHECKS_DIR = PROJECT_ROOT / "tests" / "checks"
HAS_ASSERTIONS = "assertions" in RESOURCES


def reference_of(layout: Layout) -> Reference:
    schemas = load_schemas(layout.schema_dir)
    inputs = load_inputs(layout, schemas)
    return load_reference(layout, schemas, inputs.documents, load_cues(layout, schemas), inputs.vocabulary)


@cache
def project_reference() -> Reference:
    return reference_of(Layout(PROJECT_ROOT, PROJECT_ROOT / "data"))


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
