"""The independent scorer (../shared/eval/score.py) on a build of the corpus, against gold written by others.

Floors are set once, from the first measurement of the current rules on each gold set, and never raised
after tuning on the same texts; the dev-corpus floors are the targets the extraction must meet."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from devgold import DEV_GOLD, SCORER, combined_gold, corpus_with_heldout, project_gold, score

from pipeline.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SCORER.is_file(), reason="the shared scorer is not here")]

# ../shared/devcorpus/gold.yaml: the targets for the real documents
DEV_FLOORS = {
    "spans_bad": ("max", 0), "traps": ("max", 1),
    "side_effect_recall": ("min", 0.9), "side_effect_precision": ("min", 0.85),
    "contraindication_recall": ("min", 0.9), "contraindication_precision": ("min", 0.85),
    "schedule_phase_recall": ("min", 0.9), "claim_recall": ("min", 0.9), "quantity_recall": ("min", 0.9),
}
# tests/gold, tests/heldout, tests/blind: the first measurement of the engine rules on them
PROJECT_FLOORS = {
    "spans_bad": ("max", 0), "traps": ("max", 0),
    "side_effect_recall": ("min", 0.71), "side_effect_precision": ("min", 0.90),
    "contraindication_recall": ("min", 0.66), "contraindication_precision": ("min", 0.92),
    "schedule_phase_recall": ("min", 1.0), "claim_recall": ("min", 0.97), "quantity_recall": ("min", 0.98),
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's texts and the held-out texts built together with the project's rules."""
    from click.testing import CliRunner

    work = tmp_path_factory.mktemp("scores")
    inputs = corpus_with_heldout(PROJECT_ROOT, work)
    result = CliRunner().invoke(cli, ["--project", str(PROJECT_ROOT), "build", "--input", str(inputs),
                                      "--output", str(work / "package")])
    assert result.exit_code == 0, result.output
    return work / "package"


def _below(scores: dict[str, float], floors: dict[str, tuple[str, float]]) -> list[str]:
    failing = []
    for key, (kind, bound) in floors.items():
        value = scores[key]
        if (kind == "min" and value < bound) or (kind == "max" and value > bound):
            failing.append(f"{key}={value} ({kind} {bound})")
    return failing


def test_dev_corpus_meets_the_targets(package: Path) -> None:
    scores = score(package, DEV_GOLD)
    assert scores["sources_found"] == 16
    assert _below(scores, DEV_FLOORS) == []


def test_project_gold_sets_hold_their_floors(package: Path, tmp_path: Path) -> None:
    import yaml

    synonyms = yaml.safe_load((SCORER.parent / "synonyms.yaml").read_text(encoding="utf-8"))
    gold = tmp_path / "project-gold.yaml"
    gold.write_text(yaml.safe_dump(project_gold(synonyms), sort_keys=False, allow_unicode=True), encoding="utf-8")
    scores = score(package, gold)
    assert scores["sources_found"] == 10
    assert _below(scores, PROJECT_FLOORS) == []


def test_combined_gold_keeps_every_source(tmp_path: Path) -> None:
    import yaml

    gold = yaml.safe_load(combined_gold(tmp_path / "gold.yaml").read_text(encoding="utf-8"))
    assert len(gold["sources"]) == 26
