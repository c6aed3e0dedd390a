"""SegmentedDocument + side-effect cues + vocabulary -> SideEffect records (term, context, certainty, band)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from pipeline.extract.certainty import cue_spans, is_negated
from pipeline.extract.cue_scope import (
    Cue,
    ListFrame,
    clause_end,
    clause_start,
    find_cues,
    list_frames,
    section_heading,
    word_count,
    words_back,
)
from pipeline.extract.terms import TermMatch, TermMatcher, normalise, term_matcher
from pipeline.records import SegmentedDocument, Sentence, SideEffect, Vocabulary

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_TITLES = ("heading", "question")  # they name a topic or ask; they frame sentences but state nothing


@dataclass(frozen=True)
class _Rules:
    """The cue file's lists in the shape the rules use."""

    effects: list[str]
    list_cues: list[str]
    continuations: list[str]
    guards: dict[str, list[str]]
    guard_reach: int
    own_drugs: frozenset[str]
    other_owners: list[str]
    owner_after: list[str]
    owner_before: list[str]
    drug_references: list[str]
    contexts: dict[str, list[str]]
    bands: dict[str, list[str]]
    anaphor: re.Pattern[str] | None
    anaphor_verb: re.Pattern[str] | None
    coordinators: frozenset[str]
    left_conjunct: re.Pattern[str]  # "<word> and" right before a match
    right_conjunct: re.Pattern[str]  # "and <up to 4 words>" right after a match
    separator: re.Pattern[str]  # what may stand between two items of an enumeration
    list_separator: re.Pattern[str]  # a comma or coordinator: two mentions are two items
    optional_words: frozenset[str]
    breaks: list[str]
    break_marks: list[str]
    hedge_reach: int
    band_reach: int
    negation_reach: int
    merge_gap: int
    certainty: dict[str, Any]


@dataclass(frozen=True)
class _Terms:
    """The vocabulary split by use: what to look for, what counts as a side effect, drugs."""

    matchable: TermMatcher
    side_effects: TermMatcher
    drugs: TermMatcher


@dataclass(frozen=True)
class _Frame:
    """What a list lead-in (or the sentence after a list) says about the list's items."""

    anchor: Sentence
    window_start: int
    window_end: int
    fallback: Sentence | None = None  # the lead-in, when an anaphor after the list made the frame


def _phrase_pattern(phrases: list[str]) -> str:
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


def _rules(cues: dict[str, Any]) -> _Rules:
    anaphor = None
    if cues.get("anaphors"):
        gap = cues.get("anaphor_max_gap_words", 0)
        parts = []
        for phrase in sorted(cues["anaphors"], key=len, reverse=True):
            head, _, noun = phrase.partition(" ")
            parts.append(rf"{re.escape(head)}\s+(?:[\w'’-]+\s+){{0,{gap}}}?{_phrase_pattern([noun])}")
        anaphor = re.compile(rf"(?:{'|'.join(parts)})(?![\w])", re.IGNORECASE)
    verbs = cues.get("anaphor_verbs", [])
    breaks = cues.get("clause_breaks", [])
    joined = _phrase_pattern(cues.get("coordinators", []) or ["and", "or"])
    link = rf"(?:\s*,\s*(?:(?:{joined})\s+)?|\s+(?:{joined})\s+)"
    word = r"[^\W\d_][\w'’-]*"
    return _Rules(
        effects=cues.get("effect_cues", []), list_cues=cues.get("list_cues", []),
        continuations=cues.get("continuations", []),
        guards=cues.get("guards", {}), guard_reach=cues.get("guard_reach_words", 5),
        own_drugs=frozenset(cues.get("own_drugs", [])), other_owners=cues.get("other_owners", []),
        owner_after=cues.get("owner_after", []), owner_before=cues.get("owner_before", []),
        drug_references=cues.get("drug_references", []), contexts=cues.get("contexts", {}),
        bands=cues.get("frequency_bands", {}), anaphor=anaphor,
        anaphor_verb=re.compile(rf"\s+(?:be\s+)?(?:{_phrase_pattern(verbs)})(?![\w])", re.IGNORECASE)
        if verbs else None,
        coordinators=frozenset(cues.get("coordinators", [])),
        left_conjunct=re.compile(rf"({word}){link}$", re.IGNORECASE),
        right_conjunct=re.compile(rf"{link}((?:{word}[ \t]*){{1,4}})", re.IGNORECASE),
        # an optional parenthesis between items: "dissociation (41%), dizziness (29%)"
        separator=re.compile(rf"(?:\s*\([^()]{{0,40}}\))?\s*,?\s*(?:(?:{joined})\s+)?", re.IGNORECASE),
        list_separator=re.compile(rf",|;|\b(?:{joined})\b", re.IGNORECASE),
        optional_words=frozenset(cues.get("optional_words", [])),
        breaks=[b for b in breaks if re.fullmatch(r"[\w' -]+", b)],
        break_marks=[b for b in breaks if not re.fullmatch(r"[\w' -]+", b)],
        hedge_reach=cues.get("hedge_reach_words", 6), band_reach=cues.get("band_reach_words", 3),
        negation_reach=cues.get("negation_reach_words", 6),
        merge_gap=cues.get("merge_gap_words", 0), certainty=cues.get("certainty", {}))


def _terms(vocabulary: Vocabulary) -> _Terms:
    return _Terms(
        matchable=term_matcher(vocabulary.of_kind("side-effect") + vocabulary.of_kind("condition")),
        side_effects=term_matcher(vocabulary.of_kind("side-effect")), drugs=term_matcher(vocabulary.of_kind("drug")))


def _spans(text: str, phrases: list[str], start: int, end: int) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in find_cues(text, {"x": phrases}, start, end)]


# --------------------------------------------------------------------------- mentions

def _lookup(phrase: str, terms: _Terms, rules: _Rules) -> str | None:
    for candidate in (phrase, " ".join(w for w in phrase.split() if w.lower() not in rules.optional_words)):
        for term_id, kind in terms.side_effects.lookup(candidate):
            if kind == "side-effect":
                return term_id
    return None


def _coordinated(text: str, sentence: Sentence, match: TermMatch, terms: _Terms, rules: _Rules) -> list[TermMatch]:
    """Conjuncts that share words with a match: "hallucinogenic and [tranquilizing effects]"
    (shared last words), "[effects on the memory] and cognitive functions" (shared first words)."""
    words = normalise(match.quote).split()
    found: list[TermMatch] = []
    left_edge = match.start
    while left := rules.left_conjunct.search(text, sentence.start, left_edge):
        conjunct = left.group(1)
        term_id = next((t for k in range(1, len(words))
                        if (t := _lookup(f"{conjunct} {' '.join(words[k:])}", terms, rules))), None)
        if term_id is None:
            break
        found.append(TermMatch(left.start(1), left.end(1), conjunct, term_id, "side-effect"))
        left_edge = left.start(1)
    right = rules.right_conjunct.match(text, match.end, sentence.end)
    if right:
        following = list(_WORD.finditer(text, right.start(1), right.end(1)))
        for size in range(len(following), 0, -1):
            start, end = following[0].start(), following[size - 1].end()
            for k in range(len(words) - 1, 0, -1):
                term_id = _lookup(f"{' '.join(words[:k])} {text[start:end]}", terms, rules)
                if term_id:
                    return [*found, TermMatch(start, end, text[start:end], term_id, "side-effect")]
    return found


def _mentions(text: str, sentence: Sentence, terms: _Terms, rules: _Rules) -> tuple[list[TermMatch], list[TermMatch]]:
    """(side-effect mentions, every vocabulary match) of a sentence: matches of the side-effect
    vocabulary, conjuncts sharing their words, and repeats of one term close together merged."""
    every = list(terms.matchable.find(text, sentence.start, sentence.end))
    matches = [m for m in every if m.kind == "side-effect"]
    for match in list(matches):
        for extra in _coordinated(text, sentence, match, terms, rules):
            if all(extra.end <= m.start or extra.start >= m.end for m in every):
                matches.append(extra)
                every.append(extra)
    merged: list[TermMatch] = []
    for match in sorted(matches, key=lambda m: m.start):
        previous = merged[-1] if merged else None
        if previous and previous.term_id == match.term_id \
                and word_count(text, previous.end, match.start) <= rules.merge_gap \
                and not rules.list_separator.search(text, previous.end, match.start):
            merged[-1] = TermMatch(previous.start, match.end, text[previous.start:match.end], match.term_id, match.kind)
        else:
            merged.append(match)
    return merged, every


# --------------------------------------------------------------------------- one sentence

def _cues(text: str, start: int, end: int, rules: _Rules) -> list[Cue]:
    groups = {"effect": rules.effects, **{f"guard:{name}": phrases for name, phrases in rules.guards.items()}}
    return find_cues(text, groups, start, end)


def _guard_reaches(text: str, guard: Cue, mention: TermMatch, every: list[TermMatch], rules: _Rules) -> bool:
    """A guard governs the few words after it, and any enumeration of vocabulary terms there
    ("reduces suicidal thoughts, anxiety and insomnia"); not a clause further on."""
    gap = [w for w in _WORD.finditer(text, guard.end, mention.start)
           if w.group().lower() not in rules.coordinators
           and not any(m.start <= w.start() < m.end for m in every)]
    return len(gap) <= rules.guard_reach


def _owners(text: str, sentence: Sentence, every: list[TermMatch], terms: _Terms,
            rules: _Rules) -> list[tuple[int, bool]]:
    """(position, is ours) of each drug (or other cause, such as depression) that owns an effect
    statement in the sentence: "SSRIs can cause", "side effects of ketamine", "unlike opioids"."""
    candidates = [(m.start, m.end, m.term_id in rules.own_drugs)
                  for m in terms.drugs.find(text, sentence.start, sentence.end)]
    candidates += [(s, e, False) for s, e in _spans(text, rules.other_owners, sentence.start, sentence.end)
                   if not any(m.start <= s < m.end for m in every if m.kind != "drug")]
    owners = []
    for start, end, ours in candidates:
        after = any(word_count(text, end, s) <= 3
                    for s, _ in _spans(text, rules.owner_after, end, min(sentence.end, end + 60)))
        before = any(not text[e:start].strip() for _, e in _spans(text, rules.owner_before, sentence.start, start))
        if after or before:
            owners.append((start, ours))
    return sorted(owners)


def _owned_by_another(position: int, owners: list[tuple[int, bool]]) -> bool:
    """The nearest owner before the position (else the first after it) is not one of our drugs."""
    before = [o for o in owners if o[0] < position]
    owner = before[-1] if before else (owners[0] if owners else None)
    return owner is not None and not owner[1]


def _band(text: str, sentence: Sentence, clause: tuple[int, int], anchors: list[tuple[int, int]],
          rules: _Rules) -> str | None:
    """The band cue of the clause at most band_reach words from an anchor (the governing cue,
    the enumeration), the nearest one winning: "Common side effects include", "very rarely
    reported", "numbness [is] uncommon"."""
    best: tuple[int, str] | None = None
    for cue in find_cues(text, rules.bands, clause[0], clause[1]):
        for start, end in anchors:
            if cue.end <= start:
                distance = word_count(text, cue.end, start)
            elif cue.start >= end:
                distance = word_count(text, end, cue.start)
            else:
                continue
            if distance <= rules.band_reach and (best is None or distance < best[0]):
                best = (distance, cue.label)
    return best[1] if best else None


def _lead_in_band(text: str, start: int, end: int, rules: _Rules) -> str | None:
    """The last band cue of a list's lead-in."""
    cues = find_cues(text, rules.bands, start, end)
    return cues[-1].label if cues else None


def _certainty(text: str, rules: _Rules, hedge_from: int, negation_from: int, end: int) -> str:
    """negated / hedged / asserted by the shared certainty cues; a hedge inside a band phrase
    ("may affect up to 1 in 10 people") does not count."""
    if is_negated(text, rules.certainty, negation_from, end):
        return "negated"
    bands = find_cues(text, rules.bands, hedge_from, end)
    hedges = cue_spans(text, rules.certainty.get("hedges", []), hedge_from, end)
    if any(not any(b.start <= s and e <= b.end for b in bands) for s, e in hedges):
        return "hedged"
    return "asserted"


def _context_in(text: str, start: int, end: int, position: int, rules: _Rules) -> str | None:
    """The context cue nearest before position in text[start:end], else the first after it."""
    cues = find_cues(text, rules.contexts, start, end)
    before = [c for c in cues if c.end <= position]
    if before:
        return before[-1].label
    after = [c for c in cues if c.start >= position]
    return after[0].label if after else None


def _names_the_drug(text: str, sentence: Sentence, terms: _Terms, rules: _Rules) -> bool:
    """True when the sentence names one of our drugs, or refers to "the drug"."""
    return any(m.term_id in rules.own_drugs for m in terms.drugs.find(text, sentence.start, sentence.end)) \
        or bool(_spans(text, rules.drug_references, sentence.start, sentence.end))


def _context(document: SegmentedDocument, sentence: Sentence, position: int, terms: _Terms, rules: _Rules) -> str:
    """The sentence's own cues; else its section heading or question. A sentence that names no
    drug speaks of the text's subject, so it also inherits from the earlier sentences of its
    section and from every heading above it."""
    text = document.text
    found = _context_in(text, sentence.start, sentence.end, position, rules)
    if found:
        return found
    block = document.block_of(sentence)
    heading = section_heading(document, block)
    inherits = not _names_the_drug(text, sentence, terms, rules)
    if inherits:
        floor = heading.index if heading is not None else -1
        earlier = [s for s in document.content_sentences()
                   if floor < s.block_index <= block.index and s.end <= sentence.start]
        for previous in reversed(earlier):
            found = _context_in(text, previous.start, previous.end, previous.end, rules)
            if found:
                return found
    while heading is not None:
        found = _context_in(text, heading.start, heading.end, heading.end, rules)
        if found or not inherits:
            return found or "unspecified"
        heading = section_heading(document, heading)
    return "unspecified"


def _heading_frames(document: SegmentedDocument, sentence: Sentence, terms: _Terms, rules: _Rules) -> bool:
    """The section heading or question speaks of side effects ("Side effects", "Is ketamine addictive?")."""
    heading = section_heading(document, document.block_of(sentence))
    if heading is None:
        return False
    text = document.text
    return bool(_spans(text, rules.list_cues, heading.start, heading.end)) or any(
        m.kind == "side-effect" for m in terms.matchable.find(text, heading.start, heading.end))


def _continues_a_listing(document: SegmentedDocument, sentence: Sentence, rules: _Rules) -> bool:
    """The sentence opens with "They"/"These"/... and the sentence before it in its paragraph
    holds a list cue ("Side effects are usually mild. They include headache and fatigue.")."""
    text = document.text
    opening = find_cues(text, {"x": rules.continuations}, sentence.start, sentence.end)
    if not opening or opening[0].start != sentence.start:
        return False
    earlier = [s for s in document.content_sentences()
               if s.block_index == sentence.block_index and s.end <= sentence.start]
    return bool(earlier) and bool(_spans(text, rules.list_cues, earlier[-1].start, earlier[-1].end))


def _enumeration(text: str, mention: TermMatch, every: list[TermMatch], rules: _Rules) -> tuple[int, int]:
    """The span of the coordinated run of vocabulary terms holding the mention
    ("nausea, dizziness, blurred vision and dissociation")."""
    ordered = sorted({(m.start, m.end) for m in every})
    index = ordered.index(next(span for span in ordered if span[0] <= mention.start < span[1]))
    first = last = index
    while first > 0 and rules.separator.fullmatch(text, ordered[first - 1][1], ordered[first][0]):
        first -= 1
    while last + 1 < len(ordered) and rules.separator.fullmatch(text, ordered[last][1], ordered[last + 1][0]):
        last += 1
    return ordered[first][0], ordered[last][1]


def _sentence_rows(document: SegmentedDocument, sentence: Sentence, mentions: list[TermMatch],
                   every: list[TermMatch], terms: _Terms, rules: _Rules, frame: _Frame | None) -> list[SideEffect]:
    """Rows for the mentions of one sentence; a list frame covers mentions with no cue of their own.

    The governing cue of a mention is the effect cue nearest before its enumeration (else one
    inside it, "risk of abuse and dependence", else the first after it): hedges and negations are read from a few words
    before it, a band next to it or next to the enumeration."""
    text = document.text
    cues = _cues(text, sentence.start, sentence.end, rules)
    owners = _owners(text, sentence, every, terms, rules)
    rows = []
    for mention in mentions:
        enum_start, enum_end = _enumeration(text, mention, every, rules)
        before = [c for c in cues if c.end <= enum_start]
        if before and before[-1].label.startswith("guard:") \
                and _guard_reaches(text, before[-1], mention, every, rules):
            continue
        if _owned_by_another(mention.start, owners):
            continue
        clause = clause_start(text, sentence, mention.start, rules.breaks, rules.break_marks)
        effects_before = [c for c in before if c.label == "effect"]
        inside = [c for c in cues if c.label == "effect" and enum_start <= c.start and c.end <= enum_end]
        after = [c for c in cues if c.start >= enum_end]
        if effects_before and effects_before[-1].start >= clause:
            governor = effects_before[-1]
        elif frame is not None:
            rows.append(_framed_row(document, sentence, mention, terms, rules, frame))
            continue
        elif inside:
            governor = inside[0]
        elif after and after[0].label == "effect":
            governor = after[0]
        elif effects_before or _heading_frames(document, sentence, terms, rules) \
                or _continues_a_listing(document, sentence, rules):
            governor = Cue(mention.start, mention.end, "effect")
        else:
            continue
        start = min(governor.start, mention.start)
        end = max(governor.end, mention.end)
        rows.append(SideEffect(
            source_id=document.source_id, start=mention.start, end=mention.end, quote=mention.quote,
            term=mention.term_id, context=_context(document, sentence, mention.start, terms, rules),
            certainty=_certainty(text, rules, words_back(text, start, rules.hedge_reach, clause),
                                 words_back(text, start, rules.negation_reach, clause), end),
            frequency=_band(text, sentence, (clause, clause_end(text, sentence, enum_end, rules.breaks,
                                                                rules.break_marks)),
                            [(governor.start, governor.end), (enum_start, enum_end)], rules)))
    return rows


# --------------------------------------------------------------------------- lists

def _framed_row(document: SegmentedDocument, item: Sentence, mention: TermMatch, terms: _Terms,
                rules: _Rules, frame: _Frame) -> SideEffect:
    """A list item's mention: certainty, band and (unless the item has its own) context from the frame."""
    text = document.text
    context = _context_in(text, item.start, item.end, mention.start, rules) \
        or _context(document, frame.anchor, frame.window_end, terms, rules)
    if context == "unspecified" and frame.fallback is not None:
        context = _context(document, frame.fallback, frame.fallback.end, terms, rules)
    return SideEffect(
        source_id=document.source_id, start=mention.start, end=mention.end, quote=mention.quote,
        term=mention.term_id, context=context,
        certainty=_certainty(text, rules, frame.window_start, frame.window_start, frame.window_end),
        frequency=_lead_in_band(text, frame.window_start, frame.window_end, rules))


def _list_frame(document: SegmentedDocument, frame: ListFrame, terms: _Terms, rules: _Rules) -> _Frame | None:
    """The frame a list's items get from its lead-in ("Common side effects include:", or a band
    such as "Very common:" under a side-effect heading), or from an anaphoric sentence after it
    ("These side effects may occur ...") when the lead-in did not introduce side effects."""
    text = document.text
    lead = frame.lead_in
    if lead is not None:
        cues = _cues(text, lead.start, lead.end, rules)
        guarded = bool(cues) and cues[-1].label.startswith("guard:")
        every = list(terms.matchable.find(text, lead.start, lead.end))
        owned = _owned_by_another(lead.end, _owners(text, lead, every, terms, rules))
        listing = _spans(text, rules.list_cues, lead.start, lead.end)
        if listing and not guarded and not owned:
            clause = clause_start(text, lead, listing[0][0], rules.breaks, rules.break_marks)
            return _Frame(lead, words_back(text, listing[0][0], rules.hedge_reach, clause), lead.end)
        banded = find_cues(text, rules.bands, lead.start, lead.end)
        if banded and not guarded and not owned and _heading_frames(document, lead, terms, rules):
            return _Frame(lead, lead.start, lead.end)
    trailing = frame.trailing
    if trailing is not None and rules.anaphor is not None:
        match = rules.anaphor.match(text, trailing.start, trailing.end)
        if match and _spans(text, rules.list_cues, match.start(), match.end()):
            return _Frame(trailing, trailing.start, trailing.end, fallback=lead)
    return None


# --------------------------------------------------------------------------- anaphors

def _anaphor_rows(document: SegmentedDocument, sentence: Sentence, antecedents: list[SideEffect],
                  rules: _Rules) -> list[SideEffect]:
    """"These symptoms are very rarely reported at the subanesthetic doses ...": the terms just
    named again, one row each, when the sentence adds a frequency band or a new setting."""
    text = document.text
    match = rules.anaphor.match(text, sentence.start, sentence.end) if rules.anaphor else None
    if match is None or not antecedents:
        return []
    bands = find_cues(text, rules.bands, sentence.start, sentence.end)
    context = _context_in(text, sentence.start, sentence.end, sentence.start, rules)
    if not bands and (context is None or context in {a.context for a in antecedents}):
        return []
    end = match.end()
    if bands:
        verb = rules.anaphor_verb.match(text, bands[0].end, sentence.end) if rules.anaphor_verb else None
        end = verb.end() if verb else bands[0].end
    certainty = _certainty(text, rules, sentence.start, sentence.start, sentence.end)
    rows = []
    for term in dict.fromkeys(a.term for a in antecedents):
        source = next(a for a in antecedents if a.term == term)
        rows.append(replace(source, start=match.start(), end=end, quote=text[match.start():end],
                            context=context or source.context, certainty=certainty,
                            frequency=bands[0].label if bands else source.frequency))
    return rows


# --------------------------------------------------------------------------- document

def extract_side_effects(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[SideEffect, ...]:
    """Side effects the document attributes to ketamine or esketamine, one row per mention."""
    rules = _rules(cues)
    terms = _terms(vocabulary)
    text = document.text
    frames: dict[int, _Frame | None] = {}
    for frame in list_frames(document):
        found_frame = _list_frame(document, frame, terms, rules)
        frames.update({item.index: found_frame for item in frame.items})
    rows: list[SideEffect] = []
    antecedents: list[SideEffect] = []
    for sentence in document.content_sentences():
        if document.block_of(sentence).kind in _TITLES:
            continue
        mentions, every = _mentions(text, sentence, terms, rules)
        found = _sentence_rows(document, sentence, mentions, every, terms, rules, frames.get(sentence.index))
        if not mentions:
            found = _anaphor_rows(document, sentence, antecedents, rules)
        rows.extend(found)
        # what a following anaphor refers to: the previous sentence's rows, or the whole list's
        in_list = sentence.index in frames and sentence.index - 1 in frames
        antecedents = [*antecedents, *found] if in_list else found
    unique: dict[tuple[int, int, str], SideEffect] = {}
    for row in sorted(rows, key=lambda r: (r.start, r.end, r.term)):
        unique.setdefault((row.start, row.end, row.term), row)
    return tuple(unique.values())
