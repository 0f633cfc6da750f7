"""The Compare page's chart for each scope: which rows, which comparators, and the Chart the
page, its embed, image and downloads all draw (registered as the `compare` view)."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..context import warehouse
from ..figures.compare import describe_ranking, ranked_bars
from ..labels import breakdown_label
from ..neighbours import METHOD as NEIGHBOURS_METHOD
from ..neighbours import nearest_councils
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


def reference_data():
    wh = warehouse()
    areas = db.areas(wh)
    councils = areas[areas["area_type"] == "council"]
    regions = areas[areas["area_type"] == "region"]
    return db.catalogue(wh), regions, councils, db.measures(wh).set_index("measure_id")


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
    query = {**query, "council": council_code(query.get("council"), councils) or ""}
    view = resolve_compare(query, catalogue, list(regions["area_code"]), list(councils["area_code"]),
                           dict(zip(councils["area_code"], councils["region_code"])))
    return view, catalogue, regions, councils, measures


def with_absent_areas(rows: pd.DataFrame, expected: pd.DataFrame, area_type: str = "council") -> pd.DataFrame:
    """Areas the scope should show but the publication has no row for, listed as missing."""
    absent = expected[~expected["area_code"].isin(rows["area_code"])]
    if absent.empty:
        return rows
    filler = pd.DataFrame({"area_code": absent["area_code"], "area_name": absent["area_name"],
                           "area_type": area_type, "region_code": absent["region_code"],
                           "value_status": "missing",
                           "note": f"No figure for this {area_type} in the loaded publication for this year."})
    return pd.concat([rows, filler], ignore_index=True)


def _region_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    name = db.area(wh, view.region)["area_name"]
    chosen = everything[(everything["region_code"] == view.region) | (everything["area_code"] == db.ENGLAND)]
    expected = db.councils_alive(wh, view.selection.period)
    return ScopeRows(with_absent_areas(chosen, expected[expected["region_code"] == view.region]),
                     f"councils in {name}", [db.ENGLAND, view.region])


def _regions_scope(everything: pd.DataFrame, wh) -> ScopeRows:
    chosen = everything[everything["area_type"].isin(["region", "country"])]
    return ScopeRows(with_absent_areas(chosen, db.areas(wh, "region"), "region"), "regions of England",
                     [db.ENGLAND], noun="regions")


def _neighbours_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    alive = set(db.councils_alive(wh, view.selection.period)["area_code"])
    similar = nearest_councils(db.population_profile(wh), view.council, candidates=alive)
    codes = [view.council, *similar["area_code"]]
    home = db.area(wh, view.council)
    chosen = everything[everything["area_code"].isin(codes + [db.ENGLAND, home["region_code"]])]
    councils = db.areas(wh, "council")
    return ScopeRows(with_absent_areas(chosen, councils[councils["area_code"].isin(codes)]),
                     f"{home['area_name']} and its {len(similar)} most similar councils",
                     [db.ENGLAND, home["region_code"]])


def _england_scope(everything: pd.DataFrame, view: CompareView, wh) -> ScopeRows:
    chosen = everything[(everything["area_type"] == "council") | (everything["area_code"] == db.ENGLAND)]
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
    ranked = scope.rows[~scope.rows["area_code"].isin(scope.reference_codes)]
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
    ranked = rows[rows["area_type"] == ranked_type(scope)]
    references = rows[rows["area_code"].isin(scope.reference_codes)]
    references = references.set_index("area_code").reindex(scope.reference_codes) \
        .dropna(subset=["area_name"]).reset_index()
    highlight = view.council if view.scope != "regions" else None
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = f"{measure['label'].lower()}, {breakdown.lower()}, {s.period}, {scope.name}"
    figure = ranked_bars(ranked, references, value_title=measure["label"] + (" (%)" if unit == "percent" else ""),
                         title=f"{measure['label']}: {breakdown}, {s.period}", polarity=measure["polarity"], unit=unit,
                         flag_labels=db.flag_labels(warehouse()), highlight=highlight, compared=not is_count(unit))
    description = describe_ranking(ranked, references, what=what, unit=unit, noun=scope.noun, highlight=highlight)
    if is_count(unit):
        description += " " + COUNT_METHOD
    council_name = db.area(warehouse(), view.council)["area_name"] if view.council else ""
    method = COUNT_METHOD if is_count(unit) else METHOD
    return Chart(
        view="compare", title=measure["label"], subtitle=f"{breakdown}, {s.period}, {scope.name}",
        figure=figure, rows=rows, description=description,
        method=method + (" " + NEIGHBOURS_METHOD if view.scope == "neighbours" else ""),
        page_url="/" + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": council_name} if council_name else {})


@register("compare", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, *_, measures = resolve_view(query)
    return None if view is None else compare_chart(view, measures)
