"""One sentence's timing elements -> draft phases (split at connectors and at clashing timing), with their spans."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from pipeline.extract.timing import Element, Grammar, Timing

Mention = tuple[int, int, str]  # start, end, term id


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

    def groups(self) -> set[str]:
        found: set[str] = set()
        for element in self.elements:
            found |= element.timing.groups()
        return found


def _words_between(text: str, start: int, end: int) -> int:
    return len(re.findall(r"[\w'’-]+", text[start:end]))


def _element_drug(element: Element, mentions: list[Mention]) -> str | None:
    inside = [m for m in mentions if element.start <= m[0] and m[1] <= element.end]
    return inside[0][2] if inside else None


def group_elements(elements: list[Element], mentions: list[Mention], text: str) -> list[_Group]:
    """Elements in text order -> groups: a connector closes a group, and so does an element whose
    timing the open group already has, a second position or one that heads a row ("Week 9 and after:"),
    or a different drug."""
    groups: list[_Group] = []
    current = _Group()

    def close(connected: bool) -> _Group:
        if current.elements or current.labels:
            groups.append(current)
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
        if element.timing.bounds_unit in ("min", "h") and "count" not in current.groups():
            continue  # "0.5 mg/kg over 40 minutes twice weekly": how long one infusion lasts, not a phase
        drug = _element_drug(element, mentions)
        drugs = {_element_drug(e, mentions) for e in current.elements} - {None}
        clash = bool(element.timing.groups() & current.groups()) \
            or (element.kind == "position" and bool(current.groups())
                and (any(e.kind == "position" for e in current.elements) or text[element.end:element.end + 1] == ":")) \
            or (drug is not None and bool(drugs) and drug not in drugs)
        if clash:
            last = max(e.end for e in current.elements)
            moved = [label for label in current.labels if label.start >= last]
            current.labels = [label for label in current.labels if label.start < last]
            current = close(False)
            current.labels = moved
        current.elements.append(element)
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


def _plausible(timing: Timing, group: _Group, text: str, sentence: tuple[int, int], g: Grammar,
               mentions: list[Mention]) -> Timing | None:
    """The phase's timing when it reads as dosing, else None: a length alone needs an administration word
    just before it ("treatments over several weeks"), a count alone a verb of giving or a course noun in its
    sentence ("patients self-administer three doses", not "the device delivers two sprays") and no price there
    ("a course of six infusions costs $2,400" restates a course for its price), as-needed alone a label or an
    administration word next to it and no other medicine as what is given ("we can give you anti-nausea
    medicine if needed"); minutes and hours bound a session only (else they are how long one infusion lasts)."""
    words = text[sentence[0]:sentence[1]]
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
    if groups == {"count"} and "course" not in kinds and not g.verbs.search(words) \
            and not g.course_word.search(words):
        return None
    if groups == {"count"} and timing.count == 1 and timing.count_max is None:
        return None  # "you use one device": a single administration repeats nothing
    if groups == {"count"} and _priced(text, group, sentence[1], g):
        return None
    if groups == {"as_needed"} and not group.labels and "course" not in kinds:
        element = next(e for e in group.elements if e.kind == "as-needed")
        around = " ".join([*re.findall(r"[\w'’-]+", text[max(0, element.start - 80):element.start])[-3:],
                           *re.findall(r"[\w'’-]+", text[element.end:element.end + 80])[:3]])
        if not g.administration.search(around) or _other_medicine(text, sentence, g, mentions):
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
    """A sentence's elements -> its draft phases in order (groups without any timing or label are dropped)."""
    groups = group_elements(elements, mentions, text)
    _trailing_connector(elements, groups, text)
    window = int(g.cues["label_window_words"])
    admin_after = re.compile(
        rf"\s+(?:(?:{'|'.join(re.escape(m) for m in g.cues['count_modifiers'])})\s+){{0,2}}"
        rf"(?:{'|'.join(re.escape(a) for a in sorted(g.cues['administrations'], key=len, reverse=True))})(?![\w-])",
        re.IGNORECASE)
    phases = []
    for group in groups:
        timing_elements = group.timing_elements()
        timing = Timing()
        for element in timing_elements:
            timing = timing.combine(element.timing)
        timing = _plausible(timing, group, text, (sentence_start, sentence_end), g, mentions)
        if timing is None:
            continue
        if timing.bounds_unit is None:
            group.elements = [e for e in group.elements if e.kind != "bounds"] or group.elements
        first = min((e.start for e in group.elements), default=None)
        labels = [label for label in group.labels
                  if first is None or label.start >= first or label.header
                  or _words_between(text, label.end, first) <= window]
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
        drugs = [_element_drug(e, mentions) for e in group.elements]
        phases.append(DraftPhase(
            start=start, end=end, timing=timing, label=label.label if label else None,
            header=bool(label and label.header), connected=group.connected,
            drug=next((d for d in drugs if d), None),
            has_course=any(e.kind == "course" for e in group.elements),
            position=next((e.position for e in group.elements if e.position), None)))
    return phases
