"""SegmentedDocument + side-effect cues + vocabulary -> SideEffect records (term, context, certainty, band)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import accumulate, pairwise
from typing import Any

from pipeline.extract.cue_scope import (
    Clauses,
    Cue,
    CueIndex,
    ListFrame,
    WordIndex,
    find_cues,
    list_frames,
    section_headings,
    word_count,
)
from pipeline.extract.phrases import DisjointSpans, runs_back
from pipeline.extract.terms import TermMatch, TermMatcher, normalise, term_matcher
from pipeline.records import Block, SegmentedDocument, Sentence, SideEffect, Vocabulary

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_TITLES = ("heading", "question")  # they name a topic or ask; they frame sentences but state nothing


@dataclass(frozen=True)
class _Rules:
    """The cue file's lists in the shape the rules use."""

    effects: list[str]
    list_cues: list[str]
    continuations: list[str]
    guards: dict[str, list[str]]
    guard_reach: int
    own_drugs: frozenset[str]
    other_owners: list[str]
    owner_after: list[str]
    owner_before: list[str]
    owner_possessives: list[str]
    owner_possessive_reach: int
    owner_pronouns: list[str]  # "their side effects": the nearest drug before the pronoun owns them
    owned_nouns: list[str]
    first_person: re.Pattern[str] | None
    narrative_min_first_person: int
    numeric_band: re.Pattern[str] | None
    numeric_limits: list[tuple[float, str]]  # (lowest share, band), highest first
    drug_references: list[str]
    contexts: dict[str, list[str]]
    bands: dict[str, list[str]]
    anaphor: re.Pattern[str] | None
    anaphor_verb: re.Pattern[str] | None
    coordinators: frozenset[str]
    left_conjunct: re.Pattern[str]  # "<word> and" right before a match
    coordinator_before: re.Pattern[str]  # "and"/"or" right before a position
    conjunct_runs: int  # runs of non-white-space characters a left conjunct with its link spans at most
    right_conjunct: re.Pattern[str]  # "and <up to 4 words>" right after a match
    separator: re.Pattern[str]  # what may stand between two items of an enumeration
    list_separator: re.Pattern[str]  # a comma or coordinator: two mentions are two items
    optional_words: frozenset[str]
    breaks: list[str]
    break_marks: list[str]
    hedge_reach: int
    band_reach: int
    negation_reach: int
    merge_gap: int
    certainty: dict[str, Any]


@dataclass(frozen=True)
class _Terms:
    """The vocabulary split by use: what to look for, what counts as a side effect, drugs."""

    matchable: TermMatcher
    side_effects: TermMatcher
    drugs: TermMatcher


@dataclass(frozen=True)
class _Frame:
    """What a list lead-in (or the sentence after a list) says about the list's items."""

    anchor: Sentence
    window_start: int
    window_end: int
    fallback: Sentence | None = None  # the lead-in, when an anaphor after the list made the frame


def _phrase_pattern(phrases: list[str]) -> str:
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


def _numeric_band_pattern(spec: dict[str, Any]) -> re.Pattern[str] | None:
    """A share stated right after a mention: "(about 7 in 10 people)", ", 1 in 4", "(12%)"."""
    if not spec:
        return None
    qualifiers = _phrase_pattern(spec.get("qualifiers", []) or ["about"])
    return re.compile(
        rf"[ \t]*[(,—–-]?[ \t]*(?:(?:{qualifiers})[ \t]+)?"
        r"(?:(?P<n>\d{1,6}(?:\.\d{1,4})?)[ \t]+(?:in|out[ \t]+of)[ \t]+(?P<m>\d{1,3}(?:,\d{3}){0,2}|\d{1,9})(?!\d)"
        r"|(?P<p>\d{1,3}(?:\.\d{1,4})?)[ \t]*(?:%|percent\b|per[ \t]+cent\b))", re.IGNORECASE)


def _numeric_band(text: str, position: int, end: int, rules: _Rules) -> str | None:
    """The band of a share stated a few characters after position (never past end)."""
    if rules.numeric_band is None:
        return None
    # a few words may stand between ("feeling disconnected from yourself or your surroundings (about
    # 7 in 10 people)"), never another vocabulary term: end is where the next one starts
    found = rules.numeric_band.search(text, position, min(end, position + 60))
    if found is None:
        return None
    if found.group("p") is not None:
        share = float(found.group("p")) / 100
    else:
        whole = float(found.group("m").replace(",", ""))
        if not whole:
            return None
        share = float(found.group("n")) / whole
    # "more than 1 in 10" is very common; "1 in 10" itself is common, "1 in 100" uncommon's upper edge
    return next((band for index, (lowest, band) in enumerate(rules.numeric_limits)
                 if (share > lowest if index == 0 else share >= lowest)), None)


def _rules(cues: dict[str, Any]) -> _Rules:
    anaphor = None
    if cues.get("anaphors"):
        gap = cues.get("anaphor_max_gap_words", 0)
        parts = []
        for phrase in sorted(cues["anaphors"], key=len, reverse=True):
            head, _, noun = phrase.partition(" ")
            parts.append(rf"{re.escape(head)}\s+(?:[\w'’-]+\s+){{0,{gap}}}?{_phrase_pattern([noun])}")
        anaphor = re.compile(rf"(?:{'|'.join(parts)})(?![\w])", re.IGNORECASE)
    verbs = cues.get("anaphor_verbs", [])
    breaks = cues.get("clause_breaks", [])
    coordinators = cues.get("coordinators", []) or ["and", "or"]
    joined = _phrase_pattern(coordinators)
    link = rf"(?:\s*,\s*(?:(?:{joined})\s+)?|\s+(?:{joined})\s+)"
    word = r"[^\W\d_][\w'’-]*"
    optional = _phrase_pattern(cues.get("optional_words", []) or ["the"])
    return _Rules(
        effects=cues.get("effect_cues", []), list_cues=cues.get("list_cues", []),
        continuations=cues.get("continuations", []),
        guards=cues.get("guards", {}), guard_reach=cues.get("guard_reach_words", 5),
        own_drugs=frozenset(cues.get("own_drugs", [])), other_owners=cues.get("other_owners", []),
        owner_after=cues.get("owner_after", []), owner_before=cues.get("owner_before", []),
        owner_possessives=cues.get("owner_possessives", []),
        owner_possessive_reach=cues.get("owner_possessive_reach_words", 0),
        owner_pronouns=cues.get("owner_pronouns", []), owned_nouns=cues.get("owned_nouns", []),
        first_person=re.compile(rf"(?<![\w'’])(?:{_phrase_pattern(cues['first_person'])})(?![\w'’])", re.IGNORECASE)
        if cues.get("first_person") else None,
        narrative_min_first_person=cues.get("narrative_min_first_person", 0),
        numeric_band=_numeric_band_pattern(cues.get("numeric_band", {})),
        numeric_limits=sorted(((float(v), k) for k, v in cues.get("numeric_band", {}).get("lowest_share", {}).items()),
                              reverse=True),
        drug_references=cues.get("drug_references", []), contexts=cues.get("contexts", {}),
        bands=cues.get("frequency_bands", {}), anaphor=anaphor,
        anaphor_verb=re.compile(rf"\s+(?:be\s+)?(?:{_phrase_pattern(verbs)})(?![\w])", re.IGNORECASE)
        if verbs else None,
        coordinators=frozenset(cues.get("coordinators", [])),
        left_conjunct=re.compile(rf"({word}){link}$", re.IGNORECASE),
        coordinator_before=re.compile(rf"(?<![\w'’])(?:{joined})\s+$", re.IGNORECASE),
        # the conjunct, a comma standing alone, and the words of the longest coordinator
        conjunct_runs=2 + max(len(c.split()) for c in coordinators),
        right_conjunct=re.compile(rf"{link}((?:{word}[ \t]*){{1,4}})", re.IGNORECASE),
        # an optional parenthesis between items: "dissociation (41%), dizziness (29%)"; an optional
        # determiner after the coordinator: "nausea and a headache"
        separator=re.compile(rf"(?:\s*\([^()]{{0,40}}\))?\s*,?\s*(?:(?:{joined})\s+)?"
                             rf"(?:(?:{optional})\s+)?", re.IGNORECASE),
        list_separator=re.compile(rf",|;|\b(?:{joined})\b", re.IGNORECASE),
        optional_words=frozenset(cues.get("optional_words", [])),
        breaks=[b for b in breaks if re.fullmatch(r"[\w' -]+", b)],
        break_marks=[b for b in breaks if not re.fullmatch(r"[\w' -]+", b)],
        hedge_reach=cues.get("hedge_reach_words", 6), band_reach=cues.get("band_reach_words", 3),
        negation_reach=cues.get("negation_reach_words", 6),
        merge_gap=cues.get("merge_gap_words", 0), certainty=cues.get("certainty", {}))


def _terms(vocabulary: Vocabulary) -> _Terms:
    return _Terms(
        matchable=term_matcher(vocabulary.of_kind("side-effect") + vocabulary.of_kind("condition")),
        side_effects=term_matcher(vocabulary.of_kind("side-effect")), drugs=term_matcher(vocabulary.of_kind("drug")))


def _spans(text: str, phrases: list[str], start: int, end: int) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in find_cues(text, {"x": phrases}, start, end)]


# --------------------------------------------------------------------------- mentions

def _lookup(phrase: str, terms: _Terms, rules: _Rules) -> str | None:
    for candidate in (phrase, " ".join(w for w in phrase.split() if w.lower() not in rules.optional_words)):
        for term_id, kind in terms.side_effects.lookup(candidate):
            if kind == "side-effect":
                return term_id
    return None


def _coordinated(text: str, sentence: Sentence, match: TermMatch, terms: _Terms, rules: _Rules) -> list[TermMatch]:
    """Conjuncts that share words with a match: "hallucinogenic and [tranquilizing effects]"
    (shared last words), "[effects on the memory] and cognitive functions" (shared first words)."""
    words = normalise(match.quote).split()
    found: list[TermMatch] = []
    left_edge = match.start
    # The left conjunct ends at left_edge and spans a few runs of non-white-space: searching from
    # the start of those runs finds what a search from the sentence's start finds, in constant time.
    while left := rules.left_conjunct.search(
            text, runs_back(text, left_edge, rules.conjunct_runs, sentence.start), left_edge):
        conjunct = left.group(1)
        term_id = next((t for k in range(1, len(words))
                        if (t := _lookup(f"{conjunct} {' '.join(words[k:])}", terms, rules))), None)
        if term_id is None:
            break
        found.append(TermMatch(left.start(1), left.end(1), conjunct, term_id, "side-effect"))
        left_edge = left.start(1)
    right = rules.right_conjunct.match(text, match.end, sentence.end)
    if right:
        following = list(_WORD.finditer(text, right.start(1), right.end(1)))
        for size in range(len(following), 0, -1):
            start, end = following[0].start(), following[size - 1].end()
            for k in range(len(words) - 1, 0, -1):
                term_id = _lookup(f"{' '.join(words[:k])} {text[start:end]}", terms, rules)
                if term_id:
                    return [*found, TermMatch(start, end, text[start:end], term_id, "side-effect")]
    return found


def _mentions(text: str, sentence: Sentence, terms: _Terms, rules: _Rules) -> tuple[list[TermMatch], list[TermMatch]]:
    """(side-effect mentions, every vocabulary match) of a sentence: matches of the side-effect
    vocabulary, conjuncts sharing their words, and repeats of one term close together merged."""
    every = list(terms.matchable.find(text, sentence.start, sentence.end))
    taken = DisjointSpans()
    for found in every:
        taken.add(found.start, found.end)
    matches = [m for m in every if m.kind == "side-effect"]
    conjuncts: set[tuple[int, int]] = set()
    for match in list(matches):
        for extra in _coordinated(text, sentence, match, terms, rules):
            if taken.add(extra.start, extra.end):
                matches.append(extra)
                every.append(extra)
                if extra.term_id == match.term_id:
                    conjuncts.add((extra.start, extra.end))
    merged: list[TermMatch] = []
    for match in sorted(matches, key=lambda m: m.start):
        previous = merged[-1] if merged else None
        # "a dreamy, disconnected feeling": a conjunct sharing the head of a match of its own term
        # is one mention with it
        same_item = previous is not None and previous.term_id == match.term_id and (
            (previous.start, previous.end) in conjuncts or (match.start, match.end) in conjuncts)
        if previous and previous.term_id == match.term_id \
                and word_count(text, previous.end, match.start) <= rules.merge_gap \
                and (same_item or not rules.list_separator.search(text, previous.end, match.start)):
            merged[-1] = TermMatch(previous.start, match.end, text[previous.start:match.end], match.term_id, match.kind)
        else:
            merged.append(match)
    return merged, every


@dataclass(frozen=True)
class _Covering:
    """Disjoint spans (vocabulary matches): which one holds a position."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, matches: Sequence[TermMatch]) -> _Covering:
        spans = sorted({(m.start, m.end) for m in matches})
        return cls([s for s, _ in spans], [e for _, e in spans])

    def covers(self, position: int) -> bool:
        index = bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]


@dataclass(frozen=True)
class _Enumerations:
    """The coordinated runs of vocabulary terms of a sentence ("nausea, dizziness, blurred vision and
    dissociation"), each term's run found once."""

    starts: list[int]
    ends: list[int]
    first: list[int]  # per term: the first term of its run
    last: list[int]

    @classmethod
    def of(cls, text: str, every: Sequence[TermMatch], rules: _Rules) -> _Enumerations:
        ordered = sorted({(m.start, m.end) for m in every})
        linked = [rules.separator.fullmatch(text, left[1], right[0]) is not None
                  for left, right in pairwise(ordered)]
        first = list(range(len(ordered)))
        for index in range(1, len(ordered)):
            if linked[index - 1]:
                first[index] = first[index - 1]
        last = list(range(len(ordered)))
        for index in range(len(ordered) - 2, -1, -1):
            if linked[index]:
                last[index] = last[index + 1]
        return cls([s for s, _ in ordered], [e for _, e in ordered], first, last)

    def around(self, mention: TermMatch) -> tuple[int, int]:
        """The span of the run holding the mention."""
        index = bisect_right(self.starts, mention.start) - 1
        return self.starts[self.first[index]], self.ends[self.last[index]]


@dataclass(frozen=True)
class _GapWords:
    """The words of a sentence that count towards a guard's reach: neither coordinators nor inside
    a vocabulary term (so that a guard covers an enumeration)."""

    words: WordIndex
    counted: list[int]  # running count of counting words, one more entry than words
    every: Sequence[TermMatch]
    coordinators: frozenset[str]

    @classmethod
    def of(cls, text: str, sentence: Sentence, every: Sequence[TermMatch], rules: _Rules) -> _GapWords:
        words = WordIndex.of(text, sentence.start, sentence.end, _WORD)
        covering = _Covering.of(every)
        counts = [int(text[s:e].lower() not in rules.coordinators and not covering.covers(s))
                  for s, e in zip(words.starts, words.ends, strict=True)]
        return cls(words, [0, *accumulate(counts)], every, rules.coordinators)

    def count(self, start: int, end: int) -> int:
        words = self.words
        if start < end and words.clean(start, end):
            first, after = words.span(start, end)
            return self.counted[after] - self.counted[first]
        return sum(1 for w in _WORD.finditer(words.text, start, end)
                   if w.group().lower() not in self.coordinators
                   and not any(m.start <= w.start() < m.end for m in self.every))


# --------------------------------------------------------------------------- one sentence

@dataclass(frozen=True)
class _Sentence:
    """One sentence's cues, words and clauses, found once, for the rules asked once per mention."""

    text: str
    sentence: Sentence
    rules: _Rules
    terms: _Terms

    def index(self, groups: dict[str, list[str]]) -> CueIndex:
        return CueIndex.of(self.text, groups, self.sentence.start, self.sentence.end)

    @cached_property
    def cues(self) -> list[Cue]:
        """Effect and guard cues."""
        rules = self.rules
        groups = {"effect": rules.effects, **{f"guard:{name}": phrases for name, phrases in rules.guards.items()}}
        return find_cues(self.text, groups, self.sentence.start, self.sentence.end)

    @cached_property
    def effect_before(self) -> list[int]:
        """Per count n of cues: the index of the last effect cue among the first n, or -1."""
        found = [-1]
        for index, cue in enumerate(self.cues):
            found.append(index if cue.label == "effect" else found[-1])
        return found

    @cached_property
    def effect_from(self) -> list[int]:
        """Per cue index (and one past the last): the index of the first effect cue from there on."""
        found = [len(self.cues)]
        for index in range(len(self.cues) - 1, -1, -1):
            found.append(index if self.cues[index].label == "effect" else found[-1])
        return found[::-1]

    @cached_property
    def words(self) -> WordIndex:
        return WordIndex.of(self.text, self.sentence.start, self.sentence.end)

    @cached_property
    def clauses(self) -> Clauses:
        return Clauses.of(self.text, self.sentence, self.rules.breaks, self.rules.break_marks)

    @cached_property
    def bands(self) -> CueIndex:
        return self.index(self.rules.bands)

    @cached_property
    def hedges(self) -> CueIndex:
        return self.index({"hedge": self.rules.certainty.get("hedges", [])})

    @cached_property
    def negations(self) -> CueIndex:
        return self.index({"negation": self.rules.certainty.get("negations", [])})

    @cached_property
    def exceptions(self) -> CueIndex:
        return self.index({"exception": self.rules.certainty.get("negation_exceptions", [])})

    @cached_property
    def owner_before(self) -> CueIndex:
        return self.index({"x": self.rules.owner_before})

    @cached_property
    def contexts(self) -> list[Cue]:
        return find_cues(self.text, self.rules.contexts, self.sentence.start, self.sentence.end)

    @cached_property
    def drugs(self) -> tuple[TermMatch, ...]:
        return self.terms.drugs.find(self.text, self.sentence.start, self.sentence.end)

    @cached_property
    def names_the_drug(self) -> bool:
        """True when the sentence names one of our drugs, or refers to "the drug"."""
        return any(m.term_id in self.rules.own_drugs for m in self.drugs) \
            or bool(_spans(self.text, self.rules.drug_references, self.sentence.start, self.sentence.end))

    @cached_property
    def opens_with_continuation(self) -> bool:
        """It opens with "They", "These", ..."""
        opening = find_cues(self.text, {"x": self.rules.continuations}, self.sentence.start, self.sentence.end)
        return bool(opening) and opening[0].start == self.sentence.start

    @cached_property
    def lists(self) -> bool:
        """It holds a list cue."""
        return bool(_spans(self.text, self.rules.list_cues, self.sentence.start, self.sentence.end))


def _guard_reaches(gap: _GapWords, guard: Cue, mention: TermMatch, rules: _Rules) -> bool:
    """A guard governs the few words after it, and any enumeration of vocabulary terms there
    ("reduces suicidal thoughts, anxiety and insomnia"); not a clause further on."""
    return gap.count(guard.end, mention.start) <= rules.guard_reach


def _owners(view: _Sentence, every: Sequence[TermMatch], rules: _Rules) -> list[tuple[int, bool]]:
    """(position, is ours) of each drug (or other cause, such as depression) that owns an effect
    statement in the sentence: "SSRIs can cause", "side effects of ketamine", "unlike opioids"."""
    text, sentence = view.text, view.sentence
    covering = _Covering.of([m for m in every if m.kind != "drug"])
    candidates = [(m.start, m.end, m.term_id in rules.own_drugs) for m in view.drugs]
    candidates += [(s, e, False) for s, e in _spans(text, rules.other_owners, sentence.start, sentence.end)
                   if not covering.covers(s)]
    owners = []
    for start, end, ours in candidates:
        after = any(word_count(text, end, s) <= 3
                    for s, _ in _spans(text, rules.owner_after, end, min(sentence.end, end + 60)))
        # "The antidepressant you take by mouth has its own side effects": within the clause, a few words on
        if not after and rules.owner_possessives:
            reach = _words_forward(view.words, end, rules.owner_possessive_reach, view.clauses.end(end))
            after = bool(_spans(text, rules.owner_possessives, end, reach))
        # the last cue before the owner is the nearest one: if white space does not part it from the owner,
        # it does not part any earlier one either
        cue = view.owner_before.last(sentence.start, start)
        before = cue is not None and not text[cue.end:start].strip()
        if after or before:
            owners.append((start, ours))
    # "oral antidepressants take weeks, and their early side effects, such as nausea": the possessive
    # hands the statement to the nearest drug named before it
    nouns = _spans(text, rules.owned_nouns, sentence.start, sentence.end)
    drugs = view.drugs
    for start, end in _spans(text, rules.owner_pronouns, sentence.start, sentence.end):
        noun = bisect_left(nouns, (end, end))
        if noun == len(nouns) or nouns[noun][0] - end > 40 or word_count(text, end, nouns[noun][0]) > 2:
            continue
        drug = bisect_left(drugs, start, key=lambda m: m.start) - 1
        if drug >= 0:
            owners.append((start, drugs[drug].term_id in rules.own_drugs))
    return sorted(owners)


def _words_forward(words: WordIndex, position: int, count: int, ceiling: int) -> int:
    """The end of the count-th word from position on (never past ceiling)."""
    first = bisect_left(words.starts, position)
    last = min(first + count, len(words.starts)) - 1
    return min(ceiling, words.ends[last]) if last >= first else position


def _owned_by_another(position: int, owners: list[tuple[int, bool]]) -> bool:
    """The nearest owner before the position (else the first after it) is not one of our drugs."""
    before = bisect_left(owners, position, key=lambda o: o[0])
    owner = owners[before - 1] if before else (owners[0] if owners else None)
    return owner is not None and not owner[1]


def _band(view: _Sentence, clause: tuple[int, int], anchors: list[tuple[int, int]], rules: _Rules) -> str | None:
    """The band cue of the clause at most band_reach words from an anchor (the governing cue,
    the enumeration), the nearest one winning: "Common side effects include", "very rarely
    reported", "numbness [is] uncommon"."""
    cues = view.bands.within(clause[0], clause[1])
    words = view.words
    # Only cues within reach of an anchor can win; the distance grows with every cue further away.
    near: set[int] = set()
    for start, end in anchors:
        index = bisect_right(cues, start, key=lambda c: c.end) - 1
        while index >= 0 and words.count(cues[index].end, start) <= rules.band_reach:
            near.add(index)
            index -= 1
        index = bisect_left(cues, end, key=lambda c: c.start)
        while index < len(cues) and words.count(end, cues[index].start) <= rules.band_reach:
            near.add(index)
            index += 1
    best: tuple[int, str] | None = None
    for cue in (cues[index] for index in sorted(near)):
        for start, end in anchors:
            if cue.end <= start:
                distance = words.count(cue.end, start)
            elif cue.start >= end:
                distance = words.count(end, cue.start)
            else:
                continue
            if distance <= rules.band_reach and (best is None or distance < best[0]):
                best = (distance, cue.label)
    return best[1] if best else None


def _inside_one(spans: list[Cue], start: int, end: int) -> bool:
    """Whether one of the disjoint spans (in text order) holds start-end."""
    index = bisect_right(spans, start, key=lambda c: c.start) - 1
    return index >= 0 and end <= spans[index].end


def _certainty(view: _Sentence, hedge_from: int, negation_from: int, end: int,
               mention: TermMatch | None = None) -> str:
    """negated / hedged / asserted by the shared certainty cues; a hedge inside a band phrase
    ("may affect up to 1 in 10 people") does not count, nor a negation inside the mention's own
    words ("seeing things that are not there")."""
    exceptions = view.exceptions.within(negation_from, end)
    if any(not _inside_one(exceptions, n.start, n.end)
           and not (mention is not None and mention.start <= n.start and n.end <= mention.end)
           for n in view.negations.within(negation_from, end)):
        return "negated"
    bands = view.bands.within(hedge_from, end)
    if any(not _inside_one(bands, h.start, h.end) for h in view.hedges.within(hedge_from, end)):
        return "hedged"
    return "asserted"


def _context_at(cues: list[Cue], position: int) -> str | None:
    """Of cues in text order (none overlapping), the label of the one nearest before position, else
    of the first after it."""
    before = bisect_right(cues, position, key=lambda c: c.end)
    if before:
        return cues[before - 1].label
    after = bisect_left(cues, position, key=lambda c: c.start)
    return cues[after].label if after < len(cues) else None


# --------------------------------------------------------------------------- document

@dataclass(frozen=True)
class _Document:
    """A document with the per-sentence and per-section answers the rules share, each found once."""

    document: SegmentedDocument
    terms: _Terms
    rules: _Rules
    content: tuple[Sentence, ...]
    order: dict[int, int]  # sentence index -> position among the content sentences
    headings: tuple[Block | None, ...]  # section heading of each block
    views: dict[int, _Sentence] = field(default_factory=dict)
    fallbacks: dict[int, str] = field(default_factory=dict)
    heading_frames: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, document: SegmentedDocument, terms: _Terms, rules: _Rules) -> _Document:
        content = document.content_sentences()
        return cls(document, terms, rules, content, {s.index: n for n, s in enumerate(content)},
                   section_headings(document))

    @property
    def text(self) -> str:
        return self.document.text

    def view(self, sentence: Sentence) -> _Sentence:
        if sentence.index not in self.views:
            self.views[sentence.index] = _Sentence(self.text, sentence, self.rules, self.terms)
        return self.views[sentence.index]

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The content sentence before it."""
        position = self.order[sentence.index]
        return self.content[position - 1] if position else None

    @cached_property
    def earlier_context(self) -> list[tuple[int, str] | None]:
        """Per content sentence: (block index, context) of the nearest earlier one that names a context."""
        found: list[tuple[int, str] | None] = [None]
        for sentence in self.content[:-1]:
            cues = self.view(sentence).contexts
            found.append((sentence.block_index, cues[-1].label) if cues else found[-1])
        return found

    @cached_property
    def heading_context(self) -> list[str | None]:
        """Per block: the context named by the nearest heading or question up to it that names one."""
        found: list[str | None] = []
        current: str | None = None
        for block in self.document.blocks:
            if block.kind in ("heading", "question") and not block.marks:
                cues = find_cues(self.text, self.rules.contexts, block.start, block.end)
                current = cues[-1].label if cues else current
            found.append(current)
        return found

    def _heading_context(self, heading: Block) -> str | None:
        cues = find_cues(self.text, self.rules.contexts, heading.start, heading.end)
        return cues[-1].label if cues else None

    def context(self, sentence: Sentence, position: int) -> str:
        """The sentence's own cues; else its section heading or question. A sentence that names no
        drug speaks of the text's subject, so it also inherits from the earlier sentences of its
        section and from every heading above it."""
        found = _context_at(self.view(sentence).contexts, position)
        if found:
            return found
        if sentence.index not in self.fallbacks:
            self.fallbacks[sentence.index] = self._inherited_context(sentence)
        return self.fallbacks[sentence.index]

    def _inherited_context(self, sentence: Sentence) -> str:
        heading = self.headings[sentence.block_index]
        inherits = not self.view(sentence).names_the_drug
        if inherits:
            floor = heading.index if heading is not None else -1
            earlier = self.earlier_context[self.order[sentence.index]]
            if earlier is not None and earlier[0] > floor:
                return earlier[1]
        if heading is None:
            return "unspecified"
        found = self.heading_context[heading.index] if inherits else self._heading_context(heading)
        return found or "unspecified"

    @cached_property
    def narrates_treatment(self) -> bool:
        """A first-person account of the narrator's own treatment: the text names one of our drugs
        and speaks in the first person at least narrative_min_first_person times."""
        pattern, least = self.rules.first_person, self.rules.narrative_min_first_person
        if pattern is None or least <= 0:
            return False
        count = 0
        for sentence in self.content:
            count += sum(1 for _ in pattern.finditer(self.text, sentence.start, sentence.end))
            if count >= least:
                break
        return count >= least and any(self.view(s).names_the_drug for s in self.content)

    def narrates_in(self, sentence: Sentence) -> bool:
        """A first-person sentence ("I felt ...", "my heart pounded") of such an account: what the
        narrator (or someone they tell of) went through is an effect of the treatment."""
        pattern = self.rules.first_person
        return self.narrates_treatment and pattern is not None \
            and pattern.search(self.text, sentence.start, sentence.end) is not None

    def frames_by_heading(self, sentence: Sentence) -> bool:
        """The section heading or question speaks of side effects ("Side effects", "Is ketamine addictive?")."""
        heading = self.headings[sentence.block_index]
        if heading is None:
            return False
        if heading.index not in self.heading_frames:
            text = self.text
            self.heading_frames[heading.index] = bool(
                _spans(text, self.rules.list_cues, heading.start, heading.end)) or any(
                m.kind == "side-effect" for m in self.terms.matchable.find(text, heading.start, heading.end))
        return self.heading_frames[heading.index]

    def continues_a_listing(self, sentence: Sentence) -> bool:
        """The sentence opens with "They"/"These"/... and the sentence before it in its paragraph
        holds a list cue ("Side effects are usually mild. They include headache and fatigue.")."""
        if not self.view(sentence).opens_with_continuation:
            return False
        previous = self.previous(sentence)
        return previous is not None and previous.block_index == sentence.block_index and self.view(previous).lists


def _sentence_rows(doc: _Document, sentence: Sentence, mentions: list[TermMatch], every: list[TermMatch],
                   frame: _Frame | None) -> list[SideEffect]:
    """Rows for the mentions of one sentence; a list frame covers mentions with no cue of their own.

    The governing cue of a mention is the effect cue nearest before its enumeration (else one
    inside it, "risk of abuse and dependence", else the first after it): hedges and negations are read from a few words
    before it, a band next to it or next to the enumeration."""
    if not mentions:
        return []
    rules, view = doc.rules, doc.view(sentence)
    cues = view.cues
    owners = _owners(view, every, rules)
    enumerations = _Enumerations.of(doc.text, every, rules)
    gap: _GapWords | None = None
    match_starts = sorted(m.start for m in every)
    rows = []
    for mention in mentions:
        enum_start, enum_end = enumerations.around(mention)
        before = bisect_right(cues, enum_start, key=lambda c: c.end)  # how many cues end before the enumeration
        if before and cues[before - 1].label.startswith("guard:"):
            gap = gap or _GapWords.of(doc.text, sentence, every, rules)
            if _guard_reaches(gap, cues[before - 1], mention, rules):
                continue
        if _owned_by_another(mention.start, owners):
            continue
        clause = view.clauses.start(mention.start)
        effect_before = view.effect_before[before]
        inside = view.effect_from[bisect_left(cues, enum_start, key=lambda c: c.start)]
        after = bisect_left(cues, enum_end, key=lambda c: c.start)
        if effect_before >= 0 and cues[effect_before].start >= clause:
            governor = cues[effect_before]
        elif frame is not None:
            rows.append(_framed_row(doc, sentence, mention, frame))
            continue
        elif inside < len(cues) and cues[inside].end <= enum_end:
            governor = cues[inside]
        elif after < len(cues) and cues[after].label == "effect":
            governor = cues[after]
        elif effect_before >= 0 or doc.frames_by_heading(sentence) or doc.continues_a_listing(sentence) \
                or doc.narrates_in(sentence):
            governor = Cue(mention.start, mention.end, "effect")
        else:
            continue
        # "may notice X or feel Y": a governor right after a coordinator shares the reach of the
        # effect cue before it in the clause
        reach_from = min(governor.start, mention.start)
        if effect_before >= 0 and governor is cues[effect_before] \
                and rules.coordinator_before.search(doc.text, runs_back(doc.text, governor.start, 2, clause),
                                                    governor.start):
            earlier = view.effect_before[effect_before]
            if earlier >= 0 and cues[earlier].start >= clause:
                reach_from = cues[earlier].start
        end = max(governor.end, mention.end)
        row = SideEffect(
            source_id=doc.document.source_id, start=mention.start, end=mention.end, quote=mention.quote,
            term=mention.term_id, context=doc.context(sentence, mention.start),
            certainty=_certainty(view, view.words.back(reach_from, rules.hedge_reach, clause),
                                 view.words.back(reach_from, rules.negation_reach, clause), end, mention),
            frequency=_numeric_band(doc.text, mention.end, _next_start(match_starts, mention.end, sentence.end), rules)
            or _band(view, (clause, view.clauses.end(enum_end)),
                     [(governor.start, governor.end), (enum_start, enum_end)], rules))
        if frame is not None:
            # a list item with a cue of its own ("feeling very happy"): the lead-in's band and
            # certainty hold unless the item states its own
            framed = _framed_row(doc, sentence, mention, frame)
            row = replace(row, frequency=row.frequency or framed.frequency,
                          certainty=framed.certainty if row.certainty == "asserted" else row.certainty)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- lists

def _next_start(starts: list[int], position: int, end: int) -> int:
    """Of the sorted starts of a sentence's vocabulary matches, the first at or after position (else end)."""
    index = bisect_left(starts, position)
    return starts[index] if index < len(starts) else end


def _framed_row(doc: _Document, item: Sentence, mention: TermMatch, frame: _Frame) -> SideEffect:
    """A list item's mention: certainty, band and (unless the item has its own) context from the frame."""
    context = _context_at(doc.view(item).contexts, mention.start) or doc.context(frame.anchor, frame.window_end)
    if context == "unspecified" and frame.fallback is not None:
        context = doc.context(frame.fallback, frame.fallback.end)
    anchor = doc.view(frame.anchor)
    band = anchor.bands.last(frame.window_start, frame.window_end)
    return SideEffect(
        source_id=doc.document.source_id, start=mention.start, end=mention.end, quote=mention.quote,
        term=mention.term_id, context=context,
        certainty=_certainty(anchor, frame.window_start, frame.window_start, frame.window_end),
        frequency=band.label if band else None)


def _list_frame(doc: _Document, frame: ListFrame) -> _Frame | None:
    """The frame a list's items get from its lead-in ("Common side effects include:", or a band
    such as "Very common:" under a side-effect heading), or from an anaphoric sentence after it
    ("These side effects may occur ...") when the lead-in did not introduce side effects."""
    text, rules = doc.text, doc.rules
    lead = frame.lead_in
    if lead is not None:
        view = doc.view(lead)
        cues = view.cues
        guarded = bool(cues) and cues[-1].label.startswith("guard:")
        every = list(doc.terms.matchable.find(text, lead.start, lead.end))
        owned = _owned_by_another(lead.end, _owners(view, every, rules))
        listing = _spans(text, rules.list_cues, lead.start, lead.end)
        if listing and not guarded and not owned:
            clause = view.clauses.start(listing[0][0])
            return _Frame(lead, view.words.back(listing[0][0], rules.hedge_reach, clause), lead.end)
        banded = view.bands.cues
        if banded and not guarded and not owned and doc.frames_by_heading(lead):
            return _Frame(lead, lead.start, lead.end)
    trailing = frame.trailing
    if trailing is not None and rules.anaphor is not None:
        match = rules.anaphor.match(text, trailing.start, trailing.end)
        if match and _spans(text, rules.list_cues, match.start(), match.end()):
            return _Frame(trailing, trailing.start, trailing.end, fallback=lead)
    return None


# --------------------------------------------------------------------------- anaphors

def _anaphor_rows(doc: _Document, sentence: Sentence, antecedents: list[SideEffect]) -> list[SideEffect]:
    """"These symptoms are very rarely reported at the subanesthetic doses ...": the terms just
    named again, one row each, when the sentence adds a frequency band or a new setting."""
    text, rules = doc.text, doc.rules
    match = rules.anaphor.match(text, sentence.start, sentence.end) if rules.anaphor else None
    if match is None or not antecedents:
        return []
    view = doc.view(sentence)
    bands = view.bands.cues
    context = _context_at(view.contexts, sentence.start)
    if not bands and (context is None or context in {a.context for a in antecedents}):
        return []
    end = match.end()
    if bands:
        verb = rules.anaphor_verb.match(text, bands[0].end, sentence.end) if rules.anaphor_verb else None
        end = verb.end() if verb else bands[0].end
    certainty = _certainty(view, sentence.start, sentence.start, sentence.end)
    first: dict[str, SideEffect] = {}
    for antecedent in antecedents:
        first.setdefault(antecedent.term, antecedent)
    return [replace(source, start=match.start(), end=end, quote=text[match.start():end],
                    context=context or source.context, certainty=certainty,
                    frequency=bands[0].label if bands else source.frequency)
            for source in first.values()]


# --------------------------------------------------------------------------- document

def extract_side_effects(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[SideEffect, ...]:
    """Side effects the document attributes to ketamine or esketamine, one row per mention."""
    rules = _rules(cues)
    terms = _terms(vocabulary)
    doc = _Document.of(document, terms, rules)
    frames: dict[int, _Frame | None] = {}
    for frame in list_frames(document):
        found_frame = _list_frame(doc, frame)
        frames.update({item.index: found_frame for item in frame.items})
    rows: list[SideEffect] = []
    antecedents: list[SideEffect] = []
    for sentence in doc.content:
        if document.block_of(sentence).kind in _TITLES:
            continue
        mentions, every = _mentions(document.text, sentence, terms, rules)
        found = _sentence_rows(doc, sentence, mentions, every, frames.get(sentence.index))
        if not mentions:
            found = _anaphor_rows(doc, sentence, antecedents)
        rows.extend(found)
        # what a following anaphor refers to: the previous sentence's rows, or the whole list's
        if sentence.index in frames and sentence.index - 1 in frames:
            antecedents.extend(found)
        else:
            antecedents = list(found)
    unique: dict[tuple[int, int, str], SideEffect] = {}
    for row in sorted(rows, key=lambda r: (r.start, r.end, r.term)):
        unique.setdefault((row.start, row.end, row.term), row)
    return tuple(unique.values())
