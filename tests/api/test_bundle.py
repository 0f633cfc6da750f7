"""The whole-dataset bundle: same bytes from the command line and the server, and complete."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import duckdb
import pandas as pd

from dashboards import create_app

from ..conftest import PROJECT


def test_bundle_from_the_command_line_and_the_server_is_the_same_complete_zip(full_db, tmp_path):
    db_path = full_db[0]
    out = tmp_path / "bundle.zip"
    result = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(db_path), "--out", str(out)],
                            capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    served = create_app(db_path).server.test_client().get("/download/uptake-data.zip")
    assert served.status_code == 200 and served.mimetype == "application/zip"
    assert served.data == out.read_bytes()          # deterministic: same build, same bytes
    archive = zipfile.ZipFile(io.BytesIO(served.data))
    assert archive.namelist() == ["README.md", "observations.csv", "observations.parquet",
                                  "metadata.json", "CITATION.cff"]
    table = pd.read_csv(archive.open("observations.csv"))
    parquet_path = tmp_path / "observations.parquet"
    parquet_path.write_bytes(archive.read("observations.parquet"))
    parquet_rows = duckdb.connect().execute(f"SELECT count(*) FROM '{parquet_path}'").fetchone()[0]
    assert len(table) == parquet_rows > 20000
    darlington = table[(table.area_code == "E06000005") & (table.period == "2024-25") &
                       (table.measure_id == "sds_users") & (table.age_band == "all")].iloc[0]
    assert (darlington["value"], darlington["numerator"], darlington["denominator"]) == (95.8, 790, 825)
    meta = json.loads(archive.read("metadata.json"))
    assert len(meta["sources"]) == 20 and all(len(s["sha256"]) == 64 for s in meta["sources"])
    assert any(b["note"].startswith("From 2024-25 ASCOF 3D(1a)") for b in meta["series_breaks"])
    assert {m["measure_id"] for m in meta["measures"]} >= {"sds_users", "dp_users", "dp_recipients"}
    assert b"Open Government Licence v3.0" in archive.read("README.md")
    assert b"cff-version: 1.2.0" in archive.read("CITATION.cff")
