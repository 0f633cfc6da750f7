"""Mental-health lens, /mental-health: are people with mental health needs left behind in
self-directed support, and is that changing? Everything the loaded data allow, each year and
place stated: the share of 18-64 direct payments going to mental-health clients (PSS-EX1,
2006-07 to 2012-13), the report's 2011-12 North East table, England's 2021-22 uptake by primary
support reason, 2014-15 spending on direct payments by client group, and which years and
places have no figure and why. `region=` picks the councils drawn; `council=` (code or name)
marks the reader's council. Pure parts: mental_health_views.py, figures/mental_health.py."""
from __future__ import annotations

import urllib.parse

import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from .. import caveats, db, geography
from ..charts import Chart, ChartRequestError, register
from ..components import caveat_list, control_bar, message, page_shell, select_control, source_line
from ..context import warehouse
from ..figures.mental_health import describe_reasons, describe_shares, reasons_chart, share_lines
from ..labels import AGE_BANDS, CLIENT_GROUPS
from ..routing import query_parameters
from ..sharing import share_panel
from . import client_groups
from .mental_health_blocks import (DP_RUNS_LABEL, UPTAKE_MEASURES, block, gap_list, not_held_titles, pivot_table,
                                   publications_for, report_table_view, spending_view)
from .mental_health_views import (DP_MEASURE, ENGLAND, change_sentence, client_group_sentence, comparable_runs,
                                  definition_breaks, dp_shares, financial_years, mental_health_years, reason_period,
                                  share_gaps, share_sentence, year_gap_sentences, year_phrase)

PATH = "/mental-health"
TITLE = "Mental health: self-directed support uptake"
PAGE_TITLE = "Mental health: left behind in self-directed support?"
PREFIX = False
DEFAULT_REGION = "E12000001"     # the report's region: North East
DP_VIEW, REASONS_VIEW = "mental-health-dp-share", "mental-health-reasons"


# ---- what the URL asks for ------------------------------------------------------------------

def resolve(query: dict[str, str]) -> tuple[str, str | None]:
    """(region code, reader's council code or None): a council named in the URL brings its region
    when the URL names none; an unknown region falls back to the report's."""
    wh = warehouse()
    councils = db.areas(wh, "council")
    council = geography.council_code(query.get("council"), councils)
    regions = list(db.areas(wh, "region")["area_code"])
    home = councils.set_index("area_code")["region_code"].get(council) if council else None
    region = next(r for r in (query.get("region"), home, DEFAULT_REGION) if r in regions)
    return region, council


def _query(region: str, council: str | None) -> dict[str, str]:
    return {"region": region, **({"council": council} if council else {})}


def _refuse(query: dict[str, str], region: str, council: str | None) -> None:
    """An embedded chart must show what its URL says."""
    if query.get("council", "").strip() and council is None:
        raise ChartRequestError(f"council={query['council'][:40]!r} is not a council: give its code or name.")
    if query.get("region") and query["region"] != region:
        raise ChartRequestError(f"region={query['region'][:40]!r} is not a region code.",
                                valid=list(db.areas(warehouse(), "region")["area_code"]))


# ---- direct payments to mental-health clients, as a share -----------------------------------

def dp_share_data(region: str) -> dict:
    """Everything the share chart, its table and its gap sentences need for one region."""
    wh = warehouse()
    catalogue = db.catalogue(wh)
    held = catalogue[(catalogue["measure_id"] == DP_MEASURE) & (catalogue["client_group"] == "mental_health")
                     & (catalogue["age_band"] == "18-64") & (catalogue["councils"] > 0)]
    if held.empty:
        return {}
    periods = financial_years(held["period"].min(), held["period"].max())
    rows = db.observations(wh, measure_id=DP_MEASURE, period=sorted(set(held["period"])), age_band="18-64",
                           client_group=["mental_health", "all"])
    rows = rows[((rows["area_type"] == "council") & (rows["region_code"] == region))
                | rows["area_code"].isin([region, ENGLAND])]
    breaks = definition_breaks(db.series_breaks(wh), DP_MEASURE)
    runs = comparable_runs(periods, list(breaks["period"]))
    # Runs between the first and the last counted something else for a while: banded on the chart.
    changed = [p for run in runs[1:-1] for p in run]
    alive = {p: frame[frame["region_code"] == region]
             for p, frame in ((p, db.councils_alive(wh, p)) for p in sorted(set(held["period"])))}
    shares = dp_shares(rows)
    return {"rows": rows, "shares": shares, "periods": periods, "runs": runs, "breaks": breaks,
            "changed": {p: DP_RUNS_LABEL.format(note=_quoted(breaks)) for p in changed},
            "gaps": share_gaps(shares, periods, alive, not_held_titles(rows, periods)),
            "region_name": db.area(wh, region)["area_name"]}


def _quoted(breaks: pd.DataFrame) -> str:
    """The definition the break notes quote ('direct payments and personal budgets')."""
    for note in breaks["note"]:
        if note.count("'") >= 2:
            return note.split("'")[1]
    return "another definition"


@register(DP_VIEW, ("region", "council"))
def dp_share_chart(query: dict[str, str]) -> Chart | None:
    region, council = resolve(query)
    _refuse(query, region, council)
    data = dp_share_data(region)
    if not data:
        return None
    shares, periods = data["shares"], data["periods"]
    years = year_phrase(sorted(set(shares["period"])), periods)
    scope = f"councils in {data['region_name']}"
    name = db.area(warehouse(), council)["area_name"] if council else ""
    return Chart(
        view=DP_VIEW, title="Direct payments to adults aged 18-64 with mental health needs, as a share of all "
                            "18-64 direct payments",
        subtitle=f"{years}, {scope}, against {data['region_name']} and England"
                 + (f", {name} highlighted" if name and council in set(shares["area_code"]) else ""),
        figure=share_lines(shares, periods, data["runs"], data["changed"], region_code=region, highlight=council),
        rows=data["rows"].sort_values(["area_type", "area_name", "period", "client_group"]).reset_index(drop=True),
        method=("Share: people aged 18-64 receiving direct payments whose client group is mental health, divided by "
                "all people aged 18-64 receiving direct payments, at 31 March, from the same council's counts "
                "(rounded to the nearest 5 from 2008-09). Regions and England as published or summed from councils. "
                "Lines are not joined across a change of definition or a year with no figure."),
        description=describe_shares(shares, periods, scope=scope, region_code=region, highlight=council),
        page_url=f"{PATH}?{urllib.parse.urlencode(_query(region, council))}",
        resolved=_query(region, council), aliases={"council": name} if name else {})


def _share_table(data: dict, council: str | None) -> html.Div:
    shares, periods = data["shares"], [p for p in data["periods"] if p in set(data["shares"]["period"])]
    order = shares.assign(_rank=shares["area_type"].map({"council": 0, "region": 1, "country": 2}))
    areas = order.sort_values(["_rank", "area_name"]).drop_duplicates("area_code")
    def cell(code: str, period: str):
        row = shares[(shares["area_code"] == code) & (shares["period"] == period)]
        if row.empty:
            return html.Td("not listed", className="number muted")
        r = row.iloc[0]
        if pd.isna(r["share"]):
            status = r["mental_health_status"] if isinstance(r["mental_health_status"], str) else "no figure"
            return html.Td(status.replace("_", " "), className="number muted")
        return html.Td(f"{r['share']:.1f}% ({r['mental_health']:,.0f} of {r['all_18_64']:,.0f})", className="number")
    caption = f"Share of 18-64 direct payments going to mental-health clients, {data['region_name']} and England"
    body = [html.Tr([html.Th(("\u25c6 " if a.area_code == council else "") + a.area_name, scope="row"),
                     *[cell(a.area_code, p) for p in periods]],
                    className="highlight" if a.area_code == council else None) for a in areas.itertuples()]
    table = html.Table([html.Caption(caption),
                        html.Thead(html.Tr([html.Th("Area", scope="col")] + [html.Th(p, scope="col") for p in periods])),
                        html.Tbody(body)], className="data-table", id="mh-dp-table")
    return html.Div(table, className="table-box", tabIndex="0", role="region", **{"aria-label": caption})


def dp_block(region: str, council: str | None) -> list:
    data = dp_share_data(region)
    if not data:
        return [message("No counts of direct payments by client group are loaded.", element_id="mh-dp-message")]
    chart = dp_share_chart(_query(region, council))
    shares = data["shares"]
    latest = shares["period"].max()
    lede = [s for s in (share_sentence(shares, latest, [council, region, ENGLAND]),
                        change_sentence(shares, data["runs"], ENGLAND),
                        change_sentence(shares, data["runs"], council) if council else None) if s]
    years = year_phrase(sorted(set(shares["period"])), data["periods"])
    heading = (f"Direct payments, {years}: share to mental-health clients aged 18-64, "
               f"councils in {data['region_name']} and England")
    return block("mh-dp", chart, lede=lede, heading=heading, table=_share_table(data, council), gaps=data["gaps"],
                 caveat_sentences=caveats.for_chart(chart), share=share_panel(chart, "mh-dp"),
                 source=source_line(db.sources(warehouse(), sorted(set(chart.rows["source_id"]))),
                                    element_id="mh-dp-source", measure_ids=[DP_MEASURE]))


# ---- England's uptake by primary support reason ----------------------------------------------

@register(REASONS_VIEW, ("age_band",))
def reasons_chart_view(query: dict[str, str]) -> Chart | None:
    wh = warehouse()
    period = reason_period(db.catalogue(wh))
    if period is None:
        return None
    rows = db.observations(wh, measure_id=list(UPTAKE_MEASURES), period=period, area_codes=[ENGLAND])
    bands = [b for b in ("18-64", "65+", "all") if b in set(rows["age_band"])]
    band = query.get("age_band") or "18-64"
    if band not in bands:
        raise ChartRequestError(f"age_band={band[:20]!r} has no figures by reason.", valid=bands)
    rows = rows[(rows["age_band"] == band)].sort_values(["measure_id", "client_group"]).reset_index(drop=True)
    what = f"uptake by primary support reason, {AGE_BANDS[band]}, England, {period}"
    return Chart(
        view=REASONS_VIEW, title="Self-directed support and direct payments by primary support reason",
        subtitle=f"England, {period}, {AGE_BANDS[band]}", figure=reasons_chart(rows, CLIENT_GROUPS),
        rows=rows, method=("Shares of people receiving long-term community support, derived from SALT's England "
                           "table of support setting by primary support reason (T39); a suppressed cell counts "
                           "as 2. Councils' figures by reason are not published."),
        description=describe_reasons(rows, CLIENT_GROUPS, what=what),
        page_url=f"{PATH}#mh-reasons", resolved={"age_band": band})


def reasons_block() -> list:
    chart = reasons_chart_view({})
    if chart is None:
        return [message("No uptake figures by primary support reason are loaded.", element_id="mh-reasons-message")]
    rows = chart.rows.pivot_table(index="client_group", columns="measure_id", values="value", aggfunc="first")
    caption = f"{chart.title}: {chart.subtitle}"
    table = html.Div(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(t, scope="col") for t in ("Primary support reason", "Self-directed support",
                                                              "Direct payments")])),
        html.Tbody([html.Tr([html.Th(CLIENT_GROUPS.get(g, g).capitalize(), scope="row"),
                             *[html.Td("" if pd.isna(r.get(m)) else f"{r.get(m):.1f}%", className="number")
                               for m in ("sds_users", "dp_users")]]) for g, r in rows.iterrows()])],
        className="data-table", id="mh-reasons-table"), className="table-box", tabIndex="0", role="region",
        **{"aria-label": caption})
    period = chart.subtitle.split(", ")[1]
    gaps = [f"{period}: councils' figures by primary support reason and type of support are not in the loaded "
            "tables, so this chart is for England only."]
    lede = []
    for measure_id, words in (("dp_users", "direct payments"), ("sds_users", "self-directed support")):
        if measure_id in rows and "mental_health" in rows.index and "all" in rows.index:
            lede.append(f"{rows.at['mental_health', measure_id]:.1f}% of adults aged 18-64 supported for mental health "
                        f"received {words} in England in {period}, against {rows.at['all', measure_id]:.1f}% for all "
                        "primary support reasons.")
    heading = f"Uptake by primary support reason, England, {period}: mental health beside the others"
    return block("mh-reasons", chart, lede=lede, heading=heading, table=table, gaps=gaps, caveat_sentences=caveats.for_chart(chart),
                 share=share_panel(chart, "mh-reasons"),
                 source=source_line(db.sources(warehouse(), sorted(set(chart.rows["source_id"]))),
                                    element_id="mh-reasons-source", measure_ids=list(UPTAKE_MEASURES)))


# ---- the report's table and the spending shares: the Client groups view --------------------

def client_groups_block(prefix: str, view_query: dict[str, str] | None, gaps: list[str], heading: str,
                        label: str) -> list:
    if view_query is None:
        return [message("No figures are loaded for this part.", element_id=f"{prefix}-message")]
    chart = client_groups.chart_from_query(view_query)
    rows = chart.rows
    council = view_query.get("council")
    lede = client_group_sentence(rows, period=view_query["period"], label=label,
                                 codes=[ENGLAND, view_query["region"], council])
    table = pivot_table(rows, caption=f"{chart.title}: {chart.subtitle}", table_id=f"{prefix}-table",
                        highlight=council)
    return block(prefix, chart, lede=[lede] if lede else [], heading=heading, table=table, gaps=gaps,
                 caveat_sentences=caveats.for_chart(chart), share=share_panel(chart, prefix),
                 source=source_line(db.sources(warehouse(), sorted(set(rows["source_id"].dropna()))),
                                    element_id=f"{prefix}-source", measure_ids=sorted(set(rows["measure_id"].dropna()))),
                 open_link=client_groups.PATH + chart.query)


def spending_block(region: str, council: str | None) -> list:
    view_query, gaps, heading = spending_view(region, council)
    return client_groups_block("mh-spend", view_query, gaps, heading,
                               "direct payments' share of community spending")


# ---- the page -----------------------------------------------------------------------------

def years_section() -> html.Section:
    catalogue = db.catalogue(warehouse())
    uptake = catalogue[catalogue["measure_id"].isin([*UPTAKE_MEASURES, DP_MEASURE, "dp_spend_share"])]
    years = mental_health_years(uptake)
    councils = years[years["councils"] > 0]
    first, last = (councils["period"].min(), catalogue["period"].max()) if len(councils) else (None, None)
    missing = [p for p in financial_years(first, last) if p not in set(years["period"])] if first else []
    sentences = year_gap_sentences(years, first, last, publications_for(missing)) if first else []
    return html.Section([html.H2("Years with no figure for mental health, and why", id="mh-years-heading"),
                         gap_list(sentences, "mh-years-gaps")], className="mh-block", id="mh-years",
                        **{"aria-labelledby": "mh-years-heading"})


def layout(**query: str) -> html.Div:
    title = html.H1(PAGE_TITLE)
    try:
        region, council = resolve(query)
        regions = db.areas(warehouse(), "region")
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [title, message(str(error))], title=PAGE_TITLE)
    unknown = [] if council or not query.get("council", "").strip() else [message(
        f"No council is called or has the code \u201c{query['council'].strip()[:60]}\u201d, so none is marked.",
        element_id="mh-council-message")]
    report_query, report_gaps, report_heading = report_table_view(council)
    return page_shell(PATH, [
        title,
        html.P("The report Chaos or Empowerment? (2013) asked whether people with mental health needs are left "
               "behind in self-directed support. These are all the figures loaded here that answer it, each with "
               "its year and place; the last section says which years have none.", className="lede"),
        *unknown,
        control_bar([select_control("mh-region", "Councils in", list(zip(regions["area_code"], regions["area_name"])),
                                    region, class_name="control-region")],
                    label="Choose the region", bar_id="mh-controls"),
        html.Div(dp_block(region, council), id="mh-dp-panel", **{"aria-live": "polite"}),
        html.Div(client_groups_block("mh-report", report_query, report_gaps, report_heading,
                                                     "self-directed support"), id="mh-report-panel"),
        html.Div(reasons_block(), id="mh-reasons-panel"),
        html.Div(spending_block(region, council), id="mh-spend-panel", **{"aria-live": "polite"}),
        years_section(),
    ], location_id="mh-url", title=PAGE_TITLE)


@callback(Output("mh-dp-panel", "children"), Output("mh-spend-panel", "children"), Output("mh-url", "search"),
          Input("mh-region", "value"), State("mh-url", "search"), prevent_initial_call=True)
def update_region(region, search=None):
    """A new region: its councils in the two per-council charts; the reader's council is kept."""
    kept = query_parameters(search)
    region, council = resolve({**kept, "region": region})
    return dp_block(region, council), spending_block(region, council), "?" + urllib.parse.urlencode(
        _query(region, council))
