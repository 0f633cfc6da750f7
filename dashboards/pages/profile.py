"""Council profile page (being built)."""
from __future__ import annotations

from dash import html

from ..components import message, page_shell

PATH = "/area/"
TITLE = "Council profile: self-directed support uptake"
PREFIX = True


def layout(**query: str) -> html.Div:
    return page_shell(PATH, [html.H1("Council profile"), message("This page is being built.")])
