"""One sentence's elements -> draft phases: split at connectors and where timing repeats, kept if dosing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from pipeline.engine.annotate import Annotated
from pipeline.engine.rules import Example, RuleTable
from pipeline.extractors.schedule_cues import DRUGS, ScheduleCues, cue
from pipeline.extractors.schedule_mentions import Named, Spans
from pipeline.extractors.schedule_timing import ADMINISTRATIONS, VERBS, Element, Timing, administration
from pipeline.extractors.schedule_tokens import stream, words_after, words_before

SESSION_UNITS = ("min", "h")
_CLAUSE_MARKS = ",;:.!?"


@dataclass(frozen=True)
class DraftPhase:
    """A phase as read from one sentence, before the schedule gives it a label and a sequence."""

    start: int
    end: int
    timing: Timing
    label: str | None = None
    header: bool = False  # its label heads the phases that follow ("Maintenance phase:")
    block_label: bool = False  # that label came from a block of its own, above the rows it heads
    connected: bool = False  # a connector introduced it ("followed by", "After that")
    drug: str | None = None  # a drug named inside the phase ("daily Lexapro")
    position: tuple[float, float | None, str] | None = None  # "Weeks 5 to 8" -> (5, 8, wk)
    sentence_label: str | None = None  # a role named earlier in its sentence ("Maintenance therapy ... runs ...")


@dataclass(frozen=True)
class Said:
    """What the rules ask of a phase's sentence, each found once: its span, its drugs, whether it gives."""

    annotated: Annotated
    start: int
    end: int
    drugs: Spans  # the drugs the text names, examples resolved
    cues: ScheduleCues

    @cached_property
    def named(self) -> tuple[Named, ...]:
        return self.drugs.starting_in(self.start, self.end)

    @cached_property
    def gives(self) -> bool:
        """It names a verb of giving or a course noun ("of course" is no course)."""
        annotated = self.annotated
        if annotated.of(VERBS, self.start, self.end):
            return True
        return any(_word_before(annotated, cue("of_words"), self.start, m.start) is None
                   for m in annotated.of(cue("course_nouns"), self.start, self.end))

    @cached_property
    def other_medicine(self) -> bool:
        """It gives another medicine than the main drugs: a generic medicine noun ("anti-nausea medicine") or
        a drug that is not a main drug, and no main drug."""
        main = set(self.cues.main_drugs)
        named = {n.value for n in self.named}
        if named & main:
            return False
        return bool(named - main) or bool(self.annotated.of(cue("generic_medications"), self.start, self.end))

    def placebo_only(self, position: int) -> bool:
        """Before position it gives a placebo and no main drug but as the placebo's name ("esketamine matched
        placebo"); a drug named after the timing is compared with ("using the same titration as esketamine")."""
        annotated = self.annotated
        placebos = annotated.of(cue("placebo"), self.start, position)
        if not placebos:
            return False
        main = set(self.cues.main_drugs)
        starts = {p.start for p in placebos}
        for drug in (n for n in self.named if n.value in main and n.end <= position):
            after = drug.end
            while after < self.end and annotated.text[after] in " \t-":
                after += 1
            if after not in starts:
                return False
        return True

    def drug(self, element: Element) -> str | None:
        """The first drug named inside the element."""
        return self.drug_in(element.start, element.end)

    def drug_in(self, start: int, end: int) -> str | None:
        """The first drug named inside [start, end)."""
        found = self.drugs.inside(start, end)
        return found[0].value if found else None


def _word_before(annotated: Annotated, list_name: str, start: int, position: int) -> object | None:
    """A mention of the list that is the word right before position (not before start)."""
    words = words_before(annotated, start, position, 1)
    if not words:
        return None
    return annotated.mentions.covering(list_name, *words[-1])


@dataclass
class _Group:
    elements: list[Element] = field(default_factory=list)
    labels: list[Element] = field(default_factory=list)
    connected: bool = False
    tail: int | None = None  # end of an open end that follows the phase ("after that")
    groups: set[str] = field(default_factory=set)  # timing groups its elements state
    kinds: set[str] = field(default_factory=set)
    drugs: set[str] = field(default_factory=set)


BREAK_RULES: RuleTable[bool] = RuleTable("schedule phase breaks")


@BREAK_RULES.rule(
    "timing-repeats",
    Example("Ketamine therapy\n\nPatients receive three infusions the first week, two in the second week.",
            "schedule_phases", {"quote": "two in the second week", "frequency": 2}))
def _repeats(group: _Group, element: Element, said: Said) -> bool | None:
    return True if element.timing.groups() & group.groups else None


@BREAK_RULES.rule(
    "a-second-position",
    Example("Esketamine nasal spray\n\nInduction phase: Weeks 1 to 4: administer twice per week. Maintenance phase: "
            "Weeks 5 to 8: once weekly; Week 9 and after: every 2 weeks or once weekly.", "schedule_phases",
            {"quote": "Week 9 and after: every 2 weeks or once weekly", "label": "maintenance"}))
def _second_position(group: _Group, element: Element, said: Said) -> bool | None:
    if element.kind != "position" or not group.groups:
        return None
    return True if "position" in group.kinds or said.annotated.text[element.end:element.end + 1] == ":" else None


@BREAK_RULES.rule(
    "another-drug",
    Example("Treatment\n\nKetamine infusions are given weekly alongside daily Lexapro.", "schedules",
            {"drug": "escitalopram"}))
def _another_drug(group: _Group, element: Element, said: Said) -> bool | None:
    drug = said.drug(element)
    return True if drug is not None and group.drugs and drug not in group.drugs else None


def _add(group: _Group, element: Element, said: Said) -> None:
    group.elements.append(element)
    group.groups.update(element.timing.groups())
    group.kinds.add(element.kind)
    drug = said.drug(element)
    if drug is not None:
        group.drugs.add(drug)


def group_elements(elements: list[Element], said: Said) -> list[_Group]:
    """Elements in text order -> groups: a connector closes a group, and so does an element that BREAK_RULES
    says starts a new phase; a heading label ("Maintenance phase:") starts one."""
    groups: list[_Group] = []
    current = _Group()
    for element in elements:
        if element.kind == "connector":
            if current.elements:
                groups.append(current)
                current = _Group()
            current.connected = True
        elif element.kind == "open-end":
            current.tail = element.end if current.elements else current.tail
        elif element.kind == "label":
            if element.header and current.elements:
                groups.append(current)
                current = _Group()
            current.labels.append(element)
        elif element.timing.bounds_unit in SESSION_UNITS and "count" not in current.groups:
            continue  # "0.5 mg/kg over 40 minutes twice weekly": how long one infusion lasts, not a phase
        else:
            if current.elements and BREAK_RULES.decide(current, element, said):
                last = max(e.end for e in current.elements)
                moved = [label for label in current.labels if label.start >= last]
                current.labels = [label for label in current.labels if label.start < last]
                groups.append(current)
                current = _Group(labels=moved)
            _add(current, element, said)
    if current.elements or (current.labels and current.connected):
        groups.append(current)
    return groups


def _trailing_connector(elements: list[Element], groups: list[_Group], text: str) -> None:
    """"once every two weeks after that.": a last connector with nothing after it ends the phase before it."""
    if not groups or not elements or elements[-1].kind != "connector":
        return
    last = groups[-1]
    if last.elements and all(c in " \t\n," for c in text[max(e.end for e in last.elements):elements[-1].start]):
        last.tail = elements[-1].end


@dataclass(frozen=True)
class Candidate:
    """A group's combined timing, to be judged: is it dosing?"""

    group: _Group
    timing: Timing
    said: Said

    @property
    def kinds(self) -> set[str]:
        return {e.kind for e in self.group.elements}

    @property
    def only(self) -> str | None:
        """The one timing group the phase states, if it states only one."""
        groups = self.timing.groups()
        return next(iter(groups)) if len(groups) == 1 else None

    @property
    def alone(self) -> str | None:
        """The one timing group the phase states, if it states only one and no course noun backs it."""
        return self.only if "course" not in self.kinds else None


REJECT = Timing(frequency=-1)
PLAUSIBILITY_RULES: RuleTable[Timing] = RuleTable("schedule phase plausibility")


@PLAUSIBILITY_RULES.rule(
    "placebo-arm",
    Example("Arms\n\nThe control group sprays a matching placebo twice a week for four weeks.",
            "schedules", {}, absent=True),
    Example("Arms\n\nSubjects received esketamine matched placebo twice weekly.",
            "schedules", {}, absent=True),
    Example("Arms\n\nThe control group takes a matching placebo twice per week, titrated in the same way as "
            "esketamine.", "schedules", {}, absent=True))
def _placebo(c: Candidate, cues: ScheduleCues) -> Timing | None:
    """What is given is named before the timing or right after it ("a single infusion of ketamine")."""
    last = max((e.end for e in c.group.elements), default=c.said.start)
    words = words_after(c.said.annotated, last, c.said.end, cues.given_after_words)
    return REJECT if c.said.placebo_only(words[-1][1] if words else last) else None


@PLAUSIBILITY_RULES.rule(
    "recreational-use",
    Example("Effects\n\nBladder problems are reported by daily ketamine users who take it recreationally.",
            "schedules", {}, absent=True))
def _recreational(c: Candidate, cues: ScheduleCues) -> Timing | None:
    return REJECT if c.said.annotated.of(cue("recreational_use"), c.said.start, c.said.end) else None


@PLAUSIBILITY_RULES.rule(
    "label-after-a-connector",
    Example("Ketamine therapy\n\nInitially, twice-weekly ketamine treatments are recommended for the first month. "
            "This is followed by a maintenance phase where treatments become less frequent.", "schedule_phases",
            {"label": "maintenance", "frequency": None}))
def _label_only(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.timing.groups():
        return None
    return c.timing if c.group.labels and c.group.connected and not c.group.elements else REJECT


@PLAUSIBILITY_RULES.rule(
    "length-alone-needs-a-giving",
    Example("Ketamine therapy\n\nShe had been depressed for several years before trying it.", "schedules", {},
            absent=True),
    Example("Ketamine therapy\n\nIt is given as a series of treatments over several weeks.", "schedule_phases",
            {"bounds_unit": "wk"}),
    Example("Ketamine therapy\n\nHe had been in treatment for depression for five or six years.", "schedules", {},
            absent=True))
def _length_alone(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.alone != "bounds":
        return None
    if c.kinds <= {"position"} or c.timing.bounds_unit in cues.history_units:
        return REJECT  # "for six or seven years", "for up to a year": a history or a study's length
    bounds = next(e for e in c.group.elements if e.kind == "bounds")
    annotated = c.said.annotated
    words = words_before(annotated, c.said.start, bounds.start, cues.length_giving_words)
    giving = [m for name in (ADMINISTRATIONS, VERBS) for m in annotated.of(name, words[0][0], bounds.start)] \
        if words else []
    if giving:
        return None
    # "a six-week program of infusions": the length of a course of administrations
    course = annotated.of(cue("course_nouns"), bounds.start, bounds.end)
    given = any(annotated.of(name, bounds.start, bounds.end) for name in (ADMINISTRATIONS, DRUGS))
    return None if course and given else REJECT


@PLAUSIBILITY_RULES.rule(
    "count-alone-needs-a-giving",
    Example("Ketamine therapy\n\nEach device delivers two sprays.", "schedules", {}, absent=True),
    Example("Ketamine therapy\n\nThe study tested a single infusion of ketamine against saline.",
            "schedule_phases", {"count": 1}),
    Example("Ketamine therapy\n\nA single dose of Spravato may make you feel dissociated for about 2 hours.",
            "schedules", {}, absent=True),
    Example("My story\n\nBy March I had done six ketamine sessions.", "schedule_phases", {"count": 6}))
def _count_alone(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.alone != "count" or c.said.gives or _single_of_a_drug(c):
        return None
    element = next(e for e in c.group.elements if e.kind == "count")
    verb = c.said.annotated.mentions.last(cue("count_verbs"), c.said.start, element.start)
    if verb is not None and c.said.annotated.words_between(verb.end, element.start) <= cues.count_verb_words:
        return None  # "I had six infusions", "I've done 12 sessions"
    return REJECT


def _single_of_a_drug(c: Candidate) -> bool:
    """A study of a single administration of a drug: "a trial of a single infusion of ketamine" ("A single dose
    of Spravato may make you feel dissociated" says what one dose does)."""
    element = next(e for e in c.group.elements if e.kind == "count")
    annotated = c.said.annotated
    if not element.single or not annotated.of(cue("study_nouns"), c.said.start, c.said.end):
        return False
    if annotated.of(DRUGS, element.start, element.end):
        return True
    words = words_after(annotated, element.end, c.said.end, 2)
    if len(words) < 2 or annotated.mentions.covering(cue("of_words"), *words[0]) is None:
        return False
    return annotated.mentions.covering(DRUGS, *words[1]) is not None


@PLAUSIBILITY_RULES.rule(
    "count-within-each-administration",
    Example("Ketamine therapy\n\nEach session includes two doses of the nasal spray.", "schedules", {}, absent=True),
    Example("Ketamine therapy\n\nAt every visit patients receive 2 or 3 ketamine sprays.", "schedules", {},
            absent=True),
    Example("Costs\n\nEach infusion is priced at $450, and most patients need 4 to 6 infusions.", "schedule_phases",
            {"count": 4, "count_max": 6}))
def _within_each(c: Candidate, cues: ScheduleCues) -> Timing | None:
    """"Each session includes two doses": what one administration is made of, not a course."""
    if c.only != "count":
        return None
    annotated = c.said.annotated
    counted = next(e for e in c.group.elements if e.kind == "count")
    reach = words_before(annotated, c.said.start, counted.start, cues.each_reach_words + 3)
    for each in annotated.of(cue("every_words"), reach[0][0] if reach else counted.start, counted.start):
        following = annotated.mentions.first(ADMINISTRATIONS, each.end, counted.start)
        if following is not None and not annotated.text[each.end:following.start].strip() \
                and annotated.words_between(following.end, counted.start) <= cues.each_reach_words:
            return REJECT
    return None


@PLAUSIBILITY_RULES.rule(
    "one-administration-is-no-course",
    Example("Ketamine therapy\n\nAt each appointment you take one dose.", "schedules", {}, absent=True))
def _one(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.only != "count" or c.timing.count != 1 or c.timing.count_max is not None:
        return None
    return None if any(e.single for e in c.group.elements) else REJECT


@PLAUSIBILITY_RULES.rule(
    "count-of-a-price",
    Example("Ketamine therapy\n\nA package of eight infusions costs $3,200 if booked at once.", "schedules", {},
            absent=True),
    Example("Ketamine therapy\n\nTen sessions are $4,000 when paid upfront.", "schedules", {}, absent=True))
def _priced(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.only != "count":
        return None
    annotated = c.said.annotated
    end = max(e.end for e in c.group.elements)
    words = words_after(annotated, end, c.said.end, cues.price_window_words)
    if not words:
        return None
    window = words[-1][1]
    if annotated.of(cue("price_words"), end, window):
        return REJECT
    for number in annotated.numbers_in(end, window):
        before = annotated.text[max(end, number.start - 2):number.start].strip()
        if before and before[-1] in cues.currency_symbols:
            return REJECT
    return None


@PLAUSIBILITY_RULES.rule(
    "as-needed-alone-needs-a-giving",
    Example("Ketamine therapy\n\nWe can give you anti-nausea medicine during the infusion if needed.", "schedules",
            {}, absent=True),
    Example("Ketamine therapy\n\nLasting recovery comes with as-needed maintenance dosing.", "schedule_phases",
            {"as_needed": True}))
def _as_needed_alone(c: Candidate, cues: ScheduleCues) -> Timing | None:
    if c.alone != "as_needed" or c.group.labels:
        return None
    element = next(e for e in c.group.elements if e.kind == "as-needed")
    annotated = c.said.annotated
    before = words_before(annotated, c.said.start, element.start, cues.as_needed_reach_words)
    after = words_after(annotated, element.end, c.said.end, cues.as_needed_reach_words)
    windows = [(before[0][0], element.start)] if before else []
    windows += [(element.end, after[-1][1])] if after else []
    giving = any(annotated.of(name, *window) for name in (ADMINISTRATIONS, VERBS) for window in windows)
    return None if giving and not c.said.other_medicine else REJECT


def _plausible(group: _Group, said: Said, cues: ScheduleCues) -> Timing | None:
    """The group's timing when it reads as dosing, else None; minutes and hours bound a session only (else they
    are how long one infusion lasts)."""
    timing = Timing()
    for element in group.elements:
        if element.kind != "course":
            timing = timing.combine(element.timing)
    # how long one administration (or its effect) lasts: minutes and hours bound only a sitting of several doses
    one = timing.count is None or (timing.count == 1 and timing.count_max is None)
    if timing.bounds_unit in SESSION_UNITS and one and timing.period_unit not in SESSION_UNITS:
        timing = replace(timing, bounds_low=None, bounds_high=None, bounds_unit=None)
    decided = PLAUSIBILITY_RULES.decide(Candidate(group, timing, said), cues)
    if decided is not None and decided[1] is REJECT:
        return None
    return timing


def _clause_end(text: str, start: int, limit: int) -> int:
    end = next((i for i in range(start, limit) if text[i] in _CLAUSE_MARKS), limit)
    while end > start and not text[end - 1].strip():
        end -= 1
    return end


def _span(group: _Group, labels: list[Element], said: Said, cues: ScheduleCues) -> tuple[int, int] | None:
    """The phase's words: its elements, an open end after them, and its label words unless a comma sets a label
    apart ("Initially, twice-weekly ..."); an administration right after a closing label joins it."""
    annotated = said.annotated
    text = annotated.text
    if not group.elements:
        return (labels[0].start, _clause_end(text, labels[0].end, said.end)) if labels else None
    start = min(e.start for e in group.elements)
    end = max(max(e.end for e in group.elements), group.tail or 0)
    for label in labels:
        if text[label.end:label.end + 1] != ",":
            start, end = min(start, label.start), max(end, label.end)
    if labels and labels[-1].end == end:
        window = words_after(annotated, end, said.end, cues.count_modifier_words + 2)
        s = stream(annotated, end, window[-1][1] if window else end)
        spaced = len(s) and text[end:s.tokens[0].start].isspace()
        following = administration(s, 0, cues) if spaced else None
        if following is not None:
            end = s.tokens[following - 1].end
    return start, end


def draft_phases(elements: list[Element], said: Said, cues: ScheduleCues) -> list[DraftPhase]:
    """A sentence's elements -> its draft phases in order (groups without any timing or label are dropped)."""
    groups = group_elements(elements, said)
    _trailing_connector(elements, groups, said.annotated.text)
    phases = []
    for group in groups:
        timing = _plausible(group, said, cues)
        if timing is None:
            continue
        if timing.bounds_unit is None:
            group.elements = [e for e in group.elements if e.kind != "bounds"] or group.elements
        first = min((e.start for e in group.elements), default=None)
        labels = [label for label in group.labels
                  if first is None or label.start >= first or label.header
                  or said.annotated.words_between(label.end, first) <= cues.label_window_words]
        span = _span(group, labels, said, cues)
        if span is None:
            continue
        label = labels[0] if labels else None
        earlier = next((e.label for e in elements if e.kind == "label" and e.start < span[0]), None)
        phases.append(DraftPhase(
            start=span[0], end=span[1], timing=timing, label=label.label if label else None,
            header=bool(label and label.header), connected=group.connected,
            drug=said.drug_in(*span),
            position=next((e.position for e in group.elements if e.position), None), sentence_label=earlier))
    return phases
