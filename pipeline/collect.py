"""Each document's result, as it arrives in key order -> its rows of every extracted table as CSV lines, and only
the rows the steps over the whole corpus read (the summaries, the checks); nothing else of it is kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.assemble import Row
from pipeline.io import CsvStream
from pipeline.problems import Problem
from pipeline.schemas import SchemaSet
from pipeline.tables import CHECKED, EXTRACTED, SUMMARISED
from pipeline.work import Result


@dataclass(frozen=True)
class Collected:
    """What a build keeps of the documents added so far: each extracted table's CSV, the sources rows, the rows
    the corpus-wide steps read, and the problems. Documents are added in key order, the order of the rows."""

    schemas: SchemaSet
    checked: Callable[[Row], bool]  # whether the checks read every row of a source (given its sources row)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _streams: dict[str, CsvStream] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        """One document's result: its problems, or its rows (once any problem is found, only problems count)."""
        self.problems.extend(result.problems)
        if self.problems:
            return
        tables = result.tables
        kept = CHECKED if any(self.checked(row) for row in tables.get("sources", [])) else SUMMARISED
        for name in ("sources", *kept):
            self.rows.setdefault(name, []).extend(tables.get(name, []))
        for name, lines in result.csv.items():
            self._stream(name).write(lines)

    def csv(self) -> dict[str, bytes]:
        """Every extracted table's CSV bytes, its rows in the order the documents came."""
        return {name: self._stream(name).getvalue() for name in EXTRACTED}

    def _stream(self, name: str) -> CsvStream:
        if name not in self._streams:
            self._streams[name] = CsvStream(self.schemas.columns(name))
        return self._streams[name]
