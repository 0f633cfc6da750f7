"""Mental-health lens, the pure part: shares of direct payments, the years a series runs over,
and the sentences saying which years and places have no figure and why. Observation rows,
catalogue rows and series breaks in; DataFrames and text out. No database, no Dash."""
from __future__ import annotations

import pandas as pd

from ..figures import is_missing

ENGLAND = "E92000001"
DP_MEASURE = "dp_recipients"
MENTAL_HEALTH = "mental_health"
STATUS_REASONS = {
    "suppressed": "suppressed by the publisher (too few people to publish safely)",
    "not_applicable": "not applicable",
    "missing": "not given in the publication",
}
SHARE_COLUMNS = ["area_code", "area_name", "area_type", "region_code", "period", "mental_health", "all_18_64",
                 "share", "mental_health_status", "all_status", "note"]


def financial_years(first: str, last: str) -> list[str]:
    """'2006-07', '2008-09' -> ['2006-07', '2007-08', '2008-09']: every year between, so a year
    with no publication shows as a gap rather than being closed up."""
    start, end = int(first[:4]), int(last[:4])
    return [f"{year}-{(year + 1) % 100:02d}" for year in range(start, end + 1)]


def dp_shares(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area and year, direct payments to 18-64 mental-health clients as a share (%) of all
    18-64 direct payments, from dp_recipients rows (age band 18-64, client groups mental_health
    and all). The share is left empty where either count has no value."""
    rows = rows[(rows["measure_id"] == DP_MEASURE) & (rows["age_band"] == "18-64")]
    keys = ["area_code", "period"]
    health = rows[rows["client_group"] == MENTAL_HEALTH].drop_duplicates(keys).set_index(keys)
    total = rows[rows["client_group"] == "all"].drop_duplicates(keys).set_index(keys)
    index = health.index.union(total.index)
    if index.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    described = health.reindex(index).combine_first(total.reindex(index))
    out = pd.DataFrame({
        "area_name": described["area_name"], "area_type": described["area_type"],
        "region_code": described["region_code"],
        "mental_health": pd.to_numeric(health["value"].reindex(index), errors="coerce"),
        "all_18_64": pd.to_numeric(total["value"].reindex(index), errors="coerce"),
        "mental_health_status": health["value_status"].reindex(index),
        "all_status": total["value_status"].reindex(index),
        "note": health["note"].reindex(index).where(health["note"].reindex(index).notna(),
                                                     total["note"].reindex(index)),
    }, index=index)
    valid = out["mental_health"].notna() & (out["all_18_64"] > 0)
    out["share"] = (100 * out["mental_health"] / out["all_18_64"]).where(valid)
    return out.reset_index()[SHARE_COLUMNS].sort_values(["area_type", "area_name", "period"]).reset_index(drop=True)


def definition_breaks(breaks: pd.DataFrame, measure_id: str) -> pd.DataFrame:
    """A measure's definition changes (not renames, not area changes): period and note."""
    chosen = breaks[(breaks["measure_id"] == measure_id) & (breaks["kind"] == "definition")]
    if "area_code" in chosen:
        chosen = chosen[chosen["area_code"].isna()]
    return chosen[["period", "note"]].drop_duplicates("period").sort_values("period").reset_index(drop=True)


def comparable_runs(periods: list[str], break_periods: list[str]) -> list[list[str]]:
    """Consecutive runs of the axis's years that may be joined by a line: a new run starts at
    each definition break (a line is never drawn across one)."""
    runs: list[list[str]] = []
    for period in periods:
        if not runs or period in break_periods:
            runs.append([period])
        else:
            runs[-1].append(period)
    return runs


def _names(frame: pd.DataFrame) -> str:
    names = sorted(frame["area_name"].dropna().unique())
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def share_gaps(shares: pd.DataFrame, periods: list[str], councils_alive: dict[str, pd.DataFrame],
               not_held: dict[str, str] | None = None) -> list[str]:
    """Sentences on the years and places of the share chart with no figure, and why, from the
    rows themselves: years with no publication loaded (and, where the manifest lists one not
    held here, its title), suppressed or missing counts, councils of the year without a row, and
    regions that cannot be summed because a council's count is suppressed.
    councils_alive: period -> councils existing that year in the scope (area_code, area_name)."""
    not_held = not_held or {}
    sentences = []
    loaded = set(shares["period"])
    absent = [p for p in periods if p not in loaded]
    for period in absent:
        known = not_held.get(period)
        sentences.append(f"{period}: no figures, because no publication for this year is loaded here"
                         + (f" ({known} is listed as published but not held)." if known else "."))
    councils = shares[shares["area_type"] == "council"]
    for period in [p for p in periods if p in loaded]:
        year = councils[councils["period"] == period]
        for status, reason in STATUS_REASONS.items():
            hit = year[(year["mental_health_status"] == status) | (year["all_status"] == status)]
            if len(hit):
                sentences.append(f"{period}: no share for {_names(hit)}: the count of direct payments was "
                                 f"{reason}.")
        alive = councils_alive.get(period)
        if alive is not None and len(alive):
            without = alive[~alive["area_code"].isin(set(year["area_code"]))]
            if len(without):
                sentences.append(f"{period}: {_names(without)} {'is' if len(without) == 1 else 'are'} not in the "
                                 "publication's table for this year.")
    regions = shares[(shares["area_type"] == "region") & shares["share"].isna()]
    for period, group in regions.groupby("period"):
        sentences.append(f"{period}: no figure for {_names(group)}: a council's count was suppressed, "
                         "so the region's councils cannot be summed.")
    return sentences


def england_only(catalogue: pd.DataFrame, measure_ids: list[str], period: str) -> bool:
    """True when the year's client-group figures of these measures are published for England
    and no council: the catalogue says which."""
    rows = catalogue[catalogue["measure_id"].isin(measure_ids) & (catalogue["period"] == period)
                     & (catalogue["client_group"] != "all")]
    return not rows.empty and int(rows["councils"].sum()) == 0 and bool(rows["has_england"].fillna(False).any())


def mental_health_years(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Every year the warehouse holds any figure, with what it holds for mental health: one row
    per period with `councils` (council figures for mental health, any measure), `england`
    (whether England has one) and `measures` (which)."""
    rows = []
    for period, year in catalogue.groupby("period"):
        health = year[year["client_group"] == MENTAL_HEALTH]
        with_councils = health[health["councils"] > 0]
        england = health[health["has_england"].fillna(False).astype(bool)]
        rows.append({"period": period, "councils": int(with_councils["councils"].max()) if len(with_councils) else 0,
                     "england": not england.empty,
                     "measures": ", ".join(sorted(set(health["measure_id"])))})
    return pd.DataFrame(rows, columns=["period", "councils", "england", "measures"])


def year_gap_sentences(years: pd.DataFrame, first: str, last: str, not_held: dict[str, str] | None = None
                       ) -> list[str]:
    """'2013-14: ...' for every year from first to last: years with no figure at all loaded
    (naming the publication where the manifest lists one not held: `not_held`, period -> title),
    and years whose figures say nothing about mental health for councils."""
    held = years.set_index("period")
    sentences = []
    run: list[str] = []
    for period in financial_years(first, last) + [None]:
        nothing = period is not None and period not in held.index
        if nothing:
            run.append(period)
            continue
        if run:
            span = run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}"
            titles = [f"{not_held[p]} ({p})" for p in run if p in (not_held or {})]
            sentences.append(f"{span}: no publication for {'this year' if len(run) == 1 else 'these years'} "
                             "is loaded here, so there is no figure of any kind"
                             + (f"; published but not held: {'; '.join(titles)}." if titles else "."))
            run = []
    without = years[(years["councils"] == 0) & (years["period"] >= first) & (years["period"] <= last)]
    only_england = without[without["england"]]
    none = without[~without["england"]]
    axis = financial_years(first, last)
    if len(only_england):
        sentences.append(f"{year_phrase(list(only_england['period']), axis)}: mental-health figures are published "
                         "for England only, not for councils.")
    if len(none):
        sentences.append(f"{year_phrase(list(none['period']), axis)}: the publications loaded give no "
                         "mental-health breakdown at all (they do not report by client group).")
    return sentences


def _share_of(shares: pd.DataFrame, code: str, period: str) -> pd.Series | None:
    row = shares[(shares["area_code"] == code) & (shares["period"] == period) & shares["share"].notna()]
    return None if row.empty else row.iloc[0]


def share_sentence(shares: pd.DataFrame, period: str, codes: list[str]) -> str | None:
    """'In 2012-13, 6.5% of direct payments to adults aged 18-64 in Gateshead went to people with
    mental health needs (15 of 230), against 9.5% in the North East (430 of 4,540) and 11.4% in
    England (8,245 of 72,360).' The first code with a share leads; the others follow."""
    found = [r for r in (_share_of(shares, code, period) for code in dict.fromkeys(codes)) if r is not None]
    if not found:
        return None
    def part(r: pd.Series) -> str:
        return f"{r['share']:.1f}% in {r['area_name']} ({r['mental_health']:,.0f} of {r['all_18_64']:,.0f})"
    lead, rest = found[0], found[1:]
    text = (f"In {period}, {lead['share']:.1f}% of direct payments to adults aged 18-64 in {lead['area_name']} went "
            f"to people with mental health needs ({lead['mental_health']:,.0f} of {lead['all_18_64']:,.0f})")
    if rest:
        text += ", against " + " and ".join(part(r) for r in rest)
    return text + "."


def change_sentence(shares: pd.DataFrame, runs: list[list[str]], code: str) -> str | None:
    """The change in an area's share across the latest run of years counted the same way (never
    across a series break): 'In England the share rose from 10.6% in 2011-12 to 11.4% in 2012-13,
    years counted the same way.'"""
    for run in reversed(runs):
        own = [r for r in (_share_of(shares, code, p) for p in run) if r is not None]
        if len(own) >= 2:
            first, last = own[0], own[-1]
            difference = last["share"] - first["share"]
            verb = "rose" if difference > 0.05 else "fell" if difference < -0.05 else "stayed at about"
            change = (f"{verb} from {first['share']:.1f}% in {first['period']} to {last['share']:.1f}% in "
                      f"{last['period']}" if verb != "stayed at about" else
                      f"stayed at about {last['share']:.1f}% from {first['period']} to {last['period']}")
            return f"In {first['area_name']} the share {change}, years counted the same way."
    return None


def year_phrase(present: list[str], axis: list[str]) -> str:
    """The years with figures, runs of consecutive years joined: '2006-07 and 2008-09 to 2012-13'."""
    runs: list[list[str]] = []
    for period in axis:
        if period in present:
            if runs and axis.index(runs[-1][-1]) == axis.index(period) - 1:
                runs[-1].append(period)
            else:
                runs.append([period])
    spans = [run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    return spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + " and " + spans[-1] if spans else ""


def reason_period(catalogue: pd.DataFrame, measure_ids: tuple[str, ...] = ("sds_users", "dp_users")) -> str | None:
    """The latest year England has uptake figures by client group (primary support reason)."""
    rows = catalogue[catalogue["measure_id"].isin(measure_ids) & (catalogue["client_group"] != "all")
                     & catalogue["has_england"].fillna(False).astype(bool)]
    return None if rows.empty else rows["period"].max()


def client_group_sentence(rows: pd.DataFrame, *, period: str, label: str, codes: list[str]) -> str | None:
    """'In 2011-12, self-directed support for mental health was 14.6% in England, against 43.0%
    for all client groups; in North East 15.3% against 43.6%.' Each area with a mental-health
    value, in the order given; rows as the client-group chart draws them."""
    def value(code: str, group: str):
        found = rows[(rows["area_code"] == code) & (rows["client_group"] == group) & rows["value"].notna()]
        return None if found.empty else float(found.iloc[0]["value"])
    parts = []
    for code in dict.fromkeys(c for c in codes if c):
        health, everyone = value(code, MENTAL_HEALTH), value(code, "all")
        if health is None:
            continue
        names = rows.loc[rows["area_code"] == code, "area_name"]
        against = "" if everyone is None else f" against {everyone:.1f}%"
        parts.append((names.iloc[0], f"{health:.1f}%", against))
    if not parts:
        return None
    (name, health, against), rest = parts[0], parts[1:]
    text = f"In {period}, {label} for mental health was {health} in {name}"
    text += f",{against} for all client groups" if against else ""
    for name, health, against in rest:
        text += f"; in {name} {health}{against}"
    return text + "."
