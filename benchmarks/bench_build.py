"""Generated corpora of 200, 1,000 and 10,000 texts -> build and validate timings, peak memory and growth.

usage: python benchmarks/bench_build.py [--sizes 200,1000,10000] [--jobs N]

For each size: a cold build (empty cache), a rebuild with nothing changed, a rebuild with one text changed and a
`validate`, each as its own process (wall-clock seconds and its peak resident memory); the growth exponent of
the cold builds; and, as the floor, a naive scan of the same texts for every vocabulary synonym. Exits 1 when a
target of benchmarks/targets.yaml is missed. Run it on demand (`make bench`), never in the unit tests.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "ketamine-evidence"
WORD = re.compile(r"[A-Za-z]{5,}")


def _paragraphs() -> list[str]:
    """Every blank-line paragraph of the corpus and the held-out texts."""
    paths = [*(ROOT / "data" / "raw").glob("*.txt"), *(ROOT / "tests" / "heldout" / "raw").glob("*.txt"),
             *(ROOT / "tests" / "blind" / "raw").glob("*.txt")]
    found = []
    for path in sorted(paths):
        found += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return found


def generate(folder: Path, size: int, seed: int = 7) -> Path:
    """A corpus of `size` distinct texts, each a title and 6 to 20 paragraphs drawn from the real texts, with a
    few words swapped between paragraphs so no two texts are alike."""
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    raw = folder / "raw"
    raw.mkdir(parents=True)
    entries = []
    for index in range(size):
        chosen = [rng.choice(paragraphs) for _ in range(rng.randint(6, 20))]
        words = WORD.findall(" ".join(chosen))
        swap = dict(zip(rng.sample(words, min(3, len(words))), rng.sample(words, min(3, len(words))), strict=True))
        body = "\n\n".join(WORD.sub(lambda m, swap=swap: swap.get(m.group(), m.group()), p) for p in chosen)
        text = f"Generated text {index}\n\n{body}\n"
        source_id = f"text-{index:05d}"
        (raw / f"{source_id}.txt").write_text(text, encoding="utf-8")
        entries.append({"source_id": source_id, "title": f"Generated text {index}", "kind": "other",
                        "language": "en", "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), encoding="utf-8")
    return folder


def change_one(folder: Path) -> None:
    """Append a sentence to the first text and pin its new sha256."""
    path = folder / "raw" / "text-00000.txt"
    text = path.read_text(encoding="utf-8") + "\nSome patients report nausea after each session.\n"
    path.write_text(text, encoding="utf-8")
    sources = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    sources["sources"][0]["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (folder / "sources.yaml").write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")


def timed(command: list[str]) -> tuple[float, float]:
    """(wall-clock seconds, peak resident MB of the process and its workers) of one command."""
    with tempfile.TemporaryFile() as messages:  # not a pipe: a child that writes much to stderr would block on it
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=messages)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            messages.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{messages.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def naive_scan_seconds(folder: Path) -> float:
    """The floor: read every text and look for every vocabulary synonym in its lower-cased words."""
    synonyms = set()
    for path in sorted((ROOT / "data" / "vocab").glob("*.yaml")):
        for term in yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]:
            synonyms |= {term["label"].lower(), *term["synonyms"]}
    started = time.perf_counter()
    for path in sorted((folder / "raw").glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8").lower().split())
        for synonym in synonyms:
            _ = synonym in text
    return time.perf_counter() - started


def measure(size: int, work: Path, jobs: int | None) -> dict[str, float]:
    corpus = generate(work / f"corpus-{size}", size)
    out, cache = work / f"out-{size}", work / f"cache-{size}"
    build = [str(CLI), "--project", str(ROOT), "build", "--input", str(corpus), "--output", str(out),
             "--cache-dir", str(cache), "--quiet", *(["--jobs", str(jobs)] if jobs else [])]
    cold, cold_mb = _step(size, "cold build", build)
    again, again_mb = _step(size, "no-change rebuild", build)
    change_one(corpus)
    changed, changed_mb = _step(size, "one-changed rebuild", build)
    check, check_mb = _step(size, "validate", [str(CLI), "--project", str(ROOT), "validate", str(out)])
    characters = sum(p.stat().st_size for p in (corpus / "raw").glob("*.txt"))
    return {"texts": size, "characters": characters, "cold": cold, "no_change": again, "one_changed": changed,
            "validate": check, "naive_scan": naive_scan_seconds(corpus),
            "build_mb": max(cold_mb, again_mb, changed_mb), "validate_mb": check_mb,
            "peak_mb": max(cold_mb, again_mb, changed_mb, check_mb)}


def _step(size: int, name: str, command: list[str]) -> tuple[float, float]:
    """One timed command, reported on stderr as soon as it ends (a 10,000-text run takes minutes)."""
    seconds, peak_mb = timed(command)
    print(f"{size} texts: {name} {seconds:.2f} s, peak {peak_mb:.0f} MB", file=sys.stderr, flush=True)
    return seconds, peak_mb


def growth(rows: list[dict[str, float]]) -> float | None:
    """Slope of log(cold seconds) over log(characters): 1 is linear."""
    if len(rows) < 2:
        return None
    xs = [math.log(r["characters"]) for r in rows]
    ys = [math.log(r["cold"]) for r in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)


def misses(rows: list[dict[str, float]], exponent: float | None, targets: dict) -> list[str]:
    found = []
    for row in rows:
        for key, limit in targets.get("per_size", {}).get(int(row["texts"]), {}).items():
            if row[key] > limit:
                found.append(f"{int(row['texts'])} texts: {key} {row[key]:.2f} > {limit}")
        if row["peak_mb"] > targets["peak_mb"]:
            found.append(f"{int(row['texts'])} texts: peak {row['peak_mb']:.0f} MB > {targets['peak_mb']} MB")
    if exponent is not None and exponent > targets["growth_exponent"]:
        found.append(f"growth exponent {exponent:.2f} > {targets['growth_exponent']}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200,1000,10000")
    parser.add_argument("--jobs", type=int, default=None)
    options = parser.parse_args()
    targets = yaml.safe_load((ROOT / "benchmarks" / "targets.yaml").read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        rows = [measure(int(size), work, options.jobs) for size in options.sizes.split(",")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'texts':>6} {'MB text':>8} {'cold s':>7} {'no-change s':>11} {'one-changed s':>13} {'validate s':>10} "
          f"{'naive scan s':>12} {'build MB':>8} {'validate MB':>11}")
    for r in rows:
        print(f"{int(r['texts']):>6} {r['characters'] / 1e6:>8.1f} {r['cold']:>7.2f} {r['no_change']:>11.2f} "
              f"{r['one_changed']:>13.2f} {r['validate']:>10.2f} {r['naive_scan']:>12.2f} {r['build_mb']:>8.0f} "
              f"{r['validate_mb']:>11.0f}")
    exponent = growth(rows)
    if exponent is not None:
        print(f"growth exponent of the cold build: {exponent:.2f}")
    failed = misses(rows, exponent, targets)
    for line in failed:
        print(f"MISSED {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
