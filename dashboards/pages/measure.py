"""A measure explained, /measure/<id>: definition, numerator and denominator, the publications
that give it year by year (with the publisher's page and file), series breaks, the quality
flags its values carry, what limits comparisons, and links to its data and charts: what a
reader needs before trusting a figure (after Fingertips' definitions tab).
"""
from __future__ import annotations

import urllib.parse

import pandas as pd
from dash import html

from .. import db
from ..components import measure_href, message, page_shell
from ..context import warehouse

PATH = "/measure/"
TITLE = "Measure definition: self-directed support uptake"
PREFIX = True
EXAMPLE = "sds_users"       # a path that exists, for tests and the README

UNIT_WORDS = {"percent": "percentage (0-100)", "count": "number of people", "rate_per_100000": "rate per 100,000",
              "gbp_thousands": "pounds (thousands)", "gbp_millions": "pounds (millions)",
              "gbp_per_head": "pounds per head"}
POLARITY_WORDS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better",
                  "none": "neither higher nor lower is better"}
KIND_WORDS = {"official_with_counts": "official file with counts", "published_without_counts":
              "published value without counts", "derived": "derived here from published counts"}


def missing(rest: str) -> tuple[str, str] | None:
    """(title, text) of the 404 for /measure/<rest> when there is no such measure, else None."""
    measure_id = rest.strip("/")
    if db.measure(warehouse(), measure_id) is not None:
        return None
    known = ", ".join(db.measures(warehouse())["measure_id"])
    return "No such measure", f"There is no measure called \u201c{measure_id[:40]}\u201d. The measures are: {known}."


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _link(text: str, url: str) -> html.A | str:
    return html.A(text, href=url) if url else text


def definition_list(measure: dict) -> html.Dl:
    terms = [("Definition", _text(measure.get("definition"))),
             ("Numerator", _text(measure.get("numerator_definition"))),
             ("Denominator", _text(measure.get("denominator_definition")) or "None: the figure is a number, not a share."),
             ("Publisher's codes", _text(measure.get("ascof_codes")) or "None"),
             ("Unit", UNIT_WORDS.get(measure["unit"], measure["unit"])),
             ("Polarity", POLARITY_WORDS.get(measure["polarity"], measure["polarity"])),
             ("Measure id", measure["measure_id"])]
    return html.Dl([part for term, text in terms for part in (html.Dt(term), html.Dd(text))],
                   className="measure-definition", id="measure-definition")


def sources_table(sources: pd.DataFrame) -> html.Div:
    """One row per year and publication: which figure is shown, and where to check it."""
    if sources.empty:
        return html.P("No loaded publication gives this measure yet: the Sources page says what each "
                      "needs (a rate, for example, needs population estimates for the same years).",
                      id="measure-sources", className="message")
    rows = []
    for row in sources.itertuples():
        title = _text(row.cites) or _text(row.title) or row.source_id
        file_url = _text(row.file_url)
        rows.append(html.Tr([
            html.Th(row.period, scope="row"),
            html.Td([_link(title, _text(row.landing_page)), html.Br(), html.Span(_text(row.publisher), className="muted")]),
            html.Td(_link("the file", file_url) if file_url else "publisher's page only"),
            html.Td(("shown" if row.shown else "loaded, not shown (compared on the Sources page)")
                    + f"; {KIND_WORDS.get(row.source_kind, _text(row.source_kind))}; {row.rows:,} rows"),
        ]))
    table = html.Table([
        html.Caption("Publications giving this measure, by year"),
        html.Thead(html.Tr([html.Th("Year", scope="col"), html.Th("Publication and publisher", scope="col"),
                            html.Th("File", scope="col"), html.Th("Used", scope="col")])),
        html.Tbody(rows)], id="measure-sources")
    return html.Div(table, className="table-box", tabIndex=0, role="region",
                    **{"aria-label": "Publications by year"})


def breaks_section(breaks: pd.DataFrame) -> list:
    if breaks.empty:
        return [html.P("No change of definition is recorded for this measure.")]
    items = [html.Li([html.Strong(f"{row.period}: "),
                      "code renamed, not a break. " if row.kind == "rename" else "series break (lines are not "
                      "joined across it). ", row.note]) for row in breaks.itertuples()]
    return [html.Ul(items, id="measure-breaks")]


def flags_section(flags: pd.DataFrame) -> list:
    if flags.empty:
        return [html.P("None of the figures shown for this measure carries a quality flag.")]
    items = [html.Li([html.Strong(row.label), f" ({row.quality_flag}): {row.explanation} ",
                      f"{row.rows:,} figure{'s' if row.rows != 1 else ''} in {row.periods}"
                      + ("; never ranked against England." if row.suppresses_comparison else ".")])
             for row in flags.itertuples()]
    return [html.Ul(items, id="measure-flags")]


def comparability_section(notes: dict[str, pd.DataFrame]) -> list:
    items = []
    for row in notes["caveats"].itertuples():
        scope = " ".join(part for part in (_text(row.period), "England" if _text(row.area_code) == db.ENGLAND
                                           else _text(row.area_code)) if part)
        items.append(html.Li(([html.Strong(f"{scope}: ")] if scope else []) + [row.note]))
    items += [html.Li(["Client groups: ", note]) for note in notes["client_groups"]["comparability_note"]]
    items.append(html.Li("Council mergers and splits (Bournemouth, Christchurch and Poole; Dorset; "
                         "Northamptonshire; Cumbria) start new series; councils that were only recoded "
                         "(Buckinghamshire, North Yorkshire, Somerset) continue under their new code."))
    return [html.Ul(items, id="measure-comparability")]


def links_section(measure_id: str, unit: str) -> list:
    """The measure's rows from the API, and each chart view that can show it."""
    wh = warehouse()
    catalogue = db.catalogue(wh)
    own = catalogue[(catalogue["measure_id"] == measure_id) & (catalogue["councils"] > 0)]
    encoded = urllib.parse.quote(measure_id, safe="")
    # The API refuses a measure with no rows (400), so only a loaded one gets links.
    data = [html.Li(html.A("All figures for this measure as CSV", href=f"/api/v1/observations.csv?measure={encoded}")),
            html.Li(html.A("The same as JSON", href=f"/api/v1/observations.json?measure={encoded}"))] \
        if measure_id in set(catalogue["measure_id"]) else [html.Li("No figures are loaded for this measure.")]
    charts = []
    if not own.empty:
        latest = own.sort_values(["period", "councils"]).iloc[-1]
        query = urllib.parse.urlencode({"measure": measure_id, "period": latest["period"],
                                        "age_band": latest["age_band"], "client_group": latest["client_group"]})
        charts.append(html.Li(html.A(f"Compare councils, {latest['period']}", href=f"/?{query}")))
        charts.append(html.Li(html.A(f"Map, {latest['period']}", href=f"/map?{query}")))
        counted = db.counted_catalogue(wh)
        if unit == "percent" and not counted[(counted["measure_id"] == measure_id) & (counted["councils"] > 0)].empty:
            charts.append(html.Li(html.A(f"Funnel plot, {latest['period']}", href=f"/funnel?{query}")))
        if (own["client_group"] != "all").any():
            charts.append(html.Li(html.A("Client groups", href="/client-groups")))
    charts.append(html.Li(html.A("England's profile, with every measure's trend", href=f"/area/{db.ENGLAND}")))
    return [html.H3("Data"), html.Ul(data, id="measure-data-links"),
            html.H3("Charts"), html.Ul(charts, id="measure-chart-links")]


def layout(code: str = "", **_query) -> html.Div:
    measure_id = code.strip("/")
    path = measure_href(measure_id)
    measure = db.measure(warehouse(), measure_id)
    if measure is None:
        title, text = missing(measure_id)
        return page_shell(path, [html.H1(title), message(text),
                                 html.A("Sources and methods lists every measure", href="/sources#measures")],
                          title=title)
    notes = db.measure_notes(warehouse(), measure_id)
    return page_shell(path, [
        html.H1(measure["label"], id="measure-title"),
        definition_list(measure),
        html.H2("Source publications by year", id="sources"),
        sources_table(db.measure_sources(warehouse(), measure_id)),
        html.H2("Series breaks", id="breaks"), *breaks_section(notes["breaks"]),
        html.H2("Quality flags in force", id="flags"), *flags_section(notes["flags"]),
        html.H2("Comparability", id="comparability"), *comparability_section(notes),
        html.H2("Data and charts", id="links"), *links_section(measure_id, measure["unit"]),
        html.P(["How every figure is read, checked and compared: ", html.A("Sources and methods", href="/sources"),
                "."], className="method"),
    ], title=measure["label"])
