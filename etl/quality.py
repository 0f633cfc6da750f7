"""Checks of a published percentage against its own counts.

Publications round counts (to the nearest 5 in ASCOF and SALT) but compute percentages from
the unrounded counts, so a printed percentage may differ from numerator/denominator. We never
correct the published value; we say when the difference is worth a reader's attention.
"""
from __future__ import annotations

# A difference a reader would notice in a table printed to one decimal place.
NOTICEABLE_POINTS = 0.5


def ratio_range(numerator: float, denominator: float, rounded_to: float) -> tuple[float, float]:
    """Lowest and highest percentage the unrounded counts could give."""
    half = rounded_to / 2
    low = 100 * max(numerator - half, 0) / (denominator + half)
    high_den = denominator - half
    high = 100.0 if high_den <= 0 else min(100 * (numerator + half) / high_den, 100.0)
    return low, high


def beyond_rounding(value: float, numerator: float, denominator: float, rounded_to: float | None,
                    printed_decimals: int) -> bool:
    """Whether the printed value lies outside every ratio the rounded counts allow."""
    low, high = ratio_range(numerator, denominator, rounded_to or 0)
    printed_half = 0.5 * 10 ** -printed_decimals
    return value + printed_half < low or value - printed_half > high


def counts_check(value: float | None, numerator: float | None, denominator: float | None,
                 rounded_to: float | None, printed_decimals: int) -> str | None:
    """'beyond_rounding', 'consistent', or None when there are no counts to check against."""
    if value is None or numerator is None or not denominator:
        return None
    outside = beyond_rounding(value, numerator, denominator, rounded_to, printed_decimals)
    return "beyond_rounding" if outside else "consistent"


def consistency_note(value: float | None, numerator: float | None, denominator: float | None,
                     rounded_to: float | None, printed_decimals: int = 1) -> str | None:
    """A note when a published percentage and its counts disagree, else None."""
    if value is None or numerator is None or not denominator:
        return None
    ratio = 100 * numerator / denominator
    difference = value - ratio
    low, high = ratio_range(numerator, denominator, rounded_to or 0)
    rounding = (f"rounding the counts to the nearest {rounded_to:g}" if rounded_to
                else "rounding of the printed value")
    if beyond_rounding(value, numerator, denominator, rounded_to, printed_decimals):
        return (f"Published {value:g}% is further from the counts' ratio ({ratio:.1f}%) than "
                f"{rounding} can explain (they allow {low:.1f}% to {high:.1f}%). "
                "Shown as published.")
    if abs(difference) >= NOTICEABLE_POINTS:
        return (f"Published {value:g}% differs from the counts' ratio ({ratio:.1f}%) by "
                f"{abs(difference):.1f} points; {rounding} can explain this.")
    return None
