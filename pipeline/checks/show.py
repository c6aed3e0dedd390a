"""A built package's claim_checks, omissions and facts of one source -> readable lines for `show`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Row = Mapping[str, Any]
NOTE = "(verdicts set the source beside the reference facts; they are not medical advice)"


def _preview(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _statement_key(check: Row, claims: Mapping[str, Row]) -> tuple[int, int, str]:
    """Checks are listed under their claim (its span) where they have one, else under their own span."""
    claim = claims.get(check["claim_id"] or "")
    if claim is not None:
        return claim["start"], claim["end"], claim["quote"]
    return check["start"], check["end"], check["quote"]


def check_lines(tables: Mapping[str, list[Row]], source_id: str) -> list[str]:
    """Each claim (or checked row outside any claim) of the source with the verdicts of its checks, then the safety
    facts it never mentions, and for a reference text the facts that cite it."""
    claims = {row["claim_id"]: row for row in tables.get("claims", []) if row["source_id"] == source_id}
    checks = [row for row in tables.get("claim_checks", []) if row["source_id"] == source_id]
    grouped: dict[tuple[int, int, str], list[Row]] = {}
    for check in checks:
        grouped.setdefault(_statement_key(check, claims), []).append(check)
    lines = [f"== checks ({len(checks)}) {NOTE}"]
    for (start, end, quote), found in sorted(grouped.items()):
        lines.append(f"{start:>6}-{end:<6} {_preview(quote, 90)!r}")
        for check in sorted(found, key=lambda c: (c["start"], c["fact_id"])):
            lines.append(f"    {check['verdict']:<15} {check['fact_id']} [{check['rule']}, {check['scope']}] "
                         f"{check['quote']!r}: {check['reason']}")
    omissions = [row for row in tables.get("omissions", []) if row["source_id"] == source_id]
    lines.append(f"== omissions ({len(omissions)})")
    lines += [f"    {row['fact_id']}{':' + row['term'] if row['term'] else ''}: {row['reason']}" for row in omissions]
    statements = {row["fact_id"]: row["statement"] for row in tables.get("facts", [])}
    quotes = [row for row in tables.get("fact_quotes", []) if row["source_id"] == source_id]
    if quotes:
        lines.append(f"== facts citing this text ({len(quotes)})")
        lines += [f"{row['start']:>6}-{row['end']:<6} {row['fact_id']}: {statements[row['fact_id']]}"
                  for row in quotes]
    return lines
