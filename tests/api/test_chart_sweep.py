"""Every valid chart URL answers 200 or a 4xx with a message, never a 5xx (issue 15).

Every view is asked for every (measure, period, age band, client group) the catalogue holds,
and the trend for every measure and breakdown for a council, a region and England, through the
chart's data download (which builds the chart exactly as the page, embed and image do). The
other parameters (scope, region, council, limits, map view, sort, area) are drawn by
hypothesis over their valid values. A failure names the URL.
"""
from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards import db
from dashboards.context import warehouse

COUNCIL, REGION, ENGLAND = "E06000005", "E12000001", "E92000001"


def _answers(client, view: str, query: dict[str, str]) -> tuple[int, str]:
    url = f"/download/{view}.csv?" + urllib.parse.urlencode(query)
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}: {response.data[:300]!r}"
    if response.status_code >= 400:
        text = response.get_data(as_text=True)
        assert len(text.strip()) > 20, f"{url} answered {response.status_code} with no message"
    return response.status_code, url


@pytest.fixture(scope="module")
def catalogue(app):
    return db.catalogue(warehouse())


def _combinations(catalogue):
    return list(catalogue[["measure_id", "period", "age_band", "client_group"]].itertuples(index=False))


# How many catalogue selections each view draws: the rest are refused with a message (a funnel
# needs a percentage with counts; a measure with no council values has nothing to rank).
@pytest.mark.parametrize("view, drawn_at_least", [("compare", 240), ("funnel", 60), ("map", 240)])
def test_every_catalogue_selection_of_a_ranked_view_answers(client, catalogue, view, drawn_at_least):
    statuses = {}
    for measure, period, age_band, client_group in _combinations(catalogue):
        status, _ = _answers(client, view, {"measure": measure, "period": period, "age_band": age_band,
                                            "client_group": client_group})
        statuses[status] = statuses.get(status, 0) + 1
    assert set(statuses) <= {200, 400, 404} and statuses.get(200, 0) >= drawn_at_least, statuses


def test_every_client_groups_selection_answers(client, catalogue):
    seen = catalogue[["measure_id", "period", "age_band"]].drop_duplicates()
    answered = [_answers(client, "client-groups", {"measure": m, "period": p, "age_band": a})[0]
                for m, p, a in seen.itertuples(index=False)]
    assert answered.count(200) > 0


def test_every_trend_for_a_council_a_region_and_england_answers(client, catalogue):
    breakdowns = catalogue[["measure_id", "age_band", "client_group"]].drop_duplicates()
    answered = []
    for measure, age_band, client_group in breakdowns.itertuples(index=False):
        for code in (COUNCIL, REGION, ENGLAND):
            answered.append(_answers(client, "trend", {"code": code, "measure": measure, "age_band": age_band,
                                                       "client_group": client_group})[0])
    assert answered.count(200) > len(breakdowns)


def test_every_trend_panel_of_a_council_page_answers(client, catalogue):
    """The profile page itself (its trend panel adds the breaks list, the gap-to-England sentence
    and caveats the chart download does not): every breakdown the catalogue holds, for a
    council with no boundary change, where an empty list of breaks once selected no columns."""
    breakdowns = catalogue[["measure_id", "age_band", "client_group"]].drop_duplicates()
    for measure, age_band, client_group in breakdowns.itertuples(index=False):
        page = "/area/E08000037?" + urllib.parse.urlencode(
            {"measure": measure, "age_band": age_band, "client_group": client_group})
        response = client.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"})
        assert response.status_code == 200, f"{page} answered {response.status_code}"
        assert "profile-trend-panel" in response.get_data(as_text=True), page


def test_every_area_profile_answers(client):
    codes = db.areas(warehouse())["area_code"]
    refused = {code for code in codes if _answers(client, "area", {"code": code})[0] != 200}
    # Two counties abolished in 2009 have only counts (their profile page lists them).
    assert refused == {"E10000001", "E10000004"}


@st.composite
def _other_parameters(draw, catalogue, areas):
    measure, period, age_band, client_group = draw(st.sampled_from(_combinations(catalogue)))
    view = draw(st.sampled_from(["compare", "funnel", "map", "client-groups", "trend"]))
    query = {"measure": measure, "period": period, "age_band": age_band, "client_group": client_group}
    councils = sorted(areas.loc[areas["area_type"] == "council", "area_code"])
    regions = sorted(areas.loc[areas["area_type"] == "region", "area_code"])
    if view == "compare":
        query["scope"] = draw(st.sampled_from(["england", "region", "neighbours"]))
        query["region"] = draw(st.sampled_from(regions))
        query["council"] = draw(st.sampled_from(councils))
    elif view == "funnel":
        query["limits"] = draw(st.sampled_from(["unadjusted", "adjusted"]))
    elif view == "map":
        query["view"] = draw(st.sampled_from(["hex", "boundaries"]))
    elif view == "client-groups":
        del query["client_group"]
        query["region"] = draw(st.sampled_from(regions))
        # By name or by a client group's column (a group without a column is refused: 400).
        query["sort"] = draw(st.sampled_from(["name", "mental_health", "learning_disability", "physical", "all"]))
    else:
        del query["period"]
        query["code"] = draw(st.sampled_from(councils + regions + [ENGLAND]))
    return view, query


def test_drawn_parameters_never_give_a_server_error(client, catalogue):
    areas = db.areas(warehouse())

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_other_parameters(catalogue, areas))
    def answers(case):
        view, query = case
        _answers(client, view, query)

    answers()


def test_every_control_and_mental_health_selection_answers(client, catalogue):
    """The views the control and mental-health pages register, over every year, measure,
    region and age band they may be asked for."""
    areas = db.areas(warehouse())
    regions = sorted(areas.loc[areas["area_type"] == "region", "area_code"]) + ["E92000001"]
    periods = sorted(set(catalogue["period"]))
    answered = [_answers(client, "control", {"measure": measure, "period": period, "region": region,
                                             "council": COUNCIL})[0]
                for measure in ("sds_users", "dp_users") for period in periods for region in regions]
    assert answered.count(200) >= 2 * 6
    answered = [_answers(client, "mental-health-dp-share", {"region": region, "council": COUNCIL})[0]
                for region in regions]
    answered += [_answers(client, "mental-health-reasons", {"age_band": band})[0]
                 for band in sorted(set(catalogue["age_band"]))]
    assert answered.count(200) >= len(regions)
