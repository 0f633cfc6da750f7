"""Mental-health lens: the layout every block shares (heading, chart, text alternative, table,
caveats, gaps, source), and the Client groups views the page reuses for the report's table and
the spending shares, with the sentences on what they leave out."""
from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

import pandas as pd
from dash import dcc, html

from .. import db
from ..charts import Chart
from ..components import caveat_list
from ..context import warehouse
from ..labels import CLIENT_GROUPS
from .mental_health_views import MENTAL_HEALTH

UPTAKE_MEASURES = ("sds_users", "dp_users")
DP_RUNS_LABEL = "Counted \u2018{note}\u2019"
SPEND_MEASURE = "dp_spend_share"


def gap_list(sentences: list[str], element_id: str) -> html.Div:
    """The years and places a block has no figure for, and why: visible text, never a tooltip."""
    if not sentences:
        return html.P("Every council shown has a figure for this year.", id=element_id, className="mh-gaps")
    return html.Div([html.P(html.Strong("No figure:"), className="mh-gaps-heading"),
                     html.Ul([html.Li(s) for s in sentences])], id=element_id, className="mh-gaps")


def block(prefix: str, chart: Chart, *, lede: list[str], table, gaps: list[str], caveat_sentences: list[str],
          share, source, heading: str | None = None, open_link: str | None = None) -> list:
    """Heading (what, which years, where), the chart, the key sentences, its downloads, its text
    alternative and table in <details>, its caveats, what has no figure, and its source."""
    alternative = [html.Summary("The chart in words" + (" and as a table" if table is not None else "")),
                   html.P(chart.description, id=f"{prefix}-description")]
    if table is not None:
        alternative.append(table)
    parts = [
        html.H2(heading or chart.title, id=f"{prefix}-heading", className="mh-heading"),
        # An explicit heading already says what, when and where; the chart's own subtitle would repeat it.
        None if heading else html.P(chart.subtitle, className="chart-subtitle", id=f"{prefix}-subtitle"),
        # Chart first, then what it says: on a phone the sentences would push it off the screen.
        html.Figure([
            dcc.Graph(id=f"{prefix}-chart", figure=chart.figure, config={"displaylogo": False, "responsive": True}),
            *[html.P(sentence, className="mh-key") for sentence in lede],
            share,
            html.Figcaption(html.Details(alternative, className="text-alternative")),
        ], className="chart"),
        caveat_list(caveat_sentences, element_id=f"{prefix}-caveats"),
        gap_list(gaps, f"{prefix}-gaps"),
    ]
    if open_link:
        parts.append(html.P(html.A("Open this view on the Client groups page (sort it, other years and measures)",
                                   href=open_link), className="footnote"))
    parts.append(source)
    return [html.Section([p for p in parts if p is not None], className="mh-block", id=prefix,
                         **{"aria-labelledby": f"{prefix}-heading"})]


@lru_cache(maxsize=1)
def _manifest() -> tuple[tuple[str, str, str], ...]:
    from etl.fetch import load_manifest
    return tuple((e.period, e.path, e.title) for e in load_manifest())


def not_held_titles(rows: pd.DataFrame, periods: list[str]) -> dict[str, str]:
    """Period -> title of a publication of the same series (a file in the same folder of the
    manifest as the files loaded) for years with no rows: published, but not loaded here."""
    folders = {part for name in rows["source_file"].dropna() for part in PurePosixPath(name).parts[:-1]}
    loaded = set(rows["period"])
    return {period: title for period, path, title in _manifest()
            if period in periods and period not in loaded and PurePosixPath(path).parts[0] in folders}


def publications_for(periods: list[str]) -> dict[str, str]:
    """Period -> the manifest's titles of publications for it: those years' missing figures
    are published somewhere, only not loaded here."""
    titles: dict[str, list[str]] = {}
    for period, _, title in _manifest():
        if period in periods:
            titles.setdefault(period, []).append(title)
    return {period: "; ".join(names) for period, names in titles.items()}


def pivot_table(rows: pd.DataFrame, *, caption: str, table_id: str, highlight: str | None = None) -> html.Div:
    """Areas (councils A to Z, then region and England) by client group, values as percentages:
    the table behind a client-group chart, for its <details>."""
    rows = rows[rows["value"].notna()]
    groups = [g for g in ("all", *CLIENT_GROUPS) if g in set(rows["client_group"])]
    groups = list(dict.fromkeys(groups))
    order = rows.assign(_rank=rows["area_type"].map({"council": 0, "region": 1, "country": 2}))
    areas = order.sort_values(["_rank", "area_name"]).drop_duplicates("area_code")
    values = {(r.area_code, r.client_group): r.value for r in rows.itertuples()}
    bands = {g: sorted(set(rows.loc[rows["client_group"] == g, "age_band"])) for g in groups}
    head = [html.Th("Area", scope="col")] + [
        html.Th(f"{CLIENT_GROUPS[g].capitalize()} ({', '.join(bands[g])})", scope="col") for g in groups]
    body = [html.Tr([html.Th(("\u25c6 " if a.area_code == highlight else "") + a.area_name, scope="row"),
                     *[html.Td("" if (a.area_code, g) not in values else f"{values[(a.area_code, g)]:.1f}%",
                               className="number") for g in groups]],
                    className="highlight" if a.area_code == highlight else None) for a in areas.itertuples()]
    table = html.Table([html.Caption(caption), html.Thead(html.Tr(head)), html.Tbody(body)],
                       className="data-table", id=table_id)
    return html.Div(table, className="table-box", tabIndex="0", role="region", **{"aria-label": caption})


def _latest_with_councils(measure_id: str, age_band: str) -> str | None:
    catalogue = db.catalogue(warehouse())
    held = catalogue[(catalogue["measure_id"] == measure_id) & (catalogue["client_group"] == MENTAL_HEALTH)
                     & (catalogue["age_band"] == age_band) & (catalogue["councils"] > 0)]
    return None if held.empty else held["period"].max()


def _region_name(code: str) -> str:
    found = db.area(warehouse(), code)
    return found["area_name"] if found else code


def report_table_view(council: str | None) -> tuple[dict | None, list[str], str]:
    """The report's table (sds_users by client group, the year councils have a mental-health
    figure, in the region those councils are in) as a Client groups query; what it leaves out."""
    period = _latest_with_councils("sds_users", "18-64")
    if period is None:
        return None, [], ""
    rows = db.observations(warehouse(), measure_id="sds_users", period=period, age_band="18-64",
                           client_group=MENTAL_HEALTH)
    councils = rows[(rows["area_type"] == "council") & rows["value"].notna()]
    region = councils["region_code"].mode().iloc[0]
    name = _region_name(region)
    others = sorted(set(councils["region_code"]) - {region})
    gaps = [f"{period}: only the {len(councils)} councils of {name} have a self-directed support figure for "
            "mental health (the report gathered them for its own region); no other region's councils have one "
            "for this year in the loaded publications." if not others else
            f"{period}: councils in {len(others) + 1} regions have a figure for mental health."]
    query = {"measure": "sds_users", "period": period, "age_band": "18-64", "region": region, "sort": "area",
             **({"council": council} if council in set(councils["area_code"]) else {})}
    heading = (f"Self-directed support, {period}: councils in {name}, adults aged 18-64 with mental health "
               "needs beside all adults")
    return query, gaps, heading


def spending_view(region: str, council: str | None) -> tuple[dict | None, list[str], str]:
    """Direct payments' share of community spending by client group, the latest year councils
    have one for mental health, for a region, as a Client groups query; and who has no share."""
    period = _latest_with_councils(SPEND_MEASURE, "18-64")
    if period is None:
        return None, [], ""
    wh = warehouse()
    name = _region_name(region)
    shares = db.observations(wh, measure_id=SPEND_MEASURE, period=period, age_band="18-64", client_group=MENTAL_HEALTH)
    spend = db.observations(wh, measure_id="community_spend", period=period, age_band="18-64",
                            client_group=MENTAL_HEALTH)
    alive = db.councils_alive(wh, period)
    alive = alive[alive["region_code"] == region]
    valued = set(shares.loc[shares["value"].notna(), "area_code"])
    gaps = []
    for council_row in alive[~alive["area_code"].isin(valued)].itertuples():
        spent = spend.loc[spend["area_code"] == council_row.area_code, "value"]
        listed = shares[shares["area_code"] == council_row.area_code]
        if len(listed) and isinstance(listed.iloc[0]["note"], str):
            why = listed.iloc[0]["note"]
        elif len(spent) and spent.iloc[0] == 0:
            why = "no spending on long-term community support for mental health was recorded, so there is no share."
        else:
            why = "the publication gives no figure."
        gaps.append(f"{period}: no share for {council_row.area_name}: {why}")
    query = {"measure": SPEND_MEASURE, "period": period, "age_band": "18-64", "region": region,
             "sort": MENTAL_HEALTH, **({"council": council} if council in set(alive["area_code"]) else {})}
    heading = (f"Spending, {period}: direct payments' share of community spending on mental health support, "
               f"councils in {name}, beside other client groups and England")
    return query, gaps, heading
