"""Document + cue lists -> SegmentedDocument: blocks, sentences and boilerplate marks."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import Any

from pipeline.records import Block, Document, SegmentedDocument, Sentence

_LINE = re.compile(r"[^\n]+")
_ORDINAL_MARKER = re.compile(r"(?:\d{1,3}|[a-zA-Z])[.)]\s+")
_PHONE = re.compile(r"\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4}\b")
_DATE_LINE = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}$"
    r"|^\d{4}-\d{2}-\d{2}$",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# A reference-list entry: "Daly EJ, et al. ...", or a title ending in a year ("... JAMA Psychiatry. 2019.").
_REFERENCE = re.compile(r"\bet al\.|[.?]\s+(?:19|20)\d{2}[a-z]?\.?$")
_COUNT_PREFIX = re.compile(r"^\d+\s+")
MENU_RUN = 3  # this many consecutive one-to-three-word lines form a menu or a link list
MENU_WORDS = 3
# The look-behind makes a match start only at the first mark of a run ("!!!", "..."): without
# it every position inside a long run is retried and the search takes quadratic time.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TERMINAL = ".!;,"
_QUOTE_OPEN = "\"“‘'"
_QUOTE_CLOSE = "\"”’'"
MAX_HEADING_WORDS = 16


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _list_marker_length(line: str, markers: list[str]) -> int:
    """Length of a leading list marker (bullet or ordinal) with its spaces, or 0."""
    for marker in markers:
        if line.startswith(marker) and len(line) > len(marker) and line[len(marker)].isspace():
            return len(marker) + (len(line[len(marker):]) - len(line[len(marker):].lstrip()))
    match = _ORDINAL_MARKER.match(line)
    return match.end() if match else 0


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_title_case(text: str) -> bool:
    long_words = [w for w in _words(text) if len(w) > 3]
    return bool(long_words) and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(":")


def _block_kind(body: str, is_list_item: bool, isolated: bool) -> str:
    if is_list_item:
        return "list-item"
    if not isolated:
        return "table-row"
    if body[0] in _QUOTE_OPEN and body[-1] in _QUOTE_CLOSE and len(body) > 2:
        return "quote"
    word_count = len(body.split())
    if body.endswith("?") and word_count <= 30 and not _BOUNDARY.search(body[:-1]):
        return "question"
    if body.endswith(":") and word_count <= 10 and _is_title_case(body):
        return "heading"
    unpunctuated = body[-1] not in _TERMINAL + ":?" and not body.endswith("…")
    long_title = word_count <= 2 * MAX_HEADING_WORDS and _is_title_case(body)
    if unpunctuated and (word_count <= MAX_HEADING_WORDS or long_title):
        return "heading"
    return "paragraph"


def split_blocks(text: str, cues: dict[str, Any]) -> list[Block]:
    """Text -> blocks (one per non-blank line), with kind but no marks yet."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    blocks: list[Block] = []
    for position, (line_start, line_end) in enumerate(lines):
        start, end = _strip_span(text, line_start, line_end)
        marker = _list_marker_length(text[start:end], cues["list_markers"])
        body_start, body_end = _strip_span(text, start + marker, end)
        if body_start >= body_end:
            continue
        previous_gap = position == 0 or "\n\n" in text[lines[position - 1][1]: line_start + 1]
        next_gap = position == len(lines) - 1 or "\n\n" in text[line_end - 1: lines[position + 1][0]]
        kind = _block_kind(text[body_start:body_end], marker > 0, previous_gap and next_gap)
        if kind == "list-item" and previous_gap and next_gap and _ORDINAL_MARKER.match(text, start, end):
            numbered = text[body_start:body_end]
            if len(numbered.split()) <= MAX_HEADING_WORDS // 2 and numbered[-1] not in _TERMINAL + ":":
                kind = "heading"  # "4. Possible side effects" between blank lines titles a section
        blocks.append(Block(index=len(blocks), start=body_start, end=body_end, kind=kind))
    return blocks


def _is_caption(body: str, kind: str) -> bool:
    return kind == "heading" and body[0].islower() and len(body.split()) <= 8


def mark_blocks(text: str, blocks: list[Block], cues: dict[str, Any]) -> list[Block]:
    """Blocks -> blocks with boilerplate marks and the index of their section heading."""
    navigation = {_normal(c) for c in cues["navigation_blocks"]}
    end_matter = {_normal(c) for c in cues["end_matter_headings"]}
    teasers = [c.lower() for c in cues["teaser_prefixes"]]
    adverts = [c.lower() for c in cues["advert_cues"]]
    calls = [c.lower() for c in cues["call_to_action_cues"]]
    marked: list[Block] = []
    heading_index: int | None = None
    in_end_matter = False
    in_advert = False
    seen_content = False
    metadata = [c.lower() for c in cues.get("metadata_cues", [])]
    sign_ups = [c.lower() for c in cues.get("sign_up_headings", [])]
    menus = _menu_lines(text, blocks)
    for block in blocks:
        body = text[block.start: block.end]
        lowered = body.lower()
        marks: list[str] = []
        is_advert = any(c in lowered for c in adverts)
        is_call = any(c in lowered for c in calls)
        # "2 Comments", "14 comments": a counted end-matter heading
        if (block.kind in ("heading", "table-row") and seen_content
                and _COUNT_PREFIX.sub("", _normal(body)) in end_matter):
            in_end_matter = True
        if block.kind in ("paragraph", "list-item", "question", "quote"):
            seen_content = True
        if block.kind == "heading":
            heading_index = block.index
            is_sign_up = any(c in lowered for c in sign_ups)
            in_advert = is_advert or is_sign_up or (in_advert and is_call)
        elif is_advert:
            in_advert = True
        if in_end_matter:
            marks.append("end-matter")
        if _normal(body) in navigation:
            marks.append("navigation")
        if any(lowered.startswith(t) for t in teasers):
            marks.append("teaser")
        if body.endswith(("...", "…")) and block.kind != "list-item":
            marks.append("teaser")
        if in_advert:
            marks.append("advert")
        if _PHONE.search(body) or (block.kind == "heading" and is_call):
            marks.append("contact")
        if _DATE_LINE.match(body) or (block.kind in ("heading", "table-row") and _DATE.search(body)):
            marks.append("dateline")
        if any(c in lowered for c in metadata):
            marks.append("metadata")
        if block.kind in ("list-item", "table-row", "paragraph") and _REFERENCE.search(body):
            marks.append("reference")
        if block.index in menus:
            marks.append("navigation")
        if _is_caption(body, block.kind):
            marks.append("caption")
        if (block.kind == "heading" and len(body.split()) <= 4 and marked
                and marked[-1].kind == "quote"):
            marks.append("signature")
        marked.append(replace(block, marks=tuple(dict.fromkeys(marks)), heading_index=heading_index))
    return _mark_advert_sections(marked)


def _menu_lines(text: str, blocks: list[Block]) -> set[int]:
    """Indexes of blocks in runs of consecutive very short unpunctuated lines: menus and link lists."""
    def short(block: Block) -> bool:
        body = text[block.start:block.end]
        return (block.kind == "table-row" and len(body.split()) <= MENU_WORDS
                and body[-1] not in _TERMINAL + ":?" and not any(ch.isdigit() for ch in body))

    found: set[int] = set()
    run: list[int] = []
    for block in [*blocks, None]:
        if block is not None and short(block):
            run.append(block.index)
            continue
        if len(run) >= MENU_RUN:
            found.update(run)
        run = []
    return found


def _mark_advert_sections(blocks: list[Block]) -> list[Block]:
    """Spread an advert mark to the heading and every block of its section."""
    advert_sections = {b.heading_index for b in blocks if "advert" in b.marks and b.heading_index is not None}
    result = []
    for block in blocks:
        section = block.index if block.kind == "heading" else block.heading_index
        if section in advert_sections and "advert" not in block.marks:
            block = replace(block, marks=(*block.marks, "advert"))
        result.append(block)
    return result


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _ends_with_abbreviation(text: str, boundary: int, abbreviations: set[str]) -> bool:
    # Scans back from the boundary over letters and dots only (a regex search anchored at the
    # end would retry every start position of the text: quadratic over many boundaries).
    end = boundary
    while end > 0 and text[end - 1] == ".":
        end -= 1
    start = end
    while start > 0 and (text[start - 1] in _ASCII_LETTERS or text[start - 1] == "."):
        start -= 1
    while start < end and text[start] == ".":
        start += 1
    if start == end:
        return False
    token = text[start:end].lower()
    return token in abbreviations or (len(token) == 1 and token.isalpha())


def split_sentences(text: str, block: Block, cues: dict[str, Any], first_index: int) -> list[Sentence]:
    """A block -> its sentences with exact, trimmed offsets."""
    abbreviations = {a.lower().rstrip(".") for a in cues["abbreviations"]}
    calls = [c.lower() for c in cues["call_to_action_cues"]]
    body = text[block.start: block.end]
    cuts = [0]
    for match in _BOUNDARY.finditer(body):
        dot = match.start()
        if body[dot] == "." and _ends_with_abbreviation(body, dot, abbreviations):
            continue
        if re.fullmatch(r"\d{1,2}", body[cuts[-1]:dot].strip()):
            continue  # "1." opening a numbered cell is a marker, not a sentence
        cuts.append(match.end())
    cuts.append(len(body))
    sentences = []
    for piece_start, piece_end in itertools.pairwise(cuts):
        start, end = _strip_span(text, block.start + piece_start, block.start + piece_end)
        marker = _ORDINAL_MARKER.match(text, start, end) if piece_start else None
        if marker and text[start].isdigit():
            start = marker.end()
        if start >= end:
            continue
        lowered = text[start:end].lower()
        marks = ("call-to-action",) if any(c in lowered for c in calls) else ()
        sentences.append(Sentence(index=first_index + len(sentences), block_index=block.index,
                                  start=start, end=end, marks=marks))
    return sentences


def segment(document: Document, cues: dict[str, Any]) -> SegmentedDocument:
    """Document -> SegmentedDocument with every block and sentence and their marks."""
    text = document.text
    blocks = mark_blocks(text, split_blocks(text, cues), cues)
    sentences: list[Sentence] = []
    for block in blocks:
        sentences.extend(split_sentences(text, block, cues, len(sentences)))
    return SegmentedDocument(document=document, blocks=tuple(blocks), sentences=tuple(sentences))
