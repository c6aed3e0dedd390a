"""Fault injection for tests: the n-th I/O call made while a FaultPlan is active raises an OSError."""

from __future__ import annotations

import builtins
import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The calls through which the pipeline touches files: reads, writes, flushes, renames, links, removals,
# folder creation and locking (shutil.rmtree goes through os.open, os.unlink and os.rmdir too).
TARGETS: tuple[tuple[Any, str], ...] = (
    (os, "open"), (os, "read"), (builtins, "open"), (os, "fsync"), (os, "replace"), (os, "rename"),
    (os, "link"), (os, "unlink"), (os, "mkdir"), (os, "rmdir"), (os, "scandir"), (fcntl, "flock"),
)
FAULTS = (
    lambda: OSError(errno.EIO, "Input/output error"),
    lambda: PermissionError(errno.EACCES, "Permission denied"),
    lambda: OSError(errno.ENOSPC, "No space left on device"),
)


class FaultPlan:
    """Counts the I/O calls of a run and makes the `fail_at`-th one (1-based) raise `fault`."""

    def __init__(self, fail_at: int | None = None, fault: OSError | None = None):
        self.fail_at, self.fault = fail_at, fault
        self.calls = 0
        self.failed: str | None = None

    def wrap(self, name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.fail_at:
                self.failed = f"{name}{args[:2]!r}"
                raise self.fault
            return real(*args, **kwargs)

        return call


@contextmanager
def injected(plan: FaultPlan) -> Iterator[FaultPlan]:
    """Patch every target with the plan's counting wrapper for the duration of the block."""
    originals = [(module, name, getattr(module, name)) for module, name in TARGETS]
    try:
        for module, name, real in originals:
            setattr(module, name, plan.wrap(f"{module.__name__}.{name}", real))
        yield plan
    finally:
        for module, name, real in originals:
            setattr(module, name, real)


def fault_for(step: int) -> OSError:
    """The fault of a step: the three kinds in turn."""
    return FAULTS[step % len(FAULTS)]()
