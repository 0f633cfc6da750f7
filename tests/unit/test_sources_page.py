"""The Sources page's pure helpers: the overlap summary and differences beyond rounding (on the
real full warehouse), flag counting, the files list and source names."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dash import html

from dashboards import db
from dashboards.pages import sources as page


@pytest.fixture(scope="module")
def warehouse(full_db) -> db.Warehouse:
    return db.Warehouse(full_db[0])


def test_overlap_summary_has_one_row_per_measure_year_and_pair_of_sources(warehouse):
    differences = db.source_differences(warehouse)
    summary = page.overlap_summary(differences)
    assert not summary.duplicated(["measure_id", "period", "shown_source", "other_source"]).any()
    assert summary["compared"].sum() == len(differences)
    row = summary[(summary["measure_id"] == "sds_users") & (summary["period"] == "2021-22")]
    assert len(row) == 1
    row = row.iloc[0]
    assert (row["shown_source"], row["shown_kind"]) == ("ascof_repos_trend_data", "published_without_counts")
    assert (row["other_source"], row["other_kind"]) == ("ascfr_and_salt_data_tables_2021_22", "derived")
    # South Tyneside (published 100.0, SALT-derived 99.7) is compared but within rounding.
    assert row["beyond_rounding"] == 0 and row["compared"] > 150
    assert row["largest"] == pytest.approx(differences.loc[
        (differences["measure_id"] == "sds_users") & (differences["period"] == "2021-22"), "difference"].abs().max())
    carers = summary[(summary["measure_id"] == "sds_carers") & (summary["period"] == "2021-22")].iloc[0]
    assert carers["beyond_rounding"] >= 1 and carers["largest"] > 38


def test_beyond_rounding_lists_trafford_carers_and_not_south_tyneside(warehouse):
    listed = page.beyond_rounding(db.source_differences(warehouse))
    assert listed["beyond_rounding"].all()
    trafford = listed[(listed["area_name"] == "Trafford") & (listed["measure_id"] == "sds_carers")].iloc[0]
    assert trafford["shown_value"] == 75.0 and round(trafford["other_value"], 1) == 36.9
    assert "South Tyneside" not in set(listed["area_name"])
    # Largest first within each measure and year.
    for _, group in listed.groupby(["period", "measure_id"]):
        sizes = group["difference"].abs().tolist()
        assert sizes == sorted(sizes, reverse=True)


def test_flag_counts_count_each_code_of_a_value_once_and_skip_empty_values():
    flags = pd.Series(["not_comparable_between_councils; sds_equals_dp", "sds_equals_dp", None, "", "estimate"])
    assert page.flag_counts(flags) == {"sds_equals_dp": 2, "not_comparable_between_councils": 1, "estimate": 1}
    assert page.flag_counts(pd.Series([None, ""], dtype=object)) == {}


def test_shown_flag_counts_match_the_warehouse(warehouse, full_db):
    counts, total = page.shown_flag_counts(warehouse)
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        expected_total = connection.execute("SELECT count(*) FROM app_observations").fetchone()[0]
        sds_equals_dp = connection.execute(
            "SELECT count(*) FROM app_observations WHERE list_contains(string_split(quality_flag, '; '), "
            "'sds_equals_dp')").fetchone()[0]
    assert total == expected_total
    assert counts["sds_equals_dp"] == sds_equals_dp > 0


def test_files_put_refused_first_and_say_how_many_of_each():
    files = pd.DataFrame({"file_name": ["raw/b.csv", "raw/a.csv", "raw/bad.xlsx", "raw/odd.csv", "raw/copy.csv",
                                        "raw/lookup.csv"],
                          "outcome": ["loaded", "loaded", "refused", "unrecognised", "duplicate", "reference"],
                          "reason": [None, None, "raw/bad.xlsx, sheet T1, cell B4: ...", "closest layout ...",
                                     "raw/copy.csv (same bytes as raw/a.csv)", "a council code lookup"]})
    assert page.ordered_files(files)["file_name"].tolist() == [
        "raw/bad.xlsx", "raw/odd.csv", "raw/copy.csv", "raw/lookup.csv", "raw/a.csv", "raw/b.csv"]
    assert page.files_summary(files) == (
        "This build read 6 files: 2 loaded, 1 refused, 1 not recognised, 1 duplicate, 1 reference file.")
    # The four usual outcomes are always counted, even at zero; others only when present.
    assert page.files_summary(files[files["outcome"] == "loaded"]) == (
        "This build read 2 files: 2 loaded, 0 refused, 0 not recognised, 0 duplicates.")


def test_files_shared_by_title_are_named_with_their_period():
    sources = pd.DataFrame({"source_id": ["a", "b", "c"], "file_name": ["x/a.csv", "x/b.csv", "x/c.csv"],
                            "title": ["ASCOF open data", "ASCOF open data", "SALT"],
                            "period": ["2017-18", "2020-21", "2021-22"]})
    assert page.source_names(sources) == {"a": "ASCOF open data, 2017-18", "b": "ASCOF open data, 2020-21",
                                          "c": "SALT"}


def test_a_file_path_breaks_after_separators_only():
    parts = page.breakable("realdata/ascof/ascof_1C_2014_15.csv")
    assert "".join(p for p in parts if isinstance(p, str)) == "realdata/ascof/ascof_1C_2014_15.csv"
    assert [p for p in parts if isinstance(p, str)] == ["realdata/", "ascof/", "ascof_", "1C_", "2014_", "15.",
                                                       "csv"]
    assert all(isinstance(p, html.Wbr) for p in parts[1::2])


def test_differences_are_said_in_points_and_words():
    assert page.difference_size(-38.19, "percent") == "38.2 points"
    assert page.signed_difference(-38.19, "percent") == "38.2 points lower"
    assert page.signed_difference(2.0, "count") == "2 higher"
    assert page.signed_difference(0.0, "percent") == "the same"


def test_file_names_and_checksums_are_listed_with_the_files_read_not_the_publications():
    sources = pd.DataFrame([{"source_id": "s", "file_name": "raw/downloaded/ascof/a.csv", "layout_id": "ascof_long",
                             "title": "ASCOF", "publisher": "NHS Digital", "cites": None, "period": "2014-15",
                             "licence": "OGL", "transcription": None, "sha256": "ab" * 32, "rows_loaded": 2268,
                             "source_kind": "official_with_counts"}])
    publications = page.sources_table(sources, "b1")
    shown = str(publications.to_plotly_json())
    assert "a.csv" not in shown and "ascof_long" not in shown and "ab" * 32 not in shown
    files = pd.DataFrame({"file_name": ["raw/downloaded/ascof/a.csv", "raw/b.csv"], "outcome": ["loaded", "duplicate"],
                          "reason": [None, "raw/b.csv (same bytes as raw/a.csv)"]})
    table = page.files_table(files, sources)
    loaded = table.children[2].children[1]          # duplicates first, then the loaded file
    detail = loaded.children[1].children
    assert detail[2] == "ASCOF: 2,268 rows." and detail[4].children[1].children == "ab" * 32
    assert detail[4].children[1].className == "sha256"


def test_the_build_report_sits_under_the_files_behind_a_disclosure_and_no_message_names_a_command(tmp_path):
    (tmp_path / "build_report.md").write_text("# Build report\n\n## Sources\n\n| source | rows |\n|---|---|\n"
                                              "| raw/a.csv | 2 |\n", encoding="utf-8")
    heading, intro, details = page.build_report_section(tmp_path / "build_report.md", "b1")
    assert type(heading).__name__ == "H3" and heading.id == "build-report-heading"
    assert type(details).__name__ == "Details" and details.children[0].children == "Show the build report"
    # The report's own sections are h4s under the h3; its top heading is dropped.
    assert details.children[1].children.children == "\n#### Sources\n\n| source | rows |\n|---|---|\n| raw/a.csv | 2 |"
    empty = page.files_section(pd.DataFrame(columns=["file_name", "outcome", "reason"]), pd.DataFrame())
    missing = page.build_report_section(tmp_path / "nothing.md", "b1")
    for said in (empty[0].children, missing[1].children):
        assert "python" not in said and "`" not in said and ".md" not in said
    assert [anchor for anchor, _ in page.SECTIONS][-1] == "methods"


def test_each_publication_links_to_its_publishers_page_and_file_where_known():
    sources = pd.DataFrame([
        {"source_id": "salt", "file_name": "raw/downloaded/salt/t.xlsx", "title": "SALT data tables",
         "publisher": "NHS Digital", "period": "2021-22", "licence": "OGL", "rows_loaded": 5,
         "landing_page": "https://digital.nhs.uk/salt-2021-22", "file_url": "https://files.digital.nhs.uk/t.xlsx"},
        {"source_id": "report", "file_name": "raw/r.csv", "title": "Chaos or Empowerment?",
         "publisher": "MHNE", "period": "2011-12", "licence": "OGL", "rows_loaded": 3,
         "landing_page": "https://amhp.org.uk/report/", "file_url": None}])
    table = page.sources_table(sources, "b1")
    rows = table.children[2].children
    links = [[(a.children, a.href, a.title) for a in row.children[3].children if type(a).__name__ == "A"]
             for row in rows]
    assert links == [
        [("Publisher's page", "https://digital.nhs.uk/salt-2021-22", "Publisher's page: SALT data tables, 2021-22"),
         ("The file", "https://files.digital.nhs.uk/t.xlsx", "The published file: SALT data tables, 2021-22")],
        [("Publisher's page", "https://amhp.org.uk/report/", "Publisher's page: Chaos or Empowerment?, 2011-12")]]
    assert "raw/" not in str(table.to_plotly_json())
