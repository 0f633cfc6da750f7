"""Chart downloads: exactly the rows shown, as CSV or as xlsx with a sheet describing them."""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from dashboards import create_app

QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"


def test_compare_csv_is_the_rows_the_table_shows(bundled_db):
    client = create_app(bundled_db).server.test_client()
    response = client.get("/download/compare.csv" + QUERY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = pd.read_csv(io.StringIO(response.data.decode()))
    assert len(rows) == 14                                    # 12 councils, the region, England
    assert set(rows["area_type"]) == {"council", "region", "country"}
    darlington = rows[rows["area_code"] == "E06000005"].iloc[0]
    assert (darlington["value"], darlington["numerator"], darlington["denominator"]) == (19.0, 70, 395)
    assert darlington["note"].startswith("Published 19% is further from the counts' ratio")
    assert list(rows.columns[:4]) == ["area_code", "area_name", "area_type", "region_code"]


def test_compare_xlsx_has_the_data_and_a_sheet_describing_it(bundled_db):
    client = create_app(bundled_db).server.test_client()
    response = client.get("/download/compare.xlsx" + QUERY)
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["data", "about"]
    data = list(workbook["data"].values)
    assert len(data) == 15 and data[0][:2] == ("area_code", "area_name")
    about = dict(workbook["about"].values)
    assert about["Title"] == ("Adults receiving self-directed support: Adults aged 18-64, mental health, 2011-12, "
                              "councils in North East")
    assert about["Source"].startswith("Adult Social Care Outcomes Framework - England, 2011-12, Final")
    assert about["Licence"] == "Open Government Licence v3.0"
    assert about["Caveat 1"] == ("\u26a0 Differs from its own counts (Darlington): The published figure is further "
                                 "from its own counts (17.7%) than rounding can explain; shown as published.")
    assert "Caveat 2" not in about
    assert about["Method"].startswith("Bars show each area's value with its 95% confidence interval")
    assert about["Query URL"].endswith("/" + QUERY)
    assert len(about["Build"].split(",")[0]) == 16 and ", built " in about["Build"]
    assert about["Description"].startswith("Bar chart of adults receiving self-directed support")
    assert about["Downloaded"].endswith("UTC")


def test_compare_downloads_carry_gatesheads_2024_25_flag_and_the_charts_caveats(full_db):
    client = create_app(full_db[0]).server.test_client()
    query = "?measure=sds_users&period=2024-25"
    rows = pd.read_csv(io.StringIO(client.get("/download/compare.csv" + query).data.decode()))
    assert list(rows.columns[17:22]) == ["note", "quality_flag", "quality_note", "source_id", "source_kind"]
    gateshead = rows[rows["area_code"] == "E08000037"].iloc[0]
    assert gateshead["value"] == 22.2
    assert "sds_equals_dp" in gateshead["quality_flag"].split("; ")
    assert "equals direct payments (22.2%)" in gateshead["quality_note"]
    # Every 2024-25 value carries DHSC's note 15, England's included (a council that did not
    # report has a row without a value, and so without a flag).
    valued = rows.dropna(subset=["value"])
    assert len(valued) == 153 and valued["quality_flag"].str.contains("not_comparable_between_councils").all()

    workbook = load_workbook(io.BytesIO(client.get("/download/compare.xlsx" + query).data))
    data = list(workbook["data"].values)
    header = data[0]
    gateshead_cells = dict(zip(header, next(r for r in data if r[0] == "E08000037")))
    assert "sds_equals_dp" in gateshead_cells["quality_flag"] and gateshead_cells["quality_note"]
    about = list(workbook["about"].values)
    caveats = [value for field, value in about if field.startswith("Caveat ")]
    assert [field for field, _ in about if field.startswith("Caveat")] == ["Caveat 1", "Caveat 2", "Caveat 3"]
    assert caveats[0].startswith("\u26a0 Not comparable between councils (")
    assert caveats[1].startswith("\u26a0 Self-directed support reported equal to direct payments (")
    assert "Gateshead" in caveats[1] and "more)" not in caveats[1]    # all 23 councils named
    assert caveats[2].startswith("Series break in 2024-25: From 2024-25 ASCOF 3D(1a)")
    # In the region, Gateshead is named.
    about = dict(load_workbook(io.BytesIO(client.get(
        "/download/compare.xlsx" + query + "&scope=region&region=E12000001").data))["about"].values)
    assert about["Caveat 2"].startswith(
        "\u26a0 Self-directed support reported equal to direct payments (South Tyneside, Gateshead)")


def test_a_chart_without_caveats_says_so_in_its_xlsx(full_db):
    client = create_app(full_db[0]).server.test_client()
    about = dict(load_workbook(io.BytesIO(client.get(
        "/download/compare.xlsx?measure=dp_users&period=2016-17&scope=region&region=E12000001").data))["about"].values)
    assert about["Caveats"] == "None for the values shown."


def test_an_unknown_download_is_a_404_listing_the_valid_ones(bundled_db):
    response = create_app(bundled_db).server.test_client().get("/download/secret.csv")
    assert response.status_code == 404 and "compare.csv" in response.get_json()["valid"]
    client = create_app(bundled_db).server.test_client()
    for path in ("/download/../etc/passwd", "/download/..%2F..%2Fetc%2Fpasswd.csv", "/download/compare.csv%00.xlsx"):
        response = client.get(path)
        assert b"root:" not in response.data and response.status_code in (200, 404), path
