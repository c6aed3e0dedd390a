"""Raw text -> blocks (one per line) with their kind, table cells, heading rank and the block that governs each."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

# A numbered section title: "5.2 Dissociation", "3.2.1. Inclusion Criteria", "6 ADVERSE REACTIONS".
_SECTION_NUMBER = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?[ \t]+(?=\S)")
_ORDINAL = re.compile(r"(?:\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])[ \t]+(?=\S)")
_LINE = re.compile(r"[^\n]+")
_CELL_BREAK = re.compile(r"\t+|[ \t]*\|[ \t]*")
_SPACE_CELL_BREAK = re.compile(r"[ \t]{2,}")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_FIELD = re.compile(r"([^\W\d_][^:\n]{0,60}?):[ \t]+(?=\S)")
_TERMINAL = ".!;,"
# Reference markers closing a line ("...in cases of:[74][75]") do not count as its last characters.
_CITATION = re.compile(r"\[\d{1,3}(?:[,–-]\s*\d{1,3})*\]")
MAX_HEADING_WORDS = 16
MAX_FIELD_KEY_WORDS = 6
MAX_ITEM_LINE_WORDS = 20
MAX_SOFT_CELL_WORDS = 8
# one figure of a table cell: a count, a share, or a count with its share in brackets
_FIGURE = re.compile(r"[<>≤≥]?\d+(?:[.,]\d+)?%?(?:\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\))?")
_FIGURES = re.compile(r"(?:[<>≤≥]?\d+(?:[.,]\d+)?%?(?:\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\))?[ \t]+){1,9}"
                      r"[<>≤≥]?\d+(?:[.,]\d+)?%?(?:\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\))?$")
GOVERNING_KINDS = ("heading", "question", "lead-in", "item")


@dataclass(frozen=True, slots=True)
class Block:
    """One non-blank line: its body span (marker excluded), what it is and where it sits."""

    index: int
    start: int
    end: int
    line_start: int
    kind: str  # heading, lead-in, item, row, field, paragraph, question, quote
    indent: int = 0
    marker: str = ""  # bullet, ordinal or empty
    number: str | None = None  # section number of a numbered heading
    rank: int | None = None  # heading rank: 1 top (numbered depth, capitals), 2 title case, 3 other
    cells: tuple[tuple[int, int], ...] = ()
    key_end: int | None = None  # end of a field's key ("Exclusion criteria: ...") including the colon
    blank_before: bool = False
    blank_after: bool = False
    parent: int | None = None  # the heading, lead-in or item that governs this block
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Line:
    start: int  # first non-space character (marker included)
    end: int
    indent: int
    blank_before: bool
    blank_after: bool


def _lines(text: str) -> list[_Line]:
    raw = [m.span() for m in _LINE.finditer(text)]
    spans = []
    for line_start, line_end in raw:
        start, end = line_start, line_end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((line_start, start, end))
    lines = []
    for position, (line_start, start, end) in enumerate(spans):
        before = position == 0 or "\n\n" in text[spans[position - 1][2]: line_start + 1].replace(" ", "")
        after = position == len(spans) - 1 or "\n\n" in text[end: spans[position + 1][0] + 1].replace(" ", "")
        indent = len(text[line_start:start].expandtabs(4))
        lines.append(_Line(start, end, indent, before, after))
    return lines


def _words(body: str) -> list[str]:
    return _WORD.findall(body)


def is_title_case(body: str) -> bool:
    long_words = [w for w in _words(body) if len(w) > 3]
    return bool(long_words) and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6


def is_capitals(body: str) -> bool:
    letters = [c for c in body if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class LayoutCues:
    """The list markers that open a list item."""

    bullets: tuple[str, ...]


def _marker(text: str, line: _Line, cues: LayoutCues) -> tuple[str, int]:
    """The list marker at the start of a line and where the body starts after it."""
    for bullet in cues.bullets:
        after = line.start + len(bullet)
        if text.startswith(bullet, line.start) and after < line.end and text[after] in " \t":
            while after < line.end and text[after].isspace():  # any white space, not only blanks and tabs
                after += 1
            if after < line.end:
                return "bullet", after
    found = _ORDINAL.match(text, line.start, line.end)
    if found:
        return "ordinal", found.end()
    return "", line.start


def _cells(text: str, start: int, end: int, pattern: re.Pattern[str]) -> tuple[tuple[int, int], ...]:
    """Cell spans of a line split at the pattern (empty cells dropped); () when it has fewer than two."""
    cells = []
    position = start
    for cut in pattern.finditer(text, start, end):
        if cut.start() > position:
            cells.append((position, cut.start()))
        position = cut.end()
    if position < end:
        cells.append((position, end))
    cells = [(s, e) for s, e in cells if text[s:e].strip()]
    return tuple(cells) if len(cells) >= 2 else ()


def _short_cells(cells: tuple[tuple[int, int], ...], text: str) -> tuple[tuple[int, int], ...]:
    return cells if all(len(text[s:e].split()) <= MAX_SOFT_CELL_WORDS for s, e in cells) else ()


def _numeric_tail(text: str, line: _Line) -> tuple[tuple[int, int], ...]:
    """A label followed by two or more figures ("Dissociation 41% 9%", "Dizziness 16 (67) 1 (4)"), as a table
    row of text copied out of a PDF, where the columns are single spaces apart."""
    last = text[line.end - 1]
    if not (last.isdecimal() or last in "%)"):
        return ()  # _FIGURES ends the line on a digit, "%" or ")": no need to search a line of prose
    found = _FIGURES.search(text, line.start, line.end)
    if found is None or found.end() != line.end or found.start() <= line.start:
        return ()
    label_end = found.start()
    while label_end > line.start and text[label_end - 1] in " \t":
        label_end -= 1
    if not any(c.isalpha() for c in text[line.start:label_end]) or text[label_end - 1] in ".:;,":
        return ()
    return ((line.start, label_end), *((m.start(), m.end()) for m in _FIGURE.finditer(text, found.start(), line.end)))


def _table_cells(text: str, lines: list[_Line]) -> list[tuple[tuple[int, int], ...]]:
    """Per line, its table cells: tabs and pipes always split; runs of spaces only where two or more
    neighbouring lines split into the same number of cells (so a stray double space is no table); a label
    with two or more figures after it is a row too."""
    hard = [_cells(text, line.start, line.end, _CELL_BREAK) if ("\t" in text[line.start:line.end]
            or "|" in text[line.start:line.end]) else () for line in lines]
    soft = [() if hard[i] else _short_cells(_cells(text, line.start, line.end, _SPACE_CELL_BREAK), text)
            for i, line in enumerate(lines)]
    result = []
    for i, cells in enumerate(hard):
        if cells:
            result.append(cells)
            continue
        figures = _numeric_tail(text, lines[i])
        if figures:
            result.append(figures)
            continue
        neighbours = [soft[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
        same = soft[i] and any(len(n) == len(soft[i]) for n in neighbours)
        result.append(soft[i] if same else ())
    return result


def _heading_rank(body: str, number: str | None) -> int:
    """1 for a top section (first-level number or capitals), deeper numbers deeper, other titles 2: title
    case and sentence case are not told apart ("Anesthesia" and "Medical uses" may be siblings)."""
    if number:
        return number.count(".") + 1
    return 1 if is_capitals(body) else 2


def _looks_like_heading(body: str) -> bool:
    body = _without_citations(body)
    words = len(body.split())
    unpunctuated = body[-1] not in _TERMINAL + ":?" and not body.endswith("…")
    return unpunctuated and (words <= MAX_HEADING_WORDS or (words <= 2 * MAX_HEADING_WORDS and is_title_case(body)))


def _field_key_end(text: str, start: int, end: int) -> int | None:
    found = _FIELD.match(text, start, end)
    if found and len(found.group(1).split()) <= MAX_FIELD_KEY_WORDS and "." not in found.group(1):
        return found.end()
    return None


def _numbered_heading(text: str, line: _Line) -> re.Match[str] | None:
    """A section number opening a title line: "5.2 Dissociation" anywhere, "4. Possible side effects" only
    at the margin after a blank line (an indented or running "2. ..." is a numbered list item)."""
    found = _SECTION_NUMBER.match(text, line.start, line.end)
    if found is None or not _looks_like_heading(text[found.end():line.end]):
        return None
    if "." in found.group(1) or (line.blank_before and line.indent == 0):
        return found
    return None


def _without_citations(body: str) -> str:
    # stripped from the end by hand: a regex anchored at the end retries every position of a long line
    stripped = body.rstrip()
    while stripped.endswith("]"):
        opening = stripped.rfind("[")
        if opening < 0 or not _CITATION.fullmatch(stripped, opening):
            break
        stripped = stripped[:opening].rstrip()
    return stripped or body


def _kind(text: str, start: int, end: int, marker: str, cells: tuple) -> str:
    """What a line is on its own, before its neighbours are looked at."""
    body = _without_citations(text[start:end])
    if cells:
        return "row"
    if marker:
        return "item"
    if body.endswith(":"):
        return "lead-in"
    if body.endswith("?") and len(body.split()) <= 30:
        return "question"
    if body[0] in "\"“‘" and body[-1] in "\"”’":
        return "quote"
    if _field_key_end(text, start, end) is not None and not body.endswith("."):
        return "field"
    if _looks_like_heading(body):
        return "heading"
    return "paragraph"


def _first_blocks(text: str, lines: list[_Line], cues: LayoutCues) -> list[Block]:
    blocks = []
    for line, cells in zip(lines, _table_cells(text, lines), strict=True):
        numbered = None if cells else _numbered_heading(text, line)
        if numbered:
            kind, marker, body_start, number = "heading", "", numbered.end(), numbered.group(1)
        else:
            marker, body_start = ("", line.start) if cells else _marker(text, line, cues)
            kind, number = _kind(text, body_start, line.end, marker, cells), None
        rank = _heading_rank(text[body_start:line.end], number) if kind == "heading" else None
        key_end = _field_key_end(text, body_start, line.end) if kind in ("field", "item") else None
        blocks.append(Block(index=len(blocks), start=body_start, end=line.end, line_start=line.start, kind=kind,
                            indent=line.indent, marker=marker, number=number, rank=rank, cells=cells,
                            key_end=key_end, blank_before=line.blank_before, blank_after=line.blank_after))
    return blocks


def _plain_items(text: str, blocks: list[Block]) -> list[Block]:
    """Lines without a marker that continue a list: after a lead-in ending in ":" every short line up to a
    blank line; after a heading, a run of two or more short lines with no blank line between them."""
    result = list(blocks)
    for index, block in enumerate(blocks):
        if block.kind not in ("lead-in", "heading") or block.number:
            continue
        run = []
        for follower in blocks[index + 1:]:
            short = follower.kind in ("heading", "paragraph", "field") and not follower.number \
                and len(text[follower.start:follower.end].split()) <= MAX_ITEM_LINE_WORDS \
                and not is_capitals(text[follower.start:follower.end])
            if not short or (follower.blank_before and (run or block.kind == "heading")):
                break
            run.append(follower.index)
            if follower.blank_after:
                break
        if run and (block.kind == "lead-in" or len(run) >= 2):
            for position in run:
                result[position] = replace(result[position], kind="item", rank=None)
    return result


def _table_groups(blocks: list[Block]) -> list[Block]:
    """Title-like lines between rows of one table ("Nervous system disorders" between adverse-event rows,
    "Affected / at Risk" under the header) label a group of rows; they open no section."""
    result = list(blocks)
    for index, block in enumerate(blocks):
        if block.kind not in ("heading", "item", "field") or block.number:
            continue
        before = next((b for b in reversed(blocks[:index]) if b.kind != "group"), None)
        after = next((b for b in blocks[index + 1:] if b.kind not in ("heading", "item", "field")), None)
        if before is not None and after is not None and before.kind == after.kind == "row" \
                and len(before.cells) == len(after.cells) and not block.blank_before:
            result[index] = replace(block, kind="group", rank=None)
            blocks[index] = result[index]
    return result


def _level(block: Block) -> float:
    """How deep a block sits: headings by rank, lead-ins below headings, items by indentation; leaves last."""
    if block.kind == "heading":
        return float(block.rank or 3)
    if block.kind == "question":
        return 5.0  # a question titles the answer under it, below any heading
    if block.kind == "lead-in":
        return 10.0 + block.indent / 100
    if block.kind == "item":
        return 20.0 + block.indent / 100
    return 100.0


def _governors(blocks: list[Block]) -> list[Block]:
    """Each block -> the same block with its parent: the nearest heading of a higher rank, the lead-in of its
    list or the less indented item it hangs under."""
    result = []
    stack: list[Block] = []
    for block in blocks:
        level = _level(block)
        if block.kind in GOVERNING_KINDS:
            while stack and _level(stack[-1]) >= level:
                stack.pop()
        else:
            # a paragraph or table closes any open list, not the section
            while stack and stack[-1].kind in ("item", "lead-in") and not _continues_list(block, stack[-1]):
                stack.pop()
        parent = stack[-1].index if stack else None
        if block.parent != parent:
            block = replace(block, parent=parent)
        result.append(block)
        if block.kind in GOVERNING_KINDS:
            stack.append(block)
    return result


def _continues_list(block: Block, open_block: Block) -> bool:
    # table rows right under a lead-in belong to it ("Table 4 ...:" then the rows)
    return block.kind == "row" and open_block.kind == "lead-in"


MarkRule = Callable[[str, Block], bool]


def mark(blocks: list[Block], text: str, rules: dict[str, MarkRule]) -> list[Block]:
    """Blocks -> blocks with the name of every mark rule that holds for them."""
    return [replace(b, marks=tuple(name for name, rule in rules.items() if rule(text, b))) for b in blocks]


def split_blocks(text: str, cues: LayoutCues) -> list[Block]:
    """A text -> its blocks with kinds, ranks, cells and governing blocks (no boilerplate marks yet)."""
    blocks = _table_groups(_plain_items(text, _first_blocks(text, _lines(text), cues)))
    return _governors(blocks)


def ancestors(blocks: tuple[Block, ...] | list[Block], block: Block) -> list[Block]:
    """The chain of governing blocks of a block, innermost first."""
    chain = []
    parent = block.parent
    while parent is not None:
        chain.append(blocks[parent])
        parent = blocks[parent].parent
    return chain
