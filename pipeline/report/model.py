"""Release descriptor + typed tables + raw texts -> the frozen view records the report's templates draw:
counts, bar charts, schedule timelines, claims with their checks, and each source's text cut into spans."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.descriptor import table_resources

Row = dict[str, Any]

SPAN_FIELDS = ("start", "end", "quote")
CHART_WIDTH = 680
LABEL_WIDTH = 290
LABEL_CHARACTERS = 44
BAR_HEIGHT = 18
BAR_GAP = 6
TIMELINE_WIDTH = 560
UNKNOWN_PHASE_WIDTH = 70
MIN_PHASE_WIDTH = 8
# Length of one unit of time in weeks (months and years as averages).
WEEKS = {"s": 1 / 604800, "min": 1 / 10080, "h": 1 / 168, "d": 1 / 7, "wk": 1.0, "mo": 4.345, "a": 52.18}
CHECKS = "claim_checks"


@dataclass(frozen=True)
class TableCount:
    name: str
    title: str
    rows: int
    path: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    note: str
    y: int
    width: float
    href: str | None = None


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


@dataclass(frozen=True)
class PhaseBar:
    sequence: int
    label: str
    summary: str
    x: float
    width: float
    known: bool
    as_needed: bool
    href: str


@dataclass(frozen=True)
class Timeline:
    schedule_id: str
    source_title: str
    drug: str
    route: str
    quote: str
    href: str
    phases: tuple[PhaseBar, ...]
    width: float
    total: str


@dataclass(frozen=True)
class CheckView:
    verdict: str
    rule: str
    reason: str
    fact: str


@dataclass(frozen=True)
class ClaimView:
    claim_id: str
    quote: str
    source_title: str
    href: str
    checks: tuple[CheckView, ...]


@dataclass(frozen=True)
class SpanRef:
    row_id: str
    table: str
    colour: int
    title: str


@dataclass(frozen=True)
class Segment:
    text: str
    colours: tuple[int, ...]
    starts: tuple[SpanRef, ...]


@dataclass(frozen=True)
class RowView:
    row_id: str
    quote: str
    cells: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SpanTable:
    name: str
    title: str
    colour: int
    rows: tuple[RowView, ...]


@dataclass(frozen=True)
class SourcePage:
    source: Row
    licence: str
    segments: tuple[Segment, ...]
    tables: tuple[SpanTable, ...]


# ---------------------------------------------------------------- tables and their spans


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def counts(descriptor: dict[str, Any], tables: dict[str, list[Row]]) -> tuple[TableCount, ...]:
    return tuple(TableCount(name=r["name"], title=r.get("title", r["name"]), rows=len(tables.get(r["name"], [])),
                            path=r["path"]) for r in table_resources(descriptor))


def _field_names(resource: dict[str, Any]) -> list[str]:
    return [f["name"] for f in resource["schema"]["fields"]]


def _key(resource: dict[str, Any]) -> str:
    return resource["schema"]["primaryKey"][0]


def span_resources(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """Table resources whose rows are spans of a raw text (they have start, end and quote)."""
    return [r for r in table_resources(descriptor) if all(f in _field_names(r) for f in SPAN_FIELDS)]


def source_of(descriptor: dict[str, Any], tables: dict[str, list[Row]]) -> dict[str, dict[str, str]]:
    """{table: {row id: source id}} for every span table: from its own source_id, or through the foreign key
    to a table that has one (a phase belongs to the source of its schedule)."""
    resources = {r["name"]: r for r in table_resources(descriptor)}
    direct: dict[str, dict[str, str]] = {}
    for name, resource in resources.items():
        if "source_id" in _field_names(resource):
            key = _key(resource)
            direct[name] = {row[key]: row["source_id"] for row in tables.get(name, [])}
    result = {}
    for resource in span_resources(descriptor):
        name, key = resource["name"], _key(resource)
        if name in direct:
            result[name] = direct[name]
            continue
        for fk in resource["schema"].get("foreignKeys", []):
            column, parent = fk["fields"][0], fk["reference"]["resource"]
            if parent in direct:
                result[name] = {row[key]: direct[parent].get(row[column], "") for row in tables.get(name, [])}
                break
    return result


def _label_of(descriptor: dict[str, Any], tables: dict[str, list[Row]], table: str, column: str) -> dict[str, str]:
    """{id: label} of the table a column points to by foreign key (its label or title column), or {}."""
    resource = next((r for r in table_resources(descriptor) if r["name"] == table), None)
    for fk in (resource or {}).get("schema", {}).get("foreignKeys", []):
        if fk["fields"][0] != column:
            continue
        rows = tables.get(fk["reference"]["resource"], [])
        other = fk["reference"]["fields"][0]
        label = next((c for c in ("label", "title", "name") if rows and c in rows[0]), None)
        if label:
            return {row[other]: text_cell(row[label]) for row in rows}
    return {}


# ---------------------------------------------------------------- charts


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1].rstrip() + "…"


def bar_chart(title: str, items: list[tuple[str, int, str, str | None]]) -> BarChart:
    """(label, value, note, link) items -> a horizontal bar chart's geometry."""
    top = max((value for _, value, _, _ in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 150
    bars = tuple(Bar(label=_short(label), value=value, note=f"{label}: {note}", y=i * (BAR_HEIGHT + BAR_GAP),
                     width=round(max(value / top * room, 1.0), 1), href=href)
                 for i, (label, value, note, href) in enumerate(items))
    return BarChart(title=title, bars=bars, width=CHART_WIDTH, height=max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP),
                    label_width=LABEL_WIDTH)


def side_effects_by_term(descriptor: dict[str, Any], tables: dict[str, list[Row]]) -> BarChart | None:
    """Side-effect rows -> one bar per term: how many sources name it (and in how many rows)."""
    rows = tables.get("side_effects")
    if not rows or "term" not in rows[0]:
        return None
    labels = _label_of(descriptor, tables, "side_effects", "term")
    sources: dict[str, set[str]] = {}
    mentions: Counter[str] = Counter()
    for row in rows:
        sources.setdefault(row["term"], set()).add(row.get("source_id") or "")
        mentions[row["term"]] += 1
    order = sorted(sources, key=lambda t: (-len(sources[t]), -mentions[t], labels.get(t, t)))
    items = [(labels.get(t, t), len(sources[t]), f"{len(sources[t])} source(s), {mentions[t]} row(s)", None)
             for t in order]
    return bar_chart("Side effects by term: number of sources that name each", items)


def by_value(title: str, rows: list[Row], column: str) -> BarChart | None:
    if not rows or column not in rows[0]:
        return None
    tally = Counter(text_cell(row[column]) or "(none)" for row in rows)
    return bar_chart(title, [(value, n, f"{n} row(s)", None) for value, n in sorted(tally.items(),
                                                                                      key=lambda i: (-i[1], i[0]))])


# ---------------------------------------------------------------- schedules


def _range(low: Any, high: Any) -> str:
    low, high = text_cell(low), text_cell(high)
    if low and high and low != high:
        return f"{low}–{high}"
    return low or high


def phase_summary(phase: Row) -> str:
    """A phase's timing columns -> a short reading ("4–6 times over 2–3 wk", "1 per 1–3 mo, as needed")."""
    parts = []
    count = _range(phase.get("count"), phase.get("count_max"))
    if count:
        parts.append(f"{count} times")
    frequency = _range(phase.get("frequency"), phase.get("frequency_max"))
    period = _range(phase.get("period"), phase.get("period_max"))
    if frequency and phase.get("period_unit"):
        every = phase["period_unit"] if period == "1" else f"{period} {phase['period_unit']}"
        parts.append(f"{frequency} per {every}")
    if phase.get("bounds_unit"):
        length = _range(phase.get("bounds_low"), phase.get("bounds_high")) or "some"
        parts.append(f"over {length} {phase['bounds_unit']}")
    if phase.get("dose_unit"):
        parts.append(f"{_range(phase.get('dose_low'), phase.get('dose_high')) or 'a dose in'} {phase['dose_unit']}")
    if phase.get("as_needed"):
        parts.append("as needed")
    return ", ".join(parts) or "timing not stated"


def phase_weeks(phase: Row) -> float | None:
    """How long a phase lasts in weeks, when the text says: its bounds, or count ÷ frequency × period."""
    unit = phase.get("bounds_unit")
    length = phase.get("bounds_high") if phase.get("bounds_high") is not None else phase.get("bounds_low")
    if unit in WEEKS and length is not None:
        return float(length) * WEEKS[unit]
    count, frequency, period = phase.get("count"), phase.get("frequency"), phase.get("period")
    if count and frequency and period and phase.get("period_unit") in WEEKS:
        return count / frequency * float(period) * WEEKS[phase["period_unit"]]
    return None


def _weeks_text(weeks: float) -> str:
    return f"{weeks:.0f} wk" if weeks >= 10 else f"{weeks:.2g} wk"


def timelines(tables: dict[str, list[Row]], sources: dict[str, Row], terms: dict[str, str]) -> tuple[Timeline, ...]:
    """Schedules and phases -> one timeline each: phases side by side, each as long as the text says it lasts
    (the stated lengths fill the width, so each timeline has its own scale, given as its total), or a dashed box
    of fixed width when the text gives no length."""
    phases: dict[str, list[Row]] = {}
    for phase in tables.get("schedule_phases", []):
        phases.setdefault(phase["schedule_id"], []).append(phase)
    result = []
    for schedule in tables.get("schedules", []):
        ordered = sorted(phases.get(schedule["schedule_id"], []), key=lambda p: p["sequence"])
        weeks = [phase_weeks(p) for p in ordered]
        known = sum(w for w in weeks if w)
        room = TIMELINE_WIDTH - UNKNOWN_PHASE_WIDTH * sum(1 for w in weeks if not w) - 2 * len(ordered)
        scale = max(room, MIN_PHASE_WIDTH) / known if known else 0.0
        x = 0.0
        bars = []
        for phase, length in zip(ordered, weeks, strict=True):
            width = max(length * scale, MIN_PHASE_WIDTH) if length else UNKNOWN_PHASE_WIDTH
            bars.append(PhaseBar(sequence=phase["sequence"], label=phase.get("label") or "", x=round(x, 1),
                                 width=round(width, 1), known=bool(length), summary=phase_summary(phase),
                                 as_needed=bool(phase.get("as_needed")),
                                 href=f"sources/{schedule['source_id']}.html#span-{phase['phase_id']}"))
            x += width + 2
        source = sources.get(schedule["source_id"], {})
        result.append(Timeline(
            schedule_id=schedule["schedule_id"], source_title=text_cell(source.get("title")),
            drug=terms.get(schedule.get("drug"), text_cell(schedule.get("drug"))),
            route=text_cell(schedule.get("route")), quote=schedule["quote"],
            href=f"sources/{schedule['source_id']}.html#span-{schedule['schedule_id']}",
            phases=tuple(bars), width=round(max(x, 1.0), 1), total=_weeks_text(known) if known else ""))
    return tuple(result)


# ---------------------------------------------------------------- claims and checks


def claims_with_checks(tables: dict[str, list[Row]], sources: dict[str, Row]) -> tuple[ClaimView, ...]:
    """claim_checks rows (by claim, or by assertion through the assertions table) -> the checked claims, each
    with its checks, in claim id order."""
    claims = {row["claim_id"]: row for row in tables.get("claims", [])}
    assertions = {row["assertion_id"]: row for row in tables.get("assertions", []) if "assertion_id" in row}
    checks: dict[str, list[CheckView]] = {}
    for check in tables.get(CHECKS, []):
        claim_id = check.get("claim_id") or assertions.get(check.get("assertion_id"), {}).get("claim_id")
        if claim_id in claims:
            checks.setdefault(claim_id, []).append(CheckView(
                verdict=text_cell(check.get("verdict")), rule=text_cell(check.get("rule")),
                reason=text_cell(check.get("reason")), fact=text_cell(check.get("fact_id"))))
    result = []
    for claim_id in sorted(checks):
        claim = claims[claim_id]
        source = sources.get(claim["source_id"], {})
        result.append(ClaimView(claim_id=claim_id, quote=claim["quote"], source_title=text_cell(source.get("title")),
                                href=f"sources/{claim['source_id']}.html#span-{claim_id}",
                                checks=tuple(checks[claim_id])))
    return tuple(result)


# ---------------------------------------------------------------- source pages


def segments(text: str, spans: list[tuple[int, int, SpanRef]]) -> tuple[Segment, ...]:
    """A text and its spans -> the text cut at every span boundary; each piece knows which tables cover it and
    which spans start there (so each span gets one link, even where spans overlap)."""
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    starts: dict[int, list[SpanRef]] = {}
    for start, _end, ref in sorted(spans, key=lambda s: (s[0], -s[1], s[2].table, s[2].row_id)):
        starts.setdefault(start, []).append(ref)
    result = []
    for left, right in itertools.pairwise(cuts):
        colours = sorted({ref.colour for s, e, ref in spans if s <= left and right <= e})
        result.append(Segment(text=text[left:right], colours=tuple(colours), starts=tuple(starts.get(left, ()))))
    return tuple(result)


def _shown_cells(resource: dict[str, Any], row: Row, labels: dict[str, dict[str, str]]) -> tuple[tuple[str, str], ...]:
    skip = {_key(resource), "source_id", *SPAN_FIELDS}
    cells = []
    for name in _field_names(resource):
        if name in skip or row.get(name) is None:
            continue
        value = text_cell(row[name])
        cells.append((name, labels.get(name, {}).get(value, value)))
    return tuple(cells)


def source_pages(descriptor: dict[str, Any], tables: dict[str, list[Row]],
                 texts: dict[str, str]) -> tuple[SourcePage, ...]:
    """Each source -> its page: the raw text with every span of every span table highlighted, and the rows."""
    owners = source_of(descriptor, tables)
    resources = span_resources(descriptor)
    labels = {r["name"]: {f["name"]: _label_of(descriptor, tables, r["name"], f["name"])
                          for f in r["schema"]["fields"]} for r in resources}
    licences = {r["path"]: r.get("licenses", [{}])[0] for r in descriptor.get("resources", []) if r.get("licenses")}
    pages = []
    for source in tables.get("sources", []):
        source_id = source["source_id"]
        spans: list[tuple[int, int, SpanRef]] = []
        shown = []
        for colour, resource in enumerate(resources):
            name, key = resource["name"], _key(resource)
            rows = [row for row in tables.get(name, []) if owners.get(name, {}).get(row[key]) == source_id]
            for row in rows:
                spans.append((row["start"], row["end"], SpanRef(row_id=row[key], table=name, colour=colour,
                                                                 title=f"{resource.get('title', name)}: {row[key]}")))
            shown.append(SpanTable(name=name, title=resource.get("title", name), colour=colour, rows=tuple(
                RowView(row_id=row[key], quote=row["quote"], cells=_shown_cells(resource, row, labels[name]))
                for row in rows)))
        licence = licences.get(source.get("path"), {})
        pages.append(SourcePage(source=source, licence=text_cell(licence.get("title") or licence.get("name")),
                                segments=segments(texts.get(source_id, ""), spans), tables=tuple(shown)))
    return tuple(pages)
