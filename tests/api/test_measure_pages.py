"""/measure/<id>: every measure explained, its source publications named by year with links,
an unknown id a 404, and a link to it from the charts' source lines; on the full real dataset."""
from __future__ import annotations

import pytest

from dashboards import db
from dashboards.context import warehouse
from dashboards.pages import compare, funnel, measure, profile


def walk(node):
    """Every component dict in a layout, depth first."""
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))
    elif isinstance(node, (list, tuple)):
        for child in node:
            yield from walk(child)


def text_of(node) -> str:
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return "".join(text_of(child) for child in node)
    if isinstance(node, dict) and "props" in node:
        return text_of(node["props"].get("children"))
    return ""


def by_id(page, element_id: str) -> dict:
    return next(n for n in walk(page) if n["props"].get("id") == element_id)


def source_rows(page) -> list[tuple[str, str, list[str]]]:
    """(year, publication and publisher, links) per row of the sources-by-year table."""
    body = next((n for n in walk(by_id(page, "measure-sources")) if n["type"] == "Tbody"), None)
    if body is None:
        return []
    rows = []
    for row in body["props"]["children"]:
        cells = [c.to_plotly_json() if hasattr(c, "to_plotly_json") else c for c in row.children]
        links = [n["props"]["href"] for n in walk(cells) if n["type"] == "A"]
        rows.append((text_of(cells[0]), text_of(cells[1]), links))
    return rows


@pytest.fixture
def page_of(app):
    with app.server.test_request_context("/"):
        yield lambda measure_id: measure.layout(code=measure_id)


ASCOF = "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care-outcomes-framework-ascof"


def test_sds_users_names_each_years_publication_with_its_links(page_of):
    rows = source_rows(page_of("sds_users"))
    years = [year for year, _, _ in rows]
    assert years == sorted(years) and {"2014-15", "2020-21", "2021-22", "2024-25"} <= set(years)
    by_year = {}
    for year, text, links in rows:
        by_year.setdefault(year, []).append((text, links))
    [(text_2015, links_2015)] = by_year["2014-15"]
    assert text_2015.startswith("Measures from the Adult Social Care Outcomes Framework") and "NHS Digital" in text_2015
    assert links_2015[0].startswith(ASCOF)
    [(text_2025, links_2025)] = by_year["2024-25"]
    assert "Department of Health and Social Care" in text_2025
    assert links_2025[0].startswith("https://www.gov.uk/government/statistics/measures-from-the-adult-social-care")
    salt = next(links for text, links in by_year["2021-22"] if text.startswith("Adult Social Care Activity and Finance"))
    assert salt[1] == "https://files.digital.nhs.uk/AF/4C9A4F/ASCFR%20and%20SALT%20Data%20Tables%202021-22.xlsx"


def test_dp_users_page_defines_the_measure_and_names_its_sources_by_year(page_of):
    page = page_of("dp_users")
    assert text_of(by_id(page, "measure-title")) == "Adults receiving direct payments"
    definition = text_of(by_id(page, "measure-definition"))
    assert "NumeratorAdults (18 and over) receiving long-term support in the community at 31 March through a " \
           "direct payment" in definition and "1C(2A); 1C2A; 3D(2a)" in definition
    rows = source_rows(page)
    assert ("2014-15", "2024-25") == (rows[0][0], rows[-1][0])
    shown_2020 = [text for year, text, _ in rows if year == "2020-21"]
    assert len(shown_2020) == 2      # the official open data, and the analyst's stack compared with it
    breaks = text_of(by_id(page, "measure-breaks"))
    assert "2024-25: series break" in breaks and "Client Level Data" in breaks
    assert "2023-24: code renamed, not a break." in breaks


def test_dp_recipients_names_the_pss_ex1_annex_for_each_year(page_of):
    rows = source_rows(page_of("dp_recipients"))
    official = [(year, links[0]) for year, _, links in rows if links[0].startswith("https://digital.nhs.uk/")]
    assert [year for year, _ in official] == ["2006-07", "2008-09", "2009-10", "2010-11", "2011-12", "2012-13"]
    # The report's quoted national figures (2000-01, 2007-08, 2012-13) link to the report itself.
    quoted = [year for year, _, links in rows if links[0].startswith("https://amhp.org.uk/mental-health-north-east")]
    assert quoted == ["2000-01", "2007-08", "2012-13"]


def test_every_measure_has_a_page_titled_by_its_label_with_sources_and_data_links(page_of, app, client):
    with app.server.test_request_context("/"):
        measures = db.measures(warehouse())
    for row in measures.itertuples():
        page = page_of(row.measure_id)
        title = by_id(page, "page-title")["props"]["data-title"]
        assert title == f"{row.label} - Self-directed support uptake in England"
        if row.measure_id == "dp_recipients_rate":     # no population estimates for the RAP-era years
            assert text_of(by_id(page, "measure-sources")).startswith("No loaded publication gives this measure")
        else:
            assert source_rows(page), row.measure_id
        data = [n["props"]["href"] for n in walk(by_id(page, "measure-data-links")) if n["type"] == "A"]
        if row.measure_id == "dp_recipients_rate":
            assert data == []
            continue
        assert data[0] == f"/api/v1/observations.csv?measure={row.measure_id}"
        assert client.get(data[0]).status_code == 200


def test_flags_and_chart_links_of_sds_users(page_of, client):
    page = page_of("sds_users")
    flags = text_of(by_id(page, "measure-flags"))
    assert "Not comparable between councils (not_comparable_between_councils)" in flags
    assert "in 2024-25; never ranked against England." in flags
    charts = [n["props"]["href"] for n in walk(by_id(page, "measure-chart-links")) if n["type"] == "A"]
    assert charts[0] == "/?measure=sds_users&period=2024-25&age_band=all&client_group=all"
    assert "/funnel?measure=sds_users&period=2024-25&age_band=all&client_group=all" in charts
    csv = client.get("/api/v1/observations.csv?measure=sds_users")
    assert csv.status_code == 200 and csv.data.count(b"\n") > 1000


def test_an_unknown_measure_is_a_404_page(client, page_of):
    response = client.get("/measure/not_a_measure")
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "<h1>No such measure</h1>" in text and "sds_users" in text
    assert client.get("/measure/sds_users").status_code == 200
    assert "No such measure" in text_of(page_of("not_a_measure"))


def test_chart_source_lines_link_to_the_measure_page(app):
    with app.server.test_request_context("/"):
        pages = {"compare": compare.layout(measure="dp_users", period="2021-22"),
                 "profile": profile.layout(code="E06000005"),
                 "funnel": funnel.layout(measure="sds_users", period="2020-21")}
    for name, page in pages.items():
        links = {n["props"]["href"]: text_of(n) for n in walk(page)
                 if n["type"] == "A" and n["props"].get("className") == "measure-link"}
        assert links, name
        expected = {"compare": "/measure/dp_users", "profile": "/measure/sds_users", "funnel": "/measure/sds_users"}
        assert expected[name] in links, (name, links)
    assert links["/measure/sds_users"] == "Adults receiving self-directed support"
