"""{relative path: bytes} -> files committed into a folder all or nothing, under the folder's lock; an
interrupted commit is finished or undone by the next run, and nothing a journal says is trusted unchecked."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import limits
from pipeline.fs import entry_kind, is_safe_relative, os_problem, pid_alive, read_regular, resolves_inside
from pipeline.lock import FolderLock
from pipeline.problems import PipelineError, Problem, warn

JOURNAL_NAME = ".build-journal.json"
JOURNAL_TMP = JOURNAL_NAME + ".tmp"
REJECTED_INFIX = ".rejected-"
STAGING_PREFIX = ".build-staging-"
NEW, OLD = "new", "old"  # staging/new/<path>: the files to commit; staging/old/<path>: the ones they replace
JOURNAL_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "build-journal.schema.json"


class _CommitFailed(Exception):
    """A rename of the commit failed; carries the OSError and the path it was moving."""

    def __init__(self, error: OSError, relative: str):
        super().__init__(str(error))
        self.error, self.relative = error, relative


# ---------------------------------------------------------------- the journal


def _journal_errors(entry: Any) -> list[str]:
    import jsonschema
    import referencing

    schema = json.loads(read_regular(JOURNAL_SCHEMA, "schemas/build-journal.schema.json",
                                     limits.value("file_bytes"), "file-too-large").decode("utf-8"))
    validator = jsonschema.Draft202012Validator(schema, registry=referencing.Registry())
    return [error.message for error in validator.iter_errors(entry)]


def _set_aside(folder: Path, reason: str) -> None:
    """Rename an untrusted journal out of the way, never applying it, and report it as a warning: the run
    goes on, and a build then rewrites every file that differs from its outputs."""
    journal = folder / JOURNAL_NAME
    aside = f"{JOURNAL_NAME}{REJECTED_INFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.replace(journal, folder / aside)
        where = f"set aside as {aside}"
    except OSError as exc:
        where = f"could not be set aside ({exc.strerror}); remove it"
    warn(Problem("journal-invalid", f"{reason}; it was not applied and is {where}", path=str(journal)))


def _read_journal(folder: Path) -> tuple[Path, list[str]] | None:
    """The folder's journal -> (its staging folder, files to move); None without a journal, or when the journal
    is not what a build writes (then it is set aside and reported)."""
    if entry_kind(folder / JOURNAL_NAME) == "missing":
        return None
    try:
        raw = read_regular(folder / JOURNAL_NAME, JOURNAL_NAME, limits.value("file_bytes"), "file-too-large")
        entry = json.loads(raw.decode("utf-8"))
    except PipelineError as error:
        _set_aside(folder, error.problems[0].message)
        return None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        _set_aside(folder, f"not a JSON journal ({type(exc).__name__})")
        return None
    errors = _journal_errors(entry)
    if errors:
        _set_aside(folder, f"does not match schemas/build-journal.schema.json: {errors[0][:200]}")
        return None
    staging = folder / entry["staging"]
    if entry_kind(staging) not in ("folder", "missing"):
        _set_aside(folder, f"its staging {entry['staging']!r} is not a folder")
        return None
    unsafe = [rel for rel in entry["files"] if not is_safe_relative(rel) or not resolves_inside(folder, rel)
              or not resolves_inside(staging / NEW, rel) or not resolves_inside(staging / OLD, rel)]
    if unsafe:
        _set_aside(folder, f"path {unsafe[0]!r} leaves the folder")
        return None
    return staging, entry["files"]


# ---------------------------------------------------------------- moving files


def _move_all(folder: Path, staging: Path, files: list[str]) -> None:
    """Move every staged file still waiting in staging/new into place (raises _CommitFailed)."""
    for relative in files:
        source = staging / NEW / relative
        if entry_kind(source) != "file":
            continue  # moved already, before an interruption
        target = folder / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except OSError as exc:
            raise _CommitFailed(exc, relative) from exc


def _undo_all(folder: Path, staging: Path, files: list[str]) -> None:
    """Put back what the moved files replaced (staging/old), or remove a moved file that replaced nothing."""
    for relative in files:
        if entry_kind(staging / NEW / relative) == "file":
            continue  # never moved
        backup, target = staging / OLD / relative, folder / relative
        if entry_kind(backup) == "file":
            os.replace(backup, target)
        elif entry_kind(target) == "file":
            os.unlink(target)


def _finish(folder: Path, staging: Path, files: list[str]) -> None:
    """Complete a journaled commit; when a move fails, undo it so the old files stay whole; then drop the
    journal. Raises PipelineError when the commit could be neither completed nor undone."""
    try:
        _move_all(folder, staging, files)
    except _CommitFailed as failed:
        try:
            _undo_all(folder, staging, files)
        except OSError as exc:
            raise PipelineError([
                os_problem(failed.error, failed.relative, "write"),
                Problem("write-incomplete", f"could not undo the partial commit either ({exc.strerror}); the next "
                        "build or add-source in this folder finishes or undoes it", path=str(folder))]) from exc
        _drop(folder / JOURNAL_NAME)
        raise PipelineError([os_problem(failed.error, failed.relative, "write"),
                             Problem("write-failed", "the previous files were kept", path=str(folder))]) from failed
    _drop(folder / JOURNAL_NAME)


def _drop(path: Path) -> None:
    """Remove a file that is no longer needed. A failure is harmless: what is left (a finished commit's
    journal, a journal never committed) is removed by the next run in the folder."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _owner_pid(staging_name: str) -> int | None:
    digits = staging_name.removeprefix(STAGING_PREFIX).split("-")[0]
    return int(digits) if digits.isdigit() else None


def _remove_stale(folder: Path) -> None:
    """Remove staging folders whose run is over (its process is gone, or it was an earlier call of this
    process: with the lock held, no call of this process is writing), and a journal never committed."""
    for leftover in folder.glob(STAGING_PREFIX + "*"):
        pid = _owner_pid(leftover.name)
        if entry_kind(leftover) == "folder" and (pid is None or pid == os.getpid() or not pid_alive(pid)):
            _remove_tree(leftover)
    _drop(folder / JOURNAL_TMP)


def recover_locked(folder: Path) -> None:
    """With the folder's lock held: finish or undo an interrupted commit, then remove stale staging."""
    if not folder.is_dir():
        return
    journaled = _read_journal(folder)
    if journaled is not None:
        staging, files = journaled
        _finish(folder, staging, files)
        _remove_tree(staging)
    _remove_stale(folder)


# ---------------------------------------------------------------- writing


def _differs(target: Path, content: bytes, relative: str) -> bool:
    kind = entry_kind(target)
    if kind == "missing":
        return True
    if kind != "file":
        raise PipelineError([Problem("unsafe-path", f"the output is a {kind}, not a regular file; remove it",
                                     path=relative)])
    if target.stat().st_size != len(content):
        return True
    return read_regular(target, relative, len(content), "file-too-large") != content


def _stage(folder: Path, staging: Path, files: Mapping[str, bytes], changed: list[str]) -> None:
    """Write the new files into staging/new (each flushed to disk) and link the ones they replace into staging/old."""
    os.mkdir(staging)
    for relative in changed:
        target = staging / NEW / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(files[relative])
            handle.flush()
            os.fsync(handle.fileno())
        current = folder / relative
        if entry_kind(current) == "file":
            backup = staging / OLD / relative
            backup.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(current, backup)  # same inode, no copy: the old bytes survive the rename over them
            except OSError:
                shutil.copyfile(current, backup)  # a file system without hard links


def _write_journal(folder: Path, staging: Path, changed: list[str]) -> None:
    with open(folder / JOURNAL_TMP, "wb") as handle:
        handle.write(json.dumps({"staging": staging.name, "files": changed}).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(folder / JOURNAL_TMP, folder / JOURNAL_NAME)  # the commit point


class LockedFolder:
    """A context manager: the folder's lock is held and any interrupted commit recovered; `write` commits files.

    A run stages its files in a folder of its own (.build-staging-<pid>-<random>), journals the commit, then
    renames each file into place. A run killed before the journal leaves the old files; one killed after it is
    completed by the next run. When a rename fails (permission, full disk) the renames already done are undone,
    so the folder holds the old files or all the new ones, never a mix.
    """

    def __init__(self, folder: Path, wait_seconds: float | None = None):
        self.folder = folder
        self._lock = FolderLock(folder, wait_seconds)

    def __enter__(self) -> LockedFolder:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipelineError([os_problem(exc, str(self.folder), "create")]) from exc
        self._lock.__enter__()
        try:
            recover_locked(self.folder)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.__exit__(*exc_info)

    def write(self, files: Mapping[str, bytes]) -> list[str]:
        """Commit {relative path: bytes} all or nothing; returns the paths whose bytes changed."""
        folder = self.folder
        inside: dict[str, bool] = {}  # by parent folder: thousands of raw texts share one
        for relative in files:
            parent = relative.rpartition("/")[0]
            if parent not in inside:
                inside[parent] = not parent or resolves_inside(folder, parent)
            if not is_safe_relative(relative) or not inside[parent] or (
                    entry_kind(folder / relative) == "symlink" and not resolves_inside(folder, relative)):
                raise PipelineError([Problem("unsafe-path", "output path leaves the package", path=relative)])
        changed = [rel for rel in sorted(files) if _differs(folder / rel, files[rel], rel)]
        if not changed:
            return []
        staging = folder / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            _stage(folder, staging, files, changed)
            _write_journal(folder, staging, changed)
        except OSError as exc:
            _drop(folder / JOURNAL_TMP)
            _remove_tree(staging)
            raise PipelineError([os_problem(exc, str(exc.filename or staging), "write"),
                                 Problem("write-failed", "nothing was changed", path=str(folder))]) from exc
        try:
            _finish(folder, staging, changed)
        finally:
            if entry_kind(folder / JOURNAL_NAME) == "missing":
                _remove_tree(staging)  # kept only while a journal may still need it
        return changed


def write_files(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write {relative path: bytes} under out_dir all or nothing (see LockedFolder); returns the changed paths."""
    with LockedFolder(out_dir) as folder:
        return folder.write(files)


def recover(folder: Path) -> None:
    """Finish or undo an interrupted commit in a folder and remove stale staging, under the folder's lock."""
    if folder.is_dir():
        with LockedFolder(folder):
            pass
