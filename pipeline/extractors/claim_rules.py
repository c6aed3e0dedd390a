"""A claim's site and what was read of it -> the rule tables of its form, its worth, its subject and its category."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.boilerplate import call_to_action
from pipeline.engine.layout import Block, is_title_case
from pipeline.engine.rules import Example, RuleTable
from pipeline.engine.scopes import Scope
from pipeline.extractors.adjacent import right_after
from pipeline.extractors.claim_text import (
    CUES,
    THERAPY,
    VOICE,
    CategoryCues,
    Named,
    Piece,
    Voices,
    core,
    embedded_starts,
    first_word,
    has,
    opens_with,
    starts_with,
)
from pipeline.records import Quantity

if TYPE_CHECKING:
    from pipeline.extractors.claims import ClaimCues

LIST_KINDS = ("item", "row")
_DIGIT = re.compile(r"\d")
_QUOTES = "\"“”‘’'() "


@dataclass(frozen=True)
class Lead:
    """What the lead-in sentence of a list said: items complete it."""

    reason: str
    category: str
    certainty: str
    polarity: str
    ends_with_colon: bool


@dataclass(frozen=True)
class Site:
    """A sentence (or a table cell) that may be a claim, with everything around it a rule may ask about."""

    annotated: Annotated
    cues: ClaimCues
    block: Block
    start: int
    end: int
    scope: Scope
    voices: Voices
    categories: CategoryCues  # the document's category cues
    lead: Lead | None = None
    previous: str | None = None  # subject of the claim before it in its block
    previous_category: str | None = None  # category of the claim before it in its block
    column_subject: str | None = None  # the subject a comparison table's column gives a cell

    @property
    def body(self) -> str:
        return self.annotated.text[self.start:self.end]

    def has(self, key: str) -> bool:
        return has(self.annotated, key, self.start, self.end)

    def words(self) -> list[tuple[int, int]]:
        return self.annotated.word_spans(self.start, self.end)


@dataclass(frozen=True)
class Facts:
    """What was read of a site: its pieces, quantities, category scores and subject cues."""

    site: Site
    pieces: list[Piece]
    quantities: tuple[Quantity, ...]
    scores: dict[str, float]  # category -> score, heading included
    own: dict[str, float]  # category -> score of the sentence's own cues
    check_weight: float  # weight of its own cues, puffery left out
    core_weight: float  # the same in its core clauses only
    named: list[Named]
    testimonial: bool
    continues: bool  # opens with an anaphor after a claim of its block
    subject_at: tuple[int, int] | None = field(default=None)
    _embedded: dict[int, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def embedded(self, piece: Piece) -> list[int]:
        """embedded_starts of one of its pieces, found once (the subject and the stance both ask)."""
        found = self._embedded.get(piece.start)
        if found is None:
            found = self._embedded[piece.start] = embedded_starts(self.site.annotated, piece)
        return found


def _unpunctuated(site: Site) -> bool:
    return site.body.strip(_QUOTES)[-1:] not in ".!"


# --- which sentences may be claims (their form) -------------------------------------------------------------

FORM: RuleTable[str] = RuleTable("claim form")


def _measured_number(annotated: Annotated, start: int, end: int) -> bool:
    """Whether a number in [start, end) has a unit word right after it ("5%", "24-weeks", "2 hours")."""
    return any(right_after(annotated, "quantities.units", n.end, end, " \t-") is not None
               for n in annotated.numbers_in(start, end))


def _titled(site: Site) -> bool:
    """A field or lead-in written as a title ("Ketamine: How It Works", "Key Takeaways:") and giving no figure."""
    body = site.body.rstrip(":")
    return (site.block.kind in ("field", "lead-in") and body[-1:] not in ".!?" and is_title_case(body)
            and not _DIGIT.search(body))


@FORM.rule(
    "heading-without-a-measure",
    Example("Five Facts About Ketamine\n\nKetamine can relieve depression within hours.\n", "claims",
            {"quote": "Five Facts About Ketamine"}, absent=True),
    Example("Follow-up Phase (24 weeks)\n\nParticipants were followed after the last esketamine dose.\n", "claims",
            {"quote": "Follow-up Phase (24 weeks)"}),
    Example("Ketamine: How It Works\n\nKetamine blocks NMDA receptors.\n", "claims",
            {"quote": "Ketamine: How It Works"}, absent=True))
def _heading(site: Site) -> str | None:
    if site.block.kind == "heading":
        return None if _measured_number(site.annotated, site.start, site.end) else "heading"
    return "heading" if _titled(site) else None


@FORM.rule(
    "question",
    Example("Is ketamine right for you?\nKetamine can relieve depression within hours.\n", "claims",
            {"quote": "Is ketamine right for you?"}, absent=True))
def _question(site: Site) -> str | None:
    return "question" if site.body.strip(_QUOTES).endswith("?") else None


@FORM.rule(
    "interjection",
    Example("Does ketamine work?\n\nYes. Ketamine works within hours for most patients.\n", "claims",
            {"quote": "Yes."}, absent=True))
def _interjection(site: Site) -> str | None:
    found = site.annotated.of(f"{CUES}.interjections", site.start, site.end)
    if not found:  # only a site without words is one
        return "interjection" if first_word(site.annotated, site.start, site.end) is None else None
    words = site.words()
    if not words:
        return "interjection"
    return "interjection" if _all_covered(words, [(m.start, m.end) for m in found]) else None


def _all_covered(words: list[tuple[int, int]], spans: list[tuple[int, int]]) -> bool:
    """Whether every word lies inside one of the spans (both in text order; one pass over each)."""
    index = 0
    for start, end in words:
        while index < len(spans) and spans[index][1] < end:
            index += 1
        if index == len(spans) or not spans[index][0] <= start:
            return False
    return True


@FORM.rule(
    "item-of-advice",
    Example("Be sure to ask about:\n\n  • Their ketamine dosage protocols and safety\n", "claims",
            {"quote": "Their ketamine dosage protocols and safety"}, absent=True))
def _item_of_advice(site: Site) -> str | None:
    if site.block.kind in LIST_KINDS and site.lead is not None and site.lead.reason in ("advice", "imperative"):
        return "item of " + site.lead.reason
    return None


@FORM.rule(
    "call-to-action",
    Example("Ketamine relieves depression fast. Call us today to book your first infusion.\n", "claims",
            {"quote": "Call us today to book your first infusion."}, absent=True))
def _call(site: Site) -> str | None:
    return "call to action" if call_to_action(site.annotated.text, site.annotated.mentions, site.start,
                                              site.end) else None


@FORM.rule(
    "page-describes-itself",
    Example("In this article, we delve into how ketamine relieves depression.\n", "claims",
            {"category": "efficacy"}, absent=True))
def _rhetoric(site: Site) -> str | None:
    return "rhetoric" if site.has("rhetoric") else None


@FORM.rule(
    "advice",
    Example("Always consult your doctor before starting ketamine.\n", "claims", {"subject": "ketamine"},
            absent=True))
def _advice(site: Site) -> str | None:
    return "advice" if site.has("advice") else None


@FORM.rule(
    "imperative",
    Example("Search online listings for ketamine clinics.\n", "claims", {"subject": "ketamine-clinics"}, absent=True),
    Example("Never take two doses of ketamine within one day.\n", "claims",
            {"quote": "Never take two doses of ketamine within one day."}))
def _imperative(site: Site) -> str | None:
    body = site.body
    opening = site.start + len(body) - len(body.lstrip(_QUOTES))
    if not opens_with(site.annotated, "imperative_starts", opening, site.end):
        return None
    stating = opens_with(site.annotated, "stating_imperatives", opening, site.end)
    return None if stating and site.annotated.numbers_in(site.start, site.end) else "imperative"


@FORM.rule(
    "staff",
    Example("Dr. Kim is board-certified and has given ketamine for years.\n", "claims", {"subject": "ketamine"},
            absent=True))
def _staff(site: Site) -> str | None:
    return "staff" if site.has("staff") else None


@FORM.rule(
    "table-header",
    Example("Prices\n\nType | Average Cost | Sessions\nIV ketamine | $450 | 6\n", "claims",
            {"quote": "Type | Average Cost | Sessions"}, absent=True))
def _table_header(site: Site) -> str | None:
    body = site.body
    if site.block.kind != "row" or site.column_subject or not _unpunctuated(site) or _DIGIT.search(body):
        return None
    cells = site.block.cells
    piped = len(cells) > 1 and all(site.annotated.words_between(s, e) <= site.cues.table_header_cell_max_words
                                   for s, e in cells)
    short = len(site.words()) <= site.cues.table_header_max_words
    return "table header" if short and (is_title_case(body) or piped) else None


@FORM.rule(
    "bare-term",
    Example("Common side effects of ketamine include:\n\n  • Nausea\n  • Blurred vision\n", "claims",
            {"quote": "Nausea"}, absent=True),
    Example("Common side effects of ketamine include:\n\n  • a fast heartbeat\n  • feeling sick\n", "claims",
            {"quote": "a fast heartbeat"}, absent=True))
def _bare_term(site: Site) -> str | None:
    lead = site.lead
    if site.block.kind not in LIST_KINDS or lead is None or not lead.ends_with_colon or not _unpunctuated(site):
        return None
    words = len(site.words())
    if words > site.cues.bare_term_max_words or _DIGIT.search(site.body):
        return None
    if opens_with(site.annotated, "clause_item_starts", site.start, site.end):
        return None
    if words <= site.cues.bare_item_max_words or site.scope.kind == "side-effect":
        return "bare term"  # "Suicidal thoughts" under "... reductions in:", "a fast heartbeat" under "Side effects:"
    return "bare term" if _cue_weight(site) < site.cues.bare_term_min_cue_weight else None


@FORM.rule(
    "announces-a-list",
    Example("Combining ketamine with antidepressants offers several potential advantages:\n\n"
            "  • Ketamine brings rapid relief within hours.\n", "claims",
            {"quote": "Combining ketamine with antidepressants offers several potential advantages:"}, absent=True))
def _announces(site: Site) -> str | None:
    if not site.body.endswith(":") or not site.has("list_announcers"):
        return None
    has_items = any(b.parent == site.block.index for b in site.annotated.blocks[site.block.index + 1:
                                                                                 site.block.index + 2])
    return "announces a list" if has_items else None


def _cue_weight(site: Site) -> float:
    """Weight of the category cues of a site (vocabulary terms left out): how claim-like it is."""
    total = 0.0
    for _, cues in groupby(site.categories.within(site.start, site.end), key=lambda cue: cue[0]):
        total += sum(weight for _, _, weight in cues)  # a sum per category, as the scores add them
    return total


# --- which claims are worth checking (their content) ---------------------------------------------------------

@dataclass(frozen=True)
class Decided:
    """A claim's subject and category, as the worth rules see them."""

    facts: Facts
    subject: str
    category: str


WORTH: RuleTable[str] = RuleTable("claim worth")


@WORTH.rule(
    "off-topic",
    Example("The weather was fine that spring.\n", "claims", {"quote": "The weather was fine that spring."},
            absent=True))
def _off_topic(d: Decided) -> str | None:
    f = d.facts
    topical = any(f.scores.values()) or f.named or f.quantities or f.continues
    return None if topical or f.testimonial else "off topic"


@WORTH.rule(
    "background",
    Example("Neurotransmitters are chemical messengers in the brain that carry signals between neurons.\n",
            "claims", {"subject": "neurotransmitters"}, absent=True),
    Example("Treatment-resistant depression is a form of depression that does not respond to antidepressants.\n",
            "claims", {"subject": "depression"}, absent=True))
def _background(d: Decided) -> str | None:
    return "background" if d.subject in d.facts.site.cues.background_subjects and not has_figures(d.facts) else None


@WORTH.rule(
    "a-wish",
    Example("Ketamine may help if you are:\n\n  • Looking to improve severe symptoms quickly\n", "claims",
            {"quote": "Looking to improve severe symptoms quickly"}, absent=True))
def _wish(d: Decided) -> str | None:
    site = d.facts.site
    if site.block.kind in LIST_KINDS and opens_with(site.annotated, "wishes", site.start, site.end):
        return "a wish"
    return None


@WORTH.rule(
    "speculation",
    Example("As research continues, we can expect to see more refined ketamine protocols.\n", "claims",
            {"subject": "ketamine"}, absent=True))
def _speculation(d: Decided) -> str | None:
    return "speculation" if d.facts.site.has("speculation") else None


@WORTH.rule(
    "history",
    Example("Ketamine has a long history in human and veterinary medicine as an anesthetic.\n", "claims",
            {"subject": "ketamine"}, absent=True))
def _history(d: Decided) -> str | None:
    return "history" if d.facts.site.has("history") and not has_figures(d.facts) else None


@WORTH.rule(
    "personal-account",
    Example("Before I started to receive ketamine, I could barely get out of bed.\n", "claims",
            {"subject": "ketamine"}, absent=True),
    Example("I tried ketamine and my depression lifted within 2 days.\n", "claims", {"testimonial": True}))
def _account(d: Decided) -> str | None:
    f = d.facts
    if not f.testimonial or has_figures(f) or f.check_weight >= f.site.cues.min_account_weight:
        return None
    return "personal account"


@WORTH.rule(
    "nothing-to-check",
    Example("In recent years, interest has spiked around ketamine.\n", "claims", {"subject": "ketamine"},
            absent=True))
def _nothing(d: Decided) -> str | None:
    return "nothing to check" if d.category == d.facts.site.cues.fallback_category and not has_figures(d.facts) \
        else None


@WORTH.rule(
    "praise",
    Example("Ketamine therapy offers new hope for people with depression.\n", "claims", {"subject": "ketamine"},
            absent=True),
    Example("Ketamine is remarkably effective for depression.\n", "claims", {"category": "efficacy"}),
    Example("This is a minimal sedation treatment.\n", "claims", {"category": "safety"}))
def _praise(d: Decided) -> str | None:
    f = d.facts
    if has_figures(f):
        return None
    praise = len(f.site.annotated.of(f"{CUES}.puffery", f.site.start, f.site.end))
    if praise >= f.site.cues.praise_mentions or (praise and f.core_weight < f.site.cues.min_check_weight):
        return "praise"
    return None


def has_figures(f: Facts) -> bool:
    """Whether a claim gives a figure: a quantity, or digits (a table row's "30/115")."""
    return bool(f.quantities) or _DIGIT.search(f.site.body) is not None


# --- subject --------------------------------------------------------------------------------------------------

Subject = tuple[str, Named | None]
SUBJECT: RuleTable[Subject] = RuleTable("claim subject")


@SUBJECT.rule(
    "comparison-column",
    Example("Ketamine | Antidepressants\nRelief within hours | Relief after weeks\n", "claims",
            {"quote": "Relief after weeks", "subject": "antidepressants"}))
def _column(f: Facts) -> Subject | None:
    return (f.site.column_subject, None) if f.site.column_subject else None


@SUBJECT.rule(
    "specific-form",
    Example("Esketamine is a nasal spray derived from ketamine.\n", "claims", {"subject": "esketamine"}))
def _specific(f: Facts) -> Subject | None:
    found = next((n for n in f.named if n.rank == THERAPY and n.subject in f.site.cues.specific_subjects), None)
    return (found.subject, found) if found else None


def _voiced(f: Facts) -> bool:
    """"We" speaks for the publisher only in a sentence nobody else is said to say, about no named therapy."""
    return not any(n.rank == THERAPY for n in f.named) and not f.site.has("attribution_verbs")


def _opening(f: Facts, piece: Piece) -> Named | None:
    site = f.site
    for named in f.named:
        if not piece.start <= named.start < piece.end or (named.rank == VOICE and not _voiced(f)):
            continue
        if site.annotated.words_between(piece.start, named.start) > site.cues.subject_opening_words:
            continue
        if not has(site.annotated, "subject_blockers", piece.start, named.start):
            return named
    return None


def _antecedent(f: Facts, piece: Piece) -> Subject:
    """What an anaphor opening a core clause refers to: a subject named before it in the sentence ("When the NMDA
    receptor is overactive, it ..."; the first therapy or topic of the nearest clause before it that names one), else
    the subject last named before it in its block, else the document's."""
    for before in reversed([p for p in f.pieces if p.end <= piece.start]):
        named = [n for n in f.named if before.start <= n.start < before.end and n.rank != VOICE]
        if named:
            return named[0].subject, named[0]  # the subject of the clause before, not its object
    return (f.site.previous or f.site.voices.default), None


@SUBJECT.rule(
    "core-clause-opening",
    Example("Unfortunately, SSRIs such as Lexapro can take weeks to work.\n", "claims", {"subject": "ssri"}),
    Example("While antidepressants take weeks, ketamine works within hours.\n", "claims", {"subject": "ketamine"}),
    Example("We do not bill insurance.\n", "claims", {"subject": "ketamine-clinics"}),
    Example("Esketamine is given as a nasal spray. It is used twice a week at first.\n", "claims",
            {"quote": "It is used twice a week at first.", "subject": "esketamine"}))
def _core_opening(f: Facts) -> Subject | None:
    site = f.site
    for piece in core(f.pieces):
        if opens_with(site.annotated, "anaphors", piece.start, piece.end):
            return _antecedent(f, piece)
        named = _opening(f, piece)
        if named is not None:
            return (named.subject or site.cues.publisher_subject), named
        if site.annotated.words_between(piece.start, piece.end) >= 3:
            return None
    return None


@SUBJECT.rule(
    "default-named",
    Example("Patients with depression often respond to ketamine within a day.\n", "claims", {"subject": "ketamine"}))
def _default_named(f: Facts) -> Subject | None:
    found = next((n for n in f.named if n.rank == THERAPY and n.subject == f.site.voices.default), None)
    return (found.subject, found) if found else None


def _in_prepositional_phrase(f: Facts, named: Named) -> bool:
    """A cue right after a preposition and at most a few modifiers ("at a certified clinic") is the object of a
    side phrase."""
    site = f.site
    found = site.annotated.mentions.last(f"{CUES}.prepositions", site.start, named.start)
    return found is not None and site.annotated.words_between(found.end, named.start) <= \
        site.cues.prepositional_object_gap


def _first_therapy(f: Facts) -> Named | None:
    site = f.site
    family = {site.cues.default_subject, site.cues.publisher_subject, *site.cues.specific_subjects}
    for piece in core(f.pieces):
        ends = [f.embedded(piece)[0]]
        ends += [m.start for m in site.annotated.of(f"{CUES}.comparison_markers", piece.start, piece.end)]
        for named in f.named:
            if named.rank == THERAPY and piece.start <= named.start < min(ends) and not (
                    named.subject in family and _in_prepositional_phrase(f, named)):
                return named
    return None


@SUBJECT.rule(
    "first-therapy",
    Example("Fewer side effects than ECT are reported with ketamine infusions.\n", "claims", {"subject": "ketamine"}),
    Example("Many ketamine clinics require a psychiatric evaluation first.\n", "claims",
            {"subject": "ketamine-clinics"}))
def _first(f: Facts) -> Subject | None:
    found = _first_therapy(f)
    return (found.subject, found) if found else None


@SUBJECT.rule(
    "continues-a-topic",
    Example("Depression is a complex disorder. Despite many medications, some people stay unwell for years.\n",
            "claims", {"subject": "ketamine"}, absent=True))
def _continues_topic(f: Facts) -> Subject | None:
    site = f.site
    if f.named or site.previous not in site.cues.background_subjects or site.has("treatment_words"):
        return None
    return site.previous, None


@SUBJECT.rule(
    "document-default",
    Example("The Esketamine Nasal Spray Explained\n\nEsketamine is a nasal spray.\n\n"
            "Doses are given twice a week at first.\n", "claims",
            {"quote": "Doses are given twice a week at first.", "subject": "esketamine"}))
def _document_default(f: Facts) -> Subject | None:
    return f.site.voices.default, None


# --- category -------------------------------------------------------------------------------------------------

CATEGORY: RuleTable[str] = RuleTable("claim category")


@CATEGORY.rule(
    "criteria-of-a-lead-in",
    Example("Ketamine may be a good option if you identify with any of the following:\n\n"
            "  • Diagnosed with major depressive disorder\n", "claims",
            {"quote": "Diagnosed with major depressive disorder", "category": "eligibility", "certainty": "hedged"}))
def _lead_in_category(d: Decided) -> str | None:
    lead = d.facts.site.lead
    if lead is None or not lead.ends_with_colon or lead.reason:
        return None
    return lead.category if lead.category in d.facts.site.cues.lead_in_categories else None


@CATEGORY.rule(
    "about-the-condition",
    Example("Depression is a common mental health disorder that affects 5% of adults.\n", "claims",
            {"subject": "depression", "category": "other"}))
def _condition(d: Decided) -> str | None:
    cues = d.facts.site.cues
    if d.subject in cues.condition_subjects and d.category not in cues.condition_categories:
        return cues.fallback_category
    return None


@CATEGORY.rule(
    "scope-of-its-section",
    Example("Adverse Effects Of Ketamine\n\nThese symptoms are very rarely reported at the low doses used for "
            "depression.\n", "claims", {"category": "safety"}),
    Example("Eligibility Criteria\n\n  • Insufficient remission or mood improvement\n  • Diagnosis of depression\n",
            "claims", {"quote": "Insufficient remission or mood improvement", "category": "eligibility"}))
def _scope_category(d: Decided) -> str | None:
    site = d.facts.site
    scoped = site.cues.scope_categories.get(site.scope.kind)
    if scoped is None:
        return None
    return scoped if site.block.kind in LIST_KINDS or d.facts.own.get(scoped, 0.0) > 0 else None


@CATEGORY.rule(
    "continues-a-safety-claim",
    Example("Common side effects of ketamine may include nausea and dizziness. These effects typically dissipate "
            "within hours after treatment.\n", "claims",
            {"quote": "These effects typically dissipate within hours after treatment.", "category": "safety"}))
def _continues_safety(d: Decided) -> str | None:
    site = d.facts.site
    if site.previous_category != "safety":
        return None
    anaphor = starts_with(site.annotated, "anaphors", site.start, site.end)
    if anaphor is None:
        return None
    noun = site.annotated.mentions.first(f"{CUES}.effect_nouns", anaphor.end, site.end)
    reach = site.cues.effect_noun_reach_words
    return "safety" if noun is not None and site.annotated.words_between(anaphor.end, noun.start) <= reach else None


@CATEGORY.rule(
    "highest-score",
    Example("Ketamine works by blocking NMDA receptors and increasing glutamate.\n", "claims",
            {"category": "mechanism"}))
def _highest(d: Decided) -> str | None:
    return d.category if d.category != d.facts.site.cues.fallback_category else None


def best_category(facts: Facts) -> str:
    """The category with the highest score (ties: the order of the cue file), or the fallback."""
    cues = facts.site.cues
    best = max(cues.categories, key=lambda c: facts.scores.get(c, 0.0))
    return best if facts.scores.get(best, 0.0) > 0 else cues.fallback_category
