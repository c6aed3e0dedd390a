"""Reading + schedule cues -> Schedule records: sentences chained into schedules, each with its drug, route, drug form
and ordered phases (FHIR Timing.repeat fields, a label and the dose of one administration)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pipeline.engine.annotate import Annotated
from pipeline.engine.boilerplate import CALLS
from pipeline.engine.forms import Form, FormCues, form_at, form_name
from pipeline.engine.layout import Block
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.sentences import Sentence
from pipeline.extractors.schedule_context import UNSPECIFIED, Page, Stated, schedule_drug, schedule_route
from pipeline.extractors.schedule_cues import DRUGS, ROUTES, ScheduleCues, cue
from pipeline.extractors.schedule_doses import DosePlace, phase_dose
from pipeline.extractors.schedule_mentions import Named
from pipeline.extractors.schedule_phases import SESSION_UNITS, DraftPhase, Said, draft_phases
from pipeline.extractors.schedule_reading import read_elements
from pipeline.extractors.schedule_tables import column_positions, timing_tables, unit_columns
from pipeline.extractors.schedule_timing import ADMINISTRATIONS, VERBS, Timing
from pipeline.extractors.schedule_tokens import stream
from pipeline.records import Phase, Schedule

if TYPE_CHECKING:
    from pipeline.extractors import Reading, Settings

LABELS = cue("labels")
ROW_KINDS = ("item", "row")
SECTION_KINDS = ("heading", "question")
EXCLUSION = "exclusion"  # the scope of a list of exclusion criteria
GIVINGS = (ADMINISTRATIONS, VERBS, DRUGS, ROUTES, cue("dose_units"))
_QUOTES_AND_SPACE = " \t\n\"“‘'(["
_TRAILING = ".;:,"


@dataclass(frozen=True)
class _Parsed:
    """One content sentence read for schedules."""

    sentence: Sentence
    block: Block
    phases: tuple[DraftPhase, ...]
    continues: bool  # it opens with a sequence connector ("After that, ...")
    row: bool  # it opens with a position or a phase label ("Weeks 5 to 8: ...", "Maintenance: ...")
    context: bool  # it names an administration, a drug or a route
    session: bool  # all its phases are doses of one sitting (minutes or hours apart)


def _in_session(timing: Timing) -> bool:
    """Doses of one sitting: minutes apart, or within minutes or hours."""
    return timing.period_unit == "min" or timing.bounds_unit in SESSION_UNITS


def _opens_with(annotated: Annotated, sentence: Sentence, start: int) -> bool:
    """Nothing but quotes, brackets and maybe "and"/"but"/"so" stands between the sentence start and start."""
    words = annotated.word_spans(sentence.start, start)
    if len(words) > 1:
        return False
    if words and annotated.mentions.covering(cue("leading_conjunctions"), *words[0]) is None:
        return False
    rest = annotated.text[sentence.start:words[0][0]] if words else annotated.text[sentence.start:start]
    return all(c in _QUOTES_AND_SPACE for c in rest)


@dataclass(frozen=True)
class _Document:
    """What every sentence's reading shares: the text, its page of mentions, timing tables and label blocks."""

    annotated: Annotated
    cues: ScheduleCues
    page: Page
    tables: frozenset[int]  # rows of a dosing table under a header of timing columns
    columns: dict[int, list[tuple[int, str]]]  # rows under a header cell naming a unit ("Week"): (cell, unit)
    label_blocks: dict[int, str]  # blocks that only name a phase ("Induction phase:") -> the label
    forms: FormCues
    default_form: Form | None  # the form the document names most


def _gives(annotated: Annotated, start: int, end: int) -> bool:
    """The words name a giving: an administration, a verb of giving, a drug, a route or a dose ("56 mg")."""
    return any(annotated.mentions.first(name, start, end) for name in GIVINGS)


def _lead_in_gives(annotated: Annotated, block: Block) -> bool:
    """The lead-in a list item hangs under names a giving ("The recommended dose for adults is:")."""
    parent = annotated.blocks[block.parent] if block.parent is not None else None
    return parent is not None and parent.kind == "lead-in" and _gives(annotated, parent.start, parent.end)


def _parse(doc: _Document, sentence: Sentence) -> _Parsed:
    annotated = doc.annotated
    said = Said(annotated, sentence.start, sentence.end, doc.page.drugs, doc.cues)
    elements = read_elements(annotated, sentence.start, sentence.end, doc.cues)
    if sentence.block in doc.columns:
        elements = column_positions(annotated, annotated.blocks[sentence.block], doc.columns[sentence.block],
                                    elements)
    phases = draft_phases(elements, said, doc.cues)
    first = elements[0] if elements else None
    timed = [e for e in elements if e.timing.groups() or e.kind == "position"]
    connectors = [e for e in elements if e.kind == "connector"]
    # "After that, ...", "Some patients then move to ...", "... every 10 to 14 days afterward": a connector before
    # any timing, or after all of it, continues a schedule
    continues = bool(connectors and (not timed or connectors[0].start < timed[0].start
                                     or connectors[-1].start >= max(e.end for e in timed)))
    row = bool(first and (first.kind == "position" or (first.kind == "label" and first.header))
               and _opens_with(annotated, sentence, first.start))
    context = _gives(annotated, sentence.start, sentence.end) or sentence.block in doc.tables \
        or _lead_in_gives(annotated, annotated.blocks[sentence.block])
    session = bool(phases) and all(_in_session(p.timing) for p in phases)
    return _Parsed(sentence, annotated.blocks[sentence.block], tuple(phases), continues, row, context, session)


def _label_block(annotated: Annotated, block: Block) -> str | None:
    """"Maintenance Phase:", "The induction period (weeks 1-4):": a block that only names a phase -> its label."""
    if not annotated.content(block) or annotated.mentions.first(LABELS, block.start, block.end) is None:
        return None
    s = stream(annotated, block.start, block.end)
    article = s.has(cue("articles"), 0, joined=False)
    j = article if article is not None else 0
    label = s.phrase(LABELS, j, joined=article is not None)
    if label is None:
        return None
    j = s.skip(cue("label_nouns"), label[1])
    rest = annotated.text[s.tokens[j - 1].end:block.end].strip()
    if rest.startswith("("):
        close = rest.find(")")
        rest = rest[close + 1:].strip() if close != -1 else rest
    return label[0].value if rest in ("", ":") else None


def _opens_section(block: Block, label_blocks: dict[int, str]) -> bool:
    """A heading or question set apart by blank lines (a title-like line in a run of lines is a row of it);
    a block that only names a phase opens none."""
    return block.kind in SECTION_KINDS and block.blank_before and block.blank_after and block.index not in label_blocks


def _sections(annotated: Annotated, label_blocks: dict[int, str]) -> tuple[int, ...]:
    """Per block, the block that opens its section: the nearest section opener at or before it, else the first
    block."""
    found = []
    current = 0
    for block in annotated.blocks:
        if _opens_section(block, label_blocks):
            current = block.index
        found.append(current)
    return tuple(found)


def _row_like(block: Block) -> bool:
    """A list item, a table row, or a line of a run of lines without blank lines between."""
    return bool(block.marker) or block.kind in ROW_KINDS or not (block.blank_before and block.blank_after)


@dataclass
class _Chain:
    items: list[_Parsed] = field(default_factory=list)
    lead: int | None = None  # start of a label-only block just before it ("Induction phase:")
    gap: int = 0  # sentences without timing since its last item


@dataclass(frozen=True)
class _Link:
    """A sentence with phases and the chain it may continue."""

    chain: _Chain
    previous: _Parsed
    item: _Parsed
    sections: tuple[int, ...]
    label_blocks: dict[int, str]
    cues: ScheduleCues
    headed: bool  # a block that only names a phase stands right before the sentence ("Maintenance Phase")


def _contiguous(previous: _Parsed, item: _Parsed) -> bool:
    """"Weeks 1 to 4" then "Weeks 5 to 8": the second position starts where the first ends."""
    before = next((p.position for p in reversed(previous.phases) if p.position), None)
    after = next((p.position for p in item.phases if p.position), None)
    return bool(before and after and before[1] is not None and before[2] == after[2] and after[0] == before[1] + 1)


CHAIN_RULES: RuleTable[bool] = RuleTable("schedule chains")


@CHAIN_RULES.rule(
    "another-section-or-sitting",
    Example("Using the spray\n\nEsketamine nasal spray is for adults.\nWeeks 1 to 4: two doses per week.\n"
            "Weeks 5 to 8: one dose per week.\nEach dose is 2 or 3 devices, with a 5-minute rest after each device.\n",
            "schedule_phases", {"label": "session", "count": 2}))
def _apart(link: _Link) -> bool | None:
    same = link.sections[link.previous.block.index] == link.sections[link.item.block.index]
    return None if same and link.item.session == link.previous.session else False


@CHAIN_RULES.rule(
    "continues-after-a-connector",
    Example("Ketamine therapy\n\nInitially, ketamine infusions are given twice a week for the first month.\n\n"
            "After that, patients receive infusions once a month.", "schedule_phases",
            {"label": "maintenance", "frequency": 1, "period_unit": "mo"}))
def _continues(link: _Link) -> bool | None:
    return True if link.item.continues and link.chain.gap <= link.cues.max_gap_sentences else None


@CHAIN_RULES.rule(
    "fills-the-phase-it-names",
    Example("Ketamine therapy\n\nPatients start with six infusions over two weeks. After the initial series, most "
            "patients need booster infusions. Boosters are scheduled every three to six weeks.", "schedule_phases",
            {"label": "maintenance", "period": 3, "period_max": 6}))
def _fills(link: _Link) -> bool | None:
    placeholder = link.previous.phases[-1]
    first = link.item.phases[0]
    named = placeholder.label is not None and not placeholder.timing.groups()
    same = first.label in (None, placeholder.label)
    return True if named and same and link.chain.gap <= link.cues.max_gap_sentences else None


def _complements(before: DraftPhase, after: DraftPhase) -> bool:
    """A rate alone that completes a course told without one: "Our program includes 6 sessions over 4 weeks." then
    "Sessions are spaced 3 to 4 days apart."."""
    said, adds = before.timing.groups(), after.timing.groups()
    return bool(said) and "rate" not in said and adds == {"rate"} and after.label is None and not after.connected \
        and not _in_session(after.timing)


@CHAIN_RULES.rule(
    "completes-the-phase-before",
    Example("Ketamine therapy\n\nOur program includes 6 ketamine sessions over 4 weeks. Sessions are spaced 3 to 4 "
            "days apart.", "schedule_phases", {"count": 6, "bounds_high": 4, "period": 3, "period_max": 4}))
def _completes(link: _Link) -> bool | None:
    item, previous = link.item, link.previous
    adjacent = item.sentence.index == previous.sentence.index + 1 and item.block.index == previous.block.index
    lone = len(item.phases) == 1 and item.context
    return True if adjacent and lone and _complements(previous.phases[-1], item.phases[0]) else None


@CHAIN_RULES.rule(
    "contiguous-positions",
    Example("Dosing\n\nInduction:\nWeeks 1 to 4: give esketamine twice per week.\nCheck the response.\n\n"
            "Maintenance:\nWeeks 5 to 8: give esketamine once weekly.", "schedule_phases",
            {"label": "maintenance", "frequency": 1, "bounds_high": 4}))
def _contiguous_rows(link: _Link) -> bool | None:
    return True if link.item.row and link.previous.row and _contiguous(link.previous, link.item) else None


@CHAIN_RULES.rule(
    "phases-under-successive-label-blocks",
    Example("Dosing\n\nInduction Phase\n\nPatients receive ketamine infusions twice a week for four weeks.\n\n"
            "Maintenance Phase\n\nInfusions are given once a month.", "schedule_phases",
            {"label": "maintenance", "frequency": 1, "period_unit": "mo"}))
def _successive_labels(link: _Link) -> bool | None:
    labelled = any(p.block_label for item in link.chain.items for p in item.phases)
    return True if link.headed and labelled and link.chain.gap <= link.cues.max_gap_sentences else None


@CHAIN_RULES.rule(
    "adjacent-rows",
    Example("Ketamine Infusion Protocol\n\nWeeks 1-2 three infusions per week\nWeeks 3-4 twice weekly\n",
            "schedule_phases", {"quote": "Weeks 3-4 twice weekly", "label": "induction"}))
def _adjacent_rows(link: _Link) -> bool | None:
    previous, item = link.previous, link.item
    rows = (item.row and previous.row) or (_row_like(item.block) and _row_like(previous.block))
    between = range(previous.block.index + 1, item.block.index)
    adjacent = all(index in link.label_blocks for index in between)
    return True if rows and adjacent and link.chain.gap == 0 else None


def _with_label(item: _Parsed, label: str) -> _Parsed:
    """A label-only block heads the phases after it: the first phase of the sentence gets it as a header."""
    first = item.phases[0]
    if first.label is not None and first.header:
        return item
    return replace(item, phases=(replace(first, label=label, header=True, block_label=True), *item.phases[1:]))


def _chains(parsed: list[_Parsed], sections: tuple[int, ...], label_blocks: dict[int, str],
            cues: ScheduleCues) -> list[_Chain]:
    """Sentences in text order -> chains of sentences that state one schedule (or several drugs' schedules)."""
    chains: list[_Chain] = []
    current: _Chain | None = None
    pending: tuple[str, int] | None = None  # a label block's label and start, waiting for its rows
    for item in parsed:
        if item.block.index in label_blocks:
            pending = (label_blocks[item.block.index], item.block.start)
            continue
        if not item.phases:
            if current is not None:
                current.gap += 1
                current = None if _opens_section(item.block, label_blocks) else current
            continue
        link = _Link(current, current.items[-1], item, sections, label_blocks, cues, pending is not None) \
            if current is not None else None
        decided = CHAIN_RULES.decide(link) if link is not None else None
        joins = decided is not None and decided[1]
        labelled = _with_label(item, pending[0]) if pending else item
        if joins and current is not None:
            current.items.append(labelled)
            current.gap = 0
        else:
            current = _Chain(items=[labelled], lead=pending[1] if pending else None)
            chains.append(current)
        pending = None
    return chains


@dataclass(frozen=True)
class _Role:
    """A phase in its schedule: its timing, place, count of phases and the label the text gives it."""

    phase: DraftPhase
    index: int
    total: int
    stated: str | None


LABEL_RULES: RuleTable[str] = RuleTable("schedule phase labels")


@LABEL_RULES.rule(
    "label-the-text-gives",
    Example("Our protocol\n\n1. Induction: six infusions over two weeks\n2. Consolidation: one infusion a week for "
            "four weeks\n", "schedule_phases", {"label": "continuation", "frequency": 1}))
def _stated(role: _Role, cues: ScheduleCues) -> str | None:
    return role.stated


@LABEL_RULES.rule(
    "role-its-sentence-names",
    Example("Ketamine therapy\n\nMaintenance therapy with ketamine usually runs twice a week to once every two weeks.",
            "schedule_phases", {"label": "maintenance", "period": 0.5, "period_max": 2}))
def _sentence_role(role: _Role, cues: ScheduleCues) -> str | None:
    return role.phase.sentence_label if role.total == 1 else None


@LABEL_RULES.rule(
    "doses-of-one-sitting",
    Example("Ketamine therapy\n\nPatients self-administer three doses, spaced five minutes apart.", "schedule_phases",
            {"label": "session"}))
def _sitting(role: _Role, cues: ScheduleCues) -> str | None:
    return "session" if _in_session(role.phase.timing) else None


@LABEL_RULES.rule(
    "a-lone-phase",
    Example("Ketamine therapy\n\nKetamine is given three times a week.", "schedule_phases", {"label": "unspecified"}))
def _lone(role: _Role, cues: ScheduleCues) -> str | None:
    return cues.default_label if role.total == 1 else None


@LABEL_RULES.rule(
    "first-or-more-than-weekly",
    Example("Ketamine therapy\n\nIntramuscular injections are given once weekly for four weeks, then once every other "
            "week.", "schedule_phases", {"label": "induction", "frequency": 1, "bounds_high": 4}))
def _first(role: _Role, cues: ScheduleCues) -> str | None:
    return "induction" if role.index == 0 or (role.phase.timing.per_week() or 0) > 1 else None


@LABEL_RULES.rule(
    "open-ended-last",
    Example("Ketamine therapy\n\nIntramuscular injections are given once weekly for four weeks, then once every other "
            "week.", "schedule_phases", {"label": "maintenance", "period": 2}))
def _open_ended(role: _Role, cues: ScheduleCues) -> str | None:
    timing = role.phase.timing
    last = role.index == role.total - 1
    return "maintenance" if last and timing.bounds_unit is None and timing.count is None else None


@LABEL_RULES.rule(
    "in-between",
    Example("Ketamine therapy\n\nPatients get infusions twice a week for two weeks, then weekly for four weeks, then "
            "monthly.", "schedule_phases", {"label": "taper", "bounds_high": 4}))
def _between(role: _Role, cues: ScheduleCues) -> str | None:
    return "taper"


def _stated_labels(phases: list[DraftPhase], sentences: list[int]) -> list[str | None]:
    """Explicit labels, and a header label carried forward: a label block's over the rows under it, a row's own
    "Maintenance phase: ..." over the rest of its sentence."""
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
    return labels


def _labels(phases: list[DraftPhase], sentences: list[int], cues: ScheduleCues) -> list[str]:
    stated = _stated_labels(phases, sentences)
    labels = []
    for index, (phase, label) in enumerate(zip(phases, stated, strict=True)):
        decided = LABEL_RULES.decide(_Role(phase, index, len(phases), label), cues)
        labels.append(decided[1] if decided else cues.default_label)
    return labels


def _filled(members: list[tuple[_Parsed, DraftPhase]]) -> list[tuple[_Parsed, DraftPhase]]:
    """A phase that only names a role ("most patients need booster infusions") followed by the phase that gives
    its timing ("Boosters are scheduled every three to six weeks") is that phase: the role goes to it. A rate in
    the next sentence that completes a course told without one is part of it (its span reaches over both)."""
    result: list[tuple[_Parsed, DraftPhase]] = []
    for item, phase in members:
        before = result[-1][1] if result else None
        if before is not None and not before.timing.groups() and before.label in (None, phase.label) \
                and phase.timing.groups():
            result[-1] = (item, phase if phase.label else replace(phase, label=before.label))
            continue
        if before is not None and item is not result[-1][0] and item.block.index == result[-1][0].block.index \
                and _complements(before, phase):
            result[-1] = (result[-1][0], replace(before, end=phase.end, timing=before.timing.combine(phase.timing)))
            continue
        result.append((item, phase))
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


def _timing_fields(timing: Timing) -> dict[str, Any]:
    return {name: getattr(timing, name) for name in (
        "frequency", "frequency_max", "period", "period_max", "period_unit", "count", "count_max", "bounds_low",
        "bounds_high", "bounds_unit", "as_needed")}


def _dose_fields(doc: _Document, item: _Parsed, phase: DraftPhase, phased: set[int]) -> dict[str, Any]:
    """The phase's dose: in the phase, its sentence, or the sentences of its row after it or before it (up to
    the sentences with phases of their own)."""
    annotated = doc.annotated
    block = item.block
    after_end = item.sentence.end
    for sentence in annotated.sentences[item.sentence.index + 1:]:
        if sentence.block != block.index or sentence.index in phased:
            break
        after_end = sentence.end
    before_start = item.sentence.start
    for sentence in reversed(annotated.sentences[:item.sentence.index]):
        if sentence.block != block.index or sentence.index in phased:
            break
        before_start = sentence.start
    place = DosePlace(annotated, (phase.start, phase.end), (item.sentence.start, item.sentence.end),
                      (item.sentence.end, after_end), (before_start, item.sentence.start))
    dose = phase_dose(place)
    if dose is None:
        return {}
    return {"dose_low": dose.low, "dose_high": dose.high, "dose_unit": dose.unit}


def _span(doc: _Document, members: list[tuple[_Parsed, DraftPhase]], narrow: bool, lead: int | None,
          sentences: tuple[int, int]) -> tuple[int, int]:
    text = doc.annotated.text
    start, end = (members[0][1].start, members[-1][1].end) if narrow else (lead or sentences[0], sentences[1])
    while end > start and (text[end - 1] in _TRAILING or text[end - 1].isspace()):  # "... first week :"
        end -= 1
    return start, end


def _schedule(doc: _Document, members: list[tuple[_Parsed, DraftPhase]], shared: bool, lead: int | None,
              phased: set[int]) -> Schedule | None:
    items = list({item.sentence.index: item for item, _ in members}.values())
    members = _filled(members)
    phases = [phase for _, phase in members]
    if not any(phase.timing.groups() for phase in phases):
        return None
    if not any(item.context for item in items):
        return None
    sentences = (items[0].sentence.start, items[-1].sentence.end)
    phase_drug = next((p.drug for p in phases if p.drug), None)
    stated = Stated(phase_drug, sentences, tuple((p.start, p.end) for p in phases), items[-1].block.index)
    drug = schedule_drug(doc.page, stated)
    route = schedule_route(doc.page, stated, drug)
    narrow = shared or (phase_drug is not None and phase_drug not in doc.cues.main_drugs)
    start, end = _span(doc, members, narrow, lead, sentences)
    text = doc.annotated.text
    labels = _labels(phases, [item.sentence.index for item, _ in members], doc.cues)
    records = tuple(
        Phase(start=p.start, end=p.end, quote=text[p.start:p.end], label=label, **_timing_fields(p.timing),
              **_dose_fields(doc, item, p, phased))
        for (item, p), label in zip(members, labels, strict=True))
    form, form_start, form_end = _form(doc, drug, route, stated, records[0])
    return Schedule(source_id="", start=start, end=end, quote=text[start:end], drug=drug, route=route.value,
                    phases=records, drug_form=form, drug_form_start=form_start, drug_form_end=form_end)


def _criterion(reading: Reading, block: int) -> bool:
    """A line under an exclusion-criteria opener: it tells a history ("at least 7 treatments with ECT"), not a
    regimen."""
    scope = reading.scopes[block]
    return scope.kind == EXCLUSION and scope.opener is not None and scope.opener != block


def _content_sentences(reading: Reading) -> list[Sentence]:
    """Sentences that may state a schedule: their block is content and no exclusion criterion, and they ask the
    reader nothing (call us, book)."""
    annotated = reading.annotated
    return [s for s in annotated.sentences
            if annotated.content(annotated.blocks[s.block]) and not _criterion(reading, s.block)
            and not annotated.of(CALLS, s.start, s.end)]


def _own_form(doc: _Document, drug: str, route: Named, stated: Stated) -> Form | None:
    """The form the schedule's own drug and route make: the route's words when it names one, else the document's
    form of the drug, else the drug named in its sentences nearest its first phase."""
    if route.value != UNSPECIFIED:
        return Form(form_name(drug, route.value, doc.forms), drug, route.start, route.end)
    if doc.default_form is not None and doc.default_form.drug == drug:
        return doc.default_form
    named = [n for n in doc.page.drugs.inside(*stated.sentences) if n.value == drug]
    if not named:
        return None
    nearest = min(named, key=lambda n: abs(n.start - stated.first_phase))
    return Form(form_name(drug, UNSPECIFIED, doc.forms), drug, nearest.start, nearest.end)


def _form(doc: _Document, drug: str, route: Named, stated: Stated, first: Phase) -> tuple[str, int | None, int | None]:
    """The drug form of a schedule and the words that decided it: the form its first phase's sentence, block or
    headings name for the schedule's drug (form_at), a bare drug given the schedule's own route, else its own
    form (_own_form)."""
    annotated = doc.annotated
    own = _own_form(doc, drug, route, stated)
    sentence = annotated.sentence_at(first.start)
    block = annotated.blocks[sentence.block] if sentence else annotated.blocks[0]
    found = form_at(annotated, block, first.start, first.end, doc.forms, own)
    if found is None or found.drug != drug:
        found = own
    if found is None:
        return form_name(drug, UNSPECIFIED, doc.forms), None, None
    return found.form, found.start, found.end


def extract_schedules(reading: Reading, source_id: str, settings: Settings) -> tuple[Schedule, ...]:
    """Every treatment schedule the text states, with its drug, route, drug form and ordered phases."""
    annotated, cues = reading.annotated, settings.schedules
    label_blocks = {b.index: label for b in annotated.blocks if (label := _label_block(annotated, b))}
    sections = _sections(annotated, label_blocks)
    page = Page(annotated, cues, sections)
    doc = _Document(annotated, cues, page, timing_tables(annotated), unit_columns(annotated), label_blocks,
                    settings.forms, reading.default_form)
    parsed = [_parse(doc, sentence) for sentence in _content_sentences(reading)]
    chains = _chains(parsed, sections, label_blocks, cues)
    page.claimed = [(item.sentence.start, item.sentence.end) for chain in chains for item in chain.items]
    phased = {item.sentence.index for item in parsed if item.phases}
    schedules: list[Schedule] = []
    for chain in chains:
        groups = _split_by_drug(chain)
        for number, members in enumerate(groups):
            schedule = _schedule(doc, members, len(groups) > 1, chain.lead if number == 0 else None, phased)
            if schedule is not None:
                schedules.append(replace(schedule, source_id=source_id))
    return tuple(schedules)

