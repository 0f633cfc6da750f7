"""Does self-directed support deliver control? Councils' uptake against the share of people who
use services who say they have control over their daily life, with the correlation between them.

Pure: observation rows in, pairs, a finding, a Plotly figure and plain sentences out.

A council whose figure on either measure carries a quality flag that forbids comparison
(quality_flags.suppresses_comparison: self-directed support reported equal to direct payments,
a voluntary survey year) is drawn as an open diamond with a cross and a ⚠ beside it, and left
out of the correlation: a reporting artefact would pull r towards whatever it happens to be.
The reader's council is drawn on top in HIGHLIGHT_COLOUR and named beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from etl.correlation import Correlation, CorrelationError, correlate

from ..labels import flag_codes
from . import CAVEAT_MARK, FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, format_value, highlight_label
from .map import label_side

UPTAKE_MEASURES = ("sds_users", "dp_users")
CONTROL_MEASURE = "control_daily_life"
UPTAKE_WORDS = {"sds_users": "self-directed support uptake", "dp_users": "direct payment uptake"}
CONTROL_WORDS = "the share of people who use services who say they have control over their daily life"
# Flags that speak for every council's figure in the year, not one council's: the publisher says
# the year's figures are not comparable between councils, or only a self-selected few councils
# ran the survey. A correlation over such a year would describe the caveat, not the councils.
YEAR_WIDE_FLAGS = ("not_comparable_between_councils", "voluntary_survey_year")
FLAG_COLUMNS = ["quality_flag", "label", "suppresses_comparison", "explanation"]
COMPARED_COLOUR = "#0072B2"      # Okabe-Ito blue: one colour, the shapes carry the distinctions
LEFT_OUT_COLOUR = "#1a1a1a"
ENGLAND_COLOUR = "#1a1a1a"

CAUTION_HEADING = "This compares councils, not people."
CAUTION = ("That councils where more people direct their own support also have more people reporting control "
           "(or fewer) would not show that the people who direct their support are the ones who report control: "
           "an association between areas says nothing about the individuals in them (the ecological fallacy). "
           "Nor would it show that one causes the other: councils differ in need, age, deprivation, services "
           "and how they record and survey.")


@dataclass(frozen=True)
class ControlData:
    pairs: pd.DataFrame      # one row per council with both figures: area_code, area_name, region_code,
                             # uptake, control, quality_flag (both measures' codes), caveat, left_out
    unpaired: pd.DataFrame   # councils with a figure for one measure only: area_code, area_name,
                             # region_code, lacking (the measure it has no figure for)
    flags: pd.DataFrame      # quality_flags rows (FLAG_COLUMNS) of the flags among the pairs

    @property
    def compared(self) -> pd.DataFrame:
        return self.pairs[~self.pairs["left_out"]]

    @property
    def left_out(self) -> pd.DataFrame:
        return self.pairs[self.pairs["left_out"]]


def _joined_flags(first: object, second: object) -> str | None:
    codes = list(dict.fromkeys(flag_codes(first) + flag_codes(second)))
    return "; ".join(codes) or None


def control_data(uptake: pd.DataFrame, control: pd.DataFrame, flags: pd.DataFrame, *,
                 uptake_label: str, control_label: str) -> ControlData:
    """Pair each council's uptake with its control figure (one year, one breakdown). `uptake`
    and `control` are observation rows (councils; other areas are ignored); `flags` the
    quality_flags table."""
    def councils(rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows[(rows["area_type"] == "council") & rows["value"].notna()]
        return rows[["area_code", "area_name", "region_code", "value", "quality_flag"]]
    x, y = councils(uptake), councils(control)
    pairs = x.merge(y[["area_code", "value", "quality_flag"]], on="area_code", suffixes=("_x", "_y"))
    labels = dict(zip(flags["quality_flag"], flags["label"]))
    suppressing = set(flags.loc[flags["suppresses_comparison"].astype(bool), "quality_flag"])
    codes = [_joined_flags(a, b) for a, b in zip(pairs["quality_flag_x"], pairs["quality_flag_y"])]
    pairs = pd.DataFrame({
        "area_code": pairs["area_code"], "area_name": pairs["area_name"], "region_code": pairs["region_code"],
        "uptake": pairs["value_x"].astype(float), "control": pairs["value_y"].astype(float), "quality_flag": codes,
        "caveat": ["; ".join(labels.get(c, c) for c in flag_codes(found)) for found in codes],
        "left_out": [any(c in suppressing for c in flag_codes(found)) for found in codes],
    }).sort_values("area_name").reset_index(drop=True)
    only_x = x[~x["area_code"].isin(y["area_code"])].assign(lacking=control_label)
    only_y = y[~y["area_code"].isin(x["area_code"])].assign(lacking=uptake_label)
    unpaired = pd.concat([only_x, only_y], ignore_index=True)[["area_code", "area_name", "region_code", "lacking"]]
    present = {code for found in codes for code in flag_codes(found)}
    return ControlData(pairs, unpaired.sort_values("area_name").reset_index(drop=True),
                       flags[flags["quality_flag"].isin(present)][FLAG_COLUMNS].reset_index(drop=True))


def in_region(data: ControlData, region: str) -> ControlData:
    return replace(data, pairs=data.pairs[data.pairs["region_code"] == region].reset_index(drop=True),
                   unpaired=data.unpaired[data.unpaired["region_code"] == region].reset_index(drop=True))


@dataclass(frozen=True)
class Finding:
    correlation: Correlation | None
    refusal: str = ""            # why there is no correlation ('' when there is one)


def year_wide(data: ControlData) -> pd.DataFrame:
    """The flags among the pairs that speak for the whole year (YEAR_WIDE_FLAGS)."""
    return data.flags[data.flags["quality_flag"].isin(YEAR_WIDE_FLAGS)]


def finding(data: ControlData) -> Finding:
    """The correlation over the councils compared, or why there is none."""
    wide = year_wide(data)
    if len(wide):
        why = " ".join(f"{row.label}: {row.explanation}" for row in wide.itertuples())
        return Finding(None, f"{CAVEAT_MARK} {why} So no correlation is computed for this year.")
    compared = data.compared
    try:
        return Finding(correlate(compared["uptake"], compared["control"]))
    except CorrelationError as error:
        return Finding(None, f"{error} No correlation is computed.")


def _signed(value: float) -> str:
    return f"{value:.2f}".replace("-", "\u2212")


def strength(r: float) -> str:
    """Cohen's rough bands for |r|: words a reader can weigh, not a test."""
    size = abs(r)
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def finding_sentence(result: Finding, *, uptake_words: str, place: str, period: str) -> str:
    """The correlation in one plain sentence, with n, r, its interval and Spearman's check."""
    c = result.correlation
    if c is None:
        return result.refusal
    figures = (f"Pearson r = {_signed(c.pearson)} (95% interval {_signed(c.lower)} to {_signed(c.upper)}, "
               f"n = {c.n} councils)")
    if c.clear:
        direction = "more" if c.pearson > 0 else "fewer"
        text = (f"Across the {c.n} councils compared in {place} in {period}, those with higher {uptake_words} "
                f"tended to have {direction} people reporting control over their daily life: a "
                f"{strength(c.pearson)} {'positive' if c.pearson > 0 else 'negative'} correlation, {figures}.")
    else:
        text = (f"Across the {c.n} councils compared in {place} in {period}, {uptake_words} and the share of "
                f"people reporting control over their daily life show no clear association: {figures}; the "
                "interval includes zero.")
    return text + f" Spearman's rank correlation, {_signed(c.spearman)}, " + (
        "tells the same story." if agrees(c.pearson, c.spearman) else
        f"is {strength(c.spearman)}{'' if strength(c.spearman) == 'negligible' else ' and ' + _sign(c.spearman)}: "
        "a few councils, or the many values bunched at the top of the scale, may be driving r; read it with care.")


def _sign(value: float) -> str:
    return "positive" if value > 0 else "negative"


def agrees(r: float, rho: float) -> bool:
    """Spearman's check agrees with r when both fall in the same band of strength and, unless
    both are negligible, have the same sign."""
    return strength(r) == strength(rho) and (strength(r) == "negligible" or (r > 0) == (rho > 0))


def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _councils(number: int) -> str:
    return f"{number} council" + ("" if number == 1 else "s")


def left_out_sentence(data: ControlData) -> str:
    """How many councils the correlation leaves out and why, by flag; then those not plotted."""
    text = ""
    left_out = data.left_out
    if len(left_out):
        parts = []
        for flag in data.flags[data.flags["suppresses_comparison"].astype(bool)].itertuples():
            names = [r.area_name for r in left_out.itertuples() if flag.quality_flag in flag_codes(r.quality_flag)]
            if names:
                parts.append(f"{flag.label.lower()} ({len(names)}: {_names(names)})")
        one = len(left_out) == 1
        text += (f"{CAVEAT_MARK} {_councils(len(left_out))} {'is' if one else 'are'} left out of the correlation "
                 f"because a quality flag says {'its figure' if one else 'their figures'} should not be compared: "
                 f"{'; '.join(parts)}. {'It is' if one else 'They are'} drawn as "
                 f"{'an open diamond' if one else 'open diamonds'} with a cross, marked {CAVEAT_MARK}.")
    if len(data.unpaired):
        lacking = [f"{r.area_name} (no figure for {r.lacking.lower()})" for r in data.unpaired.itertuples()]
        text += (f" {_councils(len(lacking))} with a figure for only one of the two measures "
                 f"{'is' if len(lacking) == 1 else 'are'} not plotted: {_names(lacking, 5)}.")
    return text.strip()


def method_text(result: Finding, data: ControlData, *, caution: bool = True) -> str:
    """How the correlation is worked out; with the caution (for images, embeds and downloads,
    which carry no caution of their own) unless `caution` is False."""
    left = len(data.left_out)
    return ("Pearson's correlation coefficient r between councils' published percentages, each council "
            "counting once whatever its size, with a 95% interval from Fisher's z transformation "
            "(tanh(atanh r \u00b1 1.96/\u221a(n\u22123))); Spearman's rank correlation as a check that r is not "
            "carried by a few councils or by the values bunched near 100%. Strength in words follows Cohen's "
            "bands (|r| under 0.1 negligible, under 0.3 weak, under 0.5 moderate). Councils whose figure on either "
            "measure carries a quality flag that forbids comparison are drawn but left out"
            + (f" ({left} here)" if left else "")
            + "; in a year whose flag speaks for every council (the publisher says the figures are not "
            "comparable between councils, or the survey was voluntary) no correlation is computed. Control "
            "over daily life comes from the Adult Social Care Survey, a sample of people who use services in "
            "each council: its sampling error blurs council figures and weakens r."
            + (f" {CAUTION_HEADING} {CAUTION}" if caution else ""))


def describe(data: ControlData, result: Finding, *, uptake_label: str, place: str, period: str,
             uptake_words: str, highlight: str | None = None, england: tuple[float, float] | None = None) -> str:
    """A text alternative: what is plotted, the ranges, the finding, who is left out, England and
    the reader's council."""
    pairs = data.pairs
    if pairs.empty:
        return f"No council in {place} has both figures for {period}, so nothing is plotted."
    text = (f"Scatter plot of {_councils(len(pairs))} in {place}, {period}: {uptake_label.lower()} (across) "
            "against the percentage of people who use services who say they have control over their daily "
            "life (up).")
    for column, words in (("uptake", uptake_words[0].upper() + uptake_words[1:]), ("control", "Control")):
        low, high = pairs.loc[pairs[column].idxmin()], pairs.loc[pairs[column].idxmax()]
        text += (f" {words} ranges from {format_value(low[column])} ({low['area_name']}) to "
                 f"{format_value(high[column])} ({high['area_name']}).")
    if england:
        text += f" England: {format_value(england[0])} and {format_value(england[1])}."
    text += " " + finding_sentence(result, uptake_words=uptake_words, place=place, period=period)
    left = left_out_sentence(data)
    text += f" {left}" if left else ""
    mine = pairs[pairs["area_code"] == highlight] if highlight else pairs.iloc[:0]
    if len(mine):
        row = mine.iloc[0]
        text += (f" Your council, {row['area_name']}: {format_value(row['uptake'])} and "
                 f"{format_value(row['control'])}" + (f" ({CAVEAT_MARK} {row['caveat']}, left out)"
                                                      if row["left_out"] else "") + ".")
    return text


def _hover(part: pd.DataFrame, words: str) -> dict:
    caveats = [f"<br>{CAVEAT_MARK} {c} (left out of the correlation)" if c and out else
               (f"<br>{CAVEAT_MARK} {c}" if c else "") for c, out in zip(part["caveat"], part["left_out"])]
    return {"customdata": [[code, name, format_value(x), format_value(y), caveat] for code, name, x, y, caveat
                           in zip(part["area_code"], part["area_name"], part["uptake"], part["control"], caveats)],
            "hovertemplate": "<b>%{customdata[1]}</b> (%{customdata[0]})<br>" + words[0].upper() + words[1:]
                             + ": %{customdata[2]}<br>Control over daily life: %{customdata[3]}%{customdata[4]}"
                             "<br>Click to open the council's profile<extra></extra>"}


def _span(values: list[float]) -> list[float]:
    """The values with a margin, in 0-100: an axis fitted to the councils, not to 0-100."""
    low, high = min(values), max(values)
    pad = max((high - low) * 0.06, 1.0)
    return [max(low - pad, 0.0), min(high + pad, 100.0)]


def control_figure(data: ControlData, *, x_title: str, title: str, uptake_words: str,
                   highlight: str | None = None, england: tuple[float, float] | None = None) -> go.Figure:
    """Councils compared as filled circles; councils left out as open diamonds with a cross and a
    ⚠ beside them; England as a star, named; the reader's council on top, named. Each council's
    marker carries its code for click-through."""
    compared, left_out = data.compared, data.left_out
    traces = []
    if len(compared):
        traces.append({"type": "scatter", "mode": "markers", "name": f"Councils compared ({len(compared)})",
                       "x": compared["uptake"].tolist(), "y": compared["control"].tolist(), "cliponaxis": False,
                       "marker": {"symbol": "circle", "size": 9, "color": COMPARED_COLOUR, "opacity": 0.75,
                                  "line": {"color": "white", "width": 0.5}}, **_hover(compared, uptake_words)})
    if len(left_out):
        traces.append({"type": "scatter", "mode": "markers+text", "textposition": "middle right",
                       "name": f"{CAVEAT_MARK} Left out: quality flag ({len(left_out)})", "text": [CAVEAT_MARK] * len(left_out),
                       "textfont": {"color": LEFT_OUT_COLOUR, "size": 12},
                       "x": left_out["uptake"].tolist(), "y": left_out["control"].tolist(), "cliponaxis": False,
                       "marker": {"symbol": "diamond-x-open", "size": 12, "color": LEFT_OUT_COLOUR,
                                  "line": {"color": LEFT_OUT_COLOUR, "width": 2}}, **_hover(left_out, uptake_words)})
    xs, ys = data.pairs["uptake"].tolist(), data.pairs["control"].tolist()
    if england:
        traces.append({"type": "scatter", "mode": "markers+text", "name": "England", "text": ["England"],
                       "textposition": "bottom center", "x": [england[0]], "y": [england[1]], "cliponaxis": False,
                       "marker": {"symbol": "star", "size": 15, "color": ENGLAND_COLOUR,
                                  "line": {"color": "white", "width": 1}},
                       "hovertemplate": f"<b>England</b><br>{format_value(england[0])}, control "
                                        f"{format_value(england[1])}<extra></extra>"})
        xs, ys = xs + [england[0]], ys + [england[1]]
    x_range, y_range = (_span(xs), _span(ys)) if xs else ([0, 100], [0, 100])
    annotations = []
    mine = data.pairs[data.pairs["area_code"] == highlight] if highlight else data.pairs.iloc[:0]
    if len(mine):
        row = mine.iloc[0]
        label = highlight_label(row["area_name"])
        traces.append({"type": "scatter", "mode": "markers", "name": label, "x": [row["uptake"]], "y": [row["control"]],
                       "cliponaxis": False, "marker": {"symbol": "diamond", "size": 15, "color": HIGHLIGHT_COLOUR,
                                                       "line": {"color": HIGHLIGHT_OUTLINE, "width": 2}},
                       **_hover(mine.iloc[:1], uptake_words)})
        anchor, shift = label_side(float(row["uptake"]), *x_range)
        annotations.append({"x": float(row["uptake"]), "y": float(row["control"]), "text": label, "showarrow": True,
                            "arrowhead": 0, "arrowwidth": 1.5, "arrowcolor": HIGHLIGHT_OUTLINE, "ax": shift, "ay": -34,
                            "xanchor": anchor, "bgcolor": "rgba(255,255,255,0.92)", "bordercolor": HIGHLIGHT_COLOUR,
                            "borderwidth": 2, "borderpad": 3, "font": {"color": "#1a1a1a", "size": 13},
                            "name": "highlight"})
    layout = dict(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis={"title": {"text": x_title}, "ticksuffix": "%", "range": x_range, "gridcolor": "#d9d9d9",
               "zeroline": False},
        yaxis={"title": {"text": "Say they have control over daily life (%)"}, "ticksuffix": "%", "range": y_range,
               "gridcolor": "#d9d9d9", "zeroline": False},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 30, "t": 80, "b": 110}, height=560, plot_bgcolor="white", font=FONT,
        hovermode="closest", clickmode="event", annotations=annotations)
    return go.Figure(data=traces, layout=layout, _validate=False)


def for_page(figure: go.Figure) -> go.Figure:
    """As the page draws it: no title (the page prints it as text, which wraps on a phone), the
    legend above the plot, and shorter, so the chart and its legend fit a laptop's first screen."""
    layout = figure.layout.to_plotly_json()
    layout.pop("title", None)
    layout["legend"] = {**layout.get("legend", {}), "yref": "paper", "y": 1.02, "yanchor": "bottom"}
    layout["margin"] = {**layout.get("margin", {}), "t": 10, "b": 50}
    layout["height"] = 450
    return go.Figure(data=figure.data, layout=layout, _validate=False)
