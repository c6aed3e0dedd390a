"""Properties of segmentation and extraction on arbitrary text: no exception, exact trimmed spans,
determinism, and no super-linear blow-up on adversarial input."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import PROJECT_ROOT
from engine_helpers import project_rules
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.engine.annotate import Annotated
from pipeline.extractors import Rules, extract_document, read
from pipeline.records import Document, Extraction, Source

# Characters a stored raw text cannot hold (pipeline.io.decode_text refuses them), so no extractor sees them.
REFUSED = "\r\x00"
FRAGMENTS = [
    "nausea", "Nausea", "dizziness", "blurred vision", "dissociation", "tolerance", "headache", "psychosis",
    "mania", "high blood pressure", "ketamine", "Ketamine", "esketamine", "Spravato", "infusion", "infusions",
    "twice a week", "once weekly", "every 1-3 months", "as needed", "three infusions the first week",
    "4-6", "2-3 weeks", "70-85%", "%", "50 %", "0.5 mg/kg", "$400", "24 hours", "1990s", "one", "two", "six",
    "not indicated for", "should not", "may", "can", "rarely", "not", "no", "unless", "vs.", "Dr.", "e.g.",
    "U.S.", "et al.", "...", "…", "!", "?", ":", ";", ",", ".", "-", "–", "—", "(", ")", "\"", "“", "”", "'", "’",
    "• ", "- ", "* ", "1. ", "a) ", "\n", "\n\n", "\t", " ", "  ", "\u00a0", "\u2028", "\ufeff", "é", "ß", "İ",
    "ﬁ", "😀", "١٢٣", "中文", "\x85", "ǅ",
]
TEXTS = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=REFUSED), max_size=400),
    st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(st.characters(blacklist_characters=REFUSED,
                                                                         blacklist_categories=("Cs",)), max_size=6)),
             max_size=60).map(" ".join),
)


@dataclass(frozen=True, repr=False)
class Config:
    """The project's compiled rules, loaded once."""

    rules: Rules

    def __repr__(self) -> str:  # keeps hypothesis' falsifying examples readable
        return "Config(the project's compiled rules)"


@pytest.fixture(scope="module")
def config() -> Config:
    return Config(rules=project_rules())


def document(text: str) -> Document:
    raw = text.encode("utf-8")
    return Document(source=Source(
        source_id="arbitrary", title="Arbitrary", publisher=None, url=None, kind="other", published=None,
        retrieved=None, language="en", path="data/raw/arbitrary.txt", sha256=hashlib.sha256(raw).hexdigest(),
        characters=len(text)), text=text)


def run(text: str, config: Config) -> tuple[Annotated, Extraction]:
    return read(text, config.rules).annotated, extract_document(document(text), config.rules)


def spans(extraction: Extraction) -> list[tuple[str, Any, Any]]:
    """(table, record, parent or None) for every record with a span."""
    result: list[tuple[str, Any, Any]] = []
    for claim in extraction.claims:
        result.append(("claims", claim, None))
        result.extend(("quantities", quantity, claim) for quantity in claim.quantities)
    for schedule in extraction.schedules:
        result.append(("schedules", schedule, None))
        result.extend(("schedule_phases", phase, schedule) for phase in schedule.phases)
    result.extend(("side_effects", effect, None) for effect in extraction.side_effects)
    result.extend(("contraindications", item, None) for item in extraction.contraindications)
    return result


def assert_exact(text: str, start: int, end: int, quote: str, what: str) -> None:
    assert 0 <= start < end <= len(text), f"{what}: span {start}-{end} outside the text"
    assert text[start:end] == quote, f"{what}: text[{start}:{end}] != quote"
    assert quote == quote.strip(), f"{what}: span starts or ends on white space: {quote!r}"


def row_key(table: str, record: Any) -> tuple[Any, ...]:
    """What a row's id is made of: table, span, and the term for tables whose ids name one."""
    term = getattr(record, "term", None) or getattr(record, "condition", None)
    return (table, record.start, record.end, term if table in ("side_effects", "contraindications") else None)


def test_segment_and_extract_never_raise_and_spans_are_exact(config: Config) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=TEXTS)
    @example(text="three infusion the first week :")
    @example(text="• nausea, dizziness, blurred vision and dissociation\n\nnot indicated for psychosis or mania")
    def check(text: str) -> None:
        segmented, extraction = run(text, config)
        for unit in (*segmented.blocks, *segmented.sentences):
            assert_exact(text, unit.start, unit.end, text[unit.start:unit.end], f"{type(unit).__name__} {unit.index}")
        seen: set[tuple[Any, ...]] = set()
        for table, record, parent in spans(extraction):
            assert_exact(text, record.start, record.end, record.quote, table)
            if parent is not None:
                assert parent.start <= record.start and record.end <= parent.end, f"{table} lies outside its parent"
            key = row_key(table, record)
            assert key not in seen, f"two {table} rows would get the same id: {key}"
            seen.add(key)
        for record in (*extraction.claims, *extraction.schedules, *extraction.side_effects,
                       *extraction.contraindications):
            assert record.source_id == "arbitrary"

    check()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_output_is_deterministic(text: str, config: Config) -> None:
    assert run(text, config) == run(text, config)


@pytest.mark.slow
def test_the_corpus_spans_are_exact(config: Config) -> None:
    for path in sorted((PROJECT_ROOT / "data" / "raw").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _, extraction = run(text, config)
        for table, record, _ in spans(extraction):
            assert_exact(text, record.start, record.end, record.quote, f"{path.name} {table}")


# ---- regular expressions (and loops around them) on adversarial input
#
# A regex that backtracks badly, or a regex search repeated for every mention in a long sentence,
# costs O(n²) or worse. Wall-clock limits are flaky on shared machines, so no absolute time is
# asserted: each input is timed at doubling sizes and the growth exponent k of time ~ size^k is
# fitted (least squares on log-log) over each three consecutive sizes measured. Linear work gives
# k ≈ 1, quadratic k ≈ 2. Each size keeps the fastest of three runs of CPU time (not wall-clock
# time), times under a noise floor are left out, sizes stop growing once a stage takes a second,
# and a series that looks super-linear is measured once more before the test fails.

UNITS = [
    " ", "\n\n", ".", "?", "-", "%", ",", "1.", "1. ", "12 ", "A. ", "Dr. ", "nausea ", "nausea, ", "nausea and ",
    "ketamine ", "Ketamine ", "not ", "no ", "twice a week ", "70-85% ", "4-6 ", "• ", ".\n", "?\n", "Word\n\n",
    "Title Case Heading\n\n", "a" * 40 + " ", "not indicated for ", "side effects ",
]
SIZES = (1_000, 2_000, 4_000, 8_000, 16_000)
NOISE_FLOOR = 0.005  # seconds
MAX_EXPONENT = 1.6


def stage_times(text: str, config: Config) -> dict[str, float]:
    """One run of each stage (segment, extract) on the text, in seconds of this process's CPU time:
    time spent waiting while other processes run is not counted."""
    began = time.process_time()
    read(text, config.rules)
    middle = time.process_time()
    extract_document(document(text), config.rules)
    return {"annotate": middle - began, "extract": time.process_time() - middle}


def growth_exponent(points: list[tuple[int, float]]) -> float:
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(seconds) for _, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)


def steepest_growth(unit: str, config: Config) -> tuple[float, str]:
    """The largest growth exponent seen over doubling sizes, and the measurements behind it. Each size
    is timed three times and the fastest run kept: another process can only make a run slower."""
    measured: dict[str, list[tuple[int, float]]] = {"annotate": [], "extract": []}
    stage_times("Start " + unit * 20 + " end", config)  # warm caches (compiled patterns) first
    worst, evidence = 0.0, ""
    for size in SIZES:
        text = "Start " + unit * (size // len(unit)) + " end"
        runs = [stage_times(text, config) for _ in range(3)]
        times = {stage: min(run[stage] for run in runs) for stage in runs[0]}
        for stage, seconds in times.items():
            if seconds >= NOISE_FLOOR:
                measured[stage].append((size, seconds))
            points = measured[stage][-3:]  # the largest sizes show the asymptotic growth best
            if len(points) == 3 and (exponent := growth_exponent(points)) > worst:
                worst = exponent
                evidence = f"{stage}: " + ", ".join(f"{n} chars {t:.3f}s" for n, t in points)
        if max(times.values()) > 1.0:
            break  # enough signal; larger sizes would only make a slow stage slower to test
    return worst, evidence


@pytest.mark.slow
@pytest.mark.parametrize("unit", UNITS, ids=repr)
def test_no_stage_grows_super_linearly_on_adversarial_input(unit: str, config: Config) -> None:
    exponent, evidence = steepest_growth(unit, config)
    if exponent > MAX_EXPONENT:  # one fresh series before failing: a busy spell can bend one curve
        exponent, evidence = steepest_growth(unit, config)
    assert exponent <= MAX_EXPONENT, f"{unit!r} repeated grows like size^{exponent:.2f}: {evidence}"


@pytest.mark.slow
def test_fifty_thousand_characters_of_mixed_noise_finish(config: Config) -> None:
    noise = ("nausea. " * 800 + "1-" * 3000 + " " * 6000 + "." * 6000 + "twice a week, " * 400 + "!" * 4000
             + "A. " * 3000 + "not indicated for " * 400 + "70-85% " * 800)[:50_000]
    assert len(noise) == 50_000
    segmented, _ = run(noise, config)
    assert segmented.blocks
