"""Sources and methods: every loaded publication, every file the build read (with its checksum
and the build's own report: the one place file names are shown, since there they are the
point), which source is shown where several overlap and how far the others differ, the quality
flags, the series breaks, the measures and terms, and how intervals and significance are
computed."""
from __future__ import annotations

import re
from pathlib import PurePosixPath

import pandas as pd
from dash import dcc, html

from .. import db
from ..components import message, page_shell
from ..context import warehouse
from ..figures import CAVEAT_MARK, format_value, is_missing
from ..labels import breakdown_label
from ..neighbours import METHOD as NEIGHBOURS_METHOD

PATH = "/sources"
TITLE = "Sources and methods: self-directed support uptake"
PAGE_TITLE = "Sources and methods"
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
              "gbp_per_head": "pounds per head", "gbp_thousands": "thousands of pounds",
              "gbp_millions": "millions of pounds"}

# build_files.outcome in words, in the order a reader needs them: what went wrong first.
FILE_OUTCOMES = {"refused": "Refused", "unrecognised": "Not recognised", "duplicate": "Skipped: duplicate",
                 "reference": "Reference file, not loaded as figures", "loaded": "Loaded"}
# How the summary sentence counts each outcome (singular, plural); the first four always appear.
FILE_COUNT_WORDS = {"loaded": ("loaded", "loaded"), "refused": ("refused", "refused"),
                    "unrecognised": ("not recognised", "not recognised"),
                    "duplicate": ("duplicate", "duplicates"), "reference": ("reference file", "reference files")}
ALWAYS_COUNTED = ("loaded", "refused", "unrecognised", "duplicate")

BREAK_TABLE_LABELS = {"definition-breaks": "Changes of definition", "boundary-breaks": "Boundary changes"}

# The page's sections, for the contents list at the top (id, heading).
SECTIONS = [
    ("publications", "Publications loaded"),
    ("files", "Files this build read"),
    ("precedence", "Which figure is shown when sources overlap"),
    ("overlaps", "Where sources overlap"),
    ("quality-flags", "Quality flags"),
    ("breaks", "Series breaks"),
    ("measures", "Measures and definitions"),
    ("methods", "Methods"),
]

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
    ("Uptake for 2017-18 to 2023-24 without counts",
     "For 2018-19, 2019-20 and 2021-22 to 2023-24, councils' uptake comes from an analyst's stack of "
     "ASCOF's published values (the official open data files for those years are not loaded here). "
     "The stack prints each percentage but not the counts behind it, so those values have no "
     "confidence interval and are not marked better or worse than England. Where an official file "
     "with counts gives the same figure (2017-18, 2020-21), the official one is shown and the stack "
     "is checked against it (see 'Where sources overlap')."),
    ("Values derived from SALT for 2021-22",
     "For 2021-22, uptake by age band and client group (self-directed support and direct payments) "
     "and England's carers by age band are derived here from the SALT data tables: people in each "
     "support setting are summed, and the values have the status 'derived'. SALT counts carers of "
     "all ages, young carers included, where ASCOF counts adults. A suppressed "
     "cell ([c], meaning 0 to 4 people) is counted as 2, the middle of its range, and the row's "
     "note says how many were. Where ASCOF's published value exists it is shown instead, and the "
     "derived value is compared with it under 'Where sources overlap'."),
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


def scroll_box(table: html.Table, label: str, box_id: str | None = None) -> html.Div:
    """A wide table scrolls sideways inside its own box, so the page itself never does on a
    phone. The box is focusable and named, so a keyboard can scroll it too."""
    return html.Div(table, className="table-scroll", tabIndex="0", role="region",
                    **{"aria-label": label}, **({"id": box_id} if box_id else {}))


def source_names(sources: pd.DataFrame) -> dict[str, str]:
    """Each source's title; where several files share a title (one per year), title and period."""
    titles = [_text(title) or _file_name(name) for title, name in zip(sources["title"], sources["file_name"])]
    shared = pd.Series(titles).duplicated(keep=False).tolist()
    return {source_id: f"{title}, {_text(period)}" if is_shared and _text(period) else title
            for source_id, title, period, is_shared in zip(sources["source_id"], titles, sources["period"], shared)}


def kind_labels(precedence: pd.DataFrame) -> dict[str, str]:
    return dict(zip(precedence["source_kind"], precedence["label"]))


def source_links(row: dict) -> list:
    """The publisher's page and the file itself, named so a screen reader's list of links says
    which publication each one checks (every row's links would otherwise read the same)."""
    name = _text(row.get("title")) or _file_name(row.get("file_name"))
    period = _text(row.get("period"))
    about = f"{name}, {period}" if period else name
    links = []
    if _text(row.get("landing_page")):
        links.append(html.A("Publisher's page", href=row["landing_page"], rel="external",
                            title=f"Publisher's page: {about}", className="landing-page"))
    if _text(row.get("file_url")):
        links += [html.Br(), html.A("The file", href=row["file_url"], rel="external",
                                    title=f"The published file: {about}", className="file-url")]
    return links or ["Not known"]


def sources_table(sources: pd.DataFrame, build_id: str | None, kinds: dict[str, str] | None = None) -> html.Table:
    """One row per publication: what it is, its years (beside its name: several share a title),
    who published it, its licence, how many rows it gave. Its file (name and checksum) is listed under "Files this build read"."""
    caption = f"The {len(sources)} publications loaded in this build"
    caption += f" (build {build_id})." if build_id else "."
    head = html.Thead(html.Tr([html.Th(text, scope="col", className="number" if text == "Rows" else None)
                               for text in ("Publication", "Period", "Publisher", "Check it at", "Licence",
                                            "Rows")]))
    body = []
    for row in sources.to_dict("records"):
        publication = [html.Strong(_text(row.get("title")) or _file_name(row.get("file_name")))]
        for label, key in (("Cites", "cites"), ("Transcription", "transcription")):
            if _text(row.get(key)):
                publication += [html.Br(), html.Span(f"{label}: {row[key]}", className="source-detail")]
        kind = _text(row.get("source_kind"))
        if kind:
            publication += [html.Br(), html.Span(f"Kind: {(kinds or {}).get(kind, kind)}", className="source-detail")]
        body.append(html.Tr([
            html.Td(publication, className="publication"),
            html.Td(html.Span(_text(row.get("period")), className="period-list"), className="period"),
            html.Td(_text(row.get("publisher"))),
            html.Td(source_links(row), className="source-links"),
            html.Td(_text(row.get("licence"))),
            html.Td(f"{int(row['rows_loaded']):,}", className="number"),
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


# -- files the build read ----------------------------------------------------------------------
def ordered_files(files: pd.DataFrame) -> pd.DataFrame:
    """Refused files first, then not recognised, duplicates and loaded; by name within each."""
    rank = {outcome: position for position, outcome in enumerate(FILE_OUTCOMES)}
    return files.assign(_rank=files["outcome"].map(rank).fillna(len(rank))).sort_values(
        ["_rank", "file_name"]).drop(columns="_rank").reset_index(drop=True)


def files_summary(files: pd.DataFrame) -> str:
    """'This build read 27 files: 25 loaded, 0 refused, 2 not recognised, 0 duplicates.' Other
    outcomes (reference files, any the build adds later) are counted only when present."""
    counts = files["outcome"].value_counts()
    present = [o for o in counts.index if o not in ALWAYS_COUNTED]
    phrases = []
    for outcome in [*ALWAYS_COUNTED, *sorted(present)]:
        n = int(counts.get(outcome, 0))
        singular, plural = FILE_COUNT_WORDS.get(outcome, (outcome, outcome))
        phrases.append(f"{n:,} {singular if n == 1 else plural}")
    return f"This build read {len(files):,} files: " + ", ".join(phrases) + "."


def breakable(name: str) -> list:
    """A file path with a line-break opportunity after each / _ - and ., so a narrow column
    wraps it between words rather than mid-word."""
    parts = re.split(r"(?<=[/_.-])", name)
    return [piece for part in parts if part for piece in (part, html.Wbr())][:-1] or [name]


def files_table(files: pd.DataFrame, sources: pd.DataFrame) -> html.Table:
    loaded_as = {row["file_name"]: row for row in sources.to_dict("records")}
    body = []
    for row in ordered_files(files).to_dict("records"):
        outcome = row["outcome"]
        if outcome == "loaded" and row["file_name"] in loaded_as:
            source = loaded_as[row["file_name"]]
            detail = [f"{_text(source.get('title')) or 'Loaded'}: {int(source['rows_loaded']):,} rows.", html.Br(),
                      html.Span(["SHA-256 ", html.Code(_text(source.get("sha256")), className="sha256")],
                                className="source-detail")]
        else:
            detail = _text(row.get("reason"))
        outcome_words = (CAVEAT_MARK + " " if outcome == "refused" else "") + FILE_OUTCOMES.get(outcome, outcome)
        # Outcome and details share a column so the table fits a phone without scrolling.
        body.append(html.Tr([
            html.Th(html.Span(breakable(_text(row["file_name"])), className="file-name"), scope="row"),
            html.Td([html.Strong(outcome_words, className="outcome"), html.Br(),
                     *(detail if isinstance(detail, list) else [detail])]),
        ], className=f"file-{outcome}"))
    return html.Table([
        html.Caption("Every file in the raw folders, and what the build did with it"),
        html.Thead(html.Tr([html.Th(t, scope="col") for t in ("File", "What the build did")])),
        html.Tbody(body),
    ], className="data-table files-table", id="files-table")


def files_section(files: pd.DataFrame, sources: pd.DataFrame) -> list:
    if files.empty:
        return [message("This database does not record the files its build read: it was built by an older "
                        "version of this site, and the next rebuild of the data will record them.",
                        element_id="files-message")]
    parts = [html.P(files_summary(files) + " A refused file could not be trusted (damaged, too large, "
                    "or holding a value that cannot be read), so none of its figures are on this site; "
                    "the reason names the file and, where there is one, the sheet, row and cell. A file "
                    "no layout recognises is skipped, with the closest layout and what it lacked. The "
                    "checksum (SHA-256) of each file loaded identifies it exactly: anyone can check a copy "
                    "of the file against it.", className="method")]
    refused = int((files["outcome"] == "refused").sum())
    if refused:
        parts.append(message(f"{CAVEAT_MARK} {refused} file{'s were' if refused != 1 else ' was'} refused: "
                             "figures from it are missing from this site until it is fixed or replaced.",
                             element_id="refused-files-message"))
    parts.append(scroll_box(files_table(files, sources), "Files this build read", "files-box"))
    return parts


# -- which source is shown --------------------------------------------------------------------
def precedence_section(precedence: pd.DataFrame) -> list:
    return [
        html.P("Several sources can give the same figure: the same area, year, measure, age band and "
               "client group. The site then shows one of them, chosen by the kind of source in this "
               "order. Among sources of the same kind, one with counts (which can have a confidence "
               "interval) comes before one without. The others are kept and checked against the one "
               "shown: see 'Where sources overlap' below."),
        html.Ol([html.Li([html.Strong(_text(r["label"])), ": ", _text(r["description"])])
                 for r in precedence.sort_values("precedence").to_dict("records")],
                id="source-precedence", className="precedence"),
    ]


# -- where sources overlap --------------------------------------------------------------------
OVERLAP_KEYS = ["measure_id", "period", "shown_source", "shown_kind", "other_source", "other_kind"]


def overlap_summary(differences: pd.DataFrame) -> pd.DataFrame:
    """One row per measure, year, source shown and other source: how many values both give, how
    many differ beyond rounding, and the largest difference either way."""
    if differences.empty:
        return pd.DataFrame(columns=OVERLAP_KEYS + ["compared", "beyond_rounding", "largest"])
    frame = differences.assign(size=differences["difference"].abs(),
                               beyond=differences["beyond_rounding"].astype("boolean").fillna(False).astype(int))
    summary = frame.groupby(OVERLAP_KEYS, dropna=False).agg(
        compared=("other_value", "size"), beyond_rounding=("beyond", "sum"), largest=("size", "max")).reset_index()
    return summary.sort_values(["period", "measure_id", "shown_source", "other_source"]).reset_index(drop=True)


def beyond_rounding(differences: pd.DataFrame) -> pd.DataFrame:
    """The values that differ from the one shown by more than rounding explains, largest first
    within each measure and year."""
    if differences.empty:
        return differences
    chosen = differences[differences["beyond_rounding"].astype("boolean").fillna(False)]
    return chosen.assign(_size=chosen["difference"].abs()).sort_values(
        ["period", "measure_id", "_size", "area_name"], ascending=[True, True, False, True]).drop(
        columns="_size").reset_index(drop=True)


def difference_size(value: object, unit: str) -> str:
    """'38.2 points' for percentages, otherwise the value in the measure's own unit."""
    if is_missing(value):
        return "no data"
    return f"{abs(value):.1f} points" if unit == "percent" else format_value(abs(value), unit)


def signed_difference(value: object, unit: str) -> str:
    """The other value relative to the one shown, in words: '38.1 points lower'."""
    if is_missing(value):
        return "no data"
    if value == 0:
        return "the same"
    return f"{difference_size(value, unit)} {'higher' if value > 0 else 'lower'}"


def source_pairs(frame: pd.DataFrame) -> list[tuple[tuple, pd.DataFrame]]:
    """The rows grouped by source shown and other source, in the order the rows come."""
    keys = ["shown_source", "shown_kind", "other_source", "other_kind"]
    return [(key, group) for key, group in frame.groupby(keys, sort=False, dropna=False)]


def _source_words(source_id: str, kind: str, names: dict[str, str], kinds: dict[str, str]) -> list:
    return [html.Strong(names.get(source_id, source_id)), f" ({kinds.get(kind, _text(kind)).lower()})"]


def pair_heading(key: tuple, names: dict[str, str], kinds: dict[str, str], columns: int) -> html.Tr:
    """A row naming the two sources the rows under it compare (named once, not on every row)."""
    shown, shown_kind, other, other_kind = key
    return html.Tr(html.Th(["Shown: ", *_source_words(shown, shown_kind, names, kinds), html.Br(),
                            "Compared with: ", *_source_words(other, other_kind, names, kinds)],
                           colSpan=columns, scope="rowgroup"), className="source-pair")


def overlap_summary_table(summary: pd.DataFrame, measures: pd.DataFrame, names: dict[str, str],
                          kinds: dict[str, str]) -> html.Table:
    labels = dict(zip(measures["measure_id"], measures["label"]))
    units = dict(zip(measures["measure_id"], measures["unit"]))
    columns = ("Measure", "Year", "Values compared", "Differ beyond rounding", "Largest difference")
    head = html.Thead(html.Tr([html.Th(t, scope="col", className="number" if i > 1 else None)
                               for i, t in enumerate(columns)]))
    bodies = [html.Tbody([pair_heading(key, names, kinds, len(columns))] + [html.Tr([
        html.Th(labels.get(r["measure_id"], r["measure_id"]), scope="row"),
        html.Td(_text(r["period"]), className="period"),
        html.Td(f"{int(r['compared']):,}", className="number"),
        html.Td(f"{int(r['beyond_rounding']):,}", className="number"),
        html.Td(difference_size(r["largest"], units.get(r["measure_id"], "percent")), className="number"),
    ], **{"data-measure": r["measure_id"], "data-period": r["period"]}) for r in group.to_dict("records")])
        for key, group in source_pairs(summary)]
    return html.Table([html.Caption("Values given by more than one source, compared with the one shown"),
                       head, *bodies], className="data-table overlap-table", id="overlap-summary")


def differences_table(rows: pd.DataFrame, measures: pd.DataFrame, names: dict[str, str],
                      kinds: dict[str, str]) -> html.Table:
    labels = dict(zip(measures["measure_id"], measures["label"]))
    units = dict(zip(measures["measure_id"], measures["unit"]))
    columns = ("Area", "Year", "Measure", "Shown value", "Other source's value", "Other value is",
               "Note on the other value")

    def row(r: dict) -> html.Tr:
        unit = units.get(r["measure_id"], "percent")
        measure = [labels.get(r["measure_id"], r["measure_id"])]
        if (r["age_band"], r["client_group"]) != ("all", "all"):
            measure += [html.Br(), html.Span(breakdown_label(r["age_band"], r["client_group"]),
                                             className="source-detail")]
        return html.Tr([
            html.Th([_text(r["area_name"]), html.Br(), html.Span(r["area_code"], className="source-detail")],
                    scope="row"),
            html.Td(_text(r["period"]), className="period"),
            html.Td(measure),
            html.Td(format_value(r["shown_value"], unit), className="number"),
            html.Td(format_value(r["other_value"], unit), className="number"),
            html.Td(signed_difference(r["difference"], unit), className="number"),
            html.Td(_text(r.get("other_note")), className="note"),
        ])
    head = html.Thead(html.Tr([html.Th(t, scope="col", className="number" if 3 <= i <= 5 else None)
                               for i, t in enumerate(columns)]))
    bodies = [html.Tbody([pair_heading(key, names, kinds, len(columns))] + [row(r) for r in group.to_dict("records")])
              for key, group in source_pairs(rows)]
    return html.Table([html.Caption("Every value that differs from the one shown by more than rounding explains"),
                       head, *bodies], className="data-table differences-table", id="overlap-differences-table")


def overlaps_section(differences: pd.DataFrame, measures: pd.DataFrame, names: dict[str, str],
                     kinds: dict[str, str]) -> list:
    if differences.empty:
        return [message("No two sources loaded in this build give the same figure.", element_id="overlap-message")]
    summary = overlap_summary(differences)
    different = beyond_rounding(differences)
    parts = [
        html.P("Where another source gives a figure the site already shows, the two are compared. Each "
               "value stands for a range: a percentage printed to one decimal place for 0.05 points "
               "either side; a value derived here from counts rounded to the nearest 5, or from "
               "suppressed cells, for every value those counts could give. Two values differ beyond "
               "rounding when their ranges do not meet.", className="method"),
        scroll_box(overlap_summary_table(summary, measures, names, kinds), "Where sources overlap",
                   "overlap-summary-box"),
    ]
    if different.empty:
        parts.append(html.P("No value differs from the one shown by more than rounding explains.",
                            id="overlap-differences"))
        return parts
    count = len(different)
    parts.append(html.Details([
        html.Summary(f"The {count} value{'s' if count != 1 else ''} that differ beyond rounding"),
        scroll_box(differences_table(different, measures, names, kinds), "Values that differ beyond rounding"),
    ], id="overlap-differences", className="disclosure"))
    return parts


# -- quality flags -----------------------------------------------------------------------------
def flag_counts(flags: pd.Series) -> dict[str, int]:
    """How many values carry each flag code; a value with two flags counts under both."""
    codes = flags.dropna().astype(str)
    codes = codes[codes.str.strip() != ""]
    if codes.empty:
        return {}
    return {code: int(n) for code, n in codes.str.split(";").explode().str.strip().value_counts().items()}


def shown_flag_counts(wh: db.Warehouse) -> tuple[dict[str, int], int]:
    """Flag counts over every value the site shows, and how many values that is; once per build."""
    def load(w: db.Warehouse) -> tuple[dict[str, int], int]:
        # The app table is already in memory, one frame per measure and year: no query needed.
        frames = [frame for _, frame in db.observation_groups(w)]
        columns = [frame["quality_flag"] for frame in frames if "quality_flag" in frame]
        everything = pd.concat(columns, ignore_index=True) if columns else pd.Series(dtype=object)
        return flag_counts(everything), sum(len(frame) for frame in frames)
    return wh.cached("sources_page:flag_counts", load)


def quality_flags_list(flags: pd.DataFrame, counts: dict[str, int]) -> html.Dl:
    """Each flag as a term and its explanation (a list, not a table: the explanations are
    paragraphs, which a phone-width table column would squeeze to a word a line)."""
    items = []
    for r in flags.sort_values("rank").to_dict("records"):
        count = counts.get(r["quality_flag"], 0)
        comparison = (f"{CAVEAT_MARK} Not compared with England" if r["suppresses_comparison"]
                      else "Still compared with England")
        items.append(html.Div([
            html.Dt([_text(r["label"]), " ", html.Code(r["quality_flag"])]),
            html.Dd(_text(r["explanation"])),
            html.Dd([comparison, ". ", html.Strong(f"{count:,} value{'s' if count != 1 else ''}"),
                     " carry it." if count != 1 else " carries it."], className="flag-facts"),
        ], id=f"flag-{r['quality_flag']}", className="flag"))
    return html.Dl(items, className="definitions flags", id="quality-flags-list")


def quality_flags_section(flags: pd.DataFrame, counts: dict[str, int], total: int) -> list:
    if flags.empty:
        return [message("No quality flags are defined in this build.", element_id="quality-flags-message")]
    return [
        html.P(["A value can carry quality flags, most serious first, each with a sentence saying what "
                "it means for that value. Every chart, table, download, embed and API row that shows the "
                "value carries them. A flag marked ", CAVEAT_MARK, " stops the value being ranked against "
                "England: it is shown as \u201cnot compared: see the caveat\u201d. The counts are over all ",
                f"{total:,} values this site shows; a value with two flags counts under both."],
               className="method"),
        quality_flags_list(flags, counts),
    ]


def contents_list() -> html.Nav:
    return html.Nav(html.Ul([html.Li(html.A(heading, href=f"#{anchor}")) for anchor, heading in SECTIONS]),
                    className="page-contents", **{"aria-label": "On this page"})


def build_report_section(report_path, build_id: str | None) -> list:
    """The build's own report, under the files it read (it names them, row by row)."""
    heading = html.H3("Build report", id="build-report-heading")
    try:
        text = report_path.read_text(encoding="utf-8")
    except OSError:
        return [heading, message("No build report was found beside the database: the next rebuild of the "
                                 "data writes one.", element_id="build-report")]
    # The report's own top heading is replaced by this section's.
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    # Under this h3 its own sections are h4s.
    body = "\n".join("##" + line if line.startswith("#") else line for line in lines)
    intro = html.P(f"Written by the build that made this database{' (build ' + build_id + ')' if build_id else ''}: "
                   "rows loaded per file and layout, files not recognised, and the data checks.", className="method")
    # Long, and for checking rather than reading: behind a disclosure. Its tables can be wider
    # than a phone: the report scrolls sideways inside its own box.
    return [heading, intro, html.Details([
        html.Summary("Show the build report"),
        html.Div(dcc.Markdown(body, id="build-report", className="build-report"), className="table-scroll",
                 tabIndex="0", role="region", **{"aria-label": "Build report"}),
    ], id="build-report-details", className="disclosure")]


def layout(**query: str) -> html.Div:
    title = html.H1("Sources and methods")
    wh = warehouse()
    try:
        sources = db.all_sources(wh)
        info = db.build_info(wh)
        breaks = db.series_breaks(wh)
        measures = db.measures(wh)
        areas = db.areas(wh)
        precedence = db.source_precedence(wh)
        differences = db.source_differences(wh)
        files = db.build_files(wh)
        flags = db.quality_flags(wh)
        counts, total = shown_flag_counts(wh)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [title, message(str(error))], title=PAGE_TITLE)
    build_id = info.get("build_id")
    names, kinds = source_names(sources), kind_labels(precedence)
    return page_shell(PATH, [
        title,
        html.P(["Every figure on this site comes from a published source listed here, kept as "
                "published. This page lists the publications and files loaded, which figure is shown "
                "where sources overlap and how far the others differ, what each quality flag means, "
                "where series break, what each measure means and how the statistics are computed.",
                f" Build {build_id}." if build_id else ""], className="lede"),
        contents_list(),
        html.H2("Publications loaded", id="publications"),
        scroll_box(sources_table(sources, build_id, kinds), "Publications loaded", "sources-box"),
        html.H2("Files this build read", id="files"),
        *files_section(files, sources),
        *build_report_section(wh.path.with_name("build_report.md"), build_id),
        html.H2("Which figure is shown when sources overlap", id="precedence"),
        *precedence_section(precedence),
        html.H2("Where sources overlap", id="overlaps"),
        *overlaps_section(differences, measures, names, kinds),
        html.H2("Quality flags", id="quality-flags"),
        *quality_flags_section(flags, counts, total),
        html.H2("Series breaks", id="breaks"),
        *[scroll_box(part, BREAK_TABLE_LABELS.get(part.id, "Series breaks")) if isinstance(part, html.Table)
          else part for part in series_break_tables(breaks, measures, areas)],
        html.H2("Measures and definitions", id="measures"),
        scroll_box(measures_table(measures), "Measures in the warehouse", "measures-box"),
        html.H3("Terms"),
        terms_list(),
        html.H2("Methods", id="methods"),
        *methods_section(),
    ], title=PAGE_TITLE)
