"""validate: a valid package passes; each kind of damage is reported with code and location."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def package(built_package: Path, tmp_path: Path) -> Path:
    """A private copy of the session's built package, free to damage."""
    target = tmp_path / "package"
    shutil.copytree(built_package, target)
    return target


def rewrite_table(package: Path, name: str, content: str) -> None:
    """Replace a table's CSV and keep the descriptor's bytes and hash in step with it."""
    path = package / "data" / f"{name}.csv"
    path.write_text(content, encoding="utf-8")
    descriptor_path = package / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            raw = path.read_bytes()
            resource["bytes"] = len(raw)
            resource["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    descriptor_path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def header(package: Path, name: str) -> str:
    return (package / "data" / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]


def test_valid_package(package: Path, invoke) -> None:
    result = invoke("validate", package)
    assert result.exit_code == 0
    assert result.stdout == "valid\n"


def test_json_report_of_a_valid_package(package: Path, invoke) -> None:
    result = invoke("validate", package, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "problems": []}


def test_quote_that_is_not_in_the_text(package: Path, invoke) -> None:
    row = ("ketamine-and-lexapro:se:000010-000016:nausea,ketamine-and-lexapro,10,16,nausea,nausea,therapeutic,affirmed,"
           "hedged,,,,,,,extracted")
    rewrite_table(package, "side_effects", header(package, "side_effects") + "\n" + row + "\n")
    result = invoke("validate", package, "--no-frictionless")
    assert result.exit_code == 1
    assert ("resource side_effects, row 1, field quote: [quote-mismatch] raw text at 10-16 is 'mine a', "
            "not the quote") in result.stdout
    assert result.stdout.splitlines()[-1] == "invalid: 1 problem(s)"


def test_unknown_term_and_untrimmed_span(package: Path, invoke) -> None:
    text = (package / "data" / "raw" / "ketamine-and-lexapro.txt").read_text(encoding="utf-8")
    start = text.index("nausea") - 1
    quote = text[start:start + 7]
    row = (f"ketamine-and-lexapro:se:{start:06d}-{start + 7:06d}:no-such-term,ketamine-and-lexapro,{start},{start + 7},"
           f"{quote},no-such-term,therapeutic,affirmed,hedged,,,,,,,extracted")
    rewrite_table(package, "side_effects", header(package, "side_effects") + "\n" + row + "\n")
    result = invoke("validate", package, "--json", "--no-frictionless")
    assert result.exit_code == 1
    codes = sorted(p["code"] for p in json.loads(result.stdout)["problems"])
    assert codes == ["foreign-key", "span-untrimmed"]


def test_changed_cell_breaks_hash_and_frictionless(package: Path, invoke) -> None:
    path = package / "data" / "sources.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",blog,", ",news,", 1), encoding="utf-8")
    result = invoke("validate", package, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert {"code": "hash-mismatch", "message": "hash does not match the file", "path": "datapackage.json",
            "resource": "sources"} in problems
    assert any(p["code"].startswith("frictionless-") for p in problems)


def test_edited_raw_text_is_caught(package: Path, invoke) -> None:
    raw = package / "data" / "raw" / "ketamine-and-lexapro.txt"
    raw.write_text(raw.read_text(encoding="utf-8").replace("nausea", "nausee"), encoding="utf-8")
    result = invoke("validate", package, "--no-frictionless")
    assert result.exit_code == 1
    assert ("resource sources, row 9, field sha256: [hash-mismatch] sha256 of "
            "data/raw/ketamine-and-lexapro.txt does not match") in result.stdout


def test_invalid_enum_value_names_row_and_field(package: Path, invoke) -> None:
    path = package / "data" / "sources.csv"
    rewrite_table(package, "sources", path.read_text(encoding="utf-8").replace(",blog,", ",podcast,", 1))
    result = invoke("validate", package, "--no-frictionless")
    assert result.exit_code == 1
    assert "resource sources, row 1, field kind: [record-schema] 'podcast' is not one of" in result.stdout


def test_resource_path_leaving_the_package(package: Path, invoke) -> None:
    descriptor_path = package / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = "../outside.csv"
    descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke("validate", package, "--no-frictionless")
    assert result.exit_code == 1
    assert "datapackage.json, resource sources: [unsafe-path] path '../outside.csv' leaves the package" in result.stdout


def test_missing_descriptor(tmp_path: Path, invoke) -> None:
    result = invoke("validate", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'datapackage.json'}: [file-missing] file not found\ninvalid: 1 problem(s)\n"


def test_usage_error_exits_2(invoke) -> None:
    result = invoke("validate", "--no-such-option")
    assert result.exit_code == 2


def test_official_frictionless_cli_reports_valid_without_warnings(built_package: Path) -> None:
    command = [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", "datapackage.json"]
    done = subprocess.run(command, cwd=built_package, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["valid"] is True
    assert report["errors"] == []
    assert all(task["warnings"] == [] for task in report["tasks"])
    assert "warning" not in done.stderr.lower()
