"""How the profile's "Over time" section is laid out: its controls (measure and breakdown selects,
the councils added as removable buttons beside a text box with the list of names, the "change
since" select), the chart with its key, caveats, breaks, the gap and recent-trend verdicts, and
its table, where every line's figure carries its quality flag mark.

Layout only: the data and the Chart come from pages/profile_trend.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from dash import dcc, html

from .. import caveats
from ..charts import Chart
from ..components import control_bar, message, select_control, value_text
from ..figures import CAVEAT_MARK, format_value, is_missing
from ..figures.profile import Role, applicable_breaks, break_label, break_rows, shown_breaks_in, year_of
from ..figures.trend import MAX_ADDED
from ..gap_summary import GAP_TREND_METHOD
from ..labels import AGE_BANDS, CLIENT_GROUPS, breakdown_label, flag_codes, flag_words
from ..recent_trend import RECENT_TREND_METHOD, recent_trend
from ..sharing import share_panel
from .profile_views import (_comparison, _count, _interval, _note_cell, _value_cell, chart_block, chart_heading,
                            graph, mark, table_box)

if TYPE_CHECKING:
    from .profile import Profile
    from .profile_trend import TrendChoice

# Not "": dbc.Select keeps "" for its own hidden placeholder, and would show a blank box.
NO_CHANGE = "figures"


# ---------------------------------------------------------------- controls

def age_options(age_bands: list[str]) -> list[tuple[str, str]]:
    return [(a, AGE_BANDS.get(a, a).capitalize()) for a in age_bands]


def group_options(client_groups: list[str]) -> list[tuple[str, str]]:
    return [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in client_groups]


def since_options(periods: list[str], unit: str) -> list[tuple[str, str]]:
    """'Figures' first, then a change from each year the area has a figure for (percentages only:
    a count's change grows with the council's size)."""
    if unit != "percent":
        return [(NO_CHANGE, "Figures (a change is shown for percentages only)")]
    return [(NO_CHANGE, "Figures, not change")] + [(p, f"Change since {p}") for p in periods]


def chips(added: list[Role]) -> list:
    """Each added council as a button that removes it, named for what it does; its mark and
    colour as the chart draws it."""
    return [html.Li(html.Button(
        [mark(role.symbol, role.colour), html.Span(role.name), html.Span("\u00d7", className="chip-x", **{"aria-hidden": "true"})],
        id={"type": "profile-with-remove", "code": role.code}, type="button", className="chip",
        title=f"Remove {role.name}", **{"aria-label": f"Remove {role.name} from the chart"}))
        for role in added]


def council_adder(known: pd.DataFrame, added: list[Role]) -> html.Div:
    """A text box with the councils' names as suggestions (a native datalist), an Add button
    (Enter adds too), the councils added so far as remove buttons, and a status line."""
    return html.Div([
        html.Label(f"Add councils to the chart (up to {MAX_ADDED})", htmlFor="profile-with-input"),
        html.Div([
            dcc.Input(id="profile-with-input", type="search", list="profile-with-names", autoComplete="off",
                      placeholder="Type a council's name", className="council-finder", n_submit=0),
            html.Button("Add", id="profile-with-add", type="button", className="add-button", n_clicks=0),
        ], className="adder-row"),
        html.Datalist(id="profile-with-names", children=[html.Option(value=label) for label in known["label"]]),
        html.Ul(chips(added), id="profile-with-chips", className="chips", **{"aria-label": "Councils added"}),
        html.P(id="profile-with-message", className="adder-message", role="status"),
        dcc.Store(id="profile-with", data=[role.code for role in added]),
    ], className="control adder-control")


def trend_controls(profile: Profile, choice: TrendChoice, options: dict[str, list[str]], known: pd.DataFrame,
                   added: list[Role], since: list[tuple[str, str]], since_value: str) -> html.Div:
    """Measure, age band, client group and "change since" as labelled native selects, then the
    councils added: no form, so nothing is submitted and the view never resets."""
    return control_bar([
        select_control("profile-measure", "Measure", [(m, profile.label(m)) for m in options["measure"]],
                       choice.measure_id, class_name="control-wide"),
        select_control("profile-age_band", "Age band", age_options(options["age_band"]), choice.age_band),
        select_control("profile-client_group", "Client group", group_options(options["client_group"]),
                       choice.client_group),
        select_control("profile-since", "Figures or change", since, since_value),
        council_adder(known, added),
    ], label="Choose the trend to show", bar_id="profile-trend-controls")


# ---------------------------------------------------------------- key, caveats, verdicts

def trend_key(drawn: list[Role], *, interval: bool, flagged: bool) -> html.Ul:
    """The key above the trend: each line's dash pattern and mark, and its name."""
    items = []
    for position, role in enumerate(drawn):
        words = role.name + (", with its 95% interval" if position == 0 and interval else "")
        items.append(html.Li([html.Span([html.Span(className=f"line-sample line-{role.dash}"),
                                         mark(role.symbol, role.colour)],
                                        className="line-key", style={"--mark-colour": role.colour},
                                        **{"aria-hidden": "true"}), words]))
    if flagged:
        first = drawn[0]
        items.append(html.Li([mark(first.symbol, first.colour, hollow=True),
                              f"a figure with a quality flag {CAVEAT_MARK} (see the caveats)"]))
    return html.Ul(items, className="chart-key trend-key", id="profile-trend-key", **{"aria-label": "Key"})


def trend_caveats(chart: Chart, shown_breaks: pd.DataFrame) -> list[str]:
    """The trend's caveats, less the breaks the numbered list under it already explains beside
    the chart's numbered markers (the same note twice is noise)."""
    explained = [note for note in shown_breaks["note"] if isinstance(note, str) and note]
    return [sentence for sentence in caveats.for_chart(chart)
            if not any(sentence.endswith(note) for note in explained)]


def _breaks_list(shown: pd.DataFrame) -> list:
    if shown.empty:
        return []
    return [html.Div([
        html.H3("Breaks in this series"),
        html.P("The lines are not joined across these points: the figures either side are not comparable."),
        html.Ol([html.Li([html.Strong(f"{break_label(row)} {index + 1}, before {row.period}: "), row.note])
                 for index, row in enumerate(break_rows(shown))]),
    ], id="profile-trend-breaks", className="breaks")]


def _gap_trend(gap: Chart | None, verdict: str) -> list:
    """The gap chart (the `gap` view: pages/profile_gap.py) with its verdict, its share links and
    embed code straight under it, the chart in words and its method."""
    if gap is None:
        return []
    return [html.Div([html.H3("Is the gap to England closing?", id="gap-title"),
                      html.P(gap.subtitle, className="chart-subtitle"),
                      html.P(verdict, id="profile-gap-trend"),
                      dcc.Graph(id="profile-gap-chart", figure=gap.figure,
                                config={"displaylogo": False, "responsive": True}),
                      share_panel(gap),
                      html.Details([html.Summary("The gap chart in words"),
                                    html.P(gap.description, id="profile-gap-description")],
                                   className="text-alternative"),
                      html.P(GAP_TREND_METHOD, className="footnote method")], className="gap-trend",
                     role="group", **{"aria-labelledby": "gap-title"})]


def _recent_trend(profile: Profile, own: pd.DataFrame, breaks: pd.DataFrame, measure_id: str) -> list:
    """The area's own recent trend for this percentage, in words with its arrow, and the method."""
    trend = recent_trend(own, list(breaks["period"]), profile.polarity(measure_id))
    return [html.Div([html.H3("Recent trend"),
                      html.P([html.Strong(trend.words(), className="trend-mark"), " ",
                              trend.sentence(profile.area["area_name"])], id="profile-recent-trend"),
                      html.P(RECENT_TREND_METHOD, className="footnote method")], className="recent-trend")]


def _change_notes(profile: Profile, chart: Chart, roles: list[Role], since: str, breaks: pd.DataFrame) -> list:
    """Why a line stops or is missing in change mode: a break after the year chosen, a council
    without a figure for it."""
    drawn = set(chart.rows.loc[chart.rows["period"] == since, "area_code"])
    notes = [f"{role.name} has no figure for {since}, so no change from it is drawn."
             for role in roles if role.code not in drawn]
    later = breaks[breaks["period"].map(year_of) > year_of(since)]
    if not later.empty:
        first = later.sort_values("period").iloc[0]
        notes.insert(0, f"A change is not measured across a break: {break_label(first).lower()} before "
                        f"{first['period']} ({first['note']}) ends the lines it applies to.")
    return [html.Ul([html.Li(n) for n in notes], id="profile-change-notes", className="change-notes")] if notes else []


def trend_panel(profile: Profile, choice: TrendChoice | None, chart: Chart | None, roles: list[Role],
                gap: tuple[Chart, str] | None = None, line_breaks: pd.DataFrame | None = None,
                area_breaks: pd.DataFrame | None = None, every_year: pd.DataFrame | None = None) -> list:
    """The trend chart and what goes with it; `gap`: the gap chart and its verdict, if any;
    `line_breaks`, `area_breaks` and `every_year`: the breaks of the lines drawn, the area's own
    (its applicable_breaks) and the area's rows of the series, when the caller has them already."""
    if choice is None or chart is None:
        return [message(f"No figures have been loaded for {profile.area['area_name']}.",
                        element_id="profile-trend-message")]
    selection = chart.rows
    since = chart.resolved.get("since")
    if area_breaks is None:
        area_breaks = applicable_breaks(profile.breaks, choice.measure_id, profile.code)
    if line_breaks is None:
        line_breaks = _line_breaks(profile, choice, roles)
    codes, values = selection["area_code"].tolist(), selection["value"].tolist()
    years = sorted({year_of(p) for p, v in zip(selection["period"].tolist(), values) if not is_missing(v)})
    shown = shown_breaks_in(line_breaks, years)
    unit = profile.unit(choice.measure_id)
    drawn = [r for r in roles if r.code in set(codes)] if unit == "percent" else roles[:1]
    flagged = any(flag_codes(f) for f in (selection["quality_flag"].tolist() if "quality_flag" in selection else []))
    own_interval = any(code == profile.code and not is_missing(lower)
                       for code, lower in zip(codes, selection["lower_95"].tolist()))
    key = trend_key(drawn or roles[:1], interval=unit == "percent" and not since and own_interval, flagged=flagged)
    breakdown = breakdown_label(choice.age_band, choice.client_group)
    what = f"{profile.label(choice.measure_id).lower()}, {breakdown.lower()}"
    # The verdicts read every year of the area, whatever years a change since one year shows.
    if every_year is None:
        every_year = profile.series(choice.measure_id, choice.age_band, choice.client_group, profile.code)
    return [
        *chart_block(chart, graph_id="profile-trend",
                     heading=chart_heading(chart.title, chart.subtitle, "profile-trend-title", html.H3),
                     key=key, drawing=[graph("profile-trend", chart)], sentences=trend_caveats(chart, shown)),
        *(_change_notes(profile, chart, roles, since, line_breaks) if since else []),
        *(_gap_trend(*gap) if gap else []),
        *(_recent_trend(profile, every_year, area_breaks, choice.measure_id) if unit == "percent" else []),
        *_breaks_list(shown),
        trend_table(profile, selection, choice, what, roles, since),
    ]


def _line_breaks(profile: Profile, choice: TrendChoice, roles: list[Role]) -> pd.DataFrame:
    return pd.concat([applicable_breaks(profile.breaks, choice.measure_id, role.code) for role in
                      roles if role.code == profile.code or role not in profile.roles], ignore_index=True) \
        .drop_duplicates(["period", "area_code", "note"]).sort_values(["period", "kind"]).reset_index(drop=True)


# ---------------------------------------------------------------- table

def _line_cell(row: pd.Series | None, unit: str, base: float | None) -> html.Td:
    """Another line's figure in the area's row for a year: with its caveat mark when flagged, and
    its change since the chosen year in change mode."""
    if row is None:
        return html.Td("", className="number")
    text = value_text(row.get("value"), unit, row.get("quality_flag"), "")
    if base is not None and not is_missing(row.get("value")):
        text += f" ({format_value(row['value'] - base, 'points')})"
    return html.Td(text, className="number")


def _flag_note(others: list[tuple[Role, pd.Series]], flag_labels: dict[str, str]) -> str:
    """'⚠ Sunderland, Newcastle upon Tyne: not comparable between councils': the flags of the
    other lines' figures in a year, grouped by flag."""
    by_flag: dict[str, list[str]] = {}
    for role, row in others:
        words = flag_words(row.get("quality_flag"), flag_labels)
        if words:
            by_flag.setdefault(words, []).append(role.name)
    return "; ".join(f"{CAVEAT_MARK} {', '.join(names)}: {words}" for words, names in by_flag.items())


# The columns the table's cells read.
TABLE_COLUMNS = ["area_code", "period", "measure_id", "value", "value_status", "lower_95", "upper_95", "numerator",
                 "denominator", "compared_with_england", "note", "quality_flag", "quality_note"]


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts of plain values (NaN where missing), as iterrows gives them: the
    columns the table reads."""
    columns = [c for c in TABLE_COLUMNS if c in frame]
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in columns))]


def _area_rows(records: list[dict], area_code: str, columns: list[str]) -> list[dict]:
    """One row per year, as trend_table_rows gives them for the area alone: every year with a
    value for any line or a row for the area, in order; the area's rows, or a row of NaN."""
    own: dict[str, list[dict]] = {}
    for record in records:
        if record["area_code"] == area_code:
            own.setdefault(record["period"], []).append(record)
    periods = sorted({r["period"] for r in records if not is_missing(r["value"])} | set(own))
    empty = dict.fromkeys(columns, float("nan"))
    return [dict(found) for period in periods for found in own.get(period, [{**empty, "period": period}])]


def trend_table(profile: Profile, selection: pd.DataFrame, choice: TrendChoice, what: str, roles: list[Role],
                since: str | None) -> html.Div:
    """A row per year: the area's figure, interval, counts, comparison and status, then every other
    line's figure (with its flag mark, and its change in change mode), then the notes, which name
    the other lines' flags."""
    area = roles[0]
    unit = profile.unit(choice.measure_id)
    others = roles[1:]
    heads = (["Year", f"{area.glyph} {area.name}", "95% interval", "Numerator", "Denominator",
              "Compared with England", "Status"] + [f"{role.glyph} {role.name}" for role in others] + ["Note"])
    records = _records(selection)
    lookup: dict[tuple, dict] = {}
    for record in records:   # the first row of each area and year, as drop_duplicates keeps
        lookup.setdefault((record["area_code"], record["period"]), record)
    bases = {role.code: lookup[(role.code, since)]["value"] for role in roles
             if since and (role.code, since) in lookup and not is_missing(lookup[(role.code, since)]["value"])}
    body = []
    for row in _area_rows(records, area.code, [c for c in TABLE_COLUMNS if c in selection]):
        row["measure_id"] = choice.measure_id
        status = row.get("value_status")
        value_cell = _value_cell(row, unit)
        if area.code in bases and not is_missing(row.get("value")):
            value_cell = html.Td(f"{value_cell.children} ({format_value(row['value'] - bases[area.code], 'points')})",
                                 className="number")
        cells = [html.Th(row["period"], scope="row", className="period"), value_cell,
                 html.Td(_interval(row), className="number"),
                 html.Td(_count(row.get("numerator")), className="number"),
                 html.Td(_count(row.get("denominator")), className="number"),
                 html.Td(_comparison(row, profile), className="compared"),
                 html.Td("no row for this area" if is_missing(status) else str(status).replace("_", " "))]
        lines = [(role, lookup.get((role.code, row["period"]))) for role in others]
        cells += [_line_cell(line, unit, bases.get(role.code)) for role, line in lines]
        note = _note_cell(row)
        flags = _flag_note([(role, line) for role, line in lines if line is not None], profile.flag_labels)
        if flags:
            note = html.Td([note.children, html.Br(), flags] if note.children else flags, className="note")
        cells.append(note)
        body.append(html.Tr(cells))
    caption = f"Data: {what}, every year" + (f"; in brackets, the change since {since} in percentage points"
                                             if since else "")
    return table_box(html.Table([html.Caption(caption), html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])),
                                 html.Tbody(body)], className="data-table", id="profile-trend-table"), caption)
