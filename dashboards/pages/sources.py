"""Sources and methods: every loaded publication with its checksum, the series breaks, the
measures and terms, how intervals and significance are computed, and the build report."""
from __future__ import annotations

from pathlib import PurePosixPath

import pandas as pd
from dash import dcc, html

from .. import db
from ..components import message, page_shell
from ..context import warehouse
from ..figures import is_missing
from ..neighbours import METHOD as NEIGHBOURS_METHOD

PATH = "/sources"
TITLE = "Sources and methods: self-directed support uptake"
PREFIX = False

# The report's glossary (Chaos or Empowerment?, MHNE 2013, Table 1), in this project's words.
TERMS = [
    ("Personal budget",
     "The sum of money a council works out it will spend on meeting a person's assessed, "
     "eligible social care needs, made known to the person so they can plan how it is used."),
    ("Direct payment",
     "One way of receiving a personal budget: the council pays the money to the person (or "
     "someone acting for them), who arranges their own support and accounts for the spending. "
     "The other ways are a budget the council manages on the person's behalf, or one held by "
     "a third party such as a provider or trust."),
    ("Self-directed support",
     "The way councils organise care so that people know their budget up front and choose how "
     "their support is arranged; in the statistics, people receiving a personal budget or a "
     "direct payment."),
    ("FACS (Fair Access to Care Services)",
     "The national framework councils used, until the Care Act 2014 took effect in April 2015, to decide "
     "whether a person's needs were serious enough to qualify for council-funded care."),
    ("Personal health budget",
     "The NHS counterpart of a personal budget: an amount of NHS money for a person's health "
     "and wellbeing needs, planned with their care team, which can also be taken as a direct "
     "payment."),
]

POLARITY_WORDS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better",
                  "none": "neither (shown as higher or lower)"}
UNIT_WORDS = {"percent": "percentage", "count": "number of people", "rate_per_100000": "rate per 100,000",
              "gbp_per_head": "pounds per head"}

METHODS = [
    ("Confidence intervals for percentages",
     "Each percentage with a numerator and denominator has a 95% and a 99.8% confidence interval "
     "by the Wilson score method, which behaves well for small councils and for values near 0% or "
     "100%. Intervals are computed from the published counts."),
    ("Significantly higher or lower than England",
     "An area is significantly higher (or lower) than England when England's value lies outside "
     "the area's 95% interval, the convention Public Health England's Fingertips uses; otherwise it "
     "is similar. Whether higher is better depends on the measure's polarity (in the measures "
     "table): for uptake higher is better, so a significantly higher council is shown as better "
     "(\u25b2) and a lower one as worse (\u25bc); a measure without polarity says only higher or "
     "lower. Colour is never the only signal: each comparison also has a symbol and words."),
    ("Gaps from England",
     "A gap is the area's value minus England's for the same year, measure, age band and client "
     "group, in percentage points. Its 95% interval is Newcombe's hybrid score interval for the "
     "difference of two proportions (Newcombe 1998, method 10), from both sets of counts."),
    ("Rates",
     "Rates per 100,000 people have exact Poisson confidence intervals for the count, from the "
     "chi-square distribution, divided by the population."),
    ("Funnel plots",
     "Funnel plots draw 95% and 99.8% control limits around England's value for every size of "
     "denominator, using the exact binomial distribution. Where councils vary more than chance "
     "allows, the limits can be widened for over-dispersion as Spiegelhalter (2005) describes: "
     "z-scores winsorised at their 10th and 90th percentiles give the over-dispersion factor, and "
     "an additive between-council variance (tau-squared) widens the limits. The funnel page "
     "says which limits it shows."),
    ("Similar councils", NEIGHBOURS_METHOD),
    ("Counts rounded to the nearest 5",
     "Several publications (ASCOF 2014-15, SALT, the PSS-EX1 activity annexes and the report's "
     "Table 3) round counts to the nearest 5 to protect confidentiality. Intervals and gaps from "
     "rounded counts are therefore approximate, most of all for small councils and small client "
     "groups."),
    ("Values derived from SALT for 2021-22",
     "For 2021-22 uptake (self-directed support and direct payments) is derived here from the SALT "
     "data tables, not taken from ASCOF: people in each support setting are summed, and the values "
     "have the status 'derived'. A suppressed cell ([c], meaning 0 to 4 people) is counted as 2, "
     "the middle of its range, and the row's note says how many were. The derived values agree "
     "with the three published examples to within 0.2 points."),
    ("England and regional values",
     "England's and the regions' values are the published ones. Where a value is derived here, it "
     "is the sum of the numerators over the sum of the denominators, never an average of council "
     "percentages."),
    ("Published values are never corrected",
     "A value is shown as its publication printed it. Where a printed percentage does not match its "
     "own counts, or a printed cell was malformed, the row carries a note (marked \u2020 in tables) "
     "and the build report lists it; the value itself is left as published."),
]


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def _file_name(path: object) -> str:
    return PurePosixPath(_text(path).replace("\\", "/")).name


def sources_table(sources: pd.DataFrame, build_id: str | None) -> html.Table:
    caption = f"The {len(sources)} publications loaded in this build"
    caption += f" (build {build_id})." if build_id else "."
    head = html.Thead(html.Tr([html.Th(text, scope="col") for text in (
        "Publication", "Publisher", "Period", "Licence", "File and layout", "Rows", "SHA-256")]))
    body = []
    for row in sources.to_dict("records"):
        publication = [html.Strong(_text(row.get("title")) or _file_name(row.get("file_name")))]
        for label, key in (("Cites", "cites"), ("Transcription", "transcription")):
            if _text(row.get(key)):
                publication += [html.Br(), html.Span(f"{label}: {row[key]}", className="source-detail")]
        body.append(html.Tr([
            html.Td(publication, className="publication"),
            html.Td(_text(row.get("publisher"))),
            html.Td(_text(row.get("period"))),
            html.Td(_text(row.get("licence"))),
            html.Td([html.Span(_file_name(row.get("file_name")), className="file-name",
                               title=_text(row.get("file_name"))),
                     html.Br(), html.Span(["layout ", html.Code(_text(row.get("layout_id")))],
                                          className="source-detail")], className="file"),
            html.Td(f"{int(row['rows_loaded']):,}", className="number"),
            html.Td(html.Code(_text(row.get("sha256")), className="sha256")),
        ]))
    return html.Table([html.Caption(caption), head, html.Tbody(body)],
                      className="data-table sources-table", id="sources-table")


def series_break_tables(breaks: pd.DataFrame, measures: pd.DataFrame, areas: pd.DataFrame) -> list:
    """Changes of definition (by measure) and boundary changes (by area), each a table."""
    labels = dict(zip(measures["measure_id"], measures["label"]))
    names = dict(zip(areas["area_code"], areas["area_name"]))
    definitions = breaks[breaks["measure_id"].notna()].sort_values(["measure_id", "period"])
    boundaries = breaks[breaks["area_code"].notna()].sort_values(["period", "area_code"])
    parts = []
    if len(definitions):
        parts.append(html.Table([
            html.Caption("Changes of definition: values either side of a break are not comparable"),
            html.Thead(html.Tr([html.Th(t, scope="col") for t in ("Measure", "From year", "Kind", "What changed")])),
            html.Tbody([html.Tr([
                html.Th([labels.get(r["measure_id"], r["measure_id"]), " (", html.Code(r["measure_id"]), ")"],
                        scope="row"),
                html.Td(_text(r["period"])), html.Td(_text(r["kind"])), html.Td(_text(r["note"]))])
                for r in definitions.to_dict("records")]),
        ], className="data-table", id="definition-breaks"))
    if len(boundaries):
        parts.append(html.Table([
            html.Caption("Boundary changes: a merged or split council starts a new series"),
            html.Thead(html.Tr([html.Th(t, scope="col") for t in ("Council", "Code", "From year", "Kind", "What changed")])),
            html.Tbody([html.Tr([
                html.Th(names.get(r["area_code"], r["area_code"]), scope="row"), html.Td(r["area_code"]),
                html.Td(_text(r["period"])), html.Td(_text(r["kind"])), html.Td(_text(r["note"]))])
                for r in boundaries.to_dict("records")]),
        ], className="data-table", id="boundary-breaks"))
    return parts or [message("No series breaks are recorded.", element_id="breaks-message")]


def measures_table(measures: pd.DataFrame) -> html.Table:
    return html.Table([
        html.Caption("Measures in the warehouse"),
        html.Thead(html.Tr([html.Th(t, scope="col") for t in
                            ("Measure", "Code", "Unit", "Polarity", "ASCOF codes", "Definition")])),
        html.Tbody([html.Tr([
            html.Th(_text(r["label"]), scope="row"), html.Td(html.Code(r["measure_id"])),
            html.Td(UNIT_WORDS.get(r["unit"], _text(r["unit"]))),
            html.Td(POLARITY_WORDS.get(r["polarity"], _text(r["polarity"]))),
            html.Td(_text(r.get("ascof_codes"))),
            html.Td([_text(r["definition"])] + ([html.Br(), html.Span(
                f"Each row's note must name {r['note_must_name']}.", className="footnote")]
                if _text(r.get("note_must_name")) else [])),
        ]) for r in measures.to_dict("records")]),
    ], className="data-table", id="measures-table")


def terms_list() -> html.Dl:
    items = []
    for term, definition in TERMS:
        items += [html.Dt(term), html.Dd(definition)]
    return html.Dl(items, className="definitions", id="terms")


def methods_section() -> list:
    parts = []
    for heading, text in METHODS:
        parts += [html.H3(heading), html.P(text)]
    return parts


def build_report_section(report_path, build_id: str | None) -> list:
    heading = html.H2("Build report", id="build-report-heading")
    try:
        text = report_path.read_text(encoding="utf-8")
    except OSError:
        return [heading, message(f"No build report was found beside the database ({report_path.name}): "
                                 "rebuild with `python -m etl build` to write one.", element_id="build-report")]
    # The report's own top heading is replaced by this section's.
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    body = "\n".join("#" + line if line.startswith("#") else line for line in lines)
    intro = html.P(f"Written by the build that made this database{' (build ' + build_id + ')' if build_id else ''}: "
                   "rows loaded per file, files not recognised, and the data checks.", className="method")
    return [heading, intro, dcc.Markdown(body, id="build-report", className="build-report")]


def layout(**query: str) -> html.Div:
    title = html.H1("Sources and methods")
    wh = warehouse()
    try:
        sources = db.all_sources(wh)
        info = db.build_info(wh)
        breaks = db.series_breaks(wh)
        measures = db.measures(wh)
        areas = db.areas(wh)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [title, message(str(error))])
    build_id = info.get("build_id")
    return page_shell(PATH, [
        title,
        html.P(["Every figure on this site comes from a published source listed here, kept as "
                "published. This page lists the publications loaded, where series break, what each "
                "measure means and how the statistics are computed.",
                f" Build {build_id}." if build_id else ""], className="lede"),
        html.H2("Publications loaded"),
        html.P("The checksum (SHA-256) identifies the exact file loaded: anyone can check a copy of the "
               "file against it.", className="method"),
        sources_table(sources, build_id),
        html.H2("Series breaks"),
        *series_break_tables(breaks, measures, areas),
        html.H2("Measures and definitions"),
        measures_table(measures),
        html.H3("Terms"),
        terms_list(),
        html.H2("Methods"),
        *methods_section(),
        *build_report_section(wh.path.with_name("build_report.md"), build_id),
    ])
