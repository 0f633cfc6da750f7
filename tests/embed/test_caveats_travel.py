"""A number with a known caveat never travels without it: Gateshead's 2024-25 self-directed
support (22.2%, reported equal to its direct payments) keeps its flag sentence in the embed,
in the image's drawn footer, in the PNG's and SVG's embedded text and in the text description.
Real warehouse, real Chromium."""
from __future__ import annotations

import html
import json
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import create_app
from dashboards.charts import Chart
from dashboards.images import CHARS_PER_LINE, alt_text, alt_text_header, report_figure

from .test_images import png_chunks

NORTH_EAST = "?measure=sds_users&period=2024-25&scope=region&region=E12000001"
ENGLAND = "?measure=sds_users&period=2024-25"
FLAG = ("\u26a0 Self-directed support reported equal to direct payments (South Tyneside, Gateshead): "
        "The council reported exactly as many people with self-directed support as with direct payments.")
BREAK = ("Series break in 2024-25: From 2024-25 ASCOF 3D(1a) is derived from Client Level Data, not the SALT "
         "return: not comparable with 1C(1A) for earlier years.")


@pytest.fixture(scope="module")
def client(full_db):
    return create_app(full_db[0]).server.test_client()


def _itxt(data: bytes) -> dict[str, str]:
    return {body.split(b"\0", 1)[0].decode(): body.split(b"\0", 5)[-1].decode()
            for kind, body in png_chunks(data) if kind == b"iTXt"}


def _svg_shown_text(svg: str) -> str:
    """The words drawn in the SVG, footer lines joined as a reader reads them."""
    return html.unescape(" ".join(re.findall(r">([^<>]+)</(?:tspan|text)>", svg)))


def test_the_embed_shows_the_caveats_as_text_under_the_chart(client):
    page = client.get("/embed/compare" + NORTH_EAST).data.decode()
    section = re.search(r'<section class="caveats" id="embed-caveats"[^>]*>(.*?)</section>', page, re.S)
    assert section, "no caveats section"
    items = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", section.group(1))]
    assert len(items) == 3
    assert items[0].startswith("\u26a0 Not comparable between councils (every area shown)")
    assert items[1].startswith(FLAG)
    assert items[2] == BREAK
    # Inside the figure's caption, before the description and the source.
    caption = page[page.index("<figcaption>"):page.index("</figcaption>")]
    assert caption.index('id="embed-caveats"') < caption.index('id="embed-description"') < caption.index(
        'id="embed-source"')


def test_an_embed_without_caveats_has_no_empty_caveats_box(client):
    page = client.get("/embed/compare?measure=dp_users&period=2016-17&scope=region&region=E12000001").data.decode()
    assert "embed-caveats" not in page


def test_the_png_carries_the_flag_sentence_in_its_text_chunks(client):
    response = client.get("/image/compare.png" + NORTH_EAST)
    assert response.status_code == 200
    text = _itxt(response.data)
    assert text["Description"].startswith("Bar chart of adults receiving self-directed support")
    assert "Caveats: " + "\u26a0 Not comparable between councils" in text["Description"]
    assert FLAG in text["Description"] and BREAK in text["Description"]
    assert text["Warning"].split("\n")[1].startswith(FLAG)
    header = json.loads('"' + response.headers["X-Alt-Text"] + '"')
    assert header == text["Description"]


def test_the_svg_draws_the_flag_sentence_in_its_footer_and_its_desc(client):
    svg = client.get("/image/compare.svg" + NORTH_EAST).data.decode()
    shown = _svg_shown_text(svg)
    # Wrapped over lines, the sentence reads whole once the lines are joined.
    assert FLAG in shown and BREAK in shown
    assert shown.index(FLAG) < shown.index("Source: ") < shown.index("Method: ")
    desc = html.unescape(re.search(r"<desc>(.*?)</desc>", svg, re.S).group(1))
    assert FLAG in desc


def test_the_england_wide_image_names_every_flagged_council(client):
    svg = client.get("/image/compare.svg" + ENGLAND).data.decode()
    shown = _svg_shown_text(svg)
    # All 23 councils reporting SDS equal to DP are named, Gateshead among them; a flag on every
    # area shown says so rather than listing 153 names.
    flagged = shown[shown.index("\u26a0 Self-directed support reported equal to direct payments ("):]
    names = flagged[flagged.index("(") + 1:flagged.index("):")].split(", ")
    assert len(names) == 23 and "Gateshead" in names and "more" not in flagged[:flagged.index("):")]
    assert "\u26a0 Not comparable between councils (every area shown):" in shown and BREAK in shown
    text = client.get("/image/compare.txt" + ENGLAND).data.decode()
    assert "Gateshead" in text[text.index("Caveats:"):]


def test_the_text_description_lists_the_caveats(client):
    text = client.get("/image/compare.txt" + NORTH_EAST).data.decode()
    caveats = text.split("\n\nCaveats:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(caveats) == 3 and caveats[1].startswith("- " + FLAG) and caveats[2] == "- " + BREAK
    assert text.index("Description: ") < text.index("Caveats:") < text.index("Method: ")


def test_a_profile_image_carries_gatesheads_own_note(client):
    text = client.get("/image/area.txt?code=E08000037").data.decode()
    # One value with two flags: one sentence naming both, then the value's own note.
    assert ("\u26a0 Not comparable between councils; Self-directed support reported equal to direct "
            "payments (Gateshead 2024-25): DHSC, ASCOF 2024-25 note 15:") in text
    assert "Reported self-directed support (22.2%) equals direct payments (22.2%)" in text


# Pure parts: the footer and the alt text, from a small chart.

def _chart(names: list[str], description: str = "Bar chart of three councils.") -> Chart:
    figure = go.Figure(go.Bar(x=[1, 2, 3], y=names, orientation="h"),
                       layout={"yaxis": {"automargin": True, "tickfont": {"size": 14}}, "margin": {"l": 10}})
    return Chart(view="compare", title="A title", subtitle="A subtitle", figure=figure, rows=pd.DataFrame(),
                 method="A method.", description=description, page_url="/?x=1")


def _footer(figure: go.Figure) -> list[str]:
    footer = next(a for a in figure.layout.annotations if a.name == "footer")
    return [html.unescape(line) for line in footer.text.split("<br>")]


def test_every_caveat_is_drawn_whole_and_wrapped_within_the_width_left_by_the_names():
    caveats = [f"\u26a0 Caveat number {n}: " + "a short sentence that says what the reader must know. " * 3
               for n in range(1, 9)]
    names = ["Bournemouth, Christchurch and Poole", "Isles of Scilly", "York"]
    lines = _footer(report_figure(_chart(names), sources="A source", data_date="1 January 2025",
                                  link="https://example.org/", caveats=caveats))
    blank = lines.index("")
    assert " ".join(lines[:blank]) == " ".join(c.strip() for c in caveats)      # all eight, in order
    assert lines[blank + 1].startswith("Source: A source.")
    # 35-character names at 14 px leave ~700 px of the 1,000: lines are cut shorter than the most.
    assert max(len(line) for line in lines) < CHARS_PER_LINE - 20
    short = _footer(report_figure(_chart(["York"]), sources="A source", data_date="1 January 2025",
                                  link="https://example.org/", caveats=caveats))
    assert max(len(line) for line in short) > max(len(line) for line in lines)


def test_a_chart_without_caveats_has_no_blank_line_in_its_footer():
    lines = _footer(report_figure(_chart(["York"]), sources="S", data_date="D", link="L", caveats=[]))
    assert lines[0] == "Source: S." and "" not in lines


def test_the_alt_text_header_keeps_the_caveats_when_the_description_is_long():
    chart = _chart(["York"], description="Line chart. " + "2011-12 43.7%, " * 300)
    caveats = ["\u26a0 Estimate (England): the publisher's own estimate.", "Series break in 2024-25: new data."]
    assert alt_text(chart, caveats).endswith("Caveats: " + " ".join(caveats))
    header = alt_text_header(chart, caveats)
    assert len(header) <= 2000 and header.endswith("Caveats: " + " ".join(caveats))
    assert header.startswith("Line chart. 2011-12") and "\u2026 Caveats:" in header
    assert alt_text_header(chart, []) == chart.description[:1999] + "\u2026"


def test_a_tall_legend_does_not_cover_the_caveats_in_the_image(client):
    """The funnel's legend (title on two lines, five entries) makes Plotly lift the plot; the
    caveats below it must still start under the legend, not behind it."""
    svg = client.get("/image/funnel.svg" + ENGLAND).data.decode()
    legend = re.search(r'<g class="legend"[^>]*transform="translate\([-\d.]+,([-\d.]+)\)">'
                       r'<rect class="bg"[^>]*height="([\d.]+)"', svg)
    legend_bottom = float(legend.group(1)) + float(legend.group(2))
    # The footer is the last annotation drawn.
    annotations = re.findall(r'class="annotation" data-index="(\d+)".*?transform="translate\([-\d.]+,([-\d.]+)\)',
                             svg, re.S)
    footer_top = float(max(annotations, key=lambda a: int(a[0]))[1])
    assert footer_top >= legend_bottom - 1, (footer_top, legend_bottom)
    height = float(re.search(r'<svg[^>]* height="([\d.]+)"', svg).group(1))
    assert footer_top < height - 100                       # and it is still on the page
    assert "\u26a0 Self-directed support reported equal to direct payments (Slough" in _svg_shown_text(svg)


def test_a_chart_csv_names_the_series_break_on_the_rows_it_applies_to(client):
    import io

    import pandas as pd
    response = client.get("/download/compare.csv" + NORTH_EAST)
    rows = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    assert rows["series_break"].tolist() == [BREAK] * len(rows) and len(rows) == 14   # 12 councils, region, England
    trend = pd.read_csv(io.StringIO(client.get(
        "/download/trend.csv?code=E08000037&measure=sds_users&age_band=all&client_group=all").get_data(as_text=True)))
    gateshead = trend[trend["area_code"] == "E08000037"].set_index("period")["series_break"]
    assert gateshead["2024-25"] == BREAK and pd.isna(gateshead["2021-22"])
    assert gateshead["2014-15"].startswith("Series break in 2014-15: ASCOF 1C(1A) from 2014-15 is based on the SALT")
