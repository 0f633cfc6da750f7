"""The page as HTML in Dash's index, with its first chart drawn before Dash starts.

A Dash page shows nothing until the browser has fetched and run React, the renderer and every
component bundle, then asked the server for the layout: about 1.2 s of script before the first
chart on a two-core machine, where a static page with the same figure draws as soon as
plotly.js has run. So the index carries the page already rendered (the same components, as
static HTML) and the first chart's figure; first-paint.js draws it as soon as plotly.js has
run, and swaps in the live page once Dash has drawn its own chart. The copy's links work (they
are plain links); its form controls are disabled, shown as not ready yet, so nothing can be
chosen or typed there and then lost at the swap.

Ids in the copy are prefixed (and so are the attributes that name them), so the live page's
ids stay unique and the copy's labels still name its own controls.
"""
from __future__ import annotations

import hashlib
import html
import re
import urllib.parse
from typing import NamedTuple
from pathlib import Path

import plotly.io
from plotly.io.json import to_json_plotly
from dash.development.base_component import Component

from .db import WarehouseUnavailable

ID_PREFIX = "first-paint-"
EARLY_SCRIPTS = ("fit-charts.js", "first-paint.js")     # in assets/early, in this order
STYLE_URL = "/first-paint.css"
STYLE_MAX_AGE = 365 * 24 * 3600     # its URL names its content
ID_SELECTOR = re.compile(r"#(-?[A-Za-z_][\w-]*)")
# Attributes whose value names another element's id (a space-separated list for the aria ones).
ID_REFERENCES = ("id", "htmlFor", "list", "headers", "aria-labelledby", "aria-describedby",
                 "aria-controls", "aria-owns", "aria-activedescendant")
ATTRIBUTE_NAMES = {"className": "class", "htmlFor": "for", "colSpan": "colspan", "rowSpan": "rowspan",
                   "tabIndex": "tabindex", "autoComplete": "autocomplete", "readOnly": "readonly",
                   "dateTime": "datetime", "accessKey": "accesskey", "maxLength": "maxlength",
                   "spellCheck": "spellcheck", "contentEditable": "contenteditable"}
# Form controls in the copy: disabled until the live page, whose controls work, replaces it.
CONTROLS = {"select", "input", "textarea", "button"}
BOOLEAN_ATTRIBUTES = {"hidden", "open", "disabled", "readOnly", "required", "multiple", "checked", "selected"}
# Props that are Dash's or React's, not HTML's.
NOT_ATTRIBUTES = {"children", "style", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state",
                  "key", "setProps", "persistence", "persisted_props", "persistence_type", "debounce",
                  "n_blur", "n_blur_timestamp", "n_submit", "n_submit_timestamp"}
VOID_ELEMENTS = {"br", "wbr", "img", "input", "hr", "col", "source", "track", "area"}
# CSS properties React writes without a unit when given a number.
UNITLESS = {"opacity", "zIndex", "flex", "flexGrow", "flexShrink", "fontWeight", "lineHeight", "order", "zoom"}
GRAPH_HEIGHT = 450        # dcc.Graph's height when its figure sets none
# How much of the page below its first chart the copy holds: about a phone's screen of small
# multiples or a table's first rows. The rest is out of sight until the live page replaces the
# copy, and everything in the copy is parsed and laid out before the chart can draw (a
# profile's tables are 100 KB).
BELOW_CHART_BYTES = 40_000


def _kebab(name: str) -> str:
    return name if name.startswith("--") else re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def _css(style: dict) -> str:
    return ";".join(f"{_kebab(key)}:{value}{'px' if isinstance(value, (int, float)) and key not in UNITLESS else ''}"
                    for key, value in style.items() if value is not None)


def _prefixed(name: str, value: object) -> object:
    if name in ID_REFERENCES and isinstance(value, str):
        return " ".join(ID_PREFIX + part for part in value.split())
    return value


def _attributes(props: dict, extra_class: str = "") -> str:
    parts = []
    classes = " ".join(c for c in (extra_class, props.get("className") or "") if c)
    if classes:
        parts.append(f'class="{html.escape(classes)}"')
    for name, value in props.items():
        if name in NOT_ATTRIBUTES or name == "className" or value is None or value is False:
            continue
        if isinstance(value, (dict, list, Component)):
            continue            # component props that are data (a figure, options), not attributes
        attribute = ATTRIBUTE_NAMES.get(name, name)
        if name in BOOLEAN_ATTRIBUTES or value is True:
            if value:
                parts.append(attribute)
            continue
        parts.append(f'{attribute}="{html.escape(str(_prefixed(name, value)))}"')
    if props.get("style"):
        parts.append(f'style="{html.escape(_css(props["style"]))}"')
    return (" " + " ".join(parts)) if parts else ""


class Snapshot:
    """Writes one layout as HTML, keeping the first graph's figure to draw."""

    def __init__(self) -> None:
        self.figure: dict | None = None
        self.below_chart = 0        # bytes of text and tags written since the first chart
        # A graph with no figure of its own is drawn by a clientside callback from the figure
        # Store beside it, fitted to the width by assets/early/fit-charts.js under the graph's
        # id (Compare fits its figure to a phone that way): the last one seen.
        self._stored_figure: dict | None = None

    def write(self, node: object) -> str:
        if node is None or node is False or self.below_chart > BELOW_CHART_BYTES:
            return ""
        if isinstance(node, (list, tuple)):
            return "".join(self.write(child) for child in node)
        if isinstance(node, Component):
            # Its props with the wildcard ones (aria-*, data-*), which _prop_names leaves out.
            return self._element(node._namespace, node._type, node.to_plotly_json()["props"])
        if isinstance(node, dict) and {"type", "namespace", "props"} <= node.keys():
            return self._element(node["namespace"], node["type"], node["props"])   # dashboards/wire.py
        return self._counted(html.escape(str(node)))

    def _counted(self, text: str) -> str:
        if self.figure is not None:
            self.below_chart += len(text)
        return text

    def _element(self, namespace: str, kind: str, props: dict) -> str:
        props = {name: value for name, value in props.items() if value is not None}
        if namespace == "dash_html_components":
            tag = kind.lower()
            if tag in CONTROLS:
                props = {**props, "disabled": True}
            opening = self._counted(f"<{tag}{_attributes(props)}>")
            if tag in VOID_ELEMENTS:
                return opening
            inside = self.write(props.get("children"))
            return f"{opening}{inside}{self._counted(f'</{tag}>')}"
        writer = getattr(self, f"_{namespace}_{kind}", None)
        if writer is not None:
            return writer(props)
        # A component this module has no rule for: its children, so no text is lost
        # (tests/unit/test_first_paint.py asserts every page's components have a rule).
        return self.write(props.get("children"))

    # --- dash core components -------------------------------------------------------------

    def _dash_core_components_Graph(self, props: dict) -> str:
        figure, stored = props.get("figure"), False
        if figure is None and self._stored_figure is not None:
            figure, stored = self._stored_figure, True
        if figure is not None and not isinstance(figure, dict):
            figure = figure.to_plotly_json()
        height = ((figure or {}).get("layout") or {}).get("height") or GRAPH_HEIGHT
        style = {"minHeight": f"{height}px", **(props.get("style") or {})}
        attributes = _attributes({"id": props.get("id"), "className": props.get("className"), "style": style},
                                 "dash-graph")
        if self.figure is None and figure is not None:
            self.figure = {"data": figure.get("data", []), "layout": figure.get("layout", {}),
                           "config": props.get("config") or {}, "fit": props.get("id") if stored else None}
            return f'<div{attributes}><div class="first-paint-chart"></div></div>'
        return f"<div{attributes}></div>"

    def _dash_core_components_Input(self, props: dict) -> str:
        # As Dash 4 draws it: the input inside a box that carries its class.
        box = _attributes({"className": props.get("className")}, "dash-input-container dash-input")
        return f"<div{box}><input{_attributes({**props, 'className': None, 'disabled': True}, 'dash-input-element')}></div>"

    def _dash_core_components_Textarea(self, props: dict) -> str:
        value = props.get("value") or ""
        attributes = _attributes({**{k: v for k, v in props.items() if k != "value"}, "disabled": True})
        return f"<textarea{attributes}>{html.escape(value)}</textarea>"

    def _dash_core_components_RadioItems(self, props: dict) -> str:
        name = html.escape(ID_PREFIX + str(props.get("id", "radio")))
        label_class = html.escape(props.get("labelClassName") or "")
        items = []
        for option in props.get("options") or []:
            checked = " checked" if option.get("value") == props.get("value") else ""
            items.append(f'<label class="{label_class}"><input type="radio" disabled name="{name}" '
                         f'value="{html.escape(str(option.get("value")))}"{checked}>'
                         f'{self.write(option.get("label"))}</label>')
        return f'<div{_attributes({"id": props.get("id"), "className": props.get("className")})}>{"".join(items)}</div>'

    def _dash_core_components_Markdown(self, props: dict) -> str:
        children = props.get("children") or ""
        text = "\n".join(children) if isinstance(children, list) else str(children)
        paragraphs = "".join(f"<p>{html.escape(part.strip())}</p>" for part in text.split("\n\n") if part.strip())
        return f"<div{_attributes(props)}>{paragraphs}</div>"

    def _dash_core_components_Link(self, props: dict) -> str:
        return f"<a{_attributes(props)}>{self.write(props.get('children'))}</a>"

    def _dash_core_components_Location(self, props: dict) -> str:
        return ""

    def _dash_core_components_Store(self, props: dict) -> str:
        data = props.get("data")
        if isinstance(data, dict) and "data" in data and "layout" in data:
            self._stored_figure = data
        return ""

    # --- dash bootstrap components ----------------------------------------------------------

    def _dash_bootstrap_components_Select(self, props: dict) -> str:
        options = []
        for option in props.get("options") or []:
            selected = " selected" if option.get("value") == props.get("value") else ""
            disabled = " disabled" if option.get("disabled") else ""
            options.append(f'<option value="{html.escape(str(option.get("value")))}"{selected}{disabled}>'
                           f'{html.escape(str(option.get("label")))}</option>')
        attributes = _attributes({**{k: v for k, v in props.items() if k not in ("value", "size")}, "disabled": True},
                                 "form-select")
        return f"<select{attributes}>{''.join(options)}</select>"


def page_html(layout: Component) -> tuple[str, dict | None]:
    """(the layout as static HTML, the first graph's figure or None)."""
    snapshot = Snapshot()
    markup = snapshot.write(layout)
    return markup, snapshot.figure


def page_title(layout: Component) -> str | None:
    """The title a page names for itself (page_shell's hidden #page-title)."""
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, Component):
            if getattr(node, "id", None) == "page-title":
                return node.to_plotly_json()["props"].get("data-title")
            stack.append(getattr(node, "children", None))
    return None


def figure_script(figure: dict) -> str:
    # Data, not code: the Content-Security-Policy's script hashes do not apply to it. "</"
    # inside it would end the block early; JSON allows "<\/" as the same text.
    text = plotly.io.to_json(figure, validate=False).replace("</", "<\\/")
    return f'<script type="application/json" id="first-paint-figure">{text}</script>'


def _matching_brace(css: str, opening: int) -> int:
    depth, index = 1, opening + 1
    while depth and index < len(css):
        depth += {"{": 1, "}": -1}.get(css[index], 0)
        index += 1
    return index


def id_rules(css: str) -> str:
    """The rules of css that select by id, selecting the first paint's prefixed ids instead:
    the pages style many things by id, and the copy's ids are prefixed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, index = [], 0
    while (opening := css.find("{", index)) >= 0:
        prelude = css[index:opening].strip()
        closing = _matching_brace(css, opening)
        body = css[opening + 1:closing - 1]
        if prelude.startswith(("@media", "@supports", "@container")):
            inner = id_rules(body)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif not prelude.startswith("@") and "#" in prelude:
            out.append(f"{ID_SELECTOR.sub(lambda m: '#' + ID_PREFIX + m.group(1), prelude)}{{{body.strip()}}}")
        index = closing
    return "\n".join(out)


class RenderedPage(NamedTuple):     # a tuple of strings: the response cache can size it
    """One page, rendered once per build: what the index carries, and the layout Dash asks
    for next (as the JSON it sends), so a page load renders the page once, and a repeat none."""
    first_paint: str            # the page as HTML and its first figure's data block
    title: str | None
    layout_json: str


def rendered_page(layout: Component) -> RenderedPage:
    markup, figure = page_html(layout)
    first_paint = f'<div id="first-paint" aria-busy="true">{markup}</div>'
    if figure is not None:
        first_paint += figure_script(figure)
    return RenderedPage(first_paint, page_title(layout), to_json_plotly(layout))


def early_script_urls(assets: Path) -> list[str]:
    """The early scripts' URLs, fingerprinted by their modified time as Dash does its assets
    (?m=), so a browser and the proxy may keep them for a year."""
    return [f"/assets/early/{name}?m={int((assets / 'early' / name).stat().st_mtime)}" for name in EARLY_SCRIPTS]


def scripts_html(plotly_url: str, early_urls: list[str]) -> str:
    """plotly.js (dcc.Graph uses this window.Plotly rather than fetching its own copy) and the
    scripts that draw the first paint's figure and later swap in the live page."""
    return "".join(f'<script src="{html.escape(url)}"></script>' for url in (plotly_url, *early_urls))


SCRIPT_TAG = re.compile(r'<script src="[^"]+"></script>')


def after_first_chart(scripts: str, renderer: str) -> dict[str, str]:
    """Dash's scripts and its renderer's start, held in a <template> (inert: nothing in it runs)
    for first-paint.js to add once the first chart is drawn: fetched beside plotly.js they
    compete with it for the network and the processor, and the chart waits. Dash's check that
    its index names them still finds them. Scripts of any other form are left where they are."""
    if SCRIPT_TAG.sub("", scripts).strip():
        return {}
    return {"scripts": f'<template id="first-paint-then">{scripts}{renderer}</template>', "renderer": ""}


def install(app, render_layout, plotly_url: str, assets: Path) -> None:
    """Put the first paint into the index Dash serves for a page, and answer the layout request
    that follows from the same page. render_layout(path, query) gives the app's layout for a
    page, or None when the path is no page; assets is Dash's assets folder (the first paint's id
    rules are made from its stylesheets; its early folder holds the first paint's scripts)."""
    from flask import Response, request

    from .context import warehouse

    interpolate = app.interpolate_index
    style = "\n".join(id_rules(sheet.read_text(encoding="utf-8")) for sheet in sorted(assets.glob("*.css")))
    scripts = scripts_html(plotly_url, early_script_urls(assets))
    style_tag = f'<link rel="stylesheet" href="{STYLE_URL}?v={hashlib.sha256(style.encode()).hexdigest()[:12]}">'

    def page_at(path: str, query: str) -> RenderedPage | None:
        def produce():
            layout = render_layout(path, query)
            return None if layout is None else rendered_page(layout)
        # Through the response cache: bounded, per build, one render while others wait.
        return warehouse().remember(("first-paint", request.host, path, query), produce)

    def with_first_paint(**parts) -> str:
        try:
            rendered = page_at(request.path, request.query_string.decode("utf-8", "replace"))
        except WarehouseUnavailable:    # the live page says so; the index must still load
            rendered = None
        if rendered is not None:
            parts = {**parts, **after_first_chart(parts["scripts"], parts["renderer"])}
        page = interpolate(**parts)
        if rendered is not None:
            if rendered.title:
                page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(rendered.title)}</title>", page,
                              count=1, flags=re.S)
            page = (page.replace("</head>", style_tag + "</head>", 1).replace("<body>", '<body class="first-paint">', 1)
                    .replace('<div id="react-entry-point"', rendered.first_paint + '<div id="react-entry-point"', 1))
        return page.replace('<div id="react-entry-point"', scripts + '<div id="react-entry-point"', 1)

    app.interpolate_index = with_first_paint

    @app.server.before_request
    def layout_of_the_page():
        """Dash's renderer asks for the layout from the page, so the Referer names the page: the
        layout the index has just rendered, as JSON. Without a same-site Referer Dash's own
        route answers (the routing callback then fills in the page)."""
        if request.path != "/_dash-layout":
            return None
        referrer = urllib.parse.urlsplit(request.referrer or "")
        if referrer.netloc != request.host or not referrer.path:
            return None
        rendered = page_at(referrer.path, referrer.query)
        if rendered is None:
            return None
        return Response(rendered.layout_json, mimetype="application/json")

    @app.server.get(STYLE_URL)
    def first_paint_style():
        response = Response(style, mimetype="text/css")
        response.cache_control.public, response.cache_control.max_age = True, STYLE_MAX_AGE
        return response
