"""The whole dataset as one zip: tidy CSV and Parquet (with quality flags), every source's
value, the flags' meanings, metadata JSON, a README and a citation.

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

FIXED_TIME = (2000, 1, 1, 0, 0, 0)   # zip member times, so the bundle is reproducible
LICENCE = "Open Government Licence v3.0"
COLUMNS = ("area_code, area_name, area_type, region_code, period, measure_id, age_band, client_group, "
           "numerator, denominator, value, lower_95, upper_95, lower_998, upper_998, interval_method, "
           "value_status, note, quality_flag, quality_note, source_id, source_kind, source_file, source_sheet, "
           "value_cell, numerator_cell, denominator_cell")
ORDER = "measure_id, period, age_band, client_group, area_type = 'council', area_type = 'region', area_code"
# Every source's value, the one shown first for each grain.
ALL_COLUMNS = ("area_code, area_name, area_type, period, measure_id, age_band, client_group, numerator, "
               "denominator, value, value_status, note, quality_flag, quality_note, source_id, source_kind, "
               "precedence, preferred, source_file, source_sheet, source_row, value_cell, numerator_cell, "
               "denominator_cell")
ALL_ORDER = ORDER + ", preferred DESC, precedence, source_id, source_file, source_row"

README = """# Self-directed support uptake in England: the whole dataset

Files:
- observations.csv: one row per area x period x measure x breakdown (UTF-8, comma separated),
  with codes beside names, 95% and 99.8% intervals, the value's status, note and quality
  flags, and the source file, sheet and cells it came from.
  Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
  carriage return) start with a quote ('), as in the API; observations.parquet keeps the text
  as published.
- observations.parquet: the same table, typed.
- observations_all.csv: every source's value for each row, the one in observations.csv
  (preferred = true) and the others, with source_kind and precedence.
- quality_flags.csv: what each quality_flag code means, most serious first.
- metadata.json: measures (definitions, units, polarity), series breaks, quality flags,
  source precedence, client-group crosswalk, and every source publication with its sha256,
  publisher and licence.
- CITATION.cff: how to cite this dataset.

value_status: published (as printed), derived (computed from published counts), suppressed,
not_applicable, missing. Intervals are Wilson score intervals for percentages (approximate
where counts were rounded to the nearest 5) and exact Poisson intervals for rates.

Quality flags: quality_flag is empty or holds codes separated by "; ", most serious first
(e.g. sds_equals_dp: a council reported self-directed support equal to direct payments, a
reporting artefact); quality_note says the same in plain English. Read both before comparing
or ranking a value: some flags mean it must not be compared with England or other councils.

Precedence: where several sources give the same figure, observations.csv shows one chosen by
source_kind: official file with counts, then published value without counts, then derived
here. observations_all.csv keeps the others for checking.

Contains public sector information licensed under the Open Government Licence v3.0.
"""


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
        "sources": _rows(connection, "SELECT * FROM sources ORDER BY source_id"),
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
    query = f"SELECT {COLUMNS} FROM observations ORDER BY {ORDER}"
    meta = metadata(connection)
    with tempfile.TemporaryDirectory() as folder:
        parquet = _parquet(connection, query, Path(folder))
    members = [
        ("README.md", README.encode()),
        ("observations.csv", _csv(connection, query)),
        ("observations.parquet", parquet),
        ("observations_all.csv", _csv(connection, f"SELECT {ALL_COLUMNS} FROM observations_all ORDER BY {ALL_ORDER}")),
        ("quality_flags.csv", _csv(connection, "SELECT * FROM quality_flags ORDER BY rank")),
        ("metadata.json", json.dumps(meta, indent=2, default=str).encode()),
        ("CITATION.cff", citation(meta["build_id"]).encode())]
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
