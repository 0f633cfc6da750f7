"""The Compare page as the server renders it on the full real data: a year the publisher forbids
comparing says so above the chart and links the latest year that can be compared."""
import json


def _layout(client, page: str) -> str:
    response = client.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 200
    return json.dumps(response.get_json())


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
