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
    assert about["Method"].startswith("Bars show each council's value with its 95% confidence interval")
    assert about["Query URL"].endswith("/" + QUERY)
    assert len(about["Build"].split(",")[0]) == 16 and ", built " in about["Build"]
    assert about["Description"].startswith("Bar chart of adults receiving self-directed support")
    assert about["Downloaded"].endswith("UTC")


def test_an_unknown_download_is_a_404_listing_the_valid_ones(bundled_db):
    response = create_app(bundled_db).server.test_client().get("/download/secret.csv")
    assert response.status_code == 404 and "compare.csv" in response.get_json()["valid"]
    client = create_app(bundled_db).server.test_client()
    for path in ("/download/../etc/passwd", "/download/..%2F..%2Fetc%2Fpasswd.csv", "/download/compare.csv%00.xlsx"):
        response = client.get(path)
        assert b"root:" not in response.data and response.status_code in (200, 404), path
