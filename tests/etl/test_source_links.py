"""Every loaded file names where a reader can check it: the publisher's page and the file's URL."""
from __future__ import annotations

import shutil
import tomllib

import duckdb

from etl.build import build
from etl.fetch import MANIFEST

from ..conftest import RAW, REALDATA

REPORT_PAGE = ("https://amhp.org.uk/mental-health-north-east-chaos-or-empowerment-the-impact-of-"
               "personalisation-on-the-north-easts-voluntary-mental-health-sector-and-those-who-"
               "depend-on-it/")


def manifest_by_path() -> dict[str, dict]:
    with MANIFEST.open("rb") as handle:
        return {entry["path"]: entry for entry in tomllib.load(handle)["file"]}


def sources(db_path) -> dict[str, dict]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        cursor = connection.execute("SELECT * FROM sources")
        names = [column[0] for column in cursor.description]
        return {row[1]: dict(zip(names, row)) for row in cursor.fetchall()}


def test_every_source_row_of_the_full_build_has_a_landing_page(full_db):
    rows = sources(full_db[0])
    assert len(rows) == 25
    missing = [name for name, row in rows.items() if not row["landing_page"]]
    assert missing == []
    assert all(row["landing_page"].startswith("https://") for row in rows.values())
    check = next(c for c in full_db[1].checks if c.name == "source_without_landing_page")
    assert check.passed


def test_official_files_carry_the_manifests_page_and_url(full_db):
    rows = sources(full_db[0])
    manifest = manifest_by_path()
    salt = rows["realdata/salt/ASCFR and SALT Data Tables 2021-22.xlsx"]
    entry = manifest["salt/ASCFR and SALT Data Tables 2021-22.xlsx"]
    assert (salt["landing_page"], salt["file_url"], salt["link_basis"]) == \
        (entry["landing_page"], entry["url"], "manifest_sha256")
    assert salt["file_url"] == ("https://files.digital.nhs.uk/AF/4C9A4F/"
                                "ASCFR%20and%20SALT%20Data%20Tables%202021-22.xlsx")
    # Every realdata file is matched by its bytes, and takes exactly its entry's links.
    for name, row in rows.items():
        if name.startswith("realdata/"):
            entry = manifest[name.removeprefix("realdata/")]
            assert row["link_basis"] == "manifest_sha256", name
            assert (row["landing_page"], row["file_url"]) == (entry["landing_page"], entry.get("url"))


def test_the_reports_transcriptions_point_at_the_report(full_db):
    rows = sources(full_db[0])
    for name in ("raw/report2013_table3_north_east_2011_12.csv", "raw/report2013_survey_figures.csv",
                 "raw/report2013_national_client_groups_2011_12.csv"):
        assert (rows[name]["landing_page"], rows[name]["file_url"], rows[name]["link_basis"]) == \
            (REPORT_PAGE, None, "source_metadata"), name
    national = rows["raw/national_personal_budgets_and_investment.csv"]
    assert national["landing_page"] == "https://www.adass.org.uk/personal-budget-survey"


def test_a_revised_download_is_matched_by_path_and_an_unlisted_file_is_reported(tmp_path):
    raw = tmp_path / "raw"
    (raw / "downloaded" / "ascof").mkdir(parents=True)
    # The publisher revised the file in place: its bytes no longer match the manifest's hash.
    original = (REALDATA / "ascof" / "ascof_1C_2014_15.csv").read_bytes()
    (raw / "downloaded" / "ascof" / "ascof_1C_2014_15.csv").write_bytes(original + b"\n")
    # A transcription whose header block names no page, under a name the manifest never lists.
    survey = (RAW / "report2013_survey_figures.csv").read_text(encoding="utf-8")
    (raw / "my_survey.csv").write_text(
        "".join(line for line in survey.splitlines(keepends=True) if not line.startswith("# url:")),
        encoding="utf-8")
    shutil.copy(RAW / "report2013_table3_north_east_2011_12.csv", raw)
    report = build([raw], tmp_path / "uptake.duckdb")
    rows = sources(tmp_path / "uptake.duckdb")
    entry = manifest_by_path()["ascof/ascof_1C_2014_15.csv"]
    revised = rows["raw/downloaded/ascof/ascof_1C_2014_15.csv"]
    assert (revised["landing_page"], revised["link_basis"]) == (entry["landing_page"], "manifest_path")
    assert rows["raw/my_survey.csv"]["landing_page"] is None
    check = next(c for c in report.checks if c.name == "source_without_landing_page")
    assert check.offending["file_name"].tolist() == ["raw/my_survey.csv"]
