"""The first page in a real browser: bars, reference lines, table, controls and URL."""
from __future__ import annotations

import re

from ..etl.test_table3 import TABLE_3

COUNCILS = [row for row in TABLE_3 if row[0].startswith(("E06", "E08"))]


def _expected_order(column: int) -> list[tuple[str, float]]:
    ranked = sorted(COUNCILS, key=lambda row: (-row[column][2], row[1]))
    return [(row[1], row[column][2]) for row in ranked]


def _wait_for_chart(page, first_label: str):
    page.wait_for_selector("#compare-chart .bars .point")
    page.wait_for_function(
        "label => [...document.querySelectorAll('#compare-chart g.ytick text')]"
        ".some(t => t.textContent === label)", arg=first_label)


def _bars_top_to_bottom(page) -> list[tuple[str, str]]:
    """(council, bar label) pairs in screen order, read from the rendered SVG."""
    ticks = page.locator("#compare-chart g.ytick text").all()
    labels = page.locator("#compare-chart .bars .point text").all()
    by_position = lambda items: [i.text_content() for i in sorted(items, key=lambda i: i.bounding_box()["y"])]
    return list(zip(by_position(ticks), by_position(labels)))


def _table_rows(page) -> list[list[str]]:
    rows = page.locator("#compare-table tbody tr").all()
    return [[cell.inner_text() for cell in row.locator("th, td").all()] for row in rows]


def test_all_adults_bars_are_ranked_with_reference_lines(page, live_url):
    page.goto(live_url + "/")
    expected = _expected_order(2)
    _wait_for_chart(page, expected[0][0])
    bars = _bars_top_to_bottom(page)
    assert [name for name, _ in bars] == [name for name, _ in expected]
    assert [label.replace(" \u2020", "") for _, label in bars] == [f"{v:.1f}%" for _, v in expected]
    assert dict(bars)["Sunderland"] == "64.6% \u2020"  # the note is marked in text, not colour
    annotations = sorted(t.text_content() for t in page.locator("#compare-chart g.annotation text").all())
    assert annotations == ["England 43.0%", "North East 43.6%"]
    assert page.locator("#compare-chart .shapelayer path").count() == 2
    assert page.console_errors == []


def test_table_rows_equal_the_bars_then_comparators(page, live_url):
    page.goto(live_url + "/")
    expected = _expected_order(2)
    _wait_for_chart(page, expected[0][0])
    rows = _table_rows(page)
    assert [(r[1], r[3].replace(" \u2020", "")) for r in rows[:12]] == [(n, f"{v:.1f}%") for n, v in expected]
    assert rows[0][:7] == ["1", "North Tyneside", "E08000022", "67.8%", "2,605", "3,840", "published"]
    assert [r[1] for r in rows[12:]] == ["England", "North East"]
    assert rows[12][3:6] == ["43.0% \u2020", "605,425", "1,407,190"]
    assert rows[12][7] == 'Column A printed as "1,407, 190".'
    source = page.locator("#source-line").inner_text()
    assert "Adult Social Care Outcomes Framework - England, 2011-12, Final" in source
    assert "Chaos or Empowerment?" in source


def test_choosing_mental_health_changes_chart_table_and_url(page, live_url):
    page.goto(live_url + "/")
    _wait_for_chart(page, "North Tyneside")
    group = page.get_by_role("group", name="Breakdown")
    group.get_by_role("radio", name="Adults aged 18-64, mental health").check()
    expected = _expected_order(3)
    page.wait_for_function("() => document.querySelector('#compare-chart .gtitle')"
                           ".textContent.startsWith('Adults aged 18-64, mental health')")
    _wait_for_chart(page, expected[0][0])
    bars = _bars_top_to_bottom(page)
    assert [name for name, _ in bars] == [name for name, _ in expected]
    assert bars[0] == ("Gateshead", "41.3% \u2020")
    annotations = sorted(t.text_content() for t in page.locator("#compare-chart g.annotation text").all())
    assert annotations == ["England 14.6%", "North East 15.3%"]
    assert re.search(r"\?age_band=18-64&client_group=mental_health$", page.url)
    darlington = [r for r in _table_rows(page) if r[1] == "Darlington"][0]
    assert darlington[3] == "19.0% \u2020"
    assert darlington[7].startswith("Published 19% is further from the counts' ratio (17.7%)")
    assert page.console_errors == []


def test_a_saved_url_restores_the_view(page, live_url):
    page.goto(live_url + "/?age_band=18-64&client_group=mental_health")
    _wait_for_chart(page, "Gateshead")
    assert page.get_by_role("radio", name="Adults aged 18-64, mental health").is_checked()
    assert _bars_top_to_bottom(page)[0] == ("Gateshead", "41.3% \u2020")
    description = page.locator("#chart-description").inner_text()
    assert description.startswith("Bar chart of self-directed support, adults aged 18-64, "
                                  "mental health, 2011-12 for 12 councils. Highest: Gateshead (41.3%)")


def test_an_unknown_breakdown_in_the_url_falls_back_to_all_adults(page, live_url):
    page.goto(live_url + "/?age_band=99&client_group=<script>")
    _wait_for_chart(page, "North Tyneside")
    assert page.get_by_role("radio", name="All adults (18+)").is_checked()
    assert page.console_errors == []
