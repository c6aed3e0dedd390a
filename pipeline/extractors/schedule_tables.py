"""Annotated text -> the dosing tables in it: rows under a header of timing columns, and columns of positions."""

from __future__ import annotations

from pipeline.engine.annotate import Annotated
from pipeline.engine.layout import Block
from pipeline.extractors.schedule_cues import cue
from pipeline.extractors.schedule_timing import Element, Timing

TABLE_KINDS = ("row", "group")


def timing_tables(annotated: Annotated) -> frozenset[int]:
    """Table rows under a header row whose columns name timing ("Phase | How often | How long"): the rows of a
    dosing table, which state a schedule even when no row names a giving, drug or route."""
    found: set[int] = set()
    header = False
    for block in annotated.blocks:
        if block.kind not in TABLE_KINDS:
            header = False
        elif header:
            found.add(block.index)
        else:
            header = any(_whole_phrase(annotated, cue("table_timing_columns"), cell) for cell in block.cells)
    return frozenset(found)


def _whole_phrase(annotated: Annotated, list_name: str, cell: tuple[int, int]) -> str | None:
    """The value of a phrase of the list that is the whole cell (a trailing colon aside)."""
    start, end = cell
    while end > start and annotated.text[end - 1] in " :\t":
        end -= 1
    found = annotated.mentions.first(list_name, start, end)
    return found.value if found is not None and found.start == start and found.end == end else None


def unit_columns(annotated: Annotated) -> dict[int, list[tuple[int, str]]]:
    """Rows of a table whose header names a position unit for a column ("Phase | Week | How often"): per row, the
    column and its unit; the rows under it give that column's cell as a bare position ("1-4", "9+")."""
    found: dict[int, list[tuple[int, str]]] = {}
    columns: list[tuple[int, str]] = []
    width = 0
    for block in annotated.blocks:
        if block.kind not in TABLE_KINDS:
            columns = []
        elif columns and len(block.cells) == width:
            found[block.index] = columns
        else:
            columns = [(i, unit) for i, cell in enumerate(block.cells)
                       if (unit := _whole_phrase(annotated, cue("position_units"), cell)) is not None]
            width = len(block.cells)
    return found


def _cell_position(annotated: Annotated, cell: tuple[int, int], unit: str) -> Element | None:
    """A cell holding only a number or a range ("1-4", "9+", "9 and after") under a unit column."""
    numbers = annotated.numbers_in(*cell)
    if len(numbers) != 1 or numbers[0].kind not in ("digits", "words", "range"):
        return None
    number = numbers[0]
    rest = annotated.text[number.end:cell[1]].strip()
    opened = rest == "+" or annotated.mentions.first(cue("position_open_ends"), number.end, cell[1]) is not None
    if (rest and not opened) or annotated.text[cell[0]:number.start].strip():
        return None
    if opened:
        return Element("position", cell[0], cell[1], tier=1, position=(number.low, None, unit))
    length = float(number.high - number.low + 1)
    return Element("position", cell[0], cell[1], Timing(bounds_low=length, bounds_high=length, bounds_unit=unit),
                   tier=1, position=(number.low, number.high, unit))


def column_positions(annotated: Annotated, row: Block, columns: list[tuple[int, str]],
                     elements: list[Element]) -> list[Element]:
    """A row's elements with the positions its unit columns give, where no element covers the cell already."""
    added = []
    for index, unit in columns:
        cell = row.cells[index]
        if any(e.start < cell[1] and cell[0] < e.end for e in elements):
            continue
        position = _cell_position(annotated, cell, unit)
        if position is not None:
            added.append(position)
    return sorted([*elements, *added], key=lambda e: (e.start, e.kind != "connector"))
