"""Document text + vocabulary mentions + a schedule's spans -> the schedule's drug and route."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.records import Block, SegmentedDocument, Term

Mention = tuple[int, int, str]  # start, end, term id

_APPOSITION = re.compile(r"(?:\s*\([^)]*\))?(?:,\s+(?:a|an|the)\s+(?:[\w-]+\s+)?|\s+)")


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
    for start, end, term_id in drugs:
        head = example.search(text, max(0, start - 60), start)
        if head and head.group("head").lower() in generic:
            resolved.append((head.start("head"), end, classes.get(term_id, term_id)))
        elif head and any(d[1] == head.end("head") for d in drugs):
            continue
        else:
            resolved.append((start, end, term_id))
    main = set(cues["main_drugs"])
    route_drugs: dict[str, set[str]] = {}
    for route_start, _, route_id in routes:
        for _, drug_end, drug_id in drugs:
            if drug_id in main and drug_end <= route_start and _APPOSITION.fullmatch(text, drug_end, route_start):
                route_drugs.setdefault(route_id, set()).add(drug_id)
    return Mentions(
        drugs=tuple(resolved),
        routes=routes,
        route_drugs={route: next(iter(found)) for route, found in route_drugs.items() if len(found) == 1})


def _inside(mentions: tuple[Mention, ...], spans: list[tuple[int, int]]) -> list[Mention]:
    return [m for m in mentions if any(s <= m[0] and m[1] <= e for s, e in spans)]


def _nearest(mentions: list[Mention], position: int) -> str | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m[0] - position), m[0]))[2]


def section_start(document: SegmentedDocument, block_index: int, label_blocks: set[int]) -> int:
    """Index of the block that opens the section of a block: the nearest heading or question before it
    (a block that is only a phase label does not open a section)."""
    for index in range(block_index, -1, -1):
        block = document.blocks[index]
        if block.kind in ("heading", "question") and index not in label_blocks:
            return index
    return 0


def schedule_drug(document: SegmentedDocument, mentions: Mentions, phase_drug: str | None,
                  sentences: tuple[int, int], phase_start: int, label_blocks: set[int], cues: dict[str, Any]) -> str:
    """The drug a schedule is about: the one named in its phases, else a main drug (ketamine, esketamine)
    named in its sentences, else the drug the text equates with a route named there ("the nasal spray"),
    else the main drug named last before it in its paragraph, else the one its section heading names,
    else the main drug the text names most."""
    if phase_drug:
        return phase_drug
    main = cues["main_drugs"]
    in_sentences = [m for m in _inside(mentions.drugs, [sentences]) if m[2] in main]
    if in_sentences:
        return _nearest(in_sentences, phase_start) or main[0]
    for route in _inside(mentions.routes, [sentences]):
        if route[2] in mentions.route_drugs:
            return mentions.route_drugs[route[2]]
    block = document.blocks[document_block(document, sentences[0])]
    in_block = [m for m in mentions.drugs if m[2] in main and block.start <= m[0] and m[1] <= sentences[0]]
    if in_block:
        return in_block[-1][2]
    heading = document.blocks[section_start(document, block.index, label_blocks)]
    named = {m[2] for m in _inside(mentions.drugs, [(heading.start, heading.end)]) if m[2] in main}
    if len(named) == 1 and heading.kind in ("heading", "question"):
        return named.pop()
    counts = Counter(m[2] for m in mentions.drugs if m[2] in main)
    if counts:
        top = max(counts.values())
        leaders = {drug for drug, n in counts.items() if n == top}
        before = [m for m in mentions.drugs if m[2] in leaders and m[1] <= sentences[0]]
        return before[-1][2] if before else min(leaders, key=main.index)
    return main[0]


def document_block(document: SegmentedDocument, position: int) -> int:
    """Index of the block holding a text position (the last block starting at or before it)."""
    index = 0
    for block in document.blocks:
        if block.start <= position:
            index = block.index
    return index


def schedule_route(document: SegmentedDocument, mentions: Mentions, drug: str, phase_spans: list[tuple[int, int]],
                   sentences: tuple[int, int], last_block: int, label_blocks: set[int],
                   others: list[tuple[int, int]], cues: dict[str, Any]) -> str:
    """The route: named in the phases, else (for ketamine and esketamine) in the schedule's sentences, else
    the one route its section names, before the schedule ends, in sentences that name the drug and state no
    other schedule, else the one route the document's title names;
    unspecified when none or several. A route that names another drug's route ("an oral antidepressant")
    does not count."""
    in_phases = _inside(mentions.routes, phase_spans)
    if in_phases:
        return in_phases[0][2]
    if drug not in cues["main_drugs"]:
        return "unspecified"
    own = _own_routes(document.text, mentions, cues)
    in_sentences = _inside(own, [sentences])
    if in_sentences:
        return _nearest(in_sentences, phase_spans[0][0]) or "unspecified"
    first = document.blocks[section_start(document, last_block, label_blocks)]
    found = {m[2] for m in _inside(own, [(first.start, sentences[1])])
             if _sentence_names(document, mentions, m[0], drug) and not _inside((m,), others)}
    if len(found) == 1:
        return found.pop()
    return _title_route(document, own, mentions, drug, cues) if not found else "unspecified"


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


def _sentence_names(document: SegmentedDocument, mentions: Mentions, position: int, drug: str) -> bool:
    """Whether the sentence holding a text position names the drug."""
    sentence = next((s for s in document.sentences if s.start <= position < s.end), None)
    return sentence is not None and any(
        sentence.start <= m[0] < sentence.end and m[2] == drug for m in mentions.drugs)


def _own_routes(text: str, mentions: Mentions, cues: dict[str, Any]) -> tuple[Mention, ...]:
    """Route mentions that do not name another drug's route ("an oral antidepressant")."""
    main = set(cues["main_drugs"])
    return tuple(route for route in mentions.routes
                 if not any(drug[2] not in main and re.fullmatch(r"\s+", text[route[1]:drug[0]] or "x")
                            for drug in mentions.drugs))
