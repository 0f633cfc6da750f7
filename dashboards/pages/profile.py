"""Council profile, /area/<ons-code>: every measure and breakdown for one council beside its
region and England (latest period: a dot chart, small multiples on a phone), trends over every
period (never joined across missing years, series breaks or boundary changes), and a
plain-English summary. The first chart starts on the first screen, on a phone too.

A region's code shows the region beside England; England's code shows England alone. This
module holds the data and the latest figures' chart; pages/profile_views.py lays them out, and
pages/profile_trend.py (with profile_trend_views.py) holds the "Over time" section.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from dash import dcc, html

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..components import MARKS_FOOTNOTE, message, page_shell, source_line
from ..context import warehouse
from ..figures.profile import Role, describe_dots, dot_chart, latest_by_breakdown, roles, small_multiples
from ..recent_trend import RECENT_TREND_METHOD
from ..summary import summarise
from .profile_views import area_notes, dots_section, in_sentence, latest_table, lede

PATH = "/area/"
TITLE = "Council profile: self-directed support uptake"
PREFIX = True
EXAMPLE = "E06000005"

CODE_PATTERN = re.compile(r"^E\d{8}$")
DEFAULT_MEASURE = "sds_users"
METHOD = ("Dots show each figure for the latest year it was published; the whisker is the area's 95% "
          "confidence interval (Wilson score, from its counts). Significantly higher or lower than "
          "England means England's value lies outside that interval; counts rounded to the nearest 5 "
          "make intervals approximate. Counts (numbers of people) are in the table, not on the "
          "percentage axis. A hollow dot is a figure with a quality flag: see its caveat.")


# ---------------------------------------------------------------- URL state (pure)

# ---------------------------------------------------------------- data

SERIES_KEYS = ["measure_id", "age_band", "client_group"]


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
    def _series_positions(self) -> dict[tuple[str, str, str], np.ndarray]:
        # Every trend call reads one measure and breakdown: the row positions of each, found
        # once per profile, so a call takes its rows once instead of filtering the wide frame.
        # In the order the trend lists its lines (by role, then period; a stable sort of the
        # rows' order), so the chart's rows need no second take to be put in order.
        if self.rows.empty:
            return {}
        roles, periods = self._row_roles.tolist(), self.rows["period"].tolist()

        def line_order(position: int) -> tuple:
            role, period = roles[position], periods[position]
            missing = not isinstance(period, str)
            return role < 0, role, missing, "" if missing else period
        return {key: np.array(sorted(found.tolist(), key=line_order), dtype=np.intp)
                for key, found in self.rows.groupby(SERIES_KEYS, sort=False).indices.items()}

    @cached_property
    def _row_roles(self) -> np.ndarray:
        # Each row's area as its position among the roles (-1 for any other): numbers, which
        # the response cache can size and a comparison reads fast.
        position = {role.code: index for index, role in enumerate(self.roles)}
        return np.array([position.get(code, -1) for code in self.rows["area_code"].tolist()], dtype=np.int16)

    def series_positions(self, measure_id: str, age_band: str, client_group: str,
                         area_code: str | None = None) -> np.ndarray:
        """Positions in `rows` of one measure and breakdown: by role, then period; of one area,
        if given, in the rows' order (as a filter of `rows` gives them)."""
        found = self._series_positions.get((measure_id, age_band, client_group))
        if found is None:
            return np.empty(0, dtype=np.intp)
        if area_code is None:
            return found
        role = next((index for index, role in enumerate(self.roles) if role.code == area_code), None)
        if role is None:   # not one of the profile's areas: its rows are none of these
            return np.sort(found[[code == area_code for code in self.rows["area_code"].iloc[found].tolist()]])
        return np.sort(found[self._row_roles[found] == role])

    def series(self, measure_id: str, age_band: str, client_group: str, area_code: str | None = None) -> pd.DataFrame:
        """The rows of one measure and breakdown, index and all: every area's by role, then
        period; one area's (if given) as a filter of `rows` gives them."""
        return self.rows.iloc[self.series_positions(measure_id, age_band, client_group, area_code)]

    def prepare(self) -> Profile:
        """Work out what every trend call reads, before the profile is kept."""
        self._series_positions, self._row_roles, self._available   # noqa: B018 (cached_property)
        return self

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


def normalise_code(code: str | None) -> str:
    return (code or "").strip().strip("/").upper()


def load_profile(code: str) -> Profile | None:
    """The profile for a valid ONS code of a council, region or England; None if unknown.

    Kept in the bounded response cache: every trend change on the page reads the same rows,
    and a profile read again costs ~10 ms from the app table in memory. Only a known area is
    kept, so made-up codes cannot fill it."""
    if not CODE_PATTERN.match(code):
        return None
    # A kept profile is of a known area: asked again (every trend change), no lookup of the area.
    kept = warehouse().recall(("profile", code))
    if kept is not None:
        return kept
    if db.area(warehouse(), code) is None:
        return None
    return warehouse().remember(("profile", code), lambda: _load_profile(code))


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
                   dict(zip(flags["quality_flag"], flags["label"]))).prepare()


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


def dots_subtitle(percentages: pd.DataFrame) -> str:
    return f"Percentages, each measure and breakdown for its latest year with a figure ({_span(percentages['period'])})"


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
        subtitle=f"{dots_subtitle(percentages)}; {_beside(profile)}",
        figure=dot_chart(percentages, profile.roles, labels, polarities, title=title, flag_labels=profile.flag_labels),
        rows=rows.drop(columns=["_row", "_role"]).reset_index(drop=True),
        method=METHOD, description=describe_dots(percentages, profile.roles, labels, polarities, profile.flag_labels),
        page_url=PATH + profile.code, resolved={"code": profile.code},
        aliases={"code": profile.code})   # a code in lower case is the same area


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


# ---------------------------------------------------------------- page

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
    ], title="No such council")


def page_title(profile: Profile) -> str:
    return f"{profile.area['area_name']}: profile"


def _latest_section(profile: Profile, latest: pd.DataFrame) -> list:
    chart = area_chart(profile, latest)
    if chart is None:
        return [message(f"{profile.area['area_name']} has no percentage figures: its counts are in the table below.",
                        element_id="profile-dots-message")]
    percentages = latest[(latest["measure_id"].map(profile.unit) == "percent") & latest["value"].notna()]
    polarities = {m: profile.polarity(m) for m in percentages["measure_id"].unique()}
    # The page's heading leaves out what the H1 and the key above the chart already say.
    return dots_section(profile, chart, small_multiples(percentages, profile.roles, polarities),
                        title="Latest figure for each measure", subtitle=dots_subtitle(percentages))


def _tables(profile: Profile, latest: pd.DataFrame) -> list:
    units = latest["measure_id"].map(profile.unit)
    return [latest_table(profile, part, percent=is_percent, table_id=table_id)
            for part, is_percent, table_id in ((latest[units == "percent"], True, "profile-table"),
                                               (latest[units != "percent"], False, "profile-counts-table"))
            if not part.empty]


def layout(code: str = "", **query: str) -> html.Div:
    wanted = normalise_code(code)
    try:
        profile = load_profile(wanted)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Council profile"), message(str(error))], title="Council profile")
    if profile is None:
        return no_such_area(urllib.parse.unquote(code or ""))
    name = profile.area["area_name"]
    if profile.own.empty:
        return page_shell(PATH, [html.H1(name), lede(profile),
                                 message(f"No figures have been loaded for {name}.", element_id="profile-message"),
                                 html.P(html.A("Back to the comparison of councils", href="/"))],
                          title=page_title(profile))
    from .profile_trend import trend_section   # it imports this module: imported when first drawn

    latest = latest_rows(profile)
    # Above the first chart only what is short: the name, one line, the links to compare. The
    # summary is a paragraph: it follows the chart.
    return page_shell(PATH, [html.Div([
        dcc.Store(id="profile-code", data=profile.code),
        html.H1(f"{name}: self-directed support and direct payments"),
        lede(profile),
        *_latest_section(profile, latest),
        html.H2("In brief"),
        html.P(summarise(profile.rows, profile.code, in_sentence(name, profile.area["area_type"]),
                         profile.flag_labels),
               id="profile-summary", className="summary"),
        *trend_section(profile, query),
        html.H2("All figures"),
        *_tables(profile, latest),
        html.P(MARKS_FOOTNOTE + " " + METHOD + " " + RECENT_TREND_METHOD, className="footnote method"),
        *area_notes(profile),
        source_line(db.sources(warehouse(), _shown_source_ids(profile)), element_id="profile-sources",
                    measure_ids=sorted(set(profile.own["measure_id"]))),
    ], className="profile-page")], location_id="profile-url", title=page_title(profile))
