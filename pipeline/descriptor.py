"""Package metadata + record schemas + built files + documents -> the datapackage.json content; a release adds
its typed JSON and FHIR resources."""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.records import Document, Source
from pipeline.schemas import SchemaSet, table_schema
from pipeline.tables import RESOURCES

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# The flat CSV dialect of Data Package v1 and v2 alike (`doubleQuote` is required by v1).
DIALECT = {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n", "quoteChar": "\""}
FHIR_PATH = "fhir/schedules.json"
FHIR_MEDIATYPE = "application/fhir+json;fhirVersion=4.0"
_PACKAGE_KEYS = ("name", "id", "title", "description", "homepage", "version", "created", "licenses", "contributors",
                 "keywords")


def _digest(content: bytes) -> dict[str, Any]:
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def table_resource(name: str, record: dict[str, Any], content: bytes) -> dict[str, Any]:
    """One table's record schema and CSV bytes -> its tabular resource."""
    return {
        "name": name, "type": "table", "path": f"data/{name}.csv", "scheme": "file", "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8", "title": record["title"], "description": record["description"],
        **_digest(content), "dialect": dict(DIALECT), "schema": table_schema(record)}


def text_licence(source: Source, rules: dict[str, Any]) -> dict[str, Any]:
    """A source's licence statement -> the licence of its raw text's resource (see text_licences in
    data/package.yaml): the first rule the statement begins with, else the not-open licence."""
    statement = (source.licence or "").strip()
    for rule in rules["rules"]:
        if statement and statement.casefold().startswith(rule["statement"].casefold()):
            licence = {"name": rule["name"]}
            if rule.get("path"):
                licence["path"] = rule["path"]
            return {**licence, "title": statement}
    unlicensed = rules["unlicensed"]
    title = f"{unlicensed['title']} (the source states: {statement})" if statement else unlicensed["title"]
    return {"name": unlicensed["name"], "title": title}


def text_resource(document: Document, rules: dict[str, Any]) -> dict[str, Any]:
    """One raw text -> its resource, carrying the licence its source states rather than the package's."""
    source = document.source
    credit = f" Attribution: {source.attribution}" if source.attribution else ""
    where = f" ({source.url})" if source.url else ""
    return {
        "name": f"raw-{source.source_id}", "path": source.path, "format": "txt", "mediatype": "text/plain",
        "encoding": "utf-8", "title": f"Raw text: {source.title}",
        "description": f"The text of source {source.source_id}{where} exactly as stored; every span of the tables "
                       f"indexes it.{credit}",
        **_digest(document.text.encode("utf-8")), "licenses": [text_licence(source, rules)]}


def descriptor(package: dict[str, Any], schemas: SchemaSet, files: dict[str, bytes],
               documents: tuple[Document, ...]) -> dict[str, Any]:
    """Package metadata + schemas + table bytes -> the datapackage.json content: the tables, then the raw texts."""
    resources = [table_resource(name, schemas.records[name], files[f"data/{name}.csv"]) for name in RESOURCES]
    resources += [text_resource(document, package["text_licences"]) for document in documents]
    meta = {key: package[key] for key in _PACKAGE_KEYS if package.get(key) is not None}
    return {
        "$schema": PROFILE, **meta,
        "sources": [{"title": d.source.title, "path": d.source.path} for d in documents]
        + list(package.get("sources", [])),
        "resources": resources,
    }


def table_resources(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The tabular resources of a descriptor, in its order."""
    return [r for r in descriptor.get("resources", []) if r.get("type") == "table"]


def release_descriptor(built: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """The built descriptor + the release's derived files -> the release's descriptor: every table also as typed
    JSON records, and the schedules as an HL7 FHIR R4 Bundle."""
    resources = list(built["resources"])
    for table in table_resources(built):
        path = f"json/{table['name']}.json"
        if path in files:
            resources.append({
                "name": f"{table['name']}-json", "path": path, "format": "json", "mediatype": "application/json",
                "encoding": "utf-8", "title": f"{table['title']} (typed JSON)",
                "description": f"The rows of {table['path']} as a JSON array of typed records (numbers as numbers, "
                               f"booleans as booleans, empty cells as null), one object per row, valid against "
                               f"schemas/records/{table['name']}.schema.json.",
                **_digest(files[path])})
    if FHIR_PATH in files:
        resources.append({
            "name": "schedules-fhir", "path": FHIR_PATH, "format": "json", "mediatype": FHIR_MEDIATYPE,
            "encoding": "utf-8", "title": "Treatment schedules as an HL7 FHIR R4 Bundle",
            "description": "A FHIR R4 (4.0.1) Bundle of MedicationKnowledge resources, one per row of schedules: "
                           "the drug (RxNorm where known), the route, and each phase as a Dosage with its "
                           "Timing.repeat and doseAndRate, each pointing to its source span by an extension.",
            **_digest(files[FHIR_PATH])})
    return {**built, "resources": resources}
