"""All file I/O: strict readers for inputs, a transactional writer for outputs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from pipeline.problems import PipelineError, Problem

JOURNAL_NAME = ".build-journal.json"
STAGING_PREFIX = ".build-staging-"


# ---------------------------------------------------------------- YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys and aliases."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
# Dates stay the strings they are written as ("2024-04-16"), as the JSON Schemas expect.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    """YAML text -> (data, node tree for line look-ups); refuses aliases and duplicate keys."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise PipelineError(
                    [Problem("yaml-alias", "YAML anchors and aliases are not allowed in inputs",
                             path=path, line=mark.line + 1)]
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        code = "yaml-duplicate-key" if "duplicate key" in problem else "yaml-syntax"
        raise PipelineError([Problem(code, f"malformed YAML: {problem}", path=path, line=line)]) from exc
    except yaml.YAMLError as exc:
        raise PipelineError([Problem("yaml-syntax", f"malformed YAML: {exc}", path=path)]) from exc
    return data, node


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, yaml.Node | None]:
    """A YAML file -> (data, node tree); clear problems for a missing or undecodable file."""
    shown = display or str(path)
    raw = read_bytes(path, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError([Problem("yaml-encoding", f"not UTF-8 at byte {exc.start}", path=shown)]) from exc
    return parse_yaml(text, shown)


def line_of(node: yaml.Node | None, location: list[Any] | tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a JSON-Schema-style path, or of its nearest parent."""
    if node is None:
        return None
    current = node
    for step in location:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == step:
                    child = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(current.value):
                child = current.value[step]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1


# ---------------------------------------------------------------- raw texts


def read_bytes(path: Path, display: str | None = None) -> bytes:
    """A file's bytes, or a problem naming the file when it cannot be read."""
    shown = display or str(path)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise PipelineError([Problem("file-missing", "file not found", path=shown)]) from exc
    except IsADirectoryError as exc:
        raise PipelineError([Problem("file-missing", "expected a file, found a folder", path=shown)]) from exc
    except OSError as exc:
        raise PipelineError([Problem("file-unreadable", f"cannot read: {exc.strerror}", path=shown)]) from exc


def decode_text(raw: bytes, display: str, max_bytes: int) -> str:
    """Raw-text bytes -> str, refusing what would make offsets ambiguous or the text unusable."""
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


def read_json(path: Path) -> Any:
    """A JSON file -> data, or a problem naming the file."""
    raw = read_bytes(path)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PipelineError([Problem("json-syntax", f"malformed JSON: {exc}", path=str(path))]) from exc


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file -> rows as dicts of strings."""
    raw = read_bytes(path)
    text = raw.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_bytes(columns: list[str], rows: list[list[str]]) -> bytes:
    """Columns and string cells -> CSV bytes (UTF-8, \\n line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def json_bytes(data: Any) -> bytes:
    """Data -> canonical pretty JSON bytes ending in a newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# ---------------------------------------------------------------- transactional output


def recover(out_dir: Path) -> None:
    """Finish a commit that a previous run journaled, and drop staging it never committed."""
    journal = out_dir / JOURNAL_NAME
    if journal.exists():
        entry = json.loads(journal.read_text(encoding="utf-8"))
        staging = out_dir / entry["staging"]
        for relative in entry["files"]:
            staged = staging / relative
            if staged.exists():
                target = out_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
        journal.unlink()
    if out_dir.exists():
        for leftover in out_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(leftover, ignore_errors=True)
        (out_dir / (JOURNAL_NAME + ".tmp")).unlink(missing_ok=True)  # a journal never committed


def write_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Write {relative path: bytes} under out_dir all or nothing; returns the paths that changed.

    Files are staged first; a journal marks the commit point; then each file is renamed into
    place. A run killed before the journal leaves the old outputs; one killed after it is
    completed by `recover` at the start of the next run.
    """
    for relative in files:
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise PipelineError([Problem("unsafe-path", "output path leaves the package", path=relative)])
    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    changed = [
        rel for rel, content in sorted(files.items())
        if not (out_dir / rel).is_file() or (out_dir / rel).read_bytes() != content
    ]
    if not changed:
        return []
    staging_name = f"{STAGING_PREFIX}{os.getpid()}"
    staging = out_dir / staging_name
    shutil.rmtree(staging, ignore_errors=True)
    for relative in changed:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(files[relative])
            handle.flush()
            os.fsync(handle.fileno())
    journal_tmp = out_dir / (JOURNAL_NAME + ".tmp")
    journal_tmp.write_text(json.dumps({"staging": staging_name, "files": changed}), encoding="utf-8")
    os.replace(journal_tmp, out_dir / JOURNAL_NAME)
    recover(out_dir)
    return changed


def read_tree(root: Path, relatives: list[str]) -> dict[str, bytes | None]:
    """{relative path: bytes, or None when the file does not exist}."""
    return {rel: (root / rel).read_bytes() if (root / rel).is_file() else None for rel in relatives}


def list_files(folder: Path, pattern: str) -> list[Path]:
    """Files in a folder matching a glob, sorted; empty when the folder does not exist."""
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []


# ---------------------------------------------------------------- release archives

RELEASE_STAGING_PREFIX = ".release-staging-"
ZIP_FILE_MODE = 0o100644  # regular file, rw-r--r--
ZIP_COMPRESSLEVEL = 9


def parse_csv(raw: bytes, display: str) -> list[list[str]]:
    """CSV bytes -> rows of string cells (the header is the first row); a problem names the file."""
    try:
        text = raw.decode("utf-8")
        return list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PipelineError([Problem("csv-syntax", f"unreadable CSV: {exc}", path=display)]) from exc


def _safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and all(
        part not in ("", ".", "..") for part in parts)


def zip_bytes(folder_name: str | None, files: dict[str, bytes],
              date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """{relative path: bytes} -> a reproducible zip holding them under folder_name/ (at the root when None):
    entries sorted, one fixed timestamp and mode, DEFLATE at a fixed level, no directory entries or extra fields."""
    import zipfile

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


def read_archive(path: Path) -> tuple[str | None, dict[str, bytes]]:
    """A release .zip -> (its one top-level folder, or None when datapackage.json is at the root, {path inside:
    bytes}); refuses unsafe, duplicate or scattered member names instead of extracting them."""
    import zipfile

    shown = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            names = [info.filename for info in members]
            problems = [Problem("unsafe-path", f"archive member {name!r} is not a safe relative path", path=shown)
                        for name in names if not _safe_relative(name)]
            if len(set(names)) != len(names):
                problems.append(Problem("duplicate-member", "archive holds the same path twice", path=shown))
            if "datapackage.json" in names and not problems:
                return None, {name: archive.read(name) for name in names}
            tops = {name.split("/")[0] for name in names}
            if len(tops) != 1 or any("/" not in name for name in names):
                problems.append(Problem("archive-layout", "archive must hold datapackage.json at its root (or "
                                        "exactly one top-level folder)", path=shown))
            if problems:
                raise PipelineError(problems)
            top = tops.pop()
            return top, {name[len(top) + 1:]: archive.read(name) for name in names}
    except FileNotFoundError as exc:
        raise PipelineError([Problem("file-missing", "file not found", path=shown)]) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise PipelineError([Problem("archive-unreadable", f"not a readable zip archive: {exc}", path=shown)]) from exc


def read_folder(root: Path) -> dict[str, bytes]:
    """Every file under a folder -> {relative POSIX path: bytes} (symbolic links are refused)."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            raise PipelineError([Problem("unsafe-path", "symbolic links are not allowed in a release", path=relative)])
        if path.is_file():
            files[relative] = path.read_bytes()
    return files


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write {relative path: bytes} into a folder, each file flushed to disk."""
    for relative, content in sorted(files.items()):
        if not _safe_relative(relative):
            raise PipelineError([Problem("unsafe-path", "output path leaves the folder", path=relative)])
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_staging(dist_dir: Path) -> Path:
    """A fresh staging folder inside dist_dir; staging left by dead earlier runs is removed first."""
    dist_dir.mkdir(parents=True, exist_ok=True)
    for leftover in dist_dir.glob(RELEASE_STAGING_PREFIX + "*"):
        pid = leftover.name.removeprefix(RELEASE_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    import tempfile

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
    try:
        os.rename(staging / folder_name, folder)
    except OSError as exc:
        archive.unlink()
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
        write_tree(self._root, self._files)
        return self._root

    def __exit__(self, *exc_info: object) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
