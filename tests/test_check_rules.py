"""Every rule of the check tables on the example texts it was written for: each text is built as a reported source
of its own, beside the project's reference texts and facts, and its checks must hold the example's row."""

from __future__ import annotations

import hashlib
import re
import shutil
from typing import Any

import pytest
import yaml
from check_helpers import read_yaml
from conftest import PROJECT_ROOT, copy_inputs

from pipeline.build import SERIAL, Options, build
from pipeline.checks.rules import CHECK_TABLES
from pipeline.engine.rules import Example
from pipeline.load import Layout
from pipeline.schemas import load_schemas
from pipeline.validate import read_tables

Row = dict[str, Any]
EXAMPLES = [(table.name, rule.name, index, example) for table in CHECK_TABLES for rule in table
            for index, example in enumerate(rule.examples)]


def _source_id(table: str, rule: str, index: int) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"example {table.split(':')[-1]} {rule} {index}").strip("-")


@pytest.fixture(scope="module")
def example_checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    """The checks of every example source, by source id."""
    root = copy_inputs(tmp_path_factory.mktemp("check-examples"))
    data = root / "data"
    cited = {fact["citation"]["source_id"] for path in (data / "reference").glob("*.yaml")
             for fact in read_yaml(path)["facts"] if "source_id" in fact.get("citation", {})}
    entries = [e for e in read_yaml(data / "sources.yaml")["sources"] if e["source_id"] in cited]
    for raw in (data / "raw").glob("*.txt"):
        if raw.stem not in cited:
            raw.unlink()
    shutil.rmtree(data / "curation")
    texts: dict[str, str] = {}
    for table, rule, index, example in EXAMPLES:
        source_id = _source_id(table, rule, index)
        texts[source_id] = example.text
        (data / "raw" / f"{source_id}.txt").write_text(example.text, encoding="utf-8")
        entries.append({"source_id": source_id, "title": source_id, "kind": "blog", "role": "reported",
                        "language": "en", "sha256": hashlib.sha256(example.text.encode()).hexdigest()})
    (data / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    layout = Layout(root, data)
    build(layout, root / "out", Options(workers=SERIAL))
    tables, problems = read_tables(root / "out", load_schemas(root / "schemas"))
    assert problems == []
    found: dict[str, list[Row]] = {}
    for row in tables["claim_checks"]:
        found.setdefault(row["source_id"], []).append(row)
    return found


def test_every_check_rule_has_an_example_and_is_documented() -> None:
    documented = (PROJECT_ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    bare = [f"{table.name}: {rule.name}" for table in CHECK_TABLES for rule in table if not rule.examples]
    undocumented = [rule.name for table in CHECK_TABLES for rule in table if f"`{rule.name}`" not in documented]
    assert bare == [] and undocumented == []


@pytest.mark.parametrize(("table", "rule", "index", "example"), EXAMPLES,
                         ids=[f"{t}:{r}:{i}" for t, r, i, _ in EXAMPLES])
def test_check_rule_example(example_checks: dict[str, list[Row]], table: str, rule: str, index: int,
                            example: Example) -> None:
    rows = example_checks.get(_source_id(table, rule, index), [])
    matching = [row for row in rows if all(row.get(k) == v for k, v in example.row.items())]
    assert matching, f"{rule}: a check like {example.row} expected for {example.text!r}; got " + \
        str([(r["fact_id"], r["verdict"], r["rule"]) for r in rows])
    for row in matching:
        assert example.text[row["start"]:row["end"]] == row["quote"]
        assert row["reason"].startswith("says ")

