"""Compare (home): councils ranked for a measure, period and breakdown, within England, a
region or a council's similar councils, or the nine regions ranked, against England; the
reader's own council found by name and marked. The chart comes first: a compact bar of
native selects (a side panel on wide screens), then the chart, its caveats and its links."""
from __future__ import annotations

from dataclasses import dataclass

import dash
import numpy as np
import pandas as pd
from dash import ClientsideFunction, Input, Output, callback, clientside_callback, dcc, html
from dash.exceptions import MissingCallbackContextException

from .. import caveats, db
from ..components import (MARKS_FOOTNOTE, caveat_list, comparison_table, control_bar, council_finder,
                          message, page_shell, select_control, source_line)
from ..context import warehouse
from ..figures import CAVEAT_MARK, HIGHLIGHT_COLOUR, highlight_label, is_missing
from ..figures.compare import legend_entries
from ..labels import AGE_BANDS, CLIENT_GROUPS
from ..neighbours import METHOD as NEIGHBOURS_METHOD
from ..recent_trend import MIN_YEARS, RECENT_TREND_METHOD, recent_trends_by_area, table_mark
from ..routing import query_parameters
from ..sharing import share_panel
from ..state import (RATE_OF_COUNT, CompareView, is_count, latest_comparable, options_for, rate_selection,
                     selection_options)
from .compare_views import CONTROLS, COUNT_METHOD, METHOD, NEEDS_COUNCIL, compare_chart, resolve_view

PATH = "/"
# More bars than a screen holds: the reader's council gets a link to its row.
LONG_RANKING = 20
TITLE = "Compare councils: self-directed support uptake"
PAGE_TITLE = "Compare councils"
SCOPE_LABELS = [("england", "All councils in England"), ("region", "Councils in one region"),
                ("regions", "Regions compared"), ("neighbours", "15 most similar councils")]


def mid_sentence(text: str) -> str:
    """'All adults (18+), 2024-25, all councils in England' as it reads after a comma: only the
    first letter lowered, so names keep their capitals."""
    return text[:1].lower() + text[1:]


def _selects(view: CompareView, catalogue, measures) -> list:
    options = options_for(catalogue, view.selection)
    s = view.selection
    return [
        select_control("compare-measure", "Measure", [(m, measures.at[m, "label"]) for m in options["measure"]],
                       s.measure_id, class_name="wide"),
        select_control("compare-period", "Year (to 31 March)", [(p, p) for p in options["period"]], s.period),
        select_control("compare-scope", "Which areas", SCOPE_LABELS, view.scope),
        select_control("compare-age_band", "Age band",
                       [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]], s.age_band),
        select_control("compare-client_group", "Client group",
                       [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]], s.client_group),
    ]


def _controls(view: CompareView, catalogue, regions, councils, measures) -> html.Div:
    region = select_control("compare-region", "Region (for councils in one region)",
                            list(zip(regions["area_code"], regions["area_name"])),
                            view.region or regions.iloc[0]["area_code"])
    bar = control_bar([council_finder("compare-council", councils, view.council, label="Find your council"),
                       *_selects(view, catalogue, measures)],
                      more=[region], label="Choose what to compare", bar_id="compare-controls")
    # The region is a less-used choice, behind "More options", open when it is the one in use.
    more = bar.children[-1]
    more.id, more.open = "compare-more", view.scope == "region"
    return bar


def layout(**query: str) -> html.Div:
    try:
        view, catalogue, regions, councils, measures = resolve_view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Compare councils"), message(str(error))], title=PAGE_TITLE)
    if view is None:
        return page_shell(PATH, [html.H1("Compare councils"), message("No council data has been loaded yet.")],
                          title=PAGE_TITLE)
    return page_shell(PATH, [
        html.H1("Compare councils"),
        html.P("Who directs their own care and support, council by council, against England.", className="lede"),
        html.Div([
            _controls(view, catalogue, regions, councils, measures),
            html.Div(compare_panel(view, measures, query.get("council")), id="compare-panel",
                     className="compare-main", **{"aria-live": "polite"}),
        ], className="compare-layout"),
    ], location_id="compare-url", title=PAGE_TITLE)


def page_figure(spec: dict) -> dict:
    """The chart (as Chart.figure_spec() gives it) as the page draws it: the heading above it
    names it and the key above it explains the colours (Plotly's legend would sit under the
    last of ~150 bars)."""
    layout = {**spec["layout"], "showlegend": False}
    layout.pop("title", None)
    margin = layout.get("margin", {})
    top = 50 if layout.get("annotations") else 10     # room for the England and region labels
    saved = max(0, margin.get("t", top) - top) + max(0, margin.get("b", 50) - 50)
    layout["margin"], layout["height"] = {**margin, "t": top, "b": 50}, layout.get("height", 450) - saved
    return {"data": spec["data"], "layout": layout}


def chart_key(spec: dict, compared: bool, highlighted: str | None, jump: bool = False) -> html.Div | None:
    """Above the chart: what each colour and mark means, and the reader's council's mark; with
    `jump`, a link to its row (among 150 bars it is screens down)."""
    entries = [html.Li([html.Span(className="swatch", style={"background": colour}), name])
               for name, colour in (legend_entries(spec) if compared else [])]
    if highlighted:
        to_row = [" (", html.A("go to its row", href="#compare-table-mine", id="compare-jump-to-mine"), ")"] \
            if jump else []
        entries.append(html.Li([html.Span(className="swatch mine", style={"background": HIGHLIGHT_COLOUR}),
                                highlight_label(highlighted), *to_row], className="mine"))
    if not entries:
        return None
    heading = [html.Span("Compared with England (95%):", className="key-heading")] if compared else []
    return html.Div([*heading, html.Ul(entries)], className="chart-key", id="compare-key")


def _count_note(view: CompareView, measure, catalogue: pd.DataFrame) -> html.P:
    """For a count: why there is no England bar, and the rate instead where one is loaded."""
    parts = [COUNT_METHOD]
    rate = rate_selection(view.selection, catalogue)
    if rate is not None:
        rate_view = CompareView(rate, view.scope, view.region, view.council)
        parts += [" ", html.A("Compare the rate per 100,000 adults instead", href="/" + rate_view.query(),
                              id="compare-rate-link"), "."]
    elif view.selection.measure_id in RATE_OF_COUNT:
        parts.append(f" A rate per 100,000 adults needs population estimates for {view.selection.period}, "
                     "which are not loaded.")
    return html.P(parts, className="count-note", id="compare-count-note")


def _comparable_year_note(view: CompareView, catalogue: pd.DataFrame) -> html.P | None:
    """When the publisher forbids comparing every council of this year, say so above the chart
    and offer the latest year that can be compared: the reader's question is a comparison."""
    other = latest_comparable(catalogue, view.selection)
    if other is None:
        return None
    elsewhere = CompareView(other, view.scope, view.region, view.council)
    return html.P([f"{CAVEAT_MARK} The publisher says {view.selection.period} figures are not comparable "
                   "between councils: none is ranked. ",
                   html.A(f"Compare {other.period} instead", href="/" + elsewhere.query(),
                          id="compare-comparable-year"), "."],
                  className="comparable-note", id="compare-not-comparable")


def _council_notes(view: CompareView, typed: str | None, ranked: pd.DataFrame | "_Ranked") -> list:
    """A typed name that matches no council, or the reader's council outside the areas shown."""
    if typed and typed.strip() and view.council is None:
        return [message(f"No council is called \u201c{typed.strip()[:60]}\u201d: choose a name from the list "
                        "that appears as you type.", element_id="compare-council-message")]
    if not view.council or view.scope == "regions":
        return []
    if not isinstance(ranked, _Ranked):
        ranked = _Ranked.of(ranked)
    if view.council in ranked.valued:
        return []
    home = db.area(warehouse(), view.council)
    if view.council in ranked.codes:
        text = [f"{home['area_name']} (your council) has no figure for this year and breakdown."]
    else:
        own_region = CompareView(view.selection, "region", home["region_code"], view.council)
        text = [f"{home['area_name']} (your council) is not among the councils shown: ",
                html.A("compare the councils of its region", href="/" + own_region.query()), "."]
    return [html.P(text, className="council-note", id="compare-council-absent")]


@dataclass(frozen=True)
class _Ranked:
    """The ranked areas' positions in the chart's rows and their codes: what the panel asks of
    them, without copying the rows' ~35 columns for it."""
    positions: np.ndarray
    codes: list[str]
    valued: set[str]                # codes with a value
    names: list[str]

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def of(cls, rows: pd.DataFrame, kind: str | None = None) -> "_Ranked":
        positions = np.arange(len(rows)) if kind is None else np.flatnonzero(rows["area_type"].to_numpy() == kind)
        codes = rows["area_code"].to_numpy()[positions].tolist()
        present = ~np.isnan(rows["value"].to_numpy(dtype=float)[positions])
        return cls(positions, codes, {code for code, has in zip(codes, present) if has},
                   rows["area_name"].to_numpy()[positions].tolist() if "area_name" in rows else [])


def compare_panel(view: CompareView, measures: pd.DataFrame, typed: str | None = None) -> list:
    if view.needs_council:
        return [*_council_notes(view, typed, pd.DataFrame({"area_code": [], "value": []})),
                message(NEEDS_COUNCIL, element_id="compare-needs-council")]
    chart = compare_chart(view, measures)
    measure = measures.loc[view.selection.measure_id]
    unit = measure["unit"]
    rows = chart.rows
    kind = "region" if view.scope == "regions" else "council"
    ranked = _Ranked.of(rows, kind)
    if not ranked.valued:
        return [message(f"No {kind} has a value for {measure['label'].lower()}, {mid_sentence(chart.subtitle)}. "
                        "Choose another year or breakdown.")]
    catalogue = db.catalogue(warehouse())
    mine = view.council if view.scope != "regions" and view.council in ranked.codes else None
    mine_name = ranked.names[ranked.codes.index(mine)] if mine else None
    spec = chart.figure_spec()
    return [
        *_council_notes(view, typed, ranked),
        html.Figure([part for part in (
            html.Figcaption(html.H2([html.Span(chart.title, className="chart-title"), " ",
                                     html.Span(chart.subtitle, className="chart-subtitle")]),
                            id="compare-chart-title"),
            _comparable_year_note(view, catalogue),
            chart_key(spec, not is_count(unit), mine_name, jump=len(ranked) > LONG_RANKING),
            dcc.Store(id="compare-figure", data=page_figure(spec)),
            dcc.Graph(id="compare-chart", config={"displaylogo": False}),
            caveat_list(caveats.for_chart(chart), element_id="compare-caveats"),
            _count_note(view, measure, catalogue) if is_count(unit) else None,
            html.Details([html.Summary("Describe this chart"), html.P(chart.description, id="chart-description")],
                         className="describe", id="compare-describe"),
        ) if part is not None], className="chart"),
        share_panel(chart),
        source_line(db.sources(warehouse(), sorted({s for s in rows["source_id"].tolist() if not is_missing(s)})),
                    measure_ids=[view.selection.measure_id]),
        _table(view, chart, measure, ranked),
        html.P(MARKS_FOOTNOTE + " " + (COUNT_METHOD if is_count(unit) else METHOD + " " + RECENT_TREND_METHOD
                                        + f" In this table a mark needs {MIN_YEARS} or more consecutive years with counts ending in "
                                        "the table's year; otherwise it reads not calculated."),
               className="footnote method"),
        *([html.P(NEIGHBOURS_METHOD, className="method")] if view.scope == "neighbours" else []),
    ]


def _table(view: CompareView, chart, measure, ranked: _Ranked) -> dict:
    rows = chart.rows
    others = np.setdiff1d(np.arange(len(rows)), ranked.positions)
    # The comparators by area_type as sort_values orders them (numpy's quicksort, the same sort).
    others = others[np.argsort(rows["area_type"].to_numpy(dtype=object)[others], kind="quicksort")]
    if view.scope == "regions":
        # The table ranks the rows typed 'council': here the regions are what is ranked.
        table = pd.concat([rows.take(ranked.positions).assign(area_type="council"), rows.take(others)])
    else:
        # The ranked rows then the comparators in one take: the concat of two takes it replaces.
        table = rows.take(np.concatenate([ranked.positions, others]))
    return comparison_table(table, trend_marks=_trend_marks(view, measure),
                            caption=f"Data: {measure['label'].lower()}, {mid_sentence(chart.subtitle)}",
                            count_label="Numerator", base_label="Denominator", polarity=measure["polarity"],
                            unit=measure["unit"], flag_labels=db.flag_labels(warehouse()),
                            highlight=view.council if view.scope != "regions" else None)


def _trend_marks(view: CompareView, measure) -> dict[str, str] | None:
    """Each council's recent-trend mark for the table's year (percentages only): computed once
    per build and selection, as every council's whole series is read for it."""
    if measure["unit"] != "percent" or view.scope == "regions":
        return None
    s, wh = view.selection, warehouse()

    def produce() -> dict[str, str]:
        rows = db.series_counts(wh, measure_id=s.measure_id, age_band=s.age_band, client_group=s.client_group,
                                area_type="council")
        trends = recent_trends_by_area(rows, db.series_breaks(wh), measure["polarity"], s.period)
        return {code: table_mark(trend, s.period) for code, trend in trends.items()}
    return wh.remember(("compare_trend_marks", s.measure_id, s.period, s.age_band, s.client_group), produce)


def _triggered_by() -> str | None:
    """The control that changed (None when called outside a Dash request, as tests do)."""
    try:
        return dash.ctx.triggered_id
    except MissingCallbackContextException:
        return None


@callback(
    [Output(f"compare-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"compare-{name}", "value") for name in ("measure", "period", "age_band", "client_group", "scope")],
    Output("compare-panel", "children"), Output("compare-url", "search"),
    [Input(f"compare-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_compare(*values):
    query = dict(zip(CONTROLS, values))
    if _triggered_by() == "compare-region":
        query["scope"] = "region"          # choosing a region means comparing its councils
    view, catalogue, regions, councils, measures = resolve_view(query)
    options = options_for(catalogue, view.selection)
    s = view.selection
    return (
        *selection_options(options),
        s.measure_id, s.period, s.age_band, s.client_group, view.scope,
        compare_panel(view, measures, query.get("council")), view.query())


@callback(Output("compare-more", "open"), Input("compare-scope", "value"), prevent_initial_call=True)
def open_region_choice(scope):
    """Councils in one region: the region chooser, behind "More options", opens."""
    return True if scope == "region" else dash.no_update


# The server sends the figure once, in a Store; assets/early/fit-charts.js draws it, as it is
# or fitted to a phone (only the browser knows the chart's width), here and in the first paint.
clientside_callback(ClientsideFunction("fit", "compare-chart"), Output("compare-chart", "figure"),
                    Input("compare-figure", "data"))


def view_for_url(search: str) -> CompareView | None:
    """The view a URL shows (for tests and exports)."""
    return resolve_view(query_parameters(search))[0]

