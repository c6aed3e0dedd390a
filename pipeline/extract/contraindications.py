"""SegmentedDocument + contraindication cues + vocabulary -> Contraindication records (condition, kind)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.extract.certainty import is_negated
from pipeline.extract.cue_scope import Cue, clause_end, clause_start, find_cues, list_frames, words_back
from pipeline.extract.terms import term_matcher
from pipeline.records import Contraindication, SegmentedDocument, Sentence, Vocabulary


@dataclass(frozen=True)
class _Rules:
    """The cue file's lists in the shape the rules use."""

    groups: dict[str, list[str]]
    predicates: list[str]
    reach: int
    breaks: list[str]
    break_marks: list[str]
    certainty: dict[str, Any]


@dataclass(frozen=True)
class _Scope:
    """A stretch of text whose conditions are reasons not to treat (or to take care)."""

    start: int
    end: int
    kind: str


def _rules(cues: dict[str, Any]) -> _Rules:
    breaks = cues.get("clause_breaks", [])
    return _Rules(
        groups={"contraindication": cues.get("contraindication_cues", []),
                "caution": cues.get("caution_cues", []), "guard": cues.get("guards", [])},
        predicates=cues.get("negated_predicates", []), reach=cues.get("negation_reach_words", 3),
        breaks=[b for b in breaks if re.fullmatch(r"[\w' -]+", b)],
        break_marks=[b for b in breaks if not re.fullmatch(r"[\w' -]+", b)],
        certainty=cues.get("certainty", {}))


def _cues(text: str, sentence: Sentence, rules: _Rules) -> list[Cue]:
    """Exclusion, caution and guard cues of a sentence, negated predicates counted as exclusions."""
    cues = find_cues(text, rules.groups, sentence.start, sentence.end)
    for predicate in find_cues(text, {"contraindication": rules.predicates}, sentence.start, sentence.end):
        clause = clause_start(text, sentence, predicate.start, rules.breaks, rules.break_marks)
        reach = words_back(text, predicate.start, rules.reach + 1, clause)
        if is_negated(text, rules.certainty, reach, predicate.end) \
                and not any(c.start <= predicate.start < c.end for c in cues):
            cues.append(predicate)
    return sorted(cues, key=lambda c: c.start)


def _sentence_scopes(text: str, sentence: Sentence, rules: _Rules) -> list[_Scope]:
    """One scope per clause holding a cue; its kind is contraindication if any cue there excludes."""
    scopes: dict[tuple[int, int], str] = {}
    for cue in _cues(text, sentence, rules):
        if cue.label == "guard":
            continue
        span = (clause_start(text, sentence, cue.start, rules.breaks, rules.break_marks),
                clause_end(text, sentence, cue.end, rules.breaks, rules.break_marks))
        if scopes.get(span) != "contraindication":
            scopes[span] = cue.label
    return [_Scope(s, e, kind) for (s, e), kind in scopes.items()]


def _section_sentences(document: SegmentedDocument, heading_index: int) -> list[Sentence]:
    """Content sentences under a heading or question, up to the next one."""
    result = []
    for sentence in document.content_sentences():
        block = document.block_of(sentence)
        if block.index <= heading_index:
            continue
        if block.kind in ("heading", "question"):
            break
        result.append(sentence)
    return result


def _scoped_sentences(document: SegmentedDocument, rules: _Rules) -> list[tuple[Sentence, _Scope]]:
    """Every (sentence, scope) pair: cue clauses; then, for sentences without a cue of their own,
    the list items after a cue lead-in and the sections under a cue heading or question."""
    text = document.text
    own: dict[int, list[_Scope]] = {}
    for sentence in document.content_sentences():
        scopes = _sentence_scopes(text, sentence, rules)
        if scopes:
            own[sentence.index] = scopes
    inherited: dict[int, str] = {}
    for frame in list_frames(document):
        if frame.lead_in is not None and frame.lead_in.index in own:
            inherited.update({item.index: _kind(own[frame.lead_in.index]) for item in frame.items})
    for block in document.blocks:
        if block.kind in ("heading", "question") and not block.marks:
            kinds = [_kind(own[s.index]) for s in document.content_sentences()
                     if s.block_index == block.index and s.index in own]
            if kinds:
                kind = "contraindication" if "contraindication" in kinds else "caution"
                for sentence in _section_sentences(document, block.index):
                    inherited.setdefault(sentence.index, kind)
    pairs = []
    for sentence in document.content_sentences():
        if sentence.index in own:
            pairs.extend((sentence, scope) for scope in own[sentence.index])
        elif sentence.index in inherited:
            pairs.append((sentence, _Scope(sentence.start, sentence.end, inherited[sentence.index])))
    return pairs


def _kind(scopes: list[_Scope]) -> str:
    return "contraindication" if any(s.kind == "contraindication" for s in scopes) else "caution"


def extract_contraindications(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Contraindication, ...]:
    """Conditions the document names as reasons not to give the drug (or to give it with care)."""
    rules = _rules(cues)
    text = document.text
    matcher = term_matcher(vocabulary.of_kind("condition") + vocabulary.of_kind("side-effect"))
    rows: dict[tuple[int, int], Contraindication] = {}
    for sentence, scope in _scoped_sentences(document, rules):
        cues = find_cues(text, rules.groups, sentence.start, sentence.end)
        for match in matcher.find(text, scope.start, scope.end):
            if match.kind != "condition":
                continue
            before = [c for c in cues if c.end <= match.start and c.start >= scope.start]
            if before and before[-1].label == "guard":
                continue
            key = (match.start, match.end)
            if key not in rows or (rows[key].kind == "caution" and scope.kind == "contraindication"):
                rows[key] = Contraindication(
                    source_id=document.source_id, start=match.start, end=match.end, quote=match.quote,
                    condition=match.term_id, kind=scope.kind)
    return tuple(rows[key] for key in sorted(rows))
