"""Map page (being built)."""
from __future__ import annotations

from dash import html

from ..components import message, page_shell

PATH = "/map"
TITLE = "Map: self-directed support uptake"
PREFIX = False


def layout(**query: str) -> html.Div:
    return page_shell(PATH, [html.H1("Map"), message("This page is being built.")])
