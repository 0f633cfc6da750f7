"""What a reader must know beside a chart's numbers: the quality flags on the values drawn, and
the series breaks on either side of the years shown. Pure: rows, breaks and flag definitions in,
plain sentences out. Every channel (page, embed, image, download, API citation) prints these
beside the chart, so a flagged figure never travels without its caveat."""
from __future__ import annotations

import pandas as pd

# Beyond this many, a flag's areas are counted, not named; a flag on every area shown says so.
MAX_NAMES = 30


def _next_period(period: str) -> str:
    start = int(period[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def flag_caveats(rows: pd.DataFrame, flags: pd.DataFrame) -> list[str]:
    """One sentence per quality flag among the rows: which areas and years carry it, and what
    it means. A flag on one value gives that value's own note; on many, the flag's explanation."""
    if rows.empty or "quality_flag" not in rows:
        return []
    flagged = rows.dropna(subset=["quality_flag"])
    flagged = flagged[flagged["quality_flag"] != ""]
    if flagged.empty:
        return []
    exploded = flagged.assign(code=flagged["quality_flag"].str.split("; ")).explode("code")
    order = {code: rank for code, rank in zip(flags["quality_flag"], flags["rank"].astype(int))}
    labels = dict(zip(flags["quality_flag"], flags["label"]))
    explanations = dict(zip(flags["quality_flag"], flags["explanation"]))
    valued = rows[rows["value"].notna()] if "value" in rows else rows
    valued = valued[["area_name", "period"]].drop_duplicates()
    several_years = rows["period"].nunique() > 1
    sentences, told = [], set()
    for code in sorted(exploded["code"].unique(), key=lambda c: (order.get(c, 99), c)):
        chosen = exploded[exploded["code"] == code]
        places = chosen[["area_name", "period"]].drop_duplicates()
        names = list(dict.fromkeys(f"{r.area_name} {r.period}" if several_years else r.area_name
                                   for r in places.itertuples()))
        if len(chosen) == 1:
            # One value: its own note, which already says every flag it carries, once.
            row = chosen.iloc[0]
            if (row["area_name"], row["period"], row["quality_flag"]) in told:
                continue
            told.add((row["area_name"], row["period"], row["quality_flag"]))
            codes = row["quality_flag"].split("; ")
            label = "; ".join(labels.get(c, c) for c in codes)
            note = row["quality_note"] if isinstance(row["quality_note"], str) and row["quality_note"] \
                else " ".join(explanations.get(c, "") for c in codes)
            sentences.append(f"\u26a0 {label} ({names[0]}): {note}")
            continue
        if len(places) >= len(valued):
            shown = "every area shown" + (f", {places['period'].min()} to {places['period'].max()}"
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
    sentences = []
    for measure_id, periods in rows.dropna(subset=["period"]).groupby("measure_id")["period"]:
        first, last = periods.min(), periods.max()
        relevant = breaks[(breaks["measure_id"] == measure_id) & (breaks["period"] >= first)
                          & (breaks["period"] <= _next_period(last))]
        for row in relevant.sort_values("period").itertuples():
            if row.period > last:
                sentences.append(f"Series break after {last}: {row.note}")
            elif row.period > first or first == last:
                sentences.append(f"Series break in {row.period}: {row.note}")
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
        breaks = db.series_breaks(wh)
        kept = chart.__dict__["_caveats"] = chart_caveats(chart.rows, breaks[breaks["measure_id"].notna()],
                                                          db.quality_flags(wh))
    return list(kept)
