"""All rule tables of the extractors, for the one test that runs every rule's examples."""

from __future__ import annotations

from typing import Any

from pipeline.engine.rules import RuleTable


def tables() -> tuple[RuleTable[Any], ...]:
    from pipeline.extractors import RULE_TABLES

    return RULE_TABLES
