"""The bundle's datapackage.json: a Frictionless Data Package (https://specs.frictionlessdata.io/)
describing every CSV with a Table Schema, so a researcher's tools can type, check and join the
files without reading our code.

What each column means is data (etl/registry/bundle.toml); its type comes from the warehouse
(DESCRIBE of the query that writes the CSV), and the allowed values of closed sets from the
build itself, so the descriptor cannot drift from the files it describes.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import duckdb

BUNDLE_DICTIONARY = Path(__file__).parent / "registry" / "bundle.toml"
OGL = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
       "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
NAME = "sds-uptake-england"
TITLE = "Self-directed support and direct payment uptake in English adult social care"
DESCRIPTION = ("How many people using adult social care in England direct their own support "
               "(personal budgets and direct payments), by council, region, year, age band and "
               "client group, from the official publications (ASCOF, SALT, PSS-EX1, ONS) and "
               "figures a 2013 report quoted, with every value's source cell, caveats and the "
               "publisher's page where it can be checked.")
CREATOR = "The self-directed support uptake dashboard project"
KEYWORDS = ["adult social care", "self-directed support", "direct payments", "personal budgets", "ASCOF", "England"]

# DuckDB column types -> Table Schema types; anything else is text.
TYPES = {"DOUBLE": "number", "FLOAT": "number", "DECIMAL": "number", "INTEGER": "integer",
         "BIGINT": "integer", "SMALLINT": "integer", "HUGEINT": "integer", "BOOLEAN": "boolean",
         "DATE": "date"}


def load_dictionary(path: Path = BUNDLE_DICTIONARY) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def column_entry(dictionary: dict, table: str, column: str) -> dict:
    columns = dictionary["columns"]
    entry = columns.get(f"{table}.{column}", columns.get(column))
    if entry is None:
        # A new column must be described before it ships: say where.
        raise KeyError(f"column {table}.{column} has no entry in {BUNDLE_DICTIONARY.name} [columns]")
    return entry


def units_text(dictionary: dict, units: list[str]) -> str:
    return "; ".join(f"{unit}: {dictionary['units'][unit]}" for unit in units)


def _codes(connection: duckdb.DuckDBPyConnection, source: str, query: str, column: str) -> list:
    if source == "data":
        rows = connection.execute(f'SELECT DISTINCT "{column}" FROM ({query}) '
                                  f'WHERE "{column}" IS NOT NULL ORDER BY 1').fetchall()
    else:
        table, _, field = source.removeprefix("reference:").partition(".")
        rows = connection.execute(f'SELECT DISTINCT "{field}" FROM {table} ORDER BY 1').fetchall()
    return [row[0] for row in rows]


def column_types(connection: duckdb.DuckDBPyConnection, query: str) -> list[tuple[str, str]]:
    described = connection.execute(f"DESCRIBE {query}").fetchall()
    return [(name, TYPES.get(re.sub(r"\(.*", "", kind), "string")) for name, kind, *_ in described]


def field(connection, dictionary: dict, table: str, query: str, name: str, kind: str,
          units: list[str]) -> dict:
    entry = column_entry(dictionary, table, name)
    description = entry["description"]
    if entry.get("measure_unit"):
        description += f" Units (measures.csv unit): {units_text(dictionary, units)}."
    constraints = {}
    if entry.get("required"):
        constraints["required"] = True
    if "enum" in entry:
        constraints["enum"] = _codes(connection, entry["enum"], query, name)
    if "pattern" in entry:
        constraints["pattern"] = entry["pattern"]
    if "codes" in entry:
        codes = "|".join(re.escape(code) for code in _codes(connection, entry["codes"], query, name))
        constraints["pattern"] = f"({codes})(; ({codes}))*"
    result = {"name": name, "type": kind, "description": description}
    if kind == "boolean":
        result |= {"trueValues": ["true"], "falseValues": ["false"]}
    return result | ({"constraints": constraints} if constraints else {})


def table_schema(connection, dictionary: dict, table: dict, query: str, units: list[str]) -> dict:
    fields = [field(connection, dictionary, table["name"], query, name, kind, units)
              for name, kind in column_types(connection, query)]
    schema = {"fields": fields, "missingValues": [""], "primaryKey": table["primary_key"]}
    if table["foreign_keys"]:
        schema["foreignKeys"] = [{"fields": column, "reference": {"resource": other, "fields": key}}
                                 for column, other, key in table["foreign_keys"]]
    return schema


def descriptor(connection: duckdb.DuckDBPyConnection, queries: dict[str, str],
               members: dict[str, bytes], sources: list[dict], build_id: str | None) -> dict:
    """The package for the CSVs in members (written from queries, keyed by table name)."""
    dictionary = load_dictionary()
    units = [row[0] for row in connection.execute(
        "SELECT DISTINCT unit FROM measures ORDER BY unit").fetchall()]
    resources = []
    for table in dictionary["table"]:
        data = members[table["path"]]
        resources.append({
            "name": table["name"], "path": table["path"], "title": table["title"],
            "description": table["description"], "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "schema": table_schema(connection, dictionary, table, queries[table["name"]], units)})
    return {
        "profile": "tabular-data-package", "name": NAME, "title": TITLE,
        "description": DESCRIPTION, "version": build_id or "unknown",
        "licenses": [OGL],
        "contributors": [{"title": CREATOR, "role": "author"}],
        "keywords": KEYWORDS,
        "sources": list({(source_title(s), s["landing_page"]): {"title": source_title(s),
                                                                 "path": s["landing_page"]}
                         for s in sources if s.get("landing_page")}.values()),
        "resources": resources,
    }


def source_title(source: dict) -> str:
    """'Title (Publisher, 2021-22)': how a reader finds it on the landing page."""
    details = ", ".join(str(source[k]) for k in ("publisher", "period") if source.get(k))
    title = source.get("title") or source.get("cites") or source["file_name"]
    return f"{title} ({details})" if details else title
