"""Pure builders: DataFrame in, Plotly figure or text out. No database, no Dash.

Shared here: value formatting and how significance against England is shown: colour from a
colour-blind-safe palette (Okabe-Ito), always together with a symbol and words.
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.io as pio

FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": "#1a1a1a"}
NOTE_MARK = "\u2020"          # dagger: this value has a data-quality note in the table
REFERENCE_STYLES = [          # line style and weight carry the meaning, not colour alone
    {"dash": "dash", "color": "#1a1a1a"},
    {"dash": "dot", "color": "#6b2c00"},
]

# (words, colour, symbol) by comparison with England and the measure's polarity. Colours are
# at least 3:1 against white (WCAG 1.4.11); the symbol and words carry the meaning too.
_BETTER = ("#0072B2", "\u25b2")    # blue, up triangle
_WORSE = ("#B35200", "\u25bc")     # dark orange, down triangle
_SIMILAR = ("#767676", "\u25cf")   # grey, circle
_NOT_COMPARED = ("#8C8C8C", "\u25cb")
_CAVEAT = ("#5A5A5A", "\u26a0")   # warning sign: a quality flag says not to compare
CAVEAT_MARK = "\u26a0"
# The reader's own council ("Find your council"), on every ranking, map and funnel: a colour
# outside the significance palette AND a label, never colour alone.
HIGHLIGHT_COLOUR = "#CC79A7"      # Okabe-Ito reddish purple
HIGHLIGHT_OUTLINE = "#1a1a1a"
HIGHLIGHT_MARK = "\u25c6"        # black diamond, beside the name


def tie_ranks(values: list, decimals: int = 1) -> list[str]:
    """Ranks of values sorted highest first, equal values (as printed, to `decimals` places)
    sharing one: [100.0, 100.0, 99.8] -> ['=1', '=1', '3']. None ranks as ''."""
    shown = [None if is_missing(v) else round(float(v), decimals) for v in values]
    counts: dict[float, int] = {}
    for value in shown:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    # How many values are above each: a running total down the distinct values (one pass,
    # where summing over every other value per value was quadratic in a 150-council ranking).
    above, higher = {}, 0
    for value in sorted(counts, reverse=True):
        above[value] = higher
        higher += counts[value]
    return ["" if v is None else ("=" if counts[v] > 1 else "") + str(above[v] + 1) for v in shown]


def comparable_ranks(values: list, compared: list, decimals: int = 1) -> list[str]:
    """Ranks (tie_ranks) among the values a quality flag lets us compare, highest first; ''
    for a value whose flag forbids comparison ('not_compared': the publisher says the figures
    should not be compared, or the value is a reporting artefact). `values` sorted highest first."""
    rankable = [value for value, how in zip(values, compared) if how != "not_compared"]
    ranks = iter(tie_ranks(rankable, decimals))
    return ["" if how == "not_compared" else next(ranks) for how in compared]


def highlight_label(name: str) -> str:
    """'◆ Gateshead (your council)': how a highlighted council is named on a chart."""
    return f"{HIGHLIGHT_MARK} {name} (your council)"


def significance_style(compared: object, polarity: str) -> tuple[str, str, str]:
    """('better than England', colour, symbol) for one area's comparison."""
    if compared == "not_compared":   # a quality flag (etl/reference/quality_flags.csv) forbids it
        return ("not compared: see the caveat", *_CAVEAT)
    if compared == "similar":
        return ("similar to England", *_SIMILAR)
    if compared in ("higher", "lower"):
        if polarity == "higher_is_better":
            return ("better than England", *_BETTER) if compared == "higher" else ("worse than England", *_WORSE)
        if polarity == "lower_is_better":
            return ("better than England", *_BETTER) if compared == "lower" else ("worse than England", *_WORSE)
        return (f"{compared} than England", *(_BETTER if compared == "higher" else _WORSE))
    return ("not compared (no counts)", *_NOT_COMPARED)


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows as dicts, missing columns as None. Column lists zipped together: DataFrame.to_dict
    boxes every cell one by one, ten times slower inside a callback."""
    values = [frame[c].tolist() if c in frame else [None] * len(frame) for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: object, unit: str = "percent") -> str:
    if is_missing(value):
        return "no data"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "points":     # a change in a percentage, signed
        return f"{value:+.1f} points"
    if unit == "gbp_per_head":
        return f"\u00a3{value:,.2f}"
    if unit == "gbp_thousands":
        return f"\u00a3{value:,.0f}k"
    if unit == "gbp_millions":
        return f"\u00a3{value:,.0f}m"
    if unit == "rate_per_100000":
        return f"{value:,.1f}"
    return f"{value:,.0f}"



def axis_suffix(unit: str) -> str:
    return "%" if unit == "percent" else ""


def plotly_default_template() -> dict | None:
    """The template a go.Figure writes into its layout (Plotly's default, as JSON), for figures
    built as plain dicts (cheaper per request) to serialise exactly as the Figure did. Made once
    per default, when the app is loaded (in the server's master, shared by its workers)."""
    name = pio.templates.default
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json() if name else None
    return _TEMPLATES[name]


_TEMPLATES: dict[object, dict | None] = {}
plotly_default_template()
