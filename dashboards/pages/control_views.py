"""The control chart as data (one Chart for the page, its embed, image and downloads) and the
page's panel around it: the finding, who is left out and why, the caution, method, the figures
for every council and the sources."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
from dash import html

from .. import caveats, db
from ..charts import Chart, ChartRequestError
from ..components import caveat_list, message, source_line
from ..context import warehouse
from ..figures import CAVEAT_MARK, format_value, highlight_label
from ..figures.control import (CAUTION, CAUTION_HEADING, CONTROL_MEASURE, UPTAKE_WORDS, ControlData, Finding, control_data,
                               control_figure, describe, finding, finding_sentence, for_page, in_region,
                               left_out_sentence, method_text)
from ..sharing import chart_figure
from ..wire import element

ALL_ENGLAND = db.ENGLAND


@dataclass(frozen=True)
class ControlView:
    measure: str                    # the uptake measure across: sds_users or dp_users
    period: str
    region: str | None = None       # a region's code: only its councils are plotted and correlated
    council: str | None = None      # the reader's council: marked and named

    def query(self) -> str:
        values = {"measure": self.measure, "period": self.period}
        values.update({name: code for name, code in (("region", self.region), ("council", self.council)) if code})
        return "?" + urllib.parse.urlencode(values)


@dataclass(frozen=True)
class ControlDrawing:
    chart: Chart
    data: ControlData
    finding: Finding
    sentence: str
    uptake_label: str


def area_name(code: str | None) -> str:
    found = db.area(warehouse(), code) if code else None
    return found["area_name"] if found else ""


def _england(uptake: pd.DataFrame, control: pd.DataFrame) -> tuple[float, float] | None:
    values = [rows.loc[rows["area_code"] == db.ENGLAND, "value"].dropna() for rows in (uptake, control)]
    return (float(values[0].iloc[0]), float(values[1].iloc[0])) if all(len(v) for v in values) else None


def _r_words(result: Finding, data: ControlData) -> str:
    """'r = 0.09 (95% interval -0.08 to 0.25), n = 146; 4 flagged councils left out'."""
    c, left = result.correlation, len(data.left_out)
    if c is None:
        return "no correlation computed"
    text = f"r = {c.pearson:.2f} (95% interval {c.lower:.2f} to {c.upper:.2f}), n = {c.n}".replace("-", "\u2212")
    return text + (f"; {left} flagged council{'s' if left > 1 else ''} left out" if left else "")


def control_drawing(view: ControlView) -> ControlDrawing:
    """The scatter for a view, or ChartRequestError (404) when no council has both figures."""
    wh = warehouse()
    labels = db.measures(wh).set_index("measure_id")["label"]
    uptake_label = labels[view.measure]
    rows = {m: db.observations(wh, measure_id=m, period=view.period, age_band="all", client_group="all")
            for m in (view.measure, CONTROL_MEASURE)}
    data = control_data(rows[view.measure], rows[CONTROL_MEASURE], db.quality_flags(wh), uptake_label=uptake_label,
                        control_label="control over daily life")
    place = area_name(view.region) if view.region else "England"
    if view.region:
        data = in_region(data, view.region)
    if data.pairs.empty:
        raise ChartRequestError(f"No council in {place} has both {uptake_label.lower()} and control over daily "
                                f"life for {view.period}. Choose another year.", status=404)
    result = finding(data)
    words = UPTAKE_WORDS[view.measure]
    england = _england(rows[view.measure], rows[CONTROL_MEASURE])
    title = f"Control over daily life against {words}"
    drawn = set(data.pairs["area_code"]) | {db.ENGLAND}
    chart_rows = pd.concat([frame[frame["area_code"].isin(drawn)] for frame in rows.values()], ignore_index=True)
    mine = f", {area_name(view.council)} highlighted" if view.council else ""
    sentence = finding_sentence(result, uptake_words=words, place=place, period=view.period)
    chart = Chart(
        view="control", title=title,
        subtitle=f"Councils in {place}, {view.period}, all adults: {_r_words(result, data)}{mine}",
        figure=control_figure(data, x_title=f"{uptake_label} (%)", title=f"{title}, {view.period}",
                              uptake_words=words, highlight=view.council, england=england),
        rows=chart_rows, method=method_text(result, data),
        description=describe(data, result, uptake_label=uptake_label, place=place, period=view.period,
                             uptake_words=words, highlight=view.council, england=england),
        page_url="/control" + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": area_name(view.council)} if view.council else {})
    return ControlDrawing(chart, data, result, sentence, uptake_label)


def _council_row(row, mine: bool) -> dict:
    name = highlight_label(row.area_name) if mine else row.area_name
    used = f"{CAVEAT_MARK} Left out: {row.caveat}" if row.left_out else \
        ("Yes" + (f" ({CAVEAT_MARK} {row.caveat})" if row.caveat else ""))
    return element("Tr", [
        element("Th", element("A", name, href=f"/area/{row.area_code}"), scope="row"),
        element("Td", row.area_code), element("Td", format_value(row.uptake), className="number"),
        element("Td", format_value(row.control), className="number"), element("Td", used),
    ], className=" ".join(["council"] + (["flagged"] if row.left_out else []) + (["highlight"] if mine else [])))


def pairs_table(drawing: ControlDrawing, highlight: str | None) -> dict:
    """Every council plotted, by name, with both figures and whether the correlation uses it."""
    caption = f"{drawing.chart.title}: {drawing.chart.subtitle.split(':')[0]}"
    head = element("Thead", element("Tr", [element("Th", text, scope="col") for text in (
        "Council", "Code", drawing.uptake_label, "Control over daily life", "In the correlation")]))
    body = [_council_row(row, row.area_code == highlight) for row in drawing.data.pairs.itertuples()]
    table = element("Table", [element("Caption", caption), head, element("Tbody", body)],
                    className="data-table", id="control-table")
    return element("Div", element("Div", table, className="table-box", tabIndex=0, role="region",
                                  **{"aria-label": caption}), className="ranked-table")


def _heading(chart: Chart) -> html.P:
    """The title and subtitle as text above the chart (it wraps on a phone; Plotly's does not)."""
    return html.P([html.Span(chart.title, className="chart-title"), html.Br(),
                   html.Span(chart.subtitle, className="chart-subtitle")], id="control-title", className="chart-heading")


def _your_council(drawing: ControlDrawing, code: str | None) -> list:
    """Where the reader's council is, when it is not plotted (no figure, or another region)."""
    if not code or code in set(drawing.data.pairs["area_code"]):
        return []
    missing = drawing.data.unpaired[drawing.data.unpaired["area_code"] == code]
    why = f"it has no figure for {missing['lacking'].iloc[0].lower()} in this year" if len(missing) else \
        "it has no figures for this year here, or lies outside the region shown"
    return [message(f"Your council, {area_name(code)}, is not plotted: {why}.", element_id="control-council-message")]


def control_panel(view: ControlView) -> list:
    try:
        drawing = control_drawing(view)
    except ChartRequestError as error:
        return [message(error.message)]
    chart = drawing.chart
    left = left_out_sentence(drawing.data)
    return [
        *_your_council(drawing, view.council),
        chart_figure(chart, heading=_heading(chart), graph_id="control-chart", figure=for_page(chart.figure),
                     in_words="The chart in words", description_id="control-description"),
        html.P(drawing.sentence, id="control-finding", className="finding"),
        html.P(left, id="control-left-out", className="left-out") if left else None,
        html.P([html.Strong(CAUTION_HEADING), " ", CAUTION], id="control-caution", className="caution"),
        caveat_list(caveats.for_chart(chart), element_id="control-caveats"),
        html.H2("Method", className="method-heading"),
        html.P(method_text(drawing.finding, drawing.data, caution=False), id="control-method", className="method"),
        html.Details([html.Summary(f"The figures for each of the {len(drawing.data.pairs)} councils plotted"),
                      pairs_table(drawing, view.council)], className="control-figures", id="control-figures"),
        source_line(db.sources(warehouse(), sorted(set(chart.rows["source_id"].dropna()))),
                    element_id="control-source", measure_ids=[view.measure, CONTROL_MEASURE]),
    ]
