"""Reading Dash's wire form (dashboards/wire.py) back as text, for tests of tables."""
from __future__ import annotations


def wire_text(node) -> str:
    """The visible text of a wire-form element."""
    if isinstance(node, dict):
        return wire_text(node["props"].get("children"))
    if isinstance(node, list):
        return "".join(wire_text(child) for child in node)
    return "" if node is None else str(node)


def wire_table_cells(panel: list, table_id: str) -> list[list[str]]:
    """Each body row's cell texts of the wire-form table with this id in a panel's children."""
    table = find(panel, table_id)          # anywhere in the panel: tables sit in a scroll box
    assert table is not None, f"no table {table_id}"
    body = table["props"]["children"][2]["props"]["children"]
    return [[wire_text(cell) for cell in row["props"]["children"]] for row in body]


def find(node, element_id: str):
    """The component (or wire-form element) with this id in a Dash layout tree, else None."""
    if isinstance(node, (list, tuple)):
        return next((found for child in node if (found := find(child, element_id)) is not None), None)
    if hasattr(node, "to_plotly_json"):
        return node if getattr(node, "id", None) == element_id else find(getattr(node, "children", None), element_id)
    if isinstance(node, dict):
        props = node.get("props", {})
        return node if props.get("id") == element_id else find(props.get("children"), element_id)
    return None
