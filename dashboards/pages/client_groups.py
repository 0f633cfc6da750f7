"""Client groups page (being built)."""
from __future__ import annotations

from dash import html

from ..components import message, page_shell

PATH = "/client-groups"
TITLE = "Client groups: self-directed support uptake"
PREFIX = False


def layout(**query: str) -> html.Div:
    return page_shell(PATH, [html.H1("Client groups"), message("This page is being built.")])
