"""Every real publication in ../shared/realdata, loaded and checked against its printed cells.

Expected figures were read from the files directly (grep and calamine), not from the ETL.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.build import build
from etl.errors import SourceError
from etl.readers import cell_text, read_file

from ..conftest import RAW, REALDATA

ENGLAND, NORTH_EAST = "E92000001", "E12000001"
DARLINGTON, CUMBRIA, ST_HELENS = "E06000005", "E10000006", "E08000013"


def located(label: str) -> Path:
    """The file a provenance label ('realdata/ascof/x.csv', 'raw/y.csv') names."""
    folder, _, inside = label.partition("/")
    return {"realdata": REALDATA, "raw": RAW}[folder] / inside


def observation(full_db, area_code, period, measure_id, age_band="all", client_group="all"):
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        rows = connection.execute(
            "SELECT * FROM observations WHERE area_code = ? AND period = ? AND measure_id = ? "
            "AND age_band = ? AND client_group = ?",
            [area_code, period, measure_id, age_band, client_group]).fetch_df()
    assert len(rows) == 1, f"expected one row for {area_code} {period} {measure_id}, got {len(rows)}"
    return rows.iloc[0]


def derived(full_db, area_code, period, measure_id, age_band="all", client_group="all"):
    """The value this build derived itself, kept in observations_all even where a published
    value for the same grain is the one shown."""
    rows = query(full_db, "SELECT * FROM observations_all WHERE area_code = ? AND period = ? AND "
                          "measure_id = ? AND age_band = ? AND client_group = ? AND source_kind = 'derived'",
                 [area_code, period, measure_id, age_band, client_group])
    assert len(rows) == 1, f"expected one derived row for {area_code} {period} {measure_id}"
    return rows.iloc[0]


def query(full_db, sql, parameters=()):
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetch_df()


# (period, area, measure, numerator, denominator, published value)
ASCOF_PUBLISHED = [
    ("2014-15", DARLINGTON, "sds_users", 970, 1075, 90.2),
    ("2014-15", DARLINGTON, "dp_users", 325, 1075, 30.4),
    ("2014-15", CUMBRIA, "sds_users", 4380, 4790, 91.5),
    ("2014-15", ST_HELENS, "sds_users", 2220, 2365, 93.8),
    ("2014-15", NORTH_EAST, "sds_users", 25315, 27550, 91.9),
    ("2014-15", ENGLAND, "sds_users", 384150, 458690, 83.7),
    ("2014-15", ENGLAND, "dp_users", 120855, 458690, 26.3),
    ("2015-16", DARLINGTON, "sds_users", 1050, 1137, 92.3),
    ("2015-16", CUMBRIA, "sds_users", 3687, 3983, 92.6),
    ("2015-16", ST_HELENS, "sds_users", 2254, 2431, 92.7),
    ("2015-16", NORTH_EAST, "sds_users", 25882, 27134, 95.4),
    ("2015-16", ENGLAND, "sds_users", 393686, 452993, 86.9),
    ("2016-17", DARLINGTON, "sds_users", 968, 985, 98.3),
    ("2016-17", DARLINGTON, "dp_users", 315, 985, 32.0),
    ("2016-17", CUMBRIA, "sds_users", 3880, 4099, 94.7),
    ("2016-17", ST_HELENS, "sds_users", 2172, 2431, 89.3),
    ("2016-17", NORTH_EAST, "sds_users", 25625, 26560, 96.5),
    ("2016-17", ENGLAND, "sds_users", 410295, 459157, 89.4),
    ("2017-18", DARLINGTON, "sds_users", 802, 818, 98.0),
    ("2017-18", DARLINGTON, "dp_users", 372, 818, 45.5),
    ("2017-18", CUMBRIA, "sds_users", 3829, 3881, 98.7),
    ("2017-18", ST_HELENS, "sds_users", 2085, 2372, 87.9),
    ("2017-18", NORTH_EAST, "sds_users", 26315, 27063, 97.2),
    ("2017-18", ENGLAND, "sds_users", 404984, 451304, 89.7),
    ("2020-21", DARLINGTON, "sds_users", 792, 803, 98.6),
    ("2020-21", DARLINGTON, "dp_users", 293, 803, 36.5),
    ("2020-21", CUMBRIA, "dp_users", 870, 3762, 23.1),
    ("2020-21", ST_HELENS, "sds_users", 2094, 2306, 90.8),
    ("2020-21", NORTH_EAST, "dp_users", 5251, 26457, 19.8),
    ("2020-21", ENGLAND, "sds_users", 409504, 444128, 92.2),
    ("2020-21", ENGLAND, "dp_users", 118041, 444128, 26.6),
    ("2024-25", DARLINGTON, "sds_users", 790, 825, 95.8),
    ("2024-25", DARLINGTON, "dp_users", 238, 825, 28.8),
    ("2024-25", ST_HELENS, "dp_users", 578, 2396, 24.1),
    ("2024-25", "E10000013", "sds_users", 236, 3821, 6.2),      # Gloucestershire: SDS = DP
    ("2024-25", "E06000063", "dp_users", 389, 2524, 15.4),      # Cumberland, new in 2023
    ("2024-25", NORTH_EAST, "sds_users", 23750, 26790, 88.6),
    ("2024-25", ENGLAND, "sds_users", 395670, 480105, 82.4),
    ("2024-25", ENGLAND, "dp_users", 117655, 480105, 24.5),
]


@pytest.mark.parametrize("period, area, measure, numerator, denominator, value", ASCOF_PUBLISHED,
                         ids=[f"{p}-{a}-{m}" for p, a, m, *_ in ASCOF_PUBLISHED])
def test_ascof_published_values(full_db, period, area, measure, numerator, denominator, value):
    row = observation(full_db, area, period, measure)
    assert (row["numerator"], row["denominator"], row["value"]) == (numerator, denominator, value)
    assert row["value_status"] == "published"
    assert row["counts_check"] == "consistent"


def test_ascof_age_bands_and_carers(full_db):
    assert observation(full_db, DARLINGTON, "2016-17", "sds_carers", "under-65")["value_status"] in (
        "published", "not_applicable", "missing")
    bands = set(query(full_db, "SELECT DISTINCT age_band FROM observations WHERE measure_id = "
                               "'sds_carers' AND period = '2017-18'")["age_band"])
    assert bands == {"all", "under-65", "65-84", "85+"}
    bands = set(query(full_db, "SELECT DISTINCT age_band FROM observations WHERE measure_id = "
                               "'sds_users' AND period = '2017-18'")["age_band"])
    assert bands == {"all", "18-64", "65+"}


@pytest.mark.parametrize("area, sds, dp", [
    (DARLINGTON, 96.8, 35.7), ("E06000004", 85.4, 33.6), ("E06000047", 96.1, 10.6)],
    ids=["Darlington", "Stockton-on-Tees", "County Durham"])
def test_salt_derivation_agrees_with_published_ascof_within_0_2_points(full_db, area, sds, dp):
    derived_sds = derived(full_db, area, "2021-22", "sds_users")
    derived_dp = derived(full_db, area, "2021-22", "dp_users")
    assert derived_sds["value_status"] == derived_dp["value_status"] == "derived"
    assert abs(derived_sds["value"] - sds) <= 0.2
    assert abs(derived_dp["value"] - dp) <= 0.2
    # The published figure (the analyst's stack of ASCOF 2021-22) is the one shown.
    shown = observation(full_db, area, "2021-22", "sds_users")
    assert (shown["value"], shown["source_kind"]) == (sds, "published_without_counts")


def test_salt_derivation_counts_and_the_suppressed_cells_note(full_db):
    darlington = derived(full_db, DARLINGTON, "2021-22", "sds_users")
    assert (darlington["numerator"], darlington["denominator"]) == (760, 785)
    assert darlington["numerator_cell"] == "H33:J33, Q33:S33"
    stockton = derived(full_db, "E06000004", "2021-22", "dp_users")
    assert "Sums 2 suppressed cells, each counted as 2" in stockton["note"]
    england = derived(full_db, ENGLAND, "2021-22", "sds_users")
    assert (england["numerator"], england["denominator"]) == (413530, 437680)
    region = observation(full_db, NORTH_EAST, "2021-22", "dp_users", "18-64")
    assert region["value_status"] == "derived" and region["source_sheet"] == "T38"


def test_salt_t37_population_by_primary_support_reason(full_db):
    assert observation(full_db, DARLINGTON, "2021-22", "lts_clients", "18-64",
                       "learning_disability")["value"] == 255
    assert observation(full_db, DARLINGTON, "2021-22", "lts_clients", "18-64",
                       "mental_health")["value"] == 45
    physical = observation(full_db, DARLINGTON, "2021-22", "lts_clients", "18-64", "physical")
    assert (physical["value"], physical["value_status"], physical["value_cell"]) == (130, "derived", "F33:G33")
    assert observation(full_db, DARLINGTON, "2021-22", "lts_clients")["value"] == 1190
    assert observation(full_db, DARLINGTON, "2021-22", "lts_clients", "18-64",
                       "memory_cognition")["value_status"] == "suppressed"


def test_salt_t39_england_uptake_by_client_group(full_db):
    learning = observation(full_db, ENGLAND, "2021-22", "dp_users", "18-64", "learning_disability")
    assert (learning["numerator"], learning["denominator"]) == (26895 + 13755, 26895 + 13755 + 59385 + 3400)
    mental = observation(full_db, ENGLAND, "2021-22", "sds_users", "18-64", "mental_health")
    assert mental["source_sheet"] == "T39" and round(mental["value"], 1) == 83.0


# (period, area, age band, client group, value, status)
PSSEX1 = [
    ("2011-12", DARLINGTON, "18-64", "mental_health", 15, "published"),
    ("2011-12", DARLINGTON, "all", "all", 320, "published"),
    ("2011-12", "E06000047", "all", "all", 1295, "published"),
    ("2011-12", ENGLAND, "all", "all", 108105, "published"),
    ("2010-11", DARLINGTON, "18-64", "physical", 90, "published"),
    ("2010-11", DARLINGTON, "65+", "all", 75, "published"),
    ("2010-11", DARLINGTON, "all", "all", 290, "published"),
    ("2009-10", DARLINGTON, "18-64", "learning_disability", 90, "published"),
    ("2009-10", DARLINGTON, "65+", "all", 85, "derived"),       # 25 + 35 + 25: no 65+ total
    ("2009-10", DARLINGTON, "all", "all", 265, "published"),
    ("2008-09", DARLINGTON, "18-64", "physical", 65, "published"),
    ("2008-09", DARLINGTON, "18-64", "learning_disability", 55, "published"),
    ("2008-09", DARLINGTON, "18-64", "mental_health", None, "suppressed"),  # printed '-'
    ("2008-09", DARLINGTON, "all", "all", 145, "published"),
    ("2008-09", ENGLAND, "all", "all", 67685, "published"),     # printed ' 67,685 '
]


@pytest.mark.parametrize("period, area, age_band, client_group, value, status", PSSEX1,
                         ids=[f"{p}-{a}-{b}-{g}" for p, a, b, g, *_ in PSSEX1])
def test_pssex1_direct_payment_recipients(full_db, period, area, age_band, client_group, value, status):
    row = observation(full_db, area, period, "dp_recipients", age_band, client_group)
    assert row["value_status"] == status
    assert (row["value"] == value) if value is not None else row["value"] != row["value"]


def test_pssex1_personal_budgets_definition_is_a_note_and_a_series_break(full_db):
    for period in ("2009-10", "2010-11"):
        row = observation(full_db, DARLINGTON, period, "dp_recipients", "18-64", "mental_health")
        assert "'direct payments and personal budgets'" in row["note"]
    assert observation(full_db, DARLINGTON, "2011-12", "dp_recipients")["note"] is None
    # 2010-11's 65+ column says "Direct payments" only, and is left without the note.
    assert observation(full_db, DARLINGTON, "2010-11", "dp_recipients", "65+")["note"] is None
    breaks = query(full_db, "SELECT period FROM series_breaks WHERE measure_id = 'dp_recipients'")
    assert {"2009-10", "2010-11"} <= set(breaks["period"])


def test_pssex1_carers_direct_payments(full_db):
    assert observation(full_db, DARLINGTON, "2011-12", "dp_carer_recipients")["value"] == 25
    assert observation(full_db, DARLINGTON, "2009-10", "dp_carer_recipients")["value_status"] == "missing"


@pytest.mark.parametrize("period, adults, older", [
    ("2015-16", 62247, 20515), ("2016-17", 62270, 20857), ("2017-18", 62587, 21284),
    ("2018-19", 62524, 21588), ("2019-20", 62337, 21937), ("2020-21", 62638, 22131)])
def test_ons_population_by_age_band(full_db, period, adults, older):
    assert observation(full_db, DARLINGTON, period, "population", "18-64")["value"] == adults
    assert observation(full_db, DARLINGTON, period, "population", "65+")["value"] == older
    assert observation(full_db, DARLINGTON, period, "population", "all")["value"] == adults + older


@pytest.mark.parametrize("area, adults, older", [
    (CUMBRIA, 287211, 118540), (ST_HELENS, 106232, 36455), (NORTH_EAST, 1602413, 514903),
    (ENGLAND, 33721962, 10030511)], ids=["Cumbria", "St Helens", "North East", "England"])
def test_ons_mid_2017_population_for_councils_a_region_and_england(full_db, area, adults, older):
    assert observation(full_db, area, "2017-18", "population", "18-64")["value"] == adults
    assert observation(full_db, area, "2017-18", "population", "65+")["value"] == older


def test_ons_population_has_regions_england_and_no_districts(full_db):
    rows = query(full_db, "SELECT DISTINCT substr(area_code, 1, 3) AS prefix FROM observations "
                          "WHERE measure_id = 'population'")
    assert set(rows["prefix"]) == {"E06", "E08", "E09", "E10", "E12", "E92"}
    england = observation(full_db, ENGLAND, "2020-21", "population", "65+")["value"]
    assert 10_000_000 < england < 11_000_000


def test_boundary_changes(full_db):
    councils = lambda period: set(query(full_db, "SELECT DISTINCT area_code FROM observations "
                                                 "WHERE period = ? AND area_type = 'council' AND measure_id "
                                                 "IN ('sds_users', 'dp_recipients')", [period])["area_code"])
    # 2009: Bedfordshire and Cheshire split; Durham and Northumberland become unitaries.
    assert "E10000001" in councils("2008-09") and "E10000001" not in councils("2009-10")
    assert {"E06000055", "E06000056", "E06000049", "E06000050"} <= councils("2009-10")
    assert "E06000047" in councils("2008-09")
    # Recodes continue a series: Gateshead and Northumberland keep one code throughout.
    assert {"E08000037", "E06000057"} <= councils("2008-09") & councils("2024-25")
    # 2019 Dorset/BCP; 2020 Buckinghamshire; 2021 Northamptonshire; 2023 Cumbria.
    assert {"E10000009", "E06000028", "E06000029"} <= councils("2017-18")
    assert {"E06000058", "E06000059", "E06000060", "E10000021"} <= councils("2020-21")
    assert {"E06000061", "E06000062", "E10000006"} <= councils("2021-22")
    assert {"E06000063", "E06000064", "E06000065", "E06000066"} <= councils("2024-25")
    assert "E10000006" not in councils("2024-25")
    breaks = query(full_db, "SELECT area_code, period, kind FROM all_series_breaks WHERE area_code IS NOT NULL")
    as_set = set(map(tuple, breaks.to_numpy()))
    assert ("E06000058", "2019-20", "merger") in as_set
    assert ("E06000063", "2023-24", "split") in as_set
    assert not any(code == "E08000037" for code, _, _ in as_set)  # a recode is not a break


@pytest.mark.parametrize("area, period, measure, age_band, client_group, status", [
    ("E06000052", "2014-15", "sds_users", "all", "all", "missing"),              # ' ' in 2014-15
    ("E09000012", "2020-21", "sds_users", "all", "all", "not_applicable"),       # [x]: Hackney
    ("E06000005", "2021-22", "lts_clients", "18-64", "memory_cognition", "suppressed"),  # [c]
    ("E06000005", "2008-09", "dp_recipients", "18-64", "mental_health", "suppressed"),   # '-'
    ("E06000005", "2009-10", "dp_carer_recipients", "all", "all", "missing"),    # '..'
    ("E06000053", "2024-25", "sds_users", "all", "all", "not_applicable"),       # [x]: Scilly
])
def test_marker_statuses(full_db, area, period, measure, age_band, client_group, status):
    row = observation(full_db, area, period, measure, age_band, client_group)
    assert row["value_status"] == status
    assert row["value"] != row["value"]  # NaN: no number invented for a marker


def test_colon_marks_not_applicable_in_2017_18(full_db):
    rows = query(full_db, "SELECT count(*) AS n FROM observations WHERE period = '2017-18' "
                          "AND value_status = 'not_applicable'")
    assert rows.at[0, "n"] == 28


def test_every_sampled_published_value_is_the_text_of_its_cell(full_db):
    """Provenance: open the file, go to the recorded sheet and cell, find the same number."""
    sample = query(full_db, "SELECT source_file, source_sheet, value_cell, value FROM observations "
                            "WHERE value_status = 'published' AND value_cell NOT LIKE '%:%' "
                            "AND value_cell NOT LIKE '%,%' ORDER BY source_file, value_cell")
    picked = sample.sample(frac=1, random_state=7).groupby("source_file").head(15)
    # ASCOF (6 files) and the analyst's stack, PSS-EX1 activity (6) and expenditure, SALT T37
    # and the four bundled transcriptions.
    assert picked["source_file"].nunique() == 19
    for source_file, rows in picked.groupby("source_file"):
        sheets = {s.name: s for s in read_file(located(source_file), source_file)}
        for row in rows.itertuples():
            sheet = sheets[row.source_sheet if isinstance(row.source_sheet, str) else None]
            assert _cells_total(sheet, row.value_cell) == pytest.approx(row.value), \
                (source_file, row.value_cell)


def _cell_position(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    column = sum((ord(c) - 64) * 26 ** i for i, c in enumerate(reversed(letters))) - 1
    return int(ref[len(letters):]), column


def _cells_total(sheet, refs: str) -> float:
    """The sum of the cells named like 'V10:BP10, CQ10' (ranges within one row)."""
    total = 0.0
    for part in refs.split(", "):
        start, _, end = part.partition(":")
        row_number, first = _cell_position(start)
        last = _cell_position(end)[1] if end else first
        row = sheet.rows[row_number - sheet.first_row_number]
        total += sum(float(cell_text(row[c]).replace(",", "")) for c in range(first, last + 1))
    return total


def test_a_derived_sum_is_the_total_of_its_recorded_cells(full_db):
    for area, period, measure, age_band in [(DARLINGTON, "2015-16", "population", "18-64"),
                                            (ENGLAND, "2020-21", "population", "65+"),
                                            (DARLINGTON, "2009-10", "dp_recipients", "65+")]:
        row = observation(full_db, area, period, measure, age_band)
        assert row["value_status"] == "derived"
        sheets = {s.name: s for s in read_file(located(row["source_file"]), row["source_file"])}
        sheet = sheets[row["source_sheet"] if isinstance(row["source_sheet"], str) else None]
        assert _cells_total(sheet, row["value_cell"]) == row["value"]


def test_provenance_names_the_raw_folder_and_path_never_an_absolute_path(full_db):
    labels = query(full_db, "SELECT DISTINCT source_file FROM facts")["source_file"]
    assert all(label.startswith(("realdata/", "raw/")) for label in labels), list(labels)[:5]
    assert "realdata/ascof/ascof_1C_2014_15.csv" in set(labels)


def test_sources_table_has_publication_metadata_and_hashes(full_db):
    sources = query(full_db, "SELECT * FROM sources ORDER BY file_name")
    assert len(sources) == 25
    for row in sources.itertuples():
        assert row.publisher and row.title and row.licence, row.file_name
        path = located(row.file_name)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    salt = sources[sources["file_name"].str.contains("SALT")].iloc[0]
    # In sheet order: T37, T38, T39, T47, T48.
    assert salt["layout_id"] == ("salt_by_primary_support_reason, salt_by_setting, salt_england_setting_by_reason, "
                                 "salt_carers_by_support, salt_carers_by_age")
    assert salt["publisher"] == "NHS Digital" and salt["period"] == "2021-22"


def test_build_report_lists_sources_anomalies_and_unrecognised_files(full_db):
    db_path, report = full_db
    document = json.loads((db_path.parent / "build_report.json").read_text())
    assert len(document["sources"]) == 25
    assert document["refused_files"] == []
    assert document["unrecognised_files"] == []
    lookups = {u["file"].rsplit("/", 1)[-1] for u in document["reference_files"]}
    assert lookups == {"ascof-r-model_la_lookup.csv", "ascof-repos_ons_codes.csv"}
    checks = {c["name"]: c for c in document["checks"]}
    assert all(c["offending_rows"] == 0 for c in checks.values() if c["severity"] == "error")
    anomalies = checks["sds_equals_dp"]
    assert anomalies["offending_rows"] >= 23
    # Every finding is listed, not the first 20.
    assert len(anomalies["rows"]) == anomalies["offending_rows"] > 20
    assert any(e["area_code"] == "E10000013" and e["period"] == "2024-25" for e in anomalies["rows"])
    markdown = (db_path.parent / "build_report.md").read_text()
    assert "| sds_equals_dp | warning |" in markdown


def test_a_new_year_of_a_known_layout_loads_with_no_code_change(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = (REALDATA / "ascof" / "ascof_1C_2017_18.csv").read_text()
    (raw / "adult_social_care_outcomes_latest.csv").write_text(text.replace("2017-18,", "2018-19,"))
    build([raw], tmp_path / "uptake.duckdb")
    with duckdb.connect(str(tmp_path / "uptake.duckdb"), read_only=True) as connection:
        periods = connection.execute("SELECT DISTINCT period FROM observations").fetchall()
        darlington = connection.execute(
            "SELECT value FROM observations WHERE area_code = ? AND period = '2018-19' AND "
            "measure_id = 'sds_users' AND age_band = 'all'", [DARLINGTON]).fetchone()
    assert periods == [("2018-19",)]
    assert darlington == (98.0,)


def test_the_period_of_a_file_without_one_in_its_content_comes_from_its_name(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(REALDATA / "ascof" / "meas-from-asc-of-eng-2021-open-data-csv_v2.xlsx",
                raw / "ascof-open-data-2022.xlsx")
    build([raw], tmp_path / "uptake.duckdb")
    with duckdb.connect(str(tmp_path / "uptake.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT DISTINCT period FROM observations").fetchall() == [("2021-22",)]


def test_strict_refuses_an_unrecognised_file_and_names_the_closest_layout(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    # The 2023-24 codes lookup with a header the reference layout does not know.
    lookup = (REALDATA / "reference" / "ascof-repos_ons_codes.csv").read_text(encoding="utf-8")
    (raw / "codes.csv").write_text(lookup.replace("ONS Area Code", "GSS"), encoding="utf-8")
    shutil.copy(RAW / "report2013_table3_north_east_2011_12.csv", raw)
    report = build([raw], tmp_path / "lenient.duckdb")
    assert len(report.sources) == 1 and "closest layout" in report.unrecognised[0]["reason"]
    with pytest.raises(SourceError, match="is not a known layout: closest layout"):
        build([raw], tmp_path / "strict.duckdb", strict=True)


def test_building_the_real_data_twice_gives_identical_tables(tmp_path):
    raws = [REALDATA / "pssex1", REALDATA / "salt"]
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    build(raws, first)
    build(raws, second)
    sql = "SELECT * FROM facts ORDER BY ALL"
    with duckdb.connect(str(first), read_only=True) as a, duckdb.connect(str(second), read_only=True) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()


def test_the_command_line_reports_progress_per_file_and_what_it_built(tmp_path):
    import subprocess
    import sys
    raw = tmp_path / "raw"
    shutil.copytree(REALDATA / "pssex1", raw)
    shutil.copy(REALDATA / "reference" / "ascof-r-model_la_lookup.csv", raw)
    result = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db",
                             str(tmp_path / "uptake.duckdb")], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum(line.startswith("loaded ") for line in lines) == 6
    assert any(line.startswith("reference ") and "ascof-r-model_la_lookup.csv" in line and
               line.endswith("(not loaded)") for line in lines)
    assert lines[-1].startswith(f"Built {tmp_path / 'uptake.duckdb'}: 6398 rows from 6 files covering "
                                "2006-07, 2008-09, 2009-10, 2010-11, 2011-12, 2012-13; 0 unrecognised")
