"""The report's Table 3 as loaded into the observations view: every row, both breakdowns."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import duckdb
import pytest

from etl.build import build
from etl.errors import BuildError, SourceError

from ..conftest import PROJECT

# area code, name, then (denominator, numerator, published %) for all adults 18+ (columns A, B)
# and for adults 18-64 receiving community support for mental health (columns C, D).
TABLE_3 = [
    ("E06000005", "Darlington", (3520, 1495, 42.5), (395, 70, 19.0)),
    ("E06000047", "County Durham", (19540, 10460, 53.5), (1380, 150, 10.7)),
    ("E08000037", "Gateshead", (5460, 2385, 43.7), (250, 105, 41.3)),
    ("E06000001", "Hartlepool", (5730, 1880, 32.8), (400, 150, 36.9)),
    ("E06000002", "Middlesbrough", (7500, 1735, 23.1), (1105, 60, 5.5)),
    ("E08000021", "Newcastle upon Tyne", (9480, 4070, 42.9), (575, 145, 25.2)),
    ("E08000022", "North Tyneside", (3840, 2605, 67.8), (450, 50, 11.1)),
    ("E06000057", "Northumberland", (8635, 3890, 45.0), (665, 30, 4.7)),
    ("E06000003", "Redcar and Cleveland", (6435, 1520, 23.6), (345, 50, 14.1)),
    ("E08000023", "South Tyneside", (5745, 3505, 61.0), (260, 80, 31.8)),
    ("E06000004", "Stockton-on-Tees", (6905, 1280, 18.5), (405, 30, 7.7)),
    ("E08000024", "Sunderland", (6320, 4025, 64.6), (320, 75, 24.1)),
    ("E12000001", "North East", (89025, 38855, 43.6), (6525, 995, 15.3)),
    ("E92000001", "England", (1407190, 605425, 43.0), (144030, 21050, 14.6)),
]
BREAKDOWNS = [("all", "all"), ("18-64", "mental_health")]

# Notes expected on the loaded rows: (area code, age band) -> the note's opening words.
NOTES = {
    ("E06000005", "18-64"): "Published 19% is further from the counts' ratio (17.7%) than rounding",
    ("E08000024", "all"): "Published 64.6% is further from the counts' ratio (63.7%) than rounding",
    ("E06000001", "18-64"): "Published 36.9% differs from the counts' ratio (37.5%) by 0.6 points",
    ("E08000037", "18-64"): "Published 41.3% differs from the counts' ratio (42.0%) by 0.7 points",
    ("E08000023", "18-64"): "Published 31.8% differs from the counts' ratio (30.8%) by 1.0 points",
    ("E08000024", "18-64"): "Published 24.1% differs from the counts' ratio (23.4%) by 0.7 points",
    ("E12000001", "all"): "Regional totals are not the sum of the rounded council counts",
    ("E92000001", "all"): 'Column A printed as "1,407, 190".',
}
BEYOND_ROUNDING = {("E06000005", "18-64"), ("E08000024", "all")}


def _observations(db_path, where: str = "TRUE", parameters=()):
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(
            f"SELECT * FROM observations WHERE {where} ORDER BY area_code, age_band, client_group",
            list(parameters)).fetch_df()


@pytest.mark.parametrize("row", TABLE_3, ids=[r[1] for r in TABLE_3])
@pytest.mark.parametrize("breakdown", BREAKDOWNS, ids=["all_adults", "18-64_mental_health"])
def test_each_table_3_cell_is_loaded_as_published(bundled_db, row, breakdown):
    code, name, all_adults, mental_health = row
    age_band, client_group = breakdown
    denominator, numerator, value = all_adults if age_band == "all" else mental_health
    loaded = _observations(bundled_db, "area_code = ? AND period = '2011-12' AND measure_id = "
                           "'sds_users' AND age_band = ? AND client_group = ?",
                           [code, age_band, client_group])
    assert len(loaded) == 1
    observation = loaded.iloc[0]
    assert observation["area_name"] == name
    assert observation["value"] == value
    assert observation["numerator"] == numerator
    assert observation["denominator"] == denominator
    assert observation["value_status"] == "published"
    assert observation["source_id"] == "report2013_table3_north_east_2011_12"
    expected_note = NOTES.get((code, age_band))
    if expected_note is None:
        assert observation["note"] is None or observation["note"] != observation["note"]
    else:
        assert observation["note"].startswith(expected_note)
    expected_check = "beyond_rounding" if (code, age_band) in BEYOND_ROUNDING else "consistent"
    assert observation["counts_check"] == expected_check


def test_table_3_types_and_regions(bundled_db):
    loaded = _observations(bundled_db, "source_id = 'report2013_table3_north_east_2011_12'")
    assert len(loaded) == 28
    assert loaded.groupby("area_type").size().to_dict() == {"council": 24, "country": 2, "region": 2}
    councils = loaded[loaded["area_type"] == "council"]
    assert set(councils["region_code"]) == {"E12000001"}
    assert loaded.loc[loaded["area_code"] == "E92000001", "region_code"].isna().all()


def test_provenance_points_at_the_printed_cell(bundled_db):
    darlington = _observations(bundled_db, "area_code = 'E06000005' AND age_band = '18-64'").iloc[0]
    # Header block lines 1-7, column headings on line 8, Darlington on line 9; % D/C is column G.
    assert darlington["source_file"].endswith("report2013_table3_north_east_2011_12.csv")
    assert (darlington["source_row"], darlington["value_cell"], darlington["numerator_cell"],
            darlington["denominator_cell"]) == (9, "G9", "F9", "E9")


def test_national_client_group_averages(bundled_db):
    loaded = _observations(bundled_db, "area_code = 'E92000001' AND period = '2011-12'")
    values = {(r.age_band, r.client_group): r.value for r in loaded.itertuples()}
    assert values == {("18-64", "learning_disability"): 58.8, ("18-64", "physical"): 47.9,
                      ("18-64", "mental_health"): 14.6, ("65+", "all"): 45.2, ("all", "all"): 43.0}


def test_sources_table_names_the_publication(bundled_db):
    with duckdb.connect(str(bundled_db), read_only=True) as connection:
        source = connection.execute(
            "SELECT * FROM sources WHERE source_id = 'report2013_table3_north_east_2011_12'"
        ).fetch_df().iloc[0]
    assert source["cites"].startswith("Adult Social Care Outcomes Framework - England, 2011-12, Final")
    assert source["title"].startswith("Chaos or Empowerment?")
    assert source["rows_loaded"] == 28
    raw = bundled_db.parent / "raw" / "report2013_table3_north_east_2011_12.csv"
    assert source["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()


def test_build_report_lists_the_regional_total_anomaly(bundled_db):
    report = (bundled_db.parent / "build_report.md").read_text()
    assert "| region_total_vs_councils | warning | 1 |" in report
    assert "| value_beyond_rounding | warning | 2 |" in report
    assert "89110.0" in report


def test_building_twice_gives_identical_tables(raw_copy, tmp_path):
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    build([raw_copy], first)
    build([raw_copy], second)
    query = "SELECT * FROM facts ORDER BY ALL"
    with duckdb.connect(str(first), read_only=True) as a, duckdb.connect(str(second), read_only=True) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def _break_cell(raw_copy, old: str, new: str):
    path = raw_copy / "report2013_table3_north_east_2011_12.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_non_numeric_count_fails_the_build_and_keeps_the_old_database(raw_copy, tmp_path):
    db_path = tmp_path / "uptake.duckdb"
    build([raw_copy], db_path)
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    _break_cell(raw_copy, "Durham,19540,10460,", 'Durham,19540,"10,46O",')

    command = [sys.executable, "-m", "etl", "build", "--raw", str(raw_copy), "--db", str(db_path)]
    result = subprocess.run(command + ["--strict"], capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 1
    message = result.stderr
    assert "report2013_table3_north_east_2011_12.csv, row 10, cell C10" in message
    assert "'10,46O' is not a number or a known marker" in message
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM observations").fetchone()[0] == 45
    assert not list(tmp_path.glob(".uptake.duckdb.tmp-*"))

    # Without --strict the file is refused whole and the other three load; the last line says so.
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("refused raw/report2013_table3_north_east_2011_12.csv, row 10, cell C10: "
                               "'10,46O' is not a number") for line in lines)
    assert lines[-1].endswith("REFUSED 1 file, not loaded: raw/report2013_table3_north_east_2011_12.csv "
                              "(reasons above and in the report; --strict fails instead).")
    with duckdb.connect(str(db_path), read_only=True) as connection:
        files = connection.execute("SELECT DISTINCT source_file FROM observations ORDER BY 1").fetchall()
        refused = connection.execute("SELECT outcome, reason FROM build_files WHERE file_name = "
                                     "'raw/report2013_table3_north_east_2011_12.csv'").fetchall()
    assert files == [("raw/national_personal_budgets_and_investment.csv",),
                     ("raw/report2013_national_client_groups_2011_12.csv",), ("raw/report2013_survey_figures.csv",)]
    assert refused[0][0] == "refused" and "row 10, cell C10" in refused[0][1]


def test_an_unknown_council_is_named_with_the_closest_known_names(raw_copy, tmp_path):
    _break_cell(raw_copy, "Hartlepool,", "Hartlepol,")
    with pytest.raises(SourceError) as error:
        build([raw_copy], tmp_path / "uptake.duckdb", strict=True)
    assert error.value.row == 12 and error.value.cell == "A12"
    assert "unknown area 'Hartlepol' (closest known: Hartlepool" in str(error.value)
    assert not (tmp_path / "uptake.duckdb").exists()


def test_a_failed_data_check_names_the_rows_and_keeps_the_old_database(raw_copy, tmp_path):
    db_path = tmp_path / "uptake.duckdb"
    build([raw_copy], db_path)
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    # England's row gone: councils have figures England lacks, a check that fails the build.
    path = raw_copy / "report2013_table3_north_east_2011_12.csv"
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if not line.startswith("England(152)")))
    with pytest.raises(BuildError) as error:
        build([raw_copy], db_path)
    assert "england_missing" in str(error.value) and "'measure_id': 'sds_users'" in str(error.value)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


def test_a_numerator_over_its_denominator_is_refused_at_load_naming_both_cells(raw_copy, tmp_path):
    _break_cell(raw_copy, "Gateshead,5460,2385,", "Gateshead,5460,6385,")
    with pytest.raises(SourceError) as error:
        build([raw_copy], tmp_path / "uptake.duckdb", strict=True)
    assert error.value.row == 11 and error.value.cell == "C11"
    assert "the numerator 6385 (cell C11) is larger than its denominator 5460 (cell B11)" in str(error.value)


def test_an_unrecognised_file_is_reported_and_others_still_load(raw_copy, tmp_path):
    (raw_copy / "notes.csv").write_text("Local Authority,Something else\nDarlington,1\n")
    report = build([raw_copy], tmp_path / "uptake.duckdb")
    assert [u["file"].endswith("notes.csv") for u in report.unrecognised] == [True]
    assert len(report.sources) == 4
    with pytest.raises(SourceError, match="is not a known layout"):
        build([raw_copy], tmp_path / "strict.duckdb", strict=True)
