"""Path -> page layout. Only a change of path renders a page: controls that rewrite the query
string (so a copied URL restores the view) must not re-render the page they live on.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Callable

from dash import html

from .components import message


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    layout: Callable[..., html.Main]


def query_parameters(search: str | None) -> dict[str, str]:
    """'?a=1&a=2&b=x' -> {'a': '2', 'b': 'x'}: the last value of a repeated parameter wins."""
    return {key: values[-1] for key, values in
            urllib.parse.parse_qs((search or "").lstrip("?"), keep_blank_values=True).items()}


def render(pages: list[Page], pathname: str | None, search: str | None) -> html.Main:
    for page in pages:
        if page.path == (pathname or "/"):
            return page.layout(**query_parameters(search))
    return html.Main([html.H1("Page not found"),
                      message(f"There is no page at {pathname}. "),
                      html.A("Go to the comparison of councils", href="/")], id="main")
