"""What a page shows, resolved from its URL query against the data that exists. Pure.

Invalid or missing parameters fall back to the nearest valid choice, so any URL renders a
view and a copied URL restores exactly the view it was copied from.
"""
from __future__ import annotations

import urllib.parse
import weakref
from dataclasses import dataclass

import pandas as pd

SCOPES = ("england", "region", "regions", "neighbours")
# Measures that count people or money: they grow with a council's size, so they are ranked
# among councils (or regions) only, never against England's or a region's total.
COUNT_UNITS = ("count", "gbp_thousands", "gbp_millions")
# A count's rate, where the warehouse derives one (only when the population is loaded).
RATE_OF_COUNT = {"dp_recipients": "dp_recipients_rate"}
DEFAULT_MEASURE = "sds_users"
# Uptake first, then counts and context, as a reader meets them.
MEASURE_ORDER = ["sds_users", "dp_users", "sds_carers", "dp_carers", "pb_eligible", "dp_recipients",
                 "dp_recipients_rate", "dp_carer_recipients", "lts_clients", "mh_investment_per_head",
                 "population", "pb_target"]


def measure_order(measure_id: str) -> tuple[int, str]:
    return (MEASURE_ORDER.index(measure_id) if measure_id in MEASURE_ORDER else len(MEASURE_ORDER), measure_id)


@dataclass(frozen=True)
class Selection:
    """A measure, period and breakdown that the data has council values for."""
    measure_id: str
    period: str
    age_band: str
    client_group: str

    def query_values(self) -> dict[str, str]:
        """The URL parameters that name this selection, as every page writes them."""
        return {"measure": self.measure_id, "period": self.period, "age_band": self.age_band,
                "client_group": self.client_group}


def selection_options(options: dict[str, list[str]]) -> list[list[dict]]:
    """Period, age band and client group radio options as a callback returns them."""
    from .labels import AGE_BANDS, CLIENT_GROUPS

    return [[{"label": p, "value": p} for p in options["period"]],
            [{"label": AGE_BANDS.get(a, a).capitalize(), "value": a} for a in options["age_band"]],
            [{"label": CLIENT_GROUPS.get(c, c).capitalize(), "value": c} for c in options["client_group"]]]


def pick(wanted: str | None, available: list[str], preferred: list[str]) -> str:
    if wanted in available:
        return wanted
    for choice in preferred:
        if choice in available:
            return choice
    return available[0]


class _Choices:
    """A catalogue's selections with council data, as nested lookups: measure -> period ->
    age band -> client groups, and each breakdown's years with their comparable councils.
    Made once per catalogue (catalogues are kept per build), so resolving a URL is a few dict
    lookups where it was a dozen filters of the catalogue per callback."""

    def __init__(self, catalogue: pd.DataFrame):
        rows = catalogue[catalogue["councils"] > 0]
        self.tree: dict[str, dict[str, dict[str, list[str]]]] = {}
        for measure, period, age_band, client_group in zip(
                *(rows[c].tolist() for c in ("measure_id", "period", "age_band", "client_group"))):
            groups = self.tree.setdefault(measure, {}).setdefault(period, {}).setdefault(age_band, [])
            if client_group not in groups:
                groups.append(client_group)
        self.comparable: dict[tuple[str, str, str], dict[str, int]] | None = None
        if "comparable_councils" in rows:
            self.comparable = {}
            for measure, period, age_band, client_group, count in zip(
                    *(rows[c].tolist() for c in ("measure_id", "period", "age_band", "client_group",
                                                 "comparable_councils"))):
                self.comparable.setdefault((measure, age_band, client_group), {}).setdefault(period, count)


_CHOICES: dict[int, tuple[weakref.ref, _Choices]] = {}


def _choices(catalogue: pd.DataFrame) -> _Choices:
    """The catalogue's _Choices, kept while the catalogue lives (keyed by identity: a frame has
    no hash, and one filtered per call simply gets its own)."""
    key = id(catalogue)
    found = _CHOICES.get(key)
    if found is not None and found[0]() is catalogue:
        return found[1]
    made = _Choices(catalogue)
    _CHOICES[key] = (weakref.ref(catalogue, lambda _, key=key: _CHOICES.pop(key, None)), made)
    return made


def resolve_selection(query: dict[str, str], catalogue: pd.DataFrame,
                      measure_ids: list[str] | None = None) -> Selection | None:
    """The selection the query asks for, corrected to one with council data; None if no data."""
    tree = _choices(catalogue).tree
    measures = [m for m in tree if measure_ids is None or m in measure_ids]
    if not measures:
        return None
    measure = pick(query.get("measure"), sorted(measures, key=measure_order), [DEFAULT_MEASURE])
    periods = sorted(tree[measure])
    period = pick(query.get("period"), periods, [periods[-1]])
    age_band = pick(query.get("age_band"), sorted(tree[measure][period]), ["all"])
    client_group = pick(query.get("client_group"), sorted(tree[measure][period][age_band]), ["all"])
    return Selection(measure, period, age_band, client_group)


def latest_comparable(catalogue: pd.DataFrame, selection: Selection) -> Selection | None:
    """The same measure and breakdown in the latest year whose council figures the publisher
    lets us compare, when every council of the selected year carries a flag forbidding it;
    None when the selected year is comparable or no year is."""
    comparable = _choices(catalogue).comparable
    if comparable is None:
        return None
    years = comparable.get((selection.measure_id, selection.age_band, selection.client_group), {})
    if years.get(selection.period, 1) > 0:
        return None
    allowed = sorted(period for period, count in years.items() if count > 0)
    return Selection(selection.measure_id, allowed[-1], selection.age_band, selection.client_group) \
        if allowed else None


def options_for(catalogue: pd.DataFrame, selection: Selection) -> dict[str, list[str]]:
    """The choices each control offers given the others, in display order."""
    tree = _choices(catalogue).tree
    periods = tree.get(selection.measure_id, {})
    bands = periods.get(selection.period, {})
    return {"measure": sorted(tree, key=measure_order), "period": sorted(periods),
            "age_band": sorted(bands, key=_age_order),
            "client_group": sorted(bands.get(selection.age_band, []), key=lambda g: (g != "all", g))}


def _age_order(band: str) -> int:
    order = ["all", "18-64", "under-65", "65+", "65-84", "85+"]
    return order.index(band) if band in order else len(order)


@dataclass(frozen=True)
class CompareView:
    selection: Selection
    scope: str
    region: str | None
    council: str | None        # the reader's own council ("Find your council"), in every scope

    def query(self) -> str:
        values = {**self.selection.query_values(), "scope": self.scope}
        if self.scope == "region" and self.region:
            values["region"] = self.region
        if self.council:
            values["council"] = self.council
        return "?" + urllib.parse.urlencode(values)

    @property
    def needs_council(self) -> bool:
        """Similar councils asked for without a council: the page asks for one."""
        return self.scope == "neighbours" and self.council is None


def resolve_compare(query: dict[str, str], catalogue: pd.DataFrame, regions: list[str],
                    councils: list[str], home_regions: dict[str, str] | None = None) -> CompareView | None:
    """The Compare view a query asks for. Similar councils without a council stay asked for
    (the page asks the reader to choose one) rather than silently showing England; a region
    scope without a valid region shows the reader's council's region, else the first."""
    selection = resolve_selection(query, catalogue)
    if selection is None:
        return None
    scope = query.get("scope") if query.get("scope") in SCOPES else "england"
    council = query.get("council") if query.get("council") in councils else None
    home = (home_regions or {}).get(council or "")
    region = query.get("region") if query.get("region") in regions else \
        (home if home in regions else (regions[0] if regions else None))
    return CompareView(selection, scope, region if scope == "region" else None, council)


def is_count(unit: str) -> bool:
    return unit in COUNT_UNITS


def rate_selection(selection: Selection, catalogue: pd.DataFrame) -> Selection | None:
    """The same year and breakdown of the count's rate, when the warehouse has council values
    for it; None otherwise."""
    rate = RATE_OF_COUNT.get(selection.measure_id)
    rows = catalogue[(catalogue["measure_id"] == rate) & (catalogue["period"] == selection.period)
                     & (catalogue["age_band"] == selection.age_band)
                     & (catalogue["client_group"] == selection.client_group) & (catalogue["councils"] > 0)]
    return None if rows.empty else Selection(rate, selection.period, selection.age_band, selection.client_group)
