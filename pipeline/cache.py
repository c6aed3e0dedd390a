"""A job's key + its result -> a file under the cache folder, and back; a file is used only when its key and
checksum match what is asked for, so the folder is safe to delete and never trusted blindly."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.io import read_cache_entry, write_cache_entry
from pipeline.work import Result

FORMAT = 1


@dataclass(frozen=True)
class DocumentCache:
    """Results of document jobs by key, one JSON file each (results with problems are not kept)."""

    folder: Path

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Result | None:
        """The stored result for key, or None when absent, damaged or made for another key."""
        raw = read_cache_entry(self._path(key))
        if raw is None:
            return None
        try:
            stored = json.loads(raw)
            body = json.dumps(stored["tables"], sort_keys=True, ensure_ascii=False)
            if (stored.get("format") != FORMAT or stored.get("key") != key
                    or stored.get("sha256") != hashlib.sha256(body.encode("utf-8")).hexdigest()):
                return None
            return Result(stored["source_id"], stored["tables"])
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: Result) -> None:
        """Keep a result (best effort: a cache that cannot be written only costs time)."""
        if result.problems:
            return
        body = json.dumps(result.tables, sort_keys=True, ensure_ascii=False)
        stored = {"format": FORMAT, "key": key, "source_id": result.source_id,
                  "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "tables": result.tables}
        write_cache_entry(self._path(key), json.dumps(stored, ensure_ascii=False).encode("utf-8"))
