"""One continuous, honest series (issue 11): every new source and year loads, overlapping
sources are all kept with the preferred one shown, councils resolve by code whatever the
label, successor codes continue a series, and every quality flag lands on a real row.

Expected figures are read from the files themselves here (csv and calamine), never from the ETL.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from etl.__main__ import main

from ..conftest import RAW, REALDATA

ENGLAND, NORTH_EAST = "E92000001", "E12000001"
DARLINGTON, GATESHEAD, BARNSLEY, CUMBRIA = "E06000005", "E08000037", "E08000038", "E10000006"
NORTH_EAST_CASSR = ("111", "112", "113", "114", "116", "117", "104", "106", "107", "108", "109", "110")
STACK = REALDATA / "ascof_stack" / "ascof-repos_trend_data.csv"
ANNEX_2012 = REALDATA / "pssex1" / "Annex_Fin_CASSR_Level_Activity_Data_2012_13.csv"
DETAILED_2006 = REALDATA / "pssex1" / "DetailedActivityDataByCouncil2006-07 ENG.xls"
SPENDING_2014 = REALDATA / "pss_expenditure" / "pss-exp-eng-14-15-fin-coun-lev-exp-data.csv"
SALT = REALDATA / "salt" / "ASCFR and SALT Data Tables 2021-22.xlsx"


def query(full_db, sql: str, parameters=()) -> list[tuple]:
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def shown(full_db, area, period, measure, age_band="all", client_group="all"):
    rows = query(full_db, "SELECT value, value_status, source_kind, quality_flag, quality_note, "
                          "numerator, denominator, note FROM observations WHERE area_code = ? AND period = ? "
                          "AND measure_id = ? AND age_band = ? AND client_group = ?",
                 [area, period, measure, age_band, client_group])
    assert len(rows) == 1, (area, period, measure, age_band, client_group, rows)
    return dict(zip(["value", "status", "kind", "flag", "quality_note", "numerator", "denominator", "note"],
                    rows[0]))


def from_source(full_db, source_id, area, period, measure, age_band="all", client_group="all"):
    rows = query(full_db, "SELECT value FROM observations_all WHERE source_id = ? AND area_code = ? "
                          "AND period = ? AND measure_id = ? AND age_band = ? AND client_group = ?",
                 [source_id, area, period, measure, age_band, client_group])
    assert len(rows) == 1, (source_id, area, period, measure, rows)
    return rows[0][0]


def number(text: str) -> float:
    return float(text.replace(",", ""))


# -- coverage ------------------------------------------------------------------------------
def test_every_year_2014_15_to_2024_25_for_at_least_148_councils(full_db):
    counts = dict(((m, p), n) for m, p, n in query(full_db, """
        SELECT measure_id, period, count(*) FROM observations
        WHERE area_type = 'council' AND value IS NOT NULL AND age_band = 'all' AND client_group = 'all'
          AND measure_id IN ('sds_users', 'dp_users', 'sds_carers', 'dp_carers') GROUP BY ALL"""))
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2014, 2025)]
    for measure in ("sds_users", "dp_users"):
        assert {year: counts.get((measure, year), 0) >= 148 for year in years} == {y: True for y in years}
    for measure in ("sds_carers", "dp_carers"):
        assert all(counts.get((measure, year), 0) >= 130 for year in years[:-1]), measure


def test_direct_payments_by_client_group_and_spending_years(full_db):
    periods = {p for (p,) in query(full_db, "SELECT DISTINCT period FROM observations WHERE measure_id = "
                                            "'dp_recipients' AND client_group = 'mental_health' AND "
                                            "area_type = 'council'")}
    assert {"2006-07", "2008-09", "2009-10", "2010-11", "2011-12", "2012-13"} <= periods
    spending = query(full_db, "SELECT DISTINCT measure_id, period FROM observations WHERE measure_id IN "
                              "('dp_spend', 'community_spend', 'dp_spend_share') ORDER BY 1")
    assert spending == [("community_spend", "2014-15"), ("dp_spend", "2014-15"), ("dp_spend_share", "2014-15")]


# -- the analyst's ASCOF stack -------------------------------------------------------------
STACK_MEASURES = {("1C1A", "2017-18", "2022-23"): "sds_users", ("1C2A", "2017-18", "2022-23"): "dp_users",
                  ("1C1B", "2017-18", "2022-23"): "sds_carers", ("1B", "2017-18", "2022-23"): "control_daily_life",
                  ("3D1A", "2023-24", "2023-24"): "sds_users", ("3D2A", "2023-24", "2023-24"): "dp_users",
                  ("3A", "2023-24", "2023-24"): "control_daily_life"}


def _stack_rows():
    with STACK.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("area", ["E06000005", "E08000037", "E08000025", NORTH_EAST, ENGLAND],
                         ids=["Darlington", "Gateshead", "Birmingham", "North East", "England"])
def test_the_stack_loads_every_published_value_by_year_and_code(full_db, area):
    checked = 0
    for row in _stack_rows():
        if row["ONS Code"] != area:
            continue
        for (code, first, last), measure in STACK_MEASURES.items():
            if row["Measure Group"] == code and first <= row["Year"] <= last:
                assert from_source(full_db, "ascof_repos_trend_data", area, row["Year"], measure) == \
                    float(row["Measure_Value"]), (row["Year"], code)
                checked += 1
    assert checked >= 20


def test_a_reused_code_is_never_read_as_another_measure(full_db):
    information = next(float(r["Measure_Value"]) for r in _stack_rows()
                       if (r["Year"], r["ONS Code"], r["Measure Group"]) == ("2017-18", DARLINGTON, "3D1"))
    assert information == 80.6
    assert shown(full_db, DARLINGTON, "2017-18", "sds_users")["value"] == 98.0
    assert from_source(full_db, "ascof_repos_trend_data", DARLINGTON, "2017-18", "sds_users") == 98.0
    # 1C in 2023-24 is carer-reported quality of life (6.9 for Darlington): not carers' SDS.
    carers = query(full_db, "SELECT value FROM observations_all WHERE area_code = ? AND period = "
                            "'2023-24' AND measure_id = 'sds_carers'", [DARLINGTON])
    assert carers == [(100.0,)]
    assert shown(full_db, DARLINGTON, "2023-24", "control_daily_life")["value"] == 81.7


def test_a_stack_whose_code_changes_meaning_is_refused_naming_the_cell(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = STACK.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    # 3D1A in 2023-24 described as the information measure: the description check catches it.
    kept = [lines[0]] + [line for line in lines[1:] if line.startswith("2023-24,Darlington,")]
    changed = [line.replace("Proportion of people using social care who receive self-directed support",
                            "Proportion of people who find it easy to find information")
               if ",3D1A," in line else line for line in kept]
    (raw / "stack.csv").write_text("".join(changed), encoding="utf-8")
    row = next(i + 1 for i, line in enumerate(changed) if ",3D1A," in line)
    code = main(["build", "--raw", str(raw), "--db", str(tmp_path / "x.duckdb"), "--strict"])
    error = capsys.readouterr().err
    assert code == 1
    assert f"raw/stack.csv, row {row}, cell E{row}: is mapped to 'sds_users' but the publisher " \
           "describes it as 'Proportion of people who find it easy to find information'" in error


# -- precedence ----------------------------------------------------------------------------
def test_a_published_value_is_shown_over_a_derivation_and_both_are_kept(full_db):
    south_tyneside = "E08000023"
    assert shown(full_db, south_tyneside, "2021-22", "sds_users")["value"] == 100.0
    kept = query(full_db, "SELECT source_kind, round(value, 1), preferred FROM observations_all WHERE "
                          "area_code = ? AND period = '2021-22' AND measure_id = 'sds_users' AND "
                          "age_band = 'all' ORDER BY precedence", [south_tyneside])
    assert kept == [("published_without_counts", 100.0, True), ("derived", 99.7, False)]
    # An official file with counts is shown over the same value from the stack.
    assert shown(full_db, DARLINGTON, "2020-21", "sds_users")["kind"] == "official_with_counts"
    difference = query(full_db, "SELECT beyond_rounding FROM source_differences WHERE area_code = ? AND "
                                "period = '2021-22' AND measure_id = 'sds_users' AND age_band = 'all'",
                       [south_tyneside])
    assert difference == [(False,)]


def test_sources_that_disagree_beyond_rounding_are_listed(full_db):
    listed = query(full_db, "SELECT area_name, measure_id, shown_value, round(other_value, 1) FROM "
                            "source_differences WHERE beyond_rounding AND area_name = 'Trafford' ORDER BY 2")
    assert listed == [("Trafford", "dp_carers", 75.0, 36.8), ("Trafford", "sds_carers", 75.0, 36.9)]
    document = (full_db[0].parent / "build_report.md").read_text()
    assert "### sources_disagree (warning)" in document and "Trafford" in document


# -- PSS-EX1 2012-13 and 2006-07 ------------------------------------------------------------
def _annex_2012():
    with ANNEX_2012.open(encoding="cp1252") as handle:
        return list(csv.reader(handle))


def test_2012_13_annex_loads_councils_by_code_region_sums_and_england(full_db):
    rows = _annex_2012()
    councils = [r for r in rows[6:] if r and r[0][:3].isdigit() and r[29] != ".."]   # Islington: '..'
    all_ages = {r[0].split("-")[0].strip(): number(r[29]) for r in councils}
    mental_health = {r[0].split("-")[0].strip(): number(r[17]) for r in councils}
    england = next(r for r in rows if r and r[0] == "TOTAL England")
    for cassr, area in (("102", CUMBRIA), ("117", DARLINGTON), ("106", GATESHEAD)):
        assert shown(full_db, area, "2012-13", "dp_recipients")["value"] == all_ages[cassr]
        assert shown(full_db, area, "2012-13", "dp_recipients", "18-64", "mental_health")["value"] == \
            mental_health[cassr]
    assert shown(full_db, ENGLAND, "2012-13", "dp_recipients")["value"] == number(england[29]) == 115930
    region = shown(full_db, NORTH_EAST, "2012-13", "dp_recipients")
    assert (region["value"], region["status"]) == (sum(all_ages[c] for c in NORTH_EAST_CASSR), "derived")


def test_a_renamed_annex_with_another_year_in_its_title_loads_as_that_year(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = ANNEX_2012.read_bytes().decode("cp1252").replace("England - 2012-13, Final", "England - 2013-14, Final")
    (raw / "activity annex (copy).csv").write_bytes(text.encode("cp1252"))
    db = tmp_path / "x.duckdb"
    assert main(["build", "--raw", str(raw), "--db", str(db), "--strict"]) == 0
    with duckdb.connect(str(db), read_only=True) as connection:
        periods = connection.execute("SELECT DISTINCT period FROM observations").fetchall()
        cumbria = connection.execute("SELECT value FROM observations WHERE area_code = ? AND measure_id = "
                                     "'dp_recipients' AND age_band = 'all' AND client_group = 'all'",
                                     [CUMBRIA]).fetchall()
    assert periods == [("2013-14",)] and cumbria == [(1625.0,)]


def _sheet_items(name: str) -> dict[str, float]:
    rows = CalamineWorkbook.from_path(str(DETAILED_2006)).get_sheet_by_name(name).to_python()
    return {str(r[0]).strip(): r[1] for r in rows if r and r[0]}


@pytest.mark.parametrize("sheet, area", [("Darlington UA", DARLINGTON), ("Barnsley", BARNSLEY),
                                         ("Gateshead", GATESHEAD), ("TOTAL England", ENGLAND)])
def test_2006_07_sheets_load_by_council_name(full_db, sheet, area):
    items = _sheet_items(sheet)
    mental_health = items["Table P2s Page 2 line 6 col 1 (18-64 mh direct payments)"]
    every_age = items["Table P2s Pages 2 + 4 + 6 line 11 col 1 (all ages direct payments)"]
    row = shown(full_db, area, "2006-07", "dp_recipients", "18-64", "mental_health")
    assert row["value"] == pytest.approx(mental_health)
    assert shown(full_db, area, "2006-07", "dp_recipients")["value"] == pytest.approx(every_age)
    older = sum(items[k] for k in ("Table P2s Pages 4 line 11 col 1 (65-74 direct payments)",
                                   "Table P2s Page 7 box 1 (75-84 direct payments)",
                                   "Table P2s Page 7 box 2 (85+ direct payments)"))
    assert shown(full_db, area, "2006-07", "dp_recipients", "65+")["value"] == pytest.approx(older)
    if area == ENGLAND:   # grossed-up estimates, kept with their fractions and flagged
        assert mental_health == pytest.approx(2091.67, abs=0.01) and every_age == 39388
        assert row["flag"] == "estimate" and "grossed-up estimates" in row["quality_note"]
    if area == DARLINGTON:
        assert (mental_health, every_age) == (4, 87)


def test_2006_07_north_east_is_the_sum_of_its_councils(full_db):
    sheets = ["Darlington UA", "Durham", "Gateshead", "Hartlepool UA", "Middlesbrough UA",
              "Newcastle upon Tyne", "North Tyneside", "Northumberland", "Redcar and Cleveland UA",
              "South Tyneside", "Stockton-on-Tees UA", "Sunderland"]
    names = CalamineWorkbook.from_path(str(DETAILED_2006)).sheet_names
    assert set(sheets) <= set(names), set(sheets) - set(names)
    total = sum(_sheet_items(s)["Table P2s Pages 2 + 4 + 6 line 11 col 1 (all ages direct payments)"]
                for s in sheets)
    region = shown(full_db, NORTH_EAST, "2006-07", "dp_recipients")
    assert (region["value"], region["status"]) == (total, "derived")


# -- spending 2014-15 ----------------------------------------------------------------------
def _spending():
    with SPENDING_2014.open(encoding="cp1252") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    wanted = {}
    for row in rows[2:]:
        if row[0] == "Long term" and row[4] == "Gross total expenditure":
            for column in range(5, len(header)):
                wanted[(header[column].split(" - ")[0], row[1], row[2].strip(), row[3])] = row[column]
    return wanted, [h.split(" - ")[0] for h in header[5:]]


COMMUNITY = ("Community: Direct Payments", "Community: home care", "Community: supported living",
             "Community: other long term care")


@pytest.mark.parametrize("cassr, area", [("102", CUMBRIA), ("117", DARLINGTON), ("106", GATESHEAD)])
def test_spending_on_direct_payments_and_community_support_by_council(full_db, cassr, area):
    cells, _ = _spending()
    band, reason = "Age 18 to 64", "Mental health support"
    direct = float(cells[(cassr, band, reason, "Community: Direct Payments")])
    community = sum(float(cells[(cassr, band, reason, m)]) for m in COMMUNITY)
    assert shown(full_db, area, "2014-15", "dp_spend", "18-64", "mental_health")["value"] == direct
    assert shown(full_db, area, "2014-15", "community_spend", "18-64", "mental_health")["value"] == \
        pytest.approx(community)
    share = shown(full_db, area, "2014-15", "dp_spend_share", "18-64", "mental_health")
    assert share["value"] == pytest.approx(100 * direct / community)
    assert share["numerator"] is None     # money, not people: no counts, so no interval


def test_spending_for_england_and_a_region_is_the_sum_of_councils(full_db):
    cells, councils = _spending()
    key = lambda c: (c, "Age 18 to 64", "Physical support", "Community: Direct Payments")
    assert cells[key("102")] == "3523.83"                          # the publisher's example
    england = sum(float(cells[key(c)]) for c in councils)
    north_east = sum(float(cells[key(c)]) for c in NORTH_EAST_CASSR)
    assert shown(full_db, ENGLAND, "2014-15", "dp_spend", "18-64", "physical")["value"] == pytest.approx(england)
    assert shown(full_db, NORTH_EAST, "2014-15", "dp_spend", "18-64", "physical")["value"] == \
        pytest.approx(north_east)


def test_no_share_where_negative_spending_makes_direct_payments_exceed_the_total(full_db):
    leeds = "E08000035"
    row = shown(full_db, leeds, "2014-15", "dp_spend_share", "65+", "physical")
    assert row["value"] is None and row["status"] == "not_applicable"
    cells, _ = _spending()
    assert float(cells[("212", "Age 65 and over", "Physical support", "Community: home care")]) < 0


# -- SALT carers -----------------------------------------------------------------------------
def _salt(sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(SALT)).get_sheet_by_name(sheet).to_python()


@pytest.mark.parametrize("code_column, area", [(0, DARLINGTON), (0, GATESHEAD), (0, "E08000025"),
                                                (3, NORTH_EAST)],
                         ids=["Darlington", "Gateshead", "Birmingham", "North East"])
def test_carers_derived_from_t47_for_councils_and_regions(full_db, code_column, area):
    rows = _salt("T47")
    printed = next(r for r in rows if r[code_column] == area)
    value = lambda v: 2.0 if v == "[c]" else float(v)   # SALT's suppressed cells count as 2
    numerator = sum(value(v) for v in printed[5:8])
    dp_numerator = sum(value(v) for v in printed[5:7])
    denominator = sum(value(v) for v in printed[5:9])
    derived = query(full_db, "SELECT measure_id, numerator, denominator FROM observations_all WHERE "
                             "area_code = ? AND period = '2021-22' AND measure_id IN ('sds_carers', "
                             "'dp_carers') AND source_kind = 'derived' ORDER BY 1", [area])
    assert derived == [("dp_carers", dp_numerator, denominator), ("sds_carers", numerator, denominator)]


def test_carers_for_england_by_age_from_t48_leave_out_carers_under_18(full_db):
    by_age = {str(r[0]).strip(): r for r in _salt("T48")}
    adult = [by_age[b] for b in ("18 to 25", "26 to 64", "65 to 84", "85 and over")]
    england = query(full_db, "SELECT numerator, denominator, value FROM observations_all WHERE area_code = ? "
                             "AND period = '2021-22' AND measure_id = 'sds_carers' AND age_band = 'all' "
                             "AND source_kind = 'derived'", [ENGLAND])
    expected_numerator = sum(sum(r[1:4]) for r in adult)
    expected_denominator = sum(sum(r[1:5]) for r in adult)
    assert england[0][:2] == (expected_numerator, expected_denominator)
    assert round(england[0][2], 1) == shown(full_db, ENGLAND, "2021-22", "sds_carers")["value"] == 89.3


# -- national figures transcribed through the analyst template ---------------------------------
def test_adass_and_investment_figures_sit_beside_the_official_series(full_db):
    with (RAW / "national_personal_budgets_and_investment.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert len(rows) == 7 and all(row["publication"] for row in rows)
    for row in rows:
        loaded = shown(full_db, ENGLAND, row["period"], row["measure_id"])
        assert loaded["value"] == float(row["value"])
        # Each row's citation heads its note, so the source travels with the figure.
        assert loaded["note"].startswith(row["publication"].rstrip(".")), loaded["note"]
    adass = shown(full_db, ENGLAND, "2012-13", "pb_eligible")
    official = shown(full_db, ENGLAND, "2012-13", "sds_users")
    assert (adass["value"], official["value"]) == (76.0, 55.6)
    series = query(full_db, "SELECT period, value FROM observations WHERE measure_id = 'pb_recipients' "
                            "ORDER BY period")
    assert series == [("2009-10", 168000.0), ("2010-11", 338000.0), ("2011-12", 432349.0)]


# -- quality flags on real rows -------------------------------------------------------------------
def test_each_quality_flag_lands_on_a_real_row(full_db):
    gateshead = shown(full_db, GATESHEAD, "2024-25", "sds_users")
    assert gateshead["value"] == shown(full_db, GATESHEAD, "2024-25", "dp_users")["value"] == 22.2
    assert gateshead["flag"] == "not_comparable_between_councils; sds_equals_dp"
    assert "note 15" in gateshead["quality_note"]
    assert "equals direct payments (22.2%)" in gateshead["quality_note"]
    scilly = shown(full_db, "E06000053", "2021-22", "sds_users", "18-64")
    assert (scilly["status"], scilly["value"], scilly["flag"]) == ("suppressed", None, "derived_from_suppressed")
    small = shown(full_db, "E06000053", "2021-22", "sds_users", "65+")   # Isles of Scilly, base ~21
    assert small["flag"] == "small_rounded_counts" and small["status"] == "derived"
    assert "could be anywhere from 42.4% to 100.0%" in small["quality_note"]
    assert shown(full_db, ENGLAND, "2006-07", "dp_recipients")["flag"] == "estimate"
    survey = query(full_db, "SELECT count(*), list_distinct(list(quality_flag)) FROM observations WHERE "
                            "period = '2020-21' AND measure_id = 'control_daily_life'")
    assert survey == [(18, ["voluntary_survey_year"])]     # the 18 councils of the voluntary survey
    beyond = query(full_db, "SELECT area_code FROM observations WHERE quality_flag = 'beyond_rounding' "
                            "ORDER BY 1")
    assert (DARLINGTON,) in beyond
    # A flag that forbids comparison: the gap is kept but never called higher or lower.
    assert query(full_db, "SELECT compared_with_england FROM gaps WHERE area_code = ? AND period = "
                          "'2024-25' AND measure_id = 'sds_users' AND age_band = 'all' AND "
                          "client_group = 'all'", [GATESHEAD]) == [("not_compared",)]


# -- councils and their codes -------------------------------------------------------------------
def test_successor_codes_continue_one_series(full_db):
    for area in ("E06000060", "E06000065", "E06000066"):   # Buckinghamshire, North Yorkshire, Somerset
        years = {p for (p,) in query(full_db, "SELECT period FROM observations WHERE area_code = ? AND "
                                              "measure_id = 'sds_users' AND age_band = 'all' AND "
                                              "value IS NOT NULL", [area])}
        assert {"2014-15", "2019-20", "2022-23", "2024-25"} <= years, area
    assert query(full_db, "SELECT count(*) FROM facts_all WHERE area_code IN ('E10000002', 'E10000023', "
                          "'E10000027')") == [(0,)]


def test_no_value_for_a_council_outside_its_lifetime(full_db):
    outside = query(full_db, """
        SELECT count(*) FROM facts_all AS f JOIN areas AS a USING (area_code)
        WHERE a.area_type = 'council' AND (f.period < coalesce(a.first_period, '0000-00')
                                           OR f.period > coalesce(a.last_period, '9999-99'))""")
    assert outside == [(0,)]
    # ONS mid-2018 on April 2019 boundaries names BCP, not Bournemouth and Poole: no population
    # is attached to a council that did not exist, and the report says what was left out.
    population = lambda area, period: query(full_db, "SELECT count(*) FROM observations WHERE area_code = ? "
                                                     "AND period = ? AND measure_id = 'population'", [area, period])
    assert population("E06000058", "2018-19") == population("E06000028", "2018-19") == [(0,)]
    assert population("E06000060", "2019-20") == [(3,)]      # Buckinghamshire: a recode, so kept
    ignored = {k for s in full_db[1].sources for k in s["ignored"]}
    assert any("(E06000058): not a council in 2018-19" in k for k in ignored)


def test_one_unresolvable_label_refuses_only_that_file(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("report2013_survey_figures.csv", "report2013_table3_north_east_2011_12.csv"):
        shutil.copy(RAW / name, raw)
    text = ANNEX_2012.read_bytes().decode("cp1252").replace("117 - Darlington", "999 - Darlingtonshire")
    (raw / "annex_2012_13.csv").write_bytes(text.encode("cp1252"))
    row = next(i + 1 for i, line in enumerate(text.splitlines()) if line.startswith('"999 - ') or
               line.startswith("999 - "))
    db = tmp_path / "uptake.duckdb"
    assert main(["build", "--raw", str(raw), "--db", str(db)]) == 0
    stderr = capsys.readouterr().err.strip().splitlines()
    reason = (f"raw/annex_2012_13.csv, row {row}, cell A{row}: unknown area '999 - Darlingtonshire' "
              "(closest known: ")
    assert any(line.startswith(f"refused {reason}") for line in stderr)
    assert stderr[-1].endswith("REFUSED 1 file, not loaded: raw/annex_2012_13.csv (reasons above and in "
                               "the report; --strict fails instead).")
    with duckdb.connect(str(db), read_only=True) as connection:
        files = connection.execute("SELECT DISTINCT source_file FROM observations ORDER BY 1").fetchall()
        recorded = connection.execute("SELECT outcome, reason FROM build_files WHERE file_name = "
                                      "'raw/annex_2012_13.csv'").fetchall()
    assert files == [("raw/report2013_survey_figures.csv",), ("raw/report2013_table3_north_east_2011_12.csv",)]
    assert recorded[0][0] == "refused" and recorded[0][1].startswith(reason)
    report = (tmp_path / "build_report.md").read_text()
    assert "## Refused files" in report and f"- raw/annex_2012_13.csv: {reason}" in report
    before = db.read_bytes()
    assert main(["build", "--raw", str(raw), "--db", str(db), "--strict"]) == 1
    assert f"Build failed: {reason}" in capsys.readouterr().err
    assert db.read_bytes() == before
