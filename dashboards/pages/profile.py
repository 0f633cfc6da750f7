"""Council profile, /area/<ons-code>: every measure and breakdown for one council beside its
region and England (latest period, dot chart), trends over every period (never joined across
missing years, series breaks or boundary changes), and a plain-English summary.

A region's code shows the region beside England; England's code shows England alone.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from .. import caveats, db
from ..charts import Chart, ChartRequestError, register
from ..components import (MARKS_FOOTNOTE, caveat_list, message, note_text, page_shell, radio_group, source_line,
                          value_text)
from ..context import warehouse
from ..figures import format_value, is_missing, significance_style
from ..figures.profile import (Role, applicable_breaks, break_label, breakdown_order, describe_dots,
                               describe_trend, dot_chart, latest_by_breakdown, roles, trend_chart,
                               trend_table_rows)
from ..labels import AGE_BANDS, CLIENT_GROUPS, breakdown_label
from ..sharing import share_panel
from ..summary import summarise

PATH = "/area/"
TITLE = "Council profile: self-directed support uptake"
PREFIX = True

CODE_PATTERN = re.compile(r"^E\d{8}$")
TREND_CONTROLS = ["measure", "age_band", "client_group"]
DEFAULT_MEASURE = "sds_users"
METHOD = ("Dots show each figure for the latest year it was published; the whisker is the area's 95% "
          "confidence interval (Wilson score, from its counts). Significantly higher or lower than "
          "England means England's value lies outside that interval; counts rounded to the nearest 5 "
          "make intervals approximate. Counts (numbers of people) are in the table, not on the "
          "percentage axis. A hollow dot is a figure with a quality flag: see its caveat.")
TREND_METHOD = ("Lines join consecutive years only: never across a year without a figure, a series break "
                "or a boundary change (the dashed vertical lines). A hollow point is a figure with a quality "
                "flag: see its caveat.")
TREND_INTERVALS = (" Whiskers are the area's 95% confidence intervals (Wilson score, from its counts); "
                   "counts rounded to the nearest 5 make them approximate.")
TREND_COUNTS = " A count is drawn for this area only; its comparators' counts are in the table and the data."


# ---------------------------------------------------------------- URL state (pure)

@dataclass(frozen=True)
class TrendChoice:
    measure_id: str
    age_band: str
    client_group: str

    def query(self) -> str:
        return "?" + urllib.parse.urlencode({"measure": self.measure_id, "age_band": self.age_band,
                                             "client_group": self.client_group})


def _measure_key(measure_id: str) -> tuple:
    return breakdown_order(measure_id, "all", "all")[:2]


def trend_options(available: pd.DataFrame, measure_id: str | None = None,
                  age_band: str | None = None) -> dict[str, list[str]]:
    """The choices each trend control offers given the ones before it, in display order.
    `available`: measure_id, age_band, client_group the area has a value for."""
    options = {"measure": sorted(set(available["measure_id"]), key=_measure_key)}
    rows = available[available["measure_id"] == measure_id]
    options["age_band"] = sorted(set(rows["age_band"]), key=lambda a: breakdown_order("", a, "all")[2:4])
    rows = rows[rows["age_band"] == age_band]
    options["client_group"] = sorted(set(rows["client_group"]), key=lambda c: (c != "all", c))
    return options


def resolve_trend(query: dict[str, str], available: pd.DataFrame) -> TrendChoice | None:
    """The measure and breakdown the query asks for, corrected to one the area has; None if none."""
    if available.empty:
        return None

    def pick(wanted, choices, preferred):
        return wanted if wanted in choices else (preferred if preferred in choices else choices[0])

    measure_id = pick(query.get("measure"), trend_options(available)["measure"], DEFAULT_MEASURE)
    age_band = pick(query.get("age_band"), trend_options(available, measure_id)["age_band"], "all")
    client_group = pick(query.get("client_group"), trend_options(available, measure_id, age_band)["client_group"], "all")
    return TrendChoice(measure_id, age_band, client_group)


# ---------------------------------------------------------------- data

@dataclass
class Profile:
    area: dict
    roles: list[Role]
    rows: pd.DataFrame          # the area's and its comparators' observations, every period
    measures: pd.DataFrame      # indexed by measure_id
    breaks: pd.DataFrame        # all_series_breaks
    flag_labels: dict[str, str] = field(default_factory=dict)   # quality flag code -> label

    @property
    def code(self) -> str:
        return self.area["area_code"]

    @property
    def own(self) -> pd.DataFrame:
        return self.rows[self.rows["area_code"] == self.code]

    @cached_property
    def _available(self) -> pd.DataFrame:
        own = self.own
        return own[own["value"].notna()][["measure_id", "age_band", "client_group"]].drop_duplicates()

    def available(self) -> pd.DataFrame:
        """The measures and breakdowns the area has figures for. A profile is kept per build
        and every trend callback asks several times: worked out once."""
        return self._available

    def label(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "label"] if measure_id in self.measures.index else measure_id

    def unit(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "unit"] if measure_id in self.measures.index else "percent"

    def polarity(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "polarity"] if measure_id in self.measures.index else "none"


def in_sentence(name: str, area_type: str) -> str:
    """'the North East', 'the East of England', but 'London' and 'Darlington'."""
    compass = ("North ", "South ", "East ", "West ")
    return f"the {name}" if area_type == "region" and name.startswith(compass) else name


def normalise_code(code: str | None) -> str:
    return (code or "").strip().strip("/").upper()


def load_profile(code: str) -> Profile | None:
    """The profile for a valid ONS code of a council, region or England; None if unknown.

    Cached per database build: every trend change on the page reads the same rows."""
    if not CODE_PATTERN.match(code):
        return None
    return warehouse().cached(f"profile:{code}", lambda _: _load_profile(code))


def _load_profile(code: str) -> Profile | None:
    wh = warehouse()
    area = db.area(wh, code)
    if area is None:
        return None
    region = None
    if area["area_type"] == "council" and isinstance(area.get("region_code"), str):
        found = db.area(wh, area["region_code"])
        region = (found["area_code"], found["area_name"]) if found else None
    england = db.area(wh, db.ENGLAND)
    area_roles = roles(code, area["area_name"], region, (db.ENGLAND, england["area_name"]) if england else None)
    rows = db.observations(wh, area_codes=[role.code for role in area_roles])
    flags = db.quality_flags(wh)
    return Profile(area, area_roles, rows, db.measures(wh).set_index("measure_id"), db.series_breaks(wh),
                   dict(zip(flags["quality_flag"], flags["label"])))


# ---------------------------------------------------------------- charts as data

CHART_KEYS = ["measure_id", "period", "age_band", "client_group"]


def latest_rows(profile: Profile) -> pd.DataFrame:
    return latest_by_breakdown(profile.rows, profile.code, [role.code for role in profile.roles[1:]])


def _role_order(profile: Profile, rows: pd.DataFrame) -> pd.Series:
    order = {role.code: position for position, role in enumerate(profile.roles)}
    return rows["area_code"].map(order)


def _beside(profile: Profile) -> str:
    """'Darlington beside North East and England', or 'England' alone."""
    others = " and ".join(role.name for role in profile.roles[1:])
    return profile.roles[0].name + (f" beside {others}" if others else "")


def _span(periods) -> str:
    periods = sorted(set(periods))
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def area_chart(profile: Profile, latest: pd.DataFrame | None = None) -> Chart | None:
    """The dot chart of the latest percentages; None when the area has no percentage figures.
    The page, the /embed/area and /image/area views and /download/area all draw this."""
    latest = latest_rows(profile) if latest is None else latest
    units = latest["measure_id"].map(profile.unit)
    percentages = latest[(units == "percent") & latest["value"].notna()]
    if percentages.empty:
        return None
    name = profile.area["area_name"]
    labels = {m: profile.label(m) for m in percentages["measure_id"].unique()}
    polarities = {m: profile.polarity(m) for m in percentages["measure_id"].unique()}
    # The observations behind each dot, in the chart's order: the area's, then its comparators'.
    wanted = percentages[CHART_KEYS].reset_index(drop=True).assign(_row=lambda f: range(len(f)))
    rows = wanted.merge(profile.rows, on=CHART_KEYS)
    rows = rows[rows["value"].notna()].assign(_role=lambda f: _role_order(profile, f))
    rows = rows.sort_values(["_row", "_role"], kind="stable").drop_duplicates(["area_code", *CHART_KEYS])
    title = f"{name}: latest figure for each measure"
    return Chart(
        view="area", title=title,
        subtitle=(f"Percentages, each measure and breakdown for its latest year with a figure "
                  f"({_span(percentages['period'])}); {_beside(profile)}"),
        figure=dot_chart(percentages, profile.roles, labels, polarities, title=title, flag_labels=profile.flag_labels),
        rows=rows.drop(columns=["_row", "_role"]).reset_index(drop=True),
        method=METHOD, description=describe_dots(percentages, profile.roles, labels, polarities, profile.flag_labels),
        page_url=PATH + profile.code, resolved={"code": profile.code},
        aliases={"code": profile.code})   # a code in lower case is the same area


def area_trend_chart(profile: Profile, choice: TrendChoice) -> Chart:
    """The trend lines for one measure and breakdown; the page, /embed/trend, /image/trend and
    /download/trend all draw this. Its rows are the table's: every period, every comparator."""
    rows = profile.rows
    selection = rows[(rows["measure_id"] == choice.measure_id) & (rows["age_band"] == choice.age_band)
                     & (rows["client_group"] == choice.client_group)]
    unit = profile.unit(choice.measure_id)
    breaks = applicable_breaks(profile.breaks, choice.measure_id, profile.code)
    label = profile.label(choice.measure_id)
    breakdown = breakdown_label(choice.age_band, choice.client_group)
    what = f"{label.lower()}, {breakdown.lower()}"
    ordered = selection.assign(_role=_role_order(profile, selection)).sort_values(["_role", "period"], kind="stable")
    with_values = selection.loc[selection["value"].notna(), "period"]
    return Chart(
        view="trend", title=label,
        subtitle=f"{breakdown}, {_span(with_values if len(with_values) else selection['period'])}, {_beside(profile)}",
        figure=trend_chart(selection, profile.roles, breaks, title=f"{label}: {breakdown}, {profile.roles[0].name}",
                           unit=unit, value_title="Percentage" if unit == "percent" else label,
                           flag_labels=profile.flag_labels),
        rows=ordered.drop(columns="_role").reset_index(drop=True),
        method=TREND_METHOD + (TREND_INTERVALS if unit == "percent"
                               else TREND_COUNTS if len(profile.roles) > 1 else ""),
        description=describe_trend(selection, profile.roles, breaks, what=what, unit=unit,
                                   flag_labels=profile.flag_labels),
        page_url=PATH + profile.code + choice.query(),
        resolved={"code": profile.code, "measure": choice.measure_id, "age_band": choice.age_band,
                  "client_group": choice.client_group},
        aliases={"code": profile.code})


def _profile_for_query(query: dict[str, str]) -> Profile | None:
    """The profile a chart request names; None when no data is loaded at all; a 404 naming an
    unknown or malformed code."""
    given = query.get("code", "")
    if db.catalogue(warehouse()).empty:
        return None
    if not given.strip():
        raise ChartRequestError("Say which area to show: code=<ONS code>, e.g. code=E06000005 (Darlington).",
                                valid=["code"])
    profile = load_profile(normalise_code(given))
    if profile is None:
        raise ChartRequestError(f"There is no council, region or country with the ONS code {given[:40]!r}. "
                                "Council codes look like E06000005 (Darlington).", status=404)
    return profile


@register("area", ("code",))
def area_from_query(query: dict[str, str]) -> Chart | None:
    profile = _profile_for_query(query)
    if profile is None:
        return None
    chart = area_chart(profile)
    if chart is None:
        raise ChartRequestError(f"{profile.area['area_name']} ({profile.code}) has no percentage figures to "
                                f"chart: its counts are on its profile, {PATH}{profile.code}.", status=404)
    return chart


@register("trend", ("code", *TREND_CONTROLS))
def trend_from_query(query: dict[str, str]) -> Chart | None:
    profile = _profile_for_query(query)
    if profile is None:
        return None
    choice = resolve_trend(query, profile.available())
    if choice is None:
        raise ChartRequestError(f"No figures have been loaded for {profile.area['area_name']} ({profile.code}).",
                                status=404)
    return area_trend_chart(profile, choice)


# ---------------------------------------------------------------- pieces

def _interval(row) -> str:
    lower, upper = row.get("lower_95"), row.get("upper_95")
    return "" if is_missing(lower) or is_missing(upper) else f"{lower:.1f} to {upper:.1f}"


def _count(value) -> str:
    return "" if is_missing(value) else f"{value:,.0f}"


def _comparison(row, profile: Profile) -> str:
    compared = row.get("compared_with_england")
    if profile.code == db.ENGLAND or is_missing(compared):
        return ""
    words, _, symbol = significance_style(compared, profile.polarity(row["measure_id"]))
    return f"{symbol} {words}"


def _note(row) -> str:
    return row["note"] if isinstance(row.get("note"), str) else ""


def _value_cell(row, unit: str) -> html.Td:
    return html.Td(value_text(row.get("value"), unit, row.get("quality_flag"), _note(row)), className="number")


def _note_cell(row) -> html.Td:
    return html.Td(note_text(row.get("quality_note"), _note(row), row.get("quality_flag")), className="note")


def _comparator_heads(profile: Profile) -> list[str]:
    return [f"{role.glyph} {role.name}" for role in profile.roles[1:]]


def latest_table(profile: Profile, latest: pd.DataFrame, *, percent: bool, table_id: str) -> html.Table:
    """Rows grouped by measure (a row-group heading each), one row per breakdown. Percentages
    carry their interval, counts and comparison; counts (numbers of people) carry the count."""
    area = profile.roles[0]
    heads = ["Breakdown", "Year", f"{area.glyph} {area.name}"]
    if percent:
        heads += ["95% interval", "Numerator", "Denominator", "Compared with England"]
    heads += ["Status"] + _comparator_heads(profile) + ["Note"]
    bodies = []
    for measure_id, group in latest.groupby("measure_id", sort=False):
        unit = profile.unit(measure_id)
        body = [html.Tr(html.Th(profile.label(measure_id), colSpan=len(heads), scope="rowgroup"),
                        className="group")]
        for _, row in group.iterrows():
            cells = [html.Th(breakdown_label(row["age_band"], row["client_group"]), scope="row"),
                     html.Td(row["period"], className="period"),
                     _value_cell(row, unit)]
            if percent:
                cells += [html.Td(_interval(row), className="number"),
                          html.Td(_count(row.get("numerator")), className="number"),
                          html.Td(_count(row.get("denominator")), className="number"),
                          html.Td(_comparison(row, profile), className="compared")]
            cells.append(html.Td(str(row["value_status"]).replace("_", " ")))
            cells += [html.Td(format_value(row.get(f"value_{role.code}"), unit), className="number")
                      for role in profile.roles[1:]]
            cells.append(_note_cell(row))
            body.append(html.Tr(cells))
        bodies.append(html.Tbody(body))
    others = " and ".join(role.name for role in profile.roles[1:])
    what = "percentages (the dot chart)" if percent else "counts and amounts of money"
    caption = f"Data: {what} for {area.name}, latest year with a figure" + (
        f", beside {others} for the same year" if others else "")
    return html.Table([html.Caption(caption), html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])),
                       *bodies], className="data-table profile-table", id=table_id,
                      tabIndex="0")   # on a phone it scrolls sideways within itself: keyboard users too


def trend_table(profile: Profile, table: pd.DataFrame, choice: TrendChoice, what: str) -> html.Table:
    area = profile.roles[0]
    unit = profile.unit(choice.measure_id)
    heads = (["Year", f"{area.glyph} {area.name}", "95% interval", "Numerator", "Denominator",
              "Compared with England", "Status"] + _comparator_heads(profile) + ["Note"])
    body = []
    for _, row in table.iterrows():
        row = row.copy()
        row["measure_id"] = choice.measure_id
        status = row.get("value_status")
        cells = [html.Th(row["period"], scope="row", className="period"),
                 _value_cell(row, unit),
                 html.Td(_interval(row), className="number"),
                 html.Td(_count(row.get("numerator")), className="number"),
                 html.Td(_count(row.get("denominator")), className="number"),
                 html.Td(_comparison(row, profile), className="compared"),
                 html.Td("no row for this area" if is_missing(status) else str(status).replace("_", " "))]
        cells += [html.Td(format_value(row.get(f"value_{role.code}"), unit), className="number")
                  for role in profile.roles[1:]]
        cells.append(_note_cell(row))
        body.append(html.Tr(cells))
    return html.Table([html.Caption(f"Data: {what}, every year"),
                       html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])), html.Tbody(body)],
                      className="data-table", id="profile-trend-table", tabIndex="0")


def chart_figure(graph_id: str, chart: Chart, sentences: list[str], description_id: str) -> html.Figure:
    """The chart, its caveats directly under it as visible text, then its description."""
    parts = [dcc.Graph(id=graph_id, figure=chart.figure, config={"displaylogo": False}),
             caveat_list(sentences, element_id=f"{graph_id}-caveats"),
             html.Figcaption(chart.description, id=description_id)]
    return html.Figure([part for part in parts if part is not None], className="chart")


def trend_caveats(chart: Chart, shown_breaks: pd.DataFrame) -> list[str]:
    """The trend's caveats, less the breaks the numbered list under it already explains beside
    the chart's numbered markers (the same note twice is noise)."""
    explained = [note for note in shown_breaks["note"] if isinstance(note, str) and note]
    return [sentence for sentence in caveats.for_chart(chart)
            if not any(sentence.endswith(note) for note in explained)]


def trend_panel(profile: Profile, choice: TrendChoice | None) -> list:
    if choice is None:
        return [message(f"No figures have been loaded for {profile.area['area_name']}.", element_id="profile-trend-message")]
    chart = area_trend_chart(profile, choice)
    selection = chart.rows
    breaks = applicable_breaks(profile.breaks, choice.measure_id, profile.code)
    breakdown = breakdown_label(choice.age_band, choice.client_group)
    what = f"{profile.label(choice.measure_id).lower()}, {breakdown.lower()}"
    years = [int(p[:4]) for p in selection.loc[selection["value"].notna(), "period"]]
    shown = breaks[[bool(years) and min(years) < int(p[:4]) <= max(years) for p in breaks["period"]]]
    parts = [chart_figure("profile-trend", chart, trend_caveats(chart, shown), "profile-trend-description")]
    if not shown.empty:
        parts.append(html.Div([
            html.H3("Breaks in this series"),
            html.P("The lines are not joined across these points: the figures either side are not comparable."),
            html.Ol([html.Li([html.Strong(f"{break_label(row)} {index + 1}, before {row.period}: "), row.note])
                     for index, row in enumerate(shown.itertuples())]),
        ], id="profile-trend-breaks", className="breaks"))
    parts.append(trend_table(profile, trend_table_rows(selection, profile.roles), choice, what))
    parts.append(share_panel(chart))
    return parts


def _trend_controls(profile: Profile, choice: TrendChoice) -> list:
    available = profile.available()
    options = trend_options(available, choice.measure_id, choice.age_band)
    return [
        radio_group("profile-measure", "Measure", [(m, profile.label(m)) for m in options["measure"]],
                    choice.measure_id),
        radio_group("profile-age_band", "Age band",
                    [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]], choice.age_band),
        radio_group("profile-client_group", "Client group",
                    [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]], choice.client_group),
    ]


def _lede(profile: Profile) -> html.P:
    area = profile.area
    code = profile.code
    if area["area_type"] == "country":
        return html.P(f"England as a whole (ONS code {code}): every measure and year loaded.", className="lede")
    kind = "Region of England" if area["area_type"] == "region" else "Council"
    parts = [f"{kind}, ONS code {code}. "]
    comparators = " and ".join(role.name for role in profile.roles[1:])
    parts.append(f"Each figure is shown beside {comparators} for the same year. ")
    if area["area_type"] == "council" and len(profile.roles) > 2:
        parts.append(html.A(f"Compare the councils of {in_sentence(profile.roles[1].name, 'region')}",
                            href=f"/?scope=region&region={profile.roles[1].code}"))
        parts.append(".")
    extra = [html.P(area["notes"], className="method")] if isinstance(area.get("notes"), str) else []
    return html.Div([html.P(parts, className="lede"), *extra])


def _shown_source_ids(profile: Profile) -> list[str]:
    keys = ["measure_id", "period", "age_band", "client_group"]
    own = profile.own[keys].drop_duplicates()
    shown = profile.rows.merge(own, on=keys)
    return sorted(set(shown["source_id"].dropna()))


def no_such_area(code: str) -> html.Div:
    shown = code if len(code) <= 40 else code[:40] + "\u2026"
    return page_shell(PATH, [
        html.H1("No such council"),
        message(f"There is no council, region or country with the ONS code \u201c{shown}\u201d. "
                "Council codes look like E06000005 (Darlington).", element_id="profile-message"),
        html.P(html.A("Back to the comparison of councils, to choose a council", href="/", id="profile-back")),
    ])


def layout(code: str = "", **query: str) -> html.Div:
    wanted = normalise_code(code)
    try:
        profile = load_profile(wanted)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Council profile"), message(str(error))])
    if profile is None:
        return no_such_area(urllib.parse.unquote(code or ""))
    name = profile.area["area_name"]
    if profile.own.empty:
        return page_shell(PATH, [html.H1(name), _lede(profile),
                                 message(f"No figures have been loaded for {name}.", element_id="profile-message"),
                                 html.P(html.A("Back to the comparison of councils", href="/"))])
    comparator_codes = [role.code for role in profile.roles[1:]]
    latest = latest_rows(profile)
    units = latest["measure_id"].map(profile.unit)
    chart = area_chart(profile, latest)
    if chart is None:
        dots = message(f"{name} has no percentage figures: its counts are in the table below.",
                       element_id="profile-dots-message")
    else:
        dots = html.Div([
            chart_figure("profile-dots", chart, caveats.for_chart(chart), "profile-dots-description"),
            share_panel(chart),
        ])
    tables = [latest_table(profile, part, percent=is_percent, table_id=table_id)
              for part, is_percent, table_id in ((latest[units == "percent"], True, "profile-table"),
                                                 (latest[units != "percent"], False, "profile-counts-table"))
              if not part.empty]
    choice = resolve_trend(query, profile.available())
    trend = [] if choice is None else [
        html.H2("Over time"),
        html.Form(_trend_controls(profile, choice), id="profile-trend-controls", className="controls",
                  **{"aria-label": "Choose the trend to show"}),
        html.Div(trend_panel(profile, choice), id="profile-trend-panel", **{"aria-live": "polite"}),
    ]
    return page_shell(PATH, [
        dcc.Store(id="profile-code", data=profile.code),
        html.H1(f"{name}: self-directed support and direct payments"),
        _lede(profile),
        html.H2("In brief"),
        html.P(summarise(profile.rows, profile.code, in_sentence(name, profile.area["area_type"]),
                         profile.flag_labels),
               id="profile-summary", className="summary"),
        html.H2(" beside ".join(["Latest figures", " and ".join(r.name for r in profile.roles[1:])])
                if comparator_codes else "Latest figures"),
        dots,
        *trend,
        html.H2("All figures"),
        *tables,
        html.P(MARKS_FOOTNOTE + " " + METHOD, className="footnote method"),
        source_line(db.sources(warehouse(), _shown_source_ids(profile)), element_id="profile-sources"),
    ], location_id="profile-url")


@callback(
    Output("profile-age_band", "options"), Output("profile-client_group", "options"),
    [Output(f"profile-{name}", "value") for name in TREND_CONTROLS],
    Output("profile-trend-panel", "children"), Output("profile-url", "search"),
    [Input(f"profile-{name}", "value") for name in TREND_CONTROLS],
    State("profile-code", "data"),
    prevent_initial_call=True)
def update_trend(measure_id, age_band, client_group, code):
    profile = load_profile(normalise_code(code))
    if profile is None or profile.available().empty:
        raise PreventUpdate
    available = profile.available()
    choice = resolve_trend({"measure": measure_id, "age_band": age_band, "client_group": client_group}, available)
    options = trend_options(available, choice.measure_id, choice.age_band)
    return (
        [{"label": AGE_BANDS.get(a, a).capitalize(), "value": a} for a in options["age_band"]],
        [{"label": CLIENT_GROUPS.get(c, c).capitalize(), "value": c} for c in options["client_group"]],
        choice.measure_id, choice.age_band, choice.client_group,
        trend_panel(profile, choice), choice.query())
