"""The whole dataset as one zip: tidy CSV and Parquet (with quality flags), every source's
value, areas, measures, sources with their links, the flags' meanings, a Frictionless
datapackage.json, metadata JSON, a README written from the warehouse and a citation.

`python -m etl export [--db PATH] [--out FILE]`; the dashboard serves the same bundle at
/download/uptake-data.zip. Deterministic for a given database: fixed member timestamps and
order, so the same build always gives the same bytes.

bundle_bytes reads from a connection it is given: the server passes one on the build it is
serving, from its warehouse (dashboards/db.py), and never opens the file here; only the
command line, in its own process, opens the file itself (write_bundle). The CSVs are written
by the same function as the API's (dashboards/csv_safety.py), so a text cell that starts like
a spreadsheet formula is made safe the same way.
"""
from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import duckdb

from dashboards.csv_safety import to_csv

from .bundle_readme import readme
from .datapackage import descriptor

FIXED_TIME = (2000, 1, 1, 0, 0, 0)   # zip member times, so the bundle is reproducible
LICENCE = "Open Government Licence v3.0"
# A downloaded file names a source file as the publisher named it, never by the folder it was
# read from on the server that built the data (raw/downloaded/..., a mirror's path).
PUBLIC_FILE = "regexp_extract({}, '[^/]+$')"
COLUMNS = ("area_code, area_name, area_type, region_code, period, measure_id, age_band, client_group, "
           "numerator, denominator, value, lower_95, upper_95, lower_998, upper_998, interval_method, "
           "value_status, note, quality_flag, quality_note, source_id, source_kind, {public_file} AS source_file, "
           "source_sheet, value_cell, numerator_cell, denominator_cell").format(public_file=PUBLIC_FILE.format("source_file"))
ORDER = "measure_id, period, age_band, client_group, area_type = 'council', area_type = 'region', area_code"
# Every source's value, the one shown first for each grain.
ALL_COLUMNS = ("area_code, area_name, area_type, period, measure_id, age_band, client_group, numerator, "
               "denominator, value, value_status, note, quality_flag, quality_note, source_id, source_kind, "
               "precedence, preferred, {public_file} AS source_file, source_sheet, source_row, value_cell, numerator_cell, "
               "denominator_cell").format(public_file=PUBLIC_FILE.format("source_file"))
ALL_ORDER = ORDER + ", preferred DESC, precedence, source_id, source_file, source_row"


def _rows(connection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def metadata(connection: duckdb.DuckDBPyConnection) -> dict:
    build = dict(connection.execute("SELECT key, value FROM build_info").fetchall())
    return {
        "title": "Self-directed support and direct payment uptake in English adult social care",
        "licence": LICENCE, "build_id": build.get("build_id"),
        "measures": _rows(connection, "SELECT * FROM measures ORDER BY measure_id"),
        "series_breaks": _rows(connection, "SELECT * FROM all_series_breaks ORDER BY period, measure_id, area_code"),
        "quality_flags": _rows(connection, "SELECT * FROM quality_flags ORDER BY rank"),
        "source_precedence": _rows(connection, "SELECT * FROM source_precedence ORDER BY precedence"),
        "client_group_crosswalk": _rows(connection, "SELECT * FROM client_groups ORDER BY scheme, source_label"),
        "sources": _rows(connection, SOURCES_QUERY),
    }


SOURCE_COLUMNS = ("source_id, title, publisher, cites, period, licence, landing_page, file_url, link_basis, "
                  f"{PUBLIC_FILE.format('file_name')} AS file_name, sha256, rows_loaded, source_kind, "
                  "layout_id, transcription")
SOURCES_QUERY = f"SELECT {SOURCE_COLUMNS} FROM sources ORDER BY source_id"


def table_queries() -> dict[str, str]:
    """The query behind each CSV of the bundle, by datapackage resource name."""
    return {
        "observations": f"SELECT {COLUMNS} FROM observations ORDER BY {ORDER}",
        "observations_all": f"SELECT {ALL_COLUMNS} FROM observations_all ORDER BY {ALL_ORDER}",
        "areas": "SELECT * FROM areas ORDER BY area_type <> 'country', area_type <> 'region', area_code",
        "measures": "SELECT * FROM measures ORDER BY measure_id",
        "sources": SOURCES_QUERY,
        "quality_flags": "SELECT * FROM quality_flags ORDER BY rank",
    }


def citation(build_id: str | None) -> str:
    return ("cff-version: 1.2.0\n"
            "message: If you use this dataset, please cite it as below, and the publications in metadata.json.\n"
            "title: Self-directed support and direct payment uptake in English adult social care\n"
            "type: dataset\n"
            f"version: \"{build_id or 'unknown'}\"\n"
            f"license-url: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/\n"
            "authors:\n  - name: The self-directed support uptake dashboard project\n")


def _csv(connection, query: str) -> bytes:
    return to_csv(connection.execute(query).fetch_df()).encode("utf-8")


def _parquet(connection, query: str, folder: Path) -> bytes:
    path = folder / "observations.parquet"
    # COPY takes no parameter for its target; the path is our own temporary folder's.
    connection.execute(f"COPY ({query}) TO '{path}' (FORMAT PARQUET)")
    return path.read_bytes()


def bundle_bytes(connection: duckdb.DuckDBPyConnection) -> bytes:
    """The zip, from an open connection to one build."""
    queries = table_queries()
    meta = metadata(connection)
    with tempfile.TemporaryDirectory() as folder:
        parquet = _parquet(connection, queries["observations"], Path(folder))
    tables = {f"{name}.csv": _csv(connection, query) for name, query in queries.items()}
    package = descriptor(connection, queries, tables, meta["sources"], meta["build_id"])
    cite = citation(meta["build_id"])
    members = [
        ("README.md", readme(connection, package, meta["sources"], cite).encode()),
        ("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False).encode()),
        ("observations.csv", tables["observations.csv"]),
        ("observations.parquet", parquet),
        ("observations_all.csv", tables["observations_all.csv"]),
        ("areas.csv", tables["areas.csv"]),
        ("measures.csv", tables["measures.csv"]),
        ("sources.csv", tables["sources.csv"]),
        ("quality_flags.csv", tables["quality_flags.csv"]),
        ("metadata.json", json.dumps(meta, indent=2, default=str).encode()),
        ("CITATION.cff", cite.encode())]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_bundle(db_path: Path, out: Path) -> Path:
    """The command line's export: its own read-only connection, in its own process (the
    server reads through its warehouse instead; see the module's docstring)."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        data = bundle_bytes(connection)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
