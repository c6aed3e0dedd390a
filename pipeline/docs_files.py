"""Project layout -> the generated documentation files, compared with or written to disk."""

from __future__ import annotations

from pipeline.curation_schema import curation_schema
from pipeline.docs import data_dictionary, splice, term_list
from pipeline.io import json_bytes, read_bytes, write_files
from pipeline.limits import splice_table
from pipeline.load import Layout, load_vocabulary
from pipeline.problems import PipelineError, Problem
from pipeline.schemas import load_schemas


def update_docs(layout: Layout, write: bool) -> list[str]:
    """Regenerate README.md's dictionary, docs/terms.md, the table of docs/limits.md and the curation schema made
    from the table registry; returns the paths that were stale."""
    schemas = load_schemas(layout.schema_dir)
    readme = read_bytes(layout.project_root / "README.md", "README.md").decode("utf-8")
    try:
        new_readme = splice(readme, data_dictionary(schemas))
    except ValueError as exc:
        raise PipelineError([Problem("docs-markers", str(exc), path="README.md")]) from exc
    limits_page = read_bytes(layout.project_root / "docs" / "limits.md", "docs/limits.md").decode("utf-8")
    try:
        new_limits_page = splice_table(limits_page)
    except ValueError as exc:
        raise PipelineError([Problem("docs-markers", str(exc), path="docs/limits.md")]) from exc
    wanted = {"README.md": new_readme.encode("utf-8"),
              "docs/terms.md": term_list(load_vocabulary(layout, schemas)).encode("utf-8"),
              "docs/limits.md": new_limits_page.encode("utf-8"),
              "schemas/curation.schema.json": json_bytes(curation_schema())}
    root = layout.project_root
    stale = [rel for rel, content in sorted(wanted.items())
             if not (root / rel).is_file() or read_bytes(root / rel, rel) != content]
    if write and stale:
        write_files(root, {rel: wanted[rel] for rel in stale})
    return stale
