"""A job's key + its result -> a file under the cache folder, and back; a file is used only when its key and
checksum match what is asked for, so the folder is safe to delete and never trusted blindly.

A file is two JSON lines: a header (format, key, source, sha256 of the body) and the body (the result's rows and
CSV lines), so the checksum is taken over the stored bytes and the body is parsed only once it matches. A build
writes each entry as its result arrives into a pending folder of its own, moved into place only once the build
has succeeded (a failed build leaves the cache as it was)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.io import (
    cache_entry_exists,
    drop_cache_entries,
    keep_cache_entries,
    read_cache_entry,
    write_cache_entry,
)
from pipeline.work import Result

FORMAT = 3
PENDING_PREFIX = ".pending-"


@dataclass(frozen=True)
class DocumentCache:
    """Results of document jobs by key, one JSON file each (results with problems are not kept)."""

    folder: Path

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    @property
    def _pending(self) -> Path:
        return self.folder / f"{PENDING_PREFIX}{os.getpid()}"

    def has(self, key: str) -> bool:
        """Whether an entry for key is stored (it is still checked when read)."""
        return cache_entry_exists(self._path(key))

    def get(self, key: str) -> Result | None:
        """The stored result for key, or None when absent, damaged or made for another key."""
        raw = read_cache_entry(self._path(key))
        if raw is None:
            return None
        header, _, body = raw.partition(b"\n")
        try:
            stored = json.loads(header)
            if (stored.get("format") != FORMAT or stored.get("key") != key
                    or stored.get("sha256") != hashlib.sha256(body).hexdigest()):
                return None
            content = json.loads(body)
            return Result(stored["source_id"], content["tables"], (), content["csv"])
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def put(self, key: str, result: Result) -> None:
        """Write a result into the pending folder (best effort: a cache that cannot be written only costs time)."""
        if result.problems:
            return
        body = json.dumps({"tables": result.tables, "csv": result.csv}, ensure_ascii=False).encode("utf-8")
        header = {"format": FORMAT, "key": key, "source_id": result.source_id,
                  "sha256": hashlib.sha256(body).hexdigest()}
        write_cache_entry(self._pending / f"{key}.json", json.dumps(header).encode("utf-8") + b"\n" + body)

    def keep(self) -> None:
        """Move the pending entries into place: the build they came from has succeeded."""
        keep_cache_entries(self._pending, lambda name: self._path(name.removesuffix(".json")))

    def drop(self) -> None:
        """Forget the pending entries: the build they came from has failed."""
        drop_cache_entries(self._pending)
