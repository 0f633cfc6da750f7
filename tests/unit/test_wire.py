from dash import html

from dashboards.wire import element


def test_wire_elements_match_what_dash_components_serialise_to():
    real = html.Table([html.Caption("c"), html.Tbody(html.Tr([html.Th("a", scope="row"),
                                                              html.Td("1", className="number")]))], id="t")
    ours = element("Table", [element("Caption", "c"), element("Tbody", element("Tr", [
        element("Th", "a", scope="row"), element("Td", "1", className="number")]))], id="t")

    def normalise(node):
        if isinstance(node, list):
            return [normalise(n) for n in node]
        if hasattr(node, "to_plotly_json"):
            node = node.to_plotly_json()
        if isinstance(node, dict) and "props" in node:
            props = {k: normalise(v) for k, v in node["props"].items()}
            return {"type": node["type"], "namespace": node["namespace"], "props": props}
        return node

    assert normalise(real) == normalise(ours)
