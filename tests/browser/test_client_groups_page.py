"""The Client groups page on the full dataset: the report's Table 3 reproduced, with gaps and
significance; the sort, year and measure selects change the table and the URL; a saved URL
restores. (Chart first, on a phone, with the reader's council: test_client_groups_chart_first.py.)"""
from __future__ import annotations

import re

from .conftest import assert_accessible, embed_code

TABLE_3_URL = "/client-groups?measure=sds_users&period=2011-12&region=E12000001"


def table_rows(page) -> dict[str, list[str]]:
    rows = page.locator("#client-groups-table tbody tr").all()
    cells = [[" ".join(c.inner_text().split()) for c in row.locator("th, td").all()] for row in rows]
    return {row[0]: row[1:] for row in cells}


def row_names(page) -> list[str]:
    return [t.strip() for t in page.locator("#client-groups-table tbody tr th").all_inner_texts()]


def headers(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#client-groups-table thead th").all_inner_texts()]


def wait_for_change(page, before: str):
    page.wait_for_function(
        "before => { const t = document.querySelector('#client-groups-table caption');"
        " return t && t.innerText !== before; }", arg=before, timeout=30000)


def caption(page) -> str:
    return page.locator("#client-groups-table caption").inner_text()


def legend_entries(page) -> list[str]:
    """The chart's legend entries, each entry's lines joined by a space."""
    return page.evaluate("""() => [...document.querySelectorAll('#client-groups-chart g.legend text.legendtext')]
        .map(t => { const lines = [...t.querySelectorAll('tspan.line')].map(s => s.textContent);
                    return lines.length ? lines.join(' ') : t.textContent; })""")


def choose(page, control: str, value: str) -> None:
    """Pick an option of one of the page's selects (opening "More options" when it is there)."""
    select = page.locator(f"#client-groups-{control}")
    if not select.is_visible():
        page.locator("#client-groups-controls details.more > summary").click()
    before = caption(page)
    select.select_option(value)
    wait_for_change(page, before)


def test_table_3_is_reproduced_with_gaps_significance_and_notes(page, full_url):
    page.goto(full_url + TABLE_3_URL)
    page.wait_for_selector("#client-groups-chart g.ytick text", timeout=30000)
    assert headers(page)[:4] == ["Area", "Code", "All client groups, all adults (18+)", "Mental health (18-64)"]
    rows = table_rows(page)
    assert len(rows) == 14 and row_names(page)[-2:] == ["North East", "England"]
    darlington = rows["Darlington"]
    assert darlington[1] == "42.5% -0.5 pts \u25cf similar"
    # Darlington's 19% is further from its own counts than rounding explains: flagged, so marked.
    assert re.fullmatch(r"19\.0% \u26a0 \u2020\d+ \+4\.4 pts \u25cf similar", darlington[2])
    assert re.fullmatch(r"41\.3% \u2020\d+ \+26\.7 pts \u25b2 higher", rows["Gateshead"][2])
    assert re.fullmatch(r"43\.0% \u2020\d+", rows["England"][1]) and rows["England"][2] == "14.6%"
    assert rows["North East"][2] == "15.3% +0.7 pts \u25cf similar"
    # England-only national averages (report p. 10) sit in their own columns.
    assert headers(page)[4:] == ["Physical disability or support (18-64)", "Learning disability (18-64)"]
    assert rows["England"][3].startswith("47.9% \u2020") and rows["England"][4].startswith("58.8% \u2020")
    assert rows["Darlington"][3] == "no data"
    # The dagger's note is listed under the table.
    number = re.search(r"\u2020(\d+)", darlington[2]).group(1)
    note = page.locator(f"#client-groups-note-{number}").inner_text()
    assert note.startswith("\u26a0 The published figure is further from its own counts (17.7%) than rounding "
                           "can explain; shown as published.")
    assert "Published 19% is further from the counts' ratio (17.7%)" in note
    # The caveats under the chart: the flag, the councils it is on, what it means.
    caveats = page.locator("#client-groups-caveats").inner_text()
    assert "\u26a0 Differs from its own counts (Darlington, Sunderland)" in caveats
    ticks = page.locator("#client-groups-chart g.ytick text").all_text_contents()
    assert len(ticks) == 12 and "Gateshead" in ticks
    # England's values are named in the legend (above the plot), beside the client groups.
    assert legend_entries(page) == ["All client groups, all adults (18+)", "Mental health (18-64)",
                                    "England, all client groups, all adults (18+): 43.0%",
                                    "England, mental health (18-64): 14.6%"]
    # The text alternative waits in a native <details> under the chart.
    description = page.locator("#client-groups-description")
    assert not description.is_visible()
    page.get_by_text("The chart in words").click()
    assert description.is_visible()
    assert "Mental health (18-64): highest Gateshead (41.3%), lowest Northumberland (4.7%)" in description.inner_text()
    assert "is below all client groups, all adults (18+) in 11 of 12 councils" in description.inner_text()
    # No investment figures: said in words, with the Sources page linked (no internal commands).
    investment = page.locator("#investment-message")
    assert investment.inner_text().startswith("No figures on investment in adult mental health services are "
                                              "loaded for 2011-12.")
    assert "python" not in investment.inner_text()
    assert investment.get_by_role("link").get_attribute("href") == "/sources"
    assert "Adult Social Care Outcomes Framework - England, 2011-12, Final" in \
        page.locator("#client-groups-source").inner_text()
    # The chart's data, picture and embed code, at its canonical URL (every parameter spelled out).
    canonical = "?measure=sds_users&period=2011-12&age_band=18-64&region=E12000001&sort=area"
    assert page.locator("#client-groups-download-csv").get_attribute("href") == "/download/client-groups.csv" + canonical
    assert page.locator("#client-groups-image-png").get_attribute("href") == "/image/client-groups.png" + canonical
    code = embed_code(page, "client-groups")
    assert code.startswith("<iframe src=") and full_url + "/embed/client-groups?measure=sds_users" in code
    assert_accessible(page)
    assert page.console_errors == []


def test_sort_year_and_measure_change_table_and_url_and_a_saved_url_restores(page, full_url):
    page.goto(full_url + TABLE_3_URL)
    page.wait_for_selector("#client-groups-table tbody tr")
    assert row_names(page)[:3] == ["County Durham", "Darlington", "Gateshead"]
    # The controls are labelled native selects in a row (no form: nothing submits); the sort
    # waits behind "More options".
    assert page.locator("#client-groups-controls").get_attribute("role") == "group"
    assert page.locator("main form").count() == 0
    assert [page.get_by_label(label, exact=True).evaluate("e => e.tagName") for label in
            ("Measure", "Year (to 31 March)", "Councils in", "Age band", "Sort councils by")] == ["SELECT"] * 5
    assert not page.get_by_label("Sort councils by", exact=True).is_visible()
    choose(page, "sort", "mental_health")
    page.wait_for_function("() => location.search.includes('sort=mental_health')")
    assert row_names(page)[:3] == ["Gateshead", "Hartlepool", "South Tyneside"]
    assert page.locator("#client-groups-table thead th[aria-sort='descending']").inner_text() == "Mental health (18-64)"
    assert page.locator("#client-groups-download-csv").get_attribute("href") == (
        "/download/client-groups.csv?measure=sds_users&period=2011-12&age_band=18-64&region=E12000001"
        "&sort=mental_health")
    saved = page.url
    # A later year: councils' figures are for all client groups only, England's by group.
    choose(page, "period", "2021-22")
    assert "period=2021-22" in page.url
    assert "published for England only" in page.locator("#client-groups-message").inner_text()
    # Another measure: counts, no gaps.
    choose(page, "measure", "lts_clients")
    assert "measure=lts_clients" in page.url
    assert "Substance misuse" in headers(page)
    assert "pts" not in page.locator("#client-groups-table tbody").inner_text()
    # The age band chosen before is kept where the new measure has it.
    assert page.locator("#client-groups-age_band").input_value() == "18-64"
    assert page.locator("#client-groups-age_band").evaluate("e => e.options[e.selectedIndex].text") == "Adults aged 18-64"
    assert "adults aged 18-64" in caption(page)
    assert table_rows(page)["England"][1] == "253,715"          # SALT 2021-22 LTS001b, 18-64
    # The saved URL restores the sorted 2011-12 view.
    page.goto(saved)
    page.wait_for_selector("#client-groups-table tbody tr")
    assert page.locator("#client-groups-sort").evaluate("e => e.options[e.selectedIndex].text") == \
        "Mental health (18-64) (highest first)"
    assert page.locator("#client-groups-period").input_value() == "2011-12"
    assert row_names(page)[:3] == ["Gateshead", "Hartlepool", "South Tyneside"]
    assert page.console_errors == []


def test_spending_reads_in_pounds_and_a_share_of_money_claims_no_significance(page, full_url):
    page.goto(full_url + "/client-groups?measure=dp_spend&period=2014-15&region=E12000001")
    page.wait_for_selector("#client-groups-chart g.xtick text", timeout=30000)
    assert headers(page)[2:] == ["All client groups", "Physical disability or support", "Sensory support",
                                 "Support with memory and cognition", "Learning disability", "Mental health"]
    rows = table_rows(page)
    assert rows["Darlington"][1:3] == ["\u00a34,398k", "\u00a31,793k"]
    # Regions and England are the sums of their councils' published figures, and say so.
    assert re.fullmatch(r"\u00a31,371,654k \u2020\d+", rows["England"][1])
    assert "Sum of the published figures of the 152 councils." in page.locator("#client-groups-notes").inner_text()
    ticks = page.locator("#client-groups-chart g.xtick text").all_text_contents()
    assert all(t.startswith("\u00a3") and t.endswith("k") for t in ticks) and len(ticks) <= 7
    assert page.locator(".footnote.method").inner_text().startswith("Spending as published, in thousands of pounds")
    assert "(GBP thousands)" in page.locator("#client-groups-description").text_content()   # in a closed <details>
    # The chart's own title is page text above it; the axis says the unit.
    assert page.locator("#client-groups-title h2").inner_text().endswith("(GBP thousands)")
    assert page.locator("#client-groups-chart text.xtitle").text_content() == "Thousands of pounds"
    assert_accessible(page)

    # The direct payments' share of spending: a percentage of money, so gaps but no significance.
    choose(page, "measure", "dp_spend_share")
    darlington = table_rows(page)["Darlington"][1]
    assert re.fullmatch(r"37\.9% \u2020\d+ \+14\.5 pts", darlington)           # no symbol, no "higher"
    assert "whether it is significant" not in caption(page)
    assert "no confidence interval and no test against England" in page.locator(".footnote.method").inner_text()
    # A note on every cell: the list folds away under the table, and a note's link still opens it.
    summary = page.locator("#client-groups-notes summary")
    assert re.fullmatch(r"Notes on values \(\d+\)", summary.inner_text())
    assert not page.locator("#client-groups-note-1").is_visible()
    page.locator("#client-groups-table a.cg-note-link").first.click()
    page.wait_for_function("() => document.querySelector('#client-groups-notes details').open")
    assert page.locator("#client-groups-note-1").inner_text().startswith("Direct payments 8,577 of 42,521")
    assert page.console_errors == []


def region_options(page) -> list[str]:
    return page.locator("#client-groups-region option").evaluate_all("os => os.map(o => o.value).filter(v => v)")


def test_only_regions_with_figures_for_the_year_are_offered_and_a_region_without_says_so(page, full_url):
    page.goto(full_url + "/client-groups?measure=sds_users&period=2021-22&region=E12000007")
    page.wait_for_selector("#client-groups-table tbody tr")
    assert len(region_options(page)) == 10 and page.locator("#client-groups-region").input_value() == "E12000007"
    # 2011-12: only the North East's councils have figures (the report's table): London goes,
    # the view moves to the North East and says why.
    choose(page, "period", "2011-12")
    page.wait_for_function("() => location.search.includes('region=E12000001')")
    assert region_options(page) == ["england", "E12000001"]
    assert page.locator("#client-groups-region").input_value() == "E12000001"
    assert page.locator("#client-groups-region-message").inner_text() == (
        "No council in London has figures for adults receiving self-directed support by client group in "
        "2011-12: showing North East.")
    assert page.locator("#client-groups-message").count() == 0 or \
        "None of the councils" not in page.locator("#client-groups-message").inner_text()
    assert row_names(page)[-2:] == ["North East", "England"] and len(row_names(page)) == 14
    page.wait_for_selector("#client-groups-chart g.ytick text")
    assert_accessible(page)
    assert page.console_errors == []
