"""A schedule's sentences and phases + the document's mentions -> the drug it is about and the route it is given by."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import ROUTES, ScheduleCues
from pipeline.extractors.schedule_mentions import Named, Spans, defined, own_routes, resolved_drugs, route_drugs

UNSPECIFIED = "unspecified"
NO_ROUTE = Named(0, 0, UNSPECIFIED)  # the route decided is that none is named
_TITLE_STOP_KINDS = ("question", "paragraph")  # a sentence-like block ends a title
_SENTENCE_MARKS = ".!?:;"


@dataclass
class Page:
    """One document's mentions, sections and schedule sentences, found once for every schedule's questions."""

    annotated: Annotated
    cues: ScheduleCues
    sections: tuple[int, ...]  # per block: the block that opens its section
    claimed: list[tuple[int, int]] = field(default_factory=list)  # spans of the sentences that state a schedule

    @cached_property
    def drugs(self) -> Spans:
        return resolved_drugs(self.annotated, self.cues)

    @cached_property
    def main_drugs(self) -> Spans:
        return Spans.of([n for n in self.drugs.items if n.value in self.cues.main_drugs])

    @cached_property
    def routes(self) -> Spans:
        return Spans.of([Named(m.start, m.end, m.value) for m in self.annotated.of(ROUTES)])

    @cached_property
    def own_routes(self) -> Spans:
        return own_routes(self.annotated, self.cues)

    @cached_property
    def route_drugs(self) -> dict[str, str]:
        return route_drugs(self.annotated, self.drugs, self.cues)

    @cached_property
    def block_starts(self) -> list[int]:
        return [block.start for block in self.annotated.blocks]

    def block_at(self, position: int) -> Block:
        """The block holding a text position (the last block starting at or before it, else the first)."""
        return self.annotated.blocks[max(0, bisect_right(self.block_starts, position) - 1)]

    def sentence_drugs(self, position: int) -> set[str]:
        """The drugs named in the sentence holding a text position."""
        sentence = self.annotated.sentence_at(position)
        return {n.value for n in self.drugs.starting_in(sentence.start, sentence.end)} if sentence else set()

    def claimed_at(self, named: Named) -> bool:
        """Whether a mention lies inside a sentence that states a schedule."""
        index = bisect_right(self.claimed, (named.start, float("inf"))) - 1
        return index >= 0 and named.end <= self.claimed[index][1]

    @cached_property
    def leaders(self) -> tuple[set[str], Spans]:
        """The main drugs the text names most, and their mentions."""
        counts = Counter(n.value for n in self.main_drugs.items)
        top = max(counts.values(), default=0)
        leaders = {drug for drug, n in counts.items() if n == top}
        return leaders, Spans.of([n for n in self.drugs.items if n.value in leaders])

    @cached_property
    def title(self) -> list[Block]:
        """The first content block and the short lines right under it that are not sentences (a leaflet's
        "Veltrana 28 mg nasal spray, solution" and "esketamine"); a line set apart by blank lines is a section
        title, not part of the document's."""
        annotated = self.annotated
        first = next((b for b in annotated.blocks if annotated.content(b)), None)
        if first is None:
            return []
        found = [first]
        for block in annotated.blocks[first.index + 1:first.index + 1 + self.cues.title_lines]:
            body = annotated.text[block.start:block.end]
            isolated = block.blank_before and block.blank_after
            if not annotated.content(block) or block.kind in _TITLE_STOP_KINDS or isolated \
                    or any(c in body for c in _SENTENCE_MARKS):
                break
            found.append(block)
        return found


@dataclass(frozen=True)
class Stated:
    """What one schedule states: the drug named in its phases, its sentences' span, its phases' spans and the
    block of its last sentence."""

    phase_drug: str | None
    sentences: tuple[int, int]
    phases: tuple[tuple[int, int], ...]
    last_block: int

    @property
    def first_phase(self) -> int:
        return self.phases[0][0]


def _nearest(found: tuple[Named, ...] | list[Named], position: int) -> Named | None:
    return min(found, key=lambda n: (abs(n.start - position), n.start)) if found else None


DRUG_RULES: RuleTable[str] = RuleTable("schedule drug")


@DRUG_RULES.rule(
    "named-in-a-phase",
    Example("Treatment\n\nThe combination of ketamine infusions plus daily Lexapro helps.", "schedules",
            {"drug": "escitalopram"}),
    Example("Treatment\n\nPatients receiving ketamine infusions take a daily antidepressant like Lexapro.",
            "schedules", {"drug": "antidepressant"}))
def _phase_drug(page: Page, stated: Stated) -> str | None:
    return stated.phase_drug


@DRUG_RULES.rule(
    "main-drug-in-its-sentences",
    Example("Treatment\n\nSublingual ketamine is taken twice a week.", "schedules", {"drug": "ketamine"}))
def _sentence_drug(page: Page, stated: Stated) -> str | None:
    found = _nearest(page.main_drugs.inside(*stated.sentences), stated.first_phase)
    return found.value if found else None


@DRUG_RULES.rule(
    "drug-the-text-equates-with-its-route",
    Example("Treatment\n\nThe approved form is esketamine, a nasal spray. Patients who receive the nasal spray are "
            "treated twice a week.", "schedules", {"drug": "esketamine", "route": "intranasal"}))
def _route_drug(page: Page, stated: Stated) -> str | None:
    return next((page.route_drugs[r.value] for r in page.routes.inside(*stated.sentences)
                 if r.value in page.route_drugs), None)


@DRUG_RULES.rule(
    "main-drug-before-it-in-its-paragraph",
    Example("Treatment\n\nSpravato is different. Patients are treated twice a week for four weeks.", "schedules",
            {"drug": "esketamine"}))
def _block_drug(page: Page, stated: Stated) -> str | None:
    block = page.block_at(stated.sentences[0])
    found = page.main_drugs.last_inside(block.start, stated.sentences[0])
    return found.value if found else None


@DRUG_RULES.rule(
    "main-drug-of-its-section-heading",
    Example("Spravato schedule\n\nPatients are treated twice a week for four weeks.", "schedules",
            {"drug": "esketamine"}))
def _heading_drug(page: Page, stated: Stated) -> str | None:
    block = page.block_at(stated.sentences[0])
    heading = page.annotated.blocks[page.sections[block.index]]
    if heading.kind not in ("heading", "question"):
        return None
    named = {n.value for n in page.main_drugs.inside(heading.start, heading.end)}
    return next(iter(named)) if len(named) == 1 else None


@DRUG_RULES.rule(
    "main-drug-named-most",
    Example("Ketamine and esketamine\n\nEsketamine is a spray; esketamine is approved.\n\nThe plan\n\nPatients are "
            "treated twice a week for four weeks.", "schedules", {"drug": "esketamine"}))
def _leading_drug(page: Page, stated: Stated) -> str | None:
    leaders, mentioned = page.leaders
    if not leaders:
        return None
    before = mentioned.last_inside(0, stated.sentences[0])
    return before.value if before else min(leaders, key=page.cues.main_drugs.index)


@DRUG_RULES.rule(
    "first-main-drug",
    Example("Treatment\n\nPatients are treated twice a week for four weeks.", "schedules", {"drug": "ketamine"}))
def _first_main(page: Page, stated: Stated) -> str | None:
    return page.cues.main_drugs[0]


def schedule_drug(page: Page, stated: Stated) -> str:
    """The drug a schedule is about: the first rule of DRUG_RULES that names one."""
    decided = DRUG_RULES.decide(page, stated)
    return decided[1] if decided else page.cues.main_drugs[0]


ROUTE_RULES: RuleTable[Named] = RuleTable("schedule route")


@ROUTE_RULES.rule(
    "named-in-a-phase",
    Example("Treatment\n\nKetamine is given by intravenous infusion three times a week.", "schedules",
            {"route": "intravenous"}),
    Example("Treatment\n\nMost patients continue a daily oral antidepressant.", "schedules",
            {"drug": "antidepressant", "route": "oral"}))
def _phase_route(page: Page, stated: Stated, drug: str) -> Named | None:
    found = [r for span in stated.phases for r in page.routes.inside(*span)]
    return min(found, key=lambda r: r.start) if found else None


@ROUTE_RULES.rule(
    "another-drug-has-no-route-of-ketamine",
    Example("Treatment\n\nPatients receiving ketamine infusions take a daily antidepressant like Lexapro.",
            "schedules", {"drug": "antidepressant", "route": "unspecified"}))
def _other_drug(page: Page, stated: Stated, drug: str) -> Named | None:
    return NO_ROUTE if drug not in page.cues.main_drugs else None


@ROUTE_RULES.rule(
    "own-route-in-its-sentences",
    Example("Treatment\n\nPatients on an oral antidepressant get ketamine twice a week.", "schedules",
            {"drug": "ketamine", "route": "unspecified"}),
    Example("Treatment\n\nKetamine can be given by intramuscular injection once weekly.", "schedules",
            {"route": "intramuscular"}))
def _sentence_route(page: Page, stated: Stated, drug: str) -> Named | None:
    return _nearest(page.own_routes.inside(*stated.sentences), stated.first_phase)


@ROUTE_RULES.rule(
    "one-route-of-its-section",
    Example("How it works\n\nKetamine therapy is given as a nasal spray in the clinic.\n\nPatients are treated "
            "twice a week for four weeks.\n\nOther routes\n\nInfusions are also offered.", "schedules",
            {"route": "intranasal"}))
def _section_route(page: Page, stated: Stated, drug: str) -> Named | None:
    opener = page.annotated.blocks[page.sections[stated.last_block]]
    found: dict[str, Named] = {}
    for route in page.own_routes.inside(opener.start, stated.sentences[1]):
        if drug not in page.sentence_drugs(route.start):
            continue
        if route.start < stated.sentences[0] and page.claimed_at(route):
            continue  # a route in another schedule's sentence
        found[route.value] = route
    if len(found) == 1:
        return next(iter(found.values()))
    return NO_ROUTE if found else None


@ROUTE_RULES.rule(
    "one-route-of-the-title",
    Example("SPRAVATO (esketamine) nasal spray\n\nWeeks 1 to 4: administer twice per week.", "schedules",
            {"route": "intranasal"}))
def _title_route(page: Page, stated: Stated, drug: str) -> Named | None:
    spans = [(block.start, block.end) for block in page.title]
    routes = {r.value: r for span in spans for r in page.own_routes.inside(*span)}
    drugs = {n.value for span in spans for n in page.main_drugs.inside(*span)}
    return next(iter(routes.values())) if len(routes) == 1 and (not drugs or drug in drugs) else None


@ROUTE_RULES.rule(
    "one-route-the-text-defines-the-drug-as",
    Example("Esketamine guide\n\nEsketamine is a nasal spray for treatment-resistant depression.\n\nSchedule\n\n"
            "Phase | How often\nInduction | Twice weekly\n", "schedules", {"route": "intranasal"}))
def _defined_route(page: Page, stated: Stated, drug: str) -> Named | None:
    found: dict[str, Named] = {}
    for mention in page.main_drugs.items:
        if mention.value != drug:
            continue
        sentence = page.annotated.sentence_at(mention.start)
        following = page.own_routes.starting_in(mention.end, sentence.end if sentence else mention.end)
        if following and defined(page.annotated, mention, following[0], page.cues):
            found.setdefault(following[0].value, following[0])
    return next(iter(found.values())) if len(found) == 1 else None


def schedule_route(page: Page, stated: Stated, drug: str) -> Named:
    """The route a schedule is given by and the words that name it: the first rule of ROUTE_RULES that decides,
    else none (NO_ROUTE)."""
    decided = ROUTE_RULES.decide(page, stated, drug)
    return decided[1] if decided else NO_ROUTE
