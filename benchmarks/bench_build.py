"""Targets file -> timings and peak memory of full builds of the corpus and of a scaled corpus.

Run with `make bench`. Exits 1 when a target in benchmarks/targets.yaml is missed.
"""

from __future__ import annotations

import hashlib
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipeline.build import build
from pipeline.load import Layout

ROOT = Path(__file__).resolve().parent.parent


def scaled_corpus(folder: Path, copies: int) -> Path:
    """Write a corpus of `copies` texts, each a corpus text with a distinct first line."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    texts = sorted((ROOT / "data" / "raw").glob("*.txt"))
    entries = []
    for index in range(copies):
        template = texts[index % len(texts)].read_text(encoding="utf-8")
        text = f"Copy {index} of a sample article\n\n{template}"
        source_id = f"copy-{index:04d}"
        (raw / f"{source_id}.txt").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entries.append(f"  - source_id: {source_id}\n    title: Copy {index}\n    kind: other\n"
                       f"    language: en\n    sha256: {digest}\n")
    (folder / "sources.yaml").write_text("sources:\n" + "".join(entries), encoding="utf-8")
    return folder


def timed_build(input_dir: Path, output_dir: Path) -> float:
    started = time.perf_counter()
    build(Layout(project_root=ROOT, input_dir=input_dir), output_dir)
    return time.perf_counter() - started


def main() -> int:
    targets = yaml.safe_load((ROOT / "benchmarks" / "targets.yaml").read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        corpus_seconds = timed_build(ROOT / "data", work / "corpus-out")
        scaled = scaled_corpus(work / "scaled", targets["scaled_texts"])
        scaled_seconds = timed_build(scaled, work / "scaled-out")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = [
        ("corpus build (s)", corpus_seconds, targets["corpus_build_seconds"]),
        (f"{targets['scaled_texts']}-text build (s)", scaled_seconds, targets["scaled_build_seconds"]),
        ("peak memory (MB)", peak_mb, targets["peak_memory_mb"]),
    ]
    missed = 0
    for label, value, target in results:
        status = "ok" if value <= target else "MISSED"
        missed += status == "MISSED"
        sys.stdout.write(f"{label:<28} {value:10.2f}   target {target:>8}   {status}\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
