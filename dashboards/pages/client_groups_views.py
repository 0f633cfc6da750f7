"""Client groups, the pure part: which views the data offers (catalogue in), the view a URL
asks for, and the table's cells and order (observation rows in). No database, no Dash
components beyond the wire form (dashboards/wire.py) of the table."""
from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import html

from .. import geography
from ..components import EDGE_ROWS, folded_table, note_text
from ..figures import CAVEAT_MARK, NOTE_MARK, format_value, highlight_label, is_missing, significance_style
from ..labels import CLIENT_GROUPS, flag_codes
from ..state import DEFAULT_MEASURE, measure_order, pick
from ..wire import element

ENGLAND = "E92000001"
ALL_ENGLAND = "england"
DEFAULT_REGION = "E12000001"          # the report's region: North East
BY_NAME = "area"
AGE_ORDER = ["all", "18-64", "under-65", "65+", "65-84", "85+"]
GROUP_ORDER = list(CLIENT_GROUPS)
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
    council: str | None = None    # the reader's council (a GSS code): marked in the chart and table

    def query(self) -> str:
        values = {"measure": self.measure_id, "period": self.period, "age_band": self.age_band,
                  "region": self.region, "sort": self.sort}
        return "?" + urllib.parse.urlencode({**values, **({"council": self.council} if self.council else {})})


# ---- what the data offers (pure: catalogue in) ------------------------------------------

Pair = tuple[str, str]                    # (age band, client group)
Counts = dict[Pair, tuple[int, bool]]     # per pair: councils with a value, England has one


def _count(value) -> int:
    return 0 if pd.isna(value) else int(value)


def _flag(value) -> bool:
    return False if pd.isna(value) else bool(value)


def _shown_pairs(year: Counts) -> Counts:
    """The pairs with a value for a council or England."""
    return {pair: counts for pair, counts in year.items() if counts[0] > 0 or counts[1]}


def _filled(year: Counts) -> set[Pair]:
    """The pairs councils have values in."""
    return {pair for pair, (councils, _) in year.items() if councils > 0}


def _age_key(band: str) -> int:
    return AGE_ORDER.index(band) if band in AGE_ORDER else len(AGE_ORDER)


def _bands(year: Counts, *, with_councils: bool = False) -> list[str]:
    """The age bands with a client group (not 'all'), in the fixed order; with_councils: only
    those councils have values in (chosen first when the URL does not say)."""
    return sorted({band for (band, group), (councils, _) in year.items()
                   if group != "all" and (councils > 0 or not with_councils)}, key=_age_key)


def _columns(year: Counts, age_band: str) -> list[Column]:
    """columns_for on one (measure, period)'s counts."""
    rows = _shown_pairs(year)
    band = {group: councils for (age, group), (councils, _) in rows.items() if age == age_band}
    columns = []
    if "all" in band:
        columns.append(Column("all", age_band, "all", "All client groups"))
    elif ("all", "all") in rows:
        columns.append(Column("all", "all", "all", "All client groups, all adults (18+)"))
    with_councils = {group for group, councils in band.items() if councils > 0}
    # Groups councils have figures for first; groups published for England only after them.
    ordered = sorted((g for g in GROUP_ORDER if g != "all" and g in band),
                     key=lambda g: (g not in with_councils, GROUP_ORDER.index(g)))
    # Beside an all-adults total, each client group says its own age band.
    suffix = f" ({age_band})" if columns and columns[0].age_band != age_band else ""
    return columns + [Column(g, age_band, g, CLIENT_GROUPS[g].capitalize() + suffix) for g in ordered]


@dataclass(frozen=True)
class Offer:
    """The catalogue as this page reads it, indexed by (measure, period): each (age band, client
    group)'s count of councils with a value and whether England has one, and (when counts by
    region are known) each region's count. Made once per build, so every choice a callback
    makes is a few dictionary look-ups rather than dozens of masks on the catalogue frame."""
    years: dict[tuple[str, str], Counts]
    regional: dict[tuple[str, str], dict[str, dict[Pair, int]]] | None   # None: no counts by region
    eligible: dict[str, dict[str, Counts]]      # measure -> period -> shown pairs: the views drawn
    measures: tuple[str, ...]                   # the eligible measures, in the site's order

    @classmethod
    def of(cls, catalogue: pd.DataFrame, by_region: pd.DataFrame | None = None) -> "Offer":
        years: dict[tuple[str, str], Counts] = {}
        for measure, period, band, group, councils, england in zip(*(catalogue[c].tolist() for c in (
                "measure_id", "period", "age_band", "client_group", "councils", "has_england"))):
            year = years.setdefault((measure, period), {})
            before = year.get((band, group), (0, False))
            year[(band, group)] = (max(before[0], _count(councils)), before[1] or _flag(england))
        regional = None
        if by_region is not None:
            regional = {}
            for measure, period, band, group, region, councils in zip(*(by_region[c].tolist() for c in (
                    "measure_id", "period", "age_band", "client_group", "region_code", "councils"))):
                counts = regional.setdefault((measure, period), {}).setdefault(region, {})
                counts[(band, group)] = max(counts.get((band, group), 0), _count(councils))
        # The views this page can draw: a (measure, period) with councils' values and a
        # client-group breakdown (for councils or for England).
        eligible: dict[str, dict[str, Counts]] = {}
        for (measure, period), year in years.items():
            shown = _shown_pairs(year)
            if _filled(year) and any(group != "all" for _, group in shown):
                eligible.setdefault(measure, {})[period] = shown
        return cls(years, regional, eligible, tuple(sorted(eligible, key=measure_order)))

    def scoped(self, measure_id: str, period: str, region: str) -> Counts:
        """The year's counts as one region sees them: councils counts that region's councils
        with a value (England's figures stay: they are drawn beside every region). All of
        England, or no counts by region: the catalogue's own."""
        year = self.years.get((measure_id, period), {})
        if region == ALL_ENGLAND or self.regional is None:
            return year
        mine = self.regional.get((measure_id, period), {}).get(region, {})
        return {pair: (mine.get(pair, 0), england) for pair, (_, england) in year.items()}

    def columns(self, measure_id: str, period: str, age_band: str) -> list[Column]:
        return _columns(self.years.get((measure_id, period), {}), age_band)

    def sortable_columns(self, measure_id: str, period: str, age_band: str, region: str = ALL_ENGLAND
                         ) -> list[Column]:
        """The columns the scope's councils have values in: sorting councils by a column
        published for England only would leave the order unchanged and every council 'no data'."""
        scoped = self.scoped(measure_id, period, region)
        filled = _filled(scoped)
        return [c for c in _columns(scoped, age_band) if (c.age_band, c.client_group) in filled]

    def bands_with_data(self, measure_id: str, period: str, region: str, bands: list[str]) -> list[str]:
        """The age bands among `bands` whose view (its columns, from the whole catalogue) has a
        council with a value in the scope: those that draw a chart rather than 'none of the councils'."""
        filled = _filled(self.scoped(measure_id, period, region))
        return [band for band in bands if any((c.age_band, c.client_group) in filled
                                              for c in self.columns(measure_id, period, band))]

    def regions_with_data(self, measure_id: str, period: str, bands: list[str], regions: list[str]) -> list[str]:
        """The regions whose councils have a value for the year in a column of at least one of
        the age bands' views (all of them when there are no counts by region)."""
        if self.regional is None:
            return list(regions)
        drawn = {(c.age_band, c.client_group) for band in bands for c in self.columns(measure_id, period, band)}
        present = {region for region, counts in self.regional.get((measure_id, period), {}).items()
                   if any(councils > 0 and pair in drawn for pair, councils in counts.items())}
        return [region for region in regions if region in present]


def columns_for(catalogue: pd.DataFrame, measure_id: str, period: str, age_band: str) -> list[Column]:
    """'All client groups' first (for the age band, else for all adults when the band has no
    total, as in the report's Table 3), then each client group the band has, in a fixed order:
    those with councils' figures, then those published for England only."""
    return Offer.of(catalogue).columns(measure_id, period, age_band)


def sortable_columns(catalogue: pd.DataFrame, measure_id: str, period: str, age_band: str) -> list[Column]:
    """Offer.sortable_columns on a catalogue frame."""
    return Offer.of(catalogue).sortable_columns(measure_id, period, age_band)


def resolve_view(query: dict[str, str], catalogue: pd.DataFrame, regions: list[str],
                 councils: pd.DataFrame | None = None, by_region: pd.DataFrame | None = None,
                 offer: Offer | None = None) -> ClientGroupView | None:
    """The view a URL asks for, corrected to one the data has; None when no client-group data.
    councils (areas rows with region_code, first_period and last_period): those `council=` may
    name, by code or name; a named council's region is the region shown when the URL names
    none. by_region (db.catalogue_by_region): when given, only a region whose councils have
    figures for the year, and only an age band they have figures in, is chosen. offer:
    Offer.of(catalogue, by_region), when already made (once per build)."""
    offer = offer or Offer.of(catalogue, by_region)
    if not offer.measures:
        return None
    measure = pick(query.get("measure"), list(offer.measures), [DEFAULT_MEASURE])
    years = offer.eligible[measure]
    periods = sorted(years)
    council_periods = [period for period in periods if _bands(years[period], with_councils=True)]
    period = pick(query.get("period"), periods, council_periods[-1:] + periods[-1:])
    bands = _bands(years[period])
    council = geography.council_code(query.get("council"), councils, period) if councils is not None else None
    home = [_region_of(council, councils)] if council else []
    offered = offer.regions_with_data(measure, period, bands, regions)
    region = pick(query.get("region"), [ALL_ENGLAND, *offered], home + [DEFAULT_REGION, ALL_ENGLAND])
    bands = offer.bands_with_data(measure, period, region, bands) or bands
    council_bands = [b for b in _bands(years[period], with_councils=True) if b in bands]
    age_band = pick(query.get("age_band"), bands, council_bands + bands)
    # Any column's key stays valid in a URL (a cited link keeps working); only those councils
    # have values in are offered (options_for_view).
    keys = [BY_NAME] + [c.key for c in offer.columns(measure, period, age_band)]
    sort = pick(query.get("sort"), keys, [BY_NAME])
    return ClientGroupView(measure, period, age_band, region, sort, council)


def _region_of(council: str, councils: pd.DataFrame) -> str:
    return councils.set_index("area_code")["region_code"].get(council) or DEFAULT_REGION


def options_for_view(catalogue: pd.DataFrame, view: ClientGroupView, by_region: pd.DataFrame | None = None,
                     regions: list[str] | None = None, offer: Offer | None = None) -> dict[str, list]:
    """What each control offers for the view: every measure and year with client-group figures;
    the regions whose councils have figures for the year (All of England first); the age bands,
    and the columns to sort by, that the region's councils have figures in."""
    offer = offer or Offer.of(catalogue, by_region)
    years = offer.eligible.get(view.measure_id, {})
    bands = _bands(years.get(view.period, {}))
    columns = offer.sortable_columns(view.measure_id, view.period, view.age_band, view.region)
    return {
        "measure": list(offer.measures),
        "period": sorted(years),
        "region": [ALL_ENGLAND] + offer.regions_with_data(view.measure_id, view.period, bands, regions or []),
        "age_band": offer.bands_with_data(view.measure_id, view.period, view.region, bands) or bands,
        "sort": [(BY_NAME, "Area name (A to Z)")] + [(c.key, f"{c.label} (highest first)") for c in columns],
    }


# ---- the table (pure: observation rows in) -------------------------------------------------

def cells_by_area(rows: pd.DataFrame, columns: list[Column]) -> dict[tuple[str, str], dict]:
    """(area_code, column key) -> the observation row for that column's breakdown."""
    wanted = {(c.age_band, c.client_group): c.key for c in columns}
    # Records from the column lists (as to_dict("records") would make them, without its cost).
    fields = [rows[name].tolist() if name in rows else [np.nan] * len(rows) for name in CELL_FIELDS]
    cells = {}
    for values in zip(*fields):
        record = dict(zip(CELL_FIELDS, values))
        key = wanted.get((record["age_band"], record["client_group"]))
        if key is not None:
            cells[(record["area_code"], key)] = record
    return cells


def arrange(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], sort: str) -> pd.DataFrame:
    """Councils in the sort order (by name, or by a column's value highest first with councils
    lacking it last), then regions, then England."""
    first = {}
    for position, code in enumerate(areas["area_code"].tolist()):
        first.setdefault(code, position)
    kept = list(first.values())
    codes, names, types = ([column[i] for i in kept] for column in (
        areas[name].tolist() for name in ("area_code", "area_name", "area_type")))
    councils = [i for i, kind in enumerate(types) if kind == "council"]
    if sort == BY_NAME:
        # numpy's quicksort, as pandas' sort_values uses: names that fold alike keep its order.
        folded = np.array([names[i].casefold() for i in councils], dtype=object)
        councils = [councils[i] for i in folded.argsort(kind="quicksort")]
    else:
        def value(i: int) -> float:
            found = (cells.get((codes[i], sort)) or {}).get("value")
            if isinstance(found, float):
                return found
            found = pd.to_numeric(found, errors="coerce")
            return float("nan") if found is None else float(found)
        # Highest first, councils without a value last, then by name; ties keep their order.
        keyed = [(value(i), names[i], i) for i in councils]
        councils = [i for v, name, i in sorted(keyed, key=lambda k: (math.isnan(k[0]), -k[0] if k[0] == k[0]
                                                                     else 0.0, k[1]))]
    regions = [i for i, kind in enumerate(types) if kind == "region"]
    regions = [regions[i] for i in np.array([names[i] for i in regions], dtype=object).argsort(kind="quicksort")]
    country = [i for i, kind in enumerate(types) if kind == "country"]
    return areas.take([kept[i] for i in councils + regions + country]).reset_index(drop=True)


def _gap(record: dict, polarity: str) -> dict | None:
    gap = record.get("gap")
    if is_missing(gap) or record.get("area_code") == ENGLAND:
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


def _area_link(area: dict, highlight: str | None) -> dict | str:
    """The area's name (marked when it is the reader's council); a council's links to its
    profile, carrying the reader's council along."""
    name = highlight_label(area["area_name"]) if area["area_code"] == highlight else area["area_name"]
    if area["area_type"] != "council":
        return name
    keep = f"?{urllib.parse.urlencode({'council': highlight})}" if highlight else ""
    return element("A", name, href=f"/area/{area['area_code']}{keep}")


def _folded(position: int, councils: int, area: dict, highlight: str | None) -> bool:
    """A council row in the middle of a long list waits behind "Show all"; the reader's stays."""
    return (area["area_type"] == "council" and area["area_code"] != highlight
            and councils > 2 * EDGE_ROWS + 1 and EDGE_ROWS <= position < councils - EDGE_ROWS)


def client_group_table(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], columns: list[Column], *,
                       caption: str, unit: str, polarity: str, sort: str, highlight: str | None = None,
                       table_id: str = "client-groups-table") -> tuple[dict, list[tuple[int, str]]]:
    """The table (Dash wire form) and its numbered notes [(number, text)] in order of first use.
    The reader's council (`highlight`) is marked; in a list of more than 21 councils the rows
    between the first and last ten are classed "extra" (hidden until "Show all")."""
    def sorted_by(key: str) -> dict:
        if sort != key:
            return {}
        return {"aria-sort": "ascending" if key == BY_NAME else "descending"}

    head = element("Thead", element("Tr", [
        element("Th", "Area", scope="col", **sorted_by(BY_NAME)), element("Th", "Code", scope="col"),
        *[element("Th", c.label, scope="col", className="number", **sorted_by(c.key)) for c in columns]]))
    notes: dict[str, int] = {}
    body = []
    records = [dict(zip(areas.columns, values)) for values in zip(*(areas[c].tolist() for c in areas.columns))]
    councils = sum(area["area_type"] == "council" for area in records)
    for position, area in enumerate(records):
        classes = ["council" if area["area_type"] == "council" else "comparator"] \
            + (["highlight"] if area["area_code"] == highlight else []) \
            + (["extra"] if _folded(position, councils, area, highlight) else [])
        body.append(element("Tr", [
            element("Th", _area_link(area, highlight), scope="row"), element("Td", area["area_code"]),
            *[_cell(cells.get((area["area_code"], c.key)), unit, polarity, notes) for c in columns],
        ], className=" ".join(classes)))
    table = element("Table", [element("Caption", caption), head, element("Tbody", body)],
                    className="data-table client-groups-table", id=table_id)
    return table, [(number, text) for text, number in notes.items()]


def table_in_box(table: dict, *, label: str) -> dict:
    """The table in a box that scrolls sideways on a narrow screen (focusable, so a keyboard
    scrolls it too); when rows are folded, a native "Show all" before it opens them."""
    rows = table["props"]["children"][2]["props"]["children"]
    hidden = sum("extra" in row["props"]["className"].split() for row in rows)
    councils = sum("council" in row["props"]["className"].split() for row in rows)
    table_id = table["props"]["id"]
    return folded_table(table, label=label, councils=councils, hidden=hidden, table_id=table_id,
                        ends="first and last", box_id=f"{table_id}-box")


def chart_frames(areas: pd.DataFrame, cells: dict[tuple[str, str], dict], columns: list[Column]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Council values per column (for columns with any council value) and England's values."""
    names = ["area_name", "column", "label", "client_group", "value"]
    council_rows, england_rows = ({name: [] for name in names} for _ in range(2))
    areas = list(zip(*(areas[c].tolist() for c in ("area_code", "area_name", "area_type"))))
    for column in columns:
        for code, name, area_type in areas:
            record = cells.get((code, column.key))
            if record is None or is_missing(record.get("value")):
                continue
            rows = council_rows if area_type == "council" else england_rows if code == ENGLAND else None
            if rows is not None:
                for field, value in zip(names, (name, column.key, column.label, column.client_group,
                                                float(record["value"]))):
                    rows[field].append(value)
    return _frame(council_rows, names), _frame(england_rows, names)


def _frame(columns: dict[str, list], names: list[str]) -> pd.DataFrame:
    """The frame of these column lists, typed as pandas types the same rows as records."""
    return pd.DataFrame(columns if columns[names[0]] else [], columns=names)


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
