"""Reading + schedule cues -> Schedule records: sentences chained into schedules, each with its drug, route, drug form
and ordered phases (FHIR Timing.repeat fields, a label and the dose of one administration)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pipeline.engine.annotate import Annotated
from pipeline.engine.boilerplate import CALLS
from pipeline.engine.forms import Form, FormCues, form_at
from pipeline.engine.layout import Block
from pipeline.engine.sentences import Sentence
from pipeline.extractors.schedule_chains import Chain, Parsed, chain_sentences, complements, in_session, sections_of
from pipeline.extractors.schedule_context import UNSPECIFIED, Page, Stated, schedule_drug, schedule_route
from pipeline.extractors.schedule_cues import DRUGS, ROUTES, ScheduleCues, cue
from pipeline.extractors.schedule_doses import Dose, DosePlace, doses_in, phase_dose
from pipeline.extractors.schedule_labels import phase_labels
from pipeline.extractors.schedule_mentions import Named
from pipeline.extractors.schedule_phases import DraftPhase, Said, draft_phases
from pipeline.extractors.schedule_reading import read_elements
from pipeline.extractors.schedule_tables import column_positions, timing_tables, unit_columns
from pipeline.extractors.schedule_timing import ADMINISTRATIONS, VERBS, Timing
from pipeline.extractors.schedule_tokens import stream
from pipeline.records import Phase, Schedule

if TYPE_CHECKING:
    from pipeline.extractors import Reading, Settings

LABELS = cue("labels")
EXCLUSION = "exclusion"  # the scope of a list of exclusion criteria
GIVINGS = (ADMINISTRATIONS, VERBS, DRUGS, ROUTES, cue("dose_units"))
_QUOTES_AND_SPACE = " \t\n\"“‘'(["
_TRAILING = ".;:,"


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
    doses: dict[int, tuple[Dose, ...]] = field(default_factory=dict)  # per block, its doses, found once


def _gives(annotated: Annotated, start: int, end: int) -> bool:
    """The words name a giving: an administration, a verb of giving, a drug, a route or a dose ("56 mg")."""
    return annotated.mentions.any_of(GIVINGS, start, end)


def _lead_in_gives(annotated: Annotated, block: Block) -> bool:
    """The lead-in a list item hangs under names a giving ("The recommended dose for adults is:")."""
    parent = annotated.blocks[block.parent] if block.parent is not None else None
    return parent is not None and parent.kind == "lead-in" and _gives(annotated, parent.start, parent.end)


def _parse(doc: _Document, sentence: Sentence) -> Parsed:
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
    session = bool(phases) and all(in_session(p.timing) for p in phases)
    return Parsed(sentence, annotated.blocks[sentence.block], tuple(phases), continues, row, context, session)


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


def _filled(members: list[tuple[Parsed, DraftPhase]]) -> list[tuple[Parsed, DraftPhase]]:
    """A phase that only names a role ("most patients need booster infusions") followed by the phase that gives
    its timing ("Boosters are scheduled every three to six weeks") is that phase: the role goes to it. A rate in
    the next sentence that completes a course told without one is part of it (its span reaches over both)."""
    result: list[tuple[Parsed, DraftPhase]] = []
    for item, phase in members:
        before = result[-1][1] if result else None
        if before is not None and not before.timing.groups() and before.label in (None, phase.label) \
                and phase.timing.groups():
            result[-1] = (item, phase if phase.label else replace(phase, label=before.label))
            continue
        if before is not None and item is not result[-1][0] and item.block.index == result[-1][0].block.index \
                and complements(before, phase):
            result[-1] = (result[-1][0], replace(before, end=phase.end, timing=before.timing.combine(phase.timing)))
            continue
        result.append((item, phase))
    return result


def _split_by_drug(chain: Chain) -> list[list[tuple[Parsed, DraftPhase]]]:
    """A chain -> its schedules: a phase naming another drug than the schedule's starts a new schedule."""
    groups: list[list[tuple[Parsed, DraftPhase]]] = []
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


def _dose_fields(doc: _Document, item: Parsed, phase: DraftPhase, phased: set[int]) -> dict[str, Any]:
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
    doses = doc.doses.get(block.index)
    if doses is None:
        doses = tuple(doses_in(annotated, block.start, block.end))
        doc.doses[block.index] = doses
    place = DosePlace(doses, (phase.start, phase.end), (item.sentence.start, item.sentence.end),
                      (item.sentence.end, after_end), (before_start, item.sentence.start))
    dose = phase_dose(place)
    if dose is None:
        return {}
    return {"dose_low": dose.low, "dose_high": dose.high, "dose_unit": dose.unit}


def _span(doc: _Document, members: list[tuple[Parsed, DraftPhase]], narrow: bool, lead: int | None,
          sentences: tuple[int, int]) -> tuple[int, int]:
    text = doc.annotated.text
    start, end = (members[0][1].start, members[-1][1].end) if narrow else (lead or sentences[0], sentences[1])
    while end > start and (text[end - 1] in _TRAILING or text[end - 1].isspace()):  # "... first week :"
        end -= 1
    return start, end


def _schedule(doc: _Document, members: list[tuple[Parsed, DraftPhase]], shared: bool, lead: int | None,
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
    labels = phase_labels(phases, [item.sentence.index for item, _ in members], doc.cues)
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


def _form_name(drug: str, route: str, forms: FormCues) -> str:
    """The form id data/cues/forms.yaml gives a drug by a route (its form with no route, else the drug's id)."""
    return forms.forms.get((drug, route)) or forms.forms.get((drug, UNSPECIFIED)) or drug


def _own_form(doc: _Document, drug: str, route: Named, stated: Stated) -> Form | None:
    """The form the schedule's own drug and route make: the route's words when it names one, else the document's
    form of the drug, else the drug named in its sentences nearest its first phase."""
    if route.value != UNSPECIFIED:
        return Form(_form_name(drug, route.value, doc.forms), drug, route.start, route.end)
    if doc.default_form is not None and doc.default_form.drug == drug:
        return doc.default_form
    named = [n for n in doc.page.drugs.inside(*stated.sentences) if n.value == drug]
    if not named:
        return None
    nearest = min(named, key=lambda n: abs(n.start - stated.first_phase))
    return Form(_form_name(drug, UNSPECIFIED, doc.forms), drug, nearest.start, nearest.end)


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
        return _form_name(drug, UNSPECIFIED, doc.forms), None, None
    return found.form, found.start, found.end


def extract_schedules(reading: Reading, source_id: str, settings: Settings) -> tuple[Schedule, ...]:
    """Every treatment schedule the text states, with its drug, route, drug form and ordered phases."""
    annotated, cues = reading.annotated, settings.schedules
    label_blocks = {b.index: label for b in annotated.blocks if (label := _label_block(annotated, b))}
    sections = sections_of(annotated, label_blocks)
    page = Page(annotated, cues, sections)
    doc = _Document(annotated, cues, page, timing_tables(annotated), unit_columns(annotated), label_blocks,
                    settings.forms, reading.default_form)
    parsed = [_parse(doc, sentence) for sentence in _content_sentences(reading)]
    chains = chain_sentences(parsed, sections, label_blocks, cues)
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

