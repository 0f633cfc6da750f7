"""The Compare page as the server renders it on the full real data: a year the publisher forbids
comparing says so above the chart and links the latest year that can be compared."""
import json


def _layout(client, page: str) -> str:
    response = client.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_the_default_year_says_it_cannot_be_compared_and_links_the_latest_that_can(client):
    text = _layout(client, "/?council=E08000037")
    assert "The publisher says 2024-25 figures are not comparable between councils: none is ranked. " in text
    assert '"children": "Compare 2023-24 instead"' in text
    assert '"href": "/?measure=sds_users&period=2023-24&age_band=all&client_group=all&scope=england&council=E08000037"' in text
    # Before the chart's key and the chart: it is read first.
    assert text.index("compare-not-comparable") < text.index("compare-chart\"")


def test_a_comparable_year_has_no_such_note(client):
    assert "compare-not-comparable" not in _layout(client, "/?measure=dp_users&period=2024-25")
    assert "compare-not-comparable" not in _layout(client, "/?measure=sds_users&period=2023-24")


def test_a_long_ranking_links_to_the_readers_row_and_a_short_one_does_not(client):
    text = _layout(client, "/?measure=dp_users&period=2024-25&council=E08000037")
    key = text[text.index('"id": "compare-key"') - 1500:text.index('"id": "compare-key"')]
    assert '"children": "go to its row", "id": "compare-jump-to-mine", "href": "#compare-table-mine"' in key
    assert '"id": "compare-table-mine"' in text
    short = _layout(client, "/?measure=dp_users&period=2024-25&scope=region&region=E12000001&council=E08000037")
    assert "compare-jump-to-mine" not in short and '"id": "compare-table-mine"' in short


def test_the_table_marks_each_councils_recent_trend_only_for_years_ending_in_its_year(client):
    older = _layout(client, "/?measure=dp_users&period=2017-18&council=E08000037")
    assert '"children": "Recent trend"' in older
    # Gateshead 2014-15 to 2017-18: 19.1, 21.1, 21.0, 22.2% of about 1,900 people: p = 0.023, not < 0.002.
    row = older.index('"id": "compare-table-mine"')
    mine = older[row - 3000:row + 3000]
    mine = mine[mine.rindex('"type": "Tr"', 0, 3000):]
    mine = mine[:mine.index('"type": "Tr"', 20)]
    assert "\u2192 No significant change, 2014-15 to 2017-18" in mine
    assert older.count("\u2191 Improving, 2014-15 to 2017-18") == 55 and older.count("\u2193 Worsening") == 28
    latest = _layout(client, "/?measure=dp_users&period=2024-25")
    assert "\u2191 Improving" not in latest and latest.count("\u2013 Not calculated") >= 150
    assert '"children": "Recent trend"' not in _layout(client, "/?measure=population&period=2020-21")
