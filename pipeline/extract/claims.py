"""SegmentedDocument + claim cues (with the shared certainty and number cues) + vocabulary -> claims."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pipeline.extract.certainty import cue_spans
from pipeline.extract.numbers import find_numbers
from pipeline.extract.phrases import normal, phrase_spans
from pipeline.extract.quantities import find_quantities
from pipeline.records import Block, Claim, Quantity, SegmentedDocument, Sentence, Vocabulary

_LIST_KINDS = ("list-item", "table-row")
_CLAIM_KINDS = ("paragraph", "quote", *_LIST_KINDS)
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NAME = re.compile(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")


@dataclass(frozen=True)
class _Piece:
    """A clause-like stretch of a sentence; side pieces are subordinate clauses or item labels."""

    start: int
    end: int
    side: bool


@dataclass(frozen=True)
class SentenceReading:
    """What one sentence says, or why it is not a claim (reason is empty for a claim)."""

    sentence: Sentence
    reason: str
    category: str = "other"
    subject: str = ""
    certainty: str = "asserted"
    testimonial: bool = False
    quantities: tuple[Quantity, ...] = ()
    ends_with_colon: bool = False


@dataclass(frozen=True)
class _Context:
    """Per-document inputs shared by every sentence."""

    text: str
    cues: dict[str, Any]
    certainty: dict[str, Any]
    numbers: dict[str, Any]
    safety_terms: tuple[str, ...]
    speakers: frozenset[str]
    default: str
    publisher_voice: bool


def _has(text: str, phrases: list[str], start: int, end: int) -> bool:
    return bool(phrase_spans(text, phrases, start, end))


def _starts_with(text: str, phrases: list[str], start: int, end: int) -> bool:
    return any(s == start for s, _ in phrase_spans(text, phrases, start, end))


def _pieces(text: str, start: int, end: int, cues: dict[str, Any], is_item: bool) -> list[_Piece]:
    """Split a sentence at commas, colons, dashes, brackets and after a reporting frame ("studies show
    that"); subordinate clauses, reporting frames and list-item labels are side pieces."""
    pieces = []
    cut = start
    label_end = None
    if is_item:
        colon = text.find(": ", start, end)
        if 0 < colon - start < 60:
            label_end = colon + 1
    frames = {e for _, e in phrase_spans(text, [f"{v} that" for v in cues["reporting_verbs"]], start, end)}
    breaks = sorted([(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text, start, end)]
                    + [(e, e) for e in frames])
    for piece_end, next_cut in [*breaks, (end, end)]:
        s, e = cut, piece_end
        while s < e and not text[s].isalnum():
            s += 1
        if s < e:
            side = ((label_end is not None and e <= label_end) or e in frames
                    or _starts_with(text, cues["subordinators"], s, e))
            pieces.append(_Piece(s, e, side))
        cut = max(cut, next_cut)
    return pieces


def _core(pieces: list[_Piece]) -> list[_Piece]:
    core = [p for p in pieces if not p.side]
    return core or pieces


def _embedded_starts(ctx: _Context, piece: _Piece) -> list[int]:
    """Where restrictive relative, conditional or embedded clauses start inside a piece, then the piece end."""
    text, cues = ctx.text, ctx.cues
    heads = cues["complement_heads"]
    starts = []
    for s, e in phrase_spans(text, cues["relative_markers"], piece.start, piece.end):
        if text[s:e].lower() == "that":
            before = _WORD.findall(text[piece.start:s])
            if not before or before[-1].lower() in heads:
                continue
        starts.append(s)
    return [*starts, piece.end]


def _embedded_from(ctx: _Context, piece: _Piece) -> int:
    """Where the first embedded clause of a piece starts (the piece end if none)."""
    return _embedded_starts(ctx, piece)[0]


def _certainty(ctx: _Context, pieces: list[_Piece], quantities: tuple[Quantity, ...]) -> str:
    """negated when the core clause denies, else hedged when the claim hedges, else asserted. Hedges of
    concessive side clauses and list-item labels do not count; negations count in the core clause only."""
    text, cues, shared = ctx.text, ctx.cues, ctx.certainty
    negations = [c for c in [*shared.get("negations", []), *cues["extra_negations"]]
                 if c not in cues["ignore_negations"]]
    hedges = [c for c in [*shared.get("hedges", []), *cues["extra_hedges"]] if c not in cues["ignore_hedges"]]
    exceptions = [*shared.get("negation_exceptions", []), *cues["negation_exceptions"]]
    core_pieces = _core(pieces)
    core = {(p.start, p.end) for p in core_pieces}
    rates = sorted(q.end for q in quantities if q.unit == "percent")
    hedged = False
    conceding = False
    for piece in pieces:
        starts = _embedded_starts(ctx, piece)
        embedded = starts[0]
        # A relative clause that opens the piece qualifies its subject ("Adults who have tried two
        # antidepressants may be candidates"): a hedge after it belongs to the main clause, up to the
        # next embedded clause.
        subject_relative = len(_WORD.findall(text[piece.start:embedded])) <= cues["subject_relative_max_words"]
        hedge_end = starts[1] if subject_relative and len(starts) > 1 else embedded
        kept = phrase_spans(text, cues["hedge_exceptions"], piece.start, piece.end)
        hedge_spans = [(s, e) for s, e in cue_spans(text, hedges, piece.start, hedge_end)
                       if not any(xs <= s and e <= xe for xs, xe in kept)]
        label = piece.side and text[piece.end:piece.end + 1] == ":"
        # a relative clause right after a concessive one belongs to it ("Unlike SSRIs, which may take weeks, ...")
        conceding = piece.side and (_starts_with(text, cues["concessive_subordinators"], piece.start, piece.end)
                                    or (conceding and embedded == piece.start))
        concessive = conceding
        if not (label or concessive):
            hedged = hedged or bool(hedge_spans)
        if (piece.start, piece.end) not in core:
            continue
        if piece is core_pieces[0] and _starts_with(text, cues["opening_negations"], piece.start, piece.end):
            return "negated"  # "No deaths occurred", "None of the patients relapsed"
        excepted = cue_spans(text, exceptions, piece.start, piece.end)
        quantified = [e for _, e in phrase_spans(text, cues["quantifier_subjects"], piece.start, piece.end)]
        first_rate = bisect.bisect_left(rates, piece.start)
        if first_rate < len(rates) and rates[first_rate] <= piece.end:
            quantified.append(rates[first_rate])
        for s, e in cue_spans(text, negations, piece.start, embedded):
            if any(xs <= s and e <= xe for xs, xe in excepted):
                continue
            if any(piece.start <= q <= s for q in quantified):
                continue  # a quantified statement ("30% do not respond") asserts how many
            if any(hs < s and s - he <= 1 for hs, he in hedge_spans):
                continue  # "may not be covered": the denial itself is hedged
            return "negated"
    return "hedged" if hedged else "asserted"


def _subject_matches(ctx: _Context, start: int, end: int) -> list[tuple[int, int, int, str]]:
    """(start, end, rank, subject) of every subject cue, the longest match winning where two overlap."""
    found = []
    terms = phrase_spans(ctx.text, ctx.safety_terms, start, end)  # "respiratory depression" names no subject
    for entry in ctx.cues["subjects"]:
        for s, e in phrase_spans(ctx.text, entry["cues"], start, end):
            if not any(ts <= s and e <= te for ts, te in terms):
                found.append((s, e, entry["rank"], entry["id"]))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    kept: list[tuple[int, int, int, str]] = []
    for match in found:
        if kept and match[0] < kept[-1][1]:
            continue
        kept.append(match)
    return kept


def _subject(ctx: _Context, matches: list[tuple[int, int, int, str]], pieces: list[_Piece],
             previous: str | None) -> str:
    """A named specific form, else the cue that opens the core clause (its grammatical subject), else the
    claim before it for an anaphor ("It ..."), else the default subject if named, else the best-ranked cue
    outside embedded clauses. "We"/"our" (rank 3) name the publisher only as the opening of an unattributed
    sentence."""
    cues, text = ctx.cues, ctx.text
    default = ctx.default
    for match in matches:
        if match[2] == 1 and match[3] in cues["specific_subjects"]:
            return match[3]
    # "we" speaks for the publisher only in a sentence nobody else is said to say, about no named therapy
    voiced = not any(m[2] == 1 for m in matches) and not (
        pieces and _has(text, cues["attribution_verbs"], pieces[0].start, pieces[-1].end))
    core = _core(pieces)
    for piece in core:
        words = _WORD.findall(text[piece.start:piece.end])
        if words and words[0].lower() in cues["anaphors"]:
            return previous or default
        for match in matches:
            before = [w.lower() for w in _WORD.findall(text[piece.start:match[0]])]
            if (piece.start <= match[0] < piece.end and len(before) <= cues["subject_opening_words"]
                    and (match[2] < 3 or voiced)
                    and not set(before) & set(cues["subject_blockers"])):
                return match[3]
        if len(words) >= 3:
            break
    if any(m[3] == default and m[2] == 1 for m in matches):
        return default
    # outside embedded clauses and before any comparison ("fewer side effects than ECT" is not about ECT)
    ends = [min([_embedded_from(ctx, p), *(s for s, _ in phrase_spans(text, cues["comparison_markers"], p.start,
                                                                         p.end))]) for p in core]
    family = {cues["default_subject"], cues["publisher_subject"], *cues["specific_subjects"]}
    ranked = [m for m in matches if m[2] == 1 and any(p.start <= m[0] < end for p, end in zip(core, ends, strict=True))
              and not (m[3] in family and _in_prepositional_phrase(ctx, m[0]))]
    return ranked[0][3] if ranked else default


def _in_prepositional_phrase(ctx: _Context, position: int) -> bool:
    """A cue right after a preposition and at most a few modifiers ("at a certified clinic", "derived from the
    anesthetic ketamine") is the object of a side phrase: where the therapy itself or its clinics are only
    such an object, the claim is about the document's drug (other drugs count wherever they stand)."""
    before = [w.lower() for w in _WORD.findall(ctx.text[max(0, position - 60):position])]
    window = before[-(ctx.cues["prepositional_object_gap"] + 1):]
    return any(w in ctx.cues["prepositions"] for w in window)


def _heading_scores(ctx: _Context, heading: str) -> dict[str, float]:
    """Category cues of a section heading (or a list's lead-in), weighted as context."""
    scores: dict[str, float] = defaultdict(float)
    for category, table in ctx.cues["categories"].items():
        for s, e in phrase_spans(heading, list(table)):
            scores[category] += ctx.cues["heading_weight"] * table[normal(heading[s:e])]
    return scores


def _category_scores(ctx: _Context, sentence: Sentence, pieces: list[_Piece], context: dict[str, float],
                     quantities: tuple[Quantity, ...]) -> dict[str, float]:
    """Category -> score from the cues of the sentence (side pieces weigh less), its quantities' measures
    and its context (heading)."""
    cues, text = ctx.cues, ctx.text
    scores: dict[str, float] = defaultdict(float, context)
    for quantity in quantities:
        if quantity.measure in cues["measure_categories"]:
            category, weight = cues["measure_categories"][quantity.measure]
            scores[category] += weight
    starts = [p.start for p in pieces]

    def weight_at(position: int) -> float:
        index = bisect.bisect_right(starts, position) - 1
        if index < 0 or position >= pieces[index].end:
            return 0.0
        return cues["side_clause_weight"] if pieces[index].side else 1.0

    for category, table in cues["categories"].items():
        for s, e in phrase_spans(text, list(table), sentence.start, sentence.end):
            scores[category] += weight_at(s) * table[normal(text[s:e])]
    for s, _ in phrase_spans(text, ctx.safety_terms, sentence.start, sentence.end):
        scores["safety"] += weight_at(s) * cues["vocabulary_safety_weight"]
    return scores


def _category(scores: dict[str, float], cues: dict[str, Any], subject: str) -> str:
    best = max(cues["categories"], key=lambda c: scores.get(c, 0.0))
    if scores.get(best, 0.0) <= 0:
        return cues["fallback_category"]
    if subject in cues["condition_subjects"] and best not in cues["condition_categories"]:
        return cues["fallback_category"]
    return best


def _claim_cue_score(ctx: _Context, start: int, end: int) -> float:
    """Weight of the category cues of a stretch (vocabulary terms left out): how claim-like it is."""
    total = 0.0
    for table in ctx.cues["categories"].values():
        for s, e in phrase_spans(ctx.text, list(table), start, end):
            total += table[normal(ctx.text[s:e])]
    return total


def _is_title_case(text: str) -> bool:
    words = [w for w in _WORD.findall(text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _exclusion(ctx: _Context, sentence: Sentence, block: Block, lead_in: SentenceReading | None) -> str:
    """Why a content sentence is no claim, or "" when it may be one."""
    text, cues = ctx.text, ctx.cues
    body = text[sentence.start:sentence.end]
    stripped = body.strip("\"“”‘’'() ")
    words = _WORD.findall(body)
    if stripped.endswith("?"):
        return "question"
    if not words or " ".join(words).lower() in cues["interjections"]:
        return "interjection"
    if block.kind in _LIST_KINDS and lead_in is not None and lead_in.reason in ("advice", "imperative"):
        return "item of " + lead_in.reason
    if _has(text, cues["rhetoric"], sentence.start, sentence.end):
        return "rhetoric"
    if _has(text, cues["advice"], sentence.start, sentence.end):
        return "advice"
    opening = sentence.start + len(body) - len(body.lstrip("\"“‘'("))
    if _starts_with(text, cues["imperative_starts"], opening, sentence.end) and not (
            _starts_with(text, cues["stating_imperatives"], opening, sentence.end)
            and find_numbers(text, ctx.numbers, sentence.start, sentence.end)):
        return "imperative"
    if _has(text, cues["staff"], sentence.start, sentence.end):
        return "staff"
    unpunctuated = stripped[-1:] not in ".!"
    cells = body.split("|")
    piped_header = len(cells) > 1 and all(len(_WORD.findall(c)) <= cues["table_header_cell_max_words"] for c in cells)
    if (block.kind == "table-row" and unpunctuated and (_is_title_case(body) or piped_header)
            and not re.search(r"\d", body) and len(words) <= cues["table_header_max_words"]):
        return "table header"
    if (block.kind in _LIST_KINDS and lead_in is not None and lead_in.ends_with_colon and unpunctuated
            and len(words) <= cues["bare_term_max_words"] and not re.search(r"\d", body)
            and words[0].lower() not in cues["clause_item_starts"]
            and _claim_cue_score(ctx, sentence.start, sentence.end) < cues["bare_term_min_cue_weight"]):
        return "bare term"
    return ""


def _is_expert_attributed(ctx: _Context, sentence: Sentence) -> bool:
    text, cues = ctx.text, ctx.cues
    return _has(text, cues["attribution_verbs"], sentence.start, sentence.end) and _has(
        text, cues["expert_titles"], sentence.start, sentence.end)


def _patient_speakers(document: SegmentedDocument, cues: dict[str, Any]) -> frozenset[str]:
    """Names that first-person sentences are attributed to ("I feel ..., says Bayman"), minus experts."""
    text = document.text
    verbs = "|".join(re.escape(v) for v in cues["attribution_verbs"])
    pattern = re.compile(rf"\b(?:{verbs})\s+({_NAME.pattern})|({_NAME.pattern})\s+(?:{verbs})\b")
    names = set()
    for sentence in document.content_sentences():
        if not _has(text, cues["first_person"], sentence.start, sentence.end):
            continue
        if _has(text, cues["expert_titles"], sentence.start, sentence.end):
            continue
        for match in pattern.finditer(text, sentence.start, sentence.end):
            name = match.group(1) or match.group(2)
            names.add(name.split()[-1])
    return frozenset(names)


def _testimonial(ctx: _Context, sentence: Sentence, block: Block) -> bool:
    """A patient's or customer's own account: a first-person quote block, a first-person sentence that no
    expert says, or a sentence about or by a patient who speaks in the first person elsewhere."""
    text, cues = ctx.text, ctx.cues
    if block.kind == "quote" and _has(text, cues["first_person"], block.start, block.end):
        return True
    if _is_expert_attributed(ctx, sentence):
        return False
    if _has(text, cues["first_person"], sentence.start, sentence.end):
        return True
    body = text[sentence.start:sentence.end]
    return any(re.search(rf"\b{re.escape(name)}\b", body) for name in ctx.speakers)


def _read(ctx: _Context, sentence: Sentence, block: Block, heading: dict[str, float],
          lead_in: SentenceReading | None, previous_subject: str | None) -> SentenceReading:
    """One content sentence -> its claim fields, or the reason it is not a claim."""
    text, cues = ctx.text, ctx.cues
    body = text[sentence.start:sentence.end]
    ends_with_colon = body.rstrip().endswith(":")
    reason = _exclusion(ctx, sentence, block, lead_in)
    if reason:
        return SentenceReading(sentence, reason, ends_with_colon=ends_with_colon)
    pieces = _pieces(text, sentence.start, sentence.end, cues, block.kind in _LIST_KINDS)
    negation_present = bool(cue_spans(text, ctx.certainty.get("negations", []), sentence.start, sentence.end))
    quantities = find_quantities(text, sentence.start, sentence.end, cues["quantities"], ctx.numbers,
                                 negation_present)
    testimonial = _testimonial(ctx, sentence, block)
    scores = _category_scores(ctx, sentence, pieces, heading, quantities)
    words = _WORD.findall(body)
    continues = previous_subject is not None and bool(words) and words[0].lower() in cues["anaphors"]
    matches = _subject_matches(ctx, sentence.start, sentence.end)
    topical = any(scores.values()) or matches or quantities or continues
    if not topical and not testimonial:
        return SentenceReading(sentence, "off topic", ends_with_colon=ends_with_colon)
    subject = _subject(ctx, matches, pieces, previous_subject)
    if (ctx.publisher_voice and subject not in cues["specific_subjects"]
            and any(q.measure == "cost" and q.unit == "usd" for q in quantities)):
        subject = cues["publisher_subject"]  # a clinic that speaks as "we" states its own prices
    category = _category(scores, cues, subject)
    certainty = _certainty(ctx, pieces, quantities)
    fragment = block.kind in _LIST_KINDS and body.strip("\"”’' ")[-1:] not in ".!"
    if lead_in is not None and lead_in.ends_with_colon and not lead_in.reason:
        if lead_in.category in cues["lead_in_categories"]:
            category = lead_in.category
        if fragment and certainty == "asserted":
            certainty = lead_in.certainty
    return SentenceReading(sentence, "", category, subject, certainty, testimonial, quantities, ends_with_colon)


def _dominant_drug(document: SegmentedDocument, cues: dict[str, Any]) -> str:
    """The drug a document is about: of the default subject and its specific forms, the one named most often
    (any rank), the first block (the title) counting title_weight times; ties go to the default."""
    default = cues["default_subject"]
    candidates = [default, *cues["specific_subjects"]]
    counts = dict.fromkeys(candidates, 0.0)
    text = document.text
    title_end = document.blocks[0].end if document.blocks else 0
    for entry in cues["subjects"]:
        if entry["id"] not in counts or entry["rank"] > 2:
            continue
        for s, _ in phrase_spans(text, entry["cues"], 0, len(text)):
            counts[entry["id"]] += cues["title_weight"] if s < title_end else 1.0
    best = max(candidates, key=lambda c: counts[c])
    return best if counts[best] > counts[default] else default


def _publisher_voice(document: SegmentedDocument, cues: dict[str, Any]) -> bool:
    """Whether the publisher speaks as "we" in enough content sentences to be the one stating its prices."""
    text = document.text
    voiced = sum(1 for s in document.content_sentences()
                 if _starts_with(text, cues["publisher_voice"], s.start, s.end))
    return voiced >= cues["publisher_voice_min_sentences"]


def read_sentences(document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary) -> list[SentenceReading]:
    """Every content sentence of a claim-bearing block with its reading (claims and the reasons for the rest)."""
    safety_terms = tuple(sorted({s for t in vocabulary.of_kind("side-effect") for s in t.synonyms}))
    ctx = _Context(document.text, cues, cues.get("certainty", {}), cues.get("numbers", {}), safety_terms,
                   _patient_speakers(document, cues), _dominant_drug(document, cues),
                   _publisher_voice(document, cues))
    by_block: dict[int, list[Sentence]] = defaultdict(list)
    for sentence in document.content_sentences():
        by_block[sentence.block_index].append(sentence)
    readings: list[SentenceReading] = []
    lead_in: SentenceReading | None = None
    last_of_block: SentenceReading | None = None
    previous_block: Block | None = None
    for block in document.blocks:
        if block.kind not in _LIST_KINDS:
            lead_in = None
        elif last_of_block is not None and last_of_block.ends_with_colon:
            lead_in = last_of_block  # a new list under "... include:", whatever kind of block says it
        elif previous_block is None or previous_block.kind not in _LIST_KINDS:
            lead_in = None
        previous_block, last_of_block = block, None
        if block.kind not in _CLAIM_KINDS or block.marks:
            continue
        heading_block = document.blocks[block.heading_index] if block.heading_index is not None else None
        heading = _heading_scores(ctx, document.text[heading_block.start:heading_block.end] if heading_block else "")
        previous_subject = None
        for sentence in by_block.get(block.index, []):
            reading = _read(ctx, sentence, block, heading, lead_in, previous_subject)
            readings.append(reading)
            last_of_block = reading
            if not reading.reason:
                previous_subject = reading.subject
    return readings


def extract_claims(
    document: SegmentedDocument, cues: dict[str, Any], vocabulary: Vocabulary
) -> tuple[Claim, ...]:
    """Claims of every content sentence that states something about the therapy, its alternatives or the
    condition; cues are data/cues/claims.yaml plus the shared "certainty" and "numbers" cue files."""
    if not cues.get("categories"):
        return ()
    return tuple(
        Claim(source_id=document.source_id, start=r.sentence.start, end=r.sentence.end,
              quote=document.text[r.sentence.start:r.sentence.end], category=r.category, subject=r.subject,
              certainty=r.certainty, testimonial=r.testimonial, quantities=r.quantities)
        for r in read_sentences(document, cues, vocabulary) if not r.reason)
