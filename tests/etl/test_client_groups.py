"""Client groups: the crosswalk, national comparators, gaps from England, and the analyst template."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy import stats

from etl.areas import load_reference
from etl.build import build
from etl.errors import SourceError
from etl.intervals import gap_rows, interval_rows
from etl.registry import map_key
from etl.template import write_templates

from .test_real_publications import ENGLAND, observation, query

# Each source label, as printed, and the client group it must mean.
CROSSWALK = {
    "Physical disability": "physical",
    "Mental health": "mental_health",
    "Learning disability": "learning_disability",
    "Substance misuse": "substance_misuse",
    "Other vulnerable people": "other_vulnerable",
    "Physical Support: Access and Mobility Only": "physical",
    "Physical Support: Personal Care Support": "physical",
    "Sensory Support: Support for Visual Impairment": "sensory",
    "Sensory Support: Support for Hearing Impairment": "sensory",
    "Sensory Support: Support for Dual Impairment": "sensory",
    "Support with Memory and Cognition": "memory_cognition",
    "Learning Disability Support": "learning_disability",
    "Mental Health Support": "mental_health",
    "Social Support: Substance Misuse Support": "substance_misuse",
    "Social Support: Asylum Seeker Support": "social_support",
    "Social Support: Support for Social Isolation/Other": "social_support",
}


@pytest.mark.parametrize("label, client_group", CROSSWALK.items())
def test_crosswalk_maps_each_source_label(label, client_group):
    table = load_reference().client_groups
    mapping = {map_key(row.source_label): row for row in table.itertuples()}
    row = mapping[map_key(label)]
    assert row.client_group == client_group
    assert row.applies_from in ("2008-09", "2014-15")


def test_crosswalk_records_when_definitions_applied_and_approximate_mappings():
    table = load_reference().client_groups.set_index("source_label")
    assert table.loc["Older people", "client_group"] == "all"
    assert "age band" in table.loc["Older people", "comparability_note"]
    assert table.loc["Mental health", "applies_to"] == "2013-14"
    assert "memory and cognition" in table.loc["Mental Health Support", "comparability_note"]
    assert table.loc["Mental Health Support", "scheme"] == "SALT primary support reason"


def test_2011_12_national_comparators_by_client_group(full_db):
    values = {group: observation(full_db, ENGLAND, "2011-12", "sds_users", "18-64", group)["value"]
              for group in ("learning_disability", "physical", "mental_health")}
    assert values == {"learning_disability": 58.8, "physical": 47.9, "mental_health": 14.6}
    assert observation(full_db, ENGLAND, "2011-12", "sds_users", "65+")["value"] == 45.2


@pytest.mark.parametrize("age_band, client_group, measure, numerator, denominator", [
    # SALT T39, England, 18-64: DP = DP only + part DP; SDS adds CASSR managed budgets.
    ("18-64", "learning_disability", "dp_users", 26895 + 13755, 103435),
    ("18-64", "mental_health", "sds_users", 29140, 35100),
    ("18-64", "mental_health", "dp_users", 7235, 35100),
    ("65+", "mental_health", "dp_users", 1960, 11560),
    ("all", "mental_health", "sds_users", 39220, 46660),
])
def test_2021_22_england_comparators_by_primary_support_reason(full_db, age_band, client_group,
                                                               measure, numerator, denominator):
    row = observation(full_db, ENGLAND, "2021-22", measure, age_band, client_group)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(100 * numerator / denominator)
    assert row["value_status"] == "derived" and row["source_sheet"] == "T39"


def test_rap_era_direct_payment_counts_by_client_group_for_council_region_and_england(full_db):
    for area, expected in (("E06000005", 15), ("E12000001", 365), (ENGLAND, None)):
        row = observation(full_db, area, "2011-12", "dp_recipients", "18-64", "mental_health")
        assert row["value"] == expected if expected is not None else row["value"] > 5000
    region = observation(full_db, "E12000001", "2011-12", "dp_recipients")
    assert (region["value"], region["value_status"]) == (6640, "derived")
    assert region["note"] == "Sum of the published figures of the 12 councils."
    # A suppressed council count ('-') means no honest regional sum.
    assert query(full_db, "SELECT count(*) AS n FROM observations WHERE area_code = 'E12000001' AND "
                          "period = '2008-09' AND measure_id = 'dp_recipients' AND client_group = "
                          "'mental_health'").at[0, "n"] == 0


def _gap(full_db, area, period="2011-12", age_band="18-64", client_group="mental_health"):
    rows = query(full_db, "SELECT * FROM gaps WHERE area_code = ? AND period = ? AND measure_id = "
                          "'sds_users' AND age_band = ? AND client_group = ?",
                 [area, period, age_band, client_group])
    assert len(rows) == 1
    return rows.iloc[0]


def test_gap_from_england_for_named_councils(full_db):
    darlington = _gap(full_db, "E06000005")
    assert (darlington["value"], darlington["england_value"], darlington["gap"]) == (19.0, 14.6, 4.4)
    assert darlington["gap_method"] == "newcombe_hybrid_score"
    assert darlington["gap_lower_95"] < 0 < darlington["gap_upper_95"]
    assert darlington["compared_with_england"] == "similar"
    gateshead = _gap(full_db, "E08000037")
    assert (gateshead["gap"], gateshead["compared_with_england"]) == (26.7, "higher")
    assert gateshead["gap_lower_95"] > 0
    northumberland = _gap(full_db, "E06000057")
    assert (northumberland["gap"], northumberland["compared_with_england"]) == (-9.9, "lower")
    region = _gap(full_db, "E12000001")
    assert region["gap"] == pytest.approx(0.7)


def test_observations_carry_wilson_intervals(full_db):
    row = observation(full_db, "E06000005", "2011-12", "sds_users", "18-64", "mental_health")
    assert row["interval_method"] == "wilson"
    expected = stats.binomtest(70, 395).proportion_ci(method="wilson")
    assert (row["lower_95"], row["upper_95"]) == pytest.approx((100 * expected.low, 100 * expected.high))
    assert row["lower_998"] < row["lower_95"] and row["upper_998"] > row["upper_95"]


def test_gap_against_an_england_value_without_counts_uses_the_area_interval():
    facts = pd.DataFrame({
        "area_code": ["E06000005", ENGLAND], "period": ["2011-12"] * 2, "measure_id": ["sds_users"] * 2,
        "age_band": ["18-64"] * 2, "client_group": ["learning_disability"] * 2,
        "numerator": [60.0, np.nan], "denominator": [100.0, np.nan], "value": [60.0, 58.8],
        "unit": ["percent"] * 2})
    gaps = gap_rows(facts, interval_rows(facts))
    assert len(gaps) == 1
    row = gaps.iloc[0]
    assert row["gap"] == pytest.approx(1.2) and row["gap_method"] == "wilson_minus_england_value"
    assert row["gap_lower_95"] == pytest.approx(100 * 0.5020 - 58.8, abs=0.01)


def test_survey_figures_from_the_report_load_through_the_template(full_db):
    adass = observation(full_db, ENGLAND, "2011-12", "pb_eligible")
    assert (adass["numerator"], adass["denominator"], adass["value"]) == (432349, 818700, 52.8)
    assert adass["note"].startswith("ADASS Personal Budgets Survey March 2012. Some or all")
    north_east = observation(full_db, "E12000001", "2011-12", "pb_eligible", "all", "mental_health")
    assert (north_east["value"], north_east["numerator"]) == (15, 1000)
    counts = {p: observation(full_db, ENGLAND, p, "dp_recipients", "all", "mental_health")["value"]
              for p in ("2000-01", "2007-08", "2012-13")}
    assert counts == {"2000-01": 50, "2007-08": 3373, "2012-13": 20580}
    assert observation(full_db, ENGLAND, "2012-13", "pb_target")["value"] == 70
    sources = query(full_db, "SELECT * FROM sources WHERE source_id = 'report2013_survey_figures'")
    assert sources.at[0, "layout_id"] == "analyst_template"


def _filled_template(tmp_path, rows, publication=None):
    xlsx, _ = write_templates(tmp_path / "templates")
    workbook = load_workbook(xlsx)
    for row in rows:
        workbook["observations"].append(row)
    for index, (field, value) in enumerate((publication or {}).items(), start=2):
        sheet = workbook["publication"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == field:
                row[1].value = value
    raw = tmp_path / "raw"
    raw.mkdir()
    target = raw / "adass_2013.xlsx"
    workbook.save(target)
    return raw


GOOD_ROW = ["ADASS Personal Budgets Survey 2013", "2012-13", "Darlington", "pb_eligible", "all",
            "all", 700, 1000, 70.0, "percent", ""]


def test_a_filled_xlsx_template_loads_with_its_publication_sheet(tmp_path):
    raw = _filled_template(tmp_path, [
        GOOD_ROW, ["ADASS Personal Budgets Survey 2013", "2012-13", "England", "pb_eligible", "all",
                   "all", None, None, 61.2, "percent", "As published."],
        ["DH investment survey", "2011-12", "E12000001", "mh_investment_per_head", "all", "all",
         None, None, 151.0, "gbp_per_head", "Per head of adults aged 18-64."]],
        publication={"title": "Personal Budgets Survey 2013", "publisher": "ADASS",
                     "licence": "As published"})
    report = build([raw], tmp_path / "uptake.duckdb")
    assert report.sources[0]["layout_id"] == "analyst_template" and report.sources[0]["rows"] == 3
    with duckdb.connect(str(tmp_path / "uptake.duckdb"), read_only=True) as connection:
        rows = connection.execute("SELECT area_name, measure_id, value, source_sheet, value_cell "
                                  "FROM observations ORDER BY area_name").fetchall()
        source = connection.execute("SELECT title, publisher FROM sources").fetchone()
    assert rows == [("Darlington", "pb_eligible", 70.0, "observations", "I2"),
                    ("England", "pb_eligible", 61.2, "observations", "I3"),
                    ("North East", "mh_investment_per_head", 151.0, "observations", "I4")]
    assert source == ("Personal Budgets Survey 2013", "ADASS")


@pytest.mark.parametrize("change, location, message", [
    ({2: "Darlingtn"}, "sheet 'observations', row 2, cell C2",
     "unknown area 'Darlingtn' (closest known: Darlington"),
    ({8: 528.0}, "sheet 'observations', row 2, cell I2", "percentage 528 is outside 0-100"),
    ({9: None}, "sheet 'observations', row 2, cell J2", "unit '(blank)' does not match measure 'pb_eligible'"),
    ({3: "mh_investment_per_head", 9: "gbp_per_head"}, "sheet 'observations', row 2, cell K2",
     "needs a note naming the population base"),
], ids=["unknown area", "percentage over 100", "missing unit", "investment without a population base"])
def test_a_bad_template_fails_naming_sheet_row_and_column(tmp_path, change, location, message):
    row = list(GOOD_ROW)
    for index, value in change.items():
        row[index] = value
    raw = _filled_template(tmp_path, [row])
    with pytest.raises(SourceError) as error:
        build([raw], tmp_path / "uptake.duckdb", strict=True)
    assert location in str(error.value)
    assert message in str(error.value)
    assert not (tmp_path / "uptake.duckdb").exists()


def test_the_blank_csv_template_has_the_layout_columns_and_a_publication_block(tmp_path):
    _, csv_path = write_templates(tmp_path)
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "# title: " and lines[-1] == (
        "publication,period,area,measure_id,age_band,client_group,numerator,denominator,value,unit,note")


def test_a_csv_template_with_blank_publication_fields_loads(tmp_path):
    _, csv_path = write_templates(tmp_path / "templates")
    raw = tmp_path / "raw"
    raw.mkdir()
    text = csv_path.read_text() + "ADASS 2013,2012-13,England,pb_eligible,all,all,,,61.2,percent,\n"
    (raw / "adass.csv").write_text(text)                # '# counts_rounded_to: ' left blank
    report = build([raw], tmp_path / "uptake.duckdb")
    assert report.sources[0]["rows"] == 1
