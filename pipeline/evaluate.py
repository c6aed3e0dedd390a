"""Built package + gold annotations (tests/gold/) -> precision, recall and field agreement per table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.engine.boilerplate import call_to_action
from pipeline.extractors import Rules, read
from pipeline.fs import is_safe_relative, parent_inside
from pipeline.io import decode_text, list_files, read_text_bytes, read_yaml
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import SchemaSet
from pipeline.tables import TABLES as REGISTRY
from pipeline.validate import read_tables

Row = dict[str, Any]

# table -> (label field that must agree for a match, fields whose agreement is reported)
TABLES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    t.name: (t.match, t.agreement) for t in REGISTRY if t.extracted}
_PHASE_FIELDS = TABLES["schedule_phases"][1][2:]


@dataclass(frozen=True)
class GoldRow:
    """A gold annotation located in its text."""

    table: str
    source_id: str
    start: int
    end: int
    fields: dict[str, Any]
    where: str


def _locate(text: str, entry: dict[str, Any], where: str) -> tuple[int, int]:
    quote = entry.get("quote")
    if not isinstance(quote, str) or not quote or quote != quote.strip():
        raise PipelineError([Problem("gold-quote", "quote is missing or not trimmed", path=where)])
    positions = []
    start = text.find(quote)
    while start != -1:
        positions.append(start)
        start = text.find(quote, start + 1)
    if not positions:
        raise PipelineError([Problem("gold-quote", f"quote not found in the text: {quote[:60]!r}", path=where)])
    occurrence = entry.get("occurrence")
    if occurrence is not None and (not isinstance(occurrence, int) or isinstance(occurrence, bool)):
        raise PipelineError([Problem("gold-quote", f"occurrence {occurrence!r} is not a number", path=where)])
    if occurrence is None and len(positions) > 1:
        raise PipelineError([Problem(
            "gold-ambiguous", f"quote occurs {len(positions)} times; give occurrence: {quote[:60]!r}", path=where)])
    index = (occurrence or 1) - 1
    if not 0 <= index < len(positions):
        raise PipelineError([Problem("gold-quote", f"occurrence {occurrence} out of range", path=where)])
    return positions[index], positions[index] + len(quote)


# nested list key of a gold entry -> the table its items are rows of (quantities, assertions, phases)
_CHILDREN = {t.nested: t.name for t in REGISTRY if t.nested}
# a gold sentence that is no claim, and one that repeats an earlier claim, carry these flags
NOT_CHECK_WORTHY = "check_worthy"
REPEAT = "repeat"


def _row(table: str, source_id: str, span: tuple[int, int], entry: dict[str, Any], where: str,
         extra: dict[str, Any] | None = None) -> GoldRow:
    fields = {k: v for k, v in entry.items() if k not in ("quote", "occurrence", *_CHILDREN)}
    fields.update(extra or {})
    if table == "side_effects" and fields.get("frequency") == "":
        fields["frequency"] = None
    if table == "claims":
        fields.setdefault("testimonial", False)
        fields.setdefault("polarity", "affirmed")
    return GoldRow(table, source_id, span[0], span[1], fields, where)


def gold_files(gold_dir: Path) -> list[Path]:
    """The gold YAML files under a folder; refuses a folder that is missing or holds none (scores over no gold
    would read as perfect)."""
    if not gold_dir.is_dir():
        raise PipelineError([Problem("gold-missing", "no such folder of gold annotations", path=str(gold_dir))])
    paths = list_files(gold_dir, "**/*.yaml")
    if not paths:
        raise PipelineError([Problem("gold-empty", "the folder holds no gold annotation files (*.yaml)",
                                     path=str(gold_dir))])
    return paths


def _entries(data: dict[str, Any], table: str, path: Path) -> list[dict[str, Any]]:
    entries = data.get(table) or []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise PipelineError([Problem("gold-shape", f"{table} must be a list of mappings", path=str(path))])
    return entries


def _entry_rows(table: str, source_id: str, text: str, entry: dict[str, Any], where: str) -> list[GoldRow]:
    """One gold entry -> its row (a repeated claim is a claim_repeats row) and the rows it holds."""
    span = _locate(text, entry, where)
    if table == "claims" and entry.get(REPEAT):
        return [GoldRow("claim_repeats", source_id, span[0], span[1], {}, where)]
    rows = [_row(table, source_id, span, entry, where)]
    for key, child_table in _CHILDREN.items():
        for m, child in enumerate(_entries(entry, key, where), start=1):
            cwhere = f"{where}.{key}[{m}]"
            inner = _locate(text[span[0]:span[1]], child, cwhere)
            located = (inner[0] + span[0], inner[1] + span[0])
            extra = {"sequence": m} if child_table == "schedule_phases" else None
            rows.append(_row(child_table, source_id, located, child, cwhere, extra))
    return rows


def load_gold(gold_dir: Path, texts: dict[str, str]) -> list[GoldRow]:
    """Every gold YAML file under gold_dir (sections of one source may be split over files) -> rows. Claims
    marked `check_worthy: false` stay in (as sentences that are no claim); `repeat: true` ones are
    claim_repeats rows."""
    rows: list[GoldRow] = []
    for path in gold_files(gold_dir):
        data, _ = read_yaml(path)
        if not isinstance(data, dict):
            raise PipelineError([Problem("gold-shape", "a gold file must be a mapping with source_id",
                                         path=str(path))])
        source_id = data.get("source_id")
        if not isinstance(source_id, str) or source_id not in texts:
            raise PipelineError([Problem("gold-source", f"source {source_id!r} is not in the package", path=str(path))])
        for table in ("claims", "side_effects", "contraindications", "schedules"):
            for n, entry in enumerate(_entries(data, table, path), start=1):
                rows.extend(_entry_rows(table, source_id, texts[source_id], entry, f"{path} {table}[{n}]"))
    return rows


def check_worthy(row: GoldRow) -> bool:
    return row.fields.get(NOT_CHECK_WORTHY, True) is not False


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = min(a_end, b_end) - max(a_start, b_start)
    if inter <= 0:
        return 0.0
    return inter / (max(a_end, b_end) - min(a_start, b_start))


def _same(gold: Any, predicted: Any) -> bool:
    if isinstance(gold, (int, float)) and isinstance(predicted, (int, float)) and not isinstance(gold, bool):
        return abs(gold - predicted) < 1e-6
    return gold == predicted


def score_table(table: str, gold: list[GoldRow], predicted: list[Row]) -> dict[str, Any]:
    """Greedy best-overlap matching of gold rows to predictions -> counts, scores, agreement, misses. Gold claims
    that are not check-worthy are left out: a prediction on one of them is spurious. A drug form the gold
    gives is compared too, whichever the table."""
    label, fields = TABLES[table]
    gold = [g for g in gold if check_worthy(g)]
    if "drug_form" not in fields and any("drug_form" in g.fields for g in gold):
        fields = (*fields, "drug_form")
    unmatched = list(range(len(predicted)))
    pairs: list[tuple[GoldRow, Row]] = []
    missed: list[GoldRow] = []
    for row in sorted(gold, key=lambda g: (g.source_id, g.start)):
        candidates = [
            (i, _overlap(row.start, row.end, predicted[i]["start"], predicted[i]["end"])) for i in unmatched
            if predicted[i]["source_id"] == row.source_id
            and (label is None or predicted[i][label] == row.fields.get(label))]
        candidates = [(i, o) for i, o in candidates if o > 0]
        if not candidates:
            missed.append(row)
            continue
        best = max(candidates, key=lambda c: c[1])[0]
        unmatched.remove(best)
        pairs.append((row, predicted[best]))
    agreement = {}
    for name in fields:
        compared = [(g, p) for g, p in pairs if name in g.fields or table == "schedule_phases"]
        if compared:
            agree = sum(_same(g.fields.get(name), p.get(name)) for g, p in compared)
            agreement[name] = round(agree / len(compared), 3)
    matched = len(pairs)
    precision = matched / len(predicted) if predicted else (1.0 if not gold else 0.0)
    recall = matched / len(gold) if gold else 1.0
    return {
        "gold": len(gold), "predicted": len(predicted), "matched": matched,
        "precision": round(precision, 3), "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        "agreement": agreement,
        "missed": [{"source_id": g.source_id, "start": g.start, "end": g.end, "where": g.where} for g in missed],
        "spurious": [{"source_id": predicted[i]["source_id"], "start": predicted[i]["start"],
                      "end": predicted[i]["end"], "quote": predicted[i]["quote"]} for i in unmatched],
        "disagreements": [
            {"where": g.where, "field": name, "gold": g.fields.get(name), "predicted": p.get(name)}
            for g, p in pairs for name in fields
            if (name in g.fields or table == "schedule_phases") and not _same(g.fields.get(name), p.get(name))],
    }


def boilerplate_claims(claims: list[Row], texts: dict[str, str], rules: Rules) -> dict[str, Any]:
    """Claims whose span overlaps a boilerplate block (any mark) or a call-to-action sentence, as the engine reads
    each text -> count, share of all claims and the offending rows. Needs no gold: every source counts."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for source_id, text in texts.items():
        annotated = read(text, rules).annotated
        spans[source_id] = (
            [(b.start, b.end, ",".join(b.marks)) for b in annotated.blocks if b.marks]
            + [(t.start, t.end, "call-to-action") for t in annotated.sentences
               if call_to_action(text, annotated.mentions, t.start, t.end)])
    flagged = []
    for claim in claims:
        for start, end, marks in spans.get(claim["source_id"], []):
            if start < claim["end"] and claim["start"] < end:
                flagged.append({"claim_id": claim["claim_id"], "marks": marks, "quote": claim["quote"]})
                break
    return {"count": len(flagged), "claims": len(claims),
            "share": round(len(flagged) / len(claims), 3) if claims else 0.0, "flagged": flagged}


def evaluate_package(package_dir: Path, gold_dir: Path, schemas: SchemaSet, rules: Rules) -> dict[str, Any]:
    """Package folder + gold folder -> scores per table over the sources that have gold, plus the share of
    all claims that come from boilerplate as the given rules read each text."""
    gold_files(gold_dir)  # before any work: a wrong --gold is the likeliest mistake
    tables, problems = read_tables(package_dir, schemas)
    if problems:
        raise PipelineError(problems)
    texts = {}
    for row in tables["sources"]:
        path = row["path"]
        if not isinstance(path, str) or not is_safe_relative(path) or not parent_inside(package_dir, path):
            raise PipelineError([Problem("unsafe-path", f"path {path!r} leaves the package", resource="sources",
                                         field="path")])
        texts[row["source_id"]] = decode_text(read_text_bytes(package_dir / path, path), path)
    gold = load_gold(gold_dir, texts)
    annotated = sorted({g.source_id for g in gold})
    schedule_source = {r["schedule_id"]: r["source_id"] for r in tables["schedules"]}
    for phase in tables["schedule_phases"]:
        phase["source_id"] = schedule_source.get(phase["schedule_id"])
    scores: dict[str, Any] = {"sources": annotated, "tables": {}}
    for table in TABLES:
        predicted = [r for r in tables[table] if r["source_id"] in annotated]
        scores["tables"][table] = score_table(table, [g for g in gold if g.table == table], predicted)
    scores["check_worthiness"] = check_worthiness(
        [g for g in gold if g.table == "claims"], [r for r in tables["claims"] if r["source_id"] in annotated],
        scores["tables"]["claims"])
    scores["boilerplate_claims"] = boilerplate_claims(tables["claims"], texts, rules)
    return scores


def check_worthiness(gold: list[GoldRow], predicted: list[Row], claims: dict[str, Any]) -> dict[str, Any]:
    """How well the claims tell check-worthy sentences from the rest, over the sentences the gold lists:
    precision = claims on check-worthy gold sentences / claims on any gold sentence; recall = the claims recall."""
    unworthy = [g for g in gold if not check_worthy(g)]
    on_unworthy = [p for p in predicted if any(g.source_id == p["source_id"] and g.start < p["end"]
                                               and p["start"] < g.end for g in unworthy)]
    judged = claims["matched"] + len(on_unworthy)
    return {"not_check_worthy_gold": len(unworthy), "claims_on_them": len(on_unworthy),
            "precision": round(claims["matched"] / judged, 3) if judged else 1.0, "recall": claims["recall"],
            "examples": [p["quote"] for p in on_unworthy]}


def render_scores(scores: dict[str, Any], details: bool = False) -> str:
    """Scores -> a readable table (and, with details, the misses and spurious rows)."""
    lines = [f"sources with gold: {len(scores['sources'])}",
             f"{'table':<18} {'gold':>5} {'pred':>5} {'match':>5} {'prec':>6} {'recall':>6} {'f1':>6}  agreement"]
    for table, s in scores["tables"].items():
        agreement = " ".join(f"{k}={v:.2f}" for k, v in s["agreement"].items())
        lines.append(f"{table:<18} {s['gold']:>5} {s['predicted']:>5} {s['matched']:>5} "
                     f"{s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}  {agreement}")
    if "check_worthiness" in scores:
        c = scores["check_worthiness"]
        lines.append(f"check-worthiness: precision {c['precision']:.3f} recall {c['recall']:.3f} "
                     f"({c['claims_on_them']} claims on {c['not_check_worthy_gold']} gold sentences that are no claim)")
    if "boilerplate_claims" in scores:
        b = scores["boilerplate_claims"]
        lines.append(f"claims from boilerplate: {b['count']} of {b['claims']} (share {b['share']:.3f})")
    if details:
        for table, s in scores["tables"].items():
            for m in s["missed"]:
                lines.append(f"missed   {table}: {m['where']}")
            for p in s["spurious"]:
                lines.append(f"spurious {table}: {p['source_id']} {p['start']}-{p['end']} {p['quote'][:70]!r}")
            for d in s["disagreements"]:
                lines.append(f"differs  {table}: {d['where']} {d['field']}: gold={d['gold']!r} got={d['predicted']!r}")
        for quote in scores.get("check_worthiness", {}).get("examples", []):
            lines.append(f"not check-worthy: {quote[:80]!r}")
        for f in scores.get("boilerplate_claims", {}).get("flagged", []):
            lines.append(f"boilerplate claims: {f['claim_id']} ({f['marks']}) {f['quote'][:70]!r}")
    return "\n".join(lines)
