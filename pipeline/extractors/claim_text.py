"""Annotated text + a sentence -> its clause pieces, embedded clauses, subject cues and the document's voices."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.engine.matcher import Mention
from pipeline.extractors.adjacent import right_before

if TYPE_CHECKING:
    from pipeline.extractors.claims import ClaimCues

CUES = "claims"
# Where pieces break: a punctuation mark, or a hyphen between spaces (two patterns, as each is found faster alone
# than their alternation; their matches never overlap).
_PIECE_MARK = re.compile(r"[,;:()—–]")
_SPACED_HYPHEN = re.compile(r"\s-\s")
THERAPY, TOPIC, VOICE = 1, 2, 3
MAX_LABEL_CHARACTERS = 60  # "Cost and Accessibility: ..." (a list item's label ends at a colon this close)


@dataclass(frozen=True)
class Piece:
    """A clause-like stretch of a sentence; side pieces are subordinate clauses, reporting frames or item labels."""

    start: int
    end: int
    side: bool


@dataclass(frozen=True)
class Named:
    """A subject cue of a sentence: where, how it counts (therapy, topic, voice) and the subject it names."""

    start: int
    end: int
    rank: int
    subject: str


CategoryCue = tuple[str, Mention, float]  # (category, mention, the weight its phrase counts with)


@dataclass(frozen=True)
class CategoryCues:
    """Every category cue of a document sorted by start: a span finds its cues of all categories in one look-up,
    not in one per category."""

    found: tuple[tuple[int, int, CategoryCue], ...]  # (start, category order, cue)
    starts: tuple[int, ...]

    def within(self, start: int, end: int) -> list[CategoryCue]:
        """The cues lying wholly inside [start, end): by category in the order of the cue file, then in text order
        (the order of one look-up per category)."""
        low = bisect_left(self.starts, start)
        high = bisect_left(self.starts, end, low)
        inside = [f for f in self.found[low:high] if f[2][1].end <= end]
        if len(inside) > 1:
            inside.sort(key=lambda f: (f[1], f[0]))
        return [f[2] for f in inside]


def category_cues(annotated: Annotated, categories: Mapping[str, Mapping[str, float]]) -> CategoryCues:
    """A document's category cues, indexed once for all its sites."""
    found = sorted(((m.start, order, (category, m, table[m.value]))
                    for order, (category, table) in enumerate(categories.items())
                    for m in annotated.of(f"{CUES}.categories.{category}")), key=lambda f: (f[0], f[1]))
    return CategoryCues(tuple(found), tuple([f[0] for f in found]))


def starts_with(annotated: Annotated, key: str, start: int, end: int) -> Mention | None:
    """The mention of a claims list that opens [start, end)."""
    found = annotated.mentions.first(f"{CUES}.{key}", start, end)
    return found if found is not None and found.start == start else None


def has(annotated: Annotated, key: str, start: int, end: int) -> bool:
    return bool(annotated.of(f"{CUES}.{key}", start, end))


def first_word(annotated: Annotated, start: int, end: int) -> tuple[int, int] | None:
    """The first word lying wholly inside [start, end) (the first of word_spans, without listing the rest)."""
    index = bisect_left(annotated.word_starts, start)
    if index < len(annotated.word_ends) and annotated.word_ends[index] <= end:
        return annotated.word_starts[index], annotated.word_ends[index]
    return None


def opens_with(annotated: Annotated, key: str, start: int, end: int) -> bool:
    """Whether the first word of [start, end) begins a mention of a claims list."""
    word = first_word(annotated, start, end)
    return word is not None and starts_with(annotated, key, word[0], end) is not None


def pieces(annotated: Annotated, start: int, end: int, is_item: bool) -> list[Piece]:
    """A sentence cut at commas, colons, dashes and brackets, and after a reporting frame ("studies show that");
    subordinate clauses, reporting frames and list-item labels are side pieces."""
    text = annotated.text
    label_end = None
    if is_item:
        colon = text.find(": ", start, end)
        if 0 < colon - start < MAX_LABEL_CHARACTERS:
            label_end = colon + 1
    frames = {m.end for m in annotated.of(f"{CUES}.reporting_frames", start, end)}
    breaks = sorted([m.span() for m in _PIECE_MARK.finditer(text, start, end)]
                    + [m.span() for m in _SPACED_HYPHEN.finditer(text, start, end)] + [(e, e) for e in frames])
    # subordinator start -> end, looked up once per sentence: a piece is subordinate when one opens it
    subordinators = {m.start: m.end for m in annotated.of(f"{CUES}.subordinators", start, end)}
    result = []
    cut = start
    for piece_end, next_cut in [*breaks, (end, end)]:
        low = cut
        while low < piece_end and not text[low].isalnum():
            low += 1
        if low < piece_end:
            side = ((label_end is not None and piece_end <= label_end) or piece_end in frames
                    or subordinators.get(low, piece_end + 1) <= piece_end)
            result.append(Piece(low, piece_end, side))
        cut = max(cut, next_cut)
    return result


def core(found: list[Piece]) -> list[Piece]:
    """The pieces that are no side pieces (all of them when every piece is one)."""
    return [p for p in found if not p.side] or found


def embedded_starts(annotated: Annotated, piece: Piece) -> list[int]:
    """Where restrictive relative, conditional or embedded clauses start inside a piece, then the piece end."""
    starts = [m.start for m in annotated.of(f"{CUES}.relative_markers", piece.start, piece.end)]
    for that in annotated.of(f"{CUES}.complementisers", piece.start, piece.end):
        if that.start > piece.start and right_before(annotated, f"{CUES}.complement_heads", that.start,
                                                     piece.start) is None:
            starts.append(that.start)
    return [*sorted(starts), piece.end]


def named_subjects(annotated: Annotated, start: int, end: int) -> list[Named]:
    """Every subject cue of [start, end), the longest where two overlap; cues inside a side-effect name of the
    vocabulary ("respiratory depression") name no subject."""
    found = [Named(m.start, m.end, THERAPY, m.value) for m in annotated.of(f"{CUES}.therapies", start, end)]
    found += [Named(m.start, m.end, TOPIC, m.value) for m in annotated.of(f"{CUES}.topics", start, end)]
    found += [Named(m.start, m.end, VOICE, "") for m in annotated.of(f"{CUES}.publisher_voice", start, end)]
    found = [n for n in found if annotated.mentions.covering("term:side-effect", n.start, n.end) is None]
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    kept: list[Named] = []
    for named in found:
        if not kept or named.start >= kept[-1].end:
            kept.append(named)
    return kept


@dataclass(frozen=True)
class Voices:
    """What a document says about who speaks: its default subject, whether the publisher speaks as "we" often
    enough to state its own prices, and the names of patients who speak in the first person."""

    default: str
    publisher: bool
    patients: frozenset[str]


def _default_subject(annotated: Annotated, cues: ClaimCues) -> str:
    """Of the default subject and its specific forms, the one the document names most often (therapy and topic
    cues; the first block, the title, counting title_weight times); ties go to the default."""
    candidates = [cues.default_subject, *cues.specific_subjects]
    counts: Counter[str] = Counter()
    title_end = annotated.blocks[0].end if annotated.blocks else 0
    for key in ("therapies", "topics"):
        for mention in annotated.of(f"{CUES}.{key}"):
            if mention.value in candidates:
                counts[mention.value] += cues.title_weight if mention.start < title_end else 1
    best = max(candidates, key=lambda c: counts[c])
    return best if counts[best] > counts[cues.default_subject] else cues.default_subject


def _is_name(annotated: Annotated, word: tuple[int, int]) -> bool:
    body = annotated.text[word[0]:word[1]]
    return len(body) > 1 and body[0].isupper() and body[1:].islower()


def _speakers(annotated: Annotated, sentence_start: int, sentence_end: int) -> set[str]:
    """Names a sentence attributes itself to ("..., says Nicole Bayman", "Bayman said"): the last word of the
    name."""
    names = set()
    for verb in annotated.of(f"{CUES}.attribution_verbs", sentence_start, sentence_end):
        after = annotated.word_spans(verb.end, sentence_end)[:2]
        name = [w for w in after[:1] if _is_name(annotated, w)]
        if name and len(after) > 1 and _is_name(annotated, after[1]):
            name = after[1:2]
        before = annotated.word_spans(sentence_start, verb.start)[-1:]
        name = name or [w for w in before if _is_name(annotated, w)]
        names |= {annotated.text[s:e] for s, e in name}
    return names


def voices(annotated: Annotated, sentences: list[tuple[int, int]], cues: ClaimCues) -> Voices:
    """The document's default subject, publisher voice and first-person patients, from its content sentences."""
    voiced = sum(1 for start, end in sentences if opens_with(annotated, "publisher_voice", start, end))
    patients: set[str] = set()
    for start, end in sentences:
        if has(annotated, "first_person", start, end) and not has(annotated, "expert_titles", start, end):
            patients |= _speakers(annotated, start, end)
    return Voices(_default_subject(annotated, cues), voiced >= cues.publisher_voice_min_sentences,
                  frozenset(patients))


def names_a_patient(annotated: Annotated, start: int, end: int, patients: frozenset[str]) -> bool:
    if not patients:
        return False  # most documents quote no patient
    text = annotated.text
    return any(text[s:e] in patients for s, e in annotated.word_spans(start, end))


def heading_context(annotated: Annotated, block: Block) -> list[tuple[int, int]]:
    """The words a block sits under: its nearest heading and, for an answer, the question right before it."""
    spans = []
    heading = next((b for b in annotated.ancestors(block) if b.kind == "heading" and annotated.content(b)), None)
    if heading is not None:
        spans.append((heading.start, heading.end))
    if block.index > 0:
        previous = annotated.blocks[block.index - 1]
        if previous.kind == "question" and annotated.content(previous):
            spans.append((previous.start, previous.end))
    return spans
