"""Named rules in ordered tables: a decision is the first rule that answers, never a long if/elif chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Example:
    """A text a rule was written for and what the extractor must (or must not) make of it.

    `table` and `row` name a row the build of `text` must hold (only the given fields are compared);
    with `absent=True` no such row may be built."""

    text: str
    table: str
    row: dict[str, Any]
    absent: bool = False


@dataclass(frozen=True)
class Rule(Generic[Answer]):
    """One named decision: returns an answer, or None to let the next rule decide."""

    name: str
    decide: Callable[..., Answer | None]
    examples: tuple[Example, ...]
    # what must stand where the rule is asked for it to answer (one of these keys), when its table's caller says
    starts: frozenset[str] | None = None


class RuleTable(Generic[Answer]):
    """Rules registered in order; `decide` asks each in turn and reports which one answered."""

    def __init__(self, name: str):
        self.name = name
        self._rules: list[Rule[Answer]] = []

    def rule(self, name: str, *examples: Example, starts: tuple[str, ...] | None = None
             ) -> Callable[[Callable[..., Answer | None]], Callable[..., Answer | None]]:
        """Decorator: append a function to the table under a name, with the examples it was written for, and the
        keys one of which must be present for it to answer (see `answers`)."""
        def register(function: Callable[..., Answer | None]) -> Callable[..., Answer | None]:
            if any(existing.name == name for existing in self._rules):
                raise ValueError(f"rule {name!r} is already in table {self.name!r}")
            self._rules.append(Rule(name, function, tuple(examples), frozenset(starts) if starts else None))
            return function
        return register

    def decide(self, *args: Any) -> tuple[str, Answer] | None:
        """(name of the first rule that answers, its answer), or None when no rule does."""
        for rule in self._rules:
            answer = rule.decide(*args)
            if answer is not None:
                return rule.name, answer
        return None

    def answers(self, *args: Any, present: Set[str] | None = None) -> list[tuple[str, Answer]]:
        """(name, answer) of every rule that answers, in order: for a grammar that weighs all its candidates.

        Given the keys `present`, a rule whose `starts` names none of them is not asked: it could not answer."""
        found = []
        for rule in self._rules:
            if present is not None and rule.starts is not None and rule.starts.isdisjoint(present):
                continue
            answer = rule.decide(*args)
            if answer is not None:
                found.append((rule.name, answer))
        return found

    def __iter__(self) -> Iterator[Rule[Answer]]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def all_tables() -> list[RuleTable[Any]]:
    """Every rule table of the extractors (imported here so one test can run all their examples)."""
    from pipeline.engine import registry

    return registry.tables()
