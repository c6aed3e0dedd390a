"""Engine: multiplier numbers ("2x", "3 ×") and rule tables that report every rule's answer."""

from __future__ import annotations

from engine_helpers import read_text

from pipeline.engine.rules import Example, RuleTable


def _numbers(text: str) -> list[tuple[str, float, str]]:
    annotated = read_text(text).annotated
    return [(text[n.start:n.end], n.low, n.kind) for n in annotated.numbers]


def test_a_digit_with_a_multiplier_sign_is_a_number_of_times() -> None:
    assert _numbers("Given 2x per week, or 3 × weekly.") == [("2x", 2.0, "times"), ("3 ×", 3.0, "times")]


def test_a_multiplier_sign_glued_to_a_word_is_no_number() -> None:
    assert _numbers("The 2xl size and the x-ray; 12 doses.") == [("12", 12.0, "digits")]


def test_answers_lists_every_rule_that_answers_in_order() -> None:
    table: RuleTable[str] = RuleTable("demo")

    @table.rule("even", Example("2", "claims", {}))
    def _even(n: int) -> str | None:
        return "even" if n % 2 == 0 else None

    @table.rule("small", Example("2", "claims", {}))
    def _small(n: int) -> str | None:
        return "small" if n < 10 else None

    assert table.answers(4) == [("even", "even"), ("small", "small")]
    assert table.answers(3) == [("small", "small")]
    assert table.answers(11) == []
    assert table.decide(4) == ("even", "even")


def test_answers_skips_the_rules_whose_start_is_not_present() -> None:
    table: RuleTable[str] = RuleTable("demo")

    @table.rule("any", Example("2", "claims", {}), starts=("digit",))
    def _any(n: int) -> str | None:
        return "any"

    @table.rule("always", Example("2", "claims", {}))
    def _always(n: int) -> str | None:
        return "always"

    assert table.answers(2, present={"digit"}) == [("any", "any"), ("always", "always")]
    assert table.answers(2, present={"word"}) == [("always", "always")]
    assert table.answers(2) == [("any", "any"), ("always", "always")]
