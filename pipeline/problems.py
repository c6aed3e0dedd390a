"""Typed problems (stable code, message, location) collected into a report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input or an output, and where it is."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    resource: str | None = None
    row: int | None = None
    field: str | None = None

    def location(self) -> str:
        parts: list[str] = []
        if self.path:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        if self.resource:
            parts.append(f"resource {self.resource}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def render(self) -> str:
        where = self.location()
        return f"{where}: [{self.code}] {self.message}" if where else f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class Report:
    """The problems found by a check; valid when there are none."""

    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return not self.problems

    def render(self) -> str:
        lines = [p.render() for p in self.problems]
        lines.append("valid" if self.valid else f"invalid: {len(self.problems)} problem(s)")
        return "\n".join(lines)

    def to_json(self) -> str:
        payload = {
            "valid": self.valid,
            "problems": [
                {k: v for k, v in asdict(p).items() if v is not None} for p in self.problems
            ],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False)


class PipelineError(Exception):
    """Raised when a stage cannot go on; carries the problems that stopped it."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render() for p in self.problems))
