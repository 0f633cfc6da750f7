"""The Sources and methods page on the full dataset: every publication, every file the build read
with its checksum and the build report (the one section that names files), which source is shown
where several overlap and how far the others differ, the quality flags, the series breaks,
definitions and methods. And, on a build that refused a file, that the refused file is named
with its reason."""
from __future__ import annotations

import re

import duckdb
import pytest

from etl.build import build

from ..conftest import REALDATA, copy_bundled, start_app
from .conftest import assert_accessible

SALT = REALDATA / "salt" / "ASCFR and SALT Data Tables 2021-22.xlsx"


def scalar(db_path, sql: str):
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


# Every text on the page outside "Files this build read" (its heading up to the next h2).
OUTSIDE_THE_FILES_SECTION = """() => { const hidden = [];
    for (let e = document.getElementById('files'); e && !(e !== document.getElementById('files') && e.tagName === 'H2');
         e = e.nextElementSibling) { hidden.push(e); }
    hidden.forEach(e => e.style.display = 'none');
    const text = document.querySelector('main').innerText;
    hidden.forEach(e => e.style.display = '');
    return text; }"""


def test_sources_breaks_definitions_methods_and_build_report(page, full_url, full_db):
    page.goto(full_url + "/sources")
    page.wait_for_selector("#build-report table", state="attached", timeout=30000)
    assert page.title() == "Sources and methods - Self-directed support uptake in England"
    loaded = scalar(full_db[0], "SELECT count(*) FROM sources")
    assert loaded >= 25   # ASCOF stack, PSS-EX1 2006-07 and 2012-13, PSS expenditure, national figures...
    rows = page.locator("#sources-table tbody tr").all()
    assert len(rows) == loaded
    assert [t.strip() for t in page.locator("#sources-table thead th").all_inner_texts()] == [
        "Publication", "Period", "Publisher", "Check it at", "Licence", "Rows"]
    table = page.locator("#sources-table").inner_text()
    assert "Kind: Published value without counts" in table and "Kind: Official file with counts" in table
    # Each file loaded is named, with its checksum, among the files the build read, and nowhere else.
    checksums = page.locator("#files-table tbody td code.sha256").all_inner_texts()
    assert len(checksums) == loaded and all(re.fullmatch(r"[0-9a-f]{64}", c) for c in checksums)
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        expected = {r[0] for r in connection.execute("SELECT sha256 FROM sources").fetchall()}
        names = [r[0].split("/")[-1] for r in connection.execute("SELECT file_name FROM build_files").fetchall()]
    assert set(checksums) == expected
    files = page.locator("#files-table").inner_text()
    for name in ("report2013_table3_north_east_2011_12.csv", "ASCFR and SALT Data Tables 2021-22.xlsx",
                 "ascof-repos_trend_data.csv", "DetailedActivityDataByCouncil2006-07 ENG.xls",
                 "Annex_Fin_CASSR_Level_Activity_Data_2012_13.csv", "pss-exp-eng-14-15-fin-coun-lev-exp-data.csv",
                 "national_personal_budgets_and_investment.csv"):
        assert name in files.replace("\u200b", ""), name
    elsewhere = page.evaluate(OUTSIDE_THE_FILES_SECTION)
    assert "Measures and definitions" in elsewhere and "Build report" not in elsewhere
    assert [name for name in names if name in elsewhere] == []
    assert "python -m" not in page.locator("main").inner_text()
    build_id = re.search(r"\(build ([0-9a-f]{16})\)", page.locator("#sources-table caption").inner_text()).group(1)
    assert f"build {build_id}" in page.locator("#build-report-heading + p").inner_text()
    definitions = page.locator("#definition-breaks").inner_text()
    assert "Client Level Data" in definitions and "direct payments and personal budgets" in definitions
    boundaries = page.locator("#boundary-breaks").inner_text()
    assert "Bournemouth, Christchurch and Poole" in boundaries and "E06000058" in boundaries
    measures = page.locator("#measures-table").inner_text()
    for code in ("mh_investment_per_head", "control_daily_life", "dp_spend_share", "pb_recipients"):
        assert code in measures, code
    assert "thousands of pounds" in measures and "millions of pounds" in measures
    assert page.locator("#terms dt").all_inner_texts() == [
        "Personal budget", "Direct payment", "Self-directed support", "FACS (Fair Access to Care Services)",
        "Personal health budget"]
    main = page.locator("main").inner_text()
    for phrase in ("Wilson score", "Newcombe", "exact Poisson", "Spiegelhalter (2005)", "nearest 5",
                   "counted as 2", "Similar councils are the 15 closest", "an analyst's stack"):
        assert phrase in main, phrase
    # The build report waits behind a disclosure, under the files it names.
    assert not page.locator("#build-report").is_visible()
    page.locator("#build-report-details > summary").click()
    report = page.locator("#build-report").inner_text()
    assert "duplicate_grain" in report and "Unrecognised files" in report
    assert page.locator("#build-report table").count() >= 3
    assert_accessible(page)
    assert page.console_errors == []


def test_precedence_overlaps_and_differences_beyond_rounding(page, full_url, full_db):
    page.goto(full_url + "/sources")
    page.wait_for_selector("#overlap-summary", timeout=30000)
    assert page.locator("#source-precedence li").all_inner_texts()[0].startswith("Official file with counts:")
    assert [t.split(":")[0] for t in page.locator("#source-precedence li").all_inner_texts()] == [
        "Official file with counts", "Published value without counts", "Derived here"]

    # The summary: one row per measure, year and pair of sources, under a row naming the pair.
    row = page.locator('#overlap-summary tr[data-measure="sds_users"][data-period="2021-22"]')
    assert row.count() == 1
    compared = scalar(full_db[0], "SELECT count(*) FROM source_differences WHERE measure_id = 'sds_users' "
                                  "AND period = '2021-22'")
    largest = scalar(full_db[0], "SELECT max(abs(difference)) FROM source_differences WHERE "
                                 "measure_id = 'sds_users' AND period = '2021-22'")
    assert row.locator("th, td").all_inner_texts() == [
        "Adults receiving self-directed support", "2021-22", f"{compared:,}", "0", f"{largest:.1f} points"]
    pair = page.locator('#overlap-summary tbody:has(tr[data-measure="sds_users"][data-period="2021-22"]) '
                        'tr.source-pair').inner_text()
    assert "Shown: Measures from the Adult Social Care Outcomes Framework, England: outcomes 2017-18 to " \
           "2023-24, as stacked by an analyst (published value without counts)" in pair
    assert "Compared with: Adult Social Care Activity and Finance: England (SALT data tables) (derived here)" in pair
    official = page.locator('#overlap-summary tr[data-measure="sds_users"][data-period="2017-18"]')
    assert official.locator("td").all_inner_texts()[-2:] == ["0", "0.0 points"]
    summary_text = page.locator("#overlap-summary").inner_text()
    assert "ascof_repos_trend_data" not in summary_text and "sds_users" not in summary_text

    # Every difference beyond rounding, behind a native disclosure.
    details = page.locator("details#overlap-differences")
    beyond = scalar(full_db[0], "SELECT count(*) FROM source_differences WHERE beyond_rounding")
    assert details.locator("summary").inner_text() == f"The {beyond} values that differ beyond rounding"
    assert not page.get_by_text("Trafford").first.is_visible()
    details.locator("summary").click()
    table = page.locator("#overlap-differences-table")
    assert table.locator("tbody tr:not(.source-pair)").count() == beyond
    trafford = table.locator("tbody tr", has_text="Trafford").filter(has_text="Carers receiving self-directed support")
    cells = trafford.locator("th, td").all_inner_texts()
    assert cells[:6] == ["Trafford\nE08000009", "2021-22", "Carers receiving self-directed support", "75.0%",
                         "36.9%", "38.1 points lower"]
    assert "young carers" in cells[6]
    # South Tyneside 2021-22 (published 100.0, SALT-derived 99.7) agrees within rounding: counted
    # among the values compared above, not listed here.
    assert "South Tyneside" not in table.inner_text()
    assert_accessible(page)
    assert page.console_errors == []


def test_quality_flags_and_files_read(page, full_url, full_db):
    page.goto(full_url + "/sources")
    page.wait_for_selector("#quality-flags-list", timeout=30000)
    codes = page.locator("#quality-flags-list dt code").all_inner_texts()
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        expected = [r[0] for r in connection.execute("SELECT quality_flag FROM quality_flags ORDER BY rank").fetchall()]
        carrying = connection.execute(
            "SELECT count(*) FROM app_observations WHERE list_contains(string_split(quality_flag, '; '), "
            "'sds_equals_dp')").fetchone()[0]
    assert codes == expected and "sds_equals_dp" in codes
    flag = page.locator("#flag-sds_equals_dp").inner_text()
    assert flag.startswith("Self-directed support reported equal to direct payments sds_equals_dp")
    assert "a reporting artefact" in flag
    assert f"\u26a0 Not compared with England. {carrying:,} values carry it." in flag
    assert "Still compared with England" in page.locator("#flag-small_rounded_counts").inner_text()

    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        outcomes = dict(connection.execute("SELECT outcome, count(*) FROM build_files GROUP BY ALL").fetchall())
        first_file, first_reason = connection.execute(
            "SELECT file_name, reason FROM build_files WHERE outcome <> 'loaded' "
            "ORDER BY outcome = 'refused' DESC, outcome = 'unrecognised' DESC, outcome = 'duplicate' DESC, "
            "file_name LIMIT 1").fetchone()
    assert outcomes.get("refused", 0) == 0 and outcomes["loaded"] >= 25
    summary = page.locator("#files + p").inner_text()
    assert summary.startswith(f"This build read {sum(outcomes.values())} files: {outcomes['loaded']} loaded, "
                              f"0 refused, {outcomes.get('unrecognised', 0)} not recognised, "
                              f"{outcomes.get('duplicate', 0)} duplicates")
    assert page.locator("#refused-files-message").count() == 0
    rows = page.locator("#files-table tbody tr")
    assert rows.count() == sum(outcomes.values())
    # Files not loaded come first, each with the build's reason (the two council code lookups in
    # realdata/reference are read as reference files, or listed as not recognised).
    first = rows.first.locator("th, td").all_inner_texts()
    assert first[0] == first_file and first_file.startswith("realdata/reference/")
    assert first[1].endswith("\n" + first_reason)
    stack = rows.filter(has_text="realdata/ascof_stack/ascof-repos_trend_data.csv").locator("td").inner_text()
    assert stack.startswith("Loaded\nMeasures from the Adult Social Care Outcomes Framework, England: outcomes")
    checksum = scalar(full_db[0], "SELECT sha256 FROM sources WHERE file_name LIKE '%ascof-repos_trend_data.csv'")
    assert stack.endswith(f"SHA-256 {checksum}")
    assert page.console_errors == []


# Every header cell of the box's table ends inside the box (a scroll width alone can miss cells
# that overflow a table the browser sized to the box).
FITS_ITS_BOX = """box => { const b = document.querySelector(box); const right = b.getBoundingClientRect().right;
  return b.scrollWidth <= b.clientWidth
    && [...b.querySelectorAll('thead th')].every(th => th.getBoundingClientRect().right <= right + 1); }"""


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_page_never_scrolls_sideways_and_its_tables_scroll_in_their_own_box(browser, full_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(full_url + "/sources")
        page.wait_for_selector("#build-report table", state="attached", timeout=30000)
        page.locator("#build-report-details > summary").click()     # its tables too
        assert page.evaluate("document.documentElement.scrollWidth") == width
        boxes = page.locator(".table-scroll")
        assert boxes.count() >= 7
        for box in boxes.all():
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label")
            assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        for table_id in ("sources-table", "files-table", "overlap-summary", "measures-table"):
            assert page.locator(f".table-scroll > #{table_id}").count() == 1, table_id
        if width == 390:   # the overlap summary and the files fit a phone; the publications scroll
            for box in ("#overlap-summary-box", "#files-box"):
                assert page.evaluate(FITS_ITS_BOX, box), box
            assert not page.evaluate(FITS_ITS_BOX, "#sources-box")
    finally:
        context.close()


@pytest.fixture(scope="module")
def refused_url(tmp_path_factory):
    """The app over a build that refused a truncated workbook and skipped a byte-for-byte copy."""
    raw = copy_bundled(tmp_path_factory.mktemp("refused") / "raw")
    (raw / "salt_2021_22.xlsx").write_bytes(SALT.read_bytes()[:600_000])
    (raw / "copy_of_survey_figures.csv").write_bytes((raw / "report2013_survey_figures.csv").read_bytes())
    db_path = raw.parent / "uptake.duckdb"
    build([raw], db_path)
    process, url = start_app(db_path)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_refused_file_is_named_with_its_reason(page, refused_url):
    page.goto(refused_url + "/sources")
    page.wait_for_selector("#files-table", timeout=30000)
    assert page.locator("#refused-files-message").inner_text() == (
        "\u26a0 1 file was refused: figures from it are missing from this site until it is fixed or replaced.")
    assert page.locator("#files + p").inner_text().startswith(
        "This build read 6 files: 4 loaded, 1 refused, 0 not recognised, 1 duplicate.")
    rows = page.locator("#files-table tbody tr")
    assert rows.first.get_attribute("class") == "file-refused"
    assert rows.first.locator("th, td").all_inner_texts() == [
        "raw/salt_2021_22.xlsx",
        "\u26a0 Refused\nraw/salt_2021_22.xlsx: is an incomplete .xlsx file: its zip archive has no directory "
        "at the end, so the download was probably cut short. Re-fetch the file and build again."]
    duplicate = rows.nth(1).locator("th, td").all_inner_texts()
    assert duplicate == ["raw/report2013_survey_figures.csv",
                         "Skipped: duplicate\nraw/report2013_survey_figures.csv (same bytes as "
                         "raw/copy_of_survey_figures.csv)"]
    assert page.locator("#overlap-message").inner_text() == "No two sources loaded in this build give the same figure."
    assert_accessible(page)
    assert page.console_errors == []
