"""Annotated text + schedule cues -> the drug and route mentions a schedule reads: examples resolved to their class,
routes that name another drug's route left out, and the drug a text equates with a route."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention
from pipeline.extractors.schedule_cues import DRUGS, ROUTES, ScheduleCues, cue

_SPACE = " \t\n\r\u00a0"


@dataclass(frozen=True, slots=True)
class Named:
    """A drug or route the text names: its span and term id."""

    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Spans:
    """Named things in text order (none holds another), for range questions in log time."""

    items: tuple[Named, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, items: list[Named] | tuple[Named, ...]) -> Spans:
        ordered = tuple(sorted(items, key=lambda n: (n.start, n.end)))
        return cls(ordered, tuple(n.start for n in ordered), tuple(n.end for n in ordered))

    def starting_in(self, start: int, end: int) -> tuple[Named, ...]:
        return self.items[bisect_left(self.starts, start):bisect_left(self.starts, end)]

    def inside(self, start: int, end: int) -> tuple[Named, ...]:
        return tuple(n for n in self.starting_in(start, end) if n.end <= end)

    def last_inside(self, start: int, end: int) -> Named | None:
        found = self.inside(start, end)
        return found[-1] if found else None


def _blank(text: str, start: int, end: int) -> bool:
    return start <= end and all(c in _SPACE for c in text[start:end])


def _sentence_start(annotated: Annotated, position: int) -> int:
    sentence = annotated.sentence_at(position)
    return sentence.start if sentence else position


def _ending_at(annotated: Annotated, list_name: str, position: int) -> Mention | None:
    """The mention of a list in position's sentence whose end is the last non-space character before position."""
    found = annotated.mentions.last(list_name, _sentence_start(annotated, position), position)
    return found if found is not None and _blank(annotated.text, found.end, position) else None


def _example_head(annotated: Annotated, drug: Mention) -> Mention | None:
    """"medication like Lexapro", "antidepressant, such as Lexapro": the word the example marker follows."""
    marker = _ending_at(annotated, cue("example_markers"), drug.start)
    if marker is None:
        return None
    text = annotated.text
    before = marker.start
    while before > 0 and text[before - 1] in _SPACE:
        before -= 1
    if before > 0 and text[before - 1] == ",":
        before -= 1
    for name in (cue("generic_medications"), DRUGS):
        head = _ending_at(annotated, name, before)
        if head is not None:
            return head
    return None


def resolved_drugs(annotated: Annotated, cues: ScheduleCues) -> Spans:
    """Drug mentions, an example after a generic noun ("medication like Lexapro") standing for its class from the
    noun on, an example after a drug ("antidepressant like Lexapro") dropped (the drug before it counts)."""
    classes = {member: name for name, members in cues.drug_classes.items() for member in members}
    found = []
    for drug in annotated.of(DRUGS):
        head = _example_head(annotated, drug)
        if head is None:
            found.append(Named(drug.start, drug.end, drug.value))
        elif head.list_name != DRUGS:
            found.append(Named(head.start, drug.end, classes.get(drug.value, drug.value)))
    return Spans.of(found)


def own_routes(annotated: Annotated, cues: ScheduleCues) -> Spans:
    """Route mentions that do not name another drug's route ("an oral antidepressant")."""
    main = set(cues.main_drugs)
    drugs = annotated.of(DRUGS)
    starts = [d.start for d in drugs]
    own = []
    for route in annotated.of(ROUTES):
        index = bisect_left(starts, route.end)
        following = drugs[index] if index < len(drugs) else None
        if following is not None and following.value not in main and _blank(annotated.text, route.end, following.start):
            continue
        own.append(Named(route.start, route.end, route.value))
    return Spans.of(own)


def _after_parenthesis(text: str, position: int, limit: int) -> int:
    """Past "(Spravato)" right after a drug, if one stands there."""
    probe = position
    while probe < limit and text[probe] in _SPACE:
        probe += 1
    if probe < limit and text[probe] == "(":
        close = text.find(")", probe, limit)
        if close != -1:
            return close + 1
    return position


def _article_tail(annotated: Annotated, start: int, end: int, cues: ScheduleCues) -> bool:
    """Between a drug and a route: an article and at most a few words ("a nasal spray", "a prescription")."""
    words = annotated.word_spans(start, end)
    if not words or len(words) > 1 + cues.apposition_words:
        return False
    article = annotated.mentions.first(cue("articles"), words[0][0], words[0][1])
    return article is not None and article.start == words[0][0] and article.end == words[0][1] \
        and _blank(annotated.text, words[-1][1], end)


def apposed(annotated: Annotated, drug: Named, route: Named, cues: ScheduleCues) -> bool:
    """"esketamine, a nasal spray", "esketamine (Spravato) nasal spray": the text equates drug and route."""
    text = annotated.text
    if route.start < drug.end:
        return False
    position = _after_parenthesis(text, drug.end, route.start)
    if _blank(text, position, route.start):
        return route.start > position
    probe = position
    while probe < route.start and text[probe] in _SPACE:
        probe += 1
    return text[probe:probe + 1] == "," and _article_tail(annotated, probe + 1, route.start, cues)


def defined(annotated: Annotated, drug: Named, route: Named, cues: ScheduleCues) -> bool:
    """"Esketamine is a nasal spray ...", "Esketamine (Spravato) comes as a nasal spray": a drug defined by its
    route (a drug merely used with a route, "ketamine infusions", is not)."""
    position = _after_parenthesis(annotated.text, drug.end, route.start)
    verb = annotated.mentions.first(cue("definition_verbs"), position, route.start)
    if verb is None or not _blank(annotated.text, position, verb.start) or verb.start == position:
        return False
    return _article_tail(annotated, verb.end, route.start, cues)


def route_drugs(annotated: Annotated, drugs: Spans, cues: ScheduleCues) -> dict[str, str]:
    """Route id -> the one main drug the text equates with it ("esketamine, a nasal spray" ... "the nasal spray")."""
    main = set(cues.main_drugs)
    found: dict[str, set[str]] = {}
    for route in annotated.of(ROUTES):
        named = Named(route.start, route.end, route.value)
        for drug in drugs.inside(_sentence_start(annotated, route.start), route.start):
            if drug.value in main and apposed(annotated, drug, named, cues):
                found.setdefault(route.value, set()).add(drug.value)
    return {route: next(iter(ids)) for route, ids in found.items() if len(ids) == 1}
