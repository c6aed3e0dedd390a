"""SegmentedDocument + contraindication cues + vocabulary -> Contraindication records (condition, kind)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from pipeline.extract.certainty import is_negated
from pipeline.extract.cue_scope import Clauses, Cue, WordIndex, find_cues, list_frames, word_count
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
    merge_gap: int


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
        certainty=cues.get("certainty", {}), merge_gap=cues.get("merge_gap_words", 0))


@dataclass(frozen=True)
class _Sentence:
    """One sentence with its clauses and words, found once."""

    text: str
    sentence: Sentence
    rules: _Rules

    @cached_property
    def cues(self) -> list[Cue]:
        """Exclusion, caution and guard cues."""
        return find_cues(self.text, self.rules.groups, self.sentence.start, self.sentence.end)

    @cached_property
    def clauses(self) -> Clauses:
        return Clauses.of(self.text, self.sentence, self.rules.breaks, self.rules.break_marks)

    @cached_property
    def words(self) -> WordIndex:
        return WordIndex.of(self.text, self.sentence.start, self.sentence.end)


def _holding(cues: list[Cue], position: int) -> Cue | None:
    """Of disjoint cues in text order, the one holding position."""
    index = bisect_right(cues, position, key=lambda c: c.start) - 1
    return cues[index] if index >= 0 and position < cues[index].end else None


def _cues(view: _Sentence) -> list[Cue]:
    """Exclusion, caution and guard cues of a sentence, negated predicates counted as exclusions."""
    text, sentence, rules = view.text, view.sentence, view.rules
    cues = list(view.cues)
    for predicate in find_cues(text, {"contraindication": rules.predicates}, sentence.start, sentence.end):
        clause = view.clauses.start(predicate.start)
        reach = view.words.back(predicate.start, rules.reach + 1, clause)
        # predicates never overlap one another, so only the sentence's own cues can hold one
        if is_negated(text, rules.certainty, reach, predicate.end) and _holding(view.cues, predicate.start) is None:
            cues.append(predicate)
    return sorted(cues, key=lambda c: c.start)


def _sentence_scopes(view: _Sentence) -> list[_Scope]:
    """One scope per clause holding a cue; its kind is contraindication if any cue there excludes."""
    scopes: dict[tuple[int, int], str] = {}
    for cue in _cues(view):
        if cue.label == "guard":
            continue
        span = (view.clauses.start(cue.start), view.clauses.end(cue.end))
        if scopes.get(span) != "contraindication":
            scopes[span] = cue.label
    return [_Scope(s, e, kind) for (s, e), kind in scopes.items()]


def _section_kinds(document: SegmentedDocument, own: dict[int, list[_Scope]]) -> dict[int, str]:
    """Kind inherited by each content sentence under a heading or question with cues of its own: the
    section runs up to the next content sentence of a heading or question."""
    content = document.content_sentences()
    kinds: dict[int, list[str]] = {}
    for sentence in content:
        if sentence.index in own:
            kinds.setdefault(sentence.block_index, []).append(_kind(own[sentence.index]))
    inherited: dict[int, str] = {}
    heading: int | None = None
    for sentence in content:
        if document.block_of(sentence).kind in ("heading", "question"):
            heading = sentence.block_index
        elif heading is not None and heading in kinds:
            inherited[sentence.index] = "contraindication" if "contraindication" in kinds[heading] else "caution"
    return inherited


def _scoped_sentences(views: list[_Sentence], document: SegmentedDocument) -> list[tuple[_Sentence, _Scope]]:
    """Every (sentence, scope) pair: cue clauses; then, for sentences without a cue of their own,
    the list items after a cue lead-in and the sections under a cue heading or question."""
    own: dict[int, list[_Scope]] = {}
    for view in views:
        scopes = _sentence_scopes(view)
        if scopes:
            own[view.sentence.index] = scopes
    inherited: dict[int, str] = {}
    for frame in list_frames(document):
        if frame.lead_in is not None and frame.lead_in.index in own:
            inherited.update({item.index: _kind(own[frame.lead_in.index]) for item in frame.items})
    for index, kind in _section_kinds(document, own).items():
        inherited.setdefault(index, kind)
    pairs = []
    for view in views:
        sentence = view.sentence
        if sentence.index in own:
            pairs.extend((view, scope) for scope in own[sentence.index])
        elif sentence.index in inherited:
            pairs.append((view, _Scope(sentence.start, sentence.end, inherited[sentence.index])))
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
    views = [_Sentence(text, sentence, rules) for sentence in document.content_sentences()]
    for view, scope in _scoped_sentences(views, document):
        cues = view.cues
        for match in matcher.find(text, scope.start, scope.end):
            if match.kind != "condition":
                continue
            # the nearest cue before the match, if it lies in the scope
            before = bisect_right(cues, match.start, key=lambda c: c.end) - 1
            if before >= 0 and cues[before].start >= scope.start and cues[before].label == "guard":
                continue
            key = (match.start, match.end)
            if key not in rows or (rows[key].kind == "caution" and scope.kind == "contraindication"):
                rows[key] = Contraindication(
                    source_id=document.source_id, start=match.start, end=match.end, quote=match.quote,
                    condition=match.term_id, kind=scope.kind)
    return _merged(text, [rows[key] for key in sorted(rows)], rules)


_SENTENCE_MARKS = re.compile(r"[.!?:;\n]")


def _joinable(text: str, start: int, end: int, rules: _Rules) -> bool:
    """Whether text[start:end], between two mentions of one condition, keeps them in one clause and
    at most merge_gap words apart."""
    if end - start > 40 * (rules.merge_gap + 1) or _SENTENCE_MARKS.search(text, start, end):
        return False
    if any(mark in text[start:end] for mark in rules.break_marks):
        return False
    return not find_cues(text, {"break": rules.breaks}, start, end) \
        and word_count(text, start, end) <= rules.merge_gap


def _merged(text: str, rows: list[Contraindication], rules: _Rules) -> tuple[Contraindication, ...]:
    """Rows in text order, a mention of a condition merged with the next one of the same condition a
    few words on in its clause: "children and teenagers", "an abnormal link between arteries and
    veins (arteriovenous malformation)" are one row each."""
    merged: list[Contraindication] = []
    for row in rows:
        previous = merged[-1] if merged else None
        if previous is not None and previous.condition == row.condition \
                and _joinable(text, previous.end, row.start, rules):
            kind = "contraindication" if "contraindication" in (previous.kind, row.kind) else "caution"
            merged[-1] = replace(previous, end=row.end, quote=text[previous.start:row.end], kind=kind)
        else:
            merged.append(row)
    return tuple(merged)
