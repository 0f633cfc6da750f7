"""The profile's "Is the gap to England closing?" chart as a chart view of its own (`gap`): the
page, /embed/gap, /image/gap.png|svg|pdf and /download/gap.csv|xlsx all draw the Chart built
here, for a council or a region (`code`), one percentage measure and breakdown.

The statistic is gap_summary's; the drawing figures/gap.py's. The download is the gap itself
(gap_summary.gap_table): each year's gap, its Newcombe interval, whether the trend used the
year, the verdict, and the flags of the area's and England's figures.
"""
from __future__ import annotations

import urllib.parse

import pandas as pd

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..figures.gap import describe_gap, gap_chart, gap_figure
from ..figures.profile import applicable_breaks
from ..gap_summary import GAP_TREND_METHOD, gap_summary, gap_table
from ..labels import breakdown_label
from .profile import PATH as PROFILE_PATH  # not `PATH`: a module naming PATH is a page
from .profile import Profile, _profile_for_query, _span

GAP_PARAMETERS = ("code", "measure", "age_band", "client_group")
GAP_METHOD = ("Each dot is the area's value minus England's for the same year, measure and breakdown, in "
              "percentage points; its whisker is the 95% interval of that difference (Newcombe's hybrid "
              "score method, from both areas' counts). A hollow dot is a year published without counts: it "
              "has no interval and is not in the trend. The trend: " + GAP_TREND_METHOD.removeprefix("Method: "))


def area_gap_chart(profile: Profile, measure_id: str, age_band: str, client_group: str) -> Chart | None:
    """The gap chart of one percentage measure and breakdown; None when the area has no gap to
    England for it (England itself, a count, a breakdown England has no figure for)."""
    found = area_gap(profile, measure_id, age_band, client_group)
    return None if found is None else found[0]


def area_gap(profile: Profile, measure_id: str, age_band: str, client_group: str, *,
             page: bool = False, breaks: pd.DataFrame | None = None,
             own: pd.DataFrame | None = None) -> tuple[Chart, str] | None:
    """area_gap_chart's Chart and the verdict in a sentence, which the page prints above it.
    `page`: the Chart the page draws, its figure a plain dict and without the download table
    (its links ask /download/gap, which builds its own). `breaks`: the area's applicable breaks
    for the measure, and `own` its rows of the series, when the caller has them."""
    if profile.code == db.ENGLAND or profile.unit(measure_id) != "percent":
        return None
    if own is None:
        own = profile.series(measure_id, age_band, client_group, profile.code)
    name = profile.area["area_name"]
    if breaks is None:
        breaks = applicable_breaks(profile.breaks, measure_id, profile.code)
    summary = gap_summary(own, breaks, name)
    if summary is None:
        return None
    # England's rows of the years with a gap, taken once from the profile's rows.
    years = set(summary.rows["period"].tolist())
    positions = profile.series_positions(measure_id, age_band, client_group, db.ENGLAND)
    england = profile.rows.iloc[[position for position, period in
                                 zip(positions, profile.rows["period"].iloc[positions].tolist()) if period in years]]
    label = profile.label(measure_id)
    breakdown = breakdown_label(age_band, client_group)
    query = {"measure": measure_id, "age_band": age_band, "client_group": client_group}
    return Chart(
        view="gap", title=f"{label}: gap to England over time",
        subtitle=f"{breakdown}, {_span(summary.rows['period'])}, {name} minus England in percentage points",
        figure=gap_figure(summary) if page else gap_chart(summary),
        # The area's figures and England's: each gap is made from both, so both carry their caveats.
        rows=pd.concat([summary.rows.drop(columns="series"), england], ignore_index=True),
        method=GAP_METHOD, description=describe_gap(summary, name),
        page_url=PROFILE_PATH + profile.code + "?" + urllib.parse.urlencode(query),
        resolved={"code": profile.code, **query}, aliases={"code": profile.code},
        table=None if page else gap_table(summary, england)), summary.sentence


@register("gap", GAP_PARAMETERS)
def gap_from_query(query: dict[str, str]) -> Chart | None:
    from .profile_trend import resolve_trend, trend_options   # it imports this module: imported when first asked

    profile = _profile_for_query(query)
    if profile is None:
        return None
    name = profile.area["area_name"]
    if profile.code == db.ENGLAND:
        raise ChartRequestError(f"code={query['code'][:20]!r} is England: a gap to England is drawn for a council "
                                "or a region, e.g. code=E08000037 (Gateshead) or code=E12000001 (North East).",
                                valid=["a council's or region's ONS code"])
    choice = resolve_trend(query, profile.available())
    if choice is None:
        raise ChartRequestError(f"No figures have been loaded for {name} ({profile.code}).", status=404)
    used = {"measure": choice.measure_id, "age_band": choice.age_band, "client_group": choice.client_group}
    for parameter, value in used.items():
        if query.get(parameter) and query[parameter] != value:
            raise ChartRequestError(f"{parameter}={query[parameter][:60]!r} is not available for {name}: it has no "
                                    f"figures for it (the nearest view uses {parameter}={value!r}).",
                                    valid=[f"/embed/gap?code={profile.code}&" + urllib.parse.urlencode(used)])
    if profile.unit(choice.measure_id) != "percent":
        percentages = [m for m in trend_options(profile.available())["measure"] if profile.unit(m) == "percent"]
        raise ChartRequestError(f"measure={choice.measure_id!r} is a count: a gap to England is drawn for a "
                                f"percentage ({', '.join(percentages)}).", valid=percentages)
    chart = area_gap_chart(profile, choice.measure_id, choice.age_band, choice.client_group)
    if chart is None:
        raise ChartRequestError(f"{name} has no gap to England for {profile.label(choice.measure_id).lower()}, "
                                f"{breakdown_label(choice.age_band, choice.client_group).lower()}: England has "
                                "no figure for the same years.", status=404)
    return chart
