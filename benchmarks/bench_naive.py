"""The extractors against the naive keyword peer, scored in one run by the independent scorer.

usage: python benchmarks/bench_naive.py [--project DIR] [--vocab-at REV]

Builds the package (its texts plus tests/heldout and tests/blind), makes the naive peer's side-effect and
contraindication tables from the same vocabulary (../shared/eval/naive_baseline.py), scores both against
the dev-corpus gold and the project's own gold, and prints precision, recall, F1 and the F1 ratio. With
--vocab-at, a second naive peer reads the vocabulary as it was at that git revision: a larger vocabulary
makes the naive peer better too, so this shows what the rules add beyond the vocabulary's growth.
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


def naive_package(package: Path, vocab: Path, work: Path, name: str) -> Path:
    """The built package with the naive peer's rows in place of the extractors', from the vocabulary in vocab."""
    source = work / f"{name}-source"
    shutil.copytree(package, source)
    shutil.copytree(vocab, source / "data" / "vocab", dirs_exist_ok=True)
    target = work / name
    subprocess.run([sys.executable, str(NAIVE), str(source), str(target)], check=True, capture_output=True)
    return target


def vocabulary_at(project: Path, revision: str, target: Path) -> Path:
    """data/vocab/*.yaml as committed at a git revision -> a folder of those files."""
    target.mkdir(parents=True)
    names = subprocess.run(["git", "-C", str(project), "ls-tree", "--name-only", f"{revision}:data/vocab"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        content = subprocess.run(["git", "-C", str(project), "show", f"{revision}:data/vocab/{name}"],
                                 check=True, capture_output=True).stdout
        (target / name).write_bytes(content)
    return target


def report(name: str, ours: dict[str, float], naive: dict[str, float]) -> None:
    print(name)
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
    parser.add_argument("--vocab-at", help="also score a naive peer with the vocabulary of this git revision")
    options = parser.parse_args()
    project = options.project.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    try:
        inputs = corpus_with_heldout(project, work)
        cli = Path(sys.executable).parent / "ketamine-evidence"
        subprocess.run([str(cli), "--project", str(project), "build", "--input", str(inputs),
                        "--output", str(work / "package")], check=True, capture_output=True)
        peers = {"naive peer, today's vocabulary": naive_package(work / "package", project / "data" / "vocab",
                                                                work, "naive")}
        if options.vocab_at:
            old = vocabulary_at(project, options.vocab_at, work / "old-vocab")
            peers[f"naive peer, vocabulary at {options.vocab_at}"] = naive_package(work / "package", old, work,
                                                                                  "naive-old")
        synonyms = yaml.safe_load((SCORER.parent / "synonyms.yaml").read_text(encoding="utf-8"))
        own = work / "project-gold.yaml"
        own.write_text(yaml.safe_dump(project_gold(synonyms), sort_keys=False, allow_unicode=True), encoding="utf-8")
        for name, gold in (("dev corpus (../shared/devcorpus/gold.yaml)", DEV_GOLD),
                           ("project gold (tests/gold, tests/heldout, tests/blind)", own)):
            ours = score(work / "package", gold)
            for peer_name, peer in peers.items():
                report(f"{name}: extractors against the {peer_name}", ours, score(peer, gold))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
