"""One paragraph of plain English about an area's uptake, generated from its numbers. Pure.

    In 2024-25, 95.8% of adults using long-term support in Darlington received self-directed
    support (790 of 825), higher than England (82.4%), significantly. In the same year, 28.8%
    received direct payments (238 of 825), higher than England (24.5%), significantly. ...

"Significantly" follows the Fingertips convention used across the dashboard: England's value
lies outside the area's 95% interval (`compared_with_england` from the warehouse's gaps).

A value with a quality flag carries it in the same sentence, and one the flag forbids comparing
('not_compared') is never called higher or lower than England:

    In 2024-25, 22.2% of adults using long-term support in Gateshead received self-directed
    support (395 of 1,782) ⚠ but this figure is flagged (not comparable between councils;
    self-directed support reported equal to direct payments), so it is not compared with England.
"""
from __future__ import annotations

import pandas as pd

from .figures import CAVEAT_MARK, format_value, is_missing
from .labels import flag_words

ENGLAND = "E92000001"
TOPICS = {"sds_users": "self-directed support", "dp_users": "direct payments"}
STATUS_WORDS = {
    "suppressed": "suppressed (too few people to publish safely)",
    "not_applicable": "not applicable",
    "missing": "not published",
}
MENTAL_HEALTH_MEASURES = ["sds_users", "dp_users", "dp_recipients"]   # first with a value wins
AGE_PREFERENCE = ["all", "18-64", "65+", "under-65", "65-84", "85+"]
AGE_PHRASES = {"all": "adults", "18-64": "adults aged 18-64", "65+": "people aged 65 and over",
               "under-65": "people aged 64 and under", "65-84": "people aged 65-84",
               "85+": "people aged 85 and over"}


def _count(value: object) -> str:
    return f"{value:,.0f}"


def _counts(row) -> str:
    if is_missing(row.get("numerator")) or is_missing(row.get("denominator")):
        return ""
    return f" ({_count(row['numerator'])} of {_count(row['denominator'])})"


def _england_value(england: pd.DataFrame, row) -> object:
    match = england[(england["measure_id"] == row["measure_id"]) & (england["period"] == row["period"])
                    & (england["age_band"] == row["age_band"]) & (england["client_group"] == row["client_group"])]
    values = match["value"].dropna()
    return None if values.empty else float(values.iloc[0])


def _flagged(row, flag_labels: dict[str, str] | None) -> str:
    """' ⚠ (flagged: small rounded counts)' for a flagged value that is still compared."""
    words = flag_words(row.get("quality_flag"), flag_labels)
    return f" {CAVEAT_MARK} (flagged: {words})" if words else ""


def _comparison(row, england: pd.DataFrame, is_england: bool, flag_labels: dict[str, str] | None = None) -> str:
    """', higher than England (82.4%), significantly' and the like, with the value's flags; for
    England itself only its flags."""
    if row.get("compared_with_england") == "not_compared":
        words = flag_words(row.get("quality_flag"), flag_labels) or "see the caveats"
        return f" {CAVEAT_MARK} but this figure is flagged ({words}), so it is not compared with England"
    return _tested(row, england, is_england) + _flagged(row, flag_labels)


def _tested(row, england: pd.DataFrame, is_england: bool) -> str:
    if is_england:
        return ""
    england_value = _england_value(england, row)
    if england_value is None:
        return ", with no England figure for that year to compare with"
    shown = format_value(england_value, "percent")
    compared = row.get("compared_with_england")
    if compared in ("higher", "lower"):
        return f", {compared} than England ({shown}), significantly"
    if compared == "similar":
        return f", similar to England ({shown})"
    return f"; England's figure was {shown} (no counts to test the difference)"


def _rows_for(rows: pd.DataFrame, measure_id: str, age_band: str, client_group: str) -> pd.DataFrame:
    chosen = rows[(rows["measure_id"] == measure_id) & (rows["age_band"] == age_band)
                  & (rows["client_group"] == client_group)]
    return chosen.sort_values("period")


def _latest(chosen: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    """(latest row of any status, latest row with a value)."""
    if chosen.empty:
        return None, None
    valued = chosen[chosen["value"].notna()]
    return chosen.iloc[-1], (valued.iloc[-1] if not valued.empty else None)


def _unavailable(name: str, row, topic: str) -> str:
    status = STATUS_WORDS.get(row["value_status"], str(row["value_status"]).replace("_", " "))
    # The note says what the publication printed there and, where the publisher gave one, why.
    said = row.get("note")
    return f"{name}'s {row['period']} figure for {topic} was {status}." + (
        f" {said.strip()}" if isinstance(said, str) and said.strip() else "")


def _topic_sentences(rows: pd.DataFrame, england: pd.DataFrame, name: str, measure_id: str,
                     is_england: bool, previous_period: str | None,
                     flag_labels: dict[str, str] | None = None) -> tuple[list[str], str | None]:
    topic = TOPICS[measure_id]
    latest, valued = _latest(_rows_for(rows, measure_id, "all", "all"))
    if latest is None:
        return [f"No {topic} figure for all adults has been loaded for {name}."], None
    sentences = []
    if valued is None or latest["period"] > valued["period"]:
        sentences.append(_unavailable(name, latest, topic))
    if valued is None:
        return sentences, None
    value = format_value(valued["value"], "percent")
    tail = _counts(valued) + _comparison(valued, england, is_england, flag_labels) + "."
    if previous_period == valued["period"] and not sentences:
        sentences.append(f"In the same year, {value} received {topic}{tail}")
    else:
        sentences.append(f"In {valued['period']}, {value} of adults using long-term support in {name} "
                         f"received {topic}{tail}")
    return sentences, valued["period"]


def _mental_health_sentence(rows: pd.DataFrame, england: pd.DataFrame, name: str, is_england: bool,
                            flag_labels: dict[str, str] | None = None) -> str | None:
    health = rows[rows["client_group"] == "mental_health"]
    for measure_id in MENTAL_HEALTH_MEASURES:
        candidates = health[health["measure_id"] == measure_id]
        if candidates.empty:
            continue
        valued = candidates[candidates["value"].notna()]
        pool = valued if not valued.empty else candidates
        latest_period = pool["period"].max()
        pool = pool[pool["period"] == latest_period]
        pool = pool.assign(_order=[AGE_PREFERENCE.index(a) if a in AGE_PREFERENCE else 99 for a in pool["age_band"]])
        row = pool.sort_values("_order").iloc[0]
        who = AGE_PHRASES.get(row["age_band"], row["age_band"]) + " with mental health needs"
        topic = "direct payments" if measure_id.startswith("dp_") else "self-directed support"
        if valued.empty:
            return f"{name}'s {latest_period} figure for {who} receiving {topic} was " \
                   f"{STATUS_WORDS.get(row['value_status'], row['value_status'])}."
        if row.get("unit", "percent") == "count" or measure_id == "dp_recipients":
            return (f"In {latest_period}, {_count(row['value'])} {who} in {name} received direct payments"
                    f"{_flagged(row, flag_labels)}.")
        return (f"For {who}, {format_value(row['value'], 'percent')} received {topic} in {latest_period}"
                f"{_counts(row)}{_comparison(row, england, is_england, flag_labels)}.")
    return None


def summarise(rows: pd.DataFrame, area_code: str, area_name: str | None = None,
              flag_labels: dict[str, str] | None = None) -> str:
    """The paragraph for `area_code`, from observation rows of that area and of England
    (`area_name` as it reads mid-sentence, e.g. 'the North East'; columns: area_code, period,
    measure_id, age_band, client_group, value, numerator, denominator, value_status, and
    compared_with_england and quality_flag for the area's rows). `flag_labels`: quality flag
    code -> label, from the quality_flags table."""
    own = rows[rows["area_code"] == area_code]
    if area_name is None:
        area_name = own["area_name"].iloc[0] if "area_name" in own and not own.empty else area_code
    if own.empty:
        return f"No figures have been loaded for {area_name}."
    england = rows[rows["area_code"] == ENGLAND]
    is_england = area_code == ENGLAND
    sentences, period = _topic_sentences(own, england, area_name, "sds_users", is_england, None, flag_labels)
    more, _ = _topic_sentences(own, england, area_name, "dp_users", is_england, period, flag_labels)
    sentences += more
    health = _mental_health_sentence(own, england, area_name, is_england, flag_labels)
    if health:
        sentences.append(health)
    return " ".join(sentence[0].upper() + sentence[1:] for sentence in sentences)
