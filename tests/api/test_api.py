"""The researchers' API on the full real dataset: exact CSV text, JSON, errors, CSV safety,
and a property-based run against its own OpenAPI document."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from dashboards.api import COLUMNS, PARAMETERS, csv_and_json_rows, safe_text, to_csv

HEADER = ("area_code,area_name,area_type,region_code,period,measure_id,age_band,client_group,numerator,"
          "denominator,value,lower_95,upper_95,lower_998,upper_998,interval_method,value_status,note,"
          "quality_flag,quality_note,source_id,source_kind,source_file,source_sheet,value_cell,numerator_cell,"
          "denominator_cell")
# DHSC's note 15 on every 2024-25 self-directed support figure, as the rows carry it.
NOTE_15 = ('"DHSC, ASCOF 2024-25 note 15: the first figures from client level data fall below the near-100% '
           'expected for many councils, likely because of data quality rather than practice; DHSC leaves them '
           'out of its commentary because comparisons are not meaningful."')


def test_observations_csv_exact_text_for_a_council_its_region_and_england(client):
    response = client.get("/api/v1/observations.csv?measure=sds_users&period=2024-25"
                          "&area=E06000005&area=E12000001&area=E92000001")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    source = "ascof_2024_25,official_with_counts,ascof_2024_25.ods,Table_3d(1a)"
    assert response.data.decode() == "\n".join([
        HEADER,
        "E92000001,England,country,,2024-25,sds_users,all,all,395670,480105,82.4,82.3052738264415,"
        f"82.5206516979263,82.2427868950992,82.5823679145143,wilson,published,,not_comparable_between_councils,"
        f"{NOTE_15},{source},F8,D8,E8",
        "E12000001,North East,region,E12000001,2024-25,sds_users,all,all,23750,26790,88.6,88.2671250984525,"
        f"89.0267561534355,88.039831444071,89.23758686629,wilson,published,,not_comparable_between_councils,"
        f"{NOTE_15},{source},F17,D17,E17",
        "E06000005,Darlington,council,E12000001,2024-25,sds_users,all,all,790,825,95.8,94.1570459589696,"
        f"96.933957267901,93.0152683364469,97.4526988359536,wilson,published,,not_comparable_between_councils,"
        f"{NOTE_15},{source},F34,D34,E34", ""])


def test_the_api_row_for_gateshead_2024_25_carries_its_flags_and_note(client):
    """Gateshead reported self-directed support equal to direct payments (22.2%): the row says
    so in codes and in words, in CSV and in JSON."""
    query = "?area=E08000037&measure=sds_users&period=2024-25"
    rows = pd.read_csv(io.StringIO(client.get("/api/v1/observations.csv" + query).data.decode()))
    assert len(rows) == 1
    gateshead = rows.iloc[0]
    assert (gateshead["area_name"], gateshead["value"]) == ("Gateshead", 22.2)
    assert gateshead["quality_flag"] == "not_comparable_between_councils; sds_equals_dp"
    assert "Reported self-directed support (22.2%) equals direct payments (22.2%)" in gateshead["quality_note"]
    assert gateshead["source_kind"] == "official_with_counts"
    row = client.get("/api/v1/observations.json" + query).get_json()["rows"][0]
    assert "sds_equals_dp" in row["quality_flag"].split("; ")
    assert row["quality_note"] == gateshead["quality_note"]


def test_observations_csv_exact_text_for_rap_era_counts_by_client_group(client):
    response = client.get("/api/v1/observations.csv?measure=dp_recipients&period=2011-12&area=E06000005"
                          "&age_band=18-64")
    source = ("final_council_level_activity_data_2011_12,official_with_counts,"
              "Final_Council_Level_Activity_Data_2011_12.csv,")
    assert response.data.decode() == "\n".join([
        HEADER,
        f"E06000005,Darlington,council,E12000001,2011-12,dp_recipients,18-64,all,,,245,,,,,,published,,,,{source},V19,,",
        f"E06000005,Darlington,council,E12000001,2011-12,dp_recipients,18-64,learning_disability,,,135,,,,,,published,,,,{source},U19,,",
        f"E06000005,Darlington,council,E12000001,2011-12,dp_recipients,18-64,mental_health,,,15,,,,,,published,,,,{source},R19,,",
        f"E06000005,Darlington,council,E12000001,2011-12,dp_recipients,18-64,physical,,,95,,,,,,published,,,,{source},O19,,",
        ""])


def test_observations_json_echoes_the_query_and_keeps_column_order(client):
    response = client.get("/api/v1/observations.json?measure=sds_users&period=2011-12&region=E12000001"
                          "&age_band=18-64&client_group=mental_health")
    body = response.get_json()
    assert body["query"] == {"measure": ["sds_users"], "period": ["2011-12"], "region": ["E12000001"],
                             "age_band": ["18-64"], "client_group": ["mental_health"]}
    assert body["count"] == 13 and body["licence"] == "Open Government Licence v3.0"
    first = body["rows"][0]
    assert list(first)[:4] == ["area_code", "area_name", "area_type", "region_code"]
    assert (first["area_name"], first["value"], first["numerator"]) == ("North East", 15.3, 995)
    darlington = next(r for r in body["rows"] if r["area_code"] == "E06000005")
    assert darlington["value"] == 19.0 and darlington["note"].startswith("Published 19% is further")


@pytest.mark.parametrize("query, status, message, valid_contains", [
    ("colour=red", 400, "Unknown parameter: colour.", "measure"),
    ("measure=nope", 400, "Unknown value for measure: 'nope'.", "sds_users"),
    ("period=2011&period=2099-00", 400, "Unknown values for period: '2011', '2099-00'.", "2011-12"),
    ("area=E06000005';DROP TABLE facts;--", 400, "Unknown value for area:", "E06000005"),
    ("bom=maybe", 400, "Parameter bom must be true or false.", "true"),
])
def test_bad_requests_get_400_listing_valid_choices(client, query, status, message, valid_contains):
    response = client.get("/api/v1/observations.csv?" + query)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"].startswith(message) and valid_contains in body["valid"]


def test_listing_endpoints(client):
    # 170 areas, and the 12 codes recoded councils had before (Buckinghamshire's E10000002...),
    # listed as former codes whose figures are under their successors'.
    areas = client.get("/api/v1/areas.json").get_json()["areas"]
    assert len(areas) == 182 and sum(a["code_status"] == "former_code" for a in areas) == 12
    assert client.get("/api/v1/sources.json").get_json()["count"] == 25
    flags = client.get("/api/v1/quality_flags.json").get_json()
    assert [f["quality_flag"] for f in flags["quality_flags"]] == [
        "not_comparable_between_councils", "sds_equals_dp", "derived_from_suppressed", "beyond_rounding",
        "small_rounded_counts", "estimate", "voluntary_survey_year"]
    sds_equals_dp = flags["quality_flags"][1]
    assert sds_equals_dp["suppresses_comparison"] is True and sds_equals_dp["explanation"].startswith(
        "The council reported exactly as many people with self-directed support as with direct payments.")
    measures = {m["measure_id"]: m for m in client.get("/api/v1/measures.json").get_json()["measures"]}
    assert measures["sds_users"]["unit"] == "percent"
    periods = {p["period"]: p["measures"] for p in client.get("/api/v1/periods.json").get_json()["periods"]}
    assert "sds_users" in periods["2024-25"] and "dp_recipients" in periods["2008-09"]
    assert client.get("/api/v1/areas.json?x=1").status_code == 400


def test_csv_neutralises_formulas_in_text_but_not_numbers():
    frame = pd.DataFrame({"area_name": ["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "\tTab", "Plain"],
                          "value": [-1.5, 2.0, 3.25, None, 4.0]})
    lines = to_csv(frame).splitlines()
    assert lines[1:] == ['"\'=HYPERLINK(""http://x"")",-1.5', "'+1,2", "'@SUM(A1),3.25", "'\tTab,", "Plain,4"]
    assert safe_text("-x") == "'-x" and safe_text(None) == ""
    assert to_csv(frame, bom=True).startswith("\ufeffarea_name,value")


def test_csv_neutralises_formulas_in_the_caveat_columns_too():
    """A note or flag that starts like a formula is quoted in the cached per-row CSV text, as
    in to_csv: the caveat columns are text like any other."""
    row = {column: None for column in COLUMNS}
    row.update(area_code="E06000005", value=12.5, note="-2 suppressed cells", quality_flag="=cmd|' /C calc'!A0",
               quality_note="@SUM(1+1) is not a caveat", source_kind="+official")
    csv_rows, json_rows = csv_and_json_rows(pd.DataFrame([row], columns=COLUMNS))
    fields = next(csv.reader(io.StringIO(csv_rows[0])))
    by_name = dict(zip(COLUMNS, fields))
    assert by_name["note"] == "'-2 suppressed cells"
    assert by_name["quality_flag"] == "'=cmd|' /C calc'!A0"
    assert by_name["quality_note"] == "'@SUM(1+1) is not a caveat"
    assert by_name["source_kind"] == "'+official" and by_name["value"] == "12.5"
    assert csv_rows[0] == to_csv(pd.DataFrame([row], columns=COLUMNS)).split("\n", 1)[1]
    # JSON is data, not a spreadsheet: the text stays as it is.
    assert json.loads(json_rows[0])["quality_flag"] == "=cmd|' /C calc'!A0"


def test_bom_option_for_excel(client):
    body = client.get("/api/v1/observations.csv?measure=sds_users&period=2024-25&area=E06000005&bom=true").data
    assert body.startswith("\ufeff".encode()) and b"Darlington" in body


def test_openapi_document_describes_every_parameter(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/observations.csv"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [p.name for p in PARAMETERS]
    measure = next(p for p in parameters if p["name"] == "measure")
    assert "sds_users" in measure["schema"]["items"]["enum"]
    assert set(document["paths"]) == {f"/api/v1/{n}" for n in (
        "observations.csv", "observations.json", "measures.json", "areas.json", "periods.json", "sources.json",
        "quality_flags.json")}
    row = (document["paths"]["/api/v1/observations.json"]["get"]["responses"]["200"]["content"]
           ["application/json"]["schema"]["properties"]["rows"]["items"])
    assert list(row["properties"]) == COLUMNS
    assert row["properties"]["quality_flag"]["type"] == ["string", "null"]
    assert "sds_equals_dp" in row["properties"]["quality_flag"]["description"]
    assert "official_with_counts, published_without_counts, derived" in row["properties"]["source_kind"]["description"]


def test_no_request_the_openapi_document_allows_gets_a_server_error(app):
    """Schemathesis against the API's own OpenAPI document: status codes, content types and
    bodies conform to it, and nothing answers 5xx. (Driven with Hypothesis directly: the
    schemathesis pytest plugin does not run on pytest 9.)"""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app.server)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def conforms(case):
            # The WSGI transport does not undo Content-Encoding, so ask for the body as is;
            # compression itself is tested in tests/serving.
            response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
            assert response.status_code < 500

        conforms()
