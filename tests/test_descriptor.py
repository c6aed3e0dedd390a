"""The descriptor: a raw text's licence from its source's statement, and the release's added resources."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import PROJECT_ROOT

from pipeline.descriptor import DIALECT, release_descriptor, table_resources, text_licence
from pipeline.records import Source

RULES = yaml.safe_load((PROJECT_ROOT / "data" / "package.yaml").read_text(encoding="utf-8"))["text_licences"]


def source(licence: str | None) -> Source:
    return Source(source_id="s", title="T", publisher=None, url=None, kind="blog", published=None, retrieved=None,
                  language="en", path="data/raw/s.txt", sha256="0" * 64, characters=1, licence=licence)


@pytest.mark.parametrize(("statement", "name"), [
    ("CC BY 4.0", "CC-BY-4.0"),
    ("cc by 4.0 (as the journal states)", "CC-BY-4.0"),
    ("CC BY-SA 3.0 (Wikipedia text licence)", "CC-BY-SA-3.0"),
    ("Public domain (work of the US federal government)", "other-pd"),
    ("CC0 1.0", "CC0-1.0"),
])
def test_an_open_licence_statement_names_its_licence(statement: str, name: str) -> None:
    licence = text_licence(source(statement), RULES)
    assert licence["name"] == name and licence["title"] == statement


@pytest.mark.parametrize("statement", [None, "", "CC BY-NC 4.0", "All rights reserved"])
def test_no_or_an_unrecognised_statement_is_not_open(statement: str | None) -> None:
    licence = text_licence(source(statement), RULES)
    assert licence["name"] == "other-closed"
    assert licence["title"].startswith(RULES["unlicensed"]["title"])
    if statement:
        assert licence["title"].endswith(f"(the source states: {statement})")


def test_release_descriptor_adds_typed_json_and_fhir_resources() -> None:
    built = json.loads((PROJECT_ROOT / "datapackage.json").read_text(encoding="utf-8"))
    files = {f"json/{r['name']}.json": b"[]\n" for r in table_resources(built)}
    files["fhir/schedules.json"] = b"{}\n"
    released = release_descriptor(built, files)
    added = released["resources"][len(built["resources"]):]
    assert [r["name"] for r in added] == [*(f"{r['name']}-json" for r in table_resources(built)), "schedules-fhir"]
    assert all(r["bytes"] == 3 and r["hash"].startswith("sha256:") and "type" not in r for r in added)
    assert released["resources"][:len(built["resources"])] == built["resources"]


def test_committed_descriptor_uses_the_flat_dialect() -> None:
    built = json.loads((PROJECT_ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert all(r["dialect"] == DIALECT for r in table_resources(built))
    assert "csv" not in json.dumps([r["dialect"] for r in table_resources(built)])
