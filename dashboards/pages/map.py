"""Map: councils coloured by a measure, as a hex cartogram (one equal hex per council) or on
their boundaries, for a period and breakdown. The layout is chosen to fit the period's
councils and the page says which boundary year it shows. Clicking a council opens its profile.
`region=` zooms to one region's councils; `council=` outlines and names the reader's council.

Geography files are read in place; see dashboards/geography.py for UPTAKE_GEO_DIR,
UPTAKE_HEXJSON and UPTAKE_BOUNDARIES.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from dash import Input, Output, callback, dcc, html, no_update


from .. import caveats, db, geography
from ..charts import Chart, ChartRequestError, register
from ..components import (MARKS_FOOTNOTE, caveat_list, comparison_table, control_bar, council_finder, message,
                          page_shell, select_control, source_line)
from ..context import warehouse
from ..figures import format_value, is_missing, records, significance_style
from ..figures.map import (UNIT_COLUMNS, area_map_spec, describe_map, for_page, hex_units, key_items, scale_words, shape_units,
                           value_range)
from ..labels import AGE_BANDS, CLIENT_GROUPS, breakdown_label
from ..sharing import share_panel
from ..state import Selection, options_for, resolve_selection, selection_options

PATH = "/map"
TITLE = "Map: self-directed support uptake"
PAGE_TITLE = "Map of councils"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "client_group", "view", "region", "council"]
SELECTS = CONTROLS[:-1]             # the council is a text box (the finder), the rest are selects
VIEWS = [("hex", "Hex cartogram"), ("boundaries", "Boundaries")]
ALL_ENGLAND = db.ENGLAND            # the region select's "All England"
COUNCIL_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")
COLOUR_METHOD = ("Colours run from light (low) to dark (high) blue over the range of council values shown, "
                 "so they read in greyscale too; councils with no value are hatched grey; a council whose figure "
                 "carries a caveat of its own is dotted, outlined in black and labelled \u26a0.")
TABLE_METHOD = ("The table gives each value with its 95% confidence interval (Wilson score) and whether it "
                "is significantly higher or lower than England (England's value outside the interval). "
                "A hex cartogram gives every council the same space, so small urban councils are as visible "
                "as large rural ones; the boundary map shows true shapes.")
METHOD = f"{COLOUR_METHOD} {TABLE_METHOD}"
READING = ("Each council is coloured by the chosen measure, darker for higher values. Select a council on "
           "the map, or its name in the table, to open its profile.")
REGION_SCALE = ("A region's map keeps the colour scale of the map of all England, so a colour means the same "
                "value on both.")


@dataclass(frozen=True)
class MapView:
    selection: Selection
    view: str
    region: str | None = None       # a region's code: zoom to its councils
    council: str | None = None      # the reader's council: outlined and named

    def query(self) -> str:
        values = {**self.selection.query_values(), "view": self.view}
        values.update({name: code for name, code in (("region", self.region), ("council", self.council)) if code})
        return "?" + urllib.parse.urlencode(values)


def resolve_map(query: dict[str, str], catalogue: pd.DataFrame, regions=(),
                councils: pd.DataFrame | None = None) -> MapView | None:
    """The view a query asks for, corrected to one with council data. `regions` are the region
    codes a query may name; `councils` (areas rows) the councils it may name by code or name."""
    selection = resolve_selection(query, catalogue)
    if selection is None:
        return None
    view = query.get("view") if query.get("view") in dict(VIEWS) else "hex"
    region = query.get("region") if query.get("region") in set(regions) else None
    council = geography.council_code(query.get("council"), councils, selection.period) \
        if councils is not None else None
    return MapView(selection, view, region, council)


def _reference():
    wh = warehouse()
    # Indexed once per build, not on every callback.
    return db.catalogue(wh), wh.cached("map_measures", lambda _: db.measures(wh).set_index("measure_id"))


def _places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regions and the councils (every council the warehouse knows) a reader may choose:
    read once per build (db.areas filters and sorts the areas table each time it is asked)."""
    return warehouse().cached("map_places", lambda wh: (db.areas(wh, "region"), db.areas(wh, "council")))


def _view(query: dict[str, str]) -> tuple[MapView | None, pd.DataFrame, pd.DataFrame]:
    catalogue, measures = _reference()
    regions, councils = _places()
    return resolve_map(query, catalogue, list(regions["area_code"]), councils), catalogue, measures


def _select_options(view: MapView, catalogue: pd.DataFrame, measures: pd.DataFrame) -> dict[str, list]:
    """(value, label) choices for every select, given the others."""
    options = options_for(catalogue, view.selection)
    regions, _ = _places()
    return {"measure": [(m, measures.at[m, "label"]) for m in options["measure"]],
            "period": [(p, p) for p in options["period"]],
            "age_band": [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]],
            "client_group": [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]],
            "region": [(ALL_ENGLAND, "All England"), *zip(regions["area_code"], regions["area_name"])],
            "view": VIEWS}


def _values(view: MapView) -> dict[str, str]:
    s = view.selection
    return {"measure": s.measure_id, "period": s.period, "age_band": s.age_band, "client_group": s.client_group,
            "view": view.view, "region": view.region or ALL_ENGLAND}


LABELS = {"measure": "Measure", "period": "Year (to 31 March)", "age_band": "Age band",
          "client_group": "Client group", "region": "Region", "view": "Map type"}


def _controls(view: MapView, catalogue: pd.DataFrame, measures: pd.DataFrame) -> html.Div:
    """One row of selects and the council finder; the map type behind "More options"."""
    choices, values = _select_options(view, catalogue, measures), _values(view)
    select = {name: select_control(f"map-{name}", LABELS[name], choices[name], values[name],
                                   class_name=f"control-{name}") for name in SELECTS}
    finder = council_finder("map-council", _places()[1], view.council)
    return control_bar([select[name] for name in ("measure", "period", "age_band", "client_group", "region")]
                       + [finder], more=[select["view"]], label="Choose what to map", bar_id="map-controls")


def layout(**query: str) -> html.Div:
    heading = html.H1("Map of councils")
    try:
        view, catalogue, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [heading, message(str(error))], title=PAGE_TITLE)
    if view is None:
        return page_shell(PATH, [heading, message("No council data has been loaded yet.")], title=PAGE_TITLE)
    return page_shell(PATH, [
        heading,
        _controls(view, catalogue, measures),
        html.Div(map_panel(view, measures), id="map-panel", **{"aria-live": "polite"}),
    ], location_id="map-url", title=PAGE_TITLE)


# ---------------------------------------------------------------- the panel

@dataclass
class _Geography:
    units: pd.DataFrame            # one row per hex or shape, with the council's values
    statement: str                 # which layout / boundary year is shown, and why
    drawing: str                   # "Hex cartogram" or "Boundary map", for the text alternative
    subtitle: str
    unplaced: pd.DataFrame         # councils with data and no hex or shape
    moved: list[tuple[str, str, str]]   # (name, data code, geography code) drawn under another code
    attribution: str


def _placed(councils: pd.DataFrame, placement: geography.Placement) -> dict[str, dict]:
    """geo_code -> the values of the council drawn on it (in the councils' order, so a later
    council drawn on the same unit wins, as before)."""
    drawn = placement.drawn
    return {drawn[row["area_code"]]: {**row, "geo_code": drawn[row["area_code"]]}
            for row in records(councils, UNIT_COLUMNS[1:]) if row["area_code"] in drawn}


def _change_notes(changes: pd.DataFrame) -> dict[str, str]:
    """Code -> 'merged 1 April 2019' for codes that a change ended or began."""
    notes = {}
    for row in changes.itertuples():
        date = pd.Timestamp(row.effective_date)
        when = f"{date.day} {date:%B %Y}"
        for code in str(row.old_codes or "").split(";"):
            notes.setdefault(code, f"{row.kind} on {when}: replaced by {str(row.new_codes).replace(';', ', ')}")
        for code in str(row.new_codes or "").split(";"):
            notes.setdefault(code, f"created by a {row.kind} on {when}")
    return notes


def _change_notes_now() -> dict[str, str]:
    """_change_notes for this build's changes, worked out once per build."""
    return warehouse().cached("map_change_notes", lambda wh: _change_notes(db.area_changes(wh)))


@dataclass(frozen=True)
class _Councils:
    """What the map asks of the warehouse's councils on every call, read once per build:
    db.areas filters and sorts the whole areas table each time it is asked."""
    frame: pd.DataFrame             # db.areas(council)
    codes: frozenset[str]
    regions: dict[str, str]         # area code -> region code


def _councils() -> _Councils:
    def load(wh) -> _Councils:
        areas = _places()[1]
        return _Councils(areas, frozenset(areas["area_code"]), dict(zip(areas["area_code"], areas["region_code"])))
    return warehouse().cached("map_councils", load)


def _same_area_and_lifetimes():
    """Per database build: which codes are the same area, and when each code was in use."""
    wh = warehouse()
    # Read inside the loads: db.areas filters and sorts the areas table on every call.
    return (wh.cached("map_same_area", lambda _: geography.same_area_codes(db.area_changes(wh))),
            wh.cached("map_lifetimes", lambda _: geography.code_lifetimes(db.areas(wh, "council"),
                                                                          db.area_changes(wh))))


def _geography(view: MapView, councils: pd.DataFrame) -> _Geography:
    """Every council of the period on the layout or boundaries that fit it (all England: a
    region's map is cut from it, so the layout does not change with the region)."""
    wh, s = warehouse(), view.selection
    same_area, lifetimes = _same_area_and_lifetimes()
    # Column lists: councils.dropna and isin copy all ~35 columns of the observations.
    codes = councils["area_code"].tolist()
    has_value = councils["value"].notna().to_numpy()
    valued_codes = [code for code, present in zip(codes, has_value) if present]
    if view.view == "hex":
        hexmaps = geography.load_hexmaps()
        # The best layout depends only on which councils have values in the period.
        key = f"map_hexmap:{s.period}:{hash(tuple(sorted(valued_codes)))}"
        hexmap, chosen = wh.cached(key, lambda _: geography.choose_hexmap(
            valued_codes, hexmaps, s.period, same_area, lifetimes))
        boundary = geography.boundary_label(hexmap.codes, lifetimes)
        drawing_all = geography.place(codes, hexmap.codes, same_area)
        units = hex_units(hexmap, _placed(councils, drawing_all))
        year = geography.boundary_year(hexmap.codes, lifetimes)
        # Public text says what a layout is, never the file it came from.
        layout_name = f"a hex layout of {year} councils" if year else "a hex layout of councils"
        statement = (f"Hex cartogram on {boundary}: {layout_name} ({len(hexmap.hexes)} councils), the best "
                     f"match of {len(hexmaps)} layout{'s' if len(hexmaps) != 1 else ''} to the {len(valued_codes)} "
                     f"councils with a value in {s.period}.")
        first, last = geography.valid_periods(hexmap.codes, lifetimes)
        if (first and s.period < first) or (last and s.period > last):
            statement += (f" {s.period} is outside the years this layout fits, so councils whose boundaries "
                          "changed are listed below the map.")
        drawing, subtitle, attribution = "Hex cartogram", f"One hexagon per council, {boundary}", hexmap.attribution
    else:
        boundaries = geography.load_boundaries()
        year = geography.period_year(s.period)
        shapes = boundaries.for_year(year) if boundaries.has_years else list(boundaries.shapes)
        shape_codes = {shape.code for shape in shapes}
        chosen = geography.place(valued_codes, shape_codes, same_area)
        drawing_all = geography.place(codes, shape_codes, same_area)
        units = shape_units(shapes, _placed(councils, drawing_all))
        if boundaries.has_years:
            boundary = f"council boundaries in force in {s.period} (1 April {year})"
            statement = f"Boundary map of {boundary}: {len(shapes)} councils, outlines simplified."
        else:
            boundary = geography.boundary_label(shape_codes, lifetimes)
            statement = (f"Boundary map on {boundary}: {len(shapes)} councils, outlines simplified. The "
                         "boundaries have no years, so they are drawn for every period.")
        drawing, subtitle, attribution = "Boundary map", boundary[0].upper() + boundary[1:], boundaries.attribution
    off_map = set(chosen.unplaced)
    # (A take of no rows costs as much as of many: every column is rebuilt.)
    unplaced = councils.take([i for i, (code, present) in enumerate(zip(codes, has_value))
                              if present and code in off_map]) if off_map else councils.iloc[:0]
    # Three columns zipped: itertuples over every column costs ~4 ms in the callback.
    moved = [(name, code, drawing_all.drawn[code])
             for name, code in zip(councils["area_name"].tolist(), codes)
             if drawing_all.drawn.get(code, code) != code]
    # A hex with no data still opens a profile: under the warehouse's code for the same area.
    known = _councils().codes | set(codes)
    units["area_code"] = [code if code in known else
                          next(iter(sorted(same_area.get(code, frozenset()) & known)), code)
                          for code in units["area_code"]]
    return _Geography(units, statement, drawing, subtitle, unplaced, moved, attribution)


def _in_region(geo: _Geography, region: str, region_name: str) -> _Geography:
    """The map of all England cut to one region's councils: the axes then zoom to them."""
    same_area, _ = _same_area_and_lifetimes()
    known = _councils()
    inside = [found == region for found in geography.region_of(geo.units["area_code"], known.frame, same_area)]
    units = geo.units[inside].reset_index(drop=True)
    unplaced = geo.unplaced[geo.unplaced["region_code"] == region]
    regions = known.regions
    moved = [item for item in geo.moved if regions.get(item[1]) == region]
    statement = f"{geo.statement} Zoomed to the {len(units)} councils of {region_name}. {REGION_SCALE}"
    return replace(geo, units=units, unplaced=unplaced, moved=moved, statement=statement)


def _list(heading: str, items: list, list_id: str, intro: str | None = None) -> list:
    """A heading and a list; a long list folds into a disclosure so the table stays close."""
    body = [html.P(intro)] if intro else []
    body.append(html.Ul(items, id=list_id))
    if len(items) > 12:
        return [html.Details([html.Summary(heading), *body])]
    return [html.H2(heading), *body]


def _by_name(rows: list[dict]) -> list[dict]:
    """Rows in area_name order, ties as DataFrame.sort_values("area_name") leaves them (its
    default sort, numpy's quicksort, is not stable: the same sort keeps the lists as they were)."""
    order = np.argsort(np.array([row["area_name"] for row in rows], dtype=object), kind="quicksort")
    return [rows[i] for i in order]


def _lists(geo: _Geography, changes_note: dict[str, str], kind: str, unit: str) -> list:
    unit_word = "hex" if kind == "hex" else "shape"
    parts = []
    if len(geo.unplaced):
        unplaced = records(geo.unplaced, ["area_name", "area_code", "value"])
        items = [html.Li(f"{row['area_name']} ({row['area_code']}): {format_value(row['value'], unit)}"
                         + (f"; {changes_note[row['area_code']]}" if row['area_code'] in changes_note else ""))
                 for row in _by_name(unplaced)]
        parts += _list(f"Councils with a value and no {unit_word} in this layout ({len(items)})", items,
                       "map-unplaced", "They are not drawn on the map; their values are in the table.")
    empty = _by_name([row for row in records(geo.units, ["area_name", "geo_code", "value"])
                      if is_missing(row["value"])])
    if len(empty):
        items = [html.Li(f"{row['area_name']} ({row['geo_code']})"
                         + (f"; {changes_note[row['geo_code']]}" if row['geo_code'] in changes_note else ""))
                 for row in empty]
        plural = "Hexes" if kind == "hex" else "Shapes"
        parts += _list(f"{plural} with no data, hatched grey ({len(items)})", items, "map-empty")
    if geo.moved:
        items = [html.Li(f"{name} ({code}) drawn on the {unit_word} coded {geo_code} in the geography file, "
                         f"the same area under another code") for name, code, geo_code in sorted(geo.moved)]
        parts += _list(f"Drawn under another code ({len(items)})", items, "map-moved")
    return [html.Div(parts, className="map-notes", id="map-notes")] if parts else []


@dataclass(frozen=True)
class _Observed:
    """The selection's rows as db.observations orders them (councils first, highest value
    first) and where in them the map's rows are: positions, taken from the frame once, as a
    boolean mask or a take copies every one of its ~35 columns."""
    rows: pd.DataFrame
    councils: np.ndarray            # positions of the councils' rows, in the frame's order
    comparators: list[int]          # positions of the region's row (when one is chosen), then England's
    england: int | None             # position of England's row

    def at(self, positions) -> pd.DataFrame:
        """The rows at ascending positions: a slice, not a copy, when they lead the frame."""
        if len(positions) == 0 or positions[-1] == len(positions) - 1:
            return self.rows.iloc[:len(positions)]
        return self.rows.take(positions)

    def comparator_rows(self) -> pd.DataFrame:
        found = self.rows.take(self.comparators)
        # The comparators' area_code leads their columns (it did as the index they were picked by).
        return found[_code_first(found.columns)].reset_index(drop=True)

    def table(self, councils: np.ndarray, hatched: pd.DataFrame) -> pd.DataFrame:
        """_table_order of these councils, the hatched rows and the comparators, in one take of
        the frame (and one concat with hatched rows): councils with a value (highest first, as
        queried), councils without, the areas hatched with no row, then the region and England."""
        if len(hatched) and not (len(councils) and self.comparators):
            # An empty part changes what dtypes concat gives: the steps as they always were.
            return _table_order(pd.concat([self.at(councils), hatched], ignore_index=True), self.comparator_rows())
        present = ~np.isnan(self.rows["value"].to_numpy()[councils])
        order = np.concatenate([councils[present], councils[~present], self.comparators]).astype(int)
        table = self.rows.take(order)
        if len(hatched):
            # The same columns and dtypes as concatenating councils and hatched rows, then the
            # comparators (the steps this replaces): concat finds the same common dtypes either way.
            split = len(councils)
            table = pd.concat([table.iloc[:split], hatched, table.iloc[split:]], ignore_index=True)
        columns = _code_first(table.columns)
        return (table if list(table.columns) == columns else table[columns]).reset_index(drop=True)


def _code_first(columns) -> list[str]:
    return ["area_code", *(column for column in columns if column != "area_code")]


def _selection_rows(view: MapView) -> _Observed:
    s = view.selection
    rows = db.observations(warehouse(), measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                           client_group=s.client_group)
    first = {}
    for position, code in enumerate(rows["area_code"].tolist()):
        first.setdefault(code, position)
    comparators = [first[code] for code in (view.region, db.ENGLAND) if code and code in first]
    return _Observed(rows, np.flatnonzero(rows["area_type"].to_numpy() == "council"), comparators,
                     first.get(db.ENGLAND))


def _observed(view: MapView) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's council rows (all England) and the comparators: the region's row when a
    region is chosen, then England's."""
    observed = _selection_rows(view)
    return observed.at(observed.councils), observed.comparator_rows()


def _hatched_rows(geo: _Geography, councils: pd.DataFrame, view: MapView,
                  changes_note: dict[str, str]) -> pd.DataFrame:
    """Areas hatched on the map that the publication has no row for, as missing rows, so the
    data behind the map names every area it draws."""
    listed = set(councils["area_code"].tolist())
    empty, seen = [], set()
    for row in records(geo.units, ["area_code", "area_name", "geo_code", "value"]):
        if is_missing(row["value"]) and row["area_code"] not in listed and row["area_code"] not in seen:
            seen.add(row["area_code"])
            empty.append(row)
    if not empty:
        return pd.DataFrame()
    s = view.selection
    regions = _councils().regions
    notes = []
    for row in empty:
        change = changes_note.get(row["geo_code"]) or changes_note.get(row["area_code"])
        notes.append(f"Hatched on the map: no figure for this area in {s.period}"
                     + (f" ({change})." if change else " in the loaded publication."))
    return pd.DataFrame({"area_code": [row["area_code"] for row in empty],
                         "area_name": [row["area_name"] for row in empty], "area_type": "council",
                         "region_code": [regions.get(row["area_code"], np.nan) for row in empty],
                         "period": s.period, "measure_id": s.measure_id, "age_band": s.age_band,
                         "client_group": s.client_group, "value_status": "missing", "note": notes})


def _table_order(councils: pd.DataFrame, comparators: pd.DataFrame) -> pd.DataFrame:
    """Councils with a value (highest first, as queried), councils without, then the region and
    England: the order the table lists them in."""
    present = councils["value"].notna().to_numpy()
    ordered = councils.take(np.concatenate([np.flatnonzero(present), np.flatnonzero(~present)]))
    parts = [part for part in (ordered, comparators) if len(part)]
    return pd.concat(parts, ignore_index=True).reindex(columns=comparators.columns)


def _mid_sentence(label: str) -> str:
    """'Gross spending ... (GBP thousands)' -> 'gross spending ... (GBP thousands)'."""
    return label[:1].lower() + label[1:]


def _area_name(code: str | None) -> str:
    found = db.area(warehouse(), code) if code else None
    return found["area_name"] if found else ""


@dataclass(frozen=True)
class MapDrawing:
    """A map chart and what its page lists around it."""
    chart: Chart
    geo: _Geography
    changes_note: dict[str, str]
    what: str


def _what(view: MapView, measure: pd.Series) -> str:
    """'adults receiving direct payments, all adults (18+), 2021-22[, councils in North East]'."""
    s = view.selection
    where = f", councils in {_area_name(view.region)}" if view.region else ""
    breakdown = breakdown_label(s.age_band, s.client_group).lower()
    return f"{_mid_sentence(measure['label'])}, {breakdown}, {s.period}{where}"


def map_drawing(view: MapView, measures: pd.DataFrame) -> MapDrawing:
    """The map for a view. Raises ChartRequestError (404) when no council has a value and
    geography.GeographyUnavailable when the layout or boundary files cannot be read. The page,
    its embed, image and downloads all come from this."""
    wh, s = warehouse(), view.selection
    measure = measures.loc[s.measure_id]
    unit, polarity = measure["unit"], measure["polarity"]
    observed = _selection_rows(view)
    values = observed.rows["value"].to_numpy()
    positions = observed.councils
    councils = observed.at(positions)
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = _what(view, measure)
    if np.isnan(values[positions]).all():
        raise ChartRequestError(f"No council has a value for {what}. Choose another year or breakdown.", status=404)
    england_value = values[observed.england] if observed.england is not None and \
        not np.isnan(values[observed.england]) else None
    geo = _geography(view, councils)
    colour_values = geo.units["value"].tolist()          # England's scale, on a region's map too
    if view.region:
        geo = _in_region(geo, view.region, _area_name(view.region))
        positions = positions[observed.rows["region_code"].to_numpy()[positions] == view.region]
        councils = observed.rows.take(positions)
    changes_note = _change_notes_now()
    colour_title = measure["label"] + (" (%)" if unit == "percent" else "")
    place = _area_name(view.region) if view.region else "England"
    spec = area_map_spec(geo.units, title=f"{measure['label']}: {breakdown}, {s.period}"
                         + (f", {place}" if view.region else ""), subtitle=geo.subtitle,
                         colour_title=colour_title, unit=unit, kind=view.view,
                         words_for=lambda compared: significance_style(compared, polarity)[0]
                         if isinstance(compared, str) else "",
                         labels=view.view == "hex", colour_range=value_range(colour_values, unit),
                         highlight=view.council)
    hatched = _hatched_rows(geo, councils, view, changes_note)
    rows = observed.table(positions, hatched)
    mine = f", {_area_name(view.council)} highlighted" if view.council else ""
    chart = Chart(
        view="map", title=measure["label"],
        subtitle=f"{breakdown}, {s.period}, councils in {place}, {geo.subtitle[0].lower()}{geo.subtitle[1:]}{mine}",
        # Wrapped once without validation: the spec is one trace per council (validated in the tests).
        figure=spec, rows=rows,
        method=f"{geo.statement} {COLOUR_METHOD} {scale_words(colour_values, unit)} {TABLE_METHOD}",
        description=describe_map(geo.units, what=what, drawing=geo.drawing, unit=unit, england_value=england_value,
                                 highlight=view.council),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": _area_name(view.council)} if view.council else {})
    return MapDrawing(chart, geo, changes_note, what)


def map_chart(view: MapView, measures: pd.DataFrame) -> Chart:
    return map_drawing(view, measures).chart


def refuse_unknown_places(query: dict[str, str], view: MapView | None) -> None:
    """A region or council the view could not find is refused (400), not silently dropped."""
    problem = view and geography.unknown_place(query, view.region, view.council)
    if problem:
        regions = list(_places()[0]["area_code"])
        raise ChartRequestError(problem, valid=regions if problem.startswith("region=") else None)


@register("map", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, _, measures = _view(query)
    refuse_unknown_places(query, view)
    if view is None:
        return None
    try:
        return map_chart(view, measures)
    except geography.GeographyUnavailable as error:
        # The server's geography files are missing: not the request's fault.
        raise ChartRequestError(f"The map cannot be drawn: {error}", status=503) from error


def _footer(rows: pd.DataFrame, what: str, measure: pd.Series, council: str | None) -> list:
    table = comparison_table(rows, caption=f"Data: {what}, councils and comparators", count_label="Numerator",
                             base_label="Denominator", polarity=measure["polarity"], unit=measure["unit"],
                             table_id="map-table", flag_labels=db.flag_labels(warehouse()), highlight=council)
    return [table, html.P(f"{MARKS_FOOTNOTE} " + METHOD, className="footnote method")]


def _sources(rows: pd.DataFrame) -> html.P:
    return source_line(db.sources(warehouse(), sorted(_present(rows["source_id"]))),
                       measure_ids=sorted(_present(rows["measure_id"])))


def _present(column: pd.Series) -> set:
    """The column's distinct values, missing ones left out (Series.dropna copies the index too)."""
    return {value for value in column.tolist() if not is_missing(value)}


def _key(spec: dict) -> html.Ul | None:
    """The map's legend as text above it (it wraps on a phone): a swatch and words per entry."""
    items = key_items(spec)
    if not items:
        return None
    return html.Ul([html.Li([html.Span(className=f"swatch swatch-{kind}", **{"aria-hidden": "true"}), words])
                    for words, kind in items], className="map-key", id="map-key")


def _box_height(spec: dict) -> str:
    """The map box's CSS height: the drawing's own shape at the page's width (a region's wide,
    short map needs no tall box), plus room for the colour bar, at most 800 px."""
    (x0, x1), (y0, y1) = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    ratio = (y1 - y0) / (x1 - x0) if x1 > x0 else 1
    return f"min(800px, calc((min(100vw, 70rem) - 3rem) * {ratio:.3f} + 130px))"


def _text_alternative(description: str) -> html.Figcaption:
    return html.Figcaption(html.Details([html.Summary("The map in words"),
                                         html.P(description, id="map-description")], className="text-alternative"))


def map_panel(view: MapView, measures: pd.DataFrame) -> list:
    measure = measures.loc[view.selection.measure_id]
    try:
        drawing = map_drawing(view, measures)
    except ChartRequestError as error:
        return [message(error.message)]
    except geography.GeographyUnavailable as error:
        councils, comparators = _observed(view)
        if view.region:
            councils = councils[councils["region_code"] == view.region]
        rows = _table_order(councils, comparators)
        return [message(f"The map cannot be drawn: {error}", element_id="map-message"),
                *_footer(rows, _what(view, measure), measure, view.council), _sources(rows)]
    chart, geo = drawing.chart, drawing.geo
    title = chart.figure["layout"]["title"]
    return [
        html.Figure([part for part in (
            html.P([html.Span(title["text"], className="map-chart-title"), html.Br(),
                    html.Span(title["subtitle"]["text"], className="map-chart-subtitle")], id="map-title"),
            _key(chart.figure),
            # Responsive: the box's height follows the drawing's shape, so on a phone or for a region
            # the map is not a small drawing in a tall empty box (the figure's own height is for
            # images and embeds).
            html.Div(dcc.Graph(id="map-chart", figure=for_page(chart.figure), responsive=True,
                               className="map-graph", config={"displaylogo": False, "scrollZoom": False}),
                     className="map-graph-box", style={"height": _box_height(chart.figure)}),
            share_panel(chart),
            _text_alternative(chart.description),
        ) if part is not None], className="chart"),
        caveat_list(caveats.for_chart(chart), element_id="map-caveats"),
        html.P([READING, " ", html.Span(geo.statement, id="map-geography")], className="map-geography"),
        *_lists(geo, drawing.changes_note, view.view, measure["unit"]),
        *_footer(chart.rows, drawing.what, measure, view.council),
        _sources(chart.rows),
        html.P(geo.attribution, className="source-line", id="map-geo-source"),
    ]


def _unmatched(text: str | None) -> list:
    """What the page says when the finder's text names no council."""
    return [message(f"No council is called \u201c{text.strip()[:60]}\u201d: choose a name from the list that "
                    "appears as you type.", element_id="map-council-message")]


# ---------------------------------------------------------------- callbacks

@callback(
    [Output(f"map-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"map-{name}", "value") for name in CONTROLS],
    Output("map-panel", "children"), Output("map-url", "search"),
    [Input(f"map-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_map(*values):
    """Any control, or Enter in the council finder: the view for all of them together, so
    choosing a council keeps the measure, year and breakdown."""
    query = dict(zip(CONTROLS, values))
    view, catalogue, measures = _view(query)
    s = view.selection
    typed = query.get("council") or ""
    council_text = _area_name(view.council) if view.council else typed
    panel = map_panel(view, measures)
    if typed.strip() and view.council is None:
        panel = _unmatched(typed) + panel
    return (
        *selection_options(options_for(catalogue, s)),
        s.measure_id, s.period, s.age_band, s.client_group, view.view, view.region or ALL_ENGLAND, council_text,
        panel, view.query())


def clicked_code(click_data: dict | None) -> str | None:
    """The council code a click on the map names, or None."""
    for point in (click_data or {}).get("points", []):
        code = point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if isinstance(code, str) and COUNCIL_CODE.match(code):
            return code
    return None


@callback(Output("map-url", "href"), Input("map-chart", "clickData"), prevent_initial_call=True)
def open_profile(click_data):
    code = clicked_code(click_data)
    return f"/area/{code}" if code else no_update
