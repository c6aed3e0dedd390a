"""A folder -> an exclusive advisory lock on it (flock on the folder itself), waited for a bounded time."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from pipeline import limits
from pipeline.fs import os_problem
from pipeline.problems import PipelineError, Problem

POLL_SECONDS = 0.05


class FolderLock:
    """A context manager holding an exclusive flock on a folder while one process writes into it.

    The lock is taken on the folder's own descriptor rather than on a lock file inside it, so that it
    leaves nothing behind and a refused run still writes nothing. flock locks belong to an open file
    description: two runs, or two calls in one process, exclude each other; the kernel drops the lock
    when its holder dies.
    """

    def __init__(self, folder: Path, wait_seconds: float | None = None):
        self.folder = folder
        self.wait_seconds = limits.value("lock_wait") if wait_seconds is None else wait_seconds
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        try:
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise PipelineError([os_problem(exc, str(self.folder), "lock")]) from exc
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise PipelineError([Problem(
                        "folder-locked", f"another build or add-source has been writing into this folder for "
                        f"{self.wait_seconds:g} s; try again when it has finished", path=str(self.folder))]) from None
                time.sleep(POLL_SECONDS)
            except OSError as exc:
                os.close(fd)
                raise PipelineError([os_problem(exc, str(self.folder), "lock")]) from exc
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
