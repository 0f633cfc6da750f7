"""Every chart view's figure is valid Plotly, property by property.

Figures are built from plain dicts and wrapped without validation inside callbacks (validating
~150 bars or ~300 map areas costs 15-20 ms a request), so the validation lives here: each view's
figure, as its page, embed, image and download draw it, is rebuilt with go.Figure, which raises
on any property Plotly does not know or any value of the wrong type."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboards.charts import chart_for, view_names

COUNCIL, REGION = "E06000005", "E12000001"
# A query for each view that draws its fullest figure: the reader's council marked, a region
# where a view takes one.
QUERIES = {
    "compare": [{"measure": "sds_users", "scope": "region", "region": REGION, "council": COUNCIL},
                {"measure": "sds_users", "council": COUNCIL}, {"measure": "dp_spend", "period": "2014-15"}],
    "funnel": [{"measure": "sds_users", "council": COUNCIL}, {"measure": "dp_users", "limits": "adjusted"}],
    "map": [{"measure": "sds_users", "view": "hex", "council": COUNCIL},
            {"measure": "sds_users", "view": "boundaries", "region": REGION}],
    "trend": [{"code": COUNCIL, "measure": "sds_users"}, {"code": COUNCIL, "measure": "dp_users", "with": "E06000047"}],
    "area": [{"code": COUNCIL}, {"code": REGION}],
    "client-groups": [{"council": COUNCIL}, {"region": REGION}],
    "control": [{"council": COUNCIL}],
    "gap": [{"code": COUNCIL, "measure": "dp_users"}, {"code": REGION, "measure": "sds_users"}],
}


def _queries(view: str) -> list[dict[str, str]]:
    return QUERIES.get(view, [{}])


@pytest.mark.parametrize("view", view_names())
def test_every_view_draws_a_valid_plotly_figure(app, view):
    for query in _queries(view):
        spec = chart_for(view, query).figure_spec()
        validated = go.Figure(spec)          # raises ValueError on any invalid property or value
        assert len(validated.data) == len(spec["data"]) > 0, f"{view} {query}: no traces"
