"""The bundle's README.md, written from the warehouse and the bundle's own descriptor: the
column dictionary, which years each measure has, series breaks, quality flags, sources with
their links, licence and citation. Nothing in it is typed by hand but the framing sentences,
so a new measure, year, flag or source appears in it with the build that adds it.
"""
from __future__ import annotations

import duckdb

from .datapackage import OGL, TITLE, source_title

INTRO = """\
How many people using adult social care in England direct their own support (personal budgets
and direct payments), by council, region, year, age band and client group. Every value carries
the publication file, sheet and cell it came from; sources.csv gives each publication's page,
where the figures can be checked.

datapackage.json describes every CSV as a Frictionless Data Package (Table Schemas: types,
allowed values, primary and foreign keys), so tools such as frictionless, pandas or R's
frictionless package can read and check the files from it alone. observations.parquet is
observations.csv typed, for programs; metadata.json has the same facts as JSON.

CSVs are UTF-8 and comma separated; an empty cell is a missing value. Text cells that a
spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) start
with a quote ('), as in the API; observations.parquet keeps the text as published.

Precedence: where several sources give the same figure, observations.csv shows one chosen by
source_kind: official file with counts, then published value without counts, then derived
here. observations_all.csv keeps the others for checking.
"""


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows])


def _rows(connection, sql: str, parameters: list | None = None) -> list[tuple]:
    return connection.execute(sql, parameters or []).fetchall()


def column_dictionary(package: dict) -> list[str]:
    lines = ["## Files and columns", ""]
    for resource in package["resources"]:
        schema = resource["schema"]
        lines += [f"### {resource['path']}", "", resource["description"], "",
                  f"Primary key: {', '.join(schema['primaryKey'])}."]
        for key in schema.get("foreignKeys", []):
            lines.append(f"{key['fields']} refers to {key['reference']['resource']}.csv "
                         f"({key['reference']['fields']}).")
        rows = []
        for field in schema["fields"]:
            allowed = field.get("constraints", {}).get("enum")
            rows.append([f"`{field['name']}`", field["type"], field["description"],
                         ", ".join(map(str, allowed)) if allowed else ""])
        lines += [""] + _table(["column", "type", "meaning", "allowed values"], rows) + [""]
    return lines


def coverage(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Measures down, years across: how many areas have a value (any breakdown) each year."""
    periods = [row[0] for row in _rows(connection, "SELECT DISTINCT period FROM observations "
                                                   "WHERE value IS NOT NULL ORDER BY period")]
    counts = {(m, p): n for m, p, n in _rows(
        connection, "SELECT measure_id, period, count(DISTINCT area_code) FROM observations "
                    "WHERE value IS NOT NULL GROUP BY ALL")}
    measures = _rows(connection, "SELECT measure_id, label, unit FROM measures ORDER BY measure_id")
    rows = [[f"`{m}`", label, unit] + [counts.get((m, p), "") for p in periods]
            for m, label, unit in measures if any((m, p) in counts for p in periods)]
    return (["## Which years each measure has", "",
             "Number of areas (councils, regions and England) with a value, in any age band or "
             "client group; blank: no value that year.", ""]
            + _table(["measure", "label", "unit"] + periods, rows) + [""])


def series_breaks(connection) -> list[str]:
    rows = _rows(connection, "SELECT period, coalesce(measure_id, ''), coalesce(area_code, ''), kind, note "
                             "FROM all_series_breaks ORDER BY period, measure_id, area_code")
    return (["## Series breaks", "",
             "Values either side of a break are not comparable: charts never join a line across "
             "one. A measure break applies to every area; an area break (merger or split) starts "
             "a new series under the new code.", ""]
            + _table(["period", "measure", "area", "kind", "what changed"], [list(r) for r in rows]) + [""])


def quality_flags(connection) -> list[str]:
    rows = _rows(connection, "SELECT quality_flag, label, suppresses_comparison, explanation "
                             "FROM quality_flags ORDER BY rank")
    return (["## Quality flags", "",
             "quality_flag holds these codes, most serious first, separated by '; '; quality_note "
             "says the same in plain English. Read both before comparing or ranking a value.", ""]
            + _table(["code", "label", "never ranked against England", "meaning"],
                     [[f"`{code}`", label, "yes" if never else "no", meaning]
                      for code, label, never, meaning in rows]) + [""])


def sources(source_rows: list[dict]) -> list[str]:
    rows = []
    for s in source_rows:
        links = f"[publisher's page]({s['landing_page']})" if s.get("landing_page") else ""
        if s.get("file_url"):
            links += f", [file]({s['file_url']})"
        rows.append([s["source_id"], source_title(s), s["file_name"], links])
    return (["## Sources", "",
             "Every file the figures were loaded from; sources.csv has the same with each file's "
             "sha256 (a download from the file link with the same hash is the same file).", ""]
            + _table(["source_id", "publication", "file", "check it at"], rows) + [""])


def readme(connection: duckdb.DuckDBPyConnection, package: dict, source_rows: list[dict],
           citation_text: str) -> str:
    lines = [f"# {TITLE}: the whole dataset", "", INTRO]
    lines += column_dictionary(package) + coverage(connection) + series_breaks(connection)
    lines += quality_flags(connection) + sources(source_rows)
    lines += ["## Licence", "",
              f"Contains public sector information licensed under the {OGL['title']} "
              f"({OGL['path']}).", "",
              "## How to cite", "", "CITATION.cff has the citation in machine-readable form:", "",
              "```", citation_text.rstrip(), "```", ""]
    return "\n".join(lines)
