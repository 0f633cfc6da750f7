"""The area_type filter, areas.json's links between old and new codes, and the caveat columns,
on the full real dataset."""
from __future__ import annotations

import io

import pandas as pd


def test_areas_json_links_buckinghamshires_two_codes_both_ways(client):
    areas = {a["area_code"]: a for a in client.get("/api/v1/areas.json").get_json()["areas"]}
    county, unitary = areas["E10000002"], areas["E06000060"]
    assert (county["area_name"], county["code_status"], county["cassr_code"], county["last_period"]) == (
        "Buckinghamshire", "former_code", "612", "2019-20")
    assert county["observations_under"] == "E06000060"
    assert [(s["area_code"], s["effective_date"], s["kind"]) for s in county["successors"]] == [
        ("E06000060", "2020-04-01", "recode")]
    assert [(p["area_code"], p["effective_date"], p["kind"]) for p in unitary["predecessors"]] == [
        ("E10000002", "2020-04-01", "recode")]
    assert unitary["successors"] == [] and unitary["code_status"] == "current"
    for old, new, date in (("E10000023", "E06000065", "2023-04-01"), ("E10000027", "E06000066", "2023-04-01")):
        assert [(s["area_code"], s["effective_date"]) for s in areas[old]["successors"]] == [(new, date)]
        assert [(p["area_code"], p["effective_date"]) for p in areas[new]["predecessors"]] == [(old, date)]


def test_a_chain_of_recodes_points_at_the_code_that_holds_the_figures(client):
    areas = {a["area_code"]: a for a in client.get("/api/v1/areas.json").get_json()["areas"]}
    # Northumberland: county E10000022 -> unitary E06000048 (2009) -> E06000057 (2013).
    assert areas["E10000022"]["observations_under"] == "E06000057"
    assert [s["area_code"] for s in areas["E06000048"]["successors"]] == ["E06000057"]
    # A split links the abolished council to both successors, and each back to it.
    cumbria = areas["E10000006"]
    assert cumbria["code_status"] == "abolished" and cumbria["observations_under"] == "E10000006"
    assert sorted(s["area_code"] for s in cumbria["successors"]) == ["E06000063", "E06000064"]
    assert [p["area_code"] for p in areas["E06000063"]["predecessors"]] == ["E10000006"]


def test_areas_json_filters_by_area_type(client):
    regions = client.get("/api/v1/areas.json?area_type=region").get_json()
    assert regions["count"] == 9 and {a["area_type"] for a in regions["areas"]} == {"region"}
    england = client.get("/api/v1/areas.json?area_type=country").get_json()["areas"]
    assert [a["area_code"] for a in england] == ["E92000001"]
    both = client.get("/api/v1/areas.json?area_type=region&area_type=country").get_json()
    assert both["count"] == 10


def test_observations_filter_by_area_type_in_csv_and_json(client):
    query = "measure=sds_users&period=2024-25&age_band=all&client_group=all"
    rows = pd.read_csv(io.StringIO(client.get(f"/api/v1/observations.csv?{query}&area_type=region").data.decode()))
    assert list(rows["area_code"]) == [f"E1200000{n}" for n in range(1, 10)]
    assert rows.loc[rows["area_code"] == "E12000001", "value"].item() == 88.6
    body = client.get(f"/api/v1/observations.json?{query}&area_type=country&area_type=region").get_json()
    assert body["query"]["area_type"] == ["country", "region"]
    assert [r["area_code"] for r in body["rows"]][:2] == ["E92000001", "E12000001"] and body["count"] == 10
    councils = client.get(f"/api/v1/observations.json?{query}&area_type=council").get_json()
    assert councils["count"] == 153 and {r["area_type"] for r in councils["rows"]} == {"council"}


def test_a_bad_area_type_gets_400_naming_the_parameter_and_the_valid_values(client):
    for path in ("observations.csv", "observations.json", "areas.json"):
        response = client.get(f"/api/v1/{path}?area_type=county")
        assert response.status_code == 400
        body = response.get_json()
        assert body["error"] == "Unknown value for area_type: 'county'."
        assert body["valid"] == ["council", "country", "region"]


def test_every_flagged_row_carries_its_sentence_as_well_as_its_code(client):
    rows = pd.read_csv(io.StringIO(client.get("/api/v1/observations.csv?measure=sds_users").data.decode()))
    flagged = rows[rows["quality_flag"].notna()]
    assert len(flagged) > 100 and flagged["quality_note"].notna().all()
    hartlepool = flagged[(flagged["area_code"] == "E06000001") & (flagged["period"] == "2024-25")].iloc[0]
    assert hartlepool["quality_flag"] == "not_comparable_between_councils"
    assert hartlepool["quality_note"].startswith("DHSC, ASCOF 2024-25 note 15:")


def test_a_gap_in_the_api_says_what_the_publication_says(client):
    row = client.get("/api/v1/observations.json?area=E09000012&measure=sds_users&period=2021-22"
                     "&age_band=all&client_group=all").get_json()["rows"][0]
    assert (row["value"], row["value_status"]) == (None, "not_applicable")
    assert "In 2020-21 and 2021-22 Hackney did not submit any SALT data" in row["note"]
