"""Each checked source's drug form + its rows and text -> the reference's safety facts for that form it never mentions.

What counts as a mention is set per property in data/checks.yaml: a row of the source naming the fact's term (side
effects, contraindications), an assertion of a listed property, or one of the property's words anywhere in the
text. Words are the one thing read from the text itself: an omission is about a whole text, not about a row, and
REMS or an observation time may be named where no extractor makes a row of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.checks import words
from pipeline.checks.forms import FactIndex
from pipeline.checks.settings import OmissionTopic, Settings
from pipeline.engine.matcher import PhraseMatcher
from pipeline.reference import Fact

Row = dict[str, Any]
TERM_COLUMNS = {"side_effects": "term", "contraindications": "condition"}


def _list_name(topic: OmissionTopic) -> str:
    return f"omissions.{topic.property}"


def word_matcher(settings: Settings) -> PhraseMatcher:
    """One automaton over the words of every topic, built once per build."""
    return PhraseMatcher({_list_name(topic): {topic.property: list(topic.words)}
                          for topic in settings.omissions if topic.words})


class Mentions:
    """What each source names: terms by table, assertion properties, and the topics whose words its text has."""

    def __init__(self, tables: Mapping[str, list[Row]], texts: Mapping[str, str], sources: set[str],
                 settings: Settings):
        self.terms: dict[tuple[str, str], set[str]] = {}
        for table, column in TERM_COLUMNS.items():
            for row in tables.get(table, []):
                if row["source_id"] in sources:
                    self.terms.setdefault((table, row["source_id"]), set()).add(row[column])
        self.properties: dict[str, set[str]] = {}
        for row in tables.get("assertions", []):
            self.properties.setdefault(row["source_id"], set()).add(row["property"])
        matcher = word_matcher(settings)
        self.worded: dict[str, set[str]] = {}
        for source_id in sorted(sources):
            found = matcher.find(texts.get(source_id, ""))
            self.worded[source_id] = {name for name, mentions in found.by_list.items() if mentions}

    def names(self, source_id: str, topic: OmissionTopic, term: str | None) -> bool:
        if term is not None:
            return topic.rows is not None and term in self.terms.get((topic.rows, source_id), set())
        return bool(topic.assertions & self.properties.get(source_id, set())) or \
            _list_name(topic) in self.worded.get(source_id, set())


def _reason(topic: OmissionTopic, fact: Fact, term: str | None, scope: str, term_labels: Mapping[str, str],
            settings: Settings) -> str:
    what = f"{term_labels.get(term, term).lower()} ({topic.topic})" if term else topic.topic
    return f"never mentions {what}; {words.label_says(fact, scope, settings)}"


def omissions(source_forms: Mapping[str, str], mentions: Mentions, index: FactIndex, settings: Settings,
              term_labels: Mapping[str, str]) -> list[Row]:
    """One row per (source, safety fact, term) the source leaves out, sorted by omission_id."""
    rows = []
    for source_id, form in sorted(source_forms.items()):
        for topic in settings.omissions:
            for candidate in index.candidates(form, topic.property, "omissions"):
                fact = candidate.fact
                for term in fact.terms or (None,):
                    if mentions.names(source_id, topic, term):
                        continue
                    rows.append({
                        "omission_id": f"{source_id}:o:{fact.fact_id}" + (f":{term}" if term else ""),
                        "source_id": source_id, "drug_form": form, "fact_id": fact.fact_id,
                        "fact_drug_form": fact.drug_form, "scope": candidate.scope, "topic": topic.topic,
                        "term": term,
                        "reason": _reason(topic, fact, term, candidate.scope, term_labels, settings)})
    return sorted(rows, key=lambda row: row["omission_id"])
