"""The project's gold files (tests/gold, tests/heldout, tests/blind) -> the independent scorer's gold format, and a
build of the package's texts plus the held-out ones to score."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"
SCORER = SHARED / "eval" / "score.py"
DEV_GOLD = SHARED / "devcorpus" / "gold.yaml"
PROJECT_SETS = {  # gold folder -> folder of its raw texts
    PROJECT_ROOT / "tests" / "gold" / "parts": PROJECT_ROOT / "data" / "raw",
    PROJECT_ROOT / "tests" / "heldout" / "gold": PROJECT_ROOT / "tests" / "heldout" / "raw",
    PROJECT_ROOT / "tests" / "blind" / "gold": PROJECT_ROOT / "tests" / "blind" / "raw",
}
PHASE_RANGES = (("period", "period", "period_max", "period_unit"), ("bounds", "bounds_low", "bounds_high", "bounds_unit"))


def _name(term_id: str, groups: dict[str, list[str]]) -> str:
    """A term id -> the scorer's canonical name for it (its own words when the scorer has none)."""
    words = term_id.replace("-", " ")
    for canonical, names in groups.items():
        if words == canonical or words in {n.lower().replace("-", " ") for n in names}:
            return canonical
    return words


def _phase(phase: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if phase.get("frequency") is not None:
        result["frequency"] = phase["frequency"]
    for name, low, high, unit in PHASE_RANGES:
        if phase.get(low) is not None:
            result[name] = [phase[low], phase.get(high) if phase.get(high) is not None else phase[low], phase[unit]]
    if phase.get("count") is not None:
        result["count"] = [phase["count"], phase.get("count_max") or phase["count"]]
    if phase.get("as_needed"):
        result["as_needed"] = True
    return result


def _claims(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check-worthy gold claims (not the sentences marked as no claim, nor repeats) in the scorer's form."""
    claims = []
    for entry in entries:
        if entry.get("check_worthy") is False or entry.get("repeat"):
            continue
        claim: dict[str, Any] = {"at": entry["quote"]}
        quantities = [q for q in entry.get("quantities") or [] if q.get("unit") in
                      ("percent", "min", "h", "d", "wk", "mo", "a")]
        if quantities:
            first = quantities[0]
            claim["values"] = sorted({first["value_low"], first["value_high"]})
            claim["unit"] = "%" if first["unit"] == "percent" else first["unit"]
        claims.append(claim)
    return claims


def _terms(rows: list[dict[str, Any]], field: str, groups: dict[str, list[str]]) -> dict[str, list[str]]:
    stated = {_name(row[field], groups) for row in rows if row.get("certainty") != "negated"}
    return {"required": sorted(stated), "acceptable": []}


def project_gold(synonyms: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """Every project gold file -> one scorer gold, keyed by the sha256 of its raw text."""
    sources: dict[str, Any] = {}
    parts: dict[tuple[Path, str], dict[str, Any]] = {}
    for gold_dir, raw_dir in PROJECT_SETS.items():
        for path in sorted(gold_dir.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            merged = parts.setdefault((raw_dir, data["source_id"]), {})
            for key, value in data.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
    for (raw_dir, source_id), data in sorted(parts.items()):
        raw = (raw_dir / f"{source_id}.txt").read_bytes()
        sources[hashlib.sha256(raw).hexdigest()] = {
            "label": source_id, "raw": f"{source_id}.txt",
            "side_effects": _terms(data.get("side_effects", []), "term", synonyms["side_effects"]),
            "contraindications": _terms(data.get("contraindications", []), "condition", synonyms["contraindications"]),
            "schedules": [{"route": s.get("route"), "phases": [_phase(p) for p in s.get("phases", [])]}
                          for s in data.get("schedules", []) if s.get("drug") in ("ketamine", "esketamine")],
            "claims": _claims(data.get("claims", [])),
        }
    return {"sources": sources, "junk": [], "not_side_effects": []}


def combined_gold(target: Path) -> Path:
    """The shared dev-corpus gold plus the project's own gold, written to target."""
    synonyms = yaml.safe_load((SHARED / "eval" / "synonyms.yaml").read_text(encoding="utf-8"))
    dev = yaml.safe_load(DEV_GOLD.read_text(encoding="utf-8"))
    own = project_gold(synonyms)
    gold = {"sources": {**dev["sources"], **own["sources"]}, "junk": dev["junk"],
            "not_side_effects": dev["not_side_effects"]}
    target.write_text(yaml.safe_dump(gold, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def corpus_with_heldout(project: Path, work: Path) -> Path:
    """An input folder with the package's texts and the held-out ones (tests/heldout, tests/blind)."""
    inputs = work / "inputs"
    shutil.copytree(project / "data" / "raw", inputs / "raw")
    entries = yaml.safe_load((project / "data" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    for folder in ("heldout", "blind"):
        held = PROJECT_ROOT / "tests" / folder
        for path in (held / "raw").glob("*.txt"):
            shutil.copy2(path, inputs / "raw" / path.name)
        entries += yaml.safe_load((held / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    (inputs / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")
    return inputs


def score(package: Path, gold: Path) -> dict[str, float]:
    """Run the independent scorer on a built package; its SCORE line as numbers."""
    result = subprocess.run([sys.executable, str(SCORER), str(package), "--gold", str(gold)],
                            capture_output=True, text=True, check=True)
    line = result.stdout.strip().splitlines()[-1]
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}


def score_json(package: Path, gold: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, str(SCORER), str(package), "--gold", str(gold), "--json"],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout[:result.stdout.rindex("}") + 1])
