"""Typed problems (stable code, message, location) collected into a report."""

from __future__ import annotations

import json
import warnings
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


class ProblemWarning(UserWarning):
    """A problem that did not stop the run: it was worked around, and the command reports it on stderr."""

    def __init__(self, problem: Problem):
        super().__init__(problem.render())
        self.problem = problem


def warn(problem: Problem) -> None:
    """Report a problem that does not stop the run (the command line prints it as a warning)."""
    warnings.warn(ProblemWarning(problem), stacklevel=2)


def problem_from_exception(exc: BaseException, path: str | None = None) -> Problem:
    """An exception that escaped every typed check -> one problem with a stable code and no traceback."""
    import errno

    if isinstance(exc, RecursionError):
        return Problem("too-deep", "the input is nested too deeply to process", path=path)
    if isinstance(exc, MemoryError):
        return Problem("out-of-memory", "the input needs more memory than is available", path=path)
    if isinstance(exc, OSError):
        where = str(exc.filename) if exc.filename else path
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return Problem("disk-full", reason, path=where)
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Problem("permission-denied", reason, path=where)
        if exc.errno == errno.ENOENT:
            return Problem("file-missing", reason, path=where)
        return Problem("os-error", reason, path=where)
    if isinstance(exc, UnicodeError):
        return Problem("encoding", f"not valid text: {exc}", path=path)
    if isinstance(exc, json.JSONDecodeError):
        return Problem("json-syntax", f"malformed JSON: {exc.msg}", path=path, line=exc.lineno)
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    return Problem("internal-error", f"{type(exc).__name__}: {message}" if message else type(exc).__name__,
                   path=path)
