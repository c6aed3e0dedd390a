"""All file I/O: bounded, link-refusing readers for inputs; a locked, transactional writer for outputs."""

from __future__ import annotations

import contextlib
import csv
import fnmatch
import hashlib
import io
import json
import os
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pipeline import limits
from pipeline.fs import (
    entry_kind,
    is_safe_relative,
    opened_regular,
    os_problem,
    pid_alive,
    read_any,
    read_regular,
    read_stream,
)
from pipeline.problems import PipelineError, Problem
from pipeline.transaction import JOURNAL_NAME, STAGING_PREFIX, LockedFolder, recover, write_files
from pipeline.yaml_input import line_of, parse_yaml

__all__ = ["JOURNAL_NAME", "STAGING_PREFIX", "LockedFolder", "line_of", "parse_yaml", "recover", "write_files"]


# ---------------------------------------------------------------- reading


def read_bytes(path: Path, display: str | None = None, limit: int | None = None, code: str = "file-too-large",
               what: str = "the file") -> bytes:
    """A regular file's bytes (never through a symbolic link), refused with a problem naming the file when it is
    missing, unreadable, not a regular file or larger than `limit` (default: the file_bytes limit)."""
    shown = display or str(path)
    return read_regular(path, shown, limits.value("file_bytes") if limit is None else limit, code, what)


def read_text_bytes(path: Path, display: str | None = None) -> bytes:
    """A raw text's bytes, refused before reading when larger than the text_bytes limit."""
    return read_bytes(path, display, limits.value("text_bytes"), "text-too-large", "the text")


def read_upload(path: Path | None, display: str, stdin: BinaryIO | None = None) -> bytes:
    """The text a contributor hands to add-source (a file, or stdin when path is None), read only up to the
    text_bytes limit: a pipe or /dev/zero is never read whole."""
    limit = limits.value("text_bytes")
    if path is None:
        return read_stream(stdin, display, limit, "text-too-large", "the text")
    return read_any(path, display, limit, "text-too-large", "the text")


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, Any]:
    """A YAML file -> (data, node tree); clear problems for a missing, oversized or undecodable file."""
    shown = display or str(path)
    raw = read_bytes(path, shown, limits.value("yaml_bytes"), "yaml-too-large", "the YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError([Problem("yaml-encoding", f"not UTF-8 at byte {exc.start}", path=shown,
                                     line=raw.count(b"\n", 0, exc.start) + 1)]) from exc
    return parse_yaml(text, shown)


# ---------------------------------------------------------------- raw texts


def decode_text(raw: bytes, display: str, max_bytes: int | None = None) -> str:
    """Raw-text bytes -> str, refusing what would make offsets ambiguous or the text unusable."""
    max_bytes = limits.value("text_bytes") if max_bytes is None else max_bytes
    if len(raw) > max_bytes:
        raise PipelineError([Problem(
            "text-too-large", f"{len(raw)} bytes exceeds the limit of {max_bytes} bytes", path=display)])
    if raw.startswith(b"\xef\xbb\xbf"):
        raise PipelineError([Problem(
            "text-bom", "starts with a UTF-8 byte order mark; save it without BOM", path=display, line=1)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PipelineError([Problem(
            "text-not-utf8", f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
            path=display, line=line)]) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PipelineError([Problem("text-nul", "contains a NUL character", path=display, line=line)])
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise PipelineError([Problem(
            "text-crlf", "contains carriage returns; store raw texts with \\n line ends", path=display, line=line)])
    if not text.strip():
        raise PipelineError([Problem("text-empty", "the text is empty", path=display)])
    return text


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_json(raw: bytes, display: str) -> Any:
    """JSON bytes -> data, or a problem naming the file (and line) for bad encoding, syntax or nesting."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError([Problem("json-encoding", f"not UTF-8 at byte {exc.start}", path=display,
                                     line=raw.count(b"\n", 0, exc.start) + 1)]) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PipelineError([Problem("json-syntax", f"malformed JSON: {exc.msg}", path=display,
                                     line=exc.lineno)]) from exc
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise PipelineError([Problem("json-syntax", f"malformed JSON: {exc}", path=display)]) from exc
    except RecursionError as exc:
        raise PipelineError([Problem("json-too-deep", "nested too deeply", path=display)]) from exc


def read_json(path: Path, display: str | None = None) -> Any:
    """A JSON file -> data, or a problem naming the file."""
    shown = display or str(path)
    return parse_json(read_bytes(path, shown), shown)


def _csv_reader(lines: Iterator[str]) -> Iterator[list[str]]:
    """A csv reader whose cells may be as long as a file may be: a summary's list of ids can pass the module's
    default of 128 KiB."""
    csv.field_size_limit(limits.value("file_bytes"))
    return csv.reader(lines)


def parse_csv(raw: bytes, display: str) -> list[list[str]]:
    """CSV bytes -> rows of string cells (the header is the first row); a problem names the file and line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError([Problem("csv-encoding", f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                                     path=display, line=raw.count(b"\n", 0, exc.start) + 1)]) from exc
    reader = _csv_reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise PipelineError([Problem("csv-syntax", f"unreadable CSV: {exc}", path=display,
                                     line=reader.line_num)]) from exc


def _csv_row(header: list[str], values: list[str]) -> dict[Any, Any]:
    """Cells under their header: None for a cell the row lacks; extra cells as a list under the key None."""
    row: dict[Any, Any] = dict(zip(header, values, strict=False))
    for column in header[len(values):]:
        row[column] = None
    if len(values) > len(header):
        row[None] = values[len(header):]
    return row


def read_csv_rows(path: Path, display: str | None = None) -> list[dict[str, str | None]]:
    """A CSV file -> rows as {column: cell} (None for a cell the row lacks; extra cells under the key None)."""
    shown = display or str(path)
    cells = parse_csv(read_bytes(path, shown), shown)
    return [_csv_row(cells[0], values) for values in cells[1:]] if cells else []


def iter_csv_rows(path: Path, display: str | None = None) -> Iterator[dict[str, str | None]]:
    """A CSV file -> its rows as read_csv_rows gives them, one at a time: the file is never held whole. The
    same problems (naming the file and line) are raised when the reading comes to them."""
    shown = display or str(path)
    with opened_regular(path, shown, limits.value("file_bytes"), "file-too-large") as handle:
        reader = _csv_reader(io.TextIOWrapper(handle, encoding="utf-8", newline=""))
        try:
            header = next(reader, None)
            for values in reader if header is not None else ():
                yield _csv_row(header, values)
        except UnicodeDecodeError:
            parse_csv(read_bytes(path, shown), shown)  # raises the problem naming the byte's offset and line
            raise
        except csv.Error as exc:
            raise PipelineError([Problem("csv-syntax", f"unreadable CSV: {exc}", path=shown,
                                         line=reader.line_num)]) from exc
        except OSError as exc:
            raise PipelineError([os_problem(exc, shown)]) from exc


def csv_bytes(columns: list[str], rows: list[list[str]]) -> bytes:
    """Columns and string cells -> CSV bytes (UTF-8, \\n line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_lines(rows: list[list[str]]) -> str:
    """String cells -> CSV lines as csv_bytes writes them (\\n line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


class CsvStream:
    """CSV bytes written some lines at a time, exactly as csv_bytes writes them all at once: the header first,
    then each batch of lines (from csv_lines) appended, UTF-8 encoded."""

    def __init__(self, columns: list[str]):
        self._buffer = io.BytesIO()
        self.write(csv_lines([columns]))

    def write(self, lines: str) -> None:
        self._buffer.write(lines.encode("utf-8"))

    def getvalue(self) -> bytes:
        return self._buffer.getvalue()


def json_bytes(data: Any) -> bytes:
    """Data -> canonical pretty JSON bytes ending in a newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_tree(root: Path, relatives: list[str]) -> dict[str, bytes | None]:
    """{relative path: bytes, or None when it is not a regular file there}."""
    return {rel: read_bytes(root / rel, rel) if entry_kind(root / rel) == "file" else None for rel in relatives}


def _raise(error: OSError) -> None:
    raise error


def list_files(folder: Path, pattern: str) -> list[Path]:
    """Entries of a folder matching a name pattern ('*.yaml'; '**/*.yaml' searches sub-folders too), sorted,
    folders left out. Links and special files are listed so that reading them refuses them
    by name. Empty when the folder does not exist; a folder that cannot be listed is a problem, never an
    empty list (a build without its cue files would look valid)."""
    if not folder.is_dir():
        return []
    recursive, name_pattern = pattern.startswith("**/"), pattern.removeprefix("**/")
    found = []
    try:
        if recursive:
            for parent, _subfolders, names in os.walk(folder, onerror=_raise):
                found += [Path(parent) / name for name in names if fnmatch.fnmatchcase(name, name_pattern)]
        else:
            with os.scandir(folder) as entries:
                found = [Path(entry.path) for entry in entries if fnmatch.fnmatchcase(entry.name, name_pattern)]
    except OSError as exc:
        raise PipelineError([os_problem(exc, str(folder), "list")]) from exc
    return sorted(path for path in found if entry_kind(path) != "folder")


# ---------------------------------------------------------------- release archives

RELEASE_STAGING_PREFIX = ".release-staging-"
ZIP_FILE_MODE = 0o100644  # regular file, rw-r--r--
ZIP_COMPRESSLEVEL = 9
_READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What reading a damaged or hostile member can raise: bad CRC or header, corrupt deflate data, a member cut
# short, an encrypted or unsupported member the checks below missed.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError)


def zip_bytes(folder_name: str | None, files: dict[str, bytes],
              date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """{relative path: bytes} -> a reproducible zip holding them under folder_name/ (at the root when None):
    entries sorted, one fixed timestamp and mode, DEFLATE at a fixed level, no directory entries or extra fields."""
    prefix = f"{folder_name}/" if folder_name else ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative in sorted(files):
            info = zipfile.ZipInfo(f"{prefix}{relative}", date_time=date_time)
            info.create_system = 3
            info.external_attr = ZIP_FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[relative], compresslevel=ZIP_COMPRESSLEVEL)
    return buffer.getvalue()


def _member_problems(members: list[zipfile.ZipInfo], shown: str) -> list[Problem]:
    """Every member checked from the central directory alone, before anything is decompressed."""
    problems = []
    if len(members) > limits.value("archive_members"):
        return [Problem("archive-too-many-files", f"holds {len(members):,} files; the limit is "
                        f"{limits.value('archive_members'):,} (docs/limits.md)", path=shown)]
    total = 0
    for info in members:
        name = info.filename
        where = f"{shown}: {name}"
        if not is_safe_relative(name):
            problems.append(Problem("unsafe-path", f"archive member {name!r} is not a safe relative path", path=shown))
        elif stat.S_ISLNK(info.external_attr >> 16):
            problems.append(Problem("file-symlink", "a symbolic link inside a release is not allowed", path=where))
        elif info.flag_bits & 0x1:
            problems.append(Problem("archive-encrypted", "the member is encrypted", path=where))
        elif info.compress_type not in _READABLE_COMPRESSION:
            problems.append(Problem("archive-compression", f"compression method {info.compress_type} is not "
                                    "supported (only stored and deflate)", path=where))
        elif info.file_size > limits.value("file_bytes"):
            problems.append(Problem("file-too-large", f"{info.file_size:,} bytes uncompressed; the limit is "
                                    f"{limits.value('file_bytes'):,} (docs/limits.md)", path=where))
        elif info.file_size > limits.RATIO_FLOOR_BYTES and (
                info.file_size > limits.value("archive_ratio") * max(info.compress_size, 1)):
            problems.append(Problem("archive-ratio", f"{info.file_size:,} bytes from {info.compress_size:,} "
                                    f"compressed: more than {limits.value('archive_ratio')} to 1 (docs/limits.md)",
                                    path=where))
        total += info.file_size
    if total > limits.value("archive_bytes"):
        problems.append(Problem("archive-too-large", f"{total:,} bytes uncompressed; the limit is "
                                f"{limits.value('archive_bytes'):,} (docs/limits.md)", path=shown))
    return problems


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    where = f"{shown}: {info.filename}"
    try:
        with archive.open(info) as stream:
            return read_stream(stream, where, info.file_size, "archive-corrupt", "the member")
    except _ZIP_READ_ERRORS as exc:
        raise PipelineError([Problem("archive-corrupt", f"cannot decompress: {exc}", path=where)]) from exc


def read_archive(path: Path) -> tuple[str | None, dict[str, bytes]]:
    """A release .zip -> (its one top-level folder, or None when datapackage.json is at the root, {path inside:
    bytes}); refuses unsafe, duplicate or scattered member names, links, encryption, unknown compression and
    sizes past the limits (from the central directory, before decompressing anything) instead of extracting."""
    shown = str(path)
    try:
        if path.stat().st_size > limits.value("archive_bytes"):
            raise PipelineError([Problem("archive-too-large", "the archive is larger than the limit of "
                                         f"{limits.value('archive_bytes'):,} bytes (docs/limits.md)", path=shown)])
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            problems = _member_problems(members, shown)
            names = [info.filename for info in members]
            if len(set(names)) != len(names):
                problems.append(Problem("duplicate-member", "archive holds the same path twice", path=shown))
            if "datapackage.json" in names and not problems:
                return None, {info.filename: _read_member(archive, info, shown) for info in members}
            tops = {name.split("/")[0] for name in names}
            if len(tops) != 1 or any("/" not in name for name in names):
                problems.append(Problem("archive-layout", "archive must hold datapackage.json at its root (or "
                                        "exactly one top-level folder)", path=shown))
            if problems:
                raise PipelineError(problems)
            top = tops.pop()
            return top, {info.filename[len(top) + 1:]: _read_member(archive, info, shown) for info in members}
    except FileNotFoundError as exc:
        raise PipelineError([Problem("file-missing", "file not found", path=shown)]) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise PipelineError([Problem("archive-unreadable", f"not a readable zip archive: {exc}", path=shown)]) from exc


def read_folder(root: Path) -> dict[str, bytes]:
    """Every file under a folder -> {relative POSIX path: bytes}; symbolic links, special files and sizes past
    the archive limits are refused before the files are read."""
    entries: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    for folder, subfolders, names in os.walk(root, followlinks=False):
        for name in sorted(subfolders + names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            kind = entry_kind(path)
            if kind == "symlink":
                problems.append(Problem("file-symlink", "symbolic links are not allowed in a release", path=relative))
            elif kind == "other":
                problems.append(Problem("file-not-regular", "only regular files are allowed in a release",
                                        path=relative))
            elif kind == "file":
                entries.append((relative, path))
        if len(entries) > limits.value("archive_members"):
            problems.append(Problem("archive-too-many-files", f"more than {limits.value('archive_members'):,} "
                                    "files (docs/limits.md)", path=str(root)))
            break
    if not problems:
        total = sum(path.stat().st_size for _, path in entries)
        if total > limits.value("archive_bytes"):
            problems.append(Problem("archive-too-large", f"{total:,} bytes; the limit is "
                                    f"{limits.value('archive_bytes'):,} (docs/limits.md)", path=str(root)))
    if problems:
        raise PipelineError(problems)
    return {relative: read_bytes(path, relative) for relative, path in sorted(entries)}


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write {relative path: bytes} into a folder, each file flushed to disk."""
    for relative, content in sorted(files.items()):
        if not is_safe_relative(relative):
            raise PipelineError([Problem("unsafe-path", "output path leaves the folder", path=relative)])
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())


def clear_release_staging(dist_dir: Path) -> None:
    """Remove staging left in dist_dir by release runs that are over (their process is gone, or it was an
    earlier run of this process); a live run's staging is its own to remove."""
    if not dist_dir.is_dir():
        return
    for leftover in dist_dir.glob(RELEASE_STAGING_PREFIX + "*"):
        pid = leftover.name.removeprefix(RELEASE_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not pid_alive(int(pid))):
            shutil.rmtree(leftover, ignore_errors=True)


def release_staging(dist_dir: Path) -> Path:
    """A fresh staging folder inside dist_dir, after the stale ones are cleared."""
    import tempfile

    dist_dir.mkdir(parents=True, exist_ok=True)
    clear_release_staging(dist_dir)
    return Path(tempfile.mkdtemp(prefix=f"{RELEASE_STAGING_PREFIX}{os.getpid()}-", dir=dist_dir))


def remove_tree(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def publish(staging: Path, dist_dir: Path, folder_name: str) -> tuple[Path, Path]:
    """Move staging/<folder_name>/ and staging/<folder_name>.zip into dist_dir, never over an existing
    release: each is one rename, so an interrupted run leaves a release whole or absent."""
    folder, archive = dist_dir / folder_name, dist_dir / f"{folder_name}.zip"
    existing = [p for p in (folder, archive) if p.exists()]
    if existing:
        raise PipelineError([Problem("release-exists", "already exists; a released version is never overwritten",
                                     path=str(p)) for p in existing])
    try:
        os.link(staging / archive.name, archive)  # link, unlike rename, refuses to replace a file
    except FileExistsError as exc:
        raise PipelineError([Problem("release-exists", "already exists; a released version is never overwritten",
                                     path=str(archive))]) from exc
    except OSError as exc:
        raise PipelineError([os_problem(exc, str(archive), "write")]) from exc
    try:
        os.rename(staging / folder_name, folder)
    except OSError as exc:
        try:
            archive.unlink()
        except OSError:
            pass  # the archive alone is whole; it is reported below
        raise PipelineError([Problem("release-exists", f"cannot move the release folder into place: {exc}",
                                     path=str(folder))]) from exc
    return folder, archive


class TemporaryTree:
    """A context manager: {relative path: bytes} written into a temporary folder, removed on exit."""

    def __init__(self, files: dict[str, bytes]):
        self._files = files
        self._root: Path | None = None

    def __enter__(self) -> Path:
        import tempfile

        self._root = Path(tempfile.mkdtemp(prefix="ketamine-evidence-"))
        try:
            write_tree(self._root, self._files)
        except BaseException:
            shutil.rmtree(self._root, ignore_errors=True)
            raise
        return self._root

    def __exit__(self, *exc_info: object) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


# ---------------------------------------------------------------- the per-text cache


def read_cache_entry(path: Path) -> bytes | None:
    """A cache file's bytes, or None when it is absent or cannot be read as a regular file (the cache is only a
    shortcut: whatever is wrong with an entry costs a fresh extraction, never a failure)."""
    try:
        return read_bytes(path, str(path))
    except PipelineError:
        return None


def cache_entry_exists(path: Path) -> bool:
    """Whether a cache file is there as a regular file (what it holds is checked when it is read)."""
    try:
        return entry_kind(path) == "file"
    except OSError:
        return False


def keep_cache_entries(pending: Path, place: Callable[[str], Path]) -> None:
    """Move every entry written into a pending folder to its place (`place` of its file name), then remove the
    folder; best effort, as every cache write."""
    try:
        names = sorted(name for name in os.listdir(pending) if name.endswith(".json"))
    except OSError:
        return
    for name in names:
        target = place(name)
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(pending / name, target)
    shutil.rmtree(pending, ignore_errors=True)


def drop_cache_entries(pending: Path) -> None:
    """Remove a pending folder of cache entries and all it holds."""
    shutil.rmtree(pending, ignore_errors=True)


def write_cache_entry(path: Path, content: bytes) -> None:
    """Write a cache file atomically (a temporary file renamed into place); a failure is ignored."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
