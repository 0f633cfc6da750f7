"""An area's gap to England, year by year, with the trend fitted to it. Pure.

Each year's gap (the area minus England, percentage points) is a dot with its Newcombe 95%
interval; a year published without counts is a hollow dot without one (it is not in the
trend); the fitted line spans only the years the trend used, one comparable series. England
is the zero line, so "closing" reads as the dots moving towards it.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..gap_summary import GapSummary
from . import FONT, plotly_default_template
from .profile import year_of

GAP_COLOUR = "#1d4f91"
FIT_COLOUR = "#B35200"



def gap_chart(summary: GapSummary) -> go.Figure:
    return go.Figure(**gap_figure(summary), _validate=False)


def gap_figure(summary: GapSummary) -> dict:
    """gap_chart's figure as a plain {"data", "layout"} dict, as the page sends it (a go.Figure
    costs the trend callback more than the drawing); the unit tests validate it in full."""
    rows = summary.rows
    # The few years as plain lists: a filter of the wide frame per trace costs more than the drawing.
    periods, gaps = rows["period"].tolist(), rows["gap"].tolist()
    lowers, uppers = rows["gap_lower_95"].tolist(), rows["gap_upper_95"].tolist()
    has = [not pd.isna(lo) and not pd.isna(hi) for lo, hi in zip(lowers, uppers)]
    inside = [i for i, yes in enumerate(has) if yes]
    outside = [i for i, yes in enumerate(has) if not yes]
    years = sorted({year_of(p) for p in periods})
    traces = [
        {"type": "scatter", "x": [year_of(periods[i]) for i in inside], "y": [gaps[i] for i in inside],
         "mode": "markers", "name": "Gap, with its 95% interval",
         "marker": {"color": GAP_COLOUR, "size": 9, "symbol": "circle"},
         "error_y": {"type": "data", "symmetric": False, "color": GAP_COLOUR, "thickness": 1.5, "width": 4,
                     "array": [uppers[i] - gaps[i] for i in inside],
                     "arrayminus": [gaps[i] - lowers[i] for i in inside]},
         "customdata": [periods[i] for i in inside],
         "hovertemplate": "%{customdata}: %{y:+.1f} points<extra></extra>"},
    ]
    if outside:
        traces.append({"type": "scatter", "x": [year_of(periods[i]) for i in outside], "y": [gaps[i] for i in outside],
                       "mode": "markers", "name": "No counts: not in the trend",
                       "marker": {"color": GAP_COLOUR, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
                       "customdata": [periods[i] for i in outside],
                       "hovertemplate": "%{customdata}: %{y:+.1f} points (no interval)<extra></extra>"})
    if summary.trend is not None and not summary.used.empty:
        used = summary.used["period"].tolist()
        first, last = year_of(min(used)), year_of(max(used))
        traces.append({"type": "scatter", "x": [first, last], "y": [summary.trend.start_gap, summary.trend.end_gap],
                       "mode": "lines", "name": f"Trend: {summary.trend.verdict}",
                       "line": {"color": FIT_COLOUR, "width": 2.5, "dash": "dash"}, "hoverinfo": "skip"})
    labels = {year_of(p): p for p in periods}
    # A new comparable series starts where the series index steps: a dashed line before it.
    series = rows["series"].tolist()
    starts = [year_of(p) for p, before, now in zip(periods[1:], series[:-1], series[1:]) if now != before]
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": y - 0.5, "x1": y - 0.5, "y0": 0, "y1": 1,
               "line": {"dash": "longdash", "color": "#505a5f", "width": 1.5}} for y in starts]
    annotations = [{"x": y - 0.5, "y": 0, "yref": "paper", "yanchor": "bottom", "xanchor": "right", "showarrow": False,
                    "text": "Series break", "font": {"size": 12}, "bgcolor": "#ffffff"} for y in starts]
    layout = {
        "height": 320, "margin": {"l": 10, "r": 20, "t": 10, "b": 40}, "plot_bgcolor": "white", "font": FONT,
        # Level year labels where they fit, else upright: slanted ones run past the right edge of a phone.
        "xaxis": {"tickvals": years, "ticktext": [labels[y] for y in years], "range": [years[0] - 0.6, years[-1] + 0.6],
                  "autotickangles": [0, -90],
                  "showgrid": False, "automargin": True},
        "shapes": shapes, "annotations": annotations,
        "yaxis": {"title": {"text": "Points from England"}, "gridcolor": "#d9d9d9",
                  "zeroline": True, "zerolinecolor": "#1a1a1a", "zerolinewidth": 2, "ticksuffix": "", "automargin": True},
        "legend": {"orientation": "h", "yref": "container", "y": 1, "yanchor": "top", "x": 0},
        "showlegend": True, "template": plotly_default_template(),
    }
    return {"data": traces, "layout": layout}


def describe_gap(summary: GapSummary, area_name: str) -> str:
    """The gap chart in words: each year's gap, then the sentence."""
    parts = [f"{p}: {g:+.1f} points" + (" (no interval)" if pd.isna(lo) else "")
             for p, g, lo in zip(summary.rows["period"], summary.rows["gap"], summary.rows["gap_lower_95"])]
    return (f"Dot chart of {area_name}'s gap to England in percentage points by year: " + "; ".join(parts) + ". "
            + summary.sentence)
