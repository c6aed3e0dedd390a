"""Document text + vocabulary mentions + a schedule's spans -> the schedule's drug and route."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any

from pipeline.extract.phrases import runs_back
from pipeline.records import Block, SegmentedDocument, Term

Mention = tuple[int, int, str]  # start, end, term id

_APPOSITION = re.compile(r"(?:\s*\([^)]*\))?(?:,\s+(?:a|an|the)\s+(?:[\w-]+\s+)?|\s+)")
_APPOSITION_TAIL = re.compile(r",\s+(?:a|an|the)\s+(?:[\w-]+\s+)?|\s+")  # _APPOSITION without its parenthesis
# "Esketamine is a nasal spray", "Esketamine (Spravato) comes as a nasal spray": a drug defined by its route.
_DEFINITION = re.compile(r"(?:\s*\([^)]*\))?\s+(?:is|comes\s+as)\s+(?:a|an)\s+(?:[\w-]+\s+)?", re.IGNORECASE)
_DEFINITION_REACH = 60
_TAIL_RUNS = 3  # runs of non-white-space the tail spans at most: ",", the article, a word
_OPENS = re.compile(r"\s*\(")
_CLOSE = re.compile(r"\)")
_SPACE = re.compile(r"\s+")


def find_mentions(text: str, terms: tuple[Term, ...]) -> tuple[Mention, ...]:
    """Synonyms and labels of the terms in the text: whole words, case-insensitive, longest first,
    never overlapping; a hyphen or space inside a synonym matches either."""
    surfaces: dict[str, str] = {}
    for term in terms:
        for synonym in (*term.synonyms, term.label):
            surfaces.setdefault(re.sub(r"[\s-]+", " ", synonym.lower()).strip(), term.term_id)
    if not surfaces:
        return ()
    ordered = sorted(surfaces, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(s).replace(r"\ ", r"[\s-]+") for s in ordered) + r")(?![\w-])",
        re.IGNORECASE)
    return tuple((m.start(), m.end(), surfaces[re.sub(r"[\s-]+", " ", m.group().lower())])
                 for m in pattern.finditer(text))


@dataclass(frozen=True)
class Mentions:
    """Drug and route mentions of one document, examples resolved, and the drug each route stands for."""

    drugs: tuple[Mention, ...]
    routes: tuple[Mention, ...]
    route_drugs: dict[str, str]  # "the nasal spray" -> esketamine when the text says "esketamine, a nasal spray"


def resolve_mentions(text: str, drugs: tuple[Mention, ...], routes: tuple[Mention, ...],
                     cues: dict[str, Any]) -> Mentions:
    """Vocabulary matches -> mentions: an example after a generic noun ("medication like Lexapro") stands for
    its class; an example after a drug ("antidepressant like Lexapro") is dropped (the drug before it counts)."""
    markers = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in cues["example_markers"])
    example = re.compile(rf"(?P<head>[\w'’-]+)\s*,?\s+(?:{markers})\s*$", re.IGNORECASE)
    generic = {w.lower() for w in cues["generic_medications"]}
    classes = {member: name for name, members in cues["drug_classes"].items() for member in members}
    resolved: list[Mention] = []
    ends = {d[1] for d in drugs}
    for start, end, term_id in drugs:
        head = example.search(text, max(0, start - 60), start)
        if head and head.group("head").lower() in generic:
            resolved.append((head.start("head"), end, classes.get(term_id, term_id)))
        elif head and head.end("head") in ends:
            continue
        else:
            resolved.append((start, end, term_id))
    main = set(cues["main_drugs"])
    route_drugs: dict[str, set[str]] = {}
    appositions = _Appositions.of(text, drugs, main)
    for route_start, _, route_id in routes:
        for drug_id in appositions.drugs_before(route_start):
            route_drugs.setdefault(route_id, set()).add(drug_id)
    return Mentions(
        drugs=tuple(resolved),
        routes=routes,
        route_drugs={route: next(iter(found)) for route, found in route_drugs.items() if len(found) == 1})


@dataclass(frozen=True)
class _Appositions:
    """Main drugs the text equates with a route right after them: "esketamine, a nasal spray", "esketamine
    (Spravato) nasal spray". What stands between is a short tail, maybe after a parenthesis, so only drugs
    ending just before the tail, or before a parenthesis closed right before it, are tried."""

    text: str
    drugs: list[Mention]  # main drugs, in text order
    ends: list[int]
    ordered: bool
    closes: list[int]  # every ")" of the text

    @classmethod
    def of(cls, text: str, drugs: Sequence[Mention], main: set[str]) -> _Appositions:
        own = [d for d in drugs if d[2] in main]
        ends = [d[1] for d in own]
        return cls(text, own, ends, all(a <= b for a, b in pairwise(ends)),
                   [m.start() for m in _CLOSE.finditer(text)])

    def candidates(self, route_start: int) -> Sequence[int]:
        """Indexes of the drugs that may stand before the route, in text order."""
        if not self.ordered:
            return range(len(self.drugs))
        text, ends = self.text, self.ends
        near = set(range(bisect_left(ends, runs_back(text, route_start, _TAIL_RUNS)), bisect_right(ends, route_start)))
        before = bisect_left(self.closes, route_start)  # how many ")" stand before the route
        if before and _APPOSITION_TAIL.fullmatch(text, self.closes[before - 1] + 1, route_start):
            close = self.closes[before - 1]
            floor = self.closes[before - 2] if before > 1 else -1  # the parenthesis holds no ")"
            near.update(i for i in range(bisect_right(ends, floor), bisect_left(ends, close))
                        if _OPENS.match(text, ends[i]))
        return sorted(near)

    def drugs_before(self, route_start: int) -> list[str]:
        return [self.drugs[i][2] for i in self.candidates(route_start)
                if self.ends[i] <= route_start and _APPOSITION.fullmatch(self.text, self.ends[i], route_start)]


@dataclass(frozen=True)
class MentionIndex:
    """Mentions in text order (by start, and so by end, as none holds another) for range questions in log time;
    mentions out of that order are scanned."""

    mentions: tuple[Mention, ...]
    starts: list[int]
    ends: list[int]
    ordered: bool

    @classmethod
    def of(cls, mentions: Sequence[Mention]) -> MentionIndex:
        starts, ends = [m[0] for m in mentions], [m[1] for m in mentions]
        ordered = all(a <= b for a, b in pairwise(starts)) and all(a <= b for a, b in pairwise(ends))
        return cls(tuple(mentions), starts, ends, ordered)

    def starting_in(self, start: int, end: int) -> tuple[Mention, ...]:
        """Mentions starting in start-end."""
        if not self.ordered:
            return tuple(m for m in self.mentions if start <= m[0] < end)
        return self.mentions[bisect_left(self.starts, start):bisect_left(self.starts, end)]

    def inside(self, start: int, end: int) -> tuple[Mention, ...]:
        """Mentions inside start-end, in text order."""
        if not self.ordered:
            return tuple(m for m in self.mentions if start <= m[0] and m[1] <= end)
        return self.mentions[bisect_left(self.starts, start):bisect_right(self.ends, end)]

    def last_inside(self, start: int, end: int) -> Mention | None:
        if not self.ordered:
            found = self.inside(start, end)
            return found[-1] if found else None
        index = bisect_right(self.ends, end) - 1
        return self.mentions[index] if index >= 0 and self.starts[index] >= start else None

    def first_inside_any(self, spans: list[tuple[int, int]]) -> Mention | None:
        """The first mention (in their order) inside one of the spans."""
        if not self.ordered:
            return next((m for m in self.mentions if any(s <= m[0] and m[1] <= e for s, e in spans)), None)
        first = [index for s, e in spans if (index := bisect_left(self.starts, s)) < len(self.mentions)
                 and self.ends[index] <= e]
        return self.mentions[min(first)] if first else None


def _inside(mentions: tuple[Mention, ...], spans: list[tuple[int, int]]) -> list[Mention]:
    return [m for m in mentions if any(s <= m[0] and m[1] <= e for s, e in spans)]


def _nearest(mentions: list[Mention], position: int) -> str | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m[0] - position), m[0]))[2]


def section_starts(document: SegmentedDocument, label_blocks: set[int]) -> tuple[int, ...]:
    """Per block, the index of the block that opens its section: the nearest heading or question at or
    before it (a block that is only a phase label does not open a section), else 0."""
    found = []
    current = 0
    for block in document.blocks:
        if block.kind in ("heading", "question") and block.index not in label_blocks:
            current = block.index
        found.append(current)
    return tuple(found)


@dataclass(frozen=True)
class _Distinct:
    """Over a sequence of ids, some of them counting: the distinct counting ids of an index range, up to two."""

    ids: list[str]
    first: list[int]  # per index (and one past the last): the first counting index from there on
    other: list[int]  # per counting index: the next counting index with another id

    @classmethod
    def of(cls, ids: list[str], counting: list[bool]) -> _Distinct:
        size = len(ids)
        first, other = [size] * (size + 1), [size] * size
        for index in range(size - 1, -1, -1):
            first[index] = index if counting[index] else first[index + 1]
            if counting[index]:
                after = first[index + 1]
                other[index] = after if after == size or ids[after] != ids[index] else other[after]
        return cls(ids, first, other)

    def within(self, low: int, high: int) -> set[str]:
        index = self.first[low]
        if index >= high:
            return set()
        return {self.ids[index], self.ids[self.other[index]]} if self.other[index] < high else {self.ids[index]}


@dataclass(frozen=True)
class Places:
    """One document's sections, sentences, mentions and the sentences that state schedules, indexed once
    for the questions asked of every schedule."""

    document: SegmentedDocument
    mentions: Mentions
    sections: tuple[int, ...]  # section_starts
    claimed: list[tuple[int, int]]  # spans of the sentences that state a schedule
    cues: dict[str, Any]
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)

    @cached_property
    def drugs(self) -> MentionIndex:
        return MentionIndex.of(self.mentions.drugs)

    @cached_property
    def main_drugs(self) -> MentionIndex:
        return MentionIndex.of([m for m in self.mentions.drugs if m[2] in self.cues["main_drugs"]])

    @cached_property
    def routes(self) -> MentionIndex:
        return MentionIndex.of(self.mentions.routes)

    @cached_property
    def own_routes(self) -> MentionIndex:
        return MentionIndex.of(_own_routes(self.document.text, self.mentions, self.drugs, self.cues))

    @cached_property
    def block_starts(self) -> list[int]:
        return [block.start for block in self.document.blocks]

    def block_at(self, position: int) -> Block:
        """The block holding a text position (the last block starting at or before it, else the first)."""
        return self.document.blocks[max(0, bisect_right(self.block_starts, position) - 1)]

    @cached_property
    def leaders(self) -> tuple[set[str], MentionIndex]:
        """The main drugs the text names most, and their mentions."""
        counts = Counter(m[2] for m in self.main_drugs.mentions)
        top = max(counts.values(), default=0)
        leaders = {drug for drug, n in counts.items() if n == top}
        return leaders, MentionIndex.of([m for m in self.mentions.drugs if m[2] in leaders])

    def heading_drugs(self, heading: Block) -> set[str]:
        """The main drugs a heading names."""
        key = ("heading", str(heading.index))
        if key not in self.memo:
            self.memo[key] = {m[2] for m in self.main_drugs.inside(heading.start, heading.end)}
        return self.memo[key]

    def _sentence_drugs(self, position: int) -> set[str]:
        """The drugs named in the sentence holding a text position."""
        sentences = self.document.sentences
        index = bisect_right(self._sentence_starts, position) - 1
        if not self._sentence_starts_ordered:
            sentence = next((s for s in sentences if s.start <= position < s.end), None)
        else:
            sentence = sentences[index] if index >= 0 and position < sentences[index].end else None
        return {m[2] for m in self.drugs.starting_in(sentence.start, sentence.end)} if sentence else set()

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.document.sentences]

    @cached_property
    def _sentence_starts_ordered(self) -> bool:
        return all(a.end <= b.start for a, b in pairwise(self.document.sentences))

    def _claims(self, route: Mention) -> bool:
        """Whether the route lies inside a sentence that states a schedule."""
        index = bisect_right(self.claimed, route[0], key=lambda span: span[0]) - 1
        return index >= 0 and route[1] <= self.claimed[index][1]

    def _section_routes(self, drug: str, excluded: bool) -> _Distinct:
        """The own routes that count for a section's route: in sentences that name the drug, and (when
        excluded) not in a sentence that states a schedule."""
        key = ("routes", f"{drug}:{excluded}")
        if key not in self.memo:
            routes = self.own_routes.mentions
            counting = [drug in self._sentence_drugs(m[0]) and not (excluded and self._claims(m)) for m in routes]
            self.memo[key] = _Distinct.of([m[2] for m in routes], counting)
        return self.memo[key]

    def section_route_ids(self, drug: str, start: int, sentences: tuple[int, int]) -> set[str]:
        """Ids of the own routes from start to the schedule's end in sentences that name the drug, leaving out
        those in sentences that state another schedule (at least two ids when there are several)."""
        own = self.own_routes
        if not own.ordered or not self._claimed_ordered:
            others = [span for span in self.claimed if span[1] <= sentences[0] or span[0] >= sentences[1]]
            return {m[2] for m in own.inside(start, sentences[1]) if drug in self._sentence_drugs(m[0])
                    and not any(s <= m[0] and m[1] <= e for s, e in others)}
        low = bisect_left(own.starts, start)
        high = max(low, bisect_right(own.ends, sentences[1]))
        middle = min(high, max(low, bisect_left(own.starts, sentences[0])))
        # claimed sentences never straddle the schedule's first sentence: a route before it in a claimed
        # sentence is in another schedule's sentence, one after it is in this schedule's
        return self._section_routes(drug, True).within(low, middle) | self._section_routes(drug, False).within(
            middle, high)

    @cached_property
    def _claimed_ordered(self) -> bool:
        return all(a[1] <= b[0] for a, b in pairwise(self.claimed))

    def defined_route(self, drug: str) -> str:
        """The one route the text defines the drug as: "Esketamine is a nasal spray ...", "Esketamine
        (Spravato) comes as a nasal spray" (a drug merely used with a route, "ketamine infusions", is not
        defined by it)."""
        key = ("defined", drug)
        if key not in self.memo:
            text, routes = self.document.text, self.own_routes
            starts = [m[0] for m in routes.mentions]
            found = set()
            for mention in self.main_drugs.mentions:
                if mention[2] != drug:
                    continue
                after = bisect_left(starts, mention[1])
                if after < len(starts) and starts[after] - mention[1] <= _DEFINITION_REACH \
                        and _DEFINITION.fullmatch(text, mention[1], starts[after]):
                    found.add(routes.mentions[after][2])
            self.memo[key] = found.pop() if len(found) == 1 else "unspecified"
        return self.memo[key]

    def title_route(self, drug: str) -> str:
        key = ("title", drug)
        if key not in self.memo:
            self.memo[key] = _title_route(self.document, self.own_routes.mentions, self.mentions, drug, self.cues)
        return self.memo[key]


def schedule_drug(places: Places, phase_drug: str | None, sentences: tuple[int, int], phase_start: int) -> str:
    """The drug a schedule is about: the one named in its phases, else a main drug (ketamine, esketamine)
    named in its sentences, else the drug the text equates with a route named there ("the nasal spray"),
    else the main drug named last before it in its paragraph, else the one its section heading names,
    else the main drug the text names most."""
    if phase_drug:
        return phase_drug
    main, mentions = places.cues["main_drugs"], places.mentions
    in_sentences = list(places.main_drugs.inside(*sentences))
    if in_sentences:
        return _nearest(in_sentences, phase_start) or main[0]
    for route in places.routes.inside(*sentences):
        if route[2] in mentions.route_drugs:
            return mentions.route_drugs[route[2]]
    block = places.block_at(sentences[0])
    in_block = places.main_drugs.last_inside(block.start, sentences[0])
    if in_block:
        return in_block[2]
    heading = places.document.blocks[places.sections[block.index]]
    named = places.heading_drugs(heading)
    if len(named) == 1 and heading.kind in ("heading", "question"):
        return next(iter(named))
    leaders, mentioned = places.leaders
    if leaders:
        before = mentioned.last_inside(0, sentences[0])
        return before[2] if before else min(leaders, key=main.index)
    return main[0]


def schedule_route(places: Places, drug: str, phase_spans: list[tuple[int, int]], sentences: tuple[int, int],
                   last_block: int) -> str:
    """The route: named in the phases, else (for ketamine and esketamine) in the schedule's sentences, else
    the one route its section names, before the schedule ends, in sentences that name the drug and state no
    other schedule, else the one route the document's title names, else the one route the text defines the
    drug as ("Esketamine is a nasal spray for ..."); unspecified when none or several. A route that names
    another drug's route ("an oral antidepressant") does not count."""
    in_phases = places.routes.first_inside_any(phase_spans)
    if in_phases:
        return in_phases[2]
    if drug not in places.cues["main_drugs"]:
        return "unspecified"
    in_sentences = list(places.own_routes.inside(*sentences))
    if in_sentences:
        return _nearest(in_sentences, phase_spans[0][0]) or "unspecified"
    first = places.document.blocks[places.sections[last_block]]
    found = places.section_route_ids(drug, first.start, sentences)
    if len(found) == 1:
        return found.pop()
    if found:
        return "unspecified"
    titled = places.title_route(drug)
    if titled != "unspecified":
        return titled
    return places.defined_route(drug)


def _title_route(document: SegmentedDocument, own: tuple[Mention, ...], mentions: Mentions, drug: str,
                 cues: dict[str, Any]) -> str:
    """The one route the document's title names ("SPRAVATO (esketamine) nasal spray"), when the title names
    the schedule's drug or no main drug at all. The title is the first block that is not boilerplate with the
    short lines right under it (a leaflet's "Veltrana 28 mg nasal spray, solution" and "esketamine")."""
    spans = [(block.start, block.end) for block in _title_blocks(document)]
    if not spans:
        return "unspecified"
    routes = {m[2] for m in _inside(own, spans)}
    drugs = {m[2] for m in _inside(mentions.drugs, spans) if m[2] in cues["main_drugs"]}
    return routes.pop() if len(routes) == 1 and (not drugs or drug in drugs) else "unspecified"


_TITLE_LINE_KINDS = {"heading", "question", "paragraph"}  # a block of these kinds ends the title
_MAX_TITLE_LINES = 4


def _title_blocks(document: SegmentedDocument) -> list[Block]:
    """The first block that is not boilerplate, and the blocks right after it that are title lines: not
    boilerplate, no heading, question or paragraph, and no sentence end ("Veltrana 28 mg nasal spray, solution")."""
    first = next((b for b in document.blocks if not b.marks), None)
    if first is None:
        return []
    found = [first]
    for block in document.blocks[first.index + 1:first.index + _MAX_TITLE_LINES]:
        body = document.text[block.start:block.end]
        if block.marks or block.kind in _TITLE_LINE_KINDS or re.search(r"[.!?:;]", body):
            break
        found.append(block)
    return found


def _own_routes(text: str, mentions: Mentions, drugs: MentionIndex, cues: dict[str, Any]) -> tuple[Mention, ...]:
    """Route mentions that do not name another drug's route ("an oral antidepressant")."""
    main = set(cues["main_drugs"])
    if not drugs.ordered:
        return tuple(route for route in mentions.routes
                     if not any(drug[2] not in main and re.fullmatch(r"\s+", text[route[1]:drug[0]] or "x")
                                for drug in mentions.drugs))
    own = []
    for route in mentions.routes:
        # only the drugs starting first after the route can have nothing but white space before them
        following = bisect_right(drugs.starts, route[1])
        first = drugs.mentions[following:bisect_right(drugs.starts, drugs.starts[following])] \
            if following < len(drugs.starts) else ()
        if not any(drug[2] not in main and _SPACE.fullmatch(text, route[1], drug[0]) for drug in first):
            own.append(route)
    return tuple(own)
