"""Client groups offers only regions, age bands and sort columns with councils' figures for the
chosen year (issue 14): pure on a small catalogue, then every combination its controls can reach
on the full real build, each drawing a chart, and every region it leaves out having nothing."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboards import context, db
from dashboards.charts import ChartRequestError, chart_for
from dashboards.db import Warehouse
from dashboards.pages import client_groups as page
from dashboards.pages import client_groups_views as views

CATALOGUE = pd.DataFrame([
    # measure, period, age band, client group, councils, has England
    ("sds_users", "2011-12", "all", "all", 12, True),
    ("sds_users", "2011-12", "18-64", "mental_health", 12, True),
    ("lts_clients", "2021-22", "all", "all", 20, True),
    ("lts_clients", "2021-22", "all", "mental_health", 20, True),
    ("lts_clients", "2021-22", "65+", "all", 20, True),
    ("lts_clients", "2021-22", "65+", "substance_misuse", 3, True),
], columns=["measure_id", "period", "age_band", "client_group", "councils", "has_england"])
NORTH_EAST, NORTH_WEST, LONDON = "E12000001", "E12000002", "E12000007"
REGIONS = [NORTH_EAST, NORTH_WEST, LONDON]
BY_REGION = pd.DataFrame([
    ("sds_users", "2011-12", "all", "all", NORTH_EAST, 12),
    ("sds_users", "2011-12", "18-64", "mental_health", NORTH_EAST, 12),
    ("lts_clients", "2021-22", "all", "all", NORTH_EAST, 10),
    ("lts_clients", "2021-22", "all", "mental_health", NORTH_EAST, 10),
    ("lts_clients", "2021-22", "65+", "all", NORTH_EAST, 10),
    ("lts_clients", "2021-22", "65+", "substance_misuse", NORTH_EAST, 3),
    ("lts_clients", "2021-22", "all", "all", NORTH_WEST, 10),
    ("lts_clients", "2021-22", "all", "mental_health", NORTH_WEST, 10),
], columns=["measure_id", "period", "age_band", "client_group", "region_code", "councils"])


def test_only_regions_and_age_bands_with_councils_figures_for_the_year_are_offered_or_chosen():
    view = views.resolve_view({"measure": "sds_users", "period": "2011-12", "region": LONDON}, CATALOGUE, REGIONS,
                              by_region=BY_REGION)
    assert view.region == NORTH_EAST          # London has no 2011-12 figures: the report's region instead
    options = views.options_for_view(CATALOGUE, view, by_region=BY_REGION, regions=REGIONS)
    assert options["region"] == ["england", NORTH_EAST]
    view = views.resolve_view({"measure": "lts_clients", "period": "2021-22", "region": NORTH_WEST,
                               "age_band": "65+"}, CATALOGUE, REGIONS, by_region=BY_REGION)
    # The North West has no 65+ figures: only the age band its councils have is offered and chosen.
    assert (view.region, view.age_band) == (NORTH_WEST, "all")
    options = views.options_for_view(CATALOGUE, view, by_region=BY_REGION, regions=REGIONS)
    assert options["region"] == ["england", NORTH_EAST, NORTH_WEST] and options["age_band"] == ["all"]
    north_east = views.resolve_view({"measure": "lts_clients", "period": "2021-22", "region": NORTH_EAST,
                                     "age_band": "65+"}, CATALOGUE, REGIONS, by_region=BY_REGION)
    options = views.options_for_view(CATALOGUE, north_east, by_region=BY_REGION, regions=REGIONS)
    assert options["age_band"] == ["all", "65+"]
    assert [key for key, _ in options["sort"]] == ["area", "all", "substance_misuse"]
    # Without counts by region (the old callers), every region is offered as before.
    assert views.options_for_view(CATALOGUE, view, regions=REGIONS)["region"] == ["england", *REGIONS]


@pytest.fixture(scope="module")
def full_warehouse(full_db):
    warehouse = Warehouse(full_db[0])
    previous = context._warehouse
    context._warehouse = warehouse
    yield warehouse
    context._warehouse = previous


def test_every_region_age_band_and_sort_the_controls_reach_draws_and_no_region_with_figures_is_left_out(
        full_warehouse):
    catalogue, regions, measures = page._reference_data()
    all_regions = list(regions["area_code"])
    councils = db.observations(full_warehouse, measure_id=list(measures.index))
    councils = councils[(councils["area_type"] == "council") & councils["value"].notna()]
    reached = 0
    for measure in page._options(page._view({})[0], catalogue, regions)["measure"]:
        for period in page._options(page._view({"measure": measure})[0], catalogue, regions)["period"]:
            england = page._view({"measure": measure, "period": period, "region": "england"})[0]
            assert (england.measure_id, england.period) == (measure, period)
            offered = page._options(england, catalogue, regions)["region"]
            # Every column any age band of the year draws, and which regions' councils fill one.
            drawn = {(c.age_band, c.client_group)
                     for band in page._options(england, catalogue, regions)["age_band"]
                     for c in views.columns_for(catalogue, measure, period, band)}
            year = councils[(councils["measure_id"] == measure) & (councils["period"] == period)]
            filled = year[[pair in drawn for pair in zip(year["age_band"], year["client_group"])]]
            assert offered == ["england"] + [r for r in all_regions if r in set(filled["region_code"])], \
                (measure, period)
            for region in offered:
                at_region = page._view({"measure": measure, "period": period, "region": region})[0]
                assert at_region.region == region, (measure, period, region)
                for band in page._options(at_region, catalogue, regions)["age_band"]:
                    query = {"measure": measure, "period": period, "region": region, "age_band": band}
                    view = page._view(query)[0]
                    assert (view.region, view.age_band) == (region, band), query
                    shown = page.shown_for(view, catalogue, regions, measures)
                    assert not shown.values.empty, query          # a chart, not "none of the councils"
                    reached += 1
                    mine = year if region == "england" else year[year["region_code"] == region]
                    for key, _label in page._options(view, catalogue, regions)["sort"][1:]:
                        column = next(c for c in shown.columns if c.key == key)
                        assert ((mine["age_band"] == column.age_band)
                                & (mine["client_group"] == column.client_group)).any(), (query, key)
    assert reached >= 100


def test_a_url_naming_a_region_without_figures_is_refused_naming_it(full_warehouse):
    with pytest.raises(ChartRequestError) as refused:
        chart_for("client-groups", {"measure": "sds_users", "period": "2011-12", "region": "E12000002"})
    assert refused.value.status == 400 and refused.value.message.startswith("region='E12000002' is not available")
    assert refused.value.valid[0].endswith("region=E12000001&sort=area")
