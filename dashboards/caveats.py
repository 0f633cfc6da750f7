"""What a reader must know beside a chart's numbers: the quality flags on the values drawn, and
the series breaks on either side of the years shown. Pure: rows, breaks and flag definitions in,
plain sentences out. Every channel (page, embed, image, download, API citation) prints these
beside the chart, so a flagged figure never travels without its caveat."""
from __future__ import annotations

import numpy as np
import pandas as pd

# Beyond this many, a flag's areas are counted, not named; a flag on every area shown says so.
MAX_NAMES = 30


def _next_period(period: str) -> str:
    start = int(period[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def _text(value) -> bool:
    return isinstance(value, str) and value != ""


def flag_caveats(rows: pd.DataFrame, flags: pd.DataFrame) -> list[str]:
    """One sentence per quality flag among the rows: which areas and years carry it, and what
    it means. A flag on one value gives that value's own note; on many, the flag's explanation."""
    if rows.empty or "quality_flag" not in rows:
        return []
    # On column arrays, not frame filters: a chart's rows have some 30 columns, and this runs for
    # every chart a page, embed or image draws.
    quality = rows["quality_flag"].to_numpy(dtype=object)
    flagged_at = [i for i, flag in enumerate(quality) if _text(flag)]
    if not flagged_at:
        return []
    area_names = rows["area_name"].to_numpy(dtype=object)
    periods = rows["period"].to_numpy(dtype=object)
    notes = rows["quality_note"].to_numpy(dtype=object) if "quality_note" in rows else [None] * len(rows)
    # Each flag code with the rows carrying it, in row order (a row may carry several codes).
    by_code: dict[str, list[int]] = {}
    for i in flagged_at:
        for code in quality[i].split("; "):
            by_code.setdefault(code, []).append(i)
    order = {code: rank for code, rank in zip(flags["quality_flag"], flags["rank"].astype(int))}
    labels = dict(zip(flags["quality_flag"], flags["label"]))
    explanations = dict(zip(flags["quality_flag"], flags["explanation"]))
    has_value = rows["value"].notna().to_numpy() if "value" in rows else np.ones(len(rows), dtype=bool)
    valued = {(area_names[i], periods[i]) for i in np.flatnonzero(has_value)}
    several_years = rows["period"].nunique() > 1
    sentences, told = [], set()
    for code in sorted(by_code, key=lambda c: (order.get(c, 99), c)):
        chosen = by_code[code]
        places = list(dict.fromkeys((area_names[i], periods[i]) for i in chosen))
        names = list(dict.fromkeys(f"{name} {period}" if several_years else f"{name}" for name, period in places))
        if len(chosen) == 1:
            # One value: its own note, which already says every flag it carries, once.
            i = chosen[0]
            if (area_names[i], periods[i], quality[i]) in told:
                continue
            told.add((area_names[i], periods[i], quality[i]))
            codes = quality[i].split("; ")
            label = "; ".join(labels.get(c, c) for c in codes)
            note = notes[i] if _text(notes[i]) else " ".join(explanations.get(c, "") for c in codes)
            sentences.append(f"\u26a0 {label} ({names[0]}): {note}")
            continue
        if len(places) >= len(valued):
            shown_periods = [period for _, period in places]
            shown = "every area shown" + (f", {min(shown_periods)} to {max(shown_periods)}"
                                          if several_years else "")
        else:
            shown = ", ".join(names[:MAX_NAMES]) + \
                (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")
        sentences.append(f"\u26a0 {labels.get(code, code)} ({shown}): {explanations.get(code, '')}")
    return sentences


def break_caveats(rows: pd.DataFrame, breaks: pd.DataFrame) -> list[str]:
    """A sentence for every definition break of a measure shown that falls within the years
    shown or in the year after the last one (so a chart of 2023-24 warns that 2024-25 differs)."""
    if rows.empty or breaks.empty:
        return []
    spans: dict[str, tuple[str, str]] = {}
    for measure_id, period in zip(rows["measure_id"].to_numpy(dtype=object), rows["period"].to_numpy(dtype=object)):
        if not isinstance(period, str) or not isinstance(measure_id, str):
            continue
        first, last = spans.get(measure_id, (period, period))
        spans[measure_id] = (min(first, period), max(last, period))
    ordered = breaks.sort_values("period", kind="stable")
    known = list(zip(ordered["measure_id"], ordered["period"], ordered["note"]))
    sentences = []
    for measure_id in sorted(spans):
        first, last = spans[measure_id]
        for break_measure, period, note in known:
            if break_measure != measure_id or not first <= period <= _next_period(last):
                continue
            if period > last:
                sentences.append(f"Series break after {last}: {note}")
            elif period > first or first == last:
                sentences.append(f"Series break in {period}: {note}")
    return list(dict.fromkeys(sentences))


def chart_caveats(rows: pd.DataFrame, breaks: pd.DataFrame, flags: pd.DataFrame) -> list[str]:
    return flag_caveats(rows, flags) + break_caveats(rows, breaks)


def for_chart(chart) -> list[str]:
    """The caveats of a Chart, read with the process's warehouse. Kept on the chart: a page
    prints them and sizes its embed code with them in the same request."""
    kept = chart.__dict__.get("_caveats")
    if kept is None:
        from . import db
        from .context import warehouse
        wh = warehouse()
        kept = chart.__dict__["_caveats"] = chart_caveats(chart.rows, db.measure_series_breaks(wh),
                                                          db.quality_flags(wh))
    return list(kept)
