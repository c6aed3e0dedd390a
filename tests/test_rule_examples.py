"""Every rule of every rule table, run on the example texts it was written for."""

from __future__ import annotations

from typing import Any

import pytest
from engine_helpers import extract_text

from pipeline.engine.registry import tables
from pipeline.engine.rules import Example
from pipeline.records import Extraction
from pipeline.tables import BY_NAME

EXAMPLES = [(table.name, rule.name, example) for table in tables() for rule in table for example in rule.examples]


def _records(extraction: Extraction, table: str) -> list[Any]:
    """The records of a table: a top-level field of the extraction, or held by its parent's records."""
    entry = BY_NAME[table]
    if entry.parent is None:
        return list(getattr(extraction, table))
    return [child for parent in _records(extraction, entry.parent) for child in getattr(parent, entry.nested)]


def _rows(example: Example) -> list[dict[str, Any]]:
    return [vars(record) for record in _records(extract_text(example.text), example.table)]


def test_every_rule_has_an_example() -> None:
    bare = [f"{table.name}: {rule.name}" for table in tables() for rule in table if not rule.examples]
    assert bare == []


@pytest.mark.parametrize(("table", "rule", "example"), EXAMPLES, ids=[f"{t}:{r}:{i}" for i, (t, r, _) in
                                                                      enumerate(EXAMPLES)])
def test_rule_example(table: str, rule: str, example: Example) -> None:
    rows = _rows(example)
    matching = [row for row in rows if all(row.get(k) == v for k, v in example.row.items())]
    if example.absent:
        assert not matching, f"{rule}: no {example.table} row like {example.row} expected; got {matching}"
    else:
        assert matching, f"{rule}: a {example.table} row like {example.row} expected; got {rows}"
