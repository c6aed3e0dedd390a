"""The property taxonomy: loaded and checked in every build; assertion rows must use its properties, categories
and units."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import PROJECT_ROOT

from pipeline.io import read_yaml
from pipeline.taxonomy import USED, taxonomy_of, taxonomy_problems


def taxonomy():
    data, _ = read_yaml(PROJECT_ROOT / "data" / "taxonomy" / "properties.yaml")
    return taxonomy_of(data)


def test_the_taxonomy_holds_every_property_and_category_the_rules_use() -> None:
    properties = taxonomy().properties
    for name, categories in USED.items():
        assert name in properties and set(categories) <= set(properties[name].categories)


def test_assertion_rows_outside_the_taxonomy_are_problems() -> None:
    rows = [{"property": "response-rate", "value": None, "unit": "percent"},
            {"property": "response-rate", "value": None, "unit": "h"},
            {"property": "insurance-coverage", "value": "maybe", "unit": None},
            {"property": "happiness", "value": None, "unit": None}]
    problems = taxonomy_problems({"assertions": rows}, taxonomy())
    assert [p.row for p in problems] == [2, 3, 4]


def test_a_build_stops_when_the_taxonomy_lacks_a_property_the_rules_use(project: Path, invoke) -> None:
    path = project / "data" / "taxonomy" / "properties.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["properties"]["onset-time"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = invoke("--project", project, "build", "--output", project / "out")
    assert result.exit_code == 1
    assert "[taxonomy-property] the assertion rules use property 'onset-time'" in result.stderr
