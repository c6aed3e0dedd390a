"""Annotated blocks -> two-column comparison tables: each side of a row is its own site with its column's subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.extractors.adjacent import words_before
from pipeline.extractors.claim_text import THERAPY, named_subjects

if TYPE_CHECKING:
    from pipeline.extractors.claim_reading import Reading
    from pipeline.extractors.claims import ClaimCues

ROW_KINDS = ("item", "row", "paragraph")
HEADER_KINDS = ("heading", "item", "row", "field", "paragraph")
SiteSpan = tuple[int, int, str | None]


@dataclass(frozen=True)
class Header:
    """A comparison header: the subject of each column (None for a label column), and its block."""

    block: int
    subjects: tuple[str | None, ...]


def _therapies(annotated: Annotated, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(n.start, n.end, n.subject) for n in named_subjects(annotated, start, end) if n.rank == THERAPY]


def _cell_subjects(annotated: Annotated, block: Block) -> tuple[str | None, ...] | None:
    """A header row with cells: the therapy each cell names (a label cell names none); two different ones."""
    subjects = []
    for start, end in block.cells:
        found = _therapies(annotated, start, end)
        subjects.append(found[0][2] if len(found) == 1 else None)
    named = [s for s in subjects if s]
    return tuple(subjects) if len(named) == 2 and len(set(named)) == 2 else None


def _flat_subjects(annotated: Annotated, block: Block, cues: ClaimCues) -> tuple[str | None, ...] | None:
    """A header flattened into one line: two different therapies one after the other and few other words."""
    body = annotated.text[block.start:block.end]
    if body[-1:] in ".:;!?" or any(map(str.isdigit, body)):
        return None
    found = _therapies(annotated, block.start, block.end)
    if len(found) != 2 or found[0][2] == found[1][2]:
        return None
    named_words = sum(annotated.words_between(s, e) for s, e, _ in found)
    others = annotated.words_between(block.start, block.end) - named_words
    return (found[0][2], found[1][2]) if others <= cues.comparison_header_max_words else None


def _rows(annotated: Annotated, header: Block) -> list[Block]:
    """The lines under a header: its own items (a heading), or the blocks after it with the same parent."""
    rows = []
    for block in annotated.blocks[header.index + 1:]:
        under = block.parent == header.index or (block.parent == header.parent and header.kind != "heading")
        if not under or block.kind not in ROW_KINDS or bool(block.cells) != bool(header.cells):
            break
        rows.append(block)
    return rows


def headers(annotated: Annotated, cues: ClaimCues) -> dict[int, Header]:
    """Block index of every comparison row -> its header."""
    found: dict[int, Header] = {}
    for block in annotated.blocks:
        if block.kind not in HEADER_KINDS or not annotated.content(block):
            continue
        subjects = _cell_subjects(annotated, block) if block.cells else _flat_subjects(annotated, block, cues)
        if subjects is None:
            continue
        found[block.index] = Header(block.index, subjects)
        for row in _rows(annotated, block):
            found[row.index] = Header(block.index, subjects)
    return found


def _inner_capital(annotated: Annotated, block: Block) -> int | None:
    """Where the second column of a flattened row starts: its one inner word written with a capital
    ("Slow onset of action Rapid relief within hours"); None when there is not exactly one."""
    text = annotated.text
    words = annotated.word_spans(block.start, block.end)[1:]
    starts = [s for s, e in words if text[s].isupper() and text[s + 1:e].islower() and e - s > 1
              and text[:s].rstrip()[-1:] not in ".!?:"
              and annotated.mentions.covering("term:drug", s, e) is None]
    return starts[0] if len(starts) == 1 else None


def _trimmed(annotated: Annotated, start: int, end: int) -> tuple[int, int]:
    text = annotated.text
    while end > start and text[end - 1] in " \t,;":
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def sites(annotated: Annotated, block: Block, sentences: list[tuple[int, int]],
          found: dict[int, Header]) -> list[SiteSpan]:
    """The sites of a block: its sentences, or the sides of a comparison row with their column subjects."""
    header = found.get(block.index)
    if header is None:
        return [(s, e, None) for s, e in sentences]
    if header.block == block.index:
        return []  # the header names the columns; it states nothing
    if block.cells:
        return [(*_trimmed(annotated, s, e), subject) for (s, e), subject in zip(block.cells, header.subjects,
                                                                               strict=False) if subject]
    cut = _inner_capital(annotated, block)
    if cut is None or len(header.subjects) != 2:
        return [(s, e, None) for s, e in sentences]
    left, right = _trimmed(annotated, block.start, cut), _trimmed(annotated, cut, block.end)
    return [(*left, header.subjects[0]), (*right, header.subjects[1])]


def subject_before(reading: Reading, position: int) -> str | None:
    """The therapy named nearest before a position in its clause and site, or None; a therapy named in a role
    ("ketamine as an antidepressant", "drugs like SSRIs") is not what the number is about."""
    site = reading.site
    low, _ = site.annotated.clause(position, position + 1)
    start = max(low, site.start)
    if not site.annotated.of("claims.therapies", start, position):
        return None  # no therapy cue before it: no need to read every subject cue
    found = [t for t in _therapies(site.annotated, start, position)
             if words_before(site.annotated, "claims.role_markers", t[0], site.start, 1) is None]
    return found[-1][2] if found else None
