"""Client groups: the report's Table 3 as a live view. Councils (then the region, then
England) by client group for a measure, year, age band and region: each cell the value and,
for percentages, the gap to England's value for the same client group with its
significance; sortable by name or any client-group column, all in the URL."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
from dash import Input, Output, callback, dcc, html

from .. import caveats, db
from ..charts import Chart, ChartRequestError, register
from ..components import caveat_list, message, note_text, page_shell, radio_group, source_line
from ..context import warehouse
from ..figures import CAVEAT_MARK, NOTE_MARK, format_value, is_missing, significance_style
from ..figures.client_groups import (describe_dots, describe_investment, dot_chart, investment_scatter,
                                     population_base)
from ..labels import AGE_BANDS, CLIENT_GROUPS, flag_codes
from ..routing import query_parameters
from ..sharing import share_panel
from ..state import DEFAULT_MEASURE, measure_order, pick
from ..wire import element

PATH = "/client-groups"
TITLE = "Client groups: self-directed support uptake"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "region", "sort"]
ALL_ENGLAND = "england"
DEFAULT_REGION = "E12000001"          # the report's region: North East
BY_NAME = "area"
AGE_ORDER = ["all", "18-64", "under-65", "65+", "65-84", "85+"]
GROUP_ORDER = list(CLIENT_GROUPS)
INVESTMENT = "mh_investment_per_head"
CELL_FIELDS = ["area_code", "age_band", "client_group", "value", "value_status", "note", "gap",
               "gap_lower_95", "gap_upper_95", "compared_with_england", "quality_flag", "quality_note"]
STATUS_WORDS = {"suppressed": "suppressed", "not_applicable": "not applicable", "missing": "no data"}
METHOD = ("Gap: the area's value minus England's for the same client group and age band, in "
          "percentage points. \u25b2 higher or \u25bc lower: England's value lies outside the area's "
          "95% Wilson score interval (the Fingertips convention), so the difference is statistically "
          "significant; \u25cf similar: England's value is inside it. The gap's own 95% interval "
          "(Newcombe's hybrid score method) is in each gap's tooltip. Where a publication prints no "
          "counts there is no interval and no comparison. Counts rounded to the nearest 5 make the "
          "intervals approximate.")
NO_INTERVAL_METHOD = ("Gap: the area's value minus England's for the same client group and age band, in "
                      "percentage points. These figures come without counts of people (a share of spending "
                      "is a share of money), so they have no confidence interval and no test against "
                      "England: a gap says how far apart two figures are, not whether the difference is "
                      "more than chance.")
COUNT_METHOD = ("Counts of people as published, one marker per client group; counts have no interval "
                "and no comparison with England.")
MONEY_METHOD = ("Spending as published, in thousands of pounds, one marker per client group; regions and "
                "England are the sums of their councils' published figures. Sums of money have no "
                "interval and no comparison with England.")
MONEY_UNITS = ("gbp_thousands", "gbp_millions")
FOLDED_NOTES = 12     # more notes than this fold into a disclosure, so the page does not end in a list
TEMPLATE_HINT = ("No investment figures are loaded for {period}: to add them, transcribe the DH "
                 "National Survey of Investment in Adult Mental Health Services into the analyst "
                 "template (python -m etl template) as measure mh_investment_per_head, naming the "
                 "population base in each row's note, and rebuild (README, \u201cSurveys without a "
                 "machine-readable release: the analyst template\u201d).")


@dataclass(frozen=True)
class Column:
    """One client-group column: the cells of an age band and client group."""
    key: str              # the client group, as written in ?sort=
    age_band: str
    client_group: str
    label: str


@dataclass(frozen=True)
class ClientGroupView:
    measure_id: str
    period: str
    age_band: str
    region: str           # a region code, or ALL_ENGLAND
    sort: str             # BY_NAME or a column key

    def query(self) -> str:
        return "?" + urllib.parse.urlencode({"measure": self.measure_id, "period": self.period,
                                             "age_band": self.age_band, "region": self.region,
                                             "sort": self.sort})


# ---- what the data offers (pure: catalogue in) ------------------------------------------

def _shown(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Catalogue rows with a value for a council or England."""
    return catalogue[(catalogue["councils"] > 0) | catalogue["has_england"].fillna(False).astype(bool)]


def client_group_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Rows of (measure, period) pairs that have councils' values and a client-group breakdown
    (for councils or for England): the views this page can draw."""
    shown = _shown(catalogue)
    grouped = shown[shown["client_group"] != "all"]
    with_councils = set(zip(*[catalogue.loc[catalogue["councils"] > 0, c] for c in ("measure_id", "period")]))
    keys = set(zip(grouped["measure_id"], grouped["period"])) & with_councils
    pairs = list(zip(shown["measure_id"], shown["period"]))
    return shown[[pair in keys for pair in pairs]]


def _age_key(band: str) -> int:
    return AGE_ORDER.index(band) if band in AGE_ORDER else len(AGE_ORDER)


def columns_for(catalogue: pd.DataFrame, measure_id: str, period: str, age_band: str) -> list[Column]:
    """'All client groups' first (for the age band, else for all adults when the band has no
    total, as in the report's Table 3), then each client group the band has, in a fixed order:
    those with councils' figures, then those published for England only."""
    rows = _shown(catalogue)
    rows = rows[(rows["measure_id"] == measure_id) & (rows["period"] == period)]
    band = rows[rows["age_band"] == age_band]
    columns = []
    if "all" in set(band["client_group"]):
        columns.append(Column("all", age_band, "all", "All client groups"))
    elif ((rows["age_band"] == "all") & (rows["client_group"] == "all")).any():
        columns.append(Column("all", "all", "all", "All client groups, all adults (18+)"))
    present = set(band["client_group"])
    with_councils = set(band.loc[band["councils"] > 0, "client_group"])
    # Groups councils have figures for first; groups published for England only after them.
    ordered = sorted((g for g in GROUP_ORDER if g != "all" and g in present),
                     key=lambda g: (g not in with_councils, GROUP_ORDER.index(g)))
    # Beside an all-adults total, each client group says its own age band.
    suffix = f" ({age_band})" if columns and columns[0].age_band != age_band else ""
    return columns + [Column(g, age_band, g, CLIENT_GROUPS[g].capitalize() + suffix) for g in ordered]


def _with_council_groups(rows: pd.DataFrame) -> pd.DataFrame:
    """Catalogue rows of client groups (not 'all') that councils have values for: the
    periods and age bands chosen when the URL does not say."""
    return rows[(rows["client_group"] != "all") & (rows["councils"] > 0)]


def resolve_view(query: dict[str, str], catalogue: pd.DataFrame, regions: list[str],
                 eligible: pd.DataFrame | None = None) -> ClientGroupView | None:
    """The view a URL asks for, corrected to one the data has; None when no client-group data.
    eligible: client_group_catalogue(catalogue), when already known."""
    rows = client_group_catalogue(catalogue) if eligible is None else eligible
    if rows.empty:
        return None
    measure = pick(query.get("measure"), sorted(set(rows["measure_id"]), key=measure_order), [DEFAULT_MEASURE])
    rows = rows[rows["measure_id"] == measure]
    periods = sorted(set(rows["period"]))
    council_periods = sorted(set(_with_council_groups(rows)["period"]))
    period = pick(query.get("period"), periods, council_periods[-1:] + periods[-1:])
    rows = rows[rows["period"] == period]
    bands = sorted(set(rows.loc[rows["client_group"] != "all", "age_band"]), key=_age_key)
    council_bands = sorted(set(_with_council_groups(rows)["age_band"]), key=_age_key)
    age_band = pick(query.get("age_band"), bands, council_bands + bands)
    region_choices = [ALL_ENGLAND, *regions]
    region = pick(query.get("region"), region_choices, [DEFAULT_REGION, ALL_ENGLAND])
    keys = [BY_NAME] + [c.key for c in columns_for(catalogue, measure, period, age_band)]
    sort = pick(query.get("sort"), keys, [BY_NAME])
    return ClientGroupView(measure, period, age_band, region, sort)


def options_for_view(catalogue: pd.DataFrame, view: ClientGroupView,
                     eligible: pd.DataFrame | None = None) -> dict[str, list]:
    rows = client_group_catalogue(catalogue) if eligible is None else eligible
    measure_rows = rows[rows["measure_id"] == view.measure_id]
    period_rows = measure_rows[measure_rows["period"] == view.period]
    columns = columns_for(catalogue, view.measure_id, view.period, view.age_band)
    return {
        "measure": sorted(set(rows["measure_id"]), key=measure_order),
        "period": sorted(set(measure_rows["period"])),
        "age_band": sorted(set(period_rows.loc[period_rows["client_group"] != "all", "age_band"]), key=_age_key),
        "sort": [(BY_NAME, "Area name (A to Z)")] + [(c.key, f"{c.label} (highest first)") for c in columns],
    }


# ---- the table (pure: observation rows in) -------------------------------------------------

def cells_by_area(rows: pd.DataFrame, columns: list[Column]) -> dict[tuple[str, str], dict]:
    """(area_code, column key) -> the observation row for that column's breakdown."""
    wanted = {(c.age_band, c.client_group): c.key for c in columns}
    cells = {}
    for record in rows.reindex(columns=CELL_FIELDS).to_dict("records"):
        key = wanted.get((record["age_band"], record["client_group"]))
        if key is not None:
            cells[(record["area_code"], key)] = record
    return cells


def arrange(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], sort: str) -> pd.DataFrame:
    """Councils in the sort order (by name, or by a column's value highest first with councils
    lacking it last), then regions, then England."""
    areas = areas.drop_duplicates("area_code")
    councils = areas[areas["area_type"] == "council"].copy()
    if sort == BY_NAME:
        councils = councils.sort_values("area_name", key=lambda s: s.str.casefold())
    else:
        councils["_value"] = [(cells.get((code, sort)) or {}).get("value") for code in councils["area_code"]]
        councils["_value"] = pd.to_numeric(councils["_value"], errors="coerce")
        councils = councils.sort_values(["_value", "area_name"], ascending=[False, True],
                                        na_position="last").drop(columns="_value")
    regions = areas[areas["area_type"] == "region"].sort_values("area_name")
    country = areas[areas["area_type"] == "country"]
    return pd.concat([councils, regions, country], ignore_index=True)


def _gap(record: dict, polarity: str) -> dict | None:
    gap = record.get("gap")
    if is_missing(gap) or record.get("area_code") == db.ENGLAND:
        return None
    compared = record.get("compared_with_england")
    words, colour, symbol = significance_style(compared, polarity)
    lower, upper = record.get("gap_lower_95"), record.get("gap_upper_95")
    title = words + ("" if is_missing(lower) or is_missing(upper)
                     else f"; gap 95% interval {lower:+.1f} to {upper:+.1f} points")
    parts = [f"{gap:+.1f} pts"]
    if compared in ("higher", "lower", "similar"):
        parts += [" ", element("Span", symbol, style={"color": colour}, **{"aria-hidden": "true"}), f" {compared}"]
    elif compared == "not_compared":      # a quality flag forbids the comparison: say so, not a symbol alone
        parts += [f" {symbol} not compared"]
    return element("Span", parts, className="cg-gap", title=title)


def _cell(record: dict | None, unit: str, polarity: str, notes: dict[str, int]) -> dict:
    if record is None:
        return element("Td", element("Span", "no data", className="cg-missing"), className="number")
    value = record.get("value")
    if is_missing(value):
        text = STATUS_WORDS.get(record.get("value_status"), "no data")
        parts = [element("Span", text, className="cg-missing")]
    else:
        parts = [element("Span", format_value(value, unit), className="cg-value")]
    if flag_codes(record.get("quality_flag")):
        parts.append(f" {CAVEAT_MARK}")
    plain = record.get("note") if isinstance(record.get("note"), str) else ""
    note = note_text(record.get("quality_note"), plain.strip(), record.get("quality_flag"))
    if note:
        number = notes.setdefault(note, len(notes) + 1)
        parts += [" ", element("Sup", element("A", f"{NOTE_MARK}{number}", href=f"#client-groups-note-{number}",
                                              title=note, className="cg-note-link"))]
    gap = _gap(record, polarity) if unit == "percent" else None
    if gap is not None:
        parts.append(gap)
    return element("Td", parts, className="number")


def client_group_table(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], columns: list[Column], *,
                       caption: str, unit: str, polarity: str, sort: str,
                       table_id: str = "client-groups-table") -> tuple[dict, list[tuple[int, str]]]:
    """The table (Dash wire form) and its numbered notes [(number, text)] in order of first use."""
    def sorted_by(key: str) -> dict:
        if sort != key:
            return {}
        return {"aria-sort": "ascending" if key == BY_NAME else "descending"}

    head = element("Thead", element("Tr", [
        element("Th", "Area", scope="col", **sorted_by(BY_NAME)), element("Th", "Code", scope="col"),
        *[element("Th", c.label, scope="col", className="number", **sorted_by(c.key)) for c in columns]]))
    notes: dict[str, int] = {}
    body = []
    for area in areas.to_dict("records"):
        is_council = area["area_type"] == "council"
        name = element("A", area["area_name"], href=f"/area/{area['area_code']}") if is_council else area["area_name"]
        body.append(element("Tr", [
            element("Th", name, scope="row"), element("Td", area["area_code"]),
            *[_cell(cells.get((area["area_code"], c.key)), unit, polarity, notes) for c in columns],
        ], className="council" if is_council else "comparator"))
    table = element("Table", [element("Caption", caption), head, element("Tbody", body)],
                    className="data-table client-groups-table", id=table_id)
    return table, [(number, text) for text, number in notes.items()]


def chart_frames(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], columns: list[Column]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Council values per column (for columns with any council value) and England's values."""
    council_rows, england_rows = [], []
    records = areas[["area_code", "area_name", "area_type"]].to_dict("records")
    for column in columns:
        for area in records:
            record = cells.get((area["area_code"], column.key))
            if record is None or is_missing(record.get("value")):
                continue
            row = {"area_name": area["area_name"], "column": column.key, "label": column.label,
                   "client_group": column.client_group, "value": float(record["value"])}
            if area["area_type"] == "council":
                council_rows.append(row)
            elif area["area_code"] == db.ENGLAND:
                england_rows.append(row)
    names = ["area_name", "column", "label", "client_group", "value"]
    return pd.DataFrame(council_rows, columns=names), pd.DataFrame(england_rows, columns=names)


# ---- the page -----------------------------------------------------------------------------

def _reference_data():
    wh = warehouse()
    return db.catalogue(wh), db.areas(wh, "region"), db.measures(wh).set_index("measure_id")


def _eligible(catalogue: pd.DataFrame) -> pd.DataFrame:
    """client_group_catalogue of this build's catalogue, worked out once per build."""
    return warehouse().cached("client_groups:eligible", lambda wh: client_group_catalogue(catalogue))


def _view(query: dict[str, str]):
    catalogue, regions, measures = _reference_data()
    view = resolve_view(query, catalogue, list(regions["area_code"]), _eligible(catalogue))
    return view, catalogue, regions, measures


def _band_label(band: str) -> str:
    return AGE_BANDS.get(band, band).capitalize()


def _controls(view: ClientGroupView, catalogue, regions, measures) -> list:
    options = options_for_view(catalogue, view, _eligible(catalogue))
    return [
        radio_group("client-groups-measure", "Measure",
                    [(m, measures.at[m, "label"]) for m in options["measure"]], view.measure_id),
        radio_group("client-groups-period", "Year (to 31 March)", [(p, p) for p in options["period"]], view.period),
        radio_group("client-groups-age_band", "Age band",
                    [(a, _band_label(a)) for a in options["age_band"]], view.age_band),
        radio_group("client-groups-region", "Councils in",
                    [(ALL_ENGLAND, "All of England")] + list(zip(regions["area_code"], regions["area_name"])),
                    view.region),
        radio_group("client-groups-sort", "Sort councils by", options["sort"], view.sort),
    ]


def layout(**query: str) -> html.Div:
    title = html.H1("Client groups: who directs their own support?")
    try:
        view, catalogue, regions, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [title, message(str(error))])
    if view is None:
        return page_shell(PATH, [title, message("No figures by client group have been loaded yet.")])
    return page_shell(PATH, [
        title,
        html.P("Each council's value for every client group, beside England's for the same group: "
               "the comparison the report Chaos or Empowerment? (2013) made in its Table 3 for the "
               "North East's adults with mental health needs, for any year and region with "
               "client-group figures.", className="lede"),
        html.Form(_controls(view, catalogue, regions, measures), id="client-groups-controls",
                  className="controls", **{"aria-label": "Choose what to show"}),
        html.Div(client_groups_panel(view, catalogue, regions, measures), id="client-groups-panel",
                 **{"aria-live": "polite"}),
    ], location_id="client-groups-url")


def _scope_rows(view: ClientGroupView, columns: list[Column], regions: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Observation rows for the columns and scope, with councils of a region that have no row
    added as areas without cells; and the scope's name."""
    wh = warehouse()
    rows = db.observations(wh, measure_id=view.measure_id, period=view.period,
                           age_band=sorted({c.age_band for c in columns}),
                           client_group=sorted({c.client_group for c in columns}))
    pairs = {(c.age_band, c.client_group) for c in columns}
    rows = rows[[pair in pairs for pair in zip(rows["age_band"], rows["client_group"])]]
    if view.region == ALL_ENGLAND:
        return rows[rows["area_type"].isin(["council", "region"]) | (rows["area_code"] == db.ENGLAND)], \
            "councils in England"
    chosen = rows[((rows["area_type"] == "council") & (rows["region_code"] == view.region)) |
                  rows["area_code"].isin([view.region, db.ENGLAND])]
    name = regions.set_index("area_code")["area_name"].get(view.region, view.region)
    return chosen, f"councils in {name}"


def _expected_councils(view: ClientGroupView) -> pd.DataFrame:
    """Councils that existed in the year (in the region, when one is chosen)."""
    alive = db.councils_alive(warehouse(), view.period)
    return alive if view.region == ALL_ENGLAND else alive[alive["region_code"] == view.region]


def _mid_sentence(label: str) -> str:
    """'Gross spending ... (GBP thousands)' -> 'gross spending ... (GBP thousands)'."""
    return label[:1].lower() + label[1:]


def method_for(unit: str, rows: pd.DataFrame) -> str:
    """How the cells were worked out: gaps and significance for percentages with counts, gaps
    alone for percentages without, and what counts and sums of money are."""
    if unit in MONEY_UNITS:
        return MONEY_METHOD
    if unit != "percent":
        return COUNT_METHOD
    has_intervals = "lower_95" in rows and rows["lower_95"].notna().any()
    return METHOD if has_intervals else NO_INTERVAL_METHOD


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


def shown_for(view: ClientGroupView, catalogue: pd.DataFrame, regions: pd.DataFrame,
              measures: pd.DataFrame) -> Shown:
    measure = measures.loc[view.measure_id]
    # The build's catalogue: its columns per (measure, period, band) are worked out once.
    columns = warehouse().cached(("client_groups:columns", view.measure_id, view.period, view.age_band),
                                 lambda _: columns_for(catalogue, view.measure_id, view.period, view.age_band))
    rows, scope_name = _scope_rows(view, columns, regions)
    areas = rows[["area_code", "area_name", "area_type"]]
    expected = _expected_councils(view)
    absent = expected[~expected["area_code"].isin(areas["area_code"])]
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
    area_position = {code: position for position, code in enumerate(shown.ordered["area_code"])}
    column_position = {(c.age_band, c.client_group): position for position, c in enumerate(shown.columns)}
    order = rows.assign(
        _area=rows["area_code"].map(area_position),
        _column=[column_position.get(pair, len(column_position))
                 for pair in zip(rows["age_band"], rows["client_group"])])
    order = order.sort_values(["_area", "_column"], kind="stable")
    return order.drop(columns=["_area", "_column"]).reset_index(drop=True)


def client_groups_chart(view: ClientGroupView, shown: Shown) -> Chart | None:
    """The dot chart of a view, None when no council has a figure to draw. The page, the
    /embed/client-groups and /image/client-groups views and /download/client-groups all draw this."""
    if shown.values.empty:
        return None
    measure, unit = shown.measure, shown.measure["unit"]
    subtitle = f"By client group, {shown.band}, {view.period}, {shown.scope_name}"
    return Chart(
        view="client-groups", title=measure["label"], subtitle=subtitle[0].upper() + subtitle[1:],
        figure=dot_chart(shown.values, shown.england, order=list(shown.ordered["area_name"]),
                         title=f"{measure['label']} by client group, {view.period}",
                         value_title=measure["label"] + (" (%)" if unit == "percent" else ""), unit=unit),
        rows=table_observations(view, shown),
        method=method_for(unit, shown.rows),
        description=describe_dots(shown.values, shown.england, what=shown.what, unit=unit),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])))


@register("client-groups", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, catalogue, regions, measures = _view(query)
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


def client_groups_panel(view: ClientGroupView, catalogue: pd.DataFrame, regions: pd.DataFrame,
                        measures: pd.DataFrame) -> list:
    shown = shown_for(view, catalogue, regions, measures)
    measure, columns, scope_name = shown.measure, shown.columns, shown.scope_name
    unit, polarity = measure["unit"], measure["polarity"]
    sort_label = "area name (A to Z)" if view.sort == BY_NAME else \
        next(c.label for c in columns if c.key == view.sort) + ", highest first"
    caption = f"{measure['label']} by client group: {shown.band}, {scope_name}, {view.period}. Sorted by {sort_label}."
    if unit == "percent":
        caption += (" Each cell: the value, then the gap to England's value for the same client "
                    "group in percentage points" + (", and whether it is significant."
                                                    if method_for(unit, shown.rows) == METHOD else "."))
    table, notes = client_group_table(shown.ordered, shown.cells, columns, caption=caption, unit=unit,
                                      polarity=polarity, sort=view.sort)
    parts = []
    chart = client_groups_chart(view, shown)
    if chart is None:
        # No chart, so no caveats under it: the year's series breaks are said here instead.
        breaks = db.series_breaks(warehouse())   # cached per build by db
        breaks = breaks[(breaks["measure_id"] == view.measure_id) & (breaks["period"] == view.period)]
        for note in breaks["note"]:
            parts.append(html.P([html.Strong("Series break: "), note], className="message cg-break"))
        parts.append(message(_nothing_to_draw(view, shown), element_id="client-groups-message"))
    else:
        if shown.values[shown.values["client_group"] != "all"].empty:
            parts.append(message(f"Client-group figures for {view.period} are published for England only; "
                                 "councils' figures are for all client groups.", element_id="client-groups-message"))
        parts.append(html.Figure([
            dcc.Graph(id="client-groups-chart", figure=chart.figure, config={"displaylogo": False}),
            html.Figcaption(chart.description, id="client-groups-description"),
        ], className="chart"))
        parts.append(caveat_list(caveats.for_chart(chart), element_id="client-groups-caveats"))
    parts.append(table)
    parts.append(html.P(method_for(unit, shown.rows), className="footnote method"))
    if notes:
        parts.append(_notes(notes))
    if view.region == ALL_ENGLAND and len(shown.absent):
        parts.append(html.P(f"{len(shown.absent)} other councils have no figure for this measure and year in "
                            "the loaded publications and are not listed.", className="footnote"))
    if chart is not None:
        parts.append(share_panel(chart))
    investment, investment_sources = investment_section(view.period)
    parts += investment
    source_ids = sorted(set(shown.rows["source_id"].dropna()) | investment_sources)
    parts.append(source_line(db.sources(warehouse(), source_ids), element_id="client-groups-source"))
    return parts


def _notes(notes: list[tuple[int, str]]) -> html.Div:
    """The numbered notes under the table; a long list (a note on every cell of a share of
    spending) folds into a disclosure, which a note's link still opens."""
    intro = html.P(f"A {NOTE_MARK} with a number marks a value with a note, {CAVEAT_MARK} a value with a caveat; "
                   "published values are never corrected.", className="footnote")
    items = html.Ol([html.Li(text, id=f"client-groups-note-{number}") for number, text in notes],
                    className="cg-notes footnote")
    if len(notes) > FOLDED_NOTES:
        return html.Div([html.Details([html.Summary(f"Notes on values ({len(notes)})", className="cg-notes-heading"),
                                       intro, items])], id="client-groups-notes")
    return html.Div([html.H2("Notes on values", className="cg-notes-heading"), intro, items], id="client-groups-notes")


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


def investment_section(period: str) -> tuple[list, set[str]]:
    """A scatter of uptake against investment per head when investment is loaded for the year,
    else one sentence on how to add it."""
    heading = html.H2("Uptake and investment in mental health services")
    catalogue = db.catalogue(warehouse())
    loaded = ((catalogue["measure_id"] == INVESTMENT) & (catalogue["period"] == period)).any()
    investment = db.observations(warehouse(), measure_id=INVESTMENT, period=period) if loaded else pd.DataFrame()
    investment = investment.dropna(subset=["value"]) if loaded else investment
    if investment.empty:
        return [heading, html.P(TEMPLATE_HINT.format(period=period), id="investment-message",
                                className="message")], set()
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
    table = html.Table([
        html.Caption(f"Data: uptake and investment per head, {period}"),
        html.Thead(html.Tr([html.Th(t, scope="col") for t in
                            ("Area", "Code", f"Investment per head of {base or 'population (base not stated)'}",
                             f"{uptake_label}, %")])),
        html.Tbody([html.Tr([html.Th(r.area_name, scope="row"), html.Td(r.area_code),
                             html.Td(format_value(r.investment, "gbp_per_head"), className="number"),
                             html.Td(format_value(r.uptake), className="number")])
                    for r in points.sort_values("investment", ascending=False).itertuples()]),
    ], className="data-table", id="investment-table")
    return [heading, html.Figure([
        dcc.Graph(id="investment-chart", figure=investment_scatter(points, period=period, uptake_label=uptake_label,
                                                                   base=base),
                  config={"displaylogo": False}),
        html.Figcaption(describe_investment(points, period=period, uptake_label=uptake_label, base=base),
                        id="investment-description"),
    ], className="chart"), table], sources


@callback(
    [Output(f"client-groups-{name}", "options") for name in ("period", "age_band", "sort")],
    [Output(f"client-groups-{name}", "value") for name in CONTROLS],
    Output("client-groups-panel", "children"), Output("client-groups-url", "search"),
    [Input(f"client-groups-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_client_groups(*values):
    view, catalogue, regions, measures = _view(dict(zip(CONTROLS, values)))
    options = options_for_view(catalogue, view, _eligible(catalogue))
    return (
        [{"label": p, "value": p} for p in options["period"]],
        [{"label": _band_label(a), "value": a} for a in options["age_band"]],
        [{"label": label, "value": key} for key, label in options["sort"]],
        view.measure_id, view.period, view.age_band, view.region, view.sort,
        client_groups_panel(view, catalogue, regions, measures), view.query())


def view_for_url(search: str) -> ClientGroupView | None:
    """The view a URL shows (for tests and exports)."""
    return _view(query_parameters(search))[0]
