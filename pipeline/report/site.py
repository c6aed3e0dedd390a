"""Release descriptor + typed tables + raw texts -> {report/... path: HTML bytes} and the release's README.md,
rendered from the package's Jinja2 templates (HTML with every text escaped; no scripts, fonts or images from
the network)."""

from __future__ import annotations

from typing import Any

from pipeline.report import model

Row = dict[str, Any]
FOLDER = "report"
COLOURS = 8  # highlight colours the stylesheet defines; tables beyond share them in turn


def _environment():
    import jinja2  # imported here: only releases render the report

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=jinja2.select_autoescape(disabled_extensions=("md",), default=True),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["cell"] = lambda text: str(text or "").replace("|", "\\|").replace("\n", " ")
    return environment


def site_files(descriptor: dict[str, Any], tables: dict[str, list[Row]], texts: dict[str, str]) -> dict[str, bytes]:
    """The package -> report/index.html (overview, side effects by term, schedule timelines, claims and their
    checks, the sources) and report/sources/<source_id>.html (the text with its spans and their rows)."""
    environment = _environment()
    sources = {row["source_id"]: row for row in tables.get("sources", [])}
    terms = {row["term_id"]: model.text_cell(row.get("label")) for row in tables.get("terms", [])}
    pages = model.source_pages(descriptor, tables, texts)
    per_source = {page.source["source_id"]: {t.name: len(t.rows) for t in page.tables} for page in pages}
    has_checks = any(r["name"] == model.CHECKS for r in descriptor.get("resources", []))
    context = {
        "package": descriptor, "colours": COLOURS, "counts": model.counts(descriptor, tables),
        "licence": (descriptor.get("licenses") or [{}])[0],
        "sources": [sources[s] for s in sorted(sources)], "per_source": per_source,
        "span_tables": [r["name"] for r in model.span_resources(descriptor)],
        "side_effects": model.side_effects_by_term(descriptor, tables),
        "timelines": model.timelines(tables, sources, terms),
        "has_checks": has_checks, "checked_claims": model.claims_with_checks(tables, sources),
        "verdicts": model.by_value("Checks by verdict", tables.get(model.CHECKS, []), "verdict"),
        "categories": model.by_value("Claims by category", tables.get("claims", []), "category"),
        "certainty": model.by_value("Claims by certainty", tables.get("claims", []), "certainty"),
    }
    files = {f"{FOLDER}/index.html": environment.get_template("index.html").render(**context).encode("utf-8")}
    page_template = environment.get_template("source.html")
    for page in pages:
        files[f"{FOLDER}/sources/{page.source['source_id']}.html"] = page_template.render(
            package=descriptor, colours=COLOURS, page=page).encode("utf-8")
    return files


def release_readme(descriptor: dict[str, Any], tables: dict[str, list[Row]], database: str) -> bytes:
    """The release's README.md: what is inside, how to open and check it, and the licence of every raw text."""
    licences = {r["path"]: (r.get("licenses") or [{}])[0] for r in descriptor.get("resources", [])}
    texts = []
    for row in tables.get("sources", []):
        licence = licences.get(row.get("path"), {})
        texts.append({"source_id": row["source_id"], "licence": licence.get("title") or licence.get("name"),
                      "attribution": row.get("attribution") or ""})
    return _environment().get_template("README.md").render(
        package=descriptor, counts=model.counts(descriptor, tables), database=database, texts=texts,
        licence=(descriptor.get("licenses") or [{}])[0]).encode("utf-8")

