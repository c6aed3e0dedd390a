"""Generated documentation stays in step with the schemas and the vocabulary."""

from __future__ import annotations

from conftest import PROJECT_ROOT

from pipeline.docs import data_dictionary
from pipeline.schemas import RESOURCES, load_schemas


def test_readme_dictionary_and_term_list_are_current(invoke) -> None:
    result = invoke("--project", PROJECT_ROOT, "docs", "--check")
    assert result.exit_code == 0, result.stderr


def test_every_column_is_described() -> None:
    schemas = load_schemas(PROJECT_ROOT / "schemas")
    dictionary = data_dictionary(schemas)
    for name in RESOURCES:
        for column, prop in schemas.records[name]["properties"].items():
            assert prop["description"].strip(), f"{name}.{column}"
            assert f"| `{column}` |" in dictionary


def test_readme_names_the_two_commands_ci_runs() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make build" in readme and "make test" in readme
    assert "make test" in ci
