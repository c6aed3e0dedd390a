"""Blocks -> sentences with exact trimmed offsets (one per table row; abbreviations do not end one)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pipeline.engine.layout import Block

# A look-behind keeps a run of marks ("!!!", "...") from being retried at each of its characters.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]+[\"”’')\]]*(?:\[\d{1,3}(?:[,–-]\d{1,3})*\])*\s+(?=[\"“‘'(\[]?[A-Z0-9])"
                       # text extracted from a PDF may lose the space: "in pediatric patients.It is unknown"
                       r"|(?<=[a-z]{3})\.(?=[A-Z][a-z])")
_ORDINAL_MARKER = re.compile(r"(?:\d{1,3}|[a-zA-Z])[.)]\s+")
_CELL_NUMBER = re.compile(r"\d{1,2}")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence inside a block (a whole row for a table row)."""

    index: int
    block: int
    start: int
    end: int


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _ends_with_abbreviation(text: str, dot: int, abbreviations: frozenset[str]) -> bool:
    # scans back over letters and dots only: a regex anchored at the end would retry every start
    end = dot
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


def _cuts(text: str, block: Block, abbreviations: frozenset[str]) -> list[int]:
    cuts = [block.start]
    for boundary in _BOUNDARY.finditer(text, block.start, block.end):
        dot = boundary.start()
        if text[dot] == "." and _ends_with_abbreviation(text, dot, abbreviations):
            continue
        if _CELL_NUMBER.fullmatch(text[cuts[-1]:dot].strip()):
            continue  # "1." opening a numbered cell is a marker, not a sentence
        cuts.append(boundary.end())
    cuts.append(block.end)
    return cuts


def split_sentences(text: str, blocks: tuple[Block, ...], abbreviations: frozenset[str]) -> tuple[Sentence, ...]:
    """Every block's sentences in text order; a table row is one sentence."""
    sentences: list[Sentence] = []
    for block in blocks:
        cuts = [block.start, block.end] if block.kind == "row" else _cuts(text, block, abbreviations)
        for piece_start, piece_end in itertools.pairwise(cuts):
            start, end = _trim(text, piece_start, piece_end)
            marker = _ORDINAL_MARKER.match(text, start, end) if piece_start != block.start else None
            if marker and text[start].isdigit():
                start = marker.end()
            if start < end:
                sentences.append(Sentence(len(sentences), block.index, start, end))
    return tuple(sentences)
