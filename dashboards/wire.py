"""HTML elements in Dash's wire form, for large tables built inside callbacks.

Constructing a dash.html component validates its arguments (~35 us each); a 150-council
table has ~1,800 of them, over the 50 ms callback budget on its own. Dash sends components
to the browser as {"type", "namespace", "props"} (Component.to_plotly_json()), and the
renderer accepts that form directly, so big tables are built as those dicts. A unit test
checks the form against real components, so a Dash change that breaks it fails loudly.
"""
from __future__ import annotations

NAMESPACE = "dash_html_components"


def element(tag: str, children=None, **props) -> dict:
    """<tag> with children and props named as for dash.html (className, id, scope, ...)."""
    if children is not None:
        props["children"] = children
    return {"type": tag, "namespace": NAMESPACE, "props": props}
