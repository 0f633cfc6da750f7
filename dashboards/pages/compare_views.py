"""The Compare page's chart for each scope: which rows, which comparators, and the Chart the
page, its embed, image and downloads all draw (registered as the `compare` view)."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..context import warehouse
from ..figures import is_missing
from ..figures.compare import describe_ranking, ranked_bars_spec
from ..labels import breakdown_label
from ..neighbours import METHOD as NEIGHBOURS_METHOD
from ..neighbours import nearest_codes, nearest_councils, standardise
from ..state import CompareView, is_count, resolve_compare

CONTROLS = ["measure", "period", "age_band", "client_group", "scope", "region", "council"]
METHOD = ("Bars show each area's value with its 95% confidence interval (Wilson score). An area "
          "is significantly higher or lower than England when England's value lies outside that "
          "interval; counts rounded to the nearest 5 make intervals approximate.")
COUNT_METHOD = ("Counts and spending grow with an area's size, so areas are ranked among themselves "
                "and not compared with England's or a region's total.")
NEEDS_COUNCIL = ("Choose your council in \u201cFind your council\u201d to see it beside its 15 most "
                 "similar councils.")


@dataclass(frozen=True)
class ScopeRows:
    rows: pd.DataFrame            # the ranked areas, then the comparators drawn as lines
    name: str                     # "councils in North East"
    reference_codes: list[str]    # comparators, in the order their lines are styled
    noun: str = "councils"        # what the bars are


@dataclass(frozen=True)
class _Reference:
    """What every Compare request reads of the areas and measures, prepared once per build."""
    regions: pd.DataFrame
    councils: pd.DataFrame
    measures: pd.DataFrame                  # indexed by measure_id
    region_codes: list[str]
    council_codes: list[str]
    home_regions: dict[str, str]            # council code -> its region's code
    areas: dict[str, dict]                  # any area's code -> its area_name and region_code, as db.area


def _reference() -> _Reference:
    def load(wh) -> _Reference:
        areas = db.areas(wh)
        councils = areas[areas["area_type"] == "council"]
        regions = areas[areas["area_type"] == "region"]
        named = {}
        for code, name, region in zip(areas["area_code"].tolist(), areas["area_name"].tolist(),
                                      areas["region_code"].tolist()):
            named.setdefault(code, {"area_name": name, "region_code": region})
        return _Reference(regions, councils, db.measures(wh).set_index("measure_id"),
                          regions["area_code"].tolist(), councils["area_code"].tolist(),
                          dict(zip(councils["area_code"].tolist(), councils["region_code"].tolist())), named)
    return warehouse().cached("compare_reference", load)


def _area(code: str) -> dict:
    """db.area's area_name and region_code, from a lookup made once per build."""
    return _reference().areas[code]


def reference_data():
    reference = _reference()
    return db.catalogue(warehouse()), reference.regions, reference.councils, reference.measures


def council_code(name_or_code: str | None, councils: pd.DataFrame) -> str | None:
    """A council's code from its code or name (any case); a fragment that names one council
    only ('gatesh') is that council."""
    wanted = (name_or_code or "").strip().casefold()
    if not wanted:
        return None
    names = councils["area_name"].str.casefold()
    for match in (councils["area_code"].str.casefold() == wanted, names == wanted):
        if match.any():
            return councils[match].iloc[0]["area_code"]
    partial = councils[names.str.contains(wanted, regex=False)]
    return partial.iloc[0]["area_code"] if len(partial) == 1 else None


def resolve_view(query: dict[str, str]):
    """The view a query asks for, with the reference frames it was resolved against."""
    catalogue, regions, councils, measures = reference_data()
    reference = _reference()
    query = {**query, "council": council_code(query.get("council"), councils) or ""}
    view = resolve_compare(query, catalogue, reference.region_codes, reference.council_codes, reference.home_regions)
    return view, catalogue, regions, councils, measures


def with_absent_areas(rows: pd.DataFrame, expected: pd.DataFrame, area_type: str = "council") -> pd.DataFrame:
    """Areas the scope should show but the publication has no row for, listed as missing."""
    present = set(rows["area_code"].tolist())
    missing = [code not in present for code in expected["area_code"].tolist()]
    if not any(missing):
        return rows
    absent = expected[np.array(missing, dtype=bool)]
    filler = pd.DataFrame({"area_code": absent["area_code"], "area_name": absent["area_name"],
                           "area_type": area_type, "region_code": absent["region_code"],
                           "value_status": "missing",
                           "note": f"No figure for this {area_type} in the loaded publication for this year."})
    return pd.concat([rows, filler], ignore_index=True)


def _where(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """frame[mask], the mask made from the columns' arrays: comparing pandas columns makes a
    Series per condition, and the frame's ~35 columns are copied once either way."""
    return frame.take(np.flatnonzero(mask))


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy()


def _region_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    name = _area(view.region)["area_name"]
    chosen = _where(everything, (_column(everything, "region_code") == view.region)
                    | (_column(everything, "area_code") == db.ENGLAND))
    expected = db.councils_alive(wh, view.selection.period)
    present = set(chosen["area_code"].tolist())
    # The region's living councils are nearly always all there: then no filling in to do.
    if any(code not in present and region == view.region for code, region in
           zip(expected["area_code"].tolist(), expected["region_code"].tolist())):
        chosen = with_absent_areas(chosen, expected[expected["region_code"] == view.region])
    return ScopeRows(chosen, f"councils in {name}", [db.ENGLAND, view.region])


def _regions_scope(everything: pd.DataFrame, wh) -> ScopeRows:
    chosen = everything[everything["area_type"].isin(["region", "country"])]
    return ScopeRows(with_absent_areas(chosen, db.areas(wh, "region"), "region"), "regions of England",
                     [db.ENGLAND], noun="regions")


def _neighbours_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    similar = _similar_councils(wh, view.council, view.selection.period)
    codes = [view.council, *similar]
    home = _area(view.council)
    wanted = set(codes + [db.ENGLAND, home["region_code"]])
    chosen = _where(everything, np.fromiter((code in wanted for code in everything["area_code"].tolist()),
                                            dtype=bool, count=len(everything)))
    present = set(chosen["area_code"].tolist())
    if any(code not in present for code in codes):
        councils = db.areas(wh, "council")
        chosen = with_absent_areas(chosen, councils[councils["area_code"].isin(codes)])
    return ScopeRows(chosen, f"{home['area_name']} and its {len(similar)} most similar councils",
                     [db.ENGLAND, home["region_code"]])


def _similar_councils(wh, council: str, period: str) -> tuple[str, ...]:
    """The council's most similar councils among those alive in the period: the same for every
    measure and breakdown, so worked out once per build, council and year (a few codes each)."""
    def load(_) -> tuple[str, ...]:
        alive = set(db.councils_alive(wh, period)["area_code"])
        found = nearest_codes(wh.cached(("compare_standardised", period),
                                        lambda _: standardise(db.population_profile(wh), alive)), council)
        if found is not None:
            return found
        # A council not alive in the year is standardised with that year's councils.
        return tuple(nearest_councils(db.population_profile(wh), council, candidates=alive)["area_code"])
    return wh.cached(("compare_similar_councils", council, period), load)


def _england_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    chosen = _where(everything, (_column(everything, "area_type") == "council")
                    | (_column(everything, "area_code") == db.ENGLAND))
    return ScopeRows(with_absent_areas(chosen, db.councils_alive(wh, view.selection.period)),
                     "all councils in England", [db.ENGLAND])


def scope_rows(view: CompareView, unit: str = "percent") -> ScopeRows:
    """The rows a view ranks and its comparators. A count is ranked among the areas only: its
    comparators (England's and the region's totals) are dropped, from the chart and its rows."""
    wh, s = warehouse(), view.selection
    everything = db.observations(wh, measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                                 client_group=s.client_group)
    if view.scope == "region":
        scope = _region_scope(everything, view, wh)
    elif view.scope == "regions":
        scope = _regions_scope(everything, wh)
    elif view.scope == "neighbours":
        scope = _neighbours_scope(everything, view, wh)
    else:
        scope = _england_scope(everything, view, wh)
    if not is_count(unit):
        return scope
    references = set(scope.reference_codes)
    ranked = _where(scope.rows, np.fromiter((code not in references for code in scope.rows["area_code"].tolist()),
                                            dtype=bool, count=len(scope.rows)))
    return ScopeRows(ranked, scope.name, [], scope.noun)


def ranked_type(scope: ScopeRows) -> str:
    return "region" if scope.noun == "regions" else "council"


def compare_chart(view: CompareView, measures: pd.DataFrame) -> Chart:
    """The ranked bars for a view: the page, its embed, image and downloads all draw this."""
    if view.needs_council:
        raise ChartRequestError("scope='neighbours' is not available without a council: similar councils need "
                                "council=<ONS code or name>, e.g. council=E08000037.", valid=["council"])
    s = view.selection
    measure = measures.loc[s.measure_id]
    unit = measure["unit"]
    scope = scope_rows(view, unit)
    rows = scope.rows
    ranked = _where(rows, _column(rows, "area_type") == ranked_type(scope))
    references = _references(rows, scope.reference_codes)
    highlight = view.council if view.scope != "regions" else None
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = f"{measure['label'].lower()}, {breakdown.lower()}, {s.period}, {scope.name}"
    figure = ranked_bars_spec(ranked, references, value_title=measure["label"] + (" (%)" if unit == "percent" else ""),
                         title=f"{measure['label']}: {breakdown}, {s.period}", polarity=measure["polarity"], unit=unit,
                         flag_labels=db.flag_labels(warehouse()), highlight=highlight, compared=not is_count(unit))
    description = describe_ranking(ranked, references, what=what, unit=unit, noun=scope.noun, highlight=highlight)
    if is_count(unit):
        description += " " + COUNT_METHOD
    council_name = _area(view.council)["area_name"] if view.council else ""
    method = COUNT_METHOD if is_count(unit) else METHOD
    return Chart(
        view="compare", title=measure["label"], subtitle=f"{breakdown}, {s.period}, {scope.name}",
        figure=figure, rows=rows, description=description,
        method=method + (" " + NEIGHBOURS_METHOD if view.scope == "neighbours" else ""),
        page_url="/" + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": council_name} if council_name else {})


def _references(rows: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The comparators' names and values, in the order of `codes` (the order their lines are
    styled), those the rows hold with a name: all the chart reads of them."""
    found = {}
    for code, name, value in zip(rows["area_code"].tolist(), rows["area_name"].tolist(), rows["value"].tolist()):
        found.setdefault(code, (name, value))
    picked = [(code, *found[code]) for code in codes if code in found and not is_missing(found[code][0])]
    return pd.DataFrame({"area_code": [p[0] for p in picked], "area_name": [p[1] for p in picked],
                         "value": np.array([p[2] for p in picked], dtype=float)})


@register("compare", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, *_, measures = resolve_view(query)
    return None if view is None else compare_chart(view, measures)
