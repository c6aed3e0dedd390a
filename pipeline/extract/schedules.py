"""SegmentedDocument + schedule cues (+ the shared number cues) + vocabulary -> schedules with ordered phases."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.extract.phases import DraftPhase, draft_phases
from pipeline.extract.schedule_context import (
    MentionIndex,
    Places,
    find_mentions,
    resolve_mentions,
    schedule_drug,
    schedule_route,
    section_starts,
)
from pipeline.extract.timing import Grammar, Timing, grammar, read_elements
from pipeline.records import Phase, Schedule, SegmentedDocument, Sentence, Vocabulary

_ROWS = {"list-item", "table-row"}


@dataclass(frozen=True)
class _Parsed:
    """One content sentence read for schedules."""

    sentence: Sentence
    phases: tuple[DraftPhase, ...]
    continues: bool  # it opens with a sequence connector ("After that, ...")
    row: bool  # it opens with a position or a phase label ("Weeks 5 to 8: ...", "Maintenance: ...")
    context: bool  # it names an administration, a drug or a route
    session: bool  # all its phases are doses of one sitting (minutes or hours apart)


@dataclass
class _Chain:
    items: list[_Parsed] = field(default_factory=list)
    lead: int | None = None  # start of a label-only block just before it ("Induction phase:")
    gap: int = 0


def _opens_with(text: str, sentence: Sentence, start: int) -> bool:
    return re.fullmatch(r"[\s\"“(]*(?:(?:and|but|so)\s+)?", text[sentence.start:start], re.IGNORECASE) is not None


def _parse(document: SegmentedDocument, sentence: Sentence, g: Grammar, cues: dict[str, Any],
           drugs: MentionIndex, named_at: list[int], table: set[int]) -> _Parsed:
    """named_at: where every drug and route mention starts, in order."""
    text = document.text
    elements = read_elements(text, sentence.start, sentence.end, g, cues.get("numbers") or {})
    # the phases read only the drugs of their own sentence
    phases = draft_phases(text, sentence.start, sentence.end, elements, g,
                          list(drugs.starting_in(sentence.start, sentence.end)))
    first = elements[0] if elements else None
    timed = [e for e in elements if e.timing.groups() or e.kind == "position"]
    connectors = [e for e in elements if e.kind == "connector"]
    # "After that, ...", "Some patients then move to ...": a connector before any timing continues a schedule.
    continues = bool(connectors and (not timed or connectors[0].start < timed[0].start))
    row = bool(first and (first.kind == "position" or (first.kind == "label" and first.header))
               and _opens_with(text, sentence, first.start))
    named = bisect_left(named_at, sentence.end) > bisect_left(named_at, sentence.start)
    context = (named or bool(g.administration.search(text, sentence.start, sentence.end))
               or sentence.block_index in table)
    session = bool(phases) and all(_in_session(p.timing) for p in phases)
    return _Parsed(sentence, tuple(phases), continues, row, context, session)


def _in_session(timing: Timing) -> bool:
    """Doses of one sitting: minutes apart, or within minutes or hours."""
    return timing.period_unit == "min" or timing.bounds_unit in ("min", "h")


_CELL_SEPARATOR = re.compile(r"\s*(?:\||\t|\s{2,})\s*")


def _timing_tables(document: SegmentedDocument, cues: dict[str, Any]) -> set[int]:
    """Table rows under a header row whose columns name timing ("Phase | How often | How long"): the
    rows of a dosing table, which state a schedule even when no row names a giving, drug or route."""
    words = [w.lower() for w in cues.get("table_timing_columns") or []]
    if not words:
        return set()
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    column = re.compile(f"(?:{alternatives})", re.IGNORECASE)
    found: set[int] = set()
    header = False
    for block in document.blocks:
        if block.kind != "table-row":
            header = False
            continue
        if header:
            found.add(block.index)
            continue
        cells = [c for c in _CELL_SEPARATOR.split(document.text[block.start:block.end].strip()) if c]
        header = len(cells) >= 2 and any(column.fullmatch(c.strip(" :")) for c in cells)
    return found


def _label_blocks(document: SegmentedDocument, g: Grammar) -> dict[int, str]:
    """Blocks that only name a phase ("Induction phase:", "Maintenance") -> the label they name."""
    found = {}
    for block in document.blocks:
        body = document.text[block.start:block.end]
        if block.marks or not g.label_block.fullmatch(body):
            continue
        for label, pattern in g.labels:
            if pattern.search(body):
                found[block.index] = label
                break
    return found


def _chains(document: SegmentedDocument, parsed: list[_Parsed], label_blocks: dict[int, str],
            max_gap: int) -> list[_Chain]:
    """Sentences in text order -> chains of sentences that state one schedule (or several drugs' schedules)."""
    chains: list[_Chain] = []
    current: _Chain | None = None
    pending: str | None = None
    pending_start: int | None = None
    sections = section_starts(document, set(label_blocks))
    for item in parsed:
        block = document.block_of(item.sentence)
        if block.index in label_blocks:
            pending, pending_start = label_blocks[block.index], block.start
            continue
        if not item.phases:
            if current is not None:
                current.gap += 1
                if block.kind in ("heading", "question"):
                    current = None
            continue
        joins = False
        if current is not None:
            previous = current.items[-1]
            same_section = sections[document.block_of(previous.sentence).index] == sections[block.index]
            between = range(document.block_of(previous.sentence).index + 1, block.index)
            adjacent = all(index in label_blocks for index in between)
            rows = (item.row and previous.row) or {block.kind, document.block_of(previous.sentence).kind} <= _ROWS
            # the doses of one sitting ("2 or 3 devices, 5 minutes apart") are a schedule of their own,
            # never a phase of the course told in the rows around them
            joins = same_section and item.session == previous.session and (
                (item.continues and current.gap <= max_gap)
                or (item.row and previous.row and _contiguous(previous, item))
                or (rows and adjacent and current.gap == 0))
        if joins and current is not None:
            if pending is not None:
                item = _with_label(item, pending)
            current.items.append(item)
            current.gap = 0
        else:
            current = _Chain(items=[_with_label(item, pending) if pending else item], lead=pending_start)
            chains.append(current)
        pending = pending_start = None
    return chains


def _contiguous(previous: _Parsed, item: _Parsed) -> bool:
    """"Weeks 1 to 4" then "Weeks 5 to 8": the second position starts where the first ends."""
    before = next((p.position for p in reversed(previous.phases) if p.position), None)
    after = next((p.position for p in item.phases if p.position), None)
    return bool(before and after and before[1] is not None and before[2] == after[2] and after[0] == before[1] + 1)


def _with_label(item: _Parsed, label: str) -> _Parsed:
    """A label-only block heads the phases after it: the first phase of the sentence gets it as a header."""
    first = item.phases[0]
    if first.label is not None and first.header:
        return item
    return replace(item, phases=(replace(first, label=label, header=True, block_label=True), *item.phases[1:]))


def _labels(phases: list[DraftPhase], sentences: list[int], cues: dict[str, Any]) -> list[str]:
    """Explicit labels; a header label carried forward (a label block's over the rows under it, a row's
    own "Maintenance phase: ..." over the rest of its sentence); else a role from the timing: doses minutes
    apart, or a phase bounded in minutes or hours, make a session; a lone phase gets the default label; in a
    sequence the first and the more-than-weekly phases are induction, an open-ended last phase is
    maintenance and the rest taper."""
    labels: list[str | None] = []
    carried: tuple[str, int | None] | None = None  # label, and the sentence it holds for (None: every one)
    for phase, sentence in zip(phases, sentences, strict=True):
        if phase.label is not None:
            labels.append(phase.label)
            if phase.header:
                carried = (phase.label, None if phase.block_label else sentence)
        elif carried is not None and carried[1] in (None, sentence):
            labels.append(carried[0])
        else:
            labels.append(None)
    result = []
    for index, (phase, label) in enumerate(zip(phases, labels, strict=True)):
        timing = phase.timing
        if label is not None:
            result.append(label)
        elif _in_session(timing):
            result.append("session")
        elif len(phases) == 1:
            result.append(cues["default_label"])
        elif index == 0 or (timing.per_week() or 0) > 1:
            result.append("induction")
        elif index == len(phases) - 1 and timing.bounds_unit is None and timing.count is None:
            result.append("maintenance")
        else:
            result.append("taper")
    return result


def _split_by_drug(chain: _Chain) -> list[list[tuple[_Parsed, DraftPhase]]]:
    """A chain -> its schedules: a phase naming another drug than the schedule's starts a new schedule."""
    groups: list[list[tuple[_Parsed, DraftPhase]]] = []
    drug: str | None = None
    for item in chain.items:
        for phase in item.phases:
            if not groups or (phase.drug is not None and drug is not None and phase.drug != drug):
                groups.append([])
                drug = None
            groups[-1].append((item, phase))
            drug = drug or phase.drug
    return groups


def _schedule(places: Places, members: list[tuple[_Parsed, DraftPhase]], shared: bool,
              lead: int | None) -> Schedule | None:
    document, cues = places.document, places.cues
    phases = [phase for _, phase in members]
    if not any(phase.timing.groups() for phase in phases):
        return None
    # one item per sentence (by index: hashing an item hashes all its phases)
    items = list({item.sentence.index: item for item, _ in members}.values())
    if not any(item.context for item in items):
        return None
    text = document.text
    sentences = (items[0].sentence.start, items[-1].sentence.end)
    phase_drug = next((p.drug for p in phases if p.drug), None)
    drug = schedule_drug(places, phase_drug, sentences, phases[0].start)
    spans = [(p.start, p.end) for p in phases]
    route = schedule_route(places, drug, spans, sentences, items[-1].sentence.block_index)
    narrow = shared or (phase_drug is not None and phase_drug not in cues["main_drugs"])
    start, end = (phases[0].start, phases[-1].end) if narrow else (lead or sentences[0], sentences[1])
    while end > start and (text[end - 1] in ".;:," or text[end - 1].isspace()):  # "... first week :"
        end -= 1
    records = tuple(
        Phase(start=p.start, end=p.end, quote=text[p.start:p.end], label=label, **_fields(p))
        for p, label in zip(phases, _labels(phases, [item.sentence.index for item, _ in members], cues),
                            strict=True))
    return Schedule(source_id=document.source_id, start=start, end=end, quote=text[start:end], drug=drug,
                    route=route, phases=records)


def _fields(phase: DraftPhase) -> dict[str, Any]:
    t = phase.timing
    return {"frequency": t.frequency, "frequency_max": t.frequency_max, "period": t.period,
            "period_max": t.period_max, "period_unit": t.period_unit, "count": t.count, "count_max": t.count_max,
            "bounds_low": t.bounds_low, "bounds_high": t.bounds_high, "bounds_unit": t.bounds_unit,
            "as_needed": t.as_needed}


def extract_schedules(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Schedule, ...]:
    """Every treatment schedule the document states, each with its drug, route and ordered phases.

    cues is data/cues/schedules.yaml, with the shared number cues (data/cues/numbers.yaml) under "numbers".
    """
    if not cues.get("units"):
        return ()
    text = document.text
    drug_terms, route_terms = vocabulary.of_kind("drug"), vocabulary.of_kind("route")
    g = grammar(cues, tuple(s for t in drug_terms for s in (*t.synonyms, t.label.lower())),
                tuple(s for t in route_terms for s in t.synonyms))
    mentions = resolve_mentions(text, find_mentions(text, drug_terms), find_mentions(text, route_terms), cues)
    label_blocks = _label_blocks(document, g)
    drugs = MentionIndex.of(mentions.drugs)
    named_at = sorted(m[0] for m in (*mentions.drugs, *mentions.routes))
    table = _timing_tables(document, cues)
    parsed = [_parse(document, s, g, cues, drugs, named_at, table) for s in document.content_sentences()]
    chains = _chains(document, parsed, label_blocks, int(cues["max_gap_sentences"]))
    claimed = [(item.sentence.start, item.sentence.end) for chain in chains for item in chain.items]
    places = Places(document, mentions, section_starts(document, set(label_blocks)), claimed, cues)
    schedules: list[Schedule] = []
    for chain in chains:
        groups = _split_by_drug(chain)
        for number, members in enumerate(groups):
            schedule = _schedule(places, members, len(groups) > 1, chain.lead if number == 0 else None)
            if schedule is not None:
                schedules.append(schedule)
    return tuple(schedules)
