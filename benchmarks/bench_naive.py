"""The extractors against the naive keyword peer, scored in one run by the independent scorer.

usage: python benchmarks/bench_naive.py [--project DIR]

Builds the package (its texts plus tests/heldout and tests/blind), makes the naive peer's side-effect and
contraindication tables from the same vocabulary (../shared/eval/naive_baseline.py), scores both against
the dev-corpus gold and the project's own gold, and prints precision, recall, F1 and the F1 ratio.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from devgold import DEV_GOLD, SCORER, corpus_with_heldout, project_gold, score  # noqa: E402

NAIVE = SCORER.parent / "naive_baseline.py"


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def naive_package(package: Path, project: Path, work: Path) -> Path:
    """The built package with the naive peer's rows in place of the extractors' (the project's vocabulary)."""
    source = work / "naive-source"
    shutil.copytree(package, source)
    shutil.copytree(project / "data" / "vocab", source / "data" / "vocab", dirs_exist_ok=True)
    target = work / "naive"
    subprocess.run([sys.executable, str(NAIVE), str(source), str(target)], check=True, capture_output=True)
    return target


def report(name: str, ours: dict[str, float], naive: dict[str, float]) -> None:
    print(f"{name}")
    for table in ("side_effect", "contraindication"):
        mine = f1(ours[f"{table}_recall"], ours[f"{table}_precision"])
        peer = f1(naive[f"{table}_recall"], naive[f"{table}_precision"])
        ratio = mine / peer if peer else float("inf")
        print(f"  {table:17s} extractors R {ours[f'{table}_recall']:.3f} P {ours[f'{table}_precision']:.3f} "
              f"F1 {mine:.3f} | naive R {naive[f'{table}_recall']:.3f} P {naive[f'{table}_precision']:.3f} "
              f"F1 {peer:.3f} | ratio {ratio:.2f}")
    print(f"  traps: extractors {ours['traps']:.0f}, naive {naive['traps']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, default=ROOT)
    project = parser.parse_args().project.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    try:
        inputs = corpus_with_heldout(project, work)
        cli = Path(sys.executable).parent / "ketamine-evidence"
        subprocess.run([str(cli), "--project", str(project), "build", "--input", str(inputs),
                        "--output", str(work / "package")], check=True, capture_output=True)
        naive = naive_package(work / "package", project, work)
        synonyms = yaml.safe_load((SCORER.parent / "synonyms.yaml").read_text(encoding="utf-8"))
        own = work / "project-gold.yaml"
        own.write_text(yaml.safe_dump(project_gold(synonyms), sort_keys=False, allow_unicode=True), encoding="utf-8")
        for name, gold in (("dev corpus (../shared/devcorpus/gold.yaml)", DEV_GOLD),
                           ("project gold (tests/gold, tests/heldout, tests/blind)", own)):
            report(name, score(work / "package", gold), score(naive, gold))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
