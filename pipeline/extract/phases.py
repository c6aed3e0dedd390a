"""One sentence's timing elements -> draft phases (split at connectors and at clashing timing), with their spans."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from pipeline.extract.cue_scope import WordIndex
from pipeline.extract.timing import Element, Grammar, Timing

Mention = tuple[int, int, str]  # start, end, term id
_WORDS = re.compile(r"[\w'’-]+")


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
    has_course: bool = False
    position: tuple[float, float | None, str] | None = None  # "Weeks 5 to 8" -> (5, 8, wk)


@dataclass
class _Group:
    elements: list[Element] = field(default_factory=list)
    labels: list[Element] = field(default_factory=list)
    connected: bool = False
    tail: int | None = None  # end of an open end that follows the phase ("after that")

    def timing_elements(self) -> list[Element]:
        return [e for e in self.elements if e.kind not in ("course",)]


@dataclass(frozen=True)
class _Sentence:
    """What the rules ask of a phase's sentence, each found once: its words, whether it gives, its drugs."""

    text: str
    start: int
    end: int
    g: Grammar
    mentions: list[Mention]  # the drugs named in it, in text order

    @cached_property
    def words(self) -> WordIndex:
        return WordIndex.of(self.text, self.start, self.end, _WORDS)

    @cached_property
    def gives(self) -> bool:
        """It names a verb of giving or a course noun."""
        words = self.text[self.start:self.end]
        return bool(self.g.verbs.search(words) or self.g.course_word.search(words))

    @cached_property
    def other_medicine(self) -> bool:
        return _other_medicine(self.text, (self.start, self.end), self.g, self.mentions)

    @cached_property
    def _mention_starts(self) -> list[int]:
        return [m[0] for m in self.mentions]

    def drug(self, element: Element) -> str | None:
        """The first drug named inside the element."""
        index = bisect.bisect_left(self._mention_starts, element.start)
        while index < len(self.mentions) and self.mentions[index][0] <= element.end:
            if self.mentions[index][1] <= element.end:
                return self.mentions[index][2]
            index += 1
        return None


def group_elements(elements: list[Element], sentence: _Sentence, text: str) -> list[_Group]:
    """Elements in text order -> groups: a connector closes a group, and so does an element whose
    timing the open group already has, a second position or one that heads a row ("Week 9 and after:"),
    or a different drug."""
    groups: list[_Group] = []
    current = _Group()
    # what the current group's elements state, kept as they are added (not recounted for every element)
    timing: set[str] = set()  # timing groups
    drugs: set[str] = set()  # drugs named
    kinds: set[str] = set()

    def close(connected: bool) -> _Group:
        if current.elements or current.labels:
            groups.append(current)
        timing.clear()
        drugs.clear()
        kinds.clear()
        return _Group(connected=connected)

    for element in elements:
        if element.kind == "connector":
            if current.elements:
                current = close(True)
            else:
                current.connected = True
            continue
        if element.kind == "open-end":
            if current.elements:
                current.tail = element.end
            continue
        if element.kind == "label":
            if element.header and current.elements:
                current = close(False)
            current.labels.append(element)
            continue
        if element.timing.bounds_unit in ("min", "h") and "count" not in timing:
            continue  # "0.5 mg/kg over 40 minutes twice weekly": how long one infusion lasts, not a phase
        drug = sentence.drug(element)
        clash = bool(element.timing.groups() & timing) \
            or (element.kind == "position" and bool(timing)
                and ("position" in kinds or text[element.end:element.end + 1] == ":")) \
            or (drug is not None and bool(drugs) and drug not in drugs)
        if clash:
            last = max(e.end for e in current.elements)
            moved = [label for label in current.labels if label.start >= last]
            current.labels = [label for label in current.labels if label.start < last]
            current = close(False)
            current.labels = moved
        current.elements.append(element)
        timing.update(element.timing.groups())
        kinds.add(element.kind)
        if drug is not None:
            drugs.add(drug)
    if current.elements or (current.labels and current.connected):
        groups.append(current)
    return groups


def _trailing_connector(elements: list[Element], groups: list[_Group], text: str) -> None:
    """"once every two weeks after that.": a last connector with nothing after it ends the phase before it."""
    if not groups or not elements or elements[-1].kind != "connector":
        return
    connector = elements[-1]
    last = groups[-1]
    if last.elements and re.fullmatch(r"[\s,]*", text[max(e.end for e in last.elements):connector.start]):
        last.tail = connector.end


def _clause_end(text: str, start: int, limit: int) -> int:
    match = re.compile(r"[,;:.!?]").search(text, start, limit)
    end = match.start() if match else limit
    while end > start and not text[end - 1].strip():
        end -= 1
    return end


def _plausible(timing: Timing, group: _Group, sentence: _Sentence) -> Timing | None:
    """The phase's timing when it reads as dosing, else None: a length alone needs an administration word
    just before it ("treatments over several weeks"), a count alone a verb of giving or a course noun in its
    sentence ("patients self-administer three doses", not "the device delivers two sprays") and no price there
    ("a course of six infusions costs $2,400" restates a course for its price), as-needed alone a label or an
    administration word next to it and no other medicine as what is given ("we can give you anti-nausea
    medicine if needed"); minutes and hours bound a session only (else they are how long one infusion lasts)."""
    text, g = sentence.text, sentence.g
    kinds = {e.kind for e in group.elements}
    if timing.bounds_unit in ("min", "h") and timing.count is None and timing.period_unit not in ("min", "h"):
        timing = replace(timing, bounds_low=None, bounds_high=None, bounds_unit=None)
    groups = timing.groups()
    if not groups:
        return timing if group.labels and group.connected and not group.elements else None
    if groups == {"bounds"} and "course" not in kinds:
        if kinds <= {"position"}:
            return None
        first = min(e.start for e in group.elements if e.kind == "bounds")
        before = " ".join(re.findall(r"[\w'’-]+", text[max(0, first - 80):first])[-3:])
        if not g.administration.search(before):
            return None
    if groups == {"count"} and "course" not in kinds and not sentence.gives:
        return None
    if groups == {"count"} and timing.count == 1 and timing.count_max is None:
        return None  # "you use one device": a single administration repeats nothing
    if groups == {"count"} and _priced(text, group, sentence.end, g):
        return None
    if groups == {"as_needed"} and not group.labels and "course" not in kinds:
        element = next(e for e in group.elements if e.kind == "as-needed")
        around = " ".join([*re.findall(r"[\w'’-]+", text[max(0, element.start - 80):element.start])[-3:],
                           *re.findall(r"[\w'’-]+", text[element.end:element.end + 80])[:3]])
        if not g.administration.search(around) or sentence.other_medicine:
            return None
    return timing


_PRICE_WINDOW_WORDS = 3


def _priced(text: str, group: _Group, sentence_end: int, g: Grammar) -> bool:
    """The count is what a price is about: a price word ("costs", "fee") or an amount of money ("$2,400")
    within a few words after it ("a full course of six infusions costs $2,400"), not a price elsewhere in
    its sentence ("a price of $450 per infusion ... most patients need 4 to 6 infusions")."""
    end = max(e.end for e in group.elements)
    following = text[end:min(sentence_end, end + 80)]
    words = re.match(rf"(?:\W*[\w'’$€£.,-]+){{0,{_PRICE_WINDOW_WORDS}}}", following)
    window = words.group() if words else ""
    symbols = "".join(re.escape(s) for s in g.cues.get("currency_symbols") or [])
    return bool(g.price.search(window) or (symbols and re.search(rf"[{symbols}]\s?\d", window)))


def _other_medicine(text: str, sentence: tuple[int, int], g: Grammar, mentions: list[Mention]) -> bool:
    """The sentence gives another medicine than the main drugs: it names a generic medicine noun
    ("anti-nausea medicine") or a drug that is not a main drug, and no main drug."""
    main = set(g.cues["main_drugs"])
    first = bisect.bisect_left(mentions, (sentence[0],))  # mentions are in text order
    last = bisect.bisect_left(mentions, (sentence[1],), lo=first)
    named = [mentions[i][2] for i in range(first, last)]
    if any(drug in main for drug in named):
        return False
    return bool(set(named) - main) or bool(g.generic_medication.search(text, sentence[0], sentence[1]))


def draft_phases(text: str, sentence_start: int, sentence_end: int, elements: list[Element],
                 g: Grammar, mentions: list[Mention]) -> list[DraftPhase]:
    """A sentence's elements -> its draft phases in order (groups without any timing or label are dropped).

    mentions: drug mentions in text order (those of other sentences are never read)."""
    sentence = _Sentence(text, sentence_start, sentence_end, g, mentions)
    groups = group_elements(elements, sentence, text)
    _trailing_connector(elements, groups, text)
    window = int(g.cues["label_window_words"])
    admin_after = g.administration_after
    phases = []
    for group in groups:
        timing_elements = group.timing_elements()
        timing = Timing()
        for element in timing_elements:
            timing = timing.combine(element.timing)
        timing = _plausible(timing, group, sentence)
        if timing is None:
            continue
        if timing.bounds_unit is None:
            group.elements = [e for e in group.elements if e.kind != "bounds"] or group.elements
        first = min((e.start for e in group.elements), default=None)
        labels = [label for label in group.labels
                  if first is None or label.start >= first or label.header
                  or sentence.words.count(label.end, first) <= window]
        label = labels[0] if labels else None
        if group.elements:
            start = min(e.start for e in group.elements)
            end = max(max(e.end for e in group.elements), group.tail or 0)
            for item in labels:
                # A label word that is part of the phrase ("maintenance of ... once per month") belongs to
                # its span; a sentence adverb ("Initially, twice-weekly ...") does not.
                if not text[item.end:item.end + 1] == ",":
                    start, end = min(start, item.start), max(end, item.end)
            follow = admin_after.match(text, end, sentence_end)
            if follow and labels and labels[-1].end == end:
                end = follow.end()
        elif label is not None:
            start, end = label.start, _clause_end(text, label.end, sentence_end)
        else:
            continue
        drugs = [sentence.drug(e) for e in group.elements]
        phases.append(DraftPhase(
            start=start, end=end, timing=timing, label=label.label if label else None,
            header=bool(label and label.header), connected=group.connected,
            drug=next((d for d in drugs if d), None),
            has_course=any(e.kind == "course" for e in group.elements),
            position=next((e.position for e in group.elements if e.position), None)))
    return phases
