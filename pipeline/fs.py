"""Paths and limits -> bytes: bounded reads that refuse links and special files, and path checks (used by io.py)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.problems import PipelineError, Problem

CHUNK = 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def too_large(display: str, limit: int, code: str, what: str) -> PipelineError:
    return PipelineError([Problem(code, f"{what} is larger than the limit of {limit:,} bytes (docs/limits.md)",
                                  path=display)])


def os_problem(exc: OSError, display: str, action: str = "read") -> Problem:
    """An OSError -> a problem with a stable code by its errno."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        return Problem("file-missing", "file not found", path=display)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Problem("permission-denied", f"cannot {action}: {reason}", path=display)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return Problem("disk-full", f"cannot {action}: {reason}", path=display)
    code = {"read": "file-unreadable", "list": "folder-unreadable"}.get(action, "file-unwritable")
    return Problem(code, f"cannot {action}: {reason}", path=display)


def _open_regular(path: Path, display: str) -> int:
    """A file descriptor of a regular file that is not a symbolic link; a FIFO is never waited on."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PipelineError([Problem("file-symlink", "is a symbolic link; links are never followed: "
                                         "put the file itself here", path=display)]) from exc
        raise PipelineError([os_problem(exc, display)]) from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise PipelineError([Problem("file-not-regular", f"expected a regular file, found {kind}", path=display)])
    return fd


def read_regular(path: Path, display: str, limit: int, code: str, what: str = "the file") -> bytes:
    """A regular file's bytes, refused before reading when it is larger than `limit` (and reading stops
    at the limit if it grows meanwhile)."""
    fd = _open_regular(path, display)
    try:
        if os.fstat(fd).st_size > limit:
            raise too_large(display, limit, code, what)
        return _read_bounded(lambda size: os.read(fd, size), display, limit, code, what)
    except OSError as exc:
        raise PipelineError([os_problem(exc, display)]) from exc
    finally:
        os.close(fd)


@contextlib.contextmanager
def opened_regular(path: Path, display: str, limit: int, code: str, what: str = "the file") -> Iterator[BinaryIO]:
    """A regular file opened for reading in chunks (never through a link), refused when it is larger than
    `limit`: for files read a line at a time rather than whole."""
    fd = _open_regular(path, display)
    try:
        if os.fstat(fd).st_size > limit:
            raise too_large(display, limit, code, what)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_stream(stream: BinaryIO, display: str, limit: int, code: str, what: str = "the input") -> bytes:
    """At most `limit` bytes of a stream (a file, pipe, device or stdin); more is refused without reading on."""
    try:
        return _read_bounded(stream.read, display, limit, code, what)
    except OSError as exc:
        raise PipelineError([os_problem(exc, display)]) from exc


def _read_bounded(read: Callable[[int], bytes], display: str, limit: int, code: str, what: str) -> bytes:
    """Chunks from `read` until it returns none; refused as soon as more than `limit` bytes have come."""
    chunks = bytearray()
    while True:
        chunk = read(min(CHUNK, limit + 1 - len(chunks)))
        if not chunk:
            return bytes(chunks)
        chunks += chunk
        if len(chunks) > limit:
            raise too_large(display, limit, code, what)


def read_any(path: Path, display: str, limit: int, code: str, what: str = "the input") -> bytes:
    """A file the user names on the command line (links followed, pipes and devices allowed), read up to `limit`."""
    try:
        with open(path, "rb") as handle:
            if stat.S_ISDIR(os.fstat(handle.fileno()).st_mode):
                raise PipelineError([Problem("file-not-regular", "expected a file, found a folder", path=display)])
            return read_stream(handle, display, limit, code, what)
    except IsADirectoryError as exc:
        raise PipelineError([Problem("file-not-regular", "expected a file, found a folder", path=display)]) from exc
    except OSError as exc:
        raise PipelineError([os_problem(exc, display)]) from exc


def entry_kind(path: Path) -> str:
    """'file', 'folder', 'symlink', 'other' or 'missing' for a path, without following a final link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISREG(mode):
        return "file"
    return "folder" if stat.S_ISDIR(mode) else "other"


def is_safe_relative(name: str) -> bool:
    """A POSIX relative path with no empty, '.', '..' or backslash parts (and no NUL): it cannot leave its root."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and "\x00" not in name and all(
        part not in ("", ".", "..") for part in parts)


def resolves_inside(root: Path, relative: str) -> bool:
    """Whether root/relative, with every link on the way resolved, stays inside root."""
    base = root.resolve()
    try:
        (root / relative).resolve().relative_to(base)
    except ValueError:
        return False
    return True


def parent_inside(root: Path, relative: str) -> bool:
    """Whether the folder holding root/relative, links resolved, is inside root (the file itself is then
    opened without following a link)."""
    try:
        (root / relative).parent.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
