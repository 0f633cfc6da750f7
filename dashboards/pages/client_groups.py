"""Client groups: the report's Table 3 as a live view. Councils (then the region, then
England) by client group for a measure, year, age band and region: each cell the value and,
for percentages, the gap to England's value for the same client group with its
significance; sortable by name or any client-group column, all in the URL. `council=` (a
code or name) marks the reader's council in the chart and the table.

The chart comes first: one row of native selects, the chart's title as text (it wraps on a
phone), the chart, its share links, its text alternative in a <details>, its caveats; then
the table. The pure parts (views, columns, the table) are in client_groups_views.py."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from .. import caveats, db
from ..charts import Chart, ChartRequestError, register
from ..components import caveat_list, control_bar, message, page_shell, select_control, source_line
from ..context import warehouse
from ..figures import format_value, highlight_label
from ..figures.client_groups import (describe_dots, describe_investment, dot_chart, dot_chart_spec,
                                     investment_scatter, population_base)
from ..labels import AGE_BANDS
from ..routing import query_parameters
from ..sharing import share_panel
from .client_groups_views import (ALL_ENGLAND, BY_NAME, METHOD, ClientGroupView, Column, Offer, _mid_sentence,
                                  _notes, arrange, cells_by_area, chart_frames, client_group_table, method_for,
                                  options_for_view, resolve_view, table_in_box)

PATH = "/client-groups"
TITLE = "Client groups: self-directed support uptake"
PAGE_TITLE = "Client groups: who directs their own support?"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "region", "sort"]
PARAMETERS = (*CONTROLS, "council")     # what a chart URL may say: the controls and the reader's council
INVESTMENT = "mh_investment_per_head"
MISSING_INVESTMENT = ("No figures on investment in adult mental health services are loaded for {period}. They "
                      "come from the Department of Health's National Survey of Investment in Adult Mental "
                      "Health Services, which was not published in a form this site can read; ")
SOURCES_LINK = "Sources and methods lists every publication loaded"


@dataclass
class Shown:
    """What the table and chart of a view show, worked out once for both."""
    measure: pd.Series            # the measure's row of db.measures
    period: str
    columns: list[Column]
    rows: pd.DataFrame            # the observations in the table's cells
    scope_name: str
    ordered: pd.DataFrame         # the table's areas in order: councils, then regions, then England
    cells: dict[tuple[str, str], dict]
    absent: pd.DataFrame          # councils of the year with no row
    band: str                     # the age band in words (with the all-groups column's, when another)
    values: pd.DataFrame          # councils' values per column (chart_frames)
    england: pd.DataFrame         # England's value per column

    @property
    def what(self) -> str:
        return f"{_mid_sentence(self.measure['label'])} by client group, {self.band}, {self.period}, {self.scope_name}"


# ---- reading the warehouse ---------------------------------------------------------------

def _reference_data():
    # Each once per build: a callback only reads them.
    wh = warehouse()
    return (db.catalogue(wh), wh.cached("client_groups:regions", lambda _: db.areas(wh, "region")),
            wh.cached("client_groups:measures", lambda _: db.measures(wh).set_index("measure_id")))


def _by_region() -> pd.DataFrame:
    return db.catalogue_by_region(warehouse())


def _councils() -> pd.DataFrame:
    """Every council the warehouse knows: those `council=` may name (read once per build)."""
    return warehouse().cached("client_groups:councils", lambda wh: db.areas(wh, "council"))


def _offer() -> Offer:
    """This build's catalogue indexed for the page's choices, made once per build."""
    return warehouse().cached("client_groups:offer", lambda wh: Offer.of(db.catalogue(wh), _by_region()))


def _view(query: dict[str, str]):
    catalogue, regions, measures = _reference_data()
    view = resolve_view(query, catalogue, list(regions["area_code"]), councils=_councils(), by_region=_by_region(),
                        offer=_offer())
    return view, catalogue, regions, measures


def _area_name(code: str | None) -> str:
    found = db.area(warehouse(), code) if code else None
    return found["area_name"] if found else ""


def _scope_rows(view: ClientGroupView, columns: list[Column], regions: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Observation rows for the columns and scope, with councils of a region that have no row
    added as areas without cells; and the scope's name."""
    # Filtered by age band only: a list of client groups costs a pass over the year in Python,
    # and the columns hold nearly every group the band has.
    rows = db.observations(warehouse(), measure_id=view.measure_id, period=view.period,
                           age_band=sorted({c.age_band for c in columns}))
    # Then one mask on the rows' arrays and one take: pandas masks copy every column.
    age, group, area_type, area_code = (rows[c].to_numpy() for c in ("age_band", "client_group", "area_type",
                                                                     "area_code"))
    wanted = np.zeros(len(rows), dtype=bool)
    for band, client_group in {(c.age_band, c.client_group) for c in columns}:
        wanted |= (age == band) & (group == client_group)
    if view.region == ALL_ENGLAND:
        wanted &= (area_type == "council") | (area_type == "region") | (area_code == db.ENGLAND)
        return _only(rows, wanted), "councils in England"
    wanted &= (((area_type == "council") & (rows["region_code"].to_numpy() == view.region))
               | (area_code == view.region) | (area_code == db.ENGLAND))
    name = _region_names().get(view.region, view.region)
    return _only(rows, wanted), f"councils in {name}"


def _only(rows: pd.DataFrame, wanted: np.ndarray) -> pd.DataFrame:
    return rows if wanted.all() else rows.take(np.flatnonzero(wanted))


def _region_names() -> dict[str, str]:
    return warehouse().cached("client_groups:region_names", lambda wh: _names(db.areas(wh, "region")))


def _expected_councils(view: ClientGroupView) -> pd.DataFrame:
    """Councils that existed in the year (in the region, when one is chosen)."""
    def load(wh) -> pd.DataFrame:
        alive = db.councils_alive(wh, view.period)
        return alive if view.region == ALL_ENGLAND else alive[alive["region_code"] == view.region]
    # Once per build and (year, region): a region's councils of a year are a few rows.
    return warehouse().cached(("client_groups:expected", view.period, view.region), load)


def shown_for(view: ClientGroupView, catalogue: pd.DataFrame, regions: pd.DataFrame,
              measures: pd.DataFrame) -> Shown:
    measure = measures.loc[view.measure_id]
    columns = _offer().columns(view.measure_id, view.period, view.age_band)
    rows, scope_name = _scope_rows(view, columns, regions)
    areas = rows[["area_code", "area_name", "area_type"]]
    expected = _expected_councils(view)
    listed = set(rows["area_code"].tolist())
    absent = expected.take(np.flatnonzero([code not in listed for code in expected["area_code"].tolist()]))
    if view.region != ALL_ENGLAND:   # a region's table lists every council, with or without figures
        areas = pd.concat([areas, absent[["area_code", "area_name", "area_type"]]], ignore_index=True)
    cells = cells_by_area(rows, columns)
    ordered = arrange(areas, cells, view.sort)
    band = AGE_BANDS.get(view.age_band, view.age_band)
    if columns and columns[0].age_band != view.age_band:
        band += f" ({AGE_BANDS.get(columns[0].age_band, columns[0].age_band)} for all client groups)"
    values, england = chart_frames(ordered, cells, columns)
    return Shown(measure, view.period, columns, rows, scope_name, ordered, cells, absent, band, values, england)


def table_observations(view: ClientGroupView, shown: Shown) -> pd.DataFrame:
    """Every observation in the table's cells, in the table's order (area by area, column by
    column), with a 'missing' row for each listed council that has no figure at all."""
    rows = shown.rows
    if view.region != ALL_ENGLAND and len(shown.absent):
        absent = shown.absent
        rows = pd.concat([rows, pd.DataFrame({
            "area_code": absent["area_code"], "area_name": absent["area_name"], "area_type": "council",
            "region_code": absent["region_code"], "period": view.period, "measure_id": view.measure_id,
            "value_status": "missing",
            "note": "No figure for this council in the loaded publications for this year."})], ignore_index=True)
    area_position = {code: position for position, code in enumerate(shown.ordered["area_code"].tolist())}
    column_position = {(c.age_band, c.client_group): position for position, c in enumerate(shown.columns)}
    by_area = [area_position.get(code, len(area_position)) for code in rows["area_code"].tolist()]
    by_column = [column_position.get(pair, len(column_position))
                 for pair in zip(rows["age_band"].tolist(), rows["client_group"].tolist())]
    # A stable sort by area, then column: one take of the rows.
    return rows.take(np.lexsort((by_column, by_area))).reset_index(drop=True)


# ---- the chart, as every channel draws it --------------------------------------------------

def client_groups_chart(view: ClientGroupView, shown: Shown, *, plain: bool = False) -> Chart | None:
    """The dot chart of a view, None when no council has a figure to draw. The page, the
    /embed/client-groups and /image/client-groups views and /download/client-groups all draw this.
    plain: the figure as the plain dict its go.Figure serialises to (the page's callback sends
    it as it is, without making the go.Figure the other channels' callers read)."""
    if shown.values.empty:
        return None
    measure, unit = shown.measure, shown.measure["unit"]
    council = _area_name(view.council)
    subtitle = f"By client group, {shown.band}, {view.period}, {shown.scope_name}" + \
        (f", {council} highlighted" if council and council in set(shown.values["area_name"]) else "")
    return Chart(
        view="client-groups", title=measure["label"], subtitle=subtitle[0].upper() + subtitle[1:],
        figure=(dot_chart_spec if plain else dot_chart)(shown.values, shown.england,
                                                        order=list(shown.ordered["area_name"]), unit=unit,
                                                        highlight=council or None),
        rows=table_observations(view, shown),
        method=method_for(unit, shown.rows),
        description=describe_dots(shown.values, shown.england, what=shown.what, unit=unit),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": council} if council else {})


def _refuse_unknown_council(query: dict[str, str], view: ClientGroupView | None) -> None:
    """An embedded chart must show what its URL says: a council it cannot find is refused."""
    if view is not None and query.get("council", "").strip() and view.council is None:
        raise ChartRequestError(f"council={query['council'][:40]!r} is not a council: give its code or name.")


@register("client-groups", PARAMETERS)
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, catalogue, regions, measures = _view(query)
    _refuse_unknown_council(query, view)
    if view is None:
        return None
    shown = shown_for(view, catalogue, regions, measures)
    chart = client_groups_chart(view, shown)
    if chart is None:
        raise ChartRequestError(_nothing_to_draw(view, shown), valid=[PATH + view.query()], status=404)
    return chart


def _nothing_to_draw(view: ClientGroupView, shown: Shown) -> str:
    return (f"None of the {shown.scope_name} has a figure for {_mid_sentence(shown.measure['label'])} "
            f"by client group in {view.period}. Choose another region or year.")


# ---- the panel under the controls -----------------------------------------------------------

def _chart_heading(chart: Chart) -> html.Div:
    """The chart's title and subtitle as page text above it: it wraps on a phone, where a title
    drawn inside the chart would run off the screen."""
    return html.Div([html.H2(chart.title, className="chart-title"),
                     html.P(chart.subtitle, className="chart-subtitle")], id="client-groups-title",
                    className="chart-heading")


def _chart_figure(chart: Chart) -> html.Figure:
    """Title, chart, the links to share and download it, then its text alternative on demand."""
    return html.Figure([
        _chart_heading(chart),
        dcc.Graph(id="client-groups-chart", figure=chart.figure, config={"displaylogo": False},
                  className="cg-graph"),
        share_panel(chart),
        html.Figcaption(html.Details([html.Summary("The chart in words"),
                                      html.P(chart.description, id="client-groups-description")],
                                     className="text-alternative")),
    ], className="chart")


def _your_council_note(view: ClientGroupView, shown: Shown) -> html.P | None:
    """When the reader's council is not among the councils drawn, say where it is."""
    council = _area_name(view.council)
    if not council or council in set(shown.values["area_name"]):
        return None
    listed = view.council in set(shown.ordered["area_code"])
    if listed or view.region == ALL_ENGLAND:
        return html.P(f"{highlight_label(council)} has no figure to draw for this measure and year.",
                      id="client-groups-council-note", className="footnote")
    home = db.area(warehouse(), view.council) or {}
    region = home.get("region_code")
    link = PATH + ClientGroupView(view.measure_id, view.period, view.age_band, region or ALL_ENGLAND, view.sort,
                                  view.council).query()
    return html.P([f"{highlight_label(council)} is not among the councils shown: ",
                   html.A(f"show the councils in {_area_name(region) or 'England'}", href=link), "."],
                  id="client-groups-council-note", className="footnote")


def _no_chart(view: ClientGroupView, shown: Shown) -> list:
    """No chart, so no caveats under it: the year's series breaks are said here instead."""
    breaks = db.series_breaks(warehouse())   # cached per build by db
    breaks = breaks[(breaks["measure_id"] == view.measure_id) & (breaks["period"] == view.period)]
    parts = [html.P([html.Strong("Series break: "), note], className="message cg-break") for note in breaks["note"]]
    return parts + [message(_nothing_to_draw(view, shown), element_id="client-groups-message")]


def _caption(view: ClientGroupView, shown: Shown) -> str:
    unit = shown.measure["unit"]
    sort_label = "area name (A to Z)" if view.sort == BY_NAME else \
        next(c.label for c in shown.columns if c.key == view.sort) + ", highest first"
    caption = (f"{shown.measure['label']} by client group: {shown.band}, {shown.scope_name}, {view.period}. "
               f"Sorted by {sort_label}.")
    if unit == "percent":
        caption += (" Each cell: the value, then the gap to England's value for the same client "
                    "group in percentage points" + (", and whether it is significant."
                                                    if method_for(unit, shown.rows) == METHOD else "."))
    return caption


def client_groups_panel(view: ClientGroupView, catalogue: pd.DataFrame, regions: pd.DataFrame,
                        measures: pd.DataFrame) -> list:
    shown = shown_for(view, catalogue, regions, measures)
    unit, polarity = shown.measure["unit"], shown.measure["polarity"]
    caption = _caption(view, shown)
    table, notes = client_group_table(shown.ordered, shown.cells, shown.columns, caption=caption, unit=unit,
                                      polarity=polarity, sort=view.sort, highlight=view.council)
    chart = client_groups_chart(view, shown, plain=True)
    if chart is None:
        parts = _no_chart(view, shown)
    else:
        parts = []
        if all(group == "all" for group in shown.values["client_group"].tolist()):
            parts.append(message(f"Client-group figures for {view.period} are published for England only; "
                                 "councils' figures are for all client groups.", element_id="client-groups-message"))
        parts += [_chart_figure(chart), _your_council_note(view, shown),
                  caveat_list(caveats.for_chart(chart), element_id="client-groups-caveats")]
    parts.append(table_in_box(table, label=f"Data: {shown.what}"))
    parts.append(html.P(method_for(unit, shown.rows), className="footnote method"))
    if notes:
        parts.append(_notes(notes))
    if view.region == ALL_ENGLAND and len(shown.absent):
        parts.append(html.P(f"{len(shown.absent)} other councils have no figure for this measure and year in "
                            "the loaded publications and are not listed.", className="footnote"))
    investment, investment_sources = investment_section(view.period, view.council)
    parts += investment
    source_ids = sorted(_present(shown.rows["source_id"]) | investment_sources)
    parts.append(source_line(db.sources(warehouse(), source_ids), element_id="client-groups-source",
                             measure_ids=sorted(_present(shown.rows["measure_id"]))))
    return [part for part in parts if part is not None]


def _present(values: pd.Series) -> set:
    """The distinct values that are not missing."""
    return {value for value in values.unique().tolist() if not pd.isna(value)}


# ---- uptake against investment in mental health services ------------------------------------

def investment_points(investment: pd.DataFrame, uptake: pd.DataFrame) -> pd.DataFrame:
    """One row per area with both figures: area_code, area_name, area_type, investment, uptake."""
    left = investment.dropna(subset=["value"]).drop_duplicates("area_code")[["area_code", "area_name", "area_type", "value"]]
    right = uptake.dropna(subset=["value"]).drop_duplicates("area_code")[["area_code", "value"]]
    return left.merge(right, on="area_code", suffixes=("_investment", "_uptake")).rename(
        columns={"value_investment": "investment", "value_uptake": "uptake"})


def _uptake_rows(period: str) -> tuple[pd.DataFrame, str]:
    """Self-directed support for mental health (18-64 first) if loaded for the year, else all adults."""
    wh = warehouse()
    for band, group in (("18-64", "mental_health"), ("all", "mental_health"), ("all", "all")):
        rows = db.observations(wh, measure_id="sds_users", period=period, age_band=band, client_group=group)
        if rows["value"].notna().any():
            label = "Self-directed support (" + (
                f"{AGE_BANDS[band]}, mental health" if group == "mental_health" else "all adults (18+)") + ")"
            return rows, label
    return rows.iloc[0:0], "Self-directed support"


def _sources_href(council: str | None) -> str:
    return "/sources" + (f"?{urllib.parse.urlencode({'council': council})}" if council else "")


def _investment_table(points: pd.DataFrame, period: str, base: str | None, uptake_label: str) -> html.Div:
    caption = f"Data: uptake and investment per head, {period}"
    table = html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(t, scope="col") for t in
                            ("Area", "Code", f"Investment per head of {base or 'population (base not stated)'}",
                             f"{uptake_label}, %")])),
        html.Tbody([html.Tr([html.Th(r.area_name, scope="row"), html.Td(r.area_code),
                             html.Td(format_value(r.investment, "gbp_per_head"), className="number"),
                             html.Td(format_value(r.uptake), className="number")])
                    for r in points.sort_values("investment", ascending=False).itertuples()]),
    ], className="data-table", id="investment-table")
    return html.Div(table, className="table-box", tabIndex="0", role="region", **{"aria-label": caption})


def investment_section(period: str, council: str | None = None) -> tuple[list, set[str]]:
    """A scatter of uptake against investment per head when investment is loaded for the year,
    else a sentence saying it is not, and where the loaded publications are listed."""
    heading = html.H2("Uptake and investment in mental health services")
    loaded = (INVESTMENT, period) in _offer().years
    investment = db.observations(warehouse(), measure_id=INVESTMENT, period=period) if loaded else pd.DataFrame()
    investment = investment.dropna(subset=["value"]) if loaded else investment
    if investment.empty:
        return [heading, html.P([MISSING_INVESTMENT.format(period=period),
                                 html.A(SOURCES_LINK, href=_sources_href(council)), "."],
                                id="investment-message", className="message")], set()
    # One age band: the one most areas have.
    band = investment["age_band"].value_counts().index[0]
    investment = investment[investment["age_band"] == band]
    uptake, uptake_label = _uptake_rows(period)
    points = investment_points(investment, uptake)
    base = population_base(list(investment["note"]))
    sources = set(investment["source_id"].dropna()) | set(uptake["source_id"].dropna())
    if points.empty:
        return [heading, html.P(f"Investment figures are loaded for {period}, but no area has both them and "
                                "a self-directed support figure for that year.", id="investment-message",
                                className="message")], sources
    title = f"{uptake_label} against investment in mental health services, {period}"
    return [heading, html.Figure([
        html.P(title, id="investment-title", className="chart-heading"),
        dcc.Graph(id="investment-chart", figure=investment_scatter(points, uptake_label=uptake_label, base=base),
                  config={"displaylogo": False}),
        html.Figcaption(html.Details([html.Summary("The chart in words"), html.P(
            describe_investment(points, period=period, uptake_label=uptake_label, base=base),
            id="investment-description")], className="text-alternative")),
    ], className="chart"), _investment_table(points, period, base, uptake_label)], sources


# ---- the page and its one callback -----------------------------------------------------------

def _band_label(band: str) -> str:
    return AGE_BANDS.get(band, band).capitalize()


def _options(view: ClientGroupView, catalogue: pd.DataFrame, regions: pd.DataFrame) -> dict[str, list]:
    return options_for_view(catalogue, view, _by_region(), list(regions["area_code"]), offer=_offer())


def _names(areas: pd.DataFrame) -> dict[str, str]:
    """Area code -> name (a dict: a set_index per call cost more than the whole look-up)."""
    return dict(zip(areas["area_code"].tolist(), areas["area_name"].tolist()))


def _region_options(codes: list[str], regions: pd.DataFrame) -> list[tuple[str, str]]:
    names = _names(regions)
    return [(code, "All of England" if code == ALL_ENGLAND else names.get(code, code)) for code in codes]


def _region_replaced(asked: str | None, view: ClientGroupView, regions: pd.DataFrame, measure: str) -> list:
    """When the region asked for (a link, or the region kept while the year changed) has no
    councils with figures for the year, the page says so above the view it shows instead."""
    names = _names(regions)
    if not asked or asked == view.region or asked not in names:
        return []
    shown = "all of England" if view.region == ALL_ENGLAND else names.get(view.region, view.region)
    return [message(f"No council in {names[asked]} has figures for {_mid_sentence(measure)} by client group in "
                    f"{view.period}: showing {shown}.", element_id="client-groups-region-message")]


def _controls(view: ClientGroupView, catalogue, regions, measures) -> html.Div:
    """Measure, year and region in one row; the age band and the sort behind "More options".
    The region and age band offer only those with councils' figures for the year."""
    options = _options(view, catalogue, regions)
    return control_bar([
        select_control("client-groups-measure", "Measure",
                       [(m, measures.at[m, "label"]) for m in options["measure"]], view.measure_id,
                       class_name="control-measure"),
        select_control("client-groups-period", "Year (to 31 March)", [(p, p) for p in options["period"]],
                       view.period, class_name="control-period"),
        select_control("client-groups-region", "Councils in", _region_options(options["region"], regions),
                       view.region, class_name="control-region"),
    ], more=[
        select_control("client-groups-age_band", "Age band", [(a, _band_label(a)) for a in options["age_band"]],
                       view.age_band, class_name="control-age_band"),
        select_control("client-groups-sort", "Sort councils by", options["sort"], view.sort,
                       class_name="control-sort"),
    ], label="Choose what to show", bar_id="client-groups-controls")


def _unknown_council(text: str | None, view: ClientGroupView) -> list:
    """What the page says when `council=` names no council (the rest of the view still shows)."""
    if not (text or "").strip() or view.council is not None:
        return []
    return [message(f"No council is called or has the code \u201c{text.strip()[:60]}\u201d, so none is marked.",
                    element_id="client-groups-council-message")]


def layout(**query: str) -> html.Div:
    title = html.H1("Client groups: who directs their own support?")
    try:
        view, catalogue, regions, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [title, message(str(error))], title=PAGE_TITLE)
    if view is None:
        return page_shell(PATH, [title, message("No figures by client group have been loaded yet.")],
                          title=PAGE_TITLE)
    return page_shell(PATH, [
        title,
        html.P("Each council's value for every client group, beside England's for the same group.",
               className="lede"),
        _controls(view, catalogue, regions, measures),
        html.Div(_unknown_council(query.get("council"), view)
                 + _region_replaced(query.get("region"), view, regions, measures.at[view.measure_id, "label"])
                 + client_groups_panel(view, catalogue, regions, measures),
                 id="client-groups-panel", **{"aria-live": "polite"}),
        html.P("The comparison the report Chaos or Empowerment? (2013) made in its Table 3 for the North "
               "East's adults with mental health needs, for any year and region with client-group figures.",
               className="footnote cg-about"),
    ], location_id="client-groups-url", title=PAGE_TITLE)


@callback(
    [Output(f"client-groups-{name}", "options") for name in ("period", "region", "age_band", "sort")],
    [Output(f"client-groups-{name}", "value") for name in CONTROLS],
    Output("client-groups-panel", "children"), Output("client-groups-url", "search"),
    [Input(f"client-groups-{name}", "value") for name in CONTROLS],
    State("client-groups-url", "search"),
    prevent_initial_call=True)
def update_client_groups(measure, period, age_band, region, sort, search=None):
    """Any select: the view for all of them together; the reader's council (in the URL, not a
    control here) is kept."""
    council = query_parameters(search).get("council", "")
    query = {"measure": measure, "period": period, "age_band": age_band, "region": region, "sort": sort,
             "council": council}
    view, catalogue, regions, measures = _view(query)
    options = _options(view, catalogue, regions)
    return (
        [{"label": p, "value": p} for p in options["period"]],
        [{"label": label, "value": code} for code, label in _region_options(options["region"], regions)],
        [{"label": _band_label(a), "value": a} for a in options["age_band"]],
        [{"label": label, "value": key} for key, label in options["sort"]],
        view.measure_id, view.period, view.age_band, view.region, view.sort,
        _region_replaced(region, view, regions, measures.at[view.measure_id, "label"])
        + client_groups_panel(view, catalogue, regions, measures), view.query())


def view_for_url(search: str) -> ClientGroupView | None:
    """The view a URL shows (for tests and exports)."""
    return _view(query_parameters(search))[0]
