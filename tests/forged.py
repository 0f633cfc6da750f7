"""Callback request bodies as Dash's renderer sends them, for tests that forge or replay them."""
from __future__ import annotations


def route_callback(path: str, search: str = "") -> dict:
    """The routing callback's request for the page at path (dashboards/__init__.py: the page
    and the layout's 'already rendered' marker out; the path in, search and marker as state)."""
    return {"output": "..page.children...rendered-path.data..",
            "outputs": [{"id": "page", "property": "children"}, {"id": "rendered-path", "property": "data"}],
            "inputs": [{"id": "url", "property": "pathname", "value": path}],
            "state": [{"id": "url", "property": "search", "value": search},
                      {"id": "rendered-path", "property": "data", "value": None}],
            "changedPropIds": ["url.pathname"]}
