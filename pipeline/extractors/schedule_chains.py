"""Parsed sentences in text order -> chains of sentences that state one schedule (rules in CHAIN_RULES)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.sentences import Sentence
from pipeline.extractors.schedule_cues import ScheduleCues
from pipeline.extractors.schedule_phases import SESSION_UNITS, DraftPhase
from pipeline.extractors.schedule_timing import Timing

ROW_KINDS = ("item", "row")
SECTION_KINDS = ("heading", "question")


@dataclass(frozen=True)
class Parsed:
    """One content sentence read for schedules."""

    sentence: Sentence
    block: Block
    phases: tuple[DraftPhase, ...]
    continues: bool  # it opens with a sequence connector ("After that, ...")
    row: bool  # it opens with a position or a phase label ("Weeks 5 to 8: ...", "Maintenance: ...")
    context: bool  # it names an administration, a drug or a route
    session: bool  # all its phases are doses of one sitting (minutes or hours apart)


def in_session(timing: Timing) -> bool:
    """Doses of one sitting: minutes apart, or within minutes or hours."""
    return timing.period_unit == "min" or timing.bounds_unit in SESSION_UNITS


def opens_section(block: Block, label_blocks: dict[int, str]) -> bool:
    """A heading or question set apart by blank lines (a title-like line in a run of lines is a row of it);
    a block that only names a phase opens none."""
    return block.kind in SECTION_KINDS and block.blank_before and block.blank_after and block.index not in label_blocks


def sections_of(annotated: Annotated, label_blocks: dict[int, str]) -> tuple[int, ...]:
    """Per block, the block that opens its section: the nearest section opener at or before it, else the first
    block."""
    found = []
    current = 0
    for block in annotated.blocks:
        if opens_section(block, label_blocks):
            current = block.index
        found.append(current)
    return tuple(found)


def _row_like(block: Block) -> bool:
    """A list item, a table row, or a line of a run of lines without blank lines between."""
    return bool(block.marker) or block.kind in ROW_KINDS or not (block.blank_before and block.blank_after)


@dataclass
class Chain:
    """Sentences that state one schedule (or several drugs' schedules), in text order."""

    items: list[Parsed] = field(default_factory=list)
    lead: int | None = None  # start of a label-only block just before it ("Induction phase:")
    gap: int = 0  # sentences without timing since its last item


@dataclass(frozen=True)
class _Link:
    """A sentence with phases and the chain it may continue."""

    chain: Chain
    previous: Parsed
    item: Parsed
    sections: tuple[int, ...]
    label_blocks: dict[int, str]
    cues: ScheduleCues
    headed: bool  # a block that only names a phase stands right before the sentence ("Maintenance Phase")


def _contiguous(previous: Parsed, item: Parsed) -> bool:
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


def complements(before: DraftPhase, after: DraftPhase) -> bool:
    """A rate alone that completes a course told without one: "Our program includes 6 sessions over 4 weeks." then
    "Sessions are spaced 3 to 4 days apart."."""
    said, adds = before.timing.groups(), after.timing.groups()
    return bool(said) and "rate" not in said and adds == {"rate"} and after.label is None and not after.connected \
        and not in_session(after.timing)


@CHAIN_RULES.rule(
    "completes-the-phase-before",
    Example("Ketamine therapy\n\nOur program includes 6 ketamine sessions over 4 weeks. Sessions are spaced 3 to 4 "
            "days apart.", "schedule_phases", {"count": 6, "bounds_high": 4, "period": 3, "period_max": 4}))
def _completes(link: _Link) -> bool | None:
    item, previous = link.item, link.previous
    adjacent = item.sentence.index == previous.sentence.index + 1 and item.block.index == previous.block.index
    lone = len(item.phases) == 1 and item.context
    return True if adjacent and lone and complements(previous.phases[-1], item.phases[0]) else None


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


def _with_label(item: Parsed, label: str) -> Parsed:
    """A label-only block heads the phases after it: the first phase of the sentence gets it as a header."""
    first = item.phases[0]
    if first.label is not None and first.header:
        return item
    return replace(item, phases=(replace(first, label=label, header=True, block_label=True), *item.phases[1:]))


def chain_sentences(parsed: list[Parsed], sections: tuple[int, ...], label_blocks: dict[int, str],
            cues: ScheduleCues) -> list[Chain]:
    """Sentences in text order -> chains of sentences that state one schedule (or several drugs' schedules)."""
    chains: list[Chain] = []
    current: Chain | None = None
    pending: tuple[str, int] | None = None  # a label block's label and start, waiting for its rows
    for item in parsed:
        if item.block.index in label_blocks:
            pending = (label_blocks[item.block.index], item.block.start)
            continue
        if not item.phases:
            if current is not None:
                current.gap += 1
                current = None if opens_section(item.block, label_blocks) else current
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
            current = Chain(items=[labelled], lead=pending[1] if pending else None)
            chains.append(current)
        pending = None
    return chains
