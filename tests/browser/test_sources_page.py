"""The Sources and methods page on the full dataset: every publication with its checksum, the
series breaks, definitions, methods and the build report."""
from __future__ import annotations

import re

from .conftest import assert_accessible


def test_sources_breaks_definitions_methods_and_build_report(page, full_url):
    page.goto(full_url + "/sources")
    page.wait_for_selector("#build-report table", timeout=30000)
    rows = page.locator("#sources-table tbody tr").all()
    assert len(rows) == 20
    checksums = page.locator("#sources-table tbody td code.sha256").all_inner_texts()
    assert len(checksums) == 20 and all(re.fullmatch(r"[0-9a-f]{64}", c) for c in checksums)
    table = page.locator("#sources-table").inner_text()
    assert "report2013_table3_north_east_2011_12.csv" in table and "ASCFR and SALT Data Tables 2021-22.xlsx" in table
    build_id = re.search(r"\(build ([0-9a-f]{16})\)", page.locator("#sources-table caption").inner_text()).group(1)
    assert f"build {build_id}" in page.locator("#build-report-heading + p").inner_text()
    definitions = page.locator("#definition-breaks").inner_text()
    assert "Client Level Data" in definitions and "direct payments and personal budgets" in definitions
    boundaries = page.locator("#boundary-breaks").inner_text()
    assert "Bournemouth, Christchurch and Poole" in boundaries and "E06000058" in boundaries
    assert "mh_investment_per_head" in page.locator("#measures-table").inner_text()
    assert page.locator("#terms dt").all_inner_texts() == [
        "Personal budget", "Direct payment", "Self-directed support", "FACS (Fair Access to Care Services)",
        "Personal health budget"]
    main = page.locator("main").inner_text()
    for phrase in ("Wilson score", "Newcombe", "exact Poisson", "Spiegelhalter (2005)", "nearest 5",
                   "counted as 2", "Similar councils are the 15 closest"):
        assert phrase in main, phrase
    report = page.locator("#build-report").inner_text()
    assert "duplicate_grain" in report and "Unrecognised files" in report
    assert page.locator("#build-report table").count() >= 3
    assert_accessible(page)
    assert page.console_errors == []
