"""Checked statements of the sources x the facts they are set beside -> rows of claim_checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pipeline.checks.forms import Candidate, FactIndex
from pipeline.checks.rules import CATEGORIES, CONTRAINDICATIONS, NUMBERS, PHASES, SIDE_EFFECTS, Finding, Pair
from pipeline.checks.schedules import align
from pipeline.checks.settings import Settings
from pipeline.checks.statements import Corpus, Statement
from pipeline.engine.rules import RuleTable

Row = dict[str, Any]


def _row(pair: Pair, rule: str, finding: Finding) -> Row:
    statement, fact = pair.statement, pair.fact
    return {
        "check_id": f"{statement.row_id}:{fact.fact_id}", "source_id": statement.source_id,
        "statement_table": statement.table, "statement_id": statement.row_id, "claim_id": statement.claim_id,
        "assertion_id": statement.row_id if statement.table == "assertions" else None,
        "start": statement.start, "end": statement.end, "quote": statement.quote, "drug_form": statement.drug_form,
        "fact_id": fact.fact_id, "fact_drug_form": fact.drug_form, "scope": pair.scope, "verdict": finding.verdict,
        "rule": rule, "reason": finding.reason}


def _decided(table: RuleTable[Finding], pair: Pair, *extra: Any) -> Iterator[Row]:
    decided = table.decide(pair, *extra)
    if decided is not None:
        yield _row(pair, *decided)


class Checker:
    """Sets each kind of statement beside the facts its form and property call for."""

    def __init__(self, index: FactIndex, settings: Settings, term_labels: Mapping[str, str]):
        self.index, self.settings, self.term_labels = index, settings, term_labels

    def _pair(self, statement: Statement, candidate: Candidate) -> Pair:
        return Pair(statement, candidate, self.settings, self.term_labels)

    def assertion(self, statement: Statement) -> Iterator[Row]:
        prop = statement.row["property"]
        if prop in self.settings.categories:
            table, facts = CATEGORIES, self.settings.categories[prop].facts
            if statement.row.get("value") is None:
                return
        elif prop in self.settings.numbers:
            table, facts = NUMBERS, prop
        else:
            return
        for candidate in self.index.candidates(statement.drug_form, facts, "assertions",
                                               statement.row.get("population")):
            yield from _decided(table, self._pair(statement, candidate))

    def side_effect(self, statement: Statement) -> Iterator[Row]:
        settings = self.settings.side_effects
        if statement.row["context"] not in settings.contexts:
            return
        for prop in settings.facts:
            for candidate in self.index.candidates(statement.drug_form, prop, "side_effects"):
                if statement.row["term"] in candidate.fact.terms:
                    yield from _decided(SIDE_EFFECTS, self._pair(statement, candidate))

    def contraindication(self, statement: Statement) -> Iterator[Row]:
        if statement.row["kind"] not in self.settings.contraindication_kinds:
            return
        for candidate in self.index.candidates(statement.drug_form, self.settings.contraindication_facts,
                                               "contraindications"):
            yield from _decided(CONTRAINDICATIONS, self._pair(statement, candidate))

    def schedule(self, phases: list[Statement]) -> Iterator[Row]:
        if not phases:
            return
        candidates = self.index.candidates(phases[0].drug_form, self.settings.schedule_facts, "schedule_phases")
        for aligned in align(phases, candidates, self.settings):
            yield from _decided(PHASES, self._pair(aligned.statement, aligned.candidate), aligned)


def claim_checks(corpus: Corpus, checker: Checker) -> list[Row]:
    """Every comparison of a checked statement with a fact, sorted by check_id."""
    rows: list[Row] = []
    for statement in corpus.assertions():
        rows.extend(checker.assertion(statement))
    for statement in corpus.side_effects():
        rows.extend(checker.side_effect(statement))
    for statement in corpus.contraindications():
        rows.extend(checker.contraindication(statement))
    for _, phases in corpus.schedules():
        rows.extend(checker.schedule(phases))
    return sorted(rows, key=lambda row: row["check_id"])
