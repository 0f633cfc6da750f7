"""The no-script iframe's height: the figure's own height, the rows embed.js adds for wrapped
names at phone width, and the text blocks wrapped at the narrowest column supported."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import Chart
from dashboards.embed_size import FRAME_WIDTH, chart_height, embed_height, wrap

LONG_NAME = "Bournemouth, Christchurch and Poole"


def _chart(names: list[str], height: int | None = 400, description: str = "A bar chart.") -> Chart:
    figure = go.Figure(go.Bar(x=[1] * len(names), y=names, orientation="h"), layout={"height": height})
    return Chart(view="compare", title="Adults receiving self-directed support", subtitle="All adults, 2024-25",
                 figure=figure, rows=pd.DataFrame(), method="", description=description, page_url="/")


def test_words_wrap_as_embed_js_wraps_them():
    assert wrap(LONG_NAME, 21) == ["Bournemouth,", "Christchurch and", "Poole"]
    assert wrap("York", 21) == ["York"]
    assert wrap("Supercalifragilistic-sized-name here", 10) == ["Supercalifragilistic-sized-name", "here"]


def test_a_wrapped_name_adds_a_row_per_extra_line_at_phone_width():
    # 287 px of content in a 300 px frame: names of more than 21 characters wrap.
    assert chart_height(_chart(["York", "Leeds"]), 287) == 400
    assert chart_height(_chart([LONG_NAME, "York"]), 287) == 400 + 2 * 14
    # Bars and their value labels share names: each distinct name counts once.
    figure = _chart([LONG_NAME]).figure
    figure.add_trace(go.Scatter(x=[1], y=[LONG_NAME], mode="text"))
    assert chart_height(_chart([LONG_NAME]), 287) == chart_height(
        Chart(**{**_chart([LONG_NAME]).__dict__, "figure": figure}), 287)


def test_a_figure_without_a_height_is_plotlys_default_and_a_map_dict_is_read_without_serialising():
    assert chart_height(_chart(["York"], height=None), 287) == 450
    mapped = {"data": [{"type": "scatter", "x": [0.1] * 5000, "y": [0.2] * 5000}], "layout": {"height": 860}}
    assert chart_height(Chart(**{**_chart([]).__dict__, "figure": mapped}), 287) == 860


def test_the_height_holds_the_text_wrapped_at_the_narrowest_column():
    short = embed_height(_chart(["York"]), sources="ASCOF", built="1 May 2025", caveats=[])
    words = " ".join(["word"] * 200)            # 999 characters: 25 lines at 300 px
    long = embed_height(_chart(["York"], description=words), sources="ASCOF", built="1 May 2025", caveats=[])
    assert 400 + 200 < short < 400 + 400
    assert 23 * 19 <= long - short <= 27 * 19    # lines of 0.85rem text at line-height 1.4
    flagged = embed_height(_chart(["York"]), sources="ASCOF", built="1 May 2025", caveats=[words])
    assert flagged - short > long - short        # a caveat is narrower (border, bullets) and has a heading
    wide = embed_height(_chart(["York"], description=words), sources="ASCOF", built="1 May 2025", caveats=[],
                        frame_width=1000)
    assert wide < long and FRAME_WIDTH == 300
