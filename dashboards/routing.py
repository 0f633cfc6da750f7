"""Path -> page layout. Only a change of path renders a page: controls that rewrite the query
string (so a copied URL restores the view) must not re-render the page they live on.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Callable

from dash import html

from .components import message, page_shell


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    layout: Callable[..., html.Div]
    prefix: bool = False       # "/area/" serves /area/<code>, passed as `code`
    example: str = ""          # a prefix page's remainder that exists ("E06000005"), for tests
    # A prefix page's own 404: (title, text) when the remainder names nothing, else None.
    missing: Callable[[str], tuple[str, str] | None] | None = None


def query_parameters(search: str | None) -> dict[str, str]:
    """'?a=1&a=2&b=x' -> {'a': '2', 'b': 'x'}: the last value of a repeated parameter wins."""
    return {key: values[-1] for key, values in
            urllib.parse.parse_qs((search or "").lstrip("?"), keep_blank_values=True).items()}


def render(pages: list[Page], pathname: str | None, search: str | None) -> html.Div:
    path = pathname or "/"
    query = query_parameters(search)
    for page in pages:
        if page.prefix and path.startswith(page.path) and len(path) > len(page.path):
            return page.layout(code=path[len(page.path):], **{k: v for k, v in query.items() if k != "code"})
        if not page.prefix and page.path == path:
            return page.layout(**query)
    return page_shell(path, [html.H1("Page not found"), message(f"There is no page at {path}."),
                             html.A("Go to the comparison of councils", href="/")])
