"""The timing grammar asks at a token only the rules whose `starts` stand there: no other rule could answer."""

from __future__ import annotations

from engine_helpers import project_rules, read_text

from pipeline.extractors.schedule_reading import GRAMMAR, RULE_STARTS, keys_at
from pipeline.extractors.schedule_tokens import stream

EXAMPLE_TEXTS = sorted({example.text for table in GRAMMAR for rule in table for example in rule.examples})


def test_every_timing_rule_names_what_it_starts_with() -> None:
    assert [rule.name for table in GRAMMAR for rule in table if not rule.starts] == []


def test_a_rule_never_answers_where_its_start_is_missing() -> None:
    cues = project_rules().settings.schedules
    wrong = []
    for text in EXAMPLE_TEXTS:
        annotated = read_text(text).annotated
        for sentence in annotated.sentences:
            s = stream(annotated, sentence.start, sentence.end)
            starting = s.starting(RULE_STARTS)
            for i in range(len(s)):
                present = keys_at(s, starting, i)
                wrong += [(text, i, rule.name) for table in GRAMMAR for rule in table
                          if rule.starts is not None and rule.starts.isdisjoint(present)
                          and rule.decide(s, i, cues) is not None]
    assert wrong == []
