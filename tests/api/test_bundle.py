"""The whole-dataset bundle: same bytes from the command line and the server, complete, and
safe to open in a spreadsheet."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile

import duckdb
import pandas as pd

from dashboards import create_app
from etl.build import build

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
    assert archive.namelist() == ["README.md", "datapackage.json", "observations.csv", "observations.parquet",
                                  "observations_all.csv", "areas.csv", "measures.csv", "sources.csv",
                                  "quality_flags.csv", "metadata.json", "CITATION.cff"]
    table = pd.read_csv(archive.open("observations.csv"))
    parquet_path = tmp_path / "observations.parquet"
    parquet_path.write_bytes(archive.read("observations.parquet"))
    parquet_rows = duckdb.connect().execute(f"SELECT count(*) FROM '{parquet_path}'").fetchone()[0]
    assert len(table) == parquet_rows > 20000
    darlington = table[(table.area_code == "E06000005") & (table.period == "2024-25") &
                       (table.measure_id == "sds_users") & (table.age_band == "all")].iloc[0]
    assert (darlington["value"], darlington["numerator"], darlington["denominator"]) == (95.8, 790, 825)
    meta = json.loads(archive.read("metadata.json"))
    assert len(meta["sources"]) == 25 and all(len(s["sha256"]) == 64 for s in meta["sources"])
    assert any(b["note"].startswith("From 2024-25 ASCOF 3D(1a)") for b in meta["series_breaks"])
    assert {m["measure_id"] for m in meta["measures"]} >= {"sds_users", "dp_users", "dp_recipients"}
    assert [k["source_kind"] for k in meta["source_precedence"]] == [
        "official_with_counts", "published_without_counts", "derived"]
    assert "sds_equals_dp" in {f["quality_flag"] for f in meta["quality_flags"]}
    readme = archive.read("README.md").decode()
    assert "Open Government Licence v3.0" in readme
    assert "quality_flag" in readme and "sds_equals_dp" in readme and "observations_all.csv" in readme
    assert "official file with counts, then published value without counts, then derived" in readme
    assert b"cff-version: 1.2.0" in archive.read("CITATION.cff")


def test_the_bundle_carries_each_values_flags_every_sources_value_and_what_the_flags_mean(full_db):
    archive = zipfile.ZipFile(io.BytesIO(create_app(full_db[0]).server.test_client()
                                         .get("/download/uptake-data.zip").data))
    table = pd.read_csv(archive.open("observations.csv"), keep_default_na=False, dtype=str)
    assert list(table.columns[17:22]) == ["note", "quality_flag", "quality_note", "source_id", "source_kind"]
    gateshead = table[(table.area_code == "E08000037") & (table.period == "2024-25") &
                      (table.measure_id == "sds_users") & (table.age_band == "all") & (table.client_group == "all")]
    assert len(gateshead) == 1
    assert gateshead.iloc[0]["quality_flag"] == "not_comparable_between_councils; sds_equals_dp"
    assert "equals direct payments (22.2%)" in gateshead.iloc[0]["quality_note"]

    every = pd.read_csv(archive.open("observations_all.csv"), keep_default_na=False, dtype=str)
    assert {"source_kind", "precedence", "preferred"} <= set(every.columns)
    assert len(every) > len(table)
    # Exactly one preferred value per grain, and it is the one observations.csv shows.
    grain = ["area_code", "period", "measure_id", "age_band", "client_group"]
    preferred = every[every.preferred == "true"]
    assert not preferred.duplicated(grain).any() and len(preferred) == len(table)
    shown = preferred.merge(table[grain + ["source_id", "value"]], on=grain, suffixes=("", "_shown"))
    assert len(shown) == len(table) and (shown.source_id == shown.source_id_shown).all()
    # Where an official file and an analyst's stack both give a figure, both are kept, the
    # official one preferred.
    darlington = every[(every.area_code == "E06000005") & (every.period == "2017-18") &
                       (every.measure_id == "sds_users") & (every.age_band == "all") & (every.client_group == "all")]
    assert list(darlington.source_kind) == ["official_with_counts", "published_without_counts"]
    assert list(darlington.preferred) == ["true", "false"] and list(darlington.precedence) == ["1", "2"]

    flags = pd.read_csv(archive.open("quality_flags.csv"))
    assert list(flags.columns) == ["quality_flag", "rank", "label", "suppresses_comparison", "explanation"]
    assert list(flags["rank"]) == sorted(flags["rank"]) and "sds_equals_dp" in set(flags.quality_flag)


# A publication named like a formula: the analyst template heads each row's note with its
# publication, so the note starts with it.
FORMULA = '=HYPERLINK("http://evil.example/x","Councils\' reports")'


def test_the_bundles_csvs_neutralise_a_formula_note_exactly_as_the_api_does(raw_copy, tmp_path):
    """A note that a spreadsheet would run (from a real bundled file, edited) starts with a
    quote in the bundle's CSVs, as in the API's CSV: one function makes both. The Parquet file
    is typed data for programs, not spreadsheets, and keeps the note as published."""
    figures = raw_copy / "report2013_survey_figures.csv"
    row = ",2010-11,England,pb_eligible,all,all,"
    publication = "Councils' reports March 2011"
    assert publication + row in figures.read_text()
    figures.write_text(figures.read_text().replace(publication + row, '"' + FORMULA.replace('"', '""') + '"' + row))
    db_path = tmp_path / "uptake.duckdb"
    build([raw_copy], db_path)
    client = create_app(db_path).server.test_client()
    bundle = client.get("/download/uptake-data.zip")
    assert bundle.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(bundle.data))
    wanted = dict(area_code="E92000001", period="2010-11", measure_id="pb_eligible")
    parquet = tmp_path / "observations.parquet"
    parquet.write_bytes(archive.read("observations.parquet"))
    [(published,)] = duckdb.connect().execute(
        f"SELECT note FROM '{parquet}' WHERE area_code = ? AND period = ? AND measure_id = ?",
        list(wanted.values())).fetchall()
    assert published.startswith(FORMULA + ". Councils reported 30%")

    def notes(text: str) -> list[str]:
        rows = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
        return list(rows[(rows.area_code == wanted["area_code"]) & (rows.period == wanted["period"])
                         & (rows.measure_id == wanted["measure_id"])]["note"])
    assert notes(archive.read("observations.csv").decode()) == ["'" + published]
    assert notes(archive.read("observations_all.csv").decode()) == ["'" + published]
    assert notes(client.get("/api/v1/observations.csv?area=E92000001&period=2010-11&measure=pb_eligible")
                 .get_data(as_text=True)) == ["'" + published]
    for member in ("observations.csv", "observations_all.csv"):    # no cell of the CSVs starts with it
        assert not re.search(r'(^|,)"?=HYPERLINK', archive.read(member).decode(), re.M), member
    # The command line writes the same bytes from the same build.
    out = tmp_path / "bundle.zip"
    result = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(db_path), "--out", str(out)],
                            capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == bundle.data
